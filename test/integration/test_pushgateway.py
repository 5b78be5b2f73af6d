"""
The metrics on a real Pushgateway (GET /api/v1/metrics) and in a real
Prometheus scraping it with honor_labels: families, values, labels,
counters across runs, and what a failed run leaves there.
"""

import os
import time
import unittest
from decimal import Decimal

from shop import (CAMERA, DAY, JOB, MONITOR, PAO, PREVIOUS_DAY, WEEK_BEFORE, StackTestCase, expected_day,
                  run_counts)

BUSINESS_FAMILIES = (
    "daily_sales_revenue_total", "daily_sales_orders_count", "daily_sales_avg_ticket_amount",
    "daily_sales_top_product_revenue", "daily_sales_items_sold_count", "daily_sales_product_revenue",
    "daily_sales_revenue_change_ratio", "daily_sales_revenue_expected_samples")
JOB_FAMILIES = (
    "report_generation_duration_seconds", "report_database_query_duration_seconds",
    "report_pdf_generation_duration_seconds", "report_pdf_size_kilobytes",
    "batch_job_last_success_timestamp", "batch_job_executions_total", "batch_job_running",
    "batch_job_cpu_usage_percent", "batch_job_memory_usage_mb", "batch_job_database_connections",
    "batch_job_data_throughput_records_per_second", "batch_job_errors_total", "batch_job_retries_total")


def business_figures(group):
    """{(family, sorted labels): value} of the daily_sales_* samples of a day group."""
    figures = {}
    for family, samples in (group or {}).items():
        if family.startswith("daily_sales_"):
            for labels, value in samples:
                figures[(family, tuple(sorted(labels.items())))] = value
    return figures


