/* edgeclassify: what the element remembers of each object
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

#include "edgeclassify-objects.h"

#include <stdlib.h>
#include <string.h>

/* Regions without ids: the least overlap (intersection over union) with
 * where an object is expected that still counts as the same object. */
#define IOU_MIN 0.3

/* A region and an object that overlap that much (association). */
typedef struct {
  gdouble iou;
  guint region, slot;
} Pair;

struct _EcObjects {
  EcObjectsParams p;
  gboolean configured;

  GPtrArray *slots;   /* EcObject, allocated on first use, reused */
  GArray *free;       /* of gint: slots not in use */
  GHashTable *by_id;  /* object_id (guint64 *) -> EcObject */
  GHashTable *by_roi; /* roi_id (gint *) -> EcObject, by_id objects only */
  gint head, tail;    /* least recently seen list: head newest */
  guint n_live;
  guint64 next_id;

  /* this frame */
  guint64 frame, pts;
  gint64 clock_us;
  GArray *pairs;  /* of Pair */
  GArray *events; /* of EcEvent */
};

EcObjects *
ec_objects_new (void)
{
  EcObjects *o = g_new0 (EcObjects, 1);

  o->slots = g_ptr_array_new ();
  o->free = g_array_new (FALSE, FALSE, sizeof (gint));
  o->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  o->by_roi = g_hash_table_new (g_int_hash, g_int_equal);
  o->pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  o->events = g_array_new (FALSE, FALSE, sizeof (EcEvent));
  o->head = o->tail = -1;
  o->next_id = 1;
  return o;
}

static void
slot_free (gpointer data)
{
  EcObject *obj = data;

  ec_result_clear (&obj->raw);
  g_free (obj->smooth.score);
  g_free (obj->smooth.ring);
  g_free (obj);
}

/* Forgets every object and frees their memory (their shape changes). */
static void
drop_slots (EcObjects *o)
{
  g_hash_table_remove_all (o->by_id);
  g_hash_table_remove_all (o->by_roi);
  for (guint i = 0; i < o->slots->len; i++)
    slot_free (o->slots->pdata[i]);
  g_ptr_array_set_size (o->slots, 0);
  g_array_set_size (o->free, 0);
  o->head = o->tail = -1;
  o->n_live = 0;
}

void
ec_objects_free (EcObjects *o)
{
  if (o == NULL)
    return;
  drop_slots (o);
  g_ptr_array_unref (o->slots);
  g_array_unref (o->free);
  g_hash_table_unref (o->by_id);
  g_hash_table_unref (o->by_roi);
  g_array_unref (o->pairs);
  g_array_unref (o->events);
  g_free (o);
}

gboolean
ec_objects_configure (EcObjects *o, const EcObjectsParams *p)
{
  const EcSmoothParams *a = &o->p.smooth, *b = &p->smooth;
  gboolean reshape = !o->configured || a->n_classes != b->n_classes
                     || a->kind != b->kind || a->window != b->window
                     || o->p.max_objects != p->max_objects;

  o->p = *p;
  o->configured = TRUE;
  if (reshape)
    drop_slots (o);
  return reshape;
}

static EcObject *
slot (EcObjects *o, gint i)
{
  return o->slots->pdata[i];
}

static gint
slot_index (EcObjects *o, EcObject *obj)
{
  return obj->index;
}

static void
list_unlink (EcObjects *o, EcObject *obj)
{
  if (obj->prev >= 0)
    slot (o, obj->prev)->next = obj->next;
  else
    o->head = obj->next;
  if (obj->next >= 0)
    slot (o, obj->next)->prev = obj->prev;
  else
    o->tail = obj->prev;
  obj->prev = obj->next = -1;
}

static void
list_push_head (EcObjects *o, gint i)
{
  EcObject *obj = slot (o, i);

  obj->prev = -1;
  obj->next = o->head;
  if (o->head >= 0)
    slot (o, o->head)->prev = i;
  o->head = i;
  if (o->tail < 0)
    o->tail = i;
}

/* Seen on this frame: to the head of the list. */
static void
touch (EcObjects *o, EcObject *obj)
{
  gint i = slot_index (o, obj);

  if (i != o->head) {
    list_unlink (o, obj);
    list_push_head (o, i);
  }
  obj->last_seen = o->frame;
  obj->last_seen_pts = o->pts;
  obj->last_seen_clock = o->clock_us;
}

static gdouble
ms_between (guint64 pts0, gint64 clock0, guint64 pts1, gint64 clock1)
{
  if (pts0 != G_MAXUINT64 && pts1 != G_MAXUINT64 && pts1 >= pts0)
    return (gdouble)(pts1 - pts0) / 1e6;
  return (gdouble)(clock1 - clock0) / 1e3;
}

static void
add_event (EcObjects *o, EcEventType type, EcObject *obj, gint previous,
           gdouble dwell_ms)
{
  EcEvent ev = { type,        obj->object_id,
                 obj->roi_id, obj->decision.label_id,
                 previous,    obj->decision.confidence,
                 dwell_ms,    o->pts,
                 o->frame };

  g_array_append_val (o->events, ev);
}

