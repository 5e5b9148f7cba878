/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* edgeoverlay: draws only where the results go, in every format, and leaves
 * frames without results untouched. The metadata is attached here, so the
 * tests do not depend on the classifier. EDGE_TEST_OUTPUT_DIR (default: the
 * working directory) receives a snapshot PNG to look at. */

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <nn/preprocess.h>
#include <cairo.h>

#define W 320
#define H 240

/* every format: nn's table (nn/preprocess.c), the element's caps */

typedef struct {
  gint x0, y0, x1, y1; /* allowed region, inclusive-exclusive */
} Rect;

static void
set_array (GstStructure *s, const gchar *field, GType type, guint n,
           const gpointer values)
{
  GValue array = G_VALUE_INIT, v = G_VALUE_INIT;

  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    g_value_init (&v, type);
    if (type == G_TYPE_STRING)
      g_value_set_string (&v, ((const gchar **)values)[i]);
    else if (type == G_TYPE_INT)
      g_value_set_int (&v, ((const gint *)values)[i]);
    else
      g_value_set_double (&v, ((const gdouble *)values)[i]);
    gst_value_array_append_and_take_value (&array, &v);
    memset (&v, 0, sizeof (v));
  }
  gst_structure_take_value (s, field, &array);
}

/* A result in the fixed schema (version 1), as edgeclassify attaches it */
static void
add_result (GstBuffer *buf, guint x, guint y, guint w, guint h, gboolean stale)
{
  static const gchar *labels[] = { "cat", "dog", "fox" };
  static const gint ids[] = { 3, 5, 1 };
  static const gdouble confs[] = { 0.81, 0.12, 0.04 };
  GstVideoRegionOfInterestMeta *meta;
  GstStructure *s;

  meta = gst_buffer_add_video_region_of_interest_meta (buf, labels[0], x, y, w,
                                                       h);
  s = gst_structure_new (
      "classification", "label", G_TYPE_STRING, labels[0], "label_id",
      G_TYPE_INT, ids[0], "confidence", G_TYPE_DOUBLE, confs[0], "model",
      G_TYPE_STRING, "test-model", "frame", G_TYPE_UINT64, (guint64)7, "pts",
      G_TYPE_UINT64, GST_BUFFER_PTS (buf), "inference_us", G_TYPE_DOUBLE, 120.0,
      "stale", G_TYPE_BOOLEAN, stale, "schema_version", G_TYPE_INT, 1, NULL);
  set_array (s, "top_labels", G_TYPE_STRING, 3, (gpointer)labels);
  set_array (s, "top_ids", G_TYPE_INT, 3, (gpointer)ids);
  set_array (s, "top_confidences", G_TYPE_DOUBLE, 3, (gpointer)confs);
  gst_video_region_of_interest_meta_add_param (meta, s);
}

/* A frame with a busy, deterministic pattern in every byte */
static GstBuffer *
make_frame (const GstVideoInfo *info)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8)((i * 7) ^ (i >> 9)) | 0x20;
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = 40 * GST_MSECOND;
  return buf;
}

static GstHarness *
make_harness (const gchar *format, const gchar *props)
{
  gchar *launch = g_strdup_printf ("edgeoverlay %s", props ? props : "");
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
                                 "framerate=30/1",
                                 format, W, H);
  GstHarness *h = gst_harness_new_parse (launch);

  gst_harness_set_caps_str (h, caps, caps);
  g_free (launch);
  g_free (caps);
  return h;
}

/* Counts the component samples that differ; fails on any outside @allowed
 * (full-resolution pixels covered by a subsampled sample count as inside
 * when the sample overlaps the region). */
static guint
count_changes (const GstVideoInfo *info, GstBuffer *a, GstBuffer *b,
               const Rect *allowed, Rect *bbox)
{
  GstVideoFrame fa, fb;
  guint changes = 0;

  bbox->x0 = bbox->y0 = G_MAXINT;
  bbox->x1 = bbox->y1 = -1;
  fail_unless (
      gst_video_frame_map (&fa, (GstVideoInfo *)info, a, GST_MAP_READ));
  fail_unless (
      gst_video_frame_map (&fb, (GstVideoInfo *)info, b, GST_MAP_READ));
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&fa); c++) {
    gint ws = GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, c);
    gint hs = GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, c);
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&fa, c);
    for (gint y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&fa, c); y++) {
      const guint8 *ra = (const guint8 *)GST_VIDEO_FRAME_COMP_DATA (&fa, c)
                         + y * GST_VIDEO_FRAME_COMP_STRIDE (&fa, c);
      const guint8 *rb = (const guint8 *)GST_VIDEO_FRAME_COMP_DATA (&fb, c)
                         + y * GST_VIDEO_FRAME_COMP_STRIDE (&fb, c);
      for (gint x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&fa, c); x++) {
        gint px0 = x << ws, py0 = y << hs;
        gint px1 = (x + 1) << ws, py1 = (y + 1) << hs;
        if (ra[x * ps] == rb[x * ps])
          continue;
        changes++;
        fail_unless (px1 > allowed->x0 && px0 < allowed->x1 && py1 > allowed->y0
                         && py0 < allowed->y1,
                     "component %u changed at (%d,%d), outside [%d,%d)x[%d,%d)",
                     c, px0, py0, allowed->x0, allowed->x1, allowed->y0,
                     allowed->y1);
        bbox->x0 = MIN (bbox->x0, px0);
        bbox->y0 = MIN (bbox->y0, py0);
        bbox->x1 = MAX (bbox->x1, px1);
        bbox->y1 = MAX (bbox->y1, py1);
      }
    }
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return changes;
}

