#!/usr/bin/env python3
"""Command-line tests of edgenn-run.

Usage: test_edgenn_run.py EDGENN_RUN TINY_CNN_ONNX CASE
       test_edgenn_run.py --list

TINY_CNN_ONNX is the fixture from tests/data/make_fixtures.py; its _x.npy and
_y.npy siblings hold an input and the NumPy-computed output. Positive cases
check what the tool prints and writes; negative cases check that every bad
input ends with status 1 and one "edgenn-run: ..." line on stderr, never a
signal.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Ctx:
    def __init__(self, tool, model, tmp):
        self.tool = tool
        self.model = model
        stem = os.path.splitext(model)[0]
        self.x = stem + "_x.npy"
        self.y = np.load(stem + "_y.npy")
        self.tmp = tmp

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, *args):
        r = subprocess.run([self.tool, *args], capture_output=True,
                           text=True, timeout=120)
        if r.returncode < 0:
            sys.exit("FAIL: edgenn-run died with signal %d\nstderr: %s"
                     % (-r.returncode, r.stderr))
        return r

    def ok(self, *args):
        r = self.run(*args)
        if r.returncode != 0:
            sys.exit("FAIL: %s exited %d\nstdout: %s\nstderr: %s"
                     % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def bad(self, needle, *args):
        """The command must fail cleanly with `needle` in its message."""
        r = self.run(*args)
        lines = r.stderr.splitlines()
        print("stderr:", r.stderr.strip())
        check(r.returncode == 1, "exit status %d, expected 1" % r.returncode)
        check(len(lines) == 1, "stderr has %d lines, expected 1" % len(lines))
        check(lines[0].startswith("edgenn-run: "),
              "stderr does not start with 'edgenn-run: '")
        check(needle.lower() in lines[0].lower(),
              "message lacks %r" % needle)

    def npy(self, name, header, data=b"", version=1, magic=b"\x93NUMPY"):
        """Hand-made .npy file, so malformed ones can be written too."""
        h = header.encode("latin1")
        if version == 1:
            pre = magic + bytes([1, 0]) + struct.pack("<H", len(h))
        else:
            pre = magic + bytes([version, 0]) + struct.pack("<I", len(h))
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(pre + h + data)
        return path


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


def f4_header(shape, descr="<f4", fortran="False"):
    return ("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }\n"
            % (descr, fortran, shape))


def last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


# ---- positive ----

@case
def describe(c):
    out = c.ok(c.model, "--runs", "1", "--warmup", "0").stdout
    print(out)
    for needle in ["input", "[1, 1, 8, 8]", "probs", "[1, 5]", "Conv",
                   "MaxPool", "Gemm", "Softmax", "GFLOPs", "latency",
                   "median", "p90", "p99", "min", "mean", "top-5"]:
        check(needle in out, "description lacks %r" % needle)


@case
def run_npy(c):
    y = c.path("y.npy")
    out = c.ok(c.model, "--input", c.x, "--output", y, "--runs", "3",
               "--json").stdout
    got = np.load(y)
    check(got.dtype == np.float32 and got.shape == c.y.shape,
          "output is %s %s" % (got.dtype, got.shape))
    err = np.abs(got - c.y).max()
    print("max abs error vs NumPy:", err)
    check(err <= 1e-5, "output differs from the NumPy oracle by %g" % err)
    j = last_json(out)
    want = list(np.argsort(-c.y[0], kind="stable")[:5])
    check([t[0] for t in j["top5"]] == want,
          "top5 %s, expected indices %s" % (j["top5"], want))
    for i, v in j["top5"]:
        check(abs(v - float(got[0, i])) <= 1e-6, "top5 value mismatch")


@case
def json_fields(c):
    y = c.path("y.npy")
    r = c.ok(c.model, "--runs", "7", "--warmup", "1", "--threads", "2",
             "--json", "--output", y)
    j = last_json(r.stdout)
    print(j)
    for key in ["model", "runs", "threads", "batch", "median_us", "p90_us",
                "p99_us", "min_us", "mean_us", "gflops", "top5"]:
        check(key in j, "JSON lacks %r" % key)
    check(j["model"] == c.model, "model %r" % j["model"])
    check((j["runs"], j["threads"], j["batch"]) == (7, 2, 1),
          "runs/threads/batch %s" % [j["runs"], j["threads"], j["batch"]])
    check(0 < j["min_us"] <= j["median_us"] <= j["p90_us"] <= j["p99_us"],
          "latencies out of order")
    check(j["min_us"] <= j["mean_us"], "mean below min")
    # Conv 2*4*9*64 + Gemm 2*64*5 flops, give or take bias and activations.
    check(4e-6 < j["gflops"] < 2e-5, "gflops %g" % j["gflops"])
    got = np.load(y)[0]
    vals = [v for _, v in j["top5"]]
    check(len(j["top5"]) == 5 and vals == sorted(vals, reverse=True),
          "top5 %s" % j["top5"])
    check(all(abs(got[i] - v) <= 1e-6 for i, v in j["top5"]),
          "top5 does not match the written output")


@case
def json_only(c):
    """With --json, stdout is one JSON document and nothing else, and a
    failure still ends with its one stderr line."""
    y = c.path("y.npy")
    r = c.ok(c.model, "--input", c.x, "--output", y, "--runs", "2",
             "--json")
    print("stdout:", r.stdout)
    try:
        j = json.loads(r.stdout)
    except ValueError as e:
        sys.exit("FAIL: stdout is not one JSON document: %s" % e)
    check(isinstance(j, dict) and j["runs"] == 2, "JSON %r" % j)
    check(r.stdout.count("\n") == 1, "stdout has more than the JSON line")
    c.bad("shape", c.model, "--input", c.npy("bad.npy", f4_header("(3,)"),
                                             b"\0" * 12), "--json")


@case
def random_is_seeded(c):
    a, b = c.path("a.npy"), c.path("b.npy")
    c.ok(c.model, "--runs", "1", "--output", a)
    c.ok(c.model, "--runs", "1", "--output", b)
    check(np.array_equal(np.load(a), np.load(b)),
          "two runs on random data differ")


@case
def batch(c):
    y = c.path("y.npy")
    j = last_json(c.ok(c.model, "--batch", "3", "--runs", "2", "--json",
                       "--output", y).stdout)
    got = np.load(y)
    check(got.shape == (3, 5), "batch 3 output shape %s" % (got.shape,))
    check(np.allclose(got.sum(axis=1), 1, atol=1e-5), "softmax rows")
    check(j["batch"] == 3, "JSON batch %s" % j["batch"])


@case
def reference_kernels(c):
    y = c.path("y.npy")
    c.ok(c.model, "--reference", "--input", c.x, "--output", y, "--runs",
         "1")
    err = np.abs(np.load(y) - c.y).max()
    print("reference kernels, max abs error:", err)
    check(err <= 1e-5, "reference output differs by %g" % err)


@case
def threads(c):
    y = c.path("y.npy")
    c.ok(c.model, "--threads=2", "--input=" + c.x, "--output=" + y,
         "--runs=2")
    err = np.abs(np.load(y) - c.y).max()
    print("2 threads, max abs error:", err)
    check(err <= 1e-5, "threaded output differs by %g" % err)


@case
def profile(c):
    """--profile: per node and per operator, times that add up to the
    measured run, shares, FLOPs that add up to the model's; the output is
    that of a plain run."""
    y, y_plain = c.path("y.npy"), c.path("plain.npy")
    j = last_json(c.ok(c.model, "--input", c.x, "--output", y, "--runs",
                       "30", "--profile", "--json").stdout)
    c.ok(c.model, "--input", c.x, "--output", y_plain, "--runs", "1")
    check(np.array_equal(np.load(y), np.load(y_plain)),
          "a profiled run gives another output")
    p = j.get("profile")
    check(isinstance(p, dict), "JSON lacks 'profile': %r" % j)
    print(json.dumps(p, indent=1))
    check(p["runs"] == 30, "profile runs %s" % p["runs"])
    nodes, ops = p["nodes"], p["ops"]
    names = [n["op"] for n in nodes]
    for op in ["Conv", "MaxPool", "Gemm", "Softmax"]:
        check(op in names, "no %s step in %s" % (op, names))
    # The fixture's Relu runs inside its Conv: one step, named so.
    check(any(n["op"] == "Conv" and n["fused"] == "Relu" for n in nodes),
          "the Conv step does not say it computes the Relu")
    check("Relu" not in names, "the fused Relu is a step of its own")
    steps = sum(n["us"] for n in nodes)
    check(abs(steps - p["steps_us"]) <= 1e-3 * max(steps, 1),
          "steps_us %g, nodes add up to %g" % (p["steps_us"], steps))
    # The steps add up to the run: timed on a batch of 64, since a run of
    # this fixture at batch 1 lasts half a microsecond, about ten times
    # the clock reads between its steps.
    big = last_json(c.ok(c.model, "--batch", "64", "--runs", "30",
                         "--profile", "--json").stdout)["profile"]
    big_steps = sum(n["us"] for n in big["nodes"])
    check(abs(big_steps - big["total_us"]) <= 0.1 * big["total_us"],
          "steps add up to %g us of a %g us run (more than 10%% apart)"
          % (big_steps, big["total_us"]))
    check(abs(sum(n["share"] for n in nodes) - steps / p["total_us"]) < 1e-3,
          "shares do not add up")
    for n in nodes:
        check(n["us"] >= 0 and 0 <= n["share"] <= 1.0 + 1e-9,
              "bad node %r" % n)
        if n["flops"] > 0 and n["us"] > 0:
            # Both sides come from rounded JSON numbers.
            want = n["flops"] / n["us"] / 1e3
            check(abs(n["gflops_per_s"] - want) <= 1e-2 * want,
                  "GFLOP/s of %r" % n)
    check(abs(sum(n["flops"] for n in nodes) - j["gflops"] * 1e9)
          <= 1e-6 * j["gflops"] * 1e9, "node FLOPs do not add up to the run's")
    # Per operator: the nodes of that operator, summed.
    for o in ops:
        mine = [n for n in nodes if n["op"] == o["op"]]
        check(o["nodes"] == len(mine), "op %r counts %d nodes, %d listed"
              % (o["op"], o["nodes"], len(mine)))
        check(abs(o["us"] - sum(n["us"] for n in mine)) <= 1e-2,
              "op %r time" % o["op"])
    check(sorted(o["op"] for o in ops) == sorted(set(names)),
          "ops %s for nodes %s" % ([o["op"] for o in ops], names))
    check([o["us"] for o in ops] == sorted((o["us"] for o in ops),
                                           reverse=True),
          "ops not largest first")


@case
def profile_report(c):
    out = c.ok(c.model, "--runs", "3", "--threads", "2",
               "--profile").stdout
    print(out)
    for needle in ["profile over 3 runs", "operator", "nodes", "share",
                   "GFLOP/s", "step", "Conv+Relu", "MaxPool", "Softmax"]:
        check(needle in out, "profile report lacks %r" % needle)


@case
def profile_with_check(c):
    c.bad("--profile", "--check", c.model, "--profile")


@case
def help_flag(c):
    r = c.ok("--help")
    check("usage: edgenn-run" in r.stdout, "no usage text")


# ---- negative: model files ----

@case
def no_model(c):
    c.bad("no model")


@case
def two_models(c):
    c.bad("more than one model", c.model, c.model)


@case
def missing_model(c):
    c.bad("cannot load", c.path("absent.onnx"))


@case
def model_is_directory(c):
    c.bad("cannot load", c.tmp)


@case
def empty_model(c):
    p = c.path("empty.onnx")
    open(p, "wb").close()
    c.bad("cannot load", p)


@case
def garbage_model(c):
    p = c.path("garbage.onnx")
    with open(p, "wb") as f:
        f.write(np.random.default_rng(7).bytes(4096))
    c.bad("cannot load", p)


@case
def truncated_model(c):
    data = open(c.model, "rb").read()
    p = c.path("truncated.onnx")
    with open(p, "wb") as f:
        f.write(data[: len(data) // 2])
    c.bad("cannot load", p)


# ---- negative: input tensors ----

@case
def missing_input(c):
    c.bad("cannot open", c.model, "--input", c.path("absent.npy"))


@case
def npy_bad_magic(c):
    c.bad("magic", c.model, "--input",
          c.npy("m.npy", f4_header("(1, 1, 8, 8)"), b"\0" * 256,
                magic=b"\x93NUMPX"))


@case
def npy_too_short(c):
    p = c.path("short.npy")
    with open(p, "wb") as f:
        f.write(b"\x93NUM")
    c.bad("too short", c.model, "--input", p)


@case
def npy_header_length(c):
    p = c.npy("h.npy", f4_header("(1, 1, 8, 8)"), b"\0" * 256)
    data = bytearray(open(p, "rb").read())
    data[8:10] = struct.pack("<H", 65000)
    open(p, "wb").write(data)
    c.bad("header", c.model, "--input", p)


@case
def npy_version3(c):
    c.bad("version", c.model, "--input",
          c.npy("v3.npy", f4_header("(1, 1, 8, 8)"), b"\0" * 256, 3))


@case
def npy_version2_ok(c):
    y = c.path("y.npy")
    x = np.load(c.x)
    c.ok(c.model, "--input",
         c.npy("v2.npy", f4_header("(1, 1, 8, 8)"), x.tobytes(), 2),
         "--output", y, "--runs", "1")
    check(np.abs(np.load(y) - c.y).max() <= 1e-5, "v2 file read wrongly")


@case
def npy_float64(c):
    p = c.path("f8.npy")
    np.save(p, np.zeros((1, 1, 8, 8)))
    c.bad("'<f8'", c.model, "--input", p)


@case
def npy_big_endian(c):
    p = c.path("be.npy")
    np.save(p, np.zeros((1, 1, 8, 8), ">f4"))
    c.bad("'>f4'", c.model, "--input", p)


@case
def npy_int32(c):
    p = c.path("i4.npy")
    np.save(p, np.zeros((1, 1, 8, 8), "<i4"))
    c.bad("dtype", c.model, "--input", p)


@case
def npy_fortran(c):
    p = c.path("fortran.npy")
    np.save(p, np.asfortranarray(np.zeros((1, 1, 8, 8), "<f4")))
    c.bad("Fortran", c.model, "--input", p)


@case
def npy_shape_mismatch(c):
    p = c.path("shape.npy")
    np.save(p, np.zeros((1, 1, 8, 7), "<f4"))
    c.bad("shape", c.model, "--input", p)


@case
def npy_rank_mismatch(c):
    p = c.path("rank.npy")
    np.save(p, np.zeros((8, 8), "<f4"))
    c.bad("shape", c.model, "--input", p)


@case
def npy_batch_mismatch(c):
    # --batch changes the planned input shape; the file must follow it.
    c.bad("shape", c.model, "--batch", "2", "--input", c.x)


@case
def npy_shape_overflow(c):
    c.bad("overflow", c.model, "--input",
          c.npy("ovf.npy", f4_header("(4294967296, 4294967296, 16)")))


@case
def npy_huge_shape_tiny_file(c):
    c.bad("bytes", c.model, "--input",
          c.npy("huge.npy", f4_header("(100000, 100000, 100)")))


@case
def npy_truncated_data(c):
    c.bad("bytes", c.model, "--input",
          c.npy("trunc.npy", f4_header("(1, 1, 8, 8)"), b"\0" * 255))


@case
def npy_trailing_data(c):
    c.bad("bytes", c.model, "--input",
          c.npy("trail.npy", f4_header("(1, 1, 8, 8)"), b"\0" * 260))


@case
def npy_bad_header(c):
    c.bad("header", c.model, "--input",
          c.npy("dict.npy", "{'descr': '<f4', 'shape': [1, 1, 8, 8]}\n",
                b"\0" * 256))


@case
def npy_too_many_dims(c):
    c.bad("dimensions", c.model, "--input",
          c.npy("dims.npy", f4_header("(1, 1, 1, 1, 1, 1, 1, 1, 1)"),
                b"\0" * 4))


# ---- symbolic input shapes ----

def symbolic_model(c):
    """x [batch, 1, height, width] -> Conv(1->3, 3x3, pad 1) -> Relu ->
    GlobalAveragePool -> Flatten -> y [batch, 3], and a NumPy oracle."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "sym",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["batch", 1, "height", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    path = c.path("sym.onnx")
    onnx.save(m, path)

    def oracle(x):
        x = x.astype(np.float64)
        n, _, h, wd = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        out = np.zeros((n, 3))
        for oc in range(3):
            acc = np.full((n, h, wd), float(b[oc]))
            for ky in range(3):
                for kx in range(3):
                    acc += w[oc, 0, ky, kx] * xp[:, 0, ky:ky + h, kx:kx + wd]
            out[:, oc] = np.maximum(acc, 0).mean(axis=(1, 2))
        return out
    return path, oracle


