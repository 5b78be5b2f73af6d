/*
 * pdf_report.cpp — the "Daily sales report" PDF document: its fonts (the
 * standard ones, or TrueType with fallbacks when a name needs them), the
 * page (pdf_page.cpp) and dsr_pdf_write(), the module's only entry point (C
 * linkage, never throws).
 *
 * Pure C++17: no PostgreSQL header may be included here.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "pdf_report.h"

#include "atomic_file.h"
#include "pdf_canvas.h"
#include "pdf_page.h"
#include "strprintf.h"
#include "utf8_text.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace
{

using namespace dsr;

/* ------------------------------------------------------------------------ */
/* Building the document                                                    */
/* ------------------------------------------------------------------------ */

/* The TrueType fonts of the settings, read and checked. */
struct FontFiles
{
    const char *regular_path, *bold_path;
    TtfCmap     regular, bold;
    /* fallback fonts a name needs, in the order they are tried */
    std::vector<std::pair<std::string, TtfCmap>> fallbacks;
};

/* fonts-wqy-zenhei (CJK) and fonts-lohit-deva (Devanagari): TrueType
 * outlines (libharu cannot load CFF ones) */
const char *const kDefaultFallbackFonts = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc:"
                                          "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf";

TtfCmap
checked_font(const char *path)
{
    TtfCmap cmap = read_font_cmap(path);
    if (!cmap.has('A'))
        throw PdfError(strprintf("could not load font file \"%s\": ", path) +
                       "not a TrueType font with a Unicode character map");
    return cmap;
}

/* The document with the standard fonts (`ttf` null: nothing embedded, and
 * OutsideFontEncoding for text they cannot show) or with `ttf` embedded. */
std::vector<unsigned char>
render_with(const DsrReport &r, const FontFiles *ttf, unsigned &unshaped)
{
    HaruDoc           doc;
    Font              regular, bold;
    std::vector<Font> fallbacks(ttf ? ttf->fallbacks.size() : 0); /* not resized: pointers */
    if (!ttf)
    {
        regular = doc.standard_font("Helvetica");
        bold = doc.standard_font("Helvetica-Bold");
    }
    else
    {
        regular = doc.load_font(ttf->regular_path, ttf->regular);
        bold = std::strcmp(ttf->regular_path, ttf->bold_path) == 0 ? regular : doc.load_font(ttf->bold_path, ttf->bold);
        if (regular.repl != bold.repl) /* one replacement everywhere */
            regular.repl = bold.repl = "?";
        for (size_t k = 0; k < fallbacks.size(); k++)
        {
            fallbacks[k] = doc.load_font(ttf->fallbacks[k].first.c_str(), ttf->fallbacks[k].second);
            fallbacks[k].repl = regular.repl;
            if (k > 0)
                fallbacks[k - 1].fallback = &fallbacks[k];
        }
        if (!fallbacks.empty())
            regular.fallback = bold.fallback = &fallbacks[0];
    }

    doc.set_info(std::string(report_title(r.locale)) + " " + sanitize_utf8(r.report_date ? r.report_date : "", "?"),
                 sanitize_utf8(r.shop_name ? r.shop_name : "", "?"), "daily_sales_report");

    Canvas cv(doc, doc.add_a4_page());
    unshaped = draw_report_page(cv, regular, bold, r);
    return doc.save_to_memory();
}

/* Whether a string from the data (the labels are ours) has a character
 * that `fallback` has and one of the fonts lacks. */
bool
needs_fallback(const DsrReport &r, const TtfCmap &regular, const TtfCmap &bold, const TtfCmap &fallback)
{
    std::vector<const char *> texts{r.shop_name, r.timezone, r.generated_at, r.report_date};
    for (int k = 0; k < std::max(0, std::min(r.top_count, DSR_MAX_TOP_N)); k++)
        texts.push_back(r.top[k].name);
    for (const char *t : texts)
    {
        if (!t)
            continue;
        std::string s(t);
        for (size_t i = 0; i < s.size();)
        {
            uint32_t cp = 0;
            size_t   n = decode_utf8(s, i, cp);
            i += n ? n : 1;
            if (n && cp >= 0x80 && (!regular.has(cp) || !bold.has(cp)) && fallback.has(cp))
                return true;
        }
    }
    return false;
}

/*
 * Helvetica when every string of the page is in WinAnsiEncoding: built into
 * every PDF reader, nothing embedded, small and fast.  Otherwise the page is
 * made again with the TrueType fonts embedded for UTF-8 (libharu builds a
 * 65,536-entry glyph map per font and embeds them whole: ~10 ms and ~90 kB
 * each).
 */
std::vector<unsigned char>
render(const DsrReport &r, const char *font_path, const char *bold_font_path, unsigned &unshaped)
{
    /* fonts are checked on every run, for errors with a reason whatever the text */
    FontFiles ttf{font_path, bold_font_path, checked_font(font_path), checked_font(bold_font_path), {}};
    try
    {
        return render_with(r, nullptr, unshaped);
    }
    catch (const OutsideFontEncoding &)
    {
    }
    /* the fallback is optional: without its file, DejaVu's missing glyphs stay empty */
    std::string list = r.fallback_font_path ? r.fallback_font_path : kDefaultFallbackFonts;
    for (size_t b = 0; b < list.size();)
    {
        size_t e = list.find(':', b);
        if (e == std::string::npos)
            e = list.size();
        std::string fb = list.substr(b, e - b);
        b = e + 1;
        if (fb.empty())
            continue;
        try
        {
            TtfCmap cmap = read_font_cmap(fb.c_str());
            if (needs_fallback(r, ttf.regular, ttf.bold, cmap)) /* else it is not embedded */
                ttf.fallbacks.emplace_back(fb, std::move(cmap));
        }
        catch (const PdfError &)
        {
        }
    }
    return render_with(r, &ttf, unshaped);
}

/* Copy "prefix" + msg into the fixed buffer, cutting on a UTF-8 character
 * boundary.  Allocates nothing, so it is safe in any catch handler. */
void
set_error(DsrPdfResult &res, const char *prefix, const char *msg)
{
    const size_t  cap = sizeof(res.error) - 1;
    size_t        n = 0;
    unsigned char next = 0; /* first byte that did not fit */
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
              const char *final_path) noexcept
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

        std::vector<unsigned char> pdf = render(*report, font_path, bold_font_path, res.unshaped_scripts);
        res.bytes = write_file_atomically(final_path, pdf);
        res.ok = true;
    }
    catch (const PdfError &e)
    {
        set_error(res, "", e.what());
    }
    catch (const AtomicFileError &e)
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
