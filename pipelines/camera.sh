#!/bin/sh
# camera.sh: classify a V4L2 camera live. The labels are drawn on the
# picture (edgeoverlay) and every classified frame is reported as a JSON
# line (edgereport) on stdout, in a file or over MQTT.
# Needs: a V4L2 camera, the edgeclassify plugin (in GST_PLUGIN_PATH or
# installed), gstreamer1.0-plugins-good (v4l2src) and a display, unless
# SINK is set.
#
# Environment:
#   DEVICE=/dev/video0       the camera
#   SOURCE                   replaces the camera source, e.g.
#                            SOURCE="videotestsrc num-buffers=30"
#   NUM_BUFFERS=-1           stop after this many frames (-1: never)
#   MODEL, LABELS            model and labels files (default: built-in model)
#   CLASSIFY                 replaces the whole classifier element
#   REPORT=-                 JSON lines file ("-": stdout)
#   MQTT_HOST, MQTT_PORT=1883, MQTT_TOPIC=edgeclassify/results
#   SINK="videoconvert ! autovideosink"   e.g. SINK=fakesink
# The quotes inside PIPELINE are for gst-launch-1.0, which parses them.
# shellcheck disable=SC2086,SC2089,SC2090
set -eu

DEVICE=${DEVICE:-/dev/video0}
NUM_BUFFERS=${NUM_BUFFERS:--1}
SOURCE=${SOURCE:-"v4l2src device=$DEVICE num-buffers=$NUM_BUFFERS"}
CLASSIFY=${CLASSIFY:-"edgeclassify${MODEL:+ model=\"$MODEL\"}${LABELS:+ labels=\"$LABELS\"}"}
REPORT=${REPORT:--}
MQTT=${MQTT_HOST:+mqtt-host=$MQTT_HOST mqtt-port=${MQTT_PORT:-1883} mqtt-topic=${MQTT_TOPIC:-edgeclassify/results}}
SINK=${SINK:-"videoconvert ! autovideosink"}

PIPELINE="$SOURCE ! videoconvert ! $CLASSIFY ! \
  edgereport location=\"$REPORT\" $MQTT ! edgeoverlay ! $SINK"

# gst-launch-1.0 takes the pipeline as words (quoted values may hold spaces)
set -f
exec gst-launch-1.0 -q -e $PIPELINE
