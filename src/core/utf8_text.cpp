/*
 * utf8_text.cpp — strict UTF-8 decoding/encoding, sanitising for libharu,
 * and WinAnsiEncoding.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "utf8_text.h"

#include <algorithm>
#include <vector>

namespace dsr
{

void
append_utf8(std::string &out, uint32_t cp)
{
    if (cp < 0x80)
        out += static_cast<char>(cp);
    else if (cp < 0x800)
    {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

size_t
decode_utf8(const std::string &s, size_t i, uint32_t &cp)
{
    const auto   *p = reinterpret_cast<const unsigned char *>(s.data()) + i;
    size_t        left = s.size() - i;
    unsigned char b0 = p[0];

    if (b0 < 0x80)
    {
        cp = b0;
        return 1;
    }

    size_t   len;
    uint32_t min;
    if ((b0 & 0xE0) == 0xC0)
    {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    }
    else if ((b0 & 0xF0) == 0xE0)
    {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    }
    else if ((b0 & 0xF8) == 0xF0)
    {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    }
    else
        return 0;

    if (left < len)
        return 0;
    for (size_t k = 1; k < len; k++)
    {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

std::string
sanitize_utf8(const std::string &in, const std::string &repl)
{
    std::string out;
    out.reserve(in.size());
    size_t i = 0;
    while (i < in.size())
    {
        uint32_t cp = 0;
        size_t   len = decode_utf8(in, i, cp);
        if (len == 0)
        {
            /* skip the lead byte and any stray continuation bytes after it */
            i++;
            while (i < in.size() && !is_utf8_char_start(in[i]))
                i++;
            out += repl;
            continue;
        }
        i += len;
        if (cp > 0xFFFF || cp == 0xFFFE || cp == 0xFFFF)
            out += repl;
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            out += ' ';
        else
            append_utf8(out, cp);
    }
    return out;
}

namespace
{

/* The code points of WinAnsiEncoding's bytes 0x80..0x9F (0 = no character):
 * what Windows-1252 puts where Latin-1 has control characters. */
const uint16_t kWinAnsi80[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

} /* namespace */

bool
encode_win_ansi(const std::string &in, std::string &out)
{
    out.clear();
    out.reserve(in.size());
    size_t i = 0;
    while (i < in.size())
    {
        uint32_t cp = 0;
        size_t   len = decode_utf8(in, i, cp);
        if (len == 0)
            return false;
        i += len;
        /* U+00AD (soft hyphen) has a code, but a PDF reader shows and copies
         * it as a plain hyphen: left to a TrueType font, which keeps it */
        if ((cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF && cp != 0xAD))
        {
            out += static_cast<char>(cp);
            continue;
        }
        unsigned k = 0;
        while (k < 32 && kWinAnsi80[k] != cp)
            k++;
        if (cp == 0 || k == 32)
            return false;
        out += static_cast<char>(0x80 + k);
    }
    return true;
}

namespace
{

enum BidiClass
{
    kNeutral,
    kLeft,
    kRight
};

bool
is_rtl(uint32_t cp)
{
    return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF);
}

BidiClass
bidi_class(uint32_t cp)
{
    if (is_rtl(cp))
        return kRight;
    if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
        return kLeft;
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F))
        return kNeutral;
    return kLeft;
}

uint32_t
mirrored(uint32_t cp)
{
    switch (cp)
    {
        case '(':
            return ')';
        case ')':
            return '(';
        case '[':
            return ']';
        case ']':
            return '[';
        case '{':
            return '}';
        case '}':
            return '{';
        case '<':
            return '>';
        case '>':
            return '<';
        default:
            return cp;
    }
}

} /* namespace */

std::string
visual_order(const std::string &s)
{
    std::vector<uint32_t> cps;
    bool                  any_rtl = false;
    for (size_t i = 0; i < s.size();)
    {
        uint32_t cp = 0;
        size_t   n = decode_utf8(s, i, cp);
        if (n == 0)
            return s; /* not valid UTF-8: leave it */
        any_rtl = any_rtl || is_rtl(cp);
        cps.push_back(cp);
        i += n;
    }
    if (!any_rtl)
        return s;

    const size_t           n = cps.size();
    std::vector<BidiClass> cls(n);
    BidiClass              base = kNeutral;
    for (size_t k = 0; k < n; k++)
    {
        cls[k] = bidi_class(cps[k]);
        if (base == kNeutral && cls[k] != kNeutral)
            base = cls[k];
    }
    /* neutrals between two strong characters of one direction take it, else the base's */
    for (size_t k = 0; k < n;)
    {
        if (cls[k] != kNeutral)
        {
            k++;
            continue;
        }
        size_t e = k;
        while (e < n && cls[e] == kNeutral)
            e++;
        BidiClass before = k > 0 ? cls[k - 1] : base, after = e < n ? cls[e] : base;
        for (size_t j = k; j < e; j++)
            cls[j] = before == after ? before : base;
        k = e;
    }
    /* embedding levels, then reverse from the highest level down (rule L2) */
    std::vector<int> level(n);
    for (size_t k = 0; k < n; k++)
        level[k] = base == kRight ? (cls[k] == kRight ? 1 : 2) : (cls[k] == kRight ? 1 : 0);
    for (size_t k = 0; k < n; k++)
        if (level[k] % 2 == 1)
            cps[k] = mirrored(cps[k]);
    for (int lv = 2; lv >= 1; lv--)
        for (size_t k = 0; k < n;)
        {
            if (level[k] < lv)
            {
                k++;
                continue;
            }
            size_t e = k;
            while (e < n && level[e] >= lv)
                e++;
            std::reverse(cps.begin() + static_cast<long>(k), cps.begin() + static_cast<long>(e));
            k = e;
        }
    std::string out;
    for (uint32_t cp : cps)
        append_utf8(out, cp);
    return out;
}

unsigned
scripts_needing_shaping(const std::string &s)
{
    unsigned found = 0;
    for (size_t i = 0; i < s.size();)
    {
        uint32_t cp = 0;
        size_t   n = decode_utf8(s, i, cp);
        i += n ? n : 1;
        if ((cp >= 0x0600 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF))
            found |= kScriptArabic;
        else if (cp >= 0x0900 && cp <= 0x0DFF)
            found |= kScriptIndic;
    }
    return found;
}

} /* namespace dsr */
