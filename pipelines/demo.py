#!/usr/bin/python3
"""The demo: Fashion-MNIST test images played as a video through
edgeclassify -> edgereport -> edgeoverlay into an annotated WebM file and a
JSON-lines results file, then a summary (frames, accuracy against the known
labels, frames per second).

Needs: the edgeclassify plugin on GST_PLUGIN_PATH, Debian's
dataset-fashion-mnist, python3-gst-1.0, gstreamer1.0-plugins-good (vp8enc).

    GST_PLUGIN_PATH=build/gst pipelines/demo.py [--frames N] [--out DIR]
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, want_magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic != want_magic:
        raise SystemExit(f"{path}: not an IDX file (magic {magic:#x})")
    if want_magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return data[16:], count, rows, cols
    return data[8:], count, 0, 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=10000,
                    help="test images to play (at most 10000)")
    ap.add_argument("--out", default="demo-output", help="output folder")
    ap.add_argument("--size", type=int, default=224,
                    help="video size the images are scaled to")
    ap.add_argument("--model", default=None,
                    help="ONNX model (default: the built-in Fashion-MNIST model)")
    args = ap.parse_args()

    images, n, rows, cols = read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz", 0x803)
    labels, n_labels, _, _ = read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz", 0x801)
    if n != n_labels:
        raise SystemExit("images and labels disagree")
    frames = max(1, min(args.frames, n))
    os.makedirs(args.out, exist_ok=True)
    video = os.path.join(args.out, "demo.webm")
    results = os.path.join(args.out, "results.jsonl")
    if os.path.exists(results):
        os.unlink(results)

    Gst.init(None)
    model = f" model={args.model}" if args.model else ""
    launch = (
        f"appsrc name=src is-live=false format=time block=true max-bytes=1000000 "
        f"caps=video/x-raw,format=GRAY8,width={cols},height={rows},framerate=25/1 "
        f"! videoscale ! video/x-raw,width={args.size},height={args.size} "
        f"! edgeclassify{model} post-messages=false "
        f"! edgereport location={results} "
        f"! edgeoverlay ! videoconvert ! vp8enc deadline=1 cpu-used=8 "
        f"! webmmux ! filesink location={video}")
    pipeline = Gst.parse_launch(launch)
    src = pipeline.get_by_name("src")
    pipeline.set_state(Gst.State.PLAYING)

    start = time.monotonic()
    frame_ns = Gst.SECOND // 25
    size = rows * cols
    for i in range(frames):
        buf = Gst.Buffer.new_wrapped(images[i * size:(i + 1) * size])
        buf.pts = i * frame_ns
        buf.duration = frame_ns
        if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
            break
    src.emit("end-of-stream")

    bus = pipeline.get_bus()
    msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE,
                                 Gst.MessageType.EOS | Gst.MessageType.ERROR)
    elapsed = time.monotonic() - start
    pipeline.set_state(Gst.State.NULL)
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        print(f"demo: pipeline error: {err.message}\n{debug}", file=sys.stderr)
        return 1

    seen = correct = 0
    with open(results, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for c in rec.get("classifications", []):
                i = c["frame"]
                if 0 <= i < frames:
                    seen += 1
                    correct += c["label_id"] == labels[i]
    if seen == 0:
        print("demo: no results were written", file=sys.stderr)
        return 1
    print(f"frames:    {frames} played, {seen} classified")
    print(f"accuracy:  {100.0 * correct / seen:.2f}% top-1 against the known labels")
    print(f"speed:     {frames / elapsed:.0f} frames/s through the whole pipeline "
          f"(scale, classify, report, overlay, VP8 encode)")
    print(f"video:     {video}")
    print(f"results:   {results}")
    return 0 if seen == frames else 1


if __name__ == "__main__":
    sys.exit(main())
