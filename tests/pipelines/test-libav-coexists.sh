#!/bin/sh
# Regression: with our plugin loaded first, gst-libav must still load.
# libavcodec links liblapack.so.3; if the process already holds the serial
# libopenblas and libav pulled in the threaded liblapack, libav failed with
# "undefined symbol: sgetrs_N_parallel" and avdec_h264 vanished from every
# registry that also scanned edgeclassify.
. "$(dirname "$0")/common.sh"

if ! env -u GST_PLUGIN_SYSTEM_PATH_1_0 GST_PLUGIN_PATH_1_0= \
    GST_REGISTRY="$OUT/libav-system.bin" GST_REGISTRY_1_0="$OUT/libav-system.bin" \
    gst-inspect-1.0 avdec_h264 >/dev/null 2>&1; then
  echo "SKIP: gst-libav is not installed"
  exit 77
fi
rm -f "$OUT/libav.bin"
GST_REGISTRY="$OUT/libav.bin" GST_REGISTRY_1_0="$OUT/libav.bin" \
  gst-inspect-1.0 edgeclassify >/dev/null || fail "edgeclassify did not load"
GST_REGISTRY="$OUT/libav.bin" GST_REGISTRY_1_0="$OUT/libav.bin" \
  gst-inspect-1.0 avdec_h264 >/dev/null || fail "avdec_h264 is gone once edgeclassify is on the path"
echo "avdec_h264 and edgeclassify load in one registry"
