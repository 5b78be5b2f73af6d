/*
 * outbox.cpp — every push is stored before it is sent and removed once the
 * Pushgateway accepted it.
 *
 * Pushes of one group are sent one at a time, in order, by whoever holds the
 * group's lock (a run, or the background worker; extension_locks.h): a stale push can
 * never overtake a newer one.  The lock is a session lock taken outside any
 * transaction, so no snapshot or table lock is held during network I/O.
 */
#include "extension/extension_locks.h"
#include "push/outbox.h"
#include "push/pushgateway.h"
#include "extension/settings.h"
#include "pg/spi_values.h"
#include "pg/transactions.h"



void
dsr_outbox_enqueue(int64 run_id, const char *base_url, const char *method,
                   const char *group_path, const char *body)
{
    Oid         types[5] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum       values[5] = {Int64GetDatum(run_id), CStringGetTextDatum(base_url),
                             CStringGetTextDatum(method), CStringGetTextDatum(group_path),
                             CStringGetTextDatum(body)};

    dsr_execute_as_owner(
        "DELETE FROM daily_sales_report.outbox"
        " WHERE group_path = $4 AND ($3 IN ('PUT', 'DELETE') OR method = $3)",
        5, types, values, NULL, SPI_OK_DELETE);
    dsr_execute_as_owner(
        "INSERT INTO daily_sales_report.outbox (run_id, pushgateway_url, method, group_path, body)"
        " VALUES ($1, $2, $3, $4, $5)",
        5, types, values, NULL, SPI_OK_INSERT);
}

/* The Pushgateway pushes go to now: what this process is configured with. */
static Datum
current_url(void)
{
    return CStringGetTextDatum(dsr_pushgateway_url != NULL ? dsr_pushgateway_url : "");
}

static uint32
group_lock_key(const char *group_path)
{
    return hash_bytes((const unsigned char *) group_path, (int) strlen(group_path));
}

void
dsr_outbox_lock_group_until_commit(const char *group_path)
{
    /* not the push lock: that one is held through network I/O, this one only through a short transaction */
    (void) dsr_lock(DSR_LOCK_QUEUE_GROUP, group_lock_key(group_path), false, true);
}

/* The oldest push of the group still to deliver, copied into `context`; false if none. */
typedef struct PendingPush
{
    int64       id;
    char       *base_url;
    char       *method;
    char       *body;
} PendingPush;

static bool
oldest_pending(const char *group_path, MemoryContext context, PendingPush *push)
{
    Oid         types[2] = {TEXTOID, TEXTOID};
    Datum       values[2];
    bool        found = false;

    /* the text datums in the transaction's memory: outside it, memory is TopMemoryContext */
    dsr_begin_transaction();
    values[0] = CStringGetTextDatum(group_path);
    values[1] = current_url();
    dsr_execute_as_owner(
        "SELECT id, pushgateway_url, method, body FROM daily_sales_report.outbox"
        " WHERE group_path = $1 AND next_attempt_at < 'infinity'"     /* not a refused one */
        "   AND pushgateway_url = $2"                                 /* nor one to a former URL */
        " ORDER BY id LIMIT 1",
        2, types, values, NULL, SPI_OK_SELECT);
    if (SPI_processed == 1)
    {
        HeapTuple   row = SPI_tuptable->vals[0];
        TupleDesc   desc = SPI_tuptable->tupdesc;
        push->id = DatumGetInt64(dsr_spi_required(row, desc, 1, "daily_sales_report.outbox.id"));
        push->base_url = dsr_spi_required_text(row, desc, 2, "daily_sales_report.outbox.pushgateway_url", context);
        push->method = dsr_spi_required_text(row, desc, 3, "daily_sales_report.outbox.method", context);
        push->body = dsr_spi_required_text(row, desc, 4, "daily_sales_report.outbox.body", context);
        found = true;
    }
    dsr_commit_transaction();
    return found;
}

bool
dsr_push_refused_for_good(long http_status)
{
    return http_status == 400 || http_status == 413;
}

/*
 * Delivered: gone.  Refused for its content: kept for a person to look at,
 * never retried (a newer push of the group supersedes it).  Otherwise, a
 * credentials file or a route fixed, a rate limit over, the Pushgateway
 * back: retried after a backoff that doubles, capped by
 * daily_sales_report.outbox_retry_max_ms.
 */
static void
record_attempt(int64 id, const DsrPushResult *result)
{
    Oid         types[4] = {INT8OID, TEXTOID, INT4OID, INT4OID};
    Datum       values[4];
    bool        refused = dsr_push_refused_for_good(result->http_status);

    dsr_begin_transaction();
    values[0] = Int64GetDatum(id);
    values[1] = CStringGetTextDatum(result->error);
    values[2] = Int32GetDatum(dsr_push_retry_backoff_ms);
    values[3] = Int32GetDatum(dsr_outbox_retry_max_ms);
    if (result->ok)
        dsr_execute_as_owner("DELETE FROM daily_sales_report.outbox WHERE id = $1",
                             1, types, values, NULL, SPI_OK_DELETE);
    else
        dsr_execute_as_owner(
            refused
            ? "UPDATE daily_sales_report.outbox SET attempts = attempts + 1, last_attempt_at = clock_timestamp(),"
              "       last_error = $2, next_attempt_at = 'infinity' WHERE id = $1"
            : "UPDATE daily_sales_report.outbox SET attempts = attempts + 1, last_attempt_at = clock_timestamp(),"
              "       last_error = $2,"
              "       next_attempt_at = clock_timestamp()"
              "           + least($4, $3 * power(2, least(attempts, 20))) * interval '1 millisecond'"
              " WHERE id = $1",
            4, types, values, NULL, SPI_OK_UPDATE);
    dsr_commit_transaction();
}

