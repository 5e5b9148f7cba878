/* edgeclassify: results as GstStructure, message and JSON
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

#include "edgeclassify-result.h"

#include <math.h>
#include <string.h>

GstStructure *
ec_result_to_structure (const EcEngine *e, const EcResult *r,
                        const EcStamp *stamp, const gchar *name,
                        const nn_rect *rect)
{
  GstStructure *s;
  GValue labels = G_VALUE_INIT, ids = G_VALUE_INIT, confs = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;

  s = gst_structure_new (name, "label", G_TYPE_STRING,
                         ec_engine_label (e, r->label_id), "label_id",
                         G_TYPE_INT, r->label_id, "confidence", G_TYPE_DOUBLE,
                         r->confidence, NULL);

  /* GstValueArray (GST_TYPE_ARRAY): ordered, typed, serialises as < > */
  gst_value_array_init (&labels, r->n);
  gst_value_array_init (&ids, r->n);
  gst_value_array_init (&confs, r->n);
  for (guint i = 0; i < r->n; i++) {
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v, ec_engine_label (e, r->ids[i]));
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, r->ids[i]);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, r->confs[i]);
    gst_value_array_append_and_take_value (&confs, &v);
  }
  gst_structure_take_value (s, "top_labels", &labels);
  gst_structure_take_value (s, "top_ids", &ids);
  gst_structure_take_value (s, "top_confidences", &confs);

  gst_structure_set (
      s, "model", G_TYPE_STRING, e->name, "frame", G_TYPE_UINT64, stamp->frame,
      "pts", G_TYPE_UINT64, stamp->pts, "inference_us", G_TYPE_DOUBLE,
      r->inference_us, "stale", G_TYPE_BOOLEAN, stamp->age_frames != 0,
      "age_frames", G_TYPE_UINT64, stamp->age_frames, "age_ms", G_TYPE_DOUBLE,
      stamp->age_ms, "schema_version", G_TYPE_INT, EC_SCHEMA_VERSION, NULL);

  if (rect != NULL) {
    gst_structure_set (s, "x", G_TYPE_INT, rect->x, "y", G_TYPE_INT, rect->y,
                       "width", G_TYPE_INT, rect->width, "height", G_TYPE_INT,
                       rect->height, NULL);
  }
  return s;
}

void
ec_result_attach (const EcEngine *e, GstBuffer *buf,
                  GstVideoRegionOfInterestMeta *meta, const nn_rect *rect,
                  const EcResult *r, const EcStamp *stamp, GPtrArray *messages)
{
  GstStructure *s;

  s = ec_result_to_structure (e, r, stamp, "classification", NULL);
  if (meta == NULL)
    meta = gst_buffer_add_video_region_of_interest_meta_id (
        buf, ec_engine_quark (e, r->label_id), rect->x, rect->y, rect->width,
        rect->height);
  gst_video_region_of_interest_meta_add_param (meta, s);
  if (messages != NULL)
    g_ptr_array_add (
        messages, ec_result_to_structure (e, r, stamp, "edgeclassify", rect));
}

void
ec_json_append_string (GString *out, const gchar *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *)s; *p; p++) {
    switch (*p) {
    case '"':
      g_string_append (out, "\\\"");
      break;
    case '\\':
      g_string_append (out, "\\\\");
      break;
    case '\n':
      g_string_append (out, "\\n");
      break;
    case '\r':
      g_string_append (out, "\\r");
      break;
    case '\t':
      g_string_append (out, "\\t");
      break;
    default:
      if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (gchar)*p);
      break;
    }
  }
  g_string_append_c (out, '"');
}

/* The shortest decimal that reads back as @d, ".0" on whole numbers: the
 * same text edgereport writes for the same number */
static void
ec_json_append_double (GString *out, gdouble d)
{
  static const gchar *const formats[] = { "%.15g", "%.16g", "%.17g" };
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d)) {
    g_string_append (out, "null");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_ascii_formatd (buf, sizeof buf, formats[i], d);
    if (g_ascii_strtod (buf, NULL) == d)
      break;
  }
  g_string_append (out, buf);
  if (strpbrk (buf, ".e") == NULL)
    g_string_append (out, ".0");
}

void
ec_result_append_json (GString *out, const EcEngine *e, const EcResult *r)
{
  g_string_append (out, "{\"label\":");
  ec_json_append_string (out, ec_engine_label (e, r->label_id));
  g_string_append_printf (out, ",\"label_id\":%d,\"confidence\":", r->label_id);
  ec_json_append_double (out, r->confidence);

  g_string_append (out, ",\"top_labels\":[");
  for (guint i = 0; i < r->n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    ec_json_append_string (out, ec_engine_label (e, r->ids[i]));
  }
  g_string_append (out, "],\"top_ids\":[");
  for (guint i = 0; i < r->n; i++)
    g_string_append_printf (out, "%s%d", i > 0 ? "," : "", r->ids[i]);
  g_string_append (out, "],\"top_confidences\":[");
  for (guint i = 0; i < r->n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    ec_json_append_double (out, r->confs[i]);
  }
  g_string_append (out, "],\"inference_us\":");
  ec_json_append_double (out, r->inference_us);
  g_string_append_printf (out,
                          ",\"x\":%d,\"y\":%d,\"width\":%d,"
                          "\"height\":%d}",
                          r->x, r->y, r->width, r->height);
}
