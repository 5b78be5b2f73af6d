"""
shop.py — what the fixture shop (fixtures/shop.sql) should report, computed
by hand-written SQL straight from the shop's tables, independently of the
extension's own query: a sale is a closed order, revenue is
sum(quantity * price), days are UTC calendar days (the test cluster runs
with TimeZone = 'UTC' and created_at holds UTC).
"""

import unittest
from decimal import Decimal

import harness

JOB = harness.JOB
DAY = "2025-09-22"
PREVIOUS_DAY = "2025-09-21"
WEEK_BEFORE = "2025-09-15"

CAMERA = "Câmera 4K Ação à Prova d'Água"
MONITOR = 'Monitor 27" UltraWide'
PAO = "Pão de Queijo"
HEADPHONES = "🎧 Fone Bluetooth"

_SALES = """
    SELECT o.id AS order_id, i.quantity, (i.quantity * i.price)::numeric AS line_total, p.name
      FROM orders o
      JOIN order_items i ON i.order_id = o.id
      JOIN products p ON p.id = i.product_id
     WHERE NOT o.is_open
       AND o.created_at >= DATE '{day}'
       AND o.created_at <  DATE '{day}' + 1
"""


class Day:
    """Hand-computed figures of one day."""

    def __init__(self, orders, revenue, avg_ticket, items_sold, products):
        self.orders = orders
        self.revenue = revenue              # Decimal, rounded to cents
        self.avg_ticket = avg_ticket        # Decimal, rounded to cents
        self.items_sold = items_sold
        self.products = products            # [(name, Decimal revenue)], best first

    @property
    def top_product(self):
        return self.products[0] if self.products else (None, None)


def expected_day(stack, day):
    sales = _SALES.format(day=day)
    totals = stack.psql(
        "WITH s AS (%s)"
        " SELECT count(DISTINCT order_id),"
        "        round(coalesce(sum(line_total), 0), 2),"
        "        coalesce(round(sum(line_total) / nullif(count(DISTINCT order_id), 0), 2), 0),"
        "        coalesce(sum(quantity), 0)"
        "   FROM s" % sales).rows[0]
    products = stack.psql(
        "WITH s AS (%s)"
        " SELECT name, round(sum(line_total), 2) FROM s"
        "  GROUP BY name ORDER BY sum(line_total) DESC, name" % sales).rows
    return Day(int(totals[0]), Decimal(totals[1]), Decimal(totals[2]), int(totals[3]),
               [(name, Decimal(revenue)) for name, revenue in products])


def run_counts(stack):
    """What the run history says the all-time counters are."""
    row = stack.psql(
        "SELECT count(*) FILTER (WHERE status = 'success'),"
        "       count(*) FILTER (WHERE status = 'failure'),"
        "       count(*) FILTER (WHERE status = 'running'),"
        "       count(*) FILTER (WHERE error_type = 'database'),"
        "       count(*) FILTER (WHERE error_type = 'pdf'),"
        "       count(*) FILTER (WHERE error_type = 'network'),"
        "       coalesce(sum(push_retries), 0),"
        "       coalesce(sum(query_retries), 0),"
        "       coalesce(extract(epoch FROM max(finished_at) FILTER (WHERE status = 'success')), 0)"
        "  FROM daily_sales_report.runs").rows[0]
    keys = ("success", "failure", "running", "errors_database", "errors_pdf", "errors_network",
            "retries_push_metrics", "retries_database_query", "last_success")
    return dict(zip(keys, [float(v) for v in row]))


def money(text):
    """'4920.90' -> '4,920.90', the way the PDF shows amounts."""
    return "{:,.2f}".format(Decimal(text))


class StackTestCase(unittest.TestCase):
    """A test against the one shared stack."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.get_stack()

    def setUp(self):
        # a test that stopped the Pushgateway and failed before starting it again leaves no trace on the next
        self.stack.start_pushgateway()

    def report(self, day=DAY, settings=None, user="postgres"):
        """Run a report that must succeed; returns (row, psql result)."""
        row, result = self.stack.run_report(day, settings=settings, user=user, check=False)
        if not result.ok:
            self.fail("daily_sales_report(%r) failed: %r\nserver log:\n%s"
                      % (day, result, self.stack.server_log_tail(30)))
        return row, result

    def job_value(self, family, **labels):
        return self.stack.pushgateway_value(family, None, **labels)

    def day_value(self, family, day=DAY, **labels):
        return self.stack.pushgateway_value(family, day, **labels)

    def wait_run_finished(self, run_id, timeout=10):
        """The run's status once it is no longer 'running' (or 'running' after timeout)."""
        import time
        deadline = time.monotonic() + timeout
        while True:
            row = self.stack.run_row(run_id, "status, error_type, error_message, pushed, push_retries")
            if row is not None and row[0] != "running":
                return row
            if time.monotonic() > deadline:
                return row
            time.sleep(0.1)

    def new_run_ids(self, after):
        return [int(r[0]) for r in self.stack.psql(
            "SELECT run_id FROM daily_sales_report.runs WHERE run_id > %d ORDER BY run_id" % after).rows]
