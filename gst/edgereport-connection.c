/* edgeclassify: edgereport's MQTT publisher: the broker connection
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

#include "edgereport-publisher-private.h"

#include <errno.h>

#define GST_CAT_DEFAULT edge_publisher_debug

const gchar *
edge_publisher_rc_string (int rc)
{
  return rc == MOSQ_ERR_ERRNO ? g_strerror (errno) : mosquitto_strerror (rc);
}

/* --- callbacks (publisher thread, inside libmosquitto) --- */

static void
on_connect (struct mosquitto *mosq, void *user_data, int rc, int flags)
{
  EdgePublisher *p = user_data;
  gboolean present = (flags & 1) != 0;

  if (rc == 0 && p->wiping) {
    GST_DEBUG_OBJECT (p->out->element, "session of %s ended", p->client_id);
    p->wiped = TRUE;
    mosquitto_disconnect (mosq);
    return;
  }
  if (rc == 0 && p->session && present != p->was_up) {
    /* after a reconnection the session must be there; on the first
     * connection after the clean one, not (someone else's?) */
    g_free (p->abandon);
    p->abandon = g_strdup_printf (
        present ? "had a session for the client id \"%s\" already (is "
                  "another client using it?)"
                : "did not keep the session of \"%s\" (does it persist "
                  "sessions?)",
        p->client_id);
    if (!present)
      p->attempts = 0; /* the broker is there: no wait but the first */
    mosquitto_disconnect (mosq);
    return;
  }
  if (rc == 0) {
    if (present)
      GST_INFO_OBJECT (p->out->element,
                       "connected to the MQTT broker %s:%d as %s again "
                       "(QoS %d, session resumed): %u results in flight "
                       "sent again with their packet ids",
                       p->host, p->port, p->client_id, p->qos,
                       g_queue_get_length (&p->in_flight));
    else
      GST_INFO_OBJECT (p->out->element,
                       "connected to the MQTT broker %s:%d as %s (QoS %d)",
                       p->host, p->port, p->client_id, p->qos);
    p->conn = UP;
    p->attempts = 0;
    p->was_up = TRUE;
    p->done_here = 0;
    p->status_acked = FALSE;
    mosquitto_publish (mosq, &p->status_mid, p->status_topic, 6, "online", 1,
                       true);
    return;
  }
  if (rc == 4 || rc == 5) {
    GST_ELEMENT_ERROR (p->out->element, RESOURCE, NOT_AUTHORIZED,
                       ("The MQTT broker %s:%d refused the login%s%s%s: %s.",
                        p->host, p->port, p->username ? " of user \"" : "",
                        p->username ? p->username : "", p->username ? "\"" : "",
                        mosquitto_connack_string (rc)),
                       ("CONNACK return code %d", rc));
    p->conn = REFUSED;
  } else if (rc == 1 || rc == 2) {
    GST_ELEMENT_ERROR (p->out->element, RESOURCE, SETTINGS,
                       ("The MQTT broker %s:%d refused the connection: %s.",
                        p->host, p->port, mosquitto_connack_string (rc)),
                       ("CONNACK return code %d", rc));
    p->conn = REFUSED;
  } else {
    GST_WARNING_OBJECT (p->out->element, "MQTT broker refused: %s",
                        mosquitto_connack_string (rc));
    p->lost = TRUE;
  }
}

static void
ack_prefix (EdgePublisher *p)
{
  InFlight *f;

  while ((f = g_queue_peek_head (&p->in_flight)) && f->acked) {
    g_queue_pop_head (&p->in_flight);
    if (p->spool)
      edge_spool_ack (p->spool, &f->end);
    if (f->msg)
      g_bytes_unref (f->msg);
    g_free (f);
    p->n_delivered++;
  }
}

/* A QoS 0 message sent, a QoS 1 message acknowledged (PUBACK), or the
 * QoS 2 handshake done (PUBCOMP) */
static void
on_publish (struct mosquitto *mosq, void *user_data, int mid)
{
  EdgePublisher *p = user_data;

  if (mid == p->status_mid) {
    p->status_acked = TRUE;
    return;
  }
  for (GList *l = p->in_flight.head; l; l = l->next) {
    InFlight *f = l->data;
    if (f->mid == mid) {
      f->acked = TRUE;
      p->done_here++;
      ack_prefix (p);
      return;
    }
  }
  p->unmatched = mid;
}

