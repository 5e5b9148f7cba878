#!/bin/sh
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# SECONDS (default 60), seeded with Debian's ONNX test models and ours.
#   fuzz/run.sh [SECONDS] [TARGET...]
# Findings land in fuzz/findings/; copy each reproducer to
# fuzz/reproducers/TARGET/ with the fix (meson test replays them all).
# FUZZ_TIMEOUT (60 s) is the wall-clock limit of one input: on a shared
# machine a niced fuzzer can sit unscheduled for seconds, so a short limit
# reports timeouts that are only waits (replay one alone to tell).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-onnx labels hints}
build=build/fuzz

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Dgst=disabled -Dtests=disabled \
    -Dbench=disabled -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build"

mkdir -p fuzz/findings build/fuzz-corpus/onnx build/fuzz-corpus/labels build/fuzz-corpus/hints
i=0
for f in /usr/share/libonnx-testdata/data/node/*/model.onnx models/*/*.onnx; do
  [ -f "$f" ] || continue
  cp "$f" "build/fuzz-corpus/onnx/seed-$i.onnx"; i=$((i + 1))
done
# Symbolic shapes and the shape sub-graphs exporters emit.
if /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
  /usr/bin/python3 fuzz/make_seeds.py build/fuzz-corpus/onnx
fi
for f in models/*/labels.txt; do
  [ -f "$f" ] && cp "$f" build/fuzz-corpus/labels/
done
printf 'edgeclassify.mean\n0.5,0.5,0.5' > build/fuzz-corpus/hints/mean
printf 'edgeclassify.color\nRGB' > build/fuzz-corpus/hints/color

for t in $targets; do
  [ -x "$build/fuzz/fuzz-$t" ] || continue
  echo "== fuzz-$t for $seconds s"
  "$build/fuzz/fuzz-$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout="${FUZZ_TIMEOUT:-60}" -artifact_prefix=fuzz/findings/ -print_final_stats=1 \
    "build/fuzz-corpus/$t" 2>&1 | tail -n 20 | tee "build/fuzz-$t.log"
done
