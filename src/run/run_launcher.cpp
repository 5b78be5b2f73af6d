/*
 * run_launcher.cpp — SQL entry point: daily_sales_report(report_day text).
 *
 * Validates the date in the caller, starts the run's background worker
 * (run_worker.cpp) with the caller's identity and settings, relays its
 * NOTICE/WARNING/ERROR messages as they come, and returns its result row.
 * A query cancel or statement_timeout in the caller is passed on to the
 * worker as a cancel, so the run stops and records why.
 */
#include "extension/extension_catalog.h"
#include "extension/extension_locks.h"
#include "run/report_date.h"
#include "run/run_shared.h"
#include "extension/settings.h"
#include "pg/spi_values.h"

extern "C" {
PG_FUNCTION_INFO_V1(daily_sales_report_run);
PGDLLEXPORT Datum daily_sales_report_run(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(daily_sales_report_run_async);
PGDLLEXPORT Datum daily_sales_report_run_async(PG_FUNCTION_ARGS);
}

/* Create the segment: request, serialized settings, message queue. */
static dsm_segment *
create_run_segment(DateADT report_date, DsrRunRequest **request_out, shm_mq **queue_out)
{
    shm_toc_estimator estimator;
    Size        guc_size = EstimateGUCStateSpace();
    Size        segment_size;
    dsm_segment *segment;
    shm_toc    *toc;
    DsrRunRequest *request;
    char       *guc_state;
    shm_mq     *queue;

    shm_toc_initialize_estimator(&estimator);
    shm_toc_estimate_chunk(&estimator, sizeof(DsrRunRequest));
    shm_toc_estimate_chunk(&estimator, guc_size);
    shm_toc_estimate_chunk(&estimator, DSR_QUEUE_SIZE);
    shm_toc_estimate_keys(&estimator, 3);
    segment_size = shm_toc_estimate(&estimator);

    segment = dsm_create(segment_size, 0);
    toc = shm_toc_create(DSR_SHM_MAGIC, dsm_segment_address(segment), segment_size);

    request = (DsrRunRequest *) shm_toc_allocate(toc, sizeof(DsrRunRequest));
    memset(request, 0, sizeof(DsrRunRequest));
    request->database_id = MyDatabaseId;
    request->authenticated_user_id = GetAuthenticatedUserId();
    GetUserIdAndSecContext(&request->current_user_id, &request->sec_context);
    request->report_date = report_date;
    shm_toc_insert(toc, DSR_KEY_RUN, request);

    guc_state = (char *) shm_toc_allocate(toc, guc_size);
    SerializeGUCState(guc_size, guc_state);
    shm_toc_insert(toc, DSR_KEY_GUC, guc_state);

    queue = shm_mq_create(shm_toc_allocate(toc, DSR_QUEUE_SIZE), DSR_QUEUE_SIZE);
    shm_toc_insert(toc, DSR_KEY_QUEUE, queue);
    shm_mq_set_receiver(queue, MyProc);

    *request_out = request;
    *queue_out = queue;
    return segment;
}

static BackgroundWorkerHandle *
start_run_worker(dsm_segment *segment, DateADT report_date)
{
    BackgroundWorker worker;
    BackgroundWorkerHandle *handle = NULL;
    pid_t       pid;

    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_ConsistentState;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker.bgw_library_name, "daily_sales_report", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "daily_sales_report_run_worker", BGW_MAXLEN);
    snprintf(worker.bgw_name, BGW_MAXLEN, "daily_sales_report run for %s (caller PID %d)",
             dsr_date_iso(report_date), MyProcPid);
    strlcpy(worker.bgw_type, "daily_sales_report run", BGW_MAXLEN);
    worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(segment));
    worker.bgw_notify_pid = MyProcPid;

    /*
     * A run's worker lets go of its run slot a moment before the postmaster
     * frees its background worker slot: a caller that waited for the first
     * may find the second still taken.  Try again for a second.
     */
    for (int tries = 0; !RegisterDynamicBackgroundWorker(&worker, &handle) && tries < 100; tries++)
    {
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    if (handle == NULL)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                 errmsg("could not start a background worker for the report"),
                 errdetail("Every run uses one background worker slot, and all max_worker_processes (%d) slots are taken.",
                           max_worker_processes),
                 errhint("Raise max_worker_processes (server restart needed) or run fewer reports at once.")));

    if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                 errmsg("the report's background worker did not start"),
                 errhint("See the server log for the reason.")));
    return handle;
}

