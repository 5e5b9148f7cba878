#!/bin/sh
# RTSP end to end: the loopback test server streams H.264; rtsp.sh
# (rtspsrc ! decodebin ! videoconvert ! edgeclassify ! edgereport ! ...)
# writes one JSON line per frame. Then the server stops and starts again:
# rtsp.sh reconnects and the results resume. Every wait is bounded and both
# processes are stopped at the end, whatever happens.
. "$(dirname "$0")/common.sh"

server=
client=
cleanup () {
  for p in $client $server; do
    kill "$p" 2> /dev/null && wait "$p" 2> /dev/null
  done
  return 0
}
trap cleanup EXIT

starts=0
# Both starts use one port from below the ephemeral range: while the server
# is down, rtsp.sh keeps dialling it, and a port of that range could become
# another connection's source port (or the client's own) meanwhile.
port=$("$PYTHON3" "$(dirname "$0")/../freeport.py")
start_server () {
  starts=$((starts + 1))
  start_rtsp_server "$OUT/rtsp-server-$starts.log" "$port" 0
}
stop_server () {
  kill "$server"
  wait "$server" || true
  server=
}

start_server

# bounded: 20 frames, then rtsp.sh ends with status 0
report=$OUT/rtsp-bounded.jsonl
rm -f "$report"
LOCATION=$url NUM_BUFFERS=20 REPORT=$report timeout 60 "$PIPELINES/rtsp.sh" ||
  fail "bounded rtsp.sh failed"
check_report "$report" 15 "$url" > /dev/null

# reconnection
report=$OUT/rtsp-reconnect.jsonl
rm -f "$report" "$OUT/rtsp-client.log"
LOCATION=$url REPORT=$report RETRY_DELAY=1 RETRY_MAX=2 MAX_RESTARTS=60 \
  TCP_TIMEOUT=5 "$PIPELINES/rtsp.sh" 2>> "$OUT/rtsp-client.log" &
client=$!
wait_lines "$report" 20 60
stop_server
before=$(count_lines "$report")
sleep 3
start_server
wait_lines "$report" $((before + 20)) 90
kill "$client"
wait "$client" 2> /dev/null || true
client=

runs=$(check_report "$report" $((before + 20)) "$url")
[ "$runs" -ge 2 ] || fail "results did not resume in a new pipeline ($runs run)"
echo "rtsp: $(count_lines "$report") lines in $runs runs, $before before the restart"
