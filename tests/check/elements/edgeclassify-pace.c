/* edgeclassify's pace: the mode choice (auto follows liveness), max-rate
 * in either mode, the stats and their messages, the latency it reports,
 * and the scheduler shared by all elements of the process: never more
 * inference slots than it has, priorities share them, and inference
 * threads yield to the streaming threads. */

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "ecutil.h"

/* mode=auto follows the LATENCY query: live upstream -> async. */
static gchar *
mode_in_pipeline (gboolean live)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc is-live=%s num-buffers=20 ! "
      "video/x-raw,format=GRAY8,width=28,height=28,framerate=300/1 ! "
      "edgeclassify name=c ! fakesink",
      live ? "true" : "false");
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *c = gst_bin_get_by_name (GST_BIN (pipe), "c");
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  GstStructure *s;
  gchar *mode;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
                                    GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  s = stats_of (c);
  mode = g_strdup (gst_structure_get_string (s, "mode"));
  fail_unless_equals_uint64 (u64 (s, "frames-out"), 20);
  gst_structure_free (s);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (c);
  gst_object_unref (pipe);
  g_free (desc);
  return mode;
}

GST_START_TEST (test_auto_mode_by_liveness)
{
  gchar *live = mode_in_pipeline (TRUE), *file = mode_in_pipeline (FALSE);

  fail_unless_equals_string (live, "async");
  fail_unless_equals_string (file, "sync");
  g_free (live);
  g_free (file);
}
GST_END_TEST;

/* sync max-rate 10 on 30 fps: every third frame runs (by PTS), the others
 * carry it with their age. */
GST_START_TEST (test_max_rate_sync_by_pts)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "max-rate=10", GRAY28);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < 12; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_at (&info, i));
    const GstStructure *s = get_result (out, NULL);

    fail_unless_equals_uint64 (u64 (s, "age_frames"), i % 3);
    fail_unless_equals_uint64 (u64 (s, "frame"), i / 3 * 3);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (stat_u64 (c, "fresh-results"), 4);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* sync max-rate without timestamps (a source that sets none): the spacing
 * is judged by the clock. At 0.5 a second, a frame pushed right after a
 * run carries that run's result; one pushed more than 2 s later runs. */
