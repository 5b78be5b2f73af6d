"""
An attacker with only the documented grants tries to borrow the rights the
extension runs with: look-alikes of every function, aggregate, operator and
cast type that the extension's SQL names, planted in a schema of their own
and put first in the search_path (of the session, and of the database, which
the background worker connects to as a superuser).  Every entry point is
called; the attacker must end with no right they did not have.

The names are read from the code (the string literals of the PostgreSQL side,
src/*/*.cpp but src/core/, and the extension's SQL scripts), not listed by hand, so a statement added later is
covered too.
"""

import glob
import os
import re
import time
import unittest

import harness
from shop import DAY, PREVIOUS_DAY, StackTestCase

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ATTACKER = "mallory"
SCHEMA = "mallory_s"
DATABASE = "attack"
HOSTILE_PATH = "%s, pg_catalog, public" % SCHEMA


def _sql_texts():
    """The SQL the extension runs: C++ string literals (adjacent ones joined) and the SQL scripts."""
    texts = []
    literal = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
    for path in sorted(glob.glob(os.path.join(REPO, "src", "*", "*.cpp"))):
        if os.path.basename(os.path.dirname(path)) == "core":   # pure C++: no SQL
            continue
        with open(path, encoding="utf-8") as f:
            source = "\n".join(line for line in f.read().splitlines() if not line.lstrip().startswith("#include"))
        texts.append(" ".join(literal.findall(source)))
    for path in sorted(glob.glob(os.path.join(REPO, "sql", "daily_sales_report--*.sql"))):
        with open(path, encoding="utf-8") as f:
            texts.append(re.sub(r"--[^\n]*", " ", f.read()))
    return "\n".join(texts)


