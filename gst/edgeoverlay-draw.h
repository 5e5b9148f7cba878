/* edgeclassify: drawing of edgeoverlay
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEOVERLAY_DRAW_H__
#define __EDGEOVERLAY_DRAW_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

/* Draws classification results on 8-bit video frames of any packed or
 * planar RGB, grey or YUV format (chroma subsampled by at most 2).
 *
 * Each piece of text (a label, a percentage) is rendered once with
 * Pango/Cairo into a small ARGB tile, converted once to the components of
 * the frame format (premultiplied value and alpha, at chroma resolution)
 * and kept in a cache; drawing a frame only blends cached tiles and fills
 * rectangles (backgrounds, bars, boxes) straight into the frame. So a
 * changing confidence costs no rendering, and a frame allocates nothing
 * once its texts are cached.
 *
 * An EdgeDrawer is used by one thread at a time. */

#define EDGE_MAX_ROWS 10
#define EDGE_STALE_OPACITY 0.45 /* of stale results, with fade-stale */

/* A classification result to show. Strings are borrowed. */
typedef struct {
  const gchar *label[EDGE_MAX_ROWS];
  gdouble confidence[EDGE_MAX_ROWS];
  guint n_rows;
  gboolean stale;
} EdgeResult;

/* Colours are 0xAARRGGBB. */
typedef struct {
  guint text_color, box_color, bar_color, background_color;
  gboolean show_confidence;
  gboolean fade_stale;
} EdgeStyle;

typedef struct _EdgeDrawer EdgeDrawer;

EdgeDrawer *edge_drawer_new (void);
void edge_drawer_free (EdgeDrawer *drawer);

/* Sets the font (a Pango description), the text colour and the frame
 * format; drops the cached texts. */
void edge_drawer_configure (EdgeDrawer *drawer, const gchar *font_desc,
                            guint text_color, const GstVideoInfo *info);

/* Size of the panel that edge_drawer_panel() draws for @res. */
void edge_drawer_panel_size (EdgeDrawer *drawer, const EdgeStyle *style,
                             const EdgeResult *res, gint *width, gint *height);

/* A panel at (@x, @y): per row a label, and with show-confidence its
 * percentage and a bar. */
void edge_drawer_panel (EdgeDrawer *drawer, GstVideoFrame *frame,
                        const EdgeStyle *style, const EdgeResult *res, gint x,
                        gint y);

/* A box around the region, with a tag holding the top label (and its
 * percentage) above it, or inside when there is no room above. */
void edge_drawer_region (EdgeDrawer *drawer, GstVideoFrame *frame,
                         const EdgeStyle *style, const EdgeResult *res, gint x,
                         gint y, gint w, gint h);

G_END_DECLS
#endif /* __EDGEOVERLAY_DRAW_H__ */
