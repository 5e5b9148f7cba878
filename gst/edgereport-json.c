/* edgeclassify: the JSON report of edgereport
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

#include "edgereport-json.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <gst/video/video.h>

gchar *
edge_report_public_uri (const gchar *uri)
{
  GstUri *parsed = gst_uri_from_string (uri);
  gchar *result;

  if (parsed && gst_uri_get_userinfo (parsed)) {
    gst_uri_set_userinfo (parsed, NULL);
    result = gst_uri_to_string (parsed);
  } else {
    result = g_strdup (uri);
  }
  if (parsed)
    gst_uri_unref (parsed);
  return result;
}

static void
add_value (GString *out, const GValue *v)
{
  GType type = G_VALUE_TYPE (v);

  if (type == G_TYPE_STRING) {
    edge_json_string (out, g_value_get_string (v));
  } else if (type == G_TYPE_INT) {
    g_string_append_printf (out, "%d", g_value_get_int (v));
  } else if (type == G_TYPE_UINT) {
    g_string_append_printf (out, "%u", g_value_get_uint (v));
  } else if (type == G_TYPE_INT64) {
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_value_get_int64 (v));
  } else if (type == G_TYPE_UINT64) {
    /* all ones is "none" (GST_CLOCK_TIME_NONE) */
    if (g_value_get_uint64 (v) > G_MAXINT64)
      g_string_append (out, "null");
    else
      g_string_append_printf (out, "%" G_GUINT64_FORMAT,
                              g_value_get_uint64 (v));
  } else if (type == G_TYPE_DOUBLE) {
    edge_json_double (out, g_value_get_double (v));
  } else if (type == G_TYPE_FLOAT) {
    edge_json_double (out, g_value_get_float (v));
  } else if (type == G_TYPE_BOOLEAN) {
    g_string_append (out, g_value_get_boolean (v) ? "true" : "false");
  } else if (GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v)) {
    gboolean array = GST_VALUE_HOLDS_ARRAY (v);
    guint n
        = array ? gst_value_array_get_size (v) : gst_value_list_get_size (v);
    g_string_append_c (out, '[');
    for (guint i = 0; i < n; i++) {
      if (i > 0)
        g_string_append_c (out, ',');
      add_value (out, array ? gst_value_array_get_value (v, i)
                            : gst_value_list_get_value (v, i));
    }
    g_string_append_c (out, ']');
  } else {
    gchar *str = gst_value_serialize (v);
    edge_json_string (out, str ? str : "");
    g_free (str);
  }
}

static gboolean
add_field (GQuark field, const GValue *value, gpointer user_data)
{
  GString *out = user_data;

  edge_json_string (out, g_quark_to_string (field));
  g_string_append_c (out, ':');
  add_value (out, value);
  g_string_append_c (out, ',');
  return TRUE;
}

static void
begin_report (GString *out, GstBuffer *buf, const EdgeReportStream *stream)
{
  gint64 now = g_get_real_time ();
  time_t secs = now / G_USEC_PER_SEC;
  struct tm tm;
  gchar stamp[64];

  gmtime_r (&secs, &tm);
  strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  g_snprintf (stamp + 19, sizeof (stamp) - 19, ".%06dZ",
              (gint)(now % G_USEC_PER_SEC));
  g_string_append_printf (
      out, "{\"schema_version\":%d,\"run_id\":", EDGE_REPORT_SCHEMA_VERSION);
  edge_json_string (out, stream->run_id);
  g_string_append (out, ",\"stream_id\":");
  edge_json_string (out, stream->stream_id);
  g_string_append (out, ",\"source_uri\":");
  edge_json_string (out, stream->source_uri);
  g_string_append_printf (
      out, ",\"frame\":%" G_GUINT64_FORMAT ",\"pts\":", stream->frame);
  if (GST_BUFFER_PTS_IS_VALID (buf))
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, GST_BUFFER_PTS (buf));
  else
    g_string_append (out, "null");
  g_string_append_printf (out,
                          ",\"timestamp\":\"%s\",\"width\":%d,\"height\":%d,"
                          "\"classifications\":[",
                          stamp, stream->width, stream->height);
}

gboolean
edge_report_json_build (GString *out, GstBuffer *buf,
                        const EdgeReportStream *stream)
{
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  gboolean any = FALSE;

  g_string_truncate (out, 0);
  while (
      (roi = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstStructure *s
        = gst_video_region_of_interest_meta_get_param (roi, "classification");
    if (s == NULL)
      continue;
    if (!any)
      begin_report (out, buf, stream);
    else
      g_string_append_c (out, ',');
    any = TRUE;
    g_string_append_c (out, '{');
    gst_structure_foreach (s, add_field, out);
    g_string_append_printf (out,
                            "\"x\":%u,\"y\":%u,\"width\":%u,\"height\":%u}",
                            roi->x, roi->y, roi->w, roi->h);
  }
  if (any)
    g_string_append (out, "]}");
  else
    g_string_truncate (out, 0);
  return any;
}

/* the event's own fields, but those the record already has */
static gboolean
add_event_field (GQuark field, const GValue *value, gpointer user_data)
{
  const gchar *name = g_quark_to_string (field);

  if (strcmp (name, "schema_version") == 0 || strcmp (name, "stream") == 0)
    return TRUE;
  return add_field (field, value, user_data);
}

void
edge_report_json_event (GString *out, const GstStructure *event,
                        const EdgeReportStream *stream)
{
  gint64 now = g_get_real_time ();
  time_t secs = now / G_USEC_PER_SEC;
  struct tm tm;
  gchar stamp[64];

  gmtime_r (&secs, &tm);
  strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  g_snprintf (stamp + 19, sizeof (stamp) - 19, ".%06dZ",
              (gint)(now % G_USEC_PER_SEC));
  g_string_truncate (out, 0);
  g_string_append_printf (
      out, "{\"schema_version\":%d,\"run_id\":", EDGE_REPORT_SCHEMA_VERSION);
  edge_json_string (out, stream->run_id);
  g_string_append (out, ",\"stream_id\":");
  edge_json_string (out, stream->stream_id);
  g_string_append (out, ",\"source_uri\":");
  edge_json_string (out, stream->source_uri);
  g_string_append_printf (out, ",\"timestamp\":\"%s\",", stamp);
  gst_structure_foreach (event, add_event_field, out);
  /* the last field's comma */
  g_string_truncate (out, out->len - 1);
  g_string_append_c (out, '}');
}
