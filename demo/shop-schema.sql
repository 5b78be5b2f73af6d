-- demo/shop-schema.sql — the shop app's schema ("fakeshop"), which the
-- extension reads by default, with the two indexes the report's range scans
-- use (see README, "Data source").  Idempotent: only what is missing is
-- created.  Included by demo/shop.sql, and run by the Docker image's first
-- start (docker/postgres/initdb.d/10-daily-sales-report.sh).
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS products (
    id    serial PRIMARY KEY,
    name  text NOT NULL,
    price double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id          serial PRIMARY KEY,
    user_id     integer,
    total_price double precision NOT NULL DEFAULT 0,    -- the app leaves it at 0
    created_at  timestamp without time zone NOT NULL,   -- UTC
    is_open     boolean NOT NULL DEFAULT true           -- true: a cart, not a sale
);
CREATE TABLE IF NOT EXISTS order_items (
    id         serial PRIMARY KEY,
    order_id   integer NOT NULL REFERENCES orders (id),
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL,
    price      double precision NOT NULL                -- unit price paid
);
-- the report reads one day by a range on created_at
CREATE INDEX IF NOT EXISTS orders_created_at_idx ON orders (created_at);
CREATE INDEX IF NOT EXISTS order_items_order_id_idx ON order_items (order_id);
