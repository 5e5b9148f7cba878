#!/usr/bin/env python3
"""PyTorch parity: export models with torch.onnx.export, or build them the
way other exporters do, and check that nn, driven through edgenn-run, gives
the oracle's outputs.

Usage: parity.py EDGENN_RUN [--models NAME,...] [--keep DIR] [--list]

Groups (--models takes model names or these group names):
  fixed      the seed CNN (1x1x28x28) and resnet18, mobilenet_v2,
             squeezenet1_1 at 1x3x224x224, opset 13, as exported before
             symbolic shapes existed
  symbolic   torchvision's shufflenet_v2_x0_5, convnext_tiny, vit_b_32,
             swin_t, efficientnet_v2_s, regnet_y_400mf, mobilenet_v3_large
             and resnet50, exported with symbolic batch, height and width
             at opsets 11, 13 and 17, each run at two input shapes (bound
             from the .npy file); the oracle is the PyTorch model
  exporters  graphs in the patterns of other exporters, built with the
             onnx helpers: NHWC input behind a Transpose, Upsample at opset
             9, HardSigmoid, Shape -> Gather -> Unsqueeze -> Concat ->
             Reshape chains, Clip with min and max as inputs; the oracle is
             PyTorch's functional ops on the same weights

Random weights from a fixed seed; BatchNorm statistics measured on random
batches; eval mode. An output passes when
max |nn - oracle| <= 1e-4 * max(1, max |oracle|), and an oracle near zero
fails (it would pass anything).

Two shapes per model: height and width where the architecture allows
(vit_b_32 is built for 64x64 images and its position embedding fixes the
size, so its two shapes differ in batch; swin_t is traced at 192x192 and
run at 160x160 and 192x192, sizes whose windows shift as they did when it
was traced, since torchvision decides that in Python at trace time).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
import torchvision
from torch import nn
import torch.nn.functional as F

SEED = 1234
N_INPUTS = 3
REL_TOL = 1e-4
OPSETS = (11, 13, 17)


class SeedCNN(nn.Module):
    """Conv(1->32) ReLU MaxPool Conv(32->64) ReLU MaxPool Conv(64->64) ReLU
    Flatten Dense(576->64) ReLU Dense(64->10) Softmax."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
            nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
            nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)


tv = torchvision.models

# name: (factory, shape)
FIXED = {
    "seed": (SeedCNN, (1, 1, 28, 28)),
    "resnet18": (lambda: tv.resnet18(weights=None), (1, 3, 224, 224)),
    "mobilenet_v2": (lambda: tv.mobilenet_v2(weights=None),
                     (1, 3, 224, 224)),
    "squeezenet1_1": (lambda: tv.squeezenet1_1(weights=None),
                      (1, 3, 224, 224)),
}

# name: (factory, trace shape, [run shapes])
SYMBOLIC = {
    "shufflenet_v2_x0_5": (lambda: tv.shufflenet_v2_x0_5(weights=None),
                           (1, 3, 64, 64), [(1, 3, 64, 64), (2, 3, 96, 80)]),
    "convnext_tiny": (lambda: tv.convnext_tiny(weights=None),
                      (1, 3, 64, 64), [(1, 3, 64, 64), (1, 3, 96, 96)]),
    "vit_b_32": (lambda: tv.vit_b_32(weights=None, image_size=64),
                 (1, 3, 64, 64), [(1, 3, 64, 64), (2, 3, 64, 64)]),
    "swin_t": (lambda: tv.swin_t(weights=None),
               (1, 3, 192, 192), [(1, 3, 160, 160), (1, 3, 192, 192)]),
    "efficientnet_v2_s": (lambda: tv.efficientnet_v2_s(weights=None),
                          (1, 3, 64, 64), [(1, 3, 64, 64), (1, 3, 96, 112)]),
    "regnet_y_400mf": (lambda: tv.regnet_y_400mf(weights=None),
                       (1, 3, 64, 64), [(1, 3, 64, 64), (2, 3, 96, 96)]),
    "mobilenet_v3_large": (lambda: tv.mobilenet_v3_large(weights=None),
                           (1, 3, 64, 64), [(1, 3, 64, 64), (1, 3, 96, 128)]),
    "resnet50": (lambda: tv.resnet50(weights=None),
                 (1, 3, 64, 64), [(1, 3, 64, 64), (1, 3, 96, 96)]),
}


