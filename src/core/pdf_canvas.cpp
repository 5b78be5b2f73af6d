/*
 * pdf_canvas.cpp — drawing on a page, every libharu call checked: text
 * (measured, cut to fit, split into runs of the font that has each
 * character) and shapes, in top-down coordinates.  The document is
 * pdf_document.cpp's, the fonts pdf_fonts.cpp's.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "pdf_canvas.h"

#include "utf8_text.h"

#include <string>
#include <utility>
#include <vector>

namespace dsr
{

namespace
{

const char *const kEllipsis = "\xE2\x80\xA6"; /* U+2026 */
const size_t      kMaxLineChars = 1000;       /* more than any line of an A4 page holds at 7 pt */

} /* namespace */

Canvas::Canvas(const HaruDoc &doc, HPDF_Page page)
    : doc_(doc), page_(page), width_(HPDF_Page_GetWidth(page)), height_(HPDF_Page_GetHeight(page))
{
}

float
Canvas::text_width(const Font &f, float size, const std::string &s) const
{
    if (s.empty())
        return 0.0f;
    if (f.fallback)
    {
        std::vector<std::pair<const Font *, std::string>> rs = font_runs(f, s);
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
    std::string    bytes = font_bytes(f, s);
    HPDF_TextWidth tw = HPDF_Font_TextWidth(f.h, reinterpret_cast<const HPDF_BYTE *>(bytes.data()),
                                            static_cast<HPDF_UINT>(bytes.size()));
    doc_.check(HPDF_OK, "measuring text");
    return static_cast<float>(tw.width) * size / 1000.0f;
}

std::string
Canvas::fit_text(const Font &f, float size, const std::string &raw, float max_w) const
{
    std::string         s = sanitize_utf8(raw, f.repl);
    std::vector<size_t> cuts; /* byte offsets of character starts, kMaxLineChars + 1 at most */

    /* no line of the page holds more; libharu refuses to measure a string over 64 kB */
    for (size_t i = 0; i < s.size() && cuts.size() <= kMaxLineChars; i++)
        if (is_utf8_char_start(s[i]))
            cuts.push_back(i);
    if (cuts.size() > kMaxLineChars)
        s.resize(cuts[kMaxLineChars]);
    else if (text_width(f, size, s) <= max_w)
        return s;

    /* widths of prefixes are monotonic: binary search the longest fit */
    size_t lo = 0, hi = cuts.size(); /* answer in [lo, hi) as count */
    auto   prefix = [&](size_t nchars)
    {
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
Canvas::text(float x, float top, const Font &f, float size, const std::string &raw, const Rgb &c)
{
    std::string s = sanitize_utf8(raw, f.repl);
    if (s.empty())
        return;
    if (!f.win_ansi && !no_reorder_)
        s = visual_order(s); /* right-to-left names in the order they are read */
    if (f.fallback)
    {
        std::vector<std::pair<const Font *, std::string>> rs = font_runs(f, s);
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
    std::string bytes = font_bytes(f, s);
    fill_color(c);
    doc_.check(HPDF_Page_BeginText(page_), "beginning text");
    doc_.check(HPDF_Page_SetFontAndSize(page_, f.h, size), "selecting the font");
    doc_.check(HPDF_Page_TextOut(page_, x, y(top), bytes.c_str()), "drawing text");
    doc_.check(HPDF_Page_EndText(page_), "ending text");
}

void
Canvas::text_right(float right, float top, const Font &f, float size, const std::string &raw, const Rgb &c)
{
    std::string s = sanitize_utf8(raw, f.repl);
    text(right - text_width(f, size, s), top, f, size, s, c);
}

void
Canvas::text_center(float center, float top, const Font &f, float size, const std::string &raw, const Rgb &c)
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
Canvas::triangle(float x1, float top1, float x2, float top2, float x3, float top3, const Rgb &fill)
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
