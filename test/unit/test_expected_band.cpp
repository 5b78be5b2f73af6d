/*
 * test_expected_band.cpp — the expected revenue of a day and its band
 * (expected_band.h): median of the same weekday over up to 8 weeks, 2 robust
 * sigmas (1.4826 x MAD) or at least 20 % of the median, history from the
 * first week with an order.
 */
#include "core/expected_band.h"
#include "totals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace
{

/* weeks newest first, as {orders, revenue}; an order count of 0 is a day without sales */
DsrExpected
band_of(const std::vector<std::pair<int64_t, double>> &weeks)
{
    std::vector<DsrTotals> t;
    for (const auto &w : weeks)
        t.push_back(totals(w.first, 0, w.second, nullptr));
    return dsr_expected_band(t.data(), static_cast<int>(t.size()));
}

} // namespace

TEST(ExpectedBand, MedianAndRobustSpread)
{
    /* 1100, 1000, 0 (a holiday), 900, 1050, 950; two weeks before the shop opened */
    DsrExpected e = band_of({{1, 1100}, {1, 1000}, {0, 0}, {1, 900}, {1, 1050}, {1, 950}, {0, 0}, {0, 0}});
    EXPECT_EQ(e.weeks, 6);
    EXPECT_DOUBLE_EQ(e.expected, 975);
    /* MAD 75: 2 x 1.4826 x 75 = 222.39 > 20 % of 975 */
    EXPECT_NEAR(e.lower, 975 - 222.39, 1e-9);
    EXPECT_NEAR(e.upper, 975 + 222.39, 1e-9);
}

TEST(ExpectedBand, SteadyShopGetsTheTwentyPercentFloor)
{
    DsrExpected e = band_of({{5, 1000}, {5, 1000}, {5, 1000}, {5, 1000}, {5, 1000}, {5, 1000}, {5, 1000}, {5, 1000}});
    EXPECT_EQ(e.weeks, 8);
    EXPECT_DOUBLE_EQ(e.expected, 1000);
    EXPECT_DOUBLE_EQ(e.lower, 800);
    EXPECT_DOUBLE_EQ(e.upper, 1200);
}

TEST(ExpectedBand, OneOddWeekMovesNeitherTheMedianNorTheBandMuch)
{
    DsrExpected calm = band_of({{5, 1000}, {5, 1010}, {5, 990}, {5, 1005}, {5, 995}});
    DsrExpected odd = band_of({{5, 1000}, {5, 1010}, {5, 990}, {5, 90000}, {5, 995}});
    EXPECT_DOUBLE_EQ(calm.expected, 1000);
    EXPECT_DOUBLE_EQ(odd.expected, 1000);
    EXPECT_LT(odd.upper, 1300);
}

TEST(ExpectedBand, NoHistoryNoBand)
{
    EXPECT_EQ(band_of({}).weeks, 0);
    EXPECT_EQ(band_of({{0, 0}, {0, 0}, {0, 0}}).weeks, 0);
    DsrExpected none = band_of({{0, 0}});
    EXPECT_EQ(none.expected, 0);
    EXPECT_EQ(none.lower, 0);
    EXPECT_EQ(none.upper, 0);
    EXPECT_EQ(dsr_expected_band(nullptr, 0).weeks, 0);
}

TEST(ExpectedBand, OneWeekIsItsOwnMedian)
{
    DsrExpected e = band_of({{3, 500}});
    EXPECT_EQ(e.weeks, 1);
    EXPECT_DOUBLE_EQ(e.expected, 500);
    EXPECT_DOUBLE_EQ(e.lower, 400);
    EXPECT_DOUBLE_EQ(e.upper, 600);
}

TEST(ExpectedBand, LowerBoundStopsAtZeroUnlessTheMedianIsNegative)
{
    DsrExpected wide = band_of({{1, 100}, {1, 5000}, {1, 50}, {1, 4000}});
    EXPECT_EQ(wide.lower, 0);
    DsrExpected refunds = band_of({{1, -100}, {1, -100}, {1, -100}});
    EXPECT_DOUBLE_EQ(refunds.expected, -100);
    EXPECT_DOUBLE_EQ(refunds.lower, -120);
    EXPECT_DOUBLE_EQ(refunds.upper, -80);
}

TEST(ExpectedBand, OddValuesAreLeftOutNotPropagated)
{
    DsrExpected e = band_of({{1, NAN}, {1, 1000}, {1, INFINITY}, {1, 1000}});
    EXPECT_EQ(e.weeks, 2);
    EXPECT_TRUE(std::isfinite(e.expected) && std::isfinite(e.lower) && std::isfinite(e.upper));
    /* more than 8 weeks, or a negative count: at most 8 are read, none past the end */
    std::vector<DsrTotals> many(20, totals(1, 0, 10, nullptr));
    many[8].revenue = 1e9;
    EXPECT_EQ(dsr_expected_band(many.data(), 20).weeks, 8);
    EXPECT_DOUBLE_EQ(dsr_expected_band(many.data(), 20).expected, 10);
    EXPECT_EQ(dsr_expected_band(many.data(), -3).weeks, 0);
}