def calibrate_batchnorm(model, shapes):
    """Gives BatchNorm layers the statistics of real activations, at every
    input shape the model will run at.

    With fresh running stats (mean 0, var 1) an untrained mobilenet_v2 decays
    to outputs near 1e-9, which any tolerance passes; measured statistics
    keep every network's activations near unit scale and make the folded
    BatchNorm scales and shifts non-trivial. Measured at one size only, a
    deep network run at another can blow up (efficientnet_v2_s reaches
    outputs of 500, where float32 rounding alone, PyTorch's own included,
    is beyond the tolerance)."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None      # cumulative average over the batches
    model.train()
    with torch.no_grad():
        for shape in shapes:
            for _ in range(2):
                model(torch.randn((8,) + tuple(shape[1:])))


def make_model(make, shapes):
    torch.manual_seed(SEED)
    model = make()
    # Parameters an architecture starts at zero (ViT's classifier head)
    # would make the output zero whatever nn computes.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1 and float(p.abs().max()) == 0.0:
                p.normal_(0.0, 0.02)
    calibrate_batchnorm(model, shapes)
    model.eval()
    return model


def export(model, shape, path, opset, symbolic):
    kw = {}
    if symbolic:
        kw["dynamic_axes"] = {"input": {0: "batch", 2: "height",
                                        3: "width"},
                              "output": {0: "batch"}}
    # Not under no_grad: nn.MultiheadAttention then takes its fused path,
    # which the exporter cannot write.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(shape), path,
                          opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=True,
                          **kw)


def run_nn(tool, model_path, x_path, y_path, extra):
    cmd = [tool, model_path, "--input", x_path, "--output", y_path,
           "--runs", "1", "--warmup", "0", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        why = ("signal %d" % -r.returncode if r.returncode < 0
               else "status %d" % r.returncode)
        return None, "edgenn-run ended with %s: %s" % (why, r.stderr.strip())
    return np.load(y_path), None


class Report:
    def __init__(self):
        self.failures = 0

    def compare(self, label, got, err, ref):
        if err is None and got.shape != ref.shape:
            err = "shape %s, oracle has %s" % (got.shape, ref.shape)
        if err is None and float(np.abs(ref).max()) < 1e-3:
            # A near-zero reference would pass whatever nn computes.
            err = ("oracle output is degenerate (max |ref| %.3g)"
                   % float(np.abs(ref).max()))
        if err is not None:
            print("FAIL %s %s" % (label, err), flush=True)
            self.failures += 1
            return
        limit = REL_TOL * max(1.0, float(np.abs(ref).max()))
        diff = float(np.abs(got.astype(np.float64) - ref).max())
        ok = diff <= limit
        self.failures += not ok
        print("%s %s max abs error %.3g (limit %.3g, max |ref| %.3g)"
              % ("ok  " if ok else "FAIL", label, diff, limit,
                 float(np.abs(ref).max())), flush=True)


def check(tool, tmp, rep, label, onnx_path, oracle, x, extra=()):
    x_path = os.path.join(tmp, "x.npy")
    y_path = os.path.join(tmp, "y.npy")
    np.save(x_path, x)
    ref = oracle(x)
    got, err = run_nn(tool, onnx_path, x_path, y_path, list(extra))
    rep.compare(label, got, err, ref)


def torch_oracle(model):
    def f(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    return f


def run_fixed(tool, tmp, out_dir, rep, name):
    make, shape = FIXED[name]
    model = make_model(make, [shape])
    path = os.path.join(out_dir, name + ".onnx")
    export(model, shape, path, 13, False)
    rng = np.random.default_rng(SEED)
    inputs = [rng.standard_normal(shape).astype(np.float32)
              for _ in range(N_INPUTS)]
    runs = [(i, []) for i in range(N_INPUTS)]
    if name == "seed":
        runs += [(0, ["--threads", "2"]), (0, ["--reference"])]
    for i, extra in runs:
        check(tool, tmp, rep, "%-13s input %d %-13s" % (name, i,
                                                        " ".join(extra)),
              path, torch_oracle(model), inputs[i], extra)


def run_symbolic(tool, tmp, out_dir, rep, name):
    make, trace, shapes = SYMBOLIC[name]
    model = make_model(make, shapes)
    rng = np.random.default_rng(SEED)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    for opset in OPSETS:
        path = os.path.join(out_dir, "%s-%d.onnx" % (name, opset))
        export(model, trace, path, opset, True)
        for x in inputs:
            check(tool, tmp, rep, "%-18s opset %d %-16s" % (
                name, opset, "x".join(map(str, x.shape))),
                path, torch_oracle(model), x)


# ---- graphs in other exporters' patterns --------------------------------

def save_graph(path, nodes, inputs, outputs, inits, opset):
    import onnx
    from onnx import helper, numpy_helper
    graph = helper.make_graph(
        nodes, "exporter", inputs, outputs,
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(graph, producer_name="parity.py",
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7 if opset >= 13 else 6
    onnx.checker.check_model(m)
    onnx.save(m, path)


def exporter_cases():
    """(name, opset, builder) where builder returns nodes, inputs, outputs,
    initializers, oracle and the input shapes to run."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(SEED)
    f32 = TensorProto.FLOAT

    def weights(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    cases = []

    # A TensorFlow-style model: NHWC input, a Transpose to NCHW, Conv,
    # HardSigmoid * x (hard swish), global pool, Shape-driven Reshape.
    w1, b1 = weights(8, 3, 3, 3), weights(8, scale=0.1)
    w2 = weights(8, 5)

    def nhwc():
        nodes = [
            helper.make_node("Transpose", ["input"], ["nchw"],
                             perm=[0, 3, 1, 2]),
            helper.make_node("Conv", ["nchw", "w1", "b1"], ["c1"],
                             pads=[1, 1, 1, 1], strides=[2, 2]),
            helper.make_node("HardSigmoid", ["c1"], ["hs"], alpha=1 / 6,
                             beta=0.5),
            helper.make_node("Mul", ["c1", "hs"], ["hswish"]),
            helper.make_node("ReduceMean", ["hswish"], ["pooled"],
                             axes=[2, 3], keepdims=1),
            helper.make_node("Shape", ["pooled"], ["shp"]),
            helper.make_node("Gather", ["shp", "zero"], ["n"], axis=0),
            helper.make_node("Unsqueeze", ["n"], ["n1"], axes=[0]),
            helper.make_node("Concat", ["n1", "minus1"], ["newshape"],
                             axis=0),
            helper.make_node("Reshape", ["pooled", "newshape"], ["flat"]),
            helper.make_node("MatMul", ["flat", "w2"], ["output"]),
        ]
        inits = {"w1": w1, "b1": b1, "w2": w2,
                 "zero": np.array(0, np.int64),
                 "minus1": np.array([-1], np.int64)}

        def oracle(x):
            t = torch.from_numpy(x).permute(0, 3, 1, 2)
            c = F.conv2d(t, torch.from_numpy(w1), torch.from_numpy(b1),
                         stride=2, padding=1)
            h = c * torch.clamp(c / 6 + 0.5, 0, 1)
            p = h.mean(dim=(2, 3))
            return (p @ torch.from_numpy(w2)).numpy()
        return (nodes,
                [helper.make_tensor_value_info("input", f32,
                                               ["N", "H", "W", 3])],
                [helper.make_tensor_value_info("output", f32, ["N", 5])],
                inits, oracle, [(1, 20, 16, 3), (3, 9, 13, 3)])
    cases.append(("nhwc_transpose_hardsigmoid_shape_chain", 11, nhwc))

    # Upsample at opset 9 (scales as an input), nearest then linear.
    def upsample():
        nodes = [
            helper.make_node("Upsample", ["input", "s1"], ["u1"],
                             mode="nearest"),
            helper.make_node("Upsample", ["u1", "s2"], ["output"],
                             mode="linear"),
        ]
        inits = {"s1": np.array([1, 1, 2, 3], np.float32),
                 "s2": np.array([1, 1, 2, 2], np.float32)}

        def oracle(x):
            u1 = np.repeat(np.repeat(x, 2, axis=2), 3, axis=3)
            # linear, asymmetric coordinates: x_in = x_out / 2
            n, c, h, w = u1.shape
            out = np.zeros((n, c, 2 * h, 2 * w), np.float64)
            for i in range(2 * h):
                y0 = min(i // 2, h - 1)
                y1 = min(y0 + 1, h - 1)
                fy = i / 2 - i // 2
                for j in range(2 * w):
                    x0 = min(j // 2, w - 1)
                    x1 = min(x0 + 1, w - 1)
                    fx = j / 2 - j // 2
                    out[:, :, i, j] = (
                        (1 - fy) * ((1 - fx) * u1[:, :, y0, x0]
                                    + fx * u1[:, :, y0, x1])
                        + fy * ((1 - fx) * u1[:, :, y1, x0]
                                + fx * u1[:, :, y1, x1]))
            return out.astype(np.float32)
        return (nodes,
                [helper.make_tensor_value_info("input", f32,
                                               ["N", 2, "H", "W"])],
                [helper.make_tensor_value_info("output", f32,
                                               ["N", 2, "H4", "W6"])],
                inits, oracle, [(1, 2, 3, 4), (2, 2, 5, 2)])
    cases.append(("upsample_opset9", 9, upsample))

    # Clip with min and max as inputs: from Constant nodes, and computed
    # from the data (a run-time bound).
    w3 = weights(6, 4)

    def clip():
        nodes = [
            helper.make_node("Constant", [], ["lo"],
                             value=helper.make_tensor("lo", f32, [], [-0.5])),
            helper.make_node("Constant", [], ["hi"],
                             value=helper.make_tensor("hi", f32, [], [0.75])),
            helper.make_node("MatMul", ["input", "w3"], ["mm"]),
            helper.make_node("Clip", ["mm", "lo", "hi"], ["c1"]),
            helper.make_node("ReduceMin", ["input"], ["dmin"], keepdims=0),
            helper.make_node("Clip", ["c1", "dmin", ""], ["output"]),
        ]

        def oracle(x):
            mm = torch.from_numpy(x) @ torch.from_numpy(w3)
            c1 = torch.clamp(mm, -0.5, 0.75)
            return torch.clamp(c1, min=float(x.min())).numpy()
        return (nodes,
                [helper.make_tensor_value_info("input", f32, ["N", 6])],
                [helper.make_tensor_value_info("output", f32, ["N", 4])],
                {"w3": w3}, oracle, [(3, 6), (7, 6)])
    cases.append(("clip_inputs", 13, clip))

    # The torch.onnx pattern for x.view(x.size(0), -1) at opset 9:
    # Shape -> Gather -> Unsqueeze -> Concat -> Reshape on a Conv output.
    w4 = weights(4, 2, 3, 3)

    def flatten_chain():
        nodes = [
            helper.make_node("Conv", ["input", "w4"], ["c"]),
            helper.make_node("Relu", ["c"], ["r"]),
            helper.make_node("Shape", ["r"], ["s"]),
            helper.make_node("Constant", [], ["i0"],
                             value=helper.make_tensor("i0", TensorProto.INT64,
                                                      [], [0])),
            helper.make_node("Gather", ["s", "i0"], ["n"], axis=0),
            helper.make_node("Unsqueeze", ["n"], ["n1"], axes=[0]),
            helper.make_node("Concat", ["n1", "m1"], ["shape"], axis=0),
            helper.make_node("Reshape", ["r", "shape"], ["output"]),
        ]

        def oracle(x):
            c = F.relu(F.conv2d(torch.from_numpy(x), torch.from_numpy(w4)))
            return c.reshape(c.shape[0], -1).numpy()
        return (nodes,
                [helper.make_tensor_value_info("input", f32,
                                               ["N", 2, "H", "W"])],
                [helper.make_tensor_value_info("output", f32, ["N", "F"])],
                {"w4": w4, "m1": np.array([-1], np.int64)}, oracle,
                [(1, 2, 6, 5), (2, 2, 9, 9)])
    cases.append(("shape_chain_flatten_opset9", 9, flatten_chain))
    return cases


def run_exporters(tool, tmp, out_dir, rep):
    rng = np.random.default_rng(SEED)
    for name, opset, build in exporter_cases():
        nodes, inputs, outputs, inits, oracle, shapes = build()
        path = os.path.join(out_dir, name + ".onnx")
        save_graph(path, nodes, inputs, outputs, inits, opset)
        for shape in shapes:
            x = rng.standard_normal(shape).astype(np.float32)
            check(tool, tmp, rep, "%-38s %-12s" % (name, "x".join(
                map(str, shape))), path, oracle, x)


GROUPS = {"fixed": list(FIXED), "symbolic": list(SYMBOLIC),
          "exporters": ["exporters"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("edgenn_run")
    ap.add_argument("--models", default="fixed,symbolic,exporters")
    ap.add_argument("--keep", help="export into this folder and keep it")
    args = ap.parse_args()
    # The reference side stays small: the machines are shared.
    torch.set_num_threads(1)

    names = []
    for item in args.models.split(","):
        names += GROUPS.get(item, [item])
    for n in names:
        if n not in FIXED and n not in SYMBOLIC and n != "exporters":
            sys.exit("parity: unknown model %r" % n)

    rep = Report()
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or tmp
        os.makedirs(out_dir, exist_ok=True)
        for n in names:
            if n in FIXED:
                run_fixed(args.edgenn_run, tmp, out_dir, rep, n)
            elif n in SYMBOLIC:
                run_symbolic(args.edgenn_run, tmp, out_dir, rep, n)
            else:
                run_exporters(args.edgenn_run, tmp, out_dir, rep)
    print("parity: %s" % ("all outputs match" if rep.failures == 0
                          else "%d failure(s)" % rep.failures))
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
