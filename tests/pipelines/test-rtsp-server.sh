#!/bin/sh
# rtsp-server.sh bounded by DURATION: a client reads H.264 from it, then the
# server stops by itself with status 0.
. "$(dirname "$0")/common.sh"

server=
trap '[ -n "$server" ] && kill "$server" 2> /dev/null' EXIT
log=$OUT/rtsp-server-bounded.log
start_rtsp_server "$log" 0 8

if ! timeout 20 gst-launch-1.0 -q rtspsrc location="$url" protocols=tcp ! \
  application/x-rtp,encoding-name=H264 ! rtph264depay ! h264parse ! \
  fakesink num-buffers=10; then
  cat "$log" >&2
  fail "no H.264 from the server at $url"
fi
wait "$server" || fail "rtsp-server.sh exited with $?"
server=
echo "rtsp-server.sh: ok"