def names_in_code():
    """(function-like names, operator-like tokens, cast type names) found in the extension's SQL."""
    text = _sql_texts()
    functions = set(re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", text))
    operators = set(re.findall(r"[-+*/<>=~!@#%^&|`?]+", text))
    types = set(re.findall(r"::\s*([A-Za-z_][A-Za-z0-9_]*)", text))
    return {n.lower() for n in functions}, operators, {t.lower() for t in types}


def _array(values):
    return "ARRAY[%s]::text[]" % ", ".join(harness.sql_literal(v) for v in sorted(values)) if values else "'{}'::text[]"


# Run as the attacker: every look-alike calls trap(), which records who called
# it and tries to turn its rights into the attacker's.
TRAP = """
CREATE TABLE {s}.calls (who name, what text);
GRANT INSERT ON {s}.calls TO PUBLIC;
CREATE FUNCTION {s}.trap(what text) RETURNS void LANGUAGE plpgsql AS $t$
BEGIN
    BEGIN
        INSERT INTO {s}.calls VALUES (current_user, what);
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    BEGIN
        EXECUTE 'ALTER ROLE {a} SUPERUSER';
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    BEGIN
        EXECUTE 'GRANT ALL ON ALL TABLES IN SCHEMA daily_sales_report TO {a}';
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
END $t$;
GRANT USAGE ON SCHEMA {s} TO PUBLIC;
"""

# Run as the attacker with the name arrays bound: a look-alike per signature
# of every pg_catalog function, aggregate and operator of those names, and a
# domain (whose CHECK calls the trap) per type name.  The look-alikes are
# stealthy: they call the trap, then give the real result, so that a statement
# goes on to the next name instead of failing at the first.  A signature that
# cannot be written in PL/pgSQL (internal, "any") is skipped and counted.
PLANT = r"""
DO $plant$
DECLARE
    p record;
    planted int := 0;
    skipped int := 0;
    args text;
    call text;
    body text;
BEGIN
    FOR p IN SELECT oid, proname, prokind, proretset, prorettype, pronargs, provariadic,
                    pg_get_function_identity_arguments(oid) AS signature,
                    pg_get_function_result(oid) AS result
               FROM pg_proc
              WHERE pronamespace = 'pg_catalog'::regnamespace AND proname = ANY(%(functions)s)
                AND prokind IN ('f', 'a')
    LOOP
        BEGIN
            SELECT string_agg(CASE WHEN i = p.pronargs AND p.provariadic <> 0 THEN 'VARIADIC ' ELSE '' END
                              || '$' || i, ', ' ORDER BY i)
              INTO args FROM generate_series(1, p.pronargs) AS i;
            call := format('pg_catalog.%%I(%%s)', p.proname, coalesce(args, ''));
            IF p.prokind = 'a' THEN
                -- same result, computed by a transition function that also springs the trap
                body := CASE p.proname
                    WHEN 'count' THEN CASE WHEN p.pronargs = 0 THEN 'RETURN $1 + 1;'
                                           ELSE 'RETURN $1 + CASE WHEN $2 IS NULL THEN 0 ELSE 1 END;' END
                    WHEN 'sum' THEN 'RETURN CASE WHEN $2 IS NULL THEN $1 ELSE coalesce($1 + $2, $2) END;'
                    WHEN 'min' THEN 'RETURN least($1, $2);'
                    WHEN 'max' THEN 'RETURN greatest($1, $2);'
                    ELSE 'RETURN NULL;' END;
                EXECUTE format('CREATE FUNCTION {s}.%%I(%%s) RETURNS %%s LANGUAGE plpgsql AS %%L',
                               'agg_' || p.oid, concat_ws(', ', p.result, nullif(p.signature, '')), p.result,
                               'BEGIN PERFORM {s}.trap(' || quote_literal(p.proname) || '); ' || body || ' END');
                EXECUTE format('CREATE AGGREGATE {s}.%%I(%%s) (SFUNC = {s}.%%I, STYPE = %%s%%s)',
                               p.proname, coalesce(nullif(p.signature, ''), '*'), 'agg_' || p.oid, p.result,
                               CASE WHEN p.proname = 'count' THEN ', INITCOND = 0' ELSE '' END);
            ELSE
                body := CASE WHEN p.proretset THEN 'RETURN QUERY SELECT * FROM ' || call || ';'
                             WHEN p.prorettype = 'void'::regtype THEN 'PERFORM ' || call || '; RETURN;'
                             ELSE 'RETURN ' || call || ';' END;
                EXECUTE format('CREATE FUNCTION {s}.%%I(%%s) RETURNS %%s LANGUAGE plpgsql AS %%L',
                               p.proname, p.signature, p.result,
                               'BEGIN PERFORM {s}.trap(' || quote_literal(p.proname) || '); ' || body || ' END');
            END IF;
            planted := planted + 1;
        EXCEPTION WHEN OTHERS THEN
            skipped := skipped + 1;
        END;
    END LOOP;
    FOR p IN SELECT oid, oprname, oprleft, oprright, oprresult FROM pg_operator
              WHERE oprnamespace = 'pg_catalog'::regnamespace AND oprname = ANY(%(operators)s)
    LOOP
        BEGIN
            call := CASE WHEN p.oprleft <> 0 THEN format('$1 OPERATOR(pg_catalog.%%s) $2', p.oprname)
                         ELSE format('OPERATOR(pg_catalog.%%s) $1', p.oprname) END;
            EXECUTE format('CREATE FUNCTION {s}.%%I(%%s) RETURNS %%s LANGUAGE plpgsql AS %%L',
                           'op_' || p.oid,
                           concat_ws(', ', nullif(p.oprleft, 0)::regtype::text, p.oprright::regtype::text),
                           p.oprresult::regtype,
                           'BEGIN PERFORM {s}.trap(' || quote_literal(p.oprname) || '); RETURN ' || call || '; END');
            EXECUTE format('CREATE OPERATOR {s}.%%s (%%s RIGHTARG = %%s, FUNCTION = {s}.%%I)',
                           p.oprname,
                           CASE WHEN p.oprleft <> 0 THEN format('LEFTARG = %%s,', p.oprleft::regtype) ELSE '' END,
                           p.oprright::regtype, 'op_' || p.oid);
            planted := planted + 1;
        EXCEPTION WHEN OTHERS THEN
            skipped := skipped + 1;
        END;
    END LOOP;
    CREATE FUNCTION {s}.trap_ok(what text) RETURNS boolean LANGUAGE plpgsql
        AS $t$BEGIN PERFORM {s}.trap(what); RETURN true; END$t$;
    FOR p IN SELECT typname FROM pg_type
              WHERE typnamespace = 'pg_catalog'::regnamespace AND typname = ANY(%(types)s) AND typtype = 'b'
    LOOP
        BEGIN
            EXECUTE format('CREATE DOMAIN {s}.%%I AS pg_catalog.%%I CHECK ({s}.trap_ok(%%L))',
                           p.typname, p.typname, p.typname);
            planted := planted + 1;
        EXCEPTION WHEN OTHERS THEN
            skipped := skipped + 1;
        END;
    END LOOP;
    -- better matches than pg_catalog offers: an operator on two types it has no exact operator for
    -- (integer * double precision is resolved to float8 * float8 there, an exact match wins anywhere)
    FOR p IN SELECT o.name, l.t AS lt, r.t AS rt
               FROM unnest(%(operators)s) AS o(name),
                    unnest(ARRAY['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric',
                                 'date', 'timestamp', 'timestamptz', 'text']) AS l(t),
                    unnest(ARRAY['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric',
                                 'date', 'timestamp', 'timestamptz', 'text']) AS r(t)
              WHERE o.name IN ('*', '+', '-', '/', '=', '<', '<=', '>', '>=', '<>', '||')
                AND NOT EXISTS (SELECT FROM pg_operator x
                                 WHERE x.oprname = o.name AND x.oprleft = l.t::regtype AND x.oprright = r.t::regtype)
    LOOP
        BEGIN
            EXECUTE format('CREATE FUNCTION {s}.%%I(%%s, %%s) RETURNS %%s LANGUAGE plpgsql AS %%L',
                           'cross_' || md5(p.name || p.lt || p.rt), p.lt, p.rt,
                           CASE WHEN p.name IN ('=', '<', '<=', '>', '>=', '<>') THEN 'boolean'
                                WHEN p.name = '||' THEN 'text' ELSE 'double precision' END,
                           'BEGIN PERFORM {s}.trap(' || quote_literal(p.name || ' ' || p.lt || ' ' || p.rt)
                           || '); RETURN NULL; END');
            EXECUTE format('CREATE OPERATOR {s}.%%s (LEFTARG = %%s, RIGHTARG = %%s, FUNCTION = {s}.%%I)',
                           p.name, p.lt, p.rt, 'cross_' || md5(p.name || p.lt || p.rt));
            planted := planted + 1;
        EXCEPTION WHEN OTHERS THEN
            skipped := skipped + 1;
        END;
    END LOOP;
    -- look-alike tables, first in the search_path
    FOR p IN SELECT unnest(ARRAY['orders', 'order_items', 'products']) AS name LOOP
        EXECUTE format('CREATE VIEW {s}.%%I AS SELECT * FROM public.%%I WHERE {s}.trap_ok(%%L)',
                       p.name, p.name, 'table ' || p.name);
        EXECUTE format('GRANT SELECT ON {s}.%%I TO PUBLIC', p.name);
        planted := planted + 1;
    END LOOP;
    INSERT INTO {s}.planted VALUES (planted, skipped);
END
$plant$;
"""


class LookAlikeAttackTest(StackTestCase):
    """A role with the documented grants plants look-alikes; it never gains a right."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        stack = cls.stack
        cls.functions, cls.operators, cls.types = names_in_code()
        stack.psql("DROP DATABASE IF EXISTS %s" % DATABASE, "DROP ROLE IF EXISTS %s" % ATTACKER, db="postgres")
        stack.psql("CREATE ROLE %s LOGIN" % ATTACKER, db="postgres")
        # the attacker owns a database: ALTER DATABASE ... SET reaches the worker's connection
        stack.create_database(DATABASE, owner=ATTACKER)
        stack.psql_file(os.path.join(harness.FIXTURES, "shop.sql"), db=DATABASE)
        # the documented grants (README, Security), for every entry point
        stack.psql(
            "GRANT SELECT ON orders, order_items, products TO %s" % ATTACKER,
            "GRANT EXECUTE ON FUNCTION daily_sales_report(text), daily_sales_report(date),"
            " daily_sales_report_async(text), daily_sales_report.flush_pushes(double precision),"
            " daily_sales_report.recommended_indexes(boolean),"
            " daily_sales_report.create_recommended_indexes(),"
            " daily_sales_report.schedule(text, text, text),"
            " daily_sales_report.outbox_worker_pid() TO %s" % ATTACKER,
            "GRANT SELECT ON daily_sales_report.outbox_status TO %s" % ATTACKER,
            "GRANT USAGE ON SCHEMA daily_sales_report TO %s" % ATTACKER,
            db=DATABASE)
        cls.rights_before = cls.rights()
        stack.psql("CREATE SCHEMA %s" % SCHEMA,
                   "CREATE TABLE %s.planted (planted int, skipped int)" % SCHEMA,
                   user=ATTACKER, db=DATABASE)
        stack.psql(TRAP.format(s=SCHEMA, a=ATTACKER), user=ATTACKER, db=DATABASE)
        stack.psql(PLANT.replace("{s}", SCHEMA) % {
            "functions": _array(cls.functions), "operators": _array(cls.operators),
            "types": _array(cls.types)}, user=ATTACKER, db=DATABASE)
        stack.psql("ALTER DATABASE %s SET search_path = %s" % (DATABASE, HOSTILE_PATH),
                   user=ATTACKER, db=DATABASE)

    @classmethod
    def tearDownClass(cls):
        cls.stack.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'" % DATABASE,
                       db="postgres")
        time.sleep(0.5)
        cls.stack.psql("DROP DATABASE IF EXISTS %s" % DATABASE, "DROP ROLE IF EXISTS %s" % ATTACKER,
                       db="postgres", check=False)

    @classmethod
    def rights(cls):
        """What the attacker may do, asked from another database (no look-alike there)."""
        return cls.stack.psql(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,"
            "       (SELECT count(*) FROM pg_auth_members WHERE member = r.oid)"
            "  FROM pg_roles r WHERE rolname = '%s'" % ATTACKER, db="postgres").rows[0]

    def attacker(self, *statements, check=False, timeout=120):
        # the search_path is the one the attacker set on the database
        return self.stack.psql(*statements, user=ATTACKER, db=DATABASE, check=check, timeout=timeout)

    def privileged_calls(self):
        """Look-alikes that ran as anyone but the attacker (read with the built-ins first)."""
        return self.stack.psql("SET search_path = pg_catalog",
                               "SELECT who, what, count(*) FROM %s.calls WHERE who <> '%s'"
                               " GROUP BY 1, 2 ORDER BY 1, 2" % (SCHEMA, ATTACKER), db=DATABASE).rows

    def assert_no_right_gained(self, what):
        self.assertEqual(self.rights(), self.rights_before, "after %s" % what)
        self.assertEqual(self.privileged_calls(), [], "look-alikes ran with other rights after %s" % what)
        denied = self.attacker("SELECT count(*) FROM daily_sales_report.runs")
        self.assertFalse(denied.ok, "the run history became readable after %s" % what)

    def test_the_names_come_from_the_code(self):
        # a sanity check of the extraction: names every version uses
        for name in ("clock_timestamp", "pg_backend_pid", "power", "count", "sum", "coalesce", "to_char"):
            self.assertIn(name, self.functions)
        for op in ("=", "<", ">=", "<>", "||", "*", "/"):
            self.assertIn(op, self.operators)
        for type_name in ("numeric", "text", "date"):
            self.assertIn(type_name, self.types)
        planted, skipped = self.stack.psql("SELECT planted, skipped FROM %s.planted" % SCHEMA,
                                           db=DATABASE).rows[0]
        harness.log("look-alikes planted: %s (skipped %s) for %d function, %d operator and %d type names"
                    % (planted, skipped, len(self.functions), len(self.operators), len(self.types)))
        self.assertGreater(int(planted), 300)

    def test_every_entry_point(self):
        calls = [
            "SELECT * FROM public.daily_sales_report(%s)" % harness.sql_literal(DAY),
            "SELECT * FROM public.daily_sales_report(DATE %s)" % harness.sql_literal(PREVIOUS_DAY),
            "SELECT * FROM public.daily_sales_report()",
            "SELECT * FROM public.daily_sales_report('2999-01-01')",
            "SELECT public.daily_sales_report_async(%s)" % harness.sql_literal(DAY),
            "SELECT daily_sales_report.flush_pushes(1)",
            "SELECT * FROM daily_sales_report.outbox_status",
            "SELECT * FROM daily_sales_report.recommended_indexes()",
            "SELECT * FROM daily_sales_report.create_recommended_indexes()",
            "SELECT daily_sales_report.schedule()",
        ]
        for call in calls:
            with self.subTest(call=call):
                result = self.attacker(call)
                if "daily_sales_report(" in call and "2999" not in call and "()" not in call:
                    # the attacker's own report still comes out right: every statement ran
                    self.assertTrue(result.ok, result)
                    self.assertIn(result.stdout.split("|")[2], ("4", "2"), result)
                self.assert_no_right_gained(call)
        time.sleep(1)   # the async run finishes on its own
        self.assert_no_right_gained("the asynchronous run")

    def test_a_superuser_runs_it_in_the_attackers_database(self):
        """As under pg_cron: a superuser runs the report (and the install helpers) in the database the
        attacker owns, with the search_path the attacker set on it."""
        calls = [
            self.stack.report_sql(DAY),
            "SELECT * FROM daily_sales_report.recommended_indexes()",
            "SELECT * FROM daily_sales_report.create_recommended_indexes()",
            "SELECT daily_sales_report.schedule()",
            "SELECT daily_sales_report.flush_pushes(1)",
        ]
        for call in calls:
            with self.subTest(call=call):
                result = self.stack.psql(call, db=DATABASE, check=False)
                if call == calls[0]:
                    self.assertTrue(result.ok, result)
                    self.assertEqual(harness.parse_report_row(result.stdout)["orders"], "4")
                self.assert_no_right_gained("a superuser's " + call)

    def test_y_a_table_swapped_for_a_view_is_refused(self):
        """The attacker owns public: it cannot change the shop's tables, but it can drop one and put a view
        there, whose functions would run as whoever runs the report."""
        self.attacker("DROP TABLE public.products CASCADE",
                      "CREATE VIEW public.products AS SELECT 1 AS id, 'x'::text AS name, 1.0::float8 AS price"
                      " WHERE %s.trap_ok('swapped view')" % SCHEMA,
                      "GRANT SELECT ON public.products TO PUBLIC", check=True)
        result = self.stack.psql(self.stack.report_sql(DAY), db=DATABASE, check=False)
        self.assertFalse(result.ok, result)
        self.assertIn("public.products is a view, not a table", result.stderr)
        self.assert_no_right_gained("a superuser's run over a swapped table")

    def test_z_a_column_of_the_attackers_type_is_refused(self):
        """A table of the attacker's, with a column of a type it owns and an implicit cast to double
        precision: quantity * price would call the cast as whoever runs the report."""
        self.attacker("DROP TABLE public.order_items CASCADE",
                      "CREATE TYPE %s.qty AS ENUM ('1', '2', '3')" % SCHEMA,
                      "CREATE FUNCTION %s.qty_to_float8(%s.qty) RETURNS double precision LANGUAGE plpgsql"
                      " AS $c$BEGIN PERFORM %s.trap('cast'); RETURN $1::text::float8; END$c$"
                      % (SCHEMA, SCHEMA, SCHEMA),
                      "CREATE CAST (%s.qty AS double precision) WITH FUNCTION %s.qty_to_float8(%s.qty)"
                      " AS IMPLICIT" % (SCHEMA, SCHEMA, SCHEMA),
                      "CREATE TABLE public.order_items (id integer, order_id integer, product_id integer,"
                      " quantity %s.qty, price double precision)" % SCHEMA,
                      "INSERT INTO public.order_items SELECT 1, min(id), 1, '2', 10 FROM public.orders",
                      "GRANT SELECT ON public.order_items TO PUBLIC", check=True)
        result = self.stack.psql(self.stack.report_sql(DAY), db=DATABASE, check=False)
        self.assertFalse(result.ok, result)
        self.assertIn("public.order_items.quantity is of type %s.qty, not a built-in base type" % SCHEMA, result.stderr)
        self.assert_no_right_gained("a superuser's run over a column of the attacker's type")

    def test_z_columns_of_the_attackers_domains_run_none_of_its_code(self):
        """A shop schema of the attacker's whose columns are its domains over built-in types, each CHECK
        springing the trap: read as their base types (no statement casts a value to them; a cast declared
        on a domain is ignored), with the right figures, and no right gained."""
        shop = SCHEMA + "_domains"
        self.attacker(*[x.format(s=SCHEMA, shop=shop, day=DAY) for x in (
            "DROP SCHEMA IF EXISTS {shop} CASCADE",
            "CREATE SCHEMA {shop}",
            "CREATE DOMAIN {shop}.amount AS double precision CHECK ({s}.trap_ok('domain amount'))",
            "CREATE DOMAIN {shop}.how_many AS integer CHECK ({s}.trap_ok('domain how_many'))",
            "CREATE DOMAIN {shop}.moment AS timestamp CHECK ({s}.trap_ok('domain moment'))",
            "CREATE TABLE {shop}.products (id {shop}.how_many PRIMARY KEY, name text)",
            "CREATE TABLE {shop}.orders (id {shop}.how_many PRIMARY KEY, created_at {shop}.moment, is_open boolean)",
            "CREATE TABLE {shop}.order_items (order_id {shop}.how_many, product_id {shop}.how_many,"
            " quantity {shop}.how_many, price {shop}.amount)",
            "INSERT INTO {shop}.products VALUES (1, 'A')",
            "INSERT INTO {shop}.orders VALUES (1, '{day} 10:00', false)",
            "INSERT INTO {shop}.order_items VALUES (1, 1, 2, 10)",
            "GRANT USAGE ON SCHEMA {shop} TO PUBLIC",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {shop} TO PUBLIC")], check=True)
        result = self.stack.psql(self.stack.report_sql(DAY), db=DATABASE, check=False,
                                 settings={"daily_sales_report.shop_schema": shop})
        self.assertTrue(result.ok, result)
        self.assertEqual(harness.parse_report_row(result.stdout)["revenue"], "20.00")
        self.assert_no_right_gained("a superuser's run over columns of the attacker's domains")

    def test_the_worker_under_the_databases_search_path(self):
        """The outbox worker connects as a superuser with the database's settings."""
        self.stack.stop_pushgateway()
        try:
            # the push fails: the run queues it and starts the worker, which retries it
            result = self.attacker("SELECT pushed FROM public.daily_sales_report(%s)" % harness.sql_literal(DAY))
            self.assertTrue(result.ok, result)
            self.assertEqual(result.value, "f")
            self.attacker("SELECT daily_sales_report.flush_pushes(2)")
        finally:
            self.stack.start_pushgateway()
        # the Pushgateway is reachable again: the worker delivers what waited
        pending = self.attacker("SELECT daily_sales_report.flush_pushes(20)", check=True).value
        self.assertEqual(pending, "0")
        with open(self.stack.pg_log, encoding="utf-8", errors="replace") as f:
            self.assertIn("background worker started for database %s" % DATABASE, f.read())
        self.assert_no_right_gained("the outbox worker's passes")


if __name__ == "__main__":
    unittest.main()
