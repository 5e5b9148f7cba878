/* edgeclassify: edgereport's MQTT publisher
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

#include "edgereport-publisher.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <mosquitto.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

GST_DEBUG_CATEGORY_STATIC (edge_publisher_debug);
#define GST_CAT_DEFAULT edge_publisher_debug

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

static void
wake (EdgePublisher *p)
{
  guint64 one = 1;

  if (write (p->wake_fd, &one, sizeof (one)) < 0 && errno != EAGAIN)
    GST_WARNING_OBJECT (p->out->element, "wake: %s", g_strerror (errno));
}

static const gchar *
rc_string (int rc)
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
static struct mosquitto *
client_new (EdgePublisher *p, gboolean clean, GError **error)
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
                 "libmosquitto refused the settings: %s", rc_string (rc));
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
static void
lost (EdgePublisher *p, const gchar *why)
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
static void
after_callbacks (EdgePublisher *p)
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
    lost (p, p->abandon);
    g_clear_pointer (&p->abandon, g_free);
  }
}

static void
try_connect (EdgePublisher *p)
{
  GError *err = NULL;
  int rc;

  if (p->mosq) {
    /* the client of the session, again */
    rc = mosquitto_reconnect_async (p->mosq);
  } else {
    p->wiping = p->session && !p->fresh;
    p->mosq = client_new (p, !p->session || p->wiping, &err);
    if (p->mosq == NULL) {
      lost (p, err->message);
      g_clear_error (&err);
      return;
    }
    rc = mosquitto_connect_async (p->mosq, p->host, p->port, KEEPALIVE_S);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    lost (p, rc_string (rc));
    return;
  }
  p->conn = CONNECTING;
  p->connect_deadline = g_get_monotonic_time () + CONNECT_TIMEOUT;
}

/* Publishes from the spool, or the queue, while the window has room */
static void
publish_more (EdgePublisher *p)
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
      lost (p, rc_string (rc));
      return;
    }
    ack_prefix (p);
  }
}

/* --- the thread --- */

static void
spool_queue (EdgePublisher *p, GQueue *taken)
{
  GBytes *msg;
  guint64 full = 0;

  while ((msg = g_queue_pop_head (taken))) {
    gconstpointer data;
    gsize size;
    GError *err = NULL;

    data = g_bytes_get_data (msg, &size);
    switch (edge_spool_append (p->spool, data, size, &err)) {
    case EDGE_SPOOL_OK:
      break;
    case EDGE_SPOOL_FULL:
      full++;
      break;
    case EDGE_SPOOL_ERROR:
      edge_output_drop (p->out, 1, err->message);
      g_clear_error (&err);
      break;
    }
    g_bytes_unref (msg);
  }
  if (full)
    edge_output_drop (p->out, full, "the spool was full (spool-max-bytes)");
}

static guint64
waiting (EdgePublisher *p)
{
  return p->spool ? edge_spool_records (p->spool)
                  : g_queue_get_length (&p->in_flight);
}

/* Takes the queue into the spool, and what flush asks; TRUE when stopping
 * and done */
static gboolean
exchange (EdgePublisher *p)
{
  GQueue taken = G_QUEUE_INIT;
  guint64 dropped = 0;
  gboolean done;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&p->lock);
  if (p->spool) {
    taken = p->queue;
    g_queue_init (&p->queue);
  }
  if (p->drop_queue) {
    dropped = g_queue_get_length (&p->queue);
    g_queue_clear_full (&p->queue, (GDestroyNotify)g_bytes_unref);
    p->drop_queue = FALSE;
  }
  g_mutex_unlock (&p->lock);
  if (p->spool)
    spool_queue (p, &taken);
  if (dropped)
    edge_output_drop (p->out, dropped,
                      "not delivered to the MQTT broker by the end of the "
                      "stream");

  g_mutex_lock (&p->lock);
  p->delivered = p->n_delivered;
  p->waiting = waiting (p);
  p->refused = p->conn == REFUSED;
  done = p->stopping
         && (p->conn != UP || now >= p->stop_deadline
             || (g_queue_is_empty (&p->queue) && p->waiting == 0));
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return done;
}

/* Waits for the socket, a wake-up or the next deadline, and lets
 * libmosquitto read and write */
