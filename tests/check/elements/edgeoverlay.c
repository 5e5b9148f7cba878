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

/* BGRx pixel access for the snapshot checks */
static const guint8 *
bgrx_at (const GstMapInfo *map, gint stride, gint x, gint y)
{
  return map->data + y * stride + 4 * x;
}

static gboolean
is_color (const guint8 *p, guint rgb, gint tol)
{
  return ABS (p[2] - (gint)((rgb >> 16) & 0xff)) <= tol
         && ABS (p[1] - (gint)((rgb >> 8) & 0xff)) <= tol
         && ABS (p[0] - (gint)(rgb & 0xff)) <= tol;
}

static gboolean
inside (const Rect *r, gint x, gint y)
{
  return x >= r->x0 && x < r->x1 && y >= r->y0 && y < r->y1;
}

/* The snapshot's pixels, @shown against @plain (the same frame without the
 * overlay): a full-frame panel in the top-right corner (margin 8), a region
 * box at @box with its tag above, and nothing else changed. @tol is what
 * the round trip through YUV does to a colour, @e how far it spreads a
 * change (chroma is shared by 2x2 pixels and upsampled). */
static void
check_snapshot (GstBuffer *shown, GstBuffer *plain, gint stride,
                const Rect *box, gint tol, gint e)
{
  const guint box_rgb = 0x00c040, bar_rgb = 0x20a0ff;
  Rect panel_area = { W / 2, 8 - e, W - 8 + e, H / 2 };
  Rect region_area = { box->x0 - e, box->y0 - 40, box->x1 + e, box->y1 + e };
  Rect panel = { G_MAXINT, G_MAXINT, -1, -1 };
  GstMapInfo ms, mp;
  guint tag_box = 0, tag_text = 0, panel_text = 0, n_bars = 0;
  gint bar[3] = { 0, 0, 0 }, bar_x0 = -1, prev_run = 0;

  fail_unless (gst_buffer_map (shown, &ms, GST_MAP_READ));
  fail_unless (gst_buffer_map (plain, &mp, GST_MAP_READ));
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      const guint8 *a = bgrx_at (&ms, stride, x, y);
      const guint8 *b = bgrx_at (&mp, stride, x, y);
      gboolean changed = memcmp (a, b, 3) != 0;

      if (!changed)
        continue;
      fail_unless (inside (&panel_area, x, y) || inside (&region_area, x, y),
                   "pixel (%d,%d) changed, outside the panel and the region", x,
                   y);
      if (inside (&panel_area, x, y)) {
        panel.x0 = MIN (panel.x0, x);
        panel.y0 = MIN (panel.y0, y);
        panel.x1 = MAX (panel.x1, x + 1);
        panel.y1 = MAX (panel.y1, y + 1);
      }
    }
  /* the panel: flush with the right and top margins, a few rows high */
  GST_INFO ("panel [%d,%d)x[%d,%d)", panel.x0, panel.x1, panel.y0, panel.y1);
  fail_unless (ABS (panel.x1 - (W - 8)) <= e && ABS (panel.y0 - 8) <= e,
               "panel at [%d,%d)x[%d,%d), not in the top-right corner",
               panel.x0, panel.x1, panel.y0, panel.y1);
  fail_unless (panel.x1 - panel.x0 > 40 && panel.y1 - panel.y0 > 40);
  /* its background: black at alpha 0xa0 over the picture, seen in the
   * padding at its top-right corner */
  for (gint x = panel.x1 - 4 - e; x < panel.x1 - e; x++) {
    const guint8 *a = bgrx_at (&ms, stride, x, panel.y0 + e);
    const guint8 *b = bgrx_at (&mp, stride, x, panel.y0 + e);
    for (gint c = 0; c < 3; c++)
      fail_unless (ABS (a[c] - b[c] * 95 / 255) <= 1 + tol,
                   "panel background at (%d,%d): %d, expected %d", x,
                   panel.y0 + e, a[c], b[c] * 95 / 255);
  }
  /* text (white) and one bar per label, as long as its confidence */
  for (gint y = panel.y0; y < panel.y1; y++) {
    gint run = 0;
    for (gint x = panel.x0; x < panel.x1; x++) {
      const guint8 *a = bgrx_at (&ms, stride, x, y);
      panel_text += is_color (a, 0xffffff, 40);
      if (is_color (a, bar_rgb, tol)) {
        if (run == 0 && bar_x0 < 0)
          bar_x0 = x;
        run++;
      }
    }
    if (run > 0 && prev_run == 0) {
      fail_unless (n_bars < 3, "more than three bars");
      n_bars++;
    }
    if (run > 0)
      bar[n_bars - 1] = MAX (bar[n_bars - 1], run);
    prev_run = run;
  }
  GST_INFO ("bars %d %d %d from x %d, %u text pixels", bar[0], bar[1], bar[2],
            bar_x0, panel_text);
  fail_unless_equals_int (n_bars, 3);
  fail_unless (panel_text > 100, "only %u text pixels", panel_text);
  /* 81 %, 12 %, 4 % of one bar width (inside the panel, less padding) */
  {
    gint bw = panel.x1 - panel.x0 - 2 * (bar_x0 - panel.x0);
    fail_unless (ABS (bar[0] - bw * 81 / 100) <= 1 + e
                     && ABS (bar[1] - bw * 12 / 100) <= 1 + e
                     && ABS (bar[2] - bw * 4 / 100) <= 1 + e,
                 "bars %d, %d, %d of %d, expected 81, 12 and 4 %%", bar[0],
                 bar[1], bar[2], bw);
  }

  /* the region: a 2-pixel outline in the box colour, the inside untouched */
  for (gint x = box->x0 + 4; x < box->x1 - 4; x++)
    for (gint t = 0; t < 2; t++) {
      fail_unless (
          is_color (bgrx_at (&ms, stride, x, box->y0 + t), box_rgb, tol),
          "no outline at (%d,%d)", x, box->y0 + t);
      fail_unless (
          is_color (bgrx_at (&ms, stride, x, box->y1 - 1 - t), box_rgb, tol),
          "no outline at (%d,%d)", x, box->y1 - 1 - t);
    }
  for (gint y = box->y0 + 4; y < box->y1 - 4; y++)
    for (gint t = 0; t < 2; t++) {
      fail_unless (
          is_color (bgrx_at (&ms, stride, box->x0 + t, y), box_rgb, tol),
          "no outline at (%d,%d)", box->x0 + t, y);
      fail_unless (
          is_color (bgrx_at (&ms, stride, box->x1 - 1 - t, y), box_rgb, tol),
          "no outline at (%d,%d)", box->x1 - 1 - t, y);
    }
  for (gint y = box->y0 + 2 + e; y < box->y1 - 2 - e; y++)
    for (gint x = box->x0 + 2 + e; x < box->x1 - 2 - e; x++)
      fail_unless (
          memcmp (bgrx_at (&ms, stride, x, y), bgrx_at (&mp, stride, x, y), 3)
              == 0,
          "pixel (%d,%d) inside the box changed", x, y);
  /* the tag above it: box colour with white text */
  for (gint y = box->y0 - 40; y < box->y0 - e; y++)
    for (gint x = box->x0; x < box->x1; x++) {
      const guint8 *a = bgrx_at (&ms, stride, x, y);
      tag_box += is_color (a, box_rgb, tol);
      tag_text += is_color (a, 0xffffff, 40);
    }
  GST_INFO ("tag: %u box-colour and %u text pixels", tag_box, tag_text);
  /* (YUV's shared chroma tints most of the thin white strokes) */
  fail_unless (tag_box > 200 && tag_text > (e ? 12u : 60u),
               "tag: %u box-colour and %u text pixels", tag_box, tag_text);
  gst_buffer_unmap (shown, &ms);
  gst_buffer_unmap (plain, &mp);
}