/*
 * Relay one protocol message from the worker: NOTICE/WARNING are shown, an
 * ERROR is raised here; the top product's name is kept in *top_product.
 */
static void
relay_message(StringInfo message, volatile bool *worker_failed, char **top_product)
{
    char        type = pq_getmsgbyte(message);
    ErrorData   edata;

    if (type == DSR_MSG_TOP_PRODUCT)
    {
        if (top_product != NULL)
            *top_product = pnstrdup(message->data + message->cursor, message->len - message->cursor);
        return;
    }
    if (type != 'E' && type != 'N')
        return;                 /* nothing else is sent */

    pq_parse_errornotice(message, &edata);
    if (edata.elevel >= ERROR)
    {
        /* a FATAL in the worker is an ERROR for the caller: it must not end this session */
        edata.elevel = ERROR;
        *worker_failed = true;
    }
    ThrowErrorData(&edata);
}

/*
 * The caller's own transaction may hold a lock the run needs (BEGIN; ALTER
 * TABLE orders ...; SELECT daily_sales_report(...)).  The worker then waits
 * on that lock and the caller on the worker's queue: a deadlock PostgreSQL
 * cannot see, since only one side waits on a lock.  Look every
 * DSR_LOCK_CHECK_MS while waiting.
 */
#define DSR_LOCK_CHECK_MS 200L

/* Processes blocking `pid` (pg_blocking_pids), appended to `pids`. */
static List *
append_blockers(List *pids, int pid)
{
    ArrayType  *blockers = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids, Int32GetDatum(pid)));
    Datum      *values;
    bool       *nulls;
    int         count;

    deconstruct_array(blockers, INT4OID, sizeof(int32), true, TYPALIGN_INT, &values, &nulls, &count);
    for (int i = 0; i < count; i++)
        if (!nulls[i])
            pids = list_append_unique_int(pids, DatumGetInt32(values[i]));
    return pids;
}

/*
 * Is this session in the chain of what the worker waits for?  Directly (the
 * caller's lock), or through others (a session waiting for the caller's
 * lock, with the worker queued behind it): the same deadlock.  A bounded
 * walk of the waits-for graph.
 */
static void
check_not_waiting_on_us(pid_t pid)
{
    /* called every few ms while waiting: what pg_blocking_pids allocates goes with this context */
    MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "daily_sales_report lock check",
                                                  ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(scratch);
    List       *chain = append_blockers(NIL, (int) pid);

    for (int i = 0; i < list_length(chain) && i < 32; i++)
    {
        if (list_nth_int(chain, i) == MyProcPid)
            ereport(ERROR,
                    (errcode(ERRCODE_OBJECT_IN_USE),    /* not 40P01: retrying cannot help */
                     errmsg("the report waits for a lock that this session holds"),
                     errdetail("The run (background worker PID %d) needs a lock held by this session's open transaction, or queued behind another session that waits for it (e.g. after ALTER TABLE, LOCK TABLE or a read of the shop's tables in this transaction).",
                               (int) pid),
                     errhint("Commit or roll back first, or call daily_sales_report() outside that transaction.")));
        chain = append_blockers(chain, list_nth_int(chain, i));
    }
    MemoryContextSwitchTo(caller);
    MemoryContextDelete(scratch);
}

static void
check_worker_not_waiting_on_us(BackgroundWorkerHandle *handle)
{
    pid_t       pid;

    if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STARTED)
        check_not_waiting_on_us(pid);
}

