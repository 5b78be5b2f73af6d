"""
test/stack/test_stack.py — `make demo` end to end, as a user gets it: demo/up
brings up PostgreSQL + pg_cron, the Pushgateway, Prometheus (with the rules
of monitoring/rules), postgres_exporter, Alertmanager and its webhook
receiver on free loopback ports in a temporary DEMO_DIR, and these tests
check what it promises, then demo/down.
Python standard library only; run as root (demo/up installs packages and runs
services as postgres/prometheus).

    /usr/bin/python3 -m unittest discover -s test/stack -v      (test/run_all stack does this)

Environment:
  DSR_STACK_WORKDIR  directory to work in (test/run_all passes one, and keeps
                     it on failure); default: a new directory under /tmp,
                     removed after a green run unless DSR_STACK_KEEP=1.
  DSR_PG_BIN         the PostgreSQL 15 binaries the demo uses and installs the
                     extension into (demo/up's DEMO_PG_BIN); default Debian's,
                     /usr/lib/postgresql/15/bin.

The tests run in the order of their names and share one stack; each says
what it needs.  Whatever happens (a failure, Ctrl-C, SIGTERM), the stack is
stopped at the end: demo/down, then any process left in the pid files.
"""

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEMO = os.path.join(REPO, "demo")
RULES = os.path.join(REPO, "monitoring", "rules", "daily-sales.yml")
RULE_TESTS = os.path.join(REPO, "monitoring", "rules", "daily-sales.test.yml")
DASHBOARD = os.path.join(REPO, "monitoring", "grafana", "daily-sales-report.json")
README = os.path.join(REPO, "README.md")
PG_BIN = os.environ.get("DSR_PG_BIN") or "/usr/lib/postgresql/15/bin"
JOB = "daily-sales-report"
# the usual ports of these services, and the dev servers of other people
AVOID_PORTS = {5432, 9090, 9091, 9093, 9094, 9095, 9187, 5499, 19091}
SERVICES = {
    "postgres": PG_BIN + "/postgres",
    "pushgateway": "/usr/bin/prometheus-pushgateway",
    "prometheus": "/usr/bin/prometheus",
    "exporter": "/usr/bin/prometheus-postgres-exporter",
    "alertmanager": "/usr/bin/prometheus-alertmanager",
    "receiver": os.path.realpath("/usr/bin/python3"),      # demo/alert-receiver
}

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(message):
    sys.stderr.write("[stack] %s\n" % message)
    sys.stderr.flush()


def free_ports(count):
    ports = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in AVOID_PORTS and port not in ports:
            ports.append(port)
    return ports


def alive(pid):
    """The process exists and is not a zombie."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return not any(line.startswith("State:") and line.split()[1] in ("Z", "X") for line in f)
    except OSError:
        return False


def http_json(url, timeout=5):
    with _OPENER.open(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for(what, probe, timeout, interval=0.5):
    """probe() until it returns something true; that value, or AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except (OSError, ValueError, KeyError, IndexError) as error:
            last = error
        if time.monotonic() >= deadline:
            raise AssertionError("%s: not within %ss (last: %r)" % (what, timeout, last))
        time.sleep(interval)


def readme_metrics():
    """{family: [metric names]} from the metrics table of README.md."""
    families = {}
    family = None
    in_table = False
    with open(README, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| family | metric |"):
                in_table = True
                continue
            if not in_table:
                continue
            if not line.startswith("|"):
                break
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) < 2 or set(cells[0]) <= {"-"} and cells[0]:
                continue
            family = cells[0] or family
            name = re.match(r"`([a-z_]+)`", cells[1])
            if family and name:
                families.setdefault(family, []).append(name.group(1))
    return families


