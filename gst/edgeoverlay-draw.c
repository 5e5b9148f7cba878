/* edgeclassify: drawing of edgeoverlay
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "edgeoverlay-draw.h"

#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>

#define N_TILES 48

/* Per component of the frame format: value = k . (R, G, B, A), for
 * premultiplied 8-bit R, G, B and A */
typedef struct {
  gdouble k[GST_VIDEO_MAX_COMPONENTS][4];
} Colors;

/* One text, rendered and converted to the frame format */
typedef struct {
  GString *key;             /* the text; empty: free slot */
  guint64 used;             /* for eviction */
  gint width, height;       /* drawn size, even */
  cairo_surface_t *surface; /* ARGB32, at least width x height */
  guint8 *planes;           /* per component: (premultiplied, alpha) */
  gsize planes_size;
  gsize offset[GST_VIDEO_MAX_COMPONENTS];
} Tile;

struct _EdgeDrawer {
  PangoLayout *layout; /* under pango_lock */
  guint text_color;
  GstVideoInfo info;
  Colors colors;
  Tile tiles[N_TILES];
  guint64 lookups;
  gint line_height;   /* of the font */
  gint percent_width; /* of "100%" */
};

/* Pango font maps are not thread-safe: all drawers share one, locked */
static GMutex pango_lock;
static PangoFontMap *font_map;

static void
colors_init (Colors *colors, const GstVideoInfo *info)
{
  gdouble (*k)[4] = colors->k;
  gdouble kr = 0.299, kb = 0.114, kg, sy = 1.0, sc = 1.0, oy = 0.0;

  memset (colors, 0, sizeof (*colors));
  if (GST_VIDEO_INFO_IS_RGB (info)) {
    for (guint c = 0; c < 4; c++)
      k[c][c] = 1.0; /* R, G, B, A are components 0..3 */
    return;
  }
  /* Y'CbCr of the stream's matrix and range; grey is full-range luma */
  gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &kr, &kb);
  kg = 1.0 - kr - kb;
  if (!GST_VIDEO_INFO_IS_GRAY (info)
      && info->colorimetry.range != GST_VIDEO_COLOR_RANGE_0_255) {
    sy = 219.0 / 255.0;
    sc = 224.0 / 255.0;
    oy = 16.0 / 255.0;
  }
  k[0][0] = sy * kr;
  k[0][1] = sy * kg;
  k[0][2] = sy * kb;
  k[0][3] = oy;
  k[1][0] = -sc * kr / (2.0 * (1.0 - kb));
  k[1][1] = -sc * kg / (2.0 * (1.0 - kb));
  k[1][2] = sc * 0.5;
  k[1][3] = 128.0 / 255.0;
  k[2][0] = sc * 0.5;
  k[2][1] = -sc * kg / (2.0 * (1.0 - kr));
  k[2][2] = -sc * kb / (2.0 * (1.0 - kr));
  k[2][3] = 128.0 / 255.0;
}

static gint
percent (gdouble confidence)
{
  return (gint)CLAMP (lround (confidence * 100.0), 0, 100);
}

/* dst * (1 - alpha) + pre, all 8-bit */
static inline guint8
blend (guint8 dst, guint pre, guint alpha)
{
  guint x = dst * (255 - alpha) + 128;
  return (guint8)(pre + ((x + (x >> 8)) >> 8));
}

/* Blends a rectangle of colour @argb, its alpha scaled by @opacity;
 * clipped to the frame */
static void
fill_rect (GstVideoFrame *frame, const Colors *colors, guint argb,
           gdouble opacity, gint x, gint y, gint w, gint h)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint alpha = (guint)lround ((argb >> 24) * opacity);
  gint x1 = MIN (x + w, (gint)GST_VIDEO_FRAME_WIDTH (frame));
  gint y1 = MIN (y + h, (gint)GST_VIDEO_FRAME_HEIGHT (frame));

  x = MAX (x, 0);
  y = MAX (y, 0);
  if (x >= x1 || y >= y1 || alpha == 0)
    return;
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (frame); c++) {
    const gdouble *k = colors->k[c];
    gint ws = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c);
    gint hs = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c);
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
    gdouble v = k[0] * ((argb >> 16) & 0xff) + k[1] * ((argb >> 8) & 0xff)
                + k[2] * (argb & 0xff) + k[3] * 255.0;
    guint pre = (guint)CLAMP (lround (v * alpha / 255.0), 0, (glong)alpha);

    for (gint cy = y >> hs; cy <= (y1 - 1) >> hs; cy++) {
      guint8 *d = (guint8 *)GST_VIDEO_FRAME_COMP_DATA (frame, c)
                  + cy * GST_VIDEO_FRAME_COMP_STRIDE (frame, c)
                  + (x >> ws) * ps;
      for (gint cx = x >> ws; cx <= (x1 - 1) >> ws; cx++, d += ps)
        *d = blend (*d, pre, alpha);
    }
  }
}

