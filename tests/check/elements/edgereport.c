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
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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

static void remove_dir (const gchar *dir);

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
  gchar **lines, *run_id = NULL;

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
    if (l == 0)
      run_id = g_strdup (json_object_get_string_member (o, "run_id"));
    fail_unless_equals_string (json_object_get_string_member (o, "run_id"),
                               run_id);
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
  g_free (run_id);
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

/* The file is appended to, never truncated; no PTS gives null; each run
 * has a run_id of its own */
/* location=- writes the lines to standard output, which stays open after
 * the element stops; caps without a size report width and height 0 */
GST_START_TEST (test_stdout_and_sizeless_caps)
{
  gint pipe_fd[2], saved = dup (STDOUT_FILENO);
  GstHarness *h;
  gchar buf[65536], **lines;
  gssize n;
  JsonParser *parser = json_parser_new ();
  JsonObject *o;

  fail_unless (pipe (pipe_fd) == 0);
  fail_unless (dup2 (pipe_fd[1], STDOUT_FILENO) == STDOUT_FILENO);
  close (pipe_fd[1]);

  h = gst_harness_new_parse ("edgereport location=-");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420");
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, i != 1)));
  gst_harness_teardown (h);
  /* still open: our stdout was not closed by the element */
  fail_unless (fcntl (STDOUT_FILENO, F_GETFD) != -1);
  fail_unless (dup2 (saved, STDOUT_FILENO) == STDOUT_FILENO);
  close (saved);

  n = read (pipe_fd[0], buf, sizeof (buf) - 1);
  close (pipe_fd[0]);
  fail_unless (n > 0);
  buf[n] = '\0';
  lines = g_strsplit (g_strchomp (buf), "\n", -1);
  fail_unless_equals_int (g_strv_length (lines), 2);
  for (guint i = 0; i < 2; i++) {
    o = parse_object (parser, lines[i]);
    fail_unless_equals_int (json_object_get_int_member (o, "frame"), i * 2);
    fail_unless_equals_int (json_object_get_int_member (o, "width"), 0);
    fail_unless_equals_int (json_object_get_int_member (o, "height"), 0);
  }
  g_strfreev (lines);
  g_object_unref (parser);
}

GST_END_TEST;

GST_START_TEST (test_append)
{
  gchar *path = output_path ("append.jsonl");
  gchar *props = g_strdup_printf ("location=\"%s\"", path);
  JsonParser *parser = json_parser_new ();
  GstHarness *h;
  GstBuffer *buf;
  gchar **lines, *run_id;
  JsonObject *o;

  fail_unless (g_file_set_contents (path, "{\"earlier\":true}\n", -1, NULL));
  for (guint run = 0; run < 2; run++) {
    h = make_harness (props);
    buf = make_frame (0, FALSE);
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    add_result (buf, 0, 0, W, H, 0, FALSE);
    gst_buffer_unref (gst_harness_push_and_pull (h, buf));
    gst_harness_teardown (h);
  }

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 3);
  fail_unless_equals_string (lines[0], "{\"earlier\":true}");
  o = parse_object (parser, lines[1]);
  run_id = g_strdup (json_object_get_string_member (o, "run_id"));
  fail_unless (g_uuid_string_is_valid (run_id), "run_id %s", run_id);
  fail_unless (json_object_get_null_member (o, "pts"));
  o = json_array_get_object_element (
      json_object_get_array_member (o, "classifications"), 0);
  fail_unless (json_object_get_null_member (o, "pts"));
  /* frame 0 again, in a run of its own: the key stays unique */
  o = parse_object (parser, lines[2]);
  fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), 0);
  fail_unless (
      g_uuid_string_is_valid (json_object_get_string_member (o, "run_id")));
  fail_if (g_str_equal (json_object_get_string_member (o, "run_id"), run_id));
  g_free (run_id);
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

/* Starting fails with the error on the bus, in the domain and code given,
 * its message containing @text */
static void
check_start_error_text (const gchar *props, GQuark domain, gint code,
                        const gchar *text)
{
  gchar *launch = g_strdup_printf ("fakesrc ! edgereport %s ! fakesink", props);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED)
                   == GST_STATE_CHANGE_FAILURE,
               "%s: started", props);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for %s", props);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, domain, code), "%s: got %s %d: %s", props,
               g_quark_to_string (err->domain), err->code, err->message);
  fail_unless (text == NULL || strstr (err->message, text) != NULL,
               "%s: \"%s\" does not say \"%s\"", props, err->message, text);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);
}

static void
check_start_error (const gchar *props, GQuark domain, gint code)
{
  check_start_error_text (props, domain, code, NULL);
}

#define MQTT "mqtt-host=127.0.0.1 mqtt-port=9 "

static gint free_port (void);
static gboolean port_open (gint port);

GST_START_TEST (test_start_errors)
{
  gchar *dir = output_path ("errors"), *file, *props;
  GstHarness *h;

  check_start_error ("location=/nonexistent-folder/results.jsonl",
                     GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE);
  /* which file, and why */
  check_start_error_text (MQTT "mqtt-tls-ca-file=/nonexistent-folder/ca.pem",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                          "\"/nonexistent-folder/ca.pem\" (mqtt-tls-ca-file): "
                          "No such file or directory");
  check_start_error_text (MQTT "mqtt-tls-cert-file=/etc/hostname",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                          "mqtt-tls-key-file");
  check_start_error_text (MQTT "mqtt-tls-cert-file=/nonexistent-folder/c.pem "
                               "mqtt-tls-key-file=/etc/hostname",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                          "\"/nonexistent-folder/c.pem\" (mqtt-tls-cert-file)");
  check_start_error_text (MQTT "mqtt-tls-cert-file=/etc/hostname "
                               "mqtt-tls-key-file=/nonexistent-folder/c.key",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                          "\"/nonexistent-folder/c.key\" (mqtt-tls-key-file)");
  /* numbers out of their range fail, rather than fall back to a default */
  check_start_error_text ("mqtt-host=127.0.0.1 mqtt-port=70000",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                          "Invalid mqtt-port 70000");
  check_start_error_text ("mqtt-host=127.0.0.1 mqtt-port=0", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS, "Invalid mqtt-port 0");
  check_start_error_text ("mqtt-host=127.0.0.1 mqtt-port=-1",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                          "Invalid mqtt-port -1");
  check_start_error_text (MQTT "mqtt-qos=3", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS,
                          "Invalid mqtt-qos 3: it must be from 0 to 2.");
  check_start_error_text (MQTT "mqtt-qos=-1", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS,
                          "Invalid mqtt-qos -1: it must be from 0 to 2.");
  check_start_error_text (MQTT "max-queue=0", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS, "Invalid max-queue 0");
  check_start_error_text (MQTT "reconnect-max-delay=0", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS,
                          "Invalid reconnect-max-delay 0");
  check_start_error_text (MQTT "mqtt-topic=cameras/+", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS, "mqtt-topic");
  check_start_error_text (MQTT "mqtt-topic=\"\"", GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS, "mqtt-topic");
  /* the password: from a file that must be there, and with a user */
  check_start_error_text (MQTT "mqtt-username=u "
                               "mqtt-password-file=/nonexistent-folder/pw",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                          "/nonexistent-folder/pw");
  check_start_error_text (MQTT "mqtt-password-file=/etc/hostname",
                          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                          "mqtt-username");
  /* an output that fails after others opened: they are closed again (the
   * file was made, the metrics port is free for the next one) */
  g_mkdir_with_parents (dir, 0700);
  file = g_build_filename (dir, "before-mqtt.jsonl", NULL);
  g_unlink (file);
  {
    gint port = free_port ();
    props = g_strdup_printf ("metrics-port=%d location=\"%s\" "
                             "mqtt-host=127.0.0.1 mqtt-topic=cameras/#",
                             port, file);
    check_start_error_text (props, GST_RESOURCE_ERROR,
                            GST_RESOURCE_ERROR_SETTINGS, "mqtt-topic");
    fail_unless (g_file_test (file, G_FILE_TEST_IS_REGULAR));
    g_free (props);
    props = g_strdup_printf ("metrics-port=%d "
                             "location=/nonexistent-folder/results.jsonl",
                             port);
    check_start_error (props, GST_RESOURCE_ERROR,
                       GST_RESOURCE_ERROR_OPEN_WRITE);
    g_free (props);
    fail_if (port_open (port), "the metrics port stayed open");
  }
  g_free (file);

  /* the spool */
  file = g_build_filename (dir, "a-file", NULL);
  fail_unless (g_file_set_contents (file, "", -1, NULL));
  props = g_strdup_printf (MQTT "spool-dir=\"%s\"", file);
  check_start_error_text (props, GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_OPEN_WRITE, file);
  g_free (props);
  props = g_strdup_printf (MQTT "spool-dir=\"%s/spool\"", file);
  check_start_error_text (props, GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_OPEN_WRITE, "spool");
  g_free (props);
  props
      = g_strdup_printf (MQTT "spool-dir=\"%s/spool\" spool-max-bytes=0", dir);
  check_start_error_text (props, GST_RESOURCE_ERROR,
                          GST_RESOURCE_ERROR_SETTINGS,
                          "Invalid spool-max-bytes 0");
  g_free (props);
  if (geteuid () != 0) {
    /* root writes anywhere: this one only means something for others */
    gchar *ro = g_build_filename (dir, "read-only", NULL);
    g_mkdir_with_parents (ro, 0500);
    g_chmod (ro, 0500);
    props = g_strdup_printf (MQTT "spool-dir=\"%s/spool\"", ro);
    check_start_error (props, GST_RESOURCE_ERROR,
                       GST_RESOURCE_ERROR_OPEN_WRITE);
    g_free (props);
    g_chmod (ro, 0700);
    g_free (ro);
  }
  /* one spool, one element */
  props = g_strdup_printf (MQTT "spool-dir=\"%s/spool\"", dir);
  h = make_harness (props);
  check_start_error_text (props, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
                          "in use");
  gst_harness_teardown (h);
  g_free (props);

  remove_dir (dir); /* the spool inside first */
  g_free (file);
  g_free (dir);
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
  gchar *store; /* persistence folder, or NULL */
  GPid pid;
} Broker;

