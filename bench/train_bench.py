#!/usr/bin/env python3
"""Training speed: edgenn-train against PyTorch on the seed CNN.

Both train the same architecture (Conv 1->32 3x3, ReLU, MaxPool 2, Conv
32->64, ReLU, MaxPool, Conv 64->64, ReLU, Flatten, Dense 576->64, ReLU,
Dense 64->10) with Adam, the same batch size and thread count, on the same
Fashion-MNIST images already in memory; only the training loop is timed
(edgenn-train reports it per epoch in its curves CSV). Runs alternate
between the two so both see the same machine load, and the median of
--repeats runs is reported, with the time one 60,000-image epoch takes.

  bench/train_bench.py --edgenn-train build/tools/edgenn-train
  bench/train_bench.py --edgenn-train ... --threads 1 2 --images 60000

Needs Debian's python3-torch and python3-numpy; run it with /usr/bin/python3
when another interpreter comes first on PATH.
"""
import argparse
import csv
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time

DATA = "/usr/share/datasets/fashion-mnist"


def load_fashion(n):
    import numpy as np
    with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (x[:n].astype(np.float32) / 255.0 - 0.286) / 0.353
    return x, y[:n].astype(np.int64)


def torch_run(x, y, batch, threads):
    import torch
    import torch.nn as nn
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    perm = torch.randperm(len(xt))
    # One warm-up batch: allocator and oneDNN primitive caches.
    opt.zero_grad()
    loss_fn(model(xt[:batch]), yt[:batch]).backward()
    start, cpu0 = time.perf_counter(), time.process_time()
    for i in range(0, len(xt), batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return (len(xt) / (time.perf_counter() - start),
            len(xt) / (time.process_time() - cpu0))


def ours_run(tool, n, batch, threads):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.onnx")
        subprocess.run([tool, "--idx-dir", DATA, "--limit", str(n),
                        "--epochs", "1", "--batch", str(batch),
                        "--threads", str(threads), "--schedule", "constant",
                        "-q", "-o", out], check=True,
                       stdout=subprocess.DEVNULL,
                       # T workers, each one BLAS thread: T cores in all,
                       # as torch.set_num_threads(T) gives PyTorch.
                       env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        with open(os.path.join(tmp, "bench-curves.csv")) as f:
            row = list(csv.DictReader(f))[-1]
        return (float(row["images_per_s"]),
                n / float(row["cpu_seconds"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edgenn-train", required=True)
    ap.add_argument("--images", type=int, default=12000,
                    help="training images per run (default 12000)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    x, y = load_fashion(args.images)
    print(f"seed CNN, Adam, batch {args.batch}, {args.images} images a run, "
          f"median of {args.repeats}; os load {os.getloadavg()[0]:.1f}")
    print(f"{'threads':>7} {'ours img/s':>11} {'torch img/s':>12} "
          f"{'ours s/epoch':>13} {'torch s/epoch':>14} {'time ratio':>11} "
          f"{'cpu-time ratio':>15}")
    for t in args.threads:
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(ours_run(args.edgenn_train, args.images, args.batch, t))
            theirs.append(torch_run(x, y, args.batch, t))
        o = statistics.median(r[0] for r in ours)
        p = statistics.median(r[0] for r in theirs)
        oc = statistics.median(r[1] for r in ours)
        pc = statistics.median(r[1] for r in theirs)
        print(f"{t:>7} {o:>11.0f} {p:>12.0f} {60000 / o:>13.1f} "
              f"{60000 / p:>14.1f} {p / o:>11.2f} {pc / oc:>15.2f}")
    print("time ratio = our epoch time / PyTorch's (target <= 0.5); "
          "cpu-time ratio = the same in CPU seconds (fairer on a busy "
          "machine)")
    print(f"os load at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
