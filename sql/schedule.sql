-- Scheduling with pg_cron (Debian's pg_cron 1.4: minute granularity, times in GMT).
SELECT daily_sales_report.schedule() > 0 AS scheduled;
SELECT jobname, schedule, command, database FROM cron.job ORDER BY jobid;

-- rescheduling under the same name replaces the job
SELECT daily_sales_report.schedule('30 5 * * *', 'today') > 0 AS rescheduled;
SELECT jobname, schedule, command FROM cron.job ORDER BY jobid;

-- pg_cron's own call works the same
SELECT cron.schedule('daily-sales-report', '0 6 * * *',
                     $$SELECT * FROM daily_sales_report('yesterday')$$) > 0 AS scheduled;
SELECT jobname, schedule, command FROM cron.job ORDER BY jobid;

-- a bad schedule is pg_cron's error
SELECT daily_sales_report.schedule('every morning');

SELECT cron.unschedule('daily-sales-report');
SELECT count(*) FROM cron.job;
