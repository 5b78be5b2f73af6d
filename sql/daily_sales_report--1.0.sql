-- daily_sales_report 1.0
\echo Use "CREATE EXTENSION daily_sales_report" to load this file. \quit

CREATE SCHEMA daily_sales_report;
COMMENT ON SCHEMA daily_sales_report IS 'Run history and helpers of the daily_sales_report extension';

-- One row per run, written by the run itself in transactions of its own, so a
-- failed run is recorded too.  The Prometheus counters are computed from here.
CREATE TABLE daily_sales_report.runs (
    run_id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_date          date NOT NULL,
    status               text NOT NULL DEFAULT 'running'
                         CHECK (status IN ('running', 'success', 'failure')),
    started_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at          timestamptz,
    requested_by         name NOT NULL DEFAULT current_user,
    backend_pid          integer,
    timezone             text,
    error_type           text CHECK (error_type IN ('database', 'pdf', 'network')),
    error_message        text,
    orders               bigint,
    revenue              numeric,
    avg_ticket           numeric,
    items_sold           bigint,
    top_product          text,
    top_product_revenue  numeric,
    rows_read            bigint,
    duration_seconds     double precision,
    query_seconds        double precision,
    pdf_seconds          double precision,
    push_seconds         double precision,
    pdf_path             text,
    pdf_bytes            bigint,
    cpu_percent          double precision,
    memory_mb            double precision,
    database_connections integer,
    pushed               boolean,
    push_error           text,
    push_retries         integer NOT NULL DEFAULT 0,
    query_retries        integer NOT NULL DEFAULT 0
);
CREATE INDEX ON daily_sales_report.runs (report_date);
CREATE INDEX ON daily_sales_report.runs (status) WHERE status = 'running';
COMMENT ON TABLE daily_sales_report.runs IS
    'One row per daily_sales_report run: outcome, KPIs, durations, PDF and push result';
-- pg_dump keeps the history
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.runs', '');
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.runs_run_id_seq', '');

-- What a run returns.
CREATE TYPE daily_sales_report.result AS (
    run_id               bigint,
    report_date          date,
    orders               bigint,
    revenue              numeric,
    avg_ticket           numeric,
    items_sold           bigint,
    top_product          text,
    top_product_revenue  numeric,
    pdf_path             text,
    pdf_kilobytes        numeric,
    pushed               boolean,
    duration_seconds     double precision
);

CREATE FUNCTION daily_sales_report(report_day text DEFAULT 'yesterday')
RETURNS daily_sales_report.result
AS 'MODULE_PATHNAME', 'daily_sales_report_run'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION daily_sales_report(text) IS
    'Report a day (''today'', ''yesterday'' or ''YYYY-MM-DD''): KPIs, PDF, metrics pushed to the Pushgateway';

CREATE FUNCTION daily_sales_report(report_day date)
RETURNS daily_sales_report.result
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM @extschema@.daily_sales_report(to_char(report_day, 'YYYY-MM-DD')) $$;
COMMENT ON FUNCTION daily_sales_report(date) IS 'Report the given day';

