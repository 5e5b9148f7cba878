#!/bin/sh
# Regenerates models/fashion-mnist/model.onnx (and its training report) with
# edgenn-train, from Debian's dataset-fashion-mnist package.
#
#   models/fashion-mnist/train.sh [BUILD_DIR]     (default: build)
#
# Bit-for-bit reproducible on the same CPU type and OpenBLAS build: the seed
# and the thread count (2) are fixed; another --threads value gives another
# (equally good) model.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
train=$build/tools/edgenn-train
data=/usr/share/datasets/fashion-mnist

[ -x "$train" ] || { echo "no $train: build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no $data: apt-get install dataset-fashion-mnist" >&2; exit 1; }

# Each of the two workers calls OpenBLAS on its own shard: one BLAS thread
# per call keeps them from contending for the same two cores.
export OPENBLAS_NUM_THREADS=1
exec "$train" --idx-dir "$data" --labels "$here/labels.txt" \
  --epochs 30 --batch 64 --optimizer adam --lr 0.001 --schedule cosine \
  --warmup-epochs 1 --augment shift2 --threads 2 --seed 1 \
  --checkpoint "${TMPDIR:-/tmp}/edgeclassify-fashion-mnist.ckpt" \
  -o "$here/model.onnx"
