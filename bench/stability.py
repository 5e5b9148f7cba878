#!/usr/bin/env python3
"""How still edgeclassify's decisions hold: a camera watching scenes that do
not change, with sensor noise and jitter, through the element with each
smoothing setting.

Each scene is one Fashion-MNIST test image (Debian's dataset-fashion-mnist),
of another class than the scene before, held for --hold frames. Every frame
is the image scaled to 112x112 (bilinear), shifted by 1 or 2 pixels in a
random direction (camera shake), with sensor noise: shot noise (variance
proportional to the brightness), read noise, and a gain that drifts a few
percent from frame to frame. Then

    appsrc (GRAY8) ! videoconvert ! I420 112x112 ! edgeclassify SMOOTHING
        ! appsink

with the shipped model, the same frames for every setting. Per setting:

  spurious   label changes that are not the arrival at the new scene's
             label, per true change of scene
  accuracy   frames whose label is the scene's, percent
  delay      frames from a scene's start to its first frame with the right
             label (median, 90th percentile); a scene never labelled right
             counts as --hold frames and is counted in 'missed'

    bench/stability.py [--scenes N] [--hold F] [--seed S] [--json FILE]

Needs python3-gi, python3-gst-1.0, numpy and the plugin on GST_PLUGIN_PATH
(for a build tree: GST_PLUGIN_PATH=build/dev/gst)."""
import argparse
import gzip
import json
import os
import statistics
import sys
import threading

import gi
import numpy as np

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
SIDE = 112

SETTINGS = [
    ("none", "smoothing=none"),
    ("ema w=2 h=0.1", "smoothing=ema smoothing-window=2 hysteresis=0.1"),
    ("ema w=4 h=0.1", "smoothing=ema smoothing-window=4 hysteresis=0.1"),
    ("ema w=6 h=0.1", "smoothing=ema smoothing-window=6 hysteresis=0.1"),
    ("ema w=8 h=0", "smoothing=ema smoothing-window=8 hysteresis=0"),
    ("ema (defaults: w=8 h=0.1)", "smoothing=ema"),
    ("ema w=8 h=0.2", "smoothing=ema smoothing-window=8 hysteresis=0.2"),
    ("ema w=12 h=0.1", "smoothing=ema smoothing-window=12 hysteresis=0.1"),
    ("ema w=20 h=0.1", "smoothing=ema smoothing-window=20 hysteresis=0.1"),
    ("vote w=3 h=0", "smoothing=vote smoothing-window=3 hysteresis=0"),
    ("vote w=5 h=0", "smoothing=vote smoothing-window=5 hysteresis=0"),
    ("vote w=9 h=0", "smoothing=vote smoothing-window=9 hysteresis=0"),
    ("vote w=9 h=0.1", "smoothing=vote smoothing-window=9 hysteresis=0.1"),
    ("vote w=15 h=0", "smoothing=vote smoothing-window=15 hysteresis=0"),
    ("bayes (defaults: w=8 h=0.1)", "smoothing=bayes"),
    ("bayes w=8 h=0.5", "smoothing=bayes smoothing-window=8 hysteresis=0.5"),
    ("bayes w=20 h=0.5", "smoothing=bayes smoothing-window=20 hysteresis=0.5"),
]


def read_idx(name, header):
    path = os.path.join(DATA, name)
    opener = gzip.open
    if not os.path.exists(path):
        path, opener = path[:-3], open
    with opener(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def upscale(img):
    """28x28 -> SIDE x SIDE, bilinear (pixel centres aligned)."""
    n = img.shape[0]
    pos = (np.arange(SIDE) + 0.5) * n / SIDE - 0.5
    i0 = np.clip(np.floor(pos).astype(int), 0, n - 1)
    i1 = np.clip(i0 + 1, 0, n - 1)
    f = np.clip(pos - i0, 0.0, 1.0)
    rows = img[i0, :] * (1 - f)[:, None] + img[i1, :] * f[:, None]
    return rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]


def make_frames(images, labels, scenes, hold, rng, read_noise=30.0):
    """The frames (bytes) and the true label of each."""
    frames, truth = [], []
    last = -1
    for _ in range(scenes):
        while True:
            k = int(rng.integers(len(labels)))
            if labels[k] != last:
                break
        last = int(labels[k])
        big = upscale(images[k].astype(np.float64))
        gain = 1.0
        for _ in range(hold):
            # camera shake: 1 or 2 pixels in a random direction
            dx, dy = 0, 0
            while dx == 0 and dy == 0:
                dx, dy = (int(v) for v in rng.integers(-2, 3, 2))
            shifted = np.roll(np.roll(big, dy, axis=0), dx, axis=1)
            gain = float(np.clip(gain + rng.normal(0.0, 0.02), 0.9, 1.1))
            signal = shifted * gain
            # shot noise (Poisson-like: variance ~ signal) and read noise
            noisy = (signal + rng.normal(0.0, 1.0, signal.shape)
                     * np.sqrt(2.5 * signal + read_noise ** 2))
            frames.append(np.clip(noisy + 0.5, 0, 255).astype(np.uint8)
                          .tobytes())
            truth.append(last)
    return frames, truth