/* Pictures to look at: a gradient with a panel and a region, drawn on an
 * RGB frame and on a YUV frame (converted back to RGB for the PNG). The
 * pixels are checked (check_snapshot), and the PNG read back must hold
 * exactly the checked picture. */
GST_START_TEST (test_snapshot_png)
{
  const gchar *format = __i__ ? "I420" : "BGRx";
  GstHarness *h = make_harness (format, "position=top-right");
  const gchar *dir = g_getenv ("EDGE_TEST_OUTPUT_DIR");
  const Rect box = { 40, 110, 160, 200 };
  GstVideoInfo rgb, info;
  GstBuffer *in, *out, *shown, *plain;
  GstMapInfo map;
  cairo_surface_t *surface, *back;
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
    plain = convert (in, &info, &rgb);
  } else {
    plain = gst_buffer_copy_deep (in);
  }
  add_result (in, 0, 0, W, H, FALSE);
  add_result (in, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0, FALSE);
  out = gst_harness_push_and_pull (h, in);
  shown = __i__ ? convert (out, &info, &rgb) : gst_buffer_ref (out);
  check_snapshot (shown, plain, rgb.stride[0], &box, __i__ ? 24 : 0,
                  __i__ ? 4 : 0);

  fail_unless (gst_buffer_map (shown, &map, GST_MAP_READ));
  surface = cairo_image_surface_create_for_data (map.data, CAIRO_FORMAT_RGB24,
                                                 W, H, rgb.stride[0]);
  name = g_strdup_printf ("edgeoverlay-snapshot-%s.png", format);
  path = g_build_filename (dir ? dir : ".", name, NULL);
  fail_unless_equals_int (cairo_surface_write_to_png (surface, path),
                          CAIRO_STATUS_SUCCESS);
  GST_INFO ("snapshot written to %s", path);
  back = cairo_image_surface_create_from_png (path);
  fail_unless_equals_int (cairo_surface_status (back), CAIRO_STATUS_SUCCESS);
  fail_unless_equals_int (cairo_image_surface_get_width (back), W);
  fail_unless_equals_int (cairo_image_surface_get_height (back), H);
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      const guint8 *a = cairo_image_surface_get_data (back)
                        + y * cairo_image_surface_get_stride (back) + 4 * x;
      fail_unless (memcmp (a, bgrx_at (&map, rgb.stride[0], x, y), 3) == 0,
                   "the PNG differs at (%d,%d)", x, y);
    }
  cairo_surface_destroy (back);
  cairo_surface_destroy (surface);
  gst_buffer_unmap (shown, &map);
  g_free (name);
  g_free (path);
  gst_buffer_unref (plain);
  gst_buffer_unref (shown);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Every property reads back its default, then what was set */
