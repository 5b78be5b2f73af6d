/*
 * settings.cpp — the daily_sales_report.* configuration parameters.
 *
 * Whatever chooses where files go or where the server connects (directory,
 * fonts, data source, Pushgateway URL, credentials file, job name), what is
 * published (calendar, top N, shop name) and how long a push may hold a
 * group (timeouts, retries) is PGC_SUSET: only a superuser (or ALTER SYSTEM
 * / ALTER DATABASE by one) can set it; every run replaces the day's PDF and
 * day group, so a reporting role must not be able to publish another
 * version of the day or hold up its delivery.  Credentials are never a setting: they are read from a file, so
 * they do not show in pg_settings or in the logs.
 */
#include "pg/pg_headers.h"
#include "core/report.h"
#include "extension/settings.h"

char *dsr_output_dir = NULL;
char *dsr_font_path = NULL;
char *dsr_bold_font_path = NULL;
char *dsr_fallback_font_path = NULL;
char *dsr_source = NULL;
char *dsr_shop_schema = NULL;
char *dsr_shop_name = NULL;
char *dsr_timezone = NULL;
char *dsr_locale = NULL;
char *dsr_currency = NULL;
char *dsr_source_timezone = NULL;
int   dsr_top_n = 5;
int   dsr_query_retries = 2;
int   dsr_max_parallel_runs = 4;

char *dsr_pushgateway_url = NULL;
char *dsr_pushgateway_auth_file = NULL;
char *dsr_job_name = NULL;
int   dsr_pushgateway_keep_days = 400;
int   dsr_push_connect_timeout_ms = 2000;
int   dsr_push_timeout_ms = 10000;
int   dsr_push_retries = 3;
int   dsr_push_retry_backoff_ms = 500;
int   dsr_outbox_retry_max_ms = 5000;
int   dsr_outbox_poll_interval_ms = 1000;
char *dsr_worker_database = NULL;

/* A time zone name PostgreSQL knows, or empty. */
static bool
check_timezone_name(char **newval, void **extra, GucSource source)
{
    (void) extra;
    (void) source;
    if (*newval == NULL || (*newval)[0] == '\0')
        return true;
    if (pg_tzset(*newval) == NULL)
    {
        GUC_check_errdetail("\"%s\" is not a time zone PostgreSQL knows.", *newval);
        GUC_check_errhint("Use a name from pg_timezone_names, e.g. 'America/Sao_Paulo' or 'UTC'.");
        return false;
    }
    return true;
}

/* A language the PDF is written in. */
static bool
check_locale(char **newval, void **extra, GucSource source)
{
    (void) extra;
    (void) source;
    if (*newval == NULL || strcmp(*newval, "en") == 0 || strcmp(*newval, "pt-BR") == 0)
        return true;
    GUC_check_errdetail("\"%s\" is not a report locale; the accepted values are 'en' and 'pt-BR'.",
                        *newval);
    return false;
}

/* An ISO 4217 code in capitals, or empty (no currency sign). */
static bool
check_currency(char **newval, void **extra, GucSource source)
{
    const char *v = *newval;

    (void) extra;
    (void) source;
    if (v == NULL || v[0] == '\0')
        return true;
    if (strlen(v) == 3 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z' &&
        v[2] >= 'A' && v[2] <= 'Z')
        return true;
    GUC_check_errdetail("\"%s\" is not an ISO 4217 currency code; the accepted values are three capital letters, e.g. 'BRL', 'USD', 'EUR', or '' for amounts without a currency sign.",
                        v);
    return false;
}

/* http:// or https://, or empty (pushing disabled). */
static bool
check_pushgateway_url(char **newval, void **extra, GucSource source)
{
    (void) extra;
    (void) source;
    if (*newval == NULL || (*newval)[0] == '\0')
        return true;
    if (pg_strncasecmp(*newval, "http://", 7) != 0 && pg_strncasecmp(*newval, "https://", 8) != 0)
    {
        GUC_check_errdetail("The Pushgateway URL must start with http:// or https://.");
        GUC_check_errhint("For example 'http://localhost:9091'; an empty string disables pushing.");
        return false;
    }
    if (strchr(*newval, '@') != NULL)
    {
        GUC_check_errdetail("The Pushgateway URL must not carry credentials: they would show in pg_settings.");
        GUC_check_errhint("Put \"user:password\" in a file and point daily_sales_report.pushgateway_auth_file at it.");
        return false;
    }
    return true;
}

