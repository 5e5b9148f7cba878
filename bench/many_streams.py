#!/usr/bin/env python3
"""Many live cameras on one box: N live pipelines in one process, with
edgeclassify in sync and in async mode, against the same pipelines with
identity and against edgenn-run on the same model and cores.

For each N (1, 4, 16, 32) it runs, one after the other, each a process of
its own holding N pipelines (bench/many_streams.c):

  identity; then for each model: edgenn-run (the reference), sync, async

so that every configuration of one N is measured within minutes of its
references. Writes bench/results/many-streams/latest.{md,json,png}
(see bench/README.md).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import models  # noqa: E402

FPS = 30
MODES = {
    # streams, seconds per configuration, of which warm-up, seconds per
    # edgenn-run reference
    "quick": {"streams": [1, 4], "seconds": 12, "warmup": 3, "ref_s": 1.5},
    "full": {"streams": [1, 4, 16, 32], "seconds": 60, "warmup": 5,
             "ref_s": 4.0},
}
MODEL_LABEL = {"mobilenet_v2": "MobileNetV2 224 (PyTorch export)",
               "builtin": "built-in (Fashion-MNIST CNN, 28×28)"}
# The targets, async mode.
TARGET_FRAMES = 0.98       # of the frames due, every sink
TARGET_LAG_MS = 33.0       # lag p99 above identity's p99
TARGET_FAIR = 0.8          # min fresh rate / mean fresh rate
TARGET_THROUGHPUT = 0.9    # total fresh results/s / edgenn-run's
# "Flat": the per-second median lag grows by at most this much a minute,
# and the p99 of the last 10 s is at most this much above the first 10 s's.
FLAT_SLOPE_MS_PER_MIN = 10.0
FLAT_P99_RISE_MS = 33.0

_T0 = time.monotonic()


def log(msg):
    print(f"[many-streams {time.monotonic() - _T0:5.0f} s] {msg}",
          file=sys.stderr, flush=True)


def run_cmd(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


# --- machine -----------------------------------------------------------------

def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine_busy():
    """(busy, all) CPU seconds of the whole machine."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(v) - v[3] - v[4]) / hz, sum(v) / hz


def git_commit():
    r = run_cmd(["git", "-C", SRC, "describe", "--always", "--dirty"])
    return r.stdout.strip() if r.returncode == 0 else "unknown"


# --- edgenn-run: the reference ----------------------------------------------

def edgenn_run(exe, onnx, npy, threads, runs, warmup, nice=0):
    cmd = [exe, onnx, "--threads", str(threads), "--runs", str(runs),
           "--warmup", str(warmup), "--json"]
    if npy:
        cmd[2:2] = ["--input", npy]
    if nice:
        cmd = ["nice", "-n", str(nice)] + cmd
    return cmd


def run_parallel(cmds, timeout):
    """Starts every command at once; returns their parsed JSON lines."""
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for c in cmds]
    out = []
    for p in procs:
        o, e = p.communicate(timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"edgenn-run: {last_line(e)}")
        out.append(json.loads(o.strip().splitlines()[-1]))
    return out


def children_cpu():
    t = os.times()
    return t.children_user + t.children_system