/* Pushes a frame of @format with a result at @roi; checks that only
 * @allowed changed, and returns the changed bounding box */
static Rect
run_one (const gchar *format, const gchar *props, const Rect *roi,
         gboolean stale, const Rect *allowed, GstBuffer **out_frame)
{
  GstHarness *h = make_harness (format, props);
  GstVideoInfo info;
  GstBuffer *in, *ref, *out;
  Rect bbox;
  guint changes;

  gst_video_info_set_format (&info, gst_video_format_from_string (format), W,
                             H);
  in = make_frame (&info);
  ref = make_frame (&info);
  add_result (in, roi->x0, roi->y0, roi->x1 - roi->x0, roi->y1 - roi->y0,
              stale);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  changes = count_changes (&info, ref, out, allowed, &bbox);
  GST_INFO ("%s: %u samples changed in [%d,%d)x[%d,%d)", format, changes,
            bbox.x0, bbox.x1, bbox.y0, bbox.y1);
  fail_unless (changes > 100, "%s: only %u samples changed", format, changes);

  if (out_frame)
    *out_frame = out;
  else
    gst_buffer_unref (out);
  gst_buffer_unref (ref);
  gst_harness_teardown (h);
  return bbox;
}

static const Rect full = { 0, 0, W, H };

/* full-frame result: a panel in the chosen corner, nothing elsewhere */
GST_START_TEST (test_full_frame_every_format)
{
  const gchar *format = nn_pixel_format_name ((nn_pixel_format)__i__);
  Rect top_left = { 6, 6, W / 2, H / 2 };
  Rect bottom_right = { W / 2, H / 2, W - 6, H - 6 };
  Rect bbox;

  bbox = run_one (format, NULL, &full, FALSE, &top_left, NULL);
  /* three rows of text with bars: a sizeable panel */
  fail_unless (bbox.x1 - bbox.x0 > 30 && bbox.y1 - bbox.y0 > 40,
               "%s: panel only %dx%d", format, bbox.x1 - bbox.x0,
               bbox.y1 - bbox.y0);
  run_one (format, "position=bottom-right", &full, FALSE, &bottom_right, NULL);
}

GST_END_TEST;

/* region result: a box around the region and a tag above it */
GST_START_TEST (test_region_every_format)
{
  const gchar *format = nn_pixel_format_name ((nn_pixel_format)__i__);
  Rect roi = { 100, 120, 180, 200 };
  Rect allowed = { 98, 80, 182, 200 };
  Rect bbox;

  bbox = run_one (format, NULL, &roi, FALSE, &allowed, NULL);
  fail_unless (bbox.y0 < roi.y0 - 8, "%s: no tag above the box", format);
  fail_unless (bbox.x1 >= roi.x1 - 1 && bbox.y1 >= roi.y1 - 1,
               "%s: box not drawn", format);
}

GST_END_TEST;

static void
check_untouched (GstBuffer *in_with_meta)
{
  GstHarness *h = make_harness ("I420", NULL);
  GstVideoInfo info;
  GstBuffer *ref, *out;
  GstMapInfo ma, mb;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, W, H);
  ref = make_frame (&info);
  out = gst_harness_push_and_pull (h, in_with_meta);
  fail_unless (gst_buffer_map (ref, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (out, &mb, GST_MAP_READ));
  fail_unless_equals_uint64 (ma.size, mb.size);
  fail_unless (memcmp (ma.data, mb.data, ma.size) == 0);
  gst_buffer_unmap (ref, &ma);
  gst_buffer_unmap (out, &mb);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_START_TEST (test_no_result_untouched)
{
  GstVideoInfo info;
  GstBuffer *in;
  GstVideoRegionOfInterestMeta *meta;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, W, H);
  /* no metadata at all */
  check_untouched (make_frame (&info));
  /* a region from some detector, without a classification */
  in = make_frame (&info);
  meta = gst_buffer_add_video_region_of_interest_meta (in, "face", 10, 10, 50,
                                                       50);
  gst_video_region_of_interest_meta_add_param (
      meta,
      gst_structure_new ("detection", "confidence", G_TYPE_DOUBLE, 0.9, NULL));
  check_untouched (in);
}

GST_END_TEST;

static gboolean
same_content (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean same;

  fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}