/* A free loopback port below the kernel's ephemeral range (or above it,
 * where the gap is wider). A broker that restarts leaves its port unbound
 * while the element keeps dialling it: an ephemeral port could meanwhile
 * become some connection's source port, or the element's own, connecting
 * it to itself. tests/freeport.py says the same for the Python tests. */
static gint
free_port (void)
{
  gint first = 32768, last = 60999, low, high;
  gchar *range = NULL;

  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &range,
                           NULL, NULL))
    sscanf (range, "%d %d", &first, &last);
  g_free (range);
  if (first - 1024 >= 65535 - last) {
    low = MAX (1024, first - 16384);
    high = first - 1;
  } else {
    low = last + 1;
    high = 65535;
  }
  for (gint attempt = 0; attempt < 200; attempt++) {
    struct sockaddr_in addr = { 0 };
    gint fd = socket (AF_INET, SOCK_STREAM, 0), port;
    gboolean bound;

    port = g_random_int_range (low, high + 1);
    addr.sin_family = AF_INET;
    addr.sin_port = htons (port);
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    bound = bind (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0;
    close (fd);
    if (bound)
      return port;
  }
  fail ("no free port in %d-%d", low, high);
  return -1;
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

/* A broker on a free port, not started; @extra adds to its configuration.
 * A persistent one keeps its sessions (and the messages queued for them)
 * across a restart, so a subscriber misses nothing while it is down. */
static Broker *
broker_prepare (const gchar *extra, gboolean persistent)
{
  Broker *b = g_new0 (Broker, 1);
  gchar *name, *text, *store = NULL;

  b->port = free_port ();
  name = g_strdup_printf ("mosquitto-%d.conf", b->port);
  b->conf = output_path (name);
  g_free (name);
  if (persistent) {
    name = g_strdup_printf ("mosquitto-%d.store", b->port);
    b->store = output_path (name);
    g_free (name);
    g_mkdir_with_parents (b->store, 0700);
    store = g_strdup_printf ("persistence true\npersistence_location %s/\n"
                             "autosave_interval 0\n",
                             b->store);
  }
  /* "user": a broker started as root would switch to another user, who
   * could not read our files. No limit on the messages queued for a
   * subscriber that is away. */
  text = g_strdup_printf (
      "user %s\n%s\nlog_dest stderr\nlog_type error\n"
      "max_queued_messages 0\nlistener %d 127.0.0.1\n%s%s",
      g_get_user_name (), store ? store : "persistence false", b->port,
      strstr (extra, "allow_anonymous") ? "" : "allow_anonymous true\n", extra);
  fail_unless (g_file_set_contents (b->conf, text, -1, NULL));
  g_free (text);
  g_free (store);
  return b;
}

static Broker *
broker_new_with (const gchar *extra)
{
  Broker *b = broker_prepare (extra, FALSE);

  broker_start (b);
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
  if (b->store)
    remove_dir (b->store);
  g_free (b->store);
  g_free (b->conf);
  g_free (b);
}

typedef struct {
  struct mosquitto *mosq;
  gchar *topic;
  GMutex lock;
  GCond cond;
  GPtrArray *messages; /* of gchar * */
  guint subscriptions; /* one per connection */
} Subscriber;

/* At QoS 2: the broker sends each message once */
static void
sub_on_connect (struct mosquitto *mosq, void *user_data, int rc)
{
  Subscriber *s = user_data;

  if (rc == 0)
    mosquitto_subscribe (mosq, NULL, s->topic, 2);
}

static void
sub_on_subscribe (struct mosquitto *mosq, void *user_data, int mid, int n,
                  const int *granted)
{
  Subscriber *s = user_data;

  g_mutex_lock (&s->lock);
  s->subscriptions++;
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

/* Waits at most @seconds for @n subscriptions */
static gboolean
sub_wait_subscribed (Subscriber *s, guint n, gint seconds)
{
  gint64 until = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean ok = TRUE;

  g_mutex_lock (&s->lock);
  while (ok && s->subscriptions < n)
    ok = g_cond_wait_until (&s->cond, &s->lock, until);
  g_mutex_unlock (&s->lock);
  return ok;
}

/* Waits at most @seconds for the subscription, or for @n messages */
static gboolean
sub_wait (Subscriber *s, guint n, gint seconds)
{
  gint64 until = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean ok = TRUE;

  if (n == 0)
    return sub_wait_subscribed (s, 1, seconds);
  g_mutex_lock (&s->lock);
  while (ok && s->messages->len < n)
    ok = g_cond_wait_until (&s->cond, &s->lock, until);
  g_mutex_unlock (&s->lock);
  return ok;
}

/* A subscriber to @topic; with an @id, its session outlives it (and a
 * broker restart, on a persistent broker); with a @user, it logs in */
static Subscriber *
sub_new_full (gint port, const gchar *topic, const gchar *id, const gchar *user,
              const gchar *password)
{
  Subscriber *s = g_new0 (Subscriber, 1);

  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->messages = g_ptr_array_new_with_free_func (g_free);
  s->topic = g_strdup (topic);
  s->mosq = mosquitto_new (id, id == NULL, s);
  mosquitto_connect_callback_set (s->mosq, sub_on_connect);
  mosquitto_subscribe_callback_set (s->mosq, sub_on_subscribe);
  mosquitto_message_callback_set (s->mosq, sub_on_message);
  mosquitto_reconnect_delay_set (s->mosq, 1, 1, false);
  if (user)
    mosquitto_username_pw_set (s->mosq, user, password);
  fail_unless_equals_int (
      mosquitto_connect_async (s->mosq, "127.0.0.1", port, 10),
      MOSQ_ERR_SUCCESS);
  fail_unless_equals_int (mosquitto_loop_start (s->mosq), MOSQ_ERR_SUCCESS);
  fail_unless (sub_wait (s, 0, 10), "subscriber did not subscribe");
  return s;
}

static Subscriber *
sub_new (gint port, const gchar *topic)
{
  return sub_new_full (port, topic, NULL, NULL, NULL);
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

/* The frame of message @i received */
static gint64
frame_at (Subscriber *s, guint i)
{
  JsonParser *parser = json_parser_new ();
  gint64 frame;

  g_mutex_lock (&s->lock);
  frame = json_object_get_int_member (
      parse_object (parser, g_ptr_array_index (s->messages, i)), "frame");
  g_mutex_unlock (&s->lock);
  g_object_unref (parser);
  return frame;
}

/* The broker goes away mid-stream and comes back: pushing never blocks,
 * drops are counted and announced, what the queue held through the outage
 * is published once the broker is back, and messages resume. (QoS 0, the
 * default: the broker keeps the subscriber's session and queues even QoS 0
 * messages for it, so it misses nothing while it reconnects.) */
GST_START_TEST (test_mqtt_broker_restart)
{
  Broker *b = broker_prepare ("queue_qos0_messages true\n", TRUE);
  Subscriber *s;
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/restart max-queue=5",
                                  b->port);
  GstHarness *h;
  GstElement *report;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gint64 until, longest = 0;
  guint64 dropped;
  guint i = 0;
  gboolean resumed = FALSE;

  broker_start (b);
  s = sub_new_full (b->port, "edge/restart", "restart-subscriber", NULL, NULL);
  h = make_harness (props);
  report = gst_harness_find_element (h, "edgereport");
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
  /* not a speed limit: a push that waited for the network would wait for
   * a reconnection attempt (reconnect-max-delay, 5 s) */
  fail_unless (longest < 5 * G_USEC_PER_SEC,
               "a frame waited %" G_GINT64_FORMAT " us for the broker",
               longest);
  /* the queue keeps the newest 5 (35 to 39): 30 dropped, less the few
   * the client may have written to the dead socket before it noticed */
  g_object_get (report, "dropped", &dropped, NULL);
  fail_unless (dropped >= 25 && dropped <= 30,
               "%" G_GUINT64_FORMAT " dropped, expected 30", dropped);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  fail_unless (gst_message_has_name (msg, "edgereport-dropped"));
  gst_message_unref (msg);

  /* back: the five queued through the outage arrive, in order, with no
   * new frame pushed */
  broker_start (b);
  fail_unless (sub_wait (s, 10, 45), "%u of 10 messages after the restart",
               s->messages->len);
  for (guint m = 0; m < 10; m++)
    fail_unless_equals_int64 (frame_at (s, m), m < 5 ? m : 30 + m);

  /* and the first frames pushed after it is back arrive too */
  until = g_get_monotonic_time () + 45 * G_TIME_SPAN_SECOND;
  while (!resumed && g_get_monotonic_time () < until) {
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i++, TRUE)));
    g_usleep (50 * 1000);
    resumed = last_frame (s) >= 40;
  }
  fail_unless (resumed, "no message after the broker came back");
  fail_unless_equals_int64 (frame_at (s, 10), 40);

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
    if (g_file_test (path, G_FILE_TEST_IS_DIR)
        && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      remove_dir (path);
    else
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
  gchar *extra, *props, *other, *cmd;
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
  g_free (extra);

  /* a broker that wants a client certificate: none, nothing gets through;
   * one its CA signed, with its key, and messages arrive */
  cmd = g_strdup_printf (
      "sh -c 'cd \"%s\" && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=camera "
      "-keyout client.key -out client.csr && "
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -days 1 -out client.pem'",
      dir);
  run (cmd);
  g_free (cmd);
  extra = g_strdup_printf ("listener %d 127.0.0.1\ncafile %s/ca.pem\n"
                           "certfile %s/server.pem\nkeyfile %s/server.key\n"
                           "require_certificate true\n",
                           tls_port, dir, dir, dir);
  b = broker_new_with (extra);
  s = sub_new (b->port, "edge/tls");
  h = make_harness (props);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_if (sub_wait (s, 1, 2), "a message came without a client certificate");
  gst_harness_teardown (h);
  g_free (props);
  props = g_strdup_printf (
      "mqtt-host=127.0.0.1 mqtt-port=%d mqtt-topic=edge/tls "
      "mqtt-tls-ca-file=\"%s/ca.pem\" mqtt-tls-cert-file=\"%s/client.pem\" "
      "mqtt-tls-key-file=\"%s/client.key\"",
      tls_port, dir, dir, dir);
  h = make_harness (props);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_unless (sub_wait (s, 3, 15),
               "%u of 3 messages with a client certificate", s->messages->len);
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

/* --- delivery: losses, the spool, logins, the will --- */

/* (run_id, frame) of a record */
static void
record_key (JsonParser *parser, const gchar *line, gchar **run_id,
            gint64 *frame)
{
  JsonObject *o = parse_object (parser, line);

  *run_id = g_strdup (json_object_get_string_member (o, "run_id"));
  *frame = json_object_get_int_member (o, "frame");
}

/* The messages received are records of one run with the frames @from,
 * @from + 1, ... @from + @n - 1, each once, in order */
static void
check_frames (Subscriber *s, gint64 from, guint n)
{
  JsonParser *parser = json_parser_new ();
  gchar *run = NULL, *id;
  gint64 frame;

  g_mutex_lock (&s->lock);
  fail_unless_equals_int (s->messages->len, n);
  for (guint i = 0; i < n; i++) {
    record_key (parser, g_ptr_array_index (s->messages, i), &id, &frame);
    if (run == NULL)
      run = g_strdup (id);
    fail_unless_equals_string (id, run);
    fail_unless (frame == from + i,
                 "message %u is frame %" G_GINT64_FORMAT
                 ", not %" G_GINT64_FORMAT " (lost, repeated or out of order)",
                 i, frame, from + i);
    g_free (id);
  }
  g_mutex_unlock (&s->lock);
  g_free (run);
  g_object_unref (parser);
}

/* As check_frames(), for at least once: a record may come again when
 * the connection died between the broker's copy and its acknowledgement;
 * the key (run_id, frame) finds such repeats, which are the same bytes
 * and come right after the connection is back. Returns how many there
 * were. */
static guint
check_frames_at_least_once (Subscriber *s, gint64 from, guint n)
{
  JsonParser *parser = json_parser_new ();
  GHashTable *seen
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 next = from, frame;
  guint repeats = 0;
  gchar *id, *run = NULL;

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->messages->len; i++) {
    const gchar *line = g_ptr_array_index (s->messages, i);
    gchar *key;
    const gchar *earlier;

    record_key (parser, line, &id, &frame);
    if (run == NULL)
      run = g_strdup (id);
    fail_unless_equals_string (id, run);
    key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, id, frame);
    earlier = g_hash_table_lookup (seen, key);
    if (earlier) {
      fail_unless_equals_string (line, earlier);
      g_print ("frame %" G_GINT64_FORMAT " again (message %u)\n", frame, i);
      repeats++;
      g_free (key);
    } else {
      fail_unless (frame == next,
                   "message %u is frame %" G_GINT64_FORMAT
                   ", not %" G_GINT64_FORMAT " (lost or out of order)",
                   i, frame, next);
      next++;
      g_hash_table_insert (seen, key, (gpointer)line);
    }
    g_free (id);
  }
  fail_unless (next == from + n, "%" G_GINT64_FORMAT " of %u frames arrived",
               next - from, n);
  g_mutex_unlock (&s->lock);
  g_hash_table_unref (seen);
  g_free (run);
  g_object_unref (parser);
  return repeats;
}

