/*
 * day_groups.h — the day groups (job, date) this database has put on a
 * Pushgateway, and their deletion once older than
 * daily_sales_report.pushgateway_keep_days.
 */
#ifndef DSR_DAY_GROUPS_H
#define DSR_DAY_GROUPS_H

#include "pg/pg_headers.h"

/* Remember that `group_path` (the day `report_date`) is being put on `base_url`; in a transaction. */
void dsr_day_group_pushed(const char *base_url, const char *group_path, const char *report_date);

/*
 * Queue a DELETE in the outbox for every day group remembered on the
 * current Pushgateway and older than pushgateway_keep_days (days before
 * today in the report calendar), except `current_group`, the group this run
 * has just queued, and forget them; in a transaction.  Returns how many were
 * queued (0 when keep_days is 0).
 */
int64 dsr_day_groups_expire(int64 run_id, const char *current_group);

#endif /* DSR_DAY_GROUPS_H */
