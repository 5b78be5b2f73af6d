/*
 * metrics_push.h — what a run pushes, and when.  Every push goes through
 * the outbox (outbox.h): nothing is lost when the Pushgateway is away.
 */
#ifndef DSR_METRICS_PUSH_H
#define DSR_METRICS_PUSH_H

#include "pg/pg_headers.h"
#include "core/report.h"
#include "run/run_history.h"

/*
 * A successful run: the day group and the job group (PUT), with the
 * configured retries; what is not delivered stays in the outbox for the
 * background worker.  Records the outcome in the run's row; true if both
 * were delivered.  Outside a transaction.
 */
bool dsr_push_run_metrics(int64 run_id, const DsrReport *report, const DsrRunFigures *figures);

/*
 * The control and error counters (POST: the last good performance figures
 * stay): after a failed run, or after closing out runs that died.  With
 * `deliver`, one attempt now; either way what is not delivered stays in the
 * outbox for the background worker (started if needed).  Outside a
 * transaction.
 */
void dsr_push_counters(int64 run_id, bool deliver);

/*
 * At the start of a run: a worker for pushes left pending from before (on
 * demand nothing else starts one, e.g. after a server restart), then
 * batch_job_running 1: one attempt bounded by the connect timeout, not kept
 * (the run's last push corrects it).  Outside a transaction.
 */
void dsr_push_running(void);

#endif /* DSR_METRICS_PUSH_H */
