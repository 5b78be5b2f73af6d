#!/usr/bin/env python3
"""sanitizer_reports.py — the AddressSanitizer / UndefinedBehaviorSanitizer
reports of a test/memcheck suite.

    sanitizer_reports.py PATH...           one line: "N (M with a frame in daily_sales_report.so)"
    sanitizer_reports.py --print PATH...   every distinct report, with how many times it came

A PATH is a directory of ASan logs (log_path writes asan.<pid>, one file per
process) or a server log: UBSan, built into the library together with ASan,
ignores log_path and writes to the server's stderr, where only its reports
("...: runtime error: ..." and the stack under it) are read.

A report with a frame in daily_sales_report.so (or a source file of one of the
folders of src/) is ours.  Identical reports from several processes (same
message, same frames) are printed once.
"""

import os
import re
import sys

LIBRARY = "daily_sales_report.so"
START = re.compile(r"ERROR: \w*Sanitizer|runtime error:|^==\d+==WARNING: \w*Sanitizer")
END = re.compile(r"^SUMMARY: ")
FRAME = re.compile(r"^\s*#\d+ ")
# the folders of src/, read from the tree (not "src/<any>/": PostgreSQL's own
# sources have src/include/, src/backend/...)
_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
_FOLDERS = sorted(d for d in os.listdir(_SRC) if os.path.isdir(os.path.join(_SRC, d))) if os.path.isdir(_SRC) else []
OUR_SOURCE = re.compile(r"(^|[\s/])src/(%s)/[\w.-]+\.(cpp|h)\b" % "|".join(map(re.escape, _FOLDERS or ["core"])))


SEPARATOR = re.compile(r"^=+$")


def server_log_reports(path):
    """UBSan reports in a server log: the "runtime error" line and the frames under it."""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    reports, current = [], None
    for line in lines:
        if "runtime error:" in line or re.search(r"ERROR: \w*Sanitizer", line):
            current = [line]
            reports.append(current)
        elif current is not None and (FRAME.match(line) or line.startswith("SUMMARY: ")):
            current.append(line)
        else:
            current = None
    return reports


def reports_of(path):
    """The reports (lists of lines) of one sanitizer log file."""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    reports, current = [], None
    for line in lines:
        if SEPARATOR.match(line):
            continue
        if START.search(line):
            if current:
                reports.append(current)
            current = [line]
        elif current is not None:
            current.append(line)
            if END.match(line):
                reports.append(current)
                current = None
        elif reports:
            # after ASan's SUMMARY: the shadow bytes around the address, part of its report
            reports[-1].append(line)
        elif line.strip():
            # text before any report (should not happen): kept as a report of its own
            reports.append([line])
    if current:
        reports.append(current)
    return reports


def is_ours(report):
    for line in report:
        if LIBRARY in line:
            return True
        if (FRAME.match(line) or "runtime error:" in line) and OUR_SOURCE.search(line):
            return True
    return False


def key(report):
    """What identifies a report across processes: no pids, addresses or thread ids."""
    out = []
    for line in report:
        line = re.sub(r"==\d+==", "", line)
        line = re.sub(r"0x[0-9a-f]+", "0x", line)
        line = re.sub(r"\bT\d+\b", "T", line)
        if FRAME.match(line) or "runtime error" in line or "ERROR:" in line or line.startswith("SUMMARY"):
            out.append(line.strip())
    return "\n".join(out)


def collect(paths):
    distinct = {}   # key -> [report, count, file]

    def add(reports, name):
        for report in reports:
            k = key(report)
            if k in distinct:
                distinct[k][1] += 1
            else:
                distinct[k] = [report, 1, name]

    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                if os.path.isfile(os.path.join(path, name)):
                    add(reports_of(os.path.join(path, name)), name)
        elif os.path.isfile(path):
            add(server_log_reports(path), path)
    return list(distinct.values())


def main(argv):
    printing = len(argv) > 1 and argv[1] == "--print"
    found = collect(argv[2:] if printing else argv[1:])
    total = sum(count for _, count, _ in found)
    ours = sum(count for report, count, _ in found if is_ours(report))
    if not printing:
        print("%d (%d with a frame in %s)" % (total, ours, LIBRARY))
        return 0
    for number, (report, count, name) in enumerate(found, 1):
        print("---- sanitizer report %d of %d (%s, %d time(s), first in %s) ----"
              % (number, len(found), "OURS: a frame in " + LIBRARY if is_ours(report)
                 else "not in " + LIBRARY, count, name))
        print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
