"""
Two databases of one cluster with the extension: each keeps its reports and
metrics apart.  A second database left with the first one's report
directory and job stops with an ERROR that says what to set, and touches
neither the first database's PDFs nor its job group.
"""

import os
import unittest

import harness
from shop import DAY, StackTestCase

OTHER = "dsr_it_second_shop"


class TwoDatabasesTest(StackTestCase):

    def setUp(self):
        super().setUp()
        self.stack.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % OTHER, "CREATE DATABASE %s" % OTHER,
                        db="postgres")
        self.stack.psql("CREATE EXTENSION daily_sales_report", db=OTHER)
        # an empty shop: had its day been pushed, the first shop's figures would read 0
        self.stack.psql_file(os.path.join(harness.FIXTURES, "shop.sql"), db=OTHER)
        self.stack.psql("TRUNCATE order_items, orders CASCADE", db=OTHER)

    def tearDown(self):
        self.stack.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % OTHER, db="postgres")

    def test_the_second_database_is_told_what_to_set(self):
        first, _ = self.report(DAY)
        pdf = first["pdf_path"]
        before = (os.stat(pdf).st_mtime_ns, self.job_value("batch_job_executions_total", status="success"),
                  self.day_value("daily_sales_orders_count"))

        result = self.stack.psql(self.stack.report_sql(DAY), db=OTHER, check=False)
        self.assertFalse(result.ok)
        self.assertIn('carries the metrics of database "%s"' % harness.DB, result.stderr)
        self.assertIn("ALTER DATABASE %s SET daily_sales_report.job_name" % OTHER, result.stderr)
        row = self.stack.psql("SELECT status, error_type FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1",
                              db=OTHER).rows[0]
        self.assertEqual(row, ["failure", "network"])
        self.assertEqual(self.stack.psql("SELECT count(*) FROM daily_sales_report.outbox", db=OTHER).value, "0",
                         "nothing queued for the first database's job")

        # its own job, still the first database's directory: told about that too
        job = "%s-second" % harness.JOB
        self.stack.psql("ALTER DATABASE %s SET daily_sales_report.job_name = '%s'" % (OTHER, job), db="postgres")
        result = self.stack.psql(self.stack.report_sql(DAY), db=OTHER, check=False)
        self.assertFalse(result.ok)
        self.assertIn('holds the reports of database "%s"' % harness.DB, result.stderr)
        self.assertIn("ALTER DATABASE %s SET daily_sales_report.output_dir" % OTHER, result.stderr)

        # the first database's PDF, job counters and day are untouched
        after = (os.stat(pdf).st_mtime_ns, self.job_value("batch_job_executions_total", status="success"),
                 self.day_value("daily_sales_orders_count"))
        self.assertEqual(after, before)

        # with a directory of its own it reports, under its own job
        directory = os.path.join(self.stack.output_dir, OTHER)
        os.makedirs(directory, exist_ok=True)
        os.chown(directory, self.stack.pg_uid, self.stack.pg_gid)
        self.stack.psql("ALTER DATABASE %s SET daily_sales_report.output_dir = %s"
                        % (OTHER, harness.sql_literal(directory)), db="postgres")
        row = harness.parse_report_row(self.stack.psql(self.stack.report_sql(DAY), db=OTHER).stdout)
        self.assertEqual((row["orders"], row["pushed"]), ("0", "t"))
        self.assertEqual(os.path.dirname(row["pdf_path"]), directory)
        self.assertEqual(harness.sample_value(self.stack.pushgateway_group(DAY, job), "daily_sales_orders_count"), 0)
        self.assertEqual(self.day_value("daily_sales_orders_count"), before[2])
        for path in ("/metrics/job/%s/date/%s" % (job, DAY), "/metrics/job/%s" % job):
            harness.http("DELETE", self.stack.pgw_url + path)

    def test_a_dropped_databases_claim_is_taken_over(self):
        job = "%s-dropped" % harness.JOB
        directory = os.path.join(self.stack.output_dir, "dropped")
        os.makedirs(directory, exist_ok=True)
        os.chown(directory, self.stack.pg_uid, self.stack.pg_gid)
        settings = {"daily_sales_report.job_name": job, "daily_sales_report.output_dir": directory}
        for name, value in settings.items():
            self.stack.psql("ALTER DATABASE %s SET %s = %s" % (OTHER, name, harness.sql_literal(value)),
                            db="postgres")
        self.stack.psql(self.stack.report_sql(DAY), db=OTHER)
        self.stack.psql("DROP DATABASE %s WITH (FORCE)" % OTHER, "CREATE DATABASE %s" % OTHER, db="postgres")
        self.stack.psql("CREATE EXTENSION daily_sales_report", db=OTHER)
        self.stack.psql_file(os.path.join(harness.FIXTURES, "shop.sql"), db=OTHER)
        for name, value in settings.items():
            self.stack.psql("ALTER DATABASE %s SET %s = %s" % (OTHER, name, harness.sql_literal(value)),
                            db="postgres")
        row = harness.parse_report_row(self.stack.psql(self.stack.report_sql(DAY), db=OTHER).stdout)
        self.assertEqual(row["pushed"], "t")
        for path in ("/metrics/job/%s/date/%s" % (job, DAY), "/metrics/job/%s" % job):
            harness.http("DELETE", self.stack.pgw_url + path)


if __name__ == "__main__":
    unittest.main()
