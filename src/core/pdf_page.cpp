/*
 * pdf_page.cpp — the layout of the one-page "Daily sales report": title,
 * KPI tiles, expected band, top products, revenue by hour, footer, in the
 * report's language.  pdf_report.cpp builds the document around it.
 *
 * Pure C++17: no PostgreSQL header may be included here.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "pdf_page.h"

#include "report_format.h"
#include "strprintf.h"
#include "utf8_text.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace
{

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
    Rgb         color;
    int         arrow = 0; /* +1: drawn up triangle before the text, -1: down, 0: none */
};

std::string
str_or(const char *s, const char *dflt)
{
    return (s && *s) ? std::string(s) : std::string(dflt);
}

/* The report's words in English and in Brazilian Portuguese (UTF-8; all
 * of them in WinAnsiEncoding, so the standard fonts still do). */
struct Words
{
    const char *title, *time_zone, *clock_change, *revenue, *orders, *avg_ticket, *items_sold, *vs_prev_day,
        *vs_week_before, *legend, *legend_plain, *revenue_by_hour, *peak, *no_hourly, *hour_axis, *top_share, *top_n,
        *top_products, *product, *qty, *share, *no_product_data, *unnamed, *no_sales, *no_orders, *no_ranking,
        *generated, *run, *query_time, *rows_read, *generated_by, *page, *na, *unknown_date, *unknown_tz, *unknown_time,
        *unshaped, *arabic, *indic, *expected, *band, *over_week, *over_weeks, *no_expected, *below_band, *within_band,
        *above_band;
};

/* Every word in English and in Brazilian Portuguese, side by side: a new word is one line. */
Words
words_in(bool pt_br)
{
    Words w{}; /* a word left out is null: the unit tests draw every part of the page in both languages */
    auto  pick = [pt_br](const char *en, const char *pt) { return pt_br ? pt : en; };

    w.title = pick("Daily sales report", "Relat\u00f3rio di\u00e1rio de vendas");
    w.time_zone = pick("Time zone: ", "Fuso hor\u00e1rio: ");
    w.clock_change = pick("%d-hour day (clock change)", "dia de %d horas (mudan\u00e7a de hor\u00e1rio)");
    w.revenue = pick("Revenue", "Faturamento");
    w.orders = pick("Orders", "Pedidos");
    w.avg_ticket = pick("Average ticket", "Ticket m\u00e9dio");
    w.items_sold = pick("Items sold", "Itens vendidos");
    w.vs_prev_day = pick("vs prev. day", "vs dia ant.");
    w.vs_week_before = pick("vs week before", "vs sem. ant.");
    w.legend =
        pick("Changes compared with the previous day (%s) and with the same weekday one week before (%s).",
             "Varia\u00e7\u00f5es em rela\u00e7\u00e3o ao dia anterior (%s) e ao mesmo dia da semana anterior (%s).");
    w.legend_plain =
        pick("Changes compared with the previous day and with the same weekday one week before.",
             "Varia\u00e7\u00f5es em rela\u00e7\u00e3o ao dia anterior e ao mesmo dia da semana anterior.");
    w.revenue_by_hour = pick("Revenue by hour", "Faturamento por hora");
    w.peak = pick("peak", "pico");
    w.no_hourly = pick("no revenue by hour", "sem faturamento por hora");
    w.hour_axis = pick("Hour of day (local time, %s)", "Hora do dia (hor\u00e1rio local, %s)");
    w.top_share = pick("top %d = %%s of the day's revenue", "top %d = %%s do faturamento do dia");
    w.top_n = pick("Top %d products", "Top %d produtos");
    w.top_products = pick("Top products", "Produtos mais vendidos");
    w.product = pick("Product", "Produto");
    w.qty = pick("Qty", "Qtd.");
    w.share = pick("Share", "Part.");
    w.no_product_data = pick("No product data for this day.", "Sem dados de produtos para este dia.");
    w.unnamed = pick("(unnamed product)", "(produto sem nome)");
    w.no_sales = pick("No sales on this day", "Nenhuma venda neste dia");
    w.no_orders = pick("No orders were placed on %s (%s).", "Nenhum pedido foi feito em %s (%s).");
    w.no_ranking = pick("There is no product ranking and no hourly chart for this report.",
                        "Este relat\u00f3rio n\u00e3o tem ranking de produtos nem gr\u00e1fico por hora.");
    w.generated = pick("Generated", "Gerado em");
    w.run = pick("Run #", "Execu\u00e7\u00e3o n\u00ba ");
    w.query_time = pick("Query time", "Consulta");
    w.rows_read = pick("rows read", "linhas lidas");
    w.generated_by = pick("Generated by daily_sales_report", "Gerado por daily_sales_report");
    w.page = pick("page 1 of 1", "p\u00e1gina 1 de 1");
    w.na = pick("n/a", "n/d");
    w.unknown_date = pick("(unknown date)", "(data desconhecida)");
    w.unknown_tz = pick("(unknown time zone)", "(fuso hor\u00e1rio desconhecido)");
    w.unknown_time = pick("(unknown time)", "(hora desconhecida)");
    w.unshaped =
        pick("* Names in %s script are printed without shaping (letters unjoined): this PDF cannot shape them.",
             "* Nomes em escrita %s aparecem sem forma\u00e7\u00e3o (letras separadas): este PDF n\u00e3o as une.");
    w.arabic = pick("Arabic", "\u00e1rabe");
    w.indic = pick("Devanagari (Indic)", "devan\u00e1gari (\u00edndica)");
    w.expected = pick("Expected revenue: ", "Faturamento esperado: ");
    w.band = pick("band ", "faixa ");
    w.over_week = pick("median of the same weekday over 1 week", "mediana do mesmo dia da semana em 1 semana");
    w.over_weeks = pick("median of the same weekday over %d weeks", "mediana do mesmo dia da semana em %d semanas");
    w.no_expected = pick(
        "Expected revenue: no history of this weekday yet (the band starts with the first week of sales).",
        "Faturamento esperado: ainda sem hist\u00f3rico deste dia da semana (a faixa come\u00e7a com a primeira semana de vendas).");
    w.below_band = pick("below the band", "abaixo da faixa");
    w.within_band = pick("within the band", "dentro da faixa");
    w.above_band = pick("above the band", "acima da faixa");
    return w;
}

