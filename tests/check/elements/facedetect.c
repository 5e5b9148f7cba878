/* edgeclassify behind a real third-party region producer: gst-plugins-bad's
 * facedetect (OpenCV), which adds region metas named "face" without ids.
 * Two copies of OpenCV's sample photo messi5.jpg side by side (560 px
 * apart, where the cascade finds both faces), held for
 * 30 frames: each face keeps one object id on every frame, and each
 * enters once (and leaves at the end of the stream). */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#define FRAMES 30

GST_START_TEST (test_faces_keep_their_ids)
{
  const gchar *photo = g_getenv ("EDGE_FACE_PHOTO");
  gchar *desc = g_strdup_printf (
      "compositor name=mix sink_1::xpos=560 ! "
      "video/x-raw,format=I420,width=1108,height=342 ! videoconvert ! "
      "facedetect display=false ! videoconvert ! "
      "edgeclassify mode=sync inference-region=roi-list object-class=face "
      "smoothing=ema ! appsink name=sink sync=false "
      "filesrc location=\"%s\" ! jpegdec ! videoconvert ! "
      "imagefreeze num-buffers=%d ! mix.sink_0 "
      "filesrc location=\"%s\" ! jpegdec ! videoconvert ! "
      "imagefreeze num-buffers=%d ! mix.sink_1",
      photo, FRAMES, photo, FRAMES);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  guint64 ids[2] = { 0, 0 };
  guint frames = 0, enters = 0, leaves = 0, changes = 0;
  GstSample *sample;
  GstMessage *msg;

  fail_unless (pipe != NULL && sink != NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    GstVideoRegionOfInterestMeta *meta;
    gpointer state = NULL;
    guint faces = 0;

    while ((meta
            = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
                buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const GstStructure *s = gst_video_region_of_interest_meta_get_param (
          meta, "classification");
      guint64 id = 0;
      guint side = meta->x >= 560;

      if (meta->roi_type != g_quark_from_string ("face"))
        continue;
      faces++;
      fail_unless (s != NULL, "frame %u: a face without a result", frames);
      fail_unless (gst_structure_get_uint64 (s, "object_id", &id));
      if (ids[side] == 0)
        ids[side] = id;
      fail_unless_equals_uint64 (id, ids[side]);
    }
    fail_unless_equals_int (faces, 2);
    frames++;
    gst_sample_unref (sample);
  }
  fail_unless_equals_int (frames, FRAMES);
  fail_unless (ids[0] != ids[1]);

  while ((msg = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (msg);

    fail_unless (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "edgeclassify-event")) {
      const gchar *type = gst_structure_get_string (s, "event");

      enters += strcmp (type, "enter") == 0;
      changes += strcmp (type, "change") == 0;
      leaves += strcmp (type, "leave") == 0;
    }
    gst_message_unref (msg);
  }
  /* one enter per face; the picture does not change, nor its decision */
  fail_unless_equals_int (enters, 2);
  fail_unless_equals_int (changes, 0);
  fail_unless_equals_int (leaves, 2);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
}
GST_END_TEST;

static Suite *
facedetect_suite (void)
{
  Suite *s = suite_create ("facedetect");
  TCase *tc = tcase_create ("faces");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_faces_keep_their_ids);
  return s;
}

GST_CHECK_MAIN (facedetect);
