/* edgeclassify: property values that break a rule. Stopped, a refused
 * value fails the start with an error naming the property; running, it is
 * reported as a warning and the property keeps the value it runs with. */

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "ecutil.h"

/* Starts edgeclassify on @model with @name=@value and checks the error:
 * LIBRARY / SETTINGS, the sentence names the property, the debug string
 * says why. */
static void
expect_refused_on (const gchar *model, const gchar *name, const gchar *value,
                   const gchar *why)
{
  GstElement *c = gst_element_factory_make ("edgeclassify", NULL);
  GstBus *bus = watch_bus (c);
  gchar *path = model_path (model);
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

static void
expect_refused_at_start (const gchar *name, const gchar *value,
                         const gchar *why)
{
  expect_refused_on ("seed.onnx", name, value, why);
}

/* Values valid on their own that do not fit the model, at start: a colour
 * order for the wrong channel count, three means or stds for one channel */
GST_START_TEST (test_unfitting_refused_at_start)
{
  expect_refused_on ("mix.onnx", "color", "gray",
                     "color=gray does not fit the model's 3 input channels");
  expect_refused_on ("seed.onnx", "color", "bgr",
                     "color=bgr does not fit the model's 1 input channel");
  expect_refused_on ("seed.onnx", "mean", "0.1,0.2,0.3",
                     "expected 1 comma-separated number");
  expect_refused_on ("seed.onnx", "std", "1,2,3",
                     "expected 1 nonzero comma-separated number");
}
GST_END_TEST;

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
    { "std", "0", "value 1 is zero" },
    { "std", "0,1,1", "value 1 is zero" },
    { "std", "1,0,1", "value 2 is zero" },
    { "std", "1,1,0", "value 3 is zero" },
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
  GstHarness *h = harness_new (NULL, "seed.onnx", props, GRAY28);
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
  GstHarness *h = harness_new (NULL, "seed.onnx", "mean=0.25", GRAY28);
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
  GstHarness *h = harness_new (NULL, "seed.onnx", NULL, GRAY28);
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
  GstHarness *h = harness_new (NULL, "seed.onnx", "roi=<-10,-5,20,15>", GRAY28);
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
  GstHarness *h = harness_new (NULL, "seed.onnx", "roi=<100,100,5,5>", GRAY28);
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

  /* another roi outside the frame: warned about once, too */
  gst_util_set_object_arg (G_OBJECT (harness_classifier (h)), "roi",
                           "<40,0,5,5>");
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning for the second roi");
  gst_message_parse_warning (msg, &err, &debug);
  fail_unless (strstr (debug, "<40, 0, 5, 5>") != NULL, "%s", debug);
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

/* The top list of the result on @buf, as text ("id:conf ...", confidences
 * to the last bit) */
static gchar *
result_text (GstBuffer *buf)
{
  const GstStructure *s = get_result (buf, NULL);
  const GValue *ids = gst_structure_get_value (s, "top_ids");
  const GValue *confs = gst_structure_get_value (s, "top_confidences");
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < gst_value_array_get_size (ids); i++)
    g_string_append_printf (
        out, "%d:%a ", g_value_get_int (gst_value_array_get_value (ids, i)),
        g_value_get_double (gst_value_array_get_value (confs, i)));
  return g_string_free (out, FALSE);
}

#define WIDE_CAPS "video/x-raw,format=GRAY8,width=56,height=28,framerate=30/1"

/* The result for a smooth 56x28 frame from a harness made with @props */
static gchar *
result_with (const gchar *props)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", props, WIDE_CAPS);
  GstBuffer *out
      = gst_harness_push_and_pull (h, smooth_rgb_buffer (56, 28, TRUE));
  gchar *text = result_text (out);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return text;
}

/* Preprocessing settings changed while playing take effect at once, the
 * same as when set from the start; the resize mode and the scale change
 * what the model sees, the thread count does not */