static guint64
get_dropped (GstElement *report)
{
  guint64 dropped;

  g_object_get (report, "dropped", &dropped, NULL);
  return dropped;
}

/* A bus of our own on the harness's element */
/* An edgereport harness whose messages go to *bus. The bus is set before
 * the harness starts the element: an output that fails at once (a broker
 * refusing the connection) posts its error from another thread, which
 * would otherwise race the test for the bus. */
static GstHarness *
make_watched_harness (const gchar *props, GstBus **bus)
{
  gchar *launch = g_strdup_printf ("edgereport %s", props);
  GstElement *bin = gst_parse_bin_from_description (launch, TRUE, NULL);
  GstHarness *h;

  fail_unless (bin != NULL, "%s", launch);
  g_free (launch);
  *bus = gst_bus_new ();
  gst_element_set_bus (bin, *bus);
  h = gst_harness_new_with_element (bin, "sink", "src");
  gst_object_unref (bin);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=320,"
                                   "height=240,framerate=25/1");
  return h;
}

static void
unwatch_bus (GstHarness *h, GstBus *bus)
{
  /* the messages still queued on our bus hold the bin */
  gst_element_set_bus (h->element, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* The next WARNING on @bus; its text contains @text */
static void
expect_warning (GstBus *bus, const gchar *text)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *err = NULL;

  fail_unless (msg != NULL, "no warning on the bus");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, text) != NULL, "warning \"%s\"",
               err->message);
  g_error_free (err);
  gst_message_unref (msg);
}

/* The "dropped" field of the last "edgereport-dropped" message on @bus */
static guint64
last_drop_message (GstBus *bus)
{
  GstMessage *msg;
  guint64 dropped = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, "edgereport-dropped"))
      fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
                                             "dropped", &dropped));
    gst_message_unref (msg);
  }
  return dropped;
}

/* --- a relay between the element and the broker --- */

#define PUBACK 4
#define PUBREC 5
#define PUBCOMP 7

/* Passes the element's bytes on to the broker as they come, and the
 * broker's packet by packet, counting them by type. On order it withholds
 * the packets of one type (an acknowledgement: the broker has the message,
 * the element does not know), cuts the connection, or turns connections
 * away. One connection at a time. */
typedef struct {
  gint port, broker_port;
  gint listen_fd, ctl_fd; /* ctl: an eventfd, written after each order */
  GThread *thread;
  GMutex lock;
  GCond cond;
  /* orders */
  gint withhold; /* packet type, 0: none */
  gboolean cut, closed, stop;
  /* packets from the broker, by type */
  guint passed[16], withheld[16];
} Relay;

static gint
connect_port (gint port)
{
  struct sockaddr_in addr = { 0 };
  gint fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *)&addr, sizeof (addr)) != 0) {
    close (fd);
    return -1;
  }
  return fd;
}

