/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Concurrency: properties changed from another thread while frames flow,
 * caps renegotiated mid-stream, flushing events and seeks. Every result
 * must still come whole from one model. The sanitizer job runs this file
 * under ThreadSanitizer (tests/check/tsan-glib.c makes GLib's locks
 * visible to it), where any data race fails the run.
 *
 * EDGE_CONCURRENCY_ITERATIONS sets the property rounds (1000). */

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

static const gchar *fashion_labels[]
    = { "T-shirt/top", "Trouser", "Pullover", "Dress",      "Coat", "Sandal",
        "Shirt",       "Sneaker", "Bag",      "Ankle boot", NULL };

static const gchar *two_labels[] = { "left", "right", NULL };

/* Sizes and formats the stream switches between, odd sizes included. */
static const struct {
  GstVideoFormat format;
  gint width, height;
} stream_caps[] = {
  { GST_VIDEO_FORMAT_GRAY8, 28, 28 }, { GST_VIDEO_FORMAT_NV12, 64, 48 },
  { GST_VIDEO_FORMAT_I420, 33, 17 },  { GST_VIDEO_FORMAT_RGB, 160, 120 },
  { GST_VIDEO_FORMAT_YUY2, 30, 9 },   { GST_VIDEO_FORMAT_BGRx, 1, 1 },
};

static guint
iterations (void)
{
  const gchar *s = g_getenv ("EDGE_CONCURRENCY_ITERATIONS");
  guint64 n = s ? g_ascii_strtoull (s, NULL, 10) : 0;

  return n > 0 && n < 1000000 ? (guint)n : 1000;
}

static gchar *
model_path (const gchar *name)
{
  const gchar *dir = g_getenv ("EDGECLASSIFY_TEST_MODELS");

  fail_unless (dir != NULL, "EDGECLASSIFY_TEST_MODELS is not set");
  return g_build_filename (dir, name, NULL);
}

typedef struct {
  GstElement *classifier;
  gchar *models[2];
  guint rounds;
  gboolean paced; /* one round a frame at the most */
  gint frames;    /* frames through so far (when paced) */
  gint done;
  gboolean modes; /* switch between sync and async too */
} Storm;

/* The element's two modes: each test runs in both */
static const gchar *modes[] = { "sync", "async" };

/* One round sets every property a user may change while PLAYING. */
static gpointer
property_storm (gpointer user_data)
{
  Storm *d = user_data;
  GRand *rand = g_rand_new_with_seed (7);

  for (guint i = 0, seen = 0; i < d->rounds; i++) {
    /* Paced, every round overlaps a new frame: left alone, the storm can
     * finish its rounds on a busy machine before a dozen frames went by. */
    while (d->paced && (guint)g_atomic_int_get (&d->frames) == seen)
      g_thread_yield ();
    seen = (guint)g_atomic_int_get (&d->frames);
    g_object_set (d->classifier, "threshold",
                  g_rand_double_range (rand, 0.0, 0.3), "top-k",
                  g_rand_int_range (rand, 1, 4), "inference-interval",
                  g_rand_int_range (rand, 1, 4), NULL);
    if (i % 10 == 0)
      g_object_set (d->classifier, "model", d->models[(i / 10) % 2], NULL);
    if (i % 7 == 0)
      g_object_set (d->classifier, "priority",
                    g_rand_double_range (rand, 0.5, 4), "max-rate",
                    i % 14 == 0 ? 0.0 : 1000.0, NULL);
    if (i % 5 == 0) {
      static const gchar *smoothing[] = { "none", "ema", "vote" };

      gst_util_set_object_arg (G_OBJECT (d->classifier), "smoothing",
                               smoothing[(i / 5) % 3]);
      g_object_set (d->classifier, "smoothing-window",
                    g_rand_int_range (rand, 1, 12), "hysteresis",
                    g_rand_double_range (rand, 0.0, 0.3), "reclassify-interval",
                    g_rand_int_range (rand, 1, 4), "max-objects",
                    g_rand_int_range (rand, 1, 300), "object-timeout",
                    g_rand_int_range (rand, 1, 50), NULL);
    }
    if (d->modes && i % 15 == 0)
      gst_util_set_object_arg (G_OBJECT (d->classifier), "mode",
                               modes[(i / 15) % 2]);
    if (i % 25 == 12) {
      GstStructure *stats = NULL;

      g_object_get (d->classifier, "stats", &stats, NULL);
      fail_unless (stats != NULL);
      gst_structure_free (stats);
    }
    if (i % 25 == 0) {
      gchar *json = NULL;

      g_object_get (d->classifier, "last-result", &json, NULL);
      g_free (json);
    }
    g_thread_yield ();
  }
  g_rand_free (rand);
  g_atomic_int_set (&d->done, 1);
  return NULL;
}