GST_START_TEST (test_properties)
{
  GstElement *o = gst_element_factory_make ("edgeoverlay", NULL);
  gchar *font;
  gint position;
  guint text, box, bar, bg, max;
  gboolean show, fade;

  g_object_get (o, "font-desc", &font, "position", &position, "text-color",
                &text, "box-color", &box, "bar-color", &bar, "background-color",
                &bg, "show-confidence", &show, "fade-stale", &fade,
                "max-labels", &max, NULL);
  fail_unless (font == NULL || *font == '\0' || strstr (font, "Sans"));
  fail_unless_equals_int (position, 0); /* top-left */
  fail_unless_equals_uint64 (text, 0xffffffff);
  fail_unless_equals_uint64 (box, 0xff00c040);
  fail_unless_equals_uint64 (bar, 0xff20a0ff);
  fail_unless_equals_uint64 (bg, 0xa0000000);
  fail_unless (show && fade);
  fail_unless_equals_int (max, 3);
  g_free (font);

  gst_util_set_object_arg (G_OBJECT (o), "position", "bottom-right");
  g_object_set (o, "font-desc", "Serif 9", "text-color", 0xff010203u,
                "box-color", 0x80040506u, "bar-color", 0x11070809u,
                "background-color", 0x220a0b0cu, "show-confidence", FALSE,
                "fade-stale", FALSE, "max-labels", 5u, NULL);
  g_object_get (o, "font-desc", &font, "position", &position, "text-color",
                &text, "box-color", &box, "bar-color", &bar, "background-color",
                &bg, "show-confidence", &show, "fade-stale", &fade,
                "max-labels", &max, NULL);
  fail_unless_equals_string (font, "Serif 9");
  fail_unless_equals_int (position, 3);
  fail_unless_equals_uint64 (text, 0xff010203u);
  fail_unless_equals_uint64 (box, 0x80040506u);
  fail_unless_equals_uint64 (bar, 0x11070809u);
  fail_unless_equals_uint64 (bg, 0x220a0b0cu);
  fail_unless (!show && !fade);
  fail_unless_equals_int (max, 5);
  g_free (font);
  gst_object_unref (o);
}

GST_END_TEST;

/* Pushes @in (a BGRx frame W x H with its metadata) through edgeoverlay
 * @props; returns the output */
static GstBuffer *
push_bgrx (const gchar *props, GstBuffer *in)
{
  GstHarness *h = make_harness ("BGRx", props);
  GstBuffer *out = gst_harness_push_and_pull (h, in);

  fail_unless (out != NULL);
  gst_harness_teardown (h);
  return out;
}

static GstBuffer *
plain_bgrx (void)
{
  GstVideoInfo info;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, W, H);
  return make_frame (&info);
}

/* Pixels of @out equal to the colour 0xRRGGBB in [x0,x1)x[y0,y1) */
static guint
count_color (GstBuffer *out, guint rgb, gint x0, gint y0, gint x1, gint y1)
{
  GstMapInfo map;
  guint n = 0;

  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  for (gint y = y0; y < y1; y++)
    for (gint x = x0; x < x1; x++)
      n += is_color (bgrx_at (&map, 4 * W, x, y), rgb, 0);
  gst_buffer_unmap (out, &map);
  return n;
}

