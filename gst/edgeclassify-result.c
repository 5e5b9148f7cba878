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
#include "edge-json.h"

#include <math.h>
#include <string.h>

/* Field names interned once: every frame builds these structures, and
 * looking a name up takes GLib's process-wide quark lock, which 32
 * streaming threads were measured queueing on. */
enum {
  Q_CLASSIFICATION,
  Q_EDGECLASSIFY,
  Q_LABEL,
  Q_LABEL_ID,
  Q_CONFIDENCE,
  Q_TOP_LABELS,
  Q_TOP_IDS,
  Q_TOP_CONFIDENCES,
  Q_MODEL,
  Q_FRAME,
  Q_PTS,
  Q_INFERENCE_US,
  Q_STALE,
  Q_AGE_FRAMES,
  Q_AGE_MS,
  Q_SCHEMA_VERSION,
  Q_X,
  Q_Y,
  Q_WIDTH,
  Q_HEIGHT,
  Q_RAW_LABEL,
  Q_RAW_LABEL_ID,
  Q_RAW_CONFIDENCE,
  Q_OBJECT_ID,
  N_QUARKS
};

static const GQuark *
quarks (void)
{
  static const gchar *names[N_QUARKS] = { "classification",
                                          "edgeclassify",
                                          "label",
                                          "label_id",
                                          "confidence",
                                          "top_labels",
                                          "top_ids",
                                          "top_confidences",
                                          "model",
                                          "frame",
                                          "pts",
                                          "inference_us",
                                          "stale",
                                          "age_frames",
                                          "age_ms",
                                          "schema_version",
                                          "x",
                                          "y",
                                          "width",
                                          "height",
                                          "raw_label",
                                          "raw_label_id",
                                          "raw_confidence",
                                          "object_id" };
  static GQuark q[N_QUARKS];
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    for (guint i = 0; i < N_QUARKS; i++)
      q[i] = g_quark_from_static_string (names[i]);
    g_once_init_leave (&done, 1);
  }
  return q;
}

GstStructure *
ec_result_to_structure (const EcEngine *e, const EcResult *r,
                        const EcStamp *stamp, gboolean message,
                        const nn_rect *rect, const EcDecided *decided)
{
  const GQuark *q = quarks ();
  GstStructure *s;
  GValue labels = G_VALUE_INIT, ids = G_VALUE_INIT, confs = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  gboolean smoothed = decided != NULL && decided->smoothed;
  gint label_id = smoothed ? decided->decision.label_id : r->label_id;
  gdouble confidence = smoothed ? decided->decision.confidence : r->confidence;

  s = gst_structure_new_id (
      q[message ? Q_EDGECLASSIFY : Q_CLASSIFICATION], q[Q_LABEL], G_TYPE_STRING,
      ec_engine_label (e, label_id), q[Q_LABEL_ID], G_TYPE_INT, label_id,
      q[Q_CONFIDENCE], G_TYPE_DOUBLE, confidence, NULL);

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
  gst_structure_id_take_value (s, q[Q_TOP_LABELS], &labels);
  gst_structure_id_take_value (s, q[Q_TOP_IDS], &ids);
  gst_structure_id_take_value (s, q[Q_TOP_CONFIDENCES], &confs);

  gst_structure_id_set (
      s, q[Q_MODEL], G_TYPE_STRING, e->name, q[Q_FRAME], G_TYPE_UINT64,
      stamp->frame, q[Q_PTS], G_TYPE_UINT64, stamp->pts, q[Q_INFERENCE_US],
      G_TYPE_DOUBLE, r->inference_us, q[Q_STALE], G_TYPE_BOOLEAN,
      stamp->age_frames != 0, q[Q_AGE_FRAMES], G_TYPE_UINT64, stamp->age_frames,
      q[Q_AGE_MS], G_TYPE_DOUBLE, stamp->age_ms, q[Q_SCHEMA_VERSION],
      G_TYPE_INT, EC_SCHEMA_VERSION, NULL);

  if (smoothed)
    gst_structure_id_set (s, q[Q_RAW_LABEL], G_TYPE_STRING,
                          ec_engine_label (e, r->label_id), q[Q_RAW_LABEL_ID],
                          G_TYPE_INT, r->label_id, q[Q_RAW_CONFIDENCE],
                          G_TYPE_DOUBLE, r->confidence, NULL);
  if (decided != NULL && decided->has_object)
    gst_structure_id_set (s, q[Q_OBJECT_ID], G_TYPE_UINT64, decided->object_id,
                          NULL);
  if (rect != NULL) {
    gst_structure_id_set (s, q[Q_X], G_TYPE_INT, rect->x, q[Q_Y], G_TYPE_INT,
                          rect->y, q[Q_WIDTH], G_TYPE_INT, rect->width,
                          q[Q_HEIGHT], G_TYPE_INT, rect->height, NULL);
  }
  return s;
}

