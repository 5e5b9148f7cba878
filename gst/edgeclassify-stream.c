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

#include "edgeclassify-result.h"
#include "edgeclassify-scheduler.h"
#include "edge-json.h"
#include "edgeclassify-stream-private.h"

#include <nn/postprocess.h>

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

/* Hand-over between two threads without a lock: three buffers, one owned
 * by the writer, one by the reader, one in the middle. The writer fills
 * its own and swaps it with the middle one, marking it fresh; the reader
 * swaps its own with the middle one when that is fresh. Neither ever
 * waits for the other, which matters here: the other side is often a
 * low-priority worker that may be preempted at any point. */

static void
triple_init (Triple *t)
{
  t->mine_w = 0;
  atomic_init (&t->middle, 1);
  t->mine_r = 2;
}

/* Writer: publishes its buffer; TRUE when the one it replaces was fresh
 * (never taken by the reader). */
static gboolean
triple_publish (Triple *t)
{
  gint old = atomic_exchange (&t->middle, t->mine_w | FRESH);

  t->mine_w = old & 3;
  return (old & FRESH) != 0;
}

/* Writer: takes back a fresh buffer the reader has not taken. */
static gboolean
triple_retract (Triple *t)
{
  gint old = atomic_exchange (&t->middle, t->mine_w);

  t->mine_w = old & 3;
  return (old & FRESH) != 0;
}

/* Reader: takes the newest buffer if there is one. */
static gboolean
triple_take (Triple *t)
{
  gint old;

  if (!(atomic_load (&t->middle) & FRESH))
    return FALSE;
  old = atomic_exchange (&t->middle, t->mine_r);
  t->mine_r = old & 3;
  return (old & FRESH) != 0;
}

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
  g_clear_pointer (&s->probs, g_free);
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
  s->probs = g_renew (float, s->probs, (gsize)n *n_classes);
  s->cap = n;
}

/* Every class's probability of the inference just run (ema smooths them
 * all): the model's outputs, or their softmax. */
static void
engine_probs (EcEngine *e, float *dst)
{
  if (e->logits)
    nn_softmax (e->output, e->n_classes, dst, NULL);
  else
    memcpy (dst, e->output, e->n_classes * sizeof (float));
}

/* The set an inference writes into. */
static ResultSet *
work_set (EcStream *st)
{
  return &st->res[st->res_hand.mine_w];
}

/* The newest results the streaming thread has. */
static ResultSet *
front_set (EcStream *st)
{
  return &st->res[st->res_hand.mine_r];
}

const ResultSet *
ec_stream_front_set (EcStream *st)
{
  return front_set (st);
}

/* ---- inference (worker) ---- */

static void
fail_async (EcStream *st, const EcError *err)
{
  g_mutex_lock (&st->err_lock);
  ec_error_set (&st->async_err, err->status, err->what, err->path, "%s",
                err->detail);
  g_mutex_unlock (&st->err_lock);
  atomic_store (&st->failed, 1);
}

/* Worker: classifies the newest request. */
static void
run_request (gpointer user_data, gint64 queued_us)
{
  EcStream *st = user_data;
  EcError err = {
    NN_OK,
  };
  EcEngine *e = st->engine; /* set_engine waits for this run */
  ResultSet *w;
  Request *q;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = TRUE;

  if (!triple_take (&st->req_hand) || e == NULL)
    return;
  atomic_store (&st->last_take, g_get_monotonic_time ());
  q = &st->req[st->req_hand.mine_r];
  /* a request from before a flush, caps change or model swap */
  if (q->gen != atomic_load (&st->gen))
    return;

  w = work_set (st);
  set_reserve (w, q->n, e->n_classes);
  for (guint i = 0; i < q->n && ok; i++) {
    w->keys[i] = q->keys[i];
    w->ok[i] = q->rects[i].width > 0;
    if (!w->ok[i])
      continue;
    ok = ec_engine_infer (e, q->tensors + i * st->floats, q->top_k,
                          q->threshold, &w->r[i], &err);
    if (ok && q->want_probs)
      engine_probs (e, w->probs + (gsize)i * e->n_classes);
    w->r[i].x = q->rects[i].x;
    w->r[i].y = q->rects[i].y;
    w->r[i].width = q->rects[i].width;
    w->r[i].height = q->rects[i].height;
  }
  if (!ok) {
    fail_async (st, &err);
    ec_error_clear (&err);
    return;
  }
  w->n = q->n;
  w->has_probs = q->want_probs;
  w->frame = q->frame;
  w->pts = q->pts;
  w->clock_us = q->clock_us;
  w->gen = q->gen;
  w->seq = atomic_fetch_add (&st->seq, 1) + 1;
  w->run_us = q->pre_us + (gdouble)(g_get_monotonic_time () - t0);
  w->queued_us = (gdouble)queued_us;
  for (guint i = 0; i < q->n; i++)
    w->r[i].inference_us = w->run_us;
  w->valid = TRUE;
  triple_publish (&st->res_hand);
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
  g_mutex_init (&st->json_lock);
  g_mutex_init (&st->err_lock);
  atomic_init (&st->gen, 0);
  atomic_init (&st->failed, 0);
  atomic_init (&st->last_take, 0);
  triple_init (&st->req_hand);
  triple_init (&st->res_hand);
  atomic_init (&st->seq, 0);
  ec_regions_init (st);
  st->messages = g_ptr_array_new ();
  st->configured_threads = 1;
  st->configured_priority = 1.0;
  st->last_pts = G_MAXUINT64;
  return st;
}

