/*
 * sample_data.h — the report and job figures the payload and push tests
 * share: a realistic day whose product names need escaping (quote,
 * backslash, accents, newline), a day without sales, and a run's figures.
 */
#ifndef DSR_TEST_SAMPLE_DATA_H
#define DSR_TEST_SAMPLE_DATA_H

#include "core/metrics_payload.h"
#include "totals.h"

inline DsrReport
empty_report()
{
    DsrReport r{};
    r.report_date = "2025-09-22";
    r.timezone = "America/Sao_Paulo";
    r.day_hours = 24;
    r.revenue_text = "0.00";
    r.avg_ticket_text = "0.00";
    r.previous_day.revenue_text = "0.00";
    r.week_before.revenue_text = "0.00";
    r.generated_at = "2025-09-23 06:00:00 -03";
    return r;
}

inline DsrReport
sample_report()
{
    DsrReport r = empty_report();
    r.orders = 42;
    r.revenue = 15420.5;
    r.revenue_text = "15420.50";
    r.avg_ticket = 15420.5 / 42;
    r.avg_ticket_text = "367.15";
    r.items_sold = 137;
    r.rows_read = 5000;
    r.top_count = 3;
    r.top[0] = DsrProduct{"Monitor 27\" UltraWide\\back", 3, 5999.9, "5999.90"};
    r.top[1] = DsrProduct{"Café Açaí Pão de Queijo", 10, 1234.56, "1234.56"};
    r.top[2] = DsrProduct{"Cabo\nHDMI", 7, 70, "70.00"};
    r.previous_day = totals(40, 0, 14000, "14000.00");
    r.week_before = totals(0, 0, 0, "0.00");
    return r;
}

inline DsrJobFigures
sample_figures(bool include_performance = true)
{
    DsrJobFigures f{};
    f.include_performance = include_performance;
    f.generation_seconds = 2.345;
    f.query_seconds = 0.5;
    f.pdf_seconds = 1.25;
    f.pdf_kilobytes = 48.7;
    f.last_success_timestamp = 1758585600;
    f.executions_success = 12;
    f.executions_failure = 1;
    f.running = 0;
    f.cpu_percent = 37.5;
    f.memory_mb = 42.25;
    f.database_connections = 7;
    f.records_per_second = 10000;
    f.errors_network = 2;
    f.retries_push_metrics = 3;
    return f;
}

#endif /* DSR_TEST_SAMPLE_DATA_H */
