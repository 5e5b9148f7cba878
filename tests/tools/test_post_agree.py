#!/usr/bin/env python3
"""The element, edgenn-eval and edgenn-run name the same classes with the
same confidences for the same tensor.

Usage: test_post_agree.py EDGENN_RUN EDGENN_EVAL WORKDIR

The model is tiny and its output a known function of its input: a 4x4 gray
image, scale 1/8, then a Gemm whose rows pick single pixels, so logit j is
pixel j / 8 exactly (class 4 repeats pixel 3: a tie every time; class 5 is
the mean of pixels 4 and 5). The oracle is NumPy: the logits exactly, the
softmax in float64, the order by logit then class id. Each image goes
  - to the element as a GRAY8 frame (appsrc; results from the bus),
  - to edgenn-eval in an IDX file (results from --predictions),
  - to edgenn-run as a .npy tensor (results from --json; OUT.npy must stay
    the raw logits),
once through a model whose metadata says "logits" (with labels) and once
through one ending in Softmax that says "probabilities" (no labels).
Needs the plugin on GST_PLUGIN_PATH_1_0 (set by meson test).
"""
import csv
import json
import os
import struct
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

W, H, K = 4, 4, 6
SCALE = 0.125
LABELS = ["zero", "one", "two", "three", "three-again", "mean-of-4-5"]
THRESHOLD = 0.4
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def weights():
    """Rows pick pixels: the logits are a known function of the image."""
    w = np.zeros((K, W * H), np.float32)
    for j in range(4):
        w[j, j] = 1.0
    w[4, 3] = 1.0
    w[5, 4] = w[5, 5] = 0.5
    return w


def make_model(path, logits):
    nodes = [helper.make_node("Flatten", ["input"], ["flat"], axis=1),
             helper.make_node("Gemm", ["flat", "w", "b"],
                              ["scores" if logits else "z"], transB=1)]
    if not logits:
        nodes.append(helper.make_node("Softmax", ["z"], ["scores"], axis=1))
    graph = helper.make_graph(
        nodes, "post-agree",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       [1, 1, H, W])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, K])],
        [numpy_helper.from_array(weights(), "w"),
         numpy_helper.from_array(np.zeros(K, np.float32), "b")])
    m = helper.make_model(graph, producer_name="test_post_agree.py",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    meta = {"edgeclassify.color": "GRAY", "edgeclassify.scale": "0.125",
            "edgeclassify.mean": "0", "edgeclassify.std": "1",
            "edgeclassify.resize": "stretch",
            "edgeclassify.output": "logits" if logits else "probabilities"}
    if logits:
        meta["edgeclassify.labels"] = "\n".join(LABELS)
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, path)


def images():
    """Pixels 0..255: every logit gap is below 32, so no probability
    underflows and the order by logit is the order by probability."""
    rng = np.random.default_rng(11)
    imgs = [np.zeros((H, W), np.uint8)]                  # all tied
    tied = np.zeros((H, W), np.uint8)
    tied.flat[:6] = [10, 20, 30, 250, 0, 0]              # 3 and 4 lead
    imgs.append(tied)
    order = np.zeros((H, W), np.uint8)
    order.flat[:6] = [255, 1, 128, 64, 200, 100]         # no ties
    imgs.append(order)
    same = np.full((H, W), 77, np.uint8)                 # all tied again
    imgs.append(same)
    for _ in range(8):
        imgs.append(rng.integers(0, 256, (H, W), dtype=np.uint8))
    return imgs


def oracle(img, logits_model):
    x = img.astype(np.float32) * np.float32(SCALE)
    z = weights() @ x.reshape(-1)                       # exact: k/8 sums
    z64 = z.astype(np.float64)
    e = np.exp(z64 - z64.max())
    p = e / e.sum()
    order = sorted(range(K), key=lambda j: (-z64[j], j))
    return z, p, order


def write_idx(path_images, path_labels, imgs):
    with open(path_images, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(imgs), H, W))
        for img in imgs:
            f.write(img.tobytes())
    with open(path_labels, "wb") as f:
        f.write(struct.pack(">II", 0x801, len(imgs)))
        f.write(bytes(i % K for i in range(len(imgs))))


