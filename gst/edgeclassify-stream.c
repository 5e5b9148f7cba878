/* edgeclassify: one stream's requests and results, sync and async
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "edgeclassify-stream.h"
#include "edgeclassify-result.h"
#include "edgeclassify-scheduler.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

/* A region of the current frame (streaming thread). */
typedef struct {
  nn_rect rect;                       /* clipped to the frame; empty: outside */
  guint64 key;                        /* which region of later frames it is */
  GstVideoRegionOfInterestMeta *meta; /* roi-list; NULL: full frame */
} Region;

/* The preprocessed regions of one frame, for a worker to classify. */
typedef struct {
  guint n, cap;
  float *tensors; /* cap x floats */
  nn_rect *rects;
  guint64 *keys;
  guint64 frame, pts;
  gint64 clock_us; /* monotonic, when submitted */
  gdouble pre_us;  /* preprocessing, in the streaming thread */
  guint top_k;
  gdouble threshold;
  guint gen;
} Request;

/* Results of one frame's regions. */
typedef struct {
  guint n, cap, n_classes;
  EcResult *r;
  guint64 *keys;
  gboolean *ok; /* region classified (inside the frame) */
  guint64 frame, pts;
  gint64 clock_us; /* monotonic, when the frame was taken */
  guint gen;
  gboolean valid;
} ResultSet;

struct _EcStream {
  GstElement *element; /* not owned */
  EcClient *client;
  EcStats *stats;
  gsize floats; /* of one input, for the engine */

  GMutex lock; /* engine pointer, gen, request rotation, latest, async_err */
  EcEngine *engine;
  guint gen;
  Request req[3];
  guint writing, pending, running; /* a permutation of 0, 1, 2 */
  gboolean have_pending;
  ResultSet latest;
  EcError async_err;

  /* worker (or sync streaming thread, holding the slots) */
  ResultSet work;

  /* streaming thread */
  GArray *regions; /* of Region */
  GPtrArray *messages;
  guint64 frames;
  guint since_run;
  gboolean ran_once;
  guint64 last_run_pts;
  gint64 last_run_clock;
  guint configured_threads;
  gdouble configured_priority, configured_rate;
};

/* ---- buffers ---- */

static void
request_reserve (Request *q, guint n, gsize floats)
{
  if (n <= q->cap)
    return;
  q->cap = MAX (n, q->cap * 2);
  q->tensors = g_renew (float, q->tensors, q->cap *floats);
  q->rects = g_renew (nn_rect, q->rects, q->cap);
  q->keys = g_renew (guint64, q->keys, q->cap);
}

static void
request_clear (Request *q)
{
  g_clear_pointer (&q->tensors, g_free);
  g_clear_pointer (&q->rects, g_free);
  g_clear_pointer (&q->keys, g_free);
  q->n = q->cap = 0;
}

static void
set_clear (ResultSet *s)
{
  for (guint i = 0; i < s->cap; i++)
    ec_result_clear (&s->r[i]);
  g_clear_pointer (&s->r, g_free);
  g_clear_pointer (&s->keys, g_free);
  g_clear_pointer (&s->ok, g_free);
  s->n = s->cap = 0;
  s->valid = FALSE;
}

/* Room for @n results of @n_classes classes. Allocates only when a frame
 * has more regions than any before, or after a model change. */
static void
set_reserve (ResultSet *s, guint n, guint n_classes)
{
  if (n_classes != s->n_classes) {
    set_clear (s);
    s->n_classes = n_classes;
  }
  if (n <= s->cap)
    return;
  n = MAX (n, s->cap * 2);
  s->r = g_renew (EcResult, s->r, n);
  for (guint i = s->cap; i < n; i++)
    ec_result_init (&s->r[i], n_classes);
  s->keys = g_renew (guint64, s->keys, n);
  s->ok = g_renew (gboolean, s->ok, n);
  s->cap = n;
}

static void
set_swap (ResultSet *a, ResultSet *b)
{
  ResultSet t = *a;

  *a = *b;
  *b = t;
}

/* ---- publishing results (worker, or sync streaming thread) ---- */

