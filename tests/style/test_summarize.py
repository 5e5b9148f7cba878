#!/usr/bin/env python3
"""scripts/summarize-tests.py: the closing line CI reads, and the minimum
test count per suite that stops a vanished test from passing quietly."""
import json
import os
import subprocess
import sys
import tempfile

script = sys.argv[1]


def log(path, entries):
    with open(path, "w") as f:
        for name, result in entries:
            f.write(json.dumps({"name": name, "result": result}) + "\n")


def summarize(*args):
    p = subprocess.run([sys.executable, script, *args], capture_output=True,
                       text=True)
    return p.returncode, p.stdout.strip(), p.stderr


with tempfile.TemporaryDirectory() as d:
    main = os.path.join(d, "testlog.json")
    log(main, [("edgeclassify:nn / a", "OK"), ("edgeclassify:nn / b", "OK"),
               ("edgeclassify:gst+gst-check / c", "OK"),
               ("edgeclassify:gst / d", "SKIP")])
    counts = os.path.join(d, "min.txt")
    with open(counts, "w") as f:
        f.write("# comment\nnn 2\ngst 2\ngst-check 1\n")

    rc, out, _ = summarize("--min-counts", counts, main, main)
    assert (rc, out) == (0, "3 passed, 0 failed, 1 skipped"), (rc, out)

    with open(counts, "a") as f:
        f.write("nn 3\n")  # a later line for the same suite wins
    rc, out, err = summarize("--min-counts", counts, main, main)
    assert rc == 1 and out == "3 passed, 1 failed, 1 skipped", (rc, out)
    assert "suite nn: 2 tests ran, at least 3 expected" in err, err

    failing = os.path.join(d, "fail.json")
    log(failing, [("edgeclassify:nn / a", "FAIL"),
                  ("edgeclassify:nn / b", "TIMEOUT")])
    rc, out, _ = summarize(failing)
    # Each failure is named above the closing line, which stays last.
    assert rc == 1 and out.splitlines() == [
        "failed: edgeclassify:nn / a (FAIL, fail.json)",
        "failed: edgeclassify:nn / b (TIMEOUT, fail.json)",
        "0 passed, 2 failed"], (rc, out)

    rc, out, _ = summarize(os.path.join(d, "missing.json"))
    assert (rc, out) == (1, "0 passed, 1 failed"), (rc, out)
print("ok")
