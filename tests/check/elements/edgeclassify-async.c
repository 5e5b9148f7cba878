/* edgeclassify in async mode: frames leave at once with the newest result
 * of their stream and its age; a newer frame replaces a request that has
 * not started; nothing from before a flush, caps change or model swap is
 * attached; ROI results follow the ROI id. (edgeclassify-pace.c: the mode
 * choice, max-rate, stats, latency and the shared scheduler.) */

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

static const GstStructure *
result_or_null (GstBuffer *buf)
{
  GstVideoRegionOfInterestMeta *meta
      = gst_buffer_get_video_region_of_interest_meta (buf);

  return meta ? gst_video_region_of_interest_meta_get_param (meta,
                                                             "classification")
              : NULL;
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
  return s;
}

GST_CHECK_MAIN (edgeclassify_async);