static gboolean
send_all (gint fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    gssize n = send (fd, data, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}

/* The length of the MQTT packet at the start of @data, if all there */
static gsize
whole_packet (const guint8 *data, gsize len)
{
  gsize value = 0;

  for (gsize i = 1; i < len && i <= 4; i++) {
    value |= (gsize)(data[i] & 0x7f) << (7 * (i - 1));
    if (!(data[i] & 0x80))
      return i + 1 + value <= len ? i + 1 + value : 0;
  }
  return 0;
}

/* Passes on, or withholds, the whole packets in @down; FALSE when the
 * element is gone */
static gboolean
relay_down (Relay *r, gint client, GByteArray *down)
{
  gsize n;

  while ((n = whole_packet (down->data, down->len)) > 0) {
    gint type = down->data[0] >> 4;
    gboolean keep;

    g_mutex_lock (&r->lock);
    keep = type == r->withhold;
    if (keep)
      r->withheld[type]++;
    else
      r->passed[type]++;
    g_cond_broadcast (&r->cond);
    g_mutex_unlock (&r->lock);
    if (!keep && !send_all (client, down->data, n))
      return FALSE;
    g_byte_array_remove_range (down, 0, n);
  }
  return TRUE;
}

static gpointer
relay_thread (gpointer user_data)
{
  Relay *r = user_data;
  GByteArray *down = g_byte_array_new ();
  gint client = -1, broker = -1;

  for (;;) {
    struct pollfd fds[4] = { { r->ctl_fd, POLLIN, 0 },
                             { client < 0 ? r->listen_fd : -1, POLLIN, 0 },
                             { client, POLLIN, 0 },
                             { broker, POLLIN, 0 } };
    guint8 buf[4096];
    gboolean cut, closed, alive = TRUE;
    guint64 count;
    gssize n;

    if (poll (fds, 4, -1) < 0 && errno != EINTR)
      break;
    if (fds[0].revents & POLLIN)
      fail_unless (read (r->ctl_fd, &count, sizeof (count)) == sizeof (count));
    g_mutex_lock (&r->lock);
    if (r->stop) {
      g_mutex_unlock (&r->lock);
      break;
    }
    cut = r->cut;
    closed = r->closed;
    r->cut = FALSE;
    g_mutex_unlock (&r->lock);

    if (fds[1].revents & POLLIN) {
      client = accept4 (r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      broker = closed || client < 0 ? -1 : connect_port (r->broker_port);
      alive = broker >= 0;
    } else if (cut) {
      alive = FALSE;
    } else {
      if (client >= 0 && fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
        n = read (client, buf, sizeof (buf));
        alive = n > 0 && send_all (broker, buf, n);
      }
      if (alive && broker >= 0
          && fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
        n = read (broker, buf, sizeof (buf));
        if (n > 0)
          g_byte_array_append (down, buf, n);
        alive = n > 0 && relay_down (r, client, down);
      }
    }
    if (!alive) {
      if (client >= 0)
        close (client);
      if (broker >= 0)
        close (broker);
      client = broker = -1;
      g_byte_array_set_size (down, 0);
    }
  }
  if (client >= 0)
    close (client);
  if (broker >= 0)
    close (broker);
  g_byte_array_unref (down);
  return NULL;
}

static Relay *
relay_new (gint broker_port)
{
  Relay *r = g_new0 (Relay, 1);
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof (addr);

  r->broker_port = broker_port;
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->ctl_fd = eventfd (0, EFD_CLOEXEC);
  r->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (r->listen_fd, (struct sockaddr *)&addr, sizeof (addr))
               == 0);
  fail_unless (listen (r->listen_fd, 4) == 0);
  fail_unless (getsockname (r->listen_fd, (struct sockaddr *)&addr, &len) == 0);
  r->port = ntohs (addr.sin_port);
  r->thread = g_thread_new ("relay", relay_thread, r);
  return r;
}

/* Gives an order: the fields are set under the lock by @set */
#define RELAY_ORDER(r, set)                                                    \
  G_STMT_START                                                                 \
  {                                                                            \
    guint64 one_ = 1;                                                          \
    g_mutex_lock (&(r)->lock);                                                 \
    set;                                                                       \
    g_mutex_unlock (&(r)->lock);                                               \
    fail_unless (write ((r)->ctl_fd, &one_, sizeof (one_)) == sizeof (one_));  \
  }                                                                            \
  G_STMT_END

/* Waits at most @seconds until @n packets of @type were passed on (or
 * withheld) */
static gboolean
relay_wait (Relay *r, gboolean withheld, gint type, guint n, gint seconds)
{
  gint64 until = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean ok = TRUE;

  g_mutex_lock (&r->lock);
  while (ok && (withheld ? r->withheld : r->passed)[type] < n)
    ok = g_cond_wait_until (&r->cond, &r->lock, until);
  g_mutex_unlock (&r->lock);
  return ok;
}

static void
relay_free (Relay *r)
{
  RELAY_ORDER (r, r->stop = TRUE);
  g_thread_join (r->thread);
  close (r->listen_fd);
  close (r->ctl_fd);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

/* Pushes @n classified frames, numbering from *@next */
static void
push_frames (GstHarness *h, guint *next, guint n)
{
  for (guint i = 0; i < n; i++)
    gst_buffer_unref (
        gst_harness_push_and_pull (h, make_frame ((*next)++, TRUE)));
}

/* The broker took five records, its answer never came back and the
 * connection died: at QoS 2 the element sends again with the same packet
 * ids (PUBLISH if PUBREC was lost: the broker holds them, undelivered;
 * PUBREL if PUBCOMP was lost: the broker delivered them) and each record
 * arrives once. __i__: bit 0, PUBCOMP lost rather than PUBREC; bit 1,
 * with a spool. */
GST_START_TEST (test_qos2_answer_lost)
{
  gboolean pubcomp = __i__ & 1, spool = (__i__ & 2) != 0;
  gint lost_type = pubcomp ? PUBCOMP : PUBREC;
  Broker *b = broker_new ();
  Relay *r = relay_new (b->port);
  Subscriber *s = sub_new (b->port, "edge/once");
  gchar *dir = output_path ("spool-once"), *props, *spool_prop;
  GstHarness *h;
  GstElement *report;
  guint next = 0;

  remove_dir (dir);
  spool_prop
      = spool ? g_strdup_printf ("spool-dir=\"%s\"", dir) : g_strdup ("");
  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                           "mqtt-topic=edge/once mqtt-qos=2 %s",
                           r->port, spool_prop);
  h = make_harness (props);
  report = gst_harness_find_element (h, "edgereport");
  push_frames (h, &next, 3);
  fail_unless (relay_wait (r, FALSE, PUBCOMP, 3, 15), "no PUBCOMP");

  RELAY_ORDER (r, r->withhold = lost_type);
  push_frames (h, &next, 5);
  fail_unless (relay_wait (r, TRUE, lost_type, 5, 15), "no answer to hold");
  /* PUBREC lost: the element never sent PUBREL, so the broker delivered
   * nothing; PUBCOMP lost: it did */
  fail_unless (sub_wait (s, pubcomp ? 8 : 3, 15), "%u arrived",
               s->messages->len);
  RELAY_ORDER (r, r->withhold = 0; r->cut = TRUE);

  push_frames (h, &next, 2);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (sub_wait (s, next, 15), "%u of %u arrived", s->messages->len,
               next);
  g_usleep (500 * 1000); /* nothing more should come */
  check_frames (s, 0, next);
  fail_unless_equals_uint64 (get_dropped (report), 0);

  gst_object_unref (report);
  gst_harness_teardown (h);
  relay_free (r);
  sub_free (s);
  broker_free (b);
  remove_dir (dir);
  g_free (spool_prop);
  g_free (props);
  g_free (dir);
}

GST_END_TEST;

/* The same at QoS 1, for what it gives: at least once. The broker
 * delivered five records whose PUBACK was lost; the element publishes
 * them again and they arrive twice, the same bytes, nothing lost, the
 * first copies in order. */
GST_START_TEST (test_qos1_answer_lost)
{
  Broker *b = broker_new ();
  Relay *r = relay_new (b->port);
  Subscriber *s = sub_new (b->port, "edge/twice");
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/twice mqtt-qos=1",
                                  r->port);
  GstHarness *h = make_harness (props);
  GstElement *report = gst_harness_find_element (h, "edgereport");
  guint next = 0;

  push_frames (h, &next, 3);
  /* "online" and the three records acknowledged */
  fail_unless (relay_wait (r, FALSE, PUBACK, 4, 15), "no PUBACK");
  RELAY_ORDER (r, r->withhold = PUBACK);
  push_frames (h, &next, 5);
  fail_unless (relay_wait (r, TRUE, PUBACK, 5, 15), "no PUBACK to hold");
  fail_unless (sub_wait (s, 8, 15), "%u arrived", s->messages->len);
  RELAY_ORDER (r, r->withhold = 0; r->cut = TRUE);

  push_frames (h, &next, 2);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (sub_wait (s, next + 5, 15), "%u of %u arrived", s->messages->len,
               next + 5);
  g_usleep (500 * 1000);
  fail_unless_equals_int (check_frames_at_least_once (s, 0, next), 5);
  fail_unless_equals_uint64 (get_dropped (report), 0);

  gst_object_unref (report);
  gst_harness_teardown (h);
  relay_free (r);
  sub_free (s);
  broker_free (b);
  g_free (props);
}

GST_END_TEST;

/* A broker that does not keep sessions restarts while five records are
 * past PUBREL (delivered, the handshake not done): the element finds its
 * session gone, says so and publishes them again. Nothing is lost; those
 * five arrive twice, the same bytes: exactly once needs a broker that
 * persists its sessions. */
GST_START_TEST (test_qos2_session_lost)
{
  Broker *b = broker_new ();
  Relay *r = relay_new (b->port);
  Subscriber *s = sub_new (b->port, "edge/forgot");
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/forgot mqtt-qos=2",
                                  r->port);
  GstBus *bus;
  GstHarness *h = make_watched_harness (props, &bus);
  GstElement *report = gst_harness_find_element (h, "edgereport");
  GstMessage *msg;
  GError *err = NULL;
  guint next = 0;

  push_frames (h, &next, 3);
  fail_unless (relay_wait (r, FALSE, PUBCOMP, 3, 15), "no PUBCOMP");
  RELAY_ORDER (r, r->withhold = PUBCOMP);
  push_frames (h, &next, 5);
  fail_unless (relay_wait (r, TRUE, PUBCOMP, 5, 15), "no PUBCOMP to hold");
  fail_unless (sub_wait (s, 8, 15), "%u arrived", s->messages->len);

  /* the element comes back only once the subscriber has (the broker keeps
   * nothing for it either) */
  RELAY_ORDER (r, r->withhold = 0; r->cut = TRUE; r->closed = TRUE);
  broker_stop (b);
  broker_start (b);
  fail_unless (sub_wait_subscribed (s, 2, 15), "subscriber not back");
  RELAY_ORDER (r, r->closed = FALSE);
  fail_unless (sub_wait (s, 13, 15), "%u of 13 arrived", s->messages->len);
  /* and the bus says why */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, "did not keep the session") != NULL
                   && strstr (err->message, "the 5 results in flight") != NULL,
               "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);

  push_frames (h, &next, 2);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (sub_wait (s, next + 5, 15), "%u of %u arrived", s->messages->len,
               next + 5);
  g_usleep (500 * 1000);
  fail_unless_equals_int (check_frames_at_least_once (s, 0, next), 5);
  fail_unless_equals_uint64 (get_dropped (report), 0);

  gst_object_unref (report);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  relay_free (r);
  sub_free (s);
  broker_free (b);
  g_free (props);
}

