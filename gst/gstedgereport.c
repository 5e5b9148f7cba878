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
 * {"schema_version":1,"stream_id":"…","source_uri":"rtsp://cam/stream",
 *  "frame":41,"pts":1366666666,"timestamp":"2025-05-01T12:00:01.234567Z",
 *  "width":640,"height":480,"classifications":[{"label":"cat",
 *  "label_id":3,"confidence":0.81,"top_labels":["cat","dog"],…,
 *  "x":0,"y":0,"width":640,"height":480}]}
 * ]|
 *
 * The MQTT client connects in the background and reconnects with a growing
 * delay; the streaming thread only puts messages on a queue of
 * #GstEdgeReport:max-queue messages. While the broker is away the oldest
 * messages are dropped: #GstEdgeReport:dropped counts them, and a warning
 * and an element message named "edgereport-dropped" (fields "dropped" and
 * "max-queue") are posted at most every five seconds while it happens.
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
#include "edgereport-mqtt.h"

#include <errno.h>
#include <stdio.h>

GST_DEBUG_CATEGORY_STATIC (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

#define DROP_REPORT_INTERVAL (5 * G_TIME_SPAN_SECOND)
#define DRAIN_MS 2000 /* how long stop() lets the queue empty */

struct _GstEdgeReport {
  GstBaseTransform parent;

  /* properties (object lock) */
  gchar *location;
  gchar *mqtt_host;
  gint mqtt_port;
  gchar *mqtt_topic;
  gchar *mqtt_client_id;
  gint mqtt_qos;
  gchar *tls_ca_file, *tls_cert_file, *tls_key_file;
  guint max_queue;

  /* resources (start..stop); mqtt and dropped also under the object lock */
  FILE *file; /* stdout for "-" */
  gchar *file_name;
  EdgeMqtt *mqtt;
  guint64 dropped; /* of the last run, once stopped */
  JsonBuilder *builder;
  JsonGenerator *generator;

  /* streaming thread */
  gchar *stream_id;
  gchar *source_uri;
  gboolean uri_queried;
  guint64 frames;
  gint width, height;
  gint64 last_drop_report;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_MQTT_HOST,
  PROP_MQTT_PORT,
  PROP_MQTT_TOPIC,
  PROP_MQTT_CLIENT_ID,
  PROP_MQTT_QOS,
  PROP_MQTT_TLS_CA_FILE,
  PROP_MQTT_TLS_CERT_FILE,
  PROP_MQTT_TLS_KEY_FILE,
  PROP_MAX_QUEUE,
  PROP_DROPPED,
};

#define DEFAULT_MQTT_PORT 1883
#define DEFAULT_MQTT_TOPIC "edgeclassify/results"
#define DEFAULT_MQTT_QOS 0
#define DEFAULT_MAX_QUEUE 100

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
install_string (GObjectClass *gobject_class, guint prop_id, const gchar *name,
                const gchar *blurb, const gchar *def)
{
  g_object_class_install_property (
      gobject_class, prop_id,
      g_param_spec_string (name, name, blurb, def,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                               | GST_PARAM_MUTABLE_READY));
}

static void
gst_edge_report_class_init (GstEdgeReportClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags flags
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_edge_report_set_property;
  gobject_class->get_property = gst_edge_report_get_property;
  gobject_class->finalize = gst_edge_report_finalize;

  /**
   * GstEdgeReport:location:
   *
   * File that receives one JSON object a line, appended and flushed line
   * by line; "-" is the standard output. Unset: no file.
   */
  install_string (gobject_class, PROP_LOCATION, "location",
                  "File to append JSON lines to (\"-\": standard output)",
                  NULL);
  /**
   * GstEdgeReport:mqtt-host:
   *
   * Host name or address of the MQTT broker. Unset: no MQTT.
   */
  install_string (gobject_class, PROP_MQTT_HOST, "mqtt-host",
                  "MQTT broker host (unset: no MQTT)", NULL);
  /**
   * GstEdgeReport:mqtt-port:
   *
   * TCP port of the MQTT broker.
   */
  g_object_class_install_property (
      gobject_class, PROP_MQTT_PORT,
      g_param_spec_int ("mqtt-port", "MQTT port", "MQTT broker port", 1, 65535,
                        DEFAULT_MQTT_PORT, flags));
  /**
   * GstEdgeReport:mqtt-topic:
   *
   * Topic the JSON objects are published to.
   */
  install_string (gobject_class, PROP_MQTT_TOPIC, "mqtt-topic",
                  "MQTT topic to publish to", DEFAULT_MQTT_TOPIC);
  /**
   * GstEdgeReport:mqtt-client-id:
   *
   * MQTT client identifier; unset, a random one is used.
   */
  install_string (gobject_class, PROP_MQTT_CLIENT_ID, "mqtt-client-id",
                  "MQTT client identifier (unset: random)", NULL);
  /**
   * GstEdgeReport:mqtt-qos:
   *
   * MQTT quality of service: 0 (at most once) or 1 (at least once).
   */
  g_object_class_install_property (
      gobject_class, PROP_MQTT_QOS,
      g_param_spec_int ("mqtt-qos", "MQTT QoS", "MQTT quality of service", 0, 1,
                        DEFAULT_MQTT_QOS, flags));
  /**
   * GstEdgeReport:mqtt-tls-ca-file:
   *
   * PEM file of the certificate authorities that sign the broker's
   * certificate. Setting it (or a client certificate) turns on TLS.
   */
  install_string (gobject_class, PROP_MQTT_TLS_CA_FILE, "mqtt-tls-ca-file",
                  "PEM file of the CAs trusted for the broker (turns on TLS)",
                  NULL);
  /**
   * GstEdgeReport:mqtt-tls-cert-file:
   *
   * PEM client certificate, for brokers that require one.
   */
  install_string (gobject_class, PROP_MQTT_TLS_CERT_FILE, "mqtt-tls-cert-file",
                  "PEM client certificate", NULL);
  /**
   * GstEdgeReport:mqtt-tls-key-file:
   *
   * PEM private key of the client certificate.
   */
  install_string (gobject_class, PROP_MQTT_TLS_KEY_FILE, "mqtt-tls-key-file",
                  "PEM private key of the client certificate", NULL);
  /**
   * GstEdgeReport:max-queue:
   *
   * Most messages waiting for the MQTT broker; beyond it the oldest are
   * dropped.
   */
  g_object_class_install_property (
      gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Max queue",
                         "Most messages waiting for the MQTT broker", 1,
                         G_MAXINT, DEFAULT_MAX_QUEUE, flags));
  /**
   * GstEdgeReport:dropped:
   *
   * Messages dropped because the MQTT queue was full (since start).
   */
  g_object_class_install_property (
      gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
                           "Messages dropped because the MQTT queue was full",
                           0, G_MAXUINT64, 0,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
  self->mqtt_port = DEFAULT_MQTT_PORT;
  self->mqtt_topic = g_strdup (DEFAULT_MQTT_TOPIC);
  self->mqtt_qos = DEFAULT_MQTT_QOS;
  self->max_queue = DEFAULT_MAX_QUEUE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static gchar **
string_prop (GstEdgeReport *self, guint prop_id)
{
  switch (prop_id) {
  case PROP_LOCATION:
    return &self->location;
  case PROP_MQTT_HOST:
    return &self->mqtt_host;
  case PROP_MQTT_TOPIC:
    return &self->mqtt_topic;
  case PROP_MQTT_CLIENT_ID:
    return &self->mqtt_client_id;
  case PROP_MQTT_TLS_CA_FILE:
    return &self->tls_ca_file;
  case PROP_MQTT_TLS_CERT_FILE:
    return &self->tls_cert_file;
  case PROP_MQTT_TLS_KEY_FILE:
    return &self->tls_key_file;
  default:
    return NULL;
  }
}

static void
gst_edge_report_set_property (GObject *object, guint prop_id,
                              const GValue *value, GParamSpec *pspec)
{
  GstEdgeReport *self = GST_EDGE_REPORT (object);
  gchar **str = string_prop (self, prop_id);

  GST_OBJECT_LOCK (self);
  if (str) {
    g_free (*str);
    *str = g_value_dup_string (value);
  } else if (prop_id == PROP_MQTT_PORT) {
    self->mqtt_port = g_value_get_int (value);
  } else if (prop_id == PROP_MQTT_QOS) {
    self->mqtt_qos = g_value_get_int (value);
  } else if (prop_id == PROP_MAX_QUEUE) {
    self->max_queue = g_value_get_uint (value);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_edge_report_get_property (GObject *object, guint prop_id, GValue *value,
                              GParamSpec *pspec)
{
  GstEdgeReport *self = GST_EDGE_REPORT (object);
  gchar **str = string_prop (self, prop_id);

  GST_OBJECT_LOCK (self);
  if (str) {
    g_value_set_string (value, *str);
  } else if (prop_id == PROP_MQTT_PORT) {
    g_value_set_int (value, self->mqtt_port);
  } else if (prop_id == PROP_MQTT_QOS) {
    g_value_set_int (value, self->mqtt_qos);
  } else if (prop_id == PROP_MAX_QUEUE) {
    g_value_set_uint (value, self->max_queue);
  } else if (prop_id == PROP_DROPPED) {
    g_value_set_uint64 (value, self->mqtt ? edge_mqtt_get_dropped (self->mqtt)
                                          : self->dropped);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_edge_report_finalize (GObject *object)
{
  GstEdgeReport *self = GST_EDGE_REPORT (object);

  for (guint p = PROP_LOCATION; p <= PROP_MQTT_TLS_KEY_FILE; p++)
    if (string_prop (self, p))
      g_free (*string_prop (self, p));
  g_free (self->stream_id);
  g_free (self->source_uri);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static gboolean
gst_edge_report_start (GstBaseTransform *trans)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  EdgeMqttConfig cfg = { 0 };
  EdgeMqtt *mqtt = NULL;
  GError *err = NULL;
  gchar *location, *host, *topic, *client_id, *ca, *cert, *key;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  host = g_strdup (self->mqtt_host);
  topic = g_strdup (self->mqtt_topic);
  client_id = g_strdup (self->mqtt_client_id);
  ca = g_strdup (self->tls_ca_file);
  cert = g_strdup (self->tls_cert_file);
  key = g_strdup (self->tls_key_file);
  cfg.port = self->mqtt_port;
  cfg.qos = self->mqtt_qos;
  cfg.max_queue = self->max_queue;
  self->dropped = 0;
  GST_OBJECT_UNLOCK (self);

  if (location == NULL && host == NULL)
    GST_WARNING_OBJECT (self, "neither location nor mqtt-host is set: "
                              "results go nowhere");
  if (location && g_strcmp0 (location, "-") == 0) {
    self->file = stdout;
  } else if (location) {
    self->file = fopen (location, "a");
    if (self->file == NULL)
      goto open_failed;
  }
  self->file_name = g_steal_pointer (&location);

  if (host) {
    cfg.host = host;
    cfg.topic = topic ? topic : DEFAULT_MQTT_TOPIC;
    cfg.client_id = client_id;
    cfg.ca_file = ca;
    cfg.cert_file = cert;
    cfg.key_file = key;
    mqtt = edge_mqtt_new (&cfg, GST_OBJECT (self), &err);
    if (mqtt == NULL)
      goto mqtt_failed;
    GST_OBJECT_LOCK (self);
    self->mqtt = mqtt;
    GST_OBJECT_UNLOCK (self);
  }

  self->builder = json_builder_new ();
  self->generator = json_generator_new ();
  self->frames = 0;
  self->last_drop_report = 0;
  self->uri_queried = FALSE;
  g_free (host);
  g_free (topic);
  g_free (client_id);
  g_free (ca);
  g_free (cert);
  g_free (key);
  return TRUE;

  /* ERRORS */
open_failed : {
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
                     ("Could not open file \"%s\" for writing.", location),
                     GST_ERROR_SYSTEM);
  goto failed;
}
mqtt_failed : {
  GST_ELEMENT_ERROR (
      self, RESOURCE, SETTINGS,
      ("Could not set up the MQTT client for %s:%d.", host, cfg.port),
      ("%s", err->message));
  g_clear_error (&err);
  goto failed;
}
failed : {
  gst_edge_report_stop (trans);
  g_free (location);
  g_free (host);
  g_free (topic);
  g_free (client_id);
  g_free (ca);
  g_free (cert);
  g_free (key);
  return FALSE;
}
}

static gboolean
gst_edge_report_stop (GstBaseTransform *trans)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  EdgeMqtt *mqtt;

  GST_OBJECT_LOCK (self);
  mqtt = g_steal_pointer (&self->mqtt);
  if (mqtt)
    self->dropped = edge_mqtt_get_dropped (mqtt);
  GST_OBJECT_UNLOCK (self);
  if (mqtt)
    edge_mqtt_free (mqtt, DRAIN_MS);

  if (self->file && self->file != stdout)
    fclose (self->file);
  else if (self->file)
    fflush (self->file);
  self->file = NULL;
  g_clear_pointer (&self->file_name, g_free);
  g_clear_object (&self->builder);
  g_clear_object (&self->generator);
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
report_drops (GstEdgeReport *self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 dropped = edge_mqtt_get_dropped (self->mqtt);
  guint max_queue;

  if (self->last_drop_report != 0
      && now - self->last_drop_report < DROP_REPORT_INTERVAL)
    return;
  self->last_drop_report = now;
  GST_OBJECT_LOCK (self);
  max_queue = self->max_queue;
  GST_OBJECT_UNLOCK (self);
  GST_WARNING_OBJECT (self,
                      "MQTT queue full (%u messages): %" G_GUINT64_FORMAT
                      " results dropped so far",
                      max_queue, dropped);
  gst_element_post_message (
      GST_ELEMENT (self),
      gst_message_new_element (
          GST_OBJECT (self),
          gst_structure_new ("edgereport-dropped", "dropped", G_TYPE_UINT64,
                             dropped, "max-queue", G_TYPE_UINT, max_queue,
                             NULL)));
}

static GstFlowReturn
gst_edge_report_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstEdgeReport *self = GST_EDGE_REPORT (trans);
  EdgeReportStream stream;
  JsonNode *root;
  gchar *line;
  gsize len;

  if (!self->uri_queried)
    query_source_uri (self);
  stream.stream_id = self->stream_id;
  stream.source_uri = self->source_uri;
  stream.frame = self->frames;
  stream.width = self->width;
  stream.height = self->height;
  if (!edge_report_json_build (self->builder, buf, &stream))
    goto done;

  root = json_builder_get_root (self->builder);
  json_generator_set_root (self->generator, root);
  line = json_generator_to_data (self->generator, &len);
  json_node_unref (root);

  if (self->file
      && (fwrite (line, 1, len, self->file) != len
          || fputc ('\n', self->file) == EOF || fflush (self->file) != 0))
    goto write_failed;
  if (self->mqtt) {
    if (edge_mqtt_push (self->mqtt, g_bytes_new_take (line, len)))
      report_drops (self);
  } else {
    g_free (line);
  }

done:
  self->frames++;
  return GST_FLOW_OK;

  /* ERRORS */
write_failed : {
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
                     ("Could not write to file \"%s\".", self->file_name),
                     GST_ERROR_SYSTEM);
  g_free (line);
  return GST_FLOW_ERROR;
}
}
