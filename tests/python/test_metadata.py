#!/usr/bin/env python3
"""Reads edgeclassify's results from Python with PyGObject only: from the
region-of-interest meta on buffers (appsink) and from the bus messages.

Needs the plugin on GST_PLUGIN_PATH and the test models in
EDGECLASSIFY_TEST_MODELS (both set by meson test)."""
import os
import unittest

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo  # noqa: E402

Gst.init(None)

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot"]
N_FRAMES = 5


def model(name):
    return os.path.join(os.environ["EDGECLASSIFY_TEST_MODELS"], name)


def classification(buf):
    """The result on a buffer: the first region-of-interest meta (id 0)
    and its "classification" parameter."""
    meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, 0)
    if meta is None:
        return None, None
    return meta, meta.get_param("classification")


class MetadataTest(unittest.TestCase):
    def run_pipeline(self, props=""):
        pipe = Gst.parse_launch(
            "videotestsrc num-buffers=%d ! video/x-raw,format=NV12,width=64,"
            "height=48 ! edgeclassify name=c model=\"%s\" top-k=3 %s ! "
            "appsink name=sink sync=false" % (N_FRAMES, model("seed.onnx"),
                                              props))
        sink = pipe.get_by_name("sink")
        bus = pipe.get_bus()
        self.assertNotEqual(pipe.set_state(Gst.State.PLAYING),
                            Gst.StateChangeReturn.FAILURE)

        from_meta = []
        for _ in range(N_FRAMES):
            sample = sink.emit("pull-sample")
            self.assertIsNotNone(sample)
            meta, s = classification(sample.get_buffer())
            self.assertIsNotNone(s)
            self.assertEqual(GLib_quark_to_string(meta.roi_type),
                             s.get_string("label"))
            from_meta.append(s)

        from_bus = []
        while True:
            msg = bus.timed_pop_filtered(
                10 * Gst.SECOND,
                Gst.MessageType.ELEMENT | Gst.MessageType.EOS |
                Gst.MessageType.ERROR)
            self.assertIsNotNone(msg)
            self.assertNotEqual(msg.type, Gst.MessageType.ERROR)
            if msg.type == Gst.MessageType.EOS:
                break
            s = msg.get_structure()
            if s.get_name() == "edgeclassify":
                from_bus.append(s)
        pipe.set_state(Gst.State.NULL)
        return from_meta, from_bus

    def test_meta_and_messages(self):
        from_meta, from_bus = self.run_pipeline()
        self.assertEqual(len(from_meta), N_FRAMES)
        self.assertEqual(len(from_bus), N_FRAMES)
        for i, (m, b) in enumerate(zip(from_meta, from_bus)):
            label = m.get_string("label")
            ok, confidence = m.get_double("confidence")
            self.assertTrue(ok)
            self.assertIn(label, FASHION)
            self.assertTrue(0.0 < confidence <= 1.0)
            self.assertEqual(m.get_value("frame"), i)
            self.assertEqual(m.get_value("schema_version"), 2)
            self.assertFalse(m.get_value("stale"))
            self.assertEqual(m.get_value("age_frames"), 0)
            self.assertEqual(m.get_double("age_ms"), (True, 0.0))
            # the bus message carries the same result plus the rectangle
            self.assertEqual(b.get_string("label"), label)
            self.assertEqual(b.get_double("confidence")[1], confidence)
            self.assertEqual(b.get_value("width"), 64)
            self.assertEqual(b.get_value("height"), 48)
            labels = list(m.get_value("top_labels"))
            confidences = list(m.get_value("top_confidences"))
            self.assertEqual(len(labels), 3)
            self.assertEqual(labels[0], label)
            self.assertEqual(confidences[0], confidence)
            self.assertEqual(sorted(confidences, reverse=True), confidences)

    def test_stale_from_python(self):
        from_meta, _ = self.run_pipeline("inference-interval=2")
        self.assertEqual([m.get_value("stale") for m in from_meta],
                         [False, True, False, True, False])
        # a repeated result names the frame it was computed on, and its age
        self.assertEqual([m.get_value("frame") for m in from_meta],
                         [0, 0, 2, 2, 4])
        self.assertEqual([m.get_value("age_frames") for m in from_meta],
                         [0, 1, 0, 1, 0])


def GLib_quark_to_string(q):
    from gi.repository import GLib
    return GLib.quark_to_string(q)


if __name__ == "__main__":
    unittest.main(verbosity=2)