/* The runs holding `slot` must not wait for this session's locks (their list freed here). */
static void
check_holders_not_waiting_on_us(int slot)
{
    MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "daily_sales_report slot holders",
                                                  ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(scratch);
    ListCell   *holder;

    foreach(holder, dsr_lock_holders(DSR_LOCK_RUN_SLOT, (uint32) slot))
        check_not_waiting_on_us(lfirst_int(holder));
    MemoryContextSwitchTo(caller);
    MemoryContextDelete(scratch);
}

/*
 * A free run slot (daily_sales_report.max_parallel_runs), waiting for one
 * if every slot is held: returns holding DSR_LOCK_RUN_START, so that no
 * other caller picks the same slot before this run's worker takes it
 * (hold_slot_until_taken).  A wait honours cancel and statement_timeout,
 * and fails at once if a run holding a slot waits for this session's locks.
 */
static int
pick_run_slot(void)
{
    bool        told = false;

    for (;;)
    {
        (void) dsr_lock(DSR_LOCK_RUN_START, 0, false, true);
        for (int slot = 0; slot < dsr_max_parallel_runs; slot++)
            if (dsr_lock(DSR_LOCK_RUN_SLOT, (uint32) slot, false, false))
            {
                dsr_unlock(DSR_LOCK_RUN_SLOT, (uint32) slot, false);
                return slot;
            }
        dsr_unlock(DSR_LOCK_RUN_START, 0, false);
        if (!told)
            ereport(NOTICE,
                    (errmsg("waiting for one of the %d runs in progress to end", dsr_max_parallel_runs),
                     errdetail("daily_sales_report.max_parallel_runs runs may be in progress at once in the server:"
                               " each takes a background worker slot.")));
        told = true;
        for (int slot = 0; slot < dsr_max_parallel_runs; slot++)
            check_holders_not_waiting_on_us(slot);
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
}

/* In PG_CATCH, before the caller stops its worker: the error, for the run's record (e.g. statement timeout). */
static void
keep_stop_reason(DsrRunRequest *request)
{
    MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
    ErrorData  *reason = CopyErrorData();

    MemoryContextSwitchTo(old);
    strlcpy(request->stop_reason, reason->message, sizeof(request->stop_reason));
    pg_write_barrier();
}

/*
 * Wait until the run's worker holds its slot (or ended), then let other
 * callers pick theirs.  The worker connects first, which may wait for a
 * catalog lock of this session's transaction: checked as the run's waits
 * are.  On any error here (that, a cancel, statement_timeout) the worker is
 * terminated before it records anything, so that no run goes on without a
 * slot once this session's start lock is gone.
 */
static void
hold_slot_until_taken(DsrRunRequest *request, BackgroundWorkerHandle *handle)
{
    PG_TRY();
    {
        for (int waited_ms = 0;; waited_ms += 2)
        {
            pid_t       pid;

            pg_read_barrier();
            if (request->slot_taken || GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED)
                break;
            (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 2L, PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
            if (waited_ms % DSR_LOCK_CHECK_MS == 0)
                check_worker_not_waiting_on_us(handle);
        }
    }
    PG_CATCH();
    {
        /* it may have taken the slot and recorded the run meanwhile: the run then says why it ended */
        keep_stop_reason(request);
        TerminateBackgroundWorker(handle);
        PG_RE_THROW();
    }
    PG_END_TRY();
    dsr_unlock(DSR_LOCK_RUN_START, 0, false);
}

/* The columns of daily_sales_report.result, the row daily_sales_report() returns (0-based). */
enum
{
    RESULT_RUN_ID,
    RESULT_REPORT_DATE,
    RESULT_ORDERS,
    RESULT_REVENUE,
    RESULT_AVG_TICKET,
    RESULT_ITEMS_SOLD,
    RESULT_TOP_PRODUCT,
    RESULT_TOP_PRODUCT_REVENUE,
    RESULT_PDF_PATH,
    RESULT_PDF_KILOBYTES,
    RESULT_PUSHED,
    RESULT_DURATION_SECONDS,
    RESULT_COLUMNS
};

static Datum
result_row(FunctionCallInfo fcinfo, DateADT report_date, const DsrRunResult *r, const char *top_product)
{
    TupleDesc   tupdesc;
    Datum       values[RESULT_COLUMNS];
    bool        nulls[RESULT_COLUMNS];
    bool        has_top = r->has_top_product && top_product != NULL;

    if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != RESULT_COLUMNS)
        elog(ERROR, "daily_sales_report must be declared to return daily_sales_report.result (%d columns)",
             RESULT_COLUMNS);
    tupdesc = BlessTupleDesc(tupdesc);

    memset(nulls, 0, sizeof(nulls));
    values[RESULT_RUN_ID] = Int64GetDatum(r->run_id);
    values[RESULT_REPORT_DATE] = DateADTGetDatum(report_date);
    values[RESULT_ORDERS] = Int64GetDatum(r->orders);
    values[RESULT_REVENUE] = dsr_numeric(r->revenue);
    values[RESULT_AVG_TICKET] = dsr_numeric(r->avg_ticket);
    values[RESULT_ITEMS_SOLD] = Int64GetDatum(r->items_sold);
    if (has_top)
    {
        values[RESULT_TOP_PRODUCT] = CStringGetTextDatum(top_product);
        values[RESULT_TOP_PRODUCT_REVENUE] = dsr_numeric(r->top_product_revenue);
    }
    else
    {
        values[RESULT_TOP_PRODUCT] = values[RESULT_TOP_PRODUCT_REVENUE] = (Datum) 0;
        nulls[RESULT_TOP_PRODUCT] = nulls[RESULT_TOP_PRODUCT_REVENUE] = true;
    }
    values[RESULT_PDF_PATH] = CStringGetTextDatum(r->pdf_path);
    values[RESULT_PDF_KILOBYTES] = dsr_numeric(psprintf("%.1f", r->pdf_kilobytes));
    values[RESULT_PUSHED] = BoolGetDatum(r->pushed);
    values[RESULT_DURATION_SECONDS] = Float8GetDatum(r->duration_seconds);

    return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* Validate the date argument, then start the run's worker; the segment is ours to detach. */
static dsm_segment *
launch_run(FunctionCallInfo fcinfo, DateADT *report_date, DsrRunRequest **request,
           shm_mq_handle **queue_handle, BackgroundWorkerHandle **handle)
{
    dsm_segment *segment;
    shm_mq     *queue;

    *report_date = dsr_parse_report_date(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)),
                                         PG_ARGISNULL(0));
    dsr_check_extension_version();
    /* the run writes (its history, the PDF, the outbox) in transactions of its own: say so rather than do it */
    if (RecoveryInProgress())
        ereport(ERROR,
                (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                 errmsg("daily_sales_report cannot run on a read-only standby"),
                 errdetail("A run records itself in daily_sales_report.runs and queues its metrics in"
                           " daily_sales_report.outbox; a server in recovery cannot write them."),
                 errhint("Run it on the primary; the standby's figures are the primary's once replayed.")));
    if (XactReadOnly)
        ereport(ERROR,
                (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                 errmsg("daily_sales_report cannot run in a read-only transaction"),
                 errdetail("A run records itself, writes the PDF and queues its metrics."),
                 errhint("Call it outside BEGIN READ ONLY, with default_transaction_read_only off.")));
    segment = create_run_segment(*report_date, request, &queue);
    /* attach before the worker starts, so an error here detaches and the worker never blocks on us */
    *queue_handle = shm_mq_attach(queue, segment, NULL);
    (*request)->run_slot = pick_run_slot();
    *handle = start_run_worker(segment, *report_date);
    hold_slot_until_taken(*request, *handle);
    shm_mq_set_handle(*queue_handle, *handle);
    return segment;
}

