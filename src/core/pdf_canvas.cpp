/*
 * pdf_canvas.cpp — libharu document, fonts and drawing, every call checked.
 */
#include "pure_cpp.h"   /* first: no PostgreSQL header in src/core/ */

#include "pdf_canvas.h"

#include "strprintf.h"
#include "utf8_text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace dsr {

namespace {

const char *const kEllipsis = "\xE2\x80\xA6";   /* U+2026 */
const size_t kMaxLineChars = 1000;  /* more than any line of an A4 page holds at 7 pt */

[[noreturn]] void
fail_errno(const std::string &what, int err)
{
    throw PdfError(what + ": " + std::strerror(err));
}

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

} /* namespace */

/* ------------------------------------------------------------------------ */
/* TrueType fonts                                                           */
/* ------------------------------------------------------------------------ */

bool
TtfCmap::has(uint32_t cp) const
{
    try
    {
        return lookup(cp) != 0;
    }
    catch (const std::out_of_range &)
    {
        return false;
    }
}

uint32_t
TtfCmap::u16(size_t off) const
{
    if (off + 2 > d_.size())
        throw std::out_of_range("ttf");
    return static_cast<uint32_t>(d_[off] << 8 | d_[off + 1]);
}

uint32_t
TtfCmap::u32(size_t off) const
{
    return u16(off) << 16 | u16(off + 2);
}