static void
tile_clear (Tile *t)
{
  g_clear_pointer (&t->surface, cairo_surface_destroy);
  g_clear_pointer (&t->planes, g_free);
  t->planes_size = 0;
}

/* Makes @t hold a @w x @h drawing for frames of @info */
static gboolean
tile_reserve (Tile *t, const GstVideoInfo *info, gint w, gint h)
{
  gsize size = 0;

  w = GST_ROUND_UP_2 (w);
  h = GST_ROUND_UP_2 (h);
  if (t->surface == NULL || cairo_image_surface_get_width (t->surface) < w
      || cairo_image_surface_get_height (t->surface) < h) {
    gint sw = w, sh = h;
    if (t->surface) {
      sw = MAX (w, cairo_image_surface_get_width (t->surface));
      sh = MAX (h, cairo_image_surface_get_height (t->surface));
      cairo_surface_destroy (t->surface);
    }
    t->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, sw, sh);
    if (cairo_surface_status (t->surface) != CAIRO_STATUS_SUCCESS) {
      g_clear_pointer (&t->surface, cairo_surface_destroy);
      return FALSE;
    }
  }
  for (guint c = 0; c < GST_VIDEO_INFO_N_COMPONENTS (info); c++) {
    t->offset[c] = size;
    size += 2 * GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (info->finfo, c, w)
            * GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (info->finfo, c, h);
  }
  if (size > t->planes_size) {
    t->planes = g_realloc (t->planes, size);
    t->planes_size = size;
  }
  t->width = w;
  t->height = h;
  return TRUE;
}

/* ARGB drawing -> premultiplied values of each component of the frame
 * format, averaged over the chroma subsampling */
static void
tile_convert (Tile *t, const GstVideoInfo *info, const Colors *colors)
{
  const guint8 *src = cairo_image_surface_get_data (t->surface);
  gint sstride = cairo_image_surface_get_stride (t->surface);

  for (guint c = 0; c < GST_VIDEO_INFO_N_COMPONENTS (info); c++) {
    gint ws = GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, c);
    gint hs = GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, c);
    gint cw = GST_VIDEO_SUB_SCALE (ws, t->width);
    gint ch = GST_VIDEO_SUB_SCALE (hs, t->height);
    const gdouble *k = colors->k[c];
    guint8 *d = t->planes + t->offset[c];

    for (gint cy = 0; cy < ch; cy++) {
      for (gint cx = 0; cx < cw; cx++, d += 2) {
        guint sum[4] = { 0, 0, 0, 0 }, n = 0;
        gdouble a, v;
        for (gint y = cy << hs; y < MIN ((cy + 1) << hs, t->height); y++) {
          const guint32 *row = (const guint32 *)(src + y * sstride);
          for (gint x = cx << ws; x < MIN ((cx + 1) << ws, t->width); x++) {
            guint32 p = row[x];
            sum[0] += (p >> 16) & 0xff;
            sum[1] += (p >> 8) & 0xff;
            sum[2] += p & 0xff;
            sum[3] += p >> 24;
            n++;
          }
        }
        a = (gdouble)sum[3] / n;
        v = (k[0] * sum[0] + k[1] * sum[1] + k[2] * sum[2]) / n + k[3] * a;
        d[1] = (guint8)lround (a);
        d[0] = (guint8)CLAMP (lround (v), 0, d[1]);
      }
    }
  }
}

/* Blends @t with its top left corner at (@x, @y), rounded down to even
 * coordinates and clipped to the frame; its alpha scaled by @opacity */
