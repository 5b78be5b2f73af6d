/*
 * pdf_report.cpp — the one-page "Daily sales report" PDF, drawn with libharu.
 *
 * Pure C++17: no PostgreSQL header may be included here.  The only entry
 * point is dsr_pdf_write() (C linkage, see pdf_report.h); it never throws.
 *
 * Structure of this file:
 *   - small text helpers (UTF-8 sanitising, number / money / date formatting)
 *   - a tiny TrueType 'cmap' reader, to know whether a font has U+FFFD
 *   - RAII around HPDF_Doc and the libharu error callback
 *   - Canvas: checked drawing primitives in top-down page coordinates
 *   - the page layout (header, KPI tiles, hourly chart, top products, footer)
 *   - the atomic file write (mkdir -p, temp file, fsync, rename, fsync dir)
 */
#include "pdf_report.h"

#include <hpdf.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Thrown inside this file only; dsr_pdf_write turns it into ok=false. */
struct PdfError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

std::string
strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

std::string
strprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = std::vsnprintf(nullptr, 0, fmt, ap);
    va_end(ap);
    std::string out;
    if (n > 0)
    {
        std::vector<char> buf(static_cast<size_t>(n) + 1);
        std::vsnprintf(buf.data(), buf.size(), fmt, ap2);
        out.assign(buf.data(), static_cast<size_t>(n));
    }
    va_end(ap2);
    return out;
}

[[noreturn]] void
fail_errno(const std::string &what, int err)
{
    throw PdfError(what + ": " + std::strerror(err));
}

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                    */
/* ------------------------------------------------------------------------ */

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

/*
 * Decode one UTF-8 sequence at s[i] (strictly: no overlongs, no surrogates,
 * nothing above U+10FFFF).  Returns its length, or 0 if the bytes there are
 * not a valid sequence (then one byte should be skipped).
 */
size_t
decode_utf8(const std::string &s, size_t i, uint32_t &cp)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data()) + i;
    size_t left = s.size() - i;
    unsigned char b0 = p[0];

    if (b0 < 0x80)
    {
        cp = b0;
        return 1;
    }

    size_t len;
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

/*
 * Make text safe for libharu's UTF-8 encoder, which only knows the Basic
 * Multilingual Plane: every code point above U+FFFF, every invalid byte
 * sequence and the non-characters U+FFFE/U+FFFF become `repl` (one per bad
 * sequence); control characters become spaces.
 */