uint32_t
TtfCmap::lookup(uint32_t cp) const
{
    const size_t cmap = 0;   /* d_ is the table itself */
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

TtfCmap
read_font_cmap(const char *path)
{
    if (!path || !*path)
        throw PdfError("no font file given");
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_errno(strprintf("could not open font file \"%s\"", path), errno);
    struct Closer
    {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};

    /* `len` bytes at `off`, fewer at the end of the file */
    auto read_at = [&](size_t off, size_t len) {
        std::vector<unsigned char> buf(len);
        size_t got = 0;
        while (got < len)
        {
            ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(off + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                fail_errno(strprintf("could not read font file \"%s\"", path), errno);
            if (n == 0)
                break;
            got += static_cast<size_t>(n);
        }
        buf.resize(got);
        return buf;
    };
    auto be = [](const std::vector<unsigned char> &b, size_t off, int bytes) {
        uint32_t v = 0;
        for (int k = 0; k < bytes; k++)
            v = v << 8 | b[off + k];
        return v;
    };
    auto not_a_font = [&] {
        return PdfError(strprintf("could not load font file \"%s\": not a TrueType font", path));
    };

    /* the offset table, its table records, then the 'cmap' table alone */
    std::vector<unsigned char> head = read_at(0, 12);
    if (head.size() < 12)
        throw not_a_font();
    size_t base = 0;   /* a collection ('ttcf'): its first font */
    if (be(head, 0, 4) == 0x74746366)
    {
        std::vector<unsigned char> first = read_at(12, 4);
        if (first.size() < 4)
            throw not_a_font();
        base = be(first, 0, 4);
        head = read_at(base, 12);
        if (head.size() < 12)
            throw not_a_font();
    }
    size_t ntables = be(head, 4, 2);
    std::vector<unsigned char> dir = read_at(base + 12, 16 * ntables);
    if (ntables == 0 || dir.size() < 16 * ntables)
        throw not_a_font();
    for (size_t t = 0; t < ntables; t++)
        if (be(dir, 16 * t, 4) == 0x636D6170)   /* 'cmap' */
        {
            size_t off = be(dir, 16 * t + 8, 4), len = be(dir, 16 * t + 12, 4);
            if (len < 4 || len > (16u << 20))
                throw not_a_font();
            std::vector<unsigned char> table = read_at(off, len);
            if (table.size() < len)
                throw not_a_font();
            return TtfCmap(std::move(table));
        }
    throw not_a_font();
}

/* ------------------------------------------------------------------------ */
/* Document                                                                 */
/* ------------------------------------------------------------------------ */

HaruDoc::HaruDoc()
{
    doc_ = HPDF_New(haru_error_handler, &err_);
    if (!doc_)
        throw PdfError("could not create PDF document (libharu: out of memory)");
    try
    {
        check(HPDF_SetCompressionMode(doc_, HPDF_COMP_ALL), "enabling compression");
    }
    catch (...)
    {
        HPDF_Free(doc_);   /* no destructor call when a constructor throws */
        throw;
    }
}

std::string
HaruDoc::describe(HPDF_STATUS st) const
{
    HPDF_STATUS code = err_.count ? err_.error_no : st;
    HPDF_STATUS detail = err_.count ? err_.detail_no : 0;
    return strprintf("%s (libharu error 0x%04X, detail %u)",
                     haru_error_text(code), static_cast<unsigned>(code),
                     static_cast<unsigned>(detail));
}

void
HaruDoc::check(HPDF_STATUS st, const char *what) const
{
    if (st != HPDF_OK || err_.count)
        throw PdfError(std::string("PDF generation failed while ") + what +
                       ": " + describe(st));
}

Font
HaruDoc::load_font(const char *path, const TtfCmap &cmap)
{
    if (!utf8_)
    {
        check(HPDF_UseUTFEncodings(doc_), "enabling UTF-8");
        check(HPDF_SetCurrentEncoder(doc_, "UTF-8"), "selecting the UTF-8 encoder");
        utf8_ = true;
    }
    size_t len = std::strlen(path);
    bool collection = len > 4 && std::strcmp(path + len - 4, ".ttc") == 0;
    const char *name = collection ? HPDF_LoadTTFontFromFile2(doc_, path, 0, HPDF_TRUE)
                                  : HPDF_LoadTTFontFromFile(doc_, path, HPDF_TRUE);
    if (!name || has_error())
        throw PdfError(strprintf("could not load font file \"%s\": ", path) +
                       describe(HPDF_INVALID_FONTDEF_DATA));
    Font f;
    f.h = HPDF_GetFont(doc_, name, "UTF-8");
    if (!f.h || has_error())
        throw PdfError(strprintf("could not use font file \"%s\" with UTF-8: ", path) +
                       describe(HPDF_INVALID_FONT));
    f.repl = cmap.has(0xFFFD) ? "\xEF\xBF\xBD" : "?";
    f.cmap = &cmap;
    return f;
}

Font
HaruDoc::standard_font(const char *name)
{
    Font f;
    f.h = HPDF_GetFont(doc_, name, HPDF_ENCODING_WIN_ANSI);
    if (!f.h || has_error())
        throw PdfError(strprintf("could not use the standard font %s: ", name) +
                       describe(HPDF_INVALID_FONT));
    /* not in WinAnsiEncoding: a string needing it goes to a TrueType font */
    f.repl = "\xEF\xBF\xBD";
    f.win_ansi = true;
    return f;
}

void
HaruDoc::set_info(const std::string &title, const std::string &author,
                  const std::string &creator)
{
    /* libharu writes an info string as UTF-16BE with a byte order mark
     * (<FEFF...>) when the current encoder is UTF-8, and byte for byte
     * otherwise: plain ASCII stays as it was, anything else goes through
     * the UTF-8 encoder (invalid UTF-8 is replaced first). */
    bool ascii = true;
    for (const std::string *s : {&title, &author, &creator})
        for (char c : *s)
            if (static_cast<unsigned char>(c) >= 0x80)
                ascii = false;
    if (!ascii && !utf8_)
    {
        check(HPDF_UseUTFEncodings(doc_), "enabling UTF-8");
        check(HPDF_SetCurrentEncoder(doc_, "UTF-8"), "selecting the UTF-8 encoder");
        utf8_ = true;
    }
    auto text = [&](const std::string &s) { return ascii ? s : sanitize_utf8(s, "?"); };
    check(HPDF_SetInfoAttr(doc_, HPDF_INFO_TITLE, text(title).c_str()), "setting the title");
    check(HPDF_SetInfoAttr(doc_, HPDF_INFO_AUTHOR, text(author).c_str()), "setting the author");
    check(HPDF_SetInfoAttr(doc_, HPDF_INFO_CREATOR, text(creator).c_str()),
          "setting the creator");
}

HPDF_Page
HaruDoc::add_a4_page()
{
    HPDF_Page page = HPDF_AddPage(doc_);
    if (!page)
        check(HPDF_INVALID_PAGE, "adding a page");
    check(HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT),
          "setting the page size");
    return page;
}

std::vector<unsigned char>
HaruDoc::save_to_memory()
{
    check(HPDF_SaveToStream(doc_), "saving the document");
    HPDF_UINT32 size = HPDF_GetStreamSize(doc_);
    check(HPDF_OK, "sizing the document");
    if (size == 0)
        throw PdfError("PDF generation failed: libharu produced an empty document");

    std::vector<unsigned char> out(size);
    HPDF_UINT32 got = 0;
    while (got < size)
    {
        HPDF_UINT32 chunk = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(doc_, out.data() + got, &chunk);
        got += chunk;
        if (st == HPDF_STREAM_EOF || chunk == 0)
            break;
        check(st, "reading the document");
    }
    if (got != size)
        throw PdfError(strprintf("PDF generation failed: read %u of %u bytes from libharu",
                                 static_cast<unsigned>(got), static_cast<unsigned>(size)));
    return out;
}

/* ------------------------------------------------------------------------ */
/* Drawing                                                                  */
/* ------------------------------------------------------------------------ */

Canvas::Canvas(const HaruDoc &doc, HPDF_Page page)
    : doc_(doc), page_(page), width_(HPDF_Page_GetWidth(page)),
      height_(HPDF_Page_GetHeight(page))
{
}

std::string
Canvas::encode(const Font &f, const std::string &s) const
{
    if (!f.win_ansi)
        return s;
    std::string out;
    if (!encode_win_ansi(s, out))
        throw OutsideFontEncoding("text outside WinAnsiEncoding");
    return out;
}

std::vector<std::pair<const Font *, std::string>>
Canvas::runs(const Font &f, const std::string &s) const
{
    std::vector<std::pair<const Font *, std::string>> out;
    if (!f.fallback || !f.cmap)
    {
        out.emplace_back(&f, s);
        return out;
    }
    for (size_t i = 0; i < s.size();)
    {
        uint32_t cp = 0;
        size_t n = std::max<size_t>(1, decode_utf8(s, i, cp));
        const Font *use = &f;
        if (!f.cmap->has(cp))
            for (const Font *c = f.fallback; c; c = c->fallback)
                if (c->cmap && c->cmap->has(cp))
                {
                    use = c;
                    break;
                }
        if (out.empty() || out.back().first != use)
            out.emplace_back(use, std::string());
        out.back().second.append(s, i, n);
        i += n;
    }
    return out;
}

float
Canvas::text_width(const Font &f, float size, const std::string &s) const
{
    if (s.empty())
        return 0.0f;
    if (f.fallback)
    {
        std::vector<std::pair<const Font *, std::string>> rs = runs(f, s);
        if (rs.size() > 1 || rs[0].first != &f)
        {
            float w = 0;
            for (const auto &r : rs)
            {
                Font one = *r.first;
                one.fallback = nullptr;
                w += text_width(one, size, r.second);
            }
            return w;
        }
    }
    std::string bytes = encode(f, s);
    HPDF_TextWidth tw = HPDF_Font_TextWidth(
        f.h, reinterpret_cast<const HPDF_BYTE *>(bytes.data()),
        static_cast<HPDF_UINT>(bytes.size()));
    doc_.check(HPDF_OK, "measuring text");
    return static_cast<float>(tw.width) * size / 1000.0f;
}

std::string
Canvas::fit_text(const Font &f, float size, const std::string &raw, float max_w) const
{
    std::string s = sanitize_utf8(raw, f.repl);
    std::vector<size_t> cuts;   /* byte offsets of character starts, kMaxLineChars + 1 at most */

    /* no line of the page holds more; libharu refuses to measure a string over 64 kB */
    for (size_t i = 0; i < s.size() && cuts.size() <= kMaxLineChars; i++)
        if (is_utf8_char_start(s[i]))
            cuts.push_back(i);
    if (cuts.size() > kMaxLineChars)
        s.resize(cuts[kMaxLineChars]);
    else if (text_width(f, size, s) <= max_w)
        return s;

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
        if (text_width(f, size, prefix(mid)) <= max_w)
            lo = mid;
        else
            hi = mid;
    }
    std::string out = prefix(lo);
    return text_width(f, size, out) <= max_w ? out : std::string();
}

