#!/usr/bin/env python3
"""End to end: the 10,000 Fashion-MNIST test images as a video.

Each 28x28 grey image becomes one frame pushed through

    appsrc ! videoconvert ! videoscale ! video/x-raw,format=I420,
    width=112,height=112 ! edgeclassify ! appsink

and the label on each buffer's region-of-interest meta is compared with
the dataset's label (top-1 accuracy) and with what edgenn-eval predicts for
the very same 112x112 I420 frames, which a tee writes to a file on the way
(agreement: both run the same preprocessing code and the same engine on
the same bytes, so every frame must get the same label: anything less is a
bug in one of them, not a near-tie).

    test_fashion_pipeline.py EDGENN_EVAL MODEL WORKDIR [LIMIT]

Needs Debian's dataset-fashion-mnist, python3-gi, python3-gst-1.0, numpy and
the plugin on GST_PLUGIN_PATH (meson test sets it)."""
import csv
import gzip
import os
import subprocess
import sys
import threading

import gi
import numpy as np

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
MIN_ACCURACY = 90.0   # percent, top-1 through the pipeline
SIDE = 112


def read_idx(name, header):
    path = os.path.join(DATA, name)
    opener = gzip.open if path.endswith(".gz") else open
    if not os.path.exists(path):
        path = path[:-3]
        opener = open
    with opener(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def pipeline_predictions(model, images, frames_path):
    """Label ids the element puts on the buffers, in frame order."""
    n = images.shape[0]
    pipe = Gst.parse_launch(
        "appsrc name=src is-live=false format=time block=true "
        "caps=video/x-raw,format=GRAY8,width=28,height=28,framerate=30/1 ! "
        "videoconvert ! videoscale ! "
        "video/x-raw,format=I420,width=%d,height=%d ! tee name=t "
        "t. ! queue ! edgeclassify model=\"%s\" post-messages=false ! "
        "appsink name=sink sync=false max-buffers=64 "
        "t. ! queue ! filesink location=\"%s\" sync=false"
        % (SIDE, SIDE, model, frames_path))
    src = pipe.get_by_name("src")
    sink = pipe.get_by_name("sink")
    if pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        raise SystemExit("the pipeline did not start")

    def push():
        duration = Gst.SECOND // 30
        for i in range(n):
            buf = Gst.Buffer.new_wrapped(images[i].tobytes())
            buf.pts = i * duration
            buf.duration = duration
            if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                return
        src.emit("end-of-stream")

    pusher = threading.Thread(target=push, daemon=True)
    pusher.start()
    predicted = []
    for i in range(n):
        sample = sink.emit("try-pull-sample", 60 * Gst.SECOND)
        if sample is None:
            break
        buf = sample.get_buffer()
        meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, 0)
        s = meta.get_param("classification") if meta else None
        if s is None:
            raise SystemExit("frame %d carries no classification" % i)
        ok, label_id = s.get_int("label_id")
        ok2, frame = s.get_uint64("frame")
        if not ok or not ok2 or frame != i:
            raise SystemExit("frame %d: label_id %s, frame %s"
                             % (i, label_id, frame))
        predicted.append(label_id)
    msg = pipe.get_bus().timed_pop_filtered(
        60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    pusher.join(timeout=60)
    if msg is None or msg.type != Gst.MessageType.EOS:
        raise SystemExit("no EOS after the last frame: %s"
                         % (msg.parse_error() if msg else "timeout"))
    return predicted


def evaluator_predictions(edgenn_eval, model, workdir, limit, frames_path):
    out = os.path.join(workdir, "eval-predictions.csv")
    cmd = [edgenn_eval, model, "--idx-dir", DATA, "--resize",
           "%dx%d" % (SIDE, SIDE), "--frames", frames_path,
           "--predictions", out, "-q"]
    if limit < 10000:
        cmd += ["--limit", str(limit)]
    subprocess.run(cmd, check=True)
    with open(out, newline="") as f:
        return [int(row["predicted"]) for row in csv.DictReader(f)]


def main():
    edgenn_eval, model, workdir = sys.argv[1:4]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    os.makedirs(workdir, exist_ok=True)
    Gst.init(None)

    images = read_idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    labels = read_idx("t10k-labels-idx1-ubyte.gz", 8)
    images, labels = images[:limit], labels[:limit]
    n = len(labels)

    frames_path = os.path.join(workdir, "frames-%dx%d.i420" % (SIDE, SIDE))
    try:
        ours = pipeline_predictions(model, images, frames_path)
        if len(ours) != n:
            print("FAIL: %d of %d frames came out" % (len(ours), n))
            return 1
        reference = evaluator_predictions(edgenn_eval, model, workdir, n,
                                          frames_path)
    finally:
        if os.path.exists(frames_path):
            os.unlink(frames_path)  # 188 MB for the whole test set
    if len(reference) != n:
        print("FAIL: edgenn-eval gave %d predictions for %d images"
              % (len(reference), n))
        return 1

    ours = np.array(ours)
    accuracy = 100.0 * np.mean(ours == labels)
    eval_accuracy = 100.0 * np.mean(np.array(reference) == labels)
    agreement = 100.0 * np.mean(ours == np.array(reference))
    print("%d frames of %dx%d I420: pipeline top-1 %.2f%%, edgenn-eval "
          "top-1 %.2f%%, agreement %.2f%% (%d differ)"
          % (n, SIDE, SIDE, accuracy, eval_accuracy, agreement,
             int(np.sum(ours != np.array(reference)))))
    failed = 0
    if accuracy < MIN_ACCURACY:
        print("FAIL: top-1 %.2f%% < %.1f%%" % (accuracy, MIN_ACCURACY))
        failed = 1
    differ = np.flatnonzero(ours != np.array(reference))
    if len(differ):
        print("FAIL: the pipeline and edgenn-eval disagree on %d frames, "
              "first %s" % (len(differ), differ[:10].tolist()))
        failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
