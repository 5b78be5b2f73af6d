"""
harness.py — the integration test stack: a PostgreSQL 15 cluster with
pg_cron and the extension, a real Prometheus Pushgateway and a real
Prometheus scraping it, all on free loopback ports under one temporary
directory.  Python standard library only.

One stack serves the whole run (it is slow to start): the test modules call
`get_stack()` from setUpModule; it is started once and torn down at exit
(atexit), also on Ctrl-C or SIGTERM.

Environment:
  DSR_IT_WORKDIR   directory to work in (test/run_all passes one and keeps
                   it on failure); default: a new temporary directory,
                   removed at the end unless DSR_IT_KEEP=1.
  DSR_PG_BIN       PostgreSQL binaries (default /usr/lib/postgresql/15/bin).
"""

import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")

PG_BIN = os.environ.get("DSR_PG_BIN", "/usr/lib/postgresql/15/bin")
PSQL = os.path.join(PG_BIN, "psql")
PUSHGATEWAY_BIN = "/usr/bin/prometheus-pushgateway"
PROMETHEUS_BIN = "/usr/bin/prometheus"

DB = "shop"
JOB = "daily-sales-report"
RESERVED_PORTS = {5432, 9090, 9091}

# No HTTP proxy for loopback traffic (ours, and libcurl's inside the server).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(message):
    sys.stderr.write("[harness] %s\n" % message)
    sys.stderr.flush()


def free_port(taken=()):
    """A TCP port nobody listens on at the moment (bind port 0 on loopback)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS and port not in taken:
            return port
    raise RuntimeError("no free port found")


def clean_env(**extra):
    """The environment for child processes: no proxies, no PG* overrides, C messages."""
    env = {}
    for key, value in os.environ.items():
        lower = key.lower()
        if lower.endswith("_proxy") or key.startswith("PG"):
            continue
        env[key] = value
    env["PATH"] = env.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    env["LC_ALL"] = "C.UTF-8"
    env["LANG"] = "C.UTF-8"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def http(method, url, body=None, timeout=10, headers=None):
    """(status, body bytes); HTTP errors come back as their status, network errors raise."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_ready(url, process=None, timeout=60, what="service"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError("%s exited with code %s before it was ready" % (what, process.returncode))
        try:
            status, _ = http("GET", url, timeout=2)
            if status == 200:
                return
            last = "HTTP %s" % status
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise RuntimeError("%s not ready at %s after %ss: %s" % (what, url, timeout, last))


class PsqlResult:
    def __init__(self, args, returncode, stdout, stderr, elapsed):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed

    @property
    def ok(self):
        return self.returncode == 0

    @property
    def rows(self):
        return [line.split("|") for line in self.stdout.splitlines()]

    @property
    def value(self):
        """The single value of a one-row, one-column result."""
        rows = self.rows
        if len(rows) != 1 or len(rows[0]) != 1:
            raise AssertionError("expected one value, got %r\nstderr:\n%s" % (self.stdout, self.stderr))
        return rows[0][0]

    def __repr__(self):
        return "<psql rc=%s %.2fs\nstdout:\n%s\nstderr:\n%s>" % (
            self.returncode, self.elapsed, self.stdout, self.stderr)


class PsqlError(AssertionError):
    pass


