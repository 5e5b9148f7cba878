"""A long-lived peer process for the benchmark: PyTorch or OpenCV DNN.

    python3 peer.py torch|opencv --threads T --models-dir DIR

Reads one JSON request a line on stdin, answers one JSON line on stdout
(the same protocol as node/ort_worker.js):

    {"op": "load", "key": K, "model": NAME, "onnx": PATH, "input": NPY}
    {"op": "run", "key": K, "warmup": W, "runs": N, "output": NPY or null}
    {"op": "info"}      {"op": "quit"}

Every answer has "ok"; failures carry "error" and never end the process.
The timed loop times each inference on its own, the way edgenn-run does, so
start-up and loading are excluded.
"""

import argparse
import json
import os
import sys
import time
import traceback

import numpy as np


def summary(times_ns, threads):
    us = np.asarray(times_ns, dtype=np.float64) / 1e3
    return {"median_us": float(np.median(us)),
            "p90_us": float(np.percentile(us, 90)),
            "p99_us": float(np.percentile(us, 99)),
            "min_us": float(us.min()), "mean_us": float(us.mean()),
            "runs": int(us.size), "threads": threads}


class TorchPeer:
    def __init__(self, threads, models_dir):
        import torch
        self.torch = torch
        self.threads = threads
        torch.set_num_threads(threads)
        self.models_dir = models_dir
        self.loaded = {}

    def info(self):
        t = self.torch
        return {"peer": "pytorch", "version": t.__version__,
                "threads": t.get_num_threads(),
                "mkldnn": bool(t.backends.mkldnn.is_available())}

    def load(self, key, name, onnx_path, input_path):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import models
        module = models.build_torch(name, self.models_dir)
        x = self.torch.from_numpy(np.load(input_path))
        self.loaded[key] = (module, x)

    def run(self, key, warmup, runs):
        torch = self.torch
        torch.set_num_threads(self.threads)
        module, x = self.loaded[key]
        times = []
        with torch.no_grad():
            for i in range(warmup + runs):
                t0 = time.perf_counter_ns()
                y = module(x)
                t1 = time.perf_counter_ns()
                if i >= warmup:
                    times.append(t1 - t0)
        return times, y.numpy()


class OpenCVPeer:
    def __init__(self, threads, models_dir):
        import cv2
        self.cv2 = cv2
        self.threads = threads
        cv2.setNumThreads(threads)
        self.loaded = {}

    def info(self):
        cv2 = self.cv2
        return {"peer": "opencv", "version": cv2.__version__,
                "threads": cv2.getNumThreads()}

    def load(self, key, name, onnx_path, input_path):
        cv2 = self.cv2
        net = cv2.dnn.readNetFromONNX(onnx_path)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        x = np.load(input_path)
        net.setInput(x)
        net.forward()  # fails here, not in the timed loop, on unsupported ops
        self.loaded[key] = (net, x)

    def run(self, key, warmup, runs):
        self.cv2.setNumThreads(self.threads)
        net, x = self.loaded[key]
        net.setInput(x)
        times = []
        for i in range(warmup + runs):
            t0 = time.perf_counter_ns()
            y = net.forward()
            t1 = time.perf_counter_ns()
            if i >= warmup:
                times.append(t1 - t0)
        return times, np.array(y, copy=True)


def short_error(exc):
    lines = [ln.strip().lstrip("> ").strip()
             for ln in str(exc).strip().splitlines()]
    lines = [ln for ln in lines if ln]
    # OpenCV: "Node [Op@domain]:(name) parse error: <file>: error: (...)"
    # and maybe "(expected: '...'), where" below it. Keep one line.
    node = next((ln for ln in lines if ln.startswith("Node [")), None)
    if node:
        head = node.split(" parse error")[0]
        expected = next((ln for ln in lines if ln.startswith("(expected:")),
                        None)
        detail = expected.removesuffix(", where") if expected else \
            node.rpartition("error: ")[2]
        return f"cannot import {head}: {detail}"[:300]
    if lines:
        return f"{type(exc).__name__}: {lines[-1][:300]}"
    return type(exc).__name__


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", choices=["torch", "opencv"])
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--models-dir", required=True)
    args = ap.parse_args()

    # The protocol owns stdout; anything the libraries print goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def answer(obj):
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    try:
        peer = (TorchPeer if args.peer == "torch" else OpenCVPeer)(
            args.threads, args.models_dir)
    except Exception as exc:  # the driver reports this peer as n/a
        answer({"ok": False, "error": short_error(exc)})
        return 1
    answer({"ok": True, "ready": True, **peer.info()})

    for line in sys.stdin:
        try:
            req = json.loads(line)
        except ValueError:
            answer({"ok": False, "error": "bad request"})
            continue
        op = req.get("op")
        try:
            if op == "quit":
                answer({"ok": True})
                return 0
            if op == "info":
                answer({"ok": True, **peer.info()})
            elif op == "load":
                peer.load(req["key"], req["model"], req["onnx"], req["input"])
                answer({"ok": True})
            elif op == "run":
                times, y = peer.run(req["key"], int(req["warmup"]),
                                    int(req["runs"]))
                if req.get("output"):
                    np.save(req["output"], np.ascontiguousarray(y))
                answer({"ok": True, **summary(times, args.threads)})
            else:
                answer({"ok": False, "error": f"unknown op {op!r}"})
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            answer({"ok": False, "error": short_error(exc)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