def reference(exe, onnx, npy, seconds):
    """What edgenn-run does with the model on this box's two cores, as
    inferences a second (1e6 / mean µs, summed over processes):
    one process with --threads 2; two processes with --threads 1 at once
    (what the scheduler's two one-thread slots do); the same two at nice 5,
    the scheduler workers' niceness. Also the CPU time an inference took
    (the processes' CPU time over their inferences, loading included)."""
    trial = run_parallel([edgenn_run(exe, onnx, npy, 1, 5, 1)], 120)[0]
    per_run_s = trial["mean_us"] / 1e6
    runs = max(10, int(seconds / per_run_s))
    warmup = max(2, runs // 20)
    timeout = 60 + 10 * seconds
    res = {"runs": runs, "warmup": warmup}
    t = time.monotonic()
    b0 = machine_busy()
    c0 = children_cpu()
    two = run_parallel([edgenn_run(exe, onnx, npy, 2, runs, warmup)],
                       timeout)[0]
    res["threads2"] = {"per_s": 1e6 / two["mean_us"],
                       "mean_us": two["mean_us"],
                       "median_us": two["median_us"]}
    for key, nice in (("pair", 0), ("pair_nice5", 5)):
        c = children_cpu()
        pair = run_parallel([edgenn_run(exe, onnx, npy, 1, runs, warmup, nice)
                             for _ in range(2)], timeout)
        # every process runs once, then the warm-up, then the timed runs
        res[key] = {"per_s": sum(1e6 / p["mean_us"] for p in pair),
                    "mean_us": [p["mean_us"] for p in pair],
                    "median_us": [p["median_us"] for p in pair],
                    "cpu_us_per_inference": (children_cpu() - c) * 1e6
                    / (2 * (runs + warmup + 1))}
    b1 = machine_busy()
    wall = time.monotonic() - t
    ncpu = os.cpu_count() or 1
    res["seconds"] = wall
    # what other processes kept busy meanwhile, in CPUs
    res["others_cpus"] = max(0.0, ((b1[0] - b0[0]) - (children_cpu() - c0))
                             / max(b1[1] - b0[1], 1e-9) * ncpu)
    # the target's reference: the better of the two at normal priority
    res["best_per_s"] = max(res["threads2"]["per_s"], res["pair"]["per_s"])
    return res


def combine_refs(before, after):
    """The references taken before and after a model's configurations:
    their mean, so a change of load in between hits both sides."""
    done = [r for r in (before, after) if r and "error" not in r]
    if not done:
        return before or after
    out = {"before": before, "after": after,
           "best_per_s": statistics.mean(r["best_per_s"] for r in done),
           "one_stream_per_s": statistics.mean(
               1e6 / statistics.mean(r["pair"]["mean_us"]) for r in done),
           "cpu_us_per_inference": statistics.mean(
               r["pair"]["cpu_us_per_inference"] for r in done),
           "others_cpus": statistics.mean(r["others_cpus"] for r in done)}
    for key in ("threads2", "pair", "pair_nice5"):
        out[key] = statistics.mean(r[key]["per_s"] for r in done)
    return out


# --- one configuration -----------------------------------------------------

def run_config(exe, env, n, variant, model_path, mode, out_path, log_path):
    cmd = [exe, "--streams", str(n), "--variant", variant,
           "--seconds", str(mode["seconds"]), "--warmup", str(mode["warmup"]),
           "-o", out_path]
    if model_path:
        cmd += ["--model", model_path]
    with open(log_path, "w") as err:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err,
                           env=env, timeout=mode["seconds"] * 3 + 120)
    if r.returncode != 0:
        with open(log_path) as f:
            return {"error": last_line(f.read()) or f"exit {r.returncode}"}
    with open(out_path) as f:
        return json.load(f)


# --- verdicts ---------------------------------------------------------------

