/*
 * outbox_worker.h — the background worker that delivers the outbox and
 * closes out runs whose process died.
 */
#ifndef DSR_OUTBOX_WORKER_H
#define DSR_OUTBOX_WORKER_H

#include "pg_headers.h"

/* At server start (shared_preload_libraries): a worker for daily_sales_report.database_name. */
void dsr_register_outbox_worker(void);

/* PID of the worker serving this database, 0 if none; in a transaction with SPI. */
int dsr_outbox_worker_pid(void);

/*
 * Start a worker for this database if none runs: a dynamic one, which
 * delivers everything pending and exits when the outbox is empty.  In a
 * transaction with SPI.
 */
void dsr_ensure_outbox_worker(void);

#endif /* DSR_OUTBOX_WORKER_H */
