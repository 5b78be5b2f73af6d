"""
The shop's own tables in the shapes other shops have, with and without the
recommended indexes: ids that follow time; created_at shuffled within the day
with late orders (written with a later day's ids, so a comparison day's late
orders sit inside the report day's ids); ids from a sequence shared with other
tables (sparse); ids with no relation to time; a day with a single order far
from the others.  In every case the result row, the comparison days (the
change ratios on the real Pushgateway) and the counts equal a fresh
hand-written computation, also after the comparison days' orders change; a run
without the indexes says so in one NOTICE naming the statement to run.
"""

import re
from decimal import Decimal

import harness
from shop import StackTestCase

DAY = "2025-05-14"          # a Wednesday
DAY_BEFORE = "2025-05-13"
WEEK_BEFORE = "2025-05-07"
ORDERS_PER_DAY = 1500
NOTICE = "the shop's tables lack the recommended"

# the order ids of each shape: k is the order's position in insertion order (1..n), t its created_at
SHAPES = {
    "time_ordered": "k",
    "sparse_ids": "k * 3",
    "random_ids": "(k * 7919) % 1000003 + 1",
    "shuffled_late": "k",
}

SCHEMA = """
CREATE TABLE {s}.products (id serial PRIMARY KEY, name text NOT NULL, price double precision NOT NULL);
CREATE TABLE {s}.orders (id integer PRIMARY KEY, user_id integer, total_price double precision NOT NULL DEFAULT 0,
                         created_at timestamp NOT NULL, is_open boolean NOT NULL DEFAULT true);
CREATE TABLE {s}.order_items (id serial PRIMARY KEY, order_id integer NOT NULL REFERENCES {s}.orders (id),
                              product_id integer NOT NULL REFERENCES {s}.products (id),
                              quantity integer NOT NULL, price double precision NOT NULL);
INSERT INTO {s}.products (name, price)
SELECT 'Produto ' || g, round((1 + (g * 37) % 500 + (g % 100) / 100.0)::numeric, 2) FROM generate_series(1, 60) g;
"""

# Days from WEEK_BEFORE - 1 to DAY + 1 in insertion order; within a day, orders are inserted in
# time order except in shuffled_late, where created_at is drawn at random within the day and 1% of
# each day's orders are inserted with the next day's (late: an id in the next day's range).
LOAD = """
SELECT setseed(0.25);
CREATE TEMP TABLE seq AS
SELECT row_number() OVER (ORDER BY insert_day, r) AS k, day, at
  FROM (SELECT d::date AS day, g,
               d + CASE WHEN {shuffled} THEN random() * interval '1 day'
                        ELSE (g - 0.5) / {n} * interval '1 day' END AS at,
               d::date + CASE WHEN {shuffled} AND g % 100 = 7 THEN 1 ELSE 0 END AS insert_day,
               g AS r
          FROM generate_series(DATE '{first}', DATE '{last}', interval '1 day') AS d,
               generate_series(1, {n}) AS g) AS x;
INSERT INTO {s}.orders (id, created_at, is_open)
SELECT {id}, at, k % 11 = 4 FROM seq;
INSERT INTO {s}.order_items (order_id, product_id, quantity, price)
SELECT o.id, 1 + (o.id * 13 + line * 7) % 60, 1 + (o.id + line) % 3, p.price
  FROM {s}.orders o, generate_series(1, 1 + o.id % 3) AS line, {s}.products p
 WHERE p.id = 1 + (o.id * 13 + line * 7) % 60;
ANALYZE {s}.orders; ANALYZE {s}.order_items; ANALYZE {s}.products;
"""

HAND = """
SELECT count(DISTINCT o.id), coalesce(round(sum((i.quantity * i.price)::numeric), 2), 0),
       coalesce(sum(i.quantity), 0)
  FROM {s}.orders o LEFT JOIN {s}.order_items i ON i.order_id = o.id
 WHERE NOT o.is_open AND o.created_at >= DATE '{day}' AND o.created_at < DATE '{day}' + 1
"""