Datum
daily_sales_report_run(PG_FUNCTION_ARGS)
{
    DateADT     report_date;
    dsm_segment *segment;
    DsrRunRequest *request;
    shm_mq_handle *queue_handle;
    BackgroundWorkerHandle *handle_out;
    BackgroundWorkerHandle *volatile handle;
    volatile bool worker_failed = false;
    StringInfoData message;
    DsrRunResult result;
    char       *top_product = NULL;

    segment = launch_run(fcinfo, &report_date, &request, &queue_handle, &handle_out);
    handle = handle_out;

    initStringInfo(&message);
    PG_TRY();
    {
        for (;;)
        {
            Size        nbytes;
            void       *data;
            shm_mq_result received = shm_mq_receive(queue_handle, &nbytes, &data, true);

            if (received == SHM_MQ_DETACHED)
                break;          /* the worker detached: it has finished */
            if (received == SHM_MQ_WOULD_BLOCK)
            {
                /* a message sets our latch; a cancel or statement_timeout raises here */
                (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                                 DSR_LOCK_CHECK_MS, WAIT_EVENT_MQ_RECEIVE);
                ResetLatch(MyLatch);
                CHECK_FOR_INTERRUPTS();
                check_worker_not_waiting_on_us(handle);
                continue;
            }
            resetStringInfo(&message);
            appendBinaryStringInfo(&message, (const char *) data, (int) nbytes);
            relay_message(&message, &worker_failed, &top_product);
        }
    }
    PG_CATCH();
    {
        /* interrupted while the worker still works: ask it to stop, like a cancel, and say why */
        pid_t pid;

        if (!worker_failed && handle != NULL &&
            GetBackgroundWorkerPid(handle, &pid) == BGWH_STARTED)
        {
            keep_stop_reason(request);
            kill(pid, SIGINT);
        }
        PG_RE_THROW();
    }
    PG_END_TRY();

    /* keep the result, let go of the segment */
    result = request->result;
    dsm_detach(segment);

    if (!result.finished)
        ereport(ERROR,
                (errcode(ERRCODE_CONNECTION_FAILURE),
                 errmsg("the report's background worker ended without a result"),
                 errdetail("It was terminated or crashed; the run is recorded in daily_sales_report.runs."),
                 errhint("See the server log.")));

    PG_RETURN_DATUM(result_row(fcinfo, report_date, &result, top_product));
}