GST_START_TEST (test_max_rate_sync_by_clock)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "max-rate=0.5", GRAY28);
  GstVideoInfo info;
  GstBuffer *in, *out;
  const GstStructure *s;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < 3; i++) {
    if (i == 2)
      g_usleep (2100 * 1000);
    in = frame_at (&info, i);
    GST_BUFFER_PTS (in) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (in) = GST_CLOCK_TIME_NONE;
    out = gst_harness_push_and_pull (h, in);
    s = get_result (out, NULL);
    fail_unless_equals_uint64 (u64 (s, "age_frames"), i == 1 ? 1 : 0);
    fail_unless_equals_uint64 (u64 (s, "frame"), i == 1 ? 0 : i);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (stat_u64 (harness_classifier (h), "fresh-results"),
                             2);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* async max-rate 20: the scheduler spaces the runs; a live source at 300
 * frames a second for a while gives at most one fresh result in 50 ms. */
GST_START_TEST (test_max_rate_async)
{
  GstElement *pipe = gst_parse_launch (
      "videotestsrc is-live=true num-buffers=150 ! "
      "video/x-raw,format=GRAY8,width=28,height=28,framerate=300/1 ! "
      "edgeclassify name=c mode=async max-rate=20 ! fakesink",
      NULL);
  GstElement *c = gst_bin_get_by_name (GST_BIN (pipe), "c");
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 t0 = g_get_monotonic_time (), elapsed;
  GstMessage *msg;
  guint64 fresh;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
                                    GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  elapsed = g_get_monotonic_time () - t0;
  fresh = stat_u64 (c, "fresh-results");
  GST_INFO ("%" G_GUINT64_FORMAT " fresh results in %" G_GINT64_FORMAT " us",
            fresh, elapsed);
  fail_unless (fresh >= 1);
  fail_unless (fresh <= 1 + (guint64)elapsed / 50000,
               "%" G_GUINT64_FORMAT " results in %" G_GINT64_FORMAT " us",
               fresh, elapsed);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (c);
  gst_object_unref (pipe);
}
GST_END_TEST;

GST_START_TEST (test_stats_fields)
{
  static const struct {
    const gchar *name;
    GType type;
  } fields[] = { { "frames-in", G_TYPE_UINT64 },
                 { "frames-out", G_TYPE_UINT64 },
                 { "fresh-results", G_TYPE_UINT64 },
                 { "requests-replaced", G_TYPE_UINT64 },
                 { "inference-us-p50", G_TYPE_DOUBLE },
                 { "inference-us-p99", G_TYPE_DOUBLE },
                 { "queue-wait-us-p50", G_TYPE_DOUBLE },
                 { "queue-wait-us-p99", G_TYPE_DOUBLE },
                 { "result-age-ms-p50", G_TYPE_DOUBLE },
                 { "result-age-ms-p99", G_TYPE_DOUBLE },
                 { "mode", G_TYPE_STRING },
                 { "stream-id", G_TYPE_STRING },
                 { "scheduler-slots", G_TYPE_UINT },
                 { "scheduler-peak-busy", G_TYPE_UINT } };
  GstHarness *h
      = harness_new (NULL, "seed.onnx", "inference-interval=2", GRAY28);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstStructure *s;
  gdouble p50, p99;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < 10; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
  s = stats_of (c);
  fail_unless_equals_string (gst_structure_get_name (s), "edgeclassify-stats");
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    fail_unless (
        gst_structure_has_field_typed (s, fields[i].name, fields[i].type),
        "%s missing or mistyped", fields[i].name);
  fail_unless_equals_int (gst_structure_n_fields (s), G_N_ELEMENTS (fields));
  fail_unless_equals_uint64 (u64 (s, "frames-in"), 10);
  fail_unless_equals_uint64 (u64 (s, "frames-out"), 10);
  fail_unless_equals_uint64 (u64 (s, "fresh-results"), 5);
  fail_unless_equals_uint64 (u64 (s, "requests-replaced"), 0);
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "sync");
  /* ages: half the frames 0, half one frame (33.3 ms) */
  gst_structure_get_double (s, "result-age-ms-p50", &p50);
  gst_structure_get_double (s, "result-age-ms-p99", &p99);
  fail_unless (p50 == 0.0, "p50 %f", p50);
  fail_unless (fabs (p99 - 1000.0 / 30) < 0.01, "p99 %f", p99);
  gst_structure_get_double (s, "inference-us-p50", &p50);
  gst_structure_get_double (s, "inference-us-p99", &p99);
  fail_unless (p50 > 0.0 && p99 >= p50);
  gst_structure_free (s);

  /* stopped: the figures of the last run stay readable */
  gst_element_set_state (h->element, GST_STATE_NULL);
  s = stats_of (c);
  fail_unless_equals_uint64 (u64 (s, "frames-in"), 10);
  fail_unless_equals_uint64 (u64 (s, "fresh-results"), 5);
  gst_structure_free (s);
  gst_harness_teardown (h);

  /* never started: an empty structure of that name */
  c = gst_element_factory_make ("edgeclassify", NULL);
  s = stats_of (c);
  fail_unless_equals_string (gst_structure_get_name (s), "edgeclassify-stats");
  fail_unless_equals_int (gst_structure_n_fields (s), 0);
  gst_structure_free (s);
  gst_object_unref (c);
}
GST_END_TEST;

GST_START_TEST (test_stats_messages)
{
  GstHarness *h
      = harness_new (NULL, "seed.onnx", "stats-interval=0.02", GRAY28);
  GstBus *bus = watch_bus (h->element);
  GstVideoInfo info;
  GstMessage *msg;
  guint n = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  for (guint i = 0; i < 20; i++) {
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
    g_usleep (5000);
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, "edgeclassify-stats")) {
      guint64 frames = 0;

      fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
                                             "frames-in", &frames));
      fail_unless (frames > 0 && frames <= 20);
      n++;
    }
    gst_message_unref (msg);
  }
  fail_unless (n >= 1, "no edgeclassify-stats message");
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* An unknown mode is refused by the parser, naming the property. */
GST_START_TEST (test_unknown_mode)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (
      "videotestsrc ! edgeclassify mode=sometimes ! fakesink", &err);

  fail_unless (err != NULL);
  fail_unless (err->domain == GST_PARSE_ERROR
               && err->code == GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY);
  fail_unless (strstr (err->message, "mode") != NULL, "%s", err->message);
  g_clear_error (&err);
  if (pipe)
    gst_object_unref (pipe);
}
GST_END_TEST;

/* In async mode the LATENCY query adds what a frame costs the streaming
 * thread, far less than the inference it no longer waits for (a model of
 * tens of milliseconds, so that the machine's own scheduling delays of
 * the streaming thread cannot bridge the gap). */
