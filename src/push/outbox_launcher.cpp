/*
 * outbox_launcher.cpp — the background worker that keeps the preloaded
 * outbox worker running (the pattern of pg_cron's launcher).
 *
 * Registered at server start when the library is in
 * shared_preload_libraries.  It connects to no database (it reads only the
 * shared catalog pg_database), so a daily_sales_report.database_name that
 * names a database not created yet is one line in the log, not a FATAL
 * every few seconds.  Once the database is there it starts the outbox
 * worker for it (the function the on-demand path uses), and starts it again
 * if it stops, with a backoff when it keeps stopping.  database_name is
 * read at server start only (PGC_POSTMASTER): the worker stays in its
 * database.  Like the worker, it starts only once recovery is finished (not
 * on a standby until it is promoted).
 */
#include "push/outbox_launcher.h"
#include "push/outbox_worker.h"
#include "extension/settings.h"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_database.h"
}

#define DSR_LAUNCHER_TYPE       "daily_sales_report launcher"
#define DSR_CHECK_MIN_MS        1000L       /* first wait for a missing database, doubled up to ... */
#define DSR_CHECK_MAX_MS        10000L
#define DSR_RESTART_MIN_MS      1000L       /* first wait before starting a stopped worker again, doubled up to ... */
#define DSR_RESTART_MAX_MS      60000L
#define DSR_STEADY_MS           60000L      /* a worker that ran this long resets the restart backoff */

extern "C" {
PGDLLEXPORT void daily_sales_report_outbox_launcher(Datum main_arg);
}

typedef enum DatabaseState
{
    DATABASE_READY,
    DATABASE_MISSING,
    DATABASE_CLOSED             /* ALLOW_CONNECTIONS false, or left invalid by an interrupted DROP DATABASE */
} DatabaseState;

