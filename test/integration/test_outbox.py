"""
What the outbox retries, and to where: a push the Pushgateway refuses for
its content is final, any other refusal (credentials, route, rate limit) is
retried with the backoff until it goes through.

The real Pushgateway answers 400 for a body it cannot take and 404 for an
unknown route, never 401/403/408/413/429 (those come from a proxy in front
of it): a fake answers those.
"""

import time
import unittest

import harness
from shop import DAY, JOB
from test_faults import FakePushgateway, FaultCase, warning_line

DAY_GROUP = "/metrics/job/%s/date/%s" % (JOB, DAY)


def hint_line(stderr):
    lines = [line for line in stderr.splitlines() if line.startswith("HINT:")]
    return lines[0] if lines else ""


class OutboxCase(FaultCase):

    def configure_url(self, url):
        """The server's pushgateway_url (the one the background worker delivers to), reset at the end."""
        self.addCleanup(self.stack.psql, "ALTER SYSTEM RESET daily_sales_report.pushgateway_url",
                        "SELECT pg_reload_conf()")
        self.stack.psql("ALTER SYSTEM SET daily_sales_report.pushgateway_url = %s" % harness.sql_literal(url),
                        "SELECT pg_reload_conf()")
        time.sleep(0.3)     # the worker reloads

    def pushes_to(self, url):
        """[(group_path, parked for good)] of the outbox rows addressed to url."""
        return self.stack.psql("SELECT group_path, next_attempt_at = 'infinity' FROM daily_sales_report.outbox"
                               " WHERE pushgateway_url = %s ORDER BY id" % harness.sql_literal(url)).rows


class RefusalTest(OutboxCase):

    def test_fixable_4xx_is_retried_until_accepted(self):
        """
        The user sees: a Pushgateway (or the proxy before it) answering 401,
        403, 404, 408 or 429 — credentials not set up yet, a route not added,
        a rate limit — gets the push again from the background worker once
        that is fixed: the run says pushed = false and the WARNING promises
        delivery, the pushes stay due in the outbox, and once the gateway
        answers 200 they are delivered and the outbox is empty.
        """
        for status in (401, 403, 404, 408, 429):
            with self.subTest(status=status), FakePushgateway(status, "fake: refused %d" % status) as fake:
                self.configure_url(fake.url)
                row, result = self.report(DAY, settings={"daily_sales_report.push_retries": 0})
                self.assertEqual(row["pushed"], "f")
                self.assertIn("HTTP %d" % status, warning_line(result.stderr))
                self.assertIn("delivers them", hint_line(result.stderr))
                self.assertEqual(sorted(self.pushes_to(fake.url)), [["/metrics/job/%s" % JOB, "f"], [DAY_GROUP, "f"]],
                                 "due again, not parked: %r" % self.outbox())
                fake.status = 200
                self.assertEqual(self.stack.psql("SELECT daily_sales_report.flush_pushes(5)").value, "0",
                                 self.outbox())
                self.assertGreaterEqual(fake.count("PUT", DAY_GROUP), 2, fake.requests)
                self.assertEqual(self.pushes_to(fake.url), [])
                self.doCleanups()

    def test_refused_content_is_parked_and_the_warning_says_so(self):
        """
        The user sees: a push refused for its content (400, as the real
        Pushgateway answers for a body it cannot take; 413, too large for a
        proxy) is kept in the outbox for a person to look at and not sent
        again; the run's WARNING says so rather than promising a delivery.
        """
        for status in (400, 413):
            with self.subTest(status=status), FakePushgateway(status, "fake: refused %d" % status) as fake:
                self.configure_url(fake.url)
                row, result = self.report(DAY, settings={"daily_sales_report.push_retries": 0})
                self.assertEqual(row["pushed"], "f")
                self.assertIn("HTTP %d" % status, warning_line(result.stderr))
                hint = hint_line(result.stderr)
                self.assertNotIn("delivers them", hint)
                self.assertIn("not be sent again", hint)
                self.assertIn([DAY_GROUP, "t"], self.pushes_to(fake.url), self.outbox())
                time.sleep(1.2)     # a poll of the worker
                self.assertEqual(self.stack.psql("SELECT daily_sales_report.flush_pushes(2)").value, "0")
                self.assertEqual(fake.count("PUT", DAY_GROUP), 1, fake.requests)
                self.doCleanups()


if __name__ == "__main__":
    unittest.main()
