#!/bin/sh
# file.sh on an H.264 MP4 made here, whole and bounded by NUM_BUFFERS.
. "$(dirname "$0")/common.sh"

video=$OUT/test-video.mp4
if gst-inspect-1.0 x264enc > /dev/null 2>&1; then
  enc=x264enc
else
  enc=openh264enc
fi
# 4:2:0, constrained baseline: any H.264 decoder takes it (openh264dec too)
gst-launch-1.0 -q videotestsrc num-buffers=40 pattern=ball ! \
  video/x-raw,width=320,height=240,framerate=20/1 ! videoconvert ! \
  video/x-raw,format=I420 ! $enc ! \
  video/x-h264,profile=constrained-baseline ! h264parse ! mp4mux ! \
  filesink location="$video"

report=$OUT/file.jsonl
rm -f "$report"
REPORT=$report "$PIPELINES/file.sh" "$video"
check_report "$report" 35 > /dev/null
[ "$(count_lines "$report")" -le 40 ] || fail "more lines than frames"

rm -f "$report"
NUM_BUFFERS=10 REPORT=$report "$PIPELINES/file.sh" "$video"
check_report "$report" 8 > /dev/null
# identity eos-after=N (GStreamer 1.22) lets N + 1 buffers through.
[ "$(count_lines "$report")" -le 11 ] || fail "NUM_BUFFERS=10 not honoured"
echo "file.sh: ok"
