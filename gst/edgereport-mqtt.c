/* edgeclassify: edgereport's MQTT output
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

#include "edgereport-output.h"
#include "edgereport-publisher.h"

#include <errno.h>
#include <string.h>
#include <mosquitto.h>
#include <glib/gstdio.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

#define DEFAULT_MQTT_PORT 1883
#define DEFAULT_MQTT_TOPIC "edgeclassify/results"
#define DEFAULT_MAX_QUEUE 100
#define DEFAULT_SPOOL_MAX_BYTES (64 * 1024 * 1024)
#define DEFAULT_RECONNECT_MAX_DELAY 5000
#define DRAIN_MS 2000 /* how long end of stream and stop wait for delivery */

extern const EdgeOutputClass edge_output_mqtt;

typedef struct {
  gchar *host;
  gint port;
  gchar *topic;
  gchar *client_id;
  gint qos;
  gchar *username, *password_file;
  gchar *ca_file, *cert_file, *key_file;
  guint max_queue;
  gchar *spool_dir;
  guint64 spool_max_bytes;
  guint reconnect_max_delay;
} MqttSettings;

#define FIELD(f) G_STRUCT_OFFSET (MqttSettings, f)
static const EdgeProp mqtt_props[] = {
  /**
   * GstEdgeReport:mqtt-host:
   *
   * Host name or address of the MQTT broker. Unset: no MQTT.
   */
  { "mqtt-host", "MQTT broker host (unset: no MQTT)", EDGE_PROP_STRING,
    FIELD (host) },
  /**
   * GstEdgeReport:mqtt-port:
   *
   * TCP port of the MQTT broker, 1 to 65535 (anything else fails start).
   */
  { "mqtt-port", "MQTT broker port (1 to 65535)", EDGE_PROP_INT, FIELD (port),
    1, 65535, DEFAULT_MQTT_PORT },
  /**
   * GstEdgeReport:mqtt-topic:
   *
   * Topic the JSON objects are published to (no wildcards). The status of
   * the element ("online", "offline") is published, retained, to
   * <topic>/status.
   */
  { "mqtt-topic", "MQTT topic to publish to (status: <topic>/status)",
    EDGE_PROP_STRING, FIELD (topic), .def_str = DEFAULT_MQTT_TOPIC },
  /**
   * GstEdgeReport:mqtt-client-id:
   *
   * MQTT client identifier, which no other client of the broker may use.
   * Unset: with a spool-dir, "edgereport-" and the spool's own id (kept in
   * the folder, so the same across restarts); without, "edgereport-" and
   * 12 random hex digits, new at every start.
   */
  { "mqtt-client-id",
    "MQTT client identifier (unset: edgereport- and the spool's id, or "
    "random)",
    EDGE_PROP_STRING, FIELD (client_id) },
  /**
   * GstEdgeReport:mqtt-qos:
   *
   * MQTT quality of service: 0 (at most once), 1 (at least once) or 2
   * (exactly once; the broker keeps the session across reconnections).
   * With a spool-dir 0 is taken as 2, so 2 is the default there.
   */
  { "mqtt-qos",
    "MQTT quality of service (0 to 2; with a spool 0 is taken as 2)",
    EDGE_PROP_INT, FIELD (qos), 0, 2, 0 },
  /**
   * GstEdgeReport:mqtt-username:
   *
   * User name to log in to the broker with. Unset: no login.
   */
  { "mqtt-username", "MQTT user name (unset: no login)", EDGE_PROP_STRING,
    FIELD (username) },
  /**
   * GstEdgeReport:mqtt-password-file:
   *
   * File whose first line is the password of mqtt-username, so that the
   * password is in neither the command line nor the properties.
   */
  { "mqtt-password-file", "File holding the MQTT password (first line)",
    EDGE_PROP_STRING, FIELD (password_file) },
  /**
   * GstEdgeReport:mqtt-tls-ca-file:
   *
   * PEM file of the certificate authorities that sign the broker's
   * certificate. Setting it (or a client certificate) turns on TLS.
   */
  { "mqtt-tls-ca-file",
    "PEM file of the CAs trusted for the broker (turns on TLS)",
    EDGE_PROP_STRING, FIELD (ca_file) },
  /**
   * GstEdgeReport:mqtt-tls-cert-file:
   *
   * PEM client certificate, for brokers that require one.
   */
  { "mqtt-tls-cert-file", "PEM client certificate", EDGE_PROP_STRING,
    FIELD (cert_file) },
  /**
   * GstEdgeReport:mqtt-tls-key-file:
   *
   * PEM private key of the client certificate.
   */
  { "mqtt-tls-key-file", "PEM private key of the client certificate",
    EDGE_PROP_STRING, FIELD (key_file) },
  /**
   * GstEdgeReport:max-queue:
   *
   * Most results waiting in memory for the MQTT publisher; beyond it the
   * oldest are dropped. With a spool-dir they wait on disk instead, and
   * this queue only covers the hand-over to the disk.
   */
  { "max-queue", "Most results waiting in memory for MQTT (at least 1)",
    EDGE_PROP_UINT, FIELD (max_queue), 1, G_MAXINT, DEFAULT_MAX_QUEUE },
  /**
   * GstEdgeReport:spool-dir:
   *
   * Folder (created if needed) where results wait for the broker, on
   * disk, across restarts of the pipeline and crashes of the process.
   * Unset: no spool, results wait in memory (max-queue).
   */
  { "spool-dir", "Folder where results wait for the MQTT broker",
    EDGE_PROP_STRING, FIELD (spool_dir) },
  /**
   * GstEdgeReport:spool-max-bytes:
   *
   * Most bytes of results waiting in the spool; past it new results are
   * dropped (and counted, and announced).
   */
  { "spool-max-bytes", "Most bytes of results waiting in the spool",
    EDGE_PROP_UINT64, FIELD (spool_max_bytes), 1, G_MAXINT64,
    DEFAULT_SPOOL_MAX_BYTES },
  /**
   * GstEdgeReport:reconnect-max-delay:
   *
   * Longest wait, in milliseconds, between two attempts to reach the
   * broker; the wait doubles from 250 ms up to it.
   */
  { "reconnect-max-delay",
    "Longest wait between two attempts to connect, in ms (250 to 3600000)",
    EDGE_PROP_UINT, FIELD (reconnect_max_delay), 250, 3600000,
    DEFAULT_RECONNECT_MAX_DELAY },
};
#undef FIELD

