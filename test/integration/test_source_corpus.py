"""
A corpus of bad data in a custom source (daily_sales_report.source): every
column of the view x NULL and the odd values a real table can hold (NaN,
+-Infinity, negative and huge numbers, infinite timestamps, a 10,000-character
name, duplicated order ids), on the report day and on a comparison day, plus
LATIN1 and SQL_ASCII databases.  Each case asserts the rule of README.md
(Data source, "Bad data"): the figures of the result row, of the run row, of
the PDF (pdftotext) and of the Pushgateway, or the run row's ERROR naming the
column.  The server must survive all of it: a session opened before the corpus
is still the same backend after it, and the server log shows no crash.
"""

import os
import subprocess
import unittest
from decimal import ROUND_HALF_UP, Decimal

import harness
from shop import StackTestCase, money

DAY = "2025-03-10"
DAY_BEFORE = "2025-03-09"
WEEK_BEFORE = "2025-03-03"
SOURCE = "corpus.source"
UNNAMED = "(unnamed product)"
LIMIT = Decimal("1e15")
LONG_NAME = "Câmera " + "é" * 9993         # 10,000 characters, 2 bytes each but 6: a cut would split one
SETTINGS = {"daily_sales_report.source": SOURCE, "daily_sales_report.timezone": "UTC"}

NAN, INF, NINF, HUGE = "NaN", "Infinity", "-Infinity", "1e20"

# (order_id, ordered_at, product, quantity, line_total); None is NULL
BASE_ROWS = [
    (1, DAY + " 09:00", "Alpha", Decimal(2), Decimal("100.00")),
    (1, DAY + " 09:00", "Beta", Decimal(1), Decimal("50.50")),
    (2, DAY + " 14:30", "Alpha", Decimal(1), Decimal("50.00")),
    (10, DAY_BEFORE + " 10:00", "Alpha", Decimal(1), Decimal("40.00")),
    (20, WEEK_BEFORE + " 10:00", "Beta", Decimal(3), Decimal("60.00")),
]
# the row each case spoils in one column
GOOD_ROW = (3, "18:00", "Gamma", Decimal(1), Decimal("10.00"))
COLUMNS = ("order_id", "ordered_at", "product", "quantity", "line_total")
BAD_VALUES = {
    "order_id": [None, 1],                                    # 1: an order id already used that day
    "ordered_at": [None, "infinity", "-infinity", "2025-03-11 00:00"],     # the next day's midnight
    "product": [None, LONG_NAME],
    "quantity": [None, NAN, INF, NINF, HUGE, Decimal(-2), Decimal("0.5")],
    "line_total": [None, NAN, INF, NINF, HUGE, Decimal("-10.00"), Decimal("999999999999999.99")],
}


def sql_value(value):
    if value is None:
        return "NULL"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return harness.sql_literal(value)


def usable(number):
    """The rule for quantity and line_total: a finite number within +-1e15."""
    return number is not None and number not in (NAN, INF, NINF) and abs(Decimal(number)) <= LIMIT


def when(value):
    """The day an ordered_at falls on (None for NULL and the infinities)."""
    return value[:10] if value and value[0].isdigit() else None


class Expected:
    """What README's rules say a run over `rows` gives: figures, or the ERROR message."""

    def __init__(self, rows):
        self.error = None
        day = [r for r in rows if when(r[1]) == DAY]
        others = [r for r in rows if when(r[1]) in (DAY_BEFORE, WEEK_BEFORE)]
        for lines, where in ((day, DAY), (others, "the day before or the week before " + DAY)):
            self.error = self.error or self.check(lines, where)
        if self.error:
            return
        self.orders = len({r[0] for r in day})
        self.revenue = sum((r[4] for r in day), Decimal(0))
        self.items = int(sum((r[3] for r in day), Decimal(0)).to_integral_value(ROUND_HALF_UP))
        self.avg_ticket = (self.revenue / self.orders) if self.orders else Decimal(0)
        products = {}
        for r in day:
            name = UNNAMED if r[2] is None else r[2]
            products[name] = products.get(name, Decimal(0)) + r[4]
        self.top = sorted(products.items(), key=lambda p: (-p[1], p[0]))[:5]

    @staticmethod
    def check(lines, where):
        nulls = sum(1 for r in lines if r[0] is None)
        if nulls:
            return "column order_id of the sales source %s is NULL in %d rows of %s" % (SOURCE, nulls, where)
        for column, index in (("line_total", 4), ("quantity", 3)):
            bad = sum(1 for r in lines if not usable(r[index]))
            if bad:
                return ("column %s of the sales source %s is NULL, NaN, infinite or beyond +-1e15 in %d rows of %s"
                        % (column, SOURCE, bad, where))
        return None