class SilentServer:
    """A TCP server that accepts connections and never answers (a hung Pushgateway)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.connections = []
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)
        self._thread.start()

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            self.accepted += 1
            self.connections.append(conn)   # held open, never read, never answered

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Stack:
    """PostgreSQL + Pushgateway + Prometheus for the tests."""

    def __init__(self):
        self.started = False
        self.owns_root = False
        self.processes = {}     # name -> Popen (pushgateway, prometheus)
        self.pg_started = False
        self.clusters = []      # more PostgreSQL clusters of some tests (Cluster), stopped with the stack

    # ------------------------------------------------------------------ setup

    def start(self):
        root = os.environ.get("DSR_IT_WORKDIR")
        if root:
            os.makedirs(root, exist_ok=True)
        else:
            root = tempfile.mkdtemp(prefix="dsr-it-")
            self.owns_root = True
        os.chmod(root, 0o755)
        self.dir = tempfile.mkdtemp(prefix="stack-", dir=root)
        os.chmod(self.dir, 0o755)
        self.pid_dir = os.path.join(root, "pids")
        os.makedirs(self.pid_dir, exist_ok=True)
        log("working in %s" % self.dir)

        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            self.pg_uid, self.pg_gid = pw.pw_uid, pw.pw_gid
        else:
            self.pg_uid, self.pg_gid = os.geteuid(), os.getegid()

        taken = set()
        self.pg_port = free_port(taken)
        taken.add(self.pg_port)
        self.pgw_port = free_port(taken)
        taken.add(self.pgw_port)
        self.prom_port = free_port(taken)
        self.pgw_url = "http://127.0.0.1:%d" % self.pgw_port
        self.prom_url = "http://127.0.0.1:%d" % self.prom_port

        self.started = True
        self._start_pushgateway()
        self._start_prometheus()
        self._start_postgres()
        self._load_database()
        wait_ready(self.pgw_url + "/-/ready", self.processes["pushgateway"], what="Pushgateway")
        wait_ready(self.prom_url + "/-/ready", self.processes["prometheus"], what="Prometheus")
        log("ready: postgres on port %d (socket %s), pushgateway %s, prometheus %s"
            % (self.pg_port, self.socket_dir, self.pgw_url, self.prom_url))

    def _postgres_dir(self, name, mode=0o700):
        path = os.path.join(self.dir, name)
        os.makedirs(path, exist_ok=True)
        os.chown(path, self.pg_uid, self.pg_gid)
        os.chmod(path, mode)
        return path

    def _as_postgres(self, argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if self.as_root else argv

    def _run_as_postgres(self, argv, timeout=120):
        result = subprocess.run(self._as_postgres(argv), env=clean_env(), cwd=self.dir,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=timeout, text=True)
        if result.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), result.returncode, result.stdout))
        return result.stdout

    def _spawn(self, name, argv):
        log_path = os.path.join(self.dir, name + ".log")
        log_file = open(log_path, "ab")
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                   env=clean_env(), cwd=self.dir, start_new_session=True)
        log_file.close()
        self.processes[name] = process
        with open(os.path.join(self.pid_dir, name + ".pid"), "w") as f:
            f.write("%d\n" % process.pid)
        return process

    def _start_pushgateway(self):
        return self._spawn("pushgateway", [
            PUSHGATEWAY_BIN,
            "--web.listen-address=127.0.0.1:%d" % self.pgw_port,
            "--persistence.file=%s" % os.path.join(self.dir, "pgw.db"),
        ])

    def _start_prometheus(self):
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(
                "global:\n"
                "  scrape_interval: 1s\n"
                "  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\n"
                "scrape_configs:\n"
                "  - job_name: pushgateway\n"
                "    honor_labels: true\n"
                "    scrape_interval: 1s\n"
                "    scrape_timeout: 1s\n"
                "    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % self.pgw_port)
        self._spawn("prometheus", [
            PROMETHEUS_BIN,
            "--config.file=%s" % config,
            "--storage.tsdb.path=%s" % os.path.join(self.dir, "prom"),
            "--web.listen-address=127.0.0.1:%d" % self.prom_port,
        ])

    def _start_postgres(self):
        self.data_dir = os.path.join(self._postgres_dir("pg"), "data")
        self.socket_dir = self._postgres_dir("sock", 0o755)
        self.output_dir = self._postgres_dir("reports", 0o755)
        self.pg_log = os.path.join(self.dir, "pg", "server.log")
        self._run_as_postgres([os.path.join(PG_BIN, "initdb"), "-D", self.data_dir, "-U", "postgres",
                               "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
            f.write(
                "\n# integration tests (test/integration/harness.py)\n"
                "port = %d\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = '%s'\n"
                "shared_preload_libraries = 'pg_cron,daily_sales_report'\n"
                "cron.database_name = '%s'\n"
                "cron.use_background_workers = on\n"
                "daily_sales_report.database_name = '%s'\n"
                "# 16 concurrent runs + pg_cron + the outbox worker\n"
                "max_worker_processes = 40\n"
                "timezone = 'UTC'\n"
                "log_timezone = 'UTC'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
                "daily_sales_report.output_dir = '%s'\n"
                "daily_sales_report.pushgateway_url = '%s'\n"
                "daily_sales_report.push_retry_backoff_ms = 100\n"
                "# the fixture's days are in 2025: keep their groups (test_pushgateway sets its own)\n"
                "daily_sales_report.pushgateway_keep_days = 0\n"
                % (self.pg_port, self.socket_dir, DB, DB, self.output_dir, self.pgw_url))
        self._run_as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data_dir, "-l", self.pg_log,
                               "-w", "-t", "60", "start"])
        self.pg_started = True

    def _load_database(self):
        self.psql("CREATE DATABASE %s" % DB, db="postgres")
        self.psql("CREATE EXTENSION pg_cron")
        self.psql("CREATE EXTENSION daily_sales_report")
        self.psql_file(os.path.join(FIXTURES, "shop.sql"))

    def create_database(self, name, encoding=None, owner=None):
        """A database with the extension, its own report directory and its own job (a report directory and
        a job belong to one database of the cluster); returns that job's name."""
        job = "%s-%s" % (JOB, name.replace("_", "-"))
        directory = os.path.join(self.output_dir, name)
        os.makedirs(directory, exist_ok=True)
        os.chown(directory, self.pg_uid, self.pg_gid)
        options = ""
        if encoding:
            options += " ENCODING '%s' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" % encoding
        if owner:
            options += " OWNER %s" % owner
        self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, "CREATE DATABASE %s%s" % (name, options),
                  "ALTER DATABASE %s SET daily_sales_report.output_dir = %s" % (name, sql_literal(directory)),
                  "ALTER DATABASE %s SET daily_sales_report.job_name = %s" % (name, sql_literal(job)),
                  db="postgres")
        self.psql("CREATE EXTENSION daily_sales_report", db=name)
        return job

    # ------------------------------------------------- faults (test_faults.py)

    def stop_pushgateway(self, timeout=10):
        """Stop the Pushgateway (SIGTERM: it writes its persistence file on the way out)."""
        process = self.processes.pop("pushgateway", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        try:
            os.unlink(os.path.join(self.pid_dir, "pushgateway.pid"))
        except OSError:
            pass

    def start_pushgateway(self, timeout=30):
        """Start the Pushgateway again on the same port with the same persistence file; waits until ready."""
        process = self.processes.get("pushgateway")
        if process is not None and process.poll() is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            process = self._start_pushgateway()
            try:
                wait_ready(self.pgw_url + "/-/ready", process, timeout=max(1, deadline - time.monotonic()),
                           what="Pushgateway")
                return
            except RuntimeError:
                # the port may still be held for a moment by the process just stopped
                if process.poll() is None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def pg_ctl(self, *args, timeout=120):
        return self._run_as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data_dir] + list(args),
                                     timeout=timeout)

    def wait_postgres(self, timeout=60):
        """Wait until the server accepts queries in the test database (e.g. after a crash restart)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.psql("SELECT 1", check=False, timeout=10)
            if result.ok:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL not back after %ss: %r" % (timeout, result))
            time.sleep(0.1)

    def restart_postgres(self, mode="fast"):
        """pg_ctl restart -m mode, then wait until the test database answers."""
        self.pg_ctl("-l", self.pg_log, "-m", mode, "-w", "-t", "60", "restart")
        self.wait_postgres()

    # --------------------------------------------------------------- teardown

    def stop(self):
        if not self.started:
            return
        self.started = False
        for cluster in self.clusters:
            cluster.stop("immediate", check=False)
        if self.pg_started:
            self.pg_started = False
            for mode in ("fast", "immediate"):
                try:
                    self._run_as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data_dir,
                                           "-m", mode, "-w", "-t", "30", "stop"], timeout=60)
                    break
                except Exception as error:     # noqa: BLE001 - teardown goes on
                    log("pg_ctl stop -m %s: %s" % (mode, error))
        for name, process in self.processes.items():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            try:
                os.unlink(os.path.join(self.pid_dir, name + ".pid"))
            except OSError:
                pass
        self.processes = {}
        if self.owns_root and os.environ.get("DSR_IT_KEEP") != "1":
            shutil.rmtree(os.path.dirname(self.dir), ignore_errors=True)
        else:
            log("logs kept in %s" % self.dir)

    def server_log_tail(self, lines=60):
        try:
            with open(self.pg_log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    # ------------------------------------------------------------------- psql

    def psql_argv(self, user="postgres", db=DB):
        return [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir, "-p", str(self.pg_port),
                "-U", user, "-d", db, "-At", "-F", "|"]

    def psql_env(self, **extra):
        return clean_env(PGCLIENTENCODING="UTF8", **extra)

    def psql_command(self, statements, user, db, settings, application_name):
        """argv and environment of psql running each statement with its own -c, after SET of `settings`."""
        argv = self.psql_argv(user, db)
        for name, value in (settings or {}).items():
            argv += ["-c", "SET %s = %s" % (name, sql_literal(value))]
        for statement in statements:
            argv += ["-c", statement]
        env = self.psql_env()
        if application_name:
            env["PGAPPNAME"] = application_name
        return argv, env

    def psql(self, *statements, user="postgres", db=DB, settings=None, check=True, timeout=120,
             application_name=None):
        """Run each statement with its own -c (after SET of `settings`); returns a PsqlResult."""
        argv, env = self.psql_command(statements, user, db, settings, application_name)
        started = time.monotonic()
        completed = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=timeout)
        result = PsqlResult(argv, completed.returncode, completed.stdout.decode("utf-8", "replace"),
                            completed.stderr.decode("utf-8", "replace"), time.monotonic() - started)
        if check and not result.ok:
            raise PsqlError("psql failed: %r" % result)
        return result

    def psql_file(self, path, user="postgres", db=DB):
        argv = self.psql_argv(user, db) + ["-f", path]
        completed = subprocess.run(argv, env=self.psql_env(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, text=True)
        if completed.returncode != 0:
            raise PsqlError("psql -f %s failed:\n%s%s" % (path, completed.stdout, completed.stderr))

    def psql_popen(self, *statements, user="postgres", db=DB, settings=None, application_name=None):
        argv, env = self.psql_command(statements, user, db, settings, application_name)
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

    # ----------------------------------------------------------------- report

    REPORT_COLUMNS = ("run_id", "report_date", "orders", "revenue", "avg_ticket", "items_sold", "top_product",
                      "top_product_revenue", "pdf_path", "pdf_kilobytes", "pushed", "duration_seconds")

    def report_sql(self, day):
        return "SELECT %s FROM daily_sales_report(%s)" % (", ".join(self.REPORT_COLUMNS), sql_literal(day))

    def run_report(self, day, settings=None, user="postgres", check=True, timeout=180):
        """(row dict or None, PsqlResult) of SELECT * FROM daily_sales_report(day)."""
        result = self.psql(self.report_sql(day), user=user, settings=settings, check=check, timeout=timeout)
        return (parse_report_row(result.stdout) if result.ok else None), result

    def max_run_id(self):
        return int(self.psql("SELECT coalesce(max(run_id), 0) FROM daily_sales_report.runs").value)

    def run_row(self, run_id, columns="status, error_type, pushed, push_retries"):
        result = self.psql("SELECT %s FROM daily_sales_report.runs WHERE run_id = %d" % (columns, run_id))
        rows = result.rows
        return rows[0] if rows else None

    # ------------------------------------------------------------ pushgateway

    def pushgateway_groups(self):
        """{frozenset(grouping labels): {family: [(labels dict, float)]}} from /api/v1/metrics."""
        status, body = http("GET", self.pgw_url + "/api/v1/metrics")
        if status != 200:
            raise AssertionError("Pushgateway /api/v1/metrics: HTTP %s %r" % (status, body[:200]))
        document = json.loads(body)
        groups = {}
        for group in document.get("data", []):
            key = frozenset(group.get("labels", {}).items())
            families = {}
            for name, family in group.items():
                if not isinstance(family, dict) or "metrics" not in family:
                    continue
                samples = []
                for metric in family["metrics"]:
                    if "value" in metric:
                        samples.append((metric.get("labels", {}), float(metric["value"])))
                families[name] = samples
            groups[key] = families
        return groups

    def delete_other_jobs_groups(self):
        """Delete every group of a job other than the fixture shop's (the real Pushgateway checks a push
        against all groups: an earlier test's database may hold the same metric names)."""
        for key in self.pushgateway_groups():
            labels = dict(key)
            if labels.get("job") != JOB:
                path = "/metrics/job/%s" % urllib.parse.quote(labels["job"], safe="")
                if "date" in labels:
                    path += "/date/%s" % labels["date"]
                http("DELETE", self.pgw_url + path)

    def pushgateway_group(self, date=None, job=JOB):
        labels = {"job": job}
        if date:
            labels["date"] = date
        return self.pushgateway_groups().get(frozenset(labels.items()))

    def pushgateway_value(self, family, date=None, **labels):
        """The value of one sample (matching `labels`) of `family` in the job or day group, or None."""
        group = self.pushgateway_group(date)
        return sample_value(group, family, **labels)

    # ------------------------------------------------------------- prometheus

    def prometheus_query(self, query):
        url = self.prom_url + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
        status, body = http("GET", url)
        if status != 200:
            raise AssertionError("Prometheus query %s: HTTP %s %r" % (query, status, body[:300]))
        return json.loads(body)["data"]["result"]


