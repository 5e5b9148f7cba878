#!/usr/bin/env python3
"""Prints "N passed, N failed[, N skipped]" over the given Meson JSON test
logs (meson-logs/*.json), each failed test named on a line above it; exits
1 when anything failed or nothing ran.

--min-counts FILE LOG: each suite named in FILE ("suite count" lines) must
have at least that many tests in LOG (a vanished test counts as a failure
here)."""
import collections
import json
import os
import sys

args = sys.argv[1:]
minimums = None
if len(args) >= 3 and args[0] == "--min-counts":
    minimums = (args[1], args[2])
    args = args[3:]

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}

passed = failed = skipped = 0
failed_names = []
for log in args:
    if not os.path.exists(log):
        print(f"{log}: no test log", file=sys.stderr)
        failed += 1
        continue
    with open(log, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            result = entry.get("result")
            if result in PASS:
                passed += 1
            elif result in SKIP:
                skipped += 1
            else:
                failed += 1
                failed_names.append(f"{entry.get('name')} "
                                    f"({result}, {os.path.basename(log)})")
if minimums:
    want = {}
    with open(minimums[0], encoding="utf-8") as f:
        for raw in f:
            raw = raw.split("#", 1)[0].split()
            if len(raw) == 2:
                want[raw[0]] = int(raw[1])
    have = collections.Counter()
    if os.path.exists(minimums[1]):
        with open(minimums[1], encoding="utf-8") as f:
            for raw in f:
                if raw.strip():
                    name = json.loads(raw)["name"]
                    # "project:suite1+suite2 / test"
                    for suite in name.split(" / ")[0].split(":", 1)[-1].split("+"):
                        have[suite] += 1
    for suite, n in sorted(want.items()):
        if have[suite] < n:
            print(f"suite {suite}: {have[suite]} tests ran, at least {n} "
                  f"expected (tests/min-counts.txt)", file=sys.stderr)
            failed += 1

# Named on standard output just above the summary, so that a CI page which
# shows only the tail of the run still says which test failed.
for name in failed_names:
    print(f"failed: {name}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