def rule_names():
    """(alert names, record names) of monitoring/rules/daily-sales.yml."""
    alerts, records = [], []
    with open(RULES, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*- (alert|record):\s*(\S+)", line)
            if m:
                (alerts if m.group(1) == "alert" else records).append(m.group(2))
    return alerts, records


class Demo:
    """The demo stack of this run: its directory, ports, and how to reach it."""

    def __init__(self):
        root = os.environ.get("DSR_STACK_WORKDIR")
        self.owns_root = not root
        if root:
            os.makedirs(root, exist_ok=True)
        else:
            root = tempfile.mkdtemp(prefix="dsr-stack-", dir="/tmp")
        os.chmod(root, 0o755)       # the services' users must reach the state dir
        self.root = root
        self.state = os.path.join(root, "demo")
        pg, pgw, prom, exporter, alertmanager, receiver = free_ports(6)
        self.pg_port = pg
        self.pgw_url = "http://127.0.0.1:%d" % pgw
        self.prom_url = "http://127.0.0.1:%d" % prom
        self.am_url = "http://127.0.0.1:%d" % alertmanager
        self.notifications_file = os.path.join(self.state, "alerts", "notifications.jsonl")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.lower().endswith("_proxy") and not k.startswith("PG")}
        self.env.update({
            "DEMO_DIR": self.state,
            "DEMO_PG_PORT": str(pg),
            "DEMO_PUSHGATEWAY_PORT": str(pgw),
            "DEMO_PROMETHEUS_PORT": str(prom),
            "DEMO_EXPORTER_PORT": str(exporter),
            "DEMO_ALERTMANAGER_PORT": str(alertmanager),
            "DEMO_RECEIVER_PORT": str(receiver),
            "DEMO_PG_BIN": PG_BIN,
            "DEMO_SCRAPE_INTERVAL": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "LC_ALL": "C.UTF-8",
        })
        self.started = False
        self.stopped = False
        self.up_result = None

    # ---- scripts
    def run(self, script, *args, timeout=600):
        return subprocess.run([os.path.join(DEMO, script)] + list(args), env=self.env, cwd=REPO,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)

    def up(self):
        log("demo/up in %s (ports: postgres %s, pushgateway %s, prometheus %s, exporter %s, alertmanager %s,"
            " receiver %s; PostgreSQL in %s)" % (
                self.state, self.env["DEMO_PG_PORT"], self.env["DEMO_PUSHGATEWAY_PORT"],
                self.env["DEMO_PROMETHEUS_PORT"], self.env["DEMO_EXPORTER_PORT"],
                self.env["DEMO_ALERTMANAGER_PORT"], self.env["DEMO_RECEIVER_PORT"], PG_BIN))
        self.started = True
        started = time.monotonic()
        self.up_result = self.run("up")
        log("demo/up exited %d after %.1f s" % (self.up_result.returncode, time.monotonic() - started))
        with open(os.path.join(self.root, "demo-up.log"), "w") as f:
            f.write(self.up_result.stdout)
        return self.up_result

    # ---- processes
    def pid_file(self, name):
        return os.path.join(self.state, "pids", name + ".pid")

    def service_pid(self, name):
        """The recorded PID of a service if it runs the service's binary, else None."""
        path = self.pid_file(name) if name != "postgres" else os.path.join(
            self.state, "pg", "data", "postmaster.pid")
        try:
            with open(path) as f:
                pid = int(f.readline().strip())
            if os.readlink("/proc/%d/exe" % pid) == SERVICES[name]:
                return pid
        except (OSError, ValueError):
            pass
        return None

    def leftovers(self):
        """Processes of the service binaries that name the state dir or work in it."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                exe = os.readlink("/proc/%s/exe" % entry)
                if exe not in SERVICES.values():
                    continue
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
                try:
                    with open("/proc/%s/environ" % entry, "rb") as f:
                        environ = f.read().decode(errors="replace")
                except OSError:
                    environ = ""
                cwd = os.readlink("/proc/%s/cwd" % entry)
            except OSError:
                continue
            if ((self.state + "/") in cmdline + environ or cwd == self.state or cwd.startswith(self.state + "/")) \
                    and alive(int(entry)):
                found.append((int(entry), cmdline.strip()))
        return found

    def stop(self):
        """demo/down, then whatever it left (by PID, ours only)."""
        if not self.started or self.stopped:
            return
        self.stopped = True
        try:
            result = self.run("down", timeout=180)
            if result.returncode != 0:
                log("demo/down exited %d:\n%s" % (result.returncode, result.stdout))
        except Exception as error:      # noqa: BLE001 - cleanup goes on
            log("demo/down: %s" % error)
        for pid, cmdline in self.leftovers():
            log("stopping leftover %d: %s" % (pid, cmdline))
            try:
                os.kill(pid, signal.SIGTERM if "postgres" not in cmdline else signal.SIGQUIT)
            except OSError:
                pass
        deadline = time.monotonic() + 10
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid, _ in self.leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    # ---- clients
    def psql(self, sql, check=True):
        result = subprocess.run(
            [PG_BIN + "/psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1",
             "-h", os.path.join(self.state, "pg", "run"), "-p", str(self.pg_port), "-U", "postgres",
             "-d", "shop", "-c", sql],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError("psql failed (%d): %s\n%s" % (result.returncode, sql, result.stderr))
        return result

    def pushgateway_groups(self):
        """{frozenset(grouping labels): {family: [(labels, value)]}}"""
        document = http_json(self.pgw_url + "/api/v1/metrics")
        groups = {}
        for group in document["data"]:
            families = {}
            for name, family in group.items():
                if isinstance(family, dict) and "metrics" in family:
                    families[name] = sorted(
                        (json.dumps(m.get("labels", {}), sort_keys=True), m.get("value"))
                        for m in family["metrics"])
            groups[frozenset(group["labels"].items())] = families
        return groups

    def query(self, promql):
        url = self.prom_url + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        return http_json(url)["data"]["result"]

    def push(self, path, text):
        """POST text-format metrics to the Pushgateway group PATH (same-name metrics replaced)."""
        request = urllib.request.Request(self.pgw_url + path, data=text.encode(), method="POST",
                                         headers={"Content-Type": "text/plain; version=0.0.4"})
        with _OPENER.open(request, timeout=10) as response:
            return response.status

    def notifications(self):
        """What demo/alert-receiver wrote: [{received_at, path, notification}], oldest first."""
        try:
            with open(self.notifications_file, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def reload(self, name):
        """SIGHUP a service (Prometheus and Alertmanager reread their config)."""
        pid = self.service_pid(name)
        if pid is None:
            raise AssertionError("%s is not running" % name)
        os.kill(pid, signal.SIGHUP)


DEMO_STACK = None
FAILED = []         # a test failed: keep the logs


def cleanup():
    if DEMO_STACK is None:
        return
    DEMO_STACK.stop()
    keep = os.environ.get("DSR_STACK_KEEP") == "1" or FAILED
    if DEMO_STACK.owns_root and not keep:
        shutil.rmtree(DEMO_STACK.root, ignore_errors=True)
    elif DEMO_STACK.owns_root:
        log("logs kept in %s" % DEMO_STACK.root)


def _on_signal(signum, frame):
    FAILED.append("signal %d" % signum)     # interrupted: keep the logs
    raise KeyboardInterrupt("signal %d" % signum)


atexit.register(cleanup)
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


class DemoStackTest(unittest.TestCase):
    """make demo's stack, from demo/up to demo/down, in name order."""

    maxDiff = None
    report_date = None
    orders = None
    revenue = None

    @classmethod
    def setUpClass(cls):
        global DEMO_STACK
        if os.geteuid() != 0:
            raise unittest.SkipTest("the demo needs root")
        DEMO_STACK = Demo()
        cls.demo = DEMO_STACK
        cls.demo.up()

    @classmethod
    def tearDownClass(cls):
        cls.demo.stop()

    def run(self, result=None):
        result = super().run(result)
        if result is not None and not result.wasSuccessful():
            FAILED.append(self.id())
        return result

    def require_up(self):
        if self.demo.up_result is None or self.demo.up_result.returncode != 0:
            self.fail("demo/up failed, see test_01")
        if self.demo.stopped:
            self.fail("the demo is already down")

    def latest_run(self):
        row = self.demo.psql("SELECT report_date, orders, revenue, status FROM daily_sales_report.runs"
                             " ORDER BY run_id DESC LIMIT 1").stdout.strip().split("|")
        return row

    # ------------------------------------------------------------------ up
    def test_01_demo_up(self):
        """demo/up succeeds on free ports, runs a report and prints the summary."""
        result = self.demo.up_result
        tail = "\n".join(result.stdout.splitlines()[-40:])
        self.assertEqual(result.returncode, 0, "demo/up failed:\n" + tail)
        self.assertRegex(result.stdout, r"report +run \d+ for \d{4}-\d\d-\d\d done .*metrics pushed")
        self.assertIn("(the run's revenue)", result.stdout, tail)
        self.assertRegex(result.stdout, r"orders +\d+(\.\d)? inserted into orders in the last 24 h +\d+ closed orders")
        self.assertRegex(result.stdout, r"Alerts: \d+ rules \(8 alerts\) loaded")
        self.assertRegex(result.stdout, r"ready +the demo runs")
        for name in SERVICES:
            self.assertIsNotNone(self.demo.service_pid(name), "%s is not running" % name)

    def test_02_cron_job(self):
        """The report is scheduled with pg_cron."""
        self.require_up()
        rows = self.demo.psql("SELECT schedule, command, database, active FROM cron.job"
                              " WHERE jobname = 'daily-sales-report'").stdout.splitlines()
        self.assertEqual(len(rows), 1, rows)
        schedule, command, database, active = rows[0].split("|")
        self.assertEqual(schedule, "0 6 * * *")
        self.assertIn("daily_sales_report('yesterday')", command)
        self.assertEqual((database, active), ("shop", "t"))

    def test_03_report_runs(self):
        """A run for yesterday succeeds and pushes."""
        self.require_up()
        row = self.demo.psql("SELECT run_id, report_date, orders, revenue, pushed"
                             " FROM daily_sales_report('yesterday')").stdout.strip().split("|")
        self.assertEqual(row[4], "t", row)
        self.assertGreater(int(row[2]), 0, "the demo shop has orders yesterday")
        status = self.demo.psql("SELECT status FROM daily_sales_report.runs WHERE run_id = %d"
                                % int(row[0])).stdout.strip()
        self.assertEqual(status, "success")
        type(self).report_date, type(self).orders, type(self).revenue = row[1], int(row[2]), float(row[3])

    def day(self):
        if self.report_date is None:
            self.fail("no report run (test_03)")
        return self.report_date

    # --------------------------------------------------------- pushgateway
    def test_04_pushgateway_families(self):
        """Every metric of README's table is on the Pushgateway, in the day or the job group."""
        self.require_up()
        day = self.day()
        families = readme_metrics()
        self.assertEqual(sorted(families), sorted(["business", "performance", "control", "system", "errors"]),
                         "README's metrics table")
        groups = self.demo.pushgateway_groups()
        day_group = groups.get(frozenset({"job": JOB, "date": day}.items()))
        job_group = groups.get(frozenset({"job": JOB}.items()))
        self.assertIsNotNone(day_group, "no group job=%s date=%s: %s" % (JOB, day, list(groups)))
        self.assertIsNotNone(job_group, "no group job=%s" % JOB)
        missing = []
        for family, names in families.items():
            group = day_group if family == "business" else job_group
            missing += ["%s/%s" % (family, name) for name in names if name not in group]
        self.assertEqual(missing, [], "metrics missing on the Pushgateway")
        count = sum(len(names) for names in families.values())
        log("%d metrics of 5 families on the Pushgateway" % count)
        self.assertEqual(day_group["daily_sales_orders_count"][0][1], str(self.orders))
        self.assertEqual(job_group["batch_job_running"][0][1], "0")

    def test_05_pushgateway_restart_keeps_metrics(self):
        """After a restart of the Pushgateway (as demo/up starts it) the metrics are still there."""
        self.require_up()
        before = self.demo.pushgateway_groups()
        self.assertIn(frozenset({"job": JOB, "date": self.day()}.items()), before)
        pid = self.demo.service_pid("pushgateway")
        self.assertIsNotNone(pid)
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = [a.decode() for a in f.read().split(b"\0") if a]
        with open("/proc/%d/status" % pid) as f:
            uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
        self.assertTrue(any(a.startswith("--persistence.file=") for a in argv), argv)
        os.kill(pid, signal.SIGTERM)
        wait_for("the Pushgateway to exit", lambda: not alive(pid), 20, 0.1)
        # The same command line and user, started the way spawn in demo/up
        # does: its own session, not a child of this test, its PID recorded.
        spawn = subprocess.run(
            ["bash", "-c", '( cd / && exec setsid setpriv --reuid="$1" --regid="$1" --init-groups --reset-env'
                           ' -- "${@:3}" ) >>"$2" 2>&1 </dev/null & echo $!',
             "spawn", str(uid), os.path.join(self.demo.state, "logs", "pushgateway.log")] + argv,
            stdout=subprocess.PIPE, text=True, check=True, timeout=30)
        with open(self.demo.pid_file("pushgateway"), "w") as f:
            f.write("%d\n" % int(spawn.stdout))
        wait_for("the Pushgateway to answer",
                 lambda: _OPENER.open(self.demo.pgw_url + "/-/ready", timeout=2).status == 200, 30, 0.2)
        after = self.demo.pushgateway_groups()
        self.assertEqual(after, before)

    # ---------------------------------------------------------- prometheus
    def test_06_prometheus_has_the_day(self):
        """Prometheus answers daily_sales_orders_count for the day, with the run's figure."""
        self.require_up()
        day = self.day()

        def probe():
            return [r for r in self.demo.query('daily_sales_orders_count{job="%s"}' % JOB)
                    if r["metric"].get("date") == day]
        result = wait_for("daily_sales_orders_count for %s in Prometheus" % day, probe, 30)
        self.assertEqual(float(result[0]["value"][1]), self.orders)

    def test_07_rules_loaded_and_evaluated(self):
        """Prometheus lists every rule of daily-sales.yml, evaluated without error, recording real data."""
        self.require_up()
        alerts, records = rule_names()
        self.assertEqual(len(alerts), 8, alerts)

        def probe():
            groups = http_json(self.demo.prom_url + "/api/v1/rules")["data"]["groups"]
            rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
            if not all(name in rules and rules[name]["health"] == "ok" for name in alerts + records):
                return None
            return rules
        try:
            rules = wait_for("every rule loaded and evaluated", probe, 30)
        except AssertionError:
            groups = http_json(self.demo.prom_url + "/api/v1/rules")["data"]["groups"]
            self.fail("rules: %s" % json.dumps(
                [(r["name"], r["health"], r.get("lastError")) for g in groups for r in g["rules"]]))
        self.assertEqual(sorted(rules), sorted(alerts + records))

        # the latest day chosen by push time is the day just reported
        latest = wait_for("daily_sales:revenue:latest_day",
                          lambda: self.demo.query("daily_sales:revenue:latest_day"), 15)
        self.assertEqual(latest[0]["metric"].get("date"), self.day())
        self.assertAlmostEqual(float(latest[0]["value"][1]), self.revenue, places=2)
        # the real-time rules find postgres_exporter's real metric names
        for record in ("daily_sales:orders:live_inserted_24h", "daily_sales:db_connections:live",
                       "daily_sales:db_connections:batch", "daily_sales:orders:batch_latest_day"):
            wait_for(record, lambda: self.demo.query(record), 20)

    def test_08_load_moves_the_live_counter(self):
        """demo/load places orders and stops; Prometheus sees orders' inserts grow."""
        self.require_up()
        query = 'sum(pg_stat_user_tables_n_tup_ins{datname="shop", relname="orders"})'
        before = float(wait_for("the orders insert counter", lambda: self.demo.query(query), 20)[0]["value"][1])
        count_before = int(self.demo.psql("SELECT count(*) FROM orders").stdout)
        result = self.demo.run("load", "25", "50", timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("25 orders placed", result.stdout)
        self.assertEqual(int(self.demo.psql("SELECT count(*) FROM orders").stdout), count_before + 25)
        wait_for("Prometheus to see 25 more inserts into orders",
                 lambda: float(self.demo.query(query)[0]["value"][1]) >= before + 25, 20)

    def test_09_no_alert_firing(self):
        """A healthy demo fires no alert."""
        self.require_up()
        alerts = http_json(self.demo.prom_url + "/api/v1/alerts")["data"]["alerts"]
        firing = [a["labels"] for a in alerts if a["state"] == "firing"]
        self.assertEqual(firing, [])

    # ------------------------------------------------------------- promtool
    def promtool(self, *args):
        return subprocess.run(["promtool"] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=300)

    def test_10_promtool_check_rules(self):
        result = self.promtool("check", "rules", RULES)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("SUCCESS", result.stdout)

    def test_11_promtool_test_rules(self):
        result = self.promtool("test", "rules", RULE_TESTS)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("SUCCESS", result.stdout)

    def test_12_promtool_check_config(self):
        """The demo's generated prometheus.yml (and the rules it loads) pass promtool."""
        self.require_up()
        config = os.path.join(self.demo.state, "prometheus", "prometheus.yml")
        result = self.promtool("check", "config", config)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("SUCCESS: 1 rule files found", result.stdout)

    # ---------------------------------------------------------- alertmanager
    # The shipped for: clauses and Alertmanager timers (minutes) are shortened
    # in the demo's generated copies only, once, by fast_alerting; the shipped
    # values are the ones promtool test rules covers (test_11).
    fast = False
    AM_CONFIG = property(lambda self: os.path.join(self.demo.state, "alertmanager", "alertmanager.yml"))

    def amtool_routes(self, config, *labels):
        result = subprocess.run(["amtool", "config", "routes", "test", "--config.file=" + config] + list(labels),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=60)
        # the receiver's name is the last line (amtool may warn before it)
        return (result.stdout.strip().splitlines() or [""])[-1]

    def fast_alerting(self):
        if type(self).fast:
            return
        rules = os.path.join(self.demo.state, "prometheus", "rules", "daily-sales.yml")
        with open(rules, encoding="utf-8") as f:
            text, count = re.subn(r"(?m)^(\s+for:) \S+$", r"\1 2s", f.read())
        self.assertGreaterEqual(count, 3, "for: clauses in the demo's copy of the rules")
        with open(rules, "w", encoding="utf-8") as f:
            f.write(text)
        with open(self.AM_CONFIG, encoding="utf-8") as f:
            text = f.read()
        text, waits = re.subn(r"(?m)^(\s+group_wait:) \S+", r"\1 1s", text)
        text, intervals = re.subn(r"(?m)^(\s+group_interval:) \S+", r"\1 2s", text)
        self.assertEqual((waits, intervals), (1, 1), "group_wait and group_interval in the demo's alertmanager.yml")
        with open(self.AM_CONFIG, "w", encoding="utf-8") as f:
            f.write(text)
        self.demo.reload("prometheus")
        self.demo.reload("alertmanager")

        def rules_reloaded():
            groups = http_json(self.demo.prom_url + "/api/v1/rules")["data"]["groups"]
            return all(rule.get("duration", 0) in (0, 2) for g in groups for rule in g["rules"]
                       if rule["type"] == "alerting")
        wait_for("Prometheus to load the rules with for: 2s", rules_reloaded, 30)
        wait_for("Alertmanager to load group_wait: 1s",
                 lambda: "group_wait: 1s" in http_json(self.demo.am_url + "/api/v2/status")["config"]["original"],
                 30)
        type(self).fast = True

    def wait_notification(self, receiver, status, alertname, timeout=120, **labels):
        """The first notification to RECEIVER with STATUS holding ALERTNAME (its labels as given)."""
        def probe():
            for entry in self.demo.notifications():
                n = entry["notification"]
                if n.get("receiver") != receiver or n.get("status") != status:
                    continue
                for alert in n.get("alerts", []):
                    if alert["labels"].get("alertname") == alertname and alert.get("status") == status and \
                            all(alert["labels"].get(k) == v for k, v in labels.items()):
                        return entry
            return None
        try:
            return wait_for("a %s notification of %s to the %s receiver" % (status, alertname, receiver), probe,
                            timeout)
        except AssertionError:
            alerts = http_json(self.demo.prom_url + "/api/v1/alerts")["data"]["alerts"]
            self.fail("no %s notification of %s %s to %s within %d s; Prometheus alerts: %s; received: %s" % (
                status, alertname, labels, receiver, timeout,
                json.dumps([(a["labels"], a["state"]) for a in alerts]),
                json.dumps([(e["notification"]["receiver"], e["notification"]["status"],
                             [a["labels"].get("alertname") for a in e["notification"]["alerts"]])
                            for e in self.demo.notifications()])))

    def receivers_of(self, alertname):
        return sorted({e["notification"]["receiver"] for e in self.demo.notifications()
                       for a in e["notification"]["alerts"] if a["labels"].get("alertname") == alertname})

    def hide_orders(self, day, hide):
        """Make most closed orders of DAY (shop calendar) carts, or put them back."""
        if hide:
            self.demo.psql("""
                CREATE TABLE stack_hidden_orders AS
                SELECT id FROM orders
                 WHERE NOT is_open AND id %% 25 <> 0
                   AND created_at >= ('%(day)s'::date::timestamp
                                      AT TIME ZONE current_setting('daily_sales_report.timezone')) AT TIME ZONE 'UTC'
                   AND created_at < (('%(day)s'::date + 1)::timestamp
                                     AT TIME ZONE current_setting('daily_sales_report.timezone')) AT TIME ZONE 'UTC';
                UPDATE orders SET is_open = true WHERE id IN (SELECT id FROM stack_hidden_orders);""" % {"day": day})
        else:
            self.demo.psql("UPDATE orders SET is_open = false WHERE id IN (SELECT id FROM stack_hidden_orders);"
                           " DROP TABLE stack_hidden_orders;")

    def report(self, day):
        row = self.demo.psql("SELECT revenue, pushed FROM daily_sales_report('%s')" % day).stdout.strip().split("|")
        self.assertEqual(row[1], "t", "the run for %s pushed" % day)
        return float(row[0])

    def test_20_alertmanager_wired(self):
        """Prometheus sends to the demo's Alertmanager; the routes send each category to its receiver."""
        self.require_up()
        self.assertRegex(self.demo.up_result.stdout, r"alertmanager +started .* config checked by amtool")
        self.assertIn("Notifications: Alertmanager", self.demo.up_result.stdout)
        self.assertIn("none yet", self.demo.up_result.stdout)

        def discovered():
            active = http_json(self.demo.prom_url + "/api/v1/alertmanagers")["data"]["activeAlertmanagers"]
            return [a["url"] for a in active]
        self.assertEqual(wait_for("Prometheus to use the Alertmanager", discovered, 20),
                         [self.demo.am_url + "/api/v2/alerts"])
        status = http_json(self.demo.am_url + "/api/v2/status")
        self.assertEqual(status["cluster"]["status"], "disabled", "a single Alertmanager, no gossip port")
        result = subprocess.run(["amtool", "check-config", self.AM_CONFIG], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout)
        alerts, _ = rule_names()
        for alert in alerts:
            expected = "business" if alert == "DailySalesRevenueDrop" else "technical"
            self.assertEqual(self.amtool_routes(self.AM_CONFIG, "alertname=" + alert, "job=" + JOB,
                                                "category=" + expected), expected, alert)
        self.assertEqual(self.amtool_routes(self.AM_CONFIG, "alertname=Other"), "technical")
        self.assertEqual(self.demo.notifications(), [], "no alert fired yet")

    def band(self, day):
        """(expected, lower, weeks) the last run of DAY computed."""
        row = self.demo.psql("SELECT expected_revenue, expected_lower, expected_weeks FROM daily_sales_report.runs"
                             " WHERE report_date = '%s' AND status = 'success' ORDER BY run_id DESC LIMIT 1"
                             % day).stdout.strip().split("|")
        return float(row[0] or "nan"), float(row[1] or "nan"), int(row[2])

    def test_21_revenue_drop_reaches_business(self):
        """A day far below its expected band: DailySalesRevenueDrop reaches the business receiver, then resolves."""
        self.require_up()
        self.fast_alerting()
        day = self.day()
        self.hide_orders(day, True)
        try:
            low = self.report(day)
            expected, lower, weeks = self.band(day)
            log("revenue of %s: %.2f, expected %.2f (lower bound %.2f, %d weeks)" % (day, low, expected, lower, weeks))
            # the demo's 30 days hold 4 weeks of the same weekday before the day, read from the shop once
            self.assertGreaterEqual(weeks, 3, "the demo shop's history of that weekday")
            self.assertLess(low, lower, "the day is below its band")
            entry = self.wait_notification("business", "firing", "DailySalesRevenueDrop", date=day)
        finally:
            self.hide_orders(day, False)
        self.assertEqual(entry["path"], "/business")
        notification = entry["notification"]
        self.assertEqual(notification["groupLabels"], {"alertname": "DailySalesRevenueDrop", "job": JOB})
        alert = [a for a in notification["alerts"] if a["labels"]["alertname"] == "DailySalesRevenueDrop"][0]
        self.assertEqual(alert["labels"]["category"], "business")
        self.assertEqual(alert["labels"]["severity"], "warning")
        self.assertEqual(alert["annotations"]["summary"], "Revenue of %s is below its expected band" % day)
        self.assertIn("has revenue %.2f, below the expected band %.2f to " % (low, lower),
                      alert["annotations"]["description"])
        self.assertNotIn("technical", self.receivers_of("DailySalesRevenueDrop"))

        # the day corrected by a rerun: back in its band, the alert resolves and the receiver is told
        self.assertGreaterEqual(self.report(day), lower)
        entry = self.wait_notification("business", "resolved", "DailySalesRevenueDrop", date=day)
        self.assertEqual(entry["notification"]["status"], "resolved")
        self.assertEqual(self.receivers_of("DailySalesRevenueDrop"), ["business"])

    def test_22_job_not_succeeded_reaches_technical(self):
        """No success for 25 h (a pushed timestamp): DailySalesReportNotSucceeded reaches the technical receiver."""
        self.require_up()
        self.fast_alerting()
        stale = time.time() - 25 * 3600 - 300
        self.demo.push("/metrics/job/%s" % JOB,
                       "# TYPE batch_job_last_success_timestamp gauge\n"
                       "batch_job_last_success_timestamp %.3f\n" % stale)
        entry = self.wait_notification("technical", "firing", "DailySalesReportNotSucceeded", job=JOB)
        self.assertEqual(entry["path"], "/technical")
        notification = entry["notification"]
        self.assertEqual(notification["groupLabels"], {"alertname": "DailySalesReportNotSucceeded", "job": JOB})
        alert = notification["alerts"][0]
        self.assertEqual((alert["labels"]["category"], alert["labels"]["severity"]), ("technical", "critical"))
        self.assertIn("has not succeeded for 1d 1h", alert["annotations"]["summary"])
        self.assertEqual(self.receivers_of("DailySalesReportNotSucceeded"), ["technical"])

        # a successful run pushes a fresh timestamp: resolved, and the receiver is told
        self.report(self.day())
        self.wait_notification("technical", "resolved", "DailySalesReportNotSucceeded", job=JOB)

    def test_23_notifications_printed(self):
        """demo/notifications prints what the receivers got, firing and resolved, for a person."""
        self.require_up()
        result = self.demo.run("notifications", "0", timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout)
        log("demo/notifications:\n" + result.stdout)
        self.assertRegex(result.stdout, r"to business: FIRING, 1 alert\(s\) of group "
                                        r"\{alertname=\"DailySalesRevenueDrop\", job=\"daily-sales-report\"\}")
        self.assertRegex(result.stdout, r"to business: RESOLVED")
        self.assertRegex(result.stdout, r"to technical: FIRING, 1 alert\(s\) of group "
                                        r"\{alertname=\"DailySalesReportNotSucceeded\", job=\"daily-sales-report\"\}")
        self.assertRegex(result.stdout, r"to technical: RESOLVED")
        self.assertRegex(result.stdout, r"FIRING +DailySalesRevenueDrop +category=business date=%s severity=warning"
                         % re.escape(self.day()))
        self.assertRegex(result.stdout, r"RESOLVED DailySalesReportNotSucceeded +category=technical severity=critical")
        with open(os.path.join(self.demo.root, "notifications.txt"), "w") as f:
            f.write(result.stdout)

    # ------------------------------------------------------------- dashboard
    def test_24_dashboard_queries_return_data(self):
        """Every query of every panel of the Grafana dashboard returns data from the demo's Prometheus."""
        self.require_up()
        with open(DASHBOARD, encoding="utf-8") as f:
            dashboard = json.load(f)
        variables = {"$job": JOB, "${job}": JOB}
        queries = []
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                expr = target["expr"]
                for name, value in variables.items():
                    expr = expr.replace(name, value)
                self.assertNotIn("$", expr, "a variable the test does not know, panel %r" % panel["title"])
                queries.append((panel["title"], target["refId"], expr))
        self.assertGreaterEqual(len(queries), 20)
        empty = []
        for title, ref, expr in queries:
            def probe():
                return [r for r in self.demo.query(expr) if r["value"][1] not in ("NaN", "+Inf", "-Inf")]
            try:
                result = wait_for("%s (%s)" % (title, ref), probe, 20)
                log("dashboard: %-45s %s: %d series, e.g. %s" % (title[:45], ref, len(result), result[0]["value"][1]))
            except AssertionError:
                empty.append("%s (%s): %s -> %s" % (title, ref, expr, self.demo.query(expr)))
        self.assertEqual(empty, [], "panels without data")
        # the revenue per day panel shows the days the report pushed, with their figures
        per_day = {r["metric"]["date"]: float(r["value"][1])
                   for r in self.demo.query('daily_sales_revenue_total{job="%s"}' % JOB)}
        self.assertIn(self.day(), per_day)
        stored = self.demo.psql("SELECT revenue FROM daily_sales_report.runs WHERE report_date = '%s'"
                                " AND status = 'success' ORDER BY run_id DESC LIMIT 1" % self.day()).stdout.strip()
        self.assertAlmostEqual(per_day[self.day()], float(stored), places=2, msg="the day's last run")

    # ---------------------------------------------------------------- down
    def test_99_demo_down(self):
        """demo/down stops everything: no process of the demo is left."""
        self.require_up()
        pids = {name: self.demo.service_pid(name) for name in SERVICES}
        self.demo.stopped = True
        result = self.demo.run("down", timeout=180)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("nothing of the demo left running", result.stdout)
        running = [name for name, pid in pids.items() if pid and alive(pid)]
        self.assertEqual(running, [])
        self.assertEqual(self.demo.leftovers(), [])


if __name__ == "__main__":
    unittest.main()
