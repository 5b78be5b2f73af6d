-- KPIs of a day, checked against hand-written aggregates to the cent.
SET client_min_messages = warning;
SET daily_sales_report.timezone = 'UTC';

-- the same figures written by hand: closed orders, revenue from the items
CREATE FUNCTION hand_kpis(day_start timestamp, day_end timestamp,
    OUT orders bigint, OUT revenue numeric, OUT avg_ticket numeric, OUT items_sold bigint)
LANGUAGE sql AS $$
    SELECT count(DISTINCT o.id), round(sum(i.quantity * i.price::numeric), 2),
           round(sum(i.quantity * i.price::numeric) / count(DISTINCT o.id), 2), sum(i.quantity)
      FROM orders o JOIN order_items i ON i.order_id = o.id
     WHERE NOT o.is_open AND o.created_at >= day_start AND o.created_at < day_end
$$;

CREATE TEMP TABLE r AS SELECT * FROM daily_sales_report('2025-09-22');
SELECT run_id > 0 AS has_run_id, report_date, orders, revenue, avg_ticket, items_sold,
       top_product, top_product_revenue,
       pdf_path LIKE '%/daily_sales_reports/daily-sales-2025-09-22.pdf' AS pdf_named_by_date,
       pdf_kilobytes > 1 AS pdf_written, pushed, duration_seconds > 0 AS timed
  FROM r;
SELECT (r.orders, r.revenue, r.avg_ticket, r.items_sold) = (h.orders, h.revenue, h.avg_ticket, h.items_sold)
       AS matches_hand_written_sql
  FROM r, hand_kpis('2025-09-22', '2025-09-23') h;

-- the date overload and the day before
SELECT report_date, orders, revenue, top_product FROM daily_sales_report(date '2025-09-21');

-- a day without sales: zeros, no top product
SELECT orders, revenue, avg_ticket, items_sold, top_product, top_product_revenue
  FROM daily_sales_report('2025-09-20');

-- the calendar is daily_sales_report.timezone: in Sao Paulo (UTC-3) the day shifts by 3 hours
SET daily_sales_report.timezone = 'America/Sao_Paulo';
SELECT r.orders, r.revenue, (r.orders, r.revenue) = (h.orders, h.revenue) AS matches_hand_written_sql
  FROM daily_sales_report('2025-09-22') r, hand_kpis('2025-09-22 03:00', '2025-09-23 03:00') h;

-- DST days have 23 and 25 hours
SET daily_sales_report.timezone = 'America/New_York';
SELECT report_date, orders, revenue FROM daily_sales_report('2025-03-09');
SELECT report_date, orders, revenue FROM daily_sales_report('2025-11-02');

-- timestamps without time zone read as another zone: the shop's clock runs in New York,
-- so the UTC day ends at 20:00 on that clock and the 23:59:59.999 sale is the next day's
SET daily_sales_report.timezone = 'UTC';
SET daily_sales_report.source_timezone = 'America/New_York';
SELECT report_date, orders, revenue FROM daily_sales_report('2025-09-22');
RESET daily_sales_report.source_timezone;

-- an index on orders(created_at) serves the day's range (no date(created_at) = ... anywhere)
SET daily_sales_report.timezone = 'UTC';
SET enable_seqscan = off;
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
RESET enable_seqscan;

-- any schema through a view with the documented columns (here with timestamptz)
CREATE VIEW sales_view AS
    SELECT o.id AS order_id, o.created_at AT TIME ZONE 'UTC' AS ordered_at,
           p.name AS product, i.quantity, i.quantity * i.price AS line_total
      FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id
     WHERE NOT o.is_open;
SET daily_sales_report.source = 'sales_view';
SELECT orders, revenue, avg_ticket, items_sold, top_product FROM daily_sales_report('2025-09-22');

-- a source that is missing, or lacks a column, names what is expected
SET daily_sales_report.source = 'no_such_view';
SELECT orders FROM daily_sales_report('2025-09-22');
CREATE VIEW bad_view AS SELECT id AS order_id, created_at AS ordered_at FROM orders;
SET daily_sales_report.source = 'bad_view';
SELECT orders FROM daily_sales_report('2025-09-22');
CREATE VIEW bad_time_view AS
    SELECT id AS order_id, created_at::date AS ordered_at, 'x'::text AS product, 1 AS quantity, 1.0 AS line_total
      FROM orders;
SET daily_sales_report.source = 'bad_time_view';
SELECT orders FROM daily_sales_report('2025-09-22');
-- a value the view cannot compute on a row of the day: named with the view, not under the whole statement
CREATE VIEW dividing_view AS
    SELECT order_id, ordered_at, product, quantity, line_total / (quantity - quantity) AS line_total
      FROM sales_view;