void
dsr_register_outbox_launcher(void)
{
    BackgroundWorker worker;

    memset(&worker, 0, sizeof(worker));
    /* a connection to no database: the flag is still needed to read pg_database */
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = 10;     /* only after an unexpected exit */
    strlcpy(worker.bgw_library_name, "daily_sales_report", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "daily_sales_report_outbox_launcher", BGW_MAXLEN);
    strlcpy(worker.bgw_type, DSR_LAUNCHER_TYPE, BGW_MAXLEN);
    strlcpy(worker.bgw_name, DSR_LAUNCHER_TYPE, BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

/*
 * The database's row of pg_database, read with a heap scan like the
 * autovacuum launcher's (no database is connected, so no index of it is
 * opened).
 */
static DatabaseState
find_database(const char *name, Oid *database)
{
    DatabaseState state = DATABASE_MISSING;
    Relation    rel;
    TableScanDesc scan;
    HeapTuple   tuple;

    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    rel = table_open(DatabaseRelationId, AccessShareLock);
    scan = table_beginscan_catalog(rel, 0, NULL);
    while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
    {
        Form_pg_database row = (Form_pg_database) GETSTRUCT(tuple);

        if (strcmp(NameStr(row->datname), name) != 0)
            continue;
        *database = row->oid;
        state = row->datallowconn && row->datconnlimit != DATCONNLIMIT_INVALID_DB ? DATABASE_READY : DATABASE_CLOSED;
        break;
    }
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    PopActiveSnapshot();
    CommitTransactionCommand();
    return state;
}

/* Why the worker cannot start, in the log once per database and reason. */
static void
log_not_ready(DatabaseState state, const char *name)
{
    if (state == DATABASE_MISSING)
        ereport(LOG,
                (errmsg("daily_sales_report: daily_sales_report.database_name names database \"%s\", which does"
                        " not exist; the outbox worker starts once it does", name),
                 errhint("Create it (CREATE DATABASE, then CREATE EXTENSION daily_sales_report in it), or set"
                         " daily_sales_report.database_name to the database that has the extension and restart the server.")));
    else
        ereport(LOG,
                (errmsg("daily_sales_report: daily_sales_report.database_name names database \"%s\", which does"
                        " not accept connections; the outbox worker starts once it does", name),
                 errhint("ALTER DATABASE ... ALLOW_CONNECTIONS true, or set daily_sales_report.database_name to"
                         " the database that has the extension and restart the server.")));
}

void
daily_sales_report_outbox_launcher(Datum main_arg)
{
    BackgroundWorkerHandle *worker = NULL;
    Oid         worker_database = InvalidOid;
    TimestampTz worker_started = 0;
    TimestampTz start_after = 0;
    long        check_wait_ms = DSR_CHECK_MIN_MS;
    long        restart_wait_ms = DSR_RESTART_MIN_MS;
    char        logged[NAMEDATALEN + 8] = "";   /* "<state>:<name>" said last, so each is said once */
    bool        said_no_slot = false;

    (void) main_arg;
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(NULL, NULL, 0);

    for (;;)
    {
        Oid         database = InvalidOid;
        DatabaseState state;
        pid_t       pid;
        long        wait_ms = DSR_STEADY_MS;
        char        said[sizeof(logged)];

        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending)
        {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            check_wait_ms = DSR_CHECK_MIN_MS;
        }
        state = find_database(dsr_worker_database, &database);

        /* our worker stopped (the launcher's latch is set when it does): start it again after a while */
        if (worker != NULL && GetBackgroundWorkerPid(worker, &pid) == BGWH_STOPPED)
        {
            TimestampTz now = GetCurrentTimestamp();

            pfree(worker);
            worker = NULL;
            restart_wait_ms = TimestampDifferenceExceeds(worker_started, now, DSR_STEADY_MS)
                ? DSR_RESTART_MIN_MS : Min(restart_wait_ms * 2, DSR_RESTART_MAX_MS);
            start_after = TimestampTzPlusMilliseconds(now, restart_wait_ms);
            if (state == DATABASE_READY)
                elog(LOG, "daily_sales_report: the outbox worker for database \"%s\" stopped; starting it again"
                     " in %ld s", dsr_worker_database, restart_wait_ms / 1000);
        }
        /* this database dropped (and maybe created again) or closed: the worker leaves or waits */
        if (worker != NULL && (state != DATABASE_READY || database != worker_database))
        {
            TerminateBackgroundWorker(worker);
            pfree(worker);
            worker = NULL;
        }

        if (state != DATABASE_READY)
        {
            snprintf(said, sizeof(said), "%d:%s", (int) state, dsr_worker_database);
            if (strcmp(said, logged) != 0)
                log_not_ready(state, dsr_worker_database);
            strlcpy(logged, said, sizeof(logged));
            wait_ms = check_wait_ms;
            check_wait_ms = Min(check_wait_ms * 2, DSR_CHECK_MAX_MS);
        }
        else if (worker == NULL)
        {
            long        secs;
            int         usecs;

            TimestampDifference(GetCurrentTimestamp(), start_after, &secs, &usecs);
            if (secs > 0 || usecs > 0)
                wait_ms = secs * 1000L + usecs / 1000 + 1;
            else if (dsr_start_outbox_worker(database, dsr_worker_database, true, &worker))
            {
                if (logged[0] != '\0')
                    elog(LOG, "daily_sales_report: database \"%s\" is ready; starting its outbox worker",
                         dsr_worker_database);
                logged[0] = '\0';
                said_no_slot = false;
                worker_database = database;
                worker_started = GetCurrentTimestamp();
                check_wait_ms = DSR_CHECK_MIN_MS;
            }
            else
            {
                if (!said_no_slot)
                    ereport(LOG,
                            (errmsg("daily_sales_report: could not start the outbox worker for database \"%s\":"
                                    " no free worker slot; trying again", dsr_worker_database),
                             errhint("Raise max_worker_processes (server restart needed).")));
                said_no_slot = true;
                wait_ms = restart_wait_ms;
            }
        }

        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}
