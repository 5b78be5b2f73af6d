"""
Failover: nothing lost across a promotion.  A primary and its streaming
standby (pg_basebackup -R), both preloading pg_cron and daily_sales_report,
on free loopback ports, pushing to the stack's Pushgateway under a job of
their own.  The standby stays quiet while in recovery and refuses runs with
a clear ERROR; once promoted, its outbox worker delivers what the old
primary left in the outbox and closes out the run the old primary was in.
"""

import os
import re
import subprocess
import time
import unittest

import harness
from shop import DAY, PREVIOUS_DAY, run_counts
from test_faults import FaultCase, LockHolder, timing

JOB = "dsr-it-failover"
DB = "shop"
PRELOAD = ("shared_preload_libraries = 'pg_cron,daily_sales_report'\n"
           "cron.database_name = '%s'\n"
           "daily_sales_report.database_name = '%s'\n"
           "wal_level = replica\n" % (DB, DB))
# an ERROR or FATAL logged by one of the extension's processes (log_line_prefix has %b)
OUR_PROBLEMS = re.compile(r"^.* daily_sales_report (launcher|outbox|run) .*(ERROR|FATAL):.*$", re.M)


class FailoverTest(FaultCase):

    def setUp(self):
        super().setUp()
        self.primary = harness.Cluster(self.stack, "primary-%d" % time.monotonic_ns())
        self.primary.initdb(JOB, PRELOAD)
        self.primary.start()
        self.primary.psql("CREATE DATABASE %s" % DB, db="postgres")
        self.primary.psql("CREATE EXTENSION pg_cron", "CREATE EXTENSION daily_sales_report")
        self.primary.psql_file(os.path.join(harness.FIXTURES, "shop.sql"))
        self.standby = harness.Cluster(self.stack, "standby-%d" % time.monotonic_ns())
        self.standby.base_backup_of(self.primary)
        self.standby.start()
        self.wait_replayed()

    def tearDown(self):
        for cluster in (self.standby, self.primary):
            cluster.stop("immediate", check=False)
        self.stack.start_pushgateway()
        for group in ("/date/%s" % DAY, "/date/%s" % PREVIOUS_DAY, ""):
            harness.http("DELETE", "%s/metrics/job/%s%s" % (self.stack.pgw_url, JOB, group))

    def wait_replayed(self):
        """Until the standby has replayed everything the primary has written so far."""
        lsn = self.primary.psql("SELECT pg_current_wal_lsn()").value
        self.wait_for(lambda: self.standby.psql("SELECT pg_last_wal_replay_lsn() >= '%s'" % lsn).value == "t", 30, "the standby caught up")

    def job_group(self):
        return self.stack.pushgateway_groups().get(frozenset({"job": JOB}.items()))

    def our_problems(self, cluster):
        return [match.group(0) for match in OUR_PROBLEMS.finditer(cluster.log_text())]

    def test_standby_stays_quiet_and_refuses_runs(self):
        """
        The user sees: a standby preloading the extension starts no outbox
        worker and logs nothing of the extension while in recovery; a run
        there (daily_sales_report, daily_sales_report_async) or
        flush_pushes() fails at once with an ERROR saying a read-only standby
        cannot do it and where to go instead; the standby stays up and
        nothing of the extension is logged again and again.
        """
        time.sleep(3)       # a few polls' worth
        self.assertEqual(self.standby.psql("SELECT pg_is_in_recovery()").value, "t")
        self.assertEqual(self.standby.psql("SELECT count(*) FROM pg_stat_activity"
                                           " WHERE backend_type LIKE 'daily_sales_report%'").value, "0")
        self.assertEqual(self.our_problems(self.standby), [])
        self.assertNotIn("daily_sales_report:", self.standby.log_text())

        for statement in (self.standby.report_sql(DAY), "SELECT daily_sales_report_async(%s)"
                          % harness.sql_literal(DAY)):
            with self.subTest(statement=statement):
                started = time.monotonic()
                result = self.standby.psql(statement, check=False)
                self.assertFalse(result.ok)
                self.assertIn("ERROR:  daily_sales_report cannot run on a read-only standby", result.stderr)
                self.assertIn("HINT:  Run it on the primary", result.stderr)
                self.assertLess(time.monotonic() - started, 5)
        result = self.standby.psql("SELECT daily_sales_report.flush_pushes(5)", check=False)
        self.assertIn("ERROR:  daily_sales_report.flush_pushes() cannot deliver on a read-only standby",
                      result.stderr)
        self.assertLess(result.elapsed, 2)
        self.assertEqual(self.standby.psql("SELECT 1").value, "1", "the standby is still up")
        log = self.standby.log_text()
        self.assertNotIn("terminated by signal", log)
        time.sleep(2)
        self.assertEqual(self.standby.log_text().count("ERROR"), log.count("ERROR"), "no error loop")
        self.assertEqual(self.standby.psql("SELECT count(*) FROM pg_stat_activity"
                                           " WHERE backend_type LIKE 'daily_sales_report%'").value, "0")

    def test_promotion_delivers_what_the_old_primary_left(self):
        """
        The user sees: the Pushgateway is down while a run completes on the
        primary (its pushes wait in the outbox) and another run of the
        previous day is in progress; the primary stops (immediate) and the
        standby is promoted; once the Pushgateway is back, the day's figures
        arrive from the new primary, the run in progress is recorded there as
        a failure saying its process ended, and the Pushgateway shows
        batch_job_running 0 with the failure counted.
        """
        self.stack.stop_pushgateway()
        result = self.primary.psql(self.primary.report_sql(DAY),
                                   settings={"daily_sales_report.push_retries": 0})
        row = harness.parse_report_row(result.stdout)
        self.assertEqual(row["pushed"], "f")

        holder = LockHolder(self.primary, PREVIOUS_DAY)
        running = self.primary.psql_popen(self.primary.report_sql(PREVIOUS_DAY))
        try:
            holder.wait_for_waiters(1)
            run_id = int(self.primary.psql("SELECT max(run_id) FROM daily_sales_report.runs").value)
            self.assertEqual(self.primary.psql("SELECT status FROM daily_sales_report.runs WHERE run_id = %d"
                                               % run_id).value, "running")
            self.wait_replayed()
            self.primary.stop("immediate")
        finally:
            holder.release()
            try:
                running.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                running.kill()
                running.communicate()
        self.assertEqual(self.standby.psql("SELECT count(*) FROM daily_sales_report.outbox"
                                           " WHERE group_path LIKE '%%/date/%s'" % DAY).value, "1",
                         "the old primary's pushes replayed")

        self.standby.promote()
        self.wait_for(lambda: self.standby.psql("SELECT NOT pg_is_in_recovery()").value == "t", 30,
                      "the standby promoted")
        self.stack.start_pushgateway()
        back = time.monotonic()
        
        def delivered():
            counts = run_counts(self.standby)
            group = self.job_group()
            day = self.stack.pushgateway_groups().get(frozenset({"job": JOB, "date": DAY}.items()))
            return (harness.sample_value(day, "daily_sales_orders_count") == float(row["orders"])
                    and counts["running"] == 0
                    and harness.sample_value(group, "batch_job_running") == 0
                    and harness.sample_value(group, "batch_job_executions_total", status="failure")
                    == counts["failure"])

        self.wait_for(delivered, 30, "the day's figures and batch_job_running 0 on the Pushgateway (outbox: %r)"
                      % (self.standby.psql("SELECT group_path, attempts, last_error FROM daily_sales_report.outbox").rows,))
        timing("failover: Pushgateway back after promotion -> figures and running 0 delivered",
               time.monotonic() - back)
        status, message = self.standby.psql("SELECT status, error_message FROM daily_sales_report.runs"
                                            " WHERE run_id = %d" % run_id).rows[0]
        self.assertEqual(status, "failure")
        self.assertIn("ended before it finished", message)
        self.wait_for(lambda: self.standby.psql("SELECT count(*) FROM daily_sales_report.outbox").value == "0", 10, "the outbox emptied")
        log = self.standby.log_text()
        self.assertIn("closed out 1 run(s) whose process had died", log)
        self.assertIn("background worker started for database %s (preloaded)" % DB, log)
        self.assertEqual(self.our_problems(self.standby), [])



if __name__ == "__main__":
    unittest.main()
