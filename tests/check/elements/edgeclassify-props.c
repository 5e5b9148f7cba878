/* edgeclassify: property values that break a rule. Stopped, a refused
 * value fails the start with an error naming the property; running, it is
 * reported as a warning and the property keeps the value it runs with. */

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "ecutil.h"

#define GRAY_CAPS "video/x-raw,format=GRAY8,width=28,height=28,framerate=30/1"

/* Starts edgeclassify (seed model) with @name=@value and checks the error:
 * LIBRARY / SETTINGS, the sentence names the property, the debug string
 * says why. */
static void
expect_refused_at_start (const gchar *name, const gchar *value,
                         const gchar *why)
{
  GstElement *c = gst_element_factory_make ("edgeclassify", NULL);
  GstBus *bus = watch_bus (c);
  gchar *path = model_path ("seed.onnx");
  gchar *sentence
      = g_strdup_printf ("Invalid value for property \"%s\".", name);
  GError *err = NULL;
  gchar *debug = NULL;
  GstMessage *msg;

  g_object_set (c, "model", path, NULL);
  gst_util_set_object_arg (G_OBJECT (c), name, value);
  fail_unless_equals_int (gst_element_set_state (c, GST_STATE_PAUSED),
                          GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s=%s: no error", name, value);
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (err->domain == GST_LIBRARY_ERROR
                   && err->code == GST_LIBRARY_ERROR_SETTINGS,
               "%s=%s: got %s %d", name, value, g_quark_to_string (err->domain),
               err->code);
  fail_unless_equals_string (err->message, sentence);
  fail_unless (strstr (debug, why) != NULL, "%s=%s: \"%s\" not in %s", name,
               value, why, debug);

  gst_message_unref (msg);
  g_clear_error (&err);
  g_free (debug);
  g_free (sentence);
  g_free (path);
  gst_element_set_state (c, GST_STATE_NULL);
  gst_element_set_bus (c, NULL);
  gst_object_unref (bus);
  gst_object_unref (c);
}

GST_START_TEST (test_mean_std_refused)
{
  static const gchar *cases[][3] = {
    { "mean", "nan", "finite" },
    { "mean", "inf", "finite" },
    { "mean", "-inf", "finite" },
    { "mean", "0.5abc", "0.5abc" },
    { "mean", "1,2", "1 or 3" },
    { "mean", "1,2,3,4", "1 or 3" },
    { "mean", "0x10", "0x10" },
    { "std", "0", "zero" },
    { "std", "1,0,1", "value 2 is zero" },
    { "std", "nan", "finite" },
    { "std", "1e999", "finite" },
    { "max-rate", "-1", "0 or more" },
    { "max-rate", "-0.5", "0 or more" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_refused_at_start (cases[i][0], cases[i][1], cases[i][2]);
}
GST_END_TEST;

/* The decision layer's numbers: each rule refused at start, with why */
GST_START_TEST (test_decision_values_refused)
{
  static const gchar *cases[][3] = {
    { "smoothing-window", "0", "from 1 to 1000" },
    { "smoothing-window", "1001", "from 1 to 1000" },
    { "hysteresis", "-0.1", "from 0 to 1" },
    { "hysteresis", "1.5", "from 0 to 1" },
    { "max-objects", "0", "from 1 to 65536" },
    { "max-objects", "65537", "from 1 to 65536" },
    { "reclassify-interval", "0", "from 1 to" },
    { "object-timeout", "0", "from 1 to" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_refused_at_start (cases[i][0], cases[i][1], cases[i][2]);
}
GST_END_TEST;

GST_START_TEST (test_roi_refused)
{
  expect_refused_at_start ("roi", "<1,2,-3,4>", "positive");
  expect_refused_at_start ("roi", "<1,2,3,0>", "positive");
  expect_refused_at_start ("roi", "<1,2,3>", "3 values");
  expect_refused_at_start ("roi", "<1,2,3,4,5>", "5 values");
}
GST_END_TEST;

static gchar *
class_list (guint n, const gchar *last)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i + 1 < n; i++)
    g_string_append_printf (s, "class%u,", i);
  g_string_append (s, last);
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_object_class_limit)
{
  gchar *too_many = class_list (65, "target");
  gchar *most = class_list (64, "target");
  gchar *props = g_strdup_printf ("inference-region=roi-list "
                                  "object-class=\"%s\"",
                                  most);
  GstHarness *h = harness_new (NULL, "seed.onnx", props, GRAY_CAPS);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstVideoRegionOfInterestMeta *meta;
  gpointer state = NULL;
  guint classified = 0;

  expect_refused_at_start ("object-class", too_many, "more than 64");

  /* 64 names are all used: the last one too */
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  in = pattern_buffer (&info);
  gst_buffer_add_video_region_of_interest_meta (in, "target", 2, 2, 20, 20);
  gst_buffer_add_video_region_of_interest_meta (in, "other", 2, 2, 20, 20);
  out = gst_harness_push_and_pull (h, in);
  while (
      (meta = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    gboolean has
        = gst_video_region_of_interest_meta_get_param (meta, "classification")
          != NULL;
    fail_unless_equals_int (has,
                            meta->roi_type == g_quark_from_string ("target"));
    classified += has;
  }
  fail_unless_equals_int (classified, 1);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (props);
  g_free (most);
  g_free (too_many);
}
GST_END_TEST;

/* A refused value while running: a warning, the old value stays in use and
 * reads back, frames keep their results; a valid value afterwards works. */
GST_START_TEST (test_refused_while_playing)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "mean=0.25", GRAY_CAPS);
  GstElement *c = harness_classifier (h);
  GstBus *bus = watch_bus (h->element);
  GstVideoInfo info;
  GstMessage *msg;
  GError *err = NULL;
  gchar *mean = NULL;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));

  g_object_set (c, "mean", "zebra", NULL);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (err->domain == GST_LIBRARY_ERROR
               && err->code == GST_LIBRARY_ERROR_SETTINGS);
  fail_unless_equals_string (err->message,
                             "Invalid value for property \"mean\".");
  g_clear_error (&err);
  gst_message_unref (msg);
  g_object_get (c, "mean", &mean, NULL);
  fail_unless_equals_string (mean, "0.25");
  g_free (mean);

  {
    GstBuffer *out = gst_harness_push_and_pull (h, pattern_buffer (&info));
    get_result (out, NULL);
    gst_buffer_unref (out);
  }
  /* a good value is taken without a message */
  g_object_set (c, "mean", "0.5", NULL);
  gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  g_object_get (c, "mean", &mean, NULL);
  fail_unless_equals_string (mean, "0.5");
  g_free (mean);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A model that fails to load while playing: the old model keeps running,
 * "model" reads back its path, and later changes of other properties are
 * applied without the old error coming back. */
GST_START_TEST (test_bad_model_while_playing)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", NULL, GRAY_CAPS);
  GstElement *c = harness_classifier (h);
  GstBus *bus = watch_bus (h->element);
  gchar *good = model_path ("seed.onnx");
  gchar *bad = model_path ("gone.onnx");
  gchar *labels = model_path ("labels-10.txt");
  gchar *now = NULL;
  GstVideoInfo info;
  GstMessage *msg;
  GstBuffer *out;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));

  g_object_set (c, "model", bad, NULL);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning for the missing model");
  gst_message_unref (msg);
  g_object_get (c, "model", &now, NULL);
  fail_unless_equals_string (now, good);
  g_free (now);

  /* another model setting: applied, no warning again */
  g_object_set (c, "labels", labels, NULL);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL,
               "the old error came back");
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  fail_unless_equals_string (
      gst_structure_get_string (get_result (out, NULL), "model"), good);
  fail_unless (g_str_has_prefix (
      gst_structure_get_string (get_result (out, NULL), "label"), "class "));
  gst_buffer_unref (out);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (labels);
  g_free (good);
  g_free (bad);
}
GST_END_TEST;

