"""
When the Pushgateway is away or hangs: the report still gets done, the push
failure is recorded, the wait is bounded by the timeouts, and a cancel or a
statement_timeout ends the call promptly.  A run ends in one state: stopped
while it pushes (its success already recorded), it stays a success whose push
the background worker delivers; stopped before, it is a failure.
"""

import time
import unittest

import harness
from shop import DAY, StackTestCase


class UnreachablePushgatewayTest(StackTestCase):

    def test_run_succeeds_unpushed_then_push_works_again(self):
        closed_port = harness.free_port()
        retries = 2
        row, result = self.report(DAY, settings={
            "daily_sales_report.pushgateway_url": "http://127.0.0.1:%d" % closed_port,
            "daily_sales_report.push_retries": retries,
            "daily_sales_report.push_retry_backoff_ms": 50,
            "daily_sales_report.push_connect_timeout_ms": 1000,
        })
        self.assertEqual(row["pushed"], "f")
        self.assertEqual(int(row["orders"]), 4, "the report is done all the same")
        self.assertIn("WARNING:", result.stderr)
        self.assertIn("could not push", result.stderr)
        status, pushed, push_retries, push_error = self.stack.run_row(
            int(row["run_id"]), "status, pushed, push_retries, push_error")
        self.assertEqual((status, pushed), ("success", "f"))
        self.assertTrue(push_error, "push_error recorded")
        # KNOWN BUG (reported): the day group and the job group are each pushed
        # with the full retry budget, so a run against a dead gateway records
        # (and waits for) 2 x push_retries retries instead of push_retries.
        self.assertEqual(int(push_retries), retries,
                         "KNOWN BUG: runs.push_retries should be the configured push_retries")

        # the gateway is back (the configured URL): pushing works again
        row, result = self.report(DAY)
        self.assertEqual(row["pushed"], "t", result.stderr)
        self.assertEqual(self.stack.run_row(int(row["run_id"]), "pushed")[0], "t")
        self.assertEqual(self.day_value("daily_sales_orders_count"), int(row["orders"]))
        self.assertEqual(self.job_value("batch_job_running"), 0)


