-- Every run leaves a row in daily_sales_report.runs, a failed one too.
SET client_min_messages = warning;
SET daily_sales_report.timezone = 'UTC';

CREATE TEMP TABLE before AS
    SELECT count(*) FILTER (WHERE status = 'success') AS success,
           count(*) FILTER (WHERE status = 'failure') AS failure
      FROM daily_sales_report.runs;

SELECT run_id AS ok_run FROM daily_sales_report('2025-09-22') \gset
SELECT status, report_date, orders, revenue, avg_ticket, items_sold, top_product, top_product_revenue,
       timezone, requested_by, error_type, error_message, rows_read,
       finished_at >= started_at AS finished, pdf_bytes > 1000 AS pdf_recorded,
       pdf_path LIKE '%/daily-sales-2025-09-22.pdf' AS pdf_path_recorded,
       duration_seconds >= query_seconds + pdf_seconds AS durations_add_up,
       memory_mb > 0 AS memory_measured, cpu_percent >= 0 AS cpu_measured,
       database_connections >= 2 AS caller_and_worker_counted, pushed
  FROM daily_sales_report.runs WHERE run_id = :ok_run;

-- a run that fails (the directory cannot be created) is recorded, with why
SET daily_sales_report.output_dir = '/dev/null/reports';
SELECT * FROM daily_sales_report('2025-09-21');
SELECT status, report_date, error_type, error_message, finished_at IS NOT NULL AS finished
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;

-- ... even when the caller's transaction rolls back
BEGIN;
SELECT * FROM daily_sales_report('2025-09-15');
ROLLBACK;
SELECT status, report_date, error_type
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
RESET daily_sales_report.output_dir;

-- the counters the Pushgateway gets are derived from the table: +1 success, +2 failures
SELECT count(*) FILTER (WHERE status = 'success') - before.success AS new_successes,
       count(*) FILTER (WHERE status = 'failure') - before.failure AS new_failures,
       count(*) FILTER (WHERE status = 'running') AS still_running
  FROM daily_sales_report.runs, before GROUP BY before.success, before.failure;

-- a 'running' row whose process is gone (a crash) is closed out by the next run
INSERT INTO daily_sales_report.runs (report_date, backend_pid, started_at)
VALUES ('2025-09-01', 0, now() - interval '1 hour') RETURNING status;
SELECT orders FROM daily_sales_report('2025-09-20');
SELECT status, error_message FROM daily_sales_report.runs WHERE report_date = '2025-09-01';

-- the table is part of the extension's dump
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'daily_sales_report';
