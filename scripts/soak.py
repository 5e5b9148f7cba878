#!/usr/bin/python3
"""Soak test: many frames through edgeclassify ! edgeoverlay ! edgereport,
with the resident memory (RSS) of the pipeline process sampled as it runs.

    GST_PLUGIN_PATH=build/gst scripts/soak.py                # 1,000,000 frames
    GST_PLUGIN_PATH=build/gst scripts/soak.py --frames 50000 --every 1000 \\
        --csv soak.csv --png soak.png

The pipeline runs in its own gst-launch-1.0 process:

    multifilesrc (8 pre-rendered 640x480 I420 frames, looped) ! rawvideoparse
      ! edgeclassify ! edgeoverlay ! edgereport location=- ! fakesink

The frames are rendered once, before the run, from eight videotestsrc
patterns, so the source costs a file read per frame and the results change
from frame to frame (labels, confidences and the overlay text differ).
edgereport writes one JSON line per frame to standard output; this script
reads them, so a frame is counted once all three elements are done with it,
and every --every frames it reads VmRSS from /proc/<pid>/status of the
gst-launch-1.0 process. The source runs on for a few hundred frames after
the last sample, so that sample is taken from a pipeline that is still
streaming, not from one that is shutting down.

Warm-up: the first --warmup frames (default: 10% of --frames). Memory
grows while the pipeline settles (caches, font glyphs, pools, the malloc
heap reaching its working size). The RSS at the first sample at or after
the warm-up is the baseline; the run fails if any later sample exceeds it
by more than --limit-kib (default 1024 KiB = 1 MiB), if the pipeline
fails, or if frames are missing or unclassified.

Writes the samples as CSV (frame, elapsed_s, rss_kib) and, with --png, the
curve as a PNG (needs matplotlib). Exit status 0: pass, 1: fail, 2: usage.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PATTERNS = ["ball", "smpte", "snow", "checkers-8", "circular", "pinwheel",
            "spokes", "colors"]
# Frames the source produces after the last sampled one (see above); more
# than a pipe buffer holds, so the process is still running at the sample.
TAIL_FRAMES = 500


def fail(msg):
    print(f"soak: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def rss_kib(pid):
    """VmRSS of a running process, in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"process {pid} has no VmRSS (it has exited)")


def render_frames(launch, folder, width, height):
    """One raw I420 frame per pattern: frame-0.i420, frame-1.i420, ..."""
    for i, pattern in enumerate(PATTERNS):
        path = os.path.join(folder, f"frame-{i}.i420")
        subprocess.run(
            [launch, "-q", "videotestsrc", "num-buffers=1",
             f"pattern={pattern}", "!",
             f"video/x-raw,format=I420,width={width},height={height}", "!",
             "filesink", f"location={path}"],
            check=True)
        if os.path.getsize(path) != width * height * 3 // 2:
            raise RuntimeError(f"{path}: not one {width}x{height} I420 frame")


def pipeline(launch, folder, args):
    classify = ["edgeclassify"]
    if args.model:
        classify.append(f"model={args.model}")
    return [launch, "-q",
            "multifilesrc", f"location={folder}/frame-%d.i420", "loop=true",
            f"stop-index={len(PATTERNS) - 1}",
            f"num-buffers={args.frames + TAIL_FRAMES}", "!",
            "rawvideoparse", "format=i420", f"width={args.width}",
            f"height={args.height}", "framerate=30/1", "!",
            *classify, "!", "edgeoverlay", "!",
            "edgereport", "location=-", "!", "fakesink"]


def run(args, folder):
    """Streams the frames; returns [(frame, elapsed_s, rss_kib)] and the set
    of labels seen."""
    cmd = pipeline(args.launch, folder, args)
    err_path = os.path.join(folder, "stderr.txt")
    samples, labels = [], set()
    frames = 0
    with open(err_path, "w+b") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        t0 = time.monotonic()
        try:
            for raw in proc.stdout:
                try:
                    result = json.loads(raw)
                    classes = result["classifications"]
                    labels.add(classes[0]["label"])
                except (ValueError, KeyError, IndexError, TypeError):
                    fail(f"frame {frames + 1}: not a classified edgereport "
                         f"line: {raw[:200]!r}")
                if result["frame"] != frames:
                    fail(f"line {frames + 1} is frame {result['frame']}")
                frames += 1
                last = frames == args.frames
                if frames == 1 or frames % args.every == 0 or last:
                    now = time.monotonic() - t0
                    samples.append((frames, now, rss_kib(proc.pid)))
                    if frames % (args.every * args.print_every) == 0:
                        print(f"frame {frames:9d}  {now:8.1f} s  "
                              f"{frames / now:7.0f} frames/s  "
                              f"RSS {samples[-1][2] / 1024:8.2f} MiB",
                              flush=True)
                if last:
                    break
            # let the tail run out: the process must end cleanly
            for _ in proc.stdout:
                pass
            rc = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        errors = err.read().decode(errors="replace")
    if rc != 0 or frames < args.frames:
        sys.stderr.write(errors[-4000:])
        fail(f"the pipeline stopped after {frames} of {args.frames} frames "
             f"(exit status {rc})")
    return samples, labels


