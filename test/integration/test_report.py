"""
The report itself: the row daily_sales_report() returns, the run history
row, and the PDF as a reader sees it.
"""

import os
import subprocess
import unittest
from decimal import Decimal

from shop import (CAMERA, DAY, MONITOR, PAO, PREVIOUS_DAY, WEEK_BEFORE, StackTestCase, expected_day,
                  money)


class KpiTest(StackTestCase):

    def assert_kpis(self, row, expected, day):
        self.assertEqual(row["report_date"], day)
        self.assertEqual(int(row["orders"]), expected.orders, "orders of %s" % day)
        self.assertEqual(Decimal(row["revenue"]), expected.revenue, "revenue of %s" % day)
        self.assertEqual(Decimal(row["avg_ticket"]), expected.avg_ticket, "avg_ticket of %s" % day)
        self.assertEqual(int(row["items_sold"]), expected.items_sold, "items_sold of %s" % day)
        name, revenue = expected.top_product
        self.assertEqual(row["top_product"], name, "top product of %s" % day)
        self.assertEqual(Decimal(row["top_product_revenue"]), revenue, "top product revenue of %s" % day)

    def test_kpis_equal_hand_written_aggregate(self):
        for day in (DAY, PREVIOUS_DAY, WEEK_BEFORE):
            with self.subTest(day=day):
                row, _ = self.report(day)
                self.assert_kpis(row, expected_day(self.stack, day), day)

    def test_fixture_figures_boundaries_and_open_carts(self):
        # 00:00:00 and 23:59:59.999 count, next-day 00:00 and open carts do not
        row, _ = self.report(DAY)
        self.assertEqual(int(row["orders"]), 4)
        self.assertEqual(Decimal(row["revenue"]), Decimal("4920.90"))
        self.assertEqual(Decimal(row["avg_ticket"]), Decimal("1230.23"))
        self.assertEqual(int(row["items_sold"]), 12)
        self.assertEqual(row["top_product"], CAMERA)
        self.assertEqual(Decimal(row["top_product_revenue"]), Decimal("2599.80"))
        row, _ = self.report(PREVIOUS_DAY)
        self.assertEqual(int(row["orders"]), 2)
        self.assertEqual(Decimal(row["revenue"]), Decimal("794.38"))

    def test_date_argument_forms_agree(self):
        by_text, _ = self.report(DAY)
        result = self.stack.psql("SELECT orders, revenue FROM daily_sales_report(DATE '%s')" % DAY)
        self.assertEqual(result.rows[0], [by_text["orders"], by_text["revenue"]])
        today = self.stack.psql("SELECT report_date FROM daily_sales_report('today')").value
        self.assertEqual(today, self.stack.psql("SELECT (now() AT TIME ZONE 'UTC')::date").value)

    def test_run_history_row_matches_result(self):
        row, result = self.report(DAY)
        self.assertIn("NOTICE:", result.stderr)
        history = self.stack.run_row(
            int(row["run_id"]),
            "status, report_date, orders, revenue, avg_ticket, items_sold, top_product, "
            "top_product_revenue, pdf_path, pushed, error_type, requested_by")
        self.assertEqual(history, [
            "success", DAY, row["orders"], row["revenue"], row["avg_ticket"], row["items_sold"],
            row["top_product"], row["top_product_revenue"], row["pdf_path"], "t", "", "postgres"])


