/* edgeclassify roi-list: objects keep their identity from frame to frame
 * (by the producer's ids, else by overlap: moving, crossing, appearing,
 * vanishing), reclassify-interval skips inferences of known objects, and
 * memory stays bounded (max-objects, object-timeout) over 10,000 objects.
 * mix.onnx: a box's colour is its result. */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ecutil.h"

static const guint8 black[3] = { 85, 85, 85 };
static const guint8 red[3] = { 200, 55, 0 }, green[3] = { 0, 200, 55 },
                    blue[3] = { 55, 0, 200 };

static GstHarness *
objects_harness (const gchar *props)
{
  gchar *all = g_strdup_printf ("inference-region=roi-list %s", props);
  GstHarness *h = harness_new (NULL, "mix.onnx", all, MIX_CAPS);

  g_free (all);
  return h;
}

/* The results of @buf's region metas, in the order they were added. */
static guint
results_in_order (GstBuffer *buf, const GstStructure **out, guint max)
{
  GstVideoRegionOfInterestMeta *meta;
  gpointer state = NULL;
  guint n = 0;

  while (
      (meta = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
      && n < max)
    out[n++]
        = gst_video_region_of_interest_meta_get_param (meta, "classification");
  return n;
}

static guint
count_events (GPtrArray *events, const gchar *type, guint64 object_id)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++) {
    guint64 id = 0;

    gst_structure_get_uint64 (events->pdata[i], "object_id", &id);
    if (strcmp (gst_structure_get_string (events->pdata[i], "event"), type) == 0
        && (object_id == G_MAXUINT64 || id == object_id))
      n++;
  }
  return n;
}

/* By id: two boxes swap places halfway; each object follows its id, and
 * its colour (the result) with it. */