typedef struct {
  EdgeOutput base;
  EdgePublisher *pub;
} MqttOutput;

static gboolean
mqtt_wanted (gconstpointer settings)
{
  return ((const MqttSettings *)settings)->host != NULL;
}

static void
post_error (GstElement *element, const GError *err, gchar *debug)
{
  gst_element_message_full (element, GST_MESSAGE_ERROR, err->domain, err->code,
                            g_strdup (err->message), debug, __FILE__,
                            GST_FUNCTION, __LINE__);
}

/* A file named by property @prop must be readable */
static gboolean
check_readable (GstElement *element, const gchar *prop, const gchar *path)
{
  FILE *f;

  if (path == NULL)
    return TRUE;
  if ((f = g_fopen (path, "r")) != NULL) {
    fclose (f);
    return TRUE;
  }
  GST_ELEMENT_ERROR (
      element, RESOURCE, OPEN_READ,
      ("Could not read file \"%s\" (%s): %s.", path, prop, g_strerror (errno)),
      (NULL));
  return FALSE;
}

/* The first line of the password file; NULL after posting an error */
static gchar *
read_password (GstElement *element, const gchar *path)
{
  GError *err = NULL;
  gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &err)) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
                       ("Could not read the MQTT password file \"%s\" "
                        "(mqtt-password-file): %s.",
                        path, err->message),
                       (NULL));
    g_clear_error (&err);
    return NULL;
  }
  text[strcspn (text, "\r\n")] = '\0';
  return text;
}

static gboolean
check_settings (GstElement *element, const MqttSettings *s)
{
  const gchar *topic = s->topic ? s->topic : "";

  if (topic[0] == '\0' || mosquitto_pub_topic_check (topic) != MOSQ_ERR_SUCCESS
      || strlen (topic) > 60000) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
                       ("Invalid mqtt-topic \"%s\": a topic to publish to "
                        "is not empty and has no wildcard (+ or #).",
                        topic),
                       (NULL));
    return FALSE;
  }
  if (s->password_file && s->username == NULL) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
                       ("mqtt-password-file is set but mqtt-username is "
                        "not: MQTT has no password without a user."),
                       (NULL));
    return FALSE;
  }
  if ((s->cert_file == NULL) != (s->key_file == NULL)) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
                       ("mqtt-tls-cert-file and mqtt-tls-key-file go "
                        "together: only one is set."),
                       (NULL));
    return FALSE;
  }
  return check_readable (element, "mqtt-tls-ca-file", s->ca_file)
         && check_readable (element, "mqtt-tls-cert-file", s->cert_file)
         && check_readable (element, "mqtt-tls-key-file", s->key_file);
}