GST_START_TEST (test_settings_while_playing)
{
  static const gchar *cases[][3] = {
    { "resize-mode", "letterbox", "differs" },
    { "resize-mode", "center-crop", "differs" },
    { "scale", "0.002", "differs" },
    { "threads", "2", "same" },
  };
  gchar *before = result_with (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstHarness *h = harness_new (NULL, "seed.onnx", NULL, WIDE_CAPS);
    GstElement *c = harness_classifier (h);
    GstBus *bus = watch_bus (h->element);
    gchar *props = g_strdup_printf ("%s=%s", cases[i][0], cases[i][1]);
    gchar *from_start = result_with (props), *live;
    GstBuffer *out;

    gst_buffer_unref (
        gst_harness_push_and_pull (h, smooth_rgb_buffer (56, 28, TRUE)));
    gst_util_set_object_arg (G_OBJECT (c), cases[i][0], cases[i][1]);
    out = gst_harness_push_and_pull (h, smooth_rgb_buffer (56, 28, TRUE));
    live = result_text (out);
    fail_unless_equals_string (live, from_start);
    if (strcmp (cases[i][2], "same") == 0) {
      fail_unless_equals_string (live, before);
    } else {
      fail_if (strcmp (live, before) == 0, "%s: no change", props);
    }
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
    gst_buffer_unref (out);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
    g_free (live);
    g_free (from_start);
    g_free (props);
  }
  g_free (before);
}

GST_END_TEST;

/* Values that are valid on their own but do not fit the running model (3
 * means for a one-channel model, colour RGB for it): a warning naming the
 * property, and the property reads back the value the element runs with */
GST_START_TEST (test_unfitting_settings_reverted)
{
  static const gchar *cases[][3] = {
    { "mean", "0.1,0.2,0.3", NULL },
    { "std", "1,2,3", NULL },
    { "color", "rgb", "auto" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstHarness *h = harness_new (NULL, "seed.onnx", NULL, GRAY28);
    GstElement *c = harness_classifier (h);
    GstBus *bus = watch_bus (h->element);
    GstVideoInfo info;
    GstMessage *msg;
    GError *err = NULL;
    gchar *sentence
        = g_strdup_printf ("Invalid value for property \"%s\".", cases[i][0]);
    GValue now = G_VALUE_INIT;
    gchar *text;

    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
    gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));
    gst_util_set_object_arg (G_OBJECT (c), cases[i][0], cases[i][1]);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "%s=%s: no warning", cases[i][0], cases[i][1]);
    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (err->domain == GST_LIBRARY_ERROR
                 && err->code == GST_LIBRARY_ERROR_SETTINGS);
    fail_unless_equals_string (err->message, sentence);
    g_clear_error (&err);
    gst_message_unref (msg);

    g_value_init (
        &now, g_object_class_find_property (G_OBJECT_GET_CLASS (c), cases[i][0])
                  ->value_type);
    g_object_get_property (G_OBJECT (c), cases[i][0], &now);
    text = G_VALUE_HOLDS_ENUM (&now) ? g_strdup (
               g_enum_get_value (g_type_class_peek (G_VALUE_TYPE (&now)),
                                 g_value_get_enum (&now))
                   ->value_nick)
                                     : g_value_dup_string (&now);
    fail_unless_equals_string (text, cases[i][2]);
    /* and it still classifies */
    {
      GstBuffer *out = gst_harness_push_and_pull (h, pattern_buffer (&info));
      get_result (out, NULL);
      gst_buffer_unref (out);
    }
    g_free (text);
    g_value_unset (&now);
    g_free (sentence);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* A rebuild that fails for a reason outside the property (the model file
 * removed while running, a size the model cannot take): a warning with the
 * failure's own domain and code, the property reads back the value the
 * element runs with, and frames are still classified. */