GST_END_TEST;

/* A broker that does not take QoS 2 closes the connection at each QoS 2
 * message: after three such connections in a row the element says so on
 * the bus, rather than only retrying for ever */
GST_START_TEST (test_qos2_not_taken)
{
  Broker *b = broker_new_with ("max_qos 1\n");
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/noqos2 mqtt-qos=2",
                                  b->port);
  GstBus *bus;
  GstHarness *h = make_watched_harness (props, &bus);
  GstMessage *msg;
  GError *err = NULL;
  guint next = 0;

  push_frames (h, &next, 2);
  msg = gst_bus_timed_pop_filtered (bus, 15 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS),
      "%s", err->message);
  fail_unless (strstr (err->message, "does it take QoS 2?") != NULL, "%s",
               err->message);
  g_error_free (err);
  gst_message_unref (msg);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  broker_free (b);
  g_free (props);
}

GST_END_TEST;

/* The client ids the broker saw connect at QoS 2 with a session it keeps
 * ("c0" in its log), in order */
static GPtrArray *
session_ids (const gchar *log)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GRegex *re = g_regex_new ("New client connected from \\S+ as (\\S+) "
                            "\\(p2, c0, k30",
                            0, 0, NULL);
  gchar *text = NULL;
  GMatchInfo *m = NULL;

  if (g_file_get_contents (log, &text, NULL, NULL))
    for (g_regex_match (re, text, 0, &m); g_match_info_matches (m);
         g_match_info_next (m, NULL))
      g_ptr_array_add (ids, g_match_info_fetch (m, 1));
  g_match_info_free (m);
  g_regex_unref (re);
  g_free (text);
  return ids;
}

/* Starts edgereport with @props, waits for it to connect (the @n-th
 * session in @log) and stops it; returns the client id it used */
static gchar *
connect_once (const gchar *log, guint n, const gchar *props)
{
  GstHarness *h = make_harness (props);
  gint64 until = g_get_monotonic_time () + 15 * G_TIME_SPAN_SECOND;
  GPtrArray *ids;
  gchar *id;

  while ((ids = session_ids (log))->len < n) {
    fail_unless (g_get_monotonic_time () < until, "%u of %u connections",
                 ids->len, n);
    g_ptr_array_unref (ids);
    g_usleep (50 * 1000);
  }
  gst_harness_teardown (h);
  id = g_strdup (g_ptr_array_index (ids, n - 1));
  g_ptr_array_unref (ids);
  return id;
}

static gchar *
spool_id (const gchar *dir)
{
  gchar *path = g_build_filename (dir, "id", NULL), *text = NULL;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "no %s", path);
  g_free (path);
  return g_strchomp (text);
}

/* At QoS 2 the broker keeps the session, under a client id that is the
 * same for every start with one spool, another for another spool,
 * mqtt-client-id when set, and without any, new at every start; a spool
 * whose id file is spoilt gets a new id */
GST_START_TEST (test_client_id)
{
  gchar *log = output_path ("broker-ids.log");
  gchar *dir1 = output_path ("spool-id1"), *dir2 = output_path ("spool-id2");
  gchar *extra, *props1, *props2, *props, *id, *id1, *id2, *other, *path;
  Broker *b;

  g_unlink (log);
  remove_dir (dir1);
  remove_dir (dir2);
  extra = g_strdup_printf ("log_dest file %s\nlog_type notice\n", log);
  b = broker_new_with (extra);
  props1 = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                            "spool-dir=\"%s\"",
                            b->port, dir1);
  props2 = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                            "spool-dir=\"%s\"",
                            b->port, dir2);

  /* the spool's, twice */
  id = connect_once (log, 1, props1);
  id1 = spool_id (dir1);
  fail_unless (g_regex_match_simple ("^[0-9a-f]{12}$", id1, 0, 0), "%s", id1);
  fail_unless (g_str_has_prefix (id, "edgereport-"), "%s", id);
  fail_unless_equals_string (id + strlen ("edgereport-"), id1);
  g_free (id);
  id = connect_once (log, 2, props1);
  fail_unless_equals_string (id + strlen ("edgereport-"), id1);
  g_free (id);
  /* another spool, another id */
  id = connect_once (log, 3, props2);
  id2 = spool_id (dir2);
  fail_unless_equals_string (id + strlen ("edgereport-"), id2);
  fail_if (strcmp (id1, id2) == 0, "%s for two spools", id1);
  g_free (id);

  /* the one set */
  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d mqtt-qos=2 "
                           "mqtt-client-id=camera-door",
                           b->port);
  id = connect_once (log, 4, props);
  fail_unless_equals_string (id, "camera-door");
  g_free (id);
  g_free (props);

  /* none: random, new every time */
  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d mqtt-qos=2",
                           b->port);
  id = connect_once (log, 5, props);
  fail_unless (g_regex_match_simple ("^edgereport-[0-9a-f]{12}$", id, 0, 0),
               "%s", id);
  other = connect_once (log, 6, props);
  fail_unless (g_regex_match_simple ("^edgereport-[0-9a-f]{12}$", other, 0, 0),
               "%s", other);
  fail_if (strcmp (id, other) == 0, "%s twice", id);
  g_free (other);
  g_free (id);
  g_free (props);

  /* a spoilt id file: a new id, written back */
  path = g_build_filename (dir1, "id", NULL);
  fail_unless (g_file_set_contents (path, "not an id\n", -1, NULL));
  id = connect_once (log, 7, props1);
  g_free (id1);
  id1 = spool_id (dir1);
  fail_unless (g_regex_match_simple ("^[0-9a-f]{12}$", id1, 0, 0), "%s", id1);
  fail_unless_equals_string (id + strlen ("edgereport-"), id1);
  g_free (id);

  broker_free (b);
  remove_dir (dir1);
  remove_dir (dir2);
  g_unlink (log);
  g_free (path);
  g_free (id1);
  g_free (id2);
  g_free (props1);
  g_free (props2);
  g_free (extra);
  g_free (log);
  g_free (dir1);
  g_free (dir2);
}

GST_END_TEST;

/* No broker: every result is counted as lost, those dropped from the full
 * queue at once, those still queued at the end of the stream then; the
 * first loss and the rest are announced on the bus */
GST_START_TEST (test_losses_counted)
{
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "max-queue=5",
                                  free_port ());
  GstBus *bus;
  GstHarness *h = make_watched_harness (props, &bus);
  GstElement *report = gst_harness_find_element (h, "edgereport");

  for (guint i = 0; i < 12; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_unless_equals_uint64 (get_dropped (report), 7);
  expect_warning (bus, "max-queue");
  fail_unless_equals_uint64 (last_drop_message (bus), 1);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (get_dropped (report), 12);
  expect_warning (bus, "12 results lost");
  fail_unless_equals_uint64 (last_drop_message (bus), 12);

  gst_object_unref (report);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);

  /* what is queued when the element stops is lost too, and counted */
  h = make_watched_harness (props, &bus);
  report = gst_harness_find_element (h, "edgereport");
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_unless_equals_uint64 (get_dropped (report), 0);
  gst_element_set_state (h->element, GST_STATE_NULL);
  fail_unless_equals_uint64 (get_dropped (report), 3);
  expect_warning (bus, "before the element stopped");

  gst_object_unref (report);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  g_free (props);
}

GST_END_TEST;

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Lines in the spool's segments, in order (complete lines only) */
static GPtrArray *
spool_lines (const gchar *dir)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".jsonl"))
      g_ptr_array_add (names, g_strdup (name));
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    gchar *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
    gchar *text = NULL, *start, *nl;

    if (g_file_get_contents (path, &text, NULL, NULL))
      for (start = text; (nl = strchr (start, '\n')); start = nl + 1)
        g_ptr_array_add (lines, g_strndup (start, nl - start));
    g_free (text);
    g_free (path);
  }
  g_ptr_array_unref (names);
  return lines;
}

/* With the broker away, results wait in the spool up to its quota; past
 * it they are dropped, exactly those, and announced. The next start
 * delivers what waited, in order. */
