/*
 * pdf_fonts.h — the fonts of a PDF (pdf_fonts.cpp): a TrueType file's
 * character map, a Font as drawing uses it (standard in WinAnsiEncoding, or
 * embedded TrueType with fallbacks), and which font draws which character.
 * HaruDoc (pdf_document.h) loads them.
 */
#ifndef DSR_PDF_FONTS_H
#define DSR_PDF_FONTS_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include <hpdf.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

/* A TrueType 'cmap' table reader, only to know which characters a font has. */
class TtfCmap
{
public:
    /* `table`: the font file's 'cmap' table */
    explicit TtfCmap(std::vector<unsigned char> table) : d_(std::move(table))
    {
    }

    /* false for a malformed font: be conservative */
    bool has(uint32_t cp) const;

private:
    std::vector<unsigned char> d_;

    uint32_t u16(size_t off) const;
    uint32_t u32(size_t off) const;
    uint32_t lookup(uint32_t cp) const;
};

/* Read the font file's character map ourselves first (its table directory
 * and 'cmap' table, a few kB): the error then names the path and the OS
 * reason, which libharu would not tell us. */
TtfCmap read_font_cmap(const char *path);

struct Font
{
    HPDF_Font      h = nullptr;
    std::string    repl;               /* replacement for unsupported characters */
    bool           win_ansi = false;   /* a standard font: text goes out in WinAnsiEncoding */
    const TtfCmap *cmap = nullptr;     /* a TrueType font's characters */
    const Font    *fallback = nullptr; /* draws the characters `cmap` lacks (CJK); may have its own */
};

/* `s` cut where it changes between `f` and its fallback font */
std::vector<std::pair<const Font *, std::string>> font_runs(const Font &f, const std::string &s);

/* sanitised UTF-8 -> the bytes libharu takes for `f`; for a standard font,
 * a character outside WinAnsiEncoding throws OutsideFontEncoding (pdf_document.h) */
std::string font_bytes(const Font &f, const std::string &s);

} /* namespace dsr */

#endif /* DSR_PDF_FONTS_H */
