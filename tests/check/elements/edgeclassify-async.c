/* edgeclassify in async mode, the mode choice, max-rate and the stats:
 * frames leave at once with the newest result of their stream and its age;
 * a newer frame replaces a request that has not started; nothing from
 * before a flush, caps change or model swap is attached; ROI results
 * follow the ROI id; the process never holds more inference slots than it
 * has; priorities share the slots. */

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

#define GRAY28 "video/x-raw,format=GRAY8,width=28,height=28,framerate=30/1"
#define GRAY64 "video/x-raw,format=GRAY8,width=64,height=64,framerate=30/1"

static GstBuffer *
frame_at (const GstVideoInfo *info, guint n)
{
  GstBuffer *buf = pattern_buffer (info);

  /* a different picture every frame */
  gst_buffer_memset (buf, 0, (guint8)(n * 37), info->size / 3);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 30;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

static GstStructure *
stats_of (GstElement *c)
{
  GstStructure *s = NULL;

  g_object_get (c, "stats", &s, NULL);
  fail_unless (s != NULL);
  return s;
}

static guint64
stat_u64 (GstElement *c, const gchar *field)
{
  GstStructure *s = stats_of (c);
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

/* The frame of the newest published result, -1 while there is none. */
static gint64
last_result_frame (GstElement *c)
{
  gchar *json = NULL;
  const gchar *p;
  gint64 frame = -1;

  g_object_get (c, "last-result", &json, NULL);
  if (json && (p = strstr (json, "\"frame\":")))
    frame = g_ascii_strtoll (p + 8, NULL, 10);
  g_free (json);
  return frame;
}

/* Waits until the newest result is of frame @frame (or later). */
static void
wait_result_of (GstElement *c, gint64 frame)
{
  while (last_result_frame (c) < frame)
    g_usleep (1000);
}

static const GstStructure *
result_or_null (GstBuffer *buf)
{
  GstVideoRegionOfInterestMeta *meta
      = gst_buffer_get_video_region_of_interest_meta (buf);

  return meta ? gst_video_region_of_interest_meta_get_param (meta,
                                                             "classification")
              : NULL;
}

static guint64
u64 (const GstStructure *s, const gchar *field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  return v;
}

/* The first frame leaves before any result exists: it carries none. Once
 * the result of frame 0 is published, frame 1 carries it, one frame old. */
GST_START_TEST (test_async_results_come_later_with_age)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "mode=async", GRAY28);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstBuffer *out;
  const GstStructure *s;
  gboolean stale;
  gdouble age_ms;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  out = gst_harness_push_and_pull (h, frame_at (&info, 0));
  fail_unless_equals_int (count_roi_metas (out), 0);
  gst_buffer_unref (out);
  wait_result_of (c, 0);

  out = gst_harness_push_and_pull (h, frame_at (&info, 1));
  s = get_result (out, NULL);
  fail_unless (gst_structure_get_boolean (s, "stale", &stale));
  fail_unless (gst_structure_get_double (s, "age_ms", &age_ms));
  if (u64 (s, "frame") == 0) {
    /* the usual case: frame 1's own request is still running */
    fail_unless_equals_uint64 (u64 (s, "age_frames"), 1);
    fail_unless (stale);
    fail_unless (fabs (age_ms - 1000.0 / 30) < 0.01, "age_ms %f", age_ms);
    fail_unless_equals_uint64 (u64 (s, "pts"), 0);
  } else {
    /* the worker was faster than the streaming thread */
    fail_unless_equals_uint64 (u64 (s, "frame"), 1);
    fail_unless_equals_uint64 (u64 (s, "age_frames"), 0);
    fail_unless (!stale && age_ms == 0.0);
  }
  gst_buffer_unref (out);
  {
    GstStructure *st = stats_of (c);

    fail_unless_equals_string (gst_structure_get_string (st, "mode"), "async");
    gst_structure_free (st);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Frames pushed faster than the model runs: requests that did not start
 * are replaced, each request is either run or replaced, and the last run
 * is the newest frame. */
GST_START_TEST (test_async_newest_wins)
{
  GstHarness *h = harness_new (NULL, "slow.onnx", "mode=async", GRAY64);
  GstElement *c = harness_classifier (h);
  const guint n = 40;
  GstVideoInfo info;
  guint64 fresh, replaced;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  for (guint i = 0; i < n; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
  wait_result_of (c, n - 1);
  fresh = stat_u64 (c, "fresh-results");
  replaced = stat_u64 (c, "requests-replaced");
  GST_INFO ("%" G_GUINT64_FORMAT " fresh, %" G_GUINT64_FORMAT " replaced",
            fresh, replaced);
  fail_unless (replaced > 0, "no request was replaced");
  fail_unless_equals_uint64 (fresh + replaced, n);
  fail_unless_equals_uint64 (stat_u64 (c, "frames-in"), n);
  fail_unless_equals_uint64 (stat_u64 (c, "frames-out"), n);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* After a flush no result from before it is attached, in async mode where
 * a result of an old frame may still be on its way. */
GST_START_TEST (test_async_flush_drops_old_results)
{
  GstHarness *h = harness_new (NULL, "slow.onnx", "mode=async", GRAY64);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstSegment segment;
  guint i = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  for (; i < 5; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i)));
  wait_result_of (c, 4);
  /* one more request in flight, then the flush */
  gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i++)));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless (last_result_frame (c) < 0, "results survived the flush");
  for (guint boundary = i; i < boundary + 20; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_at (&info, i));
    const GstStructure *s = result_or_null (out);

    if (s)
      fail_unless (u64 (s, "frame") >= boundary,
                   "frame %u carries the result of frame %" G_GUINT64_FORMAT
                   " from before the flush at %u",
                   i, u64 (s, "frame"), boundary);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A request running when the flush comes: its result, published after
 * the flush, is neither attached nor counted as fresh. Only what the
 * streaming thread or last-result takes is counted, and nothing takes
 * between the submit and the flush, so exactly one fresh result (of the
 * frame after the flush) is counted per round. */
