/* edgeclassify: edgereport's metrics server (Prometheus /metrics)
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* An output that delivers no records: with metrics-port set, the element
 * serves /metrics over HTTP (libsoup) for the whole process: the numbers
 * of every edgeclassify (edgeclassify-stats.c) and of every output of
 * every running edgereport (edge_outputs_snapshot()).
 *
 * The server runs in a thread of its own, below the streaming threads'
 * priority, on a GMainContext of its own: neither the application's main
 * loop nor a streaming thread ever serves a request, and a request takes
 * no object lock, only each statistic's own lock long enough to copy it.
 * open() waits for the thread to bind the address, so that a port in use
 * fails the start. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "edgereport-output.h"
#include "edgeclassify-stats.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <libsoup/soup.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

#define DEFAULT_METRICS_ADDRESS "127.0.0.1"
#define METRICS_PATH "/metrics"
#define NICE 5 /* as the MQTT publisher: below the streaming threads */

#define CONTENT_TYPE_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_OPENMETRICS                                               \
  "application/openmetrics-text; version=1.0.0; charset=utf-8"

extern const EdgeOutputClass edge_output_metrics;

typedef struct {
  gint port;
  gchar *address;
} MetricsSettings;

#define FIELD(f) G_STRUCT_OFFSET (MetricsSettings, f)
static const EdgeProp metrics_props[] = {
  /**
   * GstEdgeReport:metrics-port:
   *
   * TCP port to serve Prometheus metrics on, at /metrics: those of every
   * edgeclassify and every edgereport of the process. 0: no server. 1 to
   * 65535 (anything else fails start).
   */
  { "metrics-port",
    "TCP port serving /metrics for the whole process (0: off, 1 to 65535)",
    EDGE_PROP_INT, FIELD (port), 0, 65535, 0 },
  /**
   * GstEdgeReport:metrics-address:
   *
   * IP address of this machine the metrics server listens on: 127.0.0.1
   * (the default) for this machine only, 0.0.0.0 or :: for every
   * interface.
   */
  { "metrics-address",
    "IP address the metrics server listens on (0.0.0.0: all interfaces)",
    EDGE_PROP_STRING, FIELD (address), .def_str = DEFAULT_METRICS_ADDRESS },
};
#undef FIELD

typedef struct {
  EdgeOutput base;
  gchar *where; /* "127.0.0.1:9100", "[::1]:9100": for messages */
  GSocketAddress *address;

  GMainContext *context; /* the server thread's */
  GMainLoop *loop;
  GThread *thread;
  SoupServer *server; /* server thread only */

  /* the thread says whether it could listen (lock) */
  GMutex lock;
  GCond cond;
  gboolean started;
  GError *error;
} MetricsOutput;

static gboolean
metrics_wanted (gconstpointer settings)
{
  return ((const MetricsSettings *)settings)->port != 0;
}

/* ---- one request (server thread) ---- */

/* Which exposition the Accept header asks for: OpenMetrics when it is
 * preferred (a higher quality, or the same and named first) to the
 * Prometheus text format, which is also the answer to no header and to
 * one that accepts neither, as Prometheus' own client libraries do. */
static EcExposition
negotiate (const gchar *accept)
{
  EcExposition best = EC_EXPOSITION_PROMETHEUS;
  gdouble best_q = 0.0;
  GSList *items;

  if (accept == NULL)
    return best;
  items = soup_header_parse_list (accept);
  for (GSList *l = items; l; l = l->next) {
    gchar *item = l->data, *semi = strchr (item, ';');
    GHashTable *params = NULL;
    const gchar *version = NULL, *q;
    gdouble quality = 1.0;
    EcExposition format = EC_EXPOSITION_PROMETHEUS;

    if (semi) {
      *semi = '\0';
      params = soup_header_parse_semi_param_list (semi + 1);
      version = g_hash_table_lookup (params, "version");
      if ((q = g_hash_table_lookup (params, "q")) != NULL)
        quality = g_ascii_strtod (q, NULL);
    }
    g_strstrip (item);
    if (g_ascii_strcasecmp (item, "application/openmetrics-text") == 0
        && (version == NULL || strcmp (version, "1.0.0") == 0))
      format = EC_EXPOSITION_OPENMETRICS;
    else if ((g_ascii_strcasecmp (item, "text/plain") == 0
              && (version == NULL || strcmp (version, "0.0.4") == 0))
             || g_ascii_strcasecmp (item, "text/*") == 0
             || strcmp (item, "*/*") == 0)
      format = EC_EXPOSITION_PROMETHEUS;
    else
      quality = 0.0;
    if (quality > best_q) {
      best_q = quality;
      best = format;
    }
    if (params)
      soup_header_free_param_list (params);
  }
  soup_header_free_list (items);
  return best;
}