static GstBuffer *
frame_buffer (const GstVideoInfo *info, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8)((i * 7 + n * 31 + (i / 97) * 13) & 0xff);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 30;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* A result is whole: its model, labels and top list agree, and it was
 * computed on a frame at or after @boundary (the last flush or caps
 * change). Returns whether the frame carried one; sync frames must. */
static gboolean
check_result (GstBuffer *out, const Storm *d, gboolean must, guint64 boundary)
{
  GstVideoRegionOfInterestMeta *meta
      = gst_buffer_get_video_region_of_interest_meta (out);
  const GstStructure *s;
  const gchar *model, *label;
  const GValue *ids, *labels;
  gboolean two;
  guint64 frame;
  guint n;
  gint id;

  if (meta == NULL && !must)
    return FALSE;
  fail_unless (meta != NULL, "no region of interest meta");
  s = gst_video_region_of_interest_meta_get_param (meta, "classification");
  fail_unless (gst_structure_get_uint64 (s, "frame", &frame));
  fail_unless (frame >= boundary,
               "a result of frame %" G_GUINT64_FORMAT " from before the "
               "flush or caps change at frame %" G_GUINT64_FORMAT,
               frame, boundary);
  fail_unless (s != NULL);
  model = gst_structure_get_string (s, "model");
  label = gst_structure_get_string (s, "label");
  fail_unless (model != NULL && label != NULL);
  two = strcmp (model, d->models[1]) == 0;
  fail_unless (two || strcmp (model, d->models[0]) == 0, "model %s", model);
  ids = gst_structure_get_value (s, "top_ids");
  labels = gst_structure_get_value (s, "top_labels");
  n = gst_value_array_get_size (ids);
  fail_unless (n >= 1 && n <= (two ? 2u : 3u), "%u results from %s", n, model);
  fail_unless_equals_int (gst_value_array_get_size (labels), n);
  for (guint i = 0; i < n; i++) {
    const gchar *l = g_value_get_string (gst_value_array_get_value (labels, i));
    fail_unless (g_strv_contains (two ? two_labels : fashion_labels, l),
                 "label %s from %s", l, model);
  }
  fail_unless (gst_structure_get_int (s, "label_id", &id));
  fail_unless (
      strcmp (label, "unknown") == 0
          ? id == -1
          : (id >= 0 && id < (two ? 2 : 10)
             && g_strv_contains (two ? two_labels : fashion_labels, label)),
      "label %s id %d from %s", label, id, model);
  return TRUE;
}

GST_START_TEST (test_properties_caps_and_flushes)
{
  const gboolean async = __i__ == 1;
  gchar *seed = model_path ("seed.onnx");
  gchar *desc = g_strdup_printf ("edgeclassify mode=%s model=\"%s\"",
                                 modes[__i__], seed);
  GstHarness *h = gst_harness_new_parse (desc);
  Storm d
      = { NULL, { seed, model_path ("two.onnx") }, iterations (), TRUE, 0, 0,
          async };
  guint frames = 0, renegotiations = 0, flushes = 0, after_done = 0;
  guint carried = 0;
  guint64 boundary = 0;
  GThread *thread;

  d.classifier = gst_harness_find_element (h, "edgeclassify");
  fail_unless (d.classifier != NULL);
  thread = g_thread_new ("storm", property_storm, &d);

  while (after_done < 20) {
    const guint c = (frames / 23) % G_N_ELEMENTS (stream_caps);
    GstVideoInfo info;
    GstBuffer *out;

    if (frames % 23 == 0) {
      GstCaps *caps;

      gst_video_info_set_format (&info, stream_caps[c].format,
                                 stream_caps[c].width, stream_caps[c].height);
      info.fps_n = 30;
      info.fps_d = 1;
      caps = gst_video_info_to_caps (&info);
      gst_harness_set_src_caps (h, caps); /* takes the caps */
      renegotiations++;
      boundary = frames;
    }
    if (frames % 41 == 40) {
      GstSegment segment;

      fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
      gst_segment_init (&segment, GST_FORMAT_TIME);
      fail_unless (
          gst_harness_push_event (h, gst_event_new_segment (&segment)));
      flushes++;
      boundary = frames;
    }
    gst_video_info_set_format (&info, stream_caps[c].format,
                               stream_caps[c].width, stream_caps[c].height);
    out = gst_harness_push_and_pull (h, frame_buffer (&info, frames));
    fail_unless (out != NULL);
    /* async frames carry a result when there is one */
    carried += check_result (out, &d, !async, boundary);
    gst_buffer_unref (out);
    frames++;
    g_atomic_int_set (&d.frames, (gint)frames);
    if (g_atomic_int_get (&d.done))
      after_done++;
  }
  g_thread_join (thread);
  g_print ("%s: %u frames (%u with a result), %u caps, %u flushes over %u "
           "property rounds\n",
           modes[__i__], frames, carried, renegotiations, flushes, d.rounds);
  fail_unless (carried > 0);
  fail_unless (frames >= d.rounds, "%u frames for %u rounds", frames, d.rounds);
  fail_unless (renegotiations > 1 && flushes > 0);

  gst_object_unref (d.classifier);
  gst_harness_teardown (h);
  g_free (d.models[0]);
  g_free (d.models[1]);
  g_free (desc);
}

