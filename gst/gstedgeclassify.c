/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-edgeclassify
 * @title: edgeclassify
 *
 * Classifies video frames (or regions of them) with an ONNX image
 * classifier run on the CPU, and attaches the result to each buffer as a
 * #GstVideoRegionOfInterestMeta whose roi_type is the top-1 label and which
 * carries a "classification" #GstStructure parameter (see docs/metadata.md).
 * Pixels are only read: buffers pass through unchanged and are never copied.
 *
 * The model's input size, colour order, normalisation, resize mode, labels
 * and output kind come from its metadata_props (edgeclassify.*); properties
 * override them. Without "model" the built-in Fashion-MNIST model is used.
 *
 * In a live pipeline (mode=auto, the default) frames never wait for
 * inference: each leaves at once with the newest result of its stream and
 * that result's age (age_frames, age_ms), while the model runs in the
 * background on the newest frame. All instances of a process share one
 * scheduler with one slot per core, and share it fairly (priority);
 * max-rate caps a stream's fresh results a second. From a file (not live)
 * each frame waits for its own result.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=100 ! edgeclassify top-k=3 !
 * fakesink
 * ]|
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! edgeclassify model=my.onnx \
 *     inference-interval=5 ! videoconvert ! autovideosink
 * ]|
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://cam1/stream ! decodebin ! \
 *     videoconvert ! edgeclassify max-rate=5 stats-interval=10 ! \
 *     edgeoverlay ! videoconvert ! autovideosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstedgeclassify.h"

#include <gst/video/video.h>

#include "edgeclassify-loader.h"
#include "edgeclassify-props.h"
#include "edgeclassify-result.h"
#include "edgeclassify-stream.h"
#include "edgeclassify-timing.h"

GST_DEBUG_CATEGORY (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

struct _GstEdgeClassify {
  GstBaseTransform parent;

  /* properties: object lock */
  EcProps props;

  /* resources, start..stop */
  EcLoader *loader;         /* engines at start and on model changes */
  GMutex stream_lock;       /* the stream pointer, for other threads */
  EcStream *stream;         /* requests, results, engine; written under
                             * stream_lock, used freely by the streaming thread */
  GstStructure *last_stats; /* stream_lock: the stats at the last stop */

  /* negotiated state and counters: streaming thread */
  GstVideoInfo info;
  gboolean roi_warned; /* warned_roi lies outside the negotiated frame */
  nn_rect warned_roi;
  gint64 next_stats; /* monotonic µs of the next stats message */

  EcTiming timing; /* the mode in effect, the latency we add */
};

#define gst_edge_classify_parent_class parent_class
G_DEFINE_TYPE (GstEdgeClassify, gst_edge_classify, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (
    edgeclassify, "edgeclassify", GST_RANK_NONE, GST_TYPE_EDGE_CLASSIFY,
    GST_DEBUG_CATEGORY_INIT (gst_edge_classify_debug, "edgeclassify", 0,
                             "edgeclassify element"));

static void gst_edge_classify_set_property (GObject *object, guint prop_id,
                                            const GValue *value,
                                            GParamSpec *pspec);
static void gst_edge_classify_get_property (GObject *object, guint prop_id,
                                            GValue *value, GParamSpec *pspec);
static void gst_edge_classify_finalize (GObject *object);
static gboolean gst_edge_classify_start (GstBaseTransform *trans);
static gboolean gst_edge_classify_stop (GstBaseTransform *trans);
static gboolean gst_edge_classify_set_caps (GstBaseTransform *trans,
                                            GstCaps *incaps, GstCaps *outcaps);
static gboolean gst_edge_classify_propose_allocation (GstBaseTransform *trans,
                                                      GstQuery *decide_query,
                                                      GstQuery *query);
static gboolean gst_edge_classify_query (GstBaseTransform *trans,
                                         GstPadDirection direction,
                                         GstQuery *query);
static GstFlowReturn
gst_edge_classify_prepare_output_buffer (GstBaseTransform *trans,
                                         GstBuffer *inbuf, GstBuffer **outbuf);
static gboolean gst_edge_classify_sink_event (GstBaseTransform *trans,
                                              GstEvent *event);
static GstFlowReturn gst_edge_classify_transform_ip (GstBaseTransform *trans,
                                                     GstBuffer *buf);

static void
gst_edge_classify_class_init (GstEdgeClassifyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_edge_classify_set_property;
  gobject_class->get_property = gst_edge_classify_get_property;
  gobject_class->finalize = gst_edge_classify_finalize;

  /* property specs and their documentation: edgeclassify-props.c */
  ec_props_install (gobject_class);

  gst_element_class_set_static_metadata (
      element_class, "Image classifier", "Filter/Analyzer/Video",
      "Classifies video frames or regions with an ONNX CNN on the CPU and "
      "attaches the results as region-of-interest metadata",
      "The edgeclassify authors");
  /* every format of nn's table (nn/preprocess.c) */
  ec_add_video_pad_templates (element_class);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_edge_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_edge_classify_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_edge_classify_set_caps);
  trans_class->propose_allocation
      = GST_DEBUG_FUNCPTR (gst_edge_classify_propose_allocation);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_edge_classify_query);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_edge_classify_sink_event);
  trans_class->prepare_output_buffer
      = GST_DEBUG_FUNCPTR (gst_edge_classify_prepare_output_buffer);
  trans_class->transform_ip
      = GST_DEBUG_FUNCPTR (gst_edge_classify_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
}

