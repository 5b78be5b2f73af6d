-- bench/shop.sql — benchmark data in the shop's ("fakeshop") schema, as the
-- extension reads it by default.  Run by bench/run in an empty database:
--
--   psql -v closed=N -v day=YYYY-MM-DD [-v shape=A|B] [-v other=M -v today=T -v first=-F] -f bench/shop.sql
--
-- The table holds 31 days, oldest first, in the order a shop writes them
-- (ids and heap order follow the order of writing, as in a real append-only table):
--   report day   D           :closed closed orders
--   previous day D-1         0.9 x :closed   (read by the report's comparison)
--   week before  D-7         1.1 x :closed   (read by the report's comparison)
--   D-29 .. D-2, the others  :other each (default 0.1 x :closed; D-:first with -v first)
--   D+1 ("today", partial)   :today (default :other)
-- and, on top of each day's closed orders, open carts (is_open) worth 10% of
-- them, which the report must ignore.  The first order of every day is at
-- 00:00:00.000 and the last at 23:59:59.999 (boundary orders).  D-30 has no
-- sales at all (the empty-day case).  Order lines: 1-3 per order (2 on
-- average), quantity 1-3, 2000 products, the popular ones bought far more
-- often.  Deterministic (setseed, and hashes of the order's number).
--
-- The "day-only" table of bench/run is -v other=0 -v today=<:closed/10>: only
-- the days the report reads (D, D-1, D-7) and the partial D+1.
--
-- Data shapes (-v shape):
--   A (default)  ids follow time: order k of a day of T orders is at the
--                fraction t((k - 0.5) / T) of the day (see below)
--   B            created_at shuffled within the day: ids still in the order
--                of writing, but order k is at t(u) with u a hash of (day, k),
--                uniform in (0, 1); and 0.1% late orders (k % 1000 = 500):
--                created_at on their day, but written with the next day of
--                the table that has orders, so their ids sit in that day's id
--                range (spread over it).  The last day has no late orders.
\set ON_ERROR_STOP on
\if :{?other} \else \set other :closed/10 \endif
\if :{?first} \else \set first -29 \endif
\if :{?today} \else \set today :other \endif
\if :{?shape} \else \set shape A \endif
SELECT :'shape' IN ('A', 'B') AS shape_ok \gset
\if :shape_ok \else \echo 'shape must be A or B' \quit \endif
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;   -- random() is drawn in row order
SET work_mem = '256MB';
SELECT setseed(0.42);

BEGIN;
-- created in this transaction: with wal_level = minimal the load writes no WAL
CREATE TABLE products (
    id    serial PRIMARY KEY,
    name  text NOT NULL,
    price double precision NOT NULL
);
CREATE TABLE orders (
    id          serial,
    user_id     integer,
    total_price double precision NOT NULL DEFAULT 0,    -- the app leaves it at 0
    created_at  timestamp without time zone NOT NULL,   -- UTC
    is_open     boolean NOT NULL DEFAULT true           -- true: a cart, not a sale
);
CREATE TABLE order_items (
    id         serial,
    order_id   integer NOT NULL,
    product_id integer NOT NULL,
    quantity   integer NOT NULL,
    price      double precision NOT NULL                -- unit price paid
);

-- 2000 products; the price is a function of the id, so the lines need no join
CREATE FUNCTION pg_temp.price_of(id int) RETURNS double precision
    IMMUTABLE LANGUAGE sql AS $$ SELECT round(4.90 + ((id * 7919) % 1000) * 1.75, 2)::double precision $$;
INSERT INTO products (id, name, price)
SELECT g,
       (ARRAY['Câmera', 'Fone', 'Cabo USB-C', 'Café', 'Mochila', 'Teclado', 'Monitor', 'Açaí'])[1 + g % 8]
           || ' modelo ' || lpad(g::text, 4, '0'),
       pg_temp.price_of(g)
  FROM generate_series(1, 2000) AS g;

-- the days: closed orders, all orders (carts: every 11th from the 5th), and
-- the next day that has orders (where shape B writes a day's late orders)
CREATE TEMP TABLE bench_days AS
SELECT day, closed, closed + closed / 10 AS total, NULL::timestamp AS next_day
  FROM (SELECT (:'day'::date + o)::timestamp AS day,
               (CASE WHEN o = 0 THEN :closed
                     WHEN o = -1 THEN :closed * 9 / 10
                     WHEN o = -7 THEN :closed * 11 / 10
                     WHEN o = 1 THEN :today
                     ELSE :other END) / 10 * 10 AS closed
          FROM generate_series(:first, 1) AS o) AS d;

-- Orders in the order of writing.  Order k of a day of T orders is at the
-- fraction t(u) = u + 0.6/(2 pi) sin(2 pi u) of the day: quiet nights, busy
-- afternoons; u = (k - 0.5)/T in shape A (ids follow time), a hash of (day, k)
-- in shape B; k = 1 and k = T are the boundary orders.  Ids are given in the
-- order of writing: by the day an order is written with (its own, or for a
-- late order of shape B the next day with orders), then by (k - 0.5)/T.
UPDATE bench_days AS d SET next_day = n.next_day
  FROM (SELECT day, lead(day) OVER (ORDER BY day) AS next_day FROM bench_days WHERE total > 0) AS n
 WHERE n.day = d.day;
INSERT INTO orders (id, user_id, created_at, is_open)
SELECT row_number() OVER (ORDER BY w.written, w.pos, w.late, w.k),
       1 + (w.k::bigint * 7919) % 500000, w.created_at, w.k % 11 = 5
  FROM (SELECT k,
               CASE WHEN k = 1 THEN d.day
                    WHEN k = d.total THEN d.day + interval '23:59:59.999'
                    ELSE d.day + interval '1 day' * (u + 0.6 / (2 * pi()) * sin(2 * pi() * u)) END AS created_at,
               late, CASE WHEN late THEN d.next_day ELSE d.day END AS written, (k - 0.5) / d.total AS pos
          FROM bench_days AS d
         CROSS JOIN LATERAL generate_series(1, d.total) AS k
         CROSS JOIN LATERAL (
               SELECT CASE WHEN :'shape' = 'A' THEN (k - 0.5) / d.total
                           ELSE (hashint8(k::bigint * 100003 + (d.day::date - :'day'::date))::bigint
                                 + 2147483648.5) / 4294967296.0 END AS u,
                      :'shape' = 'B' AND k % 1000 = 500 AND d.next_day IS NOT NULL AS late) AS f) AS w
 ORDER BY 1;

-- the lines, in order id order; product ids skewed to the low ones (r1 * r2)
INSERT INTO order_items (id, order_id, product_id, quantity, price)
SELECT id * 4 + line, id, product_id,
       1 + floor(random() * random() * 3)::int,
       pg_temp.price_of(product_id)
  FROM (SELECT o.id, line, 1 + floor(2000 * random() * random())::int AS product_id
          FROM orders AS o
         CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 3 + 0 * o.id)::int) AS line
         ORDER BY o.id, line) AS l;

SELECT setval('orders_id_seq', max(id)) FROM orders;
SELECT setval('order_items_id_seq', max(id)) FROM order_items;
COMMIT;

-- the shop's keys; the foreign keys as the app declares them (NOT VALID: the
-- generated rows satisfy them, and checking 10^7 rows would only cost time)
ALTER TABLE orders ADD PRIMARY KEY (id);
ALTER TABLE order_items ADD PRIMARY KEY (id);
ALTER TABLE order_items ADD FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
ALTER TABLE order_items ADD FOREIGN KEY (product_id) REFERENCES products (id) NOT VALID;
