#!/bin/sh
# demo.py bounded to a few images: every frame classified, reported and
# drawn into the WebM. Skipped without Debian's dataset-fashion-mnist.
. "$(dirname "$0")/common.sh"

if [ ! -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  echo "SKIP: dataset-fashion-mnist is not installed"
  exit 77
fi
out=$OUT/demo
rm -rf "$out"
"$PIPELINES/demo.py" --frames 20 --size 64 --out "$out" ${MODEL:+--model "$MODEL"}
[ "$(count_lines "$out/results.jsonl")" -eq 20 ] || fail "not 20 report lines"
[ -s "$out/demo.webm" ] || fail "no video"
echo "demo.py: ok"