GST_START_TEST (test_async_latency_is_streaming_cost)
{
  GstHarness *h = harness_new (NULL, "slower.onnx", "mode=async", GRAY64);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstQuery *q;
  GstClockTime min;
  gdouble inference_us;
  GstStructure *s;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  for (guint i = 0; i < 6; i++) {
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
    wait_result_of (c, i); /* every frame's own inference runs */
  }
  q = gst_query_new_latency ();
  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, NULL, &min, NULL);
  gst_query_unref (q);
  s = stats_of (c);
  fail_unless (gst_structure_get_double (s, "inference-us-p50", &inference_us));
  gst_structure_free (s);
  GST_INFO ("latency %" GST_TIME_FORMAT ", inference p50 %.0f us",
            GST_TIME_ARGS (min), inference_us);
  /* the harness source adds none of its own */
  fail_unless (min < inference_us * 1000 / 2,
               "latency %" G_GUINT64_FORMAT " ns, inference %.0f us", min,
               inference_us);
  gst_harness_teardown (h);
}
GST_END_TEST;

static GstClockTime
query_latency (GstHarness *h)
{
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min;

  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, NULL, &min, NULL);
  gst_query_unref (q);
  return min;
}

/* The latency follows the inference down as well as up: after a switch to
 * a model hundreds of times faster, the element says so (a LATENCY
 * message) and answers with a far smaller figure once its window holds
 * only fast frames (the odd frame a loaded machine delays stays well below
 * the slow model's time). It once only ever grew: one slow frame raised it
 * for good. */
GST_START_TEST (test_latency_follows_down)
{
  GstHarness *h = harness_new (NULL, "slower.onnx", NULL, GRAY64);
  GstElement *c = harness_classifier (h);
  GstBus *bus = watch_bus (h->element);
  gchar *seed = model_path ("seed.onnx");
  GstClockTime slow, fast;
  GstVideoInfo info;
  GstMessage *msg;
  guint latency_messages = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  for (guint i = 0; i < 8; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
  slow = query_latency (h);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY)))
    gst_message_unref (msg);

  g_object_set (c, "model", seed, NULL);
  for (guint i = 40; i < 80; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY))) {
    latency_messages++;
    gst_message_unref (msg);
  }
  fast = query_latency (h);
  GST_INFO ("latency %" GST_TIME_FORMAT " -> %" GST_TIME_FORMAT,
            GST_TIME_ARGS (slow), GST_TIME_ARGS (fast));
  fail_unless (latency_messages >= 1, "no LATENCY message as it went down");
  fail_unless (fast < slow / 4,
               "latency %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT, fast,
               slow);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (seed);
}
GST_END_TEST;

/* Several instances, two threads each, frames pushed faster than they
 * run: the process never holds more slots than it has, and priorities
 * 1, 1, 2 share the inferences about 1:1:2. */
GST_START_TEST (test_shared_slots_and_priorities)
{
  static const gdouble prio[] = { 1, 1, 2 };
  const guint n = G_N_ELEMENTS (prio);
  GstHarness *h[G_N_ELEMENTS (prio)];
  GstVideoInfo info;
  guint64 fresh[G_N_ELEMENTS (prio)], total = 0;
  guint slots = 0, peak = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  for (guint k = 0; k < n; k++) {
    gchar *props
        = g_strdup_printf ("mode=async threads=2 priority=%g", prio[k]);

    h[k] = harness_new (NULL, "slower.onnx", props, GRAY64);
    g_free (props);
  }
  /* keep every instance with a request pending until there are enough
   * results to measure shares on: each gets a new frame every millisecond
   * or so, far inside one run of slower.onnx (about 7 ms on two fast
   * cores). An instance whose run ends before its next frame arrives is
   * out of the next pick, and the shares drift towards equal: with
   * slow.onnx (under a millisecond) a test thread delayed by a loaded
   * machine missed picks often enough to fail one run in twenty. */
  for (guint i = 0; total < 160; i++) {
    for (guint k = 0; k < n; k++)
      gst_buffer_unref (gst_harness_push_and_pull (h[k], frame_at (&info, i)));
    g_usleep (1000);
    total = 0;
    for (guint k = 0; k < n; k++)
      total += stat_u64 (harness_classifier (h[k]), "fresh-results");
  }
  total = 0;
  for (guint k = 0; k < n; k++) {
    GstStructure *s = stats_of (harness_classifier (h[k]));

    fresh[k] = u64 (s, "fresh-results");
    total += fresh[k];
    fail_unless (gst_structure_get_uint (s, "scheduler-slots", &slots));
    fail_unless (gst_structure_get_uint (s, "scheduler-peak-busy", &peak));
    gst_structure_free (s);
  }
  GST_INFO ("fresh %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
            " %" G_GUINT64_FORMAT ", slots %u, peak %u",
            fresh[0], fresh[1], fresh[2], slots, peak);
  fail_unless (peak <= slots, "%u slots busy of %u", peak, slots);
  fail_unless (peak >= 1);
  for (guint k = 0; k < n; k++) {
    gdouble want = total * prio[k] / 4.0;

    fail_unless (fresh[k] >= want * 0.8 && fresh[k] <= want * 1.2,
                 "instance %u (priority %g): %" G_GUINT64_FORMAT
                 " of %" G_GUINT64_FORMAT " results, fair share %.1f",
                 k, prio[k], fresh[k], total, want);
  }
  for (guint k = 0; k < n; k++)
    gst_harness_teardown (h[k]);
}
GST_END_TEST;