static void
tile_blend (const Tile *t, GstVideoFrame *frame, gint x, gint y,
            gdouble opacity)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint op = (guint)lround (opacity * 256.0);

  x &= ~1;
  y &= ~1;
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (frame); c++) {
    gint ws = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c);
    gint hs = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c);
    gint cw = GST_VIDEO_SUB_SCALE (ws, t->width);
    gint ch = GST_VIDEO_SUB_SCALE (hs, t->height);
    gint cx0 = x >> ws, cy0 = y >> hs;
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
    gint tx0 = MAX (0, -cx0);
    gint tx1 = MIN (cw, GST_VIDEO_FRAME_COMP_WIDTH (frame, c) - cx0);
    gint ty0 = MAX (0, -cy0);
    gint ty1 = MIN (ch, GST_VIDEO_FRAME_COMP_HEIGHT (frame, c) - cy0);

    for (gint ty = ty0; ty < ty1; ty++) {
      const guint8 *s = t->planes + t->offset[c] + 2 * (ty * cw + tx0);
      guint8 *d = (guint8 *)GST_VIDEO_FRAME_COMP_DATA (frame, c)
                  + (cy0 + ty) * GST_VIDEO_FRAME_COMP_STRIDE (frame, c)
                  + (cx0 + tx0) * ps;
      for (gint tx = tx0; tx < tx1; tx++, s += 2, d += ps) {
        if (s[1] == 0)
          continue;
        if (op >= 256)
          *d = blend (*d, s[0], s[1]);
        else
          *d = blend (*d, (s[0] * op) >> 8, (s[1] * op) >> 8);
      }
    }
  }
}

static void
draw_text (EdgeDrawer *d, Tile *t, const gchar *text)
{
  gint w, h;
  cairo_t *cr;

  g_mutex_lock (&pango_lock);
  pango_layout_set_text (d->layout, text, -1);
  pango_layout_get_pixel_size (d->layout, &w, &h);
  if (!tile_reserve (t, &d->info, MAX (w, 1), MAX (h, 1))) {
    g_mutex_unlock (&pango_lock);
    g_string_truncate (t->key, 0);
    return;
  }
  cr = cairo_create (t->surface);
  cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  cairo_set_source_rgba (cr, ((d->text_color >> 16) & 0xff) / 255.0,
                         ((d->text_color >> 8) & 0xff) / 255.0,
                         (d->text_color & 0xff) / 255.0,
                         (d->text_color >> 24) / 255.0);
  pango_cairo_show_layout (cr, d->layout);
  cairo_destroy (cr);
  g_mutex_unlock (&pango_lock);
  cairo_surface_flush (t->surface);
  tile_convert (t, &d->info, &d->colors);
  g_string_assign (t->key, text);
}

/* The tile of @text, rendered when not cached; NULL if it cannot be */
static const Tile *
text_tile (EdgeDrawer *d, const gchar *text)
{
  Tile *victim = NULL;

  d->lookups++;
  for (guint i = 0; i < N_TILES; i++) {
    Tile *t = &d->tiles[i];
    if (t->key->len > 0 && strcmp (t->key->str, text) == 0) {
      t->used = d->lookups;
      return t;
    }
    if (victim == NULL || t->used < victim->used)
      victim = t;
  }
  if (d->layout == NULL)
    return NULL;
  victim->used = d->lookups;
  draw_text (d, victim, text);
  return victim->key->len > 0 ? victim : NULL;
}

static const Tile *
percent_tile (EdgeDrawer *d, gdouble confidence)
{
  gchar text[8];

  g_snprintf (text, sizeof (text), "%d%%", percent (confidence));
  return text_tile (d, text);
}

EdgeDrawer *
edge_drawer_new (void)
{
  EdgeDrawer *d = g_new0 (EdgeDrawer, 1);

  for (guint i = 0; i < N_TILES; i++)
    d->tiles[i].key = g_string_sized_new (32);
  return d;
}

void
edge_drawer_free (EdgeDrawer *d)
{
  for (guint i = 0; i < N_TILES; i++) {
    tile_clear (&d->tiles[i]);
    g_string_free (d->tiles[i].key, TRUE);
  }
  g_mutex_lock (&pango_lock);
  g_clear_object (&d->layout);
  g_mutex_unlock (&pango_lock);
  g_free (d);
}

void
edge_drawer_configure (EdgeDrawer *d, const gchar *font_desc, guint text_color,
                       const GstVideoInfo *info)
{
  PangoFontDescription *desc;
  const Tile *t;

  for (guint i = 0; i < N_TILES; i++)
    g_string_truncate (d->tiles[i].key, 0);
  d->info = *info;
  d->text_color = text_color;
  colors_init (&d->colors, info);

  g_mutex_lock (&pango_lock);
  if (font_map == NULL)
    font_map = pango_cairo_font_map_new ();
  if (d->layout == NULL) {
    PangoContext *context = pango_font_map_create_context (font_map);
    d->layout = pango_layout_new (context);
    g_object_unref (context);
  }
  desc = pango_font_description_from_string (font_desc ? font_desc : "Sans");
  pango_layout_set_font_description (d->layout, desc);
  pango_font_description_free (desc);
  g_mutex_unlock (&pango_lock);

  t = text_tile (d, "100%");
  d->line_height = t ? t->height : 12;
  d->percent_width = t ? t->width : 0;
}

