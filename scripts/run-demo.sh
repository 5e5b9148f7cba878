#!/bin/sh
# The demo, from a fresh Debian 12 machine, as root: installs the packages,
# builds the plugin with Meson, then plays the Fashion-MNIST test images
# through edgeclassify -> edgereport -> edgeoverlay into
# demo-output/demo.webm and demo-output/results.jsonl, and prints a summary.
# Extra arguments go to pipelines/demo.py (e.g. --frames 1000).
set -eu
cd "$(dirname "$0")/.."

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  ./scripts/install-deps.sh
fi
[ -f build/demo/build.ninja ] || meson setup build/demo -Dtests=disabled -Dbench=disabled
ninja -C build/demo
GST_PLUGIN_PATH="$PWD/build/demo/gst" /usr/bin/python3 pipelines/demo.py "$@"