std::string
sanitize(const std::string &in, const std::string &repl)
{
    std::string out;
    out.reserve(in.size());
    size_t i = 0;
    while (i < in.size())
    {
        uint32_t cp = 0;
        size_t len = decode_utf8(in, i, cp);
        if (len == 0)
        {
            /* skip the lead byte and any stray continuation bytes after it */
            i++;
            while (i < in.size() &&
                   (static_cast<unsigned char>(in[i]) & 0xC0) == 0x80)
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

std::string
str_or(const char *s, const char *dflt)
{
    return (s && *s) ? std::string(s) : std::string(dflt);
}

/* ------------------------------------------------------------------------ */
/* Numbers, money, dates                                                    */
/* ------------------------------------------------------------------------ */

/* "1234567" -> "1,234,567" (digits only) */
std::string
group_digits(const std::string &digits)
{
    std::string out;
    size_t n = digits.size();
    for (size_t k = 0; k < n; k++)
    {
        if (k > 0 && (n - k) % 3 == 0)
            out += ',';
        out += digits[k];
    }
    return out;
}

std::string
format_int(int64_t v)
{
    uint64_t mag = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1
                         : static_cast<uint64_t>(v);
    std::string s = group_digits(std::to_string(mag));
    return v < 0 ? "-" + s : s;
}

/* A plain decimal "-?digits(.digits)?" -> grouped, at least two decimals. */
bool
format_decimal_text(const std::string &t, std::string &out)
{
    size_t i = 0;
    bool neg = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+'))
    {
        neg = t[i] == '-';
        i++;
    }
    size_t int_start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
        i++;
    std::string int_part = t.substr(int_start, i - int_start);
    std::string frac;
    if (i < t.size() && t[i] == '.')
    {
        i++;
        size_t fs = i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
            i++;
        frac = t.substr(fs, i - fs);
    }
    if (i != t.size() || (int_part.empty() && frac.empty()))
        return false;

    /* drop leading zeros, keep one */
    size_t nz = int_part.find_first_not_of('0');
    int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
    while (frac.size() < 2)
        frac += '0';

    bool zero = int_part == "0" && frac.find_first_not_of('0') == std::string::npos;
    out = (neg && !zero ? "-" : "") + group_digits(int_part) + "." + frac;
    return true;
}

std::string
format_money_double(double v)
{
    if (!std::isfinite(v))
        return "n/a";
    std::string s = strprintf("%.2f", v);
    std::string out;
    if (format_decimal_text(s, out))
        return out;
    return s;
}

/* Money from the exact *_text field, falling back to the double. */
std::string
format_money(const char *text, double fallback)
{
    std::string out;
    if (text && format_decimal_text(text, out))
        return out;
    return format_money_double(fallback);
}

/* An axis label: grouped integer, or with decimals when the step is small. */
std::string
format_axis(double v, double step)
{
    if (step >= 1.0)
        return format_int(static_cast<int64_t>(std::llround(v)));
    std::string s = strprintf("%.2f", v);
    std::string out;
    return format_decimal_text(s, out) ? out : s;
}

struct Date
{
    bool valid = false;
    int y = 0, m = 0, d = 0;
};

int64_t
days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's algorithm, proleptic Gregorian */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date
civil_from_days(int64_t z)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    Date r;
    r.d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    r.m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    r.y = static_cast<int>(yoe + era * 400 + (r.m <= 2));
    r.valid = true;
    return r;
}

Date
parse_date(const char *s)
{
    Date r;
    if (!s)
        return r;
    int y, m, d;
    char tail;
    if (std::sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return r;
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1)
        return r;
    /* round-trip to reject 2025-02-30 */
    Date back = civil_from_days(days_from_civil(y, m, d));
    if (back.y != y || back.m != m || back.d != d)
        return r;
    return back;
}

const char *const kWeekdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

int
weekday(const Date &dt) /* 0 = Sunday */
{
    int64_t z = days_from_civil(dt.y, dt.m, dt.d);
    return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

Date
add_days(const Date &dt, int n)
{
    return civil_from_days(days_from_civil(dt.y, dt.m, dt.d) + n);
}

std::string
iso(const Date &dt)
{
    return strprintf("%04d-%02d-%02d", dt.y, dt.m, dt.d);
}

/* ------------------------------------------------------------------------ */
/* TrueType cmap lookup (only to know whether U+FFFD exists in a font)      */
/* ------------------------------------------------------------------------ */

class TtfCmap
{
public:
    explicit TtfCmap(std::vector<unsigned char> data) : d_(std::move(data)) {}

    bool has(uint32_t cp) const
    {
        try
        {
            return lookup(cp) != 0;
        }
        catch (const std::out_of_range &)
        {
            return false;   /* malformed font: be conservative */
        }
    }

private:
    std::vector<unsigned char> d_;

    uint32_t u16(size_t off) const
    {
        if (off + 2 > d_.size())
            throw std::out_of_range("ttf");
        return static_cast<uint32_t>(d_[off] << 8 | d_[off + 1]);
    }
    uint32_t u32(size_t off) const
    {
        return u16(off) << 16 | u16(off + 2);
    }

    uint32_t lookup(uint32_t cp) const
    {
        uint32_t ntables = u16(4);
        size_t cmap = 0;
        for (uint32_t t = 0; t < ntables; t++)
        {
            size_t rec = 12 + 16 * static_cast<size_t>(t);
            if (u32(rec) == 0x636D6170)   /* 'cmap' */
                cmap = u32(rec + 8);
        }
        if (cmap == 0)
            return 0;

        uint32_t nsub = u16(cmap + 2);
        size_t fmt4 = 0, fmt12 = 0;
        for (uint32_t k = 0; k < nsub; k++)
        {
            size_t rec = cmap + 4 + 8 * static_cast<size_t>(k);
            uint32_t platform = u16(rec), encoding = u16(rec + 2);
            size_t sub = cmap + u32(rec + 4);
            bool unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
            if (!unicode)
                continue;
            uint32_t format = u16(sub);
            if (format == 4 && !fmt4)
                fmt4 = sub;
            else if (format == 12 && !fmt12)
                fmt12 = sub;
        }
        if (fmt12)
        {
            uint32_t ngroups = u32(fmt12 + 12);
            for (uint32_t g = 0; g < ngroups; g++)
            {
                size_t grp = fmt12 + 16 + 12 * static_cast<size_t>(g);
                uint32_t start = u32(grp), end = u32(grp + 4);
                if (cp >= start && cp <= end)
                    return u32(grp + 8) + (cp - start);
            }
            return 0;
        }
        if (fmt4 && cp <= 0xFFFF)
        {
            size_t segx2 = u16(fmt4 + 6);
            size_t ends = fmt4 + 14, starts = ends + segx2 + 2;
            size_t deltas = starts + segx2, ranges = deltas + segx2;
            for (size_t s = 0; s < segx2; s += 2)
            {
                uint32_t end = u16(ends + s);
                if (cp > end)
                    continue;
                uint32_t start = u16(starts + s);
                if (cp < start)
                    return 0;
                uint32_t delta = u16(deltas + s);
                uint32_t ro = u16(ranges + s);
                if (ro == 0)
                    return (cp + delta) & 0xFFFF;
                uint32_t gid = u16(ranges + s + ro + 2 * (cp - start));
                return gid == 0 ? 0 : ((gid + delta) & 0xFFFF);
            }
        }
        return 0;
    }
};

/* Read the font file ourselves first: the error then names the path and the
 * OS reason, which libharu would not tell us. */
std::vector<unsigned char>
read_font_file(const char *path)
{
    if (!path || !*path)
        throw PdfError("no font file given");
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_errno(strprintf("could not open font file \"%s\"", path), errno);
    std::vector<unsigned char> data;
    unsigned char buf[65536];
    for (;;)
    {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            int err = errno;
            ::close(fd);
            fail_errno(strprintf("could not read font file \"%s\"", path), err);
        }
        if (n == 0)
            break;
        data.insert(data.end(), buf, buf + n);
    }
    ::close(fd);
    return data;
}

/* ------------------------------------------------------------------------ */
/* libharu document + error callback                                        */
/* ------------------------------------------------------------------------ */

struct HaruErrorState
{
    HPDF_STATUS error_no = HPDF_OK;
    HPDF_STATUS detail_no = 0;
    unsigned count = 0;
};

/* Called by libharu on every error.  It only records: no throw, no longjmp;
 * the failing libharu call then returns an error code that we check. */
void
haru_error_handler(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    auto *st = static_cast<HaruErrorState *>(user_data);
    if (!st)
        return;
    if (st->count == 0)
    {
        st->error_no = error_no;
        st->detail_no = detail_no;
    }
    st->count++;
}

const char *
haru_error_text(HPDF_STATUS code)
{
    switch (code)
    {
        case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
        case HPDF_FILE_IO_ERROR: return "file I/O error";
        case HPDF_FILE_OPEN_ERROR: return "could not open file";
        case HPDF_INVALID_FONTDEF_DATA: return "invalid font data";
        case HPDF_INVALID_FONT_NAME: return "invalid font name";
        case HPDF_INVALID_ENCODER: return "invalid encoder";
        case HPDF_INVALID_ENCODING_NAME: return "invalid encoding name";
        case HPDF_TTF_CANNOT_EMBEDDING_FONT: return "font does not allow embedding";
        case HPDF_TTF_INVALID_CMAP: return "unsupported TrueType cmap";
        case HPDF_TTF_INVALID_FOMAT: return "not a TrueType font";
        case HPDF_TTF_MISSING_TABLE: return "TrueType font misses a required table";
        case HPDF_UNSUPPORTED_FONT_TYPE: return "unsupported font type";
        case HPDF_PAGE_INVALID_GMODE: return "drawing call in the wrong graphics mode";
        case HPDF_PAGE_FONT_NOT_FOUND: return "no font selected";
        case HPDF_PAGE_OUT_OF_RANGE: return "coordinates out of range";
        case HPDF_REAL_OUT_OF_RANGE: return "number out of range";
        case HPDF_STRING_OUT_OF_RANGE: return "string too long";
        case HPDF_ZLIB_ERROR: return "compression error";
        default: return "libharu error";
    }
}

class HaruDoc
{
public:
    HaruDoc()
    {
        doc_ = HPDF_New(haru_error_handler, &err_);
        if (!doc_)
            throw PdfError("could not create PDF document (libharu: out of memory)");
    }
    ~HaruDoc() { HPDF_Free(doc_); }
    HaruDoc(const HaruDoc &) = delete;
    HaruDoc &operator=(const HaruDoc &) = delete;

    HPDF_Doc get() const { return doc_; }

    /* Describe the first recorded error (or `st` if none was recorded). */
    std::string describe(HPDF_STATUS st) const
    {
        HPDF_STATUS code = err_.count ? err_.error_no : st;
        HPDF_STATUS detail = err_.count ? err_.detail_no : 0;
        return strprintf("%s (libharu error 0x%04X, detail %u)",
                         haru_error_text(code), static_cast<unsigned>(code),
                         static_cast<unsigned>(detail));
    }

    void check(HPDF_STATUS st, const char *what) const
    {
        if (st != HPDF_OK || err_.count)
            throw PdfError(std::string("PDF generation failed while ") + what +
                           ": " + describe(st));
    }

    bool has_error() const { return err_.count != 0; }

private:
    HaruErrorState err_;   /* must outlive doc_: declared first */
    HPDF_Doc doc_ = nullptr;
};

/* ------------------------------------------------------------------------ */
/* Drawing                                                                  */
/* ------------------------------------------------------------------------ */

struct Rgb
{
    float r, g, b;
};

const Rgb kInk{0.13f, 0.15f, 0.18f};
const Rgb kMuted{0.42f, 0.45f, 0.50f};
const Rgb kBrand{0.11f, 0.23f, 0.42f};
const Rgb kBrandLight{0.80f, 0.86f, 0.95f};
const Rgb kWhite{1.0f, 1.0f, 1.0f};
const Rgb kTile{0.957f, 0.965f, 0.980f};
const Rgb kRule{0.80f, 0.82f, 0.86f};
const Rgb kGrid{0.88f, 0.89f, 0.91f};
const Rgb kZebra{0.965f, 0.97f, 0.978f};
const Rgb kBar{0.27f, 0.49f, 0.78f};
const Rgb kPeak{0.93f, 0.53f, 0.13f};
const Rgb kUp{0.09f, 0.52f, 0.25f};
const Rgb kDown{0.78f, 0.15f, 0.15f};

struct Font
{
    HPDF_Font h = nullptr;
    std::string repl;   /* replacement for unsupported characters */
};

const char *const kEllipsis = "\xE2\x80\xA6";   /* U+2026 */

/* Page drawing with every libharu call checked; `top` coordinates grow
 * downwards from the top edge of the page (converted for PDF). */
class Canvas
{
public:
    Canvas(const HaruDoc &doc, HPDF_Page page)
        : doc_(doc), page_(page), height_(HPDF_Page_GetHeight(page))
    {
    }

    float y(float top) const { return height_ - top; }

    float width(const Font &f, float size, const std::string &s) const
    {
        if (s.empty())
            return 0.0f;
        HPDF_TextWidth tw = HPDF_Font_TextWidth(
            f.h, reinterpret_cast<const HPDF_BYTE *>(s.data()),
            static_cast<HPDF_UINT>(s.size()));
        doc_.check(HPDF_OK, "measuring text");
        return static_cast<float>(tw.width) * size / 1000.0f;
    }

    /* Sanitise, then cut to max_w with an ellipsis on a character boundary. */
    std::string fit(const Font &f, float size, const std::string &raw, float max_w) const
    {
        std::string s = sanitize(raw, f.repl);
        if (width(f, size, s) <= max_w)
            return s;

        std::vector<size_t> cuts;   /* byte offsets of character starts */
        for (size_t i = 0; i < s.size(); i++)
            if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
                cuts.push_back(i);

        /* widths of prefixes are monotonic: binary search the longest fit */
        size_t lo = 0, hi = cuts.size();   /* answer in [lo, hi) as count */
        auto prefix = [&](size_t nchars) {
            std::string p = s.substr(0, nchars < cuts.size() ? cuts[nchars] : s.size());
            while (!p.empty() && p.back() == ' ')
                p.pop_back();
            return p + kEllipsis;
        };
        while (lo + 1 < hi)
        {
            size_t mid = (lo + hi) / 2;
            if (width(f, size, prefix(mid)) <= max_w)
                lo = mid;
            else
                hi = mid;
        }
        std::string out = prefix(lo);
        return width(f, size, out) <= max_w ? out : std::string();
    }

    void text(float x, float top, const Font &f, float size, const std::string &raw,
              const Rgb &c)
    {
        std::string s = sanitize(raw, f.repl);
        if (s.empty())
            return;
        fill_color(c);
        doc_.check(HPDF_Page_BeginText(page_), "beginning text");
        doc_.check(HPDF_Page_SetFontAndSize(page_, f.h, size), "selecting the font");
        doc_.check(HPDF_Page_TextOut(page_, x, y(top), s.c_str()), "drawing text");
        doc_.check(HPDF_Page_EndText(page_), "ending text");
    }

    void text_right(float right, float top, const Font &f, float size,
                    const std::string &raw, const Rgb &c)
    {
        std::string s = sanitize(raw, f.repl);
        text(right - width(f, size, s), top, f, size, s, c);
    }

    void text_center(float center, float top, const Font &f, float size,
                     const std::string &raw, const Rgb &c)
    {
        std::string s = sanitize(raw, f.repl);
        text(center - width(f, size, s) / 2.0f, top, f, size, s, c);
    }

    void rect(float x, float top, float w, float h, const Rgb &fill)
    {
        fill_color(fill);
        doc_.check(HPDF_Page_Rectangle(page_, x, y(top + h), w, h), "drawing a rectangle");
        doc_.check(HPDF_Page_Fill(page_), "filling a rectangle");
    }

    void frame(float x, float top, float w, float h, const Rgb &stroke, float lw)
    {
        stroke_color(stroke);
        doc_.check(HPDF_Page_SetLineWidth(page_, lw), "setting the line width");
        doc_.check(HPDF_Page_Rectangle(page_, x, y(top + h), w, h), "drawing a frame");
        doc_.check(HPDF_Page_Stroke(page_), "stroking a frame");
    }

    void line(float x1, float top1, float x2, float top2, const Rgb &stroke, float lw)
    {
        stroke_color(stroke);
        doc_.check(HPDF_Page_SetLineWidth(page_, lw), "setting the line width");
        doc_.check(HPDF_Page_MoveTo(page_, x1, y(top1)), "drawing a line");
        doc_.check(HPDF_Page_LineTo(page_, x2, y(top2)), "drawing a line");
        doc_.check(HPDF_Page_Stroke(page_), "stroking a line");
    }

private:
    void fill_color(const Rgb &c)
    {
        doc_.check(HPDF_Page_SetRGBFill(page_, c.r, c.g, c.b), "setting a colour");
    }
    void stroke_color(const Rgb &c)
    {
        doc_.check(HPDF_Page_SetRGBStroke(page_, c.r, c.g, c.b), "setting a colour");
    }

    const HaruDoc &doc_;
    HPDF_Page page_;
    float height_;
};

/* ------------------------------------------------------------------------ */
/* Page layout                                                              */
/* ------------------------------------------------------------------------ */

constexpr float kMargin = 42.0f;

struct Change
{
    std::string text;
    Rgb color;
};

/* Day-over-day style change: "▲ +12.3%", "▼ -4.1%", "n/a" when prev is 0. */
Change
change(double cur, double prev)
{
    if (!std::isfinite(cur) || !std::isfinite(prev) || prev == 0.0)
        return {"n/a", kMuted};
    double pct = (cur - prev) / std::fabs(prev) * 100.0;
    if (!std::isfinite(pct))
        return {"n/a", kMuted};
    if (std::fabs(pct) < 0.05)
        return {"= 0.0%", kMuted};
    std::string num = strprintf("%.1f%%", std::fabs(pct));
    if (pct > 0)
        return {"\xE2\x96\xB2 +" + num, kUp};       /* ▲ */
    return {"\xE2\x96\xBC -" + num, kDown};          /* ▼ */
}

double
avg(double revenue, int64_t orders)
{
    return orders > 0 ? revenue / static_cast<double>(orders) : 0.0;
}

struct Tile
{
    std::string label;
    std::string value;
    std::string line1_label, line2_label;
    Change line1, line2;
};

class ReportPage
{
public:
    ReportPage(Canvas &cv, const Font &regular, const Font &bold, const DsrReport &r,
               float page_w, float page_h)
        : cv_(cv), reg_(regular), bold_(bold), r_(r), pw_(page_w), ph_(page_h),
          cw_(page_w - 2 * kMargin)
    {
        date_ = parse_date(r.report_date);
        date_text_ = str_or(r.report_date, "(unknown date)");
        tz_ = str_or(r.timezone, "(unknown time zone)");
        top_count_ = std::max(0, std::min(r.top_count, DSR_MAX_TOP_N));
        no_sales_ = r.orders <= 0 && top_count_ == 0;
    }

    void draw()
    {
        header();
        float top = kpi_tiles(112.0f);
        if (no_sales_)
            no_sales_notice(top + 26.0f);
        else
        {
            top = hourly_chart(top + 30.0f);
            top_products(top + 30.0f);
        }
        footer();
    }

private:
    Canvas &cv_;
    const Font &reg_;
    const Font &bold_;
    const DsrReport &r_;
    float pw_, ph_, cw_;
    Date date_;
    std::string date_text_, tz_;
    int top_count_ = 0;
    bool no_sales_ = false;

    std::string weekday_short(const Date &d) const
    {
        return std::string(kWeekdays[weekday(d)]).substr(0, 3);
    }

    void header()
    {
        const float band = 92.0f;
        cv_.rect(0, 0, pw_, band, kBrand);
        float right = pw_ - kMargin;

        float brand_w = cv_.width(bold_, 12, "TechCommerce");
        cv_.text_right(right, 48, bold_, 12, "TechCommerce", kWhite);
        cv_.text(kMargin, 50, bold_, 24,
                 cv_.fit(bold_, 24, "Daily sales report", cw_ - brand_w - 12), kWhite);

        std::string when = date_text_;
        if (date_.valid)
            when = std::string(kWeekdays[weekday(date_)]) + ", " + date_text_;
        std::string sub = when + "   \xC2\xB7   Time zone: " + tz_;
        if (r_.day_hours > 0 && r_.day_hours != 24)
            sub += strprintf("   \xC2\xB7   %d-hour day (clock change)", r_.day_hours);
        cv_.text(kMargin, 74, reg_, 11, cv_.fit(reg_, 11, sub, cw_), kBrandLight);
    }

    std::vector<Tile> tiles() const
    {
        const DsrTotals &pd = r_.previous_day, &wb = r_.week_before;
        std::string wk = date_.valid ? "vs last " + weekday_short(date_) : "vs week before";
        std::vector<Tile> t(4);

        t[0].label = "Revenue";
        t[0].value = format_money(r_.revenue_text, r_.revenue);
        t[0].line1 = change(r_.revenue, pd.revenue);
        t[0].line2 = change(r_.revenue, wb.revenue);

        t[1].label = "Orders";
        t[1].value = format_int(r_.orders);
        t[1].line1 = change(static_cast<double>(r_.orders), static_cast<double>(pd.orders));
        t[1].line2 = change(static_cast<double>(r_.orders), static_cast<double>(wb.orders));

        t[2].label = "Average ticket";
        t[2].value = format_money(r_.avg_ticket_text, r_.avg_ticket);
        double cur_avg = r_.avg_ticket;
        t[2].line1 = pd.orders > 0 ? change(cur_avg, avg(pd.revenue, pd.orders))
                                   : Change{"n/a", kMuted};
        t[2].line2 = wb.orders > 0 ? change(cur_avg, avg(wb.revenue, wb.orders))
                                   : Change{"n/a", kMuted};

        t[3].label = "Items sold";
        t[3].value = format_int(r_.items_sold);
        t[3].line1 = change(static_cast<double>(r_.items_sold), static_cast<double>(pd.items_sold));
        t[3].line2 = change(static_cast<double>(r_.items_sold), static_cast<double>(wb.items_sold));

        for (int k = 0; k < 4; k++)
        {
            t[k].line1_label = "vs prev. day";
            t[k].line2_label = wk;
        }
        return t;
    }

    /* Four KPI tiles; returns the top coordinate below them (and the legend). */
    float kpi_tiles(float top)
    {
        const float gap = 10.0f, h = 78.0f, pad = 9.0f;
        const float w = (cw_ - 3 * gap) / 4.0f;
        std::vector<Tile> ts = tiles();

        const float inner = w - 2 * pad;

        /* one value size for all tiles: the largest at which every value fits */
        float size = 18.0f;
        for (const Tile &t : ts)
            while (size > 9.0f && cv_.width(bold_, size, t.value) > inner)
                size -= 0.5f;

        for (size_t k = 0; k < ts.size(); k++)
        {
            const Tile &t = ts[k];
            float x = kMargin + static_cast<float>(k) * (w + gap);
            cv_.rect(x, top, w, h, kTile);
            cv_.rect(x, top, 3, h, kBrand);
            cv_.text(x + pad, top + 16, reg_, 9, cv_.fit(reg_, 9, t.label, inner), kMuted);

            /* truncation only as a last resort, for absurdly long values */
            cv_.text(x + pad, top + 40, bold_, size, cv_.fit(bold_, size, t.value, inner), kInk);

            const float small = 7.5f;
            auto detail = [&](float ltop, const std::string &label, const Change &c) {
                float vw = cv_.width(bold_, small, sanitize(c.text, bold_.repl));
                std::string lab = cv_.fit(reg_, small, label, inner - vw - 4);
                cv_.text(x + pad, ltop, reg_, small, lab, kMuted);
                cv_.text_right(x + w - pad, ltop, bold_, small, c.text, c.color);
            };
            detail(top + 57, t.line1_label, t.line1);
            detail(top + 69, t.line2_label, t.line2);
        }

        float ltop = top + h + 13;
        std::string legend;
        if (date_.valid)
            legend = "Changes compared with the previous day (" +
                     weekday_short(add_days(date_, -1)) + " " + iso(add_days(date_, -1)) +
                     ") and with the same weekday one week before (" +
                     weekday_short(add_days(date_, -7)) + " " + iso(add_days(date_, -7)) + ").";
        else
            legend = "Changes compared with the previous day and with the same weekday one week before.";
        cv_.text(kMargin, ltop, reg_, 7.5f, cv_.fit(reg_, 7.5f, legend, cw_), kMuted);
        return ltop;
    }

    void section_title(float top, const std::string &title, const std::string &note)
    {
        float tw = cv_.width(bold_, 12, title);
        cv_.text(kMargin, top, bold_, 12, title, kInk);
        if (!note.empty())
            cv_.text_right(pw_ - kMargin, top, reg_, 8.5f,
                           cv_.fit(reg_, 8.5f, note, cw_ - tw - 16), kMuted);
    }

    /* Bar chart of revenue per local hour; returns the top below it. */
    float hourly_chart(float top)
    {
        double vals[DSR_HOURS];
        double max_v = 0.0;
        int peak = -1;
        for (int h = 0; h < DSR_HOURS; h++)
        {
            double v = r_.hourly_revenue[h];
            vals[h] = std::isfinite(v) && v > 0 ? v : 0.0;
            if (vals[h] > max_v)
            {
                max_v = vals[h];
                peak = h;
            }
        }

        std::string note = peak >= 0
            ? strprintf("peak %02d:00\xE2\x80\x93%02d:00: ", peak, (peak + 1) % 24) +
                  format_money_double(max_v)
            : std::string("no revenue by hour");
        section_title(top, "Revenue by hour", note);

        /* nice scale: 4 steps of 1/2/2.5/5 x 10^k */
        double step = 25.0;
        if (max_v > 0)
        {
            double raw = max_v / 4.0;
            double mag = std::pow(10.0, std::floor(std::log10(raw)));
            double f = raw / mag;
            double nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
            step = nf * mag;
        }
        int steps = max_v > 0 ? static_cast<int>(std::ceil(max_v / step - 1e-9)) : 4;
        steps = std::max(1, steps);
        double scale_max = step * steps;

        const float label_size = 7.0f;
        float label_w = 0;
        for (int k = 0; k <= steps; k++)
            label_w = std::max(label_w, cv_.width(reg_, label_size, format_axis(step * k, step)));

        const float plot_top = top + 14, plot_h = 130;
        const float plot_bottom = plot_top + plot_h;
        const float plot_x = kMargin + label_w + 6;
        const float plot_w = pw_ - kMargin - plot_x;

        for (int k = 0; k <= steps; k++)
        {
            float gy = plot_bottom - plot_h * static_cast<float>(k) / static_cast<float>(steps);
            if (k > 0)
                cv_.line(plot_x, gy, plot_x + plot_w, gy, kGrid, 0.5f);
            cv_.text_right(plot_x - 5, gy + 2.5f, reg_, label_size, format_axis(step * k, step),
                           kMuted);
        }

        const float slot = plot_w / DSR_HOURS;
        const float bar_w = slot * 0.68f;
        for (int h = 0; h < DSR_HOURS; h++)
        {
            float cx = plot_x + slot * (static_cast<float>(h) + 0.5f);
            float bh = static_cast<float>(vals[h] / scale_max) * plot_h;
            if (bh > 0)
            {
                bh = std::max(bh, 0.6f);
                cv_.rect(cx - bar_w / 2, plot_bottom - bh, bar_w, bh, h == peak ? kPeak : kBar);
            }
            cv_.text_center(cx, plot_bottom + 10, reg_, label_size, strprintf("%d", h), kMuted);
        }
        cv_.line(plot_x, plot_bottom, plot_x + plot_w, plot_bottom, kMuted, 0.8f);

        std::string caption = "Hour of day (local time, " + tz_ + ")";
        cv_.text_center(plot_x + plot_w / 2, plot_bottom + 21, reg_, 7.5f,
                        cv_.fit(reg_, 7.5f, caption, plot_w), kMuted);
        return plot_bottom + 21;
    }

    void top_products(float top)
    {
        double top_rev = 0;
        for (int k = 0; k < top_count_; k++)
            if (std::isfinite(r_.top[k].revenue))
                top_rev += r_.top[k].revenue;

        std::string note;
        if (top_count_ > 0 && r_.revenue > 0)
            note = strprintf("top %d = %.1f%% of the day's revenue", top_count_,
                             top_rev / r_.revenue * 100.0);
        section_title(top, top_count_ > 0 ? strprintf("Top %d products", top_count_)
                                          : std::string("Top products"),
                      note);

        const float size = 8.5f, head_h = 17, row_h = 15;
        const float right = pw_ - kMargin;
        /* right edges of the numeric columns, and the product column */
        const float share_r = right - 6, rev_r = share_r - 62, qty_r = rev_r - 92;
        const float rank_r = kMargin + 22, name_x = kMargin + 30;
        /* the product column ends where the widest quantity begins */
        float qty_w = cv_.width(bold_, size, "Qty");
        for (int k = 0; k < top_count_; k++)
            qty_w = std::max(qty_w, cv_.width(reg_, size, format_int(r_.top[k].quantity)));
        const float name_w = qty_r - std::max(qty_w, 30.0f) - 14 - name_x;

        float y = top + 10;
        cv_.rect(kMargin, y, cw_, head_h, kGrid);
        float base = y + 11.5f;
        cv_.text_right(rank_r, base, bold_, size, "#", kInk);
        cv_.text(name_x, base, bold_, size, "Product", kInk);
        cv_.text_right(qty_r, base, bold_, size, "Qty", kInk);
        cv_.text_right(rev_r, base, bold_, size, "Revenue", kInk);
        cv_.text_right(share_r, base, bold_, size, "Share", kInk);
        y += head_h;

        if (top_count_ == 0)
        {
            cv_.text(name_x, y + 12, reg_, size, "No product data for this day.", kMuted);
            return;
        }

        for (int k = 0; k < top_count_; k++)
        {
            const DsrProduct &p = r_.top[k];
            if (k % 2 == 1)
                cv_.rect(kMargin, y, cw_, row_h, kZebra);
            base = y + 10.5f;
            cv_.text_right(rank_r, base, reg_, size, strprintf("%d", k + 1), kMuted);
            cv_.text(name_x, base, reg_, size,
                     cv_.fit(reg_, size, str_or(p.name, "(unnamed product)"), name_w), kInk);
            cv_.text_right(qty_r, base, reg_, size, format_int(p.quantity), kInk);
            cv_.text_right(rev_r, base, reg_, size, format_money(p.revenue_text, p.revenue),
                           kInk);
            std::string share = r_.revenue > 0 && std::isfinite(p.revenue)
                ? strprintf("%.1f%%", p.revenue / r_.revenue * 100.0)
                : std::string("\xE2\x80\x94");
            cv_.text_right(share_r, base, reg_, size, share, kInk);
            y += row_h;
        }
        cv_.line(kMargin, y, right, y, kRule, 0.6f);
    }

    void no_sales_notice(float top)
    {
        const float h = 130;
        cv_.rect(kMargin, top, cw_, h, kTile);
        cv_.frame(kMargin, top, cw_, h, kRule, 0.8f);
        float cx = pw_ / 2;
        cv_.text_center(cx, top + 58, bold_, 22,
                        cv_.fit(bold_, 22, "No sales on this day", cw_ - 20), kInk);
        std::string when = date_.valid
            ? std::string(kWeekdays[weekday(date_)]) + " " + date_text_
            : date_text_;
        std::string msg = "No orders were placed on " + when + " (" + tz_ + ").";
        cv_.text_center(cx, top + 82, reg_, 10, cv_.fit(reg_, 10, msg, cw_ - 20), kMuted);
        cv_.text_center(cx, top + 98, reg_, 10,
                        cv_.fit(reg_, 10,
                                "There is no product ranking and no hourly chart for this report.",
                                cw_ - 20),
                        kMuted);
    }

    void footer()
    {
        const float rule = ph_ - 46;
        cv_.line(kMargin, rule, pw_ - kMargin, rule, kRule, 0.6f);

        std::string qs = std::isfinite(r_.query_seconds) && r_.query_seconds >= 0
            ? (r_.query_seconds < 1 ? strprintf("%.1f ms", r_.query_seconds * 1000)
                                    : strprintf("%.2f s", r_.query_seconds))
            : std::string("n/a");
        const char *dot = "   \xC2\xB7   ";
        std::string l1 = "Generated " + str_or(r_.generated_at, "(unknown time)") + dot +
                         "Run #" + format_int(r_.run_id) + dot + "Query time " + qs + dot +
                         format_int(r_.rows_read) + " rows read";
        std::string l2 = "Generated by daily_sales_report";
        std::string right = "TechCommerce \xC2\xB7 page 1 of 1";
        float rw = cv_.width(reg_, 7.5f, right);

        cv_.text(kMargin, rule + 13, reg_, 7.5f, cv_.fit(reg_, 7.5f, l1, cw_), kMuted);
        cv_.text(kMargin, rule + 24, reg_, 7.5f, cv_.fit(reg_, 7.5f, l2, cw_ - rw - 10), kMuted);
        cv_.text_right(pw_ - kMargin, rule + 24, reg_, 7.5f, right, kMuted);
    }
};

/* ------------------------------------------------------------------------ */
/* Building the document                                                    */
/* ------------------------------------------------------------------------ */

Font
load_font(HaruDoc &doc, const char *path, const TtfCmap &cmap)
{
    HPDF_Doc pdf = doc.get();
    const char *name = HPDF_LoadTTFontFromFile(pdf, path, HPDF_TRUE);
    if (!name || doc.has_error())
        throw PdfError(strprintf("could not load font file \"%s\": ", path) +
                       doc.describe(HPDF_INVALID_FONTDEF_DATA));
    Font f;
    f.h = HPDF_GetFont(pdf, name, "UTF-8");
    if (!f.h || doc.has_error())
        throw PdfError(strprintf("could not use font file \"%s\" with UTF-8: ", path) +
                       doc.describe(HPDF_INVALID_FONT));
    f.repl = cmap.has(0xFFFD) ? "\xEF\xBF\xBD" : "?";
    return f;
}

/* Render the report into memory (libharu's memory stream). */
std::vector<unsigned char>
render(const DsrReport &r, const char *font_path, const char *bold_font_path)
{
    /* fonts are checked before libharu sees them, for errors with a reason */
    TtfCmap reg_cmap(read_font_file(font_path));
    TtfCmap bold_cmap(read_font_file(bold_font_path));

    HaruDoc doc;
    HPDF_Doc pdf = doc.get();

    doc.check(HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL), "enabling compression");
    doc.check(HPDF_UseUTFEncodings(pdf), "enabling UTF-8");
    doc.check(HPDF_SetCurrentEncoder(pdf, "UTF-8"), "selecting the UTF-8 encoder");

    Font regular = load_font(doc, font_path, reg_cmap);
    Font bold = std::strcmp(font_path, bold_font_path) == 0
        ? regular
        : load_font(doc, bold_font_path, bold_cmap);
    if (regular.repl != bold.repl)   /* one replacement everywhere */
        regular.repl = bold.repl = "?";

    std::string title = "Daily sales report " + sanitize(str_or(r.report_date, ""), "?");
    /* info strings are not UTF-8 aware in libharu: keep them ASCII */
    for (char &c : title)
        if (static_cast<unsigned char>(c) >= 0x80)
            c = '?';
    doc.check(HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, title.c_str()), "setting the title");
    doc.check(HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, "TechCommerce"), "setting the author");
    doc.check(HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "daily_sales_report"),
              "setting the creator");

    HPDF_Page page = HPDF_AddPage(pdf);
    if (!page)
        doc.check(HPDF_INVALID_PAGE, "adding a page");
    doc.check(HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT),
              "setting the page size");

    Canvas cv(doc, page);
    ReportPage rp(cv, regular, bold, r, HPDF_Page_GetWidth(page), HPDF_Page_GetHeight(page));
    rp.draw();

    doc.check(HPDF_SaveToStream(pdf), "saving the document");
    HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
    doc.check(HPDF_OK, "sizing the document");
    if (size == 0)
        throw PdfError("PDF generation failed: libharu produced an empty document");

    std::vector<unsigned char> out(size);
    HPDF_UINT32 got = 0;
    while (got < size)
    {
        HPDF_UINT32 chunk = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(pdf, out.data() + got, &chunk);
        got += chunk;
        if (st == HPDF_STREAM_EOF || chunk == 0)
            break;
        doc.check(st, "reading the document");
    }
    if (got != size)
        throw PdfError(strprintf("PDF generation failed: read %u of %u bytes from libharu",
                                 static_cast<unsigned>(got), static_cast<unsigned>(size)));
    return out;
}

