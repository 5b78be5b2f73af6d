/*
 * pushgateway.h — pushing metric groups with the daily_sales_report.*
 * settings (URL, job, timeouts, retries, credentials file).
 */
#ifndef DSR_PUSHGATEWAY_H
#define DSR_PUSHGATEWAY_H

#include "pg_headers.h"
#include "push_client.h"

/* False when daily_sales_report.pushgateway_url is empty. */
bool dsr_push_enabled(void);

/*
 * Push `body` (malloc'd by metrics_payload; freed here) to the job group, or
 * to the day group when `date` is given.  With `retry` false a single
 * attempt is made.  Honours query cancel: the transfer stops within
 * milliseconds and the caller should CHECK_FOR_INTERRUPTS().
 */
DsrPushResult dsr_push_group(const char *method, const char *date, char *body, bool retry);

#endif /* DSR_PUSHGATEWAY_H */
