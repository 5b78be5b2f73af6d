/*
 * run_history.cpp — the daily_sales_report.runs table.
 *
 * The counters pushed to Prometheus (executions, errors, retries, last
 * success) are computed from this table, so they keep counting across runs,
 * sessions and server restarts.
 */
#include "run_history.h"
#include "spi_values.h"
#include "transactions.h"

int64
dsr_history_close_dead_runs(void)
{
    /*
     * A 'running' row whose process is gone was ended by a crash, a kill, a
     * restart or a failover.  Only a run worker counts as its process: after a
     * failover the pid is the old primary's, and here it may be any process.
     */
    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs r"
        "   SET status = 'failure', finished_at = clock_timestamp(),"
        "       error_message = 'the run''s process ended before it finished"
        " (terminated, crashed, server restart or failover)'"
        " WHERE status = 'running'"
        "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a"
        "                    WHERE a.pid = r.backend_pid AND a.backend_type = 'daily_sales_report run'"
        "                      AND a.backend_start <= r.started_at)",
        0, NULL, NULL, NULL, SPI_OK_UPDATE);
    return (int64) SPI_processed;
}

int64
dsr_history_start(DateADT report_date)
{
    Oid         types[2] = {DATEOID, TEXTOID};
    Datum       values[2] = {DateADTGetDatum(report_date),
                             CStringGetTextDatum(GetUserNameFromId(GetUserId(), false))};
    dsr_history_close_dead_runs();
    dsr_execute_as_owner(
        "INSERT INTO daily_sales_report.runs (report_date, requested_by, backend_pid)"
        " VALUES ($1, $2, pg_backend_pid()) RETURNING run_id",
        2, types, values, NULL, SPI_OK_INSERT_RETURNING);
    return DatumGetInt64(dsr_spi_required(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, "the new run's run_id"));
}

static Datum
numeric_datum(const char *text)
{
    return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

void
dsr_history_succeeded(int64 run_id, const DsrReport *r, const DsrRunFigures *f)
{
    Oid         types[18] = {INT8OID, INT8OID, NUMERICOID, NUMERICOID, INT8OID, TEXTOID, NUMERICOID,
                             INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, TEXTOID, INT8OID,
                             FLOAT8OID, FLOAT8OID, INT8OID, INT4OID, TEXTOID};
    Datum       values[18];
    char        nulls[18];

    memset(nulls, ' ', sizeof(nulls));
    values[0] = Int64GetDatum(run_id);
    values[1] = Int64GetDatum(r->orders);
    values[2] = numeric_datum(r->revenue_text);
    values[3] = numeric_datum(r->avg_ticket_text);
    values[4] = Int64GetDatum(r->items_sold);
    if (r->top_count > 0)
    {
        values[5] = CStringGetTextDatum(r->top_product_stored);    /* as stored, not the UTF-8 copy */
        values[6] = numeric_datum(r->top[0].revenue_text);
    }
    else
    {
        values[5] = values[6] = (Datum) 0;
        nulls[5] = nulls[6] = 'n';
    }
    values[7] = Int64GetDatum(r->rows_read);
    values[8] = Float8GetDatum(f->duration_seconds);
    values[9] = Float8GetDatum(f->query_seconds);
    values[10] = Float8GetDatum(f->pdf_seconds);
    values[11] = CStringGetTextDatum(f->pdf_path);
    values[12] = Int64GetDatum(f->pdf_bytes);
    values[13] = Float8GetDatum(f->cpu_percent);
    values[14] = Float8GetDatum(f->memory_mb);
    values[15] = Int64GetDatum(f->database_connections);
    values[16] = Int32GetDatum(f->query_retries);
    values[17] = CStringGetTextDatum(r->timezone);

    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET status = 'success', finished_at = clock_timestamp(),"
        "       orders = $2, revenue = $3, avg_ticket = $4, items_sold = $5,"
        "       top_product = $6, top_product_revenue = $7, rows_read = $8,"
        "       duration_seconds = $9, query_seconds = $10, pdf_seconds = $11,"
        "       pdf_path = $12, pdf_bytes = $13, cpu_percent = $14, memory_mb = $15,"
        "       database_connections = $16, query_retries = $17, timezone = $18"
        " WHERE run_id = $1",
        18, types, values, nulls, SPI_OK_UPDATE);
}

/* The run's expected band (NULLs without history). */
void
dsr_history_expected(int64 run_id, const DsrExpected *e)
{
    Oid         types[5] = {INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INT4OID};
    Datum       values[5] = {Int64GetDatum(run_id), Float8GetDatum(e->expected), Float8GetDatum(e->lower),
                             Float8GetDatum(e->upper), Int32GetDatum(e->weeks)};
    char        band = e->weeks > 0 ? ' ' : 'n';
    char        nulls[5] = {' ', band, band, band, ' '};

    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET expected_revenue = round($2::numeric, 2),"
        "       expected_lower = round($3::numeric, 2), expected_upper = round($4::numeric, 2),"
        "       expected_weeks = $5"
        " WHERE run_id = $1",
        5, types, values, nulls, SPI_OK_UPDATE);
}

