/* edgeclassify: results as GstStructure, message and JSON
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_RESULT_H__
#define __EDGECLASSIFY_RESULT_H__

#include "edgeclassify-engine.h"
#include "edgeclassify-objects.h"

#include <gst/video/video.h>

G_BEGIN_DECLS
#define EC_SCHEMA_VERSION 2
/* What frame a result was computed on, and how old it is on the frame that
 * carries it. */
typedef struct {
  guint64 frame;      /* index of the computed buffer since start */
  guint64 pts;        /* its PTS in ns, G_MAXUINT64 if none */
  guint64 age_frames; /* carrying frame - computed frame */
  gdouble age_ms;     /* by PTS, else by the clock; 0 when age_frames is */
} EcStamp;

/* What the decision layer adds to a result. */
typedef struct {
  gboolean smoothed; /* label, label_id, confidence are the decision's;
                      * the result's own go to raw_label, raw_label_id,
                      * raw_confidence */
  EcDecision decision;
  gboolean has_object; /* roi-list: the object_id field */
  guint64 object_id;
} EcDecided;

/* The "classification" structure (docs/metadata.md), or with @message the
 * "edgeclassify" message's. With @rect (the region as the carrying frame
 * has it) the x, y, width and height fields are added; with @decided
 * (NULL: none) the decision's. */
GstStructure *ec_result_to_structure (const EcEngine *e, const EcResult *r,
                                      const EcStamp *stamp, gboolean message,
                                      const nn_rect *rect,
                                      const EcDecided *decided);

/* Adds @r as the "classification" param of @meta, or of a new region meta
 * of @rect when @meta is NULL (@buf writable); with @messages, appends the
 * structure of an "edgeclassify" element message for it. */
void ec_result_attach (const EcEngine *e, GstBuffer *buf,
                       GstVideoRegionOfInterestMeta *meta, const nn_rect *rect,
                       const EcResult *r, const EcStamp *stamp,
                       const EcDecided *decided, GPtrArray *messages);

/* The "edgeclassify-event" structure of @ev (docs/metadata.md); @stream
 * the stream id (NULL: none). */
GstStructure *ec_event_to_structure (const EcEngine *e, const EcEvent *ev,
                                     const gchar *stream);

/* Appends one result as a JSON object. */
void ec_result_append_json (GString *out, const EcEngine *e, const EcResult *r);

G_END_DECLS
#endif /* __EDGECLASSIFY_RESULT_H__ */
