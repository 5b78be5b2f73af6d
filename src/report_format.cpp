/*
 * report_format.cpp — numbers, money and dates as the report shows them.
 */
#include "report_format.h"

#include "strprintf.h"

#include <cmath>
#include <cstdio>

namespace dsr {

namespace {

/* "1234567" -> "1,234,567" (digits only) */
std::string
group_digits(const std::string &digits)
{
    std::string out;
    size_t n = digits.size();
    for (size_t k = 0; k < n; k++)
    {
        if (k > 0 && (n - k) % 3 == 0)
            out += ',';
        out += digits[k];
    }
    return out;
}

/* A plain decimal "-?digits(.digits)?" -> grouped, at least two decimals. */
bool
format_decimal_text(const std::string &t, std::string &out)
{
    size_t i = 0;
    bool neg = false;
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
    while (frac.size() < 2)
        frac += '0';

    bool zero = int_part == "0" && frac.find_first_not_of('0') == std::string::npos;
    out = (neg && !zero ? "-" : "") + group_digits(int_part) + "." + frac;
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
    Date r;
    r.d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    r.m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    r.y = static_cast<int>(yoe + era * 400 + (r.m <= 2));
    r.valid = true;
    return r;
}

const char *const kWeekdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

int
weekday(const Date &dt) /* 0 = Sunday */
{
    int64_t z = days_from_civil(dt.y, dt.m, dt.d);
    return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

} /* namespace */

std::string
format_int(int64_t v)
{
    uint64_t mag = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1
                         : static_cast<uint64_t>(v);
    std::string s = group_digits(std::to_string(mag));
    return v < 0 ? "-" + s : s;
}

std::string
format_money_double(double v)
{
    if (!std::isfinite(v))
        return "n/a";
    std::string s = strprintf("%.2f", v);
    std::string out;
    if (format_decimal_text(s, out))
        return out;
    return s;
}

std::string
format_money(const char *text, double fallback)
{
    std::string out;
    if (text && format_decimal_text(text, out))
        return out;
    return format_money_double(fallback);
}

std::string
format_axis(double v, double step)
{
    if (step >= 1.0)
        return format_int(static_cast<int64_t>(std::llround(v)));
    std::string s = strprintf("%.2f", v);
    std::string out;
    return format_decimal_text(s, out) ? out : s;
}

Date
parse_date(const char *s)
{
    Date r;
    if (!s)
        return r;
    int y, m, d;
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

std::string
format_iso_date(const Date &dt)
{
    return strprintf("%04d-%02d-%02d", dt.y, dt.m, dt.d);
}

} /* namespace dsr */