void
dsr_history_pushed(int64 run_id, bool pushed, int retries, double seconds, const char *error)
{
    Oid         types[5] = {INT8OID, BOOLOID, INT4OID, FLOAT8OID, TEXTOID};
    Datum       values[5] = {Int64GetDatum(run_id), BoolGetDatum(pushed), Int32GetDatum(retries),
                             Float8GetDatum(seconds), error ? CStringGetTextDatum(error) : (Datum) 0};
    char        nulls[5] = {' ', ' ', ' ', ' ', error ? ' ' : 'n'};

    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET pushed = $2, push_retries = push_retries + $3,"
        "       push_seconds = $4, push_error = $5,"
        "       error_type = CASE WHEN $2 THEN error_type ELSE 'network' END"
        " WHERE run_id = $1",
        5, types, values, nulls, SPI_OK_UPDATE);
}

void
dsr_history_failed(int64 run_id, const char *error_type, const char *message, const DsrRunFigures *f)
{
    /* push_retries is left alone: dsr_history_pushed has counted them already */
    Oid         types[6] = {INT8OID, TEXTOID, TEXTOID, FLOAT8OID, INT4OID, TEXTOID};
    Datum       values[6] = {Int64GetDatum(run_id), error_type ? CStringGetTextDatum(error_type) : (Datum) 0,
                             CStringGetTextDatum(message), Float8GetDatum(f->duration_seconds),
                             Int32GetDatum(f->query_retries),
                             f->pdf_path ? CStringGetTextDatum(f->pdf_path) : (Datum) 0};
    char        nulls[6] = {' ', error_type ? ' ' : 'n', ' ', ' ', ' ', f->pdf_path ? ' ' : 'n'};

    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET status = 'failure', finished_at = clock_timestamp(),"
        "       error_type = $2, error_message = $3, duration_seconds = $4,"
        "       query_retries = $5, pdf_path = coalesce($6, pdf_path)"
        " WHERE run_id = $1",
        6, types, values, nulls, SPI_OK_UPDATE);
}

void
dsr_history_push_interrupted(int64 run_id, const char *reason)
{
    Oid         types[2] = {INT8OID, TEXTOID};
    Datum       values[2] = {Int64GetDatum(run_id), CStringGetTextDatum(reason)};

    /* the run stays a success: its PDF is written and its figures recorded and queued */
    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET pushed = false,"
        "       push_error = 'push interrupted (' || $2 || '); the background worker delivers it from the outbox'"
        " WHERE run_id = $1 AND status = 'success' AND pushed IS NOT TRUE",
        2, types, values, NULL, SPI_OK_UPDATE);
}

bool
dsr_history_ended_by_exit(int64 run_id)
{
    Oid         types[1] = {INT8OID};
    Datum       values[1] = {Int64GetDatum(run_id)};

    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET status = 'failure', finished_at = clock_timestamp(),"
        "       duration_seconds = extract(epoch FROM clock_timestamp() - started_at)::float8,"
        "       error_message = 'the run''s process was terminated before it finished"
        " (pg_terminate_backend, or the server shutting down)'"
        " WHERE run_id = $1 AND status = 'running'",
        1, types, values, NULL, SPI_OK_UPDATE);
    return SPI_processed > 0;
}

void
dsr_history_job_counters(DsrJobFigures *f)
{
    HeapTuple   row;
    TupleDesc   desc;
    bool        isnull;
    Datum       value;

    dsr_execute_as_owner(
        "SELECT count(*) FILTER (WHERE status = 'success'),"
        "       count(*) FILTER (WHERE status = 'failure'),"
        "       count(*) FILTER (WHERE status = 'running'),"
        "       extract(epoch FROM max(finished_at) FILTER (WHERE status = 'success'))::float8,"
        "       count(*) FILTER (WHERE error_type = 'database'),"
        "       count(*) FILTER (WHERE error_type = 'pdf'),"
        "       count(*) FILTER (WHERE error_type = 'network'),"
        "       coalesce(sum(push_retries), 0)::bigint,"
        "       coalesce(sum(query_retries), 0)::bigint"
        "  FROM daily_sales_report.runs",
        0, NULL, NULL, NULL, SPI_OK_SELECT);
    row = SPI_tuptable->vals[0];
    desc = SPI_tuptable->tupdesc;
    f->executions_success = dsr_spi_int64(row, desc, 1, 0);
    f->executions_failure = dsr_spi_int64(row, desc, 2, 0);
    f->running = dsr_spi_int64(row, desc, 3, 0) > 0 ? 1 : 0;
    value = SPI_getbinval(row, desc, 4, &isnull);
    f->last_success_timestamp = isnull ? 0 : DatumGetFloat8(value);
    f->errors_database = dsr_spi_int64(row, desc, 5, 0);
    f->errors_pdf = dsr_spi_int64(row, desc, 6, 0);
    f->errors_network = dsr_spi_int64(row, desc, 7, 0);
    f->retries_push_metrics = dsr_spi_int64(row, desc, 8, 0);
    f->retries_database_query = dsr_spi_int64(row, desc, 9, 0);
}