GST_START_TEST (test_failed_rebuild_reverts)
{
  static const struct {
    const gchar *name, *value;
    gboolean remove_model; /* else the error is the size's */
    gint code;
  } cases[] = {
    { "threads", "2", TRUE, GST_RESOURCE_ERROR_NOT_FOUND },
    { "scale", "0.5", TRUE, GST_RESOURCE_ERROR_NOT_FOUND },
    { "resize-mode", "letterbox", TRUE, GST_RESOURCE_ERROR_NOT_FOUND },
    { "input-size", "32x32", FALSE, GST_LIBRARY_ERROR_SETTINGS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *dir = g_dir_make_tmp ("ec-rebuild-XXXXXX", NULL);
    gchar *copy = g_build_filename (dir, "model.onnx", NULL);
    gchar *seed = model_path ("seed.onnx"), *contents = NULL, *desc;
    gsize size = 0;
    GstHarness *h;
    GstElement *c;
    GstBus *bus;
    GstVideoInfo info;
    GstMessage *msg;
    GError *err = NULL;
    GParamSpec *pspec;
    GValue before = G_VALUE_INIT, after = G_VALUE_INIT;
    GQuark domain
        = cases[i].remove_model ? GST_RESOURCE_ERROR : GST_LIBRARY_ERROR;

    fail_unless (g_file_get_contents (seed, &contents, &size, NULL));
    fail_unless (g_file_set_contents (copy, contents, (gssize)size, NULL));
    desc = g_strdup_printf ("edgeclassify name=c mode=sync model=\"%s\"", copy);
    h = gst_harness_new_parse (desc);
    gst_harness_set_src_caps_str (h, GRAY28);
    c = harness_classifier (h);
    bus = watch_bus (h->element);
    pspec
        = g_object_class_find_property (G_OBJECT_GET_CLASS (c), cases[i].name);
    g_value_init (&before, pspec->value_type);
    g_value_init (&after, pspec->value_type);
    g_object_get_property (G_OBJECT (c), cases[i].name, &before);

    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
    gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));
    if (cases[i].remove_model)
      fail_unless (g_remove (copy) == 0);
    gst_util_set_object_arg (G_OBJECT (c), cases[i].name, cases[i].value);

    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "%s=%s: no warning", cases[i].name,
                 cases[i].value);
    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (err->domain == domain && err->code == cases[i].code,
                 "%s: got %s %d", cases[i].name,
                 g_quark_to_string (err->domain), err->code);
    g_clear_error (&err);
    gst_message_unref (msg);
    g_object_get_property (G_OBJECT (c), cases[i].name, &after);
    fail_unless (g_param_values_cmp (pspec, &before, &after) == 0,
                 "%s kept the refused value", cases[i].name);
    {
      GstBuffer *out = gst_harness_push_and_pull (h, pattern_buffer (&info));
      get_result (out, NULL);
      gst_buffer_unref (out);
    }

    g_value_unset (&before);
    g_value_unset (&after);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
    g_remove (copy);
    g_rmdir (dir);
    g_free (desc);
    g_free (contents);
    g_free (seed);
    g_free (copy);
    g_free (dir);
  }
}

GST_END_TEST;

static Suite *
edgeclassify_props_suite (void)
{
  Suite *s = suite_create ("edgeclassify-props");
  TCase *tc = tcase_create ("refused");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mean_std_refused);
  tcase_add_test (tc, test_unfitting_refused_at_start);
  tcase_add_test (tc, test_roi_refused);
  tcase_add_test (tc, test_decision_values_refused);
  tcase_add_test (tc, test_object_class_limit);
  tcase_add_test (tc, test_refused_while_playing);
  tcase_add_test (tc, test_bad_model_while_playing);
  tcase_add_test (tc, test_roi_negative_origin_clipped);
  tcase_add_test (tc, test_roi_outside_warns_once);
  tcase_add_test (tc, test_settings_while_playing);
  tcase_add_test (tc, test_unfitting_settings_reverted);
  tcase_add_test (tc, test_failed_rebuild_reverts);
  return s;
}

GST_CHECK_MAIN (edgeclassify_props);