GST_START_TEST (test_identity_by_id)
{
  GstHarness *h = objects_harness ("smoothing=vote smoothing-window=3 "
                                   "post-messages=false");
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  guint64 first11 = 0, first22 = 0;

  for (guint i = 0; i < 20; i++) {
    gboolean swapped = i >= 10;
    TestBox boxes[2] = { { swapped ? 40 : 4, 8, 20, 20, 11, { 0 } },
                         { swapped ? 4 : 40, 30, 20, 20, 22, { 0 } } };
    GstBuffer *out;
    const GstStructure *a, *b;

    memcpy (boxes[0].rgb, red, 3);
    memcpy (boxes[1].rgb, blue, 3);
    out = gst_harness_push_and_pull (h, mix_frame (i, black, boxes, 2));
    a = region_result (out, 11, TRUE);
    b = region_result (out, 22, TRUE);
    if (i == 0) {
      first11 = region_object_id (a);
      first22 = region_object_id (b);
      fail_unless (first11 != first22);
    }
    fail_unless_equals_uint64 (region_object_id (a), first11);
    fail_unless_equals_uint64 (region_object_id (b), first22);
    fail_unless_equals_string (gst_structure_get_string (a, "label"), "red");
    fail_unless_equals_string (gst_structure_get_string (b, "label"), "blue");
    gst_buffer_unref (out);
  }
  pull_decision_events (h, events);
  /* one decision each, never changed */
  fail_unless_equals_int (count_events (events, "enter", first11), 1);
  fail_unless_equals_int (count_events (events, "enter", first22), 1);
  fail_unless_equals_int (events->len, 2);
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Without ids (all 0): A moves right, B moves left and crosses A, C
 * appears at frame 8, B vanishes after frame 20 and leaves once
 * object-timeout frames have passed. */
GST_START_TEST (test_identity_by_overlap)
{
  GstHarness *h = objects_harness ("smoothing=ema smoothing-window=8 "
                                   "object-timeout=3 post-messages=false");
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  guint64 id_a = 0, id_b = 0, id_c = 0;

  for (guint i = 0; i < 30; i++) {
    TestBox boxes[3];
    const GstStructure *r[3];
    guint n = 0;
    GstBuffer *out;

    /* A: left to right, B: right to left, crossing at frames 10..12 */
    boxes[n++] = (TestBox){ (gint)(2 * i), 20, 14, 14, 0, { 0 } };
    memcpy (boxes[n - 1].rgb, red, 3);
    if (i <= 20) {
      boxes[n++] = (TestBox){ 44 - (gint)(2 * i), 24, 14, 14, 0, { 0 } };
      memcpy (boxes[n - 1].rgb, blue, 3);
    }
    if (i >= 8) {
      boxes[n++] = (TestBox){ 40, 46, 16, 16, 0, { 0 } };
      memcpy (boxes[n - 1].rgb, green, 3);
    }
    out = gst_harness_push_and_pull (h, mix_frame (i, black, boxes, n));
    fail_unless_equals_int (results_in_order (out, r, 3), n);
    for (guint k = 0; k < n; k++)
      fail_unless (r[k] != NULL, "frame %u region %u has no result", i, k);
    if (i == 0) {
      id_a = region_object_id (r[0]);
      id_b = region_object_id (r[1]);
    }
    if (i == 8)
      id_c = region_object_id (r[2]);
    fail_unless_equals_uint64 (region_object_id (r[0]), id_a);
    fail_unless_equals_string (gst_structure_get_string (r[0], "label"), "red");
    if (i <= 20) {
      fail_unless_equals_uint64 (region_object_id (r[1]), id_b);
      fail_unless_equals_string (gst_structure_get_string (r[1], "label"),
                                 "blue");
    }
    if (i >= 8) {
      fail_unless_equals_uint64 (region_object_id (r[n - 1]), id_c);
      fail_unless_equals_string (gst_structure_get_string (r[n - 1], "label"),
                                 "green");
    }
    gst_buffer_unref (out);
    pull_decision_events (h, events);
    /* B last seen at frame 20: gone at frame 23, not before */
    fail_unless_equals_int (count_events (events, "leave", id_b), i >= 23);
  }
  fail_unless (id_a != id_b && id_b != id_c && id_a != id_c);
  fail_unless_equals_int (count_events (events, "enter", G_MAXUINT64), 3);
  fail_unless_equals_int (count_events (events, "change", G_MAXUINT64), 0);
  fail_unless_equals_int (count_events (events, "leave", G_MAXUINT64), 1);
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* reclassify-interval=4: each of three objects is classified on frames 0,
 * 4, 8, ... (fresh: age_frames 0) and carries its newest result, with its
 * age, in between. */
GST_START_TEST (test_reclassify_interval)
{
  GstHarness *h = objects_harness ("reclassify-interval=4 "
                                   "post-messages=false");
  guint fresh[3] = { 0 };

  for (guint i = 0; i < 21; i++) {
    TestBox boxes[3] = { { 2, 2, 16, 16, 1, { 200, 55, 0 } },
                         { 24, 2, 16, 16, 2, { 0, 200, 55 } },
                         { 2, 30, 16, 16, 3, { 55, 0, 200 } } };
    GstBuffer *out
        = gst_harness_push_and_pull (h, mix_frame (i, black, boxes, 3));

    for (gint k = 0; k < 3; k++) {
      const GstStructure *s = region_result (out, k + 1, TRUE);
      guint64 age = 99;

      fail_unless (gst_structure_get_uint64 (s, "age_frames", &age));
      fail_unless_equals_uint64 (age, i % 4);
      fail_unless_equals_int (result_id (s), k);
      fresh[k] += age == 0;
    }
    gst_buffer_unref (out);
  }
  for (guint k = 0; k < 3; k++)
    fail_unless_equals_int (fresh[k], 6);
  gst_harness_teardown (h);
}
GST_END_TEST;

static gsize
rss_bytes (void)
{
  FILE *f = fopen ("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;

  fail_unless (f != NULL);
  fail_unless (fscanf (f, "%lu %lu", &size, &resident) == 2);
  fclose (f);
  return (gsize)resident * (gsize)sysconf (_SC_PAGESIZE);
}

/* 10,000 objects, one new each frame, never seen again before the
 * timeout: at most max-objects are remembered (the least recently seen
 * leaves for each new one past that) and the memory stays flat. */
static void
expect_bounded (guint max_objects, gboolean by_id)
{
  gchar *props = g_strdup_printf ("smoothing=vote smoothing-window=5 "
                                  "max-objects=%u object-timeout=1000000 "
                                  "post-messages=false",
                                  max_objects);
  GstHarness *h = objects_harness (props);
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  guint enters = 0, leaves = 0;
  gsize rss_early = 0;

  for (guint i = 0; i < 10000; i++) {
    /* by overlap: each box is far from the last one */
    TestBox box = { (gint)(i % 4) * 16,
                    (gint)((i / 4) % 4) * 16,
                    12,
                    12,
                    by_id ? (gint)i + 1 : 0,
                    { 0, 200, 55 } };

    gst_buffer_unref (
        gst_harness_push_and_pull (h, mix_frame (i, black, &box, 1)));
    pull_decision_events (h, events);
    for (guint k = 0; k < events->len; k++) {
      const gchar *type = gst_structure_get_string (events->pdata[k], "event");

      enters += strcmp (type, "enter") == 0;
      leaves += strcmp (type, "leave") == 0;
    }
    g_ptr_array_set_size (events, 0);
    if (i == 2000)
      rss_early = rss_bytes ();
  }
  fail_unless_equals_int (enters, by_id ? 10000 : 10000);
  fail_unless_equals_int (leaves, 10000 - max_objects);
  /* flat: objects past the bound reuse the memory of those they replace.
   * AddressSanitizer keeps freed blocks in quarantine (256 MiB) so that
   * use-after-free is caught; there RSS grows with every frame's buffers
   * whatever the element does, and the bound above is what is checked. */
#if !defined(__SANITIZE_ADDRESS__)
  fail_unless (rss_bytes () < rss_early + 1024 * 1024,
               "RSS %" G_GSIZE_FORMAT " after 2000 objects, %" G_GSIZE_FORMAT
               " after 10000",
               rss_early, rss_bytes ());
#else
  (void)rss_early;
#endif
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_decision_events (h, events);
  fail_unless_equals_int (events->len, max_objects);
  g_ptr_array_unref (events);
  g_free (props);
  gst_harness_teardown (h);
}

GST_START_TEST (test_max_objects_default)
{
  expect_bounded (256, TRUE);
}
GST_END_TEST;

GST_START_TEST (test_max_objects_small_by_overlap)
{
  expect_bounded (3, FALSE);
}
GST_END_TEST;

/* A producer that gives two regions the same id, on frames without
 * timestamps: the id names neither, so both are followed by overlap, each
 * with its own object and colour. When one vanishes, the other's id is
 * its own again: it keeps its object. The one that vanished leaves with
 * the time it was seen measured by the clock (at least the 9 x 2 ms
 * slept). */
GST_START_TEST (test_shared_ids_without_timestamps)
{
  GstHarness *h
      = objects_harness ("smoothing=ema smoothing-window=2 object-timeout=2 "
                         "post-messages=false");
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  guint64 id_red = 0, id_blue = 0;
  gdouble dwell = -1.0;

  for (guint i = 0; i < 14; i++) {
    TestBox boxes[2]
        = { { 4, 8, 20, 20, 7, { 0 } }, { 40, 30, 20, 20, 7, { 0 } } };
    guint n = i < 10 ? 2 : 1;
    const GstStructure *r[2];
    GstBuffer *in, *out;

    memcpy (boxes[0].rgb, red, 3);
    memcpy (boxes[1].rgb, blue, 3);
    in = mix_frame (i, black, boxes, n);
    GST_BUFFER_PTS (in) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (in) = GST_CLOCK_TIME_NONE;
    out = gst_harness_push_and_pull (h, in);
    fail_unless_equals_int (results_in_order (out, r, 2), n);
    fail_unless (r[0] != NULL && (n == 1 || r[1] != NULL));
    if (i == 0) {
      id_red = region_object_id (r[0]);
      id_blue = region_object_id (r[1]);
      fail_unless (id_red != id_blue);
    }
    fail_unless (region_object_id (r[0]) == id_red,
                 "frame %u: red is %" G_GUINT64_FORMAT
                 " then %" G_GUINT64_FORMAT,
                 i, id_red, region_object_id (r[0]));
    fail_unless_equals_string (gst_structure_get_string (r[0], "label"), "red");
    if (n == 2) {
      fail_unless_equals_uint64 (region_object_id (r[1]), id_blue);
      fail_unless_equals_string (gst_structure_get_string (r[1], "label"),
                                 "blue");
    }
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  pull_decision_events (h, events);
  fail_unless_equals_int (count_events (events, "leave", id_blue), 1);
  fail_unless_equals_int (count_events (events, "leave", id_red), 0);
  for (guint i = 0; i < events->len; i++) {
    guint64 id = 0;

    gst_structure_get_uint64 (events->pdata[i], "object_id", &id);
    if (id == id_blue
        && strcmp (gst_structure_get_string (events->pdata[i], "event"),
                   "leave")
               == 0)
      fail_unless (
          gst_structure_get_double (events->pdata[i], "dwell_ms", &dwell));
  }
  fail_unless (dwell >= 18.0 && dwell < 60000.0, "dwell %g ms", dwell);
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* async: the objects, their identity and their decisions work the same */
GST_START_TEST (test_async_objects)
{
  GstHarness *h = objects_harness ("mode=async smoothing=ema "
                                   "reclassify-interval=2 "
                                   "post-messages=false");
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  guint64 ids[2] = { 0 };
  guint carried = 0;

  for (guint i = 0; i < 400 && carried < 40; i++) {
    /* wobbling by a pixel a frame */
    gint d = (gint)(i % 10 < 5 ? i % 10 : 10 - i % 10);
    TestBox boxes[2] = { { 2 + d, 2, 16, 16, 0, { 200, 55, 0 } },
                         { 30, 30 + d, 16, 16, 0, { 0, 55, 200 } } };
    GstBuffer *out
        = gst_harness_push_and_pull (h, mix_frame (i, black, boxes, 2));
    const GstStructure *r[2];

    fail_unless_equals_int (results_in_order (out, r, 2), 2);
    for (guint k = 0; k < 2; k++) {
      if (r[k] == NULL)
        continue;
      if (ids[k] == 0)
        ids[k] = region_object_id (r[k]);
      fail_unless_equals_uint64 (region_object_id (r[k]), ids[k]);
      fail_unless_equals_int (result_id (r[k]), k == 0 ? 0 : 2);
      carried++;
    }
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (carried >= 40);
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_decision_events (h, events);
  fail_unless_equals_int (count_events (events, "enter", G_MAXUINT64), 2);
  fail_unless_equals_int (count_events (events, "change", G_MAXUINT64), 0);
  fail_unless_equals_int (count_events (events, "leave", G_MAXUINT64), 2);
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
edgeclassify_objects_suite (void)
{
  Suite *s = suite_create ("edgeclassify-objects");
  TCase *tc = tcase_create ("objects");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_identity_by_id);
  tcase_add_test (tc, test_identity_by_overlap);
  tcase_add_test (tc, test_reclassify_interval);
  tcase_add_test (tc, test_max_objects_default);
  tcase_add_test (tc, test_max_objects_small_by_overlap);
  tcase_add_test (tc, test_async_objects);
  tcase_add_test (tc, test_shared_ids_without_timestamps);
  return s;
}

GST_CHECK_MAIN (edgeclassify_objects);
