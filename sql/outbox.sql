-- Pushes that cannot be delivered are kept, exactly, in daily_sales_report.outbox.
SET client_min_messages = error;   -- the WARNINGs carry curl's wording; the rows say it all
SET daily_sales_report.timezone = 'UTC';
SET daily_sales_report.pushgateway_url = 'http://127.0.0.1:1';   -- nothing listens there
SET daily_sales_report.push_retries = 0;

SELECT orders, pushed FROM daily_sales_report('2025-09-22');
SELECT status, pushed, error_type, push_error LIKE '%Couldn''t connect%' AS says_why
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;

-- the day group and the job group, as they would have been sent
SELECT group_path, method, pushgateway_url,
       body LIKE '%# TYPE daily_sales_revenue_total gauge%daily_sales_revenue_total 11906.99%' AS day_figures,
       body LIKE '%batch_job_executions_total{status="success"}%' AS job_figures,
       run_id = (SELECT max(run_id) FROM daily_sales_report.runs) AS of_the_run
  FROM daily_sales_report.outbox ORDER BY id;

-- a newer push of a group replaces the older undelivered one (a PUT replaces the whole group)
SELECT pushed FROM daily_sales_report('2025-09-22');
SELECT pushed FROM daily_sales_report('2025-09-21');
SELECT group_path, method, count(*) FROM daily_sales_report.outbox GROUP BY 1, 2 ORDER BY 1;
SELECT pending FROM daily_sales_report.outbox_status;
-- NaN is refused; below 0 does not wait ('Infinity', which waits until delivered or cancelled,
-- is in test_faults.py: regress-later's libfaketime keeps statement_timeout from firing)
SELECT daily_sales_report.flush_pushes('NaN');
SELECT daily_sales_report.flush_pushes('-Infinity') > 0 AS still_pending;

-- a run deletes the day groups older than pushgateway_keep_days (days before today) from the
-- Pushgateway, through the outbox; its own group stays, whatever its date
SELECT report_date, group_path FROM daily_sales_report.day_groups ORDER BY 1;
SET daily_sales_report.pushgateway_keep_days = 30;
SELECT pushed FROM daily_sales_report('2025-09-22');
SELECT report_date FROM daily_sales_report.day_groups ORDER BY 1;
SELECT group_path, method, body = '' AS no_body FROM daily_sales_report.outbox
 WHERE group_path LIKE '%/date/%' ORDER BY id;
-- only on the Pushgateway pushed to now: a group left on a former one is not touched
SET daily_sales_report.pushgateway_url = 'http://127.0.0.1:2';
SELECT pushed FROM daily_sales_report('2025-09-21');
SELECT pushgateway_url, report_date FROM daily_sales_report.day_groups ORDER BY 2;
SET daily_sales_report.pushgateway_url = 'http://127.0.0.1:1';
RESET daily_sales_report.pushgateway_keep_days;

-- nothing to deliver to: the worker keeps them; drop them here so that it ends
SET daily_sales_report.pushgateway_url = '';
DELETE FROM daily_sales_report.outbox;

-- the asynchronous form returns the run id at once; the run goes on in its worker
CREATE FUNCTION wait_for_run(id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
BEGIN
    FOR i IN 1..300 LOOP
        SELECT status INTO state FROM daily_sales_report.runs WHERE run_id = id;
        EXIT WHEN state <> 'running';
        PERFORM pg_sleep(0.1);
    END LOOP;
    RETURN state;
END $$;
SELECT daily_sales_report_async('2025-09-21') AS async_run \gset
SELECT wait_for_run(:async_run);
SELECT report_date, orders, revenue, top_product FROM daily_sales_report.runs WHERE run_id = :async_run;
-- its date is checked before it starts
SET client_min_messages = warning;
SELECT daily_sales_report_async('2025-02-30');
SELECT daily_sales_report_async(NULL);
