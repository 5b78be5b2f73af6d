# test/lib/common.sh — shell helpers of test/run_all (sourced, bash only).

say() { printf '==> %s\n' "$*"; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }

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