static void
append_output_labels (GString *out, const EdgeOutputSnapshot *s,
                      const gchar *reason)
{
  g_string_append (out, "{element=\"");
  ec_metrics_label_value (out, s->element);
  g_string_append (out, "\",output=\"");
  ec_metrics_label_value (out, s->output);
  g_string_append_c (out, '"');
  if (reason) {
    g_string_append (out, ",reason=\"");
    ec_metrics_label_value (out, reason);
    g_string_append_c (out, '"');
  }
  g_string_append (out, "} ");
}

/* The families of edgereport's outputs, each once */
static void
render_outputs (GString *out, EcExposition format)
{
  GPtrArray *all = edge_outputs_snapshot ();
  const EdgeOutputSnapshot *s;

  ec_metrics_family (out, format, "edgereport_records_written", "counter",
                     "Records delivered by an output (file: written; MQTT: "
                     "sent at QoS 0, acknowledged at QoS 1)");
  for (guint i = 0; i < all->len; i++) {
    s = g_ptr_array_index (all, i);
    g_string_append (out, "edgereport_records_written_total");
    append_output_labels (out, s, NULL);
    g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", s->stats.written);
  }
  ec_metrics_family (out, format, "edgereport_records_dropped", "counter",
                     "Records an output lost");
  for (guint i = 0; i < all->len; i++) {
    s = g_ptr_array_index (all, i);
    g_string_append (out, "edgereport_records_dropped_total");
    append_output_labels (out, s, NULL);
    g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", s->stats.dropped);
  }
  ec_metrics_family (out, format, "edgereport_records_dropped_by_reason",
                     "counter", "Records an output lost, by reason");
  for (guint i = 0; i < all->len; i++) {
    s = g_ptr_array_index (all, i);
    for (guint r = 0; r < s->reasons->len; r++) {
      const EdgeDropReason *reason
          = &g_array_index (s->reasons, EdgeDropReason, r);

      g_string_append (out, "edgereport_records_dropped_by_reason_total");
      append_output_labels (out, s, reason->why);
      g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", reason->dropped);
    }
  }
  ec_metrics_family (out, format, "edgereport_records_pending", "gauge",
                     "Records waiting to be delivered, in memory or spooled");
  for (guint i = 0; i < all->len; i++) {
    s = g_ptr_array_index (all, i);
    g_string_append (out, "edgereport_records_pending");
    append_output_labels (out, s, NULL);
    g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", s->stats.pending);
  }
  g_ptr_array_unref (all);
}

static void
handle_metrics (SoupServer *server, SoupServerMessage *msg, const char *path,
                GHashTable *query, gpointer user_data)
{
  const gchar *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  EcExposition format;
  GString *body;
  gsize len;

  /* the handler of /metrics also gets /metrics/… */
  if (strcmp (path, METRICS_PATH) != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_append (response, "Allow", "GET, HEAD");
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }

  format = negotiate (soup_message_headers_get_list (request, "Accept"));
  body = g_string_sized_new (16384);
  ec_stats_render_metrics (body, format);
  render_outputs (body, format);
  if (format == EC_EXPOSITION_OPENMETRICS)
    g_string_append (body, "# EOF\n");
  len = body->len;
  soup_message_headers_append (response, "Vary", "Accept");
  /* libsoup closes a connection it did not accept itself after one
   * response: say so, or a client would send its next request into a
   * closed connection */
  soup_message_headers_append (response, "Connection", "close");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (
      msg,
      format == EC_EXPOSITION_OPENMETRICS ? CONTENT_TYPE_OPENMETRICS
                                          : CONTENT_TYPE_PROMETHEUS,
      SOUP_MEMORY_TAKE, g_string_free (body, FALSE), len);
}

/* ---- the server thread ---- */

/* A connection accepted: libsoup serves it from now on */
static gboolean
incoming (GSocketService *service, GSocketConnection *connection,
          GObject *source, gpointer user_data)
{
  MetricsOutput *m = user_data;
  GSocketAddress *local
      = g_socket_connection_get_local_address (connection, NULL);
  GSocketAddress *remote
      = g_socket_connection_get_remote_address (connection, NULL);
  GError *err = NULL;

  if (!soup_server_accept_iostream (m->server, G_IO_STREAM (connection), local,
                                    remote, &err)) {
    GST_DEBUG_OBJECT (m->base.element, "connection refused: %s", err->message);
    g_clear_error (&err);
  }
  g_clear_object (&local);
  g_clear_object (&remote);
  return TRUE;
}

