/* edgeclassify: MQTT publisher of edgereport
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

#include "edgereport-mqtt.h"
#include "edgereport-output.h"

#include <errno.h>
#include <mosquitto.h>

GST_DEBUG_CATEGORY_STATIC (edge_mqtt_debug);
#define GST_CAT_DEFAULT edge_mqtt_debug

#define KEEPALIVE_S 30
#define RECONNECT_MIN_S 1  /* the delay grows from here ... */
#define RECONNECT_MAX_S 30 /* ... up to here, while the broker is away */
#define MAX_IN_FLIGHT 32   /* published but not yet sent or acknowledged */

struct _EdgeMqtt {
  GstObject *log; /* not owned: the element outlives us */
  struct mosquitto *mosq;
  gchar *topic;
  gint qos;

  /* shared by the pushing, publishing and network threads */
  GMutex lock;
  GCond cond;
  GQueue queue; /* of GBytes */
  guint max_queue;
  guint64 dropped;
  gboolean connected;
  guint in_flight;
  gboolean stopping;

  GThread *publisher;
};

static void
on_connect (struct mosquitto *mosq, void *user_data, int rc)
{
  EdgeMqtt *m = user_data;

  if (rc == 0)
    GST_INFO_OBJECT (m->log, "connected to the MQTT broker");
  else
    GST_WARNING_OBJECT (m->log, "MQTT broker refused the connection: %s",
                        mosquitto_connack_string (rc));
  g_mutex_lock (&m->lock);
  m->connected = (rc == 0);
  m->in_flight = 0;
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
}

static void
on_disconnect (struct mosquitto *mosq, void *user_data, int rc)
{
  EdgeMqtt *m = user_data;

  if (rc != 0)
    GST_WARNING_OBJECT (m->log, "lost the MQTT broker (%s); reconnecting",
                        mosquitto_strerror (rc));
  g_mutex_lock (&m->lock);
  m->connected = FALSE;
  m->in_flight = 0;
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
}

/* Called when a QoS 0 message was written or a QoS 1 message acknowledged */
static void
on_publish (struct mosquitto *mosq, void *user_data, int mid)
{
  EdgeMqtt *m = user_data;

  g_mutex_lock (&m->lock);
  if (m->in_flight > 0)
    m->in_flight--;
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
}

static gpointer
publisher_thread (gpointer user_data)
{
  EdgeMqtt *m = user_data;

  g_mutex_lock (&m->lock);
  while (!m->stopping) {
    GBytes *msg;
    gconstpointer data;
    gsize size;
    int rc;

    if (!m->connected || m->in_flight >= MAX_IN_FLIGHT
        || g_queue_is_empty (&m->queue)) {
      g_cond_wait (&m->cond, &m->lock);
      continue;
    }
    msg = g_queue_pop_head (&m->queue);
    m->in_flight++;
    g_mutex_unlock (&m->lock);

    data = g_bytes_get_data (msg, &size);
    rc = mosquitto_publish (m->mosq, NULL, m->topic, (int)size, data, m->qos,
                            false);

    g_mutex_lock (&m->lock);
    if (rc == MOSQ_ERR_SUCCESS) {
      g_bytes_unref (msg);
      continue;
    }
    /* not sent: keep it for the next connection, unless newer ones filled
     * the queue meanwhile */
    m->in_flight = MAX (m->in_flight, 1) - 1;
    if (g_queue_get_length (&m->queue) < m->max_queue) {
      g_queue_push_head (&m->queue, msg);
    } else {
      g_bytes_unref (msg);
      m->dropped++;
    }
    GST_DEBUG_OBJECT (m->log, "publish failed: %s", mosquitto_strerror (rc));
    if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
      m->connected = FALSE; /* until on_connect says otherwise */
    } else {
      gint64 until = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;
      g_cond_wait_until (&m->cond, &m->lock, until);
    }
  }
  g_mutex_unlock (&m->lock);
  return NULL;
}

static void
init_library (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    mosquitto_lib_init ();
    GST_DEBUG_CATEGORY_INIT (edge_mqtt_debug, "edgereport-mqtt", 0,
                             "edgereport MQTT publisher");
    g_once_init_leave (&done, 1);
  }
}