def judge(cfg, ident, ref):
    """The four targets for one async (or sync) configuration."""
    s = cfg["summary"]
    n = cfg["config"]["streams"]
    out = {}
    out["frames"] = {"value": s["frames_ratio_min"],
                     "met": s["frames_ratio_min"] >= TARGET_FRAMES}
    if ident and "summary" in ident:
        limit = ident["summary"]["lag_ms_p99"] + TARGET_LAG_MS
        rise = s["lag_ms_p99_last"] - s["lag_ms_p99_first"]
        flat = (s["lag_ms_p50_slope_per_min"] <= FLAT_SLOPE_MS_PER_MIN
                and rise <= FLAT_P99_RISE_MS)
        out["lag"] = {"value": s["lag_ms_p99"], "limit": limit,
                      "over_identity": s["lag_ms_p99"]
                      - ident["summary"]["lag_ms_p99"],
                      "slope_ms_per_min": s["lag_ms_p50_slope_per_min"],
                      "p99_rise_ms": rise, "flat": flat,
                      "met": s["lag_ms_p99"] <= limit and flat}
    out["fair"] = {"value": s["fresh_min_over_mean"],
                   "met": s["fresh_min_over_mean"] >= TARGET_FAIR}
    if ref and "best_per_s" in ref:
        demand = n * FPS
        # one stream runs one one-thread inference at a time
        capacity = min(ref["best_per_s"], n * ref["one_stream_per_s"])
        ratio = s["fresh_per_s_total"] / ref["best_per_s"]
        out["throughput"] = {"value": s["fresh_per_s_total"],
                             "reference": ref["best_per_s"],
                             "ratio": ratio, "demand": demand,
                             "capacity": capacity,
                             "demand_bound": demand < capacity}
        if cfg["config"]["variant"] == "async" and s["cpu_infer"] > 0:
            # CPU time of the workers per fresh result against
            # edgenn-run's per inference: the element's overhead, whatever
            # share of the CPU each got
            per = s["cpu_infer"] * 1e6 / max(s["fresh_per_s_total"], 1e-9)
            out["throughput"]["cpu_us_per_result"] = per
            out["throughput"]["cpu_vs_edgenn_run"] = \
                per / ref["cpu_us_per_inference"]
        if demand < capacity:
            # fewer frames than the cores could classify: each frame due
            # should get its result
            got = s["fresh_per_s_total"] / demand
            out["throughput"]["of_demand"] = got
            out["throughput"]["met"] = got >= TARGET_THROUGHPUT
        else:
            out["throughput"]["met"] = ratio >= TARGET_THROUGHPUT
    return out


# --- report -----------------------------------------------------------------

def fmt(v, spec=".0f", none="n/a"):
    if v is None:
        return none
    return format(v, spec)


def fmt_ms(v):
    if v is None:
        return "n/a"
    if v >= 10000:
        return f"{v / 1000:.1f} s"
    return f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def yes(flag):
    return "met" if flag else "**missed**"


