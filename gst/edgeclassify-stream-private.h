/* edgeclassify: the insides of EcStream, shared by its two files
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_STREAM_PRIVATE_H__
#define __EDGECLASSIFY_STREAM_PRIVATE_H__

#include "edgeclassify-objects.h"
#include "edgeclassify-scheduler.h"
#include "edgeclassify-stream.h"

#include <stdatomic.h>

G_BEGIN_DECLS

/* edgeclassify-stream.c: requests, results, their hand-over between the
 * streaming thread and the scheduler's workers, inference.
 * edgeclassify-regions.c: a frame's regions and their objects, which of
 * them are classified, the results and decisions they carry, events. */

/* A region of the current frame (streaming thread). */
typedef struct {
  nn_rect rect;                       /* clipped to the frame; empty: outside */
  nn_rect box;                        /* as the producer gave it */
  gint roi_id;                        /* the producer's id (0: none) */
  GstVideoRegionOfInterestMeta *meta; /* roi-list; NULL: full frame */
  EcObject *obj;                      /* NULL: no room to remember it */
} Region;

/* The preprocessed regions of one frame, for a worker to classify. */
typedef struct {
  guint n, cap;
  float *tensors; /* cap x floats */
  nn_rect *rects;
  guint64 *keys; /* object ids */
  guint64 frame, pts;
  gint64 clock_us; /* monotonic, when submitted */
  gdouble pre_us;  /* preprocessing, in the streaming thread */
  guint top_k;
  gdouble threshold;
  gboolean want_probs; /* every class's probability, for ema */
  guint gen;
} Request;

/* Results of one frame's regions. */
typedef struct {
  guint n, cap, n_classes;
  EcResult *r;
  guint64 *keys; /* object ids */
  gboolean *ok;  /* region classified (inside the frame) */
  float *probs;  /* cap x n_classes, when has_probs */
  gboolean has_probs;
  guint64 frame, pts;
  gint64 clock_us;   /* monotonic, when the frame was taken */
  gdouble run_us;    /* preprocessing + model run */
  gdouble queued_us; /* the wait for a turn */
  guint gen;
  guint64 seq; /* which publication (a set is applied once) */
  gboolean valid;
} ResultSet;

/* Hand-over between two threads without a lock (edgeclassify-stream.c). */
#define FRESH 4
typedef struct {
  atomic_int middle; /* index, | FRESH when the writer put a new one */
  gint mine_w, mine_r;
} Triple;

struct _EcStream {
  GstElement *element; /* not owned */
  EcClient *client;
  EcStats *stats;
  gsize floats; /* of one input, for the engine */
  atomic_uint gen;
  atomic_ullong seq; /* of the last result set published */

  /* Written by the streaming thread only while no inference runs
   * (ec_client_cancel first), read by whoever runs one. */
  EcEngine *engine;

  /* streaming thread -> inference (worker, or the streaming thread itself
   * in sync mode, holding the scheduler's slots) */
  Request req[3];
  Triple req_hand;
  /* inference -> streaming thread */
  ResultSet res[3];
  Triple res_hand;

  /* The reader side of res_hand (taking results, reading them) and the
   * engine pointer: the streaming thread and last-result both read */
  GMutex json_lock;

  /* when a worker last took a request (monotonic µs; atomic) */
  atomic_llong last_take;

  /* a failed inference, for the streaming thread to post */
  GMutex err_lock;
  atomic_int failed;
  EcError async_err;

  /* streaming thread */
  GArray *regions; /* of Region */
  GArray *due;     /* of guint: the regions classified on this frame */
  GArray *boxes;   /* of nn_rect, ids of gint, objs of EcObject *: */
  GArray *ids;     /* scratch of the association */
  GArray *objs;
  EcObjects *objects;
  guint64 applied_seq; /* the last result set the objects took */
  gchar *stream_id;
  GPtrArray *messages;
  guint64 frames;
  guint since_run;
  gboolean ran_once;
  guint64 last_run_pts;
  gint64 last_run_clock;
  guint64 last_pts; /* of the previous frame, for the frame gap */
  gint64 seen_take; /* last_take when the streaming thread last looked */
  gdouble turn_us;  /* average time between two takes (0: none yet) */
  guint configured_threads;
  gdouble configured_priority, configured_rate;
};

/* edgeclassify-stream.c */
gboolean ec_stream_take_results_locked (EcStream *st);
const ResultSet *ec_stream_front_set (EcStream *st);

/* edgeclassify-regions.c */
void ec_regions_init (EcStream *st);
void ec_regions_clear (EcStream *st);
/* The frame's regions, their objects, and which are due (st->due). */
void ec_regions_collect (EcStream *st, GstBuffer *buf, const nn_image *img,
                         const EcFrameProps *fp, guint64 pts);
/* Takes the newest results, attaches what each region's object knows,
 * drops objects unseen too long, posts messages and events. Whether the
 * frame carries a result, and its age. */
gboolean ec_regions_attach (EcStream *st, GstBuffer *buf,
                            const EcFrameProps *fp, guint64 pts,
                            gdouble *age_ms_out);

G_END_DECLS
#endif /* __EDGECLASSIFY_STREAM_PRIVATE_H__ */