/* For the loader: the model settings as they are now. */
static void
gst_edge_classify_snapshot (gpointer user_data, EcSettings *out)
{
  GstEdgeClassify *self = user_data;

  GST_OBJECT_LOCK (self);
  ec_settings_copy (out, &self->props.settings);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_edge_classify_init (GstEdgeClassify *self)
{
  ec_props_init (&self->props);
  self->loader = ec_loader_new (gst_edge_classify_snapshot, self);
  g_mutex_init (&self->stream_lock);
  ec_timing_init (&self->timing);
  gst_video_info_init (&self->info);
  /* metadata only: in place, never passthrough (see prepare_output_buffer) */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_edge_classify_finalize (GObject *object)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (object);

  ec_props_clear (&self->props);
  ec_loader_free (self->loader);
  ec_timing_clear (&self->timing);
  g_mutex_clear (&self->stream_lock);
  if (self->last_stats)
    gst_structure_free (self->last_stats);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* A model property (@pspec) changed: while running, the new engine is
 * built in the caller's thread and swapped in at the next frame. On
 * failure the running model stays, the property reads back the value it
 * runs with, and a warning is posted. */
static void
gst_edge_classify_reload (GstEdgeClassify *self, GParamSpec *pspec)
{
  EcError err = {
    NN_OK,
  };
  EcSettings applied = { 0 };
  gboolean reverted;

  if (ec_loader_reload (self->loader, &err))
    return;
  ec_loader_applied (self->loader, &applied);
  GST_OBJECT_LOCK (self);
  reverted = ec_props_revert (&self->props, pspec->param_id, &applied);
  GST_OBJECT_UNLOCK (self);
  ec_settings_clear (&applied);
  /* posted unlocked: a bus sync handler may change state or properties */
  EC_POST_WARNING (self, &err);
  ec_error_clear (&err);
  if (reverted)
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
gst_edge_classify_set_property (GObject *object, guint prop_id,
                                const GValue *value, GParamSpec *pspec)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (object);
  EcPropsChange change;
  EcError err = {
    NN_OK,
  };

  GST_OBJECT_LOCK (self);
  change = ec_props_set (&self->props, object, prop_id, value, pspec);
  /* auto decides again; the latency window restarts with the mode */
  if (prop_id == PROP_MODE && change == EC_PROPS_APPLIED)
    ec_timing_reset (&self->timing);
  /* Running: say so now, the value is not used. Stopped: start() fails
   * on it (a message now would reach no bus under gst-launch). */
  if (change == EC_PROPS_REFUSED && ec_loader_running (self->loader)) {
    ec_props_check (&self->props, &err);
    ec_props_forget_refusal (&self->props, prop_id);
  }
  GST_OBJECT_UNLOCK (self);

  if (err.status != NN_OK) {
    EC_POST_WARNING (self, &err);
    ec_error_clear (&err);
  }
  /* no I/O under the object lock: a model change loads here, unlocked */
  if (change == EC_PROPS_RELOAD)
    gst_edge_classify_reload (self, pspec);
}

static void
gst_edge_classify_get_property (GObject *object, guint prop_id, GValue *value,
                                GParamSpec *pspec)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (object);

  if (prop_id == PROP_LAST_RESULT) {
    g_mutex_lock (&self->stream_lock);
    g_value_take_string (
        value, self->stream ? ec_stream_last_json (self->stream) : NULL);
    g_mutex_unlock (&self->stream_lock);
    return;
  }
  if (prop_id == PROP_STATS) {
    GstStructure *stats;

    g_mutex_lock (&self->stream_lock);
    if (self->stream)
      stats = ec_stream_stats_structure (self->stream);
    else if (self->last_stats)
      stats = gst_structure_copy (self->last_stats);
    else
      stats = gst_structure_new_empty ("edgeclassify-stats");
    g_mutex_unlock (&self->stream_lock);
    g_value_take_boxed (value, stats);
    return;
  }
  GST_OBJECT_LOCK (self);
  ec_props_get (&self->props, object, prop_id, value, pspec);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_edge_classify_start (GstBaseTransform *trans)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  EcError err = {
    NN_OK,
  };
  EcEngine *engine;
  EcStream *stream;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  ok = ec_props_check (&self->props, &err);
  GST_OBJECT_UNLOCK (self);
  if (!ok)
    goto load_failed;
  engine = ec_loader_start (self->loader, &err);
  if (engine == NULL)
    goto load_failed;

  stream = ec_stream_new (GST_ELEMENT (self));
  ec_stream_set_engine (stream, engine);
  g_mutex_lock (&self->stream_lock);
  self->stream = stream;
  g_mutex_unlock (&self->stream_lock);
  self->next_stats = 0;
  ec_timing_reset (&self->timing);
  return TRUE;

  /* ERRORS */
load_failed : {
  EC_POST_ERROR (self, &err);
  ec_error_clear (&err);
  return FALSE;
}
}

static gboolean
gst_edge_classify_stop (GstBaseTransform *trans)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  EcStream *stream;
  GstStructure *stats = NULL;

  ec_loader_stop (self->loader);
  gst_video_info_init (&self->info);
  g_mutex_lock (&self->stream_lock);
  stream = self->stream;
  self->stream = NULL;
  if (stream)
    stats = ec_stream_stats_structure (stream);
  if (self->last_stats)
    gst_structure_free (self->last_stats);
  self->last_stats = stats;
  g_mutex_unlock (&self->stream_lock);

  /* waits for an inference in flight */
  ec_stream_free (stream);
  return TRUE;
}

