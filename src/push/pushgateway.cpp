/*
 * pushgateway.cpp — pushing metric groups with the daily_sales_report.*
 * settings.  The HTTP work is push_client.cpp's (pure C++, noexcept); this
 * file gives it PostgreSQL's interrupt flags and an interruptible sleep,
 * neither of which can raise an ERROR inside C++ frames.
 */
#include "push/pushgateway.h"
#include "extension/database_claims.h"
#include "core/grouping_key_path.h"
#include "core/metrics_payload.h"
#include "extension/settings.h"

static bool curl_ready = false;

bool
dsr_push_enabled(void)
{
    return dsr_pushgateway_url != NULL && dsr_pushgateway_url[0] != '\0' && !dsr_push_job_refused();
}

/* Called from inside libcurl: only reads flags, never raises. */
static bool
interrupt_pending(void)
{
    return QueryCancelPending || ProcDiePending;
}

/* Sleep in short slices so that a cancel is noticed at once. */
static void
interruptible_sleep(long ms)
{
    while (ms > 0 && !interrupt_pending())
    {
        long slice = ms < 10 ? ms : 10;

        pg_usleep(slice * 1000L);
        ms -= slice;
    }
}

/* "user:password" from the credentials file into buf; the secret is never logged. */
static const char *
read_basic_auth(char *buf, size_t size)
{
    FILE       *file;
    size_t      len;

    if (dsr_pushgateway_auth_file == NULL || dsr_pushgateway_auth_file[0] == '\0')
        return NULL;
    file = AllocateFile(dsr_pushgateway_auth_file, "r");
    if (file == NULL)
        ereport(ERROR,
                (errcode_for_file_access(),
                 errmsg("could not read the Pushgateway credentials file \"%s\": %m", dsr_pushgateway_auth_file),
                 errhint("Check daily_sales_report.pushgateway_auth_file; the file holds \"user:password\" and must be readable by the server.")));
    len = fread(buf, 1, size - 1, file);
    FreeFile(file);
    buf[len] = '\0';
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    if (strchr(buf, ':') == NULL)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("the Pushgateway credentials file \"%s\" is malformed", dsr_pushgateway_auth_file),
                 errhint("It must hold one line \"user:password\".")));
    return buf;
}

char *
dsr_payload(char *malloced)
{
    char       *copy = NULL;

    /* no ERROR while the malloc'd string is held, so it never leaks */
    if (malloced != NULL)
    {
        copy = (char *) palloc_extended(strlen(malloced) + 1, MCXT_ALLOC_NO_OOM);
        if (copy != NULL)
            strcpy(copy, malloced);
        free(malloced);
    }
    if (copy == NULL)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory building the metrics")));
    return copy;
}

char *
dsr_metrics_group_path(const char *date)
{
    return dsr_payload(dsr_group_path(dsr_job_name, date ? "date" : NULL, date));
}

DsrPushResult
dsr_push_to(const char *base_url, const char *method, const char *path, const char *body,
            DsrPushEffort effort)
{
    char        auth[1024];
    DsrPushOptions options;

    if (!curl_ready)
    {
        if (!dsr_push_global_init())
            ereport(ERROR, (errmsg("could not initialise libcurl")));
        curl_ready = true;
    }

    memset(&options, 0, sizeof(options));
    options.base_url = base_url;
    options.connect_timeout_ms = dsr_push_connect_timeout_ms;
    options.timeout_ms = effort == DSR_PUSH_PROBE
        ? Min(dsr_push_connect_timeout_ms, dsr_push_timeout_ms) : dsr_push_timeout_ms;
    options.max_retries = effort == DSR_PUSH_RETRY ? dsr_push_retries : 0;
    options.backoff_ms = dsr_push_retry_backoff_ms;
    options.basic_auth = read_basic_auth(auth, sizeof(auth));
    options.interrupted = interrupt_pending;
    options.sleep_ms = interruptible_sleep;

    pgstat_report_wait_start(PG_WAIT_EXTENSION);
    DsrPushResult result = dsr_push(&options, method, path, body);
    pgstat_report_wait_end();

    explicit_bzero(auth, sizeof(auth));
    return result;
}
