/*
 * expected_band.h — the revenue expected for a day, from the same weekday
 * of up to DSR_EXPECTED_WEEKS weeks before it.  Pure C++ behind a C API.
 *
 * The expected value is the median of those weeks' revenue: one holiday (or
 * one record day) among them does not move it.  The band is the median
 * plus or minus twice a robust standard deviation (1.4826 x the median
 * absolute deviation, which one odd week does not inflate either), and at
 * least 20 % of the median, so that a shop whose weeks are nearly equal is
 * not alerted on ordinary noise; never below 0 when the median is not.  Weeks before the first one with an order
 * are not history (the shop had not opened, or not on that weekday).
 */
#ifndef DSR_EXPECTED_BAND_H
#define DSR_EXPECTED_BAND_H

#include "report.h"

#ifdef __cplusplus
extern "C"
{
#endif

    /* weeks[0] is the same weekday a week before, weeks[1] two weeks before... */
    DsrExpected dsr_expected_band(const DsrTotals *weeks, int count) noexcept;

#ifdef __cplusplus
}
#endif

#endif /* DSR_EXPECTED_BAND_H */