/* stale results are dimmed, unless fade-stale is off; properties apply */
GST_START_TEST (test_stale_and_properties)
{
  Rect top_left = { 6, 6, W / 2, H / 2 };
  GstBuffer *fresh, *stale, *stale_kept, *no_conf;

  run_one ("BGRx", NULL, &full, FALSE, &top_left, &fresh);
  run_one ("BGRx", NULL, &full, TRUE, &top_left, &stale);
  run_one ("BGRx", "fade-stale=false", &full, TRUE, &top_left, &stale_kept);
  run_one ("BGRx", "show-confidence=false text-color=0xffff0000", &full, FALSE,
           &top_left, &no_conf);
  fail_if (same_content (fresh, stale));
  fail_unless (same_content (fresh, stale_kept));
  fail_if (same_content (fresh, no_conf));
  gst_buffer_unref (fresh);
  gst_buffer_unref (stale);
  gst_buffer_unref (stale_kept);
  gst_buffer_unref (no_conf);
}

GST_END_TEST;

/* the cached tile gives the same picture as the first drawing, and a
 * changed result is drawn anew */
GST_START_TEST (test_cache)
{
  GstHarness *h = make_harness ("NV12", NULL);
  GstVideoInfo info;
  GstBuffer *in, *out[3];

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_NV12, W, H);
  for (guint i = 0; i < 3; i++) {
    in = make_frame (&info);
    add_result (in, 0, 0, W, H, i == 2);
    out[i] = gst_harness_push_and_pull (h, in);
  }
  fail_unless (same_content (out[0], out[1]));
  fail_if (same_content (out[1], out[2]));
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (out[i]);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstBuffer *
convert (GstBuffer *in, const GstVideoInfo *from, const GstVideoInfo *to)
{
  GstVideoConverter *conv = gst_video_converter_new ((GstVideoInfo *)from,
                                                     (GstVideoInfo *)to, NULL);
  GstBuffer *out = gst_buffer_new_allocate (NULL, to->size, NULL);
  GstVideoFrame fin, fout;

  fail_unless (
      gst_video_frame_map (&fin, (GstVideoInfo *)from, in, GST_MAP_READ));
  fail_unless (
      gst_video_frame_map (&fout, (GstVideoInfo *)to, out, GST_MAP_WRITE));
  gst_video_converter_frame (conv, &fin, &fout);
  gst_video_frame_unmap (&fin);
  gst_video_frame_unmap (&fout);
  gst_video_converter_free (conv);
  return out;
}

/* Pictures to look at: a gradient with a panel and a region, drawn on an
 * RGB frame and on a YUV frame (converted back to RGB for the PNG) */
GST_START_TEST (test_snapshot_png)
{
  const gchar *format = __i__ ? "I420" : "BGRx";
  GstHarness *h = make_harness (format, "position=top-right");
  const gchar *dir = g_getenv ("EDGE_TEST_OUTPUT_DIR");
  GstVideoInfo rgb, info;
  GstBuffer *in, *out, *shown;
  GstMapInfo map;
  cairo_surface_t *surface;
  gchar *name, *path;

  gst_video_info_set_format (&rgb, GST_VIDEO_FORMAT_BGRx, W, H);
  gst_video_info_set_format (&info, gst_video_format_from_string (format), W,
                             H);
  in = gst_buffer_new_allocate (NULL, rgb.size, NULL);
  fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      guint8 *p = map.data + y * rgb.stride[0] + 4 * x;
      p[0] = 255 * x / W;
      p[1] = 255 * y / H;
      p[2] = 128;
      p[3] = 255;
    }
  gst_buffer_unmap (in, &map);
  if (__i__) {
    GstBuffer *yuv = convert (in, &rgb, &info);
    gst_buffer_unref (in);
    in = yuv;
  }
  add_result (in, 0, 0, W, H, FALSE);
  add_result (in, 40, 110, 120, 90, FALSE);
  out = gst_harness_push_and_pull (h, in);
  shown = __i__ ? convert (out, &info, &rgb) : gst_buffer_ref (out);

  fail_unless (gst_buffer_map (shown, &map, GST_MAP_READ));
  surface = cairo_image_surface_create_for_data (map.data, CAIRO_FORMAT_RGB24,
                                                 W, H, rgb.stride[0]);
  name = g_strdup_printf ("edgeoverlay-snapshot-%s.png", format);
  path = g_build_filename (dir ? dir : ".", name, NULL);
  fail_unless_equals_int (cairo_surface_write_to_png (surface, path),
                          CAIRO_STATUS_SUCCESS);
  GST_INFO ("snapshot written to %s", path);
  cairo_surface_destroy (surface);
  gst_buffer_unmap (shown, &map);
  g_free (name);
  g_free (path);
  gst_buffer_unref (shown);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
edgeoverlay_suite (void)
{
  Suite *s = suite_create ("edgeoverlay");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_full_frame_every_format, 0, NN_PIX_N_FORMATS);
  tcase_add_loop_test (tc, test_region_every_format, 0, NN_PIX_N_FORMATS);
  tcase_add_test (tc, test_no_result_untouched);
  tcase_add_test (tc, test_stale_and_properties);
  tcase_add_test (tc, test_cache);
  tcase_add_loop_test (tc, test_snapshot_png, 0, 2);
  return s;
}

GST_CHECK_MAIN (edgeoverlay);