@case
def symbolic_from_npy(c):
    """The tensor file's shape binds the symbolic dimensions, two sizes."""
    model, oracle = symbolic_model(c)
    for shape in [(2, 1, 10, 7), (1, 1, 3, 3)]:
        x = np.random.default_rng(1).standard_normal(shape).astype("<f4")
        xp, yp = c.path("sx.npy"), c.path("sy.npy")
        np.save(xp, x)
        out = c.ok(model, "--input", xp, "--output", yp, "--runs", "1").stdout
        print(out)
        got = np.load(yp)
        check(got.shape == (shape[0], 3), "output shape %s" % (got.shape,))
        err = np.abs(got - oracle(x)).max()
        check(err <= 1e-5, "differs from NumPy by %g at %s" % (err, shape))
        check("[batch=%d, 1, height=%d, width=%d]" % (shape[0], shape[2],
                                                      shape[3]) in out,
              "input description lacks the bound names")


@case
def symbolic_input_shape(c):
    model, _ = symbolic_model(c)
    y = c.path("y.npy")
    c.ok(model, "--input-shape", "1x1x6x5", "--output", y, "--runs", "1")
    check(np.load(y).shape == (1, 3), "output shape")
    c.ok(model, "--input-shape", "x=3x1x4x4", "--output", y, "--runs", "1")
    check(np.load(y).shape == (3, 3), "named input shape")