def run(frames, props):
    pipe = Gst.parse_launch(
        "appsrc name=src is-live=false format=time block=true "
        "caps=video/x-raw,format=GRAY8,width=%d,height=%d,framerate=30/1 ! "
        "videoconvert ! video/x-raw,format=I420 ! "
        "edgeclassify mode=sync post-messages=false %s ! "
        "appsink name=sink sync=false max-buffers=64" % (SIDE, SIDE, props))
    src, sink = pipe.get_by_name("src"), pipe.get_by_name("sink")
    if pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        raise SystemExit("the pipeline did not start: %s" % props)

    def push():
        duration = Gst.SECOND // 30
        for i, data in enumerate(frames):
            buf = Gst.Buffer.new_wrapped(data)
            buf.pts, buf.duration = i * duration, duration
            if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                return
        src.emit("end-of-stream")

    pusher = threading.Thread(target=push, daemon=True)
    pusher.start()
    labels = []
    for i in range(len(frames)):
        sample = sink.emit("try-pull-sample", 60 * Gst.SECOND)
        if sample is None:
            raise SystemExit("frame %d never came out" % i)
        meta = GstVideo.buffer_get_video_region_of_interest_meta_id(
            sample.get_buffer(), 0)
        s = meta.get_param("classification") if meta else None
        labels.append(s.get_int("label_id")[1] if s else -1)
    pipe.set_state(Gst.State.NULL)
    pusher.join(timeout=60)
    return labels


def measure(labels, truth, hold):
    n = len(truth)
    correct = sum(1 for a, b in zip(labels, truth) if a == b)
    changes = spurious = 0
    delays, missed = [], 0
    for start in range(0, n, hold):
        want = truth[start]
        arrived = False
        for i in range(start, start + hold):
            if i > 0 and labels[i] != labels[i - 1]:
                changes += 1
                if labels[i] == want and not arrived and start > 0:
                    pass  # the true change
                else:
                    spurious += 1
            if labels[i] == want and not arrived:
                arrived = True
                if start > 0:
                    delays.append(i - start)
        if start > 0 and not arrived:
            missed += 1
            delays.append(hold)
    true_changes = n // hold - 1
    delays.sort()
    return {
        "spurious_per_true_change": spurious / true_changes,
        "changes_per_true_change": changes / true_changes,
        "accuracy": 100.0 * correct / n,
        "delay_median": statistics.median(delays),
        "delay_p90": delays[int(0.9 * (len(delays) - 1))],
        "missed": missed,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenes", type=int, default=200)
    ap.add_argument("--hold", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    args = ap.parse_args()
    Gst.init(None)
    if Gst.ElementFactory.find("edgeclassify") is None:
        raise SystemExit("edgeclassify not found: set GST_PLUGIN_PATH")

    images = read_idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    labels = read_idx("t10k-labels-idx1-ubyte.gz", 8)
    rng = np.random.default_rng(args.seed)
    frames, truth = make_frames(images, labels, args.scenes, args.hold, rng)

    results = []
    print("%d scenes of %d frames (%d true changes), seed %d\n"
          % (args.scenes, args.hold, args.scenes - 1, args.seed))
    print("| setting | spurious changes / true change | frame accuracy % "
          "| delay median (p90), frames | scenes never right |")
    print("|---|---|---|---|---|")
    raw = None
    for name, props in SETTINGS:
        labels = run(frames, props)
        if raw is None:
            raw = labels
        m = measure(labels, truth, args.hold)
        m["setting"], m["properties"] = name, props
        results.append(m)
        print("| %s | %.2f | %.1f | %g (%g) | %d |"
              % (name, m["spurious_per_true_change"], m["accuracy"],
                 m["delay_median"], m["delay_p90"], m["missed"]))
        sys.stdout.flush()
    # What no causal smoothing can beat: every scene given, from its first
    # frame, the label the unsmoothed results gave it most often.
    ceiling = []
    for start in range(0, len(raw), args.hold):
        scene = raw[start:start + args.hold]
        ceiling += [max(set(scene), key=scene.count)] * len(scene)
    m = measure(ceiling, truth, args.hold)
    m["setting"], m["properties"] = "ceiling (hindsight)", ""
    results.append(m)
    print("| %s | %.2f | %.1f | %g (%g) | %d |"
          % (m["setting"], m["spurious_per_true_change"], m["accuracy"],
             m["delay_median"], m["delay_p90"], m["missed"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scenes": args.scenes, "hold": args.hold,
                       "seed": args.seed, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
