"""
Running the report in production: concurrent runs, scheduling with pg_cron,
and who may run it or change where it writes and pushes.
"""

import os
import threading
import time
import unittest

import harness
from shop import DAY, StackTestCase, run_counts


class ConcurrencyTest(StackTestCase):

    def test_two_concurrent_runs_of_the_same_date(self):
        last_run = self.stack.max_run_id()
        processes = [self.stack.psql_popen(self.stack.report_sql(DAY)) for _ in range(2)]
        outputs = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            outputs.append((process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")))
        rows = []
        for returncode, out, err in outputs:
            self.assertEqual(returncode, 0, err)
            rows.append(harness.parse_report_row(out))
        run_ids = sorted(int(row["run_id"]) for row in rows)
        self.assertEqual(len(set(run_ids)), 2, "distinct run_ids: %r" % run_ids)
        self.assertEqual(self.new_run_ids(last_run), run_ids)
        for row in rows:
            self.assertEqual(int(row["orders"]), 4)
            self.assertEqual(row["pushed"], "t")
            self.assertEqual(self.stack.run_row(int(row["run_id"]), "status")[0], "success")
        self.assertEqual(self.job_value("batch_job_running"), 0)

    def test_counters_never_go_down_with_concurrent_runs(self):
        """
        The user sees: ten rounds of 8 runs of different days at once; the
        Pushgateway, read all along and after each round, never shows
        batch_job_executions_total{status="success"} lower than before (for
        Prometheus that would be a counter reset), and ends with the run
        history's count.

        EXTENSION BUG (issue #11): each run read the counters and queued the job
        group in a transaction of its own; a run that read them before another
        run's success could queue its body after that run's, superseding it
        or being delivered after it.
        """
        days = ["2025-08-%02d" % day for day in range(1, 9)]
        seen = []
        stop = threading.Event()
        reading = threading.Lock()  # two threads read: a reading is listed before the next one is taken

        def read():
            with reading:
                try:
                    value = self.job_value("batch_job_executions_total", status="success")
                except (AssertionError, OSError):
                    return
                if value is not None:
                    seen.append(value)

        def poll():
            while not stop.is_set():
                read()
                time.sleep(0.002)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            for _ in range(10):
                processes = [self.stack.psql_popen(self.stack.report_sql(day)) for day in days]
                for process in processes:
                    _, err = process.communicate(timeout=120)
                    self.assertEqual(process.returncode, 0, err)
                read()
        finally:
            stop.set()
            poller.join(timeout=10)
        went_down = [(before, after) for before, after in zip(seen, seen[1:]) if after < before]
        self.assertEqual(went_down, [], "EXTENSION BUG: the success counter went down on the Pushgateway "
                                        "(%d readings)" % len(seen))
        self.assertEqual(self.job_value("batch_job_executions_total", status="success"),
                         run_counts(self.stack)["success"])


class ParallelRunsTest(StackTestCase):
    """daily_sales_report.max_parallel_runs: each run takes a background worker slot, never more than that many."""

    OTHER_DAY = "2025-08-01"

    def set_max_parallel_runs(self, runs):
        self.addCleanup(self.stack.psql, "ALTER SYSTEM RESET daily_sales_report.max_parallel_runs",
                        "SELECT pg_reload_conf()")
        self.stack.psql("ALTER SYSTEM SET daily_sales_report.max_parallel_runs = %d" % runs, "SELECT pg_reload_conf()")
        time.sleep(0.5)     # the reload reaches the backends asynchronously

    def run_workers(self):
        return int(self.stack.psql("SELECT count(*) FROM pg_stat_activity"
                                   " WHERE backend_type = 'daily_sales_report run'").rows[0][0])

    def wait_for_run_workers(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while self.run_workers() != count:
            self.assertLess(time.monotonic(), deadline, "never %d run workers" % count)
            time.sleep(0.05)

    def test_a_run_beyond_the_limit_waits_without_a_worker(self):
        """
        The user sees: with max_parallel_runs = 1, a run of another day started while one is in progress
        (waiting for a lock on orders) says it waits, starts no worker meanwhile, and both succeed.
        """
        self.set_max_parallel_runs(1)
        holder = self.stack.psql_popen("BEGIN", "LOCK orders IN ACCESS EXCLUSIVE MODE", "SELECT pg_sleep(3)", "COMMIT")
        time.sleep(0.5)
        first = self.stack.psql_popen(self.stack.report_sql(DAY))
        self.wait_for_run_workers(1)
        second = self.stack.psql_popen("SET client_min_messages = notice", self.stack.report_sql(self.OTHER_DAY))
        time.sleep(1)
        self.assertEqual(self.run_workers(), 1)
        for process in (holder, first, second):
            _, err = process.communicate(timeout=120)
            self.assertEqual(process.returncode, 0, err)
        self.assertIn("waiting for one of the 1 runs in progress to end", err.decode())

    def test_async_runs_take_at_most_the_limit_of_workers(self):
        """A burst of daily_sales_report_async() calls: never more run workers than max_parallel_runs; all succeed."""
        self.set_max_parallel_runs(2)
        last_run = self.stack.max_run_id()
        seen = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                seen.append(self.run_workers())
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            days = ["2025-08-%02d" % day for day in range(1, 9)]
            callers = [self.stack.psql_popen("SELECT daily_sales_report_async('%s')" % day) for day in days]
            for caller in callers:
                _, err = caller.communicate(timeout=120)
                self.assertEqual(caller.returncode, 0, err)
            deadline = time.monotonic() + 60
            while self.stack.psql("SELECT count(*) FROM daily_sales_report.runs WHERE run_id > %d"
                                  " AND status = 'running'" % last_run).rows[0][0] != "0":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.1)
        finally:
            stop.set()
            sampler.join(timeout=10)
        self.assertLessEqual(max(seen), 2, seen)
        self.assertEqual(self.stack.psql("SELECT status, count(*) FROM daily_sales_report.runs WHERE run_id > %d"
                                         " GROUP BY 1" % last_run).rows, [["success", "8"]])

    def test_waiting_for_a_run_that_waits_for_us_fails_at_once(self):
        """
        The user sees: max_parallel_runs = 1, a transaction that locked orders calls the report while the
        one run in progress waits for that lock: an ERROR within seconds, not a wait for ever; the other run
        then succeeds.
        """
        self.set_max_parallel_runs(1)
        started = time.monotonic()
        caller = self.stack.psql_popen("BEGIN", "LOCK orders IN ACCESS EXCLUSIVE MODE", "SELECT pg_sleep(1.5)",
                                       "SET LOCAL statement_timeout = '60s'",
                                       self.stack.report_sql(self.OTHER_DAY), "COMMIT")
        time.sleep(0.5)
        other = self.stack.psql_popen(self.stack.report_sql(DAY))
        _, err = caller.communicate(timeout=90)
        elapsed = time.monotonic() - started
        self.assertIn("the report waits for a lock that this session holds", err.decode())
        self.assertLess(elapsed, 10, "the call took %.1f s" % elapsed)
        _, other_err = other.communicate(timeout=90)
        self.assertEqual(other.returncode, 0, other_err)


    def test_a_worker_that_cannot_connect_for_our_lock_is_detected(self):
        """
        The user sees: a transaction that locked a catalog the run's worker reads while it connects
        (its settings, pg_db_role_setting) calls the report: an ERROR within seconds, no run of that
        day goes on after it, and the server takes runs again.
        """
        last_run = self.stack.max_run_id()
        started = time.monotonic()
        result = self.stack.psql("BEGIN", "LOCK pg_db_role_setting IN ACCESS EXCLUSIVE MODE",
                                 "SET LOCAL statement_timeout = '60s'", self.stack.report_sql(DAY), "COMMIT",
                                 check=False)
        elapsed = time.monotonic() - started
        self.assertIn("the report waits for a lock that this session holds", result.stderr)
        self.assertLess(elapsed, 10, "the call took %.1f s" % elapsed)
        time.sleep(1)
        self.assertEqual(self.stack.psql("SELECT count(*) FROM daily_sales_report.runs WHERE run_id > %d"
                                         % last_run).value, "0")
        row, _ = self.stack.run_report(DAY)
        self.assertGreater(int(row["run_id"]), last_run)

    def test_a_caller_that_stops_waiting_for_its_worker_leaves_no_run(self):
        """
        The user sees: max_parallel_runs = 1; a caller's worker cannot connect yet (another session
        holds pg_db_role_setting) and the caller's statement_timeout ends the call: its run never
        starts, so a second caller's run is the only one in progress.
        """
        self.set_max_parallel_runs(1)
        last_run = self.stack.max_run_id()
        # connected first: a new session reads pg_db_role_setting too
        caller = self.stack.psql_popen("SELECT pg_sleep(1)", "SET statement_timeout = '1s'",
                                       "SELECT daily_sales_report_async('%s')" % self.OTHER_DAY)
        time.sleep(0.3)
        holder = self.stack.psql_popen("BEGIN", "LOCK pg_db_role_setting IN ACCESS EXCLUSIVE MODE",
                                       "SELECT pg_sleep(3)", "COMMIT")
        _, err = caller.communicate(timeout=90)
        self.assertIn("statement timeout", err.decode())
        second = self.stack.psql_popen(self.stack.report_sql(DAY))
        peak = 0
        while second.poll() is None:
            peak = max(peak, self.run_workers())
            time.sleep(0.02)
        _, err = second.communicate(timeout=90)
        holder.communicate(timeout=90)
        self.assertEqual(second.returncode, 0, err)
        self.assertLessEqual(peak, 1)
        self.assertEqual(self.stack.psql("SELECT report_date::text FROM daily_sales_report.runs WHERE run_id > %d"
                                         % last_run).rows, [[DAY]])

    def test_a_run_stopped_by_the_callers_timeout_says_so(self):
        """
        The user sees: calls ended by statement_timeout at every moment of a run's start (5 to 150 ms):
        each run that was recorded is a failure that names the statement timeout, never a process
        "terminated" (pg_terminate_backend, a shutdown) nor one left 'running'.
        """
        last_run = self.stack.max_run_id()
        for timeout_ms in range(5, 150, 5):
            result = self.stack.psql("SET statement_timeout = %d" % timeout_ms, self.stack.report_sql(DAY),
                                     check=False)
            if not result.ok:
                self.assertIn("statement timeout", result.stderr)
        deadline = time.monotonic() + 30
        while self.stack.psql("SELECT count(*) FROM daily_sales_report.runs WHERE run_id > %d"
                              " AND status = 'running'" % last_run).rows != [["0"]]:
            self.assertLess(time.monotonic(), deadline, "a run stayed 'running'")
            time.sleep(0.1)
        failures = self.stack.psql("SELECT run_id, error_message FROM daily_sales_report.runs"
                                   " WHERE run_id > %d AND status = 'failure'" % last_run).rows
        self.assertTrue(failures, "no run was stopped: the timeouts were all too long")
        for run_id, message in failures:
            self.assertIn("statement timeout", message, "run %s" % run_id)


class SelfDeadlockTest(StackTestCase):

    def test_a_lock_queued_behind_the_callers_read_is_detected(self):
        """
        The user sees: a transaction that read the shop's orders calls the
        report while another session waits to ALTER the table; the run's read
        queues behind that ALTER, which waits for the caller, which waits for
        the run.  The call ends within seconds with an ERROR saying so, and the
        ALTER goes through.
        """
        started = time.monotonic()
        caller = self.stack.psql_popen("BEGIN", "SELECT count(*) FROM orders", "SELECT pg_sleep(1.5)",
                                       "SET LOCAL statement_timeout = '60s'", self.stack.report_sql(DAY), "COMMIT")
        time.sleep(0.5)
        alter = self.stack.psql_popen("SET lock_timeout = '60s'", "BEGIN",
                                      "ALTER TABLE orders ADD COLUMN dsr_it_probe integer", "ROLLBACK")
        out, err = caller.communicate(timeout=90)
        elapsed = time.monotonic() - started
        alter_out, alter_err = alter.communicate(timeout=90)
        self.assertIn("the report waits for a lock that this session holds", err.decode())
        self.assertLess(elapsed, 10, "the call took %.1f s" % elapsed)
        self.assertEqual(alter.returncode, 0, alter_err.decode())


class CronTest(StackTestCase):

    def cron_job(self, job_id):
        rows = self.stack.psql("SELECT jobname, schedule, command, database, username, active"
                               "  FROM cron.job WHERE jobid = %s" % job_id).rows
        return rows[0] if rows else None

    def test_cron_schedule_daily_report(self):
        command = "SELECT * FROM daily_sales_report('yesterday')"
        job_id = self.stack.psql(
            "SELECT cron.schedule('daily-sales-report', '0 6 * * *', %s)" % harness.sql_literal(command)).value
        try:
            self.assertEqual(self.cron_job(job_id),
                             ["daily-sales-report", "0 6 * * *", command, harness.DB, "postgres", "t"])
        finally:
            self.stack.psql("SELECT cron.unschedule(%s)" % job_id)

    def test_schedule_helper(self):
        job_id = self.stack.psql("SELECT daily_sales_report.schedule()").value
        try:
            name, schedule, command, database, username, active = self.cron_job(job_id)
            self.assertEqual((name, schedule, database, username, active),
                             ("daily-sales-report", "0 6 * * *", harness.DB, "postgres", "t"))
            self.assertIn("daily_sales_report('yesterday')", command)
            # the scheduled command is one that works
            result = self.stack.psql(command.replace("SELECT *", "SELECT report_date, orders", 1))
            self.assertEqual(result.rows[0][0],
                             self.stack.psql("SELECT (now() AT TIME ZONE 'UTC')::date - 1").value)
        finally:
            self.stack.psql("SELECT cron.unschedule(%s)" % job_id)


class SecurityTest(StackTestCase):

    ROLE = "dsr_it_reporter"

    def setUp(self):
        self.stack.psql("DROP OWNED BY %s" % self.ROLE, "DROP ROLE %s" % self.ROLE, check=False)
        self.stack.psql("CREATE ROLE %s LOGIN" % self.ROLE)

    def tearDown(self):
        self.stack.psql("DROP OWNED BY %s" % self.ROLE, "DROP ROLE %s" % self.ROLE, check=False)

    def grant(self):
        self.stack.psql("GRANT EXECUTE ON FUNCTION daily_sales_report(text) TO %s" % self.ROLE,
                        "GRANT SELECT ON products, orders, order_items TO %s" % self.ROLE)

    def test_execute_needs_a_grant(self):
        row, result = self.stack.run_report(DAY, user=self.ROLE, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("permission denied for function daily_sales_report", result.stderr)

        self.grant()
        row, result = self.report(DAY, user=self.ROLE)
        self.assertEqual(int(row["orders"]), 4)
        self.assertEqual(self.stack.run_row(int(row["run_id"]), "status, requested_by"),
                         ["success", self.ROLE])

    def test_cannot_set_superuser_settings(self):
        self.grant()
        for name, value in (("daily_sales_report.output_dir", "/tmp/dsr-it-evil"),
                            ("daily_sales_report.pushgateway_url", "http://127.0.0.1:1")):
            with self.subTest(setting=name):
                # in a session where the extension's library is loaded
                result = self.stack.psql(self.stack.report_sql(DAY),
                                         "SET %s = %s" % (name, harness.sql_literal(value)),
                                         user=self.ROLE, check=False)
                self.assertNotEqual(result.returncode, 0, result)
                self.assertIn('permission denied to set parameter "%s"' % name, result.stderr)

    def test_set_before_load_does_not_redirect_the_report(self):
        # a fresh session: the library is not loaded yet when SET runs, so the
        # SET makes a placeholder; loading the library must refuse its value
        self.grant()
        evil = os.path.join(self.stack.dir, "evil")
        for name, value in (("daily_sales_report.output_dir", evil),
                            ("daily_sales_report.pushgateway_url", "http://127.0.0.1:1")):
            with self.subTest(setting=name):
                result = self.stack.psql("SET %s = %s" % (name, harness.sql_literal(value)),
                                         self.stack.report_sql(DAY), user=self.ROLE, check=False)
                self.assertIn('permission denied to set parameter "%s"' % name, result.stderr)
                if result.ok:
                    row = harness.parse_report_row(result.stdout)
                    self.assertEqual(os.path.dirname(row["pdf_path"]), self.stack.output_dir)
                    self.assertEqual(row["pushed"], "t")
                    self.assertIn("metrics pushed to %s " % self.stack.pgw_url, result.stderr)
        self.assertFalse(os.path.exists(evil))


class ServerStartTest(StackTestCase):
    """What is decided at server start: the preloaded worker's database, and nothing of ours under pg_upgrade."""

    def test_database_name_takes_a_restart(self):
        """
        The user sees: daily_sales_report.database_name is a server-start
        setting (like cron.database_name); ALTER SYSTEM and a reload leave the
        worker where it is, and pg_settings says a restart is pending.
        """
        context, value = self.stack.psql("SELECT context, setting FROM pg_settings"
                                         " WHERE name = 'daily_sales_report.database_name'").rows[0]
        self.assertEqual((context, value), ("postmaster", harness.DB))
        worker = self.stack.psql("SELECT worker_pid FROM daily_sales_report.outbox_status").value
        self.addCleanup(self.stack.psql, "ALTER SYSTEM RESET daily_sales_report.database_name",
                        "SELECT pg_reload_conf()")
        self.stack.psql("ALTER SYSTEM SET daily_sales_report.database_name = 'postgres'", "SELECT pg_reload_conf()")
        time.sleep(1)
        self.assertEqual(self.stack.psql("SELECT setting, pending_restart FROM pg_settings"
                                         " WHERE name = 'daily_sales_report.database_name'").rows[0],
                         [harness.DB, "t"])
        self.assertEqual(self.stack.psql("SELECT worker_pid FROM daily_sales_report.outbox_status").value, worker)

    def test_binary_upgrade_mode_starts_no_worker(self):
        """
        The user sees: the server pg_upgrade starts (binary-upgrade mode,
        postgres -b) with daily_sales_report preloaded runs no launcher and no
        worker, and the settings are still defined; started normally, the
        launcher is there.
        """
        cluster = harness.Cluster(self.stack, "upgrade-mode")
        self.addCleanup(cluster.stop, "immediate", check=False)
        cluster.initdb("dsr-it-upgrade-mode", "shared_preload_libraries = 'daily_sales_report'\n")
        launchers = ("SELECT count(*) FROM pg_stat_activity"
                     " WHERE backend_type IN ('daily_sales_report launcher', 'daily_sales_report outbox')")

        cluster.pg_ctl("-l", cluster.pg_log, "-o", "-b", "-w", "-t", "60", "start")
        cluster.running = True
        time.sleep(2)       # a registered launcher would be up by now
        self.assertEqual(cluster.psql(launchers, db="postgres").value, "0", cluster.log_text())
        self.assertEqual(cluster.psql("SHOW daily_sales_report.database_name", db="postgres").value, "postgres")
        cluster.stop()

        cluster.start()
        deadline = time.monotonic() + 10
        while cluster.psql(launchers, db="postgres").value == "0":
            self.assertLess(time.monotonic(), deadline, "no launcher after a normal start")
            time.sleep(0.1)

    def test_database_name_without_preload_is_accepted(self):
        """
        The user sees: a daily_sales_report.database_name line left in
        postgresql.conf (or written by ALTER SYSTEM) on a server without the
        library in shared_preload_libraries costs nothing: loading the library
        (LOAD, a run, CREATE EXTENSION) says no WARNING about it, SHOW reads
        it, and the server log has no "reserved prefix" line.
        """
        cluster = harness.Cluster(self.stack, "no-preload-database-name")
        self.addCleanup(cluster.stop, "immediate", check=False)
        cluster.initdb("dsr-it-no-preload", "daily_sales_report.database_name = 'elsewhere'\n")
        cluster.start()
        loaded = cluster.psql("LOAD 'daily_sales_report'", "SHOW daily_sales_report.database_name", db="postgres")
        self.assertEqual(loaded.stdout.split(), ["elsewhere"], loaded)
        self.assertNotIn("WARNING", loaded.stderr)
        context = cluster.psql("LOAD 'daily_sales_report'", "SELECT context FROM pg_settings"
                               " WHERE name = 'daily_sales_report.database_name'", db="postgres")
        self.assertEqual(context.stdout.split(), ["sighup"], context)
        self.assertNotIn("reserved prefix", cluster.log_text())


if __name__ == "__main__":
    unittest.main()
