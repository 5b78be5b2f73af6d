-- bench/floor.sql — the floor: the fastest hand-written SQL we found that
-- computes the report's KPIs for one day, straight from the shop's tables.
-- bench/run runs it in psql, in the same session as the report:
--
--   psql -v d0=YYYY-MM-DD -v d1=<d0 - 1> -v d7=<d0 - 7> [-v defaults=on] -f bench/floor.sql
--
-- Two variants (bench/run measures both in every cell; the cell's floor is
-- the faster): the plan settings below (defaults off, the plan chosen for an
-- indexed shop whose ids follow time), and -v defaults=on, the same SQL
-- under the planner's defaults (hash joins and parallel workers allowed:
-- the better plan without the indexes, or when ids do not follow time).
--
-- Same figures as the report, to the cent (bench/run checks every run):
-- orders (the day's closed orders), revenue = sum of
-- (quantity * price)::numeric per line, avg ticket, items, top 5 products by
-- revenue (grouped by name, ties by name), revenue per hour (float8: it
-- draws the chart), and orders / revenue / items of the previous day and of
-- the week before.
--
-- Why it is fast (each point measured, see bench/results/results.md):
--  * each day's orders are an id range in an append-only shop, so the day is
--    read as a merge join of two ordered index range scans, orders_pkey and
--    order_items(order_id), bounded by the day's min/max order id (exact for
--    any data: the bounds are computed from the day's rows; only the speed
--    depends on ids following time).  The planner cannot see the id/time
--    correlation, so the plan is chosen with SET LOCAL;
--  * no count(DISTINCT ...): a sale is a closed order, counted on orders alone;
--  * the per-line numeric cast (float8 -> numeric goes through text, ~0.5 us)
--    is done once per distinct line amount: sum((q*p)::numeric) equals
--    sum(n * (q*p)::numeric) over the groups of equal q*p;
--  * products are grouped by id (int), names are joined to 2000 rows at the end;
--  * date_part() (float8) instead of extract() (numeric since PostgreSQL 14).
\set ON_ERROR_STOP on
\if :{?defaults} \else \set defaults off \endif
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
\if :defaults
\else
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_nestloop = off;
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL jit = off;   -- the disabled join methods inflate the cost past jit_above_cost
\endif

-- 1. the id range of each day's orders (an empty day gives the empty range 0..-1)
SELECT coalesce(min(id) FILTER (WHERE k = 0), 0) AS lo0, coalesce(max(id) FILTER (WHERE k = 0), -1) AS hi0,
       coalesce(min(id) FILTER (WHERE k = 1), 0) AS lo1, coalesce(max(id) FILTER (WHERE k = 1), -1) AS hi1,
       coalesce(min(id) FILTER (WHERE k = 7), 0) AS lo7, coalesce(max(id) FILTER (WHERE k = 7), -1) AS hi7
  FROM (VALUES (0, :'d0'::timestamp), (1, :'d1'::timestamp), (7, :'d7'::timestamp)) AS v(k, d)
 CROSS JOIN LATERAL (SELECT id FROM orders
                      WHERE created_at >= v.d AND created_at < v.d + interval '1 day' OFFSET 0) AS s \gset

-- 2. the day: revenue and items per product and in total, revenue per hour
\echo floor:day
WITH lines AS (
    SELECT date_part('hour', o.created_at)::int AS h, i.product_id, i.quantity * i.price AS x, i.quantity AS q
      FROM orders o JOIN order_items i ON i.order_id = o.id
     WHERE NOT o.is_open
       AND o.created_at >= :'d0' AND o.created_at < :'d0'::timestamp + interval '1 day'
       AND o.id BETWEEN :lo0 AND :hi0 AND i.order_id BETWEEN :lo0 AND :hi0),
g AS MATERIALIZED (
    SELECT GROUPING(product_id) AS by_hour, h, product_id, x, count(*) AS n, sum(q) AS q, sum(x) AS amount
      FROM lines GROUP BY GROUPING SETS ((h), (product_id, x)))
SELECT 'total' AS kind, '' AS key, round(coalesce(sum(n * x::numeric), 0), 2) AS revenue, coalesce(sum(q), 0) AS items
  FROM g WHERE by_hour = 0
UNION ALL
SELECT 'hour', h::text, round(amount::numeric, 2), q FROM g WHERE by_hour = 1
UNION ALL
(SELECT 'product', coalesce(p.name, 'product #' || g.product_id), round(sum(n * x::numeric), 2), sum(q)
   FROM g LEFT JOIN products p ON p.id = g.product_id
  WHERE by_hour = 0
  GROUP BY 2 ORDER BY sum(n * x::numeric) DESC, 2 LIMIT 5);

-- 3. the day's orders (a sale is a closed order: counted on orders alone)
\echo floor:orders
SELECT count(*) AS orders
  FROM orders o
 WHERE NOT o.is_open
   AND o.created_at >= :'d0' AND o.created_at < :'d0'::timestamp + interval '1 day';

-- 4. the previous day and the week before: revenue, items, orders
\echo floor:compare
SELECT k, round(coalesce(sum(n * x::numeric), 0), 2) AS revenue, coalesce(sum(q), 0) AS items,
       CASE k WHEN 1 THEN (SELECT count(*) FROM orders o
                            WHERE NOT o.is_open AND o.created_at >= :'d1' AND o.created_at < :'d1'::timestamp + interval '1 day')
              ELSE (SELECT count(*) FROM orders o
                     WHERE NOT o.is_open AND o.created_at >= :'d7' AND o.created_at < :'d7'::timestamp + interval '1 day')
       END AS orders
  FROM (VALUES (1), (7)) AS days(k)
  LEFT JOIN (SELECT 1 AS day, i.quantity * i.price AS x, count(*) AS n, sum(i.quantity) AS q
               FROM orders o JOIN order_items i ON i.order_id = o.id
              WHERE NOT o.is_open AND o.created_at >= :'d1' AND o.created_at < :'d1'::timestamp + interval '1 day'
                AND o.id BETWEEN :lo1 AND :hi1 AND i.order_id BETWEEN :lo1 AND :hi1
              GROUP BY 2
             UNION ALL
             SELECT 7, i.quantity * i.price, count(*), sum(i.quantity)
               FROM orders o JOIN order_items i ON i.order_id = o.id
              WHERE NOT o.is_open AND o.created_at >= :'d7' AND o.created_at < :'d7'::timestamp + interval '1 day'
                AND o.id BETWEEN :lo7 AND :hi7 AND i.order_id BETWEEN :lo7 AND :hi7
              GROUP BY 2) AS s ON s.day = days.k
 GROUP BY k ORDER BY k;
COMMIT;
