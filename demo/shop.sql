-- demo/shop.sql — a demo shop for daily_sales_report: the "fakeshop" schema
-- the extension reads by default, a catalogue of 25 products and 30 days of
-- orders up to yesterday.
--
-- The shop is in São Paulo: its days and hours are local time there, while
-- orders.created_at holds UTC (as the fakeshop app writes it).  The report
-- calendar of this database is set to match.
--
-- Deterministic: every day is generated after setseed(<that day>), so the
-- same day always has the same orders, whenever it is loaded.  Idempotent:
-- run again, it only adds the days missing up to yesterday (a demo left
-- running for a week still has a "yesterday" to report).
--
-- Run with: psql -1 -v ON_ERROR_STOP=1 -d shop -f demo/shop.sql

-- random() is drawn in row order: keep plans serial so the order never changes
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;

-- ---- schema (the shop app's) ----------------------------------------------
\ir shop-schema.sql

-- Days are São Paulo days in the report too (the default would be the server's TimeZone).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET daily_sales_report.timezone = %L',
                   current_database(), 'America/Sao_Paulo');
END
$$;

-- ---- catalogue -------------------------------------------------------------
-- weight: how often a product lands in a basket; max_qty: units per line at most
CREATE TEMP TABLE catalogue_list (
    position   int PRIMARY KEY,
    name       text NOT NULL,
    price      double precision NOT NULL,
    weight     double precision NOT NULL,
    max_qty    int NOT NULL
) ON COMMIT DROP;

INSERT INTO catalogue_list (position, name, price, weight, max_qty) VALUES
    ( 1, 'Câmera 4K Ação à Prova d''Água',         1299.90,  3, 1),
    ( 2, 'Monitor 27" UltraWide',                   1899.00,  2, 1),
    ( 3, 'Pão de Queijo Congelado 1 kg',              32.90, 14, 4),
    ( 4, 'Fone Bluetooth Cancelamento de Ruído',     599.90,  6, 1),
    ( 5, 'Teclado Mecânico ABNT2',                   349.90,  5, 1),
    ( 6, 'Mouse Sem Fio Ergonômico',                 129.90,  8, 2),
    ( 7, 'Cabo USB-C Trançado 2 m',                   39.90, 14, 3),
    ( 8, 'Carregador Turbo 65 W',                    159.90,  8, 2),
    ( 9, 'Smartwatch Esportivo com GPS',             899.00,  4, 1),
    (10, 'Café Especial Torra Média 500 g',           54.90, 16, 4),
    (11, 'Cafeteira Elétrica Programável',           289.90,  4, 1),
    (12, 'Garrafa Térmica Aço Inox 1 L',              89.90,  9, 2),
    (13, 'Mochila Executiva Antifurto',              219.90,  5, 1),
    (14, 'Caderno Pautado Capa Dura',                 34.90, 10, 4),
    (15, 'Luminária LED de Mesa',                    119.90,  6, 2),
    (16, 'Cadeira Gamer Reclinável',                1149.00,  2, 1),
    (17, 'Tênis de Corrida Leve',                    399.90,  6, 1),
    (18, 'Camiseta Algodão Orgânico',                 79.90, 10, 3),
    (19, 'Óculos de Sol Polarizado',                 249.90,  4, 1),
    (20, 'Protetor Solar FPS 50',                     59.90,  9, 3),
    (21, 'Açaí Orgânico 1 kg',                        44.90, 10, 3),
    (22, 'Doce de Leite Artesanal 400 g',             24.90, 10, 4),
    (23, 'Chá-Mate Limão & Hortelã (25 sachês)',      18.90,  9, 4),
    (24, 'Panela de Pressão Elétrica 6 L',           479.90,  3, 1),
    (25, 'Livro "Cem Anos de Solidão"',               69.90,  5, 2);

INSERT INTO products (name, price)
SELECT name, price FROM catalogue_list
 WHERE NOT EXISTS (SELECT FROM products)
 ORDER BY position;

-- with the product ids; the generator below draws random() per catalogue
-- row in catalogue order, so it reads the rows ORDER BY position
CREATE TEMP TABLE catalogue ON COMMIT DROP AS
SELECT c.*, p.id AS product_id
  FROM catalogue_list c JOIN products p USING (name);

-- ---- when people buy (local time) -------------------------------------------
-- Orders per hour of the day: quiet nights, a lunch peak, a bigger evening peak.
CREATE TEMP TABLE hour_cdf ON COMMIT DROP AS
SELECT (i - 1)::int AS hour,
       sum(w) OVER (ORDER BY i) / sum(w) OVER () AS cum      -- numeric: the last is exactly 1
  FROM unnest(ARRAY[1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3.5, 4.2, 5.5,
                    7.5, 7.0, 5.0, 4.2, 4.0, 4.5, 6.0, 8.0, 8.8, 7.5, 5.0, 2.8]::numeric[])
       WITH ORDINALITY AS t(w, i);

-- ---- the days ----------------------------------------------------------------
DO $$
DECLARE
    zone       constant text := 'America/Sao_Paulo';
    -- Monday .. Sunday: the weekend dips
    dow_factor constant float8[] := ARRAY[1.00, 1.03, 1.05, 1.02, 1.12, 0.74, 0.63];
    today      date := (now() AT TIME ZONE zone)::date;
    first_day  date := today - 30;
    last_day   date;
    day        date;
    sales      int;
    carts      int;
    last_id    int;
BEGIN
    SELECT max((created_at AT TIME ZONE 'UTC' AT TIME ZONE zone)::date) INTO last_day FROM orders;
    IF last_day IS NOT NULL THEN
        first_day := greatest(first_day, last_day + 1);
    END IF;

    FOR day IN SELECT generate_series(first_day, today - 1, interval '1 day')::date LOOP
        PERFORM setseed(((day - date '2000-01-01') % 10000) / 10000.0);

        -- a few hundred sales: weekday pattern, a slow wave over the weeks, noise
        sales := round(310 * dow_factor[extract(isodow FROM day)]
                           * (1 + 0.06 * sin((day - date '2000-01-01') / 9.0))
                           * (0.92 + 0.16 * random()));
        carts := 6 + floor(random() * 10);     -- abandoned carts: never revenue
        SELECT coalesce(max(id), 0) INTO last_id FROM orders;

        INSERT INTO orders (user_id, created_at, is_open)
        SELECT user_id,
               date_trunc('second', (day + at_local) AT TIME ZONE zone AT TIME ZONE 'UTC'),
               is_open
          FROM (SELECT 1 + floor(r_user * 4000)::int AS user_id,
                       make_interval(hours => coalesce((SELECT hour FROM hour_cdf
                                                         WHERE cum >= r_hour
                                                         ORDER BY cum LIMIT 1), 23))
                           + r_minute * interval '1 hour' AS at_local,
                       n > sales AS is_open
                  FROM (SELECT n, random() AS r_hour, random() AS r_minute, random() AS r_user
                          FROM generate_series(1, sales + carts) AS n) AS draws) AS o
         ORDER BY at_local;

        -- 1-4 different products per order, popular ones more often (weighted
        -- sampling without replacement: the smallest -ln(u)/weight win)
        INSERT INTO order_items (order_id, product_id, quantity, price)
        SELECT o.id, pick.product_id,
               1 + floor(pick.r_qty * pick.r_qty * pick.max_qty)::int,
               pick.price
          FROM (SELECT id,
                       CASE WHEN r < 0.45 THEN 1 WHEN r < 0.75 THEN 2
                            WHEN r < 0.92 THEN 3 ELSE 4 END AS lines
                  FROM (SELECT id, random() AS r FROM orders WHERE id > last_id ORDER BY id) AS x
               ) AS o
          CROSS JOIN LATERAL (
                SELECT c.product_id, c.price, c.max_qty, c.position, random() AS r_qty
                  FROM (SELECT * FROM catalogue ORDER BY position) AS c
                 ORDER BY -ln(1 - random()) / c.weight
                 LIMIT o.lines) AS pick
         ORDER BY o.id, pick.position;
    END LOOP;
END
$$;

ANALYZE products;
ANALYZE orders;
ANALYZE order_items;
