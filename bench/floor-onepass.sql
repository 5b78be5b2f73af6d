-- bench/floor-onepass.sql — a floor variant for shops where bench/floor.sql's
-- id ranges do not help (no index on order_items(order_id), or ids that do
-- not follow time): the three days (the day, the previous day, the week
-- before) in one join of orders and order_items, under the planner's
-- defaults (hash join, parallel workers), then one grouping.  bench/run
-- measures it beside floor.sql in every cell; same variables, same figures:
--
--   psql -v d0=YYYY-MM-DD -v d1=<d0 - 1> -v d7=<d0 - 7> -f bench/floor-onepass.sql
--
-- Its output is one section of rows, each kind as floor.sql prints it:
-- total, hour, product (the day), orders (the day's), compare (k = 1, 7).
\set ON_ERROR_STOP on
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;

\echo floor:all
WITH lines AS (
    SELECT CASE WHEN o.created_at >= :'d0' THEN 0 WHEN o.created_at >= :'d1' THEN 1 ELSE 7 END AS k,
           date_part('hour', o.created_at)::int AS h, i.product_id, i.quantity * i.price AS x, i.quantity AS q
      FROM orders o JOIN order_items i ON i.order_id = o.id
     WHERE NOT o.is_open
       AND (o.created_at >= :'d0' AND o.created_at < :'d0'::timestamp + interval '1 day'
            OR o.created_at >= :'d1' AND o.created_at < :'d1'::timestamp + interval '1 day'
            OR o.created_at >= :'d7' AND o.created_at < :'d7'::timestamp + interval '1 day')),
g AS MATERIALIZED (
    SELECT k, GROUPING(product_id) AS by_hour, h, product_id, x, count(*) AS n, sum(q) AS q, sum(x) AS amount
      FROM lines GROUP BY GROUPING SETS ((k, h), (k, product_id, x))),
days AS (
    SELECT v.k, round(coalesce(sum(n * x::numeric), 0), 2) AS revenue, coalesce(sum(q), 0) AS items
      FROM (VALUES (0), (1), (7)) AS v(k) LEFT JOIN g ON g.k = v.k AND g.by_hour = 0
     GROUP BY v.k),
order_count AS (
    SELECT count(*) FILTER (WHERE created_at >= :'d0') AS n0,
           count(*) FILTER (WHERE created_at >= :'d1' AND created_at < :'d0') AS n1,
           count(*) FILTER (WHERE created_at < :'d1') AS n7
      FROM orders
     WHERE NOT is_open
       AND (created_at >= :'d0' AND created_at < :'d0'::timestamp + interval '1 day'
            OR created_at >= :'d1' AND created_at < :'d1'::timestamp + interval '1 day'
            OR created_at >= :'d7' AND created_at < :'d7'::timestamp + interval '1 day'))
SELECT 'total' AS kind, '' AS key, revenue::text, items::text, NULL AS orders FROM days WHERE k = 0
UNION ALL
SELECT 'hour', h::text, round(amount::numeric, 2)::text, q::text, NULL FROM g WHERE by_hour = 1 AND k = 0
UNION ALL
(SELECT 'product', coalesce(p.name, 'product #' || g.product_id), round(sum(n * x::numeric), 2)::text,
        sum(q)::text, NULL
   FROM g LEFT JOIN products p ON p.id = g.product_id
  WHERE by_hour = 0 AND k = 0
  GROUP BY 2 ORDER BY sum(n * x::numeric) DESC, 2 LIMIT 5)
UNION ALL
SELECT 'orders', n0::text, NULL, NULL, NULL FROM order_count
UNION ALL
SELECT 'compare', d.k::text, d.revenue::text, d.items::text,
       (CASE d.k WHEN 1 THEN n1 ELSE n7 END)::text
  FROM days d, order_count WHERE d.k IN (1, 7);
COMMIT;
