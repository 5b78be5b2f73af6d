/*
 * pdf_report.cpp — the layout of the one-page "Daily sales report" PDF, and
 * dsr_pdf_write(), the module's only entry point (C linkage, never throws).
 *
 * Pure C++17: no PostgreSQL header may be included here.
 */
#include "pdf_report.h"

#include "atomic_file.h"
#include "pdf_canvas.h"
#include "report_format.h"
#include "strprintf.h"
#include "utf8_text.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace {

using namespace dsr;

/* ------------------------------------------------------------------------ */
/* Page layout                                                              */
/* ------------------------------------------------------------------------ */

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

constexpr float kMargin = 42.0f;

struct Change
{
    std::string text;
    Rgb color;
    int arrow = 0;   /* +1: drawn up triangle before the text, -1: down, 0: none */
};

std::string
str_or(const char *s, const char *dflt)
{
    return (s && *s) ? std::string(s) : std::string(dflt);
}

/* Day-over-day style change: "+12.3%" after an up arrow, "-4.1%" after a
 * down arrow, "n/a" when prev is 0. */
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
        return {"+" + num, kUp, +1};
    return {"-" + num, kDown, -1};
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
    ReportPage(Canvas &cv, const Font &regular, const Font &bold, const DsrReport &r)
        : cv_(cv), reg_(regular), bold_(bold), r_(r), pw_(cv.page_width()),
          ph_(cv.page_height()), cw_(pw_ - 2 * kMargin)
    {
        date_ = parse_date(r.report_date);
        date_text_ = str_or(r.report_date, "(unknown date)");
        shop_ = str_or(r.shop_name, "");
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
    std::string date_text_, tz_, shop_;
    int top_count_ = 0;
    bool no_sales_ = false;

    /* Room an arrow takes before the text, in font sizes (DejaVu's ▲). */
    static constexpr float kArrowAdvance = 0.77f;

    /* A filled triangle where a ▲ (dir > 0) or ▼ glyph of `size` would be
     * drawn at (x, baseline). */
    void arrow(float x, float baseline, float size, int dir, const Rgb &c)
    {
        const float left = x + 0.007f * size, right = x + 0.747f * size;
        const float mid = (left + right) / 2;
        const float top = baseline - 0.64f * size, bottom = baseline + 0.10f * size;
        if (dir > 0)
            cv_.triangle(left, bottom, right, bottom, mid, top, c);
        else
            cv_.triangle(left, top, right, top, mid, bottom, c);
    }

    std::string weekday_short(const Date &d) const
    {
        return std::string(weekday_name(d)).substr(0, 3);
    }

    void header()
    {
        const float band = 92.0f;
        cv_.rect(0, 0, pw_, band, kBrand);
        float right = pw_ - kMargin;

        std::string shop = cv_.fit_text(bold_, 12, shop_, cw_ / 3);
        float brand_w = cv_.text_width(bold_, 12, shop);
        cv_.text_right(right, 48, bold_, 12, shop, kWhite);
        cv_.text(kMargin, 50, bold_, 24,
                 cv_.fit_text(bold_, 24, "Daily sales report", cw_ - brand_w - 12), kWhite);

        std::string when = date_text_;
        if (date_.valid)
            when = std::string(weekday_name(date_)) + ", " + date_text_;
        std::string sub = when + "   \xC2\xB7   Time zone: " + tz_;
        if (r_.day_hours > 0 && r_.day_hours != 24)
            sub += strprintf("   \xC2\xB7   %d-hour day (clock change)", r_.day_hours);
        cv_.text(kMargin, 74, reg_, 11, cv_.fit_text(reg_, 11, sub, cw_), kBrandLight);
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
            while (size > 9.0f && cv_.text_width(bold_, size, t.value) > inner)
                size -= 0.5f;

        for (size_t k = 0; k < ts.size(); k++)
        {
            const Tile &t = ts[k];
            float x = kMargin + static_cast<float>(k) * (w + gap);
            cv_.rect(x, top, w, h, kTile);
            cv_.rect(x, top, 3, h, kBrand);
            cv_.text(x + pad, top + 16, reg_, 9, cv_.fit_text(reg_, 9, t.label, inner), kMuted);

            /* truncation only as a last resort, for absurdly long values */
            cv_.text(x + pad, top + 40, bold_, size, cv_.fit_text(bold_, size, t.value, inner),
                     kInk);

            const float small = 7.5f;
            auto detail = [&](float ltop, const std::string &label, const Change &c) {
                float right = x + w - pad;
                float vw = cv_.text_width(bold_, small, sanitize_utf8(c.text, bold_.repl));
                if (c.arrow != 0)
                {
                    /* where a ▲ glyph and a space would be: the font may have no ▲ */
                    vw += cv_.text_width(bold_, small, " ");
                    arrow(right - vw - kArrowAdvance * small, ltop, small, c.arrow, c.color);
                    vw += kArrowAdvance * small;
                }
                std::string lab = cv_.fit_text(reg_, small, label, inner - vw - 4);
                cv_.text(x + pad, ltop, reg_, small, lab, kMuted);
                cv_.text_right(right, ltop, bold_, small, c.text, c.color);
            };
            detail(top + 57, t.line1_label, t.line1);
            detail(top + 69, t.line2_label, t.line2);
        }

        float ltop = top + h + 13;
        std::string legend;
        if (date_.valid)
        {
            Date prev = add_days(date_, -1), week = add_days(date_, -7);
            legend = "Changes compared with the previous day (" + weekday_short(prev) + " " +
                     format_iso_date(prev) + ") and with the same weekday one week before (" +
                     weekday_short(week) + " " + format_iso_date(week) + ").";
        }
        else
            legend = "Changes compared with the previous day and with the same weekday one week before.";
        cv_.text(kMargin, ltop, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, legend, cw_), kMuted);
        return ltop;
    }

    void section_title(float top, const std::string &title, const std::string &note)
    {
        float tw = cv_.text_width(bold_, 12, title);
        cv_.text(kMargin, top, bold_, 12, title, kInk);
        if (!note.empty())
            cv_.text_right(pw_ - kMargin, top, reg_, 8.5f,
                           cv_.fit_text(reg_, 8.5f, note, cw_ - tw - 16), kMuted);
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
            label_w = std::max(label_w,
                               cv_.text_width(reg_, label_size, format_axis(step * k, step)));

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
                        cv_.fit_text(reg_, 7.5f, caption, plot_w), kMuted);
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
        float qty_w = cv_.text_width(bold_, size, "Qty");
        for (int k = 0; k < top_count_; k++)
            qty_w = std::max(qty_w, cv_.text_width(reg_, size, format_int(r_.top[k].quantity)));
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
                     cv_.fit_text(reg_, size, str_or(p.name, "(unnamed product)"), name_w), kInk);
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
                        cv_.fit_text(bold_, 22, "No sales on this day", cw_ - 20), kInk);
        std::string when = date_.valid
            ? std::string(weekday_name(date_)) + " " + date_text_
            : date_text_;
        std::string msg = "No orders were placed on " + when + " (" + tz_ + ").";
        cv_.text_center(cx, top + 82, reg_, 10, cv_.fit_text(reg_, 10, msg, cw_ - 20), kMuted);
        cv_.text_center(cx, top + 98, reg_, 10,
                        cv_.fit_text(reg_, 10,
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
        std::string right = (shop_.empty() ? "" : shop_ + " \xC2\xB7 ") + "page 1 of 1";
        float rw = cv_.text_width(reg_, 7.5f, right);

        cv_.text(kMargin, rule + 13, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, l1, cw_), kMuted);
        cv_.text(kMargin, rule + 24, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, l2, cw_ - rw - 10),
                 kMuted);
        cv_.text_right(pw_ - kMargin, rule + 24, reg_, 7.5f, right, kMuted);
    }
};

