/*
 * report_format.cpp — numbers, money and dates as the report shows them.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "report_format.h"

#include "strprintf.h"

#include <cmath>
#include <cstdio>

namespace dsr
{

namespace
{

/* "1234567" -> "1,234,567" (digits only) */
std::string
group_digits(const std::string &digits, char sep = ',')
{
    std::string out;
    size_t      n = digits.size();
    for (size_t k = 0; k < n; k++)
    {
        if (k > 0 && (n - k) % 3 == 0)
            out += sep;
        out += digits[k];
    }
    return out;
}

/* A plain decimal "-?digits(.digits)?" -> grouped, at least two decimals. */
bool
format_decimal_text(const std::string &t, std::string &out, const NumberStyle &st = NumberStyle(), size_t min_frac = 2)
{
    size_t i = 0;
    bool   neg = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+'))
    {
        neg = t[i] == '-';
        i++;
    }
    size_t int_start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
        i++;
    std::string int_part = t.substr(int_start, i - int_start);
    std::string frac;
    if (i < t.size() && t[i] == '.')
    {
        i++;
        size_t fs = i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
            i++;
        frac = t.substr(fs, i - fs);
    }
    if (i != t.size() || (int_part.empty() && frac.empty()))
        return false;

    /* drop leading zeros, keep one */
    size_t nz = int_part.find_first_not_of('0');
    int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
    while (frac.size() < min_frac)
        frac += '0';

    bool zero = int_part == "0" && frac.find_first_not_of('0') == std::string::npos;
    out = (neg && !zero ? "-" : "") + group_digits(int_part, st.group) +
          (frac.empty() ? "" : std::string(1, st.decimal) + frac);
    return true;
}

int64_t
days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's algorithm, proleptic Gregorian */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date
civil_from_days(int64_t z)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    Date          r;
    r.d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    r.m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    r.y = static_cast<int>(yoe + era * 400 + (r.m <= 2));
    r.valid = true;
    return r;
}

const char *const kWeekdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
const char *const kWeekdaysPt[] = {"domingo",      "segunda-feira", "ter\u00e7a-feira", "quarta-feira",
                                   "quinta-feira", "sexta-feira",   "s\u00e1bado"};
const char *const kWeekdaysShortPt[] = {"dom", "seg", "ter", "qua", "qui", "sex", "s\u00e1b"};
const char *const kMonthsPt[] = {"janeiro", "fevereiro", "mar\u00e7o", "abril",   "maio",     "junho",
                                 "julho",   "agosto",    "setembro",   "outubro", "novembro", "dezembro"};