class PushgatewayTest(StackTestCase):

    def test_every_metric_family_with_values_and_labels(self):
        row, result = self.report(DAY, settings={"daily_sales_report.top_n": 8})
        self.assertEqual(row["pushed"], "t", result.stderr)
        counts = run_counts(self.stack)
        expected = expected_day(self.stack, DAY)
        previous = expected_day(self.stack, PREVIOUS_DAY)
        week_before = expected_day(self.stack, WEEK_BEFORE)

        day_group = self.stack.pushgateway_group(DAY)
        job_group = self.stack.pushgateway_group()
        self.assertIsNotNone(day_group, "no group job=%s,date=%s" % (JOB, DAY))
        self.assertIsNotNone(job_group, "no group job=%s" % JOB)
        for family in BUSINESS_FAMILIES:
            self.assertIn(family, day_group)
            for labels, _ in day_group[family]:
                self.assertEqual(labels.get("job"), JOB, family)
                self.assertEqual(labels.get("date"), DAY, family)
        for family in JOB_FAMILIES:
            self.assertIn(family, job_group)
            for labels, _ in job_group[family]:
                self.assertEqual(labels.get("job"), JOB, family)
                self.assertNotIn("date", labels, family)

        # business figures of the day
        self.assertAlmostEqual(self.day_value("daily_sales_revenue_total"), float(expected.revenue), places=2)
        self.assertEqual(self.day_value("daily_sales_orders_count"), expected.orders)
        self.assertAlmostEqual(self.day_value("daily_sales_avg_ticket_amount"), float(expected.avg_ticket),
                               places=2)
        self.assertEqual(self.day_value("daily_sales_items_sold_count"), expected.items_sold)
        top_name, top_revenue = expected.top_product
        self.assertEqual([labels["product"] for labels, _ in day_group["daily_sales_top_product_revenue"]],
                         [top_name])
        self.assertAlmostEqual(self.day_value("daily_sales_top_product_revenue", product=top_name),
                               float(top_revenue), places=2)
        ranking = sorted(((int(labels["rank"]), labels["product"], value)
                          for labels, value in day_group["daily_sales_product_revenue"]))
        self.assertEqual([(rank, name) for rank, name, _ in ranking],
                         [(i + 1, name) for i, (name, _) in enumerate(expected.products)])
        for (_, name, value), (_, revenue) in zip(ranking, expected.products):
            self.assertAlmostEqual(value, float(revenue), places=2, msg=name)
        names = [name for _, name, _ in ranking]
        for name in (CAMERA, MONITOR, PAO):
            self.assertIn(name, names, "product label with accents/quotes intact")

        revenue = float(expected.revenue)
        self.assertAlmostEqual(self.day_value("daily_sales_revenue_change_ratio", compared_to="previous_day"),
                               (revenue - float(previous.revenue)) / float(previous.revenue), places=6)
        self.assertAlmostEqual(self.day_value("daily_sales_revenue_change_ratio", compared_to="week_before"),
                               (revenue - float(week_before.revenue)) / float(week_before.revenue), places=6)

        # performance of the run
        duration = float(row["duration_seconds"])
        generation = self.job_value("report_generation_duration_seconds")
        self.assertGreater(generation, 0)
        self.assertLessEqual(generation, duration + 0.001)
        self.assertGreaterEqual(self.job_value("report_database_query_duration_seconds"), 0)
        self.assertLess(self.job_value("report_database_query_duration_seconds"), generation)
        self.assertGreater(self.job_value("report_pdf_generation_duration_seconds"), 0)
        self.assertAlmostEqual(self.job_value("report_pdf_size_kilobytes"),
                               os.path.getsize(row["pdf_path"]) / 1024.0, delta=0.01)

        # control and error counters: what the run history says
        self.assertEqual(self.job_value("batch_job_executions_total", status="success"), counts["success"])
        self.assertEqual(self.job_value("batch_job_executions_total", status="failure"), counts["failure"])
        self.assertEqual(self.job_value("batch_job_running"), 0)
        self.assertAlmostEqual(self.job_value("batch_job_last_success_timestamp"), counts["last_success"],
                               delta=0.01)
        self.assertLess(abs(self.job_value("batch_job_last_success_timestamp") - time.time()), 120)
        for error_type in ("database", "pdf", "network"):
            self.assertEqual(self.job_value("batch_job_errors_total", error_type=error_type),
                             counts["errors_" + error_type], error_type)
        for operation in ("push_metrics", "database_query"):
            self.assertEqual(self.job_value("batch_job_retries_total", operation=operation),
                             counts["retries_" + operation], operation)

        # system figures
        self.assertGreaterEqual(self.job_value("batch_job_cpu_usage_percent"), 0)
        self.assertGreater(self.job_value("batch_job_memory_usage_mb"), 1)
        self.assertGreaterEqual(self.job_value("batch_job_database_connections"), 1)
        self.assertGreater(self.job_value("batch_job_data_throughput_records_per_second"), 0)

    def test_expected_band_of_the_same_weekday(self):
        """A Monday against the Mondays before it: median and band of what the shop sold on those days."""
        day, history = "2024-03-18", ("2024-03-11", "2024-03-04", "2024-02-26")   # no other test reads them
        orders = {"2024-03-11": 3, "2024-03-04": 5, "2024-02-26": 4, day: 1}        # the day far below
        self.stack.psql(
            "WITH d(day, n) AS (VALUES %s),"
            " o AS (INSERT INTO orders (id, user_id, created_at, is_open)"
            "       SELECT (SELECT max(id) FROM orders) + row_number() OVER (), 1,"
            "              day::date + time '10:00' + g * interval '1 minute', false"
            "         FROM d, generate_series(1, n) AS g RETURNING id)"
            " INSERT INTO order_items (id, order_id, product_id, quantity, price)"
            " SELECT (SELECT max(id) FROM order_items) + row_number() OVER (), o.id, p.id, 2, p.price"
            "   FROM o, (SELECT id, price FROM products ORDER BY id LIMIT 1) AS p"
            % ", ".join("('%s', %d)" % item for item in orders.items()))
        row, _ = self.report(day)
        self.assertEqual(row["pushed"], "t")

        # by hand: the 3 Mondays with sales (the 5 before them are before the shop's history)
        revenues = sorted(float(expected_day(self.stack, d).revenue) for d in history)
        median = revenues[1]
        mad = sorted(abs(r - median) for r in revenues)[1]
        half = max(2 * 1.4826 * mad, 0.2 * median)
        self.assertEqual(self.day_value("daily_sales_revenue_expected_samples", day=day), 3)
        self.assertAlmostEqual(self.day_value("daily_sales_revenue_expected", day=day), median, places=2)
        self.assertAlmostEqual(self.day_value("daily_sales_revenue_expected_lower", day=day), median - half, places=2)
        self.assertAlmostEqual(self.day_value("daily_sales_revenue_expected_upper", day=day), median + half, places=2)
        self.assertLess(self.day_value("daily_sales_revenue_total", day=day), median - half)
        stored = self.stack.psql(
            "SELECT expected_revenue, expected_lower, expected_upper, expected_weeks FROM daily_sales_report.runs"
            " WHERE run_id = %s" % row["run_id"]).rows[0]
        self.assertEqual([Decimal(v) for v in stored[:3]],
                         [Decimal("%.2f" % v) for v in (median, median - half, median + half)])
        self.assertEqual(int(stored[3]), 3)

        # a day with no sale on its weekday before it: only the count, 0
        row, _ = self.report("2024-03-19")
        group = self.stack.pushgateway_group("2024-03-19")
        self.assertEqual(self.day_value("daily_sales_revenue_expected_samples", day="2024-03-19"), 0)
        for family in ("daily_sales_revenue_expected", "daily_sales_revenue_expected_lower",
                       "daily_sales_revenue_expected_upper"):
            self.assertNotIn(family, group)

    def test_two_day_groups_side_by_side(self):
        self.report(PREVIOUS_DAY)
        self.report(DAY)
        for day in (PREVIOUS_DAY, DAY):
            expected = expected_day(self.stack, day)
            with self.subTest(day=day):
                self.assertIsNotNone(self.stack.pushgateway_group(day), "group date=%s" % day)
                self.assertEqual(self.day_value("daily_sales_orders_count", day), expected.orders)
                self.assertAlmostEqual(self.day_value("daily_sales_revenue_total", day),
                                       float(expected.revenue), places=2)
                self.assertAlmostEqual(
                    self.day_value("daily_sales_top_product_revenue", day, product=expected.top_product[0]),
                    float(expected.top_product[1]), places=2)

    def test_old_day_groups_are_deleted_from_the_pushgateway(self):
        """pushgateway_keep_days: a run deletes the older day groups (through the outbox), keeps its own."""
        self.report(WEEK_BEFORE)
        self.report(PREVIOUS_DAY)
        self.assertIsNotNone(self.stack.pushgateway_group(WEEK_BEFORE))
        # the fixture's days are over a year old: 30 days leaves only the group of the day reported
        _, result = self.report(DAY, settings={"daily_sales_report.pushgateway_keep_days": "30"})
        self.assertRegex(result.stderr, r"NOTICE:  \d+ day groups older than 30 days queued for deletion")
        self.assertEqual(self.stack.psql("SELECT daily_sales_report.flush_pushes(5)").value, "0")
        self.assertIsNone(self.stack.pushgateway_group(WEEK_BEFORE))
        self.assertIsNone(self.stack.pushgateway_group(PREVIOUS_DAY))
        self.assertEqual(self.day_value("daily_sales_orders_count", DAY), expected_day(self.stack, DAY).orders)
        self.assertIsNotNone(self.job_value("batch_job_executions_total", status="success"))
        self.assertEqual(self.stack.psql(
            "SELECT count(*) FROM daily_sales_report.day_groups"
            " WHERE report_date < current_date - 30 AND report_date <> '%s'" % DAY).value, "0")

    def test_second_run_advances_success_counter_by_one(self):
        self.report(DAY)
        before = self.job_value("batch_job_executions_total", status="success")
        failures = self.job_value("batch_job_executions_total", status="failure")
        self.assertIsNotNone(before)
        row, _ = self.report(DAY)
        self.assertEqual(row["pushed"], "t")
        self.assertEqual(self.job_value("batch_job_executions_total", status="success"), before + 1)
        self.assertEqual(self.job_value("batch_job_executions_total", status="failure"), failures)
        self.assertEqual(self.job_value("batch_job_running"), 0)

    def test_failed_run_is_recorded_and_counted(self):
        self.report(DAY)
        day_before = business_figures(self.stack.pushgateway_group(DAY))
        pdf_errors = self.job_value("batch_job_errors_total", error_type="pdf")
        failures = self.job_value("batch_job_executions_total", status="failure")
        successes = self.job_value("batch_job_executions_total", status="success")
        last_run = self.stack.max_run_id()

        blocker = os.path.join(self.stack.dir, "a-regular-file")
        with open(blocker, "w") as f:
            f.write("not a directory\n")
        bad_dir = os.path.join(blocker, "x")
        row, result = self.stack.run_report(DAY, settings={"daily_sales_report.output_dir": bad_dir},
                                            check=False)
        self.assertNotEqual(result.returncode, 0, result)
        self.assertIn("ERROR:", result.stderr)
        error_line = [line for line in result.stderr.splitlines() if "ERROR:" in line][0]
        self.assertIn(bad_dir, error_line)

        runs = self.new_run_ids(last_run)
        self.assertEqual(len(runs), 1, runs)
        status, error_type, message, _, _ = self.wait_run_finished(runs[0])
        self.assertEqual((status, error_type), ("failure", "pdf"))
        self.assertIn(bad_dir, message)

        self.assertEqual(self.job_value("batch_job_errors_total", error_type="pdf"), pdf_errors + 1)
        self.assertEqual(self.job_value("batch_job_executions_total", status="failure"), failures + 1)
        self.assertEqual(self.job_value("batch_job_executions_total", status="success"), successes)
        self.assertEqual(self.job_value("batch_job_running"), 0)
        # the last good figures stay
        self.assertEqual(business_figures(self.stack.pushgateway_group(DAY)), day_before)
        self.assertIsNotNone(self.job_value("report_generation_duration_seconds"))
        self.assertIsNotNone(self.job_value("batch_job_last_success_timestamp"))


class PrometheusTest(StackTestCase):

    def test_prometheus_scrapes_the_day_orders(self):
        row, _ = self.report(DAY)
        self.assertEqual(row["pushed"], "t")
        query = 'daily_sales_orders_count{job="%s",date="%s"}' % (JOB, DAY)
        deadline = time.monotonic() + 20
        result = []
        while time.monotonic() < deadline:
            result = self.stack.prometheus_query(query)
            if result:
                break
            time.sleep(0.5)
        self.assertEqual(len(result), 1, "Prometheus returned %r for %s" % (result, query))
        self.assertEqual(result[0]["metric"].get("job"), JOB)
        self.assertEqual(result[0]["metric"].get("date"), DAY)
        self.assertEqual(Decimal(result[0]["value"][1]), Decimal(row["orders"]))


if __name__ == "__main__":
    unittest.main()