/* Bars in the panel (rows of at least one pixel of @rgb, grouped) */
static guint
count_bars (GstBuffer *out, guint rgb)
{
  guint bars = 0, prev = 0;

  for (gint y = 0; y < H; y++) {
    guint n = count_color (out, rgb, 0, y, W, y + 1);
    bars += n > 0 && prev == 0;
    prev = n;
  }
  return bars;
}

/* Box, bar and background colours are the properties'; max-labels rows */
GST_START_TEST (test_colors_and_rows)
{
  GstBuffer *in = plain_bgrx (), *out;

  add_result (in, 0, 0, W, H, FALSE);
  add_result (in, 100, 120, 80, 80, FALSE);
  out = push_bgrx ("box-color=0xff0000ff bar-color=0xffff0000 "
                   "background-color=0xff00ff00 max-labels=2",
                   in);
  /* the region's outline: 2 pixels wide all around (80 x 80) */
  fail_unless (count_color (out, 0x0000ff, 100, 120, 180, 200) >= 4 * 2 * 76);
  fail_unless (count_color (out, 0x0000ff, 100, 122, 180, 198)
               < count_color (out, 0x0000ff, 100, 120, 180, 200));
  /* an opaque green panel at the top left, with two red bars */
  fail_unless (count_color (out, 0x00ff00, 0, 0, W / 2, H / 2) > 1000);
  fail_unless_equals_int (count_bars (out, 0xff0000), 2);
  fail_unless_equals_int (count_color (out, 0x00ff00, W / 2, 0, W, H), 0);
  gst_buffer_unref (out);

  in = plain_bgrx ();
  add_result (in, 0, 0, W, H, FALSE);
  out = push_bgrx ("bar-color=0xffff0000 max-labels=1", in);
  fail_unless_equals_int (count_bars (out, 0xff0000), 1);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* The bounding box of what @out changed from a plain frame */
static Rect
changed_box (GstBuffer *out)
{
  GstVideoInfo info;
  GstBuffer *ref = plain_bgrx ();
  Rect bbox;
  const Rect all = { 0, 0, W, H };

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, W, H);
  count_changes (&info, ref, out, &all, &bbox);
  gst_buffer_unref (ref);
  return bbox;
}

/* The panel in the bottom corners, 8 pixels from the edges */
GST_START_TEST (test_bottom_positions)
{
  const gchar *props[] = { "position=bottom-left", "position=bottom-right" };

  for (guint i = 0; i < 2; i++) {
    GstBuffer *in = plain_bgrx (), *out;
    Rect b;

    add_result (in, 0, 0, W, H, FALSE);
    out = push_bgrx (props[i], in);
    b = changed_box (out);
    fail_unless_equals_int (b.y1, H - 8);
    fail_unless (b.y0 > H / 2, "%s: panel from row %d", props[i], b.y0);
    if (i == 0)
      fail_unless (b.x0 == 8 && b.x1 < W / 2, "%s: [%d,%d)", props[i], b.x0,
                   b.x1);
    else
      fail_unless (b.x1 == W - 8 && b.x0 > W / 2, "%s: [%d,%d)", props[i], b.x0,
                   b.x1);
    gst_buffer_unref (out);
  }
}

GST_END_TEST;

static gboolean
same_pixels (GstBuffer *a, GstBuffer *b)
{
  gboolean same = same_content (a, b);

  gst_buffer_unref (a);
  gst_buffer_unref (b);
  return same;
}

/* A classification without top lists is drawn from its label and
 * confidence, one without a label from the region's type, one without a
 * confidence at 0 %: each the same picture as the full result it stands
 * for. Lists whose items have other types are passed over. */
