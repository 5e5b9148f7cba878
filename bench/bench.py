#!/usr/bin/env python3
"""Benchmark our engine against ONNX Runtime, PyTorch and OpenCV DNN.

Builds what it needs, exports the models, then for each model and thread
count runs every runner on the same input, interleaved in rounds (ours, ORT,
ORT on the identity model, PyTorch, OpenCV DNN, repeat). Each runner is a
process that times its own inference loop with the same number of warm-up
and timed runs; ratios are taken per round and their median reported.

Writes bench/results/latest.{md,json,png} (see bench/README.md).
"""

import argparse
import datetime
import json
import math
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import models  # noqa: E402

RUNNERS = ["ours", "ort", "pytorch", "opencv"]
LABEL = {"ours": "ours", "ort": "ORT", "ort_net": "ORT − call",
         "pytorch": "PyTorch", "opencv": "OpenCV"}
# Runs of the identity model that give ORT's call overhead in each round.
OVERHEAD_RUNS = 200

MODES = {
    # budget: seconds the median runner spends per round; rounds; bounds on
    # the timed and warm-up runs; sgemm seconds per shape; concurrent-sgemm
    # products per thread. Many short rounds pair the runners closer in
    # time than a few long ones.
    "quick": {"budget": 0.15, "rounds": 3, "min_runs": 3, "max_runs": 1000,
              "sgemm_min_time": 0.1, "min_warmup": 1,
              "stress_calls": 10000},
    "full": {"budget": 0.5, "rounds": 11, "min_runs": 8, "max_runs": 5000,
             "sgemm_min_time": 1.0, "min_warmup": 2,
             "stress_calls": 50000},
}
TARGETS = {"seed": 0.8, "224": 1.0, "conv": 0.6}


_T0 = time.monotonic()


def log(msg):
    print(f"[bench {time.monotonic() - _T0:5.0f} s] {msg}", file=sys.stderr,
          flush=True)