def write_csv(path, samples):
    with open(path, "w", encoding="ascii") as f:
        f.write("frame,elapsed_s,rss_kib\n")
        for frame, elapsed, rss in samples:
            f.write(f"{frame},{elapsed:.3f},{rss}\n")


def write_png(path, samples, warmup_frame, baseline, limit_kib, verdict,
              size):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    x = [s[0] for s in samples]
    y = [s[2] / 1024 for s in samples]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    ax.axvspan(0, warmup_frame, color="0.9", label="warm-up")
    ax.plot(x, y, marker=".", markersize=3, linewidth=1, label="RSS")
    ax.axhline((baseline + limit_kib) / 1024, color="tab:red",
               linestyle="--", linewidth=1,
               label=f"limit: after warm-up + {limit_kib} KiB")
    ax.set_xlabel("frames")
    ax.set_ylabel("RSS of the pipeline process (MiB)")
    ax.set_title(f"edgeclassify ! edgeoverlay ! edgereport, {x[-1]:,} frames "
                 f"of {size} I420: {verdict}", fontsize=10)
    ax.set_xlim(0, x[-1])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=1_000_000,
                   help="frames to stream (default 1,000,000)")
    p.add_argument("--every", type=int, default=10_000,
                   help="sample RSS every N frames (default 10,000)")
    p.add_argument("--warmup", type=int,
                   help="warm-up frames (default: 10%% of --frames)")
    p.add_argument("--limit-kib", type=int, default=1024,
                   help="allowed RSS growth after warm-up (default 1024)")
    p.add_argument("--model", help="ONNX model (default: the built-in one)")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--csv", default="soak-rss.csv", help="samples (CSV)")
    p.add_argument("--png", help="curve (PNG, needs matplotlib)")
    p.add_argument("--launch", default="gst-launch-1.0",
                   help="gst-launch-1.0 program")
    p.add_argument("--print-every", type=int, default=1,
                   help="print one sample in N (default: all)")
    args = p.parse_args()
    if args.warmup is None:
        args.warmup = args.frames // 10
    if args.every < 1 or args.print_every < 1 or args.frames < 1 or \
            not 0 <= args.warmup < args.frames - args.every:
        p.error("need 1 <= --every and 0 <= --warmup < --frames - --every")

    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        render_frames(args.launch, folder, args.width, args.height)
        samples, labels = run(args, folder)

    after = [s for s in samples if s[0] >= args.warmup]
    base_frame, _, baseline = after[0]
    peak_frame, _, peak = max(after[1:], key=lambda s: s[2])
    growth = peak - baseline
    duration = samples[-1][1]
    ok = growth <= args.limit_kib
    verdict = (f"RSS +{growth} KiB after warm-up" if growth >= 0 else
               f"RSS {growth} KiB after warm-up") + \
        (" (pass)" if ok else f" (over {args.limit_kib} KiB)")

    write_csv(args.csv, samples)
    if args.png:
        write_png(args.png, samples, base_frame, baseline, args.limit_kib,
                  verdict, f"{args.width}x{args.height}")
    print(f"frames: {args.frames} in {duration:.1f} s "
          f"({args.frames / duration:.0f} frames/s), "
          f"{len(labels)} distinct top-1 labels")
    print(f"RSS: start {samples[0][2]} KiB (frame 1), "
          f"after warm-up {baseline} KiB (frame {base_frame}), "
          f"end {samples[-1][2]} KiB, "
          f"peak after warm-up {peak} KiB (frame {peak_frame})")
    print(f"growth after warm-up: {growth} KiB, limit {args.limit_kib} KiB")
    print(f"samples: {args.csv}" + (f", curve: {args.png}" if args.png
                                     else ""))
    if len(labels) < 2:
        fail(f"every frame got the same label ({labels}): the frames do not "
             "vary as intended")
    if not ok:
        fail(f"RSS grew by {growth} KiB after warm-up (frame {base_frame}: "
             f"{baseline} KiB, frame {peak_frame}: {peak} KiB), more than "
             f"{args.limit_kib} KiB")
    print("soak: PASS")


if __name__ == "__main__":
    main()