/* ------------------------------------------------------------------------ */
/* Atomic file write                                                        */
/* ------------------------------------------------------------------------ */

/* mkdir -p */
void
make_dirs(const std::string &dir)
{
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0)
    {
        if (!S_ISDIR(st.st_mode))
            fail_errno(strprintf("could not create report directory \"%s\"", dir.c_str()),
                       ENOTDIR);
        return;
    }

    size_t pos = 0;
    while (pos != std::string::npos)
    {
        pos = dir.find('/', pos + 1);
        std::string prefix = dir.substr(0, pos);
        if (prefix.empty() || prefix.back() == '/')
            continue;
        if (::mkdir(prefix.c_str(), 0777) == 0)
            continue;
        int err = errno;
        if (err == EEXIST)
        {
            if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
                continue;
            err = ENOTDIR;
        }
        fail_errno(strprintf("could not create report directory \"%s\"", dir.c_str()), err);
    }
}

/* Closes the fd and removes the temporary file unless committed. */
class TempFile
{
public:
    explicit TempFile(std::string path) : path_(std::move(path)) {}
    ~TempFile()
    {
        if (fd_ >= 0)
            ::close(fd_);
        if (!committed_)
            ::unlink(path_.c_str());
    }
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;

    void open()
    {
        ::unlink(path_.c_str());   /* a leftover of a crashed run with our pid */
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd_ < 0)
            fail_errno(strprintf("could not create temporary report file \"%s\"",
                                 path_.c_str()),
                       errno);
    }

    void write_all(const std::vector<unsigned char> &data)
    {
        size_t done = 0;
        while (done < data.size())
        {
            ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
            if (n < 0)
            {
                if (errno == EINTR)
                    continue;
                fail_errno(strprintf("could not write report file \"%s\"", path_.c_str()),
                           errno);
            }
            if (n == 0)
                fail_errno(strprintf("could not write report file \"%s\"", path_.c_str()),
                           ENOSPC);
            done += static_cast<size_t>(n);
        }
    }

    int64_t sync_and_close()
    {
        if (::fsync(fd_) != 0)
            fail_errno(strprintf("could not fsync report file \"%s\"", path_.c_str()), errno);
        struct stat st;
        if (::fstat(fd_, &st) != 0)
            fail_errno(strprintf("could not stat report file \"%s\"", path_.c_str()), errno);
        int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0)
            fail_errno(strprintf("could not close report file \"%s\"", path_.c_str()), errno);
        return static_cast<int64_t>(st.st_size);
    }

    void commit() { committed_ = true; }
    const std::string &path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    bool committed_ = false;
};

