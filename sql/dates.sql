-- What the report date can be, and what it cannot.
SET client_min_messages = warning;
SET daily_sales_report.timezone = 'UTC';

-- 'today' and 'yesterday' are days of the report calendar
SELECT report_date = (now() AT TIME ZONE 'UTC')::date AS is_today FROM daily_sales_report('today');
SELECT report_date = (now() AT TIME ZONE 'UTC')::date - 1 AS is_yesterday FROM daily_sales_report('yesterday');
SELECT report_date = (now() AT TIME ZONE 'UTC')::date - 1 AS default_is_yesterday FROM daily_sales_report();
SELECT report_date = (now() AT TIME ZONE 'UTC')::date AS any_case_and_blanks FROM daily_sales_report('  ToDay ');
-- in Kiritimati (UTC+14) 'today' is the local day, whatever the server's zone
SET daily_sales_report.timezone = 'Pacific/Kiritimati';
SELECT report_date = (now() AT TIME ZONE 'Pacific/Kiritimati')::date AS local_today FROM daily_sales_report('today');
RESET daily_sales_report.timezone;
SELECT report_date = (now() AT TIME ZONE current_setting('TimeZone'))::date AS session_zone_today
  FROM daily_sales_report('today');
SET daily_sales_report.timezone = 'UTC';

-- ISO dates only, and real ones
SELECT report_date FROM daily_sales_report('2024-02-29');
SELECT report_date FROM daily_sales_report('2025-02-29');
SELECT report_date FROM daily_sales_report('2025-02-30');
SELECT report_date FROM daily_sales_report('2025-13-01');
SELECT report_date FROM daily_sales_report('2025-04-31');
SELECT report_date FROM daily_sales_report('2025-00-10');
SELECT report_date FROM daily_sales_report('22/09/2025');
SELECT report_date FROM daily_sales_report('2025-9-22');
SELECT report_date FROM daily_sales_report('tomorrow');
SELECT report_date FROM daily_sales_report('');
SELECT report_date FROM daily_sales_report('   ');
SELECT report_date FROM daily_sales_report(NULL::text);
SELECT report_date FROM daily_sales_report(NULL::date);
SELECT report_date FROM daily_sales_report('2025-09-22''; DROP TABLE orders; --');
SELECT report_date FROM daily_sales_report(repeat('9', 100000));
-- BC dates are refused, never reported as the AD year of the same number (to_char's
-- YYYY drops the era); the first day of the era is a day like any other
SELECT report_date FROM daily_sales_report(DATE '0044-03-15 BC');
SELECT report_date FROM daily_sales_report(DATE '0001-12-31 BC');
SELECT report_date FROM daily_sales_report('0044-03-15 BC');
SELECT report_date, orders FROM daily_sales_report(DATE '0001-01-01');
SELECT report_date, orders FROM daily_sales_report('2025-09-22 AD');
SELECT report_date FROM daily_sales_report('-infinity'::date);
SELECT report_date FROM daily_sales_report('infinity'::date);
-- (the detail names today's date: keep it out of the expected output)
\set VERBOSITY terse
SELECT report_date FROM daily_sales_report('2999-01-01');
-- a year of more digits is no past day either (PostgreSQL's dates go beyond timestamps')
SELECT report_date FROM daily_sales_report('294277-01-01');
SELECT report_date FROM daily_sales_report('5874898-01-01');
SELECT report_date FROM daily_sales_report('10000-02-30');
SELECT report_date FROM daily_sales_report('1234567890-01-01');
\set VERBOSITY default
-- a date relative to today: its message is shown with the date as a name (the
-- expected output must not depend on the day the suite runs)
CREATE FUNCTION pg_temp.error_of(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;
SELECT replace(pg_temp.error_of('SELECT daily_sales_report(current_date + 2)'),
               to_char(current_date + 2, 'YYYY-MM-DD'), '<current_date + 2>') AS message;
-- the shop's data is intact after all that
SELECT count(*) > 0 AS orders_still_there FROM orders;

-- a bad time zone setting is refused when set, with a hint
SET daily_sales_report.timezone = 'Mars/Olympus_Mons';
SET daily_sales_report.source_timezone = 'nowhere';
