/* edgeclassify: a frame's regions, their objects, what they carry
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
#include "edgeclassify-stream-private.h"

#include <gst/base/gstbasetransform.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

void
ec_regions_init (EcStream *st)
{
  st->regions = g_array_new (FALSE, FALSE, sizeof (Region));
  st->due = g_array_new (FALSE, FALSE, sizeof (guint));
  st->boxes = g_array_new (FALSE, FALSE, sizeof (nn_rect));
  st->ids = g_array_new (FALSE, FALSE, sizeof (gint));
  st->objs = g_array_new (FALSE, FALSE, sizeof (EcObject *));
  st->objects = ec_objects_new ();
}

void
ec_regions_clear (EcStream *st)
{
  g_array_unref (st->regions);
  g_array_unref (st->due);
  g_array_unref (st->boxes);
  g_array_unref (st->ids);
  g_array_unref (st->objs);
  ec_objects_free (st->objects);
  g_free (st->stream_id);
}

void
ec_stream_set_stream_id (EcStream *st, const gchar *id)
{
  g_free (st->stream_id);
  st->stream_id = g_strdup (id);
}

/* What the objects need of the properties and the model. */
static void
configure_objects (EcStream *st, const EcFrameProps *fp)
{
  EcObjectsParams p;

  p.smooth.kind = fp->smoothing;
  p.smooth.window = fp->window;
  p.smooth.hysteresis = fp->hysteresis;
  p.smooth.threshold = fp->threshold;
  p.smooth.n_classes = st->engine ? st->engine->n_classes : 1;
  p.max_objects = fp->region == EC_REGION_ROI_LIST ? fp->max_objects : 1;
  p.timeout = fp->object_timeout;
  p.events = fp->smoothing != EC_SMOOTH_NONE;
  if (ec_objects_configure (st->objects, &p)) {
    GST_DEBUG_OBJECT (st->element, "objects forgotten: new settings");
    /* what frames carry is computed again at once, whatever the
     * inference-interval */
    st->ran_once = FALSE;
  }
}

