/*
 * metrics_payload.h — Prometheus text exposition (format 0.0.4) bodies for
 * the Pushgateway (the paths they go to: grouping_key_path.h).  Pure C++
 * behind a C API.
 *
 * Returned strings are malloc'd (the caller free()s them); NULL means out of
 * memory.  Nothing here throws or calls PostgreSQL.
 */
#ifndef DSR_METRICS_PAYLOAD_H
#define DSR_METRICS_PAYLOAD_H

#include "report.h"

#ifdef __cplusplus
extern "C"
{
#endif

    /* Figures of the job group (/metrics/job/<job>); counters are all-time. */
    typedef struct DsrJobFigures
    {
        bool   include_performance; /* false: a failed run has no duration/PDF figures to publish */
        double generation_seconds;
        double query_seconds;
        double pdf_seconds;
        double pdf_kilobytes;

        double  last_success_timestamp; /* unix seconds; 0 = never succeeded (series omitted) */
        int64_t executions_success;
        int64_t executions_failure;
        int     running; /* 1 while any run is in progress */

        double  cpu_percent;
        double  memory_mb;
        int64_t database_connections;
        double  records_per_second;

        int64_t errors_database;
        int64_t errors_pdf;
        int64_t errors_network;
        int64_t retries_push_metrics;
        int64_t retries_database_query;
    } DsrJobFigures;

    /* Body for the day group: daily_sales_* metrics (no job/date labels: the grouping key adds them). */
    char *dsr_business_payload(const DsrReport *report) noexcept;

    /* Body for the job group: performance, control, system and error families. */
    char *dsr_job_payload(const DsrJobFigures *figures) noexcept;

    /* Body holding only batch_job_running (POSTed at the start of a run). */
    char *dsr_running_payload(int running) noexcept;

#ifdef __cplusplus
}
#endif

#endif /* DSR_METRICS_PAYLOAD_H */
