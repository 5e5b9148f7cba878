/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The element's error mapping (gst/edgeclassify-adapter.c) against the
 * table users read: every row of docs/elements.md, "Errors", must be what
 * ec_status_to_gst gives; the messages on the bus carry a sentence that
 * names the file or property and a debug string with nn's status and
 * detail; the first failure is never overwritten; and the colour matrix
 * and range of a frame reach nn. */

#include <string.h>
#include <gst/check/gstcheck.h>

#include "edgeclassify-adapter.h"

static const struct {
  const gchar *name;
  nn_status status;
} statuses[] = {
  { "NOT_FOUND", NN_NOT_FOUND }, { "IO", NN_IO },
  { "BAD_MODEL", NN_BAD_MODEL }, { "UNSUPPORTED", NN_UNSUPPORTED },
  { "SHAPE", NN_SHAPE },         { "INVALID_ARG", NN_INVALID_ARG },
  { "NOMEM", NN_NOMEM },         { "INTERNAL", NN_INTERNAL },
};

/* "GST_RESOURCE_ERROR_NOT_FOUND" -> its domain and code, from GStreamer's
 * own enum types */
static gboolean
gst_code_from_name (const gchar *name, GQuark *domain, gint *code)
{
  const struct {
    GQuark domain;
    GType type;
  } domains[] = {
    { GST_CORE_ERROR, GST_TYPE_CORE_ERROR },
    { GST_LIBRARY_ERROR, GST_TYPE_LIBRARY_ERROR },
    { GST_RESOURCE_ERROR, GST_TYPE_RESOURCE_ERROR },
    { GST_STREAM_ERROR, GST_TYPE_STREAM_ERROR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++) {
    GEnumClass *klass = g_type_class_ref (domains[i].type);
    GEnumValue *v = g_enum_get_value_by_name (klass, name);

    if (v) {
      *domain = domains[i].domain;
      *code = v->value;
    }
    g_type_class_unref (klass);
    if (v)
      return TRUE;
  }
  return FALSE;
}

/* What a row of the table is about, from its first column */
static EcWhat
what_from_situation (const gchar *s)
{
  if (strstr (s, "caps"))
    return EC_WHAT_CAPS;
  if (strstr (s, "model run"))
    return EC_WHAT_INFERENCE;
  if (strstr (s, "property") || strstr (s, "`mean`"))
    return EC_WHAT_SETTINGS;
  if (g_str_has_prefix (s, "labels") || g_str_has_prefix (s, "number of "))
    return EC_WHAT_LABELS;
  return EC_WHAT_MODEL;
}

GST_START_TEST (test_docs_table)
{
  const gchar *root = g_getenv ("EDGECLASSIFY_SOURCE_ROOT");
  gchar *path, *text = NULL, **lines, *table;
  guint rows = 0;

  fail_unless (root != NULL, "EDGECLASSIFY_SOURCE_ROOT is not set");
  path = g_build_filename (root, "docs", "elements.md", NULL);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "%s", path);
  table = strstr (text, "\n## Errors");
  fail_unless (table != NULL, "no Errors section in %s", path);
  lines = g_strsplit (table, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    gchar **cells;
    nn_status status = NN_OK;
    GQuark want_domain, got_domain;
    gint want_code, got_code;
    gchar *code_name;
    EcWhat what;

    if (g_str_has_prefix (*l, "## ") && *l != lines[1] && rows > 0)
      break;
    if (!g_str_has_prefix (*l, "| ") || strstr (*l, "nn status")
        || g_str_has_prefix (*l, "|---"))
      continue;
    cells = g_strsplit (*l, "|", -1);
    fail_unless (g_strv_length (cells) >= 5, "row: %s", *l);
    for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
      if (strcmp (g_strstrip (cells[2]), statuses[i].name) == 0)
        status = statuses[i].status;
    fail_unless (status != NN_OK, "unknown nn status in: %s", *l);
    /* "`GST_STREAM_ERROR_FAILED`, flow ..." -> GST_STREAM_ERROR_FAILED */
    code_name = g_strdup (g_strstrip (cells[3]) + 1);
    *strchr (code_name, '`') = '\0';
    fail_unless (gst_code_from_name (code_name, &want_domain, &want_code),
                 "%s is not a GStreamer error code", code_name);
    what = what_from_situation (g_strstrip (cells[1]));
    ec_status_to_gst (status, what, &got_domain, &got_code);
    fail_unless (got_domain == want_domain && got_code == want_code,
                 "%s: %s gives %s %d, the docs say %s", cells[1], cells[2],
                 g_quark_to_string (got_domain), got_code, code_name);
    rows++;
    g_free (code_name);
    g_strfreev (cells);
  }
  fail_unless (rows >= 15, "only %u rows read from the table", rows);
  g_strfreev (lines);
  g_free (text);
  g_free (path);
}

