/*
 * report_run.cpp — one run of the report, start to finish.
 *
 * Transactions are short and separate so that what happened is committed
 * whatever comes next: the 'running' row first, then the KPI query, then
 * the success (or failure) record.  Network I/O happens outside any
 * transaction and after the figures are committed: no lock or snapshot is
 * held while waiting on the Pushgateway.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include "extension/database_claims.h"
#include "extension/extension_locks.h"
#include "kpi/kpi_query.h"
#include "core/metrics_payload.h"
#include "core/pdf_report.h"
#include "push/metrics_push.h"
#include "push/outbox_worker.h"
#include "push/pushgateway.h"
#include "run/report_date.h"
#include "run/report_run.h"
#include "run/run_history.h"
#include "pg/server_text.h"
#include "extension/settings.h"
#include "pg/spi_values.h"
#include "pg/transactions.h"


typedef struct RunClock
{
    instr_time  started;
    struct rusage usage;
} RunClock;

static double
seconds_since(instr_time since)
{
    instr_time now;

    INSTR_TIME_SET_CURRENT(now);
    INSTR_TIME_SUBTRACT(now, since);
    return INSTR_TIME_GET_DOUBLE(now);
}

static double
timeval_seconds(struct timeval tv)
{
    return tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * Private memory of this process in MiB: RssAnon, not ru_maxrss, which also
 * counts every shared buffer the run touched and so grows with the data read
 * whatever the run allocates.  glibc keeps freed memory, so at the end of a
 * run this is close to its peak.
 */
static double
private_memory_mb(const struct rusage *usage)
{
    FILE       *status = fopen("/proc/self/status", "r");
    char        line[128];
    long        kilobytes = -1;

    if (status != NULL)
    {
        while (fgets(line, sizeof(line), status) != NULL)
            if (sscanf(line, "RssAnon: %ld kB", &kilobytes) == 1)
                break;
        fclose(status);
    }
    return (kilobytes >= 0 ? kilobytes : usage->ru_maxrss) / 1024.0;    /* both in KiB */
}

/* CPU share and memory of this process (one worker per run) since `clock`. */
static void
measure_system(const RunClock *clock, DsrRunFigures *figures)
{
    struct rusage now;
    double      cpu;

    getrusage(RUSAGE_SELF, &now);
    cpu = timeval_seconds(now.ru_utime) + timeval_seconds(now.ru_stime)
        - timeval_seconds(clock->usage.ru_utime) - timeval_seconds(clock->usage.ru_stime);
    figures->duration_seconds = seconds_since(clock->started);
    figures->cpu_percent = figures->duration_seconds > 0 ? 100.0 * cpu / figures->duration_seconds : 0;
    figures->memory_mb = private_memory_mb(&now);
}

/* Serialise runs of the same date; other dates go on in parallel. */
static void
lock_report_date(DateADT report_date, int64 run_id)
{
    if (dsr_lock(DSR_LOCK_REPORT_DATE, (uint32) report_date, true, false))
        return;
    ereport(NOTICE,
            (errmsg("run %lld waits for another run of %s to finish", (long long) run_id,
                    dsr_date_iso(report_date))));
    (void) dsr_lock(DSR_LOCK_REPORT_DATE, (uint32) report_date, true, true);
}

/* Retry the KPI query on errors that a second try can fix. */
static bool
transient_error(int sqlstate)
{
    return sqlstate == ERRCODE_T_R_SERIALIZATION_FAILURE ||
        sqlstate == ERRCODE_T_R_DEADLOCK_DETECTED ||
        sqlstate == ERRCODE_LOCK_NOT_AVAILABLE;
}

