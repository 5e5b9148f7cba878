#!/usr/bin/env python3
"""PyTorch parity: export models with torch.onnx.export and check that nn,
driven through edgenn-run, gives PyTorch's outputs.

Usage: parity.py EDGENN_RUN [--models NAME,...] [--keep DIR]

Models (random weights from a fixed seed, BatchNorm statistics measured on
random batches, eval mode, opset 13):
  seed          the project's seed CNN, 1x1x28x28 -> 10 (softmax)
  resnet18, mobilenet_v2, squeezenet1_1   torchvision, 1x3x224x224 -> 1000

Each model is exported once and run on three random inputs; an output
passes when max |nn - torch| <= 1e-4 * max(1, max |torch|). The seed model
also runs once with --threads 2 and once with --reference.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision
from torch import nn

SEED = 1234
N_INPUTS = 3
REL_TOL = 1e-4


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


MODELS = {
    "seed": (SeedCNN, (1, 1, 28, 28)),
    "resnet18": (lambda: torchvision.models.resnet18(weights=None),
                 (1, 3, 224, 224)),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(weights=None),
                     (1, 3, 224, 224)),
    "squeezenet1_1": (lambda: torchvision.models.squeezenet1_1(weights=None),
                      (1, 3, 224, 224)),
}


def calibrate_batchnorm(model, shape):
    """Gives BatchNorm layers the statistics of real activations.

    With fresh running stats (mean 0, var 1) an untrained mobilenet_v2 decays
    to outputs near 1e-9, which any tolerance passes; measured statistics
    keep every network's activations near unit scale and make the folded
    BatchNorm scales and shifts non-trivial."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None      # cumulative average over the batches
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn((8,) + tuple(shape[1:])))


def export(name, tmp):
    make, shape = MODELS[name]
    torch.manual_seed(SEED)
    model = make()
    calibrate_batchnorm(model, shape)
    model.eval()
    path = os.path.join(tmp, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(shape), path, opset_version=13,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    return model, shape, path


def run_nn(tool, model_path, x_path, y_path, extra):
    cmd = [tool, model_path, "--input", x_path, "--output", y_path,
           "--runs", "1", "--warmup", "0", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        why = ("signal %d" % -r.returncode if r.returncode < 0
               else "status %d" % r.returncode)
        return None, "edgenn-run ended with %s: %s" % (why, r.stderr.strip())
    return np.load(y_path), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("edgenn_run")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--keep", help="export into this folder and keep it")
    args = ap.parse_args()
    # The reference side stays small: the machines are shared.
    torch.set_num_threads(1)

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or tmp
        os.makedirs(out_dir, exist_ok=True)
        for name in args.models.split(","):
            if name not in MODELS:
                sys.exit("parity: unknown model %r" % name)
            model, shape, onnx_path = export(name, out_dir)
            rng = np.random.default_rng(SEED)
            runs = [(i, []) for i in range(N_INPUTS)]
            if name == "seed":
                runs += [(0, ["--threads", "2"]), (0, ["--reference"])]
            inputs = [rng.standard_normal(shape).astype(np.float32)
                      for _ in range(N_INPUTS)]
            for i, extra in runs:
                x = inputs[i]
                x_path = os.path.join(tmp, "%s_x%d.npy" % (name, i))
                y_path = os.path.join(tmp, "%s_y%d.npy" % (name, i))
                np.save(x_path, x)
                with torch.no_grad():
                    ref = model(torch.from_numpy(x)).numpy()
                got, err = run_nn(args.edgenn_run, onnx_path, x_path, y_path,
                                  extra)
                label = "%-13s input %d %-13s" % (name, i, " ".join(extra))
                if err is None and got.shape != ref.shape:
                    err = "shape %s, torch has %s" % (got.shape, ref.shape)
                if err is not None:
                    print("FAIL %s %s" % (label, err))
                    failures += 1
                    continue
                if float(np.abs(ref).max()) < 1e-3:
                    # A near-zero reference would pass whatever nn computes.
                    print("FAIL %s torch output is degenerate (max |ref| %.3g)"
                          % (label, float(np.abs(ref).max())))
                    failures += 1
                    continue
                limit = REL_TOL * max(1.0, float(np.abs(ref).max()))
                diff = float(np.abs(got.astype(np.float64) - ref).max())
                ok = diff <= limit
                failures += not ok
                print("%s %s max abs error %.3g (limit %.3g, max |ref| %.3g)"
                      % ("ok  " if ok else "FAIL", label, diff, limit,
                         float(np.abs(ref).max())), flush=True)
    print("parity: %s" % ("all outputs match" if failures == 0
                          else "%d failure(s)" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