GST_END_TEST;

/* Posts @err from an element and returns the message */
static GstMessage *
post (GstMessageType type, const EcError *err)
{
  GstElement *el = gst_element_factory_make ("identity", "el");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (el, bus);
  ec_post_error (el, type, err, "adapter.c", "post", 1);
  msg = gst_bus_pop (bus);
  fail_unless (msg != NULL);
  gst_element_set_bus (el, NULL);
  gst_object_unref (bus);
  gst_object_unref (el);
  return msg;
}

/* The sentence of (what, status), for a file or property named "thing" */
static gchar *
sentence (EcWhat what, nn_status status, const gchar *path, gchar **debug)
{
  EcError err = { 0 };
  GstMessage *msg;
  GError *gerr = NULL;
  gchar *text;

  ec_error_set (&err, status, what, path, "detail %d", 42);
  msg = post (GST_MESSAGE_ERROR, &err);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &gerr, debug);
  text = g_strdup (gerr->message);
  g_error_free (gerr);
  gst_message_unref (msg);
  ec_error_clear (&err);
  return text;
}

static void
expect_sentence (EcWhat what, nn_status status, const gchar *path,
                 const gchar *want)
{
  gchar *debug = NULL, *text = sentence (what, status, path, &debug);
  gchar *want_debug
      = g_strdup_printf ("%s%s%s: detail 42", path ? path : "",
                         path ? ": " : "", nn_status_to_string (status));

  fail_unless_equals_string (text, want);
  /* the debug string (after GStreamer's "where" line): path, nn's status,
   * the detail */
  fail_unless_equals_string (strrchr (debug, '\n') + 1, want_debug);
  g_free (want_debug);
  g_free (text);
  g_free (debug);
}

GST_START_TEST (test_sentences)
{
  expect_sentence (EC_WHAT_MODEL, NN_NOT_FOUND, "m.onnx",
                   "Could not find model file \"m.onnx\".");
  expect_sentence (EC_WHAT_MODEL, NN_IO, "m.onnx",
                   "Could not read model file \"m.onnx\".");
  expect_sentence (EC_WHAT_MODEL, NN_BAD_MODEL, "m.onnx",
                   "Model file \"m.onnx\" is not a valid ONNX model.");
  expect_sentence (EC_WHAT_MODEL, NN_UNSUPPORTED, NULL,
                   "Model \"(built-in)\" is not an image classifier this "
                   "element can run.");
  expect_sentence (EC_WHAT_MODEL, NN_SHAPE, "m.onnx",
                   "Model \"m.onnx\" is not an image classifier this "
                   "element can run.");
  expect_sentence (EC_WHAT_MODEL, NN_NOMEM, "m.onnx",
                   "Not enough memory for model \"m.onnx\".");
  expect_sentence (EC_WHAT_MODEL, NN_INTERNAL, "m.onnx",
                   "Could not load model \"m.onnx\".");
  expect_sentence (EC_WHAT_LABELS, NN_NOT_FOUND, "l.txt",
                   "Could not find labels file \"l.txt\".");
  expect_sentence (EC_WHAT_LABELS, NN_IO, "l.txt",
                   "Could not read labels file \"l.txt\".");
  expect_sentence (EC_WHAT_LABELS, NN_SHAPE, "l.txt",
                   "Labels \"l.txt\" do not match the model's classes.");
  expect_sentence (EC_WHAT_LABELS, NN_BAD_MODEL, "l.txt",
                   "Invalid labels \"l.txt\".");
  expect_sentence (EC_WHAT_SETTINGS, NN_INVALID_ARG, "mean",
                   "Invalid value for property \"mean\".");
  expect_sentence (EC_WHAT_SETTINGS, NN_INVALID_ARG, NULL,
                   "Invalid element settings.");
  expect_sentence (EC_WHAT_CAPS, NN_SHAPE, NULL,
                   "The video format does not fit the model.");
  expect_sentence (EC_WHAT_INFERENCE, NN_NOMEM, NULL,
                   "Not enough memory to run the model.");
  expect_sentence (EC_WHAT_INFERENCE, NN_INTERNAL, NULL,
                   "Classification failed.");
}

