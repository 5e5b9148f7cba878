#!/usr/bin/env python3
"""The onnx reproducers' cost: the work estimate and the work done.

    check_cost.py ONNX_COST VALGRIND FILE|DIR...

The replay (suite 'fuzz') shows a reproducer no longer crashes; it cannot
show that one which was slow stays cheap. The slow ones were slow because
the work estimate the fuzz target uses to skip costly models
(nn_model_flops) counted a pool as one operation per output, and because
the pool kernels visited every tap of a SAME-padded window, even those in
the padding. Either regression would pass the replay, only slower. Here,
for every reproducer:

  - the estimate must equal an independent one, computed here from the
    ONNX file with the onnx package, for every graph that is a single
    MaxPool or AveragePool over a graph input (what the slow inputs are):
    outputs times the window, each axis of the window clipped to the input;
  - the instructions the target executes on it (valgrind's cachegrind
    counts them; the same on any machine, however busy) must stay within
    BASE + PER_FLOP times the estimate of the models the target ran. The
    bound is loose (a debug build with coverage counters costs about 35
    instructions per estimated operation): it catches work that grows by
    orders of magnitude, like a window walked tap by tap through millions
    of padding taps, not a slower build.

ONNX_COST is fuzz/cost.c built with the target: it prints, for each load
that succeeds, the estimate and whether the target ran the model.
"""

import os
import re
import subprocess
import sys

import onnx

BASE = 50e6      # instructions: start-up, parsing and planning
PER_FLOP = 100   # instructions per estimated operation of a model run

LINE = re.compile(r"^(\S+) (\S+) flops=(\d+) session_bytes=(\d+) ran=([01])$")


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                full = os.path.join(p, name)
                if os.path.isfile(full) and not name.startswith("."):
                    yield full
        else:
            yield p


def pool_estimate(path):
    """The estimate for a graph of one pooling node over a graph input, or
    None for any other graph (or a file onnx cannot read)."""
    try:
        model = onnx.load(path)
    except Exception:
        return None
    g = model.graph
    if len(g.node) != 1 or g.node[0].op_type not in ("MaxPool",
                                                     "AveragePool"):
        return None
    node = g.node[0]
    inputs = {i.name: i for i in g.input}
    if not node.input or node.input[0] not in inputs:
        return None
    dims = [d.dim_value for d in
            inputs[node.input[0]].type.tensor_type.shape.dim]
    # attributes by name; the fuzzer leaves some without their type field
    attr = {a.name: a for a in node.attribute}
    kernel = list(attr["kernel_shape"].ints)
    spatial = dims[2:]
    if len(kernel) != len(spatial) or any(d <= 0 for d in dims):
        return None
    strides = list(attr["strides"].ints) if "strides" in attr \
        else [1] * len(kernel)
    auto_pad = attr["auto_pad"].s.decode() if "auto_pad" in attr \
        else "NOTSET"
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = [-(-i // s) for i, s in zip(spatial, strides)]
    else:
        return None  # not what the reproducers hold
    outputs = dims[0] * dims[1]
    for o in out:
        outputs *= o
    window = 1
    for k, i in zip(kernel, spatial):
        window *= min(k, i)
    return outputs * window


def instructions(valgrind, cost, path):
    p = subprocess.run(
        [valgrind, "--tool=cachegrind", "--cache-sim=no",
         "--cachegrind-out-file=/dev/null", cost, path],
        capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s: onnx-cost failed under valgrind:\n%s%s"
                 % (path, p.stdout, p.stderr[-3000:]))
    m = re.search(r"I\s+refs:\s+([\d,]+)", p.stderr)
    if not m:
        sys.exit("%s: no instruction count from valgrind:\n%s"
                 % (path, p.stderr[-3000:]))
    lines = []
    for raw in p.stdout.splitlines():
        lm = LINE.match(raw)
        if lm:
            lines.append((lm.group(2), int(lm.group(3)), int(lm.group(5))))
    return int(m.group(1).replace(",", "")), lines


def main():
    cost, valgrind, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    failed = checked = replayed = 0
    for path in files_of(paths):
        name = os.path.basename(path)
        count, loads = instructions(valgrind, cost, path)
        replayed += 1
        ran = sum(flops for _, flops, r in loads if r)
        bound = BASE + PER_FLOP * ran
        want = pool_estimate(path)
        verdict = []
        for mode, flops, r in loads:
            if want is not None:
                checked += 1
                if flops != want:
                    verdict.append("%s: estimate %d, expected %d"
                                   % (mode, flops, want))
        if count > bound:
            verdict.append("%d instructions, more than %d for an estimate "
                           "of %d run" % (count, bound, ran))
        print("%-52s %s, %d instructions (bound %d)%s %s" % (
            name, ", ".join("%s estimate %d%s" % (m, f, " ran" if r else
                                                   " skipped")
                            for m, f, r in loads) or "does not load",
            count, bound, "" if want is None else ", estimate checked",
            "FAIL: " + "; ".join(verdict) if verdict else "ok"))
        failed += bool(verdict)
    if replayed == 0 or checked == 0:
        print("FAIL: %d inputs, %d estimates checked" % (replayed, checked))
        return 1
    print("%d inputs, %d estimates checked, %d failed"
          % (replayed, checked, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