/* Spacing for the font */
static inline gint
pad (const EdgeDrawer *d)
{
  return MAX (2, d->line_height / 5);
}

static inline gint
bar_height (const EdgeDrawer *d)
{
  return MAX (3, d->line_height / 5);
}

void
edge_drawer_panel_size (EdgeDrawer *d, const EdgeStyle *style,
                        const EdgeResult *res, gint *width, gint *height)
{
  gint tw = 0, row_h = d->line_height;

  for (guint i = 0; i < res->n_rows; i++) {
    const Tile *t = text_tile (d, res->label[i]);
    tw = MAX (tw, t ? t->width : 0);
  }
  if (style->show_confidence) {
    tw += 2 * pad (d) + d->percent_width;
    row_h += bar_height (d) + pad (d) / 2;
  }
  *width = GST_ROUND_UP_2 (tw + 2 * pad (d));
  *height = GST_ROUND_UP_2 (res->n_rows * (row_h + pad (d)) + pad (d));
}

void
edge_drawer_panel (EdgeDrawer *d, GstVideoFrame *frame, const EdgeStyle *style,
                   const EdgeResult *res, gint x, gint y)
{
  gdouble op = res->stale && style->fade_stale ? EDGE_STALE_OPACITY : 1.0;
  gint p = pad (d), bh = bar_height (d), w, h, row_h = d->line_height;
  guint track = (style->bar_color & 0xffffff) | 0x50000000;

  edge_drawer_panel_size (d, style, res, &w, &h);
  if (style->show_confidence)
    row_h += bh + p / 2;
  fill_rect (frame, &d->colors, style->background_color, op, x, y, w, h);
  for (guint i = 0; i < res->n_rows; i++) {
    gint ry = y + p + i * (row_h + p), bw = w - 2 * p;
    const Tile *t = text_tile (d, res->label[i]);

    if (t)
      tile_blend (t, frame, x + p, ry, op);
    if (!style->show_confidence)
      continue;
    if ((t = percent_tile (d, res->confidence[i])))
      tile_blend (t, frame, x + w - p - t->width, ry, op);
    fill_rect (frame, &d->colors, track, op, x + p, ry + d->line_height, bw,
               bh);
    fill_rect (frame, &d->colors, style->bar_color, op, x + p,
               ry + d->line_height, bw * percent (res->confidence[i]) / 100,
               bh);
  }
}

void
edge_drawer_region (EdgeDrawer *d, GstVideoFrame *frame, const EdgeStyle *style,
                    const EdgeResult *res, gint x, gint y, gint w, gint h)
{
  gdouble op = res->stale && style->fade_stale ? EDGE_STALE_OPACITY : 1.0;
  gint lt = MAX (
      2, MIN (GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame))
             / 240);
  const Tile *label = text_tile (d, res->label[0]);
  const Tile *pct
      = style->show_confidence ? percent_tile (d, res->confidence[0]) : NULL;
  gint p = pad (d), tag_w, tag_h, tx, ty;

  /* the outline */
  fill_rect (frame, &d->colors, style->box_color, op, x, y, w, lt);
  fill_rect (frame, &d->colors, style->box_color, op, x, y + h - lt, w, lt);
  fill_rect (frame, &d->colors, style->box_color, op, x, y + lt, lt,
             h - 2 * lt);
  fill_rect (frame, &d->colors, style->box_color, op, x + w - lt, y + lt, lt,
             h - 2 * lt);

  /* the tag: "label 81%" on the box colour */
  tag_w = GST_ROUND_UP_2 (2 * p + (label ? label->width : 0)
                          + (pct ? p + pct->width : 0));
  tag_h = GST_ROUND_UP_2 (d->line_height + 2 * p);
  tx = MAX (0, MIN (x, (gint)GST_VIDEO_FRAME_WIDTH (frame) - tag_w)) & ~1;
  ty = (y >= tag_h ? y - tag_h : y) & ~1;
  fill_rect (frame, &d->colors, style->box_color, op, tx, ty, tag_w, tag_h);
  if (label)
    tile_blend (label, frame, tx + p, ty + p, op);
  if (pct)
    tile_blend (pct, frame, tx + tag_w - p - pct->width, ty + p, op);
}
