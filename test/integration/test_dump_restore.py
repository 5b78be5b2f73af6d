"""
pg_dump and pg_restore of a database with the extension: the run history,
the pushes still pending and the day groups come back, and what a run adds
afterwards sorts after them (the outbox delivers a group in id order, so a
reused id would send a new push before an old one).
"""

import os
import subprocess
import unittest

import harness
from shop import DAY, PREVIOUS_DAY, StackTestCase

SOURCE = "dsr_it_dump"
TARGET = "dsr_it_restored"
TABLES = {
    "runs": "run_id, report_date, status, orders, revenue, top_product, pushed",
    # attempts is left out: the worker may retry a pending push between the snapshot and pg_dump
    "outbox": "id, run_id, group_path, method, md5(body)",
    "day_groups": "pushgateway_url, group_path, report_date",
}


class DumpRestoreTest(StackTestCase):

    def tearDown(self):
        self.stack.start_pushgateway()
        self.stack.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % SOURCE,
                        "DROP DATABASE IF EXISTS %s WITH (FORCE)" % TARGET, db="postgres")

    def rows(self, db, table):
        return self.stack.psql("SELECT %s FROM daily_sales_report.%s ORDER BY 1, 2"
                               % (TABLES[table], table), db=db).rows

    def tool(self, name, *args):
        argv = [os.path.join(harness.PG_BIN, name), "-h", self.stack.socket_dir, "-p", str(self.stack.pg_port),
                "-U", "postgres"] + list(args)
        completed = subprocess.run(argv, env=self.stack.psql_env(), stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=120)
        self.assertEqual(completed.returncode, 0, "%s: %s" % (" ".join(argv), completed.stderr))

    def test_runs_pending_pushes_and_day_groups_survive_a_dump(self):
        self.stack.create_database(SOURCE)
        self.stack.psql_file(os.path.join(harness.FIXTURES, "shop.sql"), db=SOURCE)
        # a delivered day (its day group is remembered), then a day whose pushes wait in the outbox
        self.stack.psql(self.stack.report_sql(PREVIOUS_DAY), db=SOURCE)
        self.stack.stop_pushgateway()
        self.stack.psql(self.stack.report_sql(DAY), db=SOURCE, settings={"daily_sales_report.push_retries": 0})
        before = {table: self.rows(SOURCE, table) for table in TABLES}
        attempts_before = dict(self.stack.psql("SELECT id, attempts FROM daily_sales_report.outbox", db=SOURCE).rows)
        self.assertEqual(len(before["runs"]), 2)
        self.assertGreater(len(before["outbox"]), 0, "pushes pending at dump time")
        self.assertEqual(len(before["day_groups"]), 2)

        dump = os.path.join(self.stack.dir, "dump.pgdump")
        self.tool("pg_dump", "-Fc", "-f", dump, SOURCE)
        # the copy is another database: its own report directory and job (a claim is per database)
        self.stack.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % TARGET, "CREATE DATABASE %s" % TARGET,
                        "ALTER DATABASE %s SET daily_sales_report.output_dir = %s"
                        % (TARGET, harness.sql_literal(os.path.join(self.stack.output_dir, SOURCE))),
                        db="postgres")
        self.stack.psql("DROP DATABASE %s WITH (FORCE)" % SOURCE, db="postgres")
        self.stack.psql("ALTER DATABASE %s SET daily_sales_report.job_name = %s"
                        % (TARGET, harness.sql_literal("%s-%s" % (harness.JOB, SOURCE.replace("_", "-")))),
                        db="postgres")
        self.tool("pg_restore", "-d", TARGET, dump)

        for table in TABLES:
            self.assertEqual(self.rows(TARGET, table), before[table], table)
        # the attempts made before the dump are kept, not reset
        restored = dict(self.stack.psql("SELECT id, attempts FROM daily_sales_report.outbox", db=TARGET).rows)
        for push, tried in attempts_before.items():
            self.assertGreaterEqual(int(restored[push]), int(tried), "push %s's attempts" % push)

        # new rows come after the restored ones
        self.stack.psql(self.stack.report_sql(DAY), db=TARGET, settings={"daily_sales_report.push_retries": 0})
        last_run, last_push = before["runs"][-1][0], max(int(r[0]) for r in before["outbox"])
        self.assertEqual(self.stack.psql("SELECT min(run_id) FROM daily_sales_report.runs WHERE run_id > %s"
                                         % last_run, db=TARGET).value, str(int(last_run) + 1))
        new_ids = [int(r[0]) for r in self.rows(TARGET, "outbox") if int(r[0]) > last_push]
        self.assertGreater(len(new_ids), 0, "the new run queued pushes")
        reused = self.stack.psql("SELECT count(*) FROM daily_sales_report.outbox WHERE id <= %d AND run_id > %s"
                                 % (last_push, last_run), db=TARGET).value
        self.assertEqual(reused, "0", "a new push reused an id of the restored outbox")

        # and once the Pushgateway is back, the restored database delivers everything, in order
        self.stack.start_pushgateway()
        self.assertEqual(self.stack.psql("SELECT daily_sales_report.flush_pushes(20)", db=TARGET).value, "0")


if __name__ == "__main__":
    unittest.main()