SET daily_sales_report.source = 'dividing_view';
SELECT orders FROM daily_sales_report('2025-09-22');
RESET daily_sales_report.source;

-- the indexes the report needs are listed, and created only when asked; a partial or
-- hash index on the column is not the one the run uses, so it is not present
CREATE INDEX order_items_partial ON order_items (order_id) WHERE quantity > 1;
CREATE INDEX order_items_hash ON order_items USING hash (order_id);
SELECT table_name, column_name, present, statement FROM daily_sales_report.recommended_indexes();
DROP INDEX order_items_partial, order_items_hash;
SELECT * FROM daily_sales_report.create_recommended_indexes();
SELECT table_name, column_name, present FROM daily_sales_report.recommended_indexes();
SELECT orders, revenue FROM daily_sales_report('2025-09-22');

-- JIT stays off for the report's KPI queries, even where the server JIT-compiles everything:
-- they turn join methods off, whose 1e10 cost would make PostgreSQL JIT-compile a range scan
-- of milliseconds at full optimization (0.4 s for an empty day)
CREATE EXTENSION pg_stat_statements;
SET jit = on;
SET jit_above_cost = 0;
SET jit_inline_above_cost = 0;
SET jit_optimize_above_cost = 0;
SELECT pg_stat_statements_reset() IS NOT NULL AS reset;
SELECT orders, revenue FROM hand_kpis('2025-09-22', '2025-09-23');
SELECT orders, revenue FROM daily_sales_report('2025-09-22');
SELECT CASE WHEN query LIKE '%count(DISTINCT o.id)%' THEN 'hand-written SQL' ELSE 'report KPI queries' END
           AS statements,
       count(*) > 1 AS several, sum(calls) > 0 AS ran, sum(jit_functions) > 0 AS jit_compiled
  FROM pg_stat_statements
 WHERE query ~ 'FROM (public\.)?orders'
   AND query NOT LIKE 'SELECT order_id, ordered_at,%'  -- the source's shape check: LIMIT 0, free unless JIT'd
 GROUP BY 1 ORDER BY 1;
RESET jit;
RESET jit_above_cost;
RESET jit_inline_above_cost;
RESET jit_optimize_above_cost;

-- on the shop's own tables, an order line whose quantity or price is NULL adds nothing:
-- not its quantity to the items sold, nor its product to the best sellers (a product
-- whose only line had a NULL price was the top product, with 0.00)
CREATE SCHEMA nullshop;
CREATE TABLE nullshop.products (id integer PRIMARY KEY, name text, price double precision);
CREATE TABLE nullshop.orders (id integer PRIMARY KEY, user_id integer, total_price double precision,
                              created_at timestamp, is_open boolean);
CREATE TABLE nullshop.order_items (id serial PRIMARY KEY, order_id integer, product_id integer,
                                   quantity integer, price double precision);
INSERT INTO nullshop.products VALUES (1, 'Sold', 10), (2, 'Never priced', NULL), (3, NULL, NULL);
INSERT INTO nullshop.orders VALUES (1, 1, 0, '2025-09-22 10:00', false), (2, 1, 0, '2025-09-21 10:00', false);
INSERT INTO nullshop.order_items (order_id, product_id, quantity, price) VALUES
    (1, 1, 2, 10), (1, 2, 5, NULL), (1, 1, NULL, 10), (1, 3, NULL, NULL), (1, NULL, 4, NULL),
    (2, 1, 1, 10), (2, 2, 9, NULL);
SET daily_sales_report.shop_schema = 'nullshop';
SELECT orders, revenue, items_sold, top_product, top_product_revenue FROM daily_sales_report('2025-09-22');
SELECT report_date, orders, revenue, items_sold, top_product FROM daily_sales_report('2025-09-21');
RESET daily_sales_report.shop_schema;
DROP SCHEMA nullshop CASCADE;

-- ids beyond 2^53, where float8 rounds: the order next to a day's dense id range is read
-- once (the bounds of the finer histogram are int8), and the day's figures stay exact
CREATE SCHEMA bigids;
CREATE TABLE bigids.products (id integer PRIMARY KEY, name text);
CREATE TABLE bigids.orders (id bigint PRIMARY KEY, created_at timestamp, is_open boolean);
CREATE TABLE bigids.order_items (order_id bigint, product_id integer, quantity integer, price double precision);
CREATE INDEX ON bigids.order_items (order_id);
CREATE INDEX ON bigids.orders (created_at);
INSERT INTO bigids.products VALUES (1, 'A');
INSERT INTO bigids.orders VALUES
    (-9223372036854775808, '2025-01-01 10:00', false), (9223372036854775807, '2025-01-01 10:00', false),
    (4611686018427387903, '2025-05-10 09:00', false), (4611686018427387904, '2025-05-10 10:00', false),
    (4611686018427387905, '2025-05-10 11:00', false), (4611686018427387906, '2025-05-10 12:00', false),
    (4611686018427387904 + 562949953421312, '2025-05-10 13:00', false);
