/* edgeclassify: what the element remembers of each object
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_OBJECTS_H__
#define __EDGECLASSIFY_OBJECTS_H__

#include "edgeclassify-engine.h"
#include "edgeclassify-smooth.h"

G_BEGIN_DECLS

/* The objects of one stream and what is known of each: its newest result,
 * its smoothed decision, where it was last seen. The whole frame is one
 * object (id 0) in full-frame mode; in roi-list mode each upstream region
 * is one: by its id when the producer gives regions ids (non-zero and
 * distinct within the frame), else by overlap with where the objects of
 * earlier frames were (moved on by their last motion). The element
 * numbers objects itself, from 1, never twice in one run.
 *
 * Bounded: at most max_objects; a new object past that replaces the one
 * seen least recently; an object unseen for timeout frames is dropped.
 * Each drop ends its decision ("leave").
 *
 * Streaming thread only. Memory grows to the most objects seen at once
 * (at most max_objects) and is then reused: no allocation per frame. */

typedef struct {
  EcSmoothParams smooth;
  guint max_objects; /* >= 1 */
  guint timeout;     /* frames unseen before an object is dropped, >= 1 */
  gboolean events;   /* decisions start, change and end as events */
} EcObjectsParams;

typedef enum {
  EC_EVENT_ENTER,
  EC_EVENT_CHANGE,
  EC_EVENT_LEAVE,
} EcEventType;

/* A decision that started, changed or ended. */
typedef struct {
  EcEventType type;
  guint64 object_id;
  gint roi_id;        /* the upstream region's id; 0: none (full frame) */
  gint label_id;      /* the decision (leave: the one that ended) */
  gint previous_id;   /* the decision before (enter: none) */
  gdouble confidence; /* of the decision */
  gdouble dwell_ms;   /* how long the previous decision held (enter: 0) */
  guint64 pts;        /* of the frame where it happened; G_MAXUINT64 */
  guint64 frame;      /* index of that frame */
} EcEvent;

typedef struct {
  guint64 object_id;
  gint roi_id;    /* upstream id, 0 when the producer gave none */
  gboolean by_id; /* associated by roi_id, else by overlap */
  nn_rect box;    /* where it was last seen (as the producer gave it) */
  gint dx, dy;    /* its last motion, pixels a frame */
  guint64 first_seen, last_seen; /* frame indices */
  guint64 last_seen_pts;
  gint64 last_seen_clock;

  /* its newest result (raw), and what frame it was computed on */
  gboolean has_result;
  EcResult raw;
  guint64 res_frame, res_pts;
  gint64 res_clock;

  /* the decision, and since when it holds */
  EcSmoothState smooth;
  EcDecision decision;
  gboolean decided;
  guint64 since_pts;
  gint64 since_clock;

  /* bookkeeping */
  gint index;      /* its slot */
  gint prev, next; /* least recently seen list (slot indices; -1: end) */
  gboolean live, seen_now;
} EcObject;

typedef struct _EcObjects EcObjects;

EcObjects *ec_objects_new (void);
void ec_objects_free (EcObjects *o);

/* Takes @p; when it changes what an object holds (classes, smoothing,
 * window, max_objects), every object is forgotten. TRUE when that
 * happened. */
gboolean ec_objects_configure (EcObjects *o, const EcObjectsParams *p);
/* Forgets every object, without events (flush, seek, caps, model). */
void ec_objects_reset (EcObjects *o);

/* A frame starts: @frame its index, @pts (G_MAXUINT64: none). */
void ec_objects_begin (EcObjects *o, guint64 frame, guint64 pts);
/* The whole frame's object. */
EcObject *ec_objects_whole (EcObjects *o);
/* The objects of this frame's @n regions (@boxes as the producer gave
 * them, @ids the producer's ids) into @out. Objects replaced to make room
 * end with a leave event. */
void ec_objects_associate (EcObjects *o, const nn_rect *boxes, const gint *ids,
                           guint n, EcObject **out);
/* The object numbered @object_id, NULL when it is gone. */
EcObject *ec_objects_find (EcObjects *o, guint64 object_id);
/* A fresh result for @obj (@probs: n_classes probabilities, for ema),
 * computed on frame @frame: smooths, and adds an event when the decision
 * starts or changes. */
void ec_objects_update (EcObjects *o, EcObject *obj, const EcResult *raw,
                        const gfloat *probs, guint64 frame, guint64 pts,
                        gint64 clock_us);
/* The frame ends: objects unseen for timeout frames leave. */
void ec_objects_end (EcObjects *o);
/* Every object leaves (end of stream), and is forgotten. */
void ec_objects_leave_all (EcObjects *o);

/* The events since the last ec_objects_clear_events(), in order. */
const EcEvent *ec_objects_events (EcObjects *o, guint *n);
void ec_objects_clear_events (EcObjects *o);

G_END_DECLS
#endif /* __EDGECLASSIFY_OBJECTS_H__ */
