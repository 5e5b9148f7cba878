#!/bin/sh
# file.sh: classify any video file that GStreamer can decode (decodebin),
# report every classified frame as a JSON line and show the labels on the
# picture.
# Needs: the edgeclassify plugin (in GST_PLUGIN_PATH or installed), the
# decoders for the file (gstreamer1.0-plugins-good/-bad/-ugly,
# gstreamer1.0-libav) and a display, unless SINK is set.
#
# Usage: file.sh VIDEO-FILE     (or FILE=...)
# Environment:
#   NUM_BUFFERS=-1           stop after this many frames (-1: whole file)
#   MODEL, LABELS            model and labels files (default: built-in model)
#   CLASSIFY                 replaces the whole classifier element
#   REPORT=-                 JSON lines file ("-": stdout)
#   MQTT_HOST, MQTT_PORT=1883, MQTT_TOPIC=edgeclassify/results
#   SINK="videoconvert ! autovideosink"   e.g. SINK=fakesink
# The quotes inside PIPELINE are for gst-launch-1.0, which parses them.
# shellcheck disable=SC2086,SC2089,SC2090
set -eu

FILE=${1:-${FILE:-}}
if [ -z "$FILE" ] || [ ! -r "$FILE" ]; then
  echo "usage: file.sh VIDEO-FILE (cannot read \"$FILE\")" >&2
  exit 2
fi
# Bounds the frames (identity eos-after; GStreamer 1.22 passes one more).
NUM_BUFFERS=${NUM_BUFFERS:--1}
CLASSIFY=${CLASSIFY:-"edgeclassify${MODEL:+ model=\"$MODEL\"}${LABELS:+ labels=\"$LABELS\"}"}
REPORT=${REPORT:--}
MQTT=${MQTT_HOST:+mqtt-host=$MQTT_HOST mqtt-port=${MQTT_PORT:-1883} mqtt-topic=${MQTT_TOPIC:-edgeclassify/results}}
SINK=${SINK:-"videoconvert ! autovideosink"}

PIPELINE="filesrc location=\"$FILE\" ! decodebin ! \
  identity eos-after=$NUM_BUFFERS ! videoconvert ! $CLASSIFY ! \
  edgereport location=\"$REPORT\" $MQTT ! edgeoverlay ! $SINK"

# gst-launch-1.0 takes the pipeline as words (quoted values may hold spaces)
set -f
exec gst-launch-1.0 -q -e $PIPELINE
