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
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=100 ! edgeclassify top-k=3 !
 * fakesink
 * ]|
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! edgeclassify model=my.onnx \
 *     inference-interval=5 ! videoconvert ! autovideosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstedgeclassify.h"

#include <gst/video/video.h>

#include "edgeclassify-result.h"
#include "edgeclassify-props.h"

GST_DEBUG_CATEGORY (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

struct _GstEdgeClassify {
  GstBaseTransform parent;

  /* properties: object lock */
  EcProps props;

  /* resources, start..stop */
  GMutex reload_lock; /* serialises engine builds and start/stop */
  gint running;       /* atomic, written under reload_lock */
  EcEngine *pending;  /* object lock: next engine, swapped in at
                       * the start of a frame */
  gint width, height; /* object lock: negotiated size, 0 = none */
  EcSettings applied; /* object lock: what the newest engine was built
                       * from, for a property whose new value failed */
  GMutex result_lock; /* engine pointer + its published results */
  EcEngine *engine;   /* written under result_lock, read freely by
                       * the streaming thread */

  /* negotiated state and counters: streaming thread */
  GstVideoInfo info;
  guint64 frame_count;
  guint since_inference;
  gboolean have_result;
  gboolean roi_warned; /* warned_roi lies outside the negotiated frame */
  nn_rect warned_roi;

  /* measured latency: object lock */
  EcLatency latency;
  GstClockTime latency_reported;
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
  trans_class->prepare_output_buffer
      = GST_DEBUG_FUNCPTR (gst_edge_classify_prepare_output_buffer);
  trans_class->transform_ip
      = GST_DEBUG_FUNCPTR (gst_edge_classify_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
}

static void
gst_edge_classify_init (GstEdgeClassify *self)
{
  ec_props_init (&self->props);
  g_mutex_init (&self->reload_lock);
  g_mutex_init (&self->result_lock);
  self->latency_reported = GST_CLOCK_TIME_NONE;
  /* metadata only: in place, never passthrough (see prepare_output_buffer) */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_edge_classify_finalize (GObject *object)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (object);

  ec_props_clear (&self->props);
  ec_settings_clear (&self->applied);
  g_mutex_clear (&self->reload_lock);
  g_mutex_clear (&self->result_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Snapshots the model properties under the object lock, then builds an
 * engine without it: blocks the calling thread while the model loads. On
 * success the settings it was built from become the applied ones. */
static EcEngine *
gst_edge_classify_build (GstEdgeClassify *self, EcError *err)
{
  EcSettings settings;
  EcEngine *engine;
  gint width, height;

  GST_OBJECT_LOCK (self);
  ec_settings_copy (&settings, &self->props.settings);
  width = self->width;
  height = self->height;
  GST_OBJECT_UNLOCK (self);

  engine = ec_engine_new (&settings, err);
  /* already negotiated (a change while playing): plan for these caps */
  if (engine != NULL && width > 0
      && !ec_engine_plan (engine, width, height, err))
    g_clear_pointer (&engine, ec_engine_free);
  if (engine != NULL) {
    GST_OBJECT_LOCK (self);
    ec_settings_clear (&self->applied);
    self->applied = settings;
    GST_OBJECT_UNLOCK (self);
  } else {
    ec_settings_clear (&settings);
  }
  return engine;
}

/* A model property (@pspec) changed after start(): builds the new engine
 * in the caller's thread and queues it; the streaming thread swaps it in at
 * the start of its next frame. On failure the running model stays, the
 * property reads back the value it runs with, and a warning is posted. */
static void
gst_edge_classify_reload (GstEdgeClassify *self, GParamSpec *pspec)
{
  EcError err = {
    NN_OK,
  };
  EcEngine *engine, *old;

  g_mutex_lock (&self->reload_lock);
  if (!g_atomic_int_get (&self->running))
    goto done;
  engine = gst_edge_classify_build (self, &err);
  if (engine == NULL)
    goto failed;

  GST_OBJECT_LOCK (self);
  old = self->pending;
  self->pending = engine;
  GST_OBJECT_UNLOCK (self);
  ec_engine_free (old);
  GST_INFO_OBJECT (self, "new model ready: %s", engine->name);

done:
  g_mutex_unlock (&self->reload_lock);
  return;

  /* ERRORS */
failed : {
  gboolean reverted;

  GST_OBJECT_LOCK (self);
  reverted = ec_props_revert (&self->props, pspec->param_id, &self->applied);
  GST_OBJECT_UNLOCK (self);
  /* post unlocked: a bus sync handler may change state or properties */
  g_mutex_unlock (&self->reload_lock);
  EC_POST_WARNING (self, &err);
  ec_error_clear (&err);
  if (reverted)
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}
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
  /* Running: say so now, the value is not used. Stopped: start() fails
   * on it (a message now would reach no bus under gst-launch). */
  if (change == EC_PROPS_REFUSED && g_atomic_int_get (&self->running)) {
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
    g_mutex_lock (&self->result_lock);
    g_value_take_string (
        value, self->engine ? ec_engine_last_json (self->engine) : NULL);
    g_mutex_unlock (&self->result_lock);
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
  gboolean ok;

  g_mutex_lock (&self->reload_lock);
  GST_OBJECT_LOCK (self);
  ok = ec_props_check (&self->props, &err);
  GST_OBJECT_UNLOCK (self);
  if (!ok)
    goto load_failed;
  engine = gst_edge_classify_build (self, &err);
  if (engine == NULL)
    goto load_failed;

  g_mutex_lock (&self->result_lock);
  self->engine = engine;
  g_mutex_unlock (&self->result_lock);
  self->frame_count = 0;
  self->since_inference = 0;
  self->have_result = FALSE;
  GST_OBJECT_LOCK (self);
  memset (&self->latency, 0, sizeof (self->latency));
  self->latency_reported = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->running, TRUE);
  g_mutex_unlock (&self->reload_lock);
  return TRUE;

  /* ERRORS */
load_failed : {
  g_mutex_unlock (&self->reload_lock);
  EC_POST_ERROR (self, &err);
  ec_error_clear (&err);
  return FALSE;
}
}

static gboolean
gst_edge_classify_stop (GstBaseTransform *trans)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  EcEngine *engine, *pending;

  g_mutex_lock (&self->reload_lock);
  g_atomic_int_set (&self->running, FALSE);
  GST_OBJECT_LOCK (self);
  pending = self->pending;
  self->pending = NULL;
  self->width = self->height = 0;
  ec_settings_clear (&self->applied);
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->result_lock);
  engine = self->engine;
  self->engine = NULL;
  g_mutex_unlock (&self->result_lock);
  g_mutex_unlock (&self->reload_lock);

  ec_engine_free (pending);
  ec_engine_free (engine);
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
  if (!ec_engine_plan (self->engine, GST_VIDEO_INFO_WIDTH (&info),
                       GST_VIDEO_INFO_HEIGHT (&info), &err))
    goto plan_failed;

  self->info = info;
  self->roi_warned = FALSE;
  GST_OBJECT_LOCK (self);
  self->width = GST_VIDEO_INFO_WIDTH (&info);
  self->height = GST_VIDEO_INFO_HEIGHT (&info);
  GST_OBJECT_UNLOCK (self);
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

static void
gst_edge_classify_record_latency (GstEdgeClassify *self, gdouble us)
{
  GstClockTime latency, reported;

  GST_OBJECT_LOCK (self);
  ec_latency_push (&self->latency, us);
  latency = ec_latency_max (&self->latency);
  reported = self->latency_reported;
  /* ask the pipeline to query again when we got notably slower */
  if (GST_CLOCK_TIME_IS_VALID (reported) && latency <= reported * 5 / 4)
    reported = latency = GST_CLOCK_TIME_NONE;
  else
    self->latency_reported = latency;
  GST_OBJECT_UNLOCK (self);

  if (GST_CLOCK_TIME_IS_VALID (latency))
    gst_element_post_message (GST_ELEMENT (self),
                              gst_message_new_latency (GST_OBJECT (self)));
}

static gboolean
gst_edge_classify_query (GstBaseTransform *trans, GstPadDirection direction,
                         GstQuery *query)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  gboolean ret, live;
  GstClockTime min, max, ours;

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)
            ->query (trans, direction, query);
  if (ret && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    /* our share: the largest recent inference time */
    GST_OBJECT_LOCK (self);
    ours = self->latency_reported = ec_latency_max (&self->latency);
    GST_OBJECT_UNLOCK (self);
    gst_query_parse_latency (query, &live, &min, &max);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    gst_query_set_latency (query, live, min, max);
  }
  return ret;
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

/* Classifies one region (run) or repeats its last result (stale), attaches
 * the result to @meta (a new full-frame/ROI meta when NULL) and posts the
 * bus message. */
static GstFlowReturn
gst_edge_classify_region (GstEdgeClassify *self, EcEngine *e, GstBuffer *buf,
                          const nn_image *img, const nn_rect *rect,
                          GstVideoRegionOfInterestMeta *meta, guint idx,
                          gboolean run, const EcFrameProps *fp,
                          const EcStamp *stamp, gdouble *spent_us)
{
  EcError err = {
    NN_OK,
  };
  EcResult *r;

  if (run) {
    if (!ec_engine_classify (e, img, rect, fp->top_k, fp->threshold,
                             &e->scratch, &err)) {
      if (err.status != NN_INVALID_ARG)
        goto classify_failed;
      GST_LOG_OBJECT (self, "region %u is outside the frame", idx);
      if (meta == NULL)
        gst_edge_classify_warn_roi_outside (self, rect);
      ec_engine_publish (e, &self->result_lock, idx, NULL);
      return GST_FLOW_OK;
    }
    ec_engine_publish (e, &self->result_lock, idx, &e->scratch);
    *spent_us += e->scratch.inference_us;
  }
  r = ec_engine_slot (e, idx);
  if (r == NULL)
    return GST_FLOW_OK; /* no earlier result to repeat */

  ec_result_attach (GST_ELEMENT (self), buf, meta, e, r, stamp,
                    fp->post_messages);
  return GST_FLOW_OK;

  /* ERRORS */
classify_failed : {
  EC_POST_ERROR (self, &err);
  ec_error_clear (&err);
  return GST_FLOW_ERROR;
}
}

/* Frame start: switches to a model loaded meanwhile, if any. Results never
 * mix two models: the whole frame uses the engine chosen here. */
static void
gst_edge_classify_take_pending (GstEdgeClassify *self, EcEngine *pending)
{
  EcError err = {
    NN_OK,
  };
  EcEngine *old;

  /* planned by the loader, unless the caps changed meanwhile */
  if (!ec_engine_plan (pending, GST_VIDEO_INFO_WIDTH (&self->info),
                       GST_VIDEO_INFO_HEIGHT (&self->info), &err))
    goto plan_failed;

  g_mutex_lock (&self->result_lock);
  old = self->engine;
  self->engine = pending;
  g_mutex_unlock (&self->result_lock);
  ec_engine_free (old);
  /* a result of the old model is never repeated under the new one */
  self->have_result = FALSE;
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

static GstFlowReturn
gst_edge_classify_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstEdgeClassify *self = GST_EDGE_CLASSIFY (trans);
  GstFlowReturn ret = GST_FLOW_OK;
  EcFrameProps fp;
  EcEngine *pending, *e;
  GstVideoFrame frame;
  nn_image img;
  EcStamp stamp;
  gboolean run;
  gdouble spent_us = 0.0;

  /* snapshot the small properties; take a new model, if any */
  GST_OBJECT_LOCK (self);
  pending = self->pending;
  self->pending = NULL;
  ec_props_snapshot (&self->props, &fp);
  GST_OBJECT_UNLOCK (self);
  if (pending != NULL)
    gst_edge_classify_take_pending (self, pending);
  e = self->engine;

  stamp.frame = self->frame_count++;
  stamp.pts
      = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) : G_MAXUINT64;
  run = !self->have_result || self->since_inference + 1 >= fp.interval;
  stamp.stale = !run;
  self->since_inference = run ? 0 : self->since_inference + 1;

  /* READ only: the pixels are never written, so never copied. NO_REF keeps
   * the buffer writable for the metadata while the frame is mapped. */
  if (!gst_video_frame_map (&frame, &self->info, buf,
                            GST_MAP_READ | GST_VIDEO_FRAME_MAP_FLAG_NO_REF))
    goto map_failed;
  if (!ec_image_from_frame (&frame, &img))
    goto bad_format;

  if (run)
    ec_engine_begin_frame (e, &self->result_lock, stamp.frame, stamp.pts);

  if (fp.region == EC_REGION_FULL_FRAME) {
    ret = gst_edge_classify_region (self, e, buf, &img,
                                    fp.have_roi ? &fp.roi : NULL, NULL, 0, run,
                                    &fp, &stamp, &spent_us);
  } else {
    GstVideoRegionOfInterestMeta *meta;
    gpointer state = NULL;
    guint idx = 0;

    while (
        ret == GST_FLOW_OK
        && (meta
            = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
                buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      /* unsigned in the meta; anything past G_MAXINT is off the frame */
      nn_rect rect = { MIN (meta->x, G_MAXINT), MIN (meta->y, G_MAXINT),
                       MIN (meta->w, G_MAXINT), MIN (meta->h, G_MAXINT) };

      if (!ec_frame_props_wants (&fp, meta->roi_type))
        continue;
      ret = gst_edge_classify_region (self, e, buf, &img, &rect, meta, idx++,
                                      run, &fp, &stamp, &spent_us);
    }
  }
  gst_video_frame_unmap (&frame);

  if (run && ret == GST_FLOW_OK) {
    self->have_result = TRUE;
    gst_edge_classify_record_latency (self, spent_us);
  }
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
}
