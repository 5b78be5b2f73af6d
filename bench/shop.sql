-- bench/shop.sql — benchmark data in the shop's ("fakeshop") schema, as the
-- extension reads it by default.  Run by bench/run in an empty database:
--
--   psql -v closed=N -v day=YYYY-MM-DD [-v other=M -v first=-F] -f bench/shop.sql
--
-- The table holds 31 days, oldest first, in the order a shop writes them
-- (ids and heap order follow created_at, as in a real append-only table):
--   report day   D           :closed closed orders
--   previous day D-1         0.9 x :closed   (read by the report's comparison)
--   week before  D-7         1.1 x :closed   (read by the report's comparison)
--   D-29 .. D-2, the others  :other each (default 0.1 x :closed; D-:first with -v first)
--   D+1 ("today", partial)   0.1 x :closed
-- and, on top of each day's closed orders, open carts (is_open) worth 10% of
-- them, which the report must ignore.  The first order of every day is at
-- 00:00:00.000 and the last at 23:59:59.999 (boundary orders).  D-30 has no
-- sales at all (the empty-day case).  Order lines: 1-3 per order (2 on
-- average), quantity 1-3, 2000 products, the popular ones bought far more
-- often.  Deterministic (setseed).
\set ON_ERROR_STOP on
\if :{?other} \else \set other :closed/10 \endif
\if :{?first} \else \set first -29 \endif
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

-- the days: closed orders, all orders (carts: every 11th from the 5th), first id
CREATE TEMP TABLE bench_days AS
SELECT day, closed, closed + closed / 10 AS total,
       1 + coalesce(sum(closed + closed / 10) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING
                                                                     AND 1 PRECEDING), 0)::int AS first_id
  FROM (SELECT (:'day'::date + o)::timestamp AS day,
               (CASE WHEN o = 0 THEN :closed
                     WHEN o = -1 THEN :closed * 9 / 10
                     WHEN o = -7 THEN :closed * 11 / 10
                     ELSE :other END) / 10 * 10 AS closed
          FROM generate_series(:first, 1) AS o) AS d;

-- Orders in time order.  Order k of a day of T orders is at the fraction
-- t(u) = u + 0.6/(2 pi) sin(2 pi u) of the day, u = (k - 0.5)/T: quiet nights,
-- busy afternoons; k = 1 and k = T are the boundary orders.
INSERT INTO orders (id, user_id, created_at, is_open)
SELECT d.first_id + k - 1,
       1 + (k::bigint * 7919) % 500000,
       CASE WHEN k = 1 THEN d.day
            WHEN k = d.total THEN d.day + interval '23:59:59.999'
            ELSE d.day + interval '1 day' * (u + 0.6 / (2 * pi()) * sin(2 * pi() * u)) END,
       k % 11 = 5
  FROM bench_days AS d
 CROSS JOIN LATERAL generate_series(1, d.total) AS k
 CROSS JOIN LATERAL (SELECT (k - 0.5) / d.total AS u) AS f
 ORDER BY d.day, k;

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
