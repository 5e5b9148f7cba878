#!/usr/bin/python3
"""valgrind memcheck over a whole pipeline: N frames (default 500) through
edgeclassify ! edgeoverlay ! edgereport in gst-launch-1.0. Passes when
memcheck reports 0 bytes definitely lost and no memory error, the pipeline
ends cleanly and every frame was reported.

    valgrind_pipeline.py --valgrind /usr/bin/valgrind --out DIR \\
        [--suppressions FILE] [--frames 500] [--model MODEL.onnx]

The plugin is found through the GStreamer environment (GST_PLUGIN_PATH_1_0
and a private GST_REGISTRY_1_0, set by meson test). The registry is brought
up to date before valgrind starts, so no plugin scan runs under it and only
the plugins the pipeline uses are loaded. GLib is told to use plain malloc
(G_SLICE=always-malloc) and to clear what it frees (G_DEBUG=gc-friendly),
so memcheck sees GLib's blocks as they are.
"""
import argparse
import os
import re
import subprocess
import sys


def fail(msg, log=None):
    if log:
        sys.stderr.write(log)
    print(f"valgrind: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--valgrind", required=True)
    p.add_argument("--out", required=True, help="folder for the outputs")
    p.add_argument("--suppressions", action="append", default=[])
    p.add_argument("--frames", type=int, default=500)
    p.add_argument("--width", type=int, default=160)
    p.add_argument("--height", type=int, default=120)
    p.add_argument("--model")
    args = p.parse_args()

    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "valgrind.log")
    report = os.path.join(args.out, "valgrind-report.jsonl")
    for path in (log_path, report):
        if os.path.exists(path):
            os.unlink(path)

    # the registry first, outside valgrind
    subprocess.run(["gst-inspect-1.0", "edgeclassify"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["gst-inspect-1.0", "edgereport"], check=True,
                   stdout=subprocess.DEVNULL)

    env = dict(os.environ, GST_REGISTRY_UPDATE="no",
               G_SLICE="always-malloc", G_DEBUG="gc-friendly")
    classify = ["edgeclassify"] + ([f"model={args.model}"] if args.model
                                   else [])
    cmd = [args.valgrind, "--tool=memcheck", "--leak-check=full",
           "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
           "--error-exitcode=99", "--num-callers=40",
           f"--log-file={log_path}"]
    cmd += [f"--suppressions={s}" for s in args.suppressions]
    cmd += ["gst-launch-1.0", "-q",
            "videotestsrc", f"num-buffers={args.frames}", "pattern=ball", "!",
            f"video/x-raw,format=I420,width={args.width},"
            f"height={args.height}", "!",
            *classify, "!", "edgeoverlay", "!",
            "edgereport", f"location={report}", "!", "fakesink"]
    print(" ".join(cmd), flush=True)
    rc = subprocess.run(cmd, env=env).returncode

    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError as e:
        fail(f"no valgrind log: {e}")
    start = log.find("HEAP SUMMARY")
    summary = log[start:] if start >= 0 else log[-6000:]
    print(summary)

    if re.search(r"All heap blocks were freed -- no leaks are possible", log):
        lost = 0
    else:
        m = re.search(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks",
                      log)
        if not m:
            fail("no leak summary in the valgrind log "
                 "(did the process run to its end?)", log[-6000:])
        lost = int(m.group(1).replace(",", ""))
    m = re.search(r"ERROR SUMMARY: ([\d,]+) errors", log)
    errors = int(m.group(1).replace(",", "")) if m else -1
    try:
        with open(report, encoding="utf-8") as f:
            lines = sum(1 for _ in f)
    except OSError:
        lines = 0

    print(f"definitely lost: {lost} bytes; memcheck errors: {errors}; "
          f"frames reported: {lines} of {args.frames}; exit status {rc}")
    if lost != 0:
        fail(f"{lost} bytes definitely lost (records above, full log in "
             f"{log_path})", log[:start] if start > 0 else None)
    if errors != 0:
        fail(f"memcheck reported {errors} errors (see {log_path})",
             log[:start] if start > 0 else None)
    if rc != 0:
        fail(f"gst-launch-1.0 under valgrind exited with status {rc}")
    if lines != args.frames:
        fail(f"{lines} report lines for {args.frames} frames")
    print("valgrind: PASS")


if __name__ == "__main__":
    main()
