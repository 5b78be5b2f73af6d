/*
 * report_format.h — how numbers, money and dates read on the PDF report:
 * "1,234,567", "15,420.50", "2025-09-22", "Monday".
 */
#ifndef DSR_REPORT_FORMAT_H
#define DSR_REPORT_FORMAT_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include <cstdint>
#include <string>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

/* How numbers read: English "1,234,567.89" or Brazilian "1.234.567,89",
 * and the currency sign amounts carry. */
struct NumberStyle
{
    char        group = ',';
    char        decimal = '.';
    bool        pt_br = false;
    std::string currency_prefix; /* e.g. "R$ " (pt-BR), "R$" (en), empty: none */
};

/* The report locale: "en" (also NULL or empty), "pt-BR" (any case, '_' or
 * '-').  is_report_locale says whether the name is one of them. */
bool is_report_locale(const char *name);
bool is_pt_br(const char *locale);

/* An ISO 4217 code (three letters A-Z), or empty. */
bool is_currency_code(const char *code);

/* The style of `locale` with `currency` (ISO code; NULL/empty: no sign).
 * Signs: BRL R$, USD US$ in pt-BR and $ in en, EUR €, GBP £; any other code
 * is printed before the amount, e.g. "CHF 12.50". */
NumberStyle number_style(const char *locale, const char *currency);

/* Grouped integer: -1234567 -> "-1,234,567". */
std::string format_int(int64_t v, const NumberStyle &st = NumberStyle());

/* A decimal with `decimals` digits after the separator, grouped:
 * 1234.5, 1 -> "1,234.5"; "n/a" when not finite. */
std::string format_decimal(double v, int decimals, const NumberStyle &st = NumberStyle());

/* Grouped, two decimals, no sign; "n/a" when not finite. */
std::string format_money_double(double v, const NumberStyle &st = NumberStyle());

/* Money from the exact decimal text (e.g. "15420.5"), falling back to the
 * double when the text is missing or not a plain decimal; no sign. */
std::string format_money(const char *text, double fallback, const NumberStyle &st = NumberStyle());

/* The same with the currency sign: "R$ 241.884.184,90", "-R$ 3,00". */
std::string format_currency(const char *text, double fallback, const NumberStyle &st);
std::string format_currency_double(double v, const NumberStyle &st);

/* A change in percent as the tiles show it, without its sign: "12.3%";
 * from 1,000% on, the ratio cur/prev instead: "6,237×" (one decimal below
 * 100×: "12.3×"), never more than 7 characters (">99,999×"). */
std::string format_change_magnitude(double pct, const NumberStyle &st = NumberStyle());

/* An axis label: grouped integer, or with decimals when the step is small. */
std::string format_axis(double v, double step, const NumberStyle &st = NumberStyle());

/* A proleptic Gregorian calendar day. */
struct Date
{
    bool valid = false;
    int  y = 0, m = 0, d = 0;
};

/* "YYYY-MM-DD" (nothing after it, a real calendar day), else !valid. */
Date parse_date(const char *s);

Date add_days(const Date &dt, int n);

/* "Sunday" .. "Saturday" */
const char *weekday_name(const Date &dt);

/* "domingo" .. "sábado" (UTF-8), "seg" .. "dom" for the short form */
const char *weekday_name_pt(const Date &dt);
const char *weekday_short_pt(const Date &dt);

/* "segunda-feira, 22 de setembro de 2025" */
std::string format_long_date_pt(const Date &dt);

/* "22/09/2025" */
std::string format_date_pt(const Date &dt);

/* "YYYY-MM-DD" */
std::string format_iso_date(const Date &dt);

} /* namespace dsr */

#endif /* DSR_REPORT_FORMAT_H */