GST_START_TEST (test_spool_quota)
{
  gchar *dir = output_path ("spool-quota");
  gchar *props;
  GstHarness *h;
  GstElement *report;
  GstBus *bus;
  GPtrArray *spooled;
  guint64 dropped;
  Broker *b;
  Subscriber *s;

  remove_dir (dir);
  props = g_strdup_printf ("spool-dir=\"%s\" spool-max-bytes=3000 "
                           "mqtt-host=127.0.0.1 mqtt-port=%d "
                           "mqtt-topic=edge/quota",
                           dir, free_port ());
  h = make_watched_harness (props, &bus);
  report = gst_harness_find_element (h, "edgereport");
  for (guint i = 0; i < 20; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  /* the end of the stream waits for the spool to take everything */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  dropped = get_dropped (report);
  spooled = spool_lines (dir);
  fail_unless (dropped > 0 && spooled->len > 0,
               "%" G_GUINT64_FORMAT " dropped, %u spooled", dropped,
               spooled->len);
  fail_unless_equals_uint64 (dropped + spooled->len, 20);
  expect_warning (bus, "spool");
  fail_unless_equals_uint64 (last_drop_message (bus), dropped);
  gst_object_unref (report);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  g_free (props);

  /* the broker is there now: the spooled results arrive first */
  b = broker_new ();
  s = sub_new (b->port, "edge/quota");
  props = g_strdup_printf ("spool-dir=\"%s\" mqtt-host=127.0.0.1 "
                           "mqtt-port=%d mqtt-topic=edge/quota",
                           dir, b->port);
  h = make_harness (props);
  fail_unless (sub_wait (s, spooled->len, 15), "%u of %u arrived",
               s->messages->len, spooled->len);
  g_usleep (200 * 1000);
  check_frames (s, 0, spooled->len);
  for (guint i = 0; i < spooled->len; i++)
    fail_unless_equals_string (g_ptr_array_index (s->messages, i),
                               g_ptr_array_index (spooled, i));
  gst_harness_teardown (h);

  /* delivered means gone: the next start sends nothing again */
  h = make_harness (props);
  g_usleep (1500 * 1000);
  fail_unless_equals_int (s->messages->len, spooled->len);
  gst_harness_teardown (h);

  g_ptr_array_unref (spooled);
  sub_free (s);
  broker_free (b);
  remove_dir (dir);
  g_free (props);
  g_free (dir);
}

GST_END_TEST;

/* edgeclassify as gst-launch-1.0 needs it */
static gchar *
classifier (void)
{
  /* the built-in model; sync, so that every frame carries a result and
   * the records' frames follow each other (a live source would otherwise
   * make it async, and the first frames carry none) */
  return g_strdup ("edgeclassify mode=sync");
}

static int
find_sanitizer (struct dl_phdr_info *info, size_t size, void *data)
{
  if (info->dlpi_name
      && (strstr (info->dlpi_name, "/libasan.so")
          || strstr (info->dlpi_name, "/libtsan.so"))) {
    *(gchar **)data = g_strdup (info->dlpi_name);
    return 1;
  }
  return 0;
}

/* The environment of a gst-launch-1.0 of ours: the registry as this
 * process left it, and, when this process runs under a sanitizer (whose
 * build of the plugin only loads in a process that has its runtime), that
 * runtime */
static gchar **
launch_environment (void)
{
  gchar **env = g_get_environ (), *runtime = NULL;

  env = g_environ_setenv (env, "GST_REGISTRY_UPDATE", "no", TRUE);
  dl_iterate_phdr (find_sanitizer, &runtime);
  if (runtime)
    env = g_environ_setenv (env, "LD_PRELOAD", runtime, TRUE);
  g_free (runtime);
  return env;
}

/* gst-launch-1.0 @pipeline in a process of its own */
static GPid
launch (const gchar *pipeline)
{
  gchar *exe = g_find_program_in_path ("gst-launch-1.0");
  gchar *cmd, **argv = NULL, **env = launch_environment ();
  GPid pid;

  fail_unless (exe != NULL, "gst-launch-1.0 is not installed");
  cmd = g_strdup_printf ("%s -q %s", exe, pipeline);
  fail_unless (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  fail_unless (g_spawn_async (
      NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
      die_with_parent, NULL, &pid, NULL));
  g_strfreev (env);
  g_strfreev (argv);
  g_free (cmd);
  g_free (exe);
  return pid;
}

static void
kill_hard (GPid pid)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
}

/* A process killed with results in its spool: the next start with the
 * same spool delivers them, in order, once */
GST_START_TEST (test_spool_survives_kill)
{
  gchar *classify = classifier ();
  gchar *dir = output_path ("spool-kill");
  gchar *pipeline, *props;
  GPtrArray *spooled = NULL;
  gint64 until = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  Broker *b;
  Subscriber *s;
  GstHarness *h;
  GPid pid;

  remove_dir (dir);
  pipeline = g_strdup_printf (
      "videotestsrc is-live=true ! video/x-raw,width=64,height=64,"
      "framerate=30/1 ! %s ! edgereport spool-dir=\"%s\" "
      "mqtt-host=127.0.0.1 mqtt-port=%d ! fakesink",
      classify, dir, free_port ());
  pid = launch (pipeline);
  do {
    fail_unless (g_get_monotonic_time () < until, "nothing spooled");
    g_usleep (100 * 1000);
    if (spooled)
      g_ptr_array_unref (spooled);
    spooled = spool_lines (dir);
  } while (spooled->len < 20);
  kill_hard (pid);
  g_ptr_array_unref (spooled);
  spooled = spool_lines (dir);

  b = broker_new ();
  s = sub_new (b->port, "edge/kill");
  props = g_strdup_printf ("spool-dir=\"%s\" mqtt-host=127.0.0.1 "
                           "mqtt-port=%d mqtt-topic=edge/kill",
                           dir, b->port);
  h = make_harness (props);
  fail_unless (sub_wait (s, spooled->len, 15), "%u of %u arrived",
               s->messages->len, spooled->len);
  g_usleep (200 * 1000);
  fail_unless_equals_int (s->messages->len, spooled->len);
  for (guint i = 0; i < spooled->len; i++)
    fail_unless_equals_string (g_ptr_array_index (s->messages, i),
                               g_ptr_array_index (spooled, i));
  check_frames (s, 0, spooled->len);

  gst_harness_teardown (h);
  sub_free (s);
  broker_free (b);
  g_ptr_array_unref (spooled);
  remove_dir (dir);
  g_free (props);
  g_free (pipeline);
  g_free (dir);
  g_free (classify);
}

GST_END_TEST;

/* A process killed at QoS 2 while the broker holds sixteen of its
 * records undelivered (their PUBREC withheld): the broker keeps that
 * session, with packet ids the next process does not know. The next start
 * with the same spool (the same client id) ends it first, then delivers
 * everything: nothing lost, and any record twice only as the same bytes
 * (those the broker had delivered whose acknowledgement the spool had not
 * noted yet: a crash is at least once). */
GST_START_TEST (test_spool_kill_connected)
{
  gchar *classify = classifier ();
  gchar *dir = output_path ("spool-kill-up");
  gchar *pipeline, *props, *last;
  Broker *b = broker_new ();
  Relay *r = relay_new (b->port);
  Subscriber *s = sub_new (b->port, "edge/crash");
  JsonParser *parser = json_parser_new ();
  GPtrArray *spooled;
  GstHarness *h;
  gint64 frames;
  guint repeats;
  GPid pid;

  remove_dir (dir);
  pipeline = g_strdup_printf (
      "videotestsrc is-live=true ! video/x-raw,width=64,height=64,"
      "framerate=30/1 ! %s ! edgereport spool-dir=\"%s\" "
      "mqtt-host=127.0.0.1 mqtt-port=%d mqtt-topic=edge/crash ! fakesink",
      classify, dir, r->port);
  pid = launch (pipeline);
  fail_unless (relay_wait (r, FALSE, PUBCOMP, 5, 30), "nothing delivered");
  RELAY_ORDER (r, r->withhold = PUBREC);
  fail_unless (relay_wait (r, TRUE, PUBREC, 16, 15), "window not full");
  /* a second more of records, waiting in the spool only */
  g_usleep (G_USEC_PER_SEC);
  kill_hard (pid);
  RELAY_ORDER (r, r->withhold = 0; r->cut = TRUE);

  /* the records of the killed run: up to the spool's last */
  spooled = spool_lines (dir);
  fail_unless (spooled->len > 16, "%u spooled", spooled->len);
  last = g_ptr_array_index (spooled, spooled->len - 1);
  frames
      = json_object_get_int_member (parse_object (parser, last), "frame") + 1;

  props = g_strdup_printf ("spool-dir=\"%s\" mqtt-host=127.0.0.1 "
                           "mqtt-port=%d mqtt-topic=edge/crash",
                           dir, r->port);
  h = make_harness (props);
  fail_unless (sub_wait (s, frames, 15), "%u of %" G_GINT64_FORMAT " arrived",
               s->messages->len, frames);
  g_usleep (500 * 1000);
  repeats = check_frames_at_least_once (s, 0, frames);
  g_print ("killed connected: %" G_GINT64_FORMAT " frames, %u repeated\n",
           frames, repeats);

  gst_harness_teardown (h);
  relay_free (r);
  sub_free (s);
  broker_free (b);
  g_ptr_array_unref (spooled);
  g_object_unref (parser);
  remove_dir (dir);
  g_free (props);
  g_free (pipeline);
  g_free (dir);
  g_free (classify);
}

GST_END_TEST;

/* The status topic: "online" (retained) while connected; "offline" when
 * the process dies, from the broker (the will), retained too */
GST_START_TEST (test_status_and_will)
{
  Broker *b = broker_new ();
  Subscriber *s = sub_new (b->port, "edge/will/status"), *late;
  gchar *pipeline = g_strdup_printf (
      "videotestsrc is-live=true ! edgereport mqtt-host=127.0.0.1 "
      "mqtt-port=%d mqtt-topic=edge/will ! fakesink",
      b->port);
  GPid pid = launch (pipeline);

  fail_unless (sub_wait (s, 1, 15), "no status");
  fail_unless_equals_string (g_ptr_array_index (s->messages, 0), "online");
  kill_hard (pid);
  fail_unless (sub_wait (s, 2, 15), "no will after SIGKILL");
  fail_unless_equals_string (g_ptr_array_index (s->messages, 1), "offline");

  late = sub_new (b->port, "edge/will/status");
  fail_unless (sub_wait (late, 1, 5), "status not retained");
  fail_unless_equals_string (g_ptr_array_index (late->messages, 0), "offline");
  sub_free (late);
  sub_free (s);
  broker_free (b);
  g_free (pipeline);
}

GST_END_TEST;

/* A broker that wants a login: the right one delivers, a wrong one (or
 * none) is an error on the bus */
static void
check_refused (gint port, const gchar *login)
{
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/auth %s",
                                  port, login);
  GstBus *bus;
  GstHarness *h = make_watched_harness (props, &bus);
  GstMessage *msg;
  GError *err = NULL;

  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (0, TRUE)));
  msg = gst_bus_timed_pop_filtered (bus, 15 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for a refused login (%s)", login);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
                                GST_RESOURCE_ERROR_NOT_AUTHORIZED),
               "%s", err->message);
  fail_unless (strstr (err->message, "refused the login") != NULL, "%s",
               err->message);
  g_error_free (err);
  gst_message_unref (msg);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  g_free (props);
}

