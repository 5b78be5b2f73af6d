-- A database with daily_sales_report 1.0 updates to this version and ends with the same
-- objects as a fresh install (today the same path, 1.0 then the update; should a full script
-- of a newer version be added, the two must agree); until it updates, the library refuses to
-- run and says what to do.
SET client_min_messages = warning;
CREATE FUNCTION extension_objects() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
     WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
       AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'daily_sales_report')
$$;
-- the objects with their comments: an update that forgets one differs from the fresh install
CREATE FUNCTION extension_comments() RETURNS TABLE (object text, comment text) LANGUAGE sql AS $$
    SELECT pg_describe_object(d.classid, d.objid, d.objsubid), c.description
      FROM pg_depend d
      LEFT JOIN pg_description c ON c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'daily_sales_report')
$$;
CREATE TEMP TABLE fresh AS SELECT * FROM extension_objects() AS object;
CREATE TEMP TABLE fresh_comments AS SELECT * FROM extension_comments();
CREATE TEMP TABLE fresh_columns AS
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = 'daily_sales_report'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped;
CREATE TEMP TABLE fresh_constraints AS
    SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
      FROM pg_constraint WHERE connamespace = 'daily_sales_report'::regnamespace;

DROP EXTENSION daily_sales_report CASCADE;
CREATE EXTENSION daily_sales_report VERSION '1.0';
SELECT orders FROM daily_sales_report('2025-09-22');
-- a role reading outbox_status is told that it needs EXECUTE on the function the view calls in 1.3
CREATE ROLE regress_outbox_reader;
GRANT USAGE ON SCHEMA daily_sales_report TO regress_outbox_reader;
GRANT SELECT ON daily_sales_report.outbox_status TO regress_outbox_reader;
-- a grant on one column of the view too: reading it calls the function all the same
CREATE ROLE regress_outbox_column_reader;
GRANT USAGE ON SCHEMA daily_sales_report TO regress_outbox_column_reader;
GRANT SELECT (pending) ON daily_sales_report.outbox_status TO regress_outbox_column_reader;

ALTER EXTENSION daily_sales_report UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'daily_sales_report';
-- nothing missing, nothing extra
(SELECT 'missing' AS diff, object FROM fresh EXCEPT SELECT 'missing', * FROM extension_objects())
UNION ALL
(SELECT 'extra', * FROM extension_objects() EXCEPT SELECT 'extra', object FROM fresh);
(SELECT relname, attname, type, attnotnull FROM fresh_columns
 EXCEPT
 SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relnamespace = 'daily_sales_report'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped);
(SELECT rel, conname, def FROM fresh_constraints
 EXCEPT
 SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
   FROM pg_constraint WHERE connamespace = 'daily_sales_report'::regnamespace);
(SELECT * FROM fresh_comments EXCEPT SELECT * FROM extension_comments());
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
-- with the grant the warning names, the role reads the view
GRANT EXECUTE ON FUNCTION daily_sales_report.outbox_worker_pid() TO regress_outbox_reader;
SET ROLE regress_outbox_reader;
SELECT worker_pid IS NULL OR worker_pid > 0 AS readable FROM daily_sales_report.outbox_status;
RESET ROLE;
REVOKE ALL ON FUNCTION daily_sales_report.outbox_worker_pid() FROM regress_outbox_reader;
REVOKE ALL ON daily_sales_report.outbox_status FROM regress_outbox_reader;
REVOKE ALL ON SCHEMA daily_sales_report FROM regress_outbox_reader;
DROP ROLE regress_outbox_reader;
SET ROLE regress_outbox_column_reader;
SELECT pending FROM daily_sales_report.outbox_status;
RESET ROLE;
REVOKE ALL ON daily_sales_report.outbox_status FROM regress_outbox_column_reader;
REVOKE ALL ON SCHEMA daily_sales_report FROM regress_outbox_column_reader;
DROP ROLE regress_outbox_column_reader;

-- The 1.0 of the image built from the tree just before 1.1 (daily-sales-report/postgres:1.0)
-- already had day_groups and the outbox's DELETE in its 1.0 script: it updates to the same
-- objects too (test/containers/run does it with that image).
DROP EXTENSION daily_sales_report CASCADE;
CREATE EXTENSION daily_sales_report VERSION '1.0';
CREATE TABLE daily_sales_report.day_groups (
    pushgateway_url  text NOT NULL,
    group_path       text NOT NULL,
    report_date      date NOT NULL,
    pushed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (pushgateway_url, group_path)
);
ALTER EXTENSION daily_sales_report ADD TABLE daily_sales_report.day_groups;
ALTER TABLE daily_sales_report.outbox
    DROP CONSTRAINT outbox_method_check,
    ADD CONSTRAINT outbox_method_check CHECK (method IN ('PUT', 'POST', 'DELETE'));
INSERT INTO daily_sales_report.day_groups (pushgateway_url, group_path, report_date)
VALUES ('http://127.0.0.1:9', '/metrics/job/daily-sales-report/date/2025-09-21', '2025-09-21');
ALTER EXTENSION daily_sales_report UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'daily_sales_report';
(SELECT 'missing' AS diff, object FROM fresh EXCEPT SELECT 'missing', * FROM extension_objects())
UNION ALL
(SELECT 'extra', * FROM extension_objects() EXCEPT SELECT 'extra', object FROM fresh);
(SELECT relname, attname, type, attnotnull FROM fresh_columns
 EXCEPT
 SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relnamespace = 'daily_sales_report'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped);
(SELECT rel, conname, def FROM fresh_constraints
 EXCEPT
 SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
   FROM pg_constraint WHERE connamespace = 'daily_sales_report'::regnamespace);
(SELECT * FROM fresh_comments EXCEPT SELECT * FROM extension_comments());
-- its day group is kept
SELECT report_date FROM daily_sales_report.day_groups;