/* work -> latest if it is of the current generation. Lock held. */
static void
publish_locked (EcStream *st)
{
  if (st->work.gen != st->gen)
    return;
  /* an async request that was still pending when the mode became sync
   * must not replace a newer frame's results */
  if (st->latest.valid && st->latest.gen == st->gen
      && st->work.frame < st->latest.frame)
    return;
  st->work.valid = TRUE;
  set_swap (&st->work, &st->latest);
}

static void
count_fresh (EcStream *st, const ResultSet *s, gdouble us, gdouble queued_us)
{
  ec_stats_fresh (st->stats, us, queued_us);
  for (guint i = 0; i < s->n; i++)
    if (s->ok[i])
      ec_stats_decision (st->stats,
                         ec_engine_label (st->engine, s->r[i].label_id));
}

/* Worker: classifies the pending request. */
static void
run_request (gpointer user_data, gint64 queued_us)
{
  EcStream *st = user_data;
  EcError err = {
    NN_OK,
  };
  EcEngine *e;
  Request *q;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = TRUE;

  g_mutex_lock (&st->lock);
  if (!st->have_pending) {
    g_mutex_unlock (&st->lock);
    return;
  }
  /* the pending request becomes the running one */
  {
    guint t = st->running;

    st->running = st->pending;
    st->pending = t;
  }
  st->have_pending = FALSE;
  q = &st->req[st->running];
  e = st->engine;
  g_mutex_unlock (&st->lock);
  /* set_engine waits for this run: e stays valid */
  if (e == NULL)
    return;

  set_reserve (&st->work, q->n, e->n_classes);
  for (guint i = 0; i < q->n && ok; i++) {
    st->work.keys[i] = q->keys[i];
    st->work.ok[i] = q->rects[i].width > 0;
    if (!st->work.ok[i])
      continue;
    ok = ec_engine_infer (e, q->tensors + i * st->floats, q->top_k,
                          q->threshold, &st->work.r[i], &err);
    st->work.r[i].x = q->rects[i].x;
    st->work.r[i].y = q->rects[i].y;
    st->work.r[i].width = q->rects[i].width;
    st->work.r[i].height = q->rects[i].height;
  }
  st->work.n = q->n;
  st->work.frame = q->frame;
  st->work.pts = q->pts;
  st->work.clock_us = q->clock_us;
  st->work.gen = q->gen;
  {
    gdouble us = q->pre_us + (gdouble)(g_get_monotonic_time () - t0);

    for (guint i = 0; i < q->n; i++)
      st->work.r[i].inference_us = us;
    g_mutex_lock (&st->lock);
    if (!ok) {
      ec_error_set (&st->async_err, err.status, err.what, err.path, "%s",
                    err.detail);
    } else if (st->work.gen == st->gen) {
      count_fresh (st, &st->work, us, (gdouble)queued_us);
      publish_locked (st);
    }
    g_mutex_unlock (&st->lock);
  }
  ec_error_clear (&err);
}

/* ---- lifetime ---- */

EcStream *
ec_stream_new (GstElement *element)
{
  EcStream *st = g_new0 (EcStream, 1);
  EcScheduler *sched = ec_scheduler_get ();
  gchar *name = gst_object_get_name (GST_OBJECT (element));

  st->element = element;
  st->stats = ec_stats_new (name);
  st->client = ec_client_new (sched, name, run_request, st);
  ec_scheduler_unref (sched);
  g_free (name);
  g_mutex_init (&st->lock);
  st->writing = 0;
  st->pending = 1;
  st->running = 2;
  st->regions = g_array_new (FALSE, FALSE, sizeof (Region));
  st->messages = g_ptr_array_new ();
  st->configured_threads = 1;
  st->configured_priority = 1.0;
  return st;
}

void
ec_stream_free (EcStream *st)
{
  if (st == NULL)
    return;
  ec_client_free (st->client);
  ec_engine_free (st->engine);
  for (guint i = 0; i < 3; i++)
    request_clear (&st->req[i]);
  set_clear (&st->latest);
  set_clear (&st->work);
  ec_error_clear (&st->async_err);
  g_array_unref (st->regions);
  g_ptr_array_unref (st->messages);
  ec_stats_free (st->stats);
  g_mutex_clear (&st->lock);
  g_free (st);
}