/* Drops a live object; its decision ends with a leave event. */
static void
forget (EcObjects *o, EcObject *obj)
{
  gint i = slot_index (o, obj);

  if (obj->decided && o->p.events)
    add_event (o, EC_EVENT_LEAVE, obj, obj->decision.label_id,
               ms_between (obj->since_pts, obj->since_clock, obj->last_seen_pts,
                           obj->last_seen_clock));
  list_unlink (o, obj);
  g_hash_table_remove (o->by_id, &obj->object_id);
  if (obj->by_id)
    g_hash_table_remove (o->by_roi, &obj->roi_id);
  obj->live = FALSE;
  g_array_append_val (o->free, i);
  o->n_live--;
}

void
ec_objects_reset (EcObjects *o)
{
  gboolean events = o->p.events;

  o->p.events = FALSE;
  while (o->head >= 0)
    forget (o, slot (o, o->head));
  o->p.events = events;
}

void
ec_objects_leave_all (EcObjects *o)
{
  while (o->tail >= 0)
    forget (o, slot (o, o->tail));
}

/* A new object: in a free slot, a new one, or the least recently seen
 * one's when max_objects are remembered (unless that one is on this very
 * frame: then none). */
static EcObject *
create (EcObjects *o, guint64 object_id, gint roi_id, gboolean by_id,
        const nn_rect *box)
{
  const EcSmoothParams *sp = &o->p.smooth;
  EcObject *obj;
  gint i;

  if (o->n_live >= o->p.max_objects) {
    if (o->tail < 0 || slot (o, o->tail)->last_seen == o->frame)
      return NULL;
    forget (o, slot (o, o->tail));
  }
  if (o->free->len > 0) {
    i = g_array_index (o->free, gint, o->free->len - 1);
    g_array_set_size (o->free, o->free->len - 1);
    obj = slot (o, i);
  } else {
    obj = g_new0 (EcObject, 1);
    ec_result_init (&obj->raw, sp->n_classes);
    obj->smooth.score = g_new0 (gfloat, ec_smooth_scores (sp));
    obj->smooth.ring = g_new0 (gint32, MAX (ec_smooth_ring (sp), 1));
    i = (gint)o->slots->len;
    obj->index = i;
    g_ptr_array_add (o->slots, obj);
  }
  obj->object_id = object_id;
  obj->roi_id = roi_id;
  obj->by_id = by_id;
  obj->box = *box;
  obj->dx = obj->dy = 0;
  obj->first_seen = o->frame;
  obj->has_result = FALSE;
  obj->decided = FALSE;
  obj->decision.label_id = -1;
  obj->decision.confidence = 0.0;
  ec_smooth_reset (&obj->smooth);
  obj->live = TRUE;
  o->n_live++;
  list_push_head (o, i);
  touch (o, obj);
  g_hash_table_insert (o->by_id, &obj->object_id, obj);
  if (by_id)
    g_hash_table_insert (o->by_roi, &obj->roi_id, obj);
  return obj;
}

void
ec_objects_begin (EcObjects *o, guint64 frame, guint64 pts)
{
  o->frame = frame;
  o->pts = pts;
  o->clock_us = g_get_monotonic_time ();
}

EcObject *
ec_objects_whole (EcObjects *o)
{
  static const nn_rect none = { 0, 0, 0, 0 };
  guint64 zero = 0;
  EcObject *obj = g_hash_table_lookup (o->by_id, &zero);

  if (obj == NULL)
    return create (o, 0, 0, FALSE, &none);
  touch (o, obj);
  return obj;
}

/* Seen again at @box: its motion, then where it is. */
static void
moved (EcObjects *o, EcObject *obj, const nn_rect *box)
{
  guint64 gap = o->frame - obj->last_seen;

  if (gap > 0) {
    obj->dx = (box->x - obj->box.x) / (gint)MIN (gap, 1000);
    obj->dy = (box->y - obj->box.y) / (gint)MIN (gap, 1000);
  }
  obj->box = *box;
  touch (o, obj);
}

static gdouble
iou (const nn_rect *a, const nn_rect *b)
{
  gint64 x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  gint64 x1 = MIN ((gint64)a->x + a->width, (gint64)b->x + b->width);
  gint64 y1 = MIN ((gint64)a->y + a->height, (gint64)b->y + b->height);
  gdouble inter, uni;

  if (x1 <= x0 || y1 <= y0)
    return 0.0;
  inter = (gdouble)(x1 - x0) * (gdouble)(y1 - y0);
  uni = (gdouble)a->width * a->height + (gdouble)b->width * b->height - inter;
  return uni > 0.0 ? inter / uni : 0.0;
}

static gint
pair_cmp (gconstpointer a, gconstpointer b)
{
  const Pair *x = a, *y = b;

  if (x->iou != y->iou)
    return x->iou > y->iou ? -1 : 1;
  if (x->region != y->region)
    return x->region < y->region ? -1 : 1;
  return x->slot < y->slot ? -1 : (x->slot > y->slot);
}