def run_element(model, imgs, top_k):
    """One bus message per frame, as dicts."""
    pipe = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,width=%d,"
        "height=%d,framerate=1/1 ! edgeclassify model=\"%s\" top-k=%d "
        "threshold=%g ! fakesink" % (W, H, model, top_k, THRESHOLD))
    src = pipe.get_by_name("src")
    bus = pipe.get_bus()
    pipe.set_state(Gst.State.PLAYING)
    for i, img in enumerate(imgs):
        buf = Gst.Buffer.new_wrapped(img.tobytes())     # stride 4: no padding
        buf.pts = i * Gst.SECOND
        buf.duration = Gst.SECOND
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    out = []
    while True:
        msg = bus.timed_pop_filtered(
            60 * Gst.SECOND, Gst.MessageType.ELEMENT | Gst.MessageType.EOS |
            Gst.MessageType.ERROR)
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
        if s.get_name() != "edgeclassify":
            continue
        out.append({
            "label": s.get_string("label"),
            "label_id": s.get_int("label_id")[1],
            "confidence": s.get_double("confidence")[1],
            "ids": list(s.get_value("top_ids")),
            "confs": list(s.get_value("top_confidences")),
            "labels": list(s.get_value("top_labels")),
        })
    pipe.set_state(Gst.State.NULL)
    return out


