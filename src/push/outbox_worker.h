/*
 * outbox_worker.h — the background worker that delivers the outbox and
 * closes out runs whose process died.
 */
#ifndef DSR_OUTBOX_WORKER_H
#define DSR_OUTBOX_WORKER_H

#include "pg/pg_headers.h"

/*
 * Start the worker that delivers the outbox of `database`: one that stays
 * (the launcher's: the launcher is told when it stops) or one that exits
 * once the outbox is empty (on demand).  False if no worker slot is free.
 */
bool dsr_start_outbox_worker(Oid database, const char *database_name, bool stays,
                             BackgroundWorkerHandle **handle);

/* PID of the worker serving this database, 0 if none; in a transaction with SPI. */
int dsr_outbox_worker_pid(void);

/*
 * Start a worker for this database if none runs: one that delivers
 * everything pending and exits when the outbox is empty.  Nothing on a
 * standby (it cannot deliver).  In a transaction with SPI.
 */
void dsr_ensure_outbox_worker(void);

#endif /* DSR_OUTBOX_WORKER_H */
