/* Helpers shared by the edgeclassify element tests (gst-check): models
 * from make_models.py in EDGECLASSIFY_TEST_MODELS, harnesses, pictures,
 * results and errors. */
#include "ecutil.h"

#include <string.h>

gchar *
model_path (const gchar *name)
{
  const gchar *dir = g_getenv ("EDGECLASSIFY_TEST_MODELS");

  fail_unless (dir != NULL, "EDGECLASSIFY_TEST_MODELS is not set");
  return g_build_filename (dir, name, NULL);
}

GstHarness *
harness_new (const gchar *pre, const gchar *model, const gchar *props,
             const gchar *caps)
{
  gchar *path = model_path (model);
  /* GstHarness answers the LATENCY query as a live source: without
   * mode=sync the element would run async (props may say otherwise) */
  gchar *desc = g_strdup_printf (
      "%s%sedgeclassify name=c mode=sync model=\"%s\" %s", pre ? pre : "",
      pre ? " ! " : "", path, props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, caps);
  g_free (desc);
  g_free (path);
  return h;
}

GstElement *
harness_classifier (GstHarness *h)
{
  GstElement *c = gst_harness_find_element (h, "edgeclassify");

  fail_unless (c != NULL);
  gst_object_unref (c); /* the harness keeps it alive */
  return c;
}

/* A smooth picture as RGB: a gentle gradient (gray when @gray). */
void
smooth_rgb (gint x, gint y, gint w, gint h, gboolean gray, guint8 *rgb)
{
  gdouble fx = w > 1 ? (gdouble)x / (w - 1) : 0.5;
  gdouble fy = h > 1 ? (gdouble)y / (h - 1) : 0.5;

  if (gray) {
    rgb[0] = rgb[1] = rgb[2] = (guint8)(50 + 150 * (fx + fy) / 2);
  } else {
    rgb[0] = (guint8)(40 + 170 * fx);
    rgb[1] = (guint8)(60 + 120 * fy);
    rgb[2] = (guint8)(210 - 160 * (fx + fy) / 2);
  }
}

GstBuffer *
smooth_rgb_buffer (gint w, gint h, gboolean gray)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, w, h);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (gint y = 0; y < h; y++) {
    guint8 *row = (guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
                  + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    for (gint x = 0; x < w; x++)
      smooth_rgb (x, y, w, h, gray, row + 3 * x);
  }
  gst_video_frame_unmap (&frame);
  return buf;
}

/* Any bytes will do when only the layout differs between two buffers. */
GstBuffer *
pattern_buffer (const GstVideoInfo *info)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8)((i * 7 + (i / 97) * 13) & 0xff);
  gst_buffer_unmap (buf, &map);
  return buf;
}

gchar *
caps_str (const gchar *format, gint w, gint h)
{
  return g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
                          "framerate=30/1",
                          format, w, h);
}

const GstStructure *
get_result (GstBuffer *buf, GstVideoRegionOfInterestMeta **meta_out)
{
  GstVideoRegionOfInterestMeta *meta;
  const GstStructure *s;

  meta = gst_buffer_get_video_region_of_interest_meta (buf);
  fail_unless (meta != NULL, "no region of interest meta");
  s = gst_video_region_of_interest_meta_get_param (meta, "classification");
  fail_unless (s != NULL, "no classification param");
  if (meta_out)
    *meta_out = meta;
  return s;
}

gint
result_id (const GstStructure *s)
{
  gint id = -2;

  fail_unless (gst_structure_get_int (s, "label_id", &id));
  return id;
}

gdouble
result_confidence (const GstStructure *s)
{
  gdouble c = -1.0;

  fail_unless (gst_structure_get_double (s, "confidence", &c));
  return c;
}