/* Negative x and y: the rectangle is clipped to the frame. */
GST_START_TEST (test_roi_negative_origin_clipped)
{
  GstHarness *h
      = harness_new (NULL, "seed.onnx", "roi=<-10,-5,20,15>", GRAY_CAPS);
  GstVideoInfo info;
  GstBuffer *out;
  GstVideoRegionOfInterestMeta *meta;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  get_result (out, &meta);
  fail_unless_equals_int (meta->x, 0);
  fail_unless_equals_int (meta->y, 0);
  fail_unless_equals_int (meta->w, 10);
  fail_unless_equals_int (meta->h, 10);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Wholly outside: nothing classified, one warning (not one a frame). */
GST_START_TEST (test_roi_outside_warns_once)
{
  GstHarness *h
      = harness_new (NULL, "seed.onnx", "roi=<100,100,5,5>", GRAY_CAPS);
  GstBus *bus = watch_bus (h->element);
  GstVideoInfo info;
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < 3; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, pattern_buffer (&info));
    fail_unless_equals_int (count_roi_metas (out), 0);
    gst_buffer_unref (out);
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, &debug);
  fail_unless (err->domain == GST_LIBRARY_ERROR
               && err->code == GST_LIBRARY_ERROR_SETTINGS);
  fail_unless (strstr (err->message, "roi") != NULL, "%s", err->message);
  fail_unless (strstr (debug, "<100, 100, 5, 5>") != NULL, "%s", debug);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL,
               "warned more than once");

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
edgeclassify_props_suite (void)
{
  Suite *s = suite_create ("edgeclassify-props");
  TCase *tc = tcase_create ("refused");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mean_std_refused);
  tcase_add_test (tc, test_roi_refused);
  tcase_add_test (tc, test_decision_values_refused);
  tcase_add_test (tc, test_object_class_limit);
  tcase_add_test (tc, test_refused_while_playing);
  tcase_add_test (tc, test_bad_model_while_playing);
  tcase_add_test (tc, test_roi_negative_origin_clipped);
  tcase_add_test (tc, test_roi_outside_warns_once);
  return s;
}

GST_CHECK_MAIN (edgeclassify_props);
