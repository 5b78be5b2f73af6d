/*
 * metrics_payload.cpp — Prometheus text exposition (format 0.0.4) bodies for
 * the Pushgateway: the metric families, their samples, and the format's
 * escaping.  Where a body goes (the grouping-key path) is
 * grouping_key_path.cpp's.
 *
 * Pure C++17, no PostgreSQL header.  Every C entry point catches everything:
 * a C++ exception never crosses into PostgreSQL (it gets NULL instead).
 *
 * Shape: each metric family is a constant Family {name, type, help} defined
 * once below, so a name can never be emitted with two different TYPEs (the
 * Pushgateway rejects that across groups).  A small Body builder collects
 * family -> samples in insertion order and renders the text; a family with
 * no sample is never written.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "metrics_payload.h"
#include "c_string.h"
#include "utf8_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace
{

/* ------------------------------------------------------------------------
 * Family definitions (the users' contract: names, types, HELP texts)
 * ------------------------------------------------------------------------ */

struct Family
{
    const char *name;
    const char *type; /* "gauge" or "counter" */
    const char *help;
};

constexpr const char *kGauge = "gauge";
constexpr const char *kCounter = "counter";

/* the families as a table, one per paragraph: not reflowed */
// clang-format off
/* day group */
constexpr Family kRevenue{"daily_sales_revenue_total", kGauge,
    "Revenue of the reported day (sum of closed orders), in currency units."};
constexpr Family kOrders{"daily_sales_orders_count", kGauge,
    "Number of closed orders of the reported day."};
constexpr Family kAvgTicket{"daily_sales_avg_ticket_amount", kGauge,
    "Average ticket of the reported day: revenue divided by closed orders, in currency units."};
constexpr Family kTopProduct{"daily_sales_top_product_revenue", kGauge,
    "Revenue of the best-selling product of the reported day, in currency units."};
constexpr Family kItemsSold{"daily_sales_items_sold_count", kGauge,
    "Number of product units sold on the reported day."};
constexpr Family kProductRevenue{"daily_sales_product_revenue", kGauge,
    "Revenue of each product of the day's top ranking (rank 1 = best seller), in currency units."};
constexpr Family kChangeRatio{"daily_sales_revenue_change_ratio", kGauge,
    "Relative revenue change of the reported day versus a comparison day: (revenue - other) / |other|, positive when revenue rose."};
constexpr Family kExpected{"daily_sales_revenue_expected", kGauge,
    "Expected revenue of the reported day: median of the same weekday over the previous weeks (up to 8), in currency units."};
constexpr Family kExpectedLower{"daily_sales_revenue_expected_lower", kGauge,
    "Lower bound of the expected revenue band of the reported day, in currency units."};
constexpr Family kExpectedUpper{"daily_sales_revenue_expected_upper", kGauge,
    "Upper bound of the expected revenue band of the reported day, in currency units."};
constexpr Family kExpectedSamples{"daily_sales_revenue_expected_samples", kGauge,
    "Same weekdays of the previous weeks the expected revenue is made of (0-8); 0: no band, and no expected, lower and upper series."};

/* job group: performance */
constexpr Family kGenerationSeconds{"report_generation_duration_seconds", kGauge,
    "Wall time of the last report run, in seconds."};
constexpr Family kQuerySeconds{"report_database_query_duration_seconds", kGauge,
    "Time the last report run spent in database queries, in seconds."};
constexpr Family kPdfSeconds{"report_pdf_generation_duration_seconds", kGauge,
    "Time the last report run spent rendering the PDF, in seconds."};
constexpr Family kPdfKilobytes{"report_pdf_size_kilobytes", kGauge,
    "Size of the PDF produced by the last report run, in kilobytes."};

/* job group: control */
constexpr Family kLastSuccess{"batch_job_last_success_timestamp", kGauge,
    "Unix time (seconds) at which the report job last completed successfully."};
constexpr Family kExecutions{"batch_job_executions_total", kCounter,
    "Report job executions, by outcome (success or failure)."};
constexpr Family kRunning{"batch_job_running", kGauge,
    "1 while a report job run is in progress, 0 otherwise."};

/* job group: system */
constexpr Family kCpuPercent{"batch_job_cpu_usage_percent", kGauge,
    "CPU time of the PostgreSQL backend that ran the last report divided by the run's wall time, in percent."};
