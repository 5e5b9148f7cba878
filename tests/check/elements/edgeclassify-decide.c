/* edgeclassify: decisions that hold still. The fixture mix.onnx makes
 * every result a choice of the test (the colour of the frame is the
 * probabilities), so the smoothed decisions on the buffers are checked
 * against a plain computation here, and the events against the decisions.
 * Resets (flush, seek, caps, model), both modes. */

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ecutil.h"

/* The probabilities of colour @rgb through mix.onnx */
static void
probs_of (const guint8 rgb[3], gdouble p[3])
{
  for (guint c = 0; c < 3; c++)
    p[c] = rgb[c] / 255.0;
}

static GstHarness *
mix_harness (const gchar *props)
{
  return harness_new (NULL, "mix.onnx", props, MIX_CAPS);
}

static const gchar *
str_field (const GstStructure *s, const gchar *name)
{
  return gst_structure_get_string (s, name);
}

/* Colours whose channels add up to 255 (so they are probabilities): a
 * scene of one dominant class for 12 frames, noisy frames in between
 * where another class wins. */
static void
scene_colour (GRand *rng, guint i, guint8 rgb[3])
{
  gint truth = (i / 12) % 3, other = (truth + 1 + (i % 2)) % 3;
  gint win = g_rand_int_range (rng, 0, 4) == 0 ? other : truth;
  gint hi = g_rand_int_range (rng, 130, 200);
  gint lo = g_rand_int_range (rng, 0, 255 - hi);

  rgb[win] = (guint8)hi;
  rgb[(win + 1) % 3] = (guint8)lo;
  rgb[(win + 2) % 3] = (guint8)(255 - hi - lo);
}

