#!/bin/sh
# rtsp-server.sh: serve a test camera over RTSP on the loopback interface:
# H.264 of videotestsrc at rtsp://127.0.0.1:$PORT$MOUNT, for trying rtsp.sh
# and its reconnection without a camera (stop it, start it again).
# Needs: python3 with GObject introspection (python3-gi, python3-gst-1.0),
# gir1.2-gst-rtsp-server-1.0, and x264enc (gstreamer1.0-plugins-ugly) or
# openh264enc.
#
# Environment:
#   PORT=8554  MOUNT=/test   where to serve (PORT=0: a free port; the
#                            "ready rtsp://..." line on stdout gives it)
#   DURATION=0               stop after this many seconds (0: on Ctrl-C)
#   WIDTH=320 HEIGHT=240 FPS=15
#   PYTHON                   interpreter to use (default: the first python3
#                            that has the GStreamer bindings)
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${PYTHON:-}" ]; then
  # a python3 first in PATH (a virtualenv, pyenv) may lack the system's gi
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import gi' 2>/dev/null; then
      PYTHON=$py
      break
    fi
  done
fi
if [ -z "${PYTHON:-}" ]; then
  echo "rtsp-server.sh: no python3 with the gi module (install python3-gi)" >&2
  exit 1
fi

exec "$PYTHON" "$here/rtsp-test-server.py" --port "${PORT:-8554}" \
  --mount "${MOUNT:-/test}" --duration "${DURATION:-0}" \
  --width "${WIDTH:-320}" --height "${HEIGHT:-240}" --fps "${FPS:-15}"
