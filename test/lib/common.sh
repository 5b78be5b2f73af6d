# test/lib/common.sh — shell helpers of test/run_all (sourced, bash only).

# Packages the test suite needs (Debian 12 names).
DSR_TEST_PACKAGES=(
    build-essential g++ make pkg-config
    postgresql-15 postgresql-server-dev-15 postgresql-15-cron
    libcurl4-openssl-dev libhpdf-dev fonts-dejavu-core
    prometheus-pushgateway prometheus poppler-utils libgtest-dev
    python3 curl jq
)

say() { printf '==> %s\n' "$*"; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }

# Packages of "$@" that dpkg does not report as installed.
missing_packages() {
    local package status
    for package in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || printf '%s\n' "$package"
    done
}

# apt-get install "$@" without letting Debian start services: a temporary
# /usr/sbin/policy-rc.d that exits 101, the original (if any) restored after.
POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_BACKUP=
POLICY_RC_INSTALLED=

policy_rc_install() {
    local backup_dir=$1
    if [[ -e $POLICY_RC || -L $POLICY_RC ]]; then
        POLICY_RC_BACKUP=$backup_dir/policy-rc.d.orig
        cp -a "$POLICY_RC" "$POLICY_RC_BACKUP"
    fi
    printf '#!/bin/sh\n# test/run_all: no service starts during the install\nexit 101\n' >"$POLICY_RC"
    chmod 755 "$POLICY_RC"
    POLICY_RC_INSTALLED=1
}

policy_rc_restore() {
    [[ -n $POLICY_RC_INSTALLED ]] || return 0
    if [[ -n $POLICY_RC_BACKUP ]]; then
        cp -a "$POLICY_RC_BACKUP" "$POLICY_RC" && rm -f "$POLICY_RC_BACKUP"
    else
        rm -f "$POLICY_RC"
    fi
    POLICY_RC_INSTALLED=
    POLICY_RC_BACKUP=
}

apt_install() {
    local backup_dir=$1
    shift
    if [[ $(id -u) -ne 0 ]]; then
        warn "not root: cannot install $*"
        return 1
    fi
    local rc=0
    policy_rc_install "$backup_dir"
    export DEBIAN_FRONTEND=noninteractive
    {
        apt-get update -q &&
        apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
    } </dev/null || rc=$?
    policy_rc_restore
    return $rc
}

# Counters of test/run_all.
declare -a SUITE_NAMES=()
declare -A SUITE_PASSED=() SUITE_FAILED=()

record_suite() {   # name passed failed
    SUITE_NAMES+=("$1")
    SUITE_PASSED[$1]=$2
    SUITE_FAILED[$1]=$3
    say "$1: $2 passed, $3 failed"
}

# Counts of a GoogleTest log: "passed failed" (0 0 if none found).
count_gtest() {
    local log=$1 passed failed
    passed=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) tests\{0,1\}\..*/\1/p' "$log" | tail -n1)
    failed=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) tests\{0,1\},.*/\1/p' "$log" | tail -n1)
    echo "${passed:-0} ${failed:-0}"
}

# Counts of a pg_regress log: "passed failed".  PostgreSQL 15 prints
# "test name ... ok 12 ms" (or "     name ... FAILED" in parallel groups);
# 16+ print TAP "ok 1 - name 12 ms" / "not ok 2 - name".
count_pg_regress() {
    local log=$1
    awk '
        /^[[:space:]]*(test[[:space:]]+)?[^[:space:]]+[[:space:]]+\.\.\.[[:space:]]+ok([[:space:]]|$)/ { p++; next }
        /^[[:space:]]*(test[[:space:]]+)?[^[:space:]]+[[:space:]]+\.\.\.[[:space:]]+(FAILED|failed)/ { f++; next }
        /^not ok [0-9]+/ { f++; next }
        /^ok [0-9]+/ { p++; next }
        END { printf "%d %d\n", p, f }
    ' "$log"
}

# Counts of a "python3 -m unittest -v" log: "passed failed".
count_unittest() {
    local log=$1
    awk '
        /^Ran [0-9]+ tests? in / { ran = $2; seen = 1 }
        /^(FAILED|OK)( \(|$)/ {
            line = $0
            while (match(line, /(failures|errors|skipped|expected failures|unexpected successes)=[0-9]+/)) {
                item = substr(line, RSTART, RLENGTH)
                split(item, kv, "=")
                n[kv[1]] = kv[2] + 0
                line = substr(line, RSTART + RLENGTH)
            }
        }
        END {
            if (!seen) { print "0 0"; exit }
            failed = n["failures"] + n["errors"] + n["unexpected successes"]
            passed = ran - n["failures"] - n["errors"] - n["skipped"] - n["unexpected successes"]
            if (passed < 0) passed = 0
            printf "%d %d\n", passed, failed
        }
    ' "$log"
}