def report_md(res):
    lines = []
    m = res["machine"]
    lines.append(f"# Many live streams on one box, {res['date']}")
    lines.append("")
    lines.append(f"- Mode: {res['mode']}: {res['seconds']} s per "
                 f"configuration, the first {res['warmup']} s left out; "
                 f"source {res['commit']}; {res['gstreamer']}")
    lines.append(f"- Machine: {m['cpus']} CPUs, {m['cpu']}; 1-minute load "
                 f"average {res['load_start'][0]:.2f} at start, "
                 f"{res['load_end'][0]:.2f} at end; other processes kept "
                 f"{res['other_cpus_mean']:.2f} CPUs busy on average while "
                 f"the pipelines ran (range of configurations "
                 f"{res['other_cpus_min']:.2f}–{res['other_cpus_max']:.2f}); "
                 f"took {res['wall_s'] / 60:.1f} min")
    lines.append("- Streams: `videotestsrc is-live=true ! video/x-raw,"
                 "format=NV12,width=640,height=480,framerate=30/1 ! ELEMENT ! "
                 "fakesink sync=true`, N of them in one process")
    lines.append("")
    lines.append("Frames: the fewest any sink rendered, in % of the frames "
                 "due (window × 30). Lag: clock running time minus buffer "
                 "running time when the sink renders, over all frames of all "
                 "streams (p50, p99) and the worst stream's p99; growth: "
                 "least-squares slope of the per-second median lag. Fresh: "
                 "fresh results a second per stream (edgeclassify `stats`), "
                 "min / mean / max, and their total. edgenn-run: inferences "
                 "a second on the same model and cores, the same minutes "
                 "(better of `--threads 2` and two `--threads 1` processes). "
                 "CPU: the process, in CPUs (streaming threads + inference "
                 "workers); others: the rest of the machine meanwhile; run "
                 "queue: how long a streaming thread was ready to run but "
                 "waited for a CPU, per second (n/a: measured before the "
                 "benchmark read it).")
    lines.append("")
    head = ["N", "model", "mode", "frames (min)", "lag p50", "lag p99",
            "worst p99", "growth /min", "fresh/s per stream", "total fresh/s",
            "edgenn-run /s", "CPU (stream + infer)", "others", "run queue"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---:", "---", "---"] + ["---:"] * 11) + "|")
    for row in res["rows"]:
        c = row["result"]
        label = "—" if row["variant"] == "identity" else row["model"]
        if "error" in c:
            lines.append(f"| {row['streams']} | {label} | {row['variant']} | "
                         f"failed: {c['error']} |" + " |" * 10)
            continue
        s = c["summary"]
        ref = res["refs"].get(f"{row['streams']}/{row['model']}") \
            if row["variant"] != "identity" else None
        fresh = total = refs = "—"
        if row["variant"] != "identity":
            fresh = (f"{s['fresh_per_s_min']:.1f} / "
                     f"{s['fresh_per_s_mean']:.1f} / "
                     f"{s['fresh_per_s_max']:.1f}")
            total = f"{s['fresh_per_s_total']:.0f}"
            refs = fmt(ref.get("best_per_s")) if ref and "error" not in ref \
                else "n/a"
        runq = "n/a"
        if "runq_wait_streaming" in s:
            runq = f"{1000 * s['runq_wait_streaming'] / row['streams']:.0f} ms"
        lines.append(
            f"| {row['streams']} | {label} | {row['variant']} | "
            f"{100 * s['frames_ratio_min']:.1f} % | {fmt_ms(s['lag_ms_p50'])} "
            f"| {fmt_ms(s['lag_ms_p99'])} | "
            f"{fmt_ms(s['lag_ms_p99_worst_stream'])} | "
            f"{fmt_ms(s['lag_ms_p50_slope_per_min'])} | {fresh} | {total} | "
            f"{refs} | {s['cpu']:.2f} ({s['cpu_streaming']:.2f} + "
            f"{s['cpu_infer']:.2f}) | {s['machine_other_cpu']:.2f} | "
            f"{runq} |")
    lines.append("")

    lines.append("## Targets (async mode; sync beside it)")
    lines.append("")
    lines.append(f"Frames: every sink ≥ {100 * TARGET_FRAMES:.0f} % of its "
                 f"frames. Lag: p99 ≤ identity's p99 (same N) + "
                 f"{TARGET_LAG_MS:.0f} ms, and flat (per-second median grows "
                 f"≤ {FLAT_SLOPE_MS_PER_MIN:.0f} ms a minute, last 10 s p99 "
                 f"≤ first 10 s p99 + {FLAT_P99_RISE_MS:.0f} ms). Fairness: "
                 f"min fresh rate ≥ {TARGET_FAIR} × mean. Throughput: total "
                 f"fresh results/s ≥ {100 * TARGET_THROUGHPUT:.0f} % of "
                 "edgenn-run's; where the frames due (N × 30/s) are fewer "
                 "than the cores can classify, ≥ "
                 f"{100 * TARGET_THROUGHPUT:.0f} % of the frames due instead "
                 "(\"demand\").")
    lines.append("")
    lines.append("| N | model | mode | frames | lag p99 vs limit | flat "
                 "| fairness | throughput |")
    lines.append("|---:|---|---|---|---|---|---|---|")
    for row in res["rows"]:
        v = row.get("verdict")
        if not v:
            continue
        lag = v.get("lag")
        tp = v.get("throughput")
        lag_txt = flat_txt = tp_txt = "n/a"
        if lag:
            lag_txt = (f"{fmt_ms(lag['value'])} vs {fmt_ms(lag['limit'])}: "
                       f"{yes(lag['value'] <= lag['limit'])}")
            flat_txt = (f"{lag['slope_ms_per_min']:+.1f} ms/min, p99 "
                        f"{lag['p99_rise_ms']:+.0f} ms: {yes(lag['flat'])}")
        if tp:
            if tp["demand_bound"]:
                tp_txt = (f"{tp['value']:.0f}/s = {100 * tp['of_demand']:.0f} "
                          f"% of demand {tp['demand']}/s: {yes(tp['met'])}")
            else:
                tp_txt = (f"{tp['value']:.0f}/s = {100 * tp['ratio']:.0f} % "
                          f"of {tp['reference']:.0f}/s: {yes(tp['met'])}")
            if "cpu_vs_edgenn_run" in tp:
                tp_txt += (f"; CPU per result "
                           f"{tp['cpu_vs_edgenn_run']:.2f}× edgenn-run's")
        lines.append(
            f"| {row['streams']} | {row['model']} | {row['variant']} | "
            f"{100 * v['frames']['value']:.1f} %: {yes(v['frames']['met'])} | "
            f"{lag_txt} | {flat_txt} | {v['fair']['value']:.2f}: "
            f"{yes(v['fair']['met'])} | {tp_txt} |")
    lines.append("")

    lines.append("## edgenn-run on the same cores")
    lines.append("")
    lines.append("Inferences a second, 1e6 / mean µs (summed over the two "
                 "processes of a pair), mean of the runs right before and "
                 "right after each N's sync and async runs of that model; "
                 "CPU time per inference of the pair (loading included); "
                 "other processes' CPU meanwhile.")
    lines.append("")
    lines.append("| N | model | `--threads 2` | 2 × `--threads 1` | 2 × "
                 "`--threads 1` at nice 5 | CPU µs / inference | others |")
    lines.append("|---:|---|---:|---:|---:|---:|---:|")
    for key, r in res["refs"].items():
        n, model = key.split("/")
        if not r or "best_per_s" not in r:
            err = (r or {}).get("error", "no run")
            lines.append(f"| {n} | {model} | failed: {err} | | | | |")
            continue
        lines.append(f"| {n} | {model} | {r['threads2']:.0f} | "
                     f"{r['pair']:.0f} | {r['pair_nice5']:.0f} | "
                     f"{r['cpu_us_per_inference']:.0f} | "
                     f"{r['others_cpus']:.2f} |")
    lines.append("")

    problems = [(row, row["result"]["summary"]) for row in res["rows"]
                if "summary" in row["result"]
                and row["variant"] != "identity"
                and (row["result"]["summary"].get("age_errors")
                     or row["result"]["summary"].get("frames_without_result"))]
    lines.append("## Result ages checked at the sink")
    lines.append("")
    if not problems:
        lines.append("Every result a frame carried had `frame`, `pts`, "
                     "`age_frames`, `age_ms` and `stale` consistent with "
                     "the frames the sink saw.")
    for row, s in problems:
        first = next((st["first_age_error"] for st in row["result"]["streams"]
                      if st.get("first_age_error")), None)
        lines.append(f"- N={row['streams']} {row['model']} {row['variant']}: "
                     f"{s.get('age_errors', 0)} inconsistent ages, "
                     f"{s.get('frames_without_result', 0)} frames without a "
                     f"result{'; first: ' + first if first else ''}")
    lines.append("")
    return "\n".join(lines)


def report_png(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (Debian: python3-matplotlib)"
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    def y_scale(ax, values):
        """Log when the values span a wide range, plain numbers either way."""
        values = [v for v in values if v and v > 0]
        if values and max(values) / min(values) > 8:
            ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)

    rows = [r for r in res["rows"] if "summary" in r["result"]]
    ns = sorted({r["streams"] for r in rows})
    models_run = [m for m in res["models"]
                  if any(r["model"] == m for r in rows)]
    if not rows or not models_run:
        return "nothing to plot"
    colours = {"identity": "#7f7f7f", "sync": "#d62728", "async": "#1f77b4"}
    # lag over time: the first model at the two largest N, the second at
    # the largest
    panels = [(models_run[0], n) for n in ns[-2:]]
    panels += [(m, ns[-1]) for m in models_run[1:2]]

    fig, axes = plt.subplots(2, 3, figsize=(13, 7.2))
    for ax, (model, n) in zip(axes[0], panels):
        seen = []
        for r in rows:
            if r["streams"] != n or (r["variant"] != "identity"
                                     and r["model"] != model):
                continue
            secs = [x for x in r["result"]["seconds"] if "lag_ms_p99" in x]
            seen += [x["lag_ms_p99"] for x in secs]
            seen += [x["lag_ms_p50"] for x in secs]
            ax.plot([x["t"] for x in secs], [x["lag_ms_p99"] for x in secs],
                    color=colours[r["variant"]], label=f"{r['variant']} p99")
            ax.plot([x["t"] for x in secs], [x["lag_ms_p50"] for x in secs],
                    color=colours[r["variant"]], linestyle=":", linewidth=1,
                    label=f"{r['variant']} p50")
        y_scale(ax, seen)
        ax.axvline(res["warmup"], color="black", linewidth=0.6,
                   linestyle="--")
        ax.set_xlabel("seconds since PLAYING")
        ax.set_ylabel("lag at the sink, ms")
        ax.set_title(f"{n} streams, {model}: lag over time", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(True, which="both", linewidth=0.3)
    for ax in axes[0][len(panels):]:
        ax.set_visible(False)

    # fresh results a second per stream against N
    for ax, model in zip(axes[1], models_run[:2]):
        seen = []
        for variant, dx in (("sync", -0.03), ("async", 0.03)):
            sel = sorted([r for r in rows if r["model"] == model
                          and r["variant"] == variant],
                         key=lambda r: r["streams"])
            if not sel:
                continue
            xs = [r["streams"] * (1 + dx) for r in sel]
            mean = [r["result"]["summary"]["fresh_per_s_mean"] for r in sel]
            lo = [m - r["result"]["summary"]["fresh_per_s_min"]
                  for m, r in zip(mean, sel)]
            hi = [r["result"]["summary"]["fresh_per_s_max"] - m
                  for m, r in zip(mean, sel)]
            seen += [m - d for m, d in zip(mean, lo)]
            seen += [m + d for m, d in zip(mean, hi)]
            ax.errorbar(xs, mean, yerr=[lo, hi], color=colours[variant],
                        marker="o", capsize=3, label=f"{variant} (min–max)")
        refs = [(n, res["refs"].get(f"{n}/{model}")) for n in ns]
        refs = [(n, r) for n, r in refs if r and "best_per_s" in r]
        if refs:
            ax.plot([n for n, _ in refs],
                    [min(FPS, r["best_per_s"] / n) for n, r in refs],
                    color="black", linestyle="--", linewidth=1,
                    label="min(30, edgenn-run / N)")
            seen += [min(FPS, r["best_per_s"] / n) for n, r in refs]
        ax.set_xscale("log", base=2)
        y_scale(ax, seen)
        if max(seen, default=0) <= FPS * 1.05 and min(seen, default=0) > 20:
            ax.set_ylim(0, FPS * 1.1)
        ax.set_xticks(ns)
        ax.set_xticklabels([str(n) for n in ns])
        ax.set_xlabel("streams in the process")
        ax.set_ylabel("fresh results / s per stream")
        ax.set_title(f"{model}: fresh results per stream", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", linewidth=0.3)

    # where the CPU went: the first model, async, against identity
    ax = axes[1][2]
    labels, parts = [], {"streaming threads": [], "inference workers": [],
                         "other processes": []}
    for n in ns:
        for variant, model in (("identity", "—"), ("async", models_run[0])):
            r = next((r for r in rows if r["streams"] == n
                      and r["variant"] == variant and r["model"] == model),
                     None)
            if r is None:
                continue
            sm = r["result"]["summary"]
            labels.append(f"{n}\n{'id' if variant == 'identity' else variant}")
            parts["streaming threads"].append(sm["cpu_streaming"])
            parts["inference workers"].append(sm["cpu_infer"])
            parts["other processes"].append(max(0.0, sm["machine_other_cpu"]))
    bottom = [0.0] * len(labels)
    for (name, values), colour in zip(parts.items(),
                                      ("#2ca02c", "#1f77b4", "#c7c7c7")):
        ax.bar(range(len(labels)), values, bottom=bottom, color=colour,
               label=name)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.axhline(res["machine"]["cpus"], color="black", linewidth=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("CPUs")
    ax.set_title(f"CPU: identity and async {models_run[0]}, by N",
                 fontsize=9)
    ax.legend(fontsize=7, loc="upper left")

    fig.suptitle(f"Many live 640×480@30 streams in one process, "
                 f"{res['machine']['cpus']} CPUs ({res['mode']}, "
                 f"{res['date']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
    try:
        # a palette image is a third of the size, small enough for git
        from PIL import Image
        Image.open(path).convert("RGB").quantize(colors=64).save(
            path, optimize=True)
    except ImportError:
        pass
    return None


# --- main -------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/many_streams.py",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="N = 1, 4 and 12 s runs (about 3 minutes)")
    ap.add_argument("--streams", default=None,
                    help="comma-separated N (default 1,4,16,32; quick 1,4)")
    ap.add_argument("--seconds", type=float, default=None,
                    help="seconds per configuration (default 60; quick 12)")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds left out at the start (default 5; quick 3)")
    ap.add_argument("--models", default="mobilenet_v2,builtin",
                    help="comma-separated: mobilenet_v2, builtin")
    ap.add_argument("--build-dir", default=None,
                    help="meson build with the plugin (default build/dev, "
                    "else build)")
    ap.add_argument("--results", default=os.path.join(HERE, "results"),
                    help="output folder (default bench/results); the report "
                    "goes to RESULTS/many-streams")
    ap.add_argument("--report", default=None, metavar="JSON",
                    help="measure nothing: write the report and the chart "
                    "again from a run's JSON (latest.json or run-*.json)")
    args = ap.parse_args(argv)
    args.mode = dict(MODES["quick" if args.quick else "full"])
    if args.streams:
        args.mode["streams"] = [int(n) for n in args.streams.split(",") if n]
    if args.seconds is not None:
        args.mode["seconds"] = args.seconds
    if args.warmup is not None:
        args.mode["warmup"] = args.warmup
    if args.mode["seconds"] < args.mode["warmup"] + 3:
        ap.error("--seconds must be at least --warmup + 3")
    args.models = [m for m in args.models.split(",") if m]
    for m in args.models:
        if m not in ("mobilenet_v2", "builtin"):
            ap.error(f"unknown model {m}")
    if args.build_dir is None and args.report is None:
        for cand in ("build/dev", "build"):
            if os.path.exists(os.path.join(SRC, cand, "build.ninja")):
                args.build_dir = os.path.join(SRC, cand)
                break
        else:
            ap.error("no meson build found: meson setup build/dev && "
                     "ninja -C build/dev, or --build-dir")
    return args


def write_report(res, out_dir):
    md = report_md(res)
    with open(os.path.join(out_dir, "latest.md"), "w") as f:
        f.write(md)
    png_error = report_png(res, os.path.join(out_dir, "latest.png"))
    if png_error:
        log(f"no chart: {png_error}")
    print(md)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    mode = args.mode
    started = time.monotonic()
    out_dir = os.path.join(args.results, "many-streams")
    runs_dir = os.path.join(out_dir, "runs")
    os.makedirs(runs_dir, exist_ok=True)
    if args.report:
        with open(args.report) as f:
            res = json.load(f)
        write_report(res, out_dir)
        log(f"{out_dir}/latest.md, latest.png written from {args.report}")
        return 0

    log(f"building in {args.build_dir}")
    r = run_cmd(["ninja", "-C", args.build_dir, "-j2", "bench/many_streams",
                 "tools/edgenn-run", "gst/libgstedgeclassify.so"])
    if r.returncode != 0:
        print(r.stdout[-2000:], file=sys.stderr)
        return 1
    exe = os.path.join(args.build_dir, "bench", "many_streams")
    edgenn = os.path.join(args.build_dir, "tools", "edgenn-run")
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(args.build_dir, "gst")
    # a registry of our own, so the user's is left alone
    env["GST_REGISTRY"] = os.path.join(out_dir, "registry.bin")

    paths = {}
    if "mobilenet_v2" in args.models:
        exported = models.export(["mobilenet_v2"],
                                 os.path.join(args.results, "models"), log=log)
        paths["mobilenet_v2"] = exported["mobilenet_v2"]
    if "builtin" in args.models:
        # the element's built-in model is compiled from this file
        paths["builtin"] = {"onnx": os.path.join(SRC, "models",
                                                 "fashion-mnist",
                                                 "model.onnx"),
                            "input": None}

    res = {"date": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%d %H:%M UTC"),
           "mode": "quick" if args.quick else "full",
           "seconds": mode["seconds"], "warmup": mode["warmup"],
           "streams": mode["streams"], "models": args.models,
           "commit": git_commit(),
           "machine": {"cpus": os.cpu_count(), "cpu": cpu_name(),
                       "kernel": platform.release()},
           "load_start": loadavg(), "rows": [], "refs": {}}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    raw_refs = {}
    for n in mode["streams"]:
        plan = [("identity", None)]
        for model in args.models:
            plan += [("ref-before", model), ("sync", model), ("async", model),
                     ("ref-after", model)]
        for variant, model in plan:
            if variant.startswith("ref"):
                log(f"N={n}: edgenn-run on {model} ({variant[4:]})")
                try:
                    r = reference(edgenn, paths[model]["onnx"],
                                  paths[model]["input"], mode["ref_s"])
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    r = {"error": str(e)}
                raw_refs.setdefault(f"{n}/{model}", {})[variant[4:]] = r
                continue
            log(f"N={n}: {variant}" + (f" {model}" if model else "")
                + f", {mode['seconds']:g} s; load {loadavg()[0]:.2f}")
            name = f"{stamp}-n{n}-{variant}" + (f"-{model}" if model else "")
            model_path = None
            if model == "mobilenet_v2":
                model_path = paths[model]["onnx"]
            try:
                result = run_config(exe, env, n, variant, model_path, mode,
                                    os.path.join(runs_dir, name + ".json"),
                                    os.path.join(runs_dir, name + ".log"))
            except subprocess.TimeoutExpired:
                result = {"error": "timed out"}
            if "error" in result:
                log(f"  failed: {result['error']}")
            else:
                s = result["summary"]
                log(f"  frames {100 * s['frames_ratio_min']:.1f} %, lag p99 "
                    f"{s['lag_ms_p99']:.0f} ms, fresh/s "
                    f"{s.get('fresh_per_s_total', 0):.1f}, CPU "
                    f"{s['cpu']:.2f}, others {s['machine_other_cpu']:.2f}")
            res["rows"].append({"streams": n, "variant": variant,
                                "model": model or "—", "result": result})
    for key, r in raw_refs.items():
        res["refs"][key] = combine_refs(r.get("before"), r.get("after"))
    res["load_end"] = loadavg()
    res["wall_s"] = time.monotonic() - started

    # verdicts, against the identity run and the reference of the same N
    for row in res["rows"]:
        if row["variant"] == "identity" or "summary" not in row["result"]:
            continue
        ident = next((r["result"] for r in res["rows"]
                      if r["streams"] == row["streams"]
                      and r["variant"] == "identity"), None)
        ref = res["refs"].get(f"{row['streams']}/{row['model']}")
        row["verdict"] = judge(row["result"], ident, ref)
    others = [r["result"]["summary"]["machine_other_cpu"] for r in res["rows"]
              if "summary" in r["result"]]
    res["other_cpus_mean"] = statistics.mean(others) if others else 0.0
    res["other_cpus_min"] = min(others) if others else 0.0
    res["other_cpus_max"] = max(others) if others else 0.0
    res["gstreamer"] = next((r["result"]["config"]["gstreamer"]
                             for r in res["rows"] if "config" in r["result"]),
                            "GStreamer ?")

    with open(os.path.join(out_dir, "latest.json"), "w") as f:
        json.dump(res, f, indent=1)
    shutil.copy(os.path.join(out_dir, "latest.json"),
                os.path.join(out_dir, f"run-{stamp}.json"))
    write_report(res, out_dir)
    log(f"done in {res['wall_s'] / 60:.1f} min; {out_dir}/latest.md, "
        "latest.json, latest.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
