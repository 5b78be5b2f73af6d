/*
 * settings.h — the daily_sales_report.* configuration parameters.
 */
#ifndef DSR_SETTINGS_H
#define DSR_SETTINGS_H

extern char *dsr_output_dir;
extern char *dsr_font_path;
extern char *dsr_bold_font_path;
extern char *dsr_fallback_font_path;
extern char *dsr_source;
extern char *dsr_shop_schema;
extern char *dsr_shop_name;
extern char *dsr_timezone;
extern char *dsr_locale;
extern char *dsr_currency;
extern char *dsr_source_timezone;
extern int   dsr_top_n;
extern int   dsr_query_retries;
extern int   dsr_max_parallel_runs;

extern char *dsr_pushgateway_url;
extern char *dsr_pushgateway_auth_file;
extern char *dsr_job_name;
extern int   dsr_pushgateway_keep_days;
extern int   dsr_push_connect_timeout_ms;
extern int   dsr_push_timeout_ms;
extern int   dsr_push_retries;
extern int   dsr_push_retry_backoff_ms;
extern int   dsr_outbox_retry_max_ms;
extern int   dsr_outbox_poll_interval_ms;
extern char *dsr_worker_database;

void dsr_define_settings(void);

/* The calendar the report day is read in: daily_sales_report.timezone, or the session's TimeZone. */
const char *dsr_calendar_timezone(void);

/* The schema of the shop's tables: daily_sales_report.shop_schema, or public when it is empty. */
const char *dsr_shop_schema_name(void);

#endif /* DSR_SETTINGS_H */