class HungPushgatewayTest(StackTestCase):

    def test_push_timeout_bounds_the_run(self):
        with harness.SilentServer() as silent:
            started = time.monotonic()
            row, result = self.report(DAY, settings={
                "daily_sales_report.pushgateway_url": silent.url,
                "daily_sales_report.push_timeout_ms": 500,
                "daily_sales_report.push_retries": 0,
            })
            elapsed = time.monotonic() - started
            self.assertGreaterEqual(silent.accepted, 1, "the run did try the hung gateway")
        self.assertEqual(row["pushed"], "f")
        self.assertIn("WARNING:", result.stderr)
        self.assertLess(elapsed, 3.0, "push_timeout_ms=500, push_retries=0: run took %.2f s" % elapsed)
        self.assertEqual(self.stack.run_row(int(row["run_id"]), "status, pushed"), ["success", "f"])

    # the start probe gives up after push_connect_timeout_ms; the run's push then hangs
    HUNG = {
        "daily_sales_report.push_timeout_ms": 600000,
        "daily_sales_report.push_connect_timeout_ms": 300,
        "daily_sales_report.push_retries": 0,
    }

    def start_hung_run(self, silent, extra_settings=None, application_name=None):
        settings = dict(self.HUNG, **{"daily_sales_report.pushgateway_url": silent.url})
        settings.update(extra_settings or {})
        process = self.stack.psql_popen(self.stack.report_sql(DAY), settings=settings,
                                        application_name=application_name)
        deadline = time.monotonic() + 15
        while silent.accepted < 2:      # the start probe, then the run's push
            if process.poll() is not None or time.monotonic() > deadline:
                out, err = process.communicate(timeout=30)
                self.fail("the run never reached the hung gateway: rc=%s\n%s\n%s"
                          % (process.returncode, out.decode(), err.decode()))
            time.sleep(0.02)
        return process

    def test_cancel_ends_a_hung_push_within_a_second(self):
        last_run = self.stack.max_run_id()
        application_name = "dsr-it-cancel-%d" % time.monotonic_ns()
        with harness.SilentServer() as silent:
            process = self.start_hung_run(silent, application_name=application_name)
            try:
                time.sleep(0.3)
                self.assertIsNone(process.poll(), "the run is waiting on the hung gateway")
                # the caller's backend (its run worker inherits the application_name)
                pid = self.stack.psql("SELECT pid FROM pg_stat_activity WHERE application_name = '%s'"
                                      "   AND backend_type = 'client backend'" % application_name).value
                started = time.monotonic()
                self.assertEqual(self.stack.psql("SELECT pg_cancel_backend(%s)" % pid).value, "t")
                out, err = process.communicate(timeout=30)
                elapsed = time.monotonic() - started
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        err = err.decode("utf-8", "replace")
        self.assertNotEqual(process.returncode, 0)
        self.assertIn("canceling statement due to user request", err)
        self.assertLess(elapsed, 1.0, "cancel took %.2f s" % elapsed)

        runs = self.new_run_ids(last_run)
        self.assertEqual(len(runs), 1, runs)
        self.assert_push_left_to_the_worker(runs[0], "canceling statement due to user request")

    def assert_push_left_to_the_worker(self, run_id, reason):
        row = self.wait_run_finished(run_id)
        self.assertEqual(row[:2], ["success", ""], "stopped while pushing, the run stays a success: %r" % row)
        self.assertEqual(row[3], "f")
        push_error = self.stack.run_row(run_id, "push_error")[0]
        self.assertIn("push interrupted (%s)" % reason, push_error)
        self.assertIn("delivers it from the outbox", push_error)
        # and the figures it recorded are queued, not lost
        self.assertGreater(int(self.stack.psql("SELECT count(*) FROM daily_sales_report.outbox"
                                               " WHERE run_id = %d" % run_id).value), 0)

    def test_canceled_run_stops_talking_to_the_hung_gateway(self):
        # KNOWN BUG (reported): after the cancel, the worker records the failure
        # and then POSTs the failure counters to the same hung gateway with the
        # full push_timeout_ms and push_retries, ignoring the cancel it just
        # handled; the background worker (and, when canceled during the final
        # push, the date's advisory lock) stays busy for that long.
        with harness.SilentServer() as silent:
            application_name = "dsr-it-cancel-%d" % time.monotonic_ns()
            process = self.start_hung_run(silent, application_name=application_name)
            try:
                time.sleep(0.3)
                caller = self.stack.psql("SELECT pid FROM pg_stat_activity WHERE application_name = '%s'"
                                         "   AND backend_type = 'client backend'" % application_name).value
                self.stack.psql("SELECT pg_cancel_backend(%s)" % caller)
                process.communicate(timeout=30)
                deadline = time.monotonic() + 3
                workers = None
                while time.monotonic() < deadline:
                    workers = self.stack.psql("SELECT count(*) FROM pg_stat_activity"
                                              " WHERE backend_type = 'daily_sales_report run'").value
                    if workers == "0":
                        break
                    time.sleep(0.1)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        self.assertEqual(workers, "0",
                         "KNOWN BUG: the canceled run's background worker still runs 3 s after the cancel")

    def test_statement_timeout_ends_a_hung_push(self):
        last_run = self.stack.max_run_id()
        with harness.SilentServer() as silent:
            started = time.monotonic()
            row, result = self.stack.run_report(DAY, check=False, settings=dict(self.HUNG, **{
                "daily_sales_report.pushgateway_url": silent.url,
                "statement_timeout": "1s",
            }), timeout=60)
            elapsed = time.monotonic() - started
        self.assertNotEqual(result.returncode, 0, result)
        self.assertIn("canceling statement due to statement timeout", result.stderr)
        self.assertLess(elapsed, 3.0, "statement_timeout=1s took %.2f s" % elapsed)
        runs = self.new_run_ids(last_run)
        self.assertEqual(len(runs), 1, runs)
        self.assert_push_left_to_the_worker(runs[0], "canceling statement due to statement timeout")

    def test_statement_timeout_before_the_success_is_a_failure_of_its_own_cause(self):
        # another session holds the shop's orders: the KPI query waits, the caller's timeout stops it
        last_run = self.stack.max_run_id()
        holder = self.stack.psql_popen("BEGIN", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE",
                                       "SELECT pg_sleep(4)", "COMMIT")
        try:
            time.sleep(0.5)
            row, result = self.stack.run_report(DAY, check=False, settings={"statement_timeout": "1s"}, timeout=60)
        finally:
            holder.communicate(timeout=30)
        self.assertIn("canceling statement due to statement timeout", result.stderr)
        runs = self.new_run_ids(last_run)
        self.assertEqual(len(runs), 1, runs)
        row = self.wait_run_finished(runs[0])
        self.assertEqual(row[0], "failure", row)
        self.assertEqual(row[2], "canceling statement due to statement timeout", row)
        self.assertNotIn("cannot read the sales source", result.stderr)


if __name__ == "__main__":
    unittest.main()