GST_END_TEST;

/* The first failure stands; a warning is a warning */
GST_START_TEST (test_first_failure_and_warning)
{
  EcError err = { 0 };
  GstMessage *msg;
  GError *gerr = NULL;
  gchar *debug = NULL;

  ec_error_set (NULL, NN_IO, EC_WHAT_MODEL, "x", "ignored");
  ec_error_set (&err, NN_NOT_FOUND, EC_WHAT_LABELS, "first.txt", "first");
  ec_error_set (&err, NN_NOMEM, EC_WHAT_MODEL, "second.onnx", "second");
  fail_unless_equals_int (err.status, NN_NOT_FOUND);
  fail_unless_equals_int (err.what, EC_WHAT_LABELS);
  fail_unless_equals_string (err.path, "first.txt");
  fail_unless_equals_string (err.detail, "first");

  msg = post (GST_MESSAGE_WARNING, &err);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
  gst_message_parse_warning (msg, &gerr, &debug);
  fail_unless (
      g_error_matches (gerr, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  fail_unless_equals_string (strrchr (debug, '\n') + 1,
                             "first.txt: not found: first");
  g_error_free (gerr);
  g_free (debug);
  gst_message_unref (msg);

  ec_error_clear (&err);
  fail_unless_equals_int (err.status, NN_OK);
  fail_unless (err.path == NULL && err.detail == NULL);
  /* cleared, it takes a new failure */
  ec_error_set (&err, NN_NOMEM, EC_WHAT_MODEL, NULL, "n");
  fail_unless_equals_int (err.status, NN_NOMEM);
  ec_error_clear (&err);
}

GST_END_TEST;

/* A frame's colour matrix and range as nn sees them; formats nn does not
 * read are refused */
GST_START_TEST (test_image_from_frame)
{
  const struct {
    const gchar *colorimetry;
    nn_yuv_matrix matrix;
    gboolean full;
  } cases[] = {
    { "bt601", NN_YUV_BT601, FALSE },  { "bt709", NN_YUV_BT709, FALSE },
    { "bt2020", NN_YUV_BT709, FALSE }, { "smpte240m", NN_YUV_BT709, FALSE },
    { "1:4:0:0", NN_YUV_BT601, TRUE }, /* full range, RGB-ish matrix */
    { "1:3:5:1", NN_YUV_BT709, TRUE }, /* full range BT.709 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstVideoInfo info;
    GstVideoFrame frame;
    GstBuffer *buf;
    nn_image img;

    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 8, 6);
    fail_unless (gst_video_colorimetry_from_string (&info.colorimetry,
                                                    cases[i].colorimetry));
    buf = gst_buffer_new_allocate (NULL, info.size, NULL);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
    fail_unless (ec_image_from_frame (&frame, &img));
    fail_unless_equals_int (img.matrix, cases[i].matrix);
    fail_unless_equals_int (img.full_range, cases[i].full);
    fail_unless_equals_int (img.width, 8);
    fail_unless_equals_int (img.height, 6);
    /* I420: Y, U, V planes in order */
    fail_unless (img.planes[1] == GST_VIDEO_FRAME_COMP_DATA (&frame, 1));
    fail_unless (img.planes[2] == GST_VIDEO_FRAME_COMP_DATA (&frame, 2));
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
  {
    GstVideoInfo info;
    GstVideoFrame frame;
    GstBuffer *buf;
    nn_image img;

    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_v210, 48, 2);
    buf = gst_buffer_new_allocate (NULL, info.size, NULL);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
    fail_if (ec_image_from_frame (&frame, &img));
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (ec_pixel_format_from_video (GST_VIDEO_FORMAT_UNKNOWN),
                          -1);
}

GST_END_TEST;

static Suite *
adapter_suite (void)
{
  Suite *s = suite_create ("edgeclassify-adapter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_docs_table);
  tcase_add_test (tc, test_sentences);
  tcase_add_test (tc, test_first_failure_and_warning);
  tcase_add_test (tc, test_image_from_frame);
  return s;
}

GST_CHECK_MAIN (adapter);
