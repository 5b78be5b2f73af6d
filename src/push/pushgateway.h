/*
 * pushgateway.h — pushes with the daily_sales_report.* settings (job name,
 * timeouts, retries, credentials file).
 */
#ifndef DSR_PUSHGATEWAY_H
#define DSR_PUSHGATEWAY_H

#include "pg/pg_headers.h"
#include "core/push_client.h"

/* False when daily_sales_report.pushgateway_url is empty. */
bool dsr_push_enabled(void);

/* Group path of the job group (date NULL) or of a day group, palloc'd. */
char *dsr_metrics_group_path(const char *date);

/* A body from metrics_payload (malloc'd) moved to palloc'd memory. */
char *dsr_payload(char *malloced);

/* How hard to try: with the configured retries, once, or once and quickly (a probe). */
typedef enum DsrPushEffort
{
    DSR_PUSH_RETRY,     /* daily_sales_report.push_retries, push_timeout_ms */
    DSR_PUSH_ONCE,      /* one attempt, push_timeout_ms */
    DSR_PUSH_PROBE      /* one attempt bounded by push_connect_timeout_ms (and push_timeout_ms) */
} DsrPushEffort;

/*
 * One push of `body` to base_url + path.  Honours query cancel: the
 * transfer stops within milliseconds and the caller should
 * CHECK_FOR_INTERRUPTS().
 */
DsrPushResult dsr_push_to(const char *base_url, const char *method, const char *path,
                          const char *body, DsrPushEffort effort);

#endif /* DSR_PUSHGATEWAY_H */