static gpointer
serve (gpointer data)
{
  MetricsOutput *m = data;
  GSocketService *service;
  GError *err = NULL;
  gboolean ok;

  if (setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), NICE) != 0)
    GST_DEBUG_OBJECT (m->base.element, "setpriority: %s", g_strerror (errno));

  /* every source of the server (the listening socket, the connections)
   * is attached to the thread's default context, so this one */
  g_main_context_push_thread_default (m->context);
  m->server = soup_server_new ("server-header", "edgereport ", NULL);
  soup_server_add_handler (m->server, METRICS_PATH, handle_metrics, NULL, NULL);
  /* The connections are accepted here and handed to libsoup, rather than
   * by soup_server_listen(): libsoup 3.2 keeps a reference to every
   * socket it accepts itself, a leak per connection (fixed in later
   * versions). */
  service = g_socket_service_new ();
  g_signal_connect (service, "incoming", G_CALLBACK (incoming), m);
  ok = g_socket_listener_add_address (G_SOCKET_LISTENER (service), m->address,
                                      G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, NULL, &err);

  g_mutex_lock (&m->lock);
  m->started = TRUE;
  m->error = err;
  g_cond_signal (&m->cond);
  g_mutex_unlock (&m->lock);

  if (ok) {
    GST_INFO_OBJECT (m->base.element, "serving http://%s%s", m->where,
                     METRICS_PATH);
    g_main_loop_run (m->loop);
  }
  /* the port is free once the listener is closed; then the connections */
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_object_unref (service);
  soup_server_disconnect (m->server);
  g_clear_object (&m->server);
  while (g_main_context_iteration (m->context, FALSE))
    ;
  g_main_context_pop_thread_default (m->context);
  return NULL;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (((MetricsOutput *)data)->loop);
  return G_SOURCE_REMOVE;
}

/* Stops the thread, if any, and frees all but the base */
static void
metrics_close (EdgeOutput *out)
{
  MetricsOutput *m = (MetricsOutput *)out;

  if (m->thread) {
    /* a source, not g_main_loop_quit(): the loop may not run yet */
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, quit, m, NULL);
    g_source_attach (source, m->context);
    g_source_unref (source);
    g_thread_join (m->thread);
  }
  g_clear_error (&m->error);
  g_main_loop_unref (m->loop);
  g_main_context_unref (m->context);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->cond);
  g_clear_object (&m->address);
  g_free (m->where);
}

/* ---- open ---- */

static void
post_listen_error (GstElement *element, const gchar *where, const GError *err)
{
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    GST_ELEMENT_ERROR (
        element, RESOURCE, BUSY,
        ("Could not serve metrics on %s: the port is in use.", where),
        ("%s", err->message));
  else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_AUTHORIZED,
                       ("Could not serve metrics on %s: not permitted.", where),
                       ("%s", err->message));
  else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_FAILED))
    /* the one bind() error GIO has no code for: EADDRNOTAVAIL */
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
                       ("Could not serve metrics on %s: the address is not "
                        "one of this machine's.",
                        where),
                       ("%s", err->message));
  else
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ_WRITE,
                       ("Could not serve metrics on %s.", where),
                       ("%s", err->message));
}

static EdgeOutput *
metrics_open (GstElement *element, gconstpointer settings)
{
  const MetricsSettings *s = settings;
  GInetAddress *ip
      = s->address ? g_inet_address_new_from_string (s->address) : NULL;
  MetricsOutput *m;

  if (ip == NULL)
    goto bad_address;

  m = edge_output_new (&edge_output_metrics, sizeof (MetricsOutput), element);
  m->address = g_inet_socket_address_new (ip, (guint16)s->port);
  m->where = g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6
                 ? g_strdup_printf ("[%s]:%d", s->address, s->port)
                 : g_strdup_printf ("%s:%d", s->address, s->port);
  g_object_unref (ip);
  m->context = g_main_context_new ();
  m->loop = g_main_loop_new (m->context, FALSE);
  g_mutex_init (&m->lock);
  g_cond_init (&m->cond);
  m->thread = g_thread_new ("edgereport-http", serve, m);

  g_mutex_lock (&m->lock);
  while (!m->started)
    g_cond_wait (&m->cond, &m->lock);
  g_mutex_unlock (&m->lock);
  if (m->error)
    goto listen_failed;
  return &m->base;

  /* ERRORS */
bad_address : {
  GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
                     ("Invalid metrics-address \"%s\": it must be an IP "
                      "address of this machine, such as 127.0.0.1, ::1 or "
                      "0.0.0.0 (all).",
                      GST_STR_NULL (s->address)),
                     (NULL));
  return NULL;
}
listen_failed : {
  post_listen_error (element, m->where, m->error);
  metrics_close (&m->base);
  edge_output_free (&m->base);
  return NULL;
}
}

static GstFlowReturn
metrics_write_result (EdgeOutput *out, const EdgeRecord *record)
{
  return GST_FLOW_OK;
}

/* No stats(): it delivers no records, so it is not one of the outputs
 * the metrics list. */
const EdgeOutputClass edge_output_metrics = {
  .name = "metrics",
  .settings_size = sizeof (MetricsSettings),
  .props = metrics_props,
  .n_props = G_N_ELEMENTS (metrics_props),
  .wanted = metrics_wanted,
  .open = metrics_open,
  .write_result = metrics_write_result,
  .close = metrics_close,
};
