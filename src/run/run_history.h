/*
 * run_history.h — the daily_sales_report.runs table: one row per run, and
 * the all-time counters derived from it.
 *
 * Every function runs in the current transaction with SPI connected, as
 * the extension's owner (the caller needs no rights on the table).
 */
#ifndef DSR_RUN_HISTORY_H
#define DSR_RUN_HISTORY_H

#include "pg/pg_headers.h"
#include "core/metrics_payload.h"
#include "core/report.h"

/* What a run measured about itself. */
typedef struct DsrRunFigures
{
    double      duration_seconds;
    double      query_seconds;
    double      pdf_seconds;
    double      cpu_percent;
    double      memory_mb;
    int64       database_connections;
    int         query_retries;
    bool        index_notice_given;     /* the missing-index NOTICE was given in this run */
    const char *pdf_path;
    int64       pdf_bytes;
} DsrRunFigures;

/* Mark failed the 'running' rows whose process is gone; returns how many. */
int64 dsr_history_close_dead_runs(void);

/* Close out runs whose process is gone, then insert a 'running' row; returns its run_id. */
int64 dsr_history_start(DateADT report_date);

/* The report is done: KPIs, PDF and figures (push not yet known). */
void dsr_history_succeeded(int64 run_id, const DsrReport *report, const DsrRunFigures *figures);

/* The run's expected band, in the same transaction as the success. */
void dsr_history_expected(int64 run_id, const DsrExpected *expected);

/* The push outcome of a finished run; a failed push counts as a network error. */
/* A cancel or an error after the success was recorded: the run stays a success, its push is left to the outbox. */
void dsr_history_push_interrupted(int64 run_id, const char *reason);
void dsr_history_pushed(int64 run_id, bool pushed, int retries, double seconds, const char *error);

/* The run failed at `error_type` ("database", "pdf", "network"; NULL when cancelled). */
void dsr_history_failed(int64 run_id, const char *error_type, const char *message,
                        const DsrRunFigures *figures);

/*
 * The run's process is exiting (a FATAL: pg_terminate_backend, a server
 * shutdown) while its row still says 'running': a failure now, for
 * `stop_reason` if not empty (the caller's, when it stopped the run).  True
 * if it was still running.
 */
bool dsr_history_ended_by_exit(int64 run_id, const char *stop_reason);

/* All-time counters and the current running state, for the job group. */
void dsr_history_job_counters(DsrJobFigures *figures);

#endif /* DSR_RUN_HISTORY_H */
