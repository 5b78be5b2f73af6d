/*
 * run_worker.cpp — the background worker process that carries out one run.
 *
 * It attaches to the caller's shared memory segment, sends everything it
 * reports (NOTICE, WARNING, the final ERROR) back through the message queue,
 * connects as the caller with the caller's settings, and runs the report.
 * Should the caller go away, messages are dropped and the run still
 * completes and is recorded.
 */
#include "push/metrics_push.h"
#include "push/outbox.h"
#include "push/outbox_worker.h"
#include "run/report_run.h"
#include "run/run_history.h"
#include "extension/extension_locks.h"
#include "run/run_shared.h"
#include "pg/transactions.h"

extern "C" {
PGDLLEXPORT void daily_sales_report_run_worker(Datum main_arg);
}

/*
 * A FATAL (pg_terminate_backend, a server shutdown) does not unwind to the
 * run's PG_CATCH: PostgreSQL calls proc_exit.  Before the process lets go of
 * shared memory, record the run's end and queue the counters for the outbox
 * worker, so the row does not stay 'running' and batch_job_running goes back
 * to 0 now, not at the next run.  An ERROR here is a FATAL that ends only
 * this callback.
 */
static void
record_run_end_at_exit(int code, Datum arg)
{
    DsrRunRequest *request = (DsrRunRequest *) DatumGetPointer(arg);
    int64       run_id = request->result.run_id;
    bool        ended_now;
    bool        pending;

    if (run_id == 0 || request->result.finished)
        return;
    whereToSendOutput = DestNone;   /* the caller got the FATAL; the rest goes to the log */
    AbortOutOfAnyTransaction();
    /* interrupts are held here: never wait long on a lock (the outbox worker closes the run out if we give up) */
    SetConfigOption("lock_timeout", "5000", PGC_SUSET, PGC_S_OVERRIDE);
    dsr_begin_transaction();
    pg_read_barrier();
    ended_now = dsr_history_ended_by_exit(run_id, request->stop_reason);
    if (!ended_now)
        dsr_history_push_interrupted(run_id, request->stop_reason[0] != '\0' ? request->stop_reason
                                     : "the run's process was terminated");    /* a success still pushing */
    pending = dsr_outbox_pending() > 0;
    if (pending && !ended_now)
        dsr_ensure_outbox_worker();     /* e.g. terminated while pushing */
    dsr_commit_transaction();
    if (ended_now)
    {
        elog(LOG, "daily_sales_report: run %lld was terminated before it finished (exit code %d):"
             " recorded as a failure, counters queued", (long long) run_id, code);
        dsr_push_counters(run_id, false);
    }
}

void
daily_sales_report_run_worker(Datum main_arg)
{
    dsm_segment *segment;
    shm_toc    *toc;
    DsrRunRequest *request;
    shm_mq     *queue;
    shm_mq_handle *queue_handle;

    /* SIGTERM sets a flag like in a backend (the default exits at once, even inside libcurl) */
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();

    CurrentResourceOwner = ResourceOwnerCreate(NULL, "daily_sales_report run");
    segment = dsm_attach(DatumGetUInt32(main_arg));
    if (segment == NULL)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("daily_sales_report run: the caller's shared memory is gone")));
    toc = shm_toc_attach(DSR_SHM_MAGIC, dsm_segment_address(segment));
    if (toc == NULL)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("daily_sales_report run: bad magic number in shared memory")));
    request = (DsrRunRequest *) shm_toc_lookup(toc, DSR_KEY_RUN, false);
    queue = (shm_mq *) shm_toc_lookup(toc, DSR_KEY_QUEUE, false);

    shm_mq_set_sender(queue, MyProc);
    queue_handle = shm_mq_attach(queue, segment, NULL);
    pq_redirect_to_shm_mq(segment, queue_handle);

    BackgroundWorkerInitializeConnectionByOid(request->database_id, request->authenticated_user_id, 0);
    /*
     * The slot the caller picked (it waits for this): held until the worker
     * exits.  Taken already only if the caller stopped waiting and another
     * run got it: then this run must not start.
     */
    if (!dsr_lock(DSR_LOCK_RUN_SLOT, (uint32) request->run_slot, true, false))
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("daily_sales_report run: its run slot was taken by another run"),
                 errdetail("The caller stopped waiting for this worker to start; the run did not start.")));
    request->slot_taken = true;
    pg_write_barrier();

    /* the caller's settings: daily_sales_report.*, TimeZone, search_path, work_mem, ... */
    StartTransactionCommand();
    RestoreGUCState(shm_toc_lookup(toc, DSR_KEY_GUC, false));
    CommitTransactionCommand();
    /* not the caller's: an ERROR must reach the run's own handler (exit_on_error would make it a FATAL) */
    SetConfigOption("exit_on_error", "off", PGC_SUSET, PGC_S_OVERRIDE);
    /* the caller's transaction is read-write (run_launcher.cpp checks): so are the run's own */
    SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
    /* messages travel to the caller in the server encoding; the caller converts them */
    SetClientEncoding(GetDatabaseEncoding());
    SetUserIdAndSecContext(request->current_user_id, request->sec_context);
    /* after InitPostgres's own callbacks: runs before them, with the connection still usable */
    before_shmem_exit(record_run_end_at_exit, PointerGetDatum(request));

    pgstat_report_activity(STATE_RUNNING, "daily_sales_report run");
    PG_TRY();
    {
        dsr_execute_run(request);
    }
    PG_CATCH();
    {
        /* already recorded in the run history: report it to the caller and the log */
        EmitErrorReport();
        FlushErrorState();
        proc_exit(1);
    }
    PG_END_TRY();
    pgstat_report_activity(STATE_IDLE, NULL);
    proc_exit(0);
}
