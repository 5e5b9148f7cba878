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
add_string (JsonBuilder *b, const gchar *str)
{
  if (str)
    json_builder_add_string_value (b, str);
  else
    json_builder_add_null_value (b);
}

static void
add_value (JsonBuilder *b, const GValue *v)
{
  GType type = G_VALUE_TYPE (v);

  if (type == G_TYPE_STRING) {
    add_string (b, g_value_get_string (v));
  } else if (type == G_TYPE_INT) {
    json_builder_add_int_value (b, g_value_get_int (v));
  } else if (type == G_TYPE_UINT) {
    json_builder_add_int_value (b, g_value_get_uint (v));
  } else if (type == G_TYPE_INT64) {
    json_builder_add_int_value (b, g_value_get_int64 (v));
  } else if (type == G_TYPE_UINT64) {
    /* all ones is "none" (GST_CLOCK_TIME_NONE) */
    if (g_value_get_uint64 (v) > G_MAXINT64)
      json_builder_add_null_value (b);
    else
      json_builder_add_int_value (b, (gint64)g_value_get_uint64 (v));
  } else if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT) {
    gdouble d = type == G_TYPE_DOUBLE ? g_value_get_double (v)
                                      : g_value_get_float (v);
    if (isfinite (d))
      json_builder_add_double_value (b, d);
    else
      json_builder_add_null_value (b);
  } else if (type == G_TYPE_BOOLEAN) {
    json_builder_add_boolean_value (b, g_value_get_boolean (v));
  } else if (GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v)) {
    gboolean array = GST_VALUE_HOLDS_ARRAY (v);
    guint n
        = array ? gst_value_array_get_size (v) : gst_value_list_get_size (v);
    json_builder_begin_array (b);
    for (guint i = 0; i < n; i++)
      add_value (b, array ? gst_value_array_get_value (v, i)
                          : gst_value_list_get_value (v, i));
    json_builder_end_array (b);
  } else {
    gchar *str = gst_value_serialize (v);
    json_builder_add_string_value (b, str ? str : "");
    g_free (str);
  }
}

static gboolean
add_field (GQuark field, const GValue *value, gpointer user_data)
{
  json_builder_set_member_name (user_data, g_quark_to_string (field));
  add_value (user_data, value);
  return TRUE;
}

gboolean
edge_report_json_build (JsonBuilder *b, GstBuffer *buf,
                        const EdgeReportStream *stream)
{
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  gboolean any = FALSE;
  gint64 now = g_get_real_time ();
  time_t secs = now / G_USEC_PER_SEC;
  struct tm tm;
  gchar stamp[64];

  json_builder_reset (b);
  while (
      (roi = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstStructure *s
        = gst_video_region_of_interest_meta_get_param (roi, "classification");
    if (s == NULL)
      continue;
    if (!any) {
      gmtime_r (&secs, &tm);
      strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%S", &tm);
      g_snprintf (stamp + 19, sizeof (stamp) - 19, ".%06dZ",
                  (gint)(now % G_USEC_PER_SEC));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "schema_version");
      json_builder_add_int_value (b, EDGE_REPORT_SCHEMA_VERSION);
      json_builder_set_member_name (b, "stream_id");
      add_string (b, stream->stream_id);
      json_builder_set_member_name (b, "source_uri");
      add_string (b, stream->source_uri);
      json_builder_set_member_name (b, "frame");
      json_builder_add_int_value (b, stream->frame);
      json_builder_set_member_name (b, "pts");
      if (GST_BUFFER_PTS_IS_VALID (buf))
        json_builder_add_int_value (b, GST_BUFFER_PTS (buf));
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "timestamp");
      json_builder_add_string_value (b, stamp);
      json_builder_set_member_name (b, "width");
      json_builder_add_int_value (b, stream->width);
      json_builder_set_member_name (b, "height");
      json_builder_add_int_value (b, stream->height);
      json_builder_set_member_name (b, "classifications");
      json_builder_begin_array (b);
      any = TRUE;
    }
    json_builder_begin_object (b);
    gst_structure_foreach (s, add_field, b);
    json_builder_set_member_name (b, "x");
    json_builder_add_int_value (b, roi->x);
    json_builder_set_member_name (b, "y");
    json_builder_add_int_value (b, roi->y);
    json_builder_set_member_name (b, "width");
    json_builder_add_int_value (b, roi->w);
    json_builder_set_member_name (b, "height");
    json_builder_add_int_value (b, roi->h);
    json_builder_end_object (b);
  }
  if (any) {
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  return any;
}