GST_START_TEST (test_partial_results)
{
  GstVideoRegionOfInterestMeta *meta;
  GstBuffer *whole, *partial;
  const gchar *props = "max-labels=1";

  /* reference: what edgeclassify attaches, top-1 "cat" at 81 % */
  whole = plain_bgrx ();
  add_result (whole, 0, 0, W, H, FALSE);
  partial = plain_bgrx ();
  meta
      = gst_buffer_add_video_region_of_interest_meta (partial, "x", 0, 0, W, H);
  gst_video_region_of_interest_meta_add_param (
      meta, gst_structure_new ("classification", "label", G_TYPE_STRING, "cat",
                               "confidence", G_TYPE_DOUBLE, 0.81, NULL));
  fail_unless (
      same_pixels (push_bgrx (props, whole), push_bgrx (props, partial)));

  /* no label: the region's type; no confidence: 0 % */
  whole = plain_bgrx ();
  meta = gst_buffer_add_video_region_of_interest_meta (whole, "x", 0, 0, W, H);
  gst_video_region_of_interest_meta_add_param (
      meta, gst_structure_new ("classification", "label", G_TYPE_STRING, "dog",
                               "confidence", G_TYPE_DOUBLE, 0.0, NULL));
  partial = plain_bgrx ();
  meta = gst_buffer_add_video_region_of_interest_meta (partial, "dog", 0, 0, W,
                                                       H);
  gst_video_region_of_interest_meta_add_param (
      meta, gst_structure_new_empty ("classification"));
  fail_unless (
      same_pixels (push_bgrx (props, whole), push_bgrx (props, partial)));

  /* top lists of the wrong item types: as if absent */
  whole = plain_bgrx ();
  meta = gst_buffer_add_video_region_of_interest_meta (whole, "x", 0, 0, W, H);
  gst_video_region_of_interest_meta_add_param (
      meta, gst_structure_new ("classification", "label", G_TYPE_STRING, "fox",
                               "confidence", G_TYPE_DOUBLE, 0.5, NULL));
  partial = plain_bgrx ();
  meta
      = gst_buffer_add_video_region_of_interest_meta (partial, "x", 0, 0, W, H);
  {
    GstStructure *s
        = gst_structure_new ("classification", "label", G_TYPE_STRING, "fox",
                             "confidence", G_TYPE_DOUBLE, 0.5, NULL);
    static const gint ids[] = { 1, 2 };
    static const gchar *names[] = { "a", "b" };
    set_array (s, "top_labels", G_TYPE_INT, 2, (gpointer)ids);
    set_array (s, "top_confidences", G_TYPE_STRING, 2, (gpointer)names);
    gst_video_region_of_interest_meta_add_param (meta, s);
  }
  fail_unless (
      same_pixels (push_bgrx (props, whole), push_bgrx (props, partial)));

  /* top lists of different lengths: as many rows as the shorter one; a
   * list (not an array) of confidences, or no labels list: the label */
  {
    static const gchar *names3[] = { "cat", "dog", "fox" };
    static const gdouble two[] = { 0.81, 0.12 };
    GstStructure *st;

    whole = plain_bgrx ();
    add_result (whole, 0, 0, W, H, FALSE);
    partial = plain_bgrx ();
    meta = gst_buffer_add_video_region_of_interest_meta (partial, "x", 0, 0, W,
                                                         H);
    st = gst_structure_new ("classification", "label", G_TYPE_STRING, "cat",
                            NULL);
    set_array (st, "top_labels", G_TYPE_STRING, 3, (gpointer)names3);
    set_array (st, "top_confidences", G_TYPE_DOUBLE, 2, (gpointer)two);
    gst_video_region_of_interest_meta_add_param (meta, st);
    fail_unless (same_pixels (push_bgrx ("max-labels=2", whole),
                              push_bgrx ("max-labels=3", partial)));

    for (guint i = 0; i < 2; i++) {
      GValue list = G_VALUE_INIT, v = G_VALUE_INIT;

      whole = plain_bgrx ();
      meta = gst_buffer_add_video_region_of_interest_meta (whole, "x", 0, 0, W,
                                                           H);
      gst_video_region_of_interest_meta_add_param (
          meta,
          gst_structure_new ("classification", "label", G_TYPE_STRING, "owl",
                             "confidence", G_TYPE_DOUBLE, 0.3, NULL));
      partial = plain_bgrx ();
      meta = gst_buffer_add_video_region_of_interest_meta (partial, "x", 0, 0,
                                                           W, H);
      st = gst_structure_new ("classification", "label", G_TYPE_STRING, "owl",
                              "confidence", G_TYPE_DOUBLE, 0.3, NULL);
      if (i == 0) {
        set_array (st, "top_labels", G_TYPE_STRING, 2, (gpointer)names3);
        gst_value_list_init (&list, 2);
        g_value_init (&v, G_TYPE_DOUBLE);
        g_value_set_double (&v, 0.5);
        gst_value_list_append_value (&list, &v);
        gst_value_list_append_value (&list, &v);
        g_value_unset (&v);
        gst_structure_take_value (st, "top_confidences", &list);
      } else {
        set_array (st, "top_confidences", G_TYPE_DOUBLE, 2, (gpointer)two);
      }
      gst_video_region_of_interest_meta_add_param (meta, st);
      fail_unless (
          same_pixels (push_bgrx (props, whole), push_bgrx (props, partial)),
          "case %u", i);
    }
  }
}

