/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* edgeclassify element tests. The models come from make_models.py (random
 * weights, fixed seed) in EDGECLASSIFY_TEST_MODELS: they check plumbing,
 * formats, metadata and errors, not accuracy. */

#include <math.h>
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <nn/preprocess.h>
#include <json-glib/json-glib.h>

#include "ecutil.h"

static const gchar *fashion_labels[]
    = { "T-shirt/top", "Trouser", "Pullover", "Dress",      "Coat", "Sandal",
        "Shirt",       "Sneaker", "Bag",      "Ankle boot", NULL };

/* every format: nn's table (nn/preprocess.c), the element's caps */

/* ------------------------------------------------------------------ */
/* helpers */

/* ------------------------------------------------------------------ */
/* formats and sizes */

/* Classifies the picture after videoconvert turned it into @format. */
static void
classify_in_format (const gchar *model, const gchar *format, gboolean gray,
                    gint *id, gdouble *conf)
{
  gchar *pre = g_strdup_printf ("videoconvert dither=none ! "
                                "video/x-raw,format=%s",
                                format);
  GstHarness *h = harness_new (pre, model, NULL,
                               "video/x-raw,format=RGB,"
                               "width=64,height=48,framerate=30/1");
  GstBuffer *out;
  const GstStructure *s;

  out = gst_harness_push_and_pull (h, smooth_rgb_buffer (64, 48, gray));
  fail_unless (out != NULL, "no output in %s", format);
  s = get_result (out, NULL);
  *id = result_id (s);
  *conf = result_confidence (s);
  GST_INFO ("%s %s: %d %f", model, format, *id, *conf);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (pre);
}

static void
check_formats_agree (const gchar *model, gboolean gray)
{
  gint ref_id, id;
  gdouble ref_conf, conf;

  classify_in_format (model, "RGB", gray, &ref_id, &ref_conf);
  for (guint i = 0; i < NN_PIX_N_FORMATS; i++) {
    if (!gray
        && strcmp (nn_pixel_format_name ((nn_pixel_format)i), "GRAY8") == 0)
      continue; /* not the same picture */
    classify_in_format (model, nn_pixel_format_name ((nn_pixel_format)i), gray,
                        &id, &conf);
    fail_unless_equals_int (id, ref_id);
    fail_unless (fabs (conf - ref_conf) < 1e-3,
                 "%s in %s: confidence %f, RGB gave %f", model,
                 nn_pixel_format_name ((nn_pixel_format)i), conf, ref_conf);
  }
}

GST_START_TEST (test_formats_gray_picture)
{
  check_formats_agree ("seed.onnx", TRUE);
  check_formats_agree ("rgb.onnx", TRUE);
}

GST_END_TEST;

GST_START_TEST (test_formats_color_picture)
{
  check_formats_agree ("rgb.onnx", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_sizes)
{
  const gint sizes[][2] = { { 1, 1 }, { 3, 5 }, { 1921, 1081 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    for (guint f = 0; f < NN_PIX_N_FORMATS; f++) {
      gint w = sizes[i][0], hgt = sizes[i][1];
      gchar *caps
          = caps_str (nn_pixel_format_name ((nn_pixel_format)f), w, hgt);
      GstHarness *h = harness_new (NULL, "seed.onnx", NULL, caps);
      GstVideoInfo info;
      GstVideoRegionOfInterestMeta *meta;
      GstBuffer *out;
      gdouble conf;

      gst_video_info_set_format (&info,
                                 gst_video_format_from_string (
                                     nn_pixel_format_name ((nn_pixel_format)f)),
                                 w, hgt);
      out = gst_harness_push_and_pull (h, pattern_buffer (&info));
      fail_unless (out != NULL);
      conf = result_confidence (get_result (out, &meta));
      fail_unless (conf > 0.0 && conf <= 1.0);
      fail_unless_equals_int (meta->x, 0);
      fail_unless_equals_int (meta->y, 0);
      fail_unless_equals_int (meta->w, w);
      fail_unless_equals_int (meta->h, hgt);
      gst_buffer_unref (out);
      gst_harness_teardown (h);
      g_free (caps);
    }
  }
}

GST_END_TEST;

/* Same visible pixels as @packed, in a buffer whose planes start at odd
 * offsets and have long strides, described by a GstVideoMeta; the
 * padding is garbage the element must not read. */
static GstBuffer *
padded_copy (const GstVideoInfo *info, GstBuffer *packed)
{
  const GstVideoFormatInfo *finfo = info->finfo;
  gsize offset[GST_VIDEO_MAX_PLANES] = {
    0,
  };
  gint stride[GST_VIDEO_MAX_PLANES] = {
    0,
  };
  gsize pos = 40;
  GstVideoFrame src, dst;
  GstBuffer *buf;
  GstMapInfo map;

  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];

    gst_video_format_info_component (finfo, p, comp);
    stride[p] = GST_VIDEO_INFO_PLANE_STRIDE (info, p) + 52 + 4 * p;
    offset[p] = pos;
    pos += (gsize)stride[p]
               * GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (
                   finfo, comp[0], GST_VIDEO_INFO_HEIGHT (info))
           + 24;
  }
  buf = gst_buffer_new_allocate (NULL, pos, NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, 0xa5, map.size);
  gst_buffer_unmap (buf, &map);
  gst_buffer_add_video_meta_full (
      buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT (info),
      GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info),
      GST_VIDEO_INFO_N_PLANES (info), offset, stride);

  /* whole packed rows (gst_video_frame_copy would leave out the chroma of
   * a last odd pixel in YUY2/UYVY) */
  fail_unless (gst_video_frame_map (&src, info, packed, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&dst, info, buf, GST_MAP_WRITE));
  fail_unless_equals_int (GST_VIDEO_FRAME_PLANE_STRIDE (&dst, 0), stride[0]);
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    gint rows, row_bytes = GST_VIDEO_FRAME_PLANE_STRIDE (&src, p);

    gst_video_format_info_component (finfo, p, comp);
    rows = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, comp[0],
                                               GST_VIDEO_INFO_HEIGHT (info));
    for (gint y = 0; y < rows; y++)
      memcpy ((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&dst, p)
                  + y * GST_VIDEO_FRAME_PLANE_STRIDE (&dst, p),
              (guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&src, p) + y * row_bytes,
              row_bytes);
  }
  gst_video_frame_unmap (&dst);
  gst_video_frame_unmap (&src);
  return buf;
}

