/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* edgereport: JSON lines per classified frame, in a file and over MQTT.
 *
 * The MQTT tests start a real broker (mosquitto, from PATH or an sbin
 * folder) on a free loopback port, with its configuration written to
 * EDGE_TEST_OUTPUT_DIR (default: the working directory), and subscribe
 * with libmosquitto. Every wait is bounded and the broker is always
 * stopped: at the end of each test, and by the kernel if the test process
 * dies first. */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>

#define W 320
#define H 240

static gchar *
output_path (const gchar *name)
{
  const gchar *dir = g_getenv ("EDGE_TEST_OUTPUT_DIR");
  gchar *base = g_strdup_printf ("edgereport-%d-%s", (gint)getpid (), name);
  gchar *path = g_build_filename (dir ? dir : ".", base, NULL);

  g_free (base);
  return path;
}

static void
set_array (GstStructure *s, const gchar *field, GType type, guint n,
           gconstpointer values)
{
  GValue array = G_VALUE_INIT;

  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, type);
    if (type == G_TYPE_STRING)
      g_value_set_string (&v, ((const gchar **)values)[i]);
    else if (type == G_TYPE_INT)
      g_value_set_int (&v, ((const gint *)values)[i]);
    else
      g_value_set_double (&v, ((const gdouble *)values)[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, field, &array);
}

/* A result in the fixed schema (version 1), as edgeclassify attaches it */
static void
add_result (GstBuffer *buf, guint x, guint y, guint w, guint h, guint64 frame,
            gboolean stale)
{
  static const gchar *labels[] = { "cat", "dog \"the\" good", "fox" };
  static const gint ids[] = { 3, 5, 1 };
  static const gdouble confs[] = { 0.75, 0.125, 0.0625 };
  GstVideoRegionOfInterestMeta *meta;
  GstStructure *s;

  meta = gst_buffer_add_video_region_of_interest_meta (buf, labels[0], x, y, w,
                                                       h);
  s = gst_structure_new (
      "classification", "label", G_TYPE_STRING, labels[0], "label_id",
      G_TYPE_INT, ids[0], "confidence", G_TYPE_DOUBLE, confs[0], "model",
      G_TYPE_STRING, "test-model", "frame", G_TYPE_UINT64, frame, "pts",
      G_TYPE_UINT64, GST_BUFFER_PTS (buf), "inference_us", G_TYPE_DOUBLE, 120.5,
      "stale", G_TYPE_BOOLEAN, stale, "schema_version", G_TYPE_INT, 1, NULL);
  set_array (s, "top_labels", G_TYPE_STRING, 3, labels);
  set_array (s, "top_ids", G_TYPE_INT, 3, ids);
  set_array (s, "top_confidences", G_TYPE_DOUBLE, 3, confs);
  gst_video_region_of_interest_meta_add_param (meta, s);
}

/* Frame @i; with a full-frame result when @classified */
static GstBuffer *
make_frame (guint i, gboolean classified)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);

  GST_BUFFER_PTS (buf) = i * 40 * GST_MSECOND;
  if (classified)
    add_result (buf, 0, 0, W, H, i, FALSE);
  return buf;
}

static GstHarness *
make_harness (const gchar *props)
{
  gchar *launch = g_strdup_printf ("edgereport %s", props);
  GstHarness *h = gst_harness_new_parse (launch);

  g_free (launch);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=320,"
                                   "height=240,framerate=25/1");
  return h;
}

static gchar **
read_lines (const gchar *path)
{
  gchar *contents = NULL, **lines;

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  g_strchomp (contents);
  lines = contents[0] ? g_strsplit (contents, "\n", -1) : g_new0 (gchar *, 1);
  g_free (contents);
  return lines;
}