void
Canvas::text(float x, float top, const Font &f, float size, const std::string &raw,
             const Rgb &c)
{
    std::string s = sanitize_utf8(raw, f.repl);
    if (s.empty())
        return;
    if (!f.win_ansi && !no_reorder_)
        s = visual_order(s);   /* right-to-left names in the order they are read */
    if (f.fallback)
    {
        std::vector<std::pair<const Font *, std::string>> rs = runs(f, s);
        if (rs.size() > 1 || rs[0].first != &f)
        {
            for (const auto &r : rs)
            {
                Font one = *r.first;
                one.fallback = nullptr;
                no_reorder_ = true;
                text(x, top, one, size, r.second, c);
                no_reorder_ = false;
                x += text_width(one, size, r.second);
            }
            return;
        }
    }
    std::string bytes = encode(f, s);
    fill_color(c);
    doc_.check(HPDF_Page_BeginText(page_), "beginning text");
    doc_.check(HPDF_Page_SetFontAndSize(page_, f.h, size), "selecting the font");
    doc_.check(HPDF_Page_TextOut(page_, x, y(top), bytes.c_str()), "drawing text");
    doc_.check(HPDF_Page_EndText(page_), "ending text");
}

void
Canvas::text_right(float right, float top, const Font &f, float size,
                   const std::string &raw, const Rgb &c)
{
    std::string s = sanitize_utf8(raw, f.repl);
    text(right - text_width(f, size, s), top, f, size, s, c);
}