GST_START_TEST (test_padded_strides)
{
  for (guint f = 0; f < NN_PIX_N_FORMATS; f++) {
    gchar *caps = caps_str (nn_pixel_format_name ((nn_pixel_format)f), 37, 23);
    GstHarness *h = harness_new (NULL, "rgb.onnx", NULL, caps);
    GstVideoInfo info;
    GstBuffer *packed, *padded, *out1, *out2;
    const GstStructure *s1, *s2;

    gst_video_info_set_format (&info,
                               gst_video_format_from_string (
                                   nn_pixel_format_name ((nn_pixel_format)f)),
                               37, 23);
    packed = pattern_buffer (&info);
    padded = padded_copy (&info, packed);
    out1 = gst_harness_push_and_pull (h, packed);
    out2 = gst_harness_push_and_pull (h, padded);
    s1 = get_result (out1, NULL);
    s2 = get_result (out2, NULL);
    fail_unless_equals_int (result_id (s1), result_id (s2));
    fail_unless (fabs (result_confidence (s1) - result_confidence (s2)) < 1e-6,
                 "%s: padding changed the result",
                 nn_pixel_format_name ((nn_pixel_format)f));
    gst_buffer_unref (out1);
    gst_buffer_unref (out2);
    gst_harness_teardown (h);
    g_free (caps);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* metadata */

static void
check_array (const GstStructure *s, const gchar *field, GType type, guint n)
{
  const GValue *v = gst_structure_get_value (s, field);

  fail_unless (v != NULL, "no field %s", field);
  fail_unless (GST_VALUE_HOLDS_ARRAY (v), "%s is not a GstValueArray", field);
  fail_unless_equals_int (gst_value_array_get_size (v), n);
  for (guint i = 0; i < n; i++)
    fail_unless (G_VALUE_TYPE (gst_value_array_get_value (v, i)) == type);
}

static void
check_schema (const GstStructure *s, const gchar *model, guint64 frame,
              guint64 pts, guint top_k, gboolean with_rect)
{
  static const struct {
    const gchar *name;
    GType type;
  } fields[] = { { "label", G_TYPE_STRING },        { "label_id", G_TYPE_INT },
                 { "confidence", G_TYPE_DOUBLE },   { "model", G_TYPE_STRING },
                 { "frame", G_TYPE_UINT64 },        { "pts", G_TYPE_UINT64 },
                 { "inference_us", G_TYPE_DOUBLE }, { "stale", G_TYPE_BOOLEAN },
                 { "age_frames", G_TYPE_UINT64 },   { "age_ms", G_TYPE_DOUBLE },
                 { "schema_version", G_TYPE_INT } };
  const GValue *confs;
  guint64 u;
  gint id, version;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    fail_unless (
        gst_structure_has_field_typed (s, fields[i].name, fields[i].type),
        "field %s missing or mistyped", fields[i].name);
  check_array (s, "top_labels", G_TYPE_STRING, top_k);
  check_array (s, "top_ids", G_TYPE_INT, top_k);
  check_array (s, "top_confidences", G_TYPE_DOUBLE, top_k);
  fail_unless_equals_int (gst_structure_n_fields (s), with_rect ? 18 : 14);
  if (with_rect) {
    fail_unless (gst_structure_has_field_typed (s, "x", G_TYPE_INT));
    fail_unless (gst_structure_has_field_typed (s, "y", G_TYPE_INT));
    fail_unless (gst_structure_has_field_typed (s, "width", G_TYPE_INT));
    fail_unless (gst_structure_has_field_typed (s, "height", G_TYPE_INT));
  }

  fail_unless_equals_string (gst_structure_get_string (s, "model"), model);
  fail_unless (gst_structure_get_uint64 (s, "frame", &u));
  fail_unless_equals_uint64 (u, frame);
  fail_unless (gst_structure_get_uint64 (s, "pts", &u));
  fail_unless_equals_uint64 (u, pts);
  fail_unless (gst_structure_get_int (s, "schema_version", &version));
  fail_unless_equals_int (version, 2);

  /* top-1 is the first of the top lists, which are sorted */
  id = result_id (s);
  fail_unless_equals_int (id, g_value_get_int (gst_value_array_get_value (
                                  gst_structure_get_value (s, "top_ids"), 0)));
  fail_unless (
      g_strv_contains (fashion_labels, gst_structure_get_string (s, "label")));
  fail_unless_equals_string (gst_structure_get_string (s, "label"),
                             fashion_labels[id]);
  confs = gst_structure_get_value (s, "top_confidences");
  for (guint i = 1; i < top_k; i++)
    fail_unless (
        g_value_get_double (gst_value_array_get_value (confs, i))
        <= g_value_get_double (gst_value_array_get_value (confs, i - 1)));
}

GST_START_TEST (test_metadata_schema)
{
  GstHarness *h = harness_new (
      NULL, "seed.onnx", "top-k=3",
      "video/x-raw,format=GRAY8,width=40,height=30,framerate=30/1");
  GstElement *c = harness_classifier (h);
  GstBus *bus = watch_bus (h->element);
  gchar *path = model_path ("seed.onnx");
  GstVideoRegionOfInterestMeta *meta;
  const GstStructure *s;
  GstMessage *msg;
  GstBuffer *in, *out;
  gchar *json = NULL;
  gboolean stale = TRUE;
  gdouble us = -1;
  gint v;

  g_object_get (c, "last-result", &json, NULL);
  fail_unless (json == NULL);

  for (guint64 i = 0; i < 3; i++) {
    GstVideoInfo info;

    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 40, 30);
    in = pattern_buffer (&info);
    GST_BUFFER_PTS (in) = i * 33 * GST_MSECOND;
    out = gst_harness_push_and_pull (h, in);
    s = get_result (out, &meta);
    check_schema (s, path, i, i * 33 * GST_MSECOND, 3, FALSE);
    fail_unless (gst_structure_get_boolean (s, "stale", &stale));
    fail_if (stale);
    fail_unless (gst_structure_get_double (s, "inference_us", &us));
    fail_unless (us > 0.0);
    fail_unless_equals_string (g_quark_to_string (meta->roi_type),
                               gst_structure_get_string (s, "label"));

    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL);
    fail_unless (gst_message_has_name (msg, "edgeclassify"));
    s = gst_message_get_structure (msg);
    check_schema (s, path, i, i * 33 * GST_MSECOND, 3, TRUE);
    fail_unless (gst_structure_get_int (s, "width", &v));
    fail_unless_equals_int (v, 40);
    fail_unless (gst_structure_get_int (s, "height", &v));
    fail_unless_equals_int (v, 30);
    gst_message_unref (msg);
    gst_buffer_unref (out);
  }

  g_object_get (c, "last-result", &json, NULL);
  fail_unless (json != NULL);
  fail_unless (g_str_has_prefix (json, "{\"schema_version\":2,\"model\":"));
  fail_unless (strstr (json, "\"frame\":2,\"pts\":66000000,") != NULL, json);
  fail_unless (strstr (json, "\"top_ids\":[") != NULL);
  g_free (json);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (path);
}

