/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-edgereport
 * @title: edgereport
 * @see_also: edgeclassify, edgeoverlay
 *
 * Writes one JSON object per frame that carries classification results
 * (#GstVideoRegionOfInterestMeta with a "classification" param, full-frame
 * results included) to a file, one object a line, and/or publishes it to
 * an MQTT broker. Each object names the stream (its stream id and, when
 * upstream tells it, the source URI without credentials), the frame number,
 * PTS and UTC wall-clock time, and holds every classification:
 *
 * |[
 * {"schema_version":1,"run_id":"6f1c…","stream_id":"…",
 *  "source_uri":"rtsp://cam/stream","frame":41,"pts":1366666666,
 *  "timestamp":"2025-05-01T12:00:01.234567Z","width":640,"height":480,
 *  "classifications":[{"label":"cat","label_id":3,"confidence":0.81,
 *  "top_labels":["cat","dog"],…,"x":0,"y":0,"width":640,"height":480}]}
 * ]|
 *
 * "run_id" is new at every start, so ("run_id", "stream_id", "frame")
 * names a record once for all.
 *
 * Outputs (each in a file of its own, see edgereport-output.h): the file
 * (#GstEdgeReport:location) and MQTT (#GstEdgeReport:mqtt-host). The MQTT
 * publisher works in a thread of its own, connecting from the start and
 * again whenever the broker is away (at most
 * #GstEdgeReport:reconnect-max-delay apart); the streaming thread only
 * hands records over. Results wait in memory (#GstEdgeReport:max-queue,
 * oldest dropped) or, with #GstEdgeReport:spool-dir, on disk up to
 * #GstEdgeReport:spool-max-bytes, and are published in order.
 *
 * With #GstEdgeReport:metrics-port set, the element also serves /metrics
 * over HTTP (Prometheus text format, or OpenMetrics when asked): the
 * numbers of every edgeclassify and every edgereport of the process.
 *
 * Every result lost is counted in #GstEdgeReport:dropped and announced: a
 * warning on the bus and an element message "edgereport-dropped" (fields
 * "dropped", "output", "reason", "max-queue", "spool-max-bytes") at the
 * first loss, then at most every five seconds while losses go on, and at
 * end of stream and stop for what is left. docs/edgereport.md has the
 * whole reference.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://camera/stream ! decodebin ! \
 *     videoconvert ! edgeclassify model=model.onnx labels=labels.txt ! \
 *     edgereport location=results.jsonl mqtt-host=127.0.0.1 \
 *     mqtt-topic=cameras/door ! fakesink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstedgereport.h"
#include "edgereport-json.h"
#include "edgereport-output.h"

GST_DEBUG_CATEGORY (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

struct _GstEdgeReport {
  GstBaseTransform parent;

  /* properties (object lock): each output's settings, in its own struct */
  gpointer *settings;
  gboolean events_only;

  /* resources (start..stop); outputs and dropped also under the object
   * lock */
  EdgeOutput **outputs; /* one per wanted output, NULL-terminated */
  guint64 dropped;      /* of the last run, once stopped */
  gchar *run_id;        /* random, new at every start */
  GString *line;        /* the record being made */
  gboolean only_events; /* events-only, as it was at start */

  /* streaming thread */
  gchar *stream_id;
  gchar *source_uri;
  gboolean uri_queried;
  guint64 frames;
  gint width, height;
};

/* Property ids: PROP_DROPPED, then every output's table in turn */
enum {
  PROP_0,
  PROP_DROPPED,
  PROP_EVENTS_ONLY,
  PROP_FIRST_OUTPUT,
};

/* what each property id past PROP_FIRST_OUTPUT stands for */
typedef struct {
  guint output; /* index in edge_outputs[] */
  const EdgeProp *prop;
} PropEntry;

static PropEntry *prop_entries;
static guint n_prop_entries, n_output_classes;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_edge_report_parent_class parent_class
G_DEFINE_TYPE (GstEdgeReport, gst_edge_report, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (edgereport, "edgereport", GST_RANK_NONE,
                             GST_TYPE_EDGE_REPORT);

static void gst_edge_report_set_property (GObject *object, guint prop_id,
                                          const GValue *value,
                                          GParamSpec *pspec);
static void gst_edge_report_get_property (GObject *object, guint prop_id,
                                          GValue *value, GParamSpec *pspec);
static void gst_edge_report_finalize (GObject *object);
static gboolean gst_edge_report_start (GstBaseTransform *trans);
static gboolean gst_edge_report_stop (GstBaseTransform *trans);
static gboolean gst_edge_report_set_caps (GstBaseTransform *trans,
                                          GstCaps *incaps, GstCaps *outcaps);
static gboolean gst_edge_report_sink_event (GstBaseTransform *trans,
                                            GstEvent *event);
static GstFlowReturn gst_edge_report_transform_ip (GstBaseTransform *trans,
                                                   GstBuffer *buf);

static void
gst_edge_report_class_init (GstEdgeReportClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  guint id = PROP_FIRST_OUTPUT;

  gobject_class->set_property = gst_edge_report_set_property;
  gobject_class->get_property = gst_edge_report_get_property;
  gobject_class->finalize = gst_edge_report_finalize;

  /* the outputs' properties (documented in their files) */
  for (n_output_classes = 0; edge_outputs[n_output_classes]; n_output_classes++)
    n_prop_entries += edge_outputs[n_output_classes]->n_props;
  prop_entries = g_new0 (PropEntry, n_prop_entries);
  for (guint o = 0; o < n_output_classes; o++) {
    for (guint p = 0; p < edge_outputs[o]->n_props; p++, id++) {
      prop_entries[id - PROP_FIRST_OUTPUT].output = o;
      prop_entries[id - PROP_FIRST_OUTPUT].prop = &edge_outputs[o]->props[p];
      edge_prop_install (gobject_class, id, &edge_outputs[o]->props[p]);
    }
  }
  /**
   * GstEdgeReport:dropped:
   *
   * Results lost since start, over all outputs (after stop: those of the
   * last run).
   */
  g_object_class_install_property (
      gobject_class, PROP_DROPPED,
      g_param_spec_uint64 (
          "dropped", "Dropped", "Results lost since start, over all outputs", 0,
          G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEdgeReport:events-only:
   *
   * Write and publish only edgeclassify's decision events (enter, change,
   * leave: docs/metadata.md), one record each, instead of one record per
   * frame. They reach edgereport as serialized downstream events, in
   * order with the frames. Read at start.
   */
  g_object_class_install_property (
      gobject_class, PROP_EVENTS_ONLY,
      g_param_spec_boolean ("events-only", "Events only",
                            "Report only decision events (enter, change, "
                            "leave), not every frame",
                            FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (
      element_class, "Classification report", "Filter/Metadata",
      "Writes classification results as JSON lines to a file or MQTT",
      "The edgeclassify authors");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_edge_report_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_edge_report_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_edge_report_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_edge_report_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_edge_report_transform_ip);

  GST_DEBUG_CATEGORY_INIT (gst_edge_report_debug, "edgereport", 0,
                           "classification report");
}

static void
gst_edge_report_init (GstEdgeReport *self)
{
  self->settings = g_new0 (gpointer, n_output_classes);
  for (guint o = 0; o < n_output_classes; o++) {
    self->settings[o] = g_malloc0 (edge_outputs[o]->settings_size);
    edge_props_init (edge_outputs[o]->props, edge_outputs[o]->n_props,
                     self->settings[o]);
  }
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static const PropEntry *
prop_entry (guint prop_id)
{
  if (prop_id < PROP_FIRST_OUTPUT
      || prop_id - PROP_FIRST_OUTPUT >= n_prop_entries)
    return NULL;
  return &prop_entries[prop_id - PROP_FIRST_OUTPUT];
}

static void
gst_edge_report_set_property (GObject *object, guint prop_id,
                              const GValue *value, GParamSpec *pspec)
{
  GstEdgeReport *self = GST_EDGE_REPORT (object);
  const PropEntry *e = prop_entry (prop_id);

  if (prop_id == PROP_EVENTS_ONLY) {
    GST_OBJECT_LOCK (self);
    self->events_only = g_value_get_boolean (value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  if (e == NULL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (self);
  edge_prop_set_value (e->prop, self->settings[e->output], value);
  GST_OBJECT_UNLOCK (self);
}

/* Called with the object lock held */
static guint64
dropped_locked (GstEdgeReport *self)
{
  EdgeOutputStats stats;
  guint64 dropped = 0;

  if (self->outputs == NULL)
    return self->dropped;
  for (EdgeOutput **out = self->outputs; *out; out++) {
    edge_output_stats (*out, &stats);
    dropped += stats.dropped;
  }
  return dropped;
}

static void
gst_edge_report_get_property (GObject *object, guint prop_id, GValue *value,
                              GParamSpec *pspec)
{
  GstEdgeReport *self = GST_EDGE_REPORT (object);
  const PropEntry *e = prop_entry (prop_id);
  GValue v = G_VALUE_INIT;

  GST_OBJECT_LOCK (self);
  if (e) {
    edge_prop_get_value (e->prop, self->settings[e->output], &v);
    g_value_copy (&v, value);
    g_value_unset (&v);
  } else if (prop_id == PROP_DROPPED) {
    g_value_set_uint64 (value, dropped_locked (self));
  } else if (prop_id == PROP_EVENTS_ONLY) {
    g_value_set_boolean (value, self->events_only);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_edge_report_finalize (GObject *object)
{
  GstEdgeReport *self = GST_EDGE_REPORT (object);

  for (guint o = 0; o < n_output_classes; o++) {
    edge_props_clear (edge_outputs[o]->props, edge_outputs[o]->n_props,
                      self->settings[o]);
    g_free (self->settings[o]);
  }
  g_free (self->settings);
  g_free (self->stream_id);
  g_free (self->source_uri);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The rules of @klass's numbers; FALSE after posting an error */
static gboolean
check_settings (GstEdgeReport *self, const EdgeOutputClass *klass,
                gconstpointer settings)
{
  gchar *value = NULL;
  const EdgeProp *bad
      = edge_props_check (klass->props, klass->n_props, settings, &value);

  if (bad == NULL)
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
                     ("Invalid %s %s: it must be from %" G_GINT64_FORMAT
                      " to %" G_GINT64_FORMAT ".",
                      bad->name, value, bad->min, bad->max),
                     (NULL));
  g_free (value);
  return FALSE;
}

/* Whether one of @outputs delivers records (the metrics server does not) */
static gboolean
delivers (EdgeOutput **outputs)
{
  for (EdgeOutput **out = outputs; *out; out++)
    if ((*out)->klass->stats)
      return TRUE;
  return FALSE;
}

static gboolean
gst_edge_report_start (GstBaseTransform *trans)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  EdgeOutput **outputs = g_new0 (EdgeOutput *, n_output_classes + 1);
  gpointer *settings = g_new0 (gpointer, n_output_classes);
  gboolean ok = TRUE;
  guint n = 0;

  /* a snapshot of the settings, opened without the lock */
  GST_OBJECT_LOCK (self);
  for (guint o = 0; o < n_output_classes; o++) {
    settings[o] = g_malloc0 (edge_outputs[o]->settings_size);
    edge_props_copy (edge_outputs[o]->props, edge_outputs[o]->n_props,
                     settings[o], self->settings[o]);
  }
  self->dropped = 0;
  self->only_events = self->events_only;
  GST_OBJECT_UNLOCK (self);

  for (guint o = 0; ok && o < n_output_classes; o++) {
    if (!edge_outputs[o]->wanted (settings[o]))
      continue;
    ok = check_settings (self, edge_outputs[o], settings[o]);
    if (ok) {
      outputs[n] = edge_outputs[o]->open (GST_ELEMENT (self), settings[o]);
      ok = outputs[n++] != NULL;
    }
  }
  if (ok && !delivers (outputs))
    GST_WARNING_OBJECT (self, "neither location nor mqtt-host is set: "
                              "results go nowhere");

  for (guint o = 0; o < n_output_classes; o++) {
    edge_props_clear (edge_outputs[o]->props, edge_outputs[o]->n_props,
                      settings[o]);
    g_free (settings[o]);
  }
  g_free (settings);
  if (!ok) {
    for (guint i = 0; i < n && outputs[i]; i++) {
      outputs[i]->klass->close (outputs[i]);
      edge_output_free (outputs[i]);
    }
    g_free (outputs);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  self->outputs = outputs;
  GST_OBJECT_UNLOCK (self);
  edge_outputs_publish (GST_ELEMENT (self), outputs);
  self->run_id = g_uuid_string_random ();
  self->line = g_string_sized_new (1024);
  self->frames = 0;
  GST_INFO_OBJECT (self, "run_id %s", self->run_id);
  self->uri_queried = FALSE;
  return TRUE;
}

static gboolean
gst_edge_report_stop (GstBaseTransform *trans)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  EdgeOutput **outputs;
  guint64 dropped = 0;

  GST_OBJECT_LOCK (self);
  self->dropped = dropped_locked (self);
  outputs = g_steal_pointer (&self->outputs);
  GST_OBJECT_UNLOCK (self);
  if (outputs)
    edge_outputs_withdraw (outputs);

  for (EdgeOutput **out = outputs; out && *out; out++) {
    (*out)->klass->close (*out);
    edge_output_announce (*out);
    g_mutex_lock (&(*out)->lock);
    dropped += (*out)->dropped;
    g_mutex_unlock (&(*out)->lock);
    edge_output_free (*out);
  }
  g_free (outputs);
  GST_OBJECT_LOCK (self);
  self->dropped = dropped;
  GST_OBJECT_UNLOCK (self);

  g_clear_pointer (&self->run_id, g_free);
  if (self->line)
    g_string_free (self->line, TRUE);
  self->line = NULL;
  g_clear_pointer (&self->stream_id, g_free);
  g_clear_pointer (&self->source_uri, g_free);
  return TRUE;
}

static gboolean
gst_edge_report_set_caps (GstBaseTransform *trans, GstCaps *incaps,
                          GstCaps *outcaps)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  GstStructure *s = gst_caps_get_structure (incaps, 0);

  if (!gst_structure_get_int (s, "width", &self->width))
    self->width = 0;
  if (!gst_structure_get_int (s, "height", &self->height))
    self->height = 0;
  return TRUE;
}

static void
set_source_uri (GstEdgeReport *self, const gchar *uri)
{
  g_free (self->source_uri);
  self->source_uri = edge_report_public_uri (uri);
  GST_INFO_OBJECT (self, "source URI: %s", self->source_uri);
}

static void
send_event (GstEdgeReport *self, EdgeEventType type)
{
  EdgeEvent event = { type, self->stream_id };

  for (EdgeOutput **out = self->outputs; out && *out; out++) {
    if ((*out)->klass->write_event)
      (*out)->klass->write_event (*out, &event);
    /* what was lost is known by now: say it before the pipeline ends */
    if (type == EDGE_EVENT_EOS)
      edge_output_announce (*out);
  }
}

static void stream_of (GstEdgeReport *self, EdgeReportStream *stream);
static void query_source_uri (GstEdgeReport *self);

/* events-only: one record for a decision event of edgeclassify */
static void
report_decision (GstEdgeReport *self, const GstStructure *s)
{
  EdgeReportStream stream;
  EdgeRecord record;
  GstFlowReturn ret = GST_FLOW_OK;

  stream_of (self, &stream);
  edge_report_json_event (self->line, s, &stream);
  record.line = self->line->str;
  record.len = self->line->len;
  record.run_id = self->run_id;
  record.stream_id = self->stream_id;
  record.frame = self->frames;
  record.buffer = NULL;
  for (EdgeOutput **out = self->outputs; *out && ret == GST_FLOW_OK; out++)
    ret = (*out)->klass->write_result (*out, &record);
}

static gboolean
gst_edge_report_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  const gchar *id;
  GstTagList *tags;
  gchar *uri;

  switch (GST_EVENT_TYPE (event)) {
  case GST_EVENT_STREAM_START:
    gst_event_parse_stream_start (event, &id);
    g_free (self->stream_id);
    self->stream_id = g_strdup (id);
    self->uri_queried = FALSE;
    send_event (self, EDGE_EVENT_STREAM_START);
    break;
  case GST_EVENT_EOS:
    send_event (self, EDGE_EVENT_EOS);
    break;
  case GST_EVENT_CUSTOM_DOWNSTREAM:
    if (self->only_events && self->outputs
        && gst_event_has_name (event, "edgeclassify-event")) {
      if (!self->uri_queried)
        query_source_uri (self);
      report_decision (self, gst_event_get_structure (event));
    }
    break;
  case GST_EVENT_TAG:
    gst_event_parse_tag (event, &tags);
    if (self->source_uri == NULL
        && gst_tag_list_get_string (tags, GST_TAG_LOCATION, &uri)) {
      set_source_uri (self, uri);
      g_free (uri);
    }
    break;
  default:
    break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* Once per stream: ask the source for its URI */
static void
query_source_uri (GstEdgeReport *self)
{
  GstQuery *query = gst_query_new_uri ();
  gchar *uri = NULL;

  self->uri_queried = TRUE;
  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), query)) {
    gst_query_parse_uri (query, &uri);
    if (uri)
      set_source_uri (self, uri);
    g_free (uri);
  }
  gst_query_unref (query);
}

static void
stream_of (GstEdgeReport *self, EdgeReportStream *stream)
{
  stream->run_id = self->run_id;
  stream->stream_id = self->stream_id;
  stream->source_uri = self->source_uri;
  stream->frame = self->frames;
  stream->width = self->width;
  stream->height = self->height;
}

static GstFlowReturn
gst_edge_report_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  GstFlowReturn ret = GST_FLOW_OK;
  EdgeReportStream stream;
  EdgeRecord record;

  if (!self->uri_queried)
    query_source_uri (self);
  stream_of (self, &stream);
  if (self->only_events || !edge_report_json_build (self->line, buf, &stream))
    goto done;

  record.line = self->line->str;
  record.len = self->line->len;
  record.run_id = self->run_id;
  record.stream_id = self->stream_id;
  record.frame = self->frames;
  record.buffer = buf;
  /* the outputs are only replaced in start/stop, not while streaming */
  for (EdgeOutput **out = self->outputs; *out && ret == GST_FLOW_OK; out++)
    ret = (*out)->klass->write_result (*out, &record);

done:
  self->frames++;
  return ret;
}