/* --- the connection --- */

/* A client with every setting but the connection itself; a clean one
 * (ending the broker's session of our client id) has no will */
struct mosquitto *
edge_publisher_client_new (EdgePublisher *p, gboolean clean, GError **error)
{
  struct mosquitto *mosq = mosquitto_new (p->client_id, clean, p);
  int rc = MOSQ_ERR_SUCCESS;

  if (mosq == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "mosquitto_new: %s", g_strerror (errno));
    return NULL;
  }
  mosquitto_connect_with_flags_callback_set (mosq, on_connect);
  mosquitto_publish_callback_set (mosq, on_publish);
  mosquitto_int_option (mosq, MOSQ_OPT_TCP_NODELAY, 1);
  if (!clean || !p->session)
    rc = mosquitto_will_set (mosq, p->status_topic, 7, "offline", 1, true);
  if (rc == MOSQ_ERR_SUCCESS && p->username)
    rc = mosquitto_username_pw_set (mosq, p->username, p->password);
  if (rc == MOSQ_ERR_SUCCESS && (p->ca_file || p->cert_file || p->key_file))
    rc = mosquitto_tls_set (mosq, p->ca_file, NULL, p->cert_file, p->key_file,
                            NULL);
  if (rc != MOSQ_ERR_SUCCESS) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "libmosquitto refused the settings: %s",
                 edge_publisher_rc_string (rc));
    mosquitto_destroy (mosq);
    return NULL;
  }
  return mosq;
}

/* Gives the client up: what was in flight is published again, from the
 * spool or the queue, by the next client */
static void
forget_client (EdgePublisher *p)
{
  guint64 dropped = 0;
  InFlight *f;

  if (p->mosq)
    mosquitto_destroy (p->mosq);
  p->mosq = NULL;
  p->wiping = p->wiped = p->fresh = p->was_up = FALSE;
  if (p->spool)
    edge_spool_rewind (p->spool);
  g_mutex_lock (&p->lock);
  while ((f = g_queue_pop_tail (&p->in_flight))) {
    if (f->msg)
      g_queue_push_head (&p->queue, f->msg);
    g_free (f);
  }
  while (g_queue_get_length (&p->queue) > p->max_queue) {
    g_bytes_unref (g_queue_pop_head (&p->queue));
    dropped++;
  }
  g_mutex_unlock (&p->lock);
  if (dropped)
    edge_output_drop (p->out, dropped, p->why_queue);
}

/* A broker that does not take QoS 2 closes the connection at the first
 * QoS 2 message (mosquitto with max_qos 1, some cloud brokers): the
 * records would wait for ever, with only a log to say why */
static void
check_fruitless (EdgePublisher *p)
{
  if (p->conn != UP || !p->session)
    return;
  if (p->done_here > 0 || g_queue_is_empty (&p->in_flight)) {
    p->fruitless = 0;
    return;
  }
  if (++p->fruitless != FRUITLESS_MAX)
    return;
  GST_ELEMENT_WARNING (
      p->out->element, RESOURCE, SETTINGS,
      ("The MQTT broker %s:%d closed the connection %u "
       "times in a row with QoS 2 messages in flight, none "
       "delivered: does it take QoS 2? (mqtt-qos=1 gives "
       "at least once.)",
       p->host, p->port, FRUITLESS_MAX),
      ("%u records in flight", g_queue_get_length (&p->in_flight)));
}

/* The connection failed or went away: retry after a delay. With a
 * session the client stays, and so does what it has in flight. */
