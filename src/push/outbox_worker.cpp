/*
 * outbox_worker.cpp — the background worker that delivers the outbox.
 *
 * Started by the launcher (outbox_launcher.cpp) when the library is in
 * shared_preload_libraries (it then serves daily_sales_report.database_name
 * and stays), or on demand by a run that found pushes pending (it then
 * serves that database and exits once everything is delivered).  One per database: a lock (extension_locks.h) says
 * who.  On start it closes out runs whose process died (a crash, a kill, a
 * server restart) and pushes the corrected counters, so batch_job_running
 * does not stay at 1.
 *
 * SIGHUP reloads the configuration; SIGTERM stops it between two pushes;
 * SIGINT (pg_cancel_backend) ends the current pass, the next one goes on;
 * SIGUSR1 (daily_sales_report.flush_pushes) makes it try everything pending
 * now, whatever the backoff says.
 */
#include "extension/extension_catalog.h"
#include "push/metrics_push.h"
#include "extension/extension_locks.h"
#include "push/outbox.h"
#include "push/outbox_worker.h"
#include "run/run_history.h"
#include "extension/settings.h"
#include "pg/spi_values.h"
#include "pg/transactions.h"


#define DSR_WORKER_TYPE         "daily_sales_report outbox"

extern "C" {
PGDLLEXPORT void daily_sales_report_outbox_worker(Datum main_arg);
PG_FUNCTION_INFO_V1(daily_sales_report_flush_pushes);
PGDLLEXPORT Datum daily_sales_report_flush_pushes(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(daily_sales_report_outbox_worker_pid);
PGDLLEXPORT Datum daily_sales_report_outbox_worker_pid(PG_FUNCTION_ARGS);
}

/* What a worker is started with, in bgw_extra (main_arg is the database). */
typedef struct OutboxWorkerArgs
{
    bool        stays;          /* started by the launcher: stays, waits for the database's lock */
} OutboxWorkerArgs;

int
dsr_outbox_worker_pid(void)
{
    /* the worker that serves this database holds its lock (another may be waiting for it) */
    if (SPI_execute(psprintf("SELECT pid FROM pg_catalog.pg_locks"
                             " WHERE locktype = 'userlock' AND granted AND objsubid = 0"
                             "   AND classid = %u AND objid = %u AND database = %u",
                             (uint32) DSR_LOCK_WORKER, (uint32) MyDatabaseId, (uint32) MyDatabaseId),
                    true, 1) != SPI_OK_SELECT || SPI_processed == 0)
        return 0;
    return (int) dsr_spi_int64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
}

bool
dsr_start_outbox_worker(Oid database, const char *database_name, bool stays, BackgroundWorkerHandle **handle)
{
    BackgroundWorker worker;
    OutboxWorkerArgs args = {stays};

    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    /* never by the postmaster: the launcher restarts its own, an on-demand one is started by the next run */
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker.bgw_library_name, "daily_sales_report", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "daily_sales_report_outbox_worker", BGW_MAXLEN);
    strlcpy(worker.bgw_type, DSR_WORKER_TYPE, BGW_MAXLEN);
    snprintf(worker.bgw_name, BGW_MAXLEN, DSR_WORKER_TYPE " for database %s", database_name);
    worker.bgw_main_arg = ObjectIdGetDatum(database);
    memcpy(worker.bgw_extra, &args, sizeof(args));
    worker.bgw_notify_pid = stays ? MyProcPid : 0;     /* the launcher's latch is set when it stops */
    return RegisterDynamicBackgroundWorker(&worker, handle);
}

void
dsr_ensure_outbox_worker(void)
{
    BackgroundWorkerHandle *handle;

    /* a standby cannot deliver (the outbox is read-only there): its worker starts at promotion */
    if (RecoveryInProgress())
        return;
    /* one running (or starting) is enough: a second one would leave at once */
    if (SPI_execute("SELECT 1 FROM pg_catalog.pg_stat_activity"
                    " WHERE backend_type = '" DSR_WORKER_TYPE "' AND datname = current_database()",
                    true, 1) == SPI_OK_SELECT && SPI_processed > 0)
        return;
    if (!dsr_start_outbox_worker(MyDatabaseId, get_database_name(MyDatabaseId), false, &handle))
        ereport(WARNING,
                (errmsg("could not start the daily_sales_report background worker: no free worker slot"),
                 errhint("Raise max_worker_processes; pending pushes stay in daily_sales_report.outbox until a worker runs.")));
}

/* What the worker last said, so that an outage is logged once, not every second. */
static char last_logged_error[512];
static TimestampTz outage_since = 0;

/*
 * One pass over the groups with a push due; returns the pushes still
 * pending, and in *delivered how many went through.
 */