void
ec_stream_free (EcStream *st)
{
  if (st == NULL)
    return;
  ec_client_free (st->client);
  ec_engine_free (st->engine);
  for (guint i = 0; i < 3; i++) {
    request_clear (&st->req[i]);
    set_clear (&st->res[i]);
  }
  ec_error_clear (&st->async_err);
  ec_regions_clear (st);
  g_ptr_array_unref (st->messages);
  ec_stats_free (st->stats);
  g_mutex_clear (&st->json_lock);
  g_mutex_clear (&st->err_lock);
  g_free (st);
}

/* Drops the pending request; what is in flight ends up ignored. */
static void
new_generation (EcStream *st)
{
  st->turn_us = 0.0;
  atomic_fetch_add (&st->gen, 1);
  triple_retract (&st->req_hand);
  ec_client_unsubmit (st->client);
  st->ran_once = FALSE;
  st->since_run = 0;
  /* nothing of before is remembered: objects enter again */
  ec_objects_reset (st->objects);
}

void
ec_stream_set_engine (EcStream *st, EcEngine *engine)
{
  EcEngine *old;

  /* no inference of the old engine runs after this */
  ec_client_cancel (st->client);
  new_generation (st);
  g_mutex_lock (&st->json_lock);
  old = st->engine;
  st->engine = engine;
  g_mutex_unlock (&st->json_lock);
  ec_engine_free (old);
  st->floats = engine ? ec_engine_input_floats (engine) : 0;
  for (guint i = 0; i < 3; i++)
    request_clear (&st->req[i]);
  atomic_store (&st->failed, 0);
}

EcEngine *
ec_stream_engine (EcStream *st)
{
  return st->engine;
}

