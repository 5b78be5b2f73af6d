-- The expected revenue of a day: the median of the same weekday over the weeks
-- before it (up to 8), with its band, from daily_sales_report.day_totals.
SET client_min_messages = warning;
SET daily_sales_report.timezone = 'UTC';

-- A shop of its own: one order a day of one product at the given revenue.
CREATE SCHEMA band;
CREATE TABLE band.products (id int PRIMARY KEY, name text);
CREATE TABLE band.orders (id serial PRIMARY KEY, created_at timestamp NOT NULL, is_open boolean NOT NULL DEFAULT false);
CREATE TABLE band.order_items (order_id int NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
                               price double precision NOT NULL);
INSERT INTO band.products VALUES (1, 'Widget');
CREATE FUNCTION band.sell(day date, revenue numeric) RETURNS void LANGUAGE sql AS $$
    WITH o AS (INSERT INTO band.orders (created_at) VALUES (day + time '12:00') RETURNING id)
    INSERT INTO band.order_items SELECT id, 1, 1, revenue FROM o;
$$;
SET daily_sales_report.shop_schema = 'band';

-- Mondays, newest first: 09-15 1100, 09-08 1000, 09-01 none (a holiday: it counts, as 0),
-- 08-25 900, 08-18 1050, 08-11 950; 08-04 and 07-28 before the shop opened (not history).
SELECT band.sell(d::date, r) FROM (VALUES ('2025-09-15', 1100), ('2025-09-08', 1000), ('2025-08-25', 900),
                                         ('2025-08-18', 1050), ('2025-08-11', 950)) AS v(d, r);
-- the reported Monday, far below, and its day before
SELECT band.sell('2025-09-22', 500), band.sell('2025-09-21', 3000);

-- 6 weeks: median 975, MAD 75, half-width max(2 * 1.4826 * 75, 20 % of 975) = 222.39
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;

-- every day read is stored: the day, the day before, the week before, and the
-- weeks before read once from the shop's tables (zeros where nothing was sold)
SELECT source, timezone, day, orders, revenue, items_sold
  FROM daily_sales_report.day_totals WHERE source = 'band.orders' ORDER BY day DESC;

-- the weeks before are read from day_totals, not from the orders: a sale added
-- to 08-18 afterwards is not seen ...
SELECT band.sell('2025-08-18', 5000);
SELECT orders FROM daily_sales_report('2025-09-22');
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
-- ... until a run reads that day again (here: reporting it); the week before is always read fresh
SELECT orders, revenue FROM daily_sales_report('2025-08-18');
-- 09-15 is now 3100, 08-18 6050: the median stays 975, the band widens (MAD 525: +-1556.73),
-- and its lower bound stops at 0
SELECT band.sell('2025-09-15', 2000);
SELECT orders FROM daily_sales_report('2025-09-22');
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT day, orders, revenue FROM daily_sales_report.day_totals
 WHERE source = 'band.orders' AND day IN ('2025-08-18', '2025-09-15') ORDER BY day;

-- a shop with no history on that weekday: no band (NULLs), weeks 0
SELECT orders FROM daily_sales_report('2025-09-23');
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;

-- a day that is not over ('today') is reported but not stored: its figures are not final
SELECT orders FROM daily_sales_report('today');
SELECT count(*) AS today_stored FROM daily_sales_report.day_totals
 WHERE source = 'band.orders' AND timezone = 'UTC' AND day >= (now() AT TIME ZONE 'UTC')::date;

-- a view source has figures of its own, read the same way
CREATE VIEW band.sales AS
    SELECT o.id AS order_id, o.created_at AS ordered_at, p.name AS product, i.quantity,
           i.quantity * i.price AS line_total
      FROM band.orders o JOIN band.order_items i ON i.order_id = o.id JOIN band.products p ON p.id = i.product_id
     WHERE NOT o.is_open;
SET daily_sales_report.source = 'band.sales';
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) AS view_days FROM daily_sales_report.day_totals WHERE source = 'band.sales';

-- a source that fails on days the run does not report (here: dividing by zero
-- before September) costs the day its band, with a WARNING, not the report
CREATE VIEW band.sales_broken AS
    SELECT order_id, ordered_at, product, quantity,
           line_total / CASE WHEN ordered_at < '2025-09-01' THEN 0 ELSE 1 END AS line_total
      FROM band.sales;
SET daily_sales_report.source = 'band.sales_broken';
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT status, expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
-- the days the run reported are stored, the weeks that failed are not
SELECT to_char(day, 'YYYY-MM-DD') AS day FROM daily_sales_report.day_totals
 WHERE source = 'band.sales_broken' ORDER BY day;