GST_START_TEST (test_mqtt_login)
{
  gchar *dir = output_path ("auth"), *cmd, *extra, *props, *passwords;
  gchar *right, *wrong, *exe = g_find_program_in_path ("mosquitto_passwd");
  Broker *b;
  Subscriber *s;
  GstHarness *h;

  fail_unless (exe != NULL, "mosquitto_passwd is not installed");
  g_mkdir_with_parents (dir, 0700);
  passwords = g_build_filename (dir, "passwords", NULL);
  right = g_build_filename (dir, "right", NULL);
  wrong = g_build_filename (dir, "wrong", NULL);
  g_unlink (passwords);
  cmd = g_strdup_printf ("%s -b -c \"%s\" camera s3cret", exe, passwords);
  run (cmd);
  fail_unless (g_file_set_contents (right, "s3cret\n", -1, NULL));
  fail_unless (g_file_set_contents (wrong, "secret\n", -1, NULL));
  extra = g_strdup_printf ("allow_anonymous false\npassword_file %s\n",
                           passwords);
  b = broker_new_with (extra);
  s = sub_new_full (b->port, "edge/auth", NULL, "camera", "s3cret");

  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                           "mqtt-topic=edge/auth mqtt-username=camera "
                           "mqtt-password-file=\"%s\"",
                           b->port, right);
  h = make_harness (props);
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, TRUE)));
  fail_unless (sub_wait (s, 3, 15), "%u of 3 with a login", s->messages->len);
  gst_harness_teardown (h);
  g_free (props);

  props = g_strdup_printf ("mqtt-username=camera mqtt-password-file=\"%s\"",
                           wrong);
  check_refused (b->port, props);
  check_refused (b->port, "mqtt-username=camera");
  check_refused (b->port, "");

  sub_free (s);
  broker_free (b);
  remove_dir (dir);
  g_free (props);
  g_free (extra);
  g_free (cmd);
  g_free (right);
  g_free (wrong);
  g_free (passwords);
  g_free (dir);
  g_free (exe);
}

GST_END_TEST;

/* The text of the number after @key in @json */
static gchar *
number_after (const gchar *json, const gchar *key)
{
  const gchar *p = strstr (json, key);

  fail_unless (p != NULL, "no %s in %s", key, json);
  p += strlen (key);
  return g_strndup (p, strcspn (p, ",]}"));
}

/* Numbers are the shortest text that reads back as the same double */
/* A fake broker on @fd: accepts @clients connections one after the
 * other, reads each CONNECT and answers CONNACK with return code @code
 * (MQTT 3.1.1, 3.2.2.3), or never answers when @silent */
typedef struct {
  gint fd;
  guint8 code;
  gboolean silent;
  guint clients;
  gint accepted; /* atomic */
} FakeBroker;

static gpointer
fake_broker (gpointer user_data)
{
  FakeBroker *f = user_data;

  for (guint n = 0; n < f->clients; n++) {
    gint c = accept (f->fd, NULL, NULL);
    guint8 buf[256], connack[4] = { 0x20, 0x02, 0x00, f->code };

    if (c < 0)
      break;
    g_atomic_int_inc (&f->accepted);
    /* (no check here: this is not the test's thread; a lost CONNACK
     * fails the test by the missing error) */
    if (read (c, buf, sizeof (buf)) > 0 && buf[0] == 0x10 && !f->silent
        && write (c, connack, 4) != 4)
      g_printerr ("fake broker: CONNACK not written\n");
    /* the client closes; wait for it */
    while (read (c, buf, sizeof (buf)) > 0)
      ;
    close (c);
  }
  return NULL;
}

/* A listening socket on a free loopback port */
static gint
fake_listen (gint *port)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof (addr);
  gint fd = socket (AF_INET, SOCK_STREAM, 0);

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0);
  fail_unless (listen (fd, 2) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *)&addr, &len) == 0);
  *port = ntohs (addr.sin_port);
  return fd;
}

/* A broker that takes the connection but never answers CONNECT: frames
 * flow all the same, no error, and the element gives up on that
 * connection (after 10 s) and tries again */
GST_START_TEST (test_mqtt_connect_unanswered)
{
  gint port;
  FakeBroker f = { fake_listen (&port), 0, TRUE, 2, 0 };
  GThread *t = g_thread_new ("fake-broker", fake_broker, &f);
  gchar *props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                                  "mqtt-topic=edge/silent",
                                  port);
  GstBus *bus;
  GstHarness *h = make_watched_harness (props, &bus);
  gint64 until = g_get_monotonic_time () + 40 * G_TIME_SPAN_SECOND;
  guint i = 0;

  while (g_atomic_int_get (&f.accepted) < 2
         && g_get_monotonic_time () < until) {
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i++, TRUE)));
    g_usleep (100 * 1000);
  }
  fail_unless_equals_int (g_atomic_int_get (&f.accepted), 2);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  shutdown (f.fd, SHUT_RDWR);
  g_thread_join (t);
  close (f.fd);
  g_free (props);
}

GST_END_TEST;

/* A broker that refuses the connection itself (CONNACK "unacceptable
 * protocol version" or "identifier rejected") is an error naming the
 * broker, RESOURCE / SETTINGS, not an endless retry */
GST_START_TEST (test_mqtt_connection_refused)
{
  for (guint8 code = 1; code <= 2; code++) {
    gint port;
    FakeBroker f = { fake_listen (&port), code, FALSE, 1, 0 };
    GThread *t;
    gchar *props, *where;
    GstHarness *h;
    GstBus *bus;
    GstMessage *msg;
    GError *err = NULL;

    t = g_thread_new ("fake-broker", fake_broker, &f);
    props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                             "mqtt-topic=edge/refused",
                             port);
    where = g_strdup_printf ("127.0.0.1:%d", port);
    h = make_watched_harness (props, &bus);
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (0, TRUE)));
    /* a wait for the message, not a time limit: a loaded coverage build
     * has taken more than 15 s to get there */
    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL, "CONNACK %u: no error", code);
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (
        g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS),
        "%s", err->message);
    fail_unless (strstr (err->message, "refused the connection") != NULL, "%s",
                 err->message);
    fail_unless (strstr (err->message, where) != NULL, "%s", err->message);
    g_error_free (err);
    gst_message_unref (msg);
    unwatch_bus (h, bus);
    gst_harness_teardown (h);
    g_thread_join (t);
    close (f.fd);
    g_free (where);
    g_free (props);
  }
}

GST_END_TEST;

GST_START_TEST (test_number_format)
{
  static const struct {
    gdouble value;
    const gchar *text;
  } cases[] = {
    { 0.1, "0.1" },    /* %.17g: 0.10000000000000001 */
    { 1.0, "1.0" },    /* a whole number stays a double */
    { 1e-7, "1e-07" }, /* %.17g: 9.9999999999999995e-08 */
    { 0.1 + 0.2, "0.30000000000000004" },
    { 0.8100000023841858, "0.8100000023841858" }, /* a float's value */
  };
  gchar *path = output_path ("numbers.jsonl");
  gchar *props = g_strdup_printf ("location=\"%s\"", path);
  GstHarness *h;
  gchar **lines;

  g_unlink (path);
  h = make_harness (props);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBuffer *buf = make_frame (i, FALSE);
    GstVideoRegionOfInterestMeta *meta
        = gst_buffer_add_video_region_of_interest_meta (buf, "x", 0, 0, 1, 1);
    gst_video_region_of_interest_meta_add_param (
        meta, gst_structure_new ("classification", "confidence", G_TYPE_DOUBLE,
                                 cases[i].value, NULL));
    gst_buffer_unref (gst_harness_push_and_pull (h, buf));
  }
  gst_harness_teardown (h);
  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), G_N_ELEMENTS (cases));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *text = number_after (lines[i], "\"confidence\":");
    fail_unless_equals_string (text, cases[i].text);
    g_free (text);
  }
  g_strfreev (lines);
  g_unlink (path);
  g_free (props);
  g_free (path);
}

GST_END_TEST;

/* The same result: the same text in edgereport's line and edgeclassify's
 * last-result */
