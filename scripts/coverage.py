#!/usr/bin/env python3
"""Line and branch coverage of a -Db_coverage=true build, per directory,
checked against the floor kept in the repository.

    scripts/coverage.py BUILD [--floor FILE] [--html DIR] [--files]
                              [--summary JSON]

Runs gcovr (Debian's gcovr 5.2) over BUILD's .gcda files, writes the HTML
report (one page per source file, branches marked) to DIR (default
BUILD/coverage/) with the JSON summary beside it (summary.json), prints
lines and branches per directory (gst, nn, tools) and, with --files, per
file, weakest branch coverage first. With --floor, exits 1 when the line
or branch coverage of a directory named in FILE is below its floor.
--summary reads an existing gcovr JSON summary instead of running gcovr.

What is measured: our sources only (not tests/, bench/, fuzz/, generated
protobuf code or anything in a build folder), each function once: a
-Db_coverage=true build compiles no target_clones second body (the one the
machine does not pick) and no forced-inline copy per call site (whose
constant arguments fix its branches), see meson.build. Branches on lines that call
GStreamer's and GLib's logging, precondition and assertion macros
(GST_DEBUG, GST_WARNING_OBJECT, GST_ELEMENT_ERROR, g_return_if_fail, ...)
and their one-time initialisation macros (g_once_init_enter,
G_DEFINE_TYPE, GST_DEBUG_CATEGORY_INIT, GST_ELEMENT_REGISTER_DEFINE) are
not counted: the macros expand to branches on whether a debug level is
enabled, whether a message text was given or whether another thread
initialised first, which say nothing about what our code does; whether
the line runs at all still counts in line coverage and in the branch that
leads to it. --issue-pattern counts them as the first version of this
check did (the debug-log macros only), for comparison.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# gcovr takes a filter that does not start with "/" as relative to the
# working directory: these are absolute.
EXCLUDE = [re.escape(TOP) + r"/(tests|bench|fuzz|build)/", r"/.*\.pb-c\.[ch]$"]
# The macros whose own branches are not ours (see the docstring), and the
# narrower first pattern (debug-log, precondition and assertion macros).
ISSUE_PATTERN = (
    r".*\b(GST_(LOG|DEBUG|INFO|WARNING|ERROR|TRACE|FIXME|MEMDUMP|CAT_[A-Z]+)"
    r"(_OBJECT)?|g_return_(val_)?if_fail|g_assert[a-z_]*|g_debug|g_warning"
    r"|g_critical)\s*\(.*")
LOG_MACROS = (
    r".*\b(GST_(LOG|DEBUG|INFO|WARNING|ERROR|TRACE|FIXME|MEMDUMP"
    r"|CAT_[A-Z]+|ELEMENT_(ERROR|WARNING|INFO))(_OBJECT)?"
    r"|g_return_(val_)?if_fail|g_assert[a-z_]*|g_debug|g_warning"
    r"|g_critical"
    r"|g_once_init_enter|G_DEFINE_TYPE[A-Z_]*|GST_DEBUG_CATEGORY_INIT"
    r"|GST_ELEMENT_REGISTER_DEFINE[A-Z_]*)\s*\(.*")
DIRS = ["gst", "nn", "tools"]


def run_gcovr(build, html_dir, summary, pattern):
    os.makedirs(html_dir, exist_ok=True)
    cmd = ["gcovr", "-j", str(os.cpu_count() or 1), "-r", TOP, build,
           "--exclude-unreachable-branches",
           "--exclude-branches-by-pattern", pattern,
           "--json-summary", summary,
           "--html-details", os.path.join(html_dir, "index.html"),
           "--html-title", "edgeclassify coverage"]
    for e in EXCLUDE:
        cmd += ["--exclude", e]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("gcovr failed:\n" + p.stdout + p.stderr)


def read_floor(path):
    """{(dir, 'lines'|'branches'): percent} from "dir kind percent" lines."""
    floor = {}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            words = raw.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 3 or words[1] not in ("lines", "branches"):
                sys.exit("%s:%d: expected 'DIR lines|branches PERCENT'"
                         % (path, n))
            floor[(words[0], words[1])] = float(words[2])
    return floor


def percent(covered, total):
    return 100.0 * covered / total if total else 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="a build folder configured with "
                    "-Db_coverage=true whose tests have run")
    ap.add_argument("--floor", help="fail below the floors in this file")
    ap.add_argument("--html", help="folder of the HTML report "
                    "(default BUILD/coverage)")
    ap.add_argument("--files", action="store_true",
                    help="also list every file, weakest branches first")
    ap.add_argument("--summary", help="read this gcovr JSON summary "
                    "instead of running gcovr")
    ap.add_argument("--issue-pattern", action="store_true",
                    help="count the branches of the one-time "
                    "initialisation and GST_ELEMENT_* macros too")
    a = ap.parse_args()

    if a.summary:
        summary = a.summary
    else:
        html = a.html or os.path.join(a.build, "coverage")
        summary = os.path.join(html, "summary.json")
        run_gcovr(a.build, html, summary,
                  ISSUE_PATTERN if a.issue_pattern else LOG_MACROS)
        print("coverage report: %s" % os.path.join(html, "index.html"))
    with open(summary, encoding="utf-8") as f:
        files = json.load(f)["files"]

    per_dir = collections.defaultdict(lambda: [0, 0, 0, 0])
    for f in files:
        top = f["filename"].split("/", 1)[0]
        d = per_dir[top]
        d[0] += f["line_covered"]
        d[1] += f["line_total"]
        d[2] += f["branch_covered"]
        d[3] += f["branch_total"]

    print("%-6s %18s %18s" % ("", "lines", "branches"))
    measured = {}
    for top in DIRS + sorted(set(per_dir) - set(DIRS)):
        if top not in per_dir:
            continue
        lc, lt, bc, bt = per_dir[top]
        measured[(top, "lines")] = percent(lc, lt)
        measured[(top, "branches")] = percent(bc, bt)
        print("%-6s %6.1f%% %5d/%-5d %6.1f%% %5d/%-5d"
              % (top, percent(lc, lt), lc, lt, percent(bc, bt), bc, bt))

    if a.files:
        print()
        for f in sorted(files, key=lambda f: (
                percent(f["branch_covered"], f["branch_total"]),
                f["filename"])):
            if not f["line_total"]:
                continue
            print("%-36s lines %5.1f%% %4d/%-4d  branches %5.1f%% %4d/%-4d"
                  % (f["filename"],
                     percent(f["line_covered"], f["line_total"]),
                     f["line_covered"], f["line_total"],
                     percent(f["branch_covered"], f["branch_total"]),
                     f["branch_covered"], f["branch_total"]))

    sys.stdout.flush()
    if not a.floor:
        return 0
    failed = 0
    for (top, kind), want in sorted(read_floor(a.floor).items()):
        got = measured.get((top, kind))
        if got is None:
            print("FAIL: no %s coverage measured for %s/" % (kind, top))
            failed += 1
        elif round(got, 1) < want:
            print("FAIL: %s/ %s coverage %.1f%% is below its floor %.1f%% "
                  "(%s)" % (top, kind, got, want, a.floor))
            failed += 1
        elif round(got, 1) >= want + 1.0:
            print("note: %s/ %s coverage %.1f%% is above its floor %.1f%%: "
                  "raise the floor" % (top, kind, got, want))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