/* The KPI query in its own transaction, retried on transient errors. */
static void
query_with_retries(DateADT report_date, MemoryContext run_context, DsrReport *report,
                   DsrRunFigures *figures)
{
    for (;;)
    {
        volatile bool retry = false;

        PG_TRY();
        {
            dsr_begin_transaction();
            dsr_query_kpis(report_date, &figures->index_notice_given, run_context, report);
            /* here: converting it may look up the catalog, which needs a transaction */
            report->shop_name = dsr_server_to_utf8(dsr_shop_name, run_context);
            report->locale = MemoryContextStrdup(run_context, dsr_locale ? dsr_locale : "en");
            report->currency = MemoryContextStrdup(run_context, dsr_currency ? dsr_currency : "");
            report->fallback_font_path = MemoryContextStrdup(run_context,
                                                             dsr_fallback_font_path ? dsr_fallback_font_path : "");
            /* what pg_stat_activity lists for this database, without the view's parse and plan */
            if (SPI_execute(psprintf("SELECT pg_catalog.pg_stat_get_db_numbackends(%u)", MyDatabaseId),
                            true, 1) == SPI_OK_SELECT)
                figures->database_connections = dsr_spi_int64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
            dsr_commit_transaction();
        }
        PG_CATCH();
        {
            MemoryContext old = MemoryContextSwitchTo(run_context);
            ErrorData  *error = CopyErrorData();

            MemoryContextSwitchTo(old);
            if (!transient_error(error->sqlerrcode) || figures->query_retries >= dsr_query_retries)
                PG_RE_THROW();
            FlushErrorState();
            AbortCurrentTransaction();
            figures->query_retries++;
            ereport(NOTICE,
                    (errmsg("KPI query failed (%s), retry %d of %d", error->message,
                            figures->query_retries, dsr_query_retries)));
            retry = true;
        }
        PG_END_TRY();
        if (!retry)
            return;
        memset(report, 0, sizeof(*report));
    }
}

/* "YYYY-MM-DD HH:MM:SS <zone>" now, on the report's calendar */
static char *
generation_time(void)
{
    const char *zone = dsr_calendar_timezone();
    Datum       local = DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(zone),
                                            TimestampTzGetDatum(GetCurrentTimestamp()));
    Datum       shown = DirectFunctionCall2(timestamp_to_char, local,
                                           CStringGetTextDatum("YYYY-MM-DD HH24:MI:SS"));

    return psprintf("%s %s", TextDatumGetCString(shown), zone);
}

/* Absolute path of the day's PDF; the name comes from the date alone. */
static char *
pdf_path_for(const char *date)
{
    return psprintf("%s/daily-sales-%s.pdf", dsr_output_directory(), date);
}

/* The directory and the job are this database's (database_claims.h), checked before anything is pushed. */
static void
claim_directory_and_job(const char *volatile *stage)
{
    dsr_begin_transaction();
    /* the job first: refused, not even this failure's counters go to it */
    *stage = "network";
    dsr_claim_push_job();
    *stage = "pdf";
    dsr_claim_output_directory(dsr_output_directory());
    dsr_commit_transaction();
}

/* The fonts are settings too: say which one is missing rather than fail inside libharu. */
static void
check_font(const char *setting, const char *path)
{
    if (access(path, R_OK) != 0)
        ereport(ERROR,
                (errcode_for_file_access(),
                 errmsg("could not read the font \"%s\" for the PDF: %m", path),
                 errhint("Install fonts-dejavu-core, or point %s at a readable TrueType font.", setting)));
}

static void
write_pdf(DsrReport *report, DsrRunFigures *figures)
{
    instr_time  started;
    DsrPdfResult pdf;

    check_font("daily_sales_report.font_path", dsr_font_path);
    check_font("daily_sales_report.bold_font_path", dsr_bold_font_path);

    INSTR_TIME_SET_CURRENT(started);
    pdf = dsr_pdf_write(report, dsr_font_path, dsr_bold_font_path, figures->pdf_path);
    figures->pdf_seconds = seconds_since(started);
    if (!pdf.ok)
        ereport(ERROR,
                (errcode(ERRCODE_IO_ERROR),
                 errmsg("could not write the report PDF: %s", pdf.error),
                 errhint("Check daily_sales_report.output_dir (now \"%s\"): the directory must be creatable and writable by the server's operating-system user, with free space.",
                         dsr_output_dir)));
    figures->pdf_bytes = pdf.bytes;
    if (pdf.unshaped_scripts != 0)
        ereport(NOTICE,
                (errmsg("the PDF prints names in %s script without shaping: their letters are not joined",
                        (pdf.unshaped_scripts & DSR_SCRIPT_ARABIC) && (pdf.unshaped_scripts & DSR_SCRIPT_INDIC)
                        ? "Arabic and Devanagari (Indic)"
                        : (pdf.unshaped_scripts & DSR_SCRIPT_ARABIC) ? "Arabic" : "Devanagari (Indic)"),
                 errdetail("The PDF library draws one glyph per character; a footnote on the page says so too.")));
    ereport(NOTICE,
            (errmsg("PDF written: %s (%.1f kB) in %.1f ms", figures->pdf_path,
                    pdf.bytes / 1024.0, figures->pdf_seconds * 1000)));
}