guint
count_roi_metas (GstBuffer *buf)
{
  gpointer state = NULL;
  guint n = 0;

  while (gst_buffer_iterate_meta_filtered (
      buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    n++;
  return n;
}

GstBus *
watch_bus (GstElement *element)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (element, bus);
  return bus;
}

/* Sets the properties, starts the element and checks the error posted. */
void
expect_start_error (const gchar *model, const gchar *const *props,
                    GQuark domain, gint code, const gchar *mention)
{
  GstElement *c = gst_element_factory_make ("edgeclassify", NULL);
  GstBus *bus = watch_bus (c);
  gchar *path = model ? model_path (model) : NULL;
  GError *err = NULL;
  gchar *debug = NULL;
  GstMessage *msg;

  if (path)
    g_object_set (c, "model", path, NULL);
  for (guint i = 0; props && props[i]; i += 2) {
    gchar *value = strstr (props[i + 1], "@") == props[i + 1]
                       ? model_path (props[i + 1] + 1)
                       : g_strdup (props[i + 1]);
    gst_util_set_object_arg (G_OBJECT (c), props[i], value);
    g_free (value);
  }

  fail_unless_equals_int (gst_element_set_state (c, GST_STATE_PAUSED),
                          GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("%s: %s (%s)", model, err->message, debug);
  fail_unless (err->domain == domain && err->code == code,
               "expected %s %d, got %s %d: %s (%s)", g_quark_to_string (domain),
               code, g_quark_to_string (err->domain), err->code, err->message,
               debug);
  if (mention)
    fail_unless (strstr (err->message, mention) != NULL
                     || strstr (debug, mention) != NULL,
                 "%s not in %s / %s", mention, err->message, debug);

  gst_message_unref (msg);
  g_clear_error (&err);
  g_free (debug);
  gst_element_set_state (c, GST_STATE_NULL);
  gst_element_set_bus (c, NULL);
  gst_object_unref (bus);
  gst_object_unref (c);
  g_free (path);
}

GstBuffer *
mix_frame (guint i, const guint8 rgb[3], const TestBox *boxes, guint n_boxes)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, MIX_W * MIX_H * 3, NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gint p = 0; p < MIX_W * MIX_H; p++)
    memcpy (map.data + 3 * p, rgb, 3);
  for (guint b = 0; b < n_boxes; b++) {
    const TestBox *box = &boxes[b];

    for (gint y = MAX (box->y, 0); y < MIN (box->y + box->h, MIX_H); y++)
      for (gint x = MAX (box->x, 0); x < MIN (box->x + box->w, MIX_W); x++)
        memcpy (map.data + 3 * (y * MIX_W + x), box->rgb, 3);
  }
  gst_buffer_unmap (buf, &map);
  for (guint b = 0; b < n_boxes; b++) {
    GstVideoRegionOfInterestMeta *m
        = gst_buffer_add_video_region_of_interest_meta (
            buf, "thing", boxes[b].x, boxes[b].y, boxes[b].w, boxes[b].h);

    m->id = boxes[b].id;
  }
  GST_BUFFER_PTS (buf) = i * FRAME_NS;
  GST_BUFFER_DURATION (buf) = FRAME_NS;
  return buf;
}

void
pull_decision_events (GstHarness *h, GPtrArray *out)
{
  GstEvent *ev;

  while ((ev = gst_harness_try_pull_event (h))) {
    const GstStructure *s = gst_event_get_structure (ev);

    if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM && s
        && gst_structure_has_name (s, "edgeclassify-event"))
      g_ptr_array_add (out, gst_structure_copy (s));
    gst_event_unref (ev);
  }
}

const GstStructure *
region_result (GstBuffer *buf, gint id, gboolean must)
{
  GstVideoRegionOfInterestMeta *meta;
  gpointer state = NULL;

  while (
      (meta = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (meta->id != id)
      continue;
    {
      const GstStructure *s = gst_video_region_of_interest_meta_get_param (
          meta, "classification");

      fail_unless (s != NULL || !must, "region %d carries no result", id);
      return s;
    }
  }
  fail_unless (!must, "no region %d", id);
  return NULL;
}

guint64
region_object_id (const GstStructure *s)
{
  guint64 id = 0;

  fail_unless (gst_structure_get_uint64 (s, "object_id", &id), "no object_id");
  return id;
}

/* A different picture for frame @n of 30 a second, with its PTS and
 * duration. */
GstBuffer *
frame_at (const GstVideoInfo *info, guint n)
{
  GstBuffer *buf = pattern_buffer (info);

  /* a different picture every frame */
  gst_buffer_memset (buf, 0, (guint8)(n * 37), info->size / 3);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 30;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

GstStructure *
stats_of (GstElement *c)
{
  GstStructure *s = NULL;

  g_object_get (c, "stats", &s, NULL);
  fail_unless (s != NULL);
  return s;
}

guint64
stat_u64 (GstElement *c, const gchar *field)
{
  GstStructure *s = stats_of (c);
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

guint64
u64 (const GstStructure *s, const gchar *field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  return v;
}

/* The frame of the newest published result, -1 while there is none. */
gint64
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
void
wait_result_of (GstElement *c, gint64 frame)
{
  while (last_result_frame (c) < frame)
    g_usleep (1000);
}