/* The upstream regions roi-list classifies, with their objects. */
static void
collect_roi_list (EcStream *st, GstBuffer *buf, const nn_image *img,
                  const EcFrameProps *fp)
{
  GstVideoRegionOfInterestMeta *meta;
  gpointer state = NULL;
  Region r = { { 0 } };

  while (
      (meta = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (!ec_frame_props_wants (fp, meta->roi_type))
      continue;
    /* unsigned in the meta; anything past G_MAXINT is off the frame */
    r.box.x = MIN (meta->x, G_MAXINT);
    r.box.y = MIN (meta->y, G_MAXINT);
    r.box.width = MIN (meta->w, G_MAXINT);
    r.box.height = MIN (meta->h, G_MAXINT);
    if (!ec_engine_clip (img, &r.box, &r.rect))
      r.rect.width = r.rect.height = 0;
    r.roi_id = meta->id;
    r.meta = meta;
    g_array_append_val (st->regions, r);
    g_array_append_val (st->boxes, r.box);
    g_array_append_val (st->ids, r.roi_id);
  }
  g_array_set_size (st->objs, st->regions->len);
  ec_objects_associate (st->objects, (const nn_rect *)st->boxes->data,
                        (const gint *)st->ids->data, st->regions->len,
                        (EcObject **)st->objs->data);
  for (guint i = 0; i < st->regions->len; i++)
    g_array_index (st->regions, Region, i).obj
        = g_array_index (st->objs, EcObject *, i);
}

/* Whether @r's object is classified on this frame: inside the frame, and
 * without a result or with one reclassify frames old. */
static gboolean
region_due (EcStream *st, const Region *r, const EcFrameProps *fp)
{
  if (r->obj == NULL || r->rect.width <= 0 || r->rect.height <= 0)
    return FALSE;
  if (!r->obj->has_result || fp->region == EC_REGION_FULL_FRAME)
    return TRUE;
  return st->frames - r->obj->res_frame >= fp->reclassify;
}

void
ec_regions_collect (EcStream *st, GstBuffer *buf, const nn_image *img,
                    const EcFrameProps *fp, guint64 pts)
{
  Region r = { { 0 } };

  configure_objects (st, fp);
  ec_objects_begin (st->objects, st->frames, pts);
  g_array_set_size (st->regions, 0);
  g_array_set_size (st->due, 0);
  g_array_set_size (st->boxes, 0);
  g_array_set_size (st->ids, 0);
  if (fp->region == EC_REGION_FULL_FRAME) {
    if (!ec_engine_clip (img, fp->have_roi ? &fp->roi : NULL, &r.rect))
      r.rect.width = r.rect.height = 0;
    r.box = r.rect;
    r.obj = ec_objects_whole (st->objects);
    g_array_append_val (st->regions, r);
  } else {
    collect_roi_list (st, buf, img, fp);
  }
  for (guint i = 0; i < st->regions->len; i++)
    if (region_due (st, &g_array_index (st->regions, Region, i), fp))
      g_array_append_val (st->due, i);
}

/* The newest results, to the objects they were computed for (once per
 * result set, even when last-result took the set first). */
static void
apply_results (EcStream *st, const EcFrameProps *fp)
{
  const ResultSet *s = ec_stream_front_set (st);
  EcObjects *objects = st->objects;

  if (!s->valid || s->gen != atomic_load (&st->gen) || s->seq == 0
      || s->seq == st->applied_seq)
    return;
  st->applied_seq = s->seq;
  for (guint j = 0; j < s->n; j++) {
    EcObject *obj;

    if (!s->ok[j] || (obj = ec_objects_find (objects, s->keys[j])) == NULL)
      continue;
    /* ema needs every class; a set from before smoothing changed has not */
    if (!s->has_probs && ec_smooth_wants_probs (fp->smoothing))
      continue;
    ec_objects_update (objects, obj, &s->r[j],
                       s->has_probs ? s->probs + (gsize)j * s->n_classes : NULL,
                       s->frame, s->pts, s->clock_us);
  }
}

/* How old @obj's result is on this frame. */
static void
stamp_of (EcStream *st, const EcObject *obj, guint64 pts, EcStamp *stamp)
{
  stamp->frame = obj->res_frame;
  stamp->pts = obj->res_pts;
  stamp->age_frames = st->frames - obj->res_frame;
  if (pts != G_MAXUINT64 && obj->res_pts != G_MAXUINT64 && pts >= obj->res_pts)
    stamp->age_ms = (gdouble)(pts - obj->res_pts) / GST_MSECOND;
  else
    stamp->age_ms = (gdouble)(g_get_monotonic_time () - obj->res_clock) / 1e3;
  if (stamp->age_frames == 0)
    stamp->age_ms = 0.0;
}

/* The events of this frame: element messages (with post-messages) and
 * serialized downstream events, so that edgereport, after us in the
 * stream, sees them in order with the frames. Streaming thread, no lock
 * held. */
static void
send_events (EcStream *st, const EcFrameProps *fp)
{
  GstPad *src = GST_BASE_TRANSFORM_SRC_PAD (st->element);
  const EcEvent *ev;
  guint n;

  ev = ec_objects_events (st->objects, &n);
  for (guint i = 0; i < n; i++) {
    GstStructure *s = ec_event_to_structure (st->engine, &ev[i], st->stream_id);

    if (fp->post_messages)
      gst_element_post_message (
          st->element, gst_message_new_element (GST_OBJECT (st->element),
                                                gst_structure_copy (s)));
    gst_pad_push_event (src,
                        gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  }
  ec_objects_clear_events (st->objects);
}

gboolean
ec_regions_attach (EcStream *st, GstBuffer *buf, const EcFrameProps *fp,
                   guint64 pts, gdouble *age_ms_out)
{
  gboolean carried = FALSE;
  EcStamp stamp;
  EcDecided decided;

  g_ptr_array_set_size (st->messages, 0);
  g_mutex_lock (&st->json_lock);
  ec_stream_take_results_locked (st);
  apply_results (st, fp);
  decided.smoothed = fp->smoothing != EC_SMOOTH_NONE;
  decided.has_object = fp->region == EC_REGION_ROI_LIST;
  for (guint i = 0; i < st->regions->len; i++) {
    Region *r = &g_array_index (st->regions, Region, i);
    const EcObject *obj = r->obj;

    /* outside the frame (this time), or nothing known yet */
    if (obj == NULL || !obj->has_result || r->rect.width <= 0)
      continue;
    stamp_of (st, obj, pts, &stamp);
    decided.decision = obj->decision;
    decided.object_id = obj->object_id;
    ec_result_attach (st->engine, buf, r->meta, &r->rect, &obj->raw, &stamp,
                      &decided, fp->post_messages ? st->messages : NULL);
    if (!carried)
      *age_ms_out = stamp.age_ms;
    carried = TRUE;
  }
  g_mutex_unlock (&st->json_lock);
  ec_objects_end (st->objects);

  /* posted unlocked: a bus sync handler may call back into the element */
  for (guint i = 0; i < st->messages->len; i++)
    gst_element_post_message (st->element,
                              gst_message_new_element (GST_OBJECT (st->element),
                                                       st->messages->pdata[i]));
  send_events (st, fp);
  return carried;
}

void
ec_stream_eos (EcStream *st, const EcFrameProps *fp)
{
  if (st->engine == NULL)
    return;
  ec_objects_leave_all (st->objects);
  send_events (st, fp);
}
