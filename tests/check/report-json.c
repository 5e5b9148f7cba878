/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* edgereport's JSON writer on its own (gst/edgereport-json.c), read back
 * by json-glib: every GValue type a classification may hold, every string
 * that needs escaping, doubles that must read back exactly, and the user
 * information kept out of a source URI. */

#include <math.h>
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "edge-json.h"
#include "edgereport-json.h"

GST_DEBUG_CATEGORY (gst_edge_report_debug);

/* @text parsed as one JSON value */
static JsonNode *
parse (const gchar *text)
{
  JsonParser *p = json_parser_new ();
  GError *err = NULL;
  JsonNode *node;

  fail_unless (json_parser_load_from_data (p, text, -1, &err),
               "not JSON: %s (%s)", text, err ? err->message : "");
  node = json_node_copy (json_parser_get_root (p));
  g_object_unref (p);
  return node;
}

static void
check_string (const gchar *in, const gchar *want)
{
  GString *out = g_string_new (NULL);
  JsonNode *node;

  edge_json_string (out, in);
  node = parse (out->str);
  fail_unless_equals_int (json_node_get_value_type (node), G_TYPE_STRING);
  fail_unless_equals_string (json_node_get_string (node), want);
  json_node_unref (node);
  g_string_free (out, TRUE);
}

