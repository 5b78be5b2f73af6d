/*
 * pdf_canvas.h — drawing primitives in top-down page coordinates, with every
 * libharu call checked (pdf_canvas.cpp).  The document and its errors are
 * pdf_document.h's, the fonts pdf_fonts.h's.
 */
#ifndef DSR_PDF_CANVAS_H
#define DSR_PDF_CANVAS_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include "pdf_document.h"
#include "pdf_fonts.h"

#include <hpdf.h>

#include <string>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

struct Rgb
{
    float r, g, b;
};

/* Page drawing with every libharu call checked; `top` coordinates grow
 * downwards from the top edge of the page (converted for PDF). */
class Canvas
{
public:
    Canvas(const HaruDoc &doc, HPDF_Page page);

    float
    page_width() const
    {
        return width_;
    }
    float
    page_height() const
    {
        return height_;
    }

    float text_width(const Font &f, float size, const std::string &s) const;

    /* Sanitise, then cut to max_w with an ellipsis on a character boundary
     * ("" if not even the ellipsis fits). */
    std::string fit_text(const Font &f, float size, const std::string &raw, float max_w) const;

    /* Text is sanitised for libharu (see sanitize_utf8); for a standard
     * font, a character outside WinAnsiEncoding throws OutsideFontEncoding. */
    void text(float x, float top, const Font &f, float size, const std::string &raw, const Rgb &c);
    void text_right(float right, float top, const Font &f, float size, const std::string &raw, const Rgb &c);
    void text_center(float center, float top, const Font &f, float size, const std::string &raw, const Rgb &c);

    void rect(float x, float top, float w, float h, const Rgb &fill);
    void frame(float x, float top, float w, float h, const Rgb &stroke, float lw);
    void line(float x1, float top1, float x2, float top2, const Rgb &stroke, float lw);
    void triangle(float x1, float top1, float x2, float top2, float x3, float top3, const Rgb &fill);

private:
    bool no_reorder_ = false; /* drawing one font run of an ordered line */
    float
    y(float top) const
    {
        return height_ - top;
    }
    void fill_color(const Rgb &c);
    void stroke_color(const Rgb &c);

    const HaruDoc &doc_;
    HPDF_Page      page_;
    float          width_, height_;
};

} /* namespace dsr */

#endif /* DSR_PDF_CANVAS_H */