constexpr Family kMemoryMb{"batch_job_memory_usage_mb", kGauge,
    "Private memory (RssAnon, shared buffers not counted) of the PostgreSQL background process that ran the last report, at its end, in MiB."};
constexpr Family kConnections{"batch_job_database_connections", kGauge,
    "Connections to this database listed in pg_stat_activity during the last report run."};
constexpr Family kThroughput{"batch_job_data_throughput_records_per_second", kGauge,
    "Source rows read by the last report run per second of database query time."};

/* job group: errors */
constexpr Family kErrors{"batch_job_errors_total", kCounter,
    "Errors met by the report job, by kind (database, pdf, network)."};
constexpr Family kRetries{"batch_job_retries_total", kCounter,
    "Retries made by the report job, by operation (push_metrics, database_query)."};
// clang-format on

/* ------------------------------------------------------------------------
 * Text helpers
 * ------------------------------------------------------------------------ */

/* Integers print as integers. */
std::string
number(int64_t v)
{
    return std::to_string(v);
}

/*
 * Doubles: NaN / +Inf / -Inf; integral values (within the exactly
 * representable range) as integers; anything else in the shortest form that
 * reads back to the same double (so 15420.5 prints "15420.5").
 */
std::string
number(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) /* 2^53 */
        return std::to_string(static_cast<long long>(v));

    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    if (res.ec != std::errc())
        return "NaN"; /* cannot happen with 64 bytes */
    return std::string(buf, res.ptr);
}

/*
 * Replace invalid UTF-8 sequences by U+FFFD; valid UTF-8 passes unchanged.
 * (The Pushgateway rejects a whole push whose label value is not UTF-8; a
 * product name from a SQL_ASCII database should not cost the day's metrics.)
 */
std::string
valid_utf8(const std::string &s)
{
    static const char kReplacement[] = "\xEF\xBF\xBD";
    std::string       out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size())
    {
        uint32_t     cp;
        const size_t len = dsr::decode_utf8(s, i, cp); /* the strict decoder of utf8_text */
        if (len > 0)
        {
            out.append(s, i, len);
            i += len;
        }
        else
        {
            out += kReplacement;
            i += 1;
        }
    }
    return out;
}

/* HELP text: backslash and newline are escaped. */
std::string
escape_help(const char *text)
{
    std::string out;
    for (const char *p = text; *p; p++)
    {
        if (*p == '\\')
            out += "\\\\";
        else if (*p == '\n')
            out += "\\n";
        else
            out += *p;
    }
    return out;
}