def run_eval(tool, model, work, imgs):
    xi, yi = os.path.join(work, "x.idx"), os.path.join(work, "y.idx")
    pred = os.path.join(work, "pred.csv")
    write_idx(xi, yi, imgs)
    r = subprocess.run([tool, model, "--images", xi, "--labels", yi,
                        "--predictions", pred, "-q"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "edgenn-eval exited %d: %s"
          % (r.returncode, r.stderr))
    with open(pred) as f:
        rows = list(csv.DictReader(f))
    return [(int(r["predicted"]), float(r["confidence"])) for r in rows]


def run_run(tool, model, work, img, i):
    x = os.path.join(work, "x%d.npy" % i)
    y = os.path.join(work, "y%d.npy" % i)
    np.save(x, (img.astype(np.float32) * np.float32(SCALE))
            .reshape(1, 1, H, W))
    r = subprocess.run([tool, model, "--input", x, "--output", y,
                        "--runs", "1", "--warmup", "0", "--json"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "edgenn-run exited %d: %s"
          % (r.returncode, r.stderr))
    return json.loads(r.stdout.strip().splitlines()[-1]), np.load(y)


def agree(run_tool, eval_tool, work, logits_model):
    kind = "logits" if logits_model else "probabilities"
    model = os.path.join(work, "post-%s.onnx" % kind)
    make_model(model, logits_model)
    imgs = images()
    elem = run_element(model, imgs, K)
    ev = run_eval(eval_tool, model, work, imgs)
    check(len(elem) == len(imgs), "%s: %d element messages for %d frames"
          % (kind, len(elem), len(imgs)))
    check(len(ev) == len(imgs), "%s: %d predictions" % (kind, len(ev)))
    names = LABELS if logits_model else [str(j) for j in range(K)]
    for i, img in enumerate(imgs):
        z, p, order = oracle(img, logits_model)
        want_top = order[:5]
        j, raw = run_run(run_tool, model, work, img, i)
        tag = "%s image %d" % (kind, i)
        print("%s: oracle %s p %s" % (tag, order, np.round(p[order], 4)))

        # edgenn-run: OUT.npy is the raw output, untouched
        want_raw = z if logits_model else p
        check(raw.shape == (1, K), "%s: OUT.npy shape %s" % (tag, raw.shape))
        if logits_model:
            check(np.array_equal(raw[0], z), "%s: OUT.npy %s, logits %s"
                  % (tag, raw[0], z))
        else:
            check(np.allclose(raw[0], want_raw, atol=1e-6),
                  "%s: OUT.npy %s vs %s" % (tag, raw[0], want_raw))
        run_ids = [t[0] for t in j["top5"]]
        run_p = [t[1] for t in j["top5"]]
        check(j["softmax"] == logits_model, "%s: softmax %s" % (tag,
                                                                 j["softmax"]))
        check(run_ids == want_top, "%s: edgenn-run top %s, oracle %s"
              % (tag, run_ids, want_top))
        check(np.allclose(run_p, p[want_top], atol=1e-6),
              "%s: edgenn-run probabilities %s vs %s"
              % (tag, run_p, p[want_top]))
        if logits_model:
            check(j.get("top5_labels") == [names[k] for k in want_top],
                  "%s: edgenn-run labels %s" % (tag, j.get("top5_labels")))
        else:
            check("top5_labels" not in j, "%s: labels without any" % tag)

        # the element: all six, the threshold, the labels
        if i < len(elem):
            e = elem[i]
            check(e["ids"] == order, "%s: element top %s, oracle %s"
                  % (tag, e["ids"], order))
            check(np.allclose(e["confs"], p[order], atol=1e-6),
                  "%s: element confidences %s" % (tag, e["confs"]))
            want_id = order[0] if p[order[0]] >= THRESHOLD else -1
            check(e["label_id"] == want_id, "%s: element label_id %d, want %d"
                  % (tag, e["label_id"], want_id))
            check(e["label"] == (names[want_id] if want_id >= 0
                                 else "unknown"),
                  "%s: element label %s" % (tag, e["label"]))
            check(e["labels"] == [names[k] for k in order],
                  "%s: element labels %s" % (tag, e["labels"]))
            # bit for bit the same numbers as edgenn-run (one nn code path)
            check(e["ids"][:5] == run_ids and
                  [np.float32(c) for c in e["confs"][:5]] ==
                  [np.float32(c) for c in run_p],
                  "%s: element %s %s vs edgenn-run %s %s"
                  % (tag, e["ids"], e["confs"], run_ids, run_p))
        # edgenn-eval: its prediction and confidence
        if i < len(ev):
            pred, conf = ev[i]
            check(pred == order[0], "%s: edgenn-eval predicted %d, oracle %d"
                  % (tag, pred, order[0]))
            check(abs(conf - run_p[0]) <= 5e-7,
                  "%s: edgenn-eval confidence %f, edgenn-run %r"
                  % (tag, conf, run_p[0]))


def with_meta(src, dst, key, value):
    m = onnx.load(src)
    for p in m.metadata_props:
        if p.key == key:
            p.value = value
            break
    else:
        p = m.metadata_props.add()
        p.key, p.value = key, value
    onnx.save(m, dst)


def element_error(model):
    """The error the element posts when it starts with `model`, or None."""
    pipe = Gst.parse_launch("appsrc caps=video/x-raw,format=GRAY8,width=%d,"
                            "height=%d,framerate=1/1 ! edgeclassify "
                            "model=\"%s\" ! fakesink" % (W, H, model))
    pipe.set_state(Gst.State.PAUSED)
    msg = pipe.get_bus().timed_pop_filtered(10 * Gst.SECOND,
                                            Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg is None:
        return None
    err, dbg = msg.parse_error()
    return "%s %s" % (err.message, dbg)


def bad_hints(run_tool, eval_tool, work):
    """Malformed metadata: the element and edgenn-eval refuse the model
    with the same key in the message; edgenn-run still runs it, warns, and
    shows the values as they are."""
    good = os.path.join(work, "post-logits.onnx")
    imgs = images()[:2]
    cases = [("edgeclassify.scale", "1/8", "edgeclassify.scale"),
             ("edgeclassify.color", "RGB", "edgeclassify.color"),
             ("edgeclassify.mean", "1,2,3", "edgeclassify.mean"),
             ("edgeclassify.labels", "a\nb", "edgeclassify.labels")]
    for i, (key, value, needle) in enumerate(cases):
        bad = os.path.join(work, "bad%d.onnx" % i)
        with_meta(good, bad, key, value)
        tag = "%s=%r" % (key, value)
        e = element_error(bad)
        check(e is not None and needle in e,
              "%s: element error %r" % (tag, e))
        xi, yi = os.path.join(work, "bx.idx"), os.path.join(work, "by.idx")
        write_idx(xi, yi, imgs)
        r = subprocess.run([eval_tool, bad, "--images", xi, "--labels", yi,
                            "-q"], capture_output=True, text=True,
                           timeout=120)
        print(tag, "edgenn-eval:", r.returncode, r.stderr.strip())
        check(r.returncode == 1 and needle in r.stderr,
              "%s: edgenn-eval exit %d: %s" % (tag, r.returncode, r.stderr))
    # edgenn-run: a model it can run, hints it cannot use
    bad = os.path.join(work, "bad0.onnx")
    x = os.path.join(work, "bx.npy")
    np.save(x, np.zeros((1, 1, H, W), np.float32))
    r = subprocess.run([run_tool, bad, "--input", x, "--runs", "1",
                        "--json"], capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0 and "warning" in r.stderr
          and "edgeclassify.scale" in r.stderr,
          "edgenn-run on bad hints: %d %s" % (r.returncode, r.stderr))
    if r.returncode == 0:
        j = json.loads(r.stdout.strip().splitlines()[-1])
        check(j["softmax"] is False and "top5_labels" not in j
              and [t[1] for t in j["top5"]] == [0.0] * 5,
              "edgenn-run on bad hints: %s" % j)


def main():
    run_tool, eval_tool, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    Gst.init(None)
    agree(run_tool, eval_tool, work, True)
    agree(run_tool, eval_tool, work, False)
    bad_hints(run_tool, eval_tool, work)
    if failures:
        sys.exit("%d failures" % len(failures))
    print("all agree")


if __name__ == "__main__":
    main()