class Cluster:
    """
    One more PostgreSQL cluster on a free loopback port, in the stack's
    directory (a test that needs a server started its own way: a primary and
    its standby, a missing database at start).  Pushes go to the stack's
    Pushgateway under the job `job`; `conf` lines are added to
    postgresql.conf.  Stopped (immediate) with the stack at the latest.
    """

    REPORT_COLUMNS = Stack.REPORT_COLUMNS
    psql_argv = Stack.psql_argv
    psql_env = Stack.psql_env
    psql_command = Stack.psql_command
    psql = Stack.psql
    psql_file = Stack.psql_file
    psql_popen = Stack.psql_popen
    report_sql = Stack.report_sql
    run_row = Stack.run_row

    def __init__(self, stack, name):
        self.stack = stack
        self.name = name
        self.dir = stack._postgres_dir(name)
        self.data_dir = os.path.join(self.dir, "data")
        self.socket_dir = stack._postgres_dir(name + "-sock", 0o755)
        self.output_dir = stack._postgres_dir(name + "-reports", 0o755)
        self.pg_log = os.path.join(self.dir, "server.log")
        self.pg_port = free_port({stack.pg_port, stack.pgw_port, stack.prom_port})
        self.running = False
        stack.clusters.append(self)

    def initdb(self, job, conf=""):
        self.stack._run_as_postgres([os.path.join(PG_BIN, "initdb"), "-D", self.data_dir, "-U", "postgres",
                                     "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        self.configure(
            "listen_addresses = '127.0.0.1'\n"
            "timezone = 'UTC'\n"
            "log_timezone = 'UTC'\n"
            "fsync = off\n"
            "log_line_prefix = '%%m [%%p] %%b %%q%%u@%%d '\n"
            "daily_sales_report.output_dir = '%s'\n"
            "daily_sales_report.pushgateway_url = '%s'\n"
            "daily_sales_report.job_name = '%s'\n"
            "daily_sales_report.push_retry_backoff_ms = 100\n"
            "daily_sales_report.pushgateway_keep_days = 0\n"
            % (self.output_dir, self.stack.pgw_url, job) + conf)

    def base_backup_of(self, primary, conf=""):
        """A streaming standby of `primary` (pg_basebackup -R), with its own port and socket."""
        self.stack._run_as_postgres([os.path.join(PG_BIN, "pg_basebackup"), "-D", self.data_dir, "-R",
                                     "-X", "stream", "-c", "fast", "-h", primary.socket_dir,
                                     "-p", str(primary.pg_port), "-U", "postgres"])
        self.configure(conf)

    def configure(self, conf):
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
            f.write("\n# %s (harness.Cluster)\nport = %d\nunix_socket_directories = '%s'\n%s\n"
                    % (self.name, self.pg_port, self.socket_dir, conf))

    def pg_ctl(self, *args, check=True):
        try:
            return self.stack._run_as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data_dir] + list(args))
        except RuntimeError:
            if check:
                raise
            return None

    def start(self):
        self.pg_ctl("-l", self.pg_log, "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode="fast", check=True):
        if self.running:
            self.running = False
            self.pg_ctl("-m", mode, "-w", "-t", "60", "stop", check=check)

    def promote(self):
        self.pg_ctl("-w", "-t", "60", "promote")

    def log_text(self):
        with open(self.pg_log, "rb") as f:
            return f.read().decode("utf-8", "replace")


def sample_value(group, family, **labels):
    if not group or family not in group:
        return None
    for sample_labels, value in group[family]:
        if all(sample_labels.get(k) == v for k, v in labels.items()):
            return value
    return None


def sql_literal(value):
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def parse_report_row(stdout):
    lines = [line for line in stdout.splitlines() if line]
    if len(lines) != 1:
        raise AssertionError("expected one report row, got %r" % stdout)
    fields = lines[0].split("|")
    if len(fields) != len(Stack.REPORT_COLUMNS):
        raise AssertionError("unexpected report row %r" % lines[0])
    return dict(zip(Stack.REPORT_COLUMNS, fields))


_STACK = None
_STACK_ERROR = None


def get_stack():
    """The one stack of this run, started on first use (and not retried if that failed)."""
    global _STACK, _STACK_ERROR
    if _STACK_ERROR is not None:
        raise RuntimeError("the test stack failed to start: %s" % _STACK_ERROR)
    if _STACK is None:
        stack = Stack()
        _STACK = stack
        try:
            stack.start()
        except BaseException as error:
            _STACK_ERROR = "%s: %s" % (type(error).__name__, error)
            log("stack failed to start; server log tail:\n" + (
                stack.server_log_tail() if hasattr(stack, "pg_log") else "(none)"))
            stop_stack()
            _STACK = None
            raise
    return _STACK


def stop_stack():
    if _STACK is not None:
        _STACK.stop()


def _on_sigterm(signum, frame):
    # KeyboardInterrupt (not SystemExit, which unittest would catch as a test
    # error) ends the run; atexit then tears the stack down.
    raise KeyboardInterrupt("signal %d" % signum)


atexit.register(stop_stack)
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        # started in the background by a shell: take Ctrl-C relayed as SIGINT too
        signal.signal(signal.SIGINT, signal.default_int_handler)
