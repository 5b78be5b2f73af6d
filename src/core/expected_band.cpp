/*
 * expected_band.cpp — the expected revenue and its band (expected_band.h).
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "expected_band.h"

#include <algorithm>
#include <cmath>

namespace
{

/* Median of v[0..n), n > 0 (reordered).  Fixed arrays: nothing here allocates, so nothing throws. */
double
median(double *v, int n)
{
    std::sort(v, v + n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* 1.4826 x MAD estimates the standard deviation of normal noise. */
constexpr double kMadToSigma = 1.4826;
constexpr double kSigmas = 2.0;
constexpr double kMinimumHalfWidth = 0.2; /* of the median */

} // namespace

DsrExpected
dsr_expected_band(const DsrTotals *weeks, int count) noexcept
{
    DsrExpected band{0, 0, 0, 0};
    int         history = std::min(std::max(count, 0), DSR_EXPECTED_WEEKS);

    /* the oldest weeks without an order are before the shop's history */
    while (history > 0 && weeks[history - 1].orders <= 0)
        history--;

    double revenue[DSR_EXPECTED_WEEKS], deviation[DSR_EXPECTED_WEEKS];
    int    n = 0;
    for (int k = 0; k < history; k++)
        if (std::isfinite(weeks[k].revenue))
            revenue[n++] = weeks[k].revenue;
    if (n == 0)
        return band;

    double mid = median(revenue, n);
    for (int k = 0; k < n; k++)
        deviation[k] = std::fabs(revenue[k] - mid);
    double half = std::max(kSigmas * kMadToSigma * median(deviation, n), kMinimumHalfWidth * std::fabs(mid));

    band.weeks = n;
    band.expected = mid;
    /* a shop that sells is not expected to sell less than nothing */
    band.lower = mid >= 0 ? std::max(mid - half, 0.0) : mid - half;
    band.upper = mid + half;
    return band;
}
