-- Configuration and permissions: clear errors, and nothing a non-superuser can redirect.
SET client_min_messages = warning;
SET daily_sales_report.timezone = 'UTC';

-- where files go and where the server connects are superuser settings
LOAD 'daily_sales_report';
SELECT name, context FROM pg_settings WHERE name LIKE 'daily_sales_report.%' ORDER BY name;

-- the Pushgateway URL is http(s) and carries no credentials (they would show in pg_settings)
SET daily_sales_report.pushgateway_url = 'ftp://example.com';
SET daily_sales_report.pushgateway_url = 'http://user:secret@localhost:9091';
SET daily_sales_report.job_name = '';
SET daily_sales_report.top_n = 0;
SET daily_sales_report.top_n = 21;

-- an unwritable report directory: the error names it and the setting
SET daily_sales_report.output_dir = '/proc/1/reports';
SELECT orders FROM daily_sales_report('2025-09-22');
SET daily_sales_report.output_dir = '';
SELECT orders FROM daily_sales_report('2025-09-22');
RESET daily_sales_report.output_dir;
-- a missing font
SET daily_sales_report.font_path = '/nonexistent/font.ttf';
SELECT orders FROM daily_sales_report('2025-09-22');
RESET daily_sales_report.font_path;

-- nothing of the extension is for PUBLIC: every function, table, view and sequence it owns
SELECT pg_describe_object(d.classid, d.objid, 0) AS open_to_public
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'daily_sales_report')
   AND CASE d.classid
         WHEN 'pg_proc'::regclass THEN EXISTS (
             SELECT FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              WHERE p.oid = d.objid AND a.grantee = 0)
         WHEN 'pg_class'::regclass THEN EXISTS (
             SELECT FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
              WHERE c.oid = d.objid AND a.grantee = 0)
         ELSE false END
 ORDER BY 1;

-- the report is not for everyone: no EXECUTE for PUBLIC
CREATE ROLE regress_reporter;
SET ROLE regress_reporter;
SELECT orders FROM daily_sales_report('2025-09-22');
SET daily_sales_report.output_dir = '/tmp';
SET daily_sales_report.pushgateway_url = 'http://attacker.example';
SET daily_sales_report.pushgateway_keep_days = 1;
SET daily_sales_report.source = 'x';
RESET ROLE;

-- granted, the reporter runs it (it needs to read the sales too)
GRANT EXECUTE ON FUNCTION daily_sales_report(text), daily_sales_report(date) TO regress_reporter;
GRANT SELECT ON orders, order_items, products TO regress_reporter;
SET ROLE regress_reporter;
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT orders, revenue FROM daily_sales_report(date '2025-09-22');
-- the run history records who asked, the reporter cannot rewrite it
SELECT count(*) FROM daily_sales_report.runs;
RESET ROLE;
SELECT requested_by FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;

-- without read access to the sales, the error says so
REVOKE SELECT ON order_items FROM regress_reporter;
SET ROLE regress_reporter;
SELECT orders FROM daily_sales_report('2025-09-22');
RESET ROLE;
SELECT status, error_type FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;

REVOKE ALL ON orders, products FROM regress_reporter;
REVOKE EXECUTE ON FUNCTION daily_sales_report(text), daily_sales_report(date) FROM regress_reporter;
DROP ROLE regress_reporter;

-- the caller's own transaction holds a lock the run needs: a clear ERROR, not a wait forever
\set VERBOSITY terse
BEGIN;
LOCK TABLE order_items IN ACCESS EXCLUSIVE MODE;
SELECT orders FROM daily_sales_report('2025-09-22');
ROLLBACK;
BEGIN;
ALTER TABLE orders ADD COLUMN coupon text;
SELECT orders FROM daily_sales_report('2025-09-22');
ROLLBACK;
\set VERBOSITY default
-- (the run records its end a moment after the caller's ERROR)
DO $$ BEGIN
    FOR i IN 1..200 LOOP
        EXIT WHEN NOT EXISTS (SELECT FROM daily_sales_report.runs WHERE status = 'running');
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT status, error_type, error_message FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 2;
-- and once the transaction is over the report runs
SELECT orders FROM daily_sales_report('2025-09-22');
