/*
 * test_metrics_payload.cpp — the Pushgateway bodies and grouping-key paths,
 * checked the way a user would: exact text, escaping, which families are
 * there, and that the real `promtool check metrics` parses every body.
 */
#include "core/grouping_key_path.h"
#include "core/metrics_payload.h"
#include "totals.h"
#include "sample_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>
#include <sys/wait.h>
#include <vector>

namespace
{

/* Takes ownership of a malloc'd C string. */
std::string
take(char *s)
{
    EXPECT_NE(s, nullptr);
    if (!s)
        return std::string();
    std::string out(s);
    std::free(s);
    return out;
}

std::vector<std::string>
lines_of(const std::string &text)
{
    std::vector<std::string> out;
    std::istringstream       in(text);
    std::string              line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

bool
has_line(const std::string &body, const std::string &line)
{
    for (const auto &l : lines_of(body))
        if (l == line)
            return true;
    return false;
}

/* Sample lines (not comments) whose metric name is exactly `name`. */
std::vector<std::string>
samples(const std::string &body, const std::string &name)
{
    std::vector<std::string> out;
    for (const auto &l : lines_of(body))
        if (l.compare(0, name.size(), name) == 0 && l.size() > name.size() &&
            (l[name.size()] == ' ' || l[name.size()] == '{'))
            out.push_back(l);
    return out;
}

/* Value of the single unlabeled sample `name`. */
std::string
value_of(const std::string &body, const std::string &name)
{
    const auto s = samples(body, name);
    if (s.size() != 1)
        return "<" + std::to_string(s.size()) + " samples>";
    return s[0].substr(s[0].rfind(' ') + 1);
}

struct Promtool
{
    int         exit_code;
    std::string output;
};

/* Runs the real `promtool check metrics` on body (stdin), stdout+stderr captured. */
Promtool
promtool_check(const std::string &body)
{
    char      path[] = "/tmp/dsr_promtool_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return {-1, "mkstemp failed"};
    const ssize_t written = write(fd, body.data(), body.size());
    close(fd);
    if (written != static_cast<ssize_t>(body.size()))
    {
        unlink(path);
        return {-1, "write failed"};
    }

    const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
    Promtool          result{-1, ""};
    if (FILE *p = popen(cmd.c_str(), "r"))
    {
        char   buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0)
            result.output.append(buf, n);
        const int status = pclose(p);
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    unlink(path);
    return result;
}

bool
promtool_available()
{
    return std::system("promtool --version >/dev/null 2>&1") == 0;
}

/*
 * promtool 2.42 exits 0 when clean, 3 when it only has lint complaints
 * (printed one per line), 1 with "error while linting: text format parsing
 * error ..." when the text cannot be parsed.  The contract names trip these
 * naming lints, which are expected; anything else (a missing HELP, a parse
 * error) is a failure.
 */
void
expect_promtool_parses(const std::string &what, const std::string &body)
{
    const Promtool r = promtool_check(body);
    SCOPED_TRACE(what + "\n--- promtool said ---\n" + r.output + "--- body ---\n" + body);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << "exit code " << r.exit_code;
    EXPECT_EQ(r.output.find("error while linting"), std::string::npos);
    EXPECT_EQ(r.output.find("parsing error"), std::string::npos);

    static const char *const kExpectedLints[] = {
        "non-counter metrics should not have \"_total\" suffix", // daily_sales_revenue_total (contract)
        "non-histogram and non-summary metrics should not have \"_count\" suffix", // *_count gauges (contract)
        "metric names should not contain abbreviated units", // batch_job_memory_usage_mb (contract)
        "use base unit \"bytes\" instead of \"kilobytes\"",  // report_pdf_size_kilobytes (contract)
    };
    for (const auto &line : lines_of(r.output))
    {
        if (line.empty())
            continue;
        bool expected = false;
        for (const char *lint : kExpectedLints)
            expected = expected || line.find(lint) != std::string::npos;
        EXPECT_TRUE(expected) << "unexpected promtool complaint: " << line;
    }
}

} // namespace

/* ---------------------------------------------------------------- exact text */

TEST(MetricsPayload, RunningBodyExactText)
{
    EXPECT_EQ(take(dsr_running_payload(1)),
              "# HELP batch_job_running 1 while a report job run is in progress, 0 otherwise.\n"
              "# TYPE batch_job_running gauge\n"
              "batch_job_running 1\n");
    EXPECT_EQ(take(dsr_running_payload(0)),
              "# HELP batch_job_running 1 while a report job run is in progress, 0 otherwise.\n"
              "# TYPE batch_job_running gauge\n"
              "batch_job_running 0\n");
}

TEST(MetricsPayload, DayBodyWithoutProductsExactText)
{
    DsrReport r = empty_report();
    r.orders = 3;
    r.revenue = 15420.5;
    r.avg_ticket = 5140.5;
    r.items_sold = 9;
    r.previous_day = totals(6, 0, 30841, "30841.00");
    r.week_before = totals(0, 0, 0, "0.00");

    EXPECT_EQ(
        take(dsr_business_payload(&r)),
        "# HELP daily_sales_revenue_total Revenue of the reported day (sum of closed orders), in currency units.\n"
        "# TYPE daily_sales_revenue_total gauge\n"
        "daily_sales_revenue_total 15420.5\n"
        "# HELP daily_sales_orders_count Number of closed orders of the reported day.\n"
        "# TYPE daily_sales_orders_count gauge\n"
        "daily_sales_orders_count 3\n"
        "# HELP daily_sales_avg_ticket_amount Average ticket of the reported day: revenue divided by closed orders, in currency units.\n"
        "# TYPE daily_sales_avg_ticket_amount gauge\n"
        "daily_sales_avg_ticket_amount 5140.5\n"
        "# HELP daily_sales_items_sold_count Number of product units sold on the reported day.\n"
        "# TYPE daily_sales_items_sold_count gauge\n"
        "daily_sales_items_sold_count 9\n"
        "# HELP daily_sales_revenue_change_ratio Relative revenue change of the reported day versus a comparison day: (revenue - other) / |other|, positive when revenue rose.\n"
        "# TYPE daily_sales_revenue_change_ratio gauge\n"
        "daily_sales_revenue_change_ratio{compared_to=\"previous_day\"} -0.5\n"
        "# HELP daily_sales_revenue_expected_samples Same weekdays of the previous weeks the expected revenue is made of (0-8); 0: no band, and no expected, lower and upper series.\n"
        "# TYPE daily_sales_revenue_expected_samples gauge\n"
        "daily_sales_revenue_expected_samples 0\n");
}

TEST(MetricsPayload, ExpectedBandOnlyWithHistory)
{
    DsrReport r = empty_report();
    r.expected = DsrExpected{6, 975, 752.61, 1197.39};
    std::string body = take(dsr_business_payload(&r));
    EXPECT_NE(body.find("\ndaily_sales_revenue_expected 975\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\ndaily_sales_revenue_expected_lower 752.61\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\ndaily_sales_revenue_expected_upper 1197.39\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\ndaily_sales_revenue_expected_samples 6\n"), std::string::npos) << body;
    EXPECT_NE(body.find("# TYPE daily_sales_revenue_expected_lower gauge\n"), std::string::npos) << body;

    r.expected = DsrExpected{0, 0, 0, 0};
    body = take(dsr_business_payload(&r));
    EXPECT_NE(body.find("\ndaily_sales_revenue_expected_samples 0\n"), std::string::npos) << body;
    EXPECT_EQ(body.find("daily_sales_revenue_expected "), std::string::npos) << body;
    EXPECT_EQ(body.find("daily_sales_revenue_expected_lower"), std::string::npos) << body;
    EXPECT_EQ(body.find("daily_sales_revenue_expected_upper"), std::string::npos) << body;
}

TEST(MetricsPayload, JobBodyWithoutPerformanceExactText)
{
    DsrJobFigures f = sample_figures(false);
    f.running = 1;
    EXPECT_EQ(
        take(dsr_job_payload(&f)),
        "# HELP batch_job_last_success_timestamp Unix time (seconds) at which the report job last completed successfully.\n"
        "# TYPE batch_job_last_success_timestamp gauge\n"
        "batch_job_last_success_timestamp 1758585600\n"
        "# HELP batch_job_executions_total Report job executions, by outcome (success or failure).\n"
        "# TYPE batch_job_executions_total counter\n"
        "batch_job_executions_total{status=\"success\"} 12\n"
        "batch_job_executions_total{status=\"failure\"} 1\n"
        "# HELP batch_job_running 1 while a report job run is in progress, 0 otherwise.\n"
        "# TYPE batch_job_running gauge\n"
        "batch_job_running 1\n"
        "# HELP batch_job_errors_total Errors met by the report job, by kind (database, pdf, network).\n"
        "# TYPE batch_job_errors_total counter\n"
        "batch_job_errors_total{error_type=\"database\"} 0\n"
        "batch_job_errors_total{error_type=\"pdf\"} 0\n"
        "batch_job_errors_total{error_type=\"network\"} 2\n"
        "# HELP batch_job_retries_total Retries made by the report job, by operation (push_metrics, database_query).\n"
        "# TYPE batch_job_retries_total counter\n"
        "batch_job_retries_total{operation=\"push_metrics\"} 3\n"
        "batch_job_retries_total{operation=\"database_query\"} 0\n");
}

/* ---------------------------------------------------------------- escaping */

TEST(MetricsPayload, ProductNamesAreEscapedInLabelValues)
{
    const DsrReport   r = sample_report();
    const std::string body = take(dsr_business_payload(&r));

    /* quote and backslash */
    EXPECT_TRUE(has_line(body, "daily_sales_top_product_revenue{product=\"Monitor 27\\\" UltraWide\\\\back\"} 5999.9"))
        << body;
    EXPECT_TRUE(
        has_line(body, "daily_sales_product_revenue{product=\"Monitor 27\\\" UltraWide\\\\back\",rank=\"1\"} 5999.9"))
        << body;
    /* accented UTF-8 passes through unchanged */
    EXPECT_TRUE(has_line(body, "daily_sales_product_revenue{product=\"Café Açaí Pão de Queijo\",rank=\"2\"} 1234.56"))
        << body;
    /* newline becomes \n, so the sample stays on one line */
    EXPECT_TRUE(has_line(body, "daily_sales_product_revenue{product=\"Cabo\\nHDMI\",rank=\"3\"} 70")) << body;
}

TEST(MetricsPayload, InvalidUtf8InProductNameIsReplacedNotPassedOn)
{
    DsrReport r = sample_report();
    r.top_count = 1;
    r.top[0].name = "Caf\xE9 (latin1)"; /* not UTF-8: the gateway would reject the push */
    const std::string body = take(dsr_business_payload(&r));
    EXPECT_TRUE(has_line(body, "daily_sales_top_product_revenue{product=\"Caf\xEF\xBF\xBD (latin1)\"} 5999.9")) << body;
}

/* ---------------------------------------------------------------- families */

TEST(MetricsPayload, DayBodyHasTopFamiliesOnlyWithProducts)
{
    DsrReport   r = sample_report();
    std::string body = take(dsr_business_payload(&r));
    EXPECT_EQ(samples(body, "daily_sales_top_product_revenue").size(), 1u); /* only top[0] */
    EXPECT_EQ(samples(body, "daily_sales_product_revenue").size(), 3u);     /* all of top[] */

    r.top_count = 0;
    body = take(dsr_business_payload(&r));
    EXPECT_EQ(body.find("daily_sales_top_product_revenue"), std::string::npos) << body;
    EXPECT_EQ(body.find("daily_sales_product_revenue"), std::string::npos) << body;
    /* the other families stay */
    EXPECT_EQ(value_of(body, "daily_sales_revenue_total"), "15420.5");
    EXPECT_EQ(value_of(body, "daily_sales_orders_count"), "42");
    EXPECT_EQ(value_of(body, "daily_sales_items_sold_count"), "137");
}

TEST(MetricsPayload, RanksRunFromOneToN)
{
    DsrReport r = sample_report();
    r.top_count = DSR_MAX_TOP_N;
    for (int i = 0; i < DSR_MAX_TOP_N; i++)
        r.top[i] = DsrProduct{"P", 1, 100.0 - i, "x"};
    const std::string body = take(dsr_business_payload(&r));
    const auto        s = samples(body, "daily_sales_product_revenue");
    ASSERT_EQ(s.size(), static_cast<size_t>(DSR_MAX_TOP_N));
    EXPECT_EQ(s[0], "daily_sales_product_revenue{product=\"P\",rank=\"1\"} 100");
    EXPECT_EQ(s[19], "daily_sales_product_revenue{product=\"P\",rank=\"20\"} 81");
}

TEST(MetricsPayload, ChangeRatioOmitsComparisonsWithZeroRevenue)
{
    DsrReport r = sample_report();
    r.previous_day = totals(40, 0, 14000, "14000.00");
    r.week_before = totals(50, 0, 20000, "20000.00");
    std::string body = take(dsr_business_payload(&r));
    auto        s = samples(body, "daily_sales_revenue_change_ratio");
    ASSERT_EQ(s.size(), 2u) << body;
    const std::string prev = "daily_sales_revenue_change_ratio{compared_to=\"previous_day\"} ";
    const std::string week = "daily_sales_revenue_change_ratio{compared_to=\"week_before\"} ";
    ASSERT_EQ(s[0].compare(0, prev.size(), prev), 0) << s[0];
    ASSERT_EQ(s[1].compare(0, week.size(), week), 0) << s[1];
    EXPECT_DOUBLE_EQ(std::strtod(s[0].c_str() + prev.size(), nullptr), (15420.5 - 14000) / 14000);
    EXPECT_DOUBLE_EQ(std::strtod(s[1].c_str() + week.size(), nullptr), (15420.5 - 20000) / 20000);

    r.week_before.revenue = 0;
    body = take(dsr_business_payload(&r));
    s = samples(body, "daily_sales_revenue_change_ratio");
    ASSERT_EQ(s.size(), 1u) << body;
    EXPECT_EQ(s[0].compare(0, prev.size(), prev), 0);

    r.previous_day.revenue = 0;
    body = take(dsr_business_payload(&r));
    EXPECT_EQ(body.find("daily_sales_revenue_change_ratio"), std::string::npos) << body;
}

TEST(MetricsPayload, ChangeRatioAgainstANegativeDayKeepsItsSign)
{
    /* days whose returns outweighed their sales: -1000 to -300 is up (0.7 of its size), -100 to -300 down; as the PDF says */
    DsrReport r = sample_report();
    r.previous_day = totals(40, 0, -1000, "-1000.00");
    r.week_before = totals(50, 0, -100, "-100.00");
    r.revenue = -300;
    const std::string body = take(dsr_business_payload(&r));
    const auto        s = samples(body, "daily_sales_revenue_change_ratio");
    ASSERT_EQ(s.size(), 2u) << body;
    EXPECT_EQ(s[0], "daily_sales_revenue_change_ratio{compared_to=\"previous_day\"} 0.7") << body;
    EXPECT_EQ(s[1], "daily_sales_revenue_change_ratio{compared_to=\"week_before\"} -2") << body;
}

TEST(MetricsPayload, JobBodyFamiliesWithAndWithoutPerformance)
{
    const char *const performance[] = {
        "report_generation_duration_seconds",
        "report_database_query_duration_seconds",
        "report_pdf_generation_duration_seconds",
        "report_pdf_size_kilobytes",
        "batch_job_cpu_usage_percent",
        "batch_job_memory_usage_mb",
        "batch_job_database_connections",
        "batch_job_data_throughput_records_per_second",
    };

    DsrJobFigures f = sample_figures(true);
    std::string   body = take(dsr_job_payload(&f));
    EXPECT_EQ(value_of(body, "report_generation_duration_seconds"), "2.345");
    EXPECT_EQ(value_of(body, "report_database_query_duration_seconds"), "0.5");
    EXPECT_EQ(value_of(body, "report_pdf_generation_duration_seconds"), "1.25");
    EXPECT_EQ(value_of(body, "report_pdf_size_kilobytes"), "48.7");
    EXPECT_EQ(value_of(body, "batch_job_cpu_usage_percent"), "37.5");
    EXPECT_EQ(value_of(body, "batch_job_memory_usage_mb"), "42.25");
    EXPECT_EQ(value_of(body, "batch_job_database_connections"), "7");
    EXPECT_EQ(value_of(body, "batch_job_data_throughput_records_per_second"), "10000");
    EXPECT_TRUE(has_line(body, "# HELP batch_job_memory_usage_mb Private memory (RssAnon, shared buffers not "
                               "counted) of the PostgreSQL background process that ran the last report, at its "
                               "end, in MiB."));

    f = sample_figures(false);
    body = take(dsr_job_payload(&f));
    for (const char *name : performance)
        EXPECT_EQ(body.find(name), std::string::npos) << name << " in\n" << body;
}

TEST(MetricsPayload, JobBodyControlAndErrorSeriesAlwaysPresent)
{
    DsrJobFigures     f{}; /* a job that never ran: everything 0 */
    const std::string body = take(dsr_job_payload(&f));

    EXPECT_EQ(body.find("batch_job_last_success_timestamp"), std::string::npos) << body;
    EXPECT_TRUE(has_line(body, "batch_job_executions_total{status=\"success\"} 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_executions_total{status=\"failure\"} 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_running 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_errors_total{error_type=\"database\"} 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_errors_total{error_type=\"pdf\"} 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_errors_total{error_type=\"network\"} 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_retries_total{operation=\"push_metrics\"} 0")) << body;
    EXPECT_TRUE(has_line(body, "batch_job_retries_total{operation=\"database_query\"} 0")) << body;
}

/* ---------------------------------------------------------------- structure */

TEST(MetricsPayload, EveryBodyIsWellFormedAndTypesAgreeAcrossBodies)
{
    DsrReport r = sample_report();
    r.week_before = totals(50, 0, 20000, "20000.00");
    const DsrJobFigures f = sample_figures(true);
    const std::string   bodies[] = {
          take(dsr_business_payload(&r)),
          take(dsr_job_payload(&f)),
          take(dsr_running_payload(1)),
    };

    std::map<std::string, std::string> type_of; /* across all bodies */
    std::map<std::string, std::string> help_of;
    for (const auto &body : bodies)
    {
        ASSERT_FALSE(body.empty());
        EXPECT_EQ(body.back(), '\n');
        std::map<std::string, int> seen; /* per body: each family once */
        std::string                current;
        for (const auto &line : lines_of(body))
        {
            ASSERT_FALSE(line.empty());
            if (line.rfind("# HELP ", 0) == 0)
            {
                std::istringstream in(line.substr(7));
                in >> current;
                EXPECT_EQ(seen[current]++, 0) << "second HELP for " << current;
                const std::string help = line.substr(7 + current.size() + 1);
                EXPECT_FALSE(help.empty());
                if (help_of.count(current))
                {
                    EXPECT_EQ(help_of[current], help) << current;
                }
                help_of[current] = help;
            }
            else if (line.rfind("# TYPE ", 0) == 0)
            {
                std::istringstream in(line.substr(7));
                std::string        name, type;
                in >> name >> type;
                EXPECT_EQ(name, current) << "TYPE must follow its HELP";
                EXPECT_TRUE(type == "gauge" || type == "counter") << line;
                if (type_of.count(name))
                {
                    EXPECT_EQ(type_of[name], type) << name << " has two types";
                }
                type_of[name] = type;
            }
            else
            {
                /* sample of the current family; "name{labels} value", no timestamp */
                EXPECT_EQ(line.compare(0, current.size(), current), 0) << line;
                const size_t      close = line.rfind('}');
                const std::string tail = line.substr(close == std::string::npos ? current.size() : close + 1);
                ASSERT_EQ(tail[0], ' ') << line;
                EXPECT_EQ(tail.find(' ', 1), std::string::npos) << "timestamp or junk in: " << line;
                /* the grouping key adds job and date; they must not be in the body */
                EXPECT_EQ(line.find("job="), std::string::npos) << line;
                EXPECT_EQ(line.find("date="), std::string::npos) << line;
            }
        }
    }
    EXPECT_EQ(type_of["batch_job_executions_total"], "counter");
    EXPECT_EQ(type_of["batch_job_errors_total"], "counter");
    EXPECT_EQ(type_of["batch_job_retries_total"], "counter");
    EXPECT_EQ(type_of["daily_sales_revenue_total"], "gauge");
    EXPECT_EQ(type_of["batch_job_running"], "gauge");
}

TEST(MetricsPayload, NumbersPrintShortestAndSpecialValues)
{
    DsrReport r = empty_report();
    auto      revenue_text = [&](double v)
    {
        r.revenue = v;
        return value_of(take(dsr_business_payload(&r)), "daily_sales_revenue_total");
    };
    EXPECT_EQ(revenue_text(15420.5), "15420.5");
    EXPECT_EQ(revenue_text(15420.50), "15420.5");
    EXPECT_EQ(revenue_text(0.1), "0.1");
    EXPECT_EQ(revenue_text(0.1 + 0.2), "0.30000000000000004"); /* round-trips exactly */
    EXPECT_EQ(revenue_text(1000000), "1000000");
    EXPECT_EQ(revenue_text(0), "0");
    EXPECT_EQ(revenue_text(-12.75), "-12.75");
    EXPECT_EQ(revenue_text(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(revenue_text(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(revenue_text(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(std::strtod(revenue_text(1e300).c_str(), nullptr), 1e300);

    DsrJobFigures f{};
    f.executions_success = INT64_MAX;
    EXPECT_TRUE(
        has_line(take(dsr_job_payload(&f)), "batch_job_executions_total{status=\"success\"} 9223372036854775807"));
}

TEST(MetricsPayload, NullInputGivesNullNotACrash)
{
    EXPECT_EQ(dsr_business_payload(nullptr), nullptr);
    EXPECT_EQ(dsr_job_payload(nullptr), nullptr);
}

/* ---------------------------------------------------------------- promtool */

TEST(MetricsPayload, PromtoolParsesEveryBody)
{
    if (!promtool_available())
        GTEST_SKIP() << "promtool not installed";

    /* the checker itself must notice a broken body, or the test below proves nothing */
    const Promtool broken = promtool_check("daily_sales_revenue_total{product=\"a\nb\"} 1\n");
    EXPECT_EQ(broken.exit_code, 1) << broken.output;
    EXPECT_NE(broken.output.find("error while linting"), std::string::npos) << broken.output;

    DsrReport r = sample_report();
    r.week_before = totals(50, 0, 20000, "20000.00");
    expect_promtool_parses("day body", take(dsr_business_payload(&r)));
    r.top_count = 0;
    r.previous_day.revenue = 0;
    r.week_before.revenue = 0;
    expect_promtool_parses("day body without products/comparisons", take(dsr_business_payload(&r)));
    r.revenue = std::numeric_limits<double>::quiet_NaN();
    r.avg_ticket = std::numeric_limits<double>::infinity();
    expect_promtool_parses("day body with NaN/+Inf", take(dsr_business_payload(&r)));

    DsrJobFigures f = sample_figures(true);
    expect_promtool_parses("job body", take(dsr_job_payload(&f)));
    f = sample_figures(false);
    expect_promtool_parses("job body without performance", take(dsr_job_payload(&f)));
    expect_promtool_parses("running body", take(dsr_running_payload(1)));
}

/* ---------------------------------------------------------------- paths */

TEST(MetricsPayload, GroupPathPlainValues)
{
    EXPECT_EQ(take(dsr_group_path("daily-sales-report", nullptr, nullptr)), "/metrics/job/daily-sales-report");
    EXPECT_EQ(take(dsr_group_path("daily-sales-report", "date", "2025-09-22")),
              "/metrics/job/daily-sales-report/date/2025-09-22");
    EXPECT_EQ(take(dsr_group_path("a.b_c~d", "x", "A-Z")), "/metrics/job/a.b_c~d/x/A-Z");
}

TEST(MetricsPayload, GroupPathPercentEncodesReservedAndNonAscii)
{
    EXPECT_EQ(take(dsr_group_path("daily sales report", nullptr, nullptr)), "/metrics/job/daily%20sales%20report");
    EXPECT_EQ(take(dsr_group_path("shop", "city", "São Paulo")), "/metrics/job/shop/city/S%C3%A3o%20Paulo");
    EXPECT_EQ(take(dsr_group_path("j?x#y%z", nullptr, nullptr)), "/metrics/job/j%3Fx%23y%25z");
}

TEST(MetricsPayload, GroupPathUsesBase64ForSlashesAndEmptyValues)
{
    /* base64url with '=' padding: "a/b" -> "YS9i", "2025/09/22" -> "MjAyNS8wOS8yMg==" */
    EXPECT_EQ(take(dsr_group_path("a/b", nullptr, nullptr)), "/metrics/job@base64/YS9i");
    EXPECT_EQ(take(dsr_group_path("daily-sales-report", "date", "2025/09/22")),
              "/metrics/job/daily-sales-report/date@base64/MjAyNS8wOS8yMg==");
    /* url-safe alphabet: bytes that would give '+' and '/' in plain base64 */
    EXPECT_EQ(take(dsr_group_path("j", "x", "/\xFB\xFF")), "/metrics/job/j/x@base64/L_v_");
    EXPECT_EQ(take(dsr_group_path("j", "x", "/>>")), "/metrics/job/j/x@base64/Lz4-");
    /* empty value */
    EXPECT_EQ(take(dsr_group_path("daily-sales-report", "date", "")), "/metrics/job/daily-sales-report/date@base64/=");
    EXPECT_EQ(take(dsr_group_path("", nullptr, nullptr)), "/metrics/job@base64/=");
}
