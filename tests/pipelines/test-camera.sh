#!/bin/sh
# camera.sh with bounded input: the camera when there is one, else
# videotestsrc in its place. One report line per frame.
. "$(dirname "$0")/common.sh"

report=$OUT/camera.jsonl
rm -f "$report"
if [ -c /dev/video0 ]; then
  NUM_BUFFERS=30 REPORT=$report "$PIPELINES/camera.sh"
else
  echo "no /dev/video0: videotestsrc stands in for the camera"
  SOURCE="videotestsrc num-buffers=30" REPORT=$report "$PIPELINES/camera.sh"
fi
runs=$(check_report "$report" 25)
[ "$runs" -eq 1 ] || fail "$runs runs in one pipeline"
echo "camera.sh: $(count_lines "$report") report lines"
