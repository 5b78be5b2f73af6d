/*
 * outbox.h — every push is stored before it is sent and removed once the
 * Pushgateway accepted it; what could not be delivered waits in
 * daily_sales_report.outbox for the background worker.
 */
#ifndef DSR_OUTBOX_H
#define DSR_OUTBOX_H

#include "pg/pg_headers.h"

/*
 * Store a push (in the current transaction, SPI connected).  A PUT or a
 * DELETE replaces the whole group on the Pushgateway, so it supersedes every
 * older pending push of the group; a POST supersedes older POSTs of the
 * group.  A DELETE has an empty body.
 */
void dsr_outbox_enqueue(int64 run_id, const char *base_url, const char *method,
                        const char *group_path, const char *body);

/*
 * Before reading what goes into a body of the group (the job group's
 * counters): one process at a time until its transaction ends, so the
 * group's bodies are queued in the order they were read.  Delivered in
 * that order, a later body never carries lower counters than an earlier
 * one (Prometheus would see a counter reset).
 */
void dsr_outbox_lock_group_until_commit(const char *group_path);

typedef struct DsrDelivery
{
    bool    ok;             /* nothing of the group is pending any more */
    bool    skipped;        /* another process is delivering this group */
    int     delivered;
    int     retries;
    double  seconds;
    long    http_status;    /* of the failed push; 0: the Pushgateway did not answer */
    char    error[512];     /* the first failure, when !ok */
} DsrDelivery;

/*
 * Deliver the group's pending pushes, oldest first, stopping at the first
 * failure (recorded in its row with the time of the next attempt).  Called
 * outside a transaction.  With `wait` it waits (up to push_timeout_ms) for
 * another process that is delivering the same group; otherwise, or when
 * that wait runs out, it skips the group (ok false, skipped true).  With `retry`
 * each push gets the configured retries; otherwise one attempt.
 */
DsrDelivery dsr_outbox_deliver_group(const char *group_path, bool wait, bool retry);

/*
 * The Pushgateway refused the push for its content (400: a body it cannot
 * take; 413: too large): the same body would be refused again, so it is kept
 * for a person to look at and never retried.  Any other refusal (401, 403,
 * 404, 408, 429, ...) can be fixed on the other side and is retried.
 */
bool dsr_push_refused_for_good(long http_status);

/*
 * Groups with a push due (with `all`, every group with a push that may be
 * retried), as a List of char * in `context`; in a transaction.
 */
List *dsr_outbox_due_groups(bool all, MemoryContext context);

/*
 * Pushes pending delivery, in a transaction.  Only pushes addressed to the
 * Pushgateway configured now (daily_sales_report.pushgateway_url) are
 * delivered: a former one may be gone for good.
 */
int64 dsr_outbox_pending(void);

/*
 * Say in last_error of each push addressed to another Pushgateway that it is
 * not retried, and how to resend it; returns how many were newly marked.  In
 * a transaction.
 */
int64 dsr_outbox_hold_former(void);

#endif /* DSR_OUTBOX_H */