static void
poll_once (EdgePublisher *p, gint64 deadline)
{
  struct pollfd fds[2] = { { p->wake_fd, POLLIN, 0 }, { -1, 0, 0 } };
  gint64 timeout = (deadline - g_get_monotonic_time ()) / 1000;
  int sock = p->mosq ? mosquitto_socket (p->mosq) : -1;
  int rc = MOSQ_ERR_SUCCESS;
  guint64 count;

  if (p->conn != CONNECTING && p->conn != UP)
    sock = -1; /* a client kept for its session, not connected */
  if (sock >= 0) {
    fds[1].fd = sock;
    fds[1].events = POLLIN | (mosquitto_want_write (p->mosq) ? POLLOUT : 0);
  }
  if (poll (fds, 2, (gint)CLAMP (timeout, 0, POLL_MAX_MS)) < 0
      && errno != EINTR)
    GST_WARNING_OBJECT (p->out->element, "poll: %s", g_strerror (errno));
  if (fds[0].revents & POLLIN && read (p->wake_fd, &count, sizeof (count)) < 0)
    GST_LOG_OBJECT (p->out->element, "wake: %s", g_strerror (errno));
  if (sock < 0)
    return;
  if (fds[1].revents & (POLLIN | POLLERR | POLLHUP))
    rc = mosquitto_loop_read (p->mosq, 1);
  if (rc == MOSQ_ERR_SUCCESS && p->mosq && fds[1].revents & POLLOUT)
    rc = mosquitto_loop_write (p->mosq, 1);
  if (rc == MOSQ_ERR_SUCCESS)
    rc = mosquitto_loop_misc (p->mosq);
  if (p->conn == REFUSED)
    lost (p, "refused");
  else if (p->wiped || p->abandon)
    after_callbacks (p);
  else if (rc != MOSQ_ERR_SUCCESS || p->lost)
    lost (p, p->lost ? "refused for now" : rc_string (rc));
  p->lost = FALSE;
}

/* Stopping: "offline" for those watching, then goodbye */
static void
say_offline (EdgePublisher *p)
{
  gint64 until = g_get_monotonic_time () + STATUS_TIMEOUT;

  p->status_acked = FALSE;
  if (mosquitto_publish (p->mosq, &p->status_mid, p->status_topic, 7, "offline",
                         1, true)
      != MOSQ_ERR_SUCCESS)
    return;
  while (p->mosq && p->conn == UP && !p->status_acked
         && g_get_monotonic_time () < until)
    poll_once (p, until);
  if (p->mosq)
    mosquitto_disconnect (p->mosq);
}

/* Stopping, with a client id made for this run: ends its session, which
 * no later run would take up */
static void
end_session (EdgePublisher *p)
{
  gint64 until = g_get_monotonic_time () + STATUS_TIMEOUT;

  /* what is still in flight stays, to be counted */
  mosquitto_destroy (p->mosq);
  p->mosq = NULL;
  p->fresh = p->was_up = FALSE;
  try_connect (p);
  while (p->wiping && p->conn == CONNECTING && g_get_monotonic_time () < until)
    poll_once (p, until);
}

static gpointer
publisher_thread (gpointer user_data)
{
  EdgePublisher *p = user_data;
  gint64 deadline;

  /* below the streaming threads: video first */
  if (setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), 5) != 0)
    GST_DEBUG_OBJECT (p->out->element, "setpriority: %s", g_strerror (errno));

  while (!exchange (p)) {
    gint64 now = g_get_monotonic_time ();
    gboolean stopping;

    g_mutex_lock (&p->lock);
    stopping = p->stopping;
    g_mutex_unlock (&p->lock);
    if (p->conn == DOWN && now >= p->next_attempt && !stopping)
      try_connect (p);
    if (p->conn == CONNECTING && now >= p->connect_deadline)
      lost (p, "no answer to CONNECT");
    if (p->conn == UP)
      publish_more (p);
    if (p->spool)
      edge_spool_sync (p->spool, FALSE);
    deadline = now + POLL_MAX_MS * G_TIME_SPAN_MILLISECOND;
    if (p->conn == DOWN)
      deadline = MIN (deadline, p->next_attempt);
    poll_once (p, deadline);
  }
  if (p->conn == UP) {
    say_offline (p);
    if (p->session && p->id_generated)
      end_session (p);
  }
  if (p->mosq)
    mosquitto_destroy (p->mosq);
  p->mosq = NULL;
  return NULL;
}

static void
init_library (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    mosquitto_lib_init ();
    GST_DEBUG_CATEGORY_INIT (edge_publisher_debug, "edgereport-mqtt", 0,
                             "edgereport MQTT publisher");
    g_once_init_leave (&done, 1);
  }
}