-- once the source reads, so does the band
CREATE OR REPLACE VIEW band.sales_broken AS
    SELECT order_id, ordered_at, product, quantity, line_total / 1 AS line_total FROM band.sales;
SELECT orders FROM daily_sales_report('2025-09-22');
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
DROP VIEW band.sales_broken;

-- a week's line that the report of its own day would refuse (here beyond 1e15) is
-- refused in the weeks too: no band from a part of a day
CREATE VIEW band.sales_outlying AS
    SELECT order_id, ordered_at, product, quantity,
           CASE WHEN ordered_at >= '2025-09-08' AND ordered_at < '2025-09-09' THEN 1e16 ELSE line_total END AS line_total
      FROM band.sales;
SET daily_sales_report.source = 'band.sales_outlying';
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT status, expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
DROP VIEW band.sales_outlying;

-- another calendar is another set of days
RESET daily_sales_report.source;
SET daily_sales_report.timezone = 'Asia/Tokyo';
SELECT orders FROM daily_sales_report('2025-09-22');
SELECT count(DISTINCT timezone) AS calendars FROM daily_sales_report.day_totals WHERE source = 'band.orders';

-- timestamps read in another zone (source_timezone) are other days: their figures are kept
-- apart, and a run reading them so never takes the stored figures of UTC's days for its
-- weeks (here every sale, at 12:00 in Kiritimati (UTC+14), is on the day before in UTC:
-- no Monday has sales, the band is 0)
SET daily_sales_report.timezone = 'UTC';
SET daily_sales_report.source_timezone = 'Pacific/Kiritimati';
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
RESET daily_sales_report.source_timezone;
-- how many UTC days are kept depends on the day the suite runs ('yesterday' runs above): only that both keys are
SELECT source, count(*) > 0 AS kept FROM daily_sales_report.day_totals
 WHERE source LIKE 'band.orders%' AND timezone = 'UTC' GROUP BY 1 ORDER BY 1;

-- Figures are kept per reading role: a role that sees part of the sales
-- neither writes the band of another role's runs nor reads one made of
-- sales it cannot see.  Wednesdays: a sale of 1000 at noon that everybody
-- sees, one of 9000 at 13:00 that regress_band_reader does not.
SET daily_sales_report.timezone = 'UTC';
CREATE ROLE regress_band_reader;
GRANT EXECUTE ON FUNCTION daily_sales_report(text), daily_sales_report(date) TO regress_band_reader;
GRANT USAGE ON SCHEMA band TO regress_band_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA band TO regress_band_reader;
INSERT INTO band.orders (created_at)
     SELECT d + time '13:00' FROM unnest('{2025-08-20,2025-08-27,2025-09-03,2025-09-10}'::date[]) AS d;
INSERT INTO band.order_items SELECT id, 1, 1, 9000 FROM band.orders WHERE created_at::time = '13:00';
SELECT band.sell(d, 1000) FROM unnest('{2025-08-20,2025-08-27,2025-09-03,2025-09-10}'::date[]) AS d;
ALTER TABLE band.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY noon ON band.orders FOR SELECT TO regress_band_reader USING (created_at::time = '12:00');
-- row-level security on for the reader: its weeks are read from the sales, nothing is stored
SET ROLE regress_band_reader;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET ROLE;
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) AS reader_days FROM daily_sales_report.day_totals WHERE reader = 'regress_band_reader';
-- a superuser sees every sale: its band is not the reader's
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SELECT expected_revenue, expected_lower, expected_upper, expected_weeks
  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
-- and the reader's band is not made of the superuser's stored figures
SET ROLE regress_band_reader;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET ROLE;
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
-- the same through a security_invoker view over those tables: nothing stored either
CREATE VIEW band.sales_invoker WITH (security_invoker) AS
    SELECT o.id AS order_id, o.created_at AS ordered_at, p.name AS product, i.quantity,
           i.quantity * i.price AS line_total
      FROM band.orders o JOIN band.order_items i ON i.order_id = o.id JOIN band.products p ON p.id = i.product_id
     WHERE NOT o.is_open;
GRANT SELECT ON band.sales_invoker TO regress_band_reader;
SET daily_sales_report.source = 'band.sales_invoker';
SET ROLE regress_band_reader;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET ROLE;
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) AS reader_days FROM daily_sales_report.day_totals WHERE source = 'band.sales_invoker';
RESET daily_sales_report.source;
DROP VIEW band.sales_invoker;
-- the same through a function the view calls (its tables do not show in the view): nothing stored either
CREATE FUNCTION band.sales_rows()
    RETURNS TABLE (order_id int, ordered_at timestamp, product text, quantity int, line_total double precision)
    LANGUAGE sql STABLE AS $$
    SELECT o.id, o.created_at, p.name, i.quantity, i.quantity * i.price
      FROM band.orders o JOIN band.order_items i ON i.order_id = o.id JOIN band.products p ON p.id = i.product_id
     WHERE NOT o.is_open $$;