void
edge_publisher_lost (EdgePublisher *p, const gchar *why)
{
  guint delay = RECONNECT_MIN_MS;

  check_fruitless (p);
  if (p->conn == REFUSED) {
    if (p->mosq)
      mosquitto_destroy (p->mosq);
    p->mosq = NULL;
    return;
  }
  if (!p->session || p->wiping)
    forget_client (p);
  for (guint i = 0; i < p->attempts && delay < p->reconnect_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, p->reconnect_max_ms);
  if (p->attempts == 0)
    GST_WARNING_OBJECT (p->out->element,
                        "MQTT broker %s:%d: %s; trying again in %u ms", p->host,
                        p->port, why, delay);
  else
    GST_DEBUG_OBJECT (p->out->element,
                      "MQTT broker %s:%d: %s; next try in %u ms", p->host,
                      p->port, why, delay);
  p->attempts++;
  p->next_attempt = g_get_monotonic_time () + delay * G_TIME_SPAN_MILLISECOND;
  p->conn = DOWN;
}

/* After a callback: the clean client has ended the old session (the
 * client of the session comes next, now), or a client was given up */
void
edge_publisher_after_callbacks (EdgePublisher *p)
{
  /* the DISCONNECT, so that the broker keeps the will to itself */
  mosquitto_loop_write (p->mosq, 1);
  if (p->wiped) {
    mosquitto_destroy (p->mosq);
    p->mosq = NULL;
    p->wiping = p->wiped = FALSE;
    p->fresh = TRUE;
    p->conn = DOWN;
    p->next_attempt = g_get_monotonic_time ();
  } else if (p->abandon) {
    guint n = g_queue_get_length (&p->in_flight);

    /* on the bus: exactly once is lost, and the broker's settings say
     * why */
    if (n > 0)
      GST_ELEMENT_WARNING (p->out->element, RESOURCE, SETTINGS,
                           ("The MQTT broker %s:%d %s; the %u results in "
                            "flight are published again, and may arrive "
                            "twice.",
                            p->host, p->port, p->abandon, n),
                           (NULL));
    else
      GST_WARNING_OBJECT (p->out->element, "MQTT broker %s:%d %s", p->host,
                          p->port, p->abandon);
    forget_client (p);
    edge_publisher_lost (p, p->abandon);
    g_clear_pointer (&p->abandon, g_free);
  }
}

void
edge_publisher_try_connect (EdgePublisher *p)
{
  GError *err = NULL;
  int rc;

  if (p->mosq) {
    /* the client of the session, again */
    rc = mosquitto_reconnect_async (p->mosq);
  } else {
    p->wiping = p->session && !p->fresh;
    p->mosq = edge_publisher_client_new (p, !p->session || p->wiping, &err);
    if (p->mosq == NULL) {
      edge_publisher_lost (p, err->message);
      g_clear_error (&err);
      return;
    }
    rc = mosquitto_connect_async (p->mosq, p->host, p->port, KEEPALIVE_S);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    edge_publisher_lost (p, edge_publisher_rc_string (rc));
    return;
  }
  p->conn = CONNECTING;
  p->connect_deadline = g_get_monotonic_time () + CONNECT_TIMEOUT;
}

/* Publishes from the spool, or the queue, while the window has room */
void
edge_publisher_publish_more (EdgePublisher *p)
{
  while (g_queue_get_length (&p->in_flight) < MAX_IN_FLIGHT) {
    InFlight *f = g_new0 (InFlight, 1);
    GBytes *msg;
    gconstpointer data;
    gsize size;
    int rc;

    if (p->spool) {
      msg = edge_spool_read (p->spool, &f->end);
    } else {
      g_mutex_lock (&p->lock);
      msg = f->msg = g_queue_pop_head (&p->queue);
      g_mutex_unlock (&p->lock);
    }
    if (msg == NULL) {
      g_free (f);
      return;
    }
    data = g_bytes_get_data (msg, &size);
    p->unmatched = 0;
    rc = mosquitto_publish (p->mosq, &f->mid, p->topic, (int)size, data, p->qos,
                            false);
    f->acked = rc == MOSQ_ERR_SUCCESS && p->unmatched == f->mid;
    g_queue_push_tail (&p->in_flight, f);
    if (p->spool)
      g_bytes_unref (msg);
    if (rc != MOSQ_ERR_SUCCESS) {
      /* with a session, the client sends again what it has queued */
      if (p->session && !QUEUED (rc))
        forget_client (p);
      edge_publisher_lost (p, edge_publisher_rc_string (rc));
      return;
    }
    ack_prefix (p);
  }
}