@case
def symbolic_unbound(c):
    model, _ = symbolic_model(c)
    c.bad("axis 2 ('height') is symbolic and not bound", model, "--runs", "1")


@case
def input_shape_contradicts(c):
    c.bad("axis 3 is 8 in the model, 9 given", c.model, "--input-shape",
          "1x1x8x9")
    c.bad("rank 4", c.model, "--input-shape", "1x64")
    c.bad("no input of that name", c.model, "--input-shape", "image=1x1x8x8")
    c.bad("given twice", c.model, "--input-shape", "1x1x8x8",
          "--input-shape", "2x1x8x8")


@case
def input_shape_syntax(c):
    for bad in ["", "1x", "x3", "1xx3", "0x1x8x8", "-1x1x8x8", "1x1x8x8y",
                "1x1x1x1x1x1x1x1x1", "=1x1x8x8", "1 x1x8x8"]:
        c.bad("--input-shape", c.model, "--input-shape", bad)


@case
def typed_output(c):
    """An output of another type (here int64 from a Cast) is written and
    shown as float32, with a note on stderr."""
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.INT64)],
        "cast",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, [2, 3])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    model = c.path("cast.onnx")
    onnx.save(m, model)
    x = np.array([[1.5, -2.7, 3.0], [100.9, 0.2, -0.9]], "<f4")
    xp, yp = c.path("cx.npy"), c.path("cy.npy")
    np.save(xp, x)
    r = c.ok(model, "--input", xp, "--output", yp, "--runs", "1")
    check("int64, shown as float32" in r.stderr, "no note: %r" % r.stderr)
    got = np.load(yp)
    check(got.dtype == np.float32 and np.array_equal(got, np.trunc(x)),
          "cast output %s" % got)