class PdfTest(StackTestCase):

    def test_pdf_content(self):
        row, _ = self.report(DAY, settings={"daily_sales_report.top_n": 8})
        path = row["pdf_path"]
        self.assertEqual(os.path.dirname(path), self.stack.output_dir)
        self.assertEqual(os.path.basename(path), "daily-sales-%s.pdf" % DAY)
        self.assertTrue(os.path.isfile(path), path)
        self.assertAlmostEqual(float(row["pdf_kilobytes"]), os.path.getsize(path) / 1024.0, delta=0.06)

        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", path, "-"], check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode("utf-8")
        self.assertIn(DAY, text)
        self.assertIn(money(row["revenue"]), text)          # 4,920.90
        self.assertIn(money(row["avg_ticket"]), text)       # 1,230.23
        for name in (CAMERA, MONITOR, PAO):
            self.assertIn(name, text, "product name as printed in the PDF")

        info = subprocess.run(["pdfinfo", path], check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE).stdout.decode("utf-8", "replace")
        pages = [line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Pages:")]
        self.assertEqual(pages, ["1"], info)

    def test_no_temporary_files_left(self):
        self.report(DAY)
        self.report(PREVIOUS_DAY)
        leftovers = [name for name in os.listdir(self.stack.output_dir) if ".tmp" in name]
        self.assertEqual(leftovers, [])
        self.assertIn("daily-sales-%s.pdf" % DAY, os.listdir(self.stack.output_dir))
        self.assertIn("daily-sales-%s.pdf" % PREVIOUS_DAY, os.listdir(self.stack.output_dir))


class LocaleTest(StackTestCase):
    """daily_sales_report.locale and .currency: the PDF in pt-BR with reais,
    superuser-only settings, bad values refused with the accepted ones named."""

    ROLE = "dsr_locale_reader"

    def pdf_text(self, path):
        return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", path, "-"], check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode("utf-8")

    def test_pdf_in_portuguese_with_reais(self):
        row, _ = self.report(DAY, settings={"daily_sales_report.locale": "pt-BR",
                                            "daily_sales_report.currency": "BRL",
                                            "daily_sales_report.shop_name": "Eletr\u00f4nicos"})
        text = self.pdf_text(row["pdf_path"])
        self.assertIn("Relat\u00f3rio di\u00e1rio de vendas", text)
        self.assertIn("R$ 4.920,90", text)
        self.assertIn("R$ 1.230,23", text)
        info = subprocess.run(["pdfinfo", "-enc", "UTF-8", row["pdf_path"]], check=True,
                              stdout=subprocess.PIPE).stdout.decode("utf-8")
        self.assertIn("Eletr\u00f4nicos", info)
        # the result row keeps plain numbers
        self.assertEqual(Decimal(row["revenue"]), Decimal("4920.90"))

    def test_unshaped_script_notice(self):
        # an Arabic shop name: the page says so in a footnote, the run in a NOTICE
        row, result = self.report(DAY, settings={"daily_sales_report.shop_name": "\u0643\u062a\u0627\u0628"})
        self.assertIn("NOTICE:  the PDF prints names in Arabic script without shaping", result.stderr)
        self.assertIn("without shaping", self.pdf_text(row["pdf_path"]))
        _, result = self.report(DAY)
        self.assertNotIn("without shaping", result.stderr)

    def test_settings_are_superuser_only(self):
        rows = self.stack.psql(
            "LOAD 'daily_sales_report'",
            "SELECT name, context, setting FROM pg_settings WHERE name IN "
            "('daily_sales_report.locale', 'daily_sales_report.currency') ORDER BY name").rows
        self.assertEqual(rows, [["daily_sales_report.currency", "superuser", ""],
                                ["daily_sales_report.locale", "superuser", "en"]])
        context = self.stack.psql("LOAD 'daily_sales_report'",
                                  "SELECT context FROM pg_settings WHERE name = 'daily_sales_report.fallback_font_path'").rows
        self.assertEqual(context, [["superuser"]])
        self.stack.psql("DROP ROLE IF EXISTS %s" % self.ROLE, "CREATE ROLE %s LOGIN" % self.ROLE)
        try:
            for name, value in (("locale", "pt-BR"), ("currency", "BRL")):
                # the library is preloaded (a role may not LOAD it)
                result = self.stack.psql("SET daily_sales_report.%s = '%s'" % (name, value),
                                         user=self.ROLE, check=False)
                self.assertFalse(result.ok, result)
                self.assertIn('permission denied to set parameter "daily_sales_report.%s"' % name,
                              result.stderr)
        finally:
            self.stack.psql("DROP ROLE IF EXISTS %s" % self.ROLE)

    def test_bad_values_are_refused_naming_the_accepted_ones(self):
        result = self.stack.psql("LOAD 'daily_sales_report'",
                                 "SET daily_sales_report.locale = 'fr'", check=False)
        self.assertFalse(result.ok, result)
        self.assertIn('invalid value for parameter "daily_sales_report.locale": "fr"', result.stderr)
        self.assertIn("the accepted values are 'en' and 'pt-BR'", result.stderr)
        for bad in ("brl", "REAL", "R$"):
            result = self.stack.psql("LOAD 'daily_sales_report'",
                                     "SET daily_sales_report.currency = '%s'" % bad, check=False)
            self.assertFalse(result.ok, result)
            self.assertIn("is not an ISO 4217 currency code", result.stderr)
            self.assertIn("three capital letters", result.stderr)


if __name__ == "__main__":
    unittest.main()