void
ec_result_attach (const EcEngine *e, GstBuffer *buf,
                  GstVideoRegionOfInterestMeta *meta, const nn_rect *rect,
                  const EcResult *r, const EcStamp *stamp,
                  const EcDecided *decided, GPtrArray *messages)
{
  GstStructure *s;
  gint label_id = decided != NULL && decided->smoothed
                      ? decided->decision.label_id
                      : r->label_id;

  s = ec_result_to_structure (e, r, stamp, FALSE, NULL, decided);
  if (meta == NULL)
    meta = gst_buffer_add_video_region_of_interest_meta_id (
        buf, ec_engine_quark (e, label_id), rect->x, rect->y, rect->width,
        rect->height);
  gst_video_region_of_interest_meta_add_param (meta, s);
  if (messages != NULL)
    g_ptr_array_add (messages,
                     ec_result_to_structure (e, r, stamp, TRUE, rect, decided));
}

GstStructure *
ec_event_to_structure (const EcEngine *e, const EcEvent *ev,
                       const gchar *stream)
{
  static const gchar *const names[] = { "enter", "change", "leave" };

  return gst_structure_new (
      "edgeclassify-event", "event", G_TYPE_STRING, names[ev->type], "stream",
      G_TYPE_STRING, stream, "object_id", G_TYPE_UINT64, ev->object_id,
      "roi_id", G_TYPE_INT, ev->roi_id, "label", G_TYPE_STRING,
      ec_engine_label (e, ev->label_id), "label_id", G_TYPE_INT, ev->label_id,
      "previous_label", G_TYPE_STRING,
      ev->type == EC_EVENT_ENTER ? NULL : ec_engine_label (e, ev->previous_id),
      "confidence", G_TYPE_DOUBLE, ev->confidence, "dwell_ms", G_TYPE_DOUBLE,
      ev->dwell_ms, "pts", G_TYPE_UINT64, ev->pts, "frame", G_TYPE_UINT64,
      ev->frame, "schema_version", G_TYPE_INT, EC_SCHEMA_VERSION, NULL);
}

void
ec_result_append_json (GString *out, const EcEngine *e, const EcResult *r)
{
  g_string_append (out, "{\"label\":");
  edge_json_string (out, ec_engine_label (e, r->label_id));
  g_string_append_printf (out, ",\"label_id\":%d,\"confidence\":", r->label_id);
  edge_json_double (out, r->confidence);

  g_string_append (out, ",\"top_labels\":[");
  for (guint i = 0; i < r->n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    edge_json_string (out, ec_engine_label (e, r->ids[i]));
  }
  g_string_append (out, "],\"top_ids\":[");
  for (guint i = 0; i < r->n; i++)
    g_string_append_printf (out, "%s%d", i > 0 ? "," : "", r->ids[i]);
  g_string_append (out, "],\"top_confidences\":[");
  for (guint i = 0; i < r->n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    edge_json_double (out, r->confs[i]);
  }
  g_string_append (out, "],\"inference_us\":");
  edge_json_double (out, r->inference_us);
  g_string_append_printf (out,
                          ",\"x\":%d,\"y\":%d,\"width\":%d,"
                          "\"height\":%d}",
                          r->x, r->y, r->width, r->height);
}