GST_END_TEST;

/* A region labelled @label, carrying @object_id unless it is 0 */
static GstBuffer *
tracked_frame (const gchar *label, guint64 object_id, gboolean whole)
{
  GstBuffer *buf = plain_bgrx ();
  GstVideoRegionOfInterestMeta *meta;
  GstStructure *s;

  meta = gst_buffer_add_video_region_of_interest_meta (
      buf, "x", whole ? 0 : 40, whole ? 0 : 50, whole ? W : 150,
      whole ? H : 90);
  s = gst_structure_new ("classification", "label", G_TYPE_STRING, label,
                         "confidence", G_TYPE_DOUBLE, 0.81, NULL);
  if (object_id)
    gst_structure_set (s, "object_id", G_TYPE_UINT64, object_id, NULL);
  gst_video_region_of_interest_meta_add_param (meta, s);
  return buf;
}

/* show-object-id: a result with an object id is drawn as if its label were
 * "#id label", in a box and in a panel; without the property, or without
 * an id, the label alone */
GST_START_TEST (test_show_object_id)
{
  GstElement *e = gst_element_factory_make ("edgeoverlay", NULL);
  gboolean shown = FALSE;

  fail_unless (e != NULL);
  g_object_set (e, "show-object-id", TRUE, NULL);
  g_object_get (e, "show-object-id", &shown, NULL);
  fail_unless (shown);
  gst_object_unref (e);

  for (gint whole = 0; whole < 2; whole++) {
    fail_unless (same_pixels (
        push_bgrx ("show-object-id=true", tracked_frame ("cat", 42, whole)),
        push_bgrx (NULL, tracked_frame ("#42 cat", 0, whole))));
    fail_unless (same_pixels (
        push_bgrx ("show-object-id=false", tracked_frame ("cat", 42, whole)),
        push_bgrx (NULL, tracked_frame ("cat", 0, whole))));
    fail_unless (same_pixels (
        push_bgrx ("show-object-id=true", tracked_frame ("cat", 0, whole)),
        push_bgrx (NULL, tracked_frame ("cat", 0, whole))));
    /* the id is visible: the tagged picture is not the plain one */
    fail_if (same_pixels (
        push_bgrx ("show-object-id=true", tracked_frame ("cat", 42, whole)),
        push_bgrx (NULL, tracked_frame ("cat", 0, whole))));
  }
}

GST_END_TEST;

/* A region at the origin smaller than the frame is a region (a box), not
 * the whole frame (a panel) */