const Words kEnglish = words_in(false);
const Words kPortuguese = words_in(true);

/* A format with one %s replaced: the words' formats are ours, never data. */
std::string
fill(const char *fmt, const std::string &a)
{
    std::string f = fmt;
    size_t      at = f.find("%s");
    return at == std::string::npos ? f : f.substr(0, at) + a + f.substr(at + 2);
}

std::string
fill(const char *fmt, const std::string &a, const std::string &b)
{
    std::string f = fmt;
    size_t      at = f.find("%s");
    if (at == std::string::npos)
        return f;
    return f.substr(0, at) + a + fill(f.substr(at + 2).c_str(), b);
}

/* Day-over-day style change: "+12.3%" after an up arrow, "-4.1%" after a
 * down arrow, "n/a" when prev is 0; from +1,000% on the ratio, "6,237×". */
Change
change(double cur, double prev, const NumberStyle &st, const Words &w)
{
    if (!std::isfinite(cur) || !std::isfinite(prev) || prev == 0.0)
        return {w.na, kMuted};
    double pct = (cur - prev) / std::fabs(prev) * 100.0;
    if (!std::isfinite(pct))
        return {w.na, kMuted};
    if (std::fabs(pct) < 0.05)
        return {"= " + format_decimal(0.0, 1, st) + "%", kMuted};
    std::string num = format_change_magnitude(pct, st);
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
    Change      line1, line2;
};

class ReportPage
{
public:
    ReportPage(Canvas &cv, const Font &regular, const Font &bold, const DsrReport &r)
        : cv_(cv), reg_(regular), bold_(bold), r_(r), pw_(cv.page_width()), ph_(cv.page_height()),
          cw_(pw_ - 2 * kMargin), st_(number_style(r.locale, r.currency)), w_(st_.pt_br ? kPortuguese : kEnglish)
    {
        date_ = parse_date(r.report_date);
        date_text_ = str_or(r.report_date, w_.unknown_date);
        if (date_.valid && st_.pt_br)
            date_text_ = format_date_pt(date_);
        shop_ = str_or(r.shop_name, "");
        tz_ = str_or(r.timezone, w_.unknown_tz);
        top_count_ = std::max(0, std::min(r.top_count, DSR_MAX_TOP_N));
        unshaped_ = scripts_needing_shaping(shop_);
        for (int k = 0; k < top_count_; k++)
            if (r.top[k].name)
                unshaped_ |= scripts_needing_shaping(r.top[k].name);
        no_sales_ = r.orders <= 0 && top_count_ == 0;
    }