static void
fill_result(DsrRunResult *result, int64 run_id, const DsrReport *report,
            const DsrRunFigures *figures, bool pushed)
{
    result->run_id = run_id;
    result->orders = report->orders;
    result->items_sold = report->items_sold;
    strlcpy(result->revenue, report->revenue_text, sizeof(result->revenue));
    strlcpy(result->avg_ticket, report->avg_ticket_text, sizeof(result->avg_ticket));
    if (report->top_count > 0)
    {
        /* whole, however long: a fixed field would cut it, maybe inside a character */
        StringInfoData message;

        pq_beginmessage(&message, DSR_MSG_TOP_PRODUCT);
        pq_sendbytes(&message, report->top_product_stored, strlen(report->top_product_stored));
        pq_endmessage(&message);
        result->has_top_product = true;
        strlcpy(result->top_product_revenue, report->top[0].revenue_text, sizeof(result->top_product_revenue));
    }
    strlcpy(result->pdf_path, figures->pdf_path, sizeof(result->pdf_path));
    result->pdf_kilobytes = figures->pdf_bytes / 1024.0;
    result->pushed = pushed;
    result->duration_seconds = figures->duration_seconds;
    result->finished = true;
}

/*
 * Something stopped the push after the success was recorded (a cancel, a
 * statement_timeout of the caller): the run stays a success (its PDF is
 * written, its figures are recorded and queued) and the outbox worker
 * delivers the push; never raises.
 */
static void
record_push_interrupted(int64 run_id, const char *reason)
{
    PG_TRY();
    {
        dsr_begin_transaction();
        dsr_history_push_interrupted(run_id, reason);
        dsr_ensure_outbox_worker();
        dsr_commit_transaction();
    }
    PG_CATCH();
    {
        EmitErrorReport();
        FlushErrorState();
        AbortCurrentTransaction();
    }
    PG_END_TRY();
}

/*
 * Record the failure (its own transaction) and push the counters; never
 * raises.  A cancelled or terminated run is a failure of no error type, and
 * its counters only go to the outbox: whoever stopped it wants it to stop
 * now, not after another wait on the network; the background worker
 * delivers them (batch_job_running back to 0).
 */
static void
record_failure(int64 run_id, const char *stage, const char *message, bool stopped,
               const RunClock *clock, DsrRunFigures *figures)
{
    PG_TRY();
    {
        measure_system(clock, figures);
        dsr_begin_transaction();
        dsr_history_failed(run_id, stopped ? NULL : stage, message, figures);
        dsr_commit_transaction();
        dsr_push_counters(run_id, !stopped);
    }
    PG_CATCH();
    {
        EmitErrorReport();
        FlushErrorState();
        AbortCurrentTransaction();
    }
    PG_END_TRY();
}