static EdgeOutput *
mqtt_open (GstElement *element, gconstpointer settings)
{
  const MqttSettings *s = settings;
  MqttOutput *o = NULL;
  EdgePublisherConfig cfg = {
    .host = s->host,
    .port = s->port,
    .topic = s->topic,
    .client_id = s->client_id,
    .qos = s->qos,
    .username = s->username,
    .ca_file = s->ca_file,
    .cert_file = s->cert_file,
    .key_file = s->key_file,
    .max_queue = s->max_queue,
    .reconnect_max_ms = s->reconnect_max_delay,
  };
  gchar *password = NULL;
  GError *err = NULL;

  if (!check_settings (element, s))
    return NULL;
  if (s->password_file
      && (cfg.password = password = read_password (element, s->password_file))
             == NULL)
    return NULL;
  if (s->spool_dir) {
    cfg.spool = edge_spool_open (s->spool_dir, s->spool_max_bytes, &err);
    if (cfg.spool == NULL)
      goto spool_failed;
    if (edge_spool_recovered (cfg.spool) > 0)
      GST_INFO_OBJECT (element,
                       "%" G_GUINT64_FORMAT " results from before wait in "
                       "the spool %s",
                       edge_spool_recovered (cfg.spool), s->spool_dir);
  }

  o = edge_output_new (&edge_output_mqtt, sizeof (MqttOutput), element);
  o->base.drop_info = gst_structure_new (
      "edgereport-dropped", "max-queue", G_TYPE_UINT, s->max_queue,
      "spool-max-bytes", G_TYPE_UINT64,
      s->spool_dir ? s->spool_max_bytes : (guint64)0, NULL);
  o->pub = edge_publisher_new (&cfg, &o->base, &err);
  if (o->pub == NULL)
    goto mqtt_failed;
  if (password)
    memset (password, 0, strlen (password));
  g_free (password);
  return &o->base;

  /* ERRORS */
spool_failed : {
  post_error (element, err, g_strdup_printf ("spool-dir \"%s\"", s->spool_dir));
  goto failed;
}
mqtt_failed : {
  GST_ELEMENT_ERROR (
      element, RESOURCE, SETTINGS,
      ("Could not set up the MQTT client for %s:%d.", s->host, s->port),
      ("%s", err->message));
  if (cfg.spool)
    edge_spool_close (cfg.spool);
  goto failed;
}
failed : {
  g_clear_error (&err);
  if (password)
    memset (password, 0, strlen (password));
  g_free (password);
  if (o)
    edge_output_free (&o->base);
  return NULL;
}
}

static GstFlowReturn
mqtt_write_result (EdgeOutput *out, const EdgeRecord *record)
{
  edge_publisher_push (((MqttOutput *)out)->pub, record->line, record->len);
  return GST_FLOW_OK;
}

static void
mqtt_write_event (EdgeOutput *out, const EdgeEvent *event)
{
  guint64 left;

  if (event->type != EDGE_EVENT_EOS)
    return;
  /* what has not reached the broker by now is lost, or stays spooled */
  left = edge_publisher_flush (((MqttOutput *)out)->pub, DRAIN_MS);
  if (left > 0)
    GST_INFO_OBJECT (
        out->element,
        "end of stream: %" G_GUINT64_FORMAT " results wait in the spool", left);
}

static void
mqtt_close (EdgeOutput *out)
{
  edge_publisher_free (((MqttOutput *)out)->pub, DRAIN_MS);
}

static void
mqtt_stats (EdgeOutput *out, EdgeOutputStats *stats)
{
  edge_publisher_stats (((MqttOutput *)out)->pub, &stats->written,
                        &stats->pending);
}

const EdgeOutputClass edge_output_mqtt = {
  .name = "MQTT",
  .settings_size = sizeof (MqttSettings),
  .props = mqtt_props,
  .n_props = G_N_ELEMENTS (mqtt_props),
  .wanted = mqtt_wanted,
  .open = mqtt_open,
  .write_result = mqtt_write_result,
  .write_event = mqtt_write_event,
  .close = mqtt_close,
  .stats = mqtt_stats,
};