GST_START_TEST (test_numbers_match_classifier)
{
  gchar *classify = classifier ();
  gchar *path = output_path ("match.jsonl");
  gchar *launch_line, *last = NULL, **lines;
  GstElement *pipeline, *c;
  GstMessage *msg;
  const gchar *keys[]
      = { "\"confidence\":", "\"top_confidences\":[", "\"inference_us\":" };

  g_unlink (path);
  launch_line = g_strdup_printf (
      "videotestsrc num-buffers=3 ! video/x-raw,width=64,height=64 ! "
      "%s name=c ! edgereport location=\"%s\" ! fakesink",
      classify, path);
  pipeline = gst_parse_launch (launch_line, NULL);
  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 60 * GST_SECOND,
                                    GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  c = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  g_object_get (c, "last-result", &last, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 3);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++) {
    gchar *ours = number_after (lines[2], keys[k]);
    gchar *theirs = number_after (last, keys[k]);
    fail_unless_equals_string (ours, theirs);
    g_free (ours);
    g_free (theirs);
  }
  g_strfreev (lines);
  g_free (last);
  gst_object_unref (c);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_free (launch_line);
  g_free (classify);
}

GST_END_TEST;

/* A file that ends without a newline (a line cut off before) gets one
 * before our first line; a write that fails is cut back, leaving no part
 * of a line */
GST_START_TEST (test_no_partial_line)
{
  gchar *path = output_path ("partial.jsonl");
  gchar *props = g_strdup_printf ("location=\"%s\"", path);
  static const gchar seed[] = "{\"earlier\":true}\n";
  JsonParser *parser = json_parser_new ();
  struct rlimit saved, limit;
  GstHarness *h;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  gchar **lines, *text = NULL;

  fail_unless (g_file_set_contents (path, "{\"cut\":", -1, NULL));
  h = make_harness (props);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (0, TRUE)));
  gst_harness_teardown (h);
  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 2);
  fail_unless_equals_string (lines[0], "{\"cut\":");
  parse_object (parser, lines[1]);
  g_strfreev (lines);

  /* the file may not grow past the seed and a few bytes */
  fail_unless (g_file_set_contents (path, seed, -1, NULL));
  h = make_watched_harness (props, &bus);
  signal (SIGXFSZ, SIG_IGN);
  fail_unless (getrlimit (RLIMIT_FSIZE, &saved) == 0);
  limit = saved;
  limit.rlim_cur = sizeof (seed) - 1 + 40;
  fail_unless (setrlimit (RLIMIT_FSIZE, &limit) == 0);
  fail_unless_equals_int (gst_harness_push (h, make_frame (0, TRUE)),
                          GST_FLOW_ERROR);
  fail_unless (setrlimit (RLIMIT_FSIZE, &saved) == 0);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE), "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless_equals_string (text, seed);

  g_free (text);
  g_object_unref (parser);
  g_unlink (path);
  g_free (props);
  g_free (path);
}

GST_END_TEST;

/* A full device: the error says so */
GST_START_TEST (test_disk_full)
{
  GstBus *bus;
  GstHarness *h = make_watched_harness ("location=/dev/full", &bus);
  GstMessage *msg;
  GError *err = NULL;

  fail_unless_equals_int (gst_harness_push (h, make_frame (0, TRUE)),
                          GST_FLOW_ERROR);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE));
  fail_unless (strstr (err->message, g_strerror (ENOSPC)) != NULL, "%s",
               err->message);
  g_error_free (err);
  gst_message_unref (msg);
  unwatch_bus (h, bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* gst-launch-1.0 with a port out of range fails and says why */
GST_START_TEST (test_launch_bad_port)
{
  gchar *exe = g_find_program_in_path ("gst-launch-1.0");
  gchar *cmd, *out = NULL, *err = NULL, **argv = NULL;
  gchar **env = launch_environment ();
  gint status;

  fail_unless (exe != NULL);
  cmd = g_strdup_printf ("%s fakesrc num-buffers=1 ! edgereport "
                         "mqtt-host=127.0.0.1 mqtt-port=70000 ! fakesink",
                         exe);
  fail_unless (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  fail_unless (g_spawn_sync (NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
                             &err, &status, NULL));
  fail_if (g_spawn_check_wait_status (status, NULL), "gst-launch-1.0 passed");
  fail_unless (strstr (out, "Invalid mqtt-port 70000") != NULL
                   || strstr (err, "Invalid mqtt-port 70000") != NULL,
               "%s\n%s", out, err);
  g_strfreev (argv);
  g_strfreev (env);
  g_free (out);
  g_free (err);
  g_free (cmd);
  g_free (exe);
}

GST_END_TEST;

/* Pushes classified frames at @fps for @seconds, numbering from *@next */
static void
push_for (GstHarness *h, guint *next, guint fps, gdouble seconds)
{
  gint64 start = g_get_monotonic_time ();
  guint n = (guint)(fps * seconds);

  for (guint i = 0; i < n; i++) {
    gint64 due = start + (gint64)i * G_USEC_PER_SEC / fps;
    gint64 now = g_get_monotonic_time ();

    if (due > now)
      g_usleep (due - now);
    gst_buffer_unref (
        gst_harness_push_and_pull (h, make_frame ((*next)++, TRUE)));
  }
}

/* Done 1: the broker is not there for the first ten seconds; every result
 * arrives all the same, in order, once (QoS 2, no spool) */
GST_START_TEST (test_broker_late)
{
  Broker *b = broker_prepare ("", TRUE);
  Subscriber *s;
  gchar *props;
  GstHarness *h;
  GstElement *report;
  guint next = 0;

  /* a subscriber whose session waits for it while the broker is away */
  broker_start (b);
  s = sub_new_full (b->port, "edge/late", "late-subscriber", NULL, NULL);
  broker_stop (b);

  props = g_strdup_printf ("mqtt-host=127.0.0.1 mqtt-port=%d "
                           "mqtt-topic=edge/late mqtt-qos=2",
                           b->port);
  h = make_harness (props);
  report = gst_harness_find_element (h, "edgereport");
  push_for (h, &next, 5, 10.0);
  broker_start (b);
  push_for (h, &next, 5, 2.0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (sub_wait (s, next, 30), "%u of %u arrived", s->messages->len,
               next);
  g_usleep (500 * 1000);
  check_frames (s, 0, next);
  fail_unless_equals_uint64 (get_dropped (report), 0);

  gst_object_unref (report);
  gst_harness_teardown (h);
  sub_free (s);
  broker_free (b);
  g_free (props);
}

GST_END_TEST;

/* Done 2: with a spool, the broker away for a minute mid-stream at 30
 * frames a second: nothing lost, nothing twice, in order. The broker
 * stops while records are in flight (it has some whose acknowledgement
 * never leaves it); it keeps the sessions, and so do the element (QoS 2,
 * the default with a spool) and the subscriber (QoS 2). */
GST_START_TEST (test_spool_outage)
{
  Broker *b = broker_prepare ("", TRUE);
  gchar *dir = output_path ("spool-outage");
  Subscriber *s;
  gchar *props;
  GstHarness *h;
  GstElement *report;
  guint next = 0;

  remove_dir (dir);
  broker_start (b);
  s = sub_new_full (b->port, "edge/outage", "outage-subscriber", NULL, NULL);
  props = g_strdup_printf ("spool-dir=\"%s\" mqtt-host=127.0.0.1 "
                           "mqtt-port=%d mqtt-topic=edge/outage",
                           dir, b->port);
  h = make_harness (props);
  report = gst_harness_find_element (h, "edgereport");
  push_for (h, &next, 30, 2.0);
  broker_stop (b);
  push_for (h, &next, 30, 60.0);
  broker_start (b);
  push_for (h, &next, 30, 2.0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (sub_wait (s, next, 60), "%u of %u arrived", s->messages->len,
               next);
  g_usleep (500 * 1000);
  check_frames (s, 0, next);
  fail_unless_equals_uint64 (get_dropped (report), 0);

  gst_object_unref (report);
  gst_harness_teardown (h);
  sub_free (s);
  broker_free (b);
  remove_dir (dir);
  g_free (props);
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
  tcase_add_test (tc, test_stdout_and_sizeless_caps);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_start_errors);
  tcase_add_test (tc, test_source_uri_query);
  tcase_add_loop_test (tc, test_mqtt_same_as_file, 0, 2);
  tcase_add_test (tc, test_mqtt_broker_restart);
  tcase_add_test (tc, test_mqtt_tls);
  tcase_add_test (tc, test_losses_counted);
  tcase_add_test (tc, test_spool_quota);
  tcase_add_test (tc, test_spool_survives_kill);
  tcase_add_test (tc, test_spool_kill_connected);
  tcase_add_test (tc, test_status_and_will);
  tcase_add_test (tc, test_mqtt_login);
  tcase_add_test (tc, test_mqtt_connection_refused);
  tcase_add_test (tc, test_mqtt_connect_unanswered);
  tcase_add_test (tc, test_number_format);
  tcase_add_test (tc, test_numbers_match_classifier);
  tcase_add_test (tc, test_no_partial_line);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_launch_bad_port);
  tcase_add_loop_test (tc, test_qos2_answer_lost, 0, 4);
  tcase_add_test (tc, test_qos1_answer_lost);
  tcase_add_test (tc, test_qos2_session_lost);
  tcase_add_test (tc, test_client_id);
  tcase_add_test (tc, test_qos2_not_taken);

  /* minutes of real time: a test of its own, CK_RUN_CASE=delivery */
  if (g_strcmp0 (g_getenv ("CK_RUN_CASE"), "delivery") != 0)
    return s;
  tc = tcase_create ("delivery");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_broker_late);
  tcase_add_test (tc, test_spool_outage);
  return s;
}

GST_CHECK_MAIN (edgereport);