CREATE VIEW band.sales_through_function WITH (security_invoker) AS SELECT * FROM band.sales_rows();
GRANT SELECT ON band.sales_through_function TO regress_band_reader;
SET daily_sales_report.source = 'band.sales_through_function';
SET ROLE regress_band_reader;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET ROLE;
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) AS reader_days FROM daily_sales_report.day_totals WHERE source = 'band.sales_through_function';
RESET daily_sales_report.source;
DROP VIEW band.sales_through_function;
DROP FUNCTION band.sales_rows();
-- a view that shows each role part of the sales (here on current_user): stored per role
ALTER TABLE band.orders DISABLE ROW LEVEL SECURITY;
CREATE VIEW band.sales_by_role AS
    SELECT * FROM band.sales WHERE current_user <> 'regress_band_reader' OR ordered_at::time = '12:00';
GRANT SELECT ON band.sales_by_role TO regress_band_reader;
SET daily_sales_report.source = 'band.sales_by_role';
SET ROLE regress_band_reader;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET ROLE;
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SELECT reader = 'regress_band_reader' AS band_reader, to_char(day, 'YYYY-MM-DD') AS day, orders, revenue
  FROM daily_sales_report.day_totals
 WHERE source = 'band.sales_by_role' AND day IN ('2025-08-27', '2025-09-03') ORDER BY 1, 2;
RESET daily_sales_report.source;
DROP VIEW band.sales_by_role;
-- a view that filters on a setting (a tenant): one role, other sales when the setting
-- changes; nothing stored, so a run with app.band_noon = on never gets the band of one
-- with it off (its weeks are read from the sales: 1000 each)
CREATE VIEW band.sales_by_setting AS
    SELECT * FROM band.sales
     WHERE NOT current_setting('app.band_noon', true)::boolean OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_pg_settings AS
    SELECT * FROM band.sales
     WHERE ordered_at::time = '12:00'
        OR NOT EXISTS (SELECT FROM pg_settings WHERE name = 'app.band_noon' AND setting = 'on');
CREATE VIEW band.sales_by_session AS
    SELECT * FROM band.sales WHERE session_user <> 'regress_band_reader' OR ordered_at::time = '12:00';
GRANT SELECT ON band.sales_by_setting TO regress_band_reader;
SET daily_sales_report.source = 'band.sales_by_setting';
SET ROLE regress_band_reader;
SET app.band_noon = off;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET app.band_noon = on;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET app.band_noon;
RESET ROLE;
SELECT expected_revenue, expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1;
SET daily_sales_report.source = 'band.sales_by_session';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_pg_settings';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SELECT count(*) AS setting_or_session_days FROM daily_sales_report.day_totals
 WHERE source IN ('band.sales_by_setting', 'band.sales_by_session', 'band.sales_by_pg_settings');
-- only built-in IMMUTABLE functions leave the figures keepable: role membership, the client,
-- the clock, a text cast that follows DateStyle, a sample may all give other rows to the same role
CREATE VIEW band.sales_by_membership AS
    SELECT * FROM band.sales WHERE NOT pg_has_role('pg_monitor', 'MEMBER') OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_client AS
    SELECT * FROM band.sales WHERE inet_client_addr() IS NULL OR ordered_at::time = '12:00';
CREATE VIEW band.sales_recent AS
    SELECT * FROM band.sales WHERE ordered_at > now() - interval '100 years';
CREATE VIEW band.sales_by_datestyle AS
    SELECT * FROM band.sales WHERE ordered_at::text <> '';
CREATE VIEW band.sales_sampled AS
    SELECT o.id AS order_id, o.created_at AS ordered_at, 'p' AS product, 1 AS quantity, 1.0 AS line_total
      FROM band.orders o TABLESAMPLE BERNOULLI (100);
SET daily_sales_report.source = 'band.sales_by_membership';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_client';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_recent';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_datestyle';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_sampled';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SELECT count(*) AS session_state_days FROM daily_sales_report.day_totals
 WHERE source IN ('band.sales_by_membership', 'band.sales_by_client', 'band.sales_recent',
                  'band.sales_by_datestyle', 'band.sales_sampled');