/* Whether region @i's id names it alone on this frame. */
static gboolean
id_usable (const gint *ids, guint n, guint i)
{
  if (ids[i] == 0)
    return FALSE;
  for (guint j = 0; j < n; j++)
    if (j != i && ids[j] == ids[i])
      return FALSE;
  return TRUE;
}

/* Regions no id has matched (without a usable id, or with an id this
 * element has not seen alone before): the pairs of (region, object
 * followed by overlap) that overlap enough, best first; each region and
 * object is taken once. */
static void
match_by_overlap (EcObjects *o, const nn_rect *boxes, const gint *ids, guint n,
                  EcObject **out)
{
  g_array_set_size (o->pairs, 0);
  for (guint s = 0; s < o->slots->len; s++) {
    EcObject *obj = slot (o, s);
    nn_rect expect;
    guint64 gap;

    if (!obj->live || obj->by_id || obj->object_id == 0
        || obj->last_seen == o->frame)
      continue;
    gap = MIN (o->frame - obj->last_seen, 1000);
    expect = obj->box;
    expect.x += obj->dx * (gint)gap;
    expect.y += obj->dy * (gint)gap;
    for (guint i = 0; i < n; i++) {
      Pair pair = { 0.0, i, s };

      if (out[i] != NULL)
        continue;
      pair.iou = iou (&expect, &boxes[i]);
      if (pair.iou >= IOU_MIN)
        g_array_append_val (o->pairs, pair);
    }
  }
  g_array_sort (o->pairs, pair_cmp);
  for (guint k = 0; k < o->pairs->len; k++) {
    Pair *pair = &g_array_index (o->pairs, Pair, k);
    EcObject *obj = slot (o, pair->slot);

    if (out[pair->region] != NULL || obj->last_seen == o->frame)
      continue;
    moved (o, obj, &boxes[pair->region]);
    out[pair->region] = obj;
  }
}

void
ec_objects_associate (EcObjects *o, const nn_rect *boxes, const gint *ids,
                      guint n, EcObject **out)
{
  for (guint i = 0; i < n; i++) {
    EcObject *obj = NULL;

    if (id_usable (ids, n, i))
      obj = g_hash_table_lookup (o->by_roi, &ids[i]);
    if (obj != NULL)
      moved (o, obj, &boxes[i]);
    out[i] = obj;
  }
  match_by_overlap (o, boxes, ids, n, out);
  /* An object followed by overlap whose region now has an id of its own
   * (its twin left, or the producer started numbering) keeps its identity
   * and is followed by that id from now on. */
  for (guint i = 0; i < n; i++)
    if (out[i] != NULL && !out[i]->by_id && id_usable (ids, n, i)) {
      out[i]->by_id = TRUE;
      out[i]->roi_id = ids[i];
      g_hash_table_insert (o->by_roi, &out[i]->roi_id, out[i]);
    }
  /* new objects last: making room must not drop one seen on this frame */
  for (guint i = 0; i < n; i++) {
    gboolean by_id = id_usable (ids, n, i);

    if (out[i] == NULL)
      out[i] = create (o, o->next_id, by_id ? ids[i] : 0, by_id, &boxes[i]);
    if (out[i] != NULL && out[i]->object_id == o->next_id)
      o->next_id++;
  }
}

EcObject *
ec_objects_find (EcObjects *o, guint64 object_id)
{
  return g_hash_table_lookup (o->by_id, &object_id);
}

void
ec_objects_update (EcObjects *o, EcObject *obj, const EcResult *raw,
                   const gfloat *probs, guint64 frame, guint64 pts,
                   gint64 clock_us)
{
  EcDecision d;
  gint previous = obj->decision.label_id;

  ec_result_copy (&obj->raw, raw);
  obj->has_result = TRUE;
  obj->res_frame = frame;
  obj->res_pts = pts;
  obj->res_clock = clock_us;

  ec_smooth_update (&o->p.smooth, &obj->smooth, probs, raw->label_id,
                    raw->confidence, &d);
  obj->decision = d;
  if (!obj->decided) {
    obj->decided = TRUE;
    obj->since_pts = o->pts;
    obj->since_clock = o->clock_us;
    if (o->p.events)
      add_event (o, EC_EVENT_ENTER, obj, -1, 0.0);
  } else if (d.label_id != previous) {
    gdouble dwell
        = ms_between (obj->since_pts, obj->since_clock, o->pts, o->clock_us);

    obj->since_pts = o->pts;
    obj->since_clock = o->clock_us;
    if (o->p.events)
      add_event (o, EC_EVENT_CHANGE, obj, previous, dwell);
  }
}

void
ec_objects_end (EcObjects *o)
{
  /* oldest first: the list is in the order objects were last seen */
  while (o->tail >= 0) {
    EcObject *obj = slot (o, o->tail);

    if (o->frame - obj->last_seen < o->p.timeout)
      break;
    forget (o, obj);
  }
}

const EcEvent *
ec_objects_events (EcObjects *o, guint *n)
{
  *n = o->events->len;
  return (const EcEvent *)o->events->data;
}

void
ec_objects_clear_events (EcObjects *o)
{
  g_array_set_size (o->events, 0);
}
