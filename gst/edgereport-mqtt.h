/* edgeclassify: MQTT publisher of edgereport
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEREPORT_MQTT_H__
#define __EDGEREPORT_MQTT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Publishes messages to one topic of an MQTT broker through libmosquitto.
 *
 * edge_mqtt_push() only puts a message on a bounded queue and never waits:
 * a thread of its own publishes from that queue while connected, and the
 * libmosquitto network thread connects and reconnects with a growing delay.
 * When the queue is full the oldest message is dropped and counted.
 *
 * One thread pushes; the other calls may come from any thread. */
typedef struct _EdgeMqtt EdgeMqtt;

typedef struct {
  const gchar *host;
  gint port;
  const gchar *topic;
  const gchar *client_id; /* NULL: the library makes one up */
  gint qos;               /* 0 or 1 */
  const gchar *ca_file;   /* NULL for plain TCP */
  const gchar *cert_file; /* client certificate, optional */
  const gchar *key_file;
  guint max_queue; /* at least 1 */
} EdgeMqttConfig;

/* Starts connecting in the background (the strings are copied). Fails only
 * on settings libmosquitto rejects, such as unreadable TLS files: a broker
 * that is not there yet is retried. @log is the object to log for. */
EdgeMqtt *edge_mqtt_new (const EdgeMqttConfig *config, GstObject *log,
                         GError **error);

/* Queues @payload (taken); TRUE when an older message had to be dropped. */
gboolean edge_mqtt_push (EdgeMqtt *mqtt, GBytes *payload);

/* Messages dropped so far because the queue was full. */
guint64 edge_mqtt_get_dropped (EdgeMqtt *mqtt);

/* Waits at most @drain_ms for the queue to empty while connected, then
 * disconnects and frees everything. */
void edge_mqtt_free (EdgeMqtt *mqtt, guint drain_ms);

G_END_DECLS
#endif /* __EDGEREPORT_MQTT_H__ */