def hand_figures(stack, schema, day):
    """(closed orders, revenue to the cent, items) of `day`, straight from the tables."""
    orders, revenue, items = stack.psql(HAND.format(s=schema, day=day)).rows[0]
    return int(orders), Decimal(revenue), int(items)


class ShopShapesTest(StackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for shape, ids in SHAPES.items():
            schema = "shape_" + shape
            cls.stack.psql("DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema,
                           SCHEMA.format(s=schema),
                           LOAD.format(s=schema, id=ids, n=ORDERS_PER_DAY, shuffled="true" if shape == "shuffled_late"
                                       else "false", first="2025-05-06", last="2025-05-15"))
        # a day whose only orders lie far from every other id: one below them all, one far above
        cls.stack.psql(
            "INSERT INTO shape_time_ordered.orders (id, created_at, is_open) VALUES"
            " (-5, DATE '%s' + interval '1 hour', false), (900000000, DATE '%s' + interval '2 hours', false)"
            % (DAY, DAY),
            "INSERT INTO shape_time_ordered.order_items (order_id, product_id, quantity, price)"
            " VALUES (-5, 3, 2, 10.25), (900000000, 4, 1, 99.99)")

    def run_shape(self, schema):
        settings = {"daily_sales_report.shop_schema": schema, "daily_sales_report.timezone": "UTC",
                    "client_min_messages": "notice"}
        row, result = self.report(DAY, settings=settings)
        return row, result.stderr

    def assert_exact(self, schema, row):
        orders, revenue, items = hand_figures(self.stack, schema, DAY)
        self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"])),
                         (orders, revenue, items), schema + ": the day's figures")
        for compared_to, day in (("previous_day", DAY_BEFORE), ("week_before", WEEK_BEFORE)):
            other = hand_figures(self.stack, schema, day)[1]
            ratio = self.day_value("daily_sales_revenue_change_ratio", day=DAY, compared_to=compared_to)
            self.assertIsNotNone(ratio, "%s: no change ratio against the %s" % (schema, compared_to))
            self.assertAlmostEqual(ratio, float((revenue - other) / abs(other)), places=9,
                                   msg="%s: change against the %s" % (schema, compared_to))

    def test_every_shape_with_and_without_indexes(self):
        for shape in SHAPES:
            schema = "shape_" + shape
            with self.subTest(shape=shape, indexes=False):
                row, messages = self.run_shape(schema)
                self.assert_exact(schema, row)
                self.assertEqual(messages.count(NOTICE), 1, messages)
                self.assertIn("indexes on orders (created_at) and order_items (order_id)", messages)
                self.assertIn("SELECT daily_sales_report.create_recommended_indexes()", messages)
                self.assertIn("CREATE INDEX CONCURRENTLY ON %s.orders (created_at); CREATE INDEX CONCURRENTLY ON"
                              " %s.order_items (order_id);" % (schema, schema), messages)
            self.stack.psql("CREATE INDEX ON %s.orders (created_at)" % schema,
                            "CREATE INDEX ON %s.order_items (order_id)" % schema,
                            "ANALYZE %s.orders" % schema, "ANALYZE %s.order_items" % schema)
            with self.subTest(shape=shape, indexes=True):
                row, messages = self.run_shape(schema)
                self.assert_exact(schema, row)
                self.assertNotIn(NOTICE, messages)
            self.stack.psql("DROP INDEX %s.orders_created_at_idx" % schema,
                            "DROP INDEX %s.order_items_order_id_idx" % schema)

    def test_one_index_missing_is_named(self):
        schema = "shape_time_ordered"
        self.stack.psql("CREATE INDEX ON %s.orders (created_at)" % schema)
        try:
            row, messages = self.run_shape(schema)
            self.assert_exact(schema, row)
            self.assertRegex(messages, re.escape(NOTICE) + r" index on order_items \(order_id\)")
            self.assertIn("run CREATE INDEX CONCURRENTLY ON %s.order_items (order_id); (or" % schema, messages)
        finally:
            self.stack.psql("DROP INDEX %s.orders_created_at_idx" % schema)

    def test_ids_that_are_not_integers(self):
        """uuid order ids have no range: the days are still read exactly, with and without indexes."""
        schema = "shape_uuid"
        self.stack.psql(
            "DROP SCHEMA IF EXISTS %(s)s CASCADE" % {"s": schema}, "CREATE SCHEMA %s" % schema,
            "CREATE TABLE %(s)s.products (id integer PRIMARY KEY, name text NOT NULL)" % {"s": schema},
            "CREATE TABLE %(s)s.orders (id uuid PRIMARY KEY, created_at timestamp NOT NULL,"
            "                           is_open boolean NOT NULL)" % {"s": schema},
            "CREATE TABLE %(s)s.order_items (order_id uuid NOT NULL, product_id integer NOT NULL,"
            "                                quantity integer NOT NULL, price double precision NOT NULL)" % {"s": schema},
            "INSERT INTO %(s)s.products SELECT g, 'Item ' || g FROM generate_series(1, 9) g" % {"s": schema},
            "INSERT INTO %(s)s.orders SELECT md5(g::text)::uuid, DATE '2025-05-06' + g * interval '7 minutes',"
            "       g %% 9 = 0 FROM generate_series(1, 2100) g" % {"s": schema},
            "INSERT INTO %(s)s.order_items SELECT id, 1 + length(id::text) %% 9 + ascii(id::text) %% 5, 1 + ascii(id::text) %% 3,"
            "       10.5 + ascii(id::text) %% 7 FROM %(s)s.orders" % {"s": schema})
        for indexes in (False, True):
            if indexes:
                self.stack.psql("CREATE INDEX ON %s.orders (created_at)" % schema,
                                "CREATE INDEX ON %s.order_items (order_id)" % schema)
            with self.subTest(indexes=indexes):
                self.assert_exact(schema, self.run_shape(schema)[0])

    def test_comparison_days_follow_later_changes(self):
        """The comparison days are computed again at every run: a change to their orders after they were
        reported shows in the next report of the day (no trigger on the shop's tables tells anything)."""
        schema = "shape_shuffled_late"
        self.stack.psql("CREATE INDEX ON %s.orders (created_at)" % schema,
                        "CREATE INDEX ON %s.order_items (order_id)" % schema)
        try:
            for day in (WEEK_BEFORE, DAY_BEFORE):
                self.report(day, settings={"daily_sales_report.shop_schema": schema,
                                           "daily_sales_report.timezone": "UTC"})
            self.assert_exact(schema, self.run_shape(schema)[0])
            self.stack.psql(
                # a price corrected, a line removed, an order moved to another day, one reopened
                "UPDATE %(s)s.order_items SET price = price + 1.5 WHERE order_id IN (SELECT id FROM %(s)s.orders"
                "   WHERE created_at >= DATE '%(d1)s' AND created_at < DATE '%(d1)s' + 1 ORDER BY id LIMIT 40)"
                % {"s": schema, "d1": DAY_BEFORE},
                "DELETE FROM %(s)s.order_items WHERE id IN (SELECT i.id FROM %(s)s.order_items i JOIN %(s)s.orders o"
                "   ON o.id = i.order_id WHERE o.created_at >= DATE '%(d7)s' AND o.created_at < DATE '%(d7)s' + 1"
                "   ORDER BY i.id LIMIT 25)" % {"s": schema, "d7": WEEK_BEFORE},
                "UPDATE %(s)s.orders SET created_at = created_at - interval '1 day' WHERE id IN (SELECT id FROM"
                "   %(s)s.orders WHERE created_at >= DATE '%(d1)s' AND created_at < DATE '%(d1)s' + 1 ORDER BY id"
                "   DESC LIMIT 10)" % {"s": schema, "d1": DAY_BEFORE},
                "UPDATE %(s)s.orders SET is_open = true WHERE id = (SELECT min(id) FROM %(s)s.orders WHERE NOT"
                "   is_open AND created_at >= DATE '%(d7)s' AND created_at < DATE '%(d7)s' + 1)"
                % {"s": schema, "d7": WEEK_BEFORE})
            self.assert_exact(schema, self.run_shape(schema)[0])
        finally:
            self.stack.psql("DROP INDEX IF EXISTS %s.orders_created_at_idx" % schema,
                            "DROP INDEX IF EXISTS %s.order_items_order_id_idx" % schema)