static gboolean
gst_edge_classify_set_caps (GstBaseTransform *trans, GstCaps *incaps,
                            GstCaps *outcaps)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  EcError err = {
    NN_OK,
  };
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps))
    goto bad_caps;
  /* preprocessing scratch is sized for the frame here, not per frame */
  if (!ec_engine_plan (ec_stream_engine (self->stream),
                       GST_VIDEO_INFO_WIDTH (&info),
                       GST_VIDEO_INFO_HEIGHT (&info), &err))
    goto plan_failed;

  /* no result of other caps is attached to these frames */
  if (self->info.finfo == NULL || !gst_video_info_is_equal (&info, &self->info))
    ec_stream_reset (self->stream);
  self->info = info;
  self->roi_warned = FALSE;
  ec_loader_set_size (self->loader, GST_VIDEO_INFO_WIDTH (&info),
                      GST_VIDEO_INFO_HEIGHT (&info));
  return TRUE;

  /* ERRORS */
bad_caps : {
  GST_WARNING_OBJECT (self, "invalid caps %" GST_PTR_FORMAT, incaps);
  return FALSE;
}
plan_failed : {
  EC_POST_ERROR (self, &err);
  ec_error_clear (&err);
  return FALSE;
}
}

static gboolean
gst_edge_classify_propose_allocation (GstBaseTransform *trans,
                                      GstQuery *decide_query, GstQuery *query)
{
  if (!GST_BASE_TRANSFORM_CLASS (parent_class)
           ->propose_allocation (trans, decide_query, query))
    return FALSE;
  /* padded and offset planes are fine: upstream need not copy them out */
  if (!gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return TRUE;
}

static gboolean
gst_edge_classify_query (GstBaseTransform *trans, GstPadDirection direction,
                         GstQuery *query)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  gboolean ret, live, decided_now;
  GstClockTime min, max, ours;
  EcMode mode;

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)
            ->query (trans, direction, query);
  if (ret && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    mode = self->props.frame.mode;
    GST_OBJECT_UNLOCK (self);
    ec_timing_decide (&self->timing, mode, live, &decided_now);
    /* sync: the largest recent inference; async: only what a frame costs
     * the streaming thread (preprocessing, attaching) */
    ours = ec_timing_report (&self->timing);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    gst_query_set_latency (query, live, min, max);
  }
  return ret;
}

