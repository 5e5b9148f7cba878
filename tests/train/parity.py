#!/usr/bin/env python3
"""Exported models against PyTorch.

Usage: parity.py EXPORT_FIXTURE OUTDIR

Runs the export fixture (which writes caseN.onnx, caseN-input.npy,
caseN-ours.npy and caseN-engine.npy, and fails when the engine cannot run
a model or disagrees with the trainer), then for every case:
  - onnx.checker.check_model(full_check=True) must accept the file;
  - metadata_props must hold every edgeclassify.* key, producer edgenn-train,
    ir_version 8, opset 13;
  - torch.nn modules built from the ONNX graph with its initializers (read
    through the onnx package) must give the trainer's outputs and the
    engine's within 1e-4;
  - the outputs must be peaked (top probability at least PEAKED for each
    image) and tell the images apart (a different top class for each): a
    nearly uniform softmax would agree with a wrongly exported model too.
Then the fixture once more with --cut-model: an exported file the engine
cannot load must fail it.
Exit status 77 (skipped) when torch or onnx is missing.
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

PEAKED = 0.6

KEYS = ["edgeclassify.labels", "edgeclassify.color", "edgeclassify.scale",
        "edgeclassify.mean", "edgeclassify.std", "edgeclassify.resize",
        "edgeclassify.output"]


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def torch_model(model):
    """An nn.Sequential equivalent to the (linear-chain) ONNX graph."""
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
             for t in model.graph.initializer}
    layers = []
    for node in model.graph.node:
        op = node.op_type
        if op == "Conv":
            w, b = inits[node.input[1]], inits[node.input[2]]
            k = attr(node, "kernel_shape")
            s = attr(node, "strides", [1, 1])
            p = attr(node, "pads", [0, 0, 0, 0])
            assert p[0] == p[2] and p[1] == p[3], "asymmetric pads"
            conv = torch.nn.Conv2d(w.shape[1], w.shape[0], tuple(k),
                                   stride=tuple(s), padding=(p[0], p[1]))
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(b)
            layers.append(conv)
        elif op == "Relu":
            layers.append(torch.nn.ReLU())
        elif op == "MaxPool":
            k = attr(node, "kernel_shape")
            s = attr(node, "strides", k)
            layers.append(torch.nn.MaxPool2d(tuple(k), stride=tuple(s)))
        elif op == "Flatten":
            layers.append(torch.nn.Flatten(attr(node, "axis", 1)))
        elif op == "Gemm":
            assert attr(node, "transB", 0) == 1
            w, b = inits[node.input[1]], inits[node.input[2]]
            fc = torch.nn.Linear(w.shape[1], w.shape[0])
            fc.weight.data.copy_(w)
            fc.bias.data.copy_(b)
            layers.append(fc)
        elif op == "Softmax":
            layers.append(torch.nn.Softmax(dim=attr(node, "axis", -1)))
        else:
            raise AssertionError(f"unexpected op {op}")
    return torch.nn.Sequential(*layers).eval()


def main():
    fixture, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    run = subprocess.run([fixture, outdir])
    failures = 0 if run.returncode == 0 else 1
    passed = 0
    case = 0
    while os.path.exists(os.path.join(outdir, f"case{case}.onnx")):
        base = os.path.join(outdir, f"case{case}")
        model = onnx.load(base + ".onnx")
        onnx.checker.check_model(model, full_check=True)
        meta = {p.key: p.value for p in model.metadata_props}
        missing = [k for k in KEYS if k not in meta]
        header_ok = (model.ir_version == 8 and model.producer_name ==
                     "edgenn-train" and
                     [o.version for o in model.opset_import] == [13])
        x = torch.from_numpy(np.load(base + "-input.npy"))
        with torch.no_grad():
            ref = torch_model(model)(x).numpy()
        ours = np.load(base + "-ours.npy")
        d_ours = float(np.abs(ref - ours).max())
        line = f"case{case}: torch vs trainer {d_ours:.2e}"
        ok = d_ours <= 1e-4 and not missing and header_ok
        if os.path.exists(base + "-engine.npy"):
            d_eng = float(np.abs(ref - np.load(base + "-engine.npy")).max())
            line += f", torch vs engine {d_eng:.2e}"
            ok = ok and d_eng <= 1e-4
        else:
            line += ", no engine output"
            ok = False
        top = ours.max(axis=1)
        classes = len(set(ours.argmax(axis=1).tolist()))
        line += f", top probability {top.min():.2f} to {top.max():.2f}"
        if top.min() < PEAKED or classes < len(ours):
            line += (f": not peaked and discriminating ({classes} classes "
                     f"for {len(ours)} images)")
            ok = False
        if missing:
            line += f", missing metadata {missing}"
        if not header_ok:
            line += ", wrong ir_version/producer/opset"
        print(line, "ok" if ok else "FAIL")
        failures += 0 if ok else 1
        passed += 1 if ok else 0
        case += 1
    if case == 0:
        print("no cases exported")
        failures += 1
    cut = os.path.join(outdir, "cut")
    os.makedirs(cut, exist_ok=True)
    run = subprocess.run([fixture, "--cut-model", cut], capture_output=True,
                         text=True)
    cut_failed = run.stderr.count("the engine cannot run the exported model")
    if run.returncode == 1 and cut_failed == case:
        print(f"cut models: the fixture fails all {case} cases, ok")
        passed += 1
    else:
        print(f"cut models: exit status {run.returncode}, {cut_failed} of "
              f"{case} cases failed to load: FAIL\n{run.stdout}{run.stderr}")
        failures += 1
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