-- built-ins that are IMMUTABLE yet follow a setting (the text of a float, a point or a bytea,
-- quote_ident, XML), a window whose RANGE follows TimeZone, and reads that are not the database's
-- tables (a catalog, a sequence, a foreign table): the same role saw 1 order or 2 with
-- extra_float_digits, and its runs stored 90 days for these views
CREATE VIEW band.sales_by_float_text AS
    SELECT * FROM band.sales WHERE length((line_total / 7)::text) < 17 OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_point_text AS
    SELECT * FROM band.sales WHERE length(point(line_total / 7, 0)::text) < 21 OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_bytea_text AS
    SELECT * FROM band.sales WHERE decode(product, 'escape')::text LIKE '\\x%' OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_quoting AS
    SELECT * FROM band.sales WHERE quote_ident(lower(product)) = lower(product) OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_xml AS
    SELECT * FROM band.sales
     WHERE xmlelement(name p, decode(product, 'escape'))::text LIKE '%V2lk%' OR ordered_at::time = '12:00';
CREATE VIEW band.sales_by_window AS
    SELECT order_id, ordered_at, product, quantity, line_total
      FROM (SELECT s.*, count(*) OVER (ORDER BY ordered_at AT TIME ZONE 'UTC'
                                       RANGE BETWEEN interval '1 day' PRECEDING AND CURRENT ROW) AS n
              FROM band.sales s) AS w WHERE n > 0;
CREATE VIEW band.sales_by_catalog AS
    SELECT * FROM band.sales
     WHERE ordered_at::time = '12:00'
        OR NOT EXISTS (SELECT FROM pg_auth_members m
                         JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
                        WHERE r.rolname = 'pg_monitor' AND u.rolname = current_user);
CREATE VIEW band.sales_by_sequence AS
    SELECT * FROM band.sales WHERE order_id <= (SELECT last_value FROM band.orders_id_seq);
CREATE EXTENSION file_fdw;
CREATE SERVER band_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE band.remote_open (open boolean) SERVER band_files OPTIONS (program 'echo t');
CREATE VIEW band.sales_by_foreign_table AS
    SELECT * FROM band.sales WHERE EXISTS (SELECT FROM band.remote_open WHERE open);
SET daily_sales_report.source = 'band.sales_by_float_text';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET extra_float_digits = 0;
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
RESET extra_float_digits;
SET daily_sales_report.source = 'band.sales_by_point_text';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_bytea_text';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_quoting';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_xml';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_window';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_catalog';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_sequence';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SET daily_sales_report.source = 'band.sales_by_foreign_table';
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SELECT count(*) AS setting_or_outside_days FROM daily_sales_report.day_totals
 WHERE source IN ('band.sales_by_float_text', 'band.sales_by_point_text', 'band.sales_by_bytea_text',
                  'band.sales_by_quoting', 'band.sales_by_xml', 'band.sales_by_window', 'band.sales_by_catalog',
                  'band.sales_by_sequence', 'band.sales_by_foreign_table');
-- the shop's tables with a foreign child (an archive on another server): refused, as a foreign table is
-- (its server runs code as the caller), and nothing stored
RESET daily_sales_report.source;
DELETE FROM daily_sales_report.day_totals WHERE source = 'band.orders';
CREATE FOREIGN TABLE band.orders_archive () INHERITS (band.orders) SERVER band_files OPTIONS (program 'true');
SELECT orders, revenue FROM daily_sales_report('2025-09-10');
SELECT count(*) AS foreign_child_days FROM daily_sales_report.day_totals WHERE source = 'band.orders';
DROP VIEW band.sales_by_float_text, band.sales_by_point_text, band.sales_by_bytea_text, band.sales_by_quoting,
          band.sales_by_xml, band.sales_by_window, band.sales_by_catalog, band.sales_by_sequence,
          band.sales_by_foreign_table;
DROP EXTENSION file_fdw CASCADE;
RESET daily_sales_report.source;
DROP VIEW band.sales_by_setting, band.sales_by_session, band.sales_by_pg_settings, band.sales_by_membership,
          band.sales_by_client, band.sales_recent, band.sales_by_datestyle, band.sales_sampled;
REVOKE ALL ON ALL TABLES IN SCHEMA band FROM regress_band_reader;
REVOKE ALL ON SCHEMA band FROM regress_band_reader;
REVOKE ALL ON FUNCTION daily_sales_report(text), daily_sales_report(date) FROM regress_band_reader;
DROP POLICY noon ON band.orders;
DROP ROLE regress_band_reader;

RESET daily_sales_report.timezone;
RESET daily_sales_report.shop_schema;
DROP SCHEMA band CASCADE;