GST_START_TEST (test_region_at_origin)
{
  GstBuffer *in = plain_bgrx (), *out;
  Rect b;

  add_result (in, 0, 0, W - 1, H, FALSE);
  out = push_bgrx ("box-color=0xff0000ff", in);
  b = changed_box (out);
  /* the outline along the right edge of the region, x = W - 3 .. W - 2 */
  fail_unless (count_color (out, 0x0000ff, W - 3, H / 2, W - 1, H / 2 + 1)
               == 2);
  fail_unless (b.x1 == W - 1 && b.y1 == H, "[%d,%d)x[%d,%d)", b.x0, b.x1, b.y0,
               b.y1);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* Boxes at the edges: the tag goes inside a box at the top, and moves left
 * to stay in a frame whose right edge the box touches; nothing is drawn
 * outside the frame (or the region and its tag) */
GST_START_TEST (test_regions_at_edges)
{
  GstBuffer *in = plain_bgrx (), *out;
  Rect b;

  add_result (in, 40, 0, 100, 60, FALSE);
  out = push_bgrx ("box-color=0xff0000ff", in);
  b = changed_box (out);
  fail_unless (b.x0 == 40 && b.y0 == 0 && b.y1 == 60, "[%d,%d)x[%d,%d)", b.x0,
               b.x1, b.y0, b.y1);
  /* the tag, in the box colour, fills the top left of the box */
  fail_unless (count_color (out, 0x0000ff, 44, 2, 60, 10) > 100);
  gst_buffer_unref (out);

  in = plain_bgrx ();
  add_result (in, W - 12, 100, 12, 60, FALSE);
  out = push_bgrx (NULL, in);
  b = changed_box (out);
  fail_unless (b.x1 == W, "region drawn to %d", b.x1);
  fail_unless (b.x0 < W - 40, "the tag did not move left: from %d", b.x0);
  fail_unless (b.y1 == 160 && b.y0 < 100, "[%d,%d)", b.y0, b.y1);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* A stale region is dimmed (unless fade-stale is off); without the
 * confidence its tag is narrower */
GST_START_TEST (test_region_style)
{
  GstBuffer *in, *fresh, *stale, *kept, *no_conf;
  Rect f, n;

  in = plain_bgrx ();
  add_result (in, 100, 120, 80, 80, FALSE);
  fresh = push_bgrx ("box-color=0xff0000ff", in);
  in = plain_bgrx ();
  add_result (in, 100, 120, 80, 80, TRUE);
  stale = push_bgrx ("box-color=0xff0000ff", in);
  in = plain_bgrx ();
  add_result (in, 100, 120, 80, 80, TRUE);
  kept = push_bgrx ("box-color=0xff0000ff fade-stale=false", in);
  /* opaque blue outline when fresh, blended when stale */
  fail_unless (count_color (fresh, 0x0000ff, 100, 120, 180, 200) > 500);
  fail_unless_equals_int (count_color (stale, 0x0000ff, 100, 120, 180, 200), 0);
  fail_unless (same_content (fresh, kept));

  in = plain_bgrx ();
  add_result (in, 100, 120, 80, 80, FALSE);
  no_conf = push_bgrx ("box-color=0xff0000ff show-confidence=false", in);
  f = changed_box (fresh);
  n = changed_box (no_conf);
  /* the tag above the box: as high, less of it */
  fail_unless_equals_int (n.y0, f.y0);
  fail_unless (count_color (no_conf, 0x0000ff, 100, f.y0, W, 120) + 50
                   < count_color (fresh, 0x0000ff, 100, f.y0, W, 120),
               "the tag without confidence is not narrower");
  gst_buffer_unref (fresh);
  gst_buffer_unref (stale);
  gst_buffer_unref (kept);
  gst_buffer_unref (no_conf);
}

GST_END_TEST;

/* On YUV the colours follow the stream's range: white is luma 235 in
 * limited range, 255 in full range; in GRAY8 (always full) 255 too */
GST_START_TEST (test_yuv_range)
{
  const struct {
    const gchar *format, *colorimetry;
    guint8 white;
  } cases[] = {
    { "I420", "bt601", 235 },
    { "I420", "1:4:0:0", 255 },
    { "GRAY8", NULL, 255 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *caps = g_strdup_printf (
        "video/x-raw,format=%s,width=%d,height=%d,framerate=30/1%s%s",
        cases[i].format, W, H, cases[i].colorimetry ? ",colorimetry=" : "",
        cases[i].colorimetry ? cases[i].colorimetry : "");
    GstHarness *h = gst_harness_new_parse ("edgeoverlay box-color=0xffffffff");
    GstVideoInfo info;
    GstBuffer *in, *out;
    GstMapInfo map;

    gst_harness_set_caps_str (h, caps, caps);
    gst_video_info_set_format (
        &info, gst_video_format_from_string (cases[i].format), W, H);
    in = gst_buffer_new_allocate (NULL, info.size, NULL);
    fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
    memset (map.data, 128, map.size);
    gst_buffer_unmap (in, &map);
    add_result (in, 100, 120, 80, 80, FALSE);
    out = gst_harness_push_and_pull (h, in);
    fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
    /* the box's left edge, half way down: luma plane first in both */
    fail_unless_equals_int (map.data[160 * W + 100], cases[i].white);
    fail_unless_equals_int (map.data[160 * W + 101], cases[i].white);
    fail_unless_equals_int (map.data[160 * W + 140], 128);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    g_free (caps);
  }
}

GST_END_TEST;

/* A frame whose only result is a panel with label @label at @conf */
static GstBuffer *
labelled_frame (const gchar *label, gdouble conf)
{
  GstBuffer *buf = plain_bgrx ();
  GstVideoRegionOfInterestMeta *meta
      = gst_buffer_add_video_region_of_interest_meta (buf, "x", 0, 0, W, H);

  gst_video_region_of_interest_meta_add_param (
      meta, gst_structure_new ("classification", "label", G_TYPE_STRING, label,
                               "confidence", G_TYPE_DOUBLE, conf, NULL));
  return buf;
}

/* More texts than the tile cache holds, short and long: evicted texts are
 * drawn again exactly as the first time, and a long text in a tile made
 * for a short one is whole */
GST_START_TEST (test_text_cache_eviction)
{
  GstHarness *h = make_harness ("BGRx", "max-labels=1");
  GstHarness *fresh;
  GstBuffer *first, *again, *long_once, *long_fresh;
  const gchar *long_label = "a rather long label, wider than any tile so far";

  first = gst_harness_push_and_pull (h, labelled_frame ("label 0", 0.5));
  for (guint i = 1; i < 120; i++) {
    gchar *label = g_strdup_printf ("label %u", i);
    gst_buffer_unref (
        gst_harness_push_and_pull (h, labelled_frame (label, i / 120.0)));
    g_free (label);
  }
  again = gst_harness_push_and_pull (h, labelled_frame ("label 0", 0.5));
  fail_unless (same_content (first, again));
  long_once = gst_harness_push_and_pull (h, labelled_frame (long_label, 0.5));
  gst_harness_teardown (h);

  /* the long label drawn by a fresh element, whose cache is empty */
  fresh = make_harness ("BGRx", "max-labels=1");
  long_fresh
      = gst_harness_push_and_pull (fresh, labelled_frame (long_label, 0.5));
  fail_unless (same_content (long_once, long_fresh));
  fail_if (same_content (first, long_fresh));
  gst_harness_teardown (fresh);
  gst_buffer_unref (first);
  gst_buffer_unref (again);
  gst_buffer_unref (long_once);
  gst_buffer_unref (long_fresh);
}

GST_END_TEST;

/* Confidences out of [0, 1] draw as 0 % and 100 %; a fully transparent
 * background draws no background; a result as wide as the frame but not
 * as high is a region */
GST_START_TEST (test_odd_values)
{
  GstBuffer *a, *b;
  Rect box;

  fail_unless (
      same_pixels (push_bgrx ("max-labels=1", labelled_frame ("cat", 1.0)),
                   push_bgrx ("max-labels=1", labelled_frame ("cat", 1.7))));
  fail_unless (
      same_pixels (push_bgrx ("max-labels=1", labelled_frame ("cat", 0.0)),
                   push_bgrx ("max-labels=1", labelled_frame ("cat", -0.4))));

  /* no background: only the text and the bars change pixels, far fewer
   * than with the default half-black background */
  a = push_bgrx ("max-labels=1 background-color=0x00000000",
                 labelled_frame ("cat", 0.5));
  b = push_bgrx ("max-labels=1", labelled_frame ("cat", 0.5));
  {
    GstVideoInfo info;
    GstBuffer *ref = plain_bgrx ();
    Rect bb;
    const Rect all = { 0, 0, W, H };
    guint n_a, n_b;

    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, W, H);
    n_a = count_changes (&info, ref, a, &all, &bb);
    n_b = count_changes (&info, ref, b, &all, &bb);
    fail_unless (n_a > 50 && n_a * 2 < n_b,
                 "%u changed without background, "
                 "%u with",
                 n_a, n_b);
    gst_buffer_unref (ref);
  }
  gst_buffer_unref (a);
  gst_buffer_unref (b);

  a = plain_bgrx ();
  add_result (a, 0, 0, W, H - 40, FALSE);
  b = push_bgrx ("box-color=0xff0000ff", a);
  box = changed_box (b);
  fail_unless (box.y1 == H - 40, "drawn down to %d", box.y1);
  fail_unless (count_color (b, 0x0000ff, 10, H - 42, W - 10, H - 40)
               == 2 * (W - 20));
  gst_buffer_unref (b);
}

GST_END_TEST;

/* Properties changed while playing apply from the next frame on */
GST_START_TEST (test_properties_while_playing)
{
  GstHarness *h = make_harness ("BGRx", "max-labels=1");
  GstElement *o = gst_harness_find_element (h, "edgeoverlay");
  GstBuffer *before, *after, *want;

  before = gst_harness_push_and_pull (h, labelled_frame ("cat", 0.5));
  g_object_set (o, "bar-color", 0xffff0000u, NULL);
  after = gst_harness_push_and_pull (h, labelled_frame ("cat", 0.5));
  want = push_bgrx ("max-labels=1 bar-color=0xffff0000",
                    labelled_frame ("cat", 0.5));
  fail_if (same_content (before, after));
  fail_unless (same_pixels (after, want));
  gst_buffer_unref (before);
  gst_object_unref (o);
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
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_colors_and_rows);
  tcase_add_test (tc, test_bottom_positions);
  tcase_add_test (tc, test_partial_results);
  tcase_add_test (tc, test_show_object_id);
  tcase_add_test (tc, test_regions_at_edges);
  tcase_add_test (tc, test_region_at_origin);
  tcase_add_test (tc, test_text_cache_eviction);
  tcase_add_test (tc, test_odd_values);
  tcase_add_test (tc, test_properties_while_playing);
  tcase_add_test (tc, test_region_style);
  tcase_add_test (tc, test_yuv_range);
  return s;
}

GST_CHECK_MAIN (edgeoverlay);