/* The mode for this frame; asks upstream whether it is live when nobody
 * asked yet (auto). */
static gboolean
gst_edge_classify_frame_mode (GstEdgeClassify *self, EcMode mode)
{
  gboolean async, live = FALSE, decided_now;
  GstQuery *q;

  if (ec_timing_mode (&self->timing, &async))
    return async;
  q = gst_query_new_latency ();
  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), q))
    gst_query_parse_latency (q, &live, NULL, NULL);
  gst_query_unref (q);
  async = ec_timing_decide (&self->timing, mode, live, &decided_now);
  if (!decided_now)
    return async;
  GST_INFO_OBJECT (self, "mode %s (%s upstream)", async ? "async" : "sync",
                   live ? "live" : "not live");
  ec_stats_set_mode (ec_stream_stats (self->stream), async ? "async" : "sync");
  /* async adds far less latency than sync: let the pipeline know */
  gst_element_post_message (GST_ELEMENT (self),
                            gst_message_new_latency (GST_OBJECT (self)));
  return async;
}

static GstFlowReturn
gst_edge_classify_prepare_output_buffer (GstBaseTransform *trans,
                                         GstBuffer *inbuf, GstBuffer **outbuf)
{
  /* We only add metadata, so we need a writable GstBuffer, never writable
   * memory. When we hold the only reference the input buffer is used as is.
   * When it is shared (a tee, an application holding it, a frame queued
   * twice), gst_buffer_make_writable() on an extra reference makes a
   * shallow copy: a new GstBuffer with copies of the metas whose GstMemory
   * blocks are the very same objects, reference counted, so no pixel is
   * copied. The other holders keep their buffer, without our metadata; the
   * shared memory is now not writable for anyone (refcount > 1), so a later
   * element that writes pixels copies them itself, as it would anyway. The
   * base class drops its reference to inbuf when we return another buffer. */
  if (gst_buffer_is_writable (inbuf))
    *outbuf = inbuf;
  else
    *outbuf = gst_buffer_make_writable (gst_buffer_ref (inbuf));
  return GST_FLOW_OK;
}

/* The roi property lies wholly outside the frame: said once per rectangle
 * and frame size, not once per frame. */
static void
gst_edge_classify_warn_roi_outside (GstEdgeClassify *self, const nn_rect *roi)
{
  if (self->roi_warned && memcmp (&self->warned_roi, roi, sizeof (*roi)) == 0)
    return;
  self->roi_warned = TRUE;
  self->warned_roi = *roi;
  GST_ELEMENT_WARNING (
      self, LIBRARY, SETTINGS,
      ("The rectangle of property \"roi\" lies outside the frame: nothing "
       "is classified."),
      ("roi <%d, %d, %d, %d>, frame %dx%d", roi->x, roi->y, roi->width,
       roi->height, GST_VIDEO_INFO_WIDTH (&self->info),
       GST_VIDEO_INFO_HEIGHT (&self->info)));
}

/* Frame start: switches to a model loaded meanwhile, if any. Results never
 * mix two models: the swap waits for an inference in flight and drops the
 * old model's results. */
static void
gst_edge_classify_take_pending (GstEdgeClassify *self, EcEngine *pending)
{
  EcError err = {
    NN_OK,
  };

  /* planned by the loader, unless the caps changed meanwhile */
  if (!ec_engine_plan (pending, GST_VIDEO_INFO_WIDTH (&self->info),
                       GST_VIDEO_INFO_HEIGHT (&self->info), &err))
    goto plan_failed;
  ec_stream_set_engine (self->stream, pending);
  GST_INFO_OBJECT (self, "switched to model %s", pending->name);
  return;

  /* ERRORS */
plan_failed : {
  /* keep running the old model */
  EC_POST_WARNING (self, &err);
  ec_error_clear (&err);
  ec_engine_free (pending);
}
}