void
Canvas::text_center(float center, float top, const Font &f, float size,
                    const std::string &raw, const Rgb &c)
{
    std::string s = sanitize_utf8(raw, f.repl);
    text(center - text_width(f, size, s) / 2.0f, top, f, size, s, c);
}

void
Canvas::rect(float x, float top, float w, float h, const Rgb &fill)
{
    fill_color(fill);
    doc_.check(HPDF_Page_Rectangle(page_, x, y(top + h), w, h), "drawing a rectangle");
    doc_.check(HPDF_Page_Fill(page_), "filling a rectangle");
}

void
Canvas::frame(float x, float top, float w, float h, const Rgb &stroke, float lw)
{
    stroke_color(stroke);
    doc_.check(HPDF_Page_SetLineWidth(page_, lw), "setting the line width");
    doc_.check(HPDF_Page_Rectangle(page_, x, y(top + h), w, h), "drawing a frame");
    doc_.check(HPDF_Page_Stroke(page_), "stroking a frame");
}

void
Canvas::line(float x1, float top1, float x2, float top2, const Rgb &stroke, float lw)
{
    stroke_color(stroke);
    doc_.check(HPDF_Page_SetLineWidth(page_, lw), "setting the line width");
    doc_.check(HPDF_Page_MoveTo(page_, x1, y(top1)), "drawing a line");
    doc_.check(HPDF_Page_LineTo(page_, x2, y(top2)), "drawing a line");
    doc_.check(HPDF_Page_Stroke(page_), "stroking a line");
}

void
Canvas::triangle(float x1, float top1, float x2, float top2, float x3, float top3,
                 const Rgb &fill)
{
    fill_color(fill);
    doc_.check(HPDF_Page_MoveTo(page_, x1, y(top1)), "drawing a triangle");
    doc_.check(HPDF_Page_LineTo(page_, x2, y(top2)), "drawing a triangle");
    doc_.check(HPDF_Page_LineTo(page_, x3, y(top3)), "drawing a triangle");
    doc_.check(HPDF_Page_ClosePath(page_), "drawing a triangle");
    doc_.check(HPDF_Page_Fill(page_), "filling a triangle");
}

void
Canvas::fill_color(const Rgb &c)
{
    doc_.check(HPDF_Page_SetRGBFill(page_, c.r, c.g, c.b), "setting a colour");
}

void
Canvas::stroke_color(const Rgb &c)
{
    doc_.check(HPDF_Page_SetRGBStroke(page_, c.r, c.g, c.b), "setting a colour");
}

} /* namespace dsr */