def first_error_line(text, limit=200):
    """The most telling line of a tool's error output."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for pattern in (r"\berror:", r"^FAILED:", r"\berror\b"):
        for ln in lines:
            if re.search(pattern, ln, re.IGNORECASE):
                return ln[:limit]
    return lines[-1][:limit] if lines else "no output"


# --- machine and load ---------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or "unknown", []
    name, flags = "unknown", []
    for line in info.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and name == "unknown":
            name = value.strip()
        elif key == "flags" and not flags:
            flags = value.split()
    wanted = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"]
    return name, [f for f in wanted if f in flags]


def cpu_family():
    try:
        with open("/proc/cpuinfo") as f:
            fields = dict(ln.split(":", 1) for ln in f.read().split("\n\n")[0]
                          .splitlines() if ":" in ln)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        return f"family {fields.get('cpu family', '?')} model " \
               f"{fields.get('model', '?')}"
    except OSError:
        return ""


class LoadMeter:
    """CPU time used on the whole machine minus our own process tree."""

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK")
        self.ncpu = os.cpu_count() or 1

    def snapshot(self):
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        t = os.times()
        with open("/proc/loadavg") as f:
            load1 = float(f.read().split()[0])
        return {"wall": time.monotonic(), "busy": (sum(v) - idle) / self.tick,
                "ours": t.user + t.system + t.children_user
                + t.children_system, "load1": load1}

    def between(self, a, b):
        wall = b["wall"] - a["wall"]
        busy = b["busy"] - a["busy"]
        ours = b["ours"] - a["ours"]
        other = max(0.0, busy - ours)
        return {"seconds": wall, "cpus": self.ncpu,
                "ours_cpu_fraction": ours / (wall * self.ncpu),
                "other_cpu_fraction": other / (wall * self.ncpu),
                "loadavg_start": a["load1"], "loadavg_end": b["load1"]}


# --- build -------------------------------------------------------------------

def run_cmd(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def build(build_dir, want_ours, logs):
    """meson/ninja into build_dir. Returns {target: path or error string}."""
    out = {}
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        log(f"configuring {build_dir}")
        r = run_cmd(["meson", "setup", build_dir, SRC, "-Dbuildtype=release",
                     "-Dtests=disabled", "-Dgst=disabled", "-Dbench=enabled"])
        if r.returncode != 0:
            err = "meson setup failed: " + first_error_line(r.stdout)
            return {"sgemm": err, "ours": err}
    targets = {"sgemm": "bench/sgemm_bench"}
    if want_ours:
        targets["ours"] = "tools/edgenn-run"
    for key, target in targets.items():
        log(f"building {target}")
        r = run_cmd(["ninja", "-C", build_dir, "-j2", target])
        if r.returncode != 0 and "unknown target" in r.stdout:
            # A source that appeared after configuring: meson must look again.
            run_cmd(["meson", "setup", "--reconfigure", build_dir, SRC])
            r = run_cmd(["ninja", "-C", build_dir, "-j2", target])
        with open(os.path.join(logs, f"build-{key}.log"), "w") as f:
            f.write(r.stdout)
        if r.returncode == 0:
            out[key] = os.path.join(build_dir, target)
        elif "unknown target" in r.stdout:
            out[key] = f"{target} is not in the build yet"
        else:
            out[key] = "build failed: " + first_error_line(r.stdout)
            log(f"{target}: {out[key]}")
    return out


# --- ONNX Runtime for Node ---------------------------------------------------

def node_arch():
    m = platform.machine().lower()
    return {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(m, m)


def ensure_ort():
    """npm install --ignore-scripts into bench/node when needed; check that
    the package carries its prebuilt CPU binary for this platform. Returns
    an error string or None."""
    node_dir = os.path.join(HERE, "node")
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not found"
    with open(os.path.join(node_dir, "package.json")) as f:
        want = json.load(f)["dependencies"]["onnxruntime-node"]
    pkg_dir = os.path.join(node_dir, "node_modules", "onnxruntime-node")
    have = None
    try:
        with open(os.path.join(pkg_dir, "package.json")) as f:
            have = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    if have != want:
        log(f"npm install --ignore-scripts onnxruntime-node@{want}")
        r = run_cmd(["npm", "install", "--ignore-scripts", "--no-audit",
                     "--no-fund"], cwd=node_dir)
        if r.returncode != 0:
            return "npm install failed: " + first_error_line(r.stdout)
    plat = f"{sys.platform if sys.platform != 'linux' else 'linux'}"
    found = []
    bin_dir = os.path.join(pkg_dir, "bin")
    for napi in sorted(os.listdir(bin_dir)) if os.path.isdir(bin_dir) else []:
        d = os.path.join(bin_dir, napi, plat, node_arch())
        if os.path.isfile(os.path.join(d, "onnxruntime_binding.node")) and \
                any(n.startswith("libonnxruntime.so") for n in os.listdir(d)):
            found.append(d)
    if not found:
        return (f"onnxruntime-node {want} has no prebuilt CPU binary for "
                f"{plat}-{node_arch()}")
    return None


# --- runners -----------------------------------------------------------------

class Worker:
    """A long-lived peer process speaking one JSON line each way."""

    def __init__(self, name, cmd, log_path, cwd=None, env=None, timeout=300):
        self.name = name
        self.timeout = timeout
        self.error = None
        self.info = {}
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, cwd=cwd, env=env, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self._answer(120)
        if not first.get("ok"):
            self.error = first.get("error", "did not start")
        else:
            self.info = {k: v for k, v in first.items()
                         if k not in ("ok", "ready")}

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _answer(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.01, left))
            except queue.Empty:
                self.kill()
                return {"ok": False, "error": f"no answer in {timeout:.0f} s"}
            if line is None:
                self.error = self.error or "process ended " \
                    f"(exit {self.proc.wait()}); see {self.log.name}"
                return {"ok": False, "error": self.error}
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass

    def request(self, **req):
        if self.error:
            return {"ok": False, "error": self.error}
        try:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.error = f"process gone: {exc}"
            return {"ok": False, "error": self.error}
        return self._answer(self.timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.error = self.error or "killed after a time-out"

    def close(self):
        if self.proc.poll() is None and not self.error:
            try:
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


class Ours:
    """edgenn-run, one process per call; it times its own loop."""

    # Warm-up of ours, at least: the peers are processes that stay warm
    # from round to round, ours starts cold each time (its pool's threads,
    # the arena's first touch, the CPU's clock), so a warm-up of one run
    # measured start-up, not inference (ShuffleNetV2 on two threads: 5 ms
    # against 2.8 ms once warm).
    MIN_WARMUP_S = 0.1

    def __init__(self, exe):
        self.exe = exe
        self.loaded = {}
        self.per_run = {}  # key -> seconds per run, from the first call

    def load(self, key, model, onnx, input_path, threads):
        # Nothing stays loaded: each call is a process. The first timed call
        # (calibration) shows whether edgenn-run can run this model.
        self.loaded[key] = (onnx, input_path, threads)
        return {"ok": True}

    def run(self, key, warmup, runs, output=None):
        onnx, input_path, threads = self.loaded[key]
        if key in self.per_run:
            warmup = max(warmup, min(1000, math.ceil(
                self.MIN_WARMUP_S / max(self.per_run[key], 1e-7))))
        cmd = [self.exe, onnx, "--input", input_path, "--runs", str(runs),
               "--warmup", str(warmup), "--threads", str(threads), "--json"]
        if output:
            cmd += ["--output", output]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": "edgenn-run: no answer in 600 s"}
        last = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("{")]
        if r.returncode != 0 or not last:
            return {"ok": False, "error": "edgenn-run: " + first_error_line(
                r.stderr or r.stdout or f"exit {r.returncode}")}
        try:
            res = json.loads(last[-1])
        except ValueError:
            return {"ok": False, "error": "edgenn-run: last line is not JSON"}
        if "median_us" not in res:
            return {"ok": False, "error": "edgenn-run: no median_us in JSON"}
        res["ok"] = True
        self.per_run.setdefault(key, res["median_us"] * 1e-6)
        return res


# --- measuring ---------------------------------------------------------------

def measure(args, mode, exe, paths, workers, out_dir):
    """All models x threads, interleaved. Returns the list of cells."""
    cells = []
    outputs_dir = os.path.join(out_dir, "outputs")
    os.makedirs(outputs_dir, exist_ok=True)
    ours = Ours(exe) if exe else None
    for name in args.models:
        for t in args.threads:
            key = f"{name}@{t}"
            cell = {"model": name, "threads": t, "rounds": [], "errors": {}}
            log(f"{key}: loading")
            live = {}
            for r in RUNNERS:
                if r == "ours":
                    if ours is None:
                        cell["errors"][r] = args.ours_error
                        continue
                    res = ours.load(key, name, paths[name]["onnx"],
                                    paths[name]["input"], t)
                else:
                    res = workers[(r, t)].request(
                        op="load", key=key, model=name,
                        onnx=paths[name]["onnx"], input=paths[name]["input"])
                if res.get("ok"):
                    live[r] = ours if r == "ours" else workers[(r, t)]
                else:
                    cell["errors"][r] = res.get("error", "failed")
                    log(f"{key}: {LABEL[r]} n/a: {cell['errors'][r]}")
            ort_id = None
            if "ort" in live and name != "identity":
                res = workers[("ort", t)].request(
                    op="load", key=f"identity@{t}", model="identity",
                    onnx=paths["identity"]["onnx"],
                    input=paths["identity"]["input"])
                if res.get("ok"):
                    ort_id = workers[("ort", t)]
                else:
                    cell["errors"]["ort_net"] = res.get("error")

            # Same warm-up and timed runs for every runner, sized so that a
            # typical (median) runner spends about `budget` seconds per round
            # and the slowest at most 5 x budget (PyTorch with 2 threads on a
            # busy machine can be 100 times slower than the others).
            est = []
            for r, w in list(live.items()):
                res = w.run(key, 1, 2) if r == "ours" else \
                    w.request(op="run", key=key, warmup=1, runs=2)
                if res.get("ok"):
                    est.append(res["median_us"] * 1e-6)
                else:
                    cell["errors"][r] = res.get("error")
                    log(f"{key}: {LABEL[r]} n/a: {cell['errors'][r]}")
                    del live[r]
            if not live:
                cells.append(cell)
                continue
            runs = int(min(mode["budget"] / max(statistics.median(est), 1e-7),
                           5 * mode["budget"] / max(max(est), 1e-7)))
            runs = max(mode["min_runs"], min(mode["max_runs"], runs))
            warmup = max(mode["min_warmup"], min(100, runs // 5))
            cell["runs"], cell["warmup"] = runs, warmup
            log(f"{key}: {args.rounds} rounds x {len(live)} runners, "
                f"{warmup} warm-up + {runs} timed runs each")

            for rnd in range(args.rounds):
                last = rnd == args.rounds - 1
                row = {}
                for r in RUNNERS:
                    if r not in live:
                        continue
                    out = os.path.join(outputs_dir, f"{key}.{r}.npy") \
                        if last else None
                    if out and os.path.exists(out):
                        os.remove(out)  # never compare a previous run's
                    if r == "ours":
                        res = live[r].run(key, warmup, runs, out)
                    else:
                        res = live[r].request(op="run", key=key, warmup=warmup,
                                              runs=runs, output=out)
                    if res.get("ok"):
                        row[r] = res
                    else:
                        cell["errors"][r] = res.get("error")
                        log(f"{key}: {LABEL[r]} failed: {cell['errors'][r]}")
                        del live[r]
                    if r == "ort" and ort_id is not None:
                        res = ort_id.request(op="run", key=f"identity@{t}",
                                             warmup=20, runs=OVERHEAD_RUNS)
                        if res.get("ok"):
                            row["ort_call"] = res
                    time.sleep(0.02)  # let idle worker threads go to sleep
                if models.BY_NAME[name]["tier"] == "conv" and args.sgemm_exe:
                    row["sgemm"] = sgemm_round(args.sgemm_exe, t,
                                               mode["budget"])
                cell["rounds"].append(row)
            summarise(cell, paths[name]["onnx"])
            compare_outputs(cell, outputs_dir, key)
            cells.append(cell)
            brief = ", ".join(f"{LABEL[r]} {fmt_us(v)}"
                              for r, v in cell["median_us"].items())
            log(f"{key}: {brief}")
    return cells


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(cell, onnx_path):
    rounds = cell["rounds"]
    med = {}
    for r in RUNNERS:
        med[r] = median([row[r]["median_us"] for row in rounds if r in row])
    # ORT minus its call overhead measured in the same round.
    if cell["model"] != "identity":
        med["ort_net"] = median([row["ort"]["median_us"]
                                 - row["ort_call"]["median_us"]
                                 for row in rounds
                                 if "ort" in row and "ort_call" in row])
        cell["ort_call_us"] = median([row["ort_call"]["median_us"]
                                      for row in rounds if "ort_call" in row])
    cell["median_us"] = {k: v for k, v in med.items() if v is not None}
    ratios = {}
    for peer in ["ort", "ort_net", "pytorch", "opencv"]:
        per_round = []
        for row in rounds:
            if "ours" not in row:
                continue
            if peer == "ort_net":
                if "ort" not in row or "ort_call" not in row:
                    continue
                den = row["ort"]["median_us"] - row["ort_call"]["median_us"]
            elif peer in row:
                den = row[peer]["median_us"]
            else:
                continue
            if den > 0:
                per_round.append(row["ours"]["median_us"] / den)
        if per_round and not (peer == "ort_net" and cell["model"] == "identity"):
            ratios[peer] = {"median": statistics.median(per_round),
                            "min": min(per_round), "max": max(per_round)}
    cell["ratios"] = ratios
    # Every runner against ORT − call, per round (for the chart).
    vs = {}
    for r in RUNNERS:
        per_round = [row[r]["median_us"] / (row["ort"]["median_us"]
                                            - row["ort_call"]["median_us"])
                     for row in rounds if r in row and "ort" in row
                     and "ort_call" in row and row["ort"]["median_us"]
                     > row["ort_call"]["median_us"]]
        if per_round:
            vs[r] = statistics.median(per_round)
    cell["vs_ort_net"] = vs
    flops = models.model_flops(cell["model"], onnx_path)
    cell["flops"] = flops
    if flops:
        cell["gflops"] = {k: flops / (v * 1e3) for k, v in
                          cell["median_us"].items() if v and v > 0}
    # Large conv: ours against sgemm measured in the same round.
    sg = [row for row in rounds if row.get("sgemm")]
    if sg:
        cell["sgemm_gflops"] = {
            k: median([row["sgemm"].get(k) for row in sg])
            for k in ("square", "conv_shape")}
        fr = [flops / (row["ours"]["median_us"] * 1e3) / row["sgemm"]["square"]
              for row in sg if "ours" in row and row["sgemm"].get("square")]
        if fr:
            cell["ours_vs_sgemm"] = {"median": statistics.median(fr),
                                     "min": min(fr), "max": max(fr)}


def compare_outputs(cell, outputs_dir, key):
    import numpy as np
    ref_path = os.path.join(outputs_dir, f"{key}.pytorch.npy")
    if not os.path.exists(ref_path):
        return
    ref = np.load(ref_path).astype(np.float64).ravel()
    cell["max_abs_diff_vs_pytorch"] = {}
    for r in ["ours", "ort", "opencv"]:
        p = os.path.join(outputs_dir, f"{key}.{r}.npy")
        if r not in cell["rounds"][-1] or not os.path.exists(p):
            continue
        try:
            y = np.load(p).astype(np.float64).ravel()
        except (OSError, ValueError) as exc:
            cell["max_abs_diff_vs_pytorch"][r] = f"unreadable: {exc}"
            continue
        if y.size != ref.size:
            cell["max_abs_diff_vs_pytorch"][r] = \
                f"{y.size} values, PyTorch has {ref.size}"
        else:
            cell["max_abs_diff_vs_pytorch"][r] = float(np.max(np.abs(y - ref)))


def conv_gemm_shape():
    """The GEMM an im2col convolution of CONV_LARGE makes: (OC) x (H*W)
    x (C*KH*KW)."""
    c = models.CONV_LARGE
    return c["cout"], c["hw"] * c["hw"], c["cin"] * c["k"] * c["k"]


def run_stress(exe, threads, calls):
    """T threads each making the same product at once, all checked."""
    out = {}
    for t in threads:
        if t < 2:
            continue
        r = subprocess.run([exe, "--stress", str(calls), "--threads", str(t)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        rows = [json.loads(ln) for ln in r.stdout.splitlines()
                if ln.startswith("{") and '"stress"' in ln]
        if rows:
            out[str(t)] = rows[0]
            log(f"concurrent sgemm, {t} threads: {rows[0]['wrong']} of "
                f"{rows[0]['products']} products wrong")
    return out


def sgemm_round(exe, t, budget):
    """sgemm at the reference size and at the large conv's own GEMM shape,
    run inside the large conv's rounds so that the ratio sees the same
    machine load. Returns {name: GFLOP/s}."""
    m, n, k = conv_gemm_shape()
    shapes = {"square": "1024x1024x1024", "conv_shape": f"{m}x{n}x{k}"}
    r = subprocess.run([exe, "--threads", str(t), "--min-time",
                        str(max(0.1, budget))] + list(shapes.values()),
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    out = {}
    rows = [json.loads(ln) for ln in r.stdout.splitlines()
            if ln.startswith("{") and '"gflops_median"' in ln]
    for (name, _), row in zip(shapes.items(), rows):
        out[name] = row["gflops_median"]
        if row.get("wrong_batches"):
            out[name + "_wrong"] = row["wrong_batches"]
    return out


def run_sgemm(exe, threads, min_time):
    """OpenBLAS alone. Returns ({threads: [shape results]}, config)."""
    results, config = {}, {}
    for t in threads:
        r = subprocess.run([exe, "--threads", str(t), "--min-time",
                            str(min_time)], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        rows = []
        for line in r.stdout.splitlines():
            if line.startswith("{"):
                obj = json.loads(line)
                if "openblas_config" in obj:
                    config = obj
                else:
                    rows.append(obj)
        for x in rows:
            if x.get("wrong_batches"):
                log(f"sgemm {x['m']}x{x['n']}x{x['k']}, {t} threads: "
                    f"{x['wrong_batches']} of 7 products wrong")
        results[t] = rows
        if rows:
            peak = max(x["gflops_median"] for x in rows if x["m"] == x["n"] == x["k"])
            log(f"sgemm {t} thread(s): peak {peak:.1f} GFLOP/s")
    return results, config


# --- report ------------------------------------------------------------------

def fmt_us(us):
    if us is None:
        return "n/a"
    if us < 10:
        return f"{us:.2f} µs"
    if us < 1000:
        return f"{us:.0f} µs"
    if us < 100000:
        return f"{us / 1000:.2f} ms"
    return f"{us / 1000:.0f} ms"


def fmt_ratio(r):
    if r is None:
        return "n/a"
    v = r["median"]
    return f"{v:.2f}x" if v >= 0.1 else f"{v:.2g}x"


def threads_text(t):
    return f"{t} thread" + ("s" if t != 1 else "")


def conv_fraction(cell):
    r = cell.get("ours_vs_sgemm")
    return r["median"] if r else None


def target_for(cell):
    tier = models.BY_NAME[cell["model"]]["tier"]
    if tier == "seed" and cell["threads"] == 1:
        return TARGETS["seed"]
    if tier == "224":
        return TARGETS["224"]
    return None


def verdict(value, limit, lower_is_better=True):
    if value is None:
        return "n/a"
    ok = value <= limit if lower_is_better else value >= limit
    return "met" if ok else "**missed**"


def report_md(res):
    m = res["machine"]
    load = res.get("load", {})
    lines = []
    lines.append(f"# edgeclassify benchmark, {res['date']}")
    lines.append("")
    lines.append(f"- Mode: {res['mode']} ({res['rounds']} interleaved rounds, "
                 f"about {MODES[res['mode']]['budget']} s per runner per "
                 f"round); source {res['commit']}")
    lines.append(f"- Machine: {m['nproc']} CPUs, {m['cpu']} ({m['cpu_id']}; "
                 f"{', '.join(m['cpu_flags']) or 'no AVX2'}); "
                 f"{m['openblas']}")
    p = res["peers"]
    lines.append(f"- Peers: ONNX Runtime {p.get('ort', 'n/a')} "
                 f"(onnxruntime-node, Node {p.get('node', '?')}); PyTorch "
                 f"{p.get('pytorch', 'n/a')} (eager, no_grad); OpenCV DNN "
                 f"{p.get('opencv', 'n/a')}")
    if load:
        lines.append(
            f"- Load while measuring: other processes used "
            f"{100 * load['other_cpu_fraction']:.0f}% of the {load['cpus']} "
            f"CPUs (this benchmark {100 * load['ours_cpu_fraction']:.0f}%) "
            f"over {load['seconds']:.0f} s; 1-minute load average "
            f"{load['loadavg_start']:.2f} at start, {load['loadavg_end']:.2f} "
            f"at end")
    if load and load["other_cpu_fraction"] > 0.15:
        lines.append(f"- **The machine was busy** (other processes kept "
                     f"{load['other_cpu_fraction'] * load['cpus']:.1f} of "
                     f"{load['cpus']} CPUs busy on average): times are "
                     "inflated and noisy, 2-thread figures most of all; "
                     "per-round ratios absorb part of it.")
    lines.append("")
    lines.append("Times are the median over rounds of each runner's median; "
                 "ratios are ours / peer per round, median over rounds "
                 "(below 1: we are faster). \"ORT − call\" is ORT's time minus "
                 "its Node call overhead (the identity model, same round); "
                 "targets are judged against it.")
    lines.append("")
    head = ["model", "T", "ours", "ORT", "ORT − call", "PyTorch", "OpenCV",
            "ours/ORT", "ours/(ORT − call)", "ours/PyTorch", "ours/OpenCV",
            "target"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] * 2 + ["---:"] * 9 + ["---"]) + "|")
    notes = []
    for c in res["cells"]:
        med = c.get("median_us", {})
        rat = c.get("ratios", {})
        row = [c["model"], str(c["threads"])]
        for r in ["ours", "ort", "ort_net", "pytorch", "opencv"]:
            if c["model"] == "identity" and r == "ort_net":
                row.append("—")
                continue
            v = med.get(r)
            if v is None and r in c.get("errors", {}):
                note = f"{LABEL[r]}: {c['errors'][r]}"
                if note not in notes:
                    notes.append(note)
                row.append(f"n/a [{notes.index(note) + 1}]")
            else:
                row.append(fmt_us(v))
        for r in ["ort", "ort_net", "pytorch", "opencv"]:
            if c["model"] == "identity" and r == "ort_net":
                row.append("—")
            else:
                row.append(fmt_ratio(rat.get(r)))
        lim = target_for(c)
        if lim is None:
            row.append("—")
        else:
            r = rat.get("ort_net")
            row.append(f"≤ {lim:.1f}x: "
                       f"{verdict(r['median'] if r else None, lim)}")
        lines.append("| " + " | ".join(row) + " |")
    if notes:
        lines.append("")
        for i, n in enumerate(notes, 1):
            lines.append(f"[{i}] {n}  ")
    # identity: call overheads
    lines.append("")
    lines.append("The identity rows are each runner's cost of one call that "
                 "does nothing: ORT's is the Node binding (an async call "
                 "per run).")

    # sgemm
    sg = res.get("sgemm", {})
    if sg:
        ts = sorted(sg, key=int)
        lines.append("")
        lines.append("## OpenBLAS sgemm alone")
        lines.append("")
        lines.append(f"{m['openblas']}, linked like nn/. "
                     "Row-major C(M×N) = A(M×K)·B(K×N); with T > 1 the N "
                     "columns are split over T threads, each calling the "
                     "serial OpenBLAS. GFLOP/s, median of 7 batches.")
        lines.append("")
        lines.append("| M×N×K | " + " | ".join(f"T={t}" for t in ts) + " |")
        lines.append("|---|" + "---:|" * len(ts))
        shapes = [(x["m"], x["n"], x["k"]) for x in sg[ts[0]]]
        wrong = 0
        for s in shapes:
            vals = []
            for t in ts:
                hit = [x for x in sg[t] if (x["m"], x["n"], x["k"]) == s]
                if not hit:
                    vals.append("n/a")
                elif hit[0].get("wrong_batches"):
                    wrong += 1
                    vals.append(f"{hit[0]['gflops_median']:.1f} (wrong "
                                f"{hit[0]['wrong_batches']}/7)")
                else:
                    vals.append(f"{hit[0]['gflops_median']:.1f}")
            lines.append(f"| {s[0]}×{s[1]}×{s[2]} | " + " | ".join(vals) + " |")
        if wrong:
            lines.append("")
            lines.append("\"wrong k/7\": k of the 7 checked products differed "
                         "from the single-threaded one.")
        for t, x in sorted(res.get("sgemm_stress", {}).items()):
            lines.append("")
            lines.append(f"Concurrent calls: {t} threads each computing the "
                         f"same {x['m']}×{x['n']}×{x['k']} product "
                         f"{x['products'] // int(t)} times: "
                         + ("**" if x["wrong"] else "")
                         + f"{x['wrong']} of {x['products']} products wrong"
                         + ("**" if x["wrong"] else "")
                         + (" (this OpenBLAS is not safe to call from several "
                            "threads at once; see docs/performance.md)."
                            if x["wrong"] else " in this run (races are rare: "
                            "none seen does not prove safety)."))
    # large conv
    conv = [c for c in res["cells"] if c["model"] == "conv_large"]
    if conv:
        cl = models.CONV_LARGE
        lines.append("")
        lines.append(f"## Large convolution ({cl['k']}×{cl['k']}, "
                     f"{cl['cin']}→{cl['cout']}, {cl['hw']}×{cl['hw']}, "
                     f"{models.CONV_LARGE_FLOPS / 1e9:.3f} GFLOP) against "
                     "OpenBLAS sgemm")
        lines.append("")
        gm, gn, gk = conv_gemm_shape()
        lines.append(f"GFLOP/s of each runner; sgemm at 1024³ and at the "
                     f"convolution's own im2col GEMM ({gm}×{gn}×{gk}) is "
                     "measured in the same rounds; \"ours / sgemm\" is the "
                     "median over rounds.")
        lines.append("")
        lines.append("| T | ours | ORT | PyTorch | OpenCV | sgemm 1024³ "
                     f"| sgemm {gm}×{gn}×{gk} | ours / sgemm 1024³ | target |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for c in conv:
            g = c.get("gflops", {})
            sgc = c.get("sgemm_gflops", {})
            frac = conv_fraction(c)
            cells = [f"{g[r]:.1f}" if r in g else "n/a"
                     for r in ["ours", "ort", "pytorch", "opencv"]]
            cells += [f"{sgc[k]:.1f}" if sgc.get(k) else "n/a"
                      for k in ("square", "conv_shape")]
            lines.append(
                f"| {c['threads']} | " + " | ".join(cells) + " | "
                + (f"{100 * frac:.0f}%" if frac is not None else "n/a")
                + f" | ≥ {100 * TARGETS['conv']:.0f}%: "
                + verdict(frac, TARGETS["conv"], lower_is_better=False) + " |")
    # targets
    lines.append("")
    lines.append("## Targets")
    lines.append("")
    for c in res["cells"]:
        lim = target_for(c)
        if lim is None:
            continue
        r = c.get("ratios", {}).get("ort_net")
        r2 = c.get("ratios", {}).get("ort")
        got = (f"{r['median']:.2f}x ORT − call (rounds {r['min']:.2f}–"
               f"{r['max']:.2f}), {r2['median']:.2f}x ORT" if r and r2
               else "not measured")
        lines.append(f"- {c['model']}, {threads_text(c['threads'])}: ≤ {lim:.1f}x "
                     f"ORT: {got}: {verdict(r['median'] if r else None, lim)}")
    for c in conv:
        frac = conv_fraction(c)
        rng = c.get("ours_vs_sgemm")
        got = (f"{100 * frac:.0f}% (rounds {100 * rng['min']:.0f}–"
               f"{100 * rng['max']:.0f}%)" if rng else "not measured")
        lines.append(f"- large conv, {threads_text(c['threads'])}: ≥ 60% of "
                     f"sgemm 1024³: {got}: "
                     f"{verdict(frac, TARGETS['conv'], lower_is_better=False)}")
    # agreement
    agree = [c for c in res["cells"] if c.get("max_abs_diff_vs_pytorch")]
    if agree:
        lines.append("")
        lines.append("## Outputs (max |y − PyTorch| on the benchmark input)")
        lines.append("")
        lines.append("| model | T | ours | ORT | OpenCV |")
        lines.append("|---|---|---:|---:|---:|")
        for c in agree:
            d = c["max_abs_diff_vs_pytorch"]
            vals = []
            for r in ["ours", "ort", "opencv"]:
                v = d.get(r)
                vals.append("n/a" if v is None else
                            (f"{v:.1e}" if isinstance(v, float) else str(v)))
            lines.append(f"| {c['model']} | {c['threads']} | "
                         + " | ".join(vals) + " |")
    lines.append("")
    return "\n".join(lines)


def report_png(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return "matplotlib is not installed (Debian: python3-matplotlib)"
    threads = sorted({c["threads"] for c in res["cells"]})
    series = [("ours", "#d62728"), ("ort", "#1f77b4"), ("pytorch", "#ff7f0e"),
              ("opencv", "#2ca02c")]
    fig, axes = plt.subplots(1, len(threads), figsize=(6.5 * len(threads), 4.8),
                             squeeze=False)
    for ax, t in zip(axes[0], threads):
        cells = [c for c in res["cells"] if c["threads"] == t
                 and c["model"] != "identity"]
        names = [c["model"] for c in cells]
        width = 0.8 / len(series)
        for i, (r, colour) in enumerate(series):
            xs, ys = [], []
            for j, c in enumerate(cells):
                v = c.get("vs_ort_net", {}).get(r)
                x = j - 0.4 + width * (i + 0.5)
                if v:
                    xs.append(x)
                    ys.append(v)
                else:
                    ax.text(x, 1.0, "n/a", rotation=90, ha="center",
                            va="bottom", fontsize=7, color=colour)
            bars = ax.bar(xs, ys, width, color=colour)
            for b, y in zip(bars, ys):
                ax.text(b.get_x() + b.get_width() / 2, y, f"{y:.2f}",
                        ha="center", va="bottom", fontsize=6.5)
        for j, c in enumerate(cells):
            lim = target_for(c)
            if lim:
                ax.hlines(lim, j - 0.45, j + 0.45, colors="black",
                          linestyles="dashed", linewidth=1)
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(
            lambda v, _: f"{v:g}" if f"{v:.1e}"[0] in "258" else ""))
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=15, fontsize=8)
        ax.set_title(f"{t} thread{'s' if t > 1 else ''}")
        ax.set_ylabel("time / ORT − call overhead (lower is faster)")
    handles = [Patch(color=colour, label=LABEL[r] if r != "ort" else
                     "ORT (with Node call)") for r, colour in series]
    handles.append(Line2D([], [], color="black", linestyle="dashed",
                          label="target"))
    axes[0][0].legend(handles=handles, fontsize=7, loc="upper left")
    fig.suptitle(f"edgeclassify vs peers, time relative to ONNX Runtime "
                 f"without its Node call ({res['mode']}, {res['date']})",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# --- main --------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run.sh",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer rounds and shorter loops (about 3 minutes)")
    ap.add_argument("--results", default=os.path.join(HERE, "results"),
                    help="output folder (default bench/results)")
    ap.add_argument("--build-dir", default=None,
                    help="meson build folder (default RESULTS/build)")
    ap.add_argument("--no-build", action="store_true",
                    help="use the build folder as it is")
    ap.add_argument("--edgenn-run", default=None,
                    help="use this edgenn-run instead of building one")
    ap.add_argument("--models", default=",".join(m["name"]
                                                  for m in models.MODELS),
                    help="comma-separated (default: all: %(default)s)")
    ap.add_argument("--threads", default="1,2",
                    help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--rounds", type=int, default=None,
                    help="interleaved rounds (default 3 quick, 11 full)")
    args = ap.parse_args(argv)
    args.models = [m for m in args.models.split(",") if m]
    for m in args.models:
        if m not in models.BY_NAME:
            ap.error(f"unknown model {m}; have {', '.join(models.BY_NAME)}")
    if "identity" not in args.models:
        args.models.append("identity")  # ORT's call overhead needs it
    try:
        args.threads = [int(t) for t in args.threads.split(",") if t]
    except ValueError:
        ap.error("--threads wants a list such as 1,2")
    if args.rounds is not None and args.rounds < 1:
        ap.error("--rounds wants at least 1")
    if not args.threads or min(args.threads) < 1:
        ap.error("--threads wants a list such as 1,2")
    args.mode = "quick" if args.quick else "full"
    if args.rounds is None:
        args.rounds = MODES[args.mode]["rounds"]
    args.build_dir = args.build_dir or os.path.join(args.results, "build")
    return args


def git_commit():
    r = run_cmd(["git", "-C", SRC, "describe", "--always", "--dirty"])
    return r.stdout.strip() if r.returncode == 0 else "unknown"


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    mode = MODES[args.mode]
    started = time.monotonic()
    os.makedirs(args.results, exist_ok=True)
    logs = os.path.join(args.results, "logs")
    os.makedirs(logs, exist_ok=True)

    # 1. build
    want_ours = args.edgenn_run is None and \
        os.path.isfile(os.path.join(SRC, "tools", "edgenn-run.c"))
    if args.no_build:
        built = {"sgemm": os.path.join(args.build_dir, "bench", "sgemm_bench"),
                 "ours": os.path.join(args.build_dir, "tools", "edgenn-run")}
        built = {k: v if os.access(v, os.X_OK) else f"{v} not built"
                 for k, v in built.items()}
    else:
        built = build(args.build_dir, want_ours, logs)
        if not want_ours and args.edgenn_run is None:
            built["ours"] = "tools/edgenn-run.c is not in the tree yet"
    if args.edgenn_run:
        built["ours"] = os.path.abspath(args.edgenn_run)
    args.sgemm_exe = built.get("sgemm") \
        if os.access(built.get("sgemm", ""), os.X_OK) else None
    exe = built.get("ours")
    if exe and not os.access(exe, os.X_OK):
        args.ours_error = exe
        exe = None
    else:
        args.ours_error = None

    # 2. models and peers
    models_dir = os.path.join(args.results, "models")
    needed = sorted(set(args.models) | {"identity"},
                    key=lambda n: [m["name"] for m in models.MODELS].index(n))
    paths = models.export(needed, models_dir, log=log)
    ort_error = ensure_ort()
    if ort_error:
        log(f"ONNX Runtime n/a: {ort_error}")

    meter = LoadMeter()
    load0 = meter.snapshot()

    # 3. OpenBLAS alone
    sgemm, blas, stress = {}, {}, {}
    if os.access(built.get("sgemm", ""), os.X_OK):
        log("OpenBLAS sgemm")
        sgemm, blas = run_sgemm(built["sgemm"], args.threads,
                                mode["sgemm_min_time"])
        stress = run_stress(built["sgemm"], args.threads,
                            mode["stress_calls"])
    else:
        log(f"sgemm_bench n/a: {built.get('sgemm')}")

    # 4. peers: one long-lived process per peer and thread count
    workers = {}
    py = sys.executable
    for t in args.threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(t),
                   OPENBLAS_NUM_THREADS=str(t), MKL_NUM_THREADS=str(t))
        if ort_error:
            workers[("ort", t)] = DeadWorker(ort_error)
        else:
            workers[("ort", t)] = Worker(
                "ort", ["node", os.path.join(HERE, "node", "ort_worker.js"),
                        "--threads", str(t)],
                os.path.join(logs, f"ort-{t}.log"), cwd=os.path.join(HERE, "node"),
                env=env)
        for peer, name in [("pytorch", "torch"), ("opencv", "opencv")]:
            workers[(peer, t)] = Worker(
                peer, [py, os.path.join(HERE, "peer.py"), name, "--threads",
                       str(t), "--models-dir", models_dir],
                os.path.join(logs, f"{peer}-{t}.log"), env=env)
    for (peer, t), w in workers.items():
        if w.error:
            log(f"{LABEL[peer]} ({t} thread(s)) n/a: {w.error}")

    try:
        cells = measure(args, mode, exe, paths, workers, args.results)
        peer_info = {}
        for (peer, t), w in workers.items():
            if w.info.get("version"):
                peer_info[peer] = w.info["version"]
            if w.info.get("node"):
                peer_info["node"] = w.info["node"]
    finally:
        for w in workers.values():
            w.close()
    load = meter.between(load0, meter.snapshot())

    cpu, flags = cpu_model()
    blas_text = "OpenBLAS (version unknown)"
    if blas:
        cfg = blas["openblas_config"].split()
        variant = "serial" if "SINGLE_THREADED" in cfg or \
            blas.get("parallel") == 0 else "threaded"
        blas_text = f"{' '.join(cfg[:2])}, {variant} build, core " \
                    f"{blas['corename']}"
    res = {
        "date": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "mode": args.mode, "rounds": args.rounds, "commit": git_commit(),
        "machine": {"nproc": os.cpu_count(), "cpu": cpu,
                    "cpu_id": cpu_family(), "cpu_flags": flags,
                    "openblas": blas_text, "openblas_raw": blas},
        "peers": peer_info, "load": load, "sgemm": {str(k): v for k, v in
                                                     sgemm.items()},
        "sgemm_stress": stress, "build": built, "cells": cells,
        "seconds": time.monotonic() - started,
    }
    md = report_md(res)
    with open(os.path.join(args.results, "latest.json"), "w") as f:
        json.dump(res, f, indent=1)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    shutil.copy(os.path.join(args.results, "latest.json"),
                os.path.join(args.results, f"run-{stamp}.json"))
    with open(os.path.join(args.results, "latest.md"), "w") as f:
        f.write(md)
    png_error = report_png(res, os.path.join(args.results, "latest.png"))
    print(md)
    if png_error:
        log(f"no chart: {png_error}")
    log(f"wrote {os.path.join(args.results, 'latest.md')}, latest.json"
        f"{'' if png_error else ', latest.png'} in {res['seconds']:.0f} s")
    return 0


class DeadWorker:
    """Stands in for a peer that could not be set up."""

    def __init__(self, error):
        self.error = error
        self.info = {}

    def request(self, **req):
        return {"ok": False, "error": self.error}

    def close(self):
        pass


if __name__ == "__main__":
    sys.exit(main())
