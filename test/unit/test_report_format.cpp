/*
 * test_report_format.cpp — numbers, money and dates as the report prints them.
 */
#include "core/report_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace
{

using namespace dsr;

TEST(ReportFormat, IntegersAreGroupedByThousands)
{
    EXPECT_EQ(format_int(0), "0");
    EXPECT_EQ(format_int(999), "999");
    EXPECT_EQ(format_int(1000), "1,000");
    EXPECT_EQ(format_int(-1234567), "-1,234,567");
    EXPECT_EQ(format_int(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
}

TEST(ReportFormat, MoneyComesFromTheExactText)
{
    EXPECT_EQ(format_money("15420.50", 0.0), "15,420.50");
    EXPECT_EQ(format_money("1234567.5", 0.0), "1,234,567.50");
    EXPECT_EQ(format_money("-1234.50", 0.0), "-1,234.50");
    EXPECT_EQ(format_money("007.1", 0.0), "7.10");
    EXPECT_EQ(format_money("+5", 0.0), "5.00");
    EXPECT_EQ(format_money("-0.00", 0.0), "0.00") << "no negative zero";
    EXPECT_EQ(format_money("0.125", 0.0), "0.125") << "the text's precision is kept";
}

TEST(ReportFormat, MoneyFallsBackToTheDouble)
{
    EXPECT_EQ(format_money(nullptr, 82.456), "82.46");
    EXPECT_EQ(format_money("12,50", 3449.7), "3,449.70");
    EXPECT_EQ(format_money(".", 1.0), "1.00");
    EXPECT_EQ(format_money(nullptr, std::nan("")), "n/a");
    EXPECT_EQ(format_money_double(-1320.75), "-1,320.75");
    EXPECT_EQ(format_money_double(HUGE_VAL), "n/a");
}

TEST(ReportFormat, AxisLabelsShowDecimalsOnlyForSmallSteps)
{
    EXPECT_EQ(format_axis(1500.0, 500.0), "1,500");
    EXPECT_EQ(format_axis(0.0, 25.0), "0");
    EXPECT_EQ(format_axis(0.5, 0.25), "0.50");
}

TEST(ReportFormat, ParsesRealCalendarDaysOnly)
{
    Date d = parse_date("2025-09-22");
    ASSERT_TRUE(d.valid);
    EXPECT_EQ(d.y, 2025);
    EXPECT_EQ(d.m, 9);
    EXPECT_EQ(d.d, 22);
    EXPECT_TRUE(parse_date("2024-02-29").valid);

    EXPECT_FALSE(parse_date("2025-02-29").valid);
    EXPECT_FALSE(parse_date("2025-02-30").valid);
    EXPECT_FALSE(parse_date("2025-13-01").valid);
    EXPECT_FALSE(parse_date("2025-09-22x").valid);
    EXPECT_FALSE(parse_date("0000-01-01").valid);
    EXPECT_FALSE(parse_date("yesterday").valid);
    EXPECT_FALSE(parse_date("").valid);
    EXPECT_FALSE(parse_date(nullptr).valid);
}

TEST(ReportFormat, WeekdayNames)
{
    EXPECT_STREQ(weekday_name(parse_date("2025-09-22")), "Monday");
    EXPECT_STREQ(weekday_name(parse_date("2025-09-21")), "Sunday");
    EXPECT_STREQ(weekday_name(parse_date("1970-01-01")), "Thursday");
    EXPECT_STREQ(weekday_name(parse_date("1969-12-31")), "Wednesday");
    EXPECT_STREQ(weekday_name(parse_date("1969-12-26")), "Friday");
    EXPECT_STREQ(weekday_name(parse_date("0001-01-01")), "Monday");
}

TEST(ReportFormat, AddDaysCrossesMonthsYearsAndLeapDays)
{
    EXPECT_EQ(format_iso_date(add_days(parse_date("2025-09-22"), -1)), "2025-09-21");
    EXPECT_EQ(format_iso_date(add_days(parse_date("2025-09-22"), -7)), "2025-09-15");
    EXPECT_EQ(format_iso_date(add_days(parse_date("2024-03-01"), -1)), "2024-02-29");
    EXPECT_EQ(format_iso_date(add_days(parse_date("2025-01-01"), -1)), "2024-12-31");
    EXPECT_EQ(format_iso_date(add_days(parse_date("2025-12-31"), 1)), "2026-01-01");
}

} // namespace
