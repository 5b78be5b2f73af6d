/*
 * pdf_fonts.cpp — the fonts of a PDF: which characters a TrueType file has
 * (its 'cmap' table, read by us for errors that name the file), embedding it
 * for UTF-8 text or taking a standard font in WinAnsiEncoding, and which
 * font of a fallback chain draws each character.  Apart from the drawing
 * (pdf_canvas.cpp), which only asks these questions.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "pdf_fonts.h"
#include "pdf_document.h"

#include "strprintf.h"
#include "utf8_text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace dsr
{

namespace
{

[[noreturn]] void
fail_errno(const std::string &what, int err)
{
    throw PdfError(what + ": " + std::strerror(err));
}

} /* namespace */

/* ------------------------------------------------------------------------ */
/* TrueType character maps                                                  */
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
    const size_t cmap = 0; /* d_ is the table itself */
    uint32_t     nsub = u16(cmap + 2);
    size_t       fmt4 = 0, fmt12 = 0;
    for (uint32_t k = 0; k < nsub; k++)
    {
        size_t   rec = cmap + 4 + 8 * static_cast<size_t>(k);
        uint32_t platform = u16(rec), encoding = u16(rec + 2);
        size_t   sub = cmap + u32(rec + 4);
        bool     unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
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
            size_t   grp = fmt12 + 16 + 12 * static_cast<size_t>(g);
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
        ~Closer()
        {
            ::close(fd);
        }
    } closer{fd};

    /* `len` bytes at `off`, fewer at the end of the file */
    auto read_at = [&](size_t off, size_t len)
    {
        std::vector<unsigned char> buf(len);
        size_t                     got = 0;
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
    auto be = [](const std::vector<unsigned char> &b, size_t off, int bytes)
    {
        uint32_t v = 0;
        for (int k = 0; k < bytes; k++)
            v = v << 8 | b[off + k];
        return v;
    };
    auto not_a_font = [&] { return PdfError(strprintf("could not load font file \"%s\": not a TrueType font", path)); };

    /* the offset table, its table records, then the 'cmap' table alone */
    std::vector<unsigned char> head = read_at(0, 12);
    if (head.size() < 12)
        throw not_a_font();
    size_t base = 0; /* a collection ('ttcf'): its first font */
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
    size_t                     ntables = be(head, 4, 2);
    std::vector<unsigned char> dir = read_at(base + 12, 16 * ntables);
    if (ntables == 0 || dir.size() < 16 * ntables)
        throw not_a_font();
    for (size_t t = 0; t < ntables; t++)
        if (be(dir, 16 * t, 4) == 0x636D6170) /* 'cmap' */
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
/* Fonts of a document                                                      */
/* ------------------------------------------------------------------------ */

Font
HaruDoc::load_font(const char *path, const TtfCmap &cmap)
{
    if (!utf8_)
    {
        check(HPDF_UseUTFEncodings(doc_), "enabling UTF-8");
        check(HPDF_SetCurrentEncoder(doc_, "UTF-8"), "selecting the UTF-8 encoder");
        utf8_ = true;
    }
    size_t      len = std::strlen(path);
    bool        collection = len > 4 && std::strcmp(path + len - 4, ".ttc") == 0;
    const char *name = collection ? HPDF_LoadTTFontFromFile2(doc_, path, 0, HPDF_TRUE)
                                  : HPDF_LoadTTFontFromFile(doc_, path, HPDF_TRUE);
    if (!name || has_error())
        throw PdfError(strprintf("could not load font file \"%s\": ", path) + describe(HPDF_INVALID_FONTDEF_DATA));
    Font f;
    f.h = HPDF_GetFont(doc_, name, "UTF-8");
    if (!f.h || has_error())
        throw PdfError(strprintf("could not use font file \"%s\" with UTF-8: ", path) + describe(HPDF_INVALID_FONT));
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
        throw PdfError(strprintf("could not use the standard font %s: ", name) + describe(HPDF_INVALID_FONT));
    /* not in WinAnsiEncoding: a string needing it goes to a TrueType font */
    f.repl = "\xEF\xBF\xBD";
    f.win_ansi = true;
    return f;
}

/* ------------------------------------------------------------------------ */
/* Which font, which bytes                                                  */
/* ------------------------------------------------------------------------ */

std::string
font_bytes(const Font &f, const std::string &s)
{
    if (!f.win_ansi)
        return s;
    std::string out;
    if (!encode_win_ansi(s, out))
        throw OutsideFontEncoding("text outside WinAnsiEncoding");
    return out;
}

std::vector<std::pair<const Font *, std::string>>
font_runs(const Font &f, const std::string &s)
{
    std::vector<std::pair<const Font *, std::string>> out;
    if (!f.fallback || !f.cmap)
    {
        out.emplace_back(&f, s);
        return out;
    }
    for (size_t i = 0; i < s.size();)
    {
        uint32_t    cp = 0;
        size_t      n = std::max<size_t>(1, decode_utf8(s, i, cp));
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

} /* namespace dsr */
