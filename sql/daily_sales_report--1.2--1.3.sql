-- daily_sales_report 1.2 -> 1.3: the figures of every day read are kept, so
-- the expected band of a day (the same weekday of the weeks before) is read
-- from them instead of re-reading eight days of order lines at every run.
-- outbox_status finds the worker through outbox_worker_pid(); every object
-- has a comment.
\echo Use "ALTER EXTENSION daily_sales_report UPDATE TO '1.3'" to load this file. \quit

-- One row per day read, per source, calendar and reader (the role whose
-- rights read it: figures read through one role's rights, e.g. row-level
-- security or a view that filters on current_user, are never the band of
-- another role's run; tables with row-level security on for the reader are
-- not stored at all).  The report's own day and
-- its comparison days are written at every run (fresh figures), days never
-- reported are read once when a band needs them.  A day changed after it
-- was written keeps its old figures here until a run reads it again (the
-- band is an estimate; the report's own figures are always fresh).
CREATE TABLE daily_sales_report.day_totals (
    source       text NOT NULL,
    timezone     text NOT NULL,
    reader       text NOT NULL,
    day          date NOT NULL,
    orders       bigint NOT NULL,
    revenue      numeric NOT NULL,
    items_sold   bigint NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    PRIMARY KEY (source, timezone, reader, day)
);
COMMENT ON TABLE daily_sales_report.day_totals IS
    'Figures of each day a run read (source, calendar time zone, reading role, day): the expected band of that role''s runs is computed from them';
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.day_totals', '');

-- The band each run computed, next to its figures (NULL: no history for that weekday).
ALTER TABLE daily_sales_report.runs
    ADD COLUMN expected_revenue numeric,
    ADD COLUMN expected_lower   numeric,
    ADD COLUMN expected_upper   numeric,
    ADD COLUMN expected_weeks   integer;
COMMENT ON COLUMN daily_sales_report.runs.expected_revenue IS
    'Median revenue of the same weekday over the weeks before (up to 8), from daily_sales_report.day_totals';
COMMENT ON COLUMN daily_sales_report.runs.expected_weeks IS
    'How many of those weeks are the shop''s history (0: no expected band)';

-- An index counts as present only if the run can use it as the recommended
-- one: valid, a btree, not partial, led by the column (a partial or hash
-- index made recommended_indexes() say present while every run said missing).
CREATE OR REPLACE FUNCTION daily_sales_report.recommended_indexes(concurrent boolean DEFAULT true)
RETURNS TABLE (table_name regclass, column_name name, present boolean, statement text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.oid::regclass, a.attname,
           EXISTS (SELECT FROM pg_catalog.pg_index i
                     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                     JOIN pg_catalog.pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
                    WHERE i.indrelid = t.oid AND i.indisvalid AND i.indpred IS NULL AND i.indkey[0] = a.attnum),
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

-- The outbox worker of this database is found by the library (the holder of
-- its lock): outbox_status no longer repeats the lock's class number.  Not
-- for PUBLIC: a role that reads outbox_status is granted EXECUTE on it too.
CREATE FUNCTION daily_sales_report.outbox_worker_pid()
RETURNS integer
AS 'MODULE_PATHNAME', 'daily_sales_report_outbox_worker_pid'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION daily_sales_report.outbox_worker_pid() IS
    'Process ID of the background worker delivering this database''s outbox; NULL if none runs';
REVOKE EXECUTE ON FUNCTION daily_sales_report.outbox_worker_pid() FROM PUBLIC;
-- A role granted SELECT on outbox_status needs EXECUTE on the function now,
-- or reading the view fails: said here with the statement to run, not granted
-- (a grant by this script would be an initial privilege of the extension,
-- which pg_dump leaves out, so the role would lose it on a restore).
DO $$
DECLARE
    roles text;
BEGIN
    SELECT pg_catalog.string_agg(name, ', ' ORDER BY name) INTO roles
      FROM (SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END AS name
              FROM pg_catalog.pg_class c
              -- the view's grants and its columns' (GRANT SELECT (pending) ...: the function runs all the same)
              JOIN (SELECT attrelid, attacl FROM pg_catalog.pg_attribute WHERE attacl IS NOT NULL
                    UNION ALL SELECT oid, relacl FROM pg_catalog.pg_class) AS g(rel, acl) ON g.rel = c.oid
             CROSS JOIN LATERAL pg_catalog.aclexplode(g.acl) AS a
              LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
             WHERE c.oid = 'daily_sales_report.outbox_status'::pg_catalog.regclass
               AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner) AS readers;
    IF roles IS NOT NULL THEN
        RAISE WARNING 'outbox_status now calls daily_sales_report.outbox_worker_pid(), which % may not execute:'
                      ' reading the view fails with "permission denied for function outbox_worker_pid"', roles
            USING HINT = pg_catalog.format('GRANT EXECUTE ON FUNCTION daily_sales_report.outbox_worker_pid() TO %s;',
                                           roles);
    END IF;
END
$$;

CREATE OR REPLACE VIEW daily_sales_report.outbox_status AS
SELECT count(*)                                   AS pending,
       min(created_at)                            AS oldest,
       max(attempts)                              AS max_attempts,
       (SELECT last_error FROM daily_sales_report.outbox
         WHERE last_error IS NOT NULL ORDER BY last_attempt_at DESC NULLS LAST LIMIT 1) AS last_error,
       max(last_attempt_at)                       AS last_attempt_at,
       daily_sales_report.outbox_worker_pid()     AS worker_pid,
       count(*) FILTER (WHERE last_error LIKE 'not retried: %') AS not_retried
  FROM daily_sales_report.outbox;

-- Every object of the extension has a comment (sql/setup.sql checks it).
COMMENT ON SEQUENCE daily_sales_report.runs_run_id_seq IS
    'run_id of daily_sales_report.runs (pg_dump keeps it)';
COMMENT ON SEQUENCE daily_sales_report.outbox_id_seq IS
    'id of daily_sales_report.outbox: a group is delivered in id order (pg_dump keeps it)';
