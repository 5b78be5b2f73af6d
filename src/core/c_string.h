/*
 * c_string.h — strings across a C API: a malloc'd copy handed to the C
 * caller, and a C string that may be NULL read as "".  Shared by the C entry
 * points of metrics_payload.cpp and grouping_key_path.cpp.
 */
#ifndef DSR_C_STRING_H
#define DSR_C_STRING_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include <cstdlib>
#include <cstring>
#include <string>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

/* malloc'd copy for the C caller; NULL when out of memory. */
inline char *
to_c_string(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p)
        std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

inline std::string
string_or_empty(const char *s)
{
    return s ? std::string(s) : std::string();
}

} /* namespace dsr */

#endif /* DSR_C_STRING_H */
