"""
Hostile shapes and timings for the shop's own tables (src/kpi/shop_query.cpp):

- the owner of the shop's schema renames it while a run waits on its table
  lock, and puts views of its own under the old name: the run must refuse
  them, and no function of theirs may run as the caller (a superuser here,
  as under pg_cron);
- a run whose first attempt fails before it looks at the indexes (a lock
  timeout) still says once that they are missing;
- order ids at both ends of bigint in one day, most of them at the top (the
  dense range is the last histogram bucket): exact figures;
- under repeatable read, another run stores the same day between this run's
  snapshot and its own store in daily_sales_report.day_totals: the run
  succeeds, without a retry (the stored figures are a cache);
- a writer holds orders locked while it adds an order of the day: the run
  waits for it and counts that order (its snapshot is taken after its locks);
- the run's process is terminated while it plans a KPI statement (waiting
  for an index a REINDEX holds): the run is recorded as terminated at once,
  and nothing claims the shop's tables changed;
- orders.id without a primary key, some ids written twice (on the same day,
  on two days) and days with late orders far above the others' ids: every
  order counted once, and its lines once, with and without the indexes,
  also for a role granted SELECT on the columns read only;
- ids unique under a collation other than the column's (a unique index in
  "C" on a case-insensitive column): no proof of one row per order;
- order_items.order_id or product_id under a looser equality than the id it
  names (case-insensitive against case-sensitive, float8 against bigint):
  refused, since one line could equal two orders;
- a materialized view, a foreign table or a sequence where a table should be:
  refused, the message naming what it is; so is a foreign partition or
  inheritance child of orders (its server's view would run the owner's code
  as the caller);
- products without a primary key, an id written twice: the best seller's
  revenue is not doubled;
- a line without a price in a week the expected band reads from the tables:
  its quantity is no item there either, as in the report's own day; a NaN
  line there gives no band (its day's report would fail), not a band without it;
- float8 quantities NaN, infinite or beyond a bigint: named, not a bare cast
  error; money prices (read in lc_monetary's decimals): refused; domains
  over built-in types: read as those types;
- the tables' owner hides a function in a CHECK constraint, an index, a
  statistics object, a partition key or a row-level security policy, which
  PostgreSQL would call as the role running the report (or, SECURITY
  DEFINER, as itself inside the run, releasing its locks; or in a parallel
  worker; or an extension's function running any SQL): refused, named.
"""

import os
import subprocess
import time
from decimal import Decimal

import harness
from shop import StackTestCase
from test_shop_shapes import DAY, DAY_BEFORE, NOTICE, WEEK_BEFORE, hand_figures

# the figures of a day with each order (an id) and each line counted once
HAND_ONCE = """
SELECT (SELECT count(DISTINCT id) FROM {s}.orders
         WHERE NOT is_open AND created_at >= DATE '{day}' AND created_at < DATE '{day}' + 1),
       coalesce(round(sum((i.quantity * i.price)::numeric), 2), 0), coalesce(sum(i.quantity), 0)
  FROM {s}.order_items i
 WHERE i.order_id IN (SELECT id FROM {s}.orders
                       WHERE NOT is_open AND created_at >= DATE '{day}' AND created_at < DATE '{day}' + 1)
"""
OWNER = "shop_schema_owner"
COLUMN_READER = "shop_column_reader"
RUN_BACKEND = "daily_sales_report run"      # a run worker's backend_type
SCHEMA = "swapped_shop"



def one_order_shop(schema):
    """A shop schema without the recommended indexes and one closed order of 10.00 on DAY."""
    return ("DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema,
            "CREATE TABLE %s.products (id integer PRIMARY KEY, name text)" % schema,
            "CREATE TABLE %s.orders (id integer PRIMARY KEY, created_at timestamp, is_open boolean)" % schema,
            "CREATE TABLE %s.order_items (order_id integer, product_id integer, quantity integer,"
            " price double precision)" % schema,
            "INSERT INTO %s.products VALUES (1, 'A')" % schema,
            "INSERT INTO %s.orders VALUES (1, '%s 10:00', false)" % (schema, DAY),
            "INSERT INTO %s.order_items VALUES (1, 1, 1, 10)" % schema)