void
dsr_execute_run(DsrRunRequest *request)
{
    DateADT     report_date = request->report_date;
    DsrRunResult *result = &request->result;
    MemoryContext run_context = AllocSetContextCreate(TopMemoryContext, "daily_sales_report run",
                                                      ALLOCSET_DEFAULT_SIZES);
    DsrReport  *report = (DsrReport *) MemoryContextAllocZero(run_context, sizeof(DsrReport));
    DsrRunFigures *figures = (DsrRunFigures *) MemoryContextAllocZero(run_context, sizeof(DsrRunFigures));
    RunClock   *clock = (RunClock *) MemoryContextAllocZero(run_context, sizeof(RunClock));
    const char *date = MemoryContextStrdup(run_context, dsr_date_iso(report_date));
    const char *volatile stage = "network";
    volatile bool succeeded = false;    /* recorded as a success: a run ends in one state */
    int64       run_id;
    volatile bool pushed = false;

    INSTR_TIME_SET_CURRENT(clock->started);
    getrusage(RUSAGE_SELF, &clock->usage);

    dsr_begin_transaction();
    run_id = dsr_history_start(report_date);
    dsr_commit_transaction();
    /* published at once: daily_sales_report_async returns it */
    result->run_id = run_id;
    pg_write_barrier();
    ereport(NOTICE, (errmsg("run %lld for %s started (calendar %s)", (long long) run_id, date,
                            dsr_calendar_timezone())));
    elog(LOG, "daily_sales_report: run %lld for %s started", (long long) run_id, date);

    PG_TRY();
    {
        instr_time  query_started;

        claim_directory_and_job(&stage);
        dsr_push_running();
        stage = "database";
        lock_report_date(report_date, run_id);

        INSTR_TIME_SET_CURRENT(query_started);
        query_with_retries(report_date, run_context, report, figures);
        figures->query_seconds = seconds_since(query_started);
        ereport(NOTICE,
                (errmsg("query: %lld orders, revenue %s, %lld source rows read in %.1f ms",
                        (long long) report->orders, report->revenue_text,
                        (long long) report->rows_read, figures->query_seconds * 1000)));

        stage = "pdf";
        report->run_id = run_id;
        report->query_seconds = figures->query_seconds;
        report->generated_at = MemoryContextStrdup(run_context, generation_time());
        figures->pdf_path = MemoryContextStrdup(run_context, pdf_path_for(date));
        write_pdf(report, figures);

        stage = "database";
        measure_system(clock, figures);
        dsr_begin_transaction();
        dsr_history_succeeded(run_id, report, figures);
        dsr_history_expected(run_id, &report->expected);
        dsr_commit_transaction();
        succeeded = true;

        stage = "network";
        if (dsr_push_enabled())
            pushed = dsr_push_run_metrics(run_id, report, figures);
        else
            ereport(NOTICE, (errmsg("pushing is disabled (daily_sales_report.pushgateway_url is empty)")));
    }
    PG_CATCH();
    {
        MemoryContext old = MemoryContextSwitchTo(run_context);
        ErrorData  *error = CopyErrorData();

        MemoryContextSwitchTo(old);
        FlushErrorState();
        AbortCurrentTransaction();
        HOLD_INTERRUPTS();      /* the cancel that brought us here is handled: record it */
        QueryCancelPending = false;
        bool        stopped = error->sqlerrcode == ERRCODE_QUERY_CANCELED ||
            error->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN;

        /* a cancel sent by the caller: its own reason (e.g. statement timeout) says more */
        pg_read_barrier();
        const char *reason = stopped && request->stop_reason[0] != '\0' ? request->stop_reason : error->message;

        if (!succeeded)
        {
            record_failure(run_id, (const char *) stage, reason, stopped, clock, figures);
            RESUME_INTERRUPTS();
            elog(LOG, "daily_sales_report: run %lld for %s failed: %s", (long long) run_id, date, error->message);
            ReThrowError(error);
        }
        record_push_interrupted(run_id, reason);
        RESUME_INTERRUPTS();
        elog(LOG, "daily_sales_report: run %lld for %s succeeded; its push was interrupted (%s)"
             " and is left to the background worker", (long long) run_id, date, reason);
    }
    PG_END_TRY();

    measure_system(clock, figures);
    fill_result(result, run_id, report, figures, pushed);
    ereport(NOTICE, (errmsg("run %lld finished in %.3f s", (long long) run_id, figures->duration_seconds)));
    elog(LOG, "daily_sales_report: run %lld for %s succeeded: %lld orders, revenue %s, pdf %s, pushed %s",
         (long long) run_id, date, (long long) report->orders, report->revenue_text,
         figures->pdf_path, pushed ? "yes" : "no");
}