GST_END_TEST;

/* A real pipeline with its own streaming thread, all three elements:
 * flushing seeks from the application thread while another thread
 * changes the classifier's properties. */
GST_START_TEST (test_seeks_while_playing)
{
  gchar *seed = model_path ("seed.onnx");
  gchar *desc = g_strdup_printf (
      "videotestsrc name=src pattern=ball ! "
      "video/x-raw,format=I420,width=96,height=72,framerate=30/1 ! "
      "edgeclassify name=c mode=%s model=\"%s\" ! edgeoverlay ! "
      "edgereport location=/dev/null ! fakesink name=sink sync=false",
      modes[__i__], seed);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  Storm d
      = { NULL, { seed, model_path ("two.onnx") }, iterations () / 4, FALSE, 0,
          0 };
  GstBus *bus = gst_element_get_bus (pipe);
  GThread *thread;
  GstMessage *msg;
  guint seeks = 0;

  fail_unless (pipe != NULL);
  d.classifier = gst_bin_get_by_name (GST_BIN (pipe), "c");
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
                          GST_STATE_CHANGE_ASYNC);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, GST_CLOCK_TIME_NONE),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  thread = g_thread_new ("storm", property_storm, &d);

  while (!g_atomic_int_get (&d.done) || seeks < 10) {
    fail_unless (gst_element_seek_simple (
        pipe, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, (seeks % 5) * GST_SECOND));
    seeks++;
    msg = gst_bus_timed_pop_filtered (bus, 2 * GST_MSECOND,
                                      GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    fail_unless (msg == NULL, "%" GST_PTR_FORMAT, msg);
  }
  g_thread_join (thread);
  g_print ("%u flushing seeks while %u property rounds ran\n", seeks, d.rounds);

  gst_element_set_state (pipe, GST_STATE_NULL);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (msg == NULL, "%" GST_PTR_FORMAT, msg);
  gst_object_unref (bus);
  gst_object_unref (d.classifier);
  gst_object_unref (pipe);
  g_free (d.models[0]);
  g_free (d.models[1]);
  g_free (desc);
}

GST_END_TEST;

/* Async inferences in flight while the pipeline stops, goes back to
 * PLAYING, reaches EOS: no crash, no leak (the leaks tracer and the
 * sanitizers watch), no result after a restart from before it. */
GST_START_TEST (test_async_state_changes_in_flight)
{
  gchar *slower = model_path ("slower.onnx");
  gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true num-buffers=12 ! "
      "video/x-raw,format=GRAY8,width=64,height=64,framerate=200/1 ! "
      "edgeclassify name=c mode=async model=\"%s\" ! fakesink",
      slower);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);

  for (guint round = 0; round < 8; round++) {
    GstMessage *msg;

    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
                 != GST_STATE_CHANGE_FAILURE);
    if (round % 2 == 0) {
      /* stop with inferences in flight */
      g_usleep (5000 + round * 3000);
    } else {
      /* EOS while the last request may still run */
      msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
                                        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
      gst_message_unref (msg);
    }
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
                            GST_STATE_CHANGE_SUCCESS);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg == NULL, "%" GST_PTR_FORMAT, msg);
  }
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (slower);
}

GST_END_TEST;

static Suite *
concurrency_suite (void)
{
  Suite *s = suite_create ("concurrency");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_properties_caps_and_flushes, 0,
                       G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_seeks_while_playing, 0, G_N_ELEMENTS (modes));
  tcase_add_test (tc, test_async_state_changes_in_flight);
  return s;
}

GST_CHECK_MAIN (concurrency);