# ---- --check ----

def problem_model(c):
    """Three independent problems, and a node that depends on one of them
    (not reported again): an unknown operator, a data-dependent shape
    (NonZero on the input) and an attribute value no opset knows."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="ok_relu"),
        helper.make_node("FancyNorm", ["r"], ["f"], name="fancy"),
        helper.make_node("Relu", ["f"], ["after_fancy"], name="downstream"),
        helper.make_node("NonZero", ["x"], ["nz"], name="nonzero"),
        helper.make_node("Pad", ["r", "pads"], ["p"], name="pad",
                         mode="mirror"),
    ]
    graph = helper.make_graph(
        nodes, "problems",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [1, 3, "h", "w"])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
         for n in ["after_fancy", "p"]]
        + [helper.make_tensor_value_info("nz", TensorProto.INT64, None)],
        [numpy_helper.from_array(np.zeros(8, np.int64), "pads")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    path = c.path("problems.onnx")
    onnx.save(m, path)
    return path


@case
def check_lists_every_problem(c):
    model = problem_model(c)
    r = c.run("--check", model)
    print(r.stdout, r.stderr)
    check(r.returncode == 1, "exit status %d" % r.returncode)
    problems = [line for line in r.stdout.splitlines()
                if line.startswith("problem: ")]
    check(len(problems) == 3, "%d problems listed" % len(problems))
    for needle in ["node 'fancy' (FancyNorm): operator 'FancyNorm' is not "
                   "supported",
                   "node 'nonzero' (NonZero): input 0 ('x') depends on the "
                   "data of a run",
                   "node 'pad' (Pad): attribute 'mode' has unknown value "
                   "'mirror'"]:
        check(any(needle in p for p in problems), "lacks %r" % needle)
    check("downstream" not in r.stdout, "a consequence was reported")
    check(r.stderr.startswith("edgenn-run: ") and "3 problems" in r.stderr,
          "summary %r" % r.stderr)


@case
def check_supported(c):
    r = c.ok("--check", c.model)
    print(r.stdout)
    for needle in ["input   0: input float32 [1, 1, 8, 8]", "output  0:",
                   "Conv", "GFLOPs", "check:  supported"]:
        check(needle in r.stdout, "report lacks %r" % needle)
    check("latency" not in r.stdout, "--check ran the model")


@case
def check_symbolic(c):
    model, _ = symbolic_model(c)
    r = c.ok("--check", model)
    print(r.stdout)
    check("[batch=1, 1, height=224, width=224]" in r.stdout,
          "defaults not shown: %r" % r.stdout)
    check("checked at the size above" in r.stdout, "no note on the defaults")
    r = c.ok("--check", model, "--input-shape", "2x1x10x12")
    check("[batch=2, 1, height=10, width=12]" in r.stdout, r.stdout)
    check("checked at the size above" not in r.stdout, "bound shapes noted")
    c.bad("axis 3 is 8 in the model, 9 given", "--check", c.model,
          "--input-shape", "1x1x8x9")
    c.bad("drop --json", "--check", c.model, "--json")


# ---- negative: flags and output ----

def bad_flag(flag, value, needle=None):
    def fn(c):
        c.bad(needle or flag, c.model, flag, value)
    return fn


for _name, _flag, _value in [
        ("runs_zero", "--runs", "0"), ("runs_negative", "--runs", "-3"),
        ("runs_text", "--runs", "ten"), ("runs_trailing", "--runs", "5x"),
        ("runs_huge", "--runs", "99999999999999999999"),
        ("warmup_negative", "--warmup", "-1"),
        ("threads_zero", "--threads", "0"),
        ("threads_text", "--threads", "two"),
        ("batch_zero", "--batch", "0"), ("batch_empty", "--batch", "")]:
    CASES[_name] = bad_flag(_flag, _value)


@case
def unknown_flag(c):
    c.bad("unknown option", c.model, "--frobnicate")


@case
def missing_value(c):
    c.bad("needs a value", c.model, "--runs")


@case
def output_unwritable(c):
    c.bad("cannot create", c.model, "--runs", "1", "--output",
          c.path("no/such/dir/y.npy"))


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        sys.exit("usage: test_edgenn_run.py EDGENN_RUN TINY_CNN_ONNX CASE")
    with tempfile.TemporaryDirectory() as tmp:
        CASES[sys.argv[3]](Ctx(sys.argv[1], sys.argv[2], tmp))
    print("PASS")


if __name__ == "__main__":
    main()