GST_END_TEST;

/* last-result is JSON whatever the labels hold: quotes, backslashes, tabs
 * and other control characters come back from a JSON parser as the very
 * labels the metadata carries, confidences as the same doubles */
GST_START_TEST (test_last_result_escapes)
{
  gchar *labels = model_path ("labels-escapes.txt");
  gchar *props = g_strdup_printf ("top-k=10 labels=\"%s\"", labels);
  GstHarness *h = harness_new (NULL, "seed.onnx", props, GRAY28);
  GstElement *c = harness_classifier (h);
  JsonParser *parser = json_parser_new ();
  GstVideoInfo info;
  GstBuffer *out;
  const GstStructure *s;
  const GValue *names, *confs;
  JsonObject *o;
  JsonArray *jn, *jc;
  GError *err = NULL;
  gchar *json = NULL;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  s = get_result (out, NULL);
  names = gst_structure_get_value (s, "top_labels");
  confs = gst_structure_get_value (s, "top_confidences");
  fail_unless_equals_int (gst_value_array_get_size (names), 10);

  g_object_get (c, "last-result", &json, NULL);
  /* JSON has no raw control characters (RFC 8259, 7), whatever a lenient
   * parser takes */
  for (const gchar *p = json; *p; p++)
    fail_unless ((guchar)*p >= 0x20, "raw control character 0x%02x in %s",
                 (guchar)*p, json);
  fail_unless (json_parser_load_from_data (parser, json, -1, &err),
               "last-result is not JSON (%s): %s", err ? err->message : "",
               json);
  o = json_node_get_object (json_parser_get_root (parser));
  fail_unless_equals_int (
      json_array_get_length (json_object_get_array_member (o, "results")), 1);
  o = json_array_get_object_element (
      json_object_get_array_member (o, "results"), 0);
  fail_unless_equals_string (json_object_get_string_member (o, "label"),
                             gst_structure_get_string (s, "label"));
  jn = json_object_get_array_member (o, "top_labels");
  jc = json_object_get_array_member (o, "top_confidences");
  fail_unless_equals_int (json_array_get_length (jn), 10);
  for (guint i = 0; i < 10; i++) {
    fail_unless_equals_string (
        json_array_get_string_element (jn, i),
        g_value_get_string (gst_value_array_get_value (names, i)));
    fail_unless (json_array_get_double_element (jc, i)
                 == g_value_get_double (gst_value_array_get_value (confs, i)));
  }
  /* every label of the file is among them, escapes and all */
  {
    gboolean seen_quote = FALSE, seen_ctl = FALSE;
    for (guint i = 0; i < 10; i++) {
      const gchar *l = json_array_get_string_element (jn, i);
      seen_quote |= strcmp (l, "say \"hi\"") == 0;
      seen_ctl |= strcmp (l, "ctl\x10"
                             "b")
                  == 0;
    }
    fail_unless (seen_quote && seen_ctl);
  }
  g_free (json);
  g_object_unref (parser);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (props);
  g_free (labels);
}

