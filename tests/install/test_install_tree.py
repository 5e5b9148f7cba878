#!/usr/bin/env python3
"""`meson install` puts everything under the prefix: the plugin in
PREFIX/LIBDIR/gstreamer-1.0, the tools in PREFIX/bin, nothing elsewhere
(the plugin folder once came from pkg-config, an absolute system path).

Usage: test_install_tree.py MESON BUILDDIR PREFIX LIBDIR"""
import os
import subprocess
import sys
import tempfile

meson, builddir, prefix, libdir = sys.argv[1:5]
libdir = libdir if os.path.isabs(libdir) else os.path.join(prefix, libdir)

with tempfile.TemporaryDirectory() as dest:
    out = subprocess.run([meson, "install", "-C", builddir, "--no-rebuild",
                          "--destdir", dest], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"meson install failed:\n{out.stdout}\n{out.stderr}")
    root = os.path.join(dest, prefix.lstrip("/"))
    installed, outside = [], []
    for top, _, files in os.walk(dest):
        for f in files:
            path = os.path.join(top, f)
            installed.append(path)
            if os.path.commonpath([path, root]) != root:
                outside.append(os.path.relpath(path, dest))
    if outside:
        sys.exit("installed outside the prefix %s:\n  %s"
                 % (prefix, "\n  ".join(sorted(outside))))
    want = [os.path.join(libdir, "gstreamer-1.0", "libgstedgeclassify.so"),
            os.path.join(prefix, "bin", "edgenn-run")]
    for w in want:
        if not os.path.exists(os.path.join(dest, w.lstrip("/"))):
            sys.exit(f"{w} was not installed; installed: {installed}")
    print(f"{len(installed)} files, all under {prefix}")