void
ec_stream_reset (EcStream *st)
{
  new_generation (st);
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

GstStructure *
ec_stream_stats_structure (EcStream *st)
{
  GstStructure *s = ec_stats_to_structure (st->stats, "edgeclassify-stats");
  EcScheduler *sched = ec_client_scheduler (st->client);

  gst_structure_set (s, "scheduler-slots", G_TYPE_UINT,
                     ec_scheduler_slots (sched), "scheduler-peak-busy",
                     G_TYPE_UINT, ec_scheduler_peak_busy (sched), NULL);
  return s;
}

/* ---- one frame (streaming thread) ---- */

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

/* async: whether this frame would only be replaced by a newer one before
 * the stream's next turn, so that preprocessing it is wasted. Two cases:
 * max-rate says when the next turn is; and under overload, while a request
 * still waits, the turn comes about as long after the last one as turns
 * have lately been apart (the time between a worker's takes, averaged).
 * The last frames before the turn, and any after, are preprocessed. */
static gboolean
skip_for_turn (EcStream *st, GstBuffer *buf, guint64 pts)
{
  gint64 now = g_get_monotonic_time (), take = atomic_load (&st->last_take);
  gint64 gap_us = 0;

  if (take != st->seen_take) {
    if (st->seen_take != 0)
      st->turn_us
          = st->turn_us > 0.0
                ? 0.8 * st->turn_us + 0.2 * (gdouble)(take - st->seen_take)
                : (gdouble)(take - st->seen_take);
    st->seen_take = take;
  }
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    gap_us = (gint64)(GST_BUFFER_DURATION (buf) / GST_USECOND);
  else if (pts != G_MAXUINT64 && st->last_pts != G_MAXUINT64
           && pts > st->last_pts)
    gap_us = (gint64)((pts - st->last_pts) / GST_USECOND);
  if (gap_us <= 0)
    return FALSE;
  if (ec_client_next_due (st->client) > now + gap_us)
    return TRUE;
  return (atomic_load (&st->req_hand.middle) & FRESH) && take != 0
         && st->turn_us > 0.0
         && (gdouble)(now - take) + 1.5 * (gdouble)gap_us < st->turn_us;
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
  Request *q = &st->req[st->req_hand.mine_w];
  gint64 t0 = g_get_monotonic_time ();
  guint n = st->due->len;

  request_reserve (q, n, st->floats);
  for (guint i = 0; i < n; i++) {
    Region *r = &g_array_index (st->regions, Region,
                                g_array_index (st->due, guint, i));

    q->rects[i] = r->rect;
    q->keys[i] = r->obj->object_id;
    if (!ec_engine_preprocess (e, img, &r->rect, q->tensors + i * st->floats,
                               err))
      return FALSE;
  }
  q->n = n;
  q->want_probs = ec_smooth_wants_probs (fp->smoothing);
  q->frame = st->frames;
  q->pts = pts;
  q->clock_us = t0;
  q->pre_us = (gdouble)(g_get_monotonic_time () - t0);
  q->top_k = fp->top_k;
  q->threshold = fp->threshold;
  q->gen = atomic_load (&st->gen);
  /* A request still in the middle is replaced: the worker had not taken
   * it, even if the scheduler already gave it its turn (the worker then
   * runs this newer one). Only a stream without one asks for a turn. */
  if (triple_publish (&st->req_hand))
    ec_stats_replaced (st->stats);
  else
    ec_client_submit (st->client);
  return TRUE;
}

/* sync: waits for the slots, classifies the regions, publishes. */
static GstFlowReturn
classify_now (EcStream *st, const nn_image *img, const EcFrameProps *fp,
              guint64 pts, gdouble *inference_us, EcError *err)
{
  EcEngine *e = st->engine;
  guint n = st->due->len;
  gboolean want_probs = ec_smooth_wants_probs (fp->smoothing);
  gint64 t_wait = g_get_monotonic_time (), t0;
  gboolean ok = TRUE;
  ResultSet *w;

  if (!ec_client_acquire (st->client))
    return GST_FLOW_FLUSHING;
  t0 = g_get_monotonic_time ();
  w = work_set (st);
  set_reserve (w, n, e->n_classes);
  for (guint i = 0; i < n && ok; i++) {
    Region *r = &g_array_index (st->regions, Region,
                                g_array_index (st->due, guint, i));
    EcResult *res = &w->r[i];

    w->keys[i] = r->obj->object_id;
    w->ok[i] = TRUE;
    ok = ec_engine_preprocess (e, img, &r->rect, NULL, err)
         && ec_engine_infer (e, NULL, fp->top_k, fp->threshold, res, err);
    if (ok && want_probs)
      engine_probs (e, w->probs + (gsize)i * e->n_classes);
    res->x = r->rect.x;
    res->y = r->rect.y;
    res->width = r->rect.width;
    res->height = r->rect.height;
  }
  if (ok) {
    w->n = n;
    w->has_probs = want_probs;
    w->frame = st->frames;
    w->pts = pts;
    w->clock_us = t0;
    w->gen = atomic_load (&st->gen);
    w->seq = atomic_fetch_add (&st->seq, 1) + 1;
    w->run_us = (gdouble)(g_get_monotonic_time () - t0);
    w->queued_us = (gdouble)(t0 - t_wait);
    for (guint i = 0; i < n; i++)
      w->r[i].inference_us = w->run_us;
    w->valid = TRUE;
    triple_publish (&st->res_hand);
    *inference_us += w->run_us;
  }
  ec_client_release (st->client);
  return ok ? GST_FLOW_OK : GST_FLOW_ERROR;
}

/* Takes the newest results an inference published, and counts them. With
 * json_lock: the streaming thread and the readers of last-result both
 * take them. TRUE when there were new ones. */
gboolean
ec_stream_take_results_locked (EcStream *st)
{
  const ResultSet *s;

  if (!triple_take (&st->res_hand))
    return FALSE;
  s = front_set (st);
  if (!s->valid || s->gen != atomic_load (&st->gen))
    return FALSE;
  ec_stats_fresh (st->stats, s->run_us, s->queued_us);
  for (guint i = 0; i < s->n; i++)
    if (s->ok[i])
      ec_stats_decision (st->stats,
                         ec_engine_label (st->engine, s->r[i].label_id));
  return TRUE;
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
  if (atomic_exchange (&st->failed, 0)) {
    g_mutex_lock (&st->err_lock);
    ec_error_set (err, st->async_err.status, st->async_err.what,
                  st->async_err.path, "%s", st->async_err.detail);
    ec_error_clear (&st->async_err);
    g_mutex_unlock (&st->err_lock);
    return GST_FLOW_ERROR;
  }

  configure_client (st, fp);
  ec_regions_collect (st, buf, img, fp, pts);
  if (st->due->len > 0 && frame_is_due (st, fp, async, pts)
      && !(async && skip_for_turn (st, buf, pts))) {
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
  st->last_pts = pts;
  if (ret == GST_FLOW_OK)
    carried = ec_regions_attach (st, buf, fp, pts, &age_ms);
  ec_stats_frame (st->stats, ret == GST_FLOW_OK, carried, age_ms);
  st->frames++;
  return ret;
}

gchar *
ec_stream_last_json (EcStream *st)
{
  gchar *json = NULL;

  g_mutex_lock (&st->json_lock);
  ec_stream_take_results_locked (st);
  {
    const ResultSet *s = front_set (st);

    if (s->valid && s->gen == atomic_load (&st->gen) && st->engine) {
      GString *out = g_string_new (NULL);
      gboolean first = TRUE;

      g_string_append_printf (
          out, "{\"schema_version\":%d,\"model\":", EC_SCHEMA_VERSION);
      edge_json_string (out, st->engine->name);
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
  }
  g_mutex_unlock (&st->json_lock);
  return json;
}
