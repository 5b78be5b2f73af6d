/*
 * run_history.cpp — the daily_sales_report.runs table.
 *
 * The counters pushed to Prometheus (executions, errors, retries, last
 * success) are computed from this table, so they keep counting across runs,
 * sessions and server restarts.
 */
#include "run/run_history.h"
#include "pg/spi_values.h"
#include "pg/transactions.h"

int64
dsr_history_close_dead_runs(void)
{
    /*
     * A 'running' row whose process is gone was ended by a crash, a kill, a
     * restart or a failover.  Only a run worker counts as its process: after a
     * failover the pid is the old primary's, and here it may be any process.
     * The function behind pg_stat_activity, for that one pid: the view's
     * parse and plan cost a fresh run worker ~10 ms, on every run.
     */
    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs r"
        "   SET status = 'failure', finished_at = clock_timestamp(),"
        "       error_message = 'the run''s process ended before it finished"
        " (terminated, crashed, server restart or failover)'"
        " WHERE status = 'running'"
        "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_get_activity(r.backend_pid) a"
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

/*
 * The columns of one run's row an UPDATE sets, by name: the statement is
 * written from the list, so a new column is one set_column() line, not a
 * position in three arrays and a $n in the text.
 */
#define RUN_COLUMNS_MAX 24
typedef struct RunColumns
{
    int         count;
    const char *name[RUN_COLUMNS_MAX];
    const char *form[RUN_COLUMNS_MAX];      /* how the value is written, %s for the parameter */
    Oid         type[RUN_COLUMNS_MAX];
    Datum       value[RUN_COLUMNS_MAX];
    char        null[RUN_COLUMNS_MAX];
} RunColumns;

static void
set_column_as(RunColumns *c, const char *name, const char *form, Oid type, Datum value, bool isnull)
{
    Assert(c->count < RUN_COLUMNS_MAX);
    c->name[c->count] = name;
    c->form[c->count] = form;
    c->type[c->count] = type;
    c->value[c->count] = isnull ? (Datum) 0 : value;
    c->null[c->count] = isnull ? 'n' : ' ';
    c->count++;
}

static void
set_column(RunColumns *c, const char *name, Oid type, Datum value)
{
    set_column_as(c, name, "%s", type, value, false);
}

/* UPDATE runs SET <fixed>, <the columns> WHERE run_id = run_id; `fixed` may be NULL. */
static void
update_run(int64 run_id, const char *fixed, const RunColumns *c)
{
    StringInfoData sql;
    Oid         types[RUN_COLUMNS_MAX + 1] = {INT8OID};
    Datum       values[RUN_COLUMNS_MAX + 1] = {Int64GetDatum(run_id)};
    char        nulls[RUN_COLUMNS_MAX + 1] = {' '};

    initStringInfo(&sql);
    appendStringInfoString(&sql, "UPDATE daily_sales_report.runs SET ");
    if (fixed)
        appendStringInfoString(&sql, fixed);
    for (int i = 0; i < c->count; i++)
    {
        char        parameter[16];

        snprintf(parameter, sizeof(parameter), "$%d", i + 2);
        appendStringInfo(&sql, "%s%s = ", (i > 0 || fixed) ? ", " : "", c->name[i]);
        appendStringInfo(&sql, c->form[i], parameter);
        types[i + 1] = c->type[i];
        values[i + 1] = c->value[i];
        nulls[i + 1] = c->null[i];
    }
    appendStringInfoString(&sql, " WHERE run_id = $1");
    dsr_execute_as_owner(sql.data, c->count + 1, types, values, nulls, SPI_OK_UPDATE);
    pfree(sql.data);
}

void
dsr_history_succeeded(int64 run_id, const DsrReport *r, const DsrRunFigures *f)
{
    RunColumns  c = {};
    bool        no_top = r->top_count == 0;

    set_column(&c, "orders", INT8OID, Int64GetDatum(r->orders));
    set_column(&c, "revenue", NUMERICOID, dsr_numeric(r->revenue_text));
    set_column(&c, "avg_ticket", NUMERICOID, dsr_numeric(r->avg_ticket_text));
    set_column(&c, "items_sold", INT8OID, Int64GetDatum(r->items_sold));
    /* the top product as stored, not its UTF-8 copy */
    set_column_as(&c, "top_product", "%s", TEXTOID, no_top ? 0 : CStringGetTextDatum(r->top_product_stored), no_top);
    set_column_as(&c, "top_product_revenue", "%s", NUMERICOID, no_top ? 0 : dsr_numeric(r->top[0].revenue_text),
                  no_top);
    set_column(&c, "rows_read", INT8OID, Int64GetDatum(r->rows_read));
    set_column(&c, "duration_seconds", FLOAT8OID, Float8GetDatum(f->duration_seconds));
    set_column(&c, "query_seconds", FLOAT8OID, Float8GetDatum(f->query_seconds));
    set_column(&c, "pdf_seconds", FLOAT8OID, Float8GetDatum(f->pdf_seconds));
    set_column(&c, "pdf_path", TEXTOID, CStringGetTextDatum(f->pdf_path));
    set_column(&c, "pdf_bytes", INT8OID, Int64GetDatum(f->pdf_bytes));
    set_column(&c, "cpu_percent", FLOAT8OID, Float8GetDatum(f->cpu_percent));
    set_column(&c, "memory_mb", FLOAT8OID, Float8GetDatum(f->memory_mb));
    set_column(&c, "database_connections", INT8OID, Int64GetDatum(f->database_connections));
    set_column(&c, "query_retries", INT4OID, Int32GetDatum(f->query_retries));
    set_column(&c, "timezone", TEXTOID, CStringGetTextDatum(r->timezone));
    update_run(run_id, "status = 'success', finished_at = clock_timestamp()", &c);
}

/* The run's expected band (NULLs without history). */
void
dsr_history_expected(int64 run_id, const DsrExpected *e)
{
    RunColumns  c = {};
    bool        none = e->weeks <= 0;

    set_column_as(&c, "expected_revenue", "round(%s::numeric, 2)", FLOAT8OID, Float8GetDatum(e->expected), none);
    set_column_as(&c, "expected_lower", "round(%s::numeric, 2)", FLOAT8OID, Float8GetDatum(e->lower), none);
    set_column_as(&c, "expected_upper", "round(%s::numeric, 2)", FLOAT8OID, Float8GetDatum(e->upper), none);
    set_column(&c, "expected_weeks", INT4OID, Int32GetDatum(e->weeks));
    update_run(run_id, NULL, &c);
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
dsr_history_ended_by_exit(int64 run_id, const char *stop_reason)
{
    Oid         types[2] = {INT8OID, TEXTOID};
    Datum       values[2] = {Int64GetDatum(run_id), CStringGetTextDatum(stop_reason)};

    dsr_execute_as_owner(
        "UPDATE daily_sales_report.runs SET status = 'failure', finished_at = clock_timestamp(),"
        "       duration_seconds = extract(epoch FROM clock_timestamp() - started_at)::float8,"
        "       error_message = coalesce(nullif($2, ''), 'the run''s process was terminated before it finished"
        " (pg_terminate_backend, or the server shutting down)')"
        " WHERE run_id = $1 AND status = 'running'",
        2, types, values, NULL, SPI_OK_UPDATE);
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