static bool
check_job_name(char **newval, void **extra, GucSource source)
{
    (void) extra;
    (void) source;
    if (*newval == NULL || (*newval)[0] == '\0')
    {
        GUC_check_errdetail("The job name is the Pushgateway grouping key and cannot be empty.");
        return false;
    }
    return true;
}

void
dsr_define_settings(void)
{
    DefineCustomStringVariable("daily_sales_report.output_dir",
                               gettext_noop("Directory the PDF reports are written to (created if missing)."),
                               gettext_noop("A relative path is relative to the data directory."),
                               &dsr_output_dir, "daily_sales_reports",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.font_path",
                               gettext_noop("TrueType font embedded in the PDF for UTF-8 text."),
                               NULL, &dsr_font_path,
                               "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.bold_font_path",
                               gettext_noop("Bold TrueType font embedded in the PDF."),
                               NULL, &dsr_bold_font_path,
                               "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.fallback_font_path",
                               gettext_noop("TrueType fonts (.ttf, or the first font of a .ttc), separated by colons, for characters the embedded font lacks, e.g. CJK, Devanagari."),
                               gettext_noop("Used only when the page embeds its fonts, each only when a name needs it; a missing file is skipped. Empty means none."),
                               &dsr_fallback_font_path,
                               "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc:/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.source",
                               gettext_noop("Relation the sales are read from; empty means the shop's orders, order_items and products tables."),
                               gettext_noop("It must have the columns order_id, ordered_at, product, quantity, line_total."),
                               &dsr_source, "",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.shop_schema",
                               gettext_noop("Schema of the shop's orders, order_items and products tables (the default source)."),
                               gettext_noop("An unqualified daily_sales_report.source is looked up there too; never through the caller's search_path."),
                               &dsr_shop_schema, "public",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.shop_name",
                               gettext_noop("Shop name printed on the PDF report."),
                               NULL, &dsr_shop_name, "TechCommerce",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.locale",
                               gettext_noop("Language of the PDF report: 'en' or 'pt-BR' (labels, dates, number grouping)."),
                               NULL, &dsr_locale, "en",
                               PGC_SUSET, 0, check_locale, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.currency",
                               gettext_noop("ISO 4217 code of the shop's currency, e.g. 'BRL'; empty prints amounts without a sign."),
                               gettext_noop("BRL prints R$, USD $ (US$ in pt-BR), EUR and GBP their signs; other codes are printed before the amount."),
                               &dsr_currency, "",
                               PGC_SUSET, 0, check_currency, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.timezone",
                               gettext_noop("Time zone whose calendar days are reported; empty means the session's TimeZone."),
                               NULL, &dsr_timezone, "",
                               PGC_SUSET, 0, check_timezone_name, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.source_timezone",
                               gettext_noop("Time zone in which timestamps without time zone in the source are read."),
                               NULL, &dsr_source_timezone, "UTC",
                               PGC_SUSET, 0, check_timezone_name, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.top_n",
                            gettext_noop("Number of best-selling products in the report."),
                            NULL, &dsr_top_n, 5, 1, DSR_MAX_TOP_N,
                            PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.query_retries",
                            gettext_noop("Retries of the KPI query after a transient error (serialization failure, deadlock)."),
                            NULL, &dsr_query_retries, 2, 0, 10,
                            PGC_USERSET, 0, NULL, NULL, NULL);

    DefineCustomStringVariable("daily_sales_report.pushgateway_url",
                               gettext_noop("Base URL of the Prometheus Pushgateway; empty disables pushing."),
                               NULL, &dsr_pushgateway_url, "http://localhost:9091",
                               PGC_SUSET, 0, check_pushgateway_url, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.pushgateway_auth_file",
                               gettext_noop("File holding \"user:password\" for HTTP basic auth to the Pushgateway; empty for none."),
                               NULL, &dsr_pushgateway_auth_file, "",
                               PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("daily_sales_report.job_name",
                               gettext_noop("The job label (grouping key) the metrics are pushed under."),
                               NULL, &dsr_job_name, "daily-sales-report",
                               PGC_SUSET, 0, check_job_name, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.pushgateway_keep_days",
                            gettext_noop("Days a day group (job, date) stays on the Pushgateway; 0 keeps every one."),
                            gettext_noop("Older ones are deleted from it by the next run, through the outbox."),
                            &dsr_pushgateway_keep_days, 400, 0, 36500,
                            PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.push_connect_timeout_ms",
                            gettext_noop("Time allowed to connect to the Pushgateway, per attempt."),
                            NULL, &dsr_push_connect_timeout_ms, 2000, 1, 600000,
                            PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.push_timeout_ms",
                            gettext_noop("Time allowed for one push to the Pushgateway, per attempt."),
                            NULL, &dsr_push_timeout_ms, 10000, 1, 3600000,
                            PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.push_retries",
                            gettext_noop("Retries of a failed push (connection error, timeout, HTTP 5xx)."),
                            NULL, &dsr_push_retries, 3, 0, 20,
                            PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.push_retry_backoff_ms",
                            gettext_noop("Wait before the first push retry; it doubles after each retry."),
                            NULL, &dsr_push_retry_backoff_ms, 500, 0, 600000,
                            PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);

    /* each run takes a background worker slot: a role allowed to run reports must not take them all */
    DefineCustomIntVariable("daily_sales_report.max_parallel_runs",
                            gettext_noop("Most runs in progress at once in the server; more wait their turn."),
                            gettext_noop("Each run uses one of the max_worker_processes background worker slots,"
                                         " which parallel queries and the outbox worker need too."),
                            &dsr_max_parallel_runs, 4, 1, 1024,
                            PGC_SIGHUP, 0, NULL, NULL, NULL);

    DefineCustomIntVariable("daily_sales_report.outbox_retry_max_ms",
                            gettext_noop("Longest wait between two delivery attempts of an undelivered push."),
                            NULL, &dsr_outbox_retry_max_ms, 5000, 100, 3600000,
                            PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomIntVariable("daily_sales_report.outbox_poll_interval_ms",
                            gettext_noop("How often the background worker looks for pushes to deliver."),
                            NULL, &dsr_outbox_poll_interval_ms, 1000, 10, 600000,
                            PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
    /*
     * Read by the launcher, which only a preloaded library starts: set at
     * server start (like cron.database_name).  A library loaded later (LOAD,
     * CREATE EXTENSION, a run, an on-demand worker) defines it too, or a
     * line left in postgresql.conf (or written by ALTER SYSTEM) would be a
     * placeholder that reserving the prefix removes with a WARNING in every
     * session and worker.  There nothing reads it, and PGC_POSTMASTER cannot
     * take the file's value after server start (a WARNING again): it is a
     * reload setting then.
     */
    DefineCustomStringVariable("daily_sales_report.database_name",
                               gettext_noop("Database the preloaded outbox worker serves (the one with the extension)."),
                               gettext_noop("Read when daily_sales_report is in shared_preload_libraries, at server start;"
                                            " unused otherwise."),
                               &dsr_worker_database, "postgres",
                               process_shared_preload_libraries_in_progress ? PGC_POSTMASTER : PGC_SIGHUP,
                               0, NULL, NULL, NULL);

    MarkGUCPrefixReserved("daily_sales_report");
}

const char *
dsr_calendar_timezone(void)
{
    if (dsr_timezone != NULL && dsr_timezone[0] != '\0')
        return dsr_timezone;
    return pg_get_timezone_name(session_timezone);
}

const char *
dsr_shop_schema_name(void)
{
    return dsr_shop_schema != NULL && dsr_shop_schema[0] != '\0' ? dsr_shop_schema : "public";
}
