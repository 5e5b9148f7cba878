/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-edgeoverlay
 * @title: edgeoverlay
 * @see_also: edgeclassify, edgereport
 *
 * Draws the classification results that edgeclassify attached to each
 * frame (a #GstVideoRegionOfInterestMeta with a "classification" param).
 * A full-frame result shows as a panel in one corner with the top labels
 * and their confidence bars; a result for a region shows as a box around
 * the region with the label on a tag. Stale results (the classifier has
 * not caught up with this frame) can be drawn dimmed.
 *
 * Each label and percentage is rendered once with Pango into a small ARGB
 * tile, converted once to the frame's format and cached; frames then only
 * blend cached tiles and fill boxes and bars, so a changing confidence
 * costs no text rendering and every supported format (packed RGB, grey,
 * planar and packed YUV) is drawn on in place, without a
 * conversion of the frame. Frames without results pass through untouched.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! edgeclassify model=model.onnx \
 *     labels=labels.txt ! edgeoverlay position=top-right ! videoconvert ! \
 *     autovideosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstedgeoverlay.h"
#include "edgeoverlay-draw.h"
#include "edgeclassify-adapter.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_edge_overlay_debug);
#define GST_CAT_DEFAULT gst_edge_overlay_debug

typedef enum {
  POSITION_TOP_LEFT,
  POSITION_TOP_RIGHT,
  POSITION_BOTTOM_LEFT,
  POSITION_BOTTOM_RIGHT,
} GstEdgeOverlayPosition;

/* Property values as one frame uses them. */
typedef struct {
  GstEdgeOverlayPosition position;
  EdgeStyle style;
  guint max_labels;
  gboolean show_object_id;
  guint cookie;
} Settings;

struct _GstEdgeOverlay {
  GstVideoFilter parent;

  /* properties (object lock) */
  gchar *font_desc;
  Settings props; /* cookie: changed by every set_property */

  /* streaming thread */
  Settings cur;
  EdgeDrawer *drawer; /* set up for cur and the negotiated format */
  GstVideoInfo info;
  gchar tag[160]; /* "#id label" of the region being drawn */
};

enum {
  PROP_0,
  PROP_FONT_DESC,
  PROP_POSITION,
  PROP_TEXT_COLOR,
  PROP_BOX_COLOR,
  PROP_BAR_COLOR,
  PROP_BACKGROUND_COLOR,
  PROP_SHOW_CONFIDENCE,
  PROP_FADE_STALE,
  PROP_MAX_LABELS,
  PROP_SHOW_OBJECT_ID,
};

#define DEFAULT_FONT_DESC "Sans 12"
#define DEFAULT_POSITION POSITION_TOP_LEFT
#define DEFAULT_TEXT_COLOR 0xffffffff
#define DEFAULT_BOX_COLOR 0xff00c040
#define DEFAULT_BAR_COLOR 0xff20a0ff
#define DEFAULT_BACKGROUND_COLOR 0xa0000000
#define DEFAULT_SHOW_CONFIDENCE TRUE
#define DEFAULT_FADE_STALE TRUE
#define DEFAULT_MAX_LABELS 3
#define DEFAULT_SHOW_OBJECT_ID FALSE

#define GST_TYPE_EDGE_OVERLAY_POSITION (gst_edge_overlay_position_get_type ())
static GType
gst_edge_overlay_position_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { POSITION_TOP_LEFT, "Top left corner", "top-left" },
    { POSITION_TOP_RIGHT, "Top right corner", "top-right" },
    { POSITION_BOTTOM_LEFT, "Bottom left corner", "bottom-left" },
    { POSITION_BOTTOM_RIGHT, "Bottom right corner", "bottom-right" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEdgeOverlayPosition", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_edge_overlay_parent_class parent_class
G_DEFINE_TYPE (GstEdgeOverlay, gst_edge_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (edgeoverlay, "edgeoverlay", GST_RANK_NONE,
                             GST_TYPE_EDGE_OVERLAY);

static void gst_edge_overlay_set_property (GObject *object, guint prop_id,
                                           const GValue *value,
                                           GParamSpec *pspec);
static void gst_edge_overlay_get_property (GObject *object, guint prop_id,
                                           GValue *value, GParamSpec *pspec);
static void gst_edge_overlay_finalize (GObject *object);
static gboolean gst_edge_overlay_stop (GstBaseTransform *trans);
static void gst_edge_overlay_before_transform (GstBaseTransform *trans,
                                               GstBuffer *buffer);
static gboolean gst_edge_overlay_set_info (GstVideoFilter *filter,
                                           GstCaps *incaps,
                                           GstVideoInfo *in_info,
                                           GstCaps *outcaps,
                                           GstVideoInfo *out_info);
static GstFlowReturn
gst_edge_overlay_transform_frame_ip (GstVideoFilter *filter,
                                     GstVideoFrame *frame);

static void
install_color (GObjectClass *gobject_class, guint prop_id, const gchar *name,
               const gchar *blurb, guint def)
{
  g_object_class_install_property (
      gobject_class, prop_id,
      g_param_spec_uint (name, name, blurb, 0, G_MAXUINT32, def,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                             | GST_PARAM_MUTABLE_PLAYING));
}

static void
gst_edge_overlay_class_init (GstEdgeOverlayClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags flags
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_edge_overlay_set_property;
  gobject_class->get_property = gst_edge_overlay_get_property;
  gobject_class->finalize = gst_edge_overlay_finalize;

  /**
   * GstEdgeOverlay:font-desc:
   *
   * Pango font description of the text, such as "Sans Bold 16". Unset or
   * empty: "Sans 12". Labels in non-Latin scripts need a font that has
   * their glyphs (Pango falls back to any installed font that does).
   */
  g_object_class_install_property (
      gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font description",
                           "Pango font description of the text",
                           DEFAULT_FONT_DESC, flags));
  /**
   * GstEdgeOverlay:position:
   *
   * Corner of the frame that holds the panel of full-frame results.
   */
  g_object_class_install_property (
      gobject_class, PROP_POSITION,
      g_param_spec_enum (
          "position", "Position", "Corner of the panel of full-frame results",
          GST_TYPE_EDGE_OVERLAY_POSITION, DEFAULT_POSITION, flags));
  /**
   * GstEdgeOverlay:text-color:
   *
   * Colour of the text, as 0xAARRGGBB.
   */
  install_color (gobject_class, PROP_TEXT_COLOR, "text-color",
                 "Colour of the text (0xAARRGGBB)", DEFAULT_TEXT_COLOR);
  /**
   * GstEdgeOverlay:box-color:
   *
   * Colour of region boxes and of their label tags, as 0xAARRGGBB.
   */
  install_color (gobject_class, PROP_BOX_COLOR, "box-color",
                 "Colour of region boxes and their tags (0xAARRGGBB)",
                 DEFAULT_BOX_COLOR);
  /**
   * GstEdgeOverlay:bar-color:
   *
   * Colour of the confidence bars, as 0xAARRGGBB.
   */
  install_color (gobject_class, PROP_BAR_COLOR, "bar-color",
                 "Colour of the confidence bars (0xAARRGGBB)",
                 DEFAULT_BAR_COLOR);
  /**
   * GstEdgeOverlay:background-color:
   *
   * Colour behind the panel of full-frame results, as 0xAARRGGBB; an alpha
   * of 0 leaves the text on the picture.
   */
  install_color (gobject_class, PROP_BACKGROUND_COLOR, "background-color",
                 "Colour behind the panel (0xAARRGGBB)",
                 DEFAULT_BACKGROUND_COLOR);
  /**
   * GstEdgeOverlay:show-confidence:
   *
   * Show the confidence of each label, as a percentage and a bar.
   */
  g_object_class_install_property (
      gobject_class, PROP_SHOW_CONFIDENCE,
      g_param_spec_boolean ("show-confidence", "Show confidence",
                            "Show the confidence of each label",
                            DEFAULT_SHOW_CONFIDENCE, flags));
  /**
   * GstEdgeOverlay:fade-stale:
   *
   * Dim results marked stale, which were computed on an earlier frame.
   */
  g_object_class_install_property (
      gobject_class, PROP_FADE_STALE,
      g_param_spec_boolean ("fade-stale", "Fade stale",
                            "Dim results computed on an earlier frame",
                            DEFAULT_FADE_STALE, flags));
  /**
   * GstEdgeOverlay:max-labels:
   *
   * Most labels listed for a full-frame result (its top-k).
   */
  g_object_class_install_property (
      gobject_class, PROP_MAX_LABELS,
      g_param_spec_uint ("max-labels", "Max labels",
                         "Most labels listed for a full-frame result", 1,
                         EDGE_MAX_ROWS, DEFAULT_MAX_LABELS, flags));

  /**
   * GstEdgeOverlay:show-object-id:
   *
   * Put the object id edgeclassify gives each region (roi-list mode) in
   * front of its label, as "#7 Sneaker".
   */
  g_object_class_install_property (
      gobject_class, PROP_SHOW_OBJECT_ID,
      g_param_spec_boolean ("show-object-id", "Show object id",
                            "Put each region's object id before its label",
                            DEFAULT_SHOW_OBJECT_ID,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                                | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (
      element_class, "Classification overlay", "Filter/Effect/Video",
      "Draws classification results: top labels with confidence bars, "
      "or boxes with labels",
      "The edgeclassify authors");
  /* every format of nn's table (nn/preprocess.c) */
  ec_add_video_pad_templates (element_class);

  trans_class->stop = GST_DEBUG_FUNCPTR (gst_edge_overlay_stop);
  trans_class->before_transform
      = GST_DEBUG_FUNCPTR (gst_edge_overlay_before_transform);
  trans_class->transform_ip_on_passthrough = FALSE;
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_edge_overlay_set_info);
  filter_class->transform_frame_ip
      = GST_DEBUG_FUNCPTR (gst_edge_overlay_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_EDGE_OVERLAY_POSITION, 0);
  GST_DEBUG_CATEGORY_INIT (gst_edge_overlay_debug, "edgeoverlay", 0,
                           "classification overlay");
}

static void
gst_edge_overlay_init (GstEdgeOverlay *self)
{
  self->font_desc = g_strdup (DEFAULT_FONT_DESC);
  self->props.position = DEFAULT_POSITION;
  self->props.style.text_color = DEFAULT_TEXT_COLOR;
  self->props.style.box_color = DEFAULT_BOX_COLOR;
  self->props.style.bar_color = DEFAULT_BAR_COLOR;
  self->props.style.background_color = DEFAULT_BACKGROUND_COLOR;
  self->props.style.show_confidence = DEFAULT_SHOW_CONFIDENCE;
  self->props.style.fade_stale = DEFAULT_FADE_STALE;
  self->props.max_labels = DEFAULT_MAX_LABELS;
  self->props.show_object_id = DEFAULT_SHOW_OBJECT_ID;
  self->props.cookie = 1;
}

static void
gst_edge_overlay_set_property (GObject *object, guint prop_id,
                               const GValue *value, GParamSpec *pspec)
{
  GstEdgeOverlay *self = GST_EDGE_OVERLAY (object);
  Settings *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_FONT_DESC:
    g_free (self->font_desc);
    self->font_desc = g_value_dup_string (value);
    break;
  case PROP_POSITION:
    p->position = g_value_get_enum (value);
    break;
  case PROP_TEXT_COLOR:
    p->style.text_color = g_value_get_uint (value);
    break;
  case PROP_BOX_COLOR:
    p->style.box_color = g_value_get_uint (value);
    break;
  case PROP_BAR_COLOR:
    p->style.bar_color = g_value_get_uint (value);
    break;
  case PROP_BACKGROUND_COLOR:
    p->style.background_color = g_value_get_uint (value);
    break;
  case PROP_SHOW_CONFIDENCE:
    p->style.show_confidence = g_value_get_boolean (value);
    break;
  case PROP_FADE_STALE:
    p->style.fade_stale = g_value_get_boolean (value);
    break;
  case PROP_SHOW_OBJECT_ID:
    p->show_object_id = g_value_get_boolean (value);
    break;
  case PROP_MAX_LABELS:
    p->max_labels = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  p->cookie++;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_edge_overlay_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  GstEdgeOverlay *self = GST_EDGE_OVERLAY (object);
  Settings *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_FONT_DESC:
    g_value_set_string (value, self->font_desc);
    break;
  case PROP_POSITION:
    g_value_set_enum (value, p->position);
    break;
  case PROP_TEXT_COLOR:
    g_value_set_uint (value, p->style.text_color);
    break;
  case PROP_BOX_COLOR:
    g_value_set_uint (value, p->style.box_color);
    break;
  case PROP_BAR_COLOR:
    g_value_set_uint (value, p->style.bar_color);
    break;
  case PROP_BACKGROUND_COLOR:
    g_value_set_uint (value, p->style.background_color);
    break;
  case PROP_SHOW_CONFIDENCE:
    g_value_set_boolean (value, p->style.show_confidence);
    break;
  case PROP_FADE_STALE:
    g_value_set_boolean (value, p->style.fade_stale);
    break;
  case PROP_SHOW_OBJECT_ID:
    g_value_set_boolean (value, p->show_object_id);
    break;
  case PROP_MAX_LABELS:
    g_value_set_uint (value, p->max_labels);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_edge_overlay_finalize (GObject *object)
{
  GstEdgeOverlay *self = GST_EDGE_OVERLAY (object);

  g_clear_pointer (&self->drawer, edge_drawer_free);
  g_free (self->font_desc);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static gboolean
gst_edge_overlay_stop (GstBaseTransform *trans)
{
  GstEdgeOverlay *self = GST_EDGE_OVERLAY (trans);

  g_clear_pointer (&self->drawer, edge_drawer_free);
  self->cur.cookie = 0;
  return TRUE;
}

/* Fills @res from the "classification" param of @roi; FALSE if it has none */
static gboolean
read_result (const GstVideoRegionOfInterestMeta *roi, guint max_rows,
             EdgeResult *res)
{
  GstStructure *s = gst_video_region_of_interest_meta_get_param (
      (GstVideoRegionOfInterestMeta *)roi, "classification");
  const GValue *labels, *confs;
  guint n = 0;

  if (s == NULL)
    return FALSE;
  /* smoothed (edgeclassify smoothing): the decision first, then the frame's
   * own best guesses but the decided label */
  if (gst_structure_has_field (s, "raw_label")) {
    res->label[0] = gst_structure_get_string (s, "label");
    if (res->label[0] != NULL
        && gst_structure_get_double (s, "confidence", &res->confidence[0]))
      n = 1;
  }
  labels = gst_structure_get_value (s, "top_labels");
  confs = gst_structure_get_value (s, "top_confidences");
  if (labels && confs && GST_VALUE_HOLDS_ARRAY (labels)
      && GST_VALUE_HOLDS_ARRAY (confs)) {
    guint size = MIN (gst_value_array_get_size (labels),
                      gst_value_array_get_size (confs));
    for (guint i = 0; i < size && n < max_rows; i++) {
      const GValue *l = gst_value_array_get_value (labels, i);
      const GValue *c = gst_value_array_get_value (confs, i);
      if (!G_VALUE_HOLDS_STRING (l) || !G_VALUE_HOLDS_DOUBLE (c)
          || (n > 0 && g_strcmp0 (g_value_get_string (l), res->label[0]) == 0))
        continue;
      res->label[n] = g_value_get_string (l);
      res->confidence[n++] = g_value_get_double (c);
    }
  }
  if (n == 0) {
    res->label[0] = gst_structure_get_string (s, "label");
    if (res->label[0] == NULL)
      res->label[0] = g_quark_to_string (roi->roi_type);
    if (!gst_structure_get_double (s, "confidence", &res->confidence[0]))
      res->confidence[0] = 0.0;
    n = 1;
  }
  res->n_rows = n;
  if (!gst_structure_get_boolean (s, "stale", &res->stale))
    res->stale = FALSE;
  return TRUE;
}

static gboolean
has_result (GstBuffer *buffer)
{
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;

  while (
      (roi = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (gst_video_region_of_interest_meta_get_param (roi, "classification"))
      return TRUE;
  }
  return FALSE;
}

/* Frames without results go through without being mapped or copied */
static void
gst_edge_overlay_before_transform (GstBaseTransform *trans, GstBuffer *buffer)
{
  gst_base_transform_set_passthrough (trans, !has_result (buffer));
}

static gboolean
gst_edge_overlay_set_info (GstVideoFilter *filter, GstCaps *incaps,
                           GstVideoInfo *in_info, GstCaps *outcaps,
                           GstVideoInfo *out_info)
{
  GstEdgeOverlay *self = GST_EDGE_OVERLAY (filter);

  self->info = *in_info;
  self->cur.cookie = 0; /* configure the drawer for this format */
  return TRUE;
}

/* Takes the current property values; the drawer follows font, colour and
 * format changes */
static void
update_settings (GstEdgeOverlay *self)
{
  gchar *font = NULL;
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = self->props.cookie != self->cur.cookie || self->drawer == NULL;
  if (changed) {
    self->cur = self->props;
    /* unset or empty: the default font */
    font = g_strdup (self->font_desc && *self->font_desc ? self->font_desc
                                                         : DEFAULT_FONT_DESC);
  }
  GST_OBJECT_UNLOCK (self);
  if (!changed)
    return;

  if (self->drawer == NULL)
    self->drawer = edge_drawer_new ();
  edge_drawer_configure (self->drawer, font, self->cur.style.text_color,
                         &self->info);
  g_free (font);
}

static GstFlowReturn
gst_edge_overlay_transform_frame_ip (GstVideoFilter *filter,
                                     GstVideoFrame *frame)
{
  GstEdgeOverlay *self = GST_EDGE_OVERLAY (filter);
  const Settings *cur = &self->cur;
  gint fw = GST_VIDEO_FRAME_WIDTH (frame);
  gint fh = GST_VIDEO_FRAME_HEIGHT (frame);
  gboolean left, top;
  gint margin = 8, stack = 0;
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  EdgeResult res;

  update_settings (self);
  left = cur->position == POSITION_TOP_LEFT
         || cur->position == POSITION_BOTTOM_LEFT;
  top = cur->position == POSITION_TOP_LEFT
        || cur->position == POSITION_TOP_RIGHT;
  while ((
      roi = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
          frame->buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    gboolean full = roi->x == 0 && roi->y == 0 && (gint)roi->w >= fw
                    && (gint)roi->h >= fh;
    gint w, h;

    GstStructure *s;
    guint64 object_id;

    if (!read_result (roi, full ? cur->max_labels : 1, &res))
      continue;
    s = gst_video_region_of_interest_meta_get_param (roi, "classification");
    if (cur->show_object_id
        && gst_structure_get_uint64 (s, "object_id", &object_id)) {
      g_snprintf (self->tag, sizeof (self->tag), "#%" G_GUINT64_FORMAT " %s",
                  object_id, res.label[0]);
      res.label[0] = self->tag;
    }
    if (!full) {
      edge_drawer_region (self->drawer, frame, &cur->style, &res, roi->x,
                          roi->y, roi->w, roi->h);
      continue;
    }
    /* full frame: a panel in the corner, stacked when there are several */
    edge_drawer_panel_size (self->drawer, &cur->style, &res, &w, &h);
    edge_drawer_panel (self->drawer, frame, &cur->style, &res,
                       left ? margin : fw - margin - w,
                       top ? margin + stack : fh - margin - stack - h);
    stack += h + margin;
  }
  return GST_FLOW_OK;
}
