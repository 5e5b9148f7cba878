#!/usr/bin/env python3
"""The element runs a model whose height and width are symbolic: at the
input-size property, at the model's edgeclassify.input-size hint, and at
224x224 when neither is given; each time it gives the classes and
confidences edgenn-run gives for the same preprocessed tensor, and NumPy
agrees with both.

Usage: test_symbolic_element.py EDGENN_RUN WORKDIR

Frames are GRAY8 at exactly the size the model runs at, with scale 1/8,
mean 0, std 1: the preprocessed tensor is pixel / 8, exactly, so
edgenn-run gets the same tensor as a .npy file (which also binds the
symbolic dimensions there). Negative cases: input-size on a model of fixed
size that differs, and a malformed input-size, each an error on the bus
naming the property. Needs the plugin on GST_PLUGIN_PATH_1_0 (set by meson
test).
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

K = 4
SCALE = 0.125
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def weights():
    rng = np.random.default_rng(5)
    return (rng.standard_normal((K, 1, 3, 3)).astype(np.float32),
            rng.standard_normal(K).astype(np.float32))


def make_model(path, dims, hint=None):
    """x dims -> Conv(1->K, 3x3, pad 1) -> Relu -> GlobalAveragePool ->
    Flatten -> logits [batch, K]."""
    w, b = weights()
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "symbolic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       [dims[0], K])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    m = helper.make_model(graph, producer_name="test_symbolic_element.py",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    meta = {"edgeclassify.color": "GRAY", "edgeclassify.scale": "0.125",
            "edgeclassify.mean": "0", "edgeclassify.std": "1",
            "edgeclassify.resize": "stretch", "edgeclassify.output": "logits"}
    if hint:
        meta["edgeclassify.input-size"] = hint
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, path)


def oracle(x):
    """Softmax of the logits, float64."""
    w, b = weights()
    x = x.astype(np.float64)[0, 0]
    h, wd = x.shape
    xp = np.pad(x, 1)
    z = np.zeros(K)
    for k in range(K):
        acc = np.full((h, wd), float(b[k]))
        for ky in range(3):
            for kx in range(3):
                acc += w[k, 0, ky, kx] * xp[ky:ky + h, kx:kx + wd]
        z[k] = np.maximum(acc, 0).mean()
    e = np.exp(z - z.max())
    return e / e.sum()


def frames(w, h):
    rng = np.random.default_rng(w * 1000 + h)
    return [rng.integers(0, 256, (h, w), dtype=np.uint8) for _ in range(3)]


def pipeline(model, w, h, props):
    return Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        "width=%d,height=%d,framerate=1/1 ! edgeclassify model=\"%s\" "
        "top-k=%d %s ! fakesink" % (w, h, model, K, props))


def run_element(model, imgs, props):
    h, w = imgs[0].shape
    pipe = pipeline(model, w, h, props)
    src = pipe.get_by_name("src")
    bus = pipe.get_bus()
    pipe.set_state(Gst.State.PLAYING)
    for i, img in enumerate(imgs):
        buf = Gst.Buffer.new_wrapped(img.tobytes())  # widths % 4 == 0
        buf.pts = i * Gst.SECOND
        buf.duration = Gst.SECOND
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    out = []
    while True:
        msg = bus.timed_pop_filtered(
            60 * Gst.SECOND, Gst.MessageType.ELEMENT | Gst.MessageType.EOS
            | Gst.MessageType.ERROR)
        if msg is None:
            check(False, "element: no EOS")
            break
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            check(False, "element error: %s (%s)" % (err.message, dbg))
            break
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if s.get_name() == "edgeclassify":
            out.append((list(s.get_value("top_ids")),
                        list(s.get_value("top_confidences"))))
    pipe.set_state(Gst.State.NULL)
    return out


def run_tool(tool, model, work, img, i):
    x = os.path.join(work, "x%d.npy" % i)
    h, w = img.shape
    np.save(x, (img.astype(np.float32) * np.float32(SCALE))
            .reshape(1, 1, h, w))
    r = subprocess.run([tool, model, "--input", x, "--runs", "1",
                        "--warmup", "0", "--json"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "edgenn-run exited %d: %s"
          % (r.returncode, r.stderr))
    if r.returncode != 0:
        return None, None
    j = json.loads(r.stdout.strip().splitlines()[-1])
    return [t[0] for t in j["top5"]], [t[1] for t in j["top5"]]


def agree(tool, work, tag, model, w, h, props=""):
    imgs = frames(w, h)
    elem = run_element(model, imgs, props)
    check(len(elem) == len(imgs), "%s: %d results for %d frames"
          % (tag, len(elem), len(imgs)))
    for i, img in enumerate(imgs[:len(elem)]):
        ids, confs = elem[i]
        run_ids, run_p = run_tool(tool, model, work, img, i)
        p = oracle(img.astype(np.float32).reshape(1, 1, h, w) * SCALE)
        order = list(np.argsort(-p, kind="stable"))
        print("%s frame %d: element %s %s, edgenn-run %s, NumPy %s"
              % (tag, i, ids, np.round(confs, 5), run_ids, order))
        check(ids == run_ids[:K] and [np.float32(c) for c in confs]
              == [np.float32(c) for c in run_p[:K]],
              "%s frame %d: element %s %s vs edgenn-run %s %s"
              % (tag, i, ids, confs, run_ids, run_p))
        check(ids == order, "%s frame %d: element order %s, NumPy %s"
              % (tag, i, ids, order))
        check(np.allclose(confs, p[order], atol=1e-5),
              "%s frame %d: confidences %s, NumPy %s"
              % (tag, i, confs, p[order]))


def start_error(model, props):
    pipe = pipeline(model, 16, 8, props)
    pipe.set_state(Gst.State.PAUSED)
    msg = pipe.get_bus().timed_pop_filtered(10 * Gst.SECOND,
                                            Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg is None:
        return None
    err, dbg = msg.parse_error()
    return err, "%s %s" % (err.message, dbg)


def main():
    tool, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    Gst.init(None)
    sym = os.path.join(work, "sym.onnx")
    hinted = os.path.join(work, "sym-hint.onnx")
    fixed = os.path.join(work, "fixed.onnx")
    make_model(sym, ["batch", 1, "height", "width"])
    make_model(hinted, ["batch", 1, "height", "width"], hint="16x12")
    make_model(fixed, [1, 1, 8, 8])

    agree(tool, work, "input-size", sym, 20, 8, "input-size=20x8")
    agree(tool, work, "input-size over the hint", hinted, 8, 4,
          "input-size=8x4")
    agree(tool, work, "hint", hinted, 16, 12)
    agree(tool, work, "default 224x224", sym, 224, 224)

    for model, props, needle in [
            (fixed, "input-size=16x8", "axis 3 is 8 in the model, 16 given"),
            (sym, "input-size=16*8", "expected WIDTHxHEIGHT")]:
        e = start_error(model, props)
        print(props, "->", e and e[1])
        check(e is not None and e[0].matches(Gst.LibraryError.quark(),
                                             Gst.LibraryError.SETTINGS)
              and 'property "input-size"' in e[0].message and needle in e[1],
              "%s: error %r" % (props, e and e[1]))
    if failures:
        sys.exit("%d failures" % len(failures))
    print("all agree")


if __name__ == "__main__":
    main()