INSERT INTO bigids.order_items SELECT id, 1, 1, 10 FROM bigids.orders;
SET daily_sales_report.shop_schema = 'bigids';
SELECT orders, revenue, items_sold FROM daily_sales_report('2025-05-10');
RESET daily_sales_report.shop_schema;
DROP SCHEMA bigids CASCADE;

-- orders without a primary key: an id written twice is one order, a NULL id none
-- (counted distinct, as a source view's); and its lines count once, not once per copy
CREATE SCHEMA nokey;
CREATE TABLE nokey.products (id integer PRIMARY KEY, name text);
CREATE TABLE nokey.orders (id integer, created_at timestamp, is_open boolean);
CREATE TABLE nokey.order_items (order_id integer, product_id integer, quantity integer, price double precision);
INSERT INTO nokey.products VALUES (1, 'A');
INSERT INTO nokey.orders SELECT g % 30, '2025-05-10 10:00', false FROM generate_series(1, 90) g;
INSERT INTO nokey.orders SELECT NULL, '2025-05-10 11:00', false FROM generate_series(1, 5);
INSERT INTO nokey.order_items SELECT g, 1, 1, 2.5 FROM generate_series(0, 29) g;
SET daily_sales_report.shop_schema = 'nokey';
SELECT orders, revenue, items_sold FROM daily_sales_report('2025-05-10');
SELECT (SELECT count(DISTINCT id) FROM nokey.orders) AS orders, sum((i.quantity * i.price)::numeric) AS revenue,
       sum(i.quantity) AS items_sold
  FROM nokey.order_items i WHERE i.order_id IN (SELECT id FROM nokey.orders);
CREATE INDEX ON nokey.order_items (order_id);
CREATE INDEX ON nokey.orders (created_at);
CREATE INDEX ON nokey.orders (id);
SELECT orders, revenue, items_sold FROM daily_sales_report('2025-05-10');
RESET daily_sales_report.shop_schema;
DROP SCHEMA nokey CASCADE;

-- a unique index on a nullable id is no primary key: NULL ids are still no order; and an
-- inheritance child is covered by none of its parent's indexes: its orders are counted
-- distinct from the parent's, and its rows read without the parent's indexes
CREATE SCHEMA inherited;
CREATE TABLE inherited.products (id integer PRIMARY KEY, name text);
CREATE TABLE inherited.orders (id integer, created_at timestamp, is_open boolean);
CREATE TABLE inherited.order_items (order_id integer, product_id integer, quantity integer, price double precision);
CREATE UNIQUE INDEX ON inherited.orders (id);
CREATE INDEX ON inherited.orders (created_at);
CREATE INDEX ON inherited.order_items (order_id);
INSERT INTO inherited.products VALUES (1, 'A');
INSERT INTO inherited.orders SELECT g, '2025-05-10 10:00', false FROM generate_series(1, 50) g;
INSERT INTO inherited.orders SELECT NULL, '2025-05-10 11:00', false FROM generate_series(1, 7);
INSERT INTO inherited.order_items SELECT g, 1, 1, 2 FROM generate_series(1, 60) g;
SET daily_sales_report.shop_schema = 'inherited';
SELECT orders, revenue, items_sold FROM daily_sales_report('2025-05-10');
DELETE FROM inherited.orders WHERE id IS NULL;
ALTER TABLE inherited.orders ALTER COLUMN id SET NOT NULL;
CREATE TABLE inherited.orders_archive () INHERITS (inherited.orders);
INSERT INTO inherited.orders_archive SELECT g, '2025-05-10 12:00', false FROM generate_series(41, 60) g;
SELECT orders, revenue, items_sold FROM daily_sales_report('2025-05-10');
SELECT (SELECT count(DISTINCT id) FROM inherited.orders) AS orders, sum((i.quantity * i.price)::numeric) AS revenue,
       sum(i.quantity) AS items_sold
  FROM inherited.order_items i WHERE i.order_id IN (SELECT id FROM inherited.orders);
RESET daily_sales_report.shop_schema;
DROP SCHEMA inherited CASCADE;