/* Every inference thread the element makes, the scheduler's workers and
 * a session's own helpers (threads=2, in either mode), yields to the
 * streaming threads: SCHED_BATCH, and a higher nice value than the thread
 * that made it (unless that one is already at the highest). */
static guint
count_lowered (const gchar *prefix, gint base_nice)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *tid_s;
  guint n = 0;

  fail_unless (dir != NULL);
  while ((tid_s = g_dir_read_name (dir))) {
    gchar *path = g_build_filename ("/proc/self/task", tid_s, "comm", NULL);
    gchar *comm = NULL;
    pid_t tid = (pid_t)g_ascii_strtoll (tid_s, NULL, 10);

    if (g_file_get_contents (path, &comm, NULL, NULL)
        && g_str_has_prefix (comm, prefix)) {
      gint nice;

      g_strchomp (comm);
      errno = 0;
      nice = getpriority (PRIO_PROCESS, (id_t)tid);
      fail_unless (errno == 0, "%s: %s", comm, g_strerror (errno));
      fail_unless_equals_int (sched_getscheduler (tid), SCHED_BATCH);
      fail_unless (nice > base_nice || base_nice >= 19,
                   "thread %s at nice %d, its maker at %d", comm, nice,
                   base_nice);
      n++;
    }
    g_free (comm);
    g_free (path);
  }
  g_dir_close (dir);
  return n;
}

GST_START_TEST (test_inference_threads_yield)
{
  GstHarness *ha
      = harness_new (NULL, "seed.onnx", "mode=async threads=2", GRAY28);
  GstHarness *hs
      = harness_new (NULL, "seed.onnx", "mode=sync threads=2", GRAY28);
  gint base_nice;
  GstVideoInfo info;

  errno = 0;
  base_nice = getpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid));
  fail_unless (errno == 0);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  gst_buffer_unref (gst_harness_push_and_pull (ha, frame_at (&info, 0)));
  wait_result_of (harness_classifier (ha), 0);
  gst_buffer_unref (gst_harness_push_and_pull (hs, frame_at (&info, 0)));

  /* one helper per session, and at least one scheduler worker */
  fail_unless (count_lowered ("ec-helper", base_nice) >= 2);
  fail_unless (count_lowered ("ec-infer-", base_nice) >= 1);
  gst_harness_teardown (ha);
  gst_harness_teardown (hs);
}
GST_END_TEST;

static Suite *
edgeclassify_pace_suite (void)
{
  Suite *s = suite_create ("edgeclassify-pace");
  TCase *tc = tcase_create ("pace");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_auto_mode_by_liveness);
  tcase_add_test (tc, test_max_rate_sync_by_pts);
  tcase_add_test (tc, test_max_rate_sync_by_clock);
  tcase_add_test (tc, test_max_rate_async);
  tcase_add_test (tc, test_stats_fields);
  tcase_add_test (tc, test_stats_messages);
  tcase_add_test (tc, test_unknown_mode);
  tcase_add_test (tc, test_async_latency_is_streaming_cost);
  tcase_add_test (tc, test_latency_follows_down);
  tcase_add_test (tc, test_shared_slots_and_priorities);
  tcase_add_test (tc, test_inference_threads_yield);
  return s;
}

GST_CHECK_MAIN (edgeclassify_pace);