static int64
deliver_due(bool everything, MemoryContext pass_context, int *delivered_out)
{
    List       *groups;
    ListCell   *cell;
    int         delivered = 0;
    int64       pending;
    int64       held;
    const char *error = NULL;

    dsr_begin_transaction();
    held = dsr_outbox_hold_former();
    groups = dsr_outbox_due_groups(everything, pass_context);
    dsr_commit_transaction();
    if (held > 0)
        elog(LOG, "daily_sales_report: %lld pending pushes are addressed to a former Pushgateway and not retried;"
             " see last_error in daily_sales_report.outbox", (long long) held);

    foreach(cell, groups)
    {
        DsrDelivery delivery = dsr_outbox_deliver_group((const char *) lfirst(cell), false, false);

        delivered += delivery.delivered;
        if (!delivery.ok && !delivery.skipped)
            error = MemoryContextStrdup(pass_context, delivery.error);
    }

    dsr_begin_transaction();
    pending = dsr_outbox_pending();
    dsr_commit_transaction();
    *delivered_out = delivered;

    if (delivered > 0)
    {
        if (outage_since != 0)
            elog(LOG, "daily_sales_report: delivered %d pushes after %.0f s of Pushgateway outage, %lld pending",
                 delivered, (GetCurrentTimestamp() - outage_since) / 1e6, (long long) pending);
        else
            elog(LOG, "daily_sales_report: delivered %d pending pushes, %lld still pending",
                 delivered, (long long) pending);
    }
    if (error != NULL)
    {
        if (outage_since == 0)
            outage_since = GetCurrentTimestamp();
        if (strcmp(error, last_logged_error) != 0)
        {
            elog(LOG, "daily_sales_report: cannot deliver %lld pending pushes: %s (retrying)",
                 (long long) pending, error);
            strlcpy(last_logged_error, error, sizeof(last_logged_error));
        }
    }
    else if (pending == 0 || delivered > 0)
    {
        outage_since = 0;
        last_logged_error[0] = '\0';
    }
    return pending;
}

/* Runs left 'running' by a process that died: failures now, with the counters pushed. */
static void
close_out_dead_runs(void)
{
    int64 closed;

    dsr_begin_transaction();
    closed = dsr_history_close_dead_runs();
    dsr_commit_transaction();
    if (closed > 0)
    {
        elog(LOG, "daily_sales_report: closed out %lld run(s) whose process had died", (long long) closed);
        dsr_push_counters(0, true);
    }
}

void
daily_sales_report_outbox_worker(Datum main_arg)
{
    Oid         database = DatumGetObjectId(main_arg);
    OutboxWorkerArgs args;
    bool        on_demand;
    volatile bool everything = true;
    volatile bool closed_out = false;     /* runs left by dead processes, once per start */
    MemoryContext pass_context;
    char       *database_name;

    memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
    on_demand = !args.stays;
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();

    BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);
    /* connected as a superuser: no ALTER DATABASE ... SET search_path may choose what it calls */
    dsr_pin_session_search_path();
    /*
     * Nor may the database's other settings stop it (its owner may set
     * them): a read-only default failed every delivery, and exit_on_error
     * would turn a failed push into a restart.
     */
    SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("exit_on_error", "off", PGC_SUSET, PGC_S_OVERRIDE);
    pgstat_report_appname(DSR_WORKER_TYPE);

    /* one worker per database: an on-demand one leaves if another serves it, the launcher's one waits */
    dsr_begin_transaction();
    database_name = MemoryContextStrdup(TopMemoryContext, get_database_name(MyDatabaseId));
    if (on_demand)
    {
        if (!dsr_lock(DSR_LOCK_WORKER, MyDatabaseId, true, false))
        {
            dsr_commit_transaction();
            proc_exit(0);
        }
    }
    else
        (void) dsr_lock(DSR_LOCK_WORKER, MyDatabaseId, true, true);
    dsr_commit_transaction();

    pass_context = AllocSetContextCreate(TopMemoryContext, "daily_sales_report outbox pass",
                                         ALLOCSET_DEFAULT_SIZES);
    elog(LOG, "daily_sales_report: background worker started for database %s (%s)",
         database_name, on_demand ? "on demand" : "preloaded");

    for (;;)
    {
        volatile int64 pending = -1;     /* -1: the pass failed */
        volatile int delivered = 0;
        volatile bool canceled = false;
        volatile bool installed = true;
        int         events;

        if (ConfigReloadPending)
        {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }

        pgstat_report_activity(STATE_RUNNING, "delivering pending pushes");
        PG_TRY();
        {
            /* in here: a cancel (pg_cancel_backend) ends the pass, not the worker */
            CHECK_FOR_INTERRUPTS();
            dsr_begin_transaction();
            installed = dsr_extension_installed();
            dsr_commit_transaction();
            if (installed)
            {
                int         pass_delivered = 0;

                if (!closed_out)
                    close_out_dead_runs();
                closed_out = true;
                pending = deliver_due(everything, pass_context, &pass_delivered);
                delivered = pass_delivered;
            }
        }
        PG_CATCH();
        {
            /* e.g. the extension is not (yet) installed in this database: say so once, keep going */
            ErrorData *error;

            MemoryContextSwitchTo(pass_context);
            error = CopyErrorData();
            FlushErrorState();
            AbortCurrentTransaction();
            canceled = error->sqlerrcode == ERRCODE_QUERY_CANCELED;
            if (canceled)
                elog(LOG, "daily_sales_report: background worker: pass canceled; what is pending is tried again at the next pass");
            else if (strcmp(error->message, last_logged_error) != 0)
            {
                elog(LOG, "daily_sales_report: background worker: %s", error->message);
                strlcpy(last_logged_error, error->message, sizeof(last_logged_error));
            }
        }
        PG_END_TRY();
        MemoryContextReset(pass_context);
        pgstat_report_activity(STATE_IDLE, NULL);

        /* DROP EXTENSION (or not created yet): nothing to deliver; say so once */
        if (!installed)
        {
            if (on_demand)
            {
                elog(LOG, "daily_sales_report: background worker for database %s: the extension is not installed"
                     " any more, exiting", database_name);
                proc_exit(0);
            }
            if (strcmp(last_logged_error, "not installed") != 0)
                elog(LOG, "daily_sales_report: background worker for database %s: the extension is not installed;"
                     " waiting for CREATE EXTENSION daily_sales_report", database_name);
            strlcpy(last_logged_error, "not installed", sizeof(last_logged_error));
        }

        if (on_demand && pending == 0)
            break;
        /* the Pushgateway is back: the other groups need not wait out their backoff */
        if (delivered > 0 && pending > 0)
        {
            everything = true;
            continue;
        }

        if (canceled)
            ResetLatch(MyLatch);    /* set by the cancel: not a flush_pushes() */
        events = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                           pending < 0 ? 10L * dsr_outbox_poll_interval_ms : dsr_outbox_poll_interval_ms,
                           PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        /* woken up (flush_pushes): try everything now, whatever the backoff says */
        everything = (events & WL_LATCH_SET) != 0;
    }
    elog(LOG, "daily_sales_report: background worker for database %s: outbox empty, exiting",
         database_name);
    proc_exit(0);
}