def cents(value):
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def generated_cases():
    """(name, rows): each column x each bad value, on the report day and on the day before."""
    for column in COLUMNS:
        index = COLUMNS.index(column)
        for value in BAD_VALUES[column]:
            for day in ((DAY, DAY_BEFORE) if column != "ordered_at" else (DAY,)):
                row = list(GOOD_ROW)
                row[1] = day + " " + row[1]
                row[index] = value
                if value == LONG_NAME:
                    row[4] = Decimal("500.00")      # the top product: the result row carries it whole
                shown = value if not isinstance(value, str) or len(value) < 20 else "%d chars" % len(value)
                yield "%s=%s on %s" % (column, shown, day), BASE_ROWS + [tuple(row)]


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", path, "-"], check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode("utf-8")


def create_source(stack, db):
    stack.psql("CREATE SCHEMA corpus",
               "CREATE TABLE corpus.sales (order_id bigint, ordered_at timestamptz, product text,"
               "                           quantity numeric, line_total numeric)",
               "CREATE VIEW corpus.source AS SELECT * FROM corpus.sales", db=db)


def load_rows(stack, rows, db=harness.DB):
    values = ", ".join("(%s)" % ", ".join(sql_value(v) for v in row) for row in rows)
    stack.psql("TRUNCATE corpus.sales", *(["INSERT INTO corpus.sales VALUES " + values] if rows else []), db=db)