/* ema as docs/metadata.md says, computed here in double */
GST_START_TEST (test_ema_matches_reference)
{
  GstHarness *h = mix_harness ("smoothing=ema smoothing-window=5 "
                               "hysteresis=0.05 post-messages=false");
  GRand *rng = g_rand_new_with_seed (5);
  gdouble avg[3] = { 0 }, alpha = 2.0 / 6.0;
  gint decision = -1;
  guint changes = 0, raw_changes = 0;
  gint last_raw = -1;

  for (guint i = 0; i < 120; i++) {
    guint8 rgb[3];
    gdouble p[3];
    GstBuffer *out;
    const GstStructure *s;
    gint best = 0, raw = 0, raw_id = -2;
    gdouble raw_conf = -1.0;

    scene_colour (rng, i, rgb);
    probs_of (rgb, p);
    for (guint c = 0; c < 3; c++) {
      avg[c] = i == 0 ? p[c] : avg[c] + alpha * (p[c] - avg[c]);
      if (avg[c] > avg[best])
        best = c;
      if (p[c] > p[raw])
        raw = c;
    }
    if (decision < 0)
      decision = best;
    else if (best != decision && avg[best] - avg[decision] > 0.05) {
      decision = best;
      changes++;
    }
    raw_changes += i > 0 && raw != last_raw;
    last_raw = raw;

    out = gst_harness_push_and_pull (h, mix_frame (i, rgb, NULL, 0));
    s = get_result (out, NULL);
    fail_unless_equals_int (result_id (s), decision);
    fail_unless (fabs (result_confidence (s) - avg[decision]) < 1e-5);
    fail_unless (gst_structure_get_int (s, "raw_label_id", &raw_id));
    fail_unless_equals_int (raw_id, raw);
    fail_unless (gst_structure_get_double (s, "raw_confidence", &raw_conf));
    fail_unless (fabs (raw_conf - p[raw]) < 1e-5);
    fail_unless_equals_string (str_field (s, "raw_label"), raw == 0   ? "red"
                                                           : raw == 1 ? "green"
                                                                      : "blue");
    gst_buffer_unref (out);
  }
  /* the point of it: far fewer changes than the frames' own labels */
  fail_unless (changes < raw_changes / 2, "%u changes, %u raw", changes,
               raw_changes);
  g_rand_free (rng);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Without smoothing a result is the decision: no raw fields, no events */
GST_START_TEST (test_none_is_unchanged)
{
  GstHarness *h = mix_harness ("post-messages=false");
  static const guint8 red[3] = { 200, 55, 0 }, blue[3] = { 0, 55, 200 };
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);

  for (guint i = 0; i < 6; i++) {
    GstBuffer *out = gst_harness_push_and_pull (
        h, mix_frame (i, i % 2 ? blue : red, NULL, 0));
    const GstStructure *s = get_result (out, NULL);

    fail_unless_equals_int (result_id (s), i % 2 ? 2 : 0);
    fail_unless (!gst_structure_has_field (s, "raw_label"));
    fail_unless (!gst_structure_has_field (s, "object_id"));
    fail_unless_equals_int (gst_structure_n_fields (s), 14);
    gst_buffer_unref (out);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_decision_events (h, events);
  fail_unless_equals_int (events->len, 0);
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* color=bgr feeds the model blue, green, red: through mix.onnx a reddish
 * frame reads as the blue class at the red channel's value, and the reverse;
 * color=rgb (the default for 3 channels) as the frame is */
GST_START_TEST (test_color_order)
{
  static const guint8 colours[][3] = { { 200, 40, 15 }, { 10, 60, 185 } };

  for (guint bgr = 0; bgr < 2; bgr++) {
    GstHarness *h = mix_harness (bgr ? "post-messages=false color=bgr"
                                     : "post-messages=false color=rgb");

    for (guint i = 0; i < 2; i++) {
      const guint8 *rgb = colours[i];
      GstBuffer *out
          = gst_harness_push_and_pull (h, mix_frame (i, rgb, NULL, 0));
      const GstStructure *s = get_result (out, NULL);
      gint red_class = bgr ? 2 : 0, blue_class = bgr ? 0 : 2;
      gint want = rgb[0] > rgb[2] ? red_class : blue_class;
      gdouble p[3];

      probs_of (rgb, p);
      fail_unless_equals_int (result_id (s), want);
      fail_unless (fabs (result_confidence (s) - MAX (p[0], p[2])) < 1e-3,
                   "bgr %u colour %u: confidence %f", bgr, i,
                   result_confidence (s));
      gst_buffer_unref (out);
    }
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Three means and three stds reach the model one per channel: through
 * mix.onnx each class reads (v / 255 - mean[c]) / std[c] of its channel,
 * so each setting makes a different class win, at that value; one mean for
 * all three channels gives yet another winner. */
GST_START_TEST (test_per_channel_mean_std)
{
  static const guint8 rgb[3] = { 200, 40, 15 };
  static const struct {
    const gchar *props;
    gdouble mean[3], std[3];
  } cases[] = {
    { "mean=0.7,0,0 std=1,1,0.1", { 0.7, 0, 0 }, { 1, 1, 0.1 } },
    { "mean=0,0,0.05 std=1,0.18,1", { 0, 0, 0.05 }, { 1, 0.18, 1 } },
    { "mean=0.7 std=1", { 0.7, 0.7, 0.7 }, { 1, 1, 1 } },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++) {
    gchar *props
        = g_strdup_printf ("post-messages=false color=rgb %s", cases[k].props);
    GstHarness *h = mix_harness (props);
    GstBuffer *out = gst_harness_push_and_pull (h, mix_frame (0, rgb, NULL, 0));
    const GstStructure *s = get_result (out, NULL);
    gdouble v[3];
    gint want = 0;

    for (guint c = 0; c < 3; c++) {
      v[c] = (rgb[c] / 255.0 - cases[k].mean[c]) / cases[k].std[c];
      if (v[c] > v[want])
        want = (gint)c;
    }
    fail_unless_equals_int (result_id (s), want);
    fail_unless (fabs (result_confidence (s) - v[want]) < 1e-3,
                 "%s: confidence %f, expected %f", cases[k].props,
                 result_confidence (s), v[want]);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    g_free (props);
  }
}
GST_END_TEST;

typedef struct {
  const gchar *event, *label, *previous;
  guint64 frame;
} Expect;

static void
check_events (GPtrArray *events, const Expect *want, guint n)
{
  fail_unless_equals_int (events->len, n);
  for (guint i = 0; i < n; i++) {
    const GstStructure *s = events->pdata[i];
    guint64 frame = 0, pts = 0, object = 99;

    fail_unless_equals_string (str_field (s, "event"), want[i].event);
    fail_unless_equals_string (str_field (s, "label"), want[i].label);
    fail_unless_equals_string (str_field (s, "previous_label"),
                               want[i].previous);
    fail_unless (gst_structure_get_uint64 (s, "frame", &frame));
    fail_unless (gst_structure_get_uint64 (s, "pts", &pts));
    fail_unless (gst_structure_get_uint64 (s, "object_id", &object));
    fail_unless_equals_uint64 (frame, want[i].frame);
    fail_unless_equals_uint64 (pts, want[i].frame * FRAME_NS);
    fail_unless_equals_uint64 (object, 0);
  }
}

/* vote, window 3: a decision changes when a label has two of the last
 * three votes; events follow, each with the label before it and how long
 * that one held; end of stream ends the last one. The same on the bus. */
GST_START_TEST (test_events_in_order)
{
  GstHarness *h = mix_harness ("smoothing=vote smoothing-window=3 "
                               "hysteresis=0");
  GstBus *bus = watch_bus (harness_classifier (h));
  static const guint8 red[3] = { 200, 55, 0 }, green[3] = { 0, 200, 55 },
                      blue[3] = { 55, 0, 200 };
  const guint8 *seq[] = { red,   red,  green, red,  red,  green, green,
                          green, blue, green, blue, blue, blue };
  /* votes r r g r r g g: green has 2 of 3 at frame 6; blue at frame 10 */
  static const Expect want[] = { { "enter", "red", NULL, 0 },
                                 { "change", "green", "red", 6 },
                                 { "change", "blue", "green", 10 },
                                 { "leave", "blue", "blue", 12 } };
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  GPtrArray *posted
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  GstMessage *msg;
  gdouble dwell = -1.0;

  for (guint i = 0; i < G_N_ELEMENTS (seq); i++)
    gst_buffer_unref (
        gst_harness_push_and_pull (h, mix_frame (i, seq[i], NULL, 0)));
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_decision_events (h, events);
  check_events (events, want, G_N_ELEMENTS (want));
  /* red held from frame 0 to 6, green from 6 to 10 (by PTS) */
  fail_unless (gst_structure_get_double (events->pdata[1], "dwell_ms", &dwell));
  fail_unless (fabs (dwell - 6 * FRAME_NS / 1e6) < 1e-6);
  fail_unless (gst_structure_get_double (events->pdata[2], "dwell_ms", &dwell));
  fail_unless (fabs (dwell - 4 * FRAME_NS / 1e6) < 1e-6);
  fail_unless (gst_structure_get_double (events->pdata[0], "dwell_ms", &dwell));
  fail_unless (dwell == 0.0);

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "edgeclassify-event"))
      g_ptr_array_add (posted, gst_structure_copy (s));
    gst_message_unref (msg);
  }
  check_events (posted, want, G_N_ELEMENTS (want));

  g_ptr_array_unref (events);
  g_ptr_array_unref (posted);
  gst_element_set_bus (harness_classifier (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* After red for long, one green frame cannot move an ema decision of
 * window 30; after a reset it is the first result and decides at once,
 * and the object enters again. */
static void
expect_reset (const gchar *how)
{
  GstHarness *h = mix_harness ("smoothing=ema smoothing-window=30 "
                               "post-messages=false");
  static const guint8 red[3] = { 200, 55, 0 }, green[3] = { 0, 200, 55 };
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  GstBuffer *out;
  guint i;

  for (i = 0; i < 20; i++)
    gst_buffer_unref (
        gst_harness_push_and_pull (h, mix_frame (i, red, NULL, 0)));
  out = gst_harness_push_and_pull (h, mix_frame (i++, green, NULL, 0));
  fail_unless_equals_int (result_id (get_result (out, NULL)), 0);
  gst_buffer_unref (out);

  if (strcmp (how, "flush") == 0) {
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    GstSegment seg;
    gchar *last = NULL;

    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    /* the reset is the flush's (before the segment data needs after it) */
    g_object_get (harness_classifier (h), "last-result", &last, NULL);
    fail_unless (last == NULL, "kept %s", last);
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  } else if (strcmp (how, "seek") == 0) {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    seg.start = seg.time = i * FRAME_NS;
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  } else if (strcmp (how, "caps") == 0) {
    gst_harness_set_src_caps_str (
        h, "video/x-raw,format=RGB,width=64,height=64,framerate=15/1");
  } else {
    gchar *path = model_path ("mix-copy.onnx");

    g_object_set (harness_classifier (h), "model", path, NULL);
    g_free (path);
  }
  out = gst_harness_push_and_pull (h, mix_frame (i, green, NULL, 0));
  fail_unless_equals_int (result_id (get_result (out, NULL)), 1);
  gst_buffer_unref (out);

  pull_decision_events (h, events);
  fail_unless_equals_int (events->len, 2);
  fail_unless_equals_string (str_field (events->pdata[1], "event"), "enter");
  fail_unless_equals_string (str_field (events->pdata[1], "label"), "green");
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}

GST_START_TEST (test_reset_on_flush)
{
  expect_reset ("flush");
}
GST_END_TEST;

GST_START_TEST (test_reset_on_seek)
{
  expect_reset ("seek");
}
GST_END_TEST;

GST_START_TEST (test_reset_on_caps)
{
  expect_reset ("caps");
}
GST_END_TEST;

GST_START_TEST (test_reset_on_model_swap)
{
  expect_reset ("model");
}
GST_END_TEST;

/* async: frames carry the newest decision; a scene that does not change
 * enters once and never changes; the decision is the smoothed one */
GST_START_TEST (test_async_smoothing)
{
  GstHarness *h = mix_harness ("mode=async smoothing=ema smoothing-window=4 "
                               "post-messages=false");
  static const guint8 red[3] = { 150, 105, 0 }, green[3] = { 105, 150, 0 };
  GPtrArray *events
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  guint carried = 0, i;

  for (i = 0; i < 200 && carried < 20; i++) {
    /* one frame in five is green: never enough to move the average */
    GstBuffer *out = gst_harness_push_and_pull (
        h, mix_frame (i, i % 5 == 4 ? green : red, NULL, 0));
    GstVideoRegionOfInterestMeta *meta
        = gst_buffer_get_video_region_of_interest_meta (out);

    if (meta
        && gst_video_region_of_interest_meta_get_param (meta,
                                                        "classification")) {
      const GstStructure *s = get_result (out, NULL);

      fail_unless_equals_int (result_id (s), 0);
      fail_unless (gst_structure_has_field (s, "raw_label"));
      carried++;
    }
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (carried >= 20);
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_decision_events (h, events);
  fail_unless_equals_int (events->len, 2);
  fail_unless_equals_string (str_field (events->pdata[0], "event"), "enter");
  fail_unless_equals_string (str_field (events->pdata[1], "event"), "leave");
  g_ptr_array_unref (events);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* edgereport events-only=true: one line per event, nothing per frame */
GST_START_TEST (test_report_events_only)
{
  gchar *path = g_build_filename (g_getenv ("EDGE_TEST_OUTPUT_DIR"),
                                  "decide-events.jsonl", NULL);
  gchar *model = model_path ("mix.onnx");
  gchar *desc = g_strdup_printf (
      "edgeclassify mode=sync model=\"%s\" smoothing=vote "
      "smoothing-window=1 post-messages=false ! edgereport events-only=true "
      "location=\"%s\"",
      model, path);
  static const guint8 red[3] = { 200, 55, 0 }, blue[3] = { 55, 0, 200 };
  static const gchar *want[][2]
      = { { "\"event\":\"enter\"", "\"previous_label\":null" },
          { "\"event\":\"change\"", "\"previous_label\":\"red\"" },
          { "\"event\":\"leave\"", "\"previous_label\":\"blue\"" } };
  GstHarness *h;
  gchar *text = NULL, **lines;

  g_unlink (path);
  h = gst_harness_new_parse (desc);
  gst_harness_set_src_caps_str (h, MIX_CAPS);
  for (guint i = 0; i < 10; i++)
    gst_buffer_unref (gst_harness_push_and_pull (
        h, mix_frame (i, i < 4 ? red : blue, NULL, 0)));
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  fail_unless_equals_int (g_strv_length (lines), G_N_ELEMENTS (want) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++) {
    fail_unless (strstr (lines[i], want[i][0]) != NULL, "%s", lines[i]);
    fail_unless (strstr (lines[i], want[i][1]) != NULL, "%s", lines[i]);
    fail_unless (strstr (lines[i], "\"classifications\"") == NULL);
    fail_unless (strstr (lines[i], "\"run_id\":\"") != NULL);
    fail_unless (strstr (lines[i], "\"object_id\":0") != NULL);
  }
  fail_unless_equals_string (lines[G_N_ELEMENTS (want)], "");
  g_strfreev (lines);
  g_free (text);
  g_unlink (path);
  g_free (desc);
  g_free (model);
  g_free (path);
}
GST_END_TEST;

static Suite *
edgeclassify_decide_suite (void)
{
  Suite *s = suite_create ("edgeclassify-decide");
  TCase *tc = tcase_create ("decide");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ema_matches_reference);
  tcase_add_test (tc, test_none_is_unchanged);
  tcase_add_test (tc, test_color_order);
  tcase_add_test (tc, test_events_in_order);
  tcase_add_test (tc, test_reset_on_flush);
  tcase_add_test (tc, test_per_channel_mean_std);
  tcase_add_test (tc, test_reset_on_seek);
  tcase_add_test (tc, test_reset_on_caps);
  tcase_add_test (tc, test_reset_on_model_swap);
  tcase_add_test (tc, test_async_smoothing);
  tcase_add_test (tc, test_report_events_only);
  return s;
}

GST_CHECK_MAIN (edgeclassify_decide);