EdgeMqtt *
edge_mqtt_new (const EdgeMqttConfig *config, GstObject *log, GError **error)
{
  EdgeMqtt *m;
  int rc;

  init_library ();
  m = g_new0 (EdgeMqtt, 1);
  m->log = log;
  m->topic = g_strdup (config->topic);
  m->qos = config->qos;
  m->max_queue = MAX (config->max_queue, 1);
  g_mutex_init (&m->lock);
  g_cond_init (&m->cond);
  g_queue_init (&m->queue);

  m->mosq = mosquitto_new (config->client_id, true, m);
  if (m->mosq == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "mosquitto_new: %s", g_strerror (errno));
    goto failed;
  }
  mosquitto_connect_callback_set (m->mosq, on_connect);
  mosquitto_disconnect_callback_set (m->mosq, on_disconnect);
  mosquitto_publish_callback_set (m->mosq, on_publish);
  mosquitto_reconnect_delay_set (m->mosq, RECONNECT_MIN_S, RECONNECT_MAX_S,
                                 true);

  if (config->ca_file || config->cert_file || config->key_file) {
    rc = mosquitto_tls_set (m->mosq, config->ca_file, NULL, config->cert_file,
                            config->key_file, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "mosquitto_tls_set (ca \"%s\", cert \"%s\", key \"%s\"): %s",
                   GST_STR_NULL (config->ca_file),
                   GST_STR_NULL (config->cert_file),
                   GST_STR_NULL (config->key_file), mosquitto_strerror (rc));
      goto failed;
    }
  }

  /* A broker that is not there yet is not an error: the network thread
   * keeps trying with the delays set above. */
  rc = mosquitto_connect_async (m->mosq, config->host, config->port,
                                KEEPALIVE_S);
  if (rc != MOSQ_ERR_SUCCESS)
    GST_WARNING_OBJECT (log, "no MQTT broker at %s:%d yet (%s); retrying",
                        config->host, config->port,
                        rc == MOSQ_ERR_ERRNO ? g_strerror (errno)
                                             : mosquitto_strerror (rc));
  rc = mosquitto_loop_start (m->mosq);
  if (rc != MOSQ_ERR_SUCCESS) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "mosquitto_loop_start: %s", mosquitto_strerror (rc));
    goto failed;
  }
  m->publisher = g_thread_new ("edgereport-mqtt", publisher_thread, m);
  return m;

  /* ERRORS */
failed : {
  edge_mqtt_free (m, 0);
  return NULL;
}
}

gboolean
edge_mqtt_push (EdgeMqtt *m, GBytes *payload)
{
  gboolean dropped = FALSE;

  g_mutex_lock (&m->lock);
  if (g_queue_get_length (&m->queue) >= m->max_queue) {
    g_bytes_unref (g_queue_pop_head (&m->queue));
    m->dropped++;
    dropped = TRUE;
  }
  g_queue_push_tail (&m->queue, payload);
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
  return dropped;
}

guint64
edge_mqtt_get_dropped (EdgeMqtt *m)
{
  guint64 dropped;

  g_mutex_lock (&m->lock);
  dropped = m->dropped;
  g_mutex_unlock (&m->lock);
  return dropped;
}

void
edge_mqtt_free (EdgeMqtt *m, guint drain_ms)
{
  gint64 until = g_get_monotonic_time () + drain_ms * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&m->lock);
  while (m->publisher && m->connected
         && (!g_queue_is_empty (&m->queue) || m->in_flight > 0)) {
    if (!g_cond_wait_until (&m->cond, &m->lock, until))
      break;
  }
  m->stopping = TRUE;
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);

  if (m->publisher)
    g_thread_join (m->publisher);
  if (m->mosq) {
    mosquitto_disconnect (m->mosq);
    /* wakes the network thread, also from its reconnection delay */
    mosquitto_loop_stop (m->mosq, false);
    mosquitto_destroy (m->mosq);
  }
  g_queue_clear_full (&m->queue, (GDestroyNotify)g_bytes_unref);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->cond);
  g_free (m->topic);
  g_free (m);
}

/* --- the output --- */

#define DEFAULT_MQTT_PORT 1883
#define DEFAULT_MQTT_TOPIC "edgeclassify/results"
#define DEFAULT_MAX_QUEUE 100
#define DRAIN_MS 2000 /* how long close() lets the queue empty */

extern const EdgeOutputClass edge_output_mqtt;

