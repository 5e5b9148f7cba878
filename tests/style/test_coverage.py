#!/usr/bin/env python3
"""scripts/coverage.py: the sums per directory CI prints, and the floor
that fails the run when coverage drops."""
import json
import os
import subprocess
import sys
import tempfile

script, floor_file = sys.argv[1], sys.argv[2]


def summary(path, files):
    with open(path, "w") as f:
        json.dump({"files": [
            {"filename": name, "line_covered": lc, "line_total": lt,
             "branch_covered": bc, "branch_total": bt}
            for name, lc, lt, bc, bt in files]}, f)


def coverage(*args):
    p = subprocess.run([sys.executable, script, "build", *args],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as d:
    js = os.path.join(d, "summary.json")
    summary(js, [("gst/a.c", 90, 100, 30, 40), ("gst/b.c", 10, 100, 10, 60),
                 ("nn/c.c", 50, 50, 0, 0), ("tools/d.c", 1, 4, 1, 2)])
    floor = os.path.join(d, "floor.txt")
    with open(floor, "w") as f:
        f.write("# comment\ngst lines 50.0\ngst branches 40.0\n"
                "nn lines 100\nnn branches 100\n")

    rc, out, _ = coverage("--summary", js, "--floor", floor)
    assert rc == 0, out
    # gst: 100 of 200 lines, 40 of 100 branches, summed over its files
    assert "gst      50.0%   100/200     40.0%    40/100" in out, out
    assert "tools    25.0%     1/4       50.0%     1/2" in out, out

    with open(floor, "a") as f:
        f.write("gst branches 40.1\n")  # a later line wins
    rc, out, _ = coverage("--summary", js, "--floor", floor)
    assert rc == 1, out
    assert "FAIL: gst/ branches coverage 40.0% is below its floor 40.1%" \
        in out, out

    with open(floor, "a") as f:
        f.write("gst branches 30\nkernels lines 10\n")
    rc, out, _ = coverage("--summary", js, "--floor", floor)
    assert rc == 1 and "no lines coverage measured for kernels/" in out, out
    assert "gst/ branches coverage 40.0% is above its floor 30.0%" in out, out

    with open(floor, "w") as f:
        f.write("gst 50\n")
    rc, out, err = coverage("--summary", js, "--floor", floor)
    assert rc == 1 and "expected 'DIR lines|branches PERCENT'" in err, err

    rc, out, _ = coverage("--summary", js, "--files")
    order = [line.split()[0] for line in out.splitlines()
             if line.startswith(("gst/", "nn/", "tools/"))]
    assert order == ["gst/b.c", "tools/d.c", "gst/a.c", "nn/c.c"], order

# The floor kept in the repository names gst/ and nn/, lines and branches,
# at sane values.
with open(floor_file) as f:
    kept = [l.split() for l in f if l.split() and not l.startswith("#")]
assert sorted((d, k) for d, k, _ in kept) == [
    ("gst", "branches"), ("gst", "lines"), ("nn", "branches"),
    ("nn", "lines")], kept
assert all(0 < float(p) <= 100 for _, _, p in kept), kept
print("ok")
