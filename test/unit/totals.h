/*
 * totals.h — a comparison day's figures for the tests, set by name: a new
 * field of DsrTotals is 0 here instead of a change in every test.
 */
#ifndef DSR_TEST_TOTALS_H
#define DSR_TEST_TOTALS_H

#include "core/report.h"

inline DsrTotals
totals(int64_t orders, int64_t items_sold, double revenue, const char *revenue_text)
{
    DsrTotals t{};
    t.orders = orders;
    t.items_sold = items_sold;
    t.revenue = revenue;
    t.revenue_text = revenue_text;
    return t;
}

#endif /* DSR_TEST_TOTALS_H */
