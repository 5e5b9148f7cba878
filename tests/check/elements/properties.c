/* Every writable string property of every element of the plugin, set to
 * NULL and to "" while frames flow, then NULL before a restart: frames
 * keep flowing, nothing crashes, no error is posted. Walks the properties
 * the elements declare, so a new string property is covered too. */

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

static const gchar *elements[]
    = { "edgeclassify", "edgeoverlay", "edgereport" };

typedef struct {
  GMutex lock;
  GCond cond;
  guint64 frames;
} Counter;

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, Counter *c)
{
  g_mutex_lock (&c->lock);
  c->frames++;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

/* Waits for @n more frames at the sink, failing on an error meanwhile. */
static void
wait_frames (Counter *c, GstBus *bus, guint n, const gchar *after)
{
  guint64 target;
  GstMessage *msg;

  g_mutex_lock (&c->lock);
  target = c->frames + n;
  while (c->frames < target) {
    gint64 until = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;

    g_cond_wait_until (&c->cond, &c->lock, until);
    g_mutex_unlock (&c->lock);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg != NULL) {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      fail ("error after %s: %s (%s)", after, err->message, debug);
    }
    g_mutex_lock (&c->lock);
  }
  g_mutex_unlock (&c->lock);
}

static GList *
string_props (GstElement *el)
{
  GParamSpec **specs;
  guint n;
  GList *out = NULL;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (el), &n);
  for (guint i = 0; i < n; i++) {
    if (G_PARAM_SPEC_VALUE_TYPE (specs[i]) == G_TYPE_STRING
        && (specs[i]->flags & G_PARAM_WRITABLE)
        && !(specs[i]->flags & G_PARAM_CONSTRUCT_ONLY)
        && specs[i]->owner_type == G_OBJECT_TYPE (el))
      out = g_list_append (out, specs[i]);
  }
  g_free (specs);
  return out;
}

GST_START_TEST (test_string_props_null_and_empty)
{
  gchar *dir = g_dir_make_tmp ("edgeprops-XXXXXX", NULL);
  gchar *out = g_build_filename (dir, "out.jsonl", NULL);
  gchar *desc = g_strdup_printf (
      "videotestsrc pattern=ball ! "
      "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! "
      "edgeclassify name=edgeclassify ! edgeoverlay name=edgeoverlay ! "
      "edgereport name=edgereport location=\"%s\" ! "
      "fakesink name=sink signal-handoffs=true sync=false",
      out);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  Counter counter = { 0 };
  guint tried = 0;

  g_mutex_init (&counter.lock);
  g_cond_init (&counter.cond);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &counter);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  wait_frames (&counter, bus, 3, "start");

  for (guint e = 0; e < G_N_ELEMENTS (elements); e++) {
    GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), elements[e]);
    GList *props = string_props (el);

    fail_unless (props != NULL, "%s has no string property", elements[e]);
    for (GList *l = props; l; l = l->next) {
      const gchar *name = g_param_spec_get_name (l->data);
      gchar *what = g_strdup_printf ("%s %s", elements[e], name);

      GST_INFO ("%s = NULL, then \"\"", what);
      g_object_set (el, name, NULL, NULL);
      wait_frames (&counter, bus, 3, what);
      g_object_set (el, name, "", NULL);
      wait_frames (&counter, bus, 3, what);
      tried++;
      g_free (what);
    }
    g_list_free (props);
    gst_object_unref (el);
  }

  /* all unset from the start (edgeoverlay once crashed on a NULL font) */
  fail_unless (gst_element_set_state (pipe, GST_STATE_NULL)
               == GST_STATE_CHANGE_SUCCESS);
  for (guint e = 0; e < G_N_ELEMENTS (elements); e++) {
    GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), elements[e]);
    GList *props = string_props (el);

    for (GList *l = props; l; l = l->next)
      g_object_set (el, g_param_spec_get_name (l->data), NULL, NULL);
    g_list_free (props);
    gst_object_unref (el);
  }
  gst_bus_set_flushing (bus, TRUE);
  gst_bus_set_flushing (bus, FALSE);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  wait_frames (&counter, bus, 5, "a restart with every string unset");
  GST_INFO ("%u string properties", tried);
  fail_unless (tried >= 10, "only %u string properties", tried);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_cond_clear (&counter.cond);
  g_mutex_clear (&counter.lock);
  g_unlink (out);
  g_rmdir (dir);
  g_free (out);
  g_free (dir);
  g_free (desc);
}
GST_END_TEST;

static Suite *
properties_suite (void)
{
  Suite *s = suite_create ("properties");
  TCase *tc = tcase_create ("strings");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_string_props_null_and_empty);
  return s;
}

GST_CHECK_MAIN (properties);