class ShopAttacksTest(StackTestCase):

    def settings(self, schema, **extra):
        settings = {"daily_sales_report.shop_schema": schema, "daily_sales_report.timezone": "UTC",
                    "client_min_messages": "notice"}
        settings.update(extra)
        return settings

    def test_a_schema_swapped_during_a_run_is_refused(self):
        stack = self.stack
        stack.psql("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA, "DROP SCHEMA IF EXISTS %s_real CASCADE" % SCHEMA,
                   "DROP ROLE IF EXISTS %s" % OWNER, "CREATE ROLE %s LOGIN" % OWNER,
                   "GRANT CREATE ON DATABASE %s TO %s" % (harness.DB, OWNER))
        try:
            statements = [
                "CREATE SCHEMA {s}",
                "CREATE TABLE {s}.products (id integer PRIMARY KEY, name text)",
                "CREATE TABLE {s}.orders (id integer PRIMARY KEY, created_at timestamp, is_open boolean)",
                "CREATE TABLE {s}.order_items (order_id integer, product_id integer, quantity integer,"
                " price double precision)",
                "INSERT INTO {s}.products VALUES (1, 'A')",
                "INSERT INTO {s}.orders VALUES (1, '{d} 10:00', false)",
                "INSERT INTO {s}.order_items VALUES (1, 1, 1, 10)",
                "CREATE TABLE {s}.calls (who name)",
                "GRANT USAGE ON SCHEMA {s} TO PUBLIC",
                "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO PUBLIC",
                "GRANT INSERT ON {s}.calls TO PUBLIC",
                "CREATE FUNCTION {s}.trap() RETURNS boolean LANGUAGE plpgsql AS $t$ BEGIN"
                " BEGIN EXECUTE 'ALTER ROLE {o} SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;"
                " INSERT INTO {s}_real.calls VALUES (current_user); RETURN true; END $t$",
                "GRANT EXECUTE ON FUNCTION {s}.trap() TO PUBLIC",
            ]
            stack.psql(*[x.format(s=SCHEMA, d=DAY, o=OWNER) for x in statements], user=OWNER)
            # the owner holds its table while the run starts, swaps the schema, then lets the run go on
            swap = stack.psql_popen(*[x.format(s=SCHEMA) for x in [
                "BEGIN",
                "LOCK {s}.orders IN ACCESS EXCLUSIVE MODE",
                "SELECT pg_sleep(2)",
                "ALTER SCHEMA {s} RENAME TO {s}_real",
                "CREATE SCHEMA {s}",
                "GRANT USAGE ON SCHEMA {s} TO PUBLIC",
                "CREATE VIEW {s}.orders AS SELECT id, created_at, is_open FROM {s}_real.orders WHERE {s}_real.trap()",
                "CREATE VIEW {s}.order_items AS SELECT * FROM {s}_real.order_items",
                "CREATE VIEW {s}.products AS SELECT * FROM {s}_real.products",
                "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO PUBLIC",
                "COMMIT"]], user=OWNER)
            time.sleep(0.5)
            row, result = stack.run_report(DAY, settings=self.settings(SCHEMA), check=False)
            swap.communicate(timeout=60)
            self.assertFalse(result.ok, result)
            self.assertIn("%s.order_items is a view, not a table" % SCHEMA, result.stderr)
            self.assertEqual(stack.psql("SELECT count(*) FROM %s_real.calls" % SCHEMA).value, "0")
            self.assertEqual(stack.psql("SELECT rolsuper FROM pg_roles WHERE rolname = '%s'" % OWNER).value, "f")
        finally:
            stack.psql("ALTER ROLE %s NOSUPERUSER" % OWNER,
                       "DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA, "DROP SCHEMA IF EXISTS %s_real CASCADE" % SCHEMA,
                       "REVOKE CREATE ON DATABASE %s FROM %s" % (harness.DB, OWNER), "DROP ROLE %s" % OWNER)

    def test_index_notice_when_the_first_attempt_fails_early(self):
        schema = "shop_no_index"
        self.stack.psql(*one_order_shop(schema))
        holder = self.stack.psql_popen("BEGIN", "LOCK %s.orders IN ACCESS EXCLUSIVE MODE" % schema,
                                       "SELECT pg_sleep(1.5)", "COMMIT")
        # the run starts once the lock is held (a fixed pause was too short for psql under load)
        deadline = time.monotonic() + 30
        while self.stack.psql("SELECT count(*) FROM pg_locks WHERE granted AND mode = 'AccessExclusiveLock'"
                              " AND relation = '%s.orders'::regclass" % schema).value != "1":
            self.assertLess(time.monotonic(), deadline, "the holder's lock")
            time.sleep(0.02)
        try:
            row, result = self.report(DAY, settings=self.settings(schema, lock_timeout="1s"))
        finally:
            holder.communicate(timeout=30)
        self.assertIn("retry 1 of", result.stderr)
        self.assertEqual(result.stderr.count(NOTICE), 1, result.stderr)

    def test_ids_at_both_ends_of_bigint(self):
        schema = "shop_bigint_ends"
        self.stack.psql(
            "DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema,
            "CREATE TABLE %s.products (id integer PRIMARY KEY, name text)" % schema,
            "CREATE TABLE %s.orders (id bigint PRIMARY KEY, created_at timestamp, is_open boolean)" % schema,
            "CREATE TABLE %s.order_items (order_id bigint, product_id integer, quantity integer,"
            " price double precision)" % schema,
            "CREATE INDEX ON %s.orders (created_at)" % schema, "CREATE INDEX ON %s.order_items (order_id)" % schema,
            "INSERT INTO %s.products VALUES (1, 'A'), (2, 'B')" % schema,
            "INSERT INTO %s.orders VALUES (-9223372036854775808, '%s 01:00', false)" % (schema, DAY),
            "INSERT INTO %s.orders SELECT 9223372036854775807 - g, '%s 02:00', g %% 9 = 0"
            " FROM generate_series(0, 99) g" % (schema, DAY),
            "INSERT INTO %s.orders VALUES (-9223372036854775807, '%s 01:00', false)" % (schema, DAY_BEFORE),
            "INSERT INTO %s.orders SELECT 9223372036854775807 - 1000 - g, '%s 02:00', false"
            " FROM generate_series(0, 99) g" % (schema, DAY_BEFORE),
            "INSERT INTO %s.orders SELECT -9223372036854775807 + 10 + g * 3, '%s 03:00', false"
            " FROM generate_series(0, 49) g" % (schema, WEEK_BEFORE),
            "INSERT INTO %s.orders VALUES (0, '%s 04:00', false)" % (schema, WEEK_BEFORE),
            "INSERT INTO %s.order_items SELECT id, 1 + (id %% 2)::int, 1 + (abs(id %% 3))::int, 1.25 FROM %s.orders"
            % (schema, schema),
            "ANALYZE %s.orders" % schema, "ANALYZE %s.order_items" % schema)
        row, _ = self.report(DAY, settings=self.settings(schema))
        orders, revenue, items = hand_figures(self.stack, schema, DAY)
        self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"])),
                         (orders, revenue, items))
        for compared_to, day in (("previous_day", DAY_BEFORE), ("week_before", WEEK_BEFORE)):
            other = hand_figures(self.stack, schema, day)[1]
            ratio = self.day_value("daily_sales_revenue_change_ratio", day=DAY, compared_to=compared_to)
            self.assertAlmostEqual(ratio, float((revenue - other) / abs(other)), places=9, msg=compared_to)

    def test_same_day_stored_meanwhile_under_repeatable_read(self):
        schema = "shop_band_race"
        self.stack.psql(
            *one_order_shop(schema),
            "DELETE FROM daily_sales_report.day_totals WHERE source = '%s.orders'" % schema)
        # what a concurrent run of the same day does, committed after this run took its snapshot and before
        # it stores: the holder keeps the run's store waiting, writes the day itself, commits
        holder = self.stack.psql_popen(
            "BEGIN", "LOCK daily_sales_report.day_totals IN SHARE MODE", "SELECT pg_sleep(1.5)",
            "INSERT INTO daily_sales_report.day_totals (source, timezone, reader, day, orders, revenue, items_sold)"
            " VALUES ('%s.orders', 'UTC', 'postgres', '%s', 1, 10, 1)" % (schema, DAY),
            "COMMIT")
        time.sleep(0.3)
        try:
            row, result = self.report(DAY, settings=self.settings(
                schema, default_transaction_isolation="repeatable read", **{"daily_sales_report.query_retries": "0"}))
        finally:
            out, err = holder.communicate(timeout=60)
        self.assertEqual(holder.returncode, 0, err)
        self.assertEqual((int(row["orders"]), Decimal(row["revenue"])), (1, Decimal("10.00")))
        self.assertNotIn("could not serialize", result.stderr)
        self.assertEqual(self.stack.psql(
            "SELECT orders, revenue FROM daily_sales_report.day_totals WHERE source = '%s.orders' AND day = '%s'"
            % (schema, DAY)).rows, [["1", "10"]])
        self.assertNotIn("terminated by signal", self.stack.server_log_tail(200))

    def test_orders_a_lock_holder_commits_are_counted(self):
        schema = "shop_lock_writer"
        self.stack.psql(*one_order_shop(schema))
        holder = self.stack.psql_popen(
            "BEGIN", "LOCK %s.orders IN ACCESS EXCLUSIVE MODE" % schema,
            "INSERT INTO %s.orders VALUES (2, '%s 11:00', false)" % (schema, DAY),
            "INSERT INTO %s.order_items VALUES (2, 1, 2, 2.5)" % schema,
            "SELECT pg_sleep(1.5)", "COMMIT")
        time.sleep(0.5)
        try:
            row, _ = self.report(DAY, settings=self.settings(schema))
        finally:
            _, err = holder.communicate(timeout=60)
        self.assertEqual(holder.returncode, 0, err)
        self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"])),
                         (2, Decimal("15.00"), 3))

    def test_run_terminated_while_planning_a_kpi_statement(self):
        schema = "shop_reindexed"
        self.stack.psql(*one_order_shop(schema), "CREATE INDEX ON %s.order_items (order_id)" % schema)
        offset = os.path.getsize(self.stack.pg_log)
        last_run = self.stack.max_run_id()
        application_name = "dsr-it-reindex-%d" % time.monotonic_ns()
        # REINDEX holds the index (not its table) until the holder ends: the run passes its table locks and
        # its checks, then waits when the planner opens the index
        holder = self.stack.psql_popen("BEGIN", "REINDEX INDEX %s.order_items_order_id_idx" % schema,
                                       "SELECT pg_sleep(60)", "COMMIT")
        time.sleep(0.5)
        process = self.stack.psql_popen(self.stack.report_sql(DAY), settings=self.settings(schema),
                                        application_name=application_name)
        try:
            deadline = time.monotonic() + 20
            while True:
                waiting = self.stack.psql(
                    "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted"
                    " WHERE a.backend_type = %s AND a.application_name = %s AND l.relation = '%s.order_items_order_id_idx'::regclass"
                    % (harness.sql_literal(RUN_BACKEND), harness.sql_literal(application_name), schema)).rows
                if waiting or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(len(waiting), 1, "the run waits for the index")
            self.assertEqual(self.stack.psql("SELECT pg_terminate_backend(%s)" % waiting[0][0]).value, "t")
            process.communicate(timeout=30)
        finally:
            self.stack.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE query LIKE 'SELECT pg_sleep(60)%'")
            holder.communicate(timeout=30)
            if process.poll() is None:
                process.kill()
                process.communicate()
        runs = self.new_run_ids(last_run)
        self.assertEqual(len(runs), 1)
        status, _, message, _, _ = self.wait_run_finished(runs[0], timeout=5)
        self.assertEqual(status, "failure")
        self.assertIn("terminated", message)
        with open(self.stack.pg_log, errors="replace") as f:
            f.seek(offset)
            self.assertNotIn("changed during the run", f.read())

    def test_duplicate_order_ids_count_their_lines_once(self):
        schema = "shop_duplicate_ids"
        day_starts = ((WEEK_BEFORE, 0), (DAY_BEFORE, 200), (DAY, 400))
        self.stack.psql(
            "DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema,
            "CREATE TABLE %s.products (id integer PRIMARY KEY, name text)" % schema,
            "CREATE TABLE %s.orders (id integer, created_at timestamp, is_open boolean)" % schema,
            "CREATE TABLE %s.order_items (order_id integer, product_id integer, quantity integer,"
            " price double precision)" % schema,
            "INSERT INTO %s.products VALUES (1, 'A'), (2, 'B'), (3, 'C')" % schema,
            *["INSERT INTO %s.orders SELECT %d + g, DATE '%s' + g * interval '7 minutes', g %% 9 = 0"
              " FROM generate_series(1, 200) g" % (schema, first, day) for day, first in day_starts],
            # late orders of the day before and of the day, far above every other id
            "INSERT INTO %s.orders SELECT 5000 + g, DATE '%s' + interval '20 hours', false"
            " FROM generate_series(1, 10) g" % (schema, DAY_BEFORE),
            "INSERT INTO %s.orders SELECT 9000 + g, DATE '%s' + interval '21 hours', false"
            " FROM generate_series(1, 10) g" % (schema, DAY),
            # written twice: on the same day (at another hour), and an order of the day also on the day before
            "INSERT INTO %s.orders SELECT id, created_at + interval '1 hour', is_open FROM %s.orders"
            " WHERE id %% 7 = 0" % (schema, schema),
            "INSERT INTO %s.orders VALUES (450, DATE '%s' + interval '12 hours', false),"
            " (NULL, DATE '%s' + interval '13 hours', false)" % (schema, DAY_BEFORE, DAY),
            "INSERT INTO %s.order_items SELECT id, 1 + id %% 3, 1 + id %% 2, 2.5 + id %% 4"
            " FROM (SELECT DISTINCT id FROM %s.orders WHERE id IS NOT NULL) AS o" % (schema, schema),
            "ANALYZE %s.orders" % schema, "ANALYZE %s.order_items" % schema)

        def hand(day):
            orders, revenue, items = self.stack.psql(HAND_ONCE.format(s=schema, day=day)).rows[0]
            return int(orders), Decimal(revenue), int(items)

        # a role that may read the columns the report reads, and nothing more of the tables
        self.stack.psql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN"
                        " CREATE ROLE %s LOGIN; END IF; END $$" % (COLUMN_READER, COLUMN_READER),
                        "GRANT USAGE ON SCHEMA %s, daily_sales_report TO %s" % (schema, COLUMN_READER),
                        "GRANT EXECUTE ON FUNCTION daily_sales_report(text) TO %s" % COLUMN_READER,
                        "GRANT SELECT (id, created_at, is_open) ON %s.orders TO %s" % (schema, COLUMN_READER),
                        "GRANT SELECT (order_id, product_id, quantity, price) ON %s.order_items TO %s"
                        % (schema, COLUMN_READER),
                        "GRANT SELECT (id, name) ON %s.products TO %s" % (schema, COLUMN_READER),
                        # the shop's schema and calendar are a superuser's settings: set for the role
                        "ALTER ROLE %s SET daily_sales_report.shop_schema = '%s'" % (COLUMN_READER, schema),
                        "ALTER ROLE %s SET daily_sales_report.timezone = 'UTC'" % COLUMN_READER)
        for indexes in (True, False):
            if not indexes:
                self.stack.psql("DROP INDEX %s.orders_created_at_idx, %s.order_items_order_id_idx, %s.orders_id_idx"
                                % (schema, schema, schema))
            else:
                self.stack.psql("CREATE INDEX ON %s.orders (created_at)" % schema,
                                "CREATE INDEX ON %s.order_items (order_id)" % schema,
                                "CREATE INDEX ON %s.orders (id)" % schema)
            with self.subTest(indexes=indexes):
                orders, revenue, items = hand(DAY)
                row, _ = self.report(DAY, settings={}, user=COLUMN_READER)
                self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"])),
                                 (orders, revenue, items), "as %s" % COLUMN_READER)
                row, _ = self.report(DAY, settings=self.settings(schema))
                self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"])),
                                 (orders, revenue, items))
                for compared_to, day in (("previous_day", DAY_BEFORE), ("week_before", WEEK_BEFORE)):
                    other = hand(day)[1]
                    ratio = self.day_value("daily_sales_revenue_change_ratio", day=DAY, compared_to=compared_to)
                    self.assertAlmostEqual(ratio, float((revenue - other) / abs(other)), places=9, msg=compared_to)

    def test_ids_unique_under_another_collation_only(self):
        schema = "shop_collated_ids"
        self.stack.psql(
            "DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema,
            "CREATE COLLATION IF NOT EXISTS public.case_blind (provider = icu, locale = 'und-u-ks-level2',"
            " deterministic = false)",
            "CREATE TABLE %s.products (id integer PRIMARY KEY, name text)" % schema,
            "CREATE TABLE %s.orders (id text COLLATE public.case_blind NOT NULL, created_at timestamp,"
            " is_open boolean)" % schema,
            "CREATE TABLE %s.order_items (order_id text COLLATE public.case_blind, product_id integer,"
            " quantity integer, price double precision)" % schema,
            "CREATE UNIQUE INDEX ON %s.orders (id COLLATE \"C\")" % schema,
            "CREATE INDEX ON %s.orders (created_at)" % schema, "CREATE INDEX ON %s.order_items (order_id)" % schema,
            "INSERT INTO %s.products VALUES (1, 'A'), (2, 'B')" % schema,
            "INSERT INTO %s.orders VALUES ('A-1', '%s 10:00', false), ('a-1', '%s 11:00', false),"
            " ('B-2', '%s 12:00', false)" % (schema, DAY, DAY, DAY),
            "INSERT INTO %s.order_items VALUES ('a-1', 1, 1, 100), ('B-2', 2, 1, 5)" % schema)
        row, _ = self.report(DAY, settings=self.settings(schema))
        self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"])),
                         (2, Decimal("105.00"), 2))

    def test_join_columns_that_compare_unlike_are_refused(self):
        for name, alter, message in (
                ("case_blind", "ALTER TABLE {s}.order_items ALTER order_id TYPE text COLLATE public.case_blind,"
                               " ALTER product_id TYPE integer",
                 "order_items.order_id (text COLLATE case_blind) does not compare like"),
                ("float_id", "ALTER TABLE {s}.order_items ALTER order_id TYPE double precision",
                 "order_items.order_id (double precision) does not compare like"),
                ("float_product", "ALTER TABLE {s}.order_items ALTER product_id TYPE double precision",
                 "order_items.product_id (double precision) does not compare like"),
                ("c_posix", "ALTER TABLE {s}.orders ALTER id TYPE text COLLATE \"C\";"
                            " ALTER TABLE {s}.order_items ALTER order_id TYPE text COLLATE \"POSIX\"",
                 "order_items.order_id (text COLLATE POSIX) does not compare like")):
            schema = "shop_unlike_" + name
            self.stack.psql(
                "DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema,
                "CREATE COLLATION IF NOT EXISTS public.case_blind (provider = icu, locale = 'und-u-ks-level2',"
                " deterministic = false)",
                "CREATE TABLE %s.products (id integer PRIMARY KEY, name text)" % schema,
                "CREATE TABLE %s.orders (id %s PRIMARY KEY, created_at timestamp, is_open boolean)"
                % (schema, "text" if name == "case_blind" else "bigint"),
                "CREATE TABLE %s.order_items (order_id %s, product_id integer, quantity integer,"
                " price double precision)" % (schema, "text" if name == "case_blind" else "bigint"),
                alter.format(s=schema),
                "INSERT INTO %s.products VALUES (1, 'A')" % schema,
                "INSERT INTO %s.orders VALUES ('1', '%s 10:00', false)" % (schema, DAY),
                "INSERT INTO %s.order_items VALUES ('1', 1, 1, 10)" % schema)
            with self.subTest(name=name):
                row, result = self.stack.run_report(DAY, settings=self.settings(schema), check=False)
                self.assertFalse(result.ok)
                self.assertIn(message, result.stderr)
                self.assertIn("counted twice", result.stderr)
                self.assertIn("HINT:  Give order_items.", result.stderr)

    def test_products_without_a_key_name_a_seller_once(self):
        schema = "shop_products_twice"
        self.stack.psql(*one_order_shop(schema),
                        "ALTER TABLE %s.products DROP CONSTRAINT products_pkey" % schema,
                        "INSERT INTO %s.products VALUES (1, 'A')" % schema)
        row, _ = self.report(DAY, settings=self.settings(schema))
        self.assertEqual((row["top_product"], Decimal(row["top_product_revenue"]), Decimal(row["revenue"])),
                         ("A", Decimal("10.00"), Decimal("10.00")))

    def test_a_line_without_a_price_is_no_item_in_the_band(self):
        schema = "shop_band_null_price"
        two_weeks_before = "2025-04-30"     # DAY - 14: read for the band from the tables, not stored by a comparison
        self.stack.psql(*one_order_shop(schema),
                        "INSERT INTO %s.orders VALUES (2, '%s 10:00', false)" % (schema, two_weeks_before),
                        "INSERT INTO %s.order_items VALUES (2, 1, 3, 4), (2, 1, 5, NULL)" % schema,
                        "DELETE FROM daily_sales_report.day_totals")
        self.report(DAY, settings=self.settings(schema))
        stored = self.stack.psql("SELECT orders, revenue, items_sold FROM daily_sales_report.day_totals"
                                 " WHERE day = DATE '%s'" % two_weeks_before).rows
        self.assertEqual([(int(o), Decimal(r), int(i)) for o, r, i in stored], [(1, Decimal("12.00"), 3)])

    def test_unusable_quantities_are_named_not_a_bare_cast(self):
        """
        float8 quantities that are NaN, infinite or add up beyond a bigint, on the day or a day it is
        compared with, and a numeric one beyond float8's range: an ERROR naming the figure and the
        column to fix, never a bare cast error.
        """
        for name, day, quantity, price, message, kind in (
                ("beyond_bigint", DAY, "1e20", "1",
                 "the quantities of the sales source add up to 100000000000000000000 items, more than a bigint holds",
                 "double precision"),
                ("beyond_bigint_day_before", DAY_BEFORE, "-1e20", "1",
                 "the quantities of the sales source add up to -100000000000000000000 items", "double precision"),
                ("nan", DAY, "'NaN'", "1", "the revenue of the sales source is NaN", "double precision"),
                ("infinite_at_no_price", WEEK_BEFORE, "'Infinity'", "0", "the revenue of the sales source is NaN",
                 "double precision"),
                ("beyond_float8_at_no_price", DAY, "1e400", "0", "01 items, more than a bigint holds", "numeric")):
            schema = "shop_quantities"
            self.stack.psql(*one_order_shop(schema),
                            "ALTER TABLE %s.order_items ALTER quantity TYPE %s, ALTER price TYPE %s"
                            % (schema, kind, kind),
                            "INSERT INTO %s.orders VALUES (2, '%s 11:00', false)" % (schema, day),
                            "INSERT INTO %s.order_items VALUES (2, 1, %s, %s)" % (schema, quantity, price))
            with self.subTest(name=name):
                _, result = self.stack.run_report(DAY, settings=self.settings(schema), check=False)
                self.assertFalse(result.ok, result)
                self.assertIn(message, result.stderr)
                self.assertIn("on the shop's tables: order_items.", result.stderr)
                self.assertNotIn("out of range", result.stderr)
                self.assertNotIn("cannot convert", result.stderr)

    def test_a_line_beyond_double_precision_is_named(self):
        """
        A float8 line whose quantity * price is beyond double precision: on the day, an ERROR naming the
        shop's tables and the fix, without the statement; two weeks before, a WARNING and no band.
        """
        for name, day, fails in (("day", DAY, True), ("band_week", "2025-04-30", False)):
            schema = "shop_overflow"
            self.stack.psql(*one_order_shop(schema),
                            "ALTER TABLE %s.order_items ALTER quantity TYPE double precision" % schema,
                            "INSERT INTO %s.orders VALUES (2, '%s 11:00', false)" % (schema, day),
                            "INSERT INTO %s.order_items VALUES (2, 1, 1e200, 1e200)" % schema,
                            "DELETE FROM daily_sales_report.day_totals")
            with self.subTest(name=name):
                row, result = self.stack.run_report(DAY, settings=self.settings(schema), check=False)
                self.assertNotIn("SQL statement", result.stderr)
                if fails:
                    self.assertFalse(result.ok, result)
                    self.assertIn("ERROR:  a value of the shop's tables shop_overflow.orders and"
                                  " shop_overflow.order_items cannot be computed: value out of range: overflow",
                                  result.stderr)
                    self.assertIn("order_items.quantity * price must stay within double precision", result.stderr)
                else:
                    self.assertTrue(result.ok, result)
                    self.assertEqual(Decimal(row["revenue"]), Decimal("10.00"))
                    self.assertIn("WARNING:  no expected revenue for %s" % DAY, result.stderr)
                    self.assertIn("failed: value out of range: overflow", result.stderr)

    def test_a_week_the_report_would_refuse_gives_no_band(self):
        """A NaN line two weeks before: that day's report would fail, so the band is not made without it."""
        schema = "shop_band_nan"
        two_weeks_before = "2025-04-30"     # DAY - 14: read for the band from the tables
        self.stack.psql(*one_order_shop(schema),
                        "INSERT INTO %s.orders VALUES (2, '%s 10:00', false)" % (schema, two_weeks_before),
                        "INSERT INTO %s.order_items VALUES (2, 1, 3, 4), (2, 1, 1, 'NaN')" % schema,
                        "DELETE FROM daily_sales_report.day_totals")
        row, result = self.report(DAY, settings=self.settings(schema))
        self.assertEqual(Decimal(row["revenue"]), Decimal("10.00"))
        self.assertIn("WARNING:  no expected revenue for %s" % DAY, result.stderr)
        self.assertIn("the revenue of the sales source is NaN", result.stderr)
        stored = self.stack.psql("SELECT count(*) FROM daily_sales_report.day_totals"
                                 " WHERE day = DATE '%s'" % two_weeks_before).rows
        self.assertEqual(stored, [["0"]])
        weeks = self.stack.psql("SELECT expected_weeks FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1").rows
        self.assertEqual(weeks, [["0"]])

    def test_domains_are_read_as_their_base_types(self):
        """Every column a domain (over bigint, timestamp, boolean, numeric(12,2), text...): the same figures as
        the plain tables, with and without the recommended indexes."""
        schema = "shop_domains"
        domains = {"id_d": "bigint", "at_d": "timestamp", "open_d": "boolean", "qty_d": "smallint CHECK (VALUE > 0)",
                   "price_d": "numeric(12,2) CHECK (VALUE >= 0)", "name_d": "text", "outer_d": "%s.id_d" % schema}
        statements = ["DROP SCHEMA IF EXISTS %s CASCADE" % schema, "CREATE SCHEMA %s" % schema]
        statements += ["CREATE DOMAIN %s.%s AS %s" % (schema, name, base) for name, base in domains.items()]
        statements += [x.format(s=schema, day=DAY, before=DAY_BEFORE, week=WEEK_BEFORE) for x in (
            "CREATE TABLE {s}.products (id {s}.outer_d PRIMARY KEY, name {s}.name_d)",
            "CREATE TABLE {s}.orders (id {s}.id_d PRIMARY KEY, created_at {s}.at_d, is_open {s}.open_d)",
            "CREATE TABLE {s}.order_items (order_id {s}.outer_d, product_id {s}.id_d, quantity {s}.qty_d,"
            " price {s}.price_d)",
            "INSERT INTO {s}.products VALUES (1, 'A'), (2, 'B')",
            "INSERT INTO {s}.orders VALUES (1, '{day} 10:00', false), (2, '{day} 23:30', false),"
            " (3, '{day} 11:00', true), (4, '{before} 09:00', false), (5, '{week} 09:00', false)",
            "INSERT INTO {s}.order_items VALUES (1, 1, 2, 10.25), (1, 2, 1, 3.10), (2, 1, 1, 10.25),"
            " (3, 1, 5, 1), (4, 2, 3, 3.10), (5, 1, 1, 10.25)")]
        self.stack.psql(*statements)
        for indexed in (False, True):
            if indexed:
                self.stack.psql("CREATE INDEX ON %s.orders (created_at)" % schema,
                                "CREATE INDEX ON %s.order_items (order_id)" % schema)
            with self.subTest(indexed=indexed):
                row, _ = self.report(DAY, settings=self.settings(schema))
                self.assertEqual((int(row["orders"]), Decimal(row["revenue"]), int(row["items_sold"]),
                                  row["top_product"]), (2, Decimal("33.85"), 4, "A"))
                self.assertAlmostEqual(self.day_value("daily_sales_revenue_change_ratio", day=DAY,
                                                      compared_to="previous_day"), (33.85 - 9.30) / 9.30, places=9)

    def test_money_is_refused(self):
        schema = "shop_money"
        self.stack.psql(*one_order_shop(schema),
                        "ALTER TABLE %s.order_items ALTER price TYPE money USING price::numeric::money" % schema)
        _, result = self.stack.run_report(DAY, settings=self.settings(schema), check=False)
        self.assertFalse(result.ok, result)
        self.assertIn("%s.order_items.price is of type money, which the report does not read" % schema, result.stderr)
        self.assertIn("ALTER COLUMN price TYPE numeric(12,2)", result.stderr)

    def test_join_columns_that_compare_alike_are_read(self):
        for name, alter in (
                ("int4_int8", "ALTER TABLE {s}.order_items ALTER order_id TYPE bigint"),
                ("numeric_int", "ALTER TABLE {s}.orders ALTER id TYPE numeric"),
                ("varchar_text", "ALTER TABLE {s}.orders ALTER id TYPE varchar(20);"
                                 " ALTER TABLE {s}.order_items ALTER order_id TYPE text"),
                ("c_default", "ALTER TABLE {s}.orders ALTER id TYPE text COLLATE \"C\";"
                              " ALTER TABLE {s}.order_items ALTER order_id TYPE text"),
                ("case_blind_key", "ALTER TABLE {s}.orders ALTER id TYPE text COLLATE public.case_blind;"
                                   " ALTER TABLE {s}.order_items ALTER order_id TYPE text")):
            schema = "shop_alike_" + name
            self.stack.psql(*one_order_shop(schema),
                            "CREATE COLLATION IF NOT EXISTS public.case_blind (provider = icu,"
                            " locale = 'und-u-ks-level2', deterministic = false)",
                            alter.format(s=schema))
            with self.subTest(name=name):
                row, _ = self.report(DAY, settings=self.settings(schema))
                self.assertEqual((int(row["orders"]), Decimal(row["revenue"])), (1, Decimal("10.00")))

    def test_a_relation_that_is_no_table_is_named_for_what_it_is(self):
        for kind, swap in (
                ("a materialized view", "CREATE MATERIALIZED VIEW {s}.order_items AS SELECT * FROM {s}.lines"),
                ("a foreign table", "CREATE EXTENSION IF NOT EXISTS file_fdw;"
                                    " CREATE SERVER IF NOT EXISTS shop_kinds_files FOREIGN DATA WRAPPER file_fdw;"
                                    " CREATE FOREIGN TABLE {s}.order_items (order_id integer, product_id integer,"
                                    " quantity integer, price double precision) SERVER shop_kinds_files"
                                    " OPTIONS (program 'echo 1,1,1,10', format 'csv')"),
                ("a sequence", "CREATE SEQUENCE {s}.order_items")):
            schema = "shop_kinds"
            self.stack.psql(*one_order_shop(schema), "ALTER TABLE {s}.order_items RENAME TO lines".format(s=schema),
                            *swap.format(s=schema).split(";"))
            with self.subTest(kind=kind):
                _, result = self.stack.run_report(DAY, settings=self.settings(schema), check=False)
                self.assertFalse(result.ok, result)
                self.assertIn("%s.order_items is %s, not a table" % (schema, kind), result.stderr)
                self.assertIn("Point daily_sales_report.source at a view you trust", result.stderr)

    def test_a_foreign_partition_or_child_is_refused(self):
        """
        The owner of the shop's schema, allowed to use postgres_fdw, puts a foreign partition (or a
        foreign inheritance child) under orders, over a view of its own on this server that calls its
        function: read with orders, it would run as whoever runs the report (a superuser here).
        """
        stack = self.stack
        schema, owner = "shop_foreign_parts", "shop_fdw_owner"
        tables = [
            "CREATE TABLE {s}.products (id integer PRIMARY KEY, name text)",
            "CREATE TABLE {s}.order_items (order_id bigint, product_id integer, quantity integer,"
            " price double precision)",
            "CREATE TABLE {s}.calls (who name)", "GRANT INSERT ON {s}.calls TO PUBLIC",
            "CREATE FUNCTION {s}.trap() RETURNS boolean LANGUAGE plpgsql AS"
            " $t$BEGIN INSERT INTO {s}.calls VALUES (current_user); RETURN false; END$t$",
            "CREATE TABLE {s}.old_orders (id bigint, created_at timestamp, is_open boolean)",
            "INSERT INTO {s}.old_orders VALUES (2, DATE '{d}' - 14 + time '10:00', false)",
            "CREATE VIEW {s}.remote_orders AS SELECT id, created_at, {s}.trap() AS is_open FROM {s}.old_orders",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO PUBLIC", "GRANT USAGE ON SCHEMA {s} TO PUBLIC",
            "CREATE SERVER {s}_loop FOREIGN DATA WRAPPER postgres_fdw"
            " OPTIONS (host '%s', port '%d', dbname '%s')" % (stack.socket_dir, stack.pg_port, harness.DB),
            "CREATE USER MAPPING FOR postgres SERVER {s}_loop OPTIONS (user 'postgres')",
            "INSERT INTO {s}.products VALUES (1, 'A')", "INSERT INTO {s}.order_items VALUES (1, 1, 1, 10)"]
        shapes = {
            "partition": [
                "CREATE TABLE {s}.orders (id bigint, created_at timestamp, is_open boolean)"
                " PARTITION BY RANGE (created_at)",
                "CREATE TABLE {s}.orders_now PARTITION OF {s}.orders FOR VALUES FROM (DATE '{d}' - 7) TO (MAXVALUE)",
                "CREATE FOREIGN TABLE {s}.orders_old PARTITION OF {s}.orders FOR VALUES FROM (MINVALUE)"
                " TO (DATE '{d}' - 7) SERVER {s}_loop OPTIONS (schema_name '{s}', table_name 'remote_orders')"],
            "child": [
                "CREATE TABLE {s}.orders (id bigint, created_at timestamp, is_open boolean)",
                "CREATE FOREIGN TABLE {s}.orders_old () INHERITS ({s}.orders)"
                " SERVER {s}_loop OPTIONS (schema_name '{s}', table_name 'remote_orders')"]}
        for shape, orders in shapes.items():
            with self.subTest(shape=shape):
                stack.psql("CREATE EXTENSION IF NOT EXISTS postgres_fdw",
                           "DROP SCHEMA IF EXISTS %s CASCADE" % schema,
                           "DROP SERVER IF EXISTS %s_loop CASCADE" % schema,
                           "CREATE ROLE %s LOGIN" % owner,
                           "GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO %s" % owner,
                           "CREATE SCHEMA %s AUTHORIZATION %s" % (schema, owner))
                try:
                    stack.psql(*[x.format(s=schema, d=DAY) for x in tables + orders], user=owner)
                    stack.psql("INSERT INTO {s}.orders VALUES (1, '{d} 10:00', false)".format(s=schema, d=DAY))
                    _, result = stack.run_report(DAY, settings=self.settings(schema), check=False)
                    self.assertFalse(result.ok, result)
                    self.assertIn("%s.orders has a foreign table among its partitions or inheritance children:"
                                  " %s.orders_old" % (schema, schema), result.stderr)
                    self.assertEqual(stack.psql("SELECT count(*) FROM %s.calls" % schema).value, "0")
                finally:
                    stack.psql("DROP SCHEMA IF EXISTS %s CASCADE" % schema,
                               "DROP SERVER IF EXISTS %s_loop CASCADE" % schema,
                               "DROP OWNED BY %s" % owner, "DROP ROLE %s" % owner)

    def test_code_of_the_tables_owner_never_runs_as_the_caller(self):
        """
        PostgreSQL runs some stored expressions of a table while it plans a statement on it, as whoever
        plans it: an IMMUTABLE function of a validated CHECK constraint (constraint exclusion, on for
        an inheritance parent), of an index, a statistics object or a partition key (folded when
        loaded), and a row-level security policy's functions.  The owner of the shop's tables hides a
        trap in each (a VOLATILE function that tries ALTER ROLE ... SUPERUSER, behind an IMMUTABLE one);
        a superuser (as under pg_cron) or a reporting role runs the report: refused before the trap
        runs, naming the function.  The owner's own run, and plain expressions, are read as before.
        """
        stack = self.stack
        schema, owner, reader = "shop_owner_code", "shop_code_owner", "shop_code_reader"
        tables = [
            # only the role change: a write to a table of its own would be refused by the run anyway
            "CREATE FUNCTION {s}.grab() RETURNS integer LANGUAGE plpgsql AS $t$BEGIN"
            " IF current_user <> '{o}' THEN"
            "  BEGIN EXECUTE 'ALTER ROLE {o} SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;"
            " END IF; RETURN 0; END$t$",
            "CREATE FUNCTION {s}.zero() RETURNS integer LANGUAGE plpgsql IMMUTABLE AS"
            " $t$BEGIN RETURN {s}.grab(); END$t$",
            "CREATE FUNCTION {s}.tenant() RETURNS boolean LANGUAGE plpgsql STABLE AS"
            " $t$BEGIN RETURN {s}.grab() = 0; END$t$",
            # the lock holder's way out: as its owner, with the run's locks released
            "CREATE FUNCTION {s}.unlocks() RETURNS integer LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER AS"
            " $t$BEGIN PERFORM pg_advisory_unlock_all(); RETURN 0; END$t$",
            # leaves its mark as an error where nothing can be written (a parallel worker)
            "CREATE FUNCTION {s}.spy() RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS"
            " $t$BEGIN IF current_user <> '{o}' THEN RAISE EXCEPTION 'the trap ran as %', current_user; END IF;"
            " RETURN true; END$t$",
            "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO PUBLIC",
            "CREATE TABLE {s}.products (id integer PRIMARY KEY, name text)",
            "CREATE TABLE {s}.order_items (order_id bigint, product_id integer, quantity integer, price numeric)",
            "INSERT INTO {s}.products VALUES (1, 'A')", "INSERT INTO {s}.order_items VALUES (1, 1, 1, 10)"]
        plain_orders = ["CREATE TABLE {s}.orders (id bigint PRIMARY KEY, created_at timestamp, is_open boolean)",
                        "INSERT INTO {s}.orders VALUES (1, '{d} 10:00', false)"]
        # the statements of the owner (who writes its own orders: a superuser's INSERT would spring the trap
        # of an index), and the callers' extra settings
        traps = {
            "check, an inheritance parent": (plain_orders + [
                "ALTER TABLE {s}.orders ADD CHECK ({s}.zero() = 0)",
                "CREATE TABLE {s}.orders_old () INHERITS ({s}.orders)"], {}),
            "check, constraint_exclusion on": (plain_orders + [
                "ALTER TABLE {s}.orders ADD CHECK ({s}.zero() = 0)"], {"constraint_exclusion": "on"}),
            "index expression": (plain_orders + ["CREATE INDEX ON {s}.orders ((id + {s}.zero()))"], {}),
            "index predicate": (plain_orders + [
                "CREATE INDEX ON {s}.orders (created_at) WHERE {s}.zero() = 0"], {}),
            "statistics expression": (plain_orders + [
                "CREATE STATISTICS {s}.st ON (id + {s}.zero()) FROM {s}.orders"], {}),
            "partition key": ([
                "CREATE TABLE {s}.orders (id bigint, created_at timestamp, is_open boolean)"
                " PARTITION BY RANGE ((id + {s}.zero()))",
                "CREATE TABLE {s}.orders_all PARTITION OF {s}.orders FOR VALUES FROM (MINVALUE) TO (MAXVALUE)",
                "INSERT INTO {s}.orders VALUES (1, '{d} 10:00', false)"], {}),
            "policy function": (plain_orders + [
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT USING ({s}.tenant())"], {}),
            "policy, a volatile built-in": (plain_orders + [
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT USING (pg_advisory_unlock_all() IS NULL)"], {}),
            "index, security definer": (plain_orders + ["CREATE INDEX ON {s}.orders ((id + {s}.unlocks()))"], {}),
            # tablefunc is trusted: the database's owner, or one granted CREATE on it, may install it
            "policy, an extension's function running SQL": (plain_orders + [
                "CREATE EXTENSION tablefunc SCHEMA {s}",
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT USING ((SELECT count(*) FROM {s}.crosstab("
                "'SELECT ''a''::text, ''b''::text, pg_advisory_unlock_all()::text') AS t(r text, c text)) >= 0)"], {}),
            # the cast runs the domain's CHECK inside record_in, a built-in function
            "policy, a domain's check": (plain_orders + [
                "CREATE DOMAIN {s}.evil AS integer CHECK (VALUE IS NULL OR pg_advisory_unlock_all() IS NULL)",
                "CREATE TYPE {s}.t AS (d {s}.evil)",
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT USING (('(1)'::text)::{s}.t IS NOT NULL)"], {}),
            # the planner turns NOT (a === b) into a !== b, a volatile built-in, after the policy was checked
            "policy, an operator's negator": (plain_orders + [
                "CREATE OPERATOR {s}.!== (leftarg = integer, rightarg = integer,"
                " function = pg_catalog.pg_advisory_unlock)",
                "CREATE OPERATOR {s}.=== (leftarg = integer, rightarg = integer, function = pg_catalog.int4eq,"
                " negator = OPERATOR({s}.!==))",
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT USING (NOT (id::integer OPERATOR({s}.===) 0))"], {}),
            # a stable built-in that runs a query (SELECT * FROM products) for every row
            "policy, a built-in running a query": (plain_orders + [
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT"
                " USING (length(table_to_xml('{s}.products'::regclass, true, false, '')::text) > 0)"], {}),
            "policy, in parallel workers": (plain_orders + [
                "ALTER TABLE {s}.orders ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY p ON {s}.orders FOR SELECT USING ({s}.spy())"],
                {"force_parallel_mode": "on", "parallel_leader_participation": "off", "parallel_setup_cost": "0",
                 "parallel_tuple_cost": "0", "min_parallel_table_scan_size": "0"}),
        }
        stack.psql("DROP SCHEMA IF EXISTS %s CASCADE" % schema,
                   "DROP ROLE IF EXISTS %s" % reader, "DROP ROLE IF EXISTS %s" % owner,
                   "CREATE ROLE %s LOGIN" % owner, "CREATE ROLE %s LOGIN" % reader,
                   "GRANT CREATE ON DATABASE %s TO %s" % (harness.DB, owner),
                   "GRANT EXECUTE ON FUNCTION daily_sales_report(text) TO %s, %s" % (owner, reader),
                   "GRANT USAGE ON SCHEMA daily_sales_report TO %s, %s" % (owner, reader),
                   # the shop's schema and calendar are a superuser's settings: set for the roles
                   "ALTER ROLE %s SET daily_sales_report.shop_schema = '%s'" % (reader, schema),
                   "ALTER ROLE %s SET daily_sales_report.shop_schema = '%s'" % (owner, schema),
                   "ALTER ROLE %s SET daily_sales_report.timezone = 'UTC'" % reader,
                   "ALTER ROLE %s SET daily_sales_report.timezone = 'UTC'" % owner)
        try:
            for trap, (orders, extra) in traps.items():
                with self.subTest(trap=trap):
                    stack.psql("DROP SCHEMA IF EXISTS %s CASCADE" % schema,
                               "CREATE SCHEMA %s AUTHORIZATION %s" % (schema, owner))
                    stack.psql(*[x.format(s=schema, o=owner, d=DAY) for x in tables + orders], user=owner)
                    stack.psql("GRANT USAGE ON SCHEMA {s} TO {r}".format(s=schema, r=reader),
                               "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}".format(s=schema, r=reader))
                    callers = [("postgres", self.settings(schema, **extra)), (reader, extra)]
                    for user, settings in callers:
                        _, result = stack.run_report(DAY, settings=settings, user=user, check=False)
                        if user == "postgres" and trap.startswith("policy"):
                            self.assertTrue(result.ok, result)   # a superuser bypasses row-level security
                            continue
                        self.assertFalse(result.ok, "%s: %s" % (user, result))
                        self.assertNotIn("the trap ran", result.stderr)
                        policy = {"policy function": "%s.tenant(), which is not built in" % schema,
                                  "policy, a volatile built-in": "pg_advisory_unlock_all(), which is volatile",
                                  "policy, an extension's function running SQL": "a subquery",
                                  "policy, a domain's check": "a value of type %s.t, which is not built in" % schema,
                                  "policy, a built-in running a query":
                                      "table_to_xml(regclass,boolean,boolean,text), which is not parallel safe",
                                  "policy, in parallel workers": "%s.spy(), which is not built in" % schema,
                                  "policy, an operator's negator":
                                      "the operator %s.===(integer,integer), which is not built in" % schema}
                        if trap in policy:
                            self.assertIn("a row-level security policy of %s.orders uses %s"
                                          % (schema, policy[trap]), result.stderr)
                        else:
                            self.assertIn("reading the shop's tables would call %s.%s, a function of role %s, as"
                                          " role %s" % (schema, "unlocks" if "definer" in trap else "zero",
                                                        owner, user), result.stderr)
                    self.assertEqual(stack.psql("SELECT rolsuper FROM pg_roles WHERE rolname = '%s'"
                                                % owner).value, "f")
                    # the owner's own code, in its own run: as any query of its own
                    row, result = stack.run_report(DAY, settings=extra, user=owner, check=False)
                    self.assertTrue(result.ok, result)
                    self.assertEqual(row["revenue"], "10.00")
        finally:
            stack.psql("ALTER ROLE %s NOSUPERUSER" % owner, "DROP SCHEMA IF EXISTS %s CASCADE" % schema,
                       "REVOKE CREATE ON DATABASE %s FROM %s" % (harness.DB, owner),
                       "DROP OWNED BY %s" % owner, "DROP OWNED BY %s" % reader,
                       "DROP ROLE %s" % reader, "DROP ROLE %s" % owner)
