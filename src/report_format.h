/*
 * report_format.h — how numbers, money and dates read on the PDF report:
 * "1,234,567", "15,420.50", "2025-09-22", "Monday".
 */
#ifndef DSR_REPORT_FORMAT_H
#define DSR_REPORT_FORMAT_H

#include <cstdint>
#include <string>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace dsr __attribute__((visibility("hidden"))) {

/* Grouped integer: -1234567 -> "-1,234,567". */
std::string format_int(int64_t v);

/* Grouped, two decimals; "n/a" when not finite. */
std::string format_money_double(double v);

/* Money from the exact decimal text (e.g. "15420.5"), falling back to the
 * double when the text is missing or not a plain decimal. */
std::string format_money(const char *text, double fallback);

/* An axis label: grouped integer, or with decimals when the step is small. */
std::string format_axis(double v, double step);

/* A proleptic Gregorian calendar day. */
struct Date
{
    bool valid = false;
    int y = 0, m = 0, d = 0;
};

/* "YYYY-MM-DD" (nothing after it, a real calendar day), else !valid. */
Date parse_date(const char *s);

Date add_days(const Date &dt, int n);

/* "Sunday" .. "Saturday" */
const char *weekday_name(const Date &dt);

/* "YYYY-MM-DD" */
std::string format_iso_date(const Date &dt);

} /* namespace dsr */

#endif /* DSR_REPORT_FORMAT_H */