GST_END_TEST;

/* The label id and confidence of a smooth @w x @h GRAY8 frame through @h */
static void
classify_smooth (GstHarness *h, gint w, gint hh, gint *id, gdouble *conf)
{
  GstBuffer *out
      = gst_harness_push_and_pull (h, smooth_rgb_buffer (w, hh, TRUE));
  const GstStructure *s = get_result (out, NULL);

  *id = result_id (s);
  *conf = result_confidence (s);
  gst_buffer_unref (out);
}

/* Caps that change one dimension at a time while playing: each frame is
 * classified as by an element started with its caps */
GST_START_TEST (test_caps_change_one_dimension)
{
  const gint sizes[][2] = { { 28, 28 }, { 28, 40 }, { 36, 40 }, { 36, 28 } };
  gchar *caps = caps_str ("GRAY8", 28, 28);
  GstHarness *h = harness_new (NULL, "seed.onnx", NULL, caps);

  g_free (caps);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gint w = sizes[i][0], hh = sizes[i][1], id, want_id;
    gdouble conf, want_conf;
    GstHarness *fresh;

    caps = caps_str ("GRAY8", w, hh);
    gst_harness_set_src_caps_str (h, caps);
    classify_smooth (h, w, hh, &id, &conf);
    fresh = harness_new (NULL, "seed.onnx", NULL, caps);
    classify_smooth (fresh, w, hh, &want_id, &want_conf);
    fail_unless_equals_int (id, want_id);
    fail_unless (conf == want_conf, "%dx%d: %f, started with it %f", w, hh,
                 conf, want_conf);
    gst_harness_teardown (fresh);
    g_free (caps);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_labels_sources)
{
  GstHarness *h;
  GstBuffer *out;
  GstVideoInfo info;
  gchar *labels = model_path ("labels-10.txt");
  gchar *props = g_strdup_printf ("labels=\"%s\"", labels);
  const gchar *caps = GRAY28;
  const GstStructure *s;
  gchar *expect;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);

  /* a labels file wins over the model's labels */
  h = harness_new (NULL, "seed.onnx", props, caps);
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  s = get_result (out, NULL);
  expect = g_strdup_printf ("class %d", result_id (s));
  fail_unless_equals_string (gst_structure_get_string (s, "label"), expect);
  g_free (expect);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* no labels anywhere: class numbers */
  h = harness_new (NULL, "seed-nolabels.onnx", NULL, caps);
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  s = get_result (out, NULL);
  expect = g_strdup_printf ("%d", result_id (s));
  fail_unless_equals_string (gst_structure_get_string (s, "label"), expect);
  g_free (expect);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  g_free (props);
  g_free (labels);
}

GST_END_TEST;

