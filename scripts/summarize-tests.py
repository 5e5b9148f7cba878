#!/usr/bin/env python3
"""Prints "N passed, N failed[, N skipped]" over the given Meson JSON test
logs (meson-logs/*.json); exits 1 when anything failed or nothing ran."""
import json
import os
import sys

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}

passed = failed = skipped = 0
for log in sys.argv[1:]:
    if not os.path.exists(log):
        print(f"{log}: no test log", file=sys.stderr)
        failed += 1
        continue
    with open(log, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result")
            if result in PASS:
                passed += 1
            elif result in SKIP:
                skipped += 1
            else:
                failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