static JsonObject *
parse_object (JsonParser *parser, const gchar *line)
{
  GError *err = NULL;

  fail_unless (json_parser_load_from_data (parser, line, -1, &err),
               "not JSON: %s (%s)", line, err ? err->message : "");
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
check_classification (JsonObject *c, guint64 frame, gint64 pts, gint x, gint y,
                      gint w, gint h)
{
  JsonArray *a;

  fail_unless_equals_string (json_object_get_string_member (c, "label"), "cat");
  fail_unless_equals_int (json_object_get_int_member (c, "label_id"), 3);
  fail_unless_equals_float (json_object_get_double_member (c, "confidence"),
                            0.75);
  a = json_object_get_array_member (c, "top_labels");
  fail_unless_equals_int (json_array_get_length (a), 3);
  fail_unless_equals_string (json_array_get_string_element (a, 1),
                             "dog \"the\" good");
  a = json_object_get_array_member (c, "top_ids");
  fail_unless_equals_int (json_array_get_int_element (a, 2), 1);
  a = json_object_get_array_member (c, "top_confidences");
  fail_unless_equals_float (json_array_get_double_element (a, 1), 0.125);
  fail_unless_equals_string (json_object_get_string_member (c, "model"),
                             "test-model");
  fail_unless_equals_int64 (json_object_get_int_member (c, "frame"), frame);
  fail_unless_equals_int64 (json_object_get_int_member (c, "pts"), pts);
  fail_unless_equals_float (json_object_get_double_member (c, "inference_us"),
                            120.5);
  fail_if (json_object_get_boolean_member (c, "stale"));
  fail_unless_equals_int (json_object_get_int_member (c, "schema_version"), 1);
  fail_unless_equals_int (json_object_get_int_member (c, "x"), x);
  fail_unless_equals_int (json_object_get_int_member (c, "y"), y);
  fail_unless_equals_int (json_object_get_int_member (c, "width"), w);
  fail_unless_equals_int (json_object_get_int_member (c, "height"), h);
}

/* One line per frame with results, every field there */
GST_START_TEST (test_json_lines)
{
  gchar *path = output_path ("lines.jsonl");
  gchar *props = g_strdup_printf ("location=\"%s\"", path);
  GstHarness *h;
  GstEvent *start;
  const gchar *stream_id;
  JsonParser *parser = json_parser_new ();
  GDateTime *before, *after;
  gchar **lines;

  g_unlink (path);
  h = make_harness (props);
  gst_harness_push_event (
      h, gst_event_new_tag (gst_tag_list_new (
             GST_TAG_LOCATION, "rtsp://user:secret@camera.example/stream1",
             NULL)));
  before = g_date_time_new_now_utc ();
  for (guint i = 0; i < 5; i++) {
    GstBuffer *buf = make_frame (i, i % 2 == 0);
    if (i == 2)
      add_result (buf, 16, 32, 64, 48, i, FALSE);
    gst_buffer_unref (gst_harness_push_and_pull (h, buf));
  }
  after = g_date_time_new_now_utc ();
  start = gst_pad_get_sticky_event (h->srcpad, GST_EVENT_STREAM_START, 0);
  gst_event_parse_stream_start (start, &stream_id);

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 3);
  for (guint l = 0; l < 3; l++) {
    guint64 frame = 2 * l;
    JsonObject *o = parse_object (parser, lines[l]);
    JsonArray *cs = json_object_get_array_member (o, "classifications");
    GDateTime *t = g_date_time_new_from_iso8601 (
        json_object_get_string_member (o, "timestamp"), NULL);

    fail_unless_equals_int (json_object_get_int_member (o, "schema_version"),
                            1);
    fail_unless_equals_string (json_object_get_string_member (o, "stream_id"),
                               stream_id);
    fail_unless_equals_string (json_object_get_string_member (o, "source_uri"),
                               "rtsp://camera.example/stream1");
    fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), frame);
    fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
                              frame * 40 * GST_MSECOND);
    fail_unless (t != NULL);
    fail_unless (
        g_str_has_suffix (json_object_get_string_member (o, "timestamp"), "Z"));
    fail_unless (g_date_time_compare (before, t) <= 0
                 && g_date_time_compare (t, after) <= 0);
    g_date_time_unref (t);
    fail_unless_equals_int (json_object_get_int_member (o, "width"), W);
    fail_unless_equals_int (json_object_get_int_member (o, "height"), H);
    fail_unless_equals_int (json_array_get_length (cs), frame == 2 ? 2 : 1);
    check_classification (json_array_get_object_element (cs, 0), frame,
                          frame * 40 * GST_MSECOND, 0, 0, W, H);
    if (frame == 2)
      check_classification (json_array_get_object_element (cs, 1), frame,
                            frame * 40 * GST_MSECOND, 16, 32, 64, 48);
  }

  g_strfreev (lines);
  gst_event_unref (start);
  g_date_time_unref (before);
  g_date_time_unref (after);
  g_object_unref (parser);
  gst_harness_teardown (h);
  g_unlink (path);
  g_free (props);
  g_free (path);
}

GST_END_TEST;