GST_START_TEST (test_threshold_unknown)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "threshold=1.0", GRAY28);
  GstVideoRegionOfInterestMeta *meta;
  GstVideoInfo info;
  const GstStructure *s;
  GstBuffer *out;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  s = get_result (out, &meta);
  fail_unless_equals_string (gst_structure_get_string (s, "label"), "unknown");
  fail_unless_equals_int (result_id (s), -1);
  fail_unless_equals_string (g_quark_to_string (meta->roi_type), "unknown");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_stale_interval)
{
  GstHarness *h
      = harness_new (NULL, "seed.onnx", "inference-interval=3", GRAY28);
  const gboolean expect[] = { FALSE, TRUE, TRUE, FALSE, TRUE, TRUE, FALSE };
  GstVideoInfo info;
  gint last_id = -1;
  gdouble last_conf = -1;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++) {
    GstBuffer *in = pattern_buffer (&info), *out;
    const GstStructure *s;
    gboolean stale;
    guint64 frame, age;
    gdouble age_ms;

    /* a different picture every frame */
    gst_buffer_memset (in, 0, (guint8)(i * 30), 28 * 14);
    GST_BUFFER_PTS (in) = i * GST_SECOND / 30;
    out = gst_harness_push_and_pull (h, in);
    s = get_result (out, NULL);
    fail_unless (gst_structure_get_boolean (s, "stale", &stale));
    fail_unless_equals_int (stale, expect[i]);
    /* frame: the one the result was computed on; age: how far back */
    fail_unless (gst_structure_get_uint64 (s, "frame", &frame));
    fail_unless_equals_uint64 (frame, i / 3 * 3);
    fail_unless (gst_structure_get_uint64 (s, "age_frames", &age));
    fail_unless_equals_uint64 (age, i % 3);
    fail_unless (gst_structure_get_double (s, "age_ms", &age_ms));
    fail_unless (fabs (age_ms - (i % 3) * 1000.0 / 30) < 0.01, "age %f ms",
                 age_ms);
    if (stale) {
      fail_unless_equals_int (result_id (s), last_id);
      fail_unless (result_confidence (s) == last_conf);
    }
    last_id = result_id (s);
    last_conf = result_confidence (s);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* regions */

GST_START_TEST (test_roi_list)
{
  GstHarness *h = harness_new (
      NULL, "rgb.onnx", "inference-region=roi-list object-class=face,hand",
      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  GstBus *bus = watch_bus (h->element);
  GstBuffer *in = smooth_rgb_buffer (64, 48, FALSE), *out;
  GstVideoRegionOfInterestMeta *meta;
  gpointer state = NULL;
  GstMessage *msg;
  guint n_params = 0;
  gint v;

  gst_buffer_add_video_region_of_interest_meta (in, "face", 4, 4, 20, 20);
  gst_buffer_add_video_region_of_interest_meta (in, "car", 30, 10, 30, 30);
  gst_buffer_add_video_region_of_interest_meta (in, "hand", 50, 30, 40, 40);
  out = gst_harness_push_and_pull (h, in);

  /* no new region: results go into the detector's ones */
  fail_unless_equals_int (count_roi_metas (out), 3);
  while (
      (meta = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstStructure *s
        = gst_video_region_of_interest_meta_get_param (meta, "classification");
    const gchar *type = g_quark_to_string (meta->roi_type);

    if (strcmp (type, "car") == 0) {
      fail_unless (s == NULL);
      continue;
    }
    fail_unless (s != NULL, "%s has no result", type);
    n_params++;
  }
  fail_unless_equals_int (n_params, 2);

  /* messages carry the classified rectangles, clipped to the frame */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (
      gst_structure_get_int (gst_message_get_structure (msg), "x", &v));
  fail_unless_equals_int (v, 4);
  gst_message_unref (msg);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (
      gst_structure_get_int (gst_message_get_structure (msg), "width", &v));
  fail_unless_equals_int (v, 14);
  fail_unless (
      gst_structure_get_int (gst_message_get_structure (msg), "height", &v));
  fail_unless_equals_int (v, 18);
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);

  gst_buffer_unref (out);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_roi_property)
{
  GstHarness *h = harness_new (
      NULL, "rgb.onnx", "roi=<10,8,30,100>",
      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  GstVideoRegionOfInterestMeta *meta;
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, smooth_rgb_buffer (64, 48, FALSE));
  get_result (out, &meta);
  fail_unless_equals_int (meta->x, 10);
  fail_unless_equals_int (meta->y, 8);
  fail_unless_equals_int (meta->w, 30);
  fail_unless_equals_int (meta->h, 40); /* clipped */
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* buffers, threads, states */

GST_START_TEST (test_shared_frames_not_copied)
{
  GstHarness *h = harness_new (
      NULL, "seed.onnx", NULL,
      "video/x-raw,format=I420,width=64,height=48,framerate=30/1");
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstMemory *mem;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 64, 48);

  /* shared: another holder keeps a reference */
  in = pattern_buffer (&info);
  gst_buffer_ref (in);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != in);
  fail_unless_equals_int (gst_buffer_n_memory (out), gst_buffer_n_memory (in));
  for (guint i = 0; i < gst_buffer_n_memory (in); i++)
    fail_unless (gst_buffer_peek_memory (out, i)
                     == gst_buffer_peek_memory (in, i),
                 "pixels were copied");
  fail_unless_equals_int (count_roi_metas (in), 0);
  fail_unless_equals_int (count_roi_metas (out), 1);
  gst_buffer_unref (out);
  gst_buffer_unref (in);

  /* sole owner: the very same buffer comes out */
  in = pattern_buffer (&info);
  mem = gst_buffer_peek_memory (in, 0);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out == in);
  fail_unless (gst_buffer_peek_memory (out, 0) == mem);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

typedef struct {
  GstElement *classifier;
  gchar *models[2];
  gint done;
} SwapData;

static gpointer
swap_models (gpointer user_data)
{
  SwapData *d = user_data;

  for (guint i = 0; i < 100; i++) {
    g_object_set (d->classifier, "model", d->models[i % 2], NULL);
    g_usleep (500);
  }
  g_atomic_int_set (&d->done, 1);
  return NULL;
}

GST_START_TEST (test_model_swap_while_playing)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "top-k=3", GRAY28);
  SwapData d = { harness_classifier (h),
                 { model_path ("seed.onnx"), model_path ("two.onnx") },
                 0 };
  GstVideoInfo info;
  GThread *thread;
  guint seen[2] = { 0, 0 };
  gboolean last = FALSE;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  thread = g_thread_new ("swap", swap_models, &d);
  /* after the last swap, two more frames: the last one is two.onnx's */
  for (guint extra = 0; extra < 2;) {
    GstBuffer *out = gst_harness_push_and_pull (h, pattern_buffer (&info));
    const GstStructure *s = get_result (out, NULL);
    const gchar *model = gst_structure_get_string (s, "model");
    const gchar *label = gst_structure_get_string (s, "label");
    gboolean two = strcmp (model, d.models[1]) == 0;
    const GValue *ids = gst_structure_get_value (s, "top_ids");

    /* every field of a result comes from the same model */
    fail_unless (two || strcmp (model, d.models[0]) == 0);
    fail_unless_equals_int (gst_value_array_get_size (ids), two ? 2 : 3);
    if (two)
      fail_unless (strcmp (label, "left") == 0 || strcmp (label, "right") == 0,
                   "label %s from %s", label, model);
    else
      fail_unless (g_strv_contains (fashion_labels, label));
    fail_unless (result_id (s) < (two ? 2 : 10));
    seen[two]++;
    last = two;
    gst_buffer_unref (out);
    if (g_atomic_int_get (&d.done))
      extra++;
  }
  g_thread_join (thread);
  fail_unless (last, "the last model set was not used");
  fail_unless (seen[0] > 0 && seen[1] > 0);
  GST_INFO ("results: %u from seed, %u from two", seen[0], seen[1]);
  g_free (d.models[0]);
  g_free (d.models[1]);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_state_cycles)
{
  gchar *path = model_path ("seed.onnx");
  gchar *desc
      = g_strdup_printf ("videotestsrc ! video/x-raw,width=64,"
                         "height=48 ! edgeclassify model=\"%s\" ! fakesink",
                         path);
  GstElement *pipe = gst_parse_launch (desc, NULL);

  fail_unless (pipe != NULL);
  for (guint i = 0; i < 100; i++) {
    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING)
             == GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (
        gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
                            GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (pipe);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* A tee shares each frame between two classifiers running at once on two
 * streaming threads, each with its own model. */
GST_START_TEST (test_two_sessions_tee)
{
  gchar *a = model_path ("seed.onnx"), *b = model_path ("rgb.onnx");
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=40 ! "
      "video/x-raw,format=NV12,width=160,height=120 ! tee name=t "
      "t. ! queue ! edgeclassify name=a model=\"%s\" ! fakesink "
      "t. ! queue ! edgeclassify name=b model=\"%s\" ! fakesink "
      "t. ! queue ! edgeclassify name=c model=\"%s\" ! fakesink",
      a, b, a);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  guint count[3] = { 0, 0, 0 };
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_timed_pop_filtered (
              bus, 30 * GST_SECOND,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    fail_if (type == GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "edgeclassify"))
      count[GST_OBJECT_NAME (GST_MESSAGE_SRC (msg))[0] - 'a']++;
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless_equals_int (count[0], 40);
  fail_unless_equals_int (count[1], 40);
  fail_unless_equals_int (count[2], 40);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (a);
  g_free (b);
}

GST_END_TEST;

/* Worker threads change the speed, not the answer. */
GST_START_TEST (test_threads_same_result)
{
  const gchar *caps
      = "video/x-raw,format=BGRx,width=96,height=64,framerate=30/1";
  GstHarness *h1 = harness_new (NULL, "seed.onnx", "threads=1", caps);
  GstHarness *h2 = harness_new (NULL, "seed.onnx", "threads=2", caps);
  GstVideoInfo info;
  GstBuffer *in, *out1, *out2;
  const GstStructure *s1, *s2;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, 96, 64);
  in = pattern_buffer (&info);
  out1 = gst_harness_push_and_pull (h1, gst_buffer_copy (in));
  out2 = gst_harness_push_and_pull (h2, in);
  s1 = get_result (out1, NULL);
  s2 = get_result (out2, NULL);
  fail_unless_equals_int (result_id (s1), result_id (s2));
  fail_unless (fabs (result_confidence (s1) - result_confidence (s2)) < 1e-5);
  gst_buffer_unref (out1);
  gst_buffer_unref (out2);
  gst_harness_teardown (h1);
  gst_harness_teardown (h2);
}

