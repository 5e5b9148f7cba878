#!/bin/sh
# rtsp-server.sh bounded by DURATION: a client reads H.264 from it, then the
# server stops by itself with status 0.
. "$(dirname "$0")/common.sh"

server=
trap '[ -n "$server" ] && kill "$server" 2> /dev/null' EXIT
log=$OUT/rtsp-server-bounded.log
start_rtsp_server "$log" 0 8

# The buffers that reach the sink tell, not gst-launch's status: at the
# end of stream rtspsrc may send its PAUSE on a connection its own CLOSE is
# flushing, and post "Could not write to resource" after the 10 buffers (a
# race in rtspsrc itself, seen about once in ten runs under ASan).
client=$OUT/rtsp-server-client.log
timeout 20 gst-launch-1.0 -v rtspsrc location="$url" protocols=tcp ! \
  application/x-rtp,encoding-name=H264 ! rtph264depay ! h264parse ! \
  fakesink silent=false num-buffers=10 > "$client" 2>&1 || true
got=$(grep -c 'last-message = chain' "$client" || true)
if [ "$got" -lt 10 ]; then
  cat "$client" "$log" >&2
  fail "$got H.264 buffers from the server at $url, expected 10"
fi
wait "$server" || fail "rtsp-server.sh exited with $?"
server=
echo "rtsp-server.sh: ok"
