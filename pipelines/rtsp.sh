#!/bin/sh
# rtsp.sh: classify an RTSP camera, and carry on when the camera restarts.
# Every classified frame is reported as a JSON line (edgereport) and the
# labels are drawn on the picture (edgeoverlay).
# Needs: the edgeclassify plugin (in GST_PLUGIN_PATH or installed),
# gstreamer1.0-rtsp / -plugins-good (rtspsrc), an H.264 decoder
# (gstreamer1.0-libav) and a display, unless SINK is set. Try it with
# rtsp-server.sh, the loopback test camera.
#
# How it reconnects: rtspsrc retries only inside one session (it falls back
# from UDP to TCP, and resends requests); when the camera goes away the
# pipeline stops with an error. So this script runs the pipeline in a loop.
# RTP is taken interleaved on the RTSP connection (protocols=tcp): a camera
# that closes the connection ends the pipeline at once, one that just goes
# silent ends it after TCP_TIMEOUT. The next pipeline starts after a delay
# that doubles from RETRY_DELAY up to RETRY_MAX, and is back at RETRY_DELAY
# once a connection lasted longer than RETRY_MAX. Each new pipeline counts
# frames ("frame" in the reports) from 0 again; REPORT is appended to.
#
# Environment:
#   LOCATION=rtsp://127.0.0.1:8554/test   the camera
#   NUM_BUFFERS=-1           stop (exit 0) after this many frames of one
#                            connection (-1: never)
#   RETRY_DELAY=1  RETRY_MAX=30   reconnection delays, in seconds
#   MAX_RESTARTS=-1          give up (exit 1) after this many (-1: never)
#   TCP_TIMEOUT=10           seconds of silence that end a connection
#   LATENCY=200              jitter buffer, in milliseconds
#   MODEL, LABELS            model and labels files (default: built-in model)
#   CLASSIFY                 replaces the whole classifier element
#   REPORT=-                 JSON lines file ("-": stdout)
#   MQTT_HOST, MQTT_PORT=1883, MQTT_TOPIC=edgeclassify/results
#   SINK="videoconvert ! autovideosink"   e.g. SINK=fakesink
# The quotes inside PIPELINE are for gst-launch-1.0, which parses them.
# shellcheck disable=SC2086,SC2089,SC2090
set -u

LOCATION=${LOCATION:-rtsp://127.0.0.1:8554/test}
NUM_BUFFERS=${NUM_BUFFERS:--1}
RETRY_DELAY=${RETRY_DELAY:-1}
RETRY_MAX=${RETRY_MAX:-30}
MAX_RESTARTS=${MAX_RESTARTS:--1}
TCP_TIMEOUT=${TCP_TIMEOUT:-10}
LATENCY=${LATENCY:-200}
CLASSIFY=${CLASSIFY:-"edgeclassify${MODEL:+ model=\"$MODEL\"}${LABELS:+ labels=\"$LABELS\"}"}
REPORT=${REPORT:--}
MQTT=${MQTT_HOST:+mqtt-host=$MQTT_HOST mqtt-port=${MQTT_PORT:-1883} mqtt-topic=${MQTT_TOPIC:-edgeclassify/results}}
SINK=${SINK:-"videoconvert ! autovideosink"}

PIPELINE="rtspsrc location=\"$LOCATION\" protocols=tcp latency=$LATENCY \
  tcp-timeout=${TCP_TIMEOUT}000000 ! decodebin ! \
  identity eos-after=$NUM_BUFFERS ! videoconvert ! $CLASSIFY ! \
  edgereport location=\"$REPORT\" $MQTT ! edgeoverlay ! $SINK"

# gst-launch-1.0 takes the pipeline as words (quoted values may hold spaces)
set -f

# stopping the script stops the pipeline it runs
child=
stop () {
  [ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child"
  exit 143
}
trap stop TERM INT HUP

restarts=0
delay=$RETRY_DELAY
while :; do
  started=$(date +%s)
    gst-launch-1.0 -q -e $PIPELINE &
  child=$!
  wait "$child"
  status=$?
  child=
  if [ "$status" -eq 0 ] && [ "$NUM_BUFFERS" -ge 0 ]; then
    exit 0
  fi

  restarts=$((restarts + 1))
  if [ "$MAX_RESTARTS" -ge 0 ] && [ "$restarts" -gt "$MAX_RESTARTS" ]; then
    echo "rtsp.sh: $LOCATION: giving up after $MAX_RESTARTS restarts" >&2
    exit 1
  fi
  if [ $(($(date +%s) - started)) -gt "$RETRY_MAX" ]; then
    delay=$RETRY_DELAY
  fi
  echo "rtsp.sh: $LOCATION ended (status $status); again in ${delay}s" >&2
  sleep "$delay" &
  child=$!
  wait "$child"
  child=
  delay=$((delay * 2))
  [ "$delay" -gt "$RETRY_MAX" ] && delay=$RETRY_MAX
done
