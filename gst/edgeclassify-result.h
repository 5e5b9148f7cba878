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

#include <gst/video/video.h>

G_BEGIN_DECLS
#define EC_SCHEMA_VERSION 1
/* Where and when a result applies. */
typedef struct {
  guint64 frame;  /* index of the buffer since start */
  guint64 pts;    /* buffer PTS in ns, G_MAXUINT64 if none */
  gboolean stale; /* result of an earlier frame */
} EcStamp;

/* The "classification" structure (docs/metadata.md). With @with_rect the
 * x, y, width and height fields are added, as in the bus message, and the
 * structure is named @name. */
GstStructure *ec_result_to_structure (const EcEngine *e, const EcResult *r,
                                      const EcStamp *stamp, const gchar *name,
                                      gboolean with_rect);

/* Adds @r as the "classification" param of @meta, or of a new region meta
 * of the result's rectangle when @meta is NULL (@buf writable), and with
 * @post posts it as an "edgeclassify" element message from @element. */
void ec_result_attach (GstElement *element, GstBuffer *buf,
                       GstVideoRegionOfInterestMeta *meta, const EcEngine *e,
                       const EcResult *r, const EcStamp *stamp, gboolean post);

/* Appends one result as a JSON object. */
void ec_result_append_json (GString *out, const EcEngine *e, const EcResult *r);

/* The last inference's results as a JSON object (docs/metadata.md), NULL
 * when there are none. Call with the lock given to ec_engine_publish. */
gchar *ec_engine_last_json (const EcEngine *e);

/* Appends a JSON string literal. */
void ec_json_append_string (GString *out, const gchar *s);

/* Moving maximum of the last inference times, for the LATENCY query. */
#define EC_LATENCY_WINDOW 16

typedef struct {
  gdouble us[EC_LATENCY_WINDOW];
  guint pos;
} EcLatency;

static inline void
ec_latency_push (EcLatency *l, gdouble us)
{
  l->us[l->pos++ % EC_LATENCY_WINDOW] = us;
}

static inline GstClockTime
ec_latency_max (const EcLatency *l)
{
  gdouble max = 0.0;

  for (guint i = 0; i < EC_LATENCY_WINDOW; i++)
    max = MAX (max, l->us[i]);
  return (GstClockTime)(max * GST_USECOND);
}

G_END_DECLS
#endif /* __EDGECLASSIFY_RESULT_H__ */