static void
new_generation_locked (EcStream *st)
{
  st->gen++;
  st->have_pending = FALSE;
  st->latest.valid = FALSE;
}

void
ec_stream_set_engine (EcStream *st, EcEngine *engine)
{
  EcEngine *old;

  /* no request of the old engine runs after this */
  ec_client_cancel (st->client);
  g_mutex_lock (&st->lock);
  old = st->engine;
  st->engine = engine;
  new_generation_locked (st);
  ec_error_clear (&st->async_err);
  g_mutex_unlock (&st->lock);
  ec_engine_free (old);
  st->floats = engine ? ec_engine_input_floats (engine) : 0;
  for (guint i = 0; i < 3; i++)
    request_clear (&st->req[i]);
  st->ran_once = FALSE;
}

EcEngine *
ec_stream_engine (EcStream *st)
{
  return st->engine;
}

void
ec_stream_reset (EcStream *st)
{
  ec_client_cancel (st->client);
  g_mutex_lock (&st->lock);
  new_generation_locked (st);
  g_mutex_unlock (&st->lock);
  st->ran_once = FALSE;
  st->since_run = 0;
}

void
ec_stream_set_flushing (EcStream *st, gboolean flushing)
{
  ec_client_set_flushing (st->client, flushing);
}

EcStats *
ec_stream_stats (EcStream *st)
{
  return st->stats;
}

/* ---- one frame (streaming thread) ---- */

/* Which region of later frames a region is: the upstream ROI id, and its
 * rank among this frame's regions with the same id (0 when ids are
 * unique, the position when a producer sets none). Full frame: 0. */
static guint64
region_key (GArray *regions, GstVideoRegionOfInterestMeta *meta)
{
  guint rank = 0;

  if (meta == NULL)
    return 0;
  for (guint i = 0; i < regions->len; i++) {
    Region *r = &g_array_index (regions, Region, i);

    if (r->meta && r->meta->id == meta->id)
      rank++;
  }
  return ((guint64)(guint32)meta->id << 32) | rank;
}