/* The file is appended to, never truncated; no PTS gives null */
GST_START_TEST (test_append)
{
  gchar *path = output_path ("append.jsonl");
  gchar *props = g_strdup_printf ("location=\"%s\"", path);
  JsonParser *parser = json_parser_new ();
  GstHarness *h;
  GstBuffer *buf;
  gchar **lines;
  JsonObject *o;

  fail_unless (g_file_set_contents (path, "{\"earlier\":true}\n", -1, NULL));
  h = make_harness (props);
  buf = make_frame (0, FALSE);
  GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
  add_result (buf, 0, 0, W, H, 0, FALSE);
  gst_buffer_unref (gst_harness_push_and_pull (h, buf));
  gst_harness_teardown (h);

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 2);
  fail_unless_equals_string (lines[0], "{\"earlier\":true}");
  o = parse_object (parser, lines[1]);
  fail_unless (json_object_get_null_member (o, "pts"));
  o = json_array_get_object_element (
      json_object_get_array_member (o, "classifications"), 0);
  fail_unless (json_object_get_null_member (o, "pts"));
  g_strfreev (lines);
  g_object_unref (parser);
  g_unlink (path);
  g_free (props);
  g_free (path);
}

GST_END_TEST;

/* Every property reads back what was set, and the element frees every
 * string it holds (the leak checkers see the rest) */
GST_START_TEST (test_properties)
{
  GstElement *report = gst_element_factory_make ("edgereport", NULL);
  GParamSpec **specs;
  guint n;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (report), &n);
  for (guint i = 0; i < n; i++) {
    GParamSpec *p = specs[i];
    GValue v = G_VALUE_INIT;

    if (p->owner_type != G_OBJECT_TYPE (report)
        || !(p->flags & G_PARAM_WRITABLE))
      continue;
    g_value_init (&v, p->value_type);
    if (p->value_type == G_TYPE_STRING) {
      gchar *text = g_strdup_printf ("value of %s", p->name), *back = NULL;
      g_object_set (report, p->name, text, NULL);
      g_object_get (report, p->name, &back, NULL);
      fail_unless_equals_string (back, text);
      g_free (back);
      g_free (text);
    } else {
      /* numbers: the default reads back */
      g_object_get_property (G_OBJECT (report), p->name, &v);
      fail_unless (g_param_value_defaults (p, &v), "%s", p->name);
    }
    g_value_unset (&v);
  }
  g_free (specs);
  gst_object_unref (report);
}

GST_END_TEST;

/* Starting fails with the error on the bus, in the domain and code given */
static void
check_start_error (const gchar *props, GQuark domain, gint code)
{
  gchar *launch = g_strdup_printf ("fakesrc ! edgereport %s ! fakesink", props);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
                          GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, domain, code), "got %s %d: %s",
               g_quark_to_string (err->domain), err->code, err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);
}

GST_START_TEST (test_start_errors)
{
  check_start_error ("location=/nonexistent-folder/results.jsonl",
                     GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE);
  check_start_error ("mqtt-host=127.0.0.1 mqtt-port=9 "
                     "mqtt-tls-ca-file=/nonexistent-folder/ca.pem",
                     GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ);
}

GST_END_TEST;

static GstPadProbeReturn
classify_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  guint *count = user_data;
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  add_result (buf, 0, 0, 8, 8, (*count)++, FALSE);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* The source URI comes from the upstream URI query */
GST_START_TEST (test_source_uri_query)
{
  gchar *raw = output_path ("frames.gray");
  gchar *path = output_path ("query.jsonl");
  gchar *uri = gst_filename_to_uri (raw, NULL);
  gchar *launch = g_strdup_printf (
      "filesrc location=\"%s\" ! rawvideoparse "
      "width=8 height=8 format=gray8 framerate=10/1 ! edgereport name=r "
      "location=\"%s\" ! fakesink",
      raw, path);
  GstElement *pipeline, *report;
  GstPad *pad;
  GstMessage *msg;
  JsonParser *parser = json_parser_new ();
  guint count = 0;
  gchar **lines, zeros[64 * 4] = { 0 };

  fail_unless (g_file_set_contents (raw, zeros, sizeof (zeros), NULL));
  g_unlink (path);
  pipeline = gst_parse_launch (launch, NULL);
  report = gst_bin_get_by_name (GST_BIN (pipeline), "r");
  pad = gst_element_get_static_pad (report, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, classify_probe, &count,
                     NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 10 * GST_SECOND,
                                    GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 4);
  fail_unless_equals_string (json_object_get_string_member (
                                 parse_object (parser, lines[3]), "source_uri"),
                             uri);
  g_strfreev (lines);
  g_object_unref (parser);
  gst_object_unref (pad);
  gst_object_unref (report);
  gst_object_unref (pipeline);
  g_unlink (raw);
  g_unlink (path);
  g_free (launch);
  g_free (uri);
  g_free (path);
  g_free (raw);
}