GST_START_TEST (test_strings)
{
  GString *out = g_string_new (NULL);
  gchar controls[32];

  check_string ("plain", "plain");
  check_string ("say \"hi\"", "say \"hi\"");
  check_string ("C:\\path\\to", "C:\\path\\to");
  check_string ("two\nlines\r\n\ttabbed", "two\nlines\r\n\ttabbed");
  check_string ("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
  for (guint i = 1; i < 32; i++)
    controls[i - 1] = (gchar)i;
  controls[31] = '\0';
  check_string (controls, controls);
  /* invalid UTF-8 becomes valid (the bad byte replaced), never raw */
  check_string ("bad \xff byte", "bad \xef\xbf\xbd byte");
  /* and no raw control character is left in the text */
  edge_json_string (out, controls);
  for (const gchar *p = out->str; *p; p++)
    fail_unless ((guchar)*p >= 0x20, "raw control character %d", *p);
  g_string_truncate (out, 0);
  edge_json_string (out, NULL);
  fail_unless_equals_string (out->str, "null");
  g_string_free (out, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_doubles)
{
  const gdouble exact[] = { 0.1,   1.0 / 3.0, 0.1 + 0.2,
                            1e300, -2.5e-300, 123456789.0,
                            -0.0,  0.81,      4.9406564584124654e-324 };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++) {
    JsonNode *node;

    g_string_truncate (out, 0);
    edge_json_double (out, exact[i]);
    node = parse (out->str);
    /* a double to typed readers, and the same double */
    fail_unless_equals_int (json_node_get_value_type (node), G_TYPE_DOUBLE);
    fail_unless (json_node_get_double (node) == exact[i], "%s for %.17g",
                 out->str, exact[i]);
    /* the shortest form: 15 significant digits when they suffice */
    if (exact[i] == 0.81)
      fail_unless_equals_string (out->str, "0.81");
    json_node_unref (node);
  }
  g_string_truncate (out, 0);
  edge_json_double (out, 42.0);
  fail_unless_equals_string (out->str, "42.0");
  for (guint i = 0; i < 3; i++) {
    const gdouble bad[] = { NAN, INFINITY, -INFINITY };
    g_string_truncate (out, 0);
    edge_json_double (out, bad[i]);
    fail_unless_equals_string (out->str, "null");
  }
  g_string_free (out, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_public_uri)
{
  const gchar *cases[][2] = {
    { "rtsp://admin:secret@10.0.0.7:554/stream1",
      "rtsp://10.0.0.7:554/stream1" },
    { "rtsp://viewer@cam.local/live", "rtsp://cam.local/live" },
    { "file:///srv/clips/gate.mp4", "file:///srv/clips/gate.mp4" },
    { "v4l2:///dev/video0", "v4l2:///dev/video0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *got = edge_report_public_uri (cases[i][0]);
    fail_unless_equals_string (got, cases[i][1]);
    g_free (got);
  }
}

GST_END_TEST;

static void
add_array (GstStructure *s, const gchar *field, gboolean list, GType type,
           guint n, const gpointer values)
{
  GValue array = G_VALUE_INIT, v = G_VALUE_INIT;

  if (list)
    gst_value_list_init (&array, n);
  else
    gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    g_value_init (&v, type);
    if (type == G_TYPE_STRING)
      g_value_set_string (&v, ((const gchar **)values)[i]);
    else
      g_value_set_double (&v, ((const gdouble *)values)[i]);
    if (list)
      gst_value_list_append_and_take_value (&array, &v);
    else
      gst_value_array_append_and_take_value (&array, &v);
    memset (&v, 0, sizeof (v));
  }
  gst_structure_take_value (s, field, &array);
}

/* One JSON line per buffer: the stream's fields, then one object per
 * region with a classification, every field as its type says */
GST_START_TEST (test_build)
{
  static const gchar *labels[] = { "cat", "dog" };
  static const gdouble confs[] = { 0.75, 0.125 };
  GstBuffer *buf = gst_buffer_new ();
  GstVideoRegionOfInterestMeta *meta;
  GstStructure *s;
  EdgeReportStream stream = { "run-1", NULL, "rtsp://cam/1", 41, 640, 480 };
  GString *out = g_string_new (NULL);
  JsonNode *node;
  JsonObject *o, *c;
  JsonArray *a;
  GValue frac = G_VALUE_INIT;

  /* nothing to report: no line */
  fail_if (edge_report_json_build (out, buf, &stream));
  fail_unless_equals_int (out->len, 0);
  /* a region from a detector, without a classification: still none */
  meta = gst_buffer_add_video_region_of_interest_meta (buf, "face", 1, 2, 3, 4);
  gst_video_region_of_interest_meta_add_param (
      meta,
      gst_structure_new ("detection", "confidence", G_TYPE_DOUBLE, 0.5, NULL));
  fail_if (edge_report_json_build (out, buf, &stream));

  meta = gst_buffer_add_video_region_of_interest_meta (buf, "cat", 0, 0, 640,
                                                       480);
  s = gst_structure_new (
      "classification", "label", G_TYPE_STRING, "cat", "label_id", G_TYPE_INT,
      -3, "count", G_TYPE_UINT, 4000000000u, "big", G_TYPE_INT64,
      (gint64)-9000000000000, "frame", G_TYPE_UINT64, (guint64)41, "none",
      G_TYPE_UINT64, G_MAXUINT64, "confidence", G_TYPE_DOUBLE, 0.75, "f",
      G_TYPE_FLOAT, 0.5f, "stale", G_TYPE_BOOLEAN, TRUE, NULL);
  add_array (s, "top_labels", FALSE, G_TYPE_STRING, 2, (gpointer)labels);
  add_array (s, "top_confidences", TRUE, G_TYPE_DOUBLE, 2, (gpointer)confs);
  g_value_init (&frac, GST_TYPE_FRACTION);
  gst_value_set_fraction (&frac, 30000, 1001);
  gst_structure_take_value (s, "rate", &frac);
  gst_video_region_of_interest_meta_add_param (meta, s);
  GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;

  fail_unless (edge_report_json_build (out, buf, &stream));
  node = parse (out->str);
  o = json_node_get_object (node);
  fail_unless_equals_int (json_object_get_int_member (o, "schema_version"),
                          EDGE_REPORT_SCHEMA_VERSION);
  fail_unless_equals_string (json_object_get_string_member (o, "run_id"),
                             "run-1");
  fail_unless (json_object_get_null_member (o, "stream_id"));
  fail_unless_equals_string (json_object_get_string_member (o, "source_uri"),
                             "rtsp://cam/1");
  fail_unless_equals_int (json_object_get_int_member (o, "frame"), 41);
  fail_unless (json_object_get_null_member (o, "pts"));
  fail_unless_equals_int (json_object_get_int_member (o, "width"), 640);
  fail_unless_equals_int (json_object_get_int_member (o, "height"), 480);
  fail_unless (
      g_str_has_suffix (json_object_get_string_member (o, "timestamp"), "Z"));
  a = json_object_get_array_member (o, "classifications");
  fail_unless_equals_int (json_array_get_length (a), 1);
  c = json_array_get_object_element (a, 0);
  fail_unless_equals_string (json_object_get_string_member (c, "label"), "cat");
  fail_unless_equals_int (json_object_get_int_member (c, "label_id"), -3);
  fail_unless_equals_int64 (json_object_get_int_member (c, "count"),
                            4000000000ll);
  fail_unless_equals_int64 (json_object_get_int_member (c, "big"),
                            -9000000000000ll);
  fail_unless_equals_int64 (json_object_get_int_member (c, "frame"), 41);
  fail_unless (json_object_get_null_member (c, "none"));
  fail_unless (json_object_get_double_member (c, "confidence") == 0.75);
  fail_unless (json_object_get_double_member (c, "f") == 0.5);
  fail_unless (json_object_get_boolean_member (c, "stale"));
  a = json_object_get_array_member (c, "top_labels");
  fail_unless_equals_int (json_array_get_length (a), 2);
  fail_unless_equals_string (json_array_get_string_element (a, 1), "dog");
  a = json_object_get_array_member (c, "top_confidences");
  fail_unless (json_array_get_double_element (a, 1) == 0.125);
  /* a type JSON has no word for: GStreamer's own text for it */
  fail_unless_equals_string (json_object_get_string_member (c, "rate"),
                             "30000/1001");
  /* the region */
  fail_unless_equals_int (json_object_get_int_member (c, "x"), 0);
  fail_unless_equals_int (json_object_get_int_member (c, "width"), 640);
  json_node_unref (node);

  /* a second classified region: a second object; a PTS is a number */
  meta = gst_buffer_add_video_region_of_interest_meta (buf, "dog", 10, 20, 30,
                                                       40);
  gst_video_region_of_interest_meta_add_param (
      meta, gst_structure_new ("classification", "label", G_TYPE_STRING, "dog",
                               NULL));
  GST_BUFFER_PTS (buf) = 5 * GST_SECOND;
  stream.stream_id = "cam/1";
  fail_unless (edge_report_json_build (out, buf, &stream));
  node = parse (out->str);
  o = json_node_get_object (node);
  fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
                            5 * GST_SECOND);
  fail_unless_equals_string (json_object_get_string_member (o, "stream_id"),
                             "cam/1");
  a = json_object_get_array_member (o, "classifications");
  fail_unless_equals_int (json_array_get_length (a), 2);
  c = json_array_get_object_element (a, 1);
  fail_unless_equals_string (json_object_get_string_member (c, "label"), "dog");
  fail_unless_equals_int (json_object_get_int_member (c, "y"), 20);
  fail_unless_equals_int (json_object_get_int_member (c, "height"), 40);
  json_node_unref (node);

  g_string_free (out, TRUE);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static Suite *
report_json_suite (void)
{
  Suite *s = suite_create ("edgereport-json");
  TCase *tc = tcase_create ("general");

  GST_DEBUG_CATEGORY_INIT (gst_edge_report_debug, "edgereport", 0, "json");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_strings);
  tcase_add_test (tc, test_doubles);
  tcase_add_test (tc, test_public_uri);
  tcase_add_test (tc, test_build);
  return s;
}

GST_CHECK_MAIN (report_json);
