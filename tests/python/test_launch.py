#!/usr/bin/env python3
"""gst-launch-1.0 -m with edgeclassify prints one "edgeclassify" element
message per frame: exactly 100 for 100 buffers."""
import os
import re
import subprocess
import sys
import unittest


class LaunchTest(unittest.TestCase):
    def test_hundred_messages(self):
        args = ["gst-launch-1.0", "-m", "videotestsrc", "num-buffers=100",
                "!", "edgeclassify"]
        args += ["!", "fakesink"]
        out = subprocess.run(args, capture_output=True, text=True,
                             timeout=300)
        sys.stderr.write(out.stderr[-2000:])
        self.assertEqual(out.returncode, 0, out.stdout[-2000:])
        found = re.findall(
            r'^Got message #\d+ from element "edgeclassify0" \(element\): '
            r'edgeclassify, ', out.stdout, re.MULTILINE)
        self.assertEqual(len(found), 100)


if __name__ == "__main__":
    unittest.main(verbosity=2)