/* "en" | "pt-BR" | "pt_BR" | "pt", any case */
bool
same_locale(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
    {
        char x = *a == '_' ? '-' : *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return *a == *b;
}

int
weekday(const Date &dt) /* 0 = Sunday */
{
    int64_t z = days_from_civil(dt.y, dt.m, dt.d);
    return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

std::string
with_sign(const std::string &amount, const NumberStyle &st)
{
    if (st.currency_prefix.empty() || amount == "n/a" || amount == "n/d")
        return amount;
    if (!amount.empty() && amount[0] == '-')
        return "-" + st.currency_prefix + amount.substr(1);
    return st.currency_prefix + amount;
}

} /* namespace */

bool
is_report_locale(const char *name)
{
    return name == nullptr || *name == '\0' || same_locale(name, "en") || same_locale(name, "pt-br") ||
           same_locale(name, "pt");
}

bool
is_pt_br(const char *locale)
{
    return locale != nullptr && (same_locale(locale, "pt-br") || same_locale(locale, "pt"));
}

bool
is_currency_code(const char *code)
{
    if (code == nullptr || *code == '\0')
        return true;
    for (int k = 0; k < 3; k++)
        if (code[k] < 'A' || code[k] > 'Z')
            return false;
    return code[3] == '\0';
}

NumberStyle
number_style(const char *locale, const char *currency)
{
    NumberStyle st;
    st.pt_br = is_pt_br(locale);
    if (st.pt_br)
    {
        st.group = '.';
        st.decimal = ',';
    }
    std::string code = currency && is_currency_code(currency) ? currency : "";
    if (code.empty())
        return st;
    std::string sign;
    bool        symbol = true;
    if (code == "BRL")
        sign = "R$";
    else if (code == "USD")
        sign = st.pt_br ? "US$" : "$";
    else if (code == "EUR")
        sign = "\u20ac";
    else if (code == "GBP")
        sign = "\u00a3";
    else
    {
        sign = code;
        symbol = false;
    }
    /* pt-BR puts a space after every sign ("R$ 10,00"), English after a code only */
    st.currency_prefix = sign + (st.pt_br || !symbol ? " " : "");
    return st;
}

std::string
format_int(int64_t v, const NumberStyle &st)
{
    uint64_t    mag = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
    std::string s = group_digits(std::to_string(mag), st.group);
    return v < 0 ? "-" + s : s;
}

std::string
format_decimal(double v, int decimals, const NumberStyle &st)
{
    if (!std::isfinite(v))
        return st.pt_br ? "n/d" : "n/a";
    std::string s = strprintf("%.*f", decimals, v);
    std::string out;
    if (format_decimal_text(s, out, st, static_cast<size_t>(decimals)))
        return out;
    return s;
}

std::string
format_money_double(double v, const NumberStyle &st)
{
    return format_decimal(v, 2, st);
}

std::string
format_money(const char *text, double fallback, const NumberStyle &st)
{
    std::string out;
    if (text && format_decimal_text(text, out, st))
        return out;
    return format_money_double(fallback, st);
}

std::string
format_currency(const char *text, double fallback, const NumberStyle &st)
{
    return with_sign(format_money(text, fallback, st), st);
}

std::string
format_currency_double(double v, const NumberStyle &st)
{
    return with_sign(format_money_double(v, st), st);
}

std::string
format_change_magnitude(double pct, const NumberStyle &st)
{
    double mag = std::fabs(pct);
    if (!std::isfinite(mag))
        return st.pt_br ? "n/d" : "n/a";
    if (mag < 999.95)
        return format_decimal(mag, 1, st) + "%";
    /* +623,684.2% reads better as the ratio it is: 6,237x the other day */
    const char *times = "\u00d7"; /* U+00D7, in WinAnsiEncoding */
    double      ratio = pct > 0 ? 1.0 + mag / 100.0 : mag / 100.0;
    if (ratio < 99.95)
        return format_decimal(ratio, 1, st) + times;
    if (ratio < 99999.5)
        return format_int(static_cast<int64_t>(std::llround(ratio)), st) + times;
    return ">" + format_int(99999, st) + times;
}

std::string
format_axis(double v, double step, const NumberStyle &st)
{
    if (step >= 1.0)
        return format_int(static_cast<int64_t>(std::llround(v)), st);
    return format_decimal(v, 2, st);
}

Date
parse_date(const char *s)
{
    Date r;
    if (!s)
        return r;
    int  y, m, d;
    char tail;
    if (std::sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return r;
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1)
        return r;
    /* round-trip to reject 2025-02-30 */
    Date back = civil_from_days(days_from_civil(y, m, d));
    if (back.y != y || back.m != m || back.d != d)
        return r;
    return back;
}

Date
add_days(const Date &dt, int n)
{
    return civil_from_days(days_from_civil(dt.y, dt.m, dt.d) + n);
}

const char *
weekday_name(const Date &dt)
{
    return kWeekdays[weekday(dt)];
}

const char *
weekday_name_pt(const Date &dt)
{
    return kWeekdaysPt[weekday(dt)];
}

const char *
weekday_short_pt(const Date &dt)
{
    return kWeekdaysShortPt[weekday(dt)];
}

std::string
format_long_date_pt(const Date &dt)
{
    return strprintf("%s, %d de %s de %d", weekday_name_pt(dt), dt.d, kMonthsPt[dt.m - 1], dt.y);
}

std::string
format_date_pt(const Date &dt)
{
    return strprintf("%02d/%02d/%04d", dt.d, dt.m, dt.y);
}

std::string
format_iso_date(const Date &dt)
{
    return strprintf("%04d-%02d-%02d", dt.y, dt.m, dt.d);
}

} /* namespace dsr */