void
fsync_dir(const std::string &dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
    {
        if (errno == EACCES)   /* as PostgreSQL does: not fatal for a directory */
            return;
        fail_errno(strprintf("could not open report directory \"%s\"", dir.c_str()), errno);
    }
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EBADF && err != EINVAL)
        fail_errno(strprintf("could not fsync report directory \"%s\"", dir.c_str()), err);
}

int64_t
write_atomically(const char *final_path_c, const std::vector<unsigned char> &data)
{
    if (!final_path_c || !*final_path_c)
        throw PdfError("no report file path given");
    std::string final_path(final_path_c);

    size_t slash = final_path.find_last_of('/');
    std::string dir = slash == std::string::npos ? "." : final_path.substr(0, slash);
    std::string base = slash == std::string::npos ? final_path : final_path.substr(slash + 1);
    if (dir.empty())
        dir = "/";
    if (base.empty() || base == "." || base == "..")
        throw PdfError(strprintf("invalid report file path \"%s\": no file name",
                                 final_path.c_str()));
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();

    make_dirs(dir);

    TempFile tmp((dir == "/" ? "" : dir) + "/." + base + ".tmp." +
                 std::to_string(static_cast<long>(::getpid())));
    tmp.open();
    tmp.write_all(data);
    int64_t bytes = tmp.sync_and_close();

    if (::rename(tmp.path().c_str(), final_path.c_str()) != 0)
        fail_errno(strprintf("could not rename \"%s\" to \"%s\"", tmp.path().c_str(),
                             final_path.c_str()),
                   errno);
    tmp.commit();
    fsync_dir(dir);
    return bytes;
}