GST_END_TEST;

/* --- MQTT: a broker of our own and a subscriber --- */

typedef struct {
  gint port;
  gchar *conf;
  GPid pid;
} Broker;

static gint
free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof (addr);
  gint fd = socket (AF_INET, SOCK_STREAM, 0), port;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *)&addr, &len) == 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static gboolean
port_open (gint port)
{
  struct sockaddr_in addr = { 0 };
  gint fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ok = connect (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0;
  close (fd);
  return ok;
}

/* The broker dies with the test process, whatever happens to it */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
broker_start (Broker *b)
{
  static const gchar *sbin[] = { "/usr/sbin", "/usr/local/sbin", "/sbin" };
  gchar *exe = g_find_program_in_path ("mosquitto");
  gchar *argv[] = { NULL, (gchar *)"-c", b->conf, NULL };
  gint64 until = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  for (guint d = 0; exe == NULL && d < G_N_ELEMENTS (sbin); d++) {
    gchar *p = g_build_filename (sbin[d], "mosquitto", NULL);
    if (g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
      exe = p;
    else
      g_free (p);
  }
  fail_unless (exe != NULL, "the mosquitto broker is not installed");
  argv[0] = exe;
  fail_unless (g_spawn_async (
      NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
      die_with_parent, NULL, &b->pid, NULL));
  while (!port_open (b->port)) {
    fail_unless (g_get_monotonic_time () < until, "broker did not start");
    g_usleep (20 * 1000);
  }
  g_free (exe);
}

static void
broker_stop (Broker *b)
{
  gint64 until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  if (b->pid <= 0)
    return;
  kill (b->pid, SIGTERM);
  while (waitpid (b->pid, NULL, WNOHANG) == 0) {
    if (g_get_monotonic_time () > until) {
      kill (b->pid, SIGKILL);
      waitpid (b->pid, NULL, 0);
      break;
    }
    g_usleep (10 * 1000);
  }
  g_spawn_close_pid (b->pid);
  b->pid = 0;
}

/* A broker on a free port; @extra adds to its configuration */
static Broker *
broker_new_with (const gchar *extra)
{
  Broker *b = g_new0 (Broker, 1);
  gchar *name, *text;

  b->port = free_port ();
  name = g_strdup_printf ("mosquitto-%d.conf", b->port);
  b->conf = output_path (name);
  /* "user": a broker started as root would switch to another user, who
   * could not read our files */
  text = g_strdup_printf ("user %s\nallow_anonymous true\n"
                          "persistence false\nlog_dest stderr\nlog_type error\n"
                          "listener %d 127.0.0.1\n%s",
                          g_get_user_name (), b->port, extra);
  fail_unless (g_file_set_contents (b->conf, text, -1, NULL));
  broker_start (b);
  g_free (text);
  g_free (name);
  return b;
}

static Broker *
broker_new (void)
{
  return broker_new_with ("");
}

static void
broker_free (Broker *b)
{
  broker_stop (b);
  g_unlink (b->conf);
  g_free (b->conf);
  g_free (b);
}

typedef struct {
  struct mosquitto *mosq;
  gchar *topic;
  GMutex lock;
  GCond cond;
  GPtrArray *messages; /* of gchar * */
  gboolean subscribed;
} Subscriber;

static void
sub_on_connect (struct mosquitto *mosq, void *user_data, int rc)
{
  Subscriber *s = user_data;

  if (rc == 0)
    mosquitto_subscribe (mosq, NULL, s->topic, 1);
}

static void
sub_on_subscribe (struct mosquitto *mosq, void *user_data, int mid, int n,
                  const int *granted)
{
  Subscriber *s = user_data;

  g_mutex_lock (&s->lock);
  s->subscribed = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

static void
sub_on_message (struct mosquitto *mosq, void *user_data,
                const struct mosquitto_message *msg)
{
  Subscriber *s = user_data;

  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->messages, g_strndup (msg->payload, msg->payloadlen));
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

/* Waits at most @seconds for the subscription, or for @n messages */
static gboolean
sub_wait (Subscriber *s, guint n, gint seconds)
{
  gint64 until = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean ok = TRUE;

  g_mutex_lock (&s->lock);
  while (ok && (n == 0 ? !s->subscribed : s->messages->len < n))
    ok = g_cond_wait_until (&s->cond, &s->lock, until);
  g_mutex_unlock (&s->lock);
  return ok;
}

static Subscriber *
sub_new (gint port, const gchar *topic)
{
  Subscriber *s = g_new0 (Subscriber, 1);

  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->messages = g_ptr_array_new_with_free_func (g_free);
  s->topic = g_strdup (topic);
  s->mosq = mosquitto_new (NULL, true, s);
  mosquitto_connect_callback_set (s->mosq, sub_on_connect);
  mosquitto_subscribe_callback_set (s->mosq, sub_on_subscribe);
  mosquitto_message_callback_set (s->mosq, sub_on_message);
  mosquitto_reconnect_delay_set (s->mosq, 1, 1, false);
  fail_unless_equals_int (
      mosquitto_connect_async (s->mosq, "127.0.0.1", port, 10),
      MOSQ_ERR_SUCCESS);
  fail_unless_equals_int (mosquitto_loop_start (s->mosq), MOSQ_ERR_SUCCESS);
  fail_unless (sub_wait (s, 0, 10), "subscriber did not subscribe");
  return s;
}

static void
sub_free (Subscriber *s)
{
  mosquitto_disconnect (s->mosq);
  mosquitto_loop_stop (s->mosq, false);
  mosquitto_destroy (s->mosq);
  g_ptr_array_unref (s->messages);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->topic);
  g_free (s);
}

/* One message per classified frame, the same text as the file's lines */
GST_START_TEST (test_mqtt_same_as_file)
{
  gint qos = __i__;
  Broker *b = broker_new ();
  Subscriber *s = sub_new (b->port, "edge/test");
  gchar *path = output_path ("mqtt.jsonl");
  gchar *props
      = g_strdup_printf ("location=\"%s\" mqtt-host=127.0.0.1 "
                         "mqtt-port=%d mqtt-topic=edge/test mqtt-qos=%d "
                         "mqtt-client-id=edgereport-test",
                         path, b->port, qos);
  GstHarness *h;
  GstElement *report;
  guint64 dropped;
  gchar **lines;

  g_unlink (path);
  h = make_harness (props);
  for (guint i = 0; i < 12; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, i != 5)));
  fail_unless (sub_wait (s, 11, 15), "only %u of 11 messages arrived",
               s->messages->len);
  g_usleep (200 * 1000); /* nothing more should come */

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 11);
  fail_unless_equals_int (s->messages->len, 11);
  for (guint i = 0; i < 11; i++)
    fail_unless_equals_string (g_ptr_array_index (s->messages, i), lines[i]);
  report = gst_harness_find_element (h, "edgereport");
  g_object_get (report, "dropped", &dropped, NULL);
  fail_unless_equals_uint64 (dropped, 0);

  gst_object_unref (report);
  g_strfreev (lines);
  gst_harness_teardown (h);
  sub_free (s);
  broker_free (b);
  g_unlink (path);
  g_free (props);
  g_free (path);
}

