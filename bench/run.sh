#!/bin/sh
# Benchmark edgeclassify against ONNX Runtime, PyTorch and OpenCV DNN.
#   bench/run.sh [--quick] [more options: bench/run.sh --help]
# Results: bench/results/latest.md (also printed), latest.png, latest.json.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# The Python that has the peers (torch, torchvision, onnx, cv2, numpy):
# $PYTHON if set, else the first python3 on PATH that has them, else the
# system one.
check='import torch, torchvision, onnx, cv2, numpy'
py=
for cand in ${PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "$check" 2>/dev/null; then
    py=$cand
    break
  fi
done
if [ -z "$py" ]; then
  echo "run.sh: no python3 with torch, torchvision, onnx, cv2 and numpy" >&2
  echo "(Debian: python3-torch python3-torchvision python3-onnx python3-opencv)" >&2
  exit 1
fi
exec "$py" "$here/bench.py" "$@"