/* Copy "prefix" + msg into the fixed buffer, cutting on a UTF-8 character
 * boundary.  Allocates nothing, so it is safe in any catch handler. */
void
set_error(DsrPdfResult &res, const char *prefix, const char *msg)
{
    const size_t cap = sizeof(res.error) - 1;
    size_t n = 0;
    unsigned char next = 0;   /* first byte that did not fit */
    for (const char *part : {prefix, msg})
        for (const char *p = part ? part : ""; *p && next == 0; p++)
        {
            if (n == cap)
                next = static_cast<unsigned char>(*p);
            else
                res.error[n++] = *p;
        }
    if ((next & 0xC0) == 0x80)
    {
        /* cut inside a character: drop its bytes that did fit */
        while (n > 0 && (static_cast<unsigned char>(res.error[n - 1]) & 0xC0) == 0x80)
            n--;
        if (n > 0 && static_cast<unsigned char>(res.error[n - 1]) >= 0xC0)
            n--;
    }
    res.error[n] = '\0';
}

} /* namespace */

extern "C" DsrPdfResult
dsr_pdf_write(const DsrReport *report, const char *font_path, const char *bold_font_path,
              const char *final_path)
{
    DsrPdfResult res;
    std::memset(&res, 0, sizeof res);
    res.ok = false;

    try
    {
        if (!report)
            throw PdfError("no report data given");
        if (!font_path || !*font_path)
            throw PdfError("no font file given");
        if (!bold_font_path || !*bold_font_path)
            throw PdfError("no bold font file given");
        if (!final_path || !*final_path)
            throw PdfError("no report file path given");

        std::vector<unsigned char> pdf = render(*report, font_path, bold_font_path);
        res.bytes = write_atomically(final_path, pdf);
        res.ok = true;
    }
    catch (const PdfError &e)
    {
        set_error(res, "", e.what());
    }
    catch (const std::bad_alloc &)
    {
        set_error(res, "could not write report: ", "out of memory");
    }
    catch (const std::exception &e)
    {
        set_error(res, "could not write report: ", e.what());
    }
    catch (...)
    {
        set_error(res, "could not write report: ", "unexpected error");
    }
    if (!res.ok)
        res.bytes = 0;
    return res;
}
