# demo/lib.sh — settings, logging and process helpers shared by the demo
# scripts.  Sourced, never run.

# ---- where things are -------------------------------------------------------
DEMO_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$DEMO_SRC")

# State dir: relative DEMO_DIR is taken from where make was started.
STATE=$(realpath -m "${DEMO_DIR:-$REPO/.local}")

PG_PORT=${DEMO_PG_PORT:-5432}
PUSHGATEWAY_PORT=${DEMO_PUSHGATEWAY_PORT:-9091}
PROMETHEUS_PORT=${DEMO_PROMETHEUS_PORT:-9090}
EXPORTER_PORT=${DEMO_EXPORTER_PORT:-9187}
ALERTMANAGER_PORT=${DEMO_ALERTMANAGER_PORT:-9093}
# demo/alert-receiver: the webhook Alertmanager notifies
RECEIVER_PORT=${DEMO_RECEIVER_PORT:-9095}

# How often Prometheus scrapes and evaluates its rules, in seconds ("15" or
# "15s"); the stack tests use 1.
SCRAPE_INTERVAL=${DEMO_SCRAPE_INTERVAL:-15s}

# Debian's PostgreSQL 15 binaries, not the pg_wrapper ones in /usr/bin: those
# pick a cluster from /etc/postgresql, which the demo does not use.
# DEMO_PG_BIN picks another PostgreSQL 15 (its pg_config is used to build and
# install the extension there), e.g. a private copy that leaves the system's
# installed extension alone.
PG_BIN=${DEMO_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config

PGDATA_DIR=$STATE/pg/data
PG_SOCKET_DIR=$STATE/pg/run
REPORTS_DIR=$STATE/reports
LOG_DIR=$STATE/logs
PID_DIR=$STATE/pids

PUSHGATEWAY_URL=http://127.0.0.1:$PUSHGATEWAY_PORT
PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
ALERTMANAGER_URL=http://127.0.0.1:$ALERTMANAGER_PORT

# What demo/alert-receiver writes: one JSON line per notification
NOTIFICATIONS=$STATE/alerts/notifications.jsonl
# the interpreter it runs on, as /proc/PID/exe names it (to find it by PID)
PYTHON_EXE=$(readlink -f /usr/bin/python3)

# The demo's service users: the ones Debian's packages create and run them as.
PG_USER=postgres
PROM_USER=prometheus

JOB_NAME=daily-sales-report
SHOP_DB=shop

# ---- logging ----------------------------------------------------------------
# One clock for the whole `make demo`: up exports DEMO_T0, the scripts it
# runs inherit it.
: "${DEMO_T0:=$EPOCHREALTIME}"
export DEMO_T0

# since T — seconds (one decimal) from T, an $EPOCHREALTIME value, to now
since() {
    # EPOCHREALTIME is "seconds.micros" ("," in some locales); integer maths only
    local us=$(( ${EPOCHREALTIME//[.,]/} - ${1//[.,]/} ))
    printf '%d.%d' $(( us / 1000000 )) $(( us % 1000000 / 100000 ))
}

elapsed() { since "$DEMO_T0"; }

# step NAME MESSAGE — the one line a step prints when it is done
step() {
    printf '[%6ss] %-12s %s\n' "$(elapsed)" "$1" "$2"
}

# detail MESSAGE — an indented line under a step
detail() {
    printf '          %s\n' "$*"
}

die() {
    printf '\n[%6ss] FAILED       %s\n' "$(elapsed)" "$1" >&2
    shift
    local line
    for line in "$@"; do printf '          %s\n' "$line" >&2; done
    exit 1
}

# show_log FILE — the end of a log, when a step failed
show_log() {
    printf '          --- last lines of %s ---\n' "$1" >&2
    tail -n "${2:-25}" "$1" 2>/dev/null | sed 's/^/          | /' >&2 || true
}

# ---- users ------------------------------------------------------------------
# as_user USER CMD... — run CMD as USER; setpriv execs (no extra process),
# so a backgrounded `as_user ... &` leaves $! on the service itself.  cd /
# because the caller's directory may be unreadable to USER (e.g. /root).
as_user() {
    local user=$1
    shift
    (cd / && exec setpriv --reuid="$user" --regid="$user" --init-groups \
        --reset-env -- "$@")
}

# can_reach USER DIR — true if USER can traverse every parent of DIR.
# Before the packages have created USER: if every parent is open to all.
can_reach() {
    local dir
    dir=$(dirname "$2")
    while [[ ! -e $dir ]]; do dir=$(dirname "$dir"); done
    if id -u "$1" >/dev/null 2>&1; then
        as_user "$1" test -x "$dir"
        return
    fi
    while [[ $dir != / ]]; do
        [[ $(stat -c %A "$dir") == ?????????[xt] ]] || return 1
        dir=$(dirname "$dir")
    done
}

# ---- processes and ports ----------------------------------------------------
pid_file() { echo "$PID_DIR/$1.pid"; }

# runs PID EXE — PID is a live process running EXE (not a zombie waiting to
# be reaped, not a recycled PID)
runs() {
    [[ $(readlink "/proc/$1/exe" 2>/dev/null) == "$2" ]]
}

# alive PID — the process exists and is not a zombie
alive() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# our_pid NAME EXE — the recorded PID of NAME if that process is alive and
# still runs EXE (a stale file after a reboot may name someone else's PID)
our_pid() {
    local file pid
    file=$(pid_file "$1")
    [[ -s $file ]] || return 1
    pid=$(<"$file")
    [[ $pid =~ ^[0-9]+$ ]] && runs "$pid" "$2" || return 1
    echo "$pid"
}

# port_open PORT — something accepts connections on 127.0.0.1:PORT
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_owner PORT — "name (pid N)" of the listener, when ss can tell
port_owner() {
    command -v ss >/dev/null || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null |
        sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n 1
}

# require_free_port PORT VARIABLE SERVICE — stop unless nothing listens there
require_free_port() {
    port_open "$1" || return 0
    local owner
    owner=$(port_owner "$1")
    local other=$(( $1 + 10000 ))
    (( other <= 65535 )) || other=$(( $1 - 10000 ))
    die "port $1 on 127.0.0.1 is taken by ${owner:-another program}, not by this demo's $3" \
        "Pick a free port for the demo's $3, e.g.:  $2=$other make demo" \
        "(use the same $2 for every make demo afterwards)"
}

# wait_port PORT SECONDS PID — wait until PORT answers; false if PID died
wait_port() {
    local deadline=$(( SECONDS + $2 ))
    until port_open "$1"; do
        alive "$3" || return 1
        (( SECONDS < deadline )) || return 1
        sleep 0.2
    done
}

# stop_pid NAME EXE — SIGTERM the recorded process, SIGKILL after 15 s;
# prints the PID it stopped, false if it was not running
stop_pid() {
    local pid i
    if ! pid=$(our_pid "$1" "$2"); then
        rm -f "$(pid_file "$1")"
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < 150; i++ )); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$(pid_file "$1")"
    echo "$pid"
}

# ---- PostgreSQL client ------------------------------------------------------
# psql as the postgres database user over the demo's own socket.  Trust auth
# (see up); the client may run as root, only the server may not.
shop_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
        -U postgres -d "$SHOP_DB" "$@"
}