GST_END_TEST;

GST_START_TEST (test_latency_query)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", NULL, GRAY28);
  GstVideoInfo info;
  GstClockTime latency;

  gst_harness_set_upstream_latency (h, 5 * GST_MSECOND);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < 4; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));
  latency = gst_harness_query_latency (h);
  fail_unless (latency > 5 * GST_MSECOND, "latency %" GST_TIME_FORMAT,
               GST_TIME_ARGS (latency));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* errors */

GST_START_TEST (test_error_missing_model)
{
  expect_start_error ("does-not-exist.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_NOT_FOUND, "does-not-exist.onnx");
}

GST_END_TEST;

GST_START_TEST (test_error_directory_model)
{
  expect_start_error ("a-directory.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_OPEN_READ, "a-directory.onnx");
}

GST_END_TEST;

GST_START_TEST (test_error_corrupt_model)
{
  expect_start_error ("corrupt.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "corrupt.onnx");
}

GST_END_TEST;

GST_START_TEST (test_error_truncated_model)
{
  expect_start_error ("truncated.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "truncated.onnx");
}

GST_END_TEST;

GST_START_TEST (test_error_empty_model)
{
  expect_start_error ("empty.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "empty.onnx");
}

GST_END_TEST;

/* A model path that is not a regular file (a device), one that goes
 * through a file as if it were a folder, and one too long for the system:
 * each refused before the loader, with the path and the reason */
GST_START_TEST (test_error_odd_model_paths)
{
  const gchar *device[] = { "model", "/dev/null", NULL };
  const gchar *through[] = { "model", "@seed.onnx/inner.onnx", NULL };
  gchar *long_name = g_strnfill (5000, 'm');
  const gchar *too_long[] = { "model", long_name, NULL };

  expect_start_error (NULL, device, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_OPEN_READ, "not a regular file");
  expect_start_error (NULL, through, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_NOT_FOUND, "inner.onnx");
  expect_start_error (NULL, too_long, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_OPEN_READ, "stat:");
  g_free (long_name);
}

GST_END_TEST;

GST_START_TEST (test_error_non_image_model)
{
  expect_start_error ("nonimage.onnx", NULL, GST_LIBRARY_ERROR,
                      GST_LIBRARY_ERROR_SETTINGS, "nonimage.onnx");
}

GST_END_TEST;

GST_START_TEST (test_error_four_channel_model)
{
  expect_start_error ("fourch.onnx", NULL, GST_LIBRARY_ERROR,
                      GST_LIBRARY_ERROR_SETTINGS, "4 channels");
}

GST_END_TEST;

GST_START_TEST (test_error_labels_missing)
{
  const gchar *props[] = { "labels", "@no-labels.txt", NULL };

  expect_start_error ("seed.onnx", props, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_NOT_FOUND, "no-labels.txt");
}

GST_END_TEST;

GST_START_TEST (test_error_labels_directory)
{
  const gchar *props[] = { "labels", "@a-directory.onnx", NULL };

  expect_start_error ("seed.onnx", props, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_OPEN_READ, "a-directory.onnx");
}

GST_END_TEST;

GST_START_TEST (test_error_labels_count)
{
  const gchar *props[] = { "labels", "@labels-3.txt", NULL };

  expect_start_error ("seed.onnx", props, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_SETTINGS, "labels-3.txt");
}

GST_END_TEST;

/* one line more than the model has classes: refused as well, not the
 * extra name ignored */
GST_START_TEST (test_error_labels_too_many)
{
  const gchar *props[] = { "labels", "@labels-11.txt", NULL };

  expect_start_error ("seed.onnx", props, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_SETTINGS, "labels-11.txt");
}

GST_END_TEST;

GST_START_TEST (test_error_labels_not_utf8)
{
  const gchar *props[] = { "labels", "@labels-bad.txt", NULL };

  expect_start_error ("seed.onnx", props, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "labels-bad.txt");
}

GST_END_TEST;

GST_START_TEST (test_error_model_bad_hint)
{
  expect_start_error ("badhint.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "edgeclassify.scale");
}

GST_END_TEST;

GST_START_TEST (test_error_model_labels_count)
{
  expect_start_error ("badlabels.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "edgeclassify.labels");
}

GST_END_TEST;

GST_START_TEST (test_error_model_color_hint)
{
  expect_start_error ("badcolor.onnx", NULL, GST_RESOURCE_ERROR,
                      GST_RESOURCE_ERROR_READ, "edgeclassify.color");
}

GST_END_TEST;

GST_START_TEST (test_error_bad_mean)
{
  const gchar *props[] = { "mean", "0.5,zebra", NULL };

  expect_start_error ("seed.onnx", props, GST_LIBRARY_ERROR,
                      GST_LIBRARY_ERROR_SETTINGS, "mean");
}

GST_END_TEST;

GST_START_TEST (test_error_zero_std)
{
  const gchar *props[] = { "std", "0", NULL };

  expect_start_error ("seed.onnx", props, GST_LIBRARY_ERROR,
                      GST_LIBRARY_ERROR_SETTINGS, "std");
}

GST_END_TEST;

GST_START_TEST (test_error_color_mismatch)
{
  const gchar *props[] = { "color", "rgb", NULL };

  expect_start_error ("seed.onnx", props, GST_LIBRARY_ERROR,
                      GST_LIBRARY_ERROR_SETTINGS, "channel");
}

GST_END_TEST;

GST_START_TEST (test_error_no_model)
{
  /* the built-in model starts without any property */
  GstElement *c = gst_element_factory_make ("edgeclassify", NULL);

  fail_unless_equals_int (gst_element_set_state (c, GST_STATE_PAUSED),
                          GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (c, GST_STATE_NULL);
  gst_object_unref (c);
}

GST_END_TEST;

/* A failed swap keeps the running model and posts a warning. */
static void
expect_swap_warning (const gchar *model, const gchar *labels, GQuark domain,
                     gint code)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", NULL, GRAY28);
  GstElement *c = harness_classifier (h);
  GstBus *bus = watch_bus (h->element);
  gchar *good = model_path ("seed.onnx");
  gchar *bad = model_path (model);
  GstVideoInfo info;
  GstBuffer *out;
  GstMessage *msg;
  GError *err = NULL;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  gst_buffer_unref (gst_harness_push_and_pull (h, pattern_buffer (&info)));
  if (labels) {
    gchar *path = model_path (labels);
    g_object_set (c, "labels", path, NULL);
    g_free (path);
  } else {
    g_object_set (c, "model", bad, NULL);
  }

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (err->domain == domain && err->code == code, "got %s %d: %s",
               g_quark_to_string (err->domain), err->code, err->message);
  g_clear_error (&err);
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

  /* still classifying, with the old model */
  out = gst_harness_push_and_pull (h, pattern_buffer (&info));
  fail_unless (out != NULL);
  fail_unless_equals_string (
      gst_structure_get_string (get_result (out, NULL), "model"), good);
  gst_buffer_unref (out);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (good);
  g_free (bad);
}

GST_START_TEST (test_error_swap_missing)
{
  expect_swap_warning ("gone.onnx", NULL, GST_RESOURCE_ERROR,
                       GST_RESOURCE_ERROR_NOT_FOUND);
}

GST_END_TEST;

GST_START_TEST (test_error_swap_corrupt)
{
  expect_swap_warning ("corrupt.onnx", NULL, GST_RESOURCE_ERROR,
                       GST_RESOURCE_ERROR_READ);
}

GST_END_TEST;

GST_START_TEST (test_error_swap_labels_count)
{
  expect_swap_warning ("seed.onnx", "labels-3.txt", GST_RESOURCE_ERROR,
                       GST_RESOURCE_ERROR_SETTINGS);
}

GST_END_TEST;

GST_START_TEST (test_error_caps_refused)
{
  GstHarness *h = harness_new (
      NULL, "seed.onnx", NULL,
      "video/x-raw,format=RGB16,width=28,height=28,framerate=30/1");
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 28 * 28 * 2, NULL);

  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_error_roi_outside_frame)
{
  GstHarness *h
      = harness_new (NULL, "seed.onnx", "inference-region=roi-list", GRAY28);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstVideoRegionOfInterestMeta *meta;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  in = pattern_buffer (&info);
  gst_buffer_add_video_region_of_interest_meta (in, "far", 100, 100, 5, 5);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  meta = gst_buffer_get_video_region_of_interest_meta (out);
  fail_unless (
      gst_video_region_of_interest_meta_get_param (meta, "classification")
      == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_error_invalid_roi_property)
{
  GstElement *c = gst_element_factory_make ("edgeclassify", NULL);
  GValue v = G_VALUE_INIT;

  gst_util_set_object_arg (G_OBJECT (c), "roi", "<1,2,3,4>");
  gst_util_set_object_arg (G_OBJECT (c), "roi", "<1,2,3>");
  gst_util_set_object_arg (G_OBJECT (c), "roi", "<1,2,0,4>");
  g_value_init (&v, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (c), "roi", &v);
  fail_unless_equals_int (gst_value_array_get_size (&v), 4);
  fail_unless_equals_int (g_value_get_int (gst_value_array_get_value (&v, 2)),
                          3);
  g_value_unset (&v);
  gst_object_unref (c);
}

GST_END_TEST;

static Suite *
edgeclassify_suite (void)
{
  Suite *s = suite_create ("edgeclassify");
  TCase *tc = tcase_create ("general");
  TCase *tc_err = tcase_create ("errors");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_formats_gray_picture);
  tcase_add_test (tc, test_formats_color_picture);
  tcase_add_test (tc, test_sizes);
  tcase_add_test (tc, test_padded_strides);
  tcase_add_test (tc, test_metadata_schema);
  tcase_add_test (tc, test_last_result_escapes);
  tcase_add_test (tc, test_caps_change_one_dimension);
  tcase_add_test (tc, test_labels_sources);
  tcase_add_test (tc, test_threshold_unknown);
  tcase_add_test (tc, test_stale_interval);
  tcase_add_test (tc, test_roi_list);
  tcase_add_test (tc, test_roi_property);
  tcase_add_test (tc, test_shared_frames_not_copied);
  tcase_add_test (tc, test_model_swap_while_playing);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_two_sessions_tee);
  tcase_add_test (tc, test_threads_same_result);
  tcase_add_test (tc, test_latency_query);

  suite_add_tcase (s, tc_err);
  tcase_add_test (tc_err, test_error_missing_model);
  tcase_add_test (tc_err, test_error_directory_model);
  tcase_add_test (tc_err, test_error_corrupt_model);
  tcase_add_test (tc_err, test_error_truncated_model);
  tcase_add_test (tc_err, test_error_empty_model);
  tcase_add_test (tc_err, test_error_odd_model_paths);
  tcase_add_test (tc_err, test_error_non_image_model);
  tcase_add_test (tc_err, test_error_four_channel_model);
  tcase_add_test (tc_err, test_error_labels_missing);
  tcase_add_test (tc_err, test_error_labels_directory);
  tcase_add_test (tc_err, test_error_labels_count);
  tcase_add_test (tc_err, test_error_labels_too_many);
  tcase_add_test (tc_err, test_error_labels_not_utf8);
  tcase_add_test (tc_err, test_error_model_bad_hint);
  tcase_add_test (tc_err, test_error_model_labels_count);
  tcase_add_test (tc_err, test_error_model_color_hint);
  tcase_add_test (tc_err, test_error_bad_mean);
  tcase_add_test (tc_err, test_error_zero_std);
  tcase_add_test (tc_err, test_error_color_mismatch);
  tcase_add_test (tc_err, test_error_no_model);
  tcase_add_test (tc_err, test_error_swap_missing);
  tcase_add_test (tc_err, test_error_swap_corrupt);
  tcase_add_test (tc_err, test_error_swap_labels_count);
  tcase_add_test (tc_err, test_error_caps_refused);
  tcase_add_test (tc_err, test_error_roi_outside_frame);
  tcase_add_test (tc_err, test_error_invalid_roi_property);
  return s;
}

GST_CHECK_MAIN (edgeclassify);
