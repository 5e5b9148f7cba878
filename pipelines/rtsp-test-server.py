#!/usr/bin/env python3
"""A loopback RTSP test server: H.264 of videotestsrc at rtsp://127.0.0.1:PORT/MOUNT.

Stands in for an IP camera when trying rtsp.sh or testing reconnection:
stop it and start it again to play a camera that restarts.

Needs python3-gi, gir1.2-gst-rtsp-server-1.0 and an H.264 encoder
(x264enc from gstreamer1.0-plugins-ugly, or openh264enc).

Usage: rtsp-test-server.py [--port 8554] [--mount /test] [--duration SECONDS]
       [--width 320] [--height 240] [--fps 15]
Prints "ready rtsp://..." on stdout once it listens; stops on SIGINT,
SIGTERM or after --duration seconds. --port 0 takes a port the system
chooses, which the "ready" line gives: tests use it so that no other process
can take the port between choosing it and listening on it.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def encoder():
    """The H.264 encoder to use, tuned for low latency."""
    if Gst.ElementFactory.find("x264enc"):
        return ("x264enc tune=zerolatency speed-preset=ultrafast "
                "key-int-max=15 bitrate=500")
    if Gst.ElementFactory.find("openh264enc"):
        return "openh264enc complexity=low gop-size=15"
    sys.exit("no H.264 encoder: install gstreamer1.0-plugins-ugly (x264enc)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8554,
                        help="0: a free port, given in the ready line")
    parser.add_argument("--mount", default="/test")
    parser.add_argument("--duration", type=float, default=0,
                        help="stop after this many seconds (0: never)")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=15)
    args = parser.parse_args()

    Gst.init(None)
    launch = ("( videotestsrc is-live=true pattern=ball ! "
              "video/x-raw,width=%d,height=%d,framerate=%d/1 ! "
              "videoconvert ! %s ! rtph264pay name=pay0 pt=96 "
              "config-interval=1 )" % (args.width, args.height, args.fps,
                                       encoder()))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on 127.0.0.1:%d" % args.port)
    port = server.get_bound_port()

    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    if args.duration > 0:
        GLib.timeout_add(int(args.duration * 1000), loop.quit)
    print("ready rtsp://127.0.0.1:%d%s" % (port, args.mount), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
