-- daily_sales_report 1.2 -> 1.3: a BC date is refused, never reported as AD.
\echo Use "ALTER EXTENSION daily_sales_report UPDATE TO '1.3'" to load this file. \quit

-- The date form keeps the era: to_char's 'YYYY' drops it, so DATE '0044-03-15 BC'
-- was reported as AD 44; the library now refuses a BC date.  A date that is not
-- finite reaches the library as 'infinity' (to_char made it NULL).
CREATE OR REPLACE FUNCTION daily_sales_report(report_day date)
RETURNS daily_sales_report.result
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM @extschema@.daily_sales_report(
          CASE WHEN pg_catalog.isfinite(report_day) THEN pg_catalog.to_char(report_day, 'YYYY-MM-DD BC')
               ELSE report_day::pg_catalog.text END) $$;