static gboolean
gst_edge_classify_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  const gchar *id;

  switch (GST_EVENT_TYPE (event)) {
  case GST_EVENT_FLUSH_START:
    /* a streaming thread waiting for its turn lets go */
    if (self->stream)
      ec_stream_set_flushing (self->stream, TRUE);
    break;
  case GST_EVENT_FLUSH_STOP:
    if (self->stream) {
      ec_stream_set_flushing (self->stream, FALSE);
      ec_stream_reset (self->stream);
    }
    break;
  case GST_EVENT_SEGMENT:
    /* a seek without a flush: what came before is another part of the
     * stream */
    if (self->stream)
      ec_stream_reset (self->stream);
    break;
  case GST_EVENT_EOS:
    /* every decision ends before the stream does */
    if (self->stream) {
      EcFrameProps fp;

      GST_OBJECT_LOCK (self);
      ec_props_snapshot (&self->props, &fp);
      GST_OBJECT_UNLOCK (self);
      ec_stream_eos (self->stream, &fp);
    }
    break;
  case GST_EVENT_STREAM_START:
    gst_event_parse_stream_start (event, &id);
    if (self->stream) {
      gchar *name = gst_object_get_name (GST_OBJECT (self));

      ec_stats_set_names (ec_stream_stats (self->stream), name, id);
      ec_stream_set_stream_id (self->stream, id);
      ec_stream_reset (self->stream);
      g_free (name);
    }
    break;
  default:
    break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static void
gst_edge_classify_post_stats (GstEdgeClassify *self, gdouble interval)
{
  gint64 now = g_get_monotonic_time ();

  if (interval <= 0.0 || now < self->next_stats)
    return;
  if (self->next_stats != 0)
    gst_element_post_message (
        GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
                                 ec_stream_stats_structure (self->stream)));
  self->next_stats = now + (gint64)(interval * G_USEC_PER_SEC);
}

static GstFlowReturn
gst_edge_classify_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  GstFlowReturn ret;
  EcError err = {
    NN_OK,
  };
  EcFrameProps fp;
  EcEngine *pending;
  GstVideoFrame frame;
  nn_image img;
  nn_rect clipped;
  gboolean async;
  gdouble inference_us = 0.0;
  gint64 t0 = g_get_monotonic_time ();

  /* snapshot the small properties; take a new model, if any */
  GST_OBJECT_LOCK (self);
  ec_props_snapshot (&self->props, &fp);
  GST_OBJECT_UNLOCK (self);
  pending = ec_loader_take (self->loader);
  if (pending != NULL)
    gst_edge_classify_take_pending (self, pending);
  async = gst_edge_classify_frame_mode (self, fp.mode);

  /* READ only: the pixels are never written, so never copied. NO_REF keeps
   * the buffer writable for the metadata while the frame is mapped. */
  if (!gst_video_frame_map (&frame, &self->info, buf,
                            GST_MAP_READ | GST_VIDEO_FRAME_MAP_FLAG_NO_REF))
    goto map_failed;
  if (!ec_image_from_frame (&frame, &img))
    goto bad_format;
  if (fp.region == EC_REGION_FULL_FRAME && fp.have_roi
      && !ec_engine_clip (&img, &fp.roi, &clipped))
    gst_edge_classify_warn_roi_outside (self, &fp.roi);

  ret = ec_stream_process (self->stream, buf, &img, &fp, async, &inference_us,
                           &err);
  gst_video_frame_unmap (&frame);
  if (ret == GST_FLOW_ERROR)
    goto classify_failed;

  /* what the frame waited here: its inference (sync), or the streaming
   * thread's own work (async) */
  if (ret == GST_FLOW_OK && (async || inference_us > 0.0)
      && ec_timing_record (&self->timing,
                           async ? (gdouble)(g_get_monotonic_time () - t0)
                                 : inference_us))
    gst_element_post_message (GST_ELEMENT (self),
                              gst_message_new_latency (GST_OBJECT (self)));
  gst_edge_classify_post_stats (self, fp.stats_interval);
  return ret;

  /* ERRORS */
bad_format : {
  gst_video_frame_unmap (&frame);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
                     ("The video format is not supported."),
                     ("format %s", GST_VIDEO_INFO_NAME (&self->info)));
  return GST_FLOW_NOT_NEGOTIATED;
}
map_failed : {
  GST_ELEMENT_ERROR (
      self, STREAM, FAILED, ("Could not read the video frame."),
      ("failed to map a %s %dx%d buffer of %" G_GSIZE_FORMAT " bytes",
       GST_VIDEO_INFO_NAME (&self->info), GST_VIDEO_INFO_WIDTH (&self->info),
       GST_VIDEO_INFO_HEIGHT (&self->info), gst_buffer_get_size (buf)));
  return GST_FLOW_ERROR;
}
classify_failed : {
  EC_POST_ERROR (self, &err);
  ec_error_clear (&err);
  return GST_FLOW_ERROR;
}
}
