-- daily_sales_report 1.1 -> 1.2: trust.  Nothing the caller defines takes
-- part in what runs with other rights; pg_dump keeps the outbox's ids.
\echo Use "ALTER EXTENSION daily_sales_report UPDATE TO '1.2'" to load this file. \quit

-- pg_dump/restore carried the outbox's rows but not its sequence: new pushes
-- reused ids and sorted before restored ones (a group is delivered in id order).
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.outbox_id_seq', '');

-- The date form names its built-ins (a look-alike to_char in the caller's
-- schemas is never called) and keeps the era: 'YYYY' alone drops it, so
-- DATE '0044-03-15 BC' was reported as AD 44; the library refuses a BC date.
-- A date that is not finite reaches the library as 'infinity' (to_char made
-- it NULL, and the error said NULL).
CREATE OR REPLACE FUNCTION daily_sales_report(report_day date)
RETURNS daily_sales_report.result
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM @extschema@.daily_sales_report(
          CASE WHEN pg_catalog.isfinite(report_day) THEN pg_catalog.to_char(report_day, 'YYYY-MM-DD BC')
               ELSE report_day::pg_catalog.text END) $$;

-- flush_pushes reads pg_locks and pg_stat_activity: pinned, like every statement of the library's own
ALTER FUNCTION daily_sales_report.flush_pushes(double precision) SET search_path = pg_catalog, pg_temp;

-- Pushes addressed to a Pushgateway that is no longer daily_sales_report.pushgateway_url
-- are kept but not retried (their last_error says so, and how to resend them).
CREATE OR REPLACE VIEW daily_sales_report.outbox_status AS
SELECT count(*)                                   AS pending,
       min(created_at)                            AS oldest,
       max(attempts)                              AS max_attempts,
       (SELECT last_error FROM daily_sales_report.outbox
         WHERE last_error IS NOT NULL ORDER BY last_attempt_at DESC NULLS LAST LIMIT 1) AS last_error,
       max(last_attempt_at)                       AS last_attempt_at,
       (SELECT l.pid FROM pg_catalog.pg_locks l   -- the worker serving this database holds this lock
          JOIN pg_catalog.pg_database d ON d.oid = l.database AND d.datname = current_database()
         WHERE l.locktype = 'userlock' AND l.granted AND l.objsubid = 0
           AND l.classid = 1146311219 AND l.objid = d.oid)   -- ('DSR3', database)
                                                  AS worker_pid,
       count(*) FILTER (WHERE last_error LIKE 'not retried: %') AS not_retried
  FROM daily_sales_report.outbox;

COMMENT ON FUNCTION daily_sales_report.flush_pushes(double precision) IS
    'Have the background worker try every pending push now; wait up to wait_seconds; return how many are still pending';
COMMENT ON FUNCTION daily_sales_report_async(text) IS
    'Start a report run in the background and return its run_id (the outcome lands in daily_sales_report.runs)';
COMMENT ON VIEW daily_sales_report.outbox_status IS
    'Pushes waiting for the Pushgateway: how many, the oldest, the last error, the worker delivering them, how many are addressed to a former Pushgateway (not retried)';
COMMENT ON FUNCTION daily_sales_report.recommended_indexes(boolean) IS
    'The indexes the default source''s day range needs, whether each is present, and the statement that creates it';
COMMENT ON FUNCTION daily_sales_report.create_recommended_indexes() IS
    'Create the recommended indexes that are missing (not concurrently); one line per index';
COMMENT ON TYPE daily_sales_report.result IS
    'The row daily_sales_report() returns: the run, its KPIs, the PDF and whether the metrics were pushed';

-- nothing is executable by PUBLIC (it reads the catalog only, but the rule has no exceptions)
REVOKE EXECUTE ON FUNCTION daily_sales_report.recommended_indexes(boolean) FROM PUBLIC;

-- The helpers a superuser runs at install time no longer use the caller's
-- search_path: a database owner could otherwise plant a look-alike
-- to_regclass or format in public (which it owns) and have it run as the
-- superuser.  The shop's tables are found in daily_sales_report.shop_schema.
CREATE OR REPLACE FUNCTION daily_sales_report.recommended_indexes(concurrent boolean DEFAULT true)
RETURNS TABLE (table_name regclass, column_name name, present boolean, statement text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.oid::regclass, a.attname,
           EXISTS (SELECT FROM pg_catalog.pg_index i
                    WHERE i.indrelid = t.oid AND i.indisvalid AND i.indkey[0] = a.attnum),
           format('CREATE INDEX %s%I ON %s (%I)',
                  CASE WHEN concurrent THEN 'CONCURRENTLY ' ELSE '' END,
                  t.relname || '_' || a.attname || '_idx', t.oid::regclass, a.attname)
      FROM (VALUES (1, 'orders', 'created_at'), (2, 'order_items', 'order_id')) AS w(n, tab, col)
      JOIN pg_catalog.pg_class t
        ON t.oid = to_regclass(format('%I.%I',
                                      coalesce(nullif(current_setting('daily_sales_report.shop_schema', true), ''),
                                               'public'),
                                      w.tab))
      JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attname = w.col AND NOT a.attisdropped
     ORDER BY w.n
$$;

CREATE OR REPLACE FUNCTION daily_sales_report.create_recommended_indexes()
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    found integer := 0;
BEGIN
    FOR r IN SELECT * FROM daily_sales_report.recommended_indexes(false) LOOP
        found := found + 1;
        IF r.present THEN
            RETURN NEXT format('%s (%s): already indexed', r.table_name, r.column_name);
        ELSE
            EXECUTE r.statement;
            RETURN NEXT r.statement;
        END IF;
    END LOOP;
    IF found < 2 THEN
        RAISE EXCEPTION 'the shop''s tables orders and order_items are not in schema %',
                coalesce(nullif(current_setting('daily_sales_report.shop_schema', true), ''), 'public')
            USING HINT = 'Set daily_sales_report.shop_schema to their schema. These indexes are for the default source; for daily_sales_report.source, index the timestamp column its view filters on.';
    END IF;
END
$$;

ALTER FUNCTION daily_sales_report.schedule(text, text, text) SET search_path = pg_catalog, pg_temp;