GST_START_TEST (test_async_flush_mid_run_not_counted)
{
  GstHarness *h = harness_new (NULL, "slower.onnx", "mode=async", GRAY64);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstSegment segment;
  guint n = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  for (guint round = 0; round < 5; round++) {
    guint64 before = stat_u64 (c, "fresh-results");

    /* a request, given time to start (a run takes tens of ms) */
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, n++)));
    g_usleep (5000);
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
    /* one frame after it; taking results often, so that the old run's,
     * published in between, is taken */
    gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, n++)));
    while (last_result_frame (c) < 0)
      g_usleep (500);
    fail_unless_equals_uint64 (stat_u64 (c, "fresh-results"), before + 1);
    /* the next round's flush clears last-result again */
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* New caps: the results of the old ones are dropped. */
GST_START_TEST (test_async_caps_change_drops_old_results)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "mode=async", GRAY28);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstBuffer *out;
  const GstStructure *s;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, 0)));
  wait_result_of (c, 0);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=40,height=30,framerate=30/1");
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 40, 30);
  out = gst_harness_push_and_pull (h, frame_at (&info, 1));
  s = result_or_null (out);
  fail_unless (s == NULL || u64 (s, "frame") == 1,
               "a result of the old caps was attached");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A model swap: from the frame that takes the new model on, no result of
 * the old one. */
GST_START_TEST (test_async_model_swap)
{
  GstHarness *h = harness_new (NULL, "seed.onnx", "mode=async", GRAY28);
  GstElement *c = harness_classifier (h);
  gchar *two = model_path ("two.onnx"), *seed = model_path ("seed.onnx");
  GstVideoInfo info;
  guint i = 0, from_two = 0;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 28, 28);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame_at (&info, i++)));
  wait_result_of (c, 0);
  g_object_set (c, "model", two, NULL);
  for (; i < 200 && from_two < 5; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_at (&info, i));
    const GstStructure *s = result_or_null (out);

    if (s) {
      fail_unless_equals_string (gst_structure_get_string (s, "model"), two);
      fail_unless (u64 (s, "frame") >= 1);
      from_two++;
    }
    gst_buffer_unref (out);
    if (!s)
      g_usleep (2000);
  }
  fail_unless (from_two == 5, "the new model gave no results");
  gst_harness_teardown (h);
  g_free (two);
  g_free (seed);
}
GST_END_TEST;

/* roi-list: results follow the upstream ROI id. A region classified as id
 * 7 carries that result on later frames whatever the order of the metas;
 * a new id carries none until its own result. */
static void
add_rois (GstBuffer *buf, gboolean swapped, gboolean with_new)
{
  GstVideoRegionOfInterestMeta *m;
  const struct {
    gint id, x;
  } rois[2] = { { 7, 0 }, { 9, 32 } };

  for (guint k = 0; k < 2; k++) {
    guint r = swapped ? 1 - k : k;

    m = gst_buffer_add_video_region_of_interest_meta (buf, "obj", rois[r].x, 0,
                                                      32, 64);
    m->id = rois[r].id;
  }
  if (with_new) {
    m = gst_buffer_add_video_region_of_interest_meta (buf, "obj", 16, 16, 32,
                                                      32);
    m->id = 11;
  }
}