EdgePublisher *
edge_publisher_new (const EdgePublisherConfig *c, EdgeOutput *out,
                    GError **error)
{
  EdgePublisher *p;
  struct mosquitto *probe;

  init_library ();
  p = g_new0 (EdgePublisher, 1);
  p->out = out;
  p->host = g_strdup (c->host);
  p->port = c->port;
  p->topic = g_strdup (c->topic);
  p->status_topic = g_strconcat (c->topic, "/status", NULL);
  p->qos = c->spool && c->qos == 0 ? 2 : c->qos;
  p->session = p->qos == 2;
  if (c->client_id)
    p->client_id = g_strdup (c->client_id);
  else if (c->spool)
    p->client_id = g_strconcat ("edgereport-", edge_spool_id (c->spool), NULL);
  else {
    /* "edgereport-" and 12 random hex digits: 23 characters, the most
     * every MQTT 3.1.1 broker takes */
    p->client_id = g_strdup_printf ("edgereport-%06x%06x",
                                    g_random_int_range (0, 0x1000000),
                                    g_random_int_range (0, 0x1000000));
    p->id_generated = TRUE;
  }
  p->username = g_strdup (c->username);
  p->password = g_strdup (c->password);
  p->ca_file = g_strdup (c->ca_file);
  p->cert_file = g_strdup (c->cert_file);
  p->key_file = g_strdup (c->key_file);
  p->max_queue = MAX (c->max_queue, 1);
  p->reconnect_max_ms = MAX (c->reconnect_max_ms, RECONNECT_MIN_MS);
  p->spool = c->spool;
  if (p->spool)
    p->why_queue = g_strdup_printf (
        "the queue of %u results waiting to be written to the spool was "
        "full (max-queue)",
        p->max_queue);
  else
    p->why_queue = g_strdup_printf (
        "the queue of %u results waiting for the MQTT broker was full "
        "(max-queue)",
        p->max_queue);
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  g_queue_init (&p->queue);
  g_queue_init (&p->in_flight);
  p->wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->wake_fd < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "eventfd: %s", g_strerror (errno));
    goto failed;
  }
  /* settings libmosquitto refuses fail now, not in the thread */
  probe = client_new (p, FALSE, error);
  if (probe == NULL)
    goto failed;
  mosquitto_destroy (probe);
  p->thread = g_thread_new ("edgereport-mqtt", publisher_thread, p);
  return p;

failed:
  p->spool = NULL; /* the caller's still */
  edge_publisher_free (p, 0);
  return NULL;
}

void
edge_publisher_push (EdgePublisher *p, const gchar *data, gsize len)
{
  gboolean dropped = FALSE, was_empty;

  g_mutex_lock (&p->lock);
  if (g_queue_get_length (&p->queue) >= p->max_queue) {
    g_bytes_unref (g_queue_pop_head (&p->queue));
    dropped = TRUE;
  }
  was_empty = g_queue_is_empty (&p->queue);
  g_queue_push_tail (&p->queue, g_bytes_new (data, len));
  g_mutex_unlock (&p->lock);
  if (was_empty)
    wake (p);
  if (dropped)
    edge_output_drop (p->out, 1, p->why_queue);
}

guint64
edge_publisher_flush (EdgePublisher *p, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint64 left;

  wake (p);
  g_mutex_lock (&p->lock);
  while ((!g_queue_is_empty (&p->queue) || p->waiting > 0) && !p->refused
         && g_cond_wait_until (&p->cond, &p->lock, until))
    ;
  if (p->spool == NULL && !g_queue_is_empty (&p->queue)) {
    p->drop_queue = TRUE;
    g_mutex_unlock (&p->lock);
    wake (p);
    g_mutex_lock (&p->lock);
    while (p->drop_queue)
      g_cond_wait (&p->cond, &p->lock);
  }
  left = p->spool ? g_queue_get_length (&p->queue) + p->waiting : 0;
  g_mutex_unlock (&p->lock);
  return left;
}

void
edge_publisher_stats (EdgePublisher *p, guint64 *delivered, guint64 *pending)
{
  g_mutex_lock (&p->lock);
  *delivered = p->delivered;
  *pending = g_queue_get_length (&p->queue) + p->waiting;
  g_mutex_unlock (&p->lock);
}

void
edge_publisher_free (EdgePublisher *p, guint drain_ms)
{
  guint64 dropped = 0;
  InFlight *f;
  GQueue left = G_QUEUE_INIT;

  if (p->thread) {
    g_mutex_lock (&p->lock);
    p->stopping = TRUE;
    p->stop_deadline
        = g_get_monotonic_time () + drain_ms * G_TIME_SPAN_MILLISECOND;
    g_mutex_unlock (&p->lock);
    wake (p);
    g_thread_join (p->thread);
  }

  /* what is left: kept in the spool, or lost */
  left = p->queue;
  g_queue_init (&p->queue);
  if (p->spool) {
    spool_queue (p, &left);
    edge_spool_close (p->spool);
  } else {
    dropped = g_queue_get_length (&left);
    g_queue_clear_full (&left, (GDestroyNotify)g_bytes_unref);
  }
  while ((f = g_queue_pop_head (&p->in_flight))) {
    dropped += p->spool == NULL && !f->acked;
    if (f->msg)
      g_bytes_unref (f->msg);
    g_free (f);
  }
  if (dropped)
    edge_output_drop (p->out, dropped,
                      "not delivered to the MQTT broker before the element "
                      "stopped");

  if (p->wake_fd >= 0)
    close (p->wake_fd);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  if (p->password)
    memset (p->password, 0, strlen (p->password));
  g_free (p->password);
  g_free (p->username);
  g_free (p->host);
  g_free (p->topic);
  g_free (p->status_topic);
  g_free (p->client_id);
  g_free (p->ca_file);
  g_free (p->cert_file);
  g_free (p->key_file);
  g_free (p->why_queue);
  g_free (p->abandon);
  g_free (p);
}
