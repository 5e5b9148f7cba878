#!/bin/sh
# camera.sh with bounded input: the camera when there is one, else a stand-in
# that behaves like one: a live source (frames come when the clock says, the
# pipeline does not preroll) with a webcam's caps (YUY2, 640x480, 30/1).
# One report line per frame, and the pipeline must have run live: its source
# went to PAUSED without prerolling, which only a live source does.
. "$(dirname "$0")/common.sh"

report=$OUT/camera.jsonl
states=$OUT/camera-states.log
rm -f "$report" "$states"
export GST_DEBUG=GST_STATES:4 GST_DEBUG_FILE="$states" GST_DEBUG_NO_COLOR=1
if [ -c /dev/video0 ]; then
  NUM_BUFFERS=30 REPORT=$report "$PIPELINES/camera.sh"
  width=
else
  echo "no /dev/video0: a live videotestsrc with camera caps stands in"
  SOURCE="videotestsrc is-live=true num-buffers=30 pattern=ball ! \
video/x-raw,format=YUY2,width=640,height=480,framerate=30/1" \
    REPORT=$report "$PIPELINES/camera.sh"
  width=640
fi
runs=$(check_report "$report" 25)
[ "$runs" -eq 1 ] || fail "$runs runs in one pipeline"
grep -q "changed state to 3(PAUSED) successfully without preroll" "$states" ||
  fail "the source prerolled: the pipeline did not run live ($states)"
if [ -n "$width" ]; then
  "$PYTHON3" - "$report" <<'PY' || fail "the report does not show the camera's 640x480 frames"
import json, sys
sizes = {(o["width"], o["height"]) for o in map(json.loads, open(sys.argv[1]))}
sys.exit(sizes != {(640, 480)})
PY
fi
echo "camera.sh: $(count_lines "$report") report lines, live"