typedef struct {
  gchar *host;
  gint port;
  gchar *topic;
  gchar *client_id;
  gint qos;
  gchar *ca_file, *cert_file, *key_file;
  guint max_queue;
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
   * TCP port of the MQTT broker.
   */
  { "mqtt-port", "MQTT broker port", EDGE_PROP_INT, FIELD (port), 1, 65535,
    DEFAULT_MQTT_PORT },
  /**
   * GstEdgeReport:mqtt-topic:
   *
   * Topic the JSON objects are published to.
   */
  { "mqtt-topic", "MQTT topic to publish to", EDGE_PROP_STRING, FIELD (topic),
    .def_str = DEFAULT_MQTT_TOPIC },
  /**
   * GstEdgeReport:mqtt-client-id:
   *
   * MQTT client identifier; unset, a random one is used.
   */
  { "mqtt-client-id", "MQTT client identifier (unset: random)",
    EDGE_PROP_STRING, FIELD (client_id) },
  /**
   * GstEdgeReport:mqtt-qos:
   *
   * MQTT quality of service: 0 (at most once) or 1 (at least once).
   */
  { "mqtt-qos", "MQTT quality of service", EDGE_PROP_INT, FIELD (qos), 0, 1,
    0 },
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
   * Most messages waiting for the MQTT broker; beyond it the oldest are
   * dropped.
   */
  { "max-queue", "Most messages waiting for the MQTT broker", EDGE_PROP_UINT,
    FIELD (max_queue), 1, G_MAXINT, DEFAULT_MAX_QUEUE },
};
#undef FIELD

typedef struct {
  EdgeOutput base;
  EdgeMqtt *mqtt;
  guint64 seen_dropped; /* of edge_mqtt_get_dropped(), counted */
} MqttOutput;

static gboolean
mqtt_wanted (gconstpointer settings)
{
  return ((const MqttSettings *)settings)->host != NULL;
}

static EdgeOutput *
mqtt_open (GstElement *element, gconstpointer settings)
{
  const MqttSettings *s = settings;
  MqttOutput *o
      = edge_output_new (&edge_output_mqtt, sizeof (MqttOutput), element);
  EdgeMqttConfig cfg = {
    .host = s->host,
    .port = s->port,
    .topic = s->topic ? s->topic : DEFAULT_MQTT_TOPIC,
    .client_id = s->client_id,
    .qos = s->qos,
    .ca_file = s->ca_file,
    .cert_file = s->cert_file,
    .key_file = s->key_file,
    .max_queue = s->max_queue,
  };
  GError *err = NULL;

  o->base.drop_info = gst_structure_new ("edgereport-dropped", "max-queue",
                                         G_TYPE_UINT, s->max_queue, NULL);
  o->mqtt = edge_mqtt_new (&cfg, GST_OBJECT (element), &err);
  if (o->mqtt == NULL)
    goto mqtt_failed;
  return &o->base;

  /* ERRORS */
mqtt_failed : {
  GST_ELEMENT_ERROR (
      element, RESOURCE, SETTINGS,
      ("Could not set up the MQTT client for %s:%d.", s->host, s->port),
      ("%s", err->message));
  g_clear_error (&err);
  edge_output_free (&o->base);
  return NULL;
}
}

static GstFlowReturn
mqtt_write_result (EdgeOutput *out, const EdgeRecord *record)
{
  MqttOutput *o = (MqttOutput *)out;
  guint64 dropped;

  edge_mqtt_push (o->mqtt, g_bytes_new (record->line, record->len));
  dropped = edge_mqtt_get_dropped (o->mqtt);
  if (dropped > o->seen_dropped) {
    edge_output_drop (out, dropped - o->seen_dropped,
                      "the MQTT queue was full");
    o->seen_dropped = dropped;
  }
  return GST_FLOW_OK;
}

static void
mqtt_close (EdgeOutput *out)
{
  MqttOutput *o = (MqttOutput *)out;

  edge_mqtt_free (o->mqtt, DRAIN_MS);
}

const EdgeOutputClass edge_output_mqtt = {
  .name = "MQTT",
  .settings_size = sizeof (MqttSettings),
  .props = mqtt_props,
  .n_props = G_N_ELEMENTS (mqtt_props),
  .wanted = mqtt_wanted,
  .open = mqtt_open,
  .write_result = mqtt_write_result,
  .close = mqtt_close,
};
