-- The extension and a small shop with known figures.
CREATE EXTENSION daily_sales_report CASCADE;
SELECT extname, extversion FROM pg_extension WHERE extname IN ('daily_sales_report', 'pg_cron') ORDER BY 1;
-- every object of the extension says what it is (COMMENT ON)
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS without_comment
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'daily_sales_report')
   AND NOT EXISTS (SELECT FROM pg_description c
                    WHERE c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0)
 ORDER BY 1;

-- The regression database never pushes; integration tests cover the Pushgateway.
ALTER DATABASE contrib_regression SET daily_sales_report.pushgateway_url = '';

-- The shop's schema ("fakeshop"): orders.total_price is left at 0 by the app.
CREATE TABLE products (
    id    serial PRIMARY KEY,
    name  text NOT NULL,
    price double precision NOT NULL
);
CREATE TABLE orders (
    id          serial PRIMARY KEY,
    user_id     integer,
    total_price double precision NOT NULL DEFAULT 0,
    created_at  timestamp without time zone NOT NULL,   -- UTC
    is_open     boolean NOT NULL DEFAULT true
);
CREATE TABLE order_items (
    id         serial PRIMARY KEY,
    order_id   integer NOT NULL REFERENCES orders (id),
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL,
    price      double precision NOT NULL
);
CREATE INDEX ON orders (created_at);

INSERT INTO products (id, name, price) VALUES
    (1, 'iPhone 15', 4450.00),
    (2, 'Câmera 4K Ação à Prova d''Água', 899.90),
    (3, 'Monitor 27" UltraWide', 1899.99),
    (4, 'Pão de Queijo', 12.50),
    (5, 'Caneca 📦 Presente', 39.90),
    (6, 'Cabo USB-C', 19.90);

-- helper: a closed order at a UTC time with (product, quantity) pairs
CREATE FUNCTION sale(at timestamp, items int[][], open boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    order_id int;
    pair int[];
BEGIN
    INSERT INTO orders (user_id, created_at, is_open) VALUES (1, at, open) RETURNING id INTO order_id;
    FOREACH pair SLICE 1 IN ARRAY items LOOP
        INSERT INTO order_items (order_id, product_id, quantity, price)
        SELECT order_id, p.id, pair[2], p.price FROM products p WHERE p.id = pair[1];
    END LOOP;
END $$;

DO $$
BEGIN
    -- 2025-09-22 (a Monday), in UTC
    PERFORM sale('2025-09-22 00:00:00', '{{1,1}}');             -- first instant of the day
    PERFORM sale('2025-09-22 09:15:00', '{{2,1},{4,3}}');
    PERFORM sale('2025-09-22 13:30:00', '{{3,1},{6,2}}');
    PERFORM sale('2025-09-22 13:45:00', '{{1,1},{5,2}}');
    PERFORM sale('2025-09-22 23:59:59.999', '{{4,4}}');        -- last instant of the day
    PERFORM sale('2025-09-23 00:00:00', '{{1,5}}');             -- next day: not counted
    PERFORM sale('2025-09-22 12:00:00', '{{1,10}}', open => true);  -- a cart: never counted
    -- the day before and a week before
    PERFORM sale('2025-09-21 10:00:00', '{{3,2}}');
    PERFORM sale('2025-09-21 18:00:00', '{{6,1}}');
    PERFORM sale('2025-09-15 11:00:00', '{{1,1},{4,2}}');
    -- DST in America/New_York: 2025-03-09 has 23 hours, 2025-11-02 has 25
    PERFORM sale('2025-03-09 04:59:00', '{{6,1}}');   -- 23:59 EST on 03-08: not counted
    PERFORM sale('2025-03-09 05:00:00', '{{4,1}}');   -- 00:00 EST on 03-09
    PERFORM sale('2025-03-10 03:59:00', '{{4,1}}');   -- 23:59 EDT on 03-09
    PERFORM sale('2025-03-10 04:00:00', '{{6,1}}');   -- 00:00 EDT on 03-10: not counted
    PERFORM sale('2025-11-02 03:30:00', '{{6,1}}');   -- 23:30 EDT on 11-01: not counted
    PERFORM sale('2025-11-02 04:00:00', '{{4,1}}');   -- 00:00 EDT on 11-02
    PERFORM sale('2025-11-02 05:30:00', '{{4,1}}');   -- 01:30 EDT
    PERFORM sale('2025-11-02 06:30:00', '{{4,1}}');   -- 01:30 EST, the repeated hour
    PERFORM sale('2025-11-03 04:30:00', '{{4,1}}');   -- 23:30 EST on 11-02
    PERFORM sale('2025-11-03 05:00:00', '{{6,1}}');   -- 00:00 EST on 11-03: not counted
END
$$;