/* ------------------------------------------------------------------------ */
/* Building the document                                                    */
/* ------------------------------------------------------------------------ */

/* The TrueType fonts of the settings, read and checked. */
struct FontFiles
{
    const char *regular_path, *bold_path;
    TtfCmap regular, bold;
};

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
render_with(const DsrReport &r, const FontFiles *ttf)
{
    HaruDoc doc;
    Font regular, bold;
    if (!ttf)
    {
        regular = doc.standard_font("Helvetica");
        bold = doc.standard_font("Helvetica-Bold");
    }
    else
    {
        regular = doc.load_font(ttf->regular_path, ttf->regular);
        bold = std::strcmp(ttf->regular_path, ttf->bold_path) == 0
            ? regular
            : doc.load_font(ttf->bold_path, ttf->bold);
        if (regular.repl != bold.repl)   /* one replacement everywhere */
            regular.repl = bold.repl = "?";
    }

    doc.set_info("Daily sales report " + sanitize_utf8(str_or(r.report_date, ""), "?"),
                 sanitize_utf8(str_or(r.shop_name, ""), "?"), "daily_sales_report");

    Canvas cv(doc, doc.add_a4_page());
    ReportPage(cv, regular, bold, r).draw();
    return doc.save_to_memory();
}

/*
 * Helvetica when every string of the page is in WinAnsiEncoding: built into
 * every PDF reader, nothing embedded, small and fast.  Otherwise the page is
 * made again with the TrueType fonts embedded for UTF-8 (libharu builds a
 * 65,536-entry glyph map per font and embeds them whole: ~10 ms and ~90 kB
 * each).
 */
std::vector<unsigned char>
render(const DsrReport &r, const char *font_path, const char *bold_font_path)
{
    /* fonts are checked on every run, for errors with a reason whatever the text */
    FontFiles ttf{font_path, bold_font_path, checked_font(font_path),
                  checked_font(bold_font_path)};
    try
    {
        return render_with(r, nullptr);
    }
    catch (const OutsideFontEncoding &)
    {
    }
    return render_with(r, &ttf);
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