/* Left half bright, right half a ramp: two regions two results. */
static GstBuffer *
halves (const GstVideoInfo *info, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gint y = 0; y < 64; y++)
    for (gint x = 0; x < 64; x++)
      map.data[y * GST_VIDEO_INFO_PLANE_STRIDE (info, 0) + x]
          = x < 32 ? 250 : (guint8)(x * 4 + y);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 30;
  return buf;
}

/* Whether two results list the same classes with the same confidences. */
static gboolean
same_scores (const GstStructure *a, const GstStructure *b)
{
  return gst_value_compare (gst_structure_get_value (a, "top_confidences"),
                            gst_structure_get_value (b, "top_confidences"))
             == GST_VALUE_EQUAL
         && gst_value_compare (gst_structure_get_value (a, "top_ids"),
                               gst_structure_get_value (b, "top_ids"))
                == GST_VALUE_EQUAL;
}

static const GstStructure *
result_of_id (GstBuffer *buf, gint id)
{
  gpointer state = NULL;
  GstVideoRegionOfInterestMeta *m;

  while ((m = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    if (m->id == id)
      return gst_video_region_of_interest_meta_get_param (m, "classification");
  fail ("no ROI with id %d", id);
  return NULL;
}

GST_START_TEST (test_async_roi_results_follow_ids)
{
  GstHarness *sync = harness_new (NULL, "slow.onnx",
                                  "inference-region=roi-list top-k=10", GRAY64);
  GstHarness *h
      = harness_new (NULL, "slow.onnx",
                     "mode=async inference-region=roi-list top-k=10", GRAY64);
  GstElement *c = harness_classifier (h);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstStructure *want7, *want9;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 64, 64);
  /* what each region is, classified now (sync) */
  in = halves (&info, 0);
  add_rois (in, FALSE, FALSE);
  out = gst_harness_push_and_pull (sync, in);
  want7 = gst_structure_copy (result_of_id (out, 7));
  want9 = gst_structure_copy (result_of_id (out, 9));
  fail_if (same_scores (want9, want7), "the two regions gave the same result");
  gst_buffer_unref (out);

  in = halves (&info, 0);
  add_rois (in, FALSE, FALSE);
  gst_buffer_unref (gst_harness_push_and_pull (h, in));
  wait_result_of (c, 0);

  /* the same regions in the other order, plus a new one */
  in = halves (&info, 1);
  add_rois (in, TRUE, TRUE);
  out = gst_harness_push_and_pull (h, in);
  {
    const GstStructure *s7 = result_of_id (out, 7), *s9 = result_of_id (out, 9);

    fail_unless (s7 != NULL && s9 != NULL);
    fail_unless (result_of_id (out, 11) == NULL || u64 (s7, "frame") == 1,
                 "a new ROI got another one's result");
    if (u64 (s7, "frame") == 0) {
      fail_unless (same_scores (s7, want7), "id 7 has another's result");
      fail_unless (same_scores (s9, want9), "id 9 has another's result");
    }
  }
  gst_buffer_unref (out);
  gst_structure_free (want7);
  gst_structure_free (want9);
  gst_harness_teardown (h);
  gst_harness_teardown (sync);
}
GST_END_TEST;

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

    h[k] = harness_new (NULL, "slow.onnx", props, GRAY64);
    g_free (props);
  }
  /* keep every instance with a request pending until there are enough
   * results to measure shares on */
  for (guint i = 0; total < 160; i++) {
    for (guint k = 0; k < n; k++)
      gst_buffer_unref (gst_harness_push_and_pull (h[k], frame_at (&info, i)));
    g_usleep (2000);
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
edgeclassify_async_suite (void)
{
  Suite *s = suite_create ("edgeclassify-async");
  TCase *tc = tcase_create ("async");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_async_results_come_later_with_age);
  tcase_add_test (tc, test_async_newest_wins);
  tcase_add_test (tc, test_async_flush_drops_old_results);
  tcase_add_test (tc, test_async_flush_mid_run_not_counted);
  tcase_add_test (tc, test_async_caps_change_drops_old_results);
  tcase_add_test (tc, test_async_model_swap);
  tcase_add_test (tc, test_async_roi_results_follow_ids);
  tcase_add_test (tc, test_auto_mode_by_liveness);
  tcase_add_test (tc, test_max_rate_sync_by_pts);
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

GST_CHECK_MAIN (edgeclassify_async);
