#!/bin/sh
# rtsp-server.sh bounded by DURATION: a client reads H.264 from it, then the
# server stops by itself with status 0.
. "$(dirname "$0")/common.sh"

port=$(free_port)
server=
trap '[ -n "$server" ] && kill "$server" 2> /dev/null' EXIT
PORT=$port DURATION=8 "$PIPELINES/rtsp-server.sh" &
server=$!
wait_port "$port" 15

timeout 20 gst-launch-1.0 -q rtspsrc location="rtsp://127.0.0.1:$port/test" \
  protocols=tcp ! application/x-rtp,encoding-name=H264 ! rtph264depay ! \
  h264parse ! fakesink num-buffers=10 || fail "no H.264 from the server"
wait "$server" || fail "rtsp-server.sh exited with $?"
server=
echo "rtsp-server.sh: ok"
