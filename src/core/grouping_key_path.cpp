/*
 * grouping_key_path.cpp — the URL path of a Pushgateway group,
 * "/metrics/job/<job>[/<label>/<value>]", in the grouping-key syntax:
 * percent-encoding, and the "@base64" (base64url) form for values that
 * hold a '/' or are empty.  Apart from the bodies (metrics_payload.cpp):
 * a body says what is pushed, the path says where.
 *
 * Pure C++17, no PostgreSQL header.  The C entry point catches everything:
 * a C++ exception never crosses into PostgreSQL (it gets NULL instead).
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "grouping_key_path.h"
#include "c_string.h"

#include <string>

namespace
{

std::string
base64url(const std::string &in)
{
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string       out;
    size_t            i = 0;
    for (; i + 3 <= in.size(); i += 3)
    {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const size_t rest = in.size() - i;
    if (rest == 1)
    {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    }
    else if (rest == 2)
    {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

/* RFC 3986: unreserved characters stay, every other byte becomes %XX. */
std::string
percent_encode(const std::string &in)
{
    static const char kHex[] = "0123456789ABCDEF";
    std::string       out;
    for (char ch : in)
    {
        const unsigned char c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~')
            out += ch;
        else
        {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

/* "/<name>/<value>" in the Pushgateway's grouping-key syntax. */
std::string
path_pair(const std::string &name, const std::string &value)
{
    if (value.empty())
        return "/" + percent_encode(name) + "@base64/=";
    if (value.find('/') != std::string::npos)
        return "/" + percent_encode(name) + "@base64/" + base64url(value);
    return "/" + percent_encode(name) + "/" + percent_encode(value);
}

} // namespace

/* ------------------------------------------------------------------------
 * C API
 * ------------------------------------------------------------------------ */

extern "C" char *
dsr_group_path(const char *job, const char *label_name, const char *label_value) noexcept
{
    try
    {
        std::string path = "/metrics";
        path += path_pair("job", dsr::string_or_empty(job));
        if (label_name)
            path += path_pair(label_name, dsr::string_or_empty(label_value));
        return dsr::to_c_string(path);
    }
    catch (...)
    {
        return nullptr;
    }
}
