/* edgeclassify: edgereport's MQTT publisher, shared by its two halves:
 * edgereport-publisher.c (the thread and the API) and
 * edgereport-connection.c (the broker connection and its callbacks).
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef EDGEREPORT_PUBLISHER_PRIVATE_H
#define EDGEREPORT_PUBLISHER_PRIVATE_H

#include "edgereport-publisher.h"

#include <mosquitto.h>

GST_DEBUG_CATEGORY_EXTERN (edge_publisher_debug);

#define KEEPALIVE_S 30
#define RECONNECT_MIN_MS 250 /* the first delay, doubled up to the max */
#define CONNECT_TIMEOUT (10 * G_TIME_SPAN_SECOND) /* until CONNACK */
#define STATUS_TIMEOUT G_TIME_SPAN_SECOND         /* for "offline" at stop */
#define MAX_IN_FLIGHT 16 /* published, not yet acknowledged (or sent) */
#define POLL_MAX_MS 1000 /* keepalive and spool sync granularity */
#define FRUITLESS_MAX 3  /* connections lost with nothing delivered */

typedef enum { DOWN, CONNECTING, UP, REFUSED } ConnState;

/* MQTT errors of mosquitto_publish() after it queued the message, which
 * the client then sends again on its next connection */
#define QUEUED(rc)                                                             \
  ((rc) == MOSQ_ERR_NO_CONN || (rc) == MOSQ_ERR_CONN_LOST                      \
   || (rc) == MOSQ_ERR_ERRNO)

typedef struct {
  gint mid;
  gboolean acked;
  GBytes *msg;      /* without a spool: put back if the connection is lost */
  EdgeSpoolPos end; /* with one */
} InFlight;

struct _EdgePublisher {
  EdgeOutput *out; /* not owned: counts the losses */
  gchar *host, *topic, *status_topic, *client_id, *username, *password;
  gchar *ca_file, *cert_file, *key_file;
  gint port, qos;
  gboolean session;      /* QoS 2: the broker keeps our session, and
                          * the client its packets, across reconnections */
  gboolean id_generated; /* made for this run: its session ends with it */
  guint max_queue, reconnect_max_ms;
  EdgeSpool *spool;
  gchar *why_queue; /* why a record dropped from the queue is lost */
  gint wake_fd;
  GThread *thread;

  /* shared with the streaming thread and stats (lock) */
  GMutex lock;
  GCond cond;
  GQueue queue; /* of GBytes, oldest first */
  gboolean stopping;
  gint64 stop_deadline;
  gboolean drop_queue; /* flush asks the thread to drop the queue */
  guint64 delivered;
  guint64 waiting; /* past the queue: in flight, or in the spool */
  gboolean refused;

  /* publisher thread only */
  struct mosquitto *mosq;
  ConnState conn;
  gboolean lost; /* a callback saw the connection fail */
  /* with a session: mosq is kept across reconnections, and resends what
   * it had in flight with the same packet ids. The broker's session must
   * start empty, as the client does: the first connection of a client is
   * made by a clean one, that ends what an earlier run left. */
  gboolean wiping;  /* mosq is that clean client */
  gboolean wiped;   /* and it has connected */
  gboolean fresh;   /* the broker's session is mosq's */
  gboolean was_up;  /* mosq has been connected */
  gchar *abandon;   /* why mosq is given up, with what it had in flight */
  guint done_here;  /* records delivered on this connection */
  guint fruitless;  /* connections in a row lost with records in flight
                     * and none delivered: a broker without QoS 2? */
  GQueue in_flight; /* of InFlight, oldest first */
  gint unmatched;   /* a mid acknowledged before publish() returned */
  guint attempts;   /* failed since the last connection */
  gint64 next_attempt, connect_deadline;
  gint status_mid;
  gboolean status_acked;
  guint64 n_delivered;
};

/* edgereport-connection.c, all on the publisher thread */
struct mosquitto *edge_publisher_client_new (EdgePublisher *p, gboolean clean,
                                             GError **error);
void edge_publisher_try_connect (EdgePublisher *p);
void edge_publisher_publish_more (EdgePublisher *p);
void edge_publisher_lost (EdgePublisher *p, const gchar *why);
void edge_publisher_after_callbacks (EdgePublisher *p);
const gchar *edge_publisher_rc_string (int rc);

#endif