/*
 * daily_sales_report_async(report_day): start the run and return its run_id
 * as soon as the run is recorded; the worker goes on alone (its messages go
 * to the server log only) and the outcome lands in daily_sales_report.runs.
 */
Datum
daily_sales_report_run_async(PG_FUNCTION_ARGS)
{
    DateADT     report_date;
    dsm_segment *segment;
    DsrRunRequest *request;
    shm_mq_handle *queue_handle;
    BackgroundWorkerHandle *handle;
    int64       run_id;

    segment = launch_run(fcinfo, &report_date, &request, &queue_handle, &handle);
    for (int waited_ms = 0;; waited_ms += 10)
    {
        pid_t       pid;

        pg_read_barrier();
        run_id = request->result.run_id;
        if (run_id != 0)
            break;
        if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED)
        {
            /* it ended before recording the run: its ERROR says why */
            Size        nbytes;
            void       *data;
            StringInfoData message;
            bool        failed = false;

            initStringInfo(&message);
            while (shm_mq_receive(queue_handle, &nbytes, &data, true) == SHM_MQ_SUCCESS)
            {
                resetStringInfo(&message);
                appendBinaryStringInfo(&message, (const char *) data, (int) nbytes);
                relay_message(&message, &failed, NULL);
            }
            ereport(ERROR,
                    (errcode(ERRCODE_CONNECTION_FAILURE),
                     errmsg("the report's background worker ended before recording the run"),
                     errhint("See the server log.")));
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        /* pg_blocking_pids locks every lock-table partition: every DSR_LOCK_CHECK_MS, not every wake-up */
        if (waited_ms % DSR_LOCK_CHECK_MS == 0)
            check_worker_not_waiting_on_us(handle);
    }
    dsm_detach(segment);
    PG_RETURN_INT64(run_id);
}
