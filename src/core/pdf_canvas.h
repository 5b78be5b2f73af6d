/*
 * pdf_canvas.h — libharu with every call checked and errors turned into
 * PdfError: the document, fonts (the standard ones, or embedded TrueType for
 * UTF-8 text), and drawing primitives in top-down page coordinates.
 */
#ifndef DSR_PDF_CANVAS_H
#define DSR_PDF_CANVAS_H

#include "pure_cpp.h"   /* a C++ header: not for the PostgreSQL side */

#include <hpdf.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace dsr __attribute__((visibility("hidden"))) {

/* what() says what was being done and why it failed */
struct PdfError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/* Thrown when text has a character that a standard font's WinAnsiEncoding
 * cannot show: the caller starts again with embedded TrueType fonts. */
struct OutsideFontEncoding : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/* A TrueType 'cmap' table reader, only to know which characters a font has. */
class TtfCmap
{
public:
    /* `table`: the font file's 'cmap' table */
    explicit TtfCmap(std::vector<unsigned char> table) : d_(std::move(table)) {}

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

struct Rgb
{
    float r, g, b;
};

struct Font
{
    HPDF_Font h = nullptr;
    std::string repl;   /* replacement for unsupported characters */
    bool win_ansi = false;   /* a standard font: text goes out in WinAnsiEncoding */
    const TtfCmap *cmap = nullptr;     /* a TrueType font's characters */
    const Font *fallback = nullptr;    /* draws the characters `cmap` lacks (CJK); may have its own */
};

/* libharu's first error of a document, recorded by its error callback. */
struct HaruErrorState
{
    HPDF_STATUS error_no = HPDF_OK;
    HPDF_STATUS detail_no = 0;
    unsigned count = 0;
};

/* A compressed PDF document; its text is given in UTF-8. */
class HaruDoc
{
public:
    HaruDoc();
    ~HaruDoc() { HPDF_Free(doc_); }
    HaruDoc(const HaruDoc &) = delete;
    HaruDoc &operator=(const HaruDoc &) = delete;

    /* Throws PdfError unless `st` is HPDF_OK and libharu reported nothing. */
    void check(HPDF_STATUS st, const char *what) const;

    /* Embed a TrueType font for UTF-8 text; `cmap` is the same file's. */
    Font load_font(const char *path, const TtfCmap &cmap);

    /* One of the standard fonts every PDF reader has ("Helvetica"), in
     * WinAnsiEncoding: nothing embedded.  Text it cannot show throws
     * OutsideFontEncoding when measured or drawn. */
    Font standard_font(const char *name);

    /* UTF-8 text; non-ASCII goes out as UTF-16BE with a byte order mark. */
    void set_info(const std::string &title, const std::string &author,
                  const std::string &creator);

    HPDF_Page add_a4_page();

    /* The finished document (libharu's memory stream). */
    std::vector<unsigned char> save_to_memory();

private:
    /* Describe the first recorded error (or `st` if none was recorded). */
    std::string describe(HPDF_STATUS st) const;
    bool has_error() const { return err_.count != 0; }

    HaruErrorState err_;   /* must outlive doc_: declared first */
    HPDF_Doc doc_ = nullptr;
    bool utf8_ = false;    /* UTF-8 encoder enabled (costly: only for TrueType) */
};

/* Page drawing with every libharu call checked; `top` coordinates grow
 * downwards from the top edge of the page (converted for PDF). */
class Canvas
{
public:
    Canvas(const HaruDoc &doc, HPDF_Page page);

    float page_width() const { return width_; }
    float page_height() const { return height_; }

    float text_width(const Font &f, float size, const std::string &s) const;

    /* `s` cut where it changes between `f` and its fallback font */
    std::vector<std::pair<const Font *, std::string>> runs(const Font &f,
                                                           const std::string &s) const;

    /* Sanitise, then cut to max_w with an ellipsis on a character boundary
     * ("" if not even the ellipsis fits). */
    std::string fit_text(const Font &f, float size, const std::string &raw, float max_w) const;

    /* Text is sanitised for libharu (see sanitize_utf8); for a standard
     * font, a character outside WinAnsiEncoding throws OutsideFontEncoding. */
    void text(float x, float top, const Font &f, float size, const std::string &raw,
              const Rgb &c);
    void text_right(float right, float top, const Font &f, float size,
                    const std::string &raw, const Rgb &c);
    void text_center(float center, float top, const Font &f, float size,
                     const std::string &raw, const Rgb &c);

    void rect(float x, float top, float w, float h, const Rgb &fill);
    void frame(float x, float top, float w, float h, const Rgb &stroke, float lw);
    void line(float x1, float top1, float x2, float top2, const Rgb &stroke, float lw);
    void triangle(float x1, float top1, float x2, float top2, float x3, float top3,
                  const Rgb &fill);

private:
    bool no_reorder_ = false;   /* drawing one font run of an ordered line */
    float y(float top) const { return height_ - top; }
    /* sanitised UTF-8 -> the bytes libharu takes for `f` */
    std::string encode(const Font &f, const std::string &s) const;
    void fill_color(const Rgb &c);
    void stroke_color(const Rgb &c);

    const HaruDoc &doc_;
    HPDF_Page page_;
    float width_, height_;
};

} /* namespace dsr */

#endif /* DSR_PDF_CANVAS_H */