/*
 * Take the group's push lock.  Waiting is bounded by push_timeout_ms: the
 * holder (usually the background worker) is itself in a push, and a run
 * must not wait out someone else's timeouts; what it queued stays in the
 * outbox and the holder delivers it next, in order.
 */
static bool
lock_group(uint32 key, bool wait)
{
    TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), dsr_push_timeout_ms);

    for (;;)
    {
        if (dsr_lock(DSR_LOCK_PUSH_GROUP, key, true, false))
            return true;
        if (!wait || GetCurrentTimestamp() >= deadline)
            return false;
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
}

DsrDelivery
dsr_outbox_deliver_group(const char *group_path, bool wait, bool retry)
{
    DsrDelivery delivery;
    uint32      key = group_lock_key(group_path);
    MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "daily_sales_report delivery",
                                                  ALLOCSET_SMALL_SIZES);

    memset(&delivery, 0, sizeof(delivery));
    if (!lock_group(key, wait))
    {
        delivery.skipped = true;
        strlcpy(delivery.error, "another process (the background worker) is delivering this group; "
                "the push waits in the outbox behind it", sizeof(delivery.error));
        MemoryContextDelete(context);
        return delivery;
    }

    PG_TRY();
    {
        PendingPush push;

        delivery.ok = true;
        while (oldest_pending(group_path, context, &push))
        {
            DsrPushResult result = dsr_push_to(push.base_url, push.method, group_path, push.body,
                                               retry ? DSR_PUSH_RETRY : DSR_PUSH_ONCE);

            CHECK_FOR_INTERRUPTS();
            delivery.retries += result.retries;
            delivery.seconds += result.seconds;
            record_attempt(push.id, &result);
            MemoryContextReset(context);
            if (!result.ok)
            {
                delivery.ok = false;
                delivery.http_status = result.http_status;
                strlcpy(delivery.error, result.error, sizeof(delivery.error));
                break;
            }
            delivery.delivered++;
        }
    }
    PG_FINALLY();
    {
        dsr_unlock(DSR_LOCK_PUSH_GROUP, key, true);
        MemoryContextDelete(context);
    }
    PG_END_TRY();
    return delivery;
}

List *
dsr_outbox_due_groups(bool all, MemoryContext context)
{
    List       *groups = NIL;
    MemoryContext spi_context = MemoryContextSwitchTo(context);
    Oid         types[1] = {TEXTOID};
    Datum       values[1];

    MemoryContextSwitchTo(spi_context);
    values[0] = current_url();
    dsr_execute_as_owner(
        all
        ? "SELECT DISTINCT group_path FROM daily_sales_report.outbox"
          " WHERE next_attempt_at < 'infinity' AND pushgateway_url = $1"
        : "SELECT DISTINCT group_path FROM daily_sales_report.outbox"
          " WHERE next_attempt_at <= clock_timestamp() AND pushgateway_url = $1",
        1, types, values, NULL, SPI_OK_SELECT);
    for (uint64 i = 0; i < SPI_processed; i++)
    {
        char *group = dsr_spi_required_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
                                            "daily_sales_report.outbox.group_path", context);

        MemoryContextSwitchTo(context);
        groups = lappend(groups, group);
        MemoryContextSwitchTo(spi_context);
    }
    return groups;
}

int64
dsr_outbox_pending(void)
{
    Oid         types[1] = {TEXTOID};
    Datum       values[1] = {current_url()};

    dsr_execute_as_owner("SELECT count(*) FROM daily_sales_report.outbox"
                         " WHERE next_attempt_at < 'infinity' AND pushgateway_url = $1",
                         1, types, values, NULL, SPI_OK_SELECT);
    return dsr_spi_int64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
}

int64
dsr_outbox_hold_former(void)
{
    Oid         types[1] = {TEXTOID};
    Datum       values[1] = {current_url()};

    /* once per row (until the URL is configured again): the last error is kept in the message */
    dsr_execute_as_owner(
        "UPDATE daily_sales_report.outbox"
        "   SET last_error = 'not retried: addressed to ' || pushgateway_url || ', and daily_sales_report.pushgateway_url is now '"
        "                    || CASE $1 WHEN '' THEN 'empty (pushing disabled)' ELSE $1 END"
        "                    || ' (to resend: UPDATE daily_sales_report.outbox SET pushgateway_url = ''<url>'','"
        "                    || ' next_attempt_at = now(); or DELETE the row); last error: ' || coalesce(last_error, 'none')"
        " WHERE pushgateway_url <> $1 AND next_attempt_at < 'infinity'"
        "   AND (last_error IS NULL OR last_error NOT LIKE 'not retried: %')",
        1, types, values, NULL, SPI_OK_UPDATE);
    return (int64) SPI_processed;
}