    void
    draw()
    {
        header();
        float top = expected_band(kpi_tiles(112.0f) + 15.0f);
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
    Canvas          &cv_;
    const Font      &reg_;
    const Font      &bold_;
    const DsrReport &r_;
    float            pw_, ph_, cw_;
    NumberStyle      st_;
    const Words     &w_;
    Date             date_;
    std::string      date_text_, tz_, shop_;
    int              top_count_ = 0;
    bool             no_sales_ = false;
    unsigned         unshaped_ = 0;

public:
    unsigned
    unshaped() const
    {
        return unshaped_;
    }

private:
    /* Room an arrow takes before the text, in font sizes (DejaVu's ▲). */
    static constexpr float kArrowAdvance = 0.77f;

    /* A filled triangle where a ▲ (dir > 0) or ▼ glyph of `size` would be
     * drawn at (x, baseline). */
    void
    arrow(float x, float baseline, float size, int dir, const Rgb &c)
    {
        const float left = x + 0.007f * size, right = x + 0.747f * size;
        const float mid = (left + right) / 2;
        const float top = baseline - 0.64f * size, bottom = baseline + 0.10f * size;
        if (dir > 0)
            cv_.triangle(left, bottom, right, bottom, mid, top, c);
        else
            cv_.triangle(left, top, right, top, mid, bottom, c);
    }

    std::string
    weekday_short(const Date &d) const
    {
        return st_.pt_br ? weekday_short_pt(d) : std::string(weekday_name(d)).substr(0, 3);
    }

    /* "Sun 2025-09-21", "dom 21/09/2025" */
    std::string
    short_day(const Date &d) const
    {
        return weekday_short(d) + " " + (st_.pt_br ? format_date_pt(d) : format_iso_date(d));
    }

    /* "Monday, 2025-09-22", "segunda-feira, 22 de setembro de 2025" */
    std::string
    long_day(const Date &d, const char *sep) const
    {
        return st_.pt_br ? format_long_date_pt(d) : std::string(weekday_name(d)) + sep + format_iso_date(d);
    }

    std::string
    money(const char *text, double v) const
    {
        return format_currency(text, v, st_);
    }

    void
    header()
    {
        const float band = 92.0f;
        cv_.rect(0, 0, pw_, band, kBrand);
        float right = pw_ - kMargin;

        std::string shop = cv_.fit_text(bold_, 12, shop_, cw_ / 3);
        float       brand_w = cv_.text_width(bold_, 12, shop);
        cv_.text_right(right, 48, bold_, 12, shop, kWhite);
        cv_.text(kMargin, 50, bold_, 24, cv_.fit_text(bold_, 24, w_.title, cw_ - brand_w - 12), kWhite);

        std::string when = date_text_;
        if (date_.valid)
            when = long_day(date_, ", ");
        std::string sub = when + "   \u00b7   " + w_.time_zone + tz_;
        if (r_.day_hours > 0 && r_.day_hours != 24)
            sub += "   \u00b7   " + strprintf(w_.clock_change, r_.day_hours);
        cv_.text(kMargin, 74, reg_, 11, cv_.fit_text(reg_, 11, sub, cw_), kBrandLight);
    }

    /*
     * The KPI tiles, left to right: a new KPI is one more tile here (the
     * layout divides the width by their number).
     */
    std::vector<Tile>
    tiles() const
    {
        const DsrTotals &pd = r_.previous_day, &wb = r_.week_before;
        std::string wk = date_.valid && !st_.pt_br ? "vs last " + weekday_short(date_) : std::string(w_.vs_week_before);
        std::vector<Tile> t;
        auto              ch = [&](double cur, double prev) { return change(cur, prev, st_, w_); };
        auto              tile = [&](const char *label, std::string value, Change line1, Change line2) {
            t.push_back(Tile{label, std::move(value), w_.vs_prev_day, wk, std::move(line1), std::move(line2)});
        };
        auto count = [&](const char *label, int64_t cur, int64_t prev_day, int64_t week_before)
        {
            tile(label, format_int(cur, st_), ch(static_cast<double>(cur), static_cast<double>(prev_day)),
                 ch(static_cast<double>(cur), static_cast<double>(week_before)));
        };
        /* an average has no change against a day without orders */
        auto average_change = [&](const DsrTotals &other) {
            return other.orders > 0 ? ch(r_.avg_ticket, avg(other.revenue, other.orders)) : Change{w_.na, kMuted};
        };

        tile(w_.revenue, money(r_.revenue_text, r_.revenue), ch(r_.revenue, pd.revenue), ch(r_.revenue, wb.revenue));
        count(w_.orders, r_.orders, pd.orders, wb.orders);
        tile(w_.avg_ticket, money(r_.avg_ticket_text, r_.avg_ticket), average_change(pd), average_change(wb));
        count(w_.items_sold, r_.items_sold, pd.items_sold, wb.items_sold);
        return t;
    }

    /* The KPI tiles side by side; returns the top coordinate below them (and the legend). */
    float
    kpi_tiles(float top)
    {
        const float       gap = 10.0f, h = 78.0f, pad = 9.0f;
        std::vector<Tile> ts = tiles();
        const float       n = static_cast<float>(ts.size());
        const float       w = (cw_ - (n - 1) * gap) / n;

        const float inner = w - 2 * pad;

        /* one value size for all tiles: the largest at which every value fits */
        float size = 18.0f;
        for (const Tile &t : ts)
            while (size > 9.0f && cv_.text_width(bold_, size, t.value) > inner)
                size -= 0.5f;

        for (size_t k = 0; k < ts.size(); k++)
        {
            const Tile &t = ts[k];
            float       x = kMargin + static_cast<float>(k) * (w + gap);
            cv_.rect(x, top, w, h, kTile);
            cv_.rect(x, top, 3, h, kBrand);
            cv_.text(x + pad, top + 16, reg_, 9, cv_.fit_text(reg_, 9, t.label, inner), kMuted);

            /* truncation only as a last resort, for absurdly long values */
            cv_.text(x + pad, top + 40, bold_, size, cv_.fit_text(bold_, size, t.value, inner), kInk);

            const float small = 7.5f;
            auto        detail = [&](float ltop, const std::string &label, const Change &c)
            {
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

        float       ltop = top + h + 13;
        std::string legend;
        if (date_.valid)
        {
            Date prev = add_days(date_, -1), week = add_days(date_, -7);
            legend = fill(w_.legend, short_day(prev), short_day(week));
        }
        else
            legend = w_.legend_plain;
        cv_.text(kMargin, ltop, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, legend, cw_), kMuted);
        return ltop;
    }

    /*
     * The day against its expected revenue (the same weekday of the weeks
     * before): a line of text, and a gauge with the band, the expected value
     * (a tick) and the day (a triangle), how it is computed below.  Returns
     * the last line's baseline.
     */
    float
    expected_band(float top)
    {
        const DsrExpected &e = r_.expected;
        const float        size = 8.0f, gauge_w = 100.0f;

        if (e.weeks <= 0 || !std::isfinite(e.expected) || !std::isfinite(e.lower) || !std::isfinite(e.upper))
        {
            cv_.text(kMargin, top, reg_, size, cv_.fit_text(reg_, size, w_.no_expected, cw_), kMuted);
            return top;
        }
        const bool below = r_.revenue<e.lower, above = r_.revenue> e.upper;
        const char *status = below ? w_.below_band : above ? w_.above_band : w_.within_band;
        const Rgb  &color = below ? kDown : above ? kUp : kInk;
        std::string what = w_.expected + format_currency_double(e.expected, st_) + " (" + w_.band +
                           format_currency_double(e.lower, st_) + " \u2013 " + format_currency_double(e.upper, st_) +
                           ")";
        std::string how = e.weeks == 1 ? std::string(w_.over_week) : strprintf(w_.over_weeks, e.weeks);

        const float gx = pw_ - kMargin - gauge_w;
        const float status_right = gx - 10;
        const float status_w = cv_.text_width(bold_, size, status);
        cv_.text_right(status_right, top, bold_, size, status, color);
        cv_.text(kMargin, top, reg_, size, cv_.fit_text(reg_, size, what, status_right - status_w - 10 - kMargin),
                 kInk);
        cv_.text(kMargin, top + 10.0f, reg_, 7.0f, cv_.fit_text(reg_, 7.0f, how, status_right - kMargin), kMuted);

        /* the gauge's scale: from 0 (or below) to a little past the band and the day */
        double lo = std::min({0.0, e.lower, r_.revenue}), hi = std::max(e.upper, r_.revenue);
        hi += (hi - lo) * 0.08;
        if (!(hi > lo))
            hi = lo + 1;
        auto        at = [&](double v) { return gx + static_cast<float>((v - lo) / (hi - lo)) * gauge_w; };
        const float mid = top - 3.0f;
        cv_.rect(gx, mid - 1.0f, gauge_w, 2.0f, kGrid);
        cv_.rect(at(e.lower), mid - 4.0f, std::max(1.0f, at(e.upper) - at(e.lower)), 8.0f, kBrandLight);
        cv_.line(at(e.expected), mid - 5.0f, at(e.expected), mid + 5.0f, kBrand, 1.2f);
        if (std::isfinite(r_.revenue))
        {
            float x = at(r_.revenue);
            cv_.triangle(x - 3.5f, mid - 9.0f, x + 3.5f, mid - 9.0f, x, mid - 2.0f, color);
        }
        return top + 10.0f;
    }

    void
    section_title(float top, const std::string &title, const std::string &note)
    {
        float tw = cv_.text_width(bold_, 12, title);
        cv_.text(kMargin, top, bold_, 12, title, kInk);
        if (!note.empty())
            cv_.text_right(pw_ - kMargin, top, reg_, 8.5f, cv_.fit_text(reg_, 8.5f, note, cw_ - tw - 16), kMuted);
    }

    /* Bar chart of revenue per local hour; returns the top below it. */
    float
    hourly_chart(float top)
    {
        double vals[DSR_HOURS];
        double max_v = 0.0;
        int    peak = -1;
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

        std::string note = peak >= 0 ? w_.peak + strprintf(" %02d:00\u2013%02d:00: ", peak, (peak + 1) % 24) +
                                           format_currency_double(max_v, st_)
                                     : std::string(w_.no_hourly);
        section_title(top, w_.revenue_by_hour, note);

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
        float       label_w = 0;
        for (int k = 0; k <= steps; k++)
            label_w = std::max(label_w, cv_.text_width(reg_, label_size, format_axis(step * k, step, st_)));

        const float plot_top = top + 14, plot_h = 130;
        const float plot_bottom = plot_top + plot_h;
        const float plot_x = kMargin + label_w + 6;
        const float plot_w = pw_ - kMargin - plot_x;

        for (int k = 0; k <= steps; k++)
        {
            float gy = plot_bottom - plot_h * static_cast<float>(k) / static_cast<float>(steps);
            if (k > 0)
                cv_.line(plot_x, gy, plot_x + plot_w, gy, kGrid, 0.5f);
            cv_.text_right(plot_x - 5, gy + 2.5f, reg_, label_size, format_axis(step * k, step, st_), kMuted);
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

        std::string caption = fill(w_.hour_axis, tz_);
        cv_.text_center(plot_x + plot_w / 2, plot_bottom + 21, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, caption, plot_w),
                        kMuted);
        return plot_bottom + 21;
    }

    void
    top_products(float top)
    {
        double top_rev = 0;
        for (int k = 0; k < top_count_; k++)
            if (std::isfinite(r_.top[k].revenue))
                top_rev += r_.top[k].revenue;

        std::string note;
        if (top_count_ > 0 && r_.revenue > 0)
            note = fill(strprintf(w_.top_share, top_count_).c_str(),
                        format_decimal(top_rev / r_.revenue * 100.0, 1, st_) + "%");
        section_title(top, top_count_ > 0 ? strprintf(w_.top_n, top_count_) : std::string(w_.top_products), note);

        const float size = 8.5f, head_h = 17, row_h = 15;
        const float right = pw_ - kMargin;
        /* right edges of the numeric columns, and the product column */
        const float share_r = right - 6, rev_r = share_r - 62, qty_r = rev_r - 92;
        const float rank_r = kMargin + 22, name_x = kMargin + 30;
        /* the product column ends where the widest quantity begins */
        float qty_w = cv_.text_width(bold_, size, w_.qty);
        for (int k = 0; k < top_count_; k++)
            qty_w = std::max(qty_w, cv_.text_width(reg_, size, format_int(r_.top[k].quantity, st_)));
        const float name_w = qty_r - std::max(qty_w, 30.0f) - 14 - name_x;

        float y = top + 10;
        cv_.rect(kMargin, y, cw_, head_h, kGrid);
        float base = y + 11.5f;
        cv_.text_right(rank_r, base, bold_, size, "#", kInk);
        cv_.text(name_x, base, bold_, size, w_.product, kInk);
        cv_.text_right(qty_r, base, bold_, size, w_.qty, kInk);
        cv_.text_right(rev_r, base, bold_, size, w_.revenue, kInk);
        cv_.text_right(share_r, base, bold_, size, w_.share, kInk);
        y += head_h;

        if (top_count_ == 0)
        {
            cv_.text(name_x, y + 12, reg_, size, w_.no_product_data, kMuted);
            return;
        }

        for (int k = 0; k < top_count_; k++)
        {
            const DsrProduct &p = r_.top[k];
            if (k % 2 == 1)
                cv_.rect(kMargin, y, cw_, row_h, kZebra);
            base = y + 10.5f;
            cv_.text_right(rank_r, base, reg_, size, strprintf("%d", k + 1), kMuted);
            cv_.text(name_x, base, reg_, size, cv_.fit_text(reg_, size, str_or(p.name, w_.unnamed), name_w), kInk);
            cv_.text_right(qty_r, base, reg_, size, format_int(p.quantity, st_), kInk);
            cv_.text_right(rev_r, base, reg_, size, money(p.revenue_text, p.revenue), kInk);
            std::string share = r_.revenue > 0 && std::isfinite(p.revenue)
                                    ? format_decimal(p.revenue / r_.revenue * 100.0, 1, st_) + "%"
                                    : std::string("\u2014");
            cv_.text_right(share_r, base, reg_, size, share, kInk);
            y += row_h;
        }
        cv_.line(kMargin, y, right, y, kRule, 0.6f);
    }

    void
    no_sales_notice(float top)
    {
        const float h = 130;
        cv_.rect(kMargin, top, cw_, h, kTile);
        cv_.frame(kMargin, top, cw_, h, kRule, 0.8f);
        float cx = pw_ / 2;
        cv_.text_center(cx, top + 58, bold_, 22, cv_.fit_text(bold_, 22, w_.no_sales, cw_ - 20), kInk);
        std::string when = date_.valid ? long_day(date_, " ") : date_text_;
        std::string msg = fill(w_.no_orders, when, tz_);
        cv_.text_center(cx, top + 82, reg_, 10, cv_.fit_text(reg_, 10, msg, cw_ - 20), kMuted);
        cv_.text_center(cx, top + 98, reg_, 10, cv_.fit_text(reg_, 10, w_.no_ranking, cw_ - 20), kMuted);
    }

    void
    footer()
    {
        const float rule = ph_ - 46;
        cv_.line(kMargin, rule, pw_ - kMargin, rule, kRule, 0.6f);
        if (unshaped_)
        {
            std::string scripts = unshaped_ & kScriptArabic ? w_.arabic : "";
            if (unshaped_ & kScriptIndic)
                scripts += std::string(scripts.empty() ? "" : st_.pt_br ? " e " : " and ") + w_.indic;
            cv_.text(kMargin, rule - 6, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, fill(w_.unshaped, scripts), cw_), kDown);
        }

        std::string qs = std::isfinite(r_.query_seconds) && r_.query_seconds >= 0
                             ? (r_.query_seconds < 1 ? format_decimal(r_.query_seconds * 1000, 1, st_) + " ms"
                                                     : format_decimal(r_.query_seconds, 2, st_) + " s")
                             : std::string(w_.na);
        const char *dot = "   \u00b7   ";
        std::string l1 = std::string(w_.generated) + " " + str_or(r_.generated_at, w_.unknown_time) + dot + w_.run +
                         format_int(r_.run_id, st_) + dot + w_.query_time + " " + qs + dot +
                         format_int(r_.rows_read, st_) + " " + w_.rows_read;
        std::string l2 = w_.generated_by;
        std::string right = (shop_.empty() ? "" : shop_ + " \u00b7 ") + w_.page;
        float       rw = cv_.text_width(reg_, 7.5f, right);

        cv_.text(kMargin, rule + 13, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, l1, cw_), kMuted);
        cv_.text(kMargin, rule + 24, reg_, 7.5f, cv_.fit_text(reg_, 7.5f, l2, cw_ - rw - 10), kMuted);
        cv_.text_right(pw_ - kMargin, rule + 24, reg_, 7.5f, right, kMuted);
    }
};

} /* namespace */

namespace dsr
{

unsigned
draw_report_page(Canvas &cv, const Font &regular, const Font &bold, const DsrReport &r)
{
    ReportPage page(cv, regular, bold, r);
    page.draw();
    return page.unshaped();
}

const char *
report_title(const char *locale)
{
    return is_pt_br(locale) ? kPortuguese.title : kEnglish.title;
}

} /* namespace dsr */