/*
 * daily_sales_report.flush_pushes(wait_seconds): have the worker (started if
 * needed) try every pending push now; wait until none is pending or the time
 * is up; return how many are still pending.
 */
Datum
daily_sales_report_flush_pushes(PG_FUNCTION_ARGS)
{
    double      wait_seconds = PG_GETARG_FLOAT8(0);
    TimestampTz deadline;
    int64       pending;
    int         pid;

    /*
     * (int64) of NaN, infinity or anything beyond 9.2e15 ms is undefined (on
     * x86-64 the most negative int64: flush_pushes('Infinity') returned at
     * once instead of waiting).  Beyond a year is "until delivered or
     * cancelled", below 0 is "do not wait".
     */
    if (isnan(wait_seconds))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("wait_seconds of daily_sales_report.flush_pushes() is NaN"),
                 errhint("Give the seconds to wait for delivery, e.g. 10; 'Infinity' waits until the outbox is empty.")));
    wait_seconds = Max(0.0, Min(wait_seconds, 366.0 * 86400));
    deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), (int64) (wait_seconds * 1000));

    if (RecoveryInProgress())
        ereport(ERROR,
                (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                 errmsg("daily_sales_report.flush_pushes() cannot deliver on a read-only standby"),
                 errdetail("Delivering removes pushes from daily_sales_report.outbox; a server in recovery cannot."),
                 errhint("Call it on the primary; once this standby is promoted, its outbox worker delivers"
                         " what is pending.")));
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    pid = dsr_outbox_worker_pid();
    if (pid != 0)
        kill(pid, SIGUSR1);     /* sets its latch */
    else
        dsr_ensure_outbox_worker();

    /* each statement sees what the worker committed (READ COMMITTED) */
    while ((pending = dsr_outbox_pending()) > 0 && GetCurrentTimestamp() < deadline)
    {
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 50L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    SPI_finish();
    PG_RETURN_INT64(pending);
}

/*
 * daily_sales_report.outbox_worker_pid(): the worker serving this database
 * (the holder of its lock), NULL if none; outbox_status shows it, so the
 * lock's tag is known here only (extension_locks.h).
 */
Datum
daily_sales_report_outbox_worker_pid(PG_FUNCTION_ARGS)
{
    int         pid;

    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    pid = dsr_outbox_worker_pid();
    SPI_finish();
    if (pid == 0)
        PG_RETURN_NULL();
    PG_RETURN_INT32(pid);
}
