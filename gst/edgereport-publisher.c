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

#include "edgereport-publisher-private.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <mosquitto.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

GST_DEBUG_CATEGORY (edge_publisher_debug);
#define GST_CAT_DEFAULT edge_publisher_debug

static void
wake (EdgePublisher *p)
{
  guint64 one = 1;

  if (write (p->wake_fd, &one, sizeof (one)) < 0 && errno != EAGAIN)
    GST_WARNING_OBJECT (p->out->element, "wake: %s", g_strerror (errno));
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
    /* counted as waiting while they move: a flush that looked now would
     * see neither them nor the spool they are going to, and end of stream
     * would come before they are spooled (or dropped past the quota) */
    p->waiting += g_queue_get_length (&taken);
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
    edge_publisher_lost (p, "refused");
  else if (p->wiped || p->abandon)
    edge_publisher_after_callbacks (p);
  else if (rc != MOSQ_ERR_SUCCESS || p->lost)
    edge_publisher_lost (p, p->lost ? "refused for now"
                                    : edge_publisher_rc_string (rc));
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
  edge_publisher_try_connect (p);
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
      edge_publisher_try_connect (p);
    if (p->conn == CONNECTING && now >= p->connect_deadline)
      edge_publisher_lost (p, "no answer to CONNECT");
    if (p->conn == UP)
      edge_publisher_publish_more (p);
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
  probe = edge_publisher_client_new (p, FALSE, error);
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