class PersistentSession:
    """A psql session kept open across the corpus: a server restart would end it."""

    def __init__(self, stack):
        self.process = subprocess.Popen(stack.psql_argv(), env=stack.psql_env(), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def backend_pid(self):
        self.process.stdin.write("SELECT pg_backend_pid();\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self):
        if self.process.poll() is None:
            self.process.communicate(input="\\q\n", timeout=30)


SESSION = {}


def setUpModule():
    stack = harness.get_stack()
    SESSION["log_offset"] = os.path.getsize(stack.pg_log)
    SESSION["session"] = PersistentSession(stack)
    SESSION["pid"] = SESSION["session"].backend_pid()
    create_source(stack, harness.DB)


def tearDownModule():
    SESSION["session"].close()


class SourceCorpusTest(StackTestCase):

    def run_case(self, rows, db=harness.DB, settings=None):
        """Load `rows`, run the report; (row or None, psql result, run row as a dict)."""
        load_rows(self.stack, rows, db)
        result = self.stack.psql(self.stack.report_sql(DAY), db=db, settings=settings or SETTINGS, check=False)
        history = self.stack.psql(
            "SELECT status, coalesce(error_type, ''), coalesce(error_message, ''), orders, revenue, avg_ticket,"
            "       items_sold, top_product, top_product_revenue"
            "  FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1", db=db).rows[0]
        keys = ("status", "error_type", "error_message", "orders", "revenue", "avg_ticket", "items_sold",
                "top_product", "top_product_revenue")
        return (harness.parse_report_row(result.stdout) if result.ok else None), result, dict(zip(keys, history))

    def assert_error(self, result, history, message):
        self.assertFalse(result.ok, "the run should have failed with: " + message)
        self.assertIn("ERROR:  " + message, result.stderr)
        self.assertEqual((history["status"], history["error_type"]), ("failure", "database"))
        self.assertEqual(history["error_message"], message)

    def assert_figures(self, row, history, expected):
        top_name, top_revenue = expected.top[0] if expected.top else ("", None)
        figures = {
            "orders": str(expected.orders), "revenue": str(cents(expected.revenue)),
            "avg_ticket": str(cents(expected.avg_ticket)), "items_sold": str(expected.items),
            "top_product": top_name, "top_product_revenue": str(cents(top_revenue)) if expected.top else "",
        }
        for name, value in figures.items():
            self.assertEqual(row[name], value, "result row: " + name)
            self.assertEqual(history[name], value, "daily_sales_report.runs: " + name)
        self.assertEqual(history["status"], "success")

    def assert_pdf(self, row, expected):
        text = pdf_text(row["pdf_path"])
        self.assertIn(DAY, text)
        # a KPI tile too narrow for a huge amount ends it in an ellipsis; the table shows it whole
        revenue = money(cents(expected.revenue))
        self.assertTrue(revenue in text or any(revenue[:k] + "\u2026" in text for k in range(10, len(revenue))),
                        "revenue %s on the PDF" % revenue)
        for name, revenue in expected.top:
            # a name too long for its column is shortened with an ellipsis, never cut inside a character
            self.assertIn(name[:20], text)
            self.assertIn(money(cents(revenue)), text)
        self.assertNotIn("\ufffd", text)

    job = harness.JOB

    def assert_pushed(self, row, expected):
        self.assertEqual(row["pushed"], "t")
        group = self.stack.pushgateway_group(DAY, self.job)
        self.assertEqual(harness.sample_value(group, "daily_sales_revenue_total"), float(expected.revenue))
        for rank, (name, revenue) in enumerate(expected.top, 1):
            self.assertEqual(harness.sample_value(group, "daily_sales_product_revenue", product=name,
                                                  rank=str(rank)), float(cents(revenue)), name[:40])

    def test_1_every_column_x_every_bad_value(self):
        cases = list(generated_cases())
        self.assertGreaterEqual(len(cases), 40)
        for name, rows in cases:
            with self.subTest(case=name):
                expected = Expected(rows)
                row, result, history = self.run_case(rows)
                if expected.error:
                    self.assert_error(result, history, expected.error)
                    continue
                self.assertTrue(result.ok, "%r\n%s" % (result, self.stack.server_log_tail(20)))
                self.assert_figures(row, history, expected)
                self.assert_pdf(row, expected)
                self.assert_pushed(row, expected)

    def test_1_the_rules_in_words(self):
        """A few cases spelled out, so the model the corpus uses is itself checked."""
        ignored = Expected(BASE_ROWS + [(3, "infinity", "Gamma", Decimal(1), Decimal(10))])
        self.assertEqual((ignored.orders, ignored.revenue), (2, Decimal("200.50")))
        unnamed = Expected(BASE_ROWS + [(3, DAY + " 18:00", None, Decimal(1), Decimal(10))])
        self.assertIn((UNNAMED, Decimal(10)), unnamed.top)
        duplicate = Expected(BASE_ROWS + [(1, DAY + " 18:00", "Gamma", Decimal(1), Decimal(10))])
        self.assertEqual((duplicate.orders, duplicate.revenue), (2, Decimal("210.50")))
        self.assertIn("line_total", Expected(BASE_ROWS + [(3, DAY + " 18:00", "G", Decimal(1), NAN)]).error)

    def other_database(self, name, encoding, rows):
        """A database of `encoding` with the extension and the corpus source holding `rows`."""
        self.job = self.stack.create_database(name, encoding)
        create_source(self.stack, name)
        load_rows(self.stack, rows, db=name)

    def test_2_latin1_names_reach_the_pdf_and_the_labels_as_utf8(self):
        names = ["Câmera Ação à Prova d'Água", "Pão de Queijo ½ kg", "Ñandú"]
        rows = [(i + 1, DAY + " 12:00", n, Decimal(1), Decimal(30 - i)) for i, n in enumerate(names)]
        self.other_database("corpus_latin1", "LATIN1", rows)
        settings = dict(SETTINGS, **{"daily_sales_report.shop_name": "Lojão Ü"})
        row, result, history = self.run_case(rows, db="corpus_latin1", settings=settings)
        self.assertTrue(result.ok, "%r\n%s" % (result, self.stack.server_log_tail(20)))
        expected = Expected(rows)
        self.assert_figures(row, history, expected)         # psql converts LATIN1 back to UTF-8
        self.assert_pdf(row, expected)
        self.assertIn("Lojão Ü", pdf_text(row["pdf_path"]))
        self.assert_pushed(row, expected)

    def test_3_sql_ascii_keeps_valid_utf8_and_replaces_the_rest(self):
        self.other_database("corpus_ascii", "SQL_ASCII", [])
        # bytes as stored: UTF-8 "Pão", then LATIN1 "Café" (0xE9) and a lone continuation byte
        self.stack.psql("INSERT INTO corpus.sales VALUES"
                        " (1, '%s 12:00', 'Pão', 1, 30), (2, '%s 12:00', E'Caf\\xe9 Latin', 1, 20),"
                        " (3, '%s 12:00', E'x\\x80y', 1, 10)" % (DAY, DAY, DAY), db="corpus_ascii")
        result = self.stack.psql(
            "SELECT orders, revenue, top_product = 'Pão' FROM daily_sales_report('%s')" % DAY,
            db="corpus_ascii", settings=SETTINGS)
        self.assertEqual(result.rows, [["3", "60.00", "t"]])
        stored = self.stack.psql(
            "SELECT top_product = 'Pão' FROM daily_sales_report.runs ORDER BY run_id DESC LIMIT 1",
            db="corpus_ascii").value
        self.assertEqual(stored, "t")
        shown = ["Pão", "Caf\ufffd Latin", "x\ufffdy"]
        text = pdf_text(os.path.join(self.stack.output_dir, "corpus_ascii", "daily-sales-%s.pdf" % DAY))
        for name in shown:
            self.assertIn(name, text)
        group = self.stack.pushgateway_group(DAY, self.job)
        for rank, name in enumerate(shown, 1):
            self.assertIsNotNone(harness.sample_value(group, "daily_sales_product_revenue", product=name,
                                                      rank=str(rank)), name)

    def test_9_the_server_never_restarted(self):
        self.assertEqual(SESSION["session"].backend_pid(), SESSION["pid"],
                         "the session opened before the corpus is gone: the server restarted")
        with open(self.stack.pg_log, errors="replace") as log:
            log.seek(SESSION["log_offset"])
            since = log.read()
        self.assertNotIn("terminated by signal", since)
        self.assertNotIn("terminating any other active server processes", since)


if __name__ == "__main__":
    unittest.main()
