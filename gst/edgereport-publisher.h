/* edgeclassify: edgereport's MQTT publisher
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEREPORT_PUBLISHER_H__
#define __EDGEREPORT_PUBLISHER_H__

#include <gst/gst.h>

#include "edgereport-output.h"
#include "edgereport-spool.h"

G_BEGIN_DECLS

/* Publishes records to one MQTT topic from a thread of its own, which
 * alone talks to the broker (libmosquitto, driven by our own poll loop)
 * and to the spool.
 *
 * edge_publisher_push() only puts a record on a hand-off queue of
 * max_queue records and wakes the thread: it never waits on the network
 * or the disk. The thread connects from the start, and again after every
 * failure or lost connection, with a delay that doubles from 250 ms up to
 * reconnect_max_ms. Without a spool it publishes from the queue (whose
 * oldest record is dropped when it is full) and puts back what was in
 * flight when a connection is lost. With a spool, every record goes
 * through it first, is published from it in order, and leaves it when the
 * broker has acknowledged it (QoS 1: PUBACK; QoS 2: PUBCOMP, the end of
 * the handshake); a record that does not fit in the spool is dropped.
 *
 * QoS 2 (exactly once) keeps one libmosquitto client, with
 * clean_session false, across reconnections: the broker keeps the
 * session, the client sends again what it had in flight with the same
 * packet ids, and the broker takes each message once. The first
 * connection of every client is made by a clean client that ends the
 * session an earlier run left (whose packet ids the new client does not
 * know); a client id made for this run only has its session ended at
 * stop too. A reconnection that finds no session (a broker restarted
 * without persistence) gives the client up: what was in flight is
 * published again, and may arrive twice. QoS 0 and 1 use a new client
 * with a clean session for every connection, and publish again what was
 * in flight.
 *
 * On every connection the thread publishes "online", retained, to
 * <topic>/status; the will set there is "offline", retained, which the
 * broker publishes when the connection dies, and a clean stop publishes it
 * too. A login the broker refuses is an error on the bus, and no more
 * attempts are made. Every loss goes through edge_output_drop(). */
typedef struct _EdgePublisher EdgePublisher;

typedef struct {
  const gchar *host;
  gint port;
  const gchar *topic;
  const gchar *client_id; /* NULL: "edgereport-" and the spool's id, or
                           * 12 random hex digits without one */
  gint qos;               /* 0 to 2; with a spool 0 is taken as 2 */
  const gchar *username;  /* NULL: none */
  const gchar *password;  /* NULL: none */
  const gchar *ca_file;   /* NULL for plain TCP */
  const gchar *cert_file; /* client certificate, optional */
  const gchar *key_file;
  guint max_queue;        /* at least 1 */
  guint reconnect_max_ms; /* the longest delay between two attempts */
  EdgeSpool *spool;       /* taken on success; NULL: none */
} EdgePublisherConfig;

/* Starts the thread (the strings are copied). Fails only on settings
 * libmosquitto rejects; @out counts the losses. */
EdgePublisher *edge_publisher_new (const EdgePublisherConfig *config,
                                   EdgeOutput *out, GError **error);

/* Queues a copy of @data (streaming thread). */
void edge_publisher_push (EdgePublisher *pub, const gchar *data, gsize len);

/* Waits at most @timeout_ms until nothing waits to be delivered (or the
 * broker refused us); then, without a spool, drops what is left. Returns
 * the records left waiting (in the spool). */
guint64 edge_publisher_flush (EdgePublisher *pub, guint timeout_ms);

/* Records delivered (QoS 2: handshake done; QoS 1: acknowledged; QoS 0:
 * sent) and waiting */
void edge_publisher_stats (EdgePublisher *pub, guint64 *delivered,
                           guint64 *pending);

/* Flushes for at most @drain_ms, then stops: "offline" is published if
 * connected, the spool keeps what is not delivered, and without a spool
 * what is left is dropped. */
void edge_publisher_free (EdgePublisher *pub, guint drain_ms);

G_END_DECLS
#endif /* __EDGEREPORT_PUBLISHER_H__ */