-- Running a report writes files and connects to the Pushgateway: grant it explicitly,
-- e.g. GRANT EXECUTE ON FUNCTION daily_sales_report(text), daily_sales_report(date) TO reporting;
REVOKE EXECUTE ON FUNCTION daily_sales_report(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION daily_sales_report(date) FROM PUBLIC;

-- The indexes the report needs on the shop's tables (the default source): the
-- day is a range on orders(created_at), and its lines are reached through
-- order_items(order_id) (a foreign key creates no index).  Never created
-- behind anyone's back: list them, then create them on request.  On a busy
-- shop, run the CONCURRENTLY statements from psql:
--   SELECT statement FROM daily_sales_report.recommended_indexes() WHERE NOT present \gexec
CREATE FUNCTION daily_sales_report.recommended_indexes(concurrent boolean DEFAULT true)
RETURNS TABLE (table_name regclass, column_name name, present boolean, statement text)
LANGUAGE sql STABLE
AS $$
    SELECT t.oid::regclass, a.attname,
           EXISTS (SELECT FROM pg_catalog.pg_index i
                    WHERE i.indrelid = t.oid AND i.indisvalid AND i.indkey[0] = a.attnum),
           format('CREATE INDEX %s%I ON %s (%I)',
                  CASE WHEN concurrent THEN 'CONCURRENTLY ' ELSE '' END,
                  t.relname || '_' || a.attname || '_idx', t.oid::regclass, a.attname)
      FROM (VALUES (1, 'orders', 'created_at'), (2, 'order_items', 'order_id')) AS w(n, tab, col)
      JOIN pg_catalog.pg_class t ON t.oid = to_regclass(w.tab)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attname = w.col AND NOT a.attisdropped
     ORDER BY w.n
$$;

-- Creates the missing ones now (a plain CREATE INDEX blocks writes to the table
-- while it builds).  Returns what it did.
CREATE FUNCTION daily_sales_report.create_recommended_indexes()
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    r record;
BEGIN
    IF to_regclass('orders') IS NULL OR to_regclass('order_items') IS NULL THEN
        RAISE EXCEPTION 'the shop''s tables orders and order_items are not in the search_path'
            USING HINT = 'These indexes are for the default source; for daily_sales_report.source, index the timestamp column its view filters on.';
    END IF;
    FOR r IN SELECT * FROM daily_sales_report.recommended_indexes(false) LOOP
        IF r.present THEN
            RETURN NEXT format('%s (%s): already indexed', r.table_name, r.column_name);
        ELSE
            EXECUTE r.statement;
            RETURN NEXT r.statement;
        END IF;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION daily_sales_report.create_recommended_indexes() FROM PUBLIC;

-- Schedule the report with pg_cron (if installed in this database):
--   SELECT daily_sales_report.schedule();                      -- 06:00 every day, yesterday's report
--   SELECT daily_sales_report.schedule('30 5 * * *', 'today');
-- Every push goes through this outbox: stored first, removed only once the
-- Pushgateway has accepted it.  What a run could not deliver stays here and
-- the extension's background worker delivers it later, oldest first per group.
CREATE TABLE daily_sales_report.outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint,
    pushgateway_url  text NOT NULL,
    group_path       text NOT NULL,     -- e.g. /metrics/job/daily-sales-report/date/2025-09-22
    method           text NOT NULL CHECK (method IN ('PUT', 'POST')),
    body             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts         integer NOT NULL DEFAULT 0,
    last_attempt_at  timestamptz,
    last_error       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON daily_sales_report.outbox (group_path, id);
COMMENT ON TABLE daily_sales_report.outbox IS
    'Pushes to the Pushgateway not delivered yet (the exact group path and body)';
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.outbox', '');

-- One line on the state of delivery.
CREATE VIEW daily_sales_report.outbox_status AS
SELECT count(*)                                   AS pending,
       min(created_at)                            AS oldest,
       max(attempts)                              AS max_attempts,
       (SELECT last_error FROM daily_sales_report.outbox
         WHERE last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1) AS last_error,
       max(last_attempt_at)                       AS last_attempt_at,
       (SELECT l.pid FROM pg_catalog.pg_locks l   -- the worker serving this database holds this lock
          JOIN pg_catalog.pg_database d ON d.oid = l.database AND d.datname = current_database()
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
           AND l.classid = 1146311219 AND l.objid = d.oid)   -- ('DSR3', database)
                                                  AS worker_pid
  FROM daily_sales_report.outbox;

-- Deliver what is pending now (in the background worker, started if needed);
-- waits up to wait_seconds and returns how many pushes are still pending.
CREATE FUNCTION daily_sales_report.flush_pushes(wait_seconds double precision DEFAULT 10)
RETURNS bigint
AS 'MODULE_PATHNAME', 'daily_sales_report_flush_pushes'
LANGUAGE C VOLATILE STRICT;

-- Start the report and return its run_id at once; the run goes on in its
-- background worker (see daily_sales_report.runs for its outcome).
CREATE FUNCTION daily_sales_report_async(report_day text DEFAULT 'yesterday')
RETURNS bigint
AS 'MODULE_PATHNAME', 'daily_sales_report_run_async'
LANGUAGE C VOLATILE;

REVOKE ALL ON daily_sales_report.outbox_status FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION daily_sales_report.flush_pushes(double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION daily_sales_report_async(text) FROM PUBLIC;

CREATE FUNCTION daily_sales_report.schedule(
    cron_schedule text DEFAULT '0 6 * * *',
    report_day    text DEFAULT 'yesterday',
    job_name      text DEFAULT 'daily-sales-report')
RETURNS bigint
LANGUAGE plpgsql
AS $$
BEGIN
    IF to_regnamespace('cron') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, then CREATE EXTENSION pg_cron.';
    END IF;
    RETURN cron.schedule(job_name, cron_schedule,
                         format('SELECT * FROM %s.daily_sales_report(%L)',
                                quote_ident('@extschema@'), report_day));
END
$$;
COMMENT ON FUNCTION daily_sales_report.schedule(text, text, text) IS
    'Schedule the report with pg_cron (times are in GMT with Debian''s pg_cron 1.4)';
REVOKE EXECUTE ON FUNCTION daily_sales_report.schedule(text, text, text) FROM PUBLIC;