static void
collect_regions (EcStream *st, GstBuffer *buf, const nn_image *img,
                 const EcFrameProps *fp)
{
  Region r;

  g_array_set_size (st->regions, 0);
  if (fp->region == EC_REGION_FULL_FRAME) {
    if (!ec_engine_clip (img, fp->have_roi ? &fp->roi : NULL, &r.rect))
      r.rect.width = r.rect.height = 0;
    r.key = 0;
    r.meta = NULL;
    g_array_append_val (st->regions, r);
    return;
  }
  {
    GstVideoRegionOfInterestMeta *meta;
    gpointer state = NULL;

    while ((meta
            = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
                buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      /* unsigned in the meta; anything past G_MAXINT is off the frame */
      nn_rect want = { MIN (meta->x, G_MAXINT), MIN (meta->y, G_MAXINT),
                       MIN (meta->w, G_MAXINT), MIN (meta->h, G_MAXINT) };

      if (!ec_frame_props_wants (fp, meta->roi_type))
        continue;
      if (!ec_engine_clip (img, &want, &r.rect))
        r.rect.width = r.rect.height = 0;
      r.key = region_key (st->regions, meta);
      r.meta = meta;
      g_array_append_val (st->regions, r);
    }
  }
}

/* Whether this frame runs the model: inference-interval, and in sync mode
 * max-rate (by PTS when there is one, so a file gives the same results
 * however fast it is read). Async mode leaves max-rate to the scheduler. */
static gboolean
frame_is_due (EcStream *st, const EcFrameProps *fp, gboolean async, guint64 pts)
{
  if (st->ran_once && st->since_run + 1 < fp->interval)
    return FALSE;
  if (!async && st->ran_once && fp->max_rate > 0.0) {
    gint64 gap_us = (gint64)(G_USEC_PER_SEC / fp->max_rate) - 1000;

    if (pts != G_MAXUINT64 && st->last_run_pts != G_MAXUINT64)
      return (gint64)(pts - st->last_run_pts) / 1000 >= gap_us;
    return g_get_monotonic_time () - st->last_run_clock >= gap_us;
  }
  return TRUE;
}

static void
configure_client (EcStream *st, const EcFrameProps *fp)
{
  guint threads = st->engine ? MAX (st->engine->threads, 1) : 1;
  gdouble rate = fp->max_rate;

  if (threads == st->configured_threads
      && fp->priority == st->configured_priority && rate == st->configured_rate)
    return;
  ec_client_configure (st->client, threads, fp->priority, rate);
  st->configured_threads = threads;
  st->configured_priority = fp->priority;
  st->configured_rate = rate;
}

/* async: the frame's regions preprocessed into a request, handed over. */
static gboolean
submit (EcStream *st, const nn_image *img, const EcFrameProps *fp, guint64 pts,
        EcError *err)
{
  EcEngine *e = st->engine;
  Request *q = &st->req[st->writing];
  gint64 t0 = g_get_monotonic_time ();
  guint n = st->regions->len;

  request_reserve (q, n, st->floats);
  for (guint i = 0; i < n; i++) {
    Region *r = &g_array_index (st->regions, Region, i);

    q->rects[i] = r->rect;
    q->keys[i] = r->key;
    if (r->rect.width > 0
        && !ec_engine_preprocess (e, img, &r->rect, q->tensors + i * st->floats,
                                  err))
      return FALSE;
  }
  q->n = n;
  q->frame = st->frames;
  q->pts = pts;
  q->clock_us = t0;
  q->pre_us = (gdouble)(g_get_monotonic_time () - t0);
  q->top_k = fp->top_k;
  q->threshold = fp->threshold;

  g_mutex_lock (&st->lock);
  q->gen = st->gen;
  {
    guint t = st->pending;

    st->pending = st->writing;
    st->writing = t;
  }
  st->have_pending = TRUE;
  g_mutex_unlock (&st->lock);
  if (ec_client_submit (st->client))
    ec_stats_replaced (st->stats);
  return TRUE;
}

/* sync: waits for the slots, classifies the regions, publishes. */
static GstFlowReturn
classify_now (EcStream *st, const nn_image *img, const EcFrameProps *fp,
              guint64 pts, gdouble *inference_us, EcError *err)
{
  EcEngine *e = st->engine;
  guint n = st->regions->len;
  gint64 t_wait = g_get_monotonic_time (), t0;
  gboolean ok = TRUE;

  if (!ec_client_acquire (st->client))
    return GST_FLOW_FLUSHING;
  t0 = g_get_monotonic_time ();
  set_reserve (&st->work, n, e->n_classes);
  for (guint i = 0; i < n && ok; i++) {
    Region *r = &g_array_index (st->regions, Region, i);
    EcResult *res = &st->work.r[i];

    st->work.keys[i] = r->key;
    st->work.ok[i] = r->rect.width > 0;
    if (!st->work.ok[i])
      continue;
    ok = ec_engine_preprocess (e, img, &r->rect, NULL, err)
         && ec_engine_infer (e, NULL, fp->top_k, fp->threshold, res, err);
    res->x = r->rect.x;
    res->y = r->rect.y;
    res->width = r->rect.width;
    res->height = r->rect.height;
  }
  ec_client_release (st->client);
  if (!ok)
    return GST_FLOW_ERROR;

  {
    gdouble us = (gdouble)(g_get_monotonic_time () - t0);

    for (guint i = 0; i < n; i++)
      st->work.r[i].inference_us = us;
    *inference_us += us;
    st->work.n = n;
    st->work.frame = st->frames;
    st->work.pts = pts;
    st->work.clock_us = t0;
    g_mutex_lock (&st->lock);
    st->work.gen = st->gen;
    count_fresh (st, &st->work, us, (gdouble)(t0 - t_wait));
    publish_locked (st);
    g_mutex_unlock (&st->lock);
  }
  return GST_FLOW_OK;
}

/* Attaches the newest results to the frame's regions, by key. Returns
 * whether the frame carries one (and its age for the stats). */
static gboolean
attach (EcStream *st, GstBuffer *buf, const EcFrameProps *fp, guint64 pts,
        gdouble *age_ms_out)
{
  gboolean carried = FALSE;
  EcStamp stamp;

  g_ptr_array_set_size (st->messages, 0);
  g_mutex_lock (&st->lock);
  if (st->latest.valid && st->latest.gen == st->gen) {
    const ResultSet *s = &st->latest;

    stamp.frame = s->frame;
    stamp.pts = s->pts;
    stamp.age_frames = st->frames - s->frame;
    if (pts != G_MAXUINT64 && s->pts != G_MAXUINT64 && pts >= s->pts)
      stamp.age_ms = (gdouble)(pts - s->pts) / GST_MSECOND;
    else
      stamp.age_ms = (gdouble)(g_get_monotonic_time () - s->clock_us) / 1e3;
    if (stamp.age_frames == 0)
      stamp.age_ms = 0.0;
    for (guint i = 0; i < st->regions->len; i++) {
      Region *r = &g_array_index (st->regions, Region, i);

      for (guint j = 0; j < s->n; j++) {
        if (s->keys[j] != r->key || !s->ok[j])
          continue;
        ec_result_attach (st->engine, buf, r->meta, &r->rect, &s->r[j], &stamp,
                          fp->post_messages ? st->messages : NULL);
        carried = TRUE;
        break;
      }
    }
    *age_ms_out = stamp.age_ms;
  }
  g_mutex_unlock (&st->lock);
  /* posted unlocked: a bus sync handler may call back into the element */
  for (guint i = 0; i < st->messages->len; i++)
    gst_element_post_message (st->element,
                              gst_message_new_element (GST_OBJECT (st->element),
                                                       st->messages->pdata[i]));
  return carried;
}

GstFlowReturn
ec_stream_process (EcStream *st, GstBuffer *buf, const nn_image *img,
                   const EcFrameProps *fp, gboolean async,
                   gdouble *inference_us, EcError *err)
{
  guint64 pts
      = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) : G_MAXUINT64;
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean carried = FALSE;
  gdouble age_ms = 0.0;

  /* a failure of an earlier request */
  g_mutex_lock (&st->lock);
  if (st->async_err.status != NN_OK) {
    ec_error_set (err, st->async_err.status, st->async_err.what,
                  st->async_err.path, "%s", st->async_err.detail);
    ec_error_clear (&st->async_err);
    g_mutex_unlock (&st->lock);
    return GST_FLOW_ERROR;
  }
  g_mutex_unlock (&st->lock);

  configure_client (st, fp);
  collect_regions (st, buf, img, fp);
  if (st->regions->len > 0 && frame_is_due (st, fp, async, pts)) {
    if (async)
      ret = submit (st, img, fp, pts, err) ? GST_FLOW_OK : GST_FLOW_ERROR;
    else
      ret = classify_now (st, img, fp, pts, inference_us, err);
    st->since_run = 0;
    st->ran_once = TRUE;
    st->last_run_pts = pts;
    st->last_run_clock = g_get_monotonic_time ();
  } else {
    st->since_run++;
  }
  if (ret == GST_FLOW_OK)
    carried = attach (st, buf, fp, pts, &age_ms);
  ec_stats_frame (st->stats, ret == GST_FLOW_OK, carried, age_ms);
  st->frames++;
  return ret;
}

gchar *
ec_stream_last_json (EcStream *st)
{
  gchar *json = NULL;

  g_mutex_lock (&st->lock);
  if (st->latest.valid && st->latest.gen == st->gen && st->engine) {
    const ResultSet *s = &st->latest;
    GString *out = g_string_new (NULL);
    gboolean first = TRUE;

    g_string_append_printf (
        out, "{\"schema_version\":%d,\"model\":", EC_SCHEMA_VERSION);
    ec_json_append_string (out, st->engine->name);
    g_string_append_printf (
        out, ",\"frame\":%" G_GUINT64_FORMAT ",\"pts\":", s->frame);
    if (s->pts == G_MAXUINT64)
      g_string_append (out, "null");
    else
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, s->pts);
    g_string_append (out, ",\"results\":[");
    for (guint i = 0; i < s->n; i++) {
      if (!s->ok[i])
        continue;
      if (!first)
        g_string_append_c (out, ',');
      ec_result_append_json (out, st->engine, &s->r[i]);
      first = FALSE;
    }
    g_string_append (out, "]}");
    json = g_string_free (out, FALSE);
  }
  g_mutex_unlock (&st->lock);
  return json;
}