GST_END_TEST;

/* The frame of the last message received, -1 if none */
static gint64
last_frame (Subscriber *s)
{
  JsonParser *parser = json_parser_new ();
  gint64 frame = -1;

  g_mutex_lock (&s->lock);
  if (s->messages->len > 0)
    frame = json_object_get_int_member (
        parse_object (parser,
                      g_ptr_array_index (s->messages, s->messages->len - 1)),
        "frame");
  g_mutex_unlock (&s->lock);
  g_object_unref (parser);
  return frame;
}

/* The broker goes away mid-stream and comes back: pushing never blocks,
 * drops are counted and announced, and messages resume */
GST_START_TEST (test_mqtt_broker_restart)
{
  Broker *b = broker_new ();
  Subscriber *s = sub_new (b->port, "edge/restart");
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/restart max-queue=5",
                                  b->port);
  GstHarness *h = make_harness (props);
  GstElement *report = gst_harness_find_element (h, "edgereport");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gint64 until, longest = 0;
  guint64 dropped;
  guint i = 0;
  gboolean resumed = FALSE;

  gst_element_set_bus (h->element, bus);
  for (; i < 5; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_unless (sub_wait (s, 5, 15));

  broker_stop (b);
  for (; i < 40; i++) {
    gint64 t0 = g_get_monotonic_time ();
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
    longest = MAX (longest, g_get_monotonic_time () - t0);
    g_usleep (10 * 1000);
  }
  fail_unless (longest < 200 * 1000, "a frame took %" G_GINT64_FORMAT " us",
               longest);
  g_object_get (report, "dropped", &dropped, NULL);
  fail_unless (dropped >= 20, "only %" G_GUINT64_FORMAT " dropped", dropped);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  fail_unless (gst_message_has_name (msg, "edgereport-dropped"));
  gst_message_unref (msg);

  /* frames pushed while the broker was away (after the queue of 5) are
   * lost; the first ones pushed after it is back must arrive */
  broker_start (b);
  until = g_get_monotonic_time () + 45 * G_TIME_SPAN_SECOND;
  while (!resumed && g_get_monotonic_time () < until) {
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i++, TRUE)));
    g_usleep (50 * 1000);
    resumed = last_frame (s) >= 40;
  }
  fail_unless (resumed, "no message after the broker came back");

  gst_object_unref (report);
  /* the messages still queued on our bus hold the bin */
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  sub_free (s);
  broker_free (b);
  g_free (props);
}

