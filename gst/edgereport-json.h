/* edgeclassify: the JSON report of edgereport
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEREPORT_JSON_H__
#define __EDGEREPORT_JSON_H__

#include <gst/gst.h>

#include "edge-json.h"

G_BEGIN_DECLS

#define EDGE_REPORT_SCHEMA_VERSION 1

/* What the report says about the stream a frame belongs to. */
typedef struct {
  const gchar *run_id;     /* random, one per start of the element */
  const gchar *stream_id;  /* from STREAM_START, or NULL */
  const gchar *source_uri; /* without user information, or NULL */
  guint64 frame;           /* buffers seen before this one */
  gint width, height;      /* from the caps, 0 when unknown */
} EdgeReportStream;

/* Writes to @out (emptied first) the report of @buf as one line of JSON
 * (no newline in it): the stream fields, the PTS, the UTC time now and one
 * object per classification (every field of its "classification"
 * structure plus the region x, y, width, height). Returns FALSE, leaving
 * @out empty, when @buf carries no classification. */
gboolean edge_report_json_build (GString *out, GstBuffer *buf,
                                 const EdgeReportStream *stream);

/* Writes to @out (emptied first) the record of a decision event of
 * edgeclassify (an "edgeclassify-event" structure) as one line of JSON:
 * the stream fields, the UTC time now, then the event's fields (all but
 * "schema_version" and "stream", which the stream fields say). */
void edge_report_json_event (GString *out, const GstStructure *event,
                             const EdgeReportStream *stream);

/* @uri without its user information (so no password reaches a report);
 * free with g_free(). */
gchar *edge_report_public_uri (const gchar *uri);

G_END_DECLS
#endif /* __EDGEREPORT_JSON_H__ */
