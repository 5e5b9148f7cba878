/* edgeclassify: GStreamer <-> nn glue
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_ADAPTER_H__
#define __EDGECLASSIFY_ADAPTER_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include <nn/nn.h>
#include <nn/preprocess.h>

G_BEGIN_DECLS
/* What an error is about: picks the sentence users read. */
typedef enum {
  EC_WHAT_MODEL,    /* the model file or the built-in model */
  EC_WHAT_LABELS,   /* the labels file or the model's labels */
  EC_WHAT_SETTINGS, /* element properties */
  EC_WHAT_CAPS,     /* negotiated video vs the model */
  EC_WHAT_INFERENCE /* running the model on a frame */
} EcWhat;

/* A failure on its way to the bus. Owns its strings. */
typedef struct {
  nn_status status;
  EcWhat what;
  gchar *path;   /* file concerned (EC_WHAT_SETTINGS: property), or NULL */
  gchar *detail; /* technical detail for the debug string */
} EcError;

void ec_error_set (EcError *err, nn_status status, EcWhat what,
                   const gchar *path, const gchar *detail_fmt, ...)
    G_GNUC_PRINTF (5, 6);
void ec_error_clear (EcError *err);

/* The one mapping from an nn status (and what it concerns) to a GStreamer
 * error domain and code. See docs/elements.md, "Errors". */
void ec_status_to_gst (nn_status status, EcWhat what, GQuark *domain,
                       gint *code);

/* Posts @err as an ERROR or WARNING message (type) from @element, like
 * GST_ELEMENT_ERROR does: a short sentence plus the technical detail. */
void ec_post_error (GstElement *element, GstMessageType type,
                    const EcError *err, const gchar *file,
                    const gchar *function, gint line);

#define EC_POST_ERROR(el, err)                                                 \
  ec_post_error (GST_ELEMENT (el), GST_MESSAGE_ERROR, (err), __FILE__,         \
                 GST_FUNCTION, __LINE__)
#define EC_POST_WARNING(el, err)                                               \
  ec_post_error (GST_ELEMENT (el), GST_MESSAGE_WARNING, (err), __FILE__,       \
                 GST_FUNCTION, __LINE__)

/* nn pixel format for a GStreamer one; -1 for formats nn does not read.
 * Made from nn's format table (nn_pixel_format_name), matched by name. */
gint ec_pixel_format_from_video (GstVideoFormat format);

/* video/x-raw caps with every format of nn's table, in its order: the pad
 * templates of the elements that read or draw frames. */
GstCaps *ec_video_caps_new (void);

/* Adds always "sink" and "src" pads of those caps to @klass. */
void ec_add_video_pad_templates (GstElementClass *klass);

/* Describes a mapped frame to nn without copying: planes point into the
 * mapped memory, strides and offsets come from the frame (GstVideoMeta is
 * honoured by gst_video_frame_map), matrix and range from the colorimetry.
 * Returns FALSE for formats not in the pad template. */
gboolean ec_image_from_frame (const GstVideoFrame *frame, nn_image *img);

G_END_DECLS
#endif /* __EDGECLASSIFY_ADAPTER_H__ */