GST_END_TEST;

static void
run (const gchar *command)
{
  gchar *out = NULL, *err = NULL;
  gint status;

  fail_unless (g_spawn_command_line_sync (command, &out, &err, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s: %s", command,
               err);
  g_free (out);
  g_free (err);
}

/* A certificate authority and a certificate it signs for 127.0.0.1 */
static void
make_certificates (const gchar *dir)
{
  gchar *cmd, *openssl = g_find_program_in_path ("openssl");

  fail_unless (openssl != NULL, "openssl is not installed");
  g_free (openssl);
  cmd = g_strdup_printf (
      "sh -c 'cd \"%s\" && "
      "printf \"subjectAltName=IP:127.0.0.1\\n\" > san.ext && "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca "
      "-keyout ca.key -out ca.pem && "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca "
      "-keyout other.key -out other.pem && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
      "-keyout server.key -out server.csr && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -days 1 -extfile san.ext -out server.pem'",
      dir);
  run (cmd);
  g_free (cmd);
}

static void
remove_dir (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

/* TLS: the broker's certificate is checked against mqtt-tls-ca-file; with
 * the right CA messages arrive, with another one none do */
GST_START_TEST (test_mqtt_tls)
{
  gchar *dir = output_path ("tls");
  gint tls_port = free_port ();
  gchar *extra, *props, *other;
  Broker *b;
  Subscriber *s;
  GstHarness *h;

  g_mkdir_with_parents (dir, 0700);
  make_certificates (dir);
  extra = g_strdup_printf ("listener %d 127.0.0.1\ncafile %s/ca.pem\n"
                           "certfile %s/server.pem\nkeyfile %s/server.key\n",
                           tls_port, dir, dir, dir);
  b = broker_new_with (extra);
  s = sub_new (b->port, "edge/tls");
  fail_unless (port_open (tls_port));

  /* a CA that did not sign the broker's certificate: nothing gets through */
  other = g_strdup_printf ("%s/other.pem", dir);
  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                           "mqtt-topic=edge/tls mqtt-tls-ca-file=\"%s\"",
                           tls_port, other);
  h = make_harness (props);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_if (sub_wait (s, 1, 2), "a message came through an untrusted broker");
  gst_harness_teardown (h);
  g_free (props);

  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                           "mqtt-topic=edge/tls mqtt-tls-ca-file=\"%s/ca.pem\"",
                           tls_port, dir);
  h = make_harness (props);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_unless (sub_wait (s, 3, 15), "%u of 3 messages over TLS",
               s->messages->len);
  gst_harness_teardown (h);

  sub_free (s);
  broker_free (b);
  remove_dir (dir);
  g_free (props);
  g_free (other);
  g_free (extra);
  g_free (dir);
}

GST_END_TEST;

static Suite *
edgereport_suite (void)
{
  Suite *s = suite_create ("edgereport");
  TCase *tc = tcase_create ("general");

  mosquitto_lib_init ();
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_json_lines);
  tcase_add_test (tc, test_append);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_start_errors);
  tcase_add_test (tc, test_source_uri_query);
  tcase_add_loop_test (tc, test_mqtt_same_as_file, 0, 2);
  tcase_add_test (tc, test_mqtt_broker_restart);
  tcase_add_test (tc, test_mqtt_tls);
  return s;
}

GST_CHECK_MAIN (edgereport);
