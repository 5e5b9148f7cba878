#!/usr/bin/env python3
"""link_plugins.py DIR STAMP PLUGIN...: a folder of links to the given
plugin files, so a test can offer GStreamer just those."""
import os
import sys

folder, stamp = sys.argv[1], sys.argv[2]
os.makedirs(folder, exist_ok=True)
for plugin in sys.argv[3:]:
    if not os.path.exists(plugin):
        sys.exit("link_plugins.py: no %s" % plugin)
    link = os.path.join(folder, os.path.basename(plugin))
    if not os.path.lexists(link):
        os.symlink(plugin, link)
open(stamp, "w").close()