/* Label value: backslash, double quote and newline are escaped. */
std::string
escape_label_value(const std::string &value)
{
    std::string out;
    out.reserve(value.size() + 8);
    for (char c : valid_utf8(value))
    {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

using Labels = std::initializer_list<std::pair<const char *, std::string>>;

/* ------------------------------------------------------------------------
 * The builder: family -> samples, rendered in insertion order.
 * ------------------------------------------------------------------------ */

class Body
{
public:
    void
    add(const Family &family, const std::string &value, Labels labels = {})
    {
        std::string line = family.name;
        if (labels.size() > 0)
        {
            line += '{';
            bool first = true;
            for (const auto &label : labels)
            {
                if (!first)
                    line += ',';
                first = false;
                line += label.first;
                line += "=\"";
                line += escape_label_value(label.second);
                line += '"';
            }
            line += '}';
        }
        line += ' ';
        line += value;
        line += '\n';
        samples_of(family).push_back(std::move(line));
    }

    std::string
    text() const
    {
        std::string out;
        for (const auto &entry : families_)
        {
            out += "# HELP ";
            out += entry.family->name;
            out += ' ';
            out += escape_help(entry.family->help);
            out += "\n# TYPE ";
            out += entry.family->name;
            out += ' ';
            out += entry.family->type;
            out += '\n';
            for (const auto &line : entry.samples)
                out += line;
        }
        return out;
    }

private:
    struct Entry
    {
        const Family            *family;
        std::vector<std::string> samples;
    };

    std::vector<std::string> &
    samples_of(const Family &family)
    {
        for (auto &entry : families_)
            if (entry.family == &family)
                return entry.samples;
        families_.push_back(Entry{&family, {}});
        return families_.back().samples;
    }

    std::vector<Entry> families_;
};

/* ------------------------------------------------------------------------
 * Bodies
 * ------------------------------------------------------------------------ */

std::string
business_body(const DsrReport &r)
{
    Body b;
    b.add(kRevenue, number(r.revenue));
    b.add(kOrders, number(r.orders));
    b.add(kAvgTicket, number(r.avg_ticket));

    int top_count = r.top_count;
    if (top_count < 0)
        top_count = 0;
    if (top_count > DSR_MAX_TOP_N)
        top_count = DSR_MAX_TOP_N;

    if (top_count > 0)
        b.add(kTopProduct, number(r.top[0].revenue), {{"product", dsr::string_or_empty(r.top[0].name)}});

    b.add(kItemsSold, number(r.items_sold));

    for (int i = 0; i < top_count; i++)
        b.add(kProductRevenue, number(r.top[i].revenue),
              {{"product", dsr::string_or_empty(r.top[i].name)}, {"rank", std::to_string(i + 1)}});

    const std::pair<const char *, const DsrTotals *> comparisons[] = {
        {"previous_day", &r.previous_day},
        {"week_before", &r.week_before},
    };
    for (const auto &cmp : comparisons)
    {
        const double other = cmp.second->revenue;
        if (other == 0.0 || !std::isfinite(other))
            continue; /* no meaningful ratio against an empty (or unknown) day */
        b.add(kChangeRatio, number((r.revenue - other) / std::fabs(other)), {{"compared_to", cmp.first}});
    }

    /* the band only where there is history: 0 weeks has no expected value */
    b.add(kExpectedSamples, number(static_cast<int64_t>(r.expected.weeks)));
    if (r.expected.weeks > 0)
    {
        b.add(kExpected, number(r.expected.expected));
        b.add(kExpectedLower, number(r.expected.lower));
        b.add(kExpectedUpper, number(r.expected.upper));
    }
    return b.text();
}

void
add_running(Body &b, int running)
{
    b.add(kRunning, number(static_cast<int64_t>(running)));
}

std::string
job_body(const DsrJobFigures &f)
{
    Body b;
    if (f.include_performance)
    {
        b.add(kGenerationSeconds, number(f.generation_seconds));
        b.add(kQuerySeconds, number(f.query_seconds));
        b.add(kPdfSeconds, number(f.pdf_seconds));
        b.add(kPdfKilobytes, number(f.pdf_kilobytes));
    }

    if (f.last_success_timestamp != 0.0)
        b.add(kLastSuccess, number(f.last_success_timestamp));
    b.add(kExecutions, number(f.executions_success), {{"status", "success"}});
    b.add(kExecutions, number(f.executions_failure), {{"status", "failure"}});
    add_running(b, f.running);

    if (f.include_performance)
    {
        b.add(kCpuPercent, number(f.cpu_percent));
        b.add(kMemoryMb, number(f.memory_mb));
        b.add(kConnections, number(f.database_connections));
        b.add(kThroughput, number(f.records_per_second));
    }

    b.add(kErrors, number(f.errors_database), {{"error_type", "database"}});
    b.add(kErrors, number(f.errors_pdf), {{"error_type", "pdf"}});
    b.add(kErrors, number(f.errors_network), {{"error_type", "network"}});
    b.add(kRetries, number(f.retries_push_metrics), {{"operation", "push_metrics"}});
    b.add(kRetries, number(f.retries_database_query), {{"operation", "database_query"}});
    return b.text();
}

} // namespace

/* ------------------------------------------------------------------------
 * C API
 * ------------------------------------------------------------------------ */

extern "C" char *
dsr_business_payload(const DsrReport *report) noexcept
{
    if (!report)
        return nullptr;
    try
    {
        return dsr::to_c_string(business_body(*report));
    }
    catch (...)
    {
        return nullptr;
    }
}

extern "C" char *
dsr_job_payload(const DsrJobFigures *figures) noexcept
{
    if (!figures)
        return nullptr;
    try
    {
        return dsr::to_c_string(job_body(*figures));
    }
    catch (...)
    {
        return nullptr;
    }
}

extern "C" char *
dsr_running_payload(int running) noexcept
{
    try
    {
        Body b;
        add_running(b, running);
        return dsr::to_c_string(b.text());
    }
    catch (...)
    {
        return nullptr;
    }
}
