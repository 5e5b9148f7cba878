/* edgeclassify: one loaded classifier (model, labels, session, scratch)
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_ENGINE_H__
#define __EDGECLASSIFY_ENGINE_H__

#include "edgeclassify-adapter.h"
#include "edgeclassify-cache.h"

#include <nn/postprocess.h>

G_BEGIN_DECLS
#define EC_AUTO (-1)
/* What the element's properties say about the model; copied under the
 * object lock, then used without it. */
typedef struct {
  gchar *model_path;  /* NULL: the built-in model */
  gchar *labels_path; /* NULL: the model's own labels */
  gint color;         /* EC_AUTO or nn_color */
  gint resize_mode;   /* EC_AUTO or nn_resize_mode */
  gdouble scale;      /* 0: from the model */
  gchar *mean;        /* NULL: from the model */
  gchar *std;         /* NULL: from the model */
  gint threads;
} EcSettings;

void ec_settings_copy (EcSettings *dst, const EcSettings *src);
void ec_settings_clear (EcSettings *s);

/* One classification. Arrays are preallocated for every class. */
typedef struct {
  guint n; /* entries used in ids/confs (top-k) */
  gint *ids;
  gdouble *confs;
  gint label_id; /* -1 under the threshold ("unknown") */
  gdouble confidence;
  gint x, y, width, height; /* classified region, frame pixels */
  gdouble inference_us;     /* preprocessing + model run */
} EcResult;

void ec_result_init (EcResult *r, guint n_classes);
void ec_result_clear (EcResult *r);
/* Both initialised for the same number of classes. */
void ec_result_copy (EcResult *dst, const EcResult *src);

typedef struct {
  EcCachedModel *cached;
  nn_model *model; /* borrowed from cached */
  gchar *name;     /* "model" field of results */
  guint n_classes;
  nn_postprocess *post; /* softmax, top-k, threshold, labels */
  GQuark *quarks;       /* of the labels */
  gboolean logits;      /* outputs need a softmax (for the log) */
  nn_preprocess_params params;
  gint channels;

  nn_session *session;
  float *input;        /* in the session arena */
  const float *output; /* in the session arena */
  nn_class_score *top; /* n_classes, post-processing results */

  nn_preprocessor *pp; /* planned for pp_width x pp_height */
  gint pp_width, pp_height;

  /* Results, written by the streaming thread only. The slots are also read
   * by other threads (last-result) under the lock given to the calls. */
  EcResult scratch;   /* the result being computed */
  EcResult *slots;    /* last inference, one per region */
  guint n_slots;      /* allocated (grows, never shrinks) */
  guint n_valid;      /* slots filled by the last inference */
  guint64 last_frame; /* frame and PTS of the last inference */
  guint64 last_pts;
} EcEngine;

/* Loads (or shares) the model, reads its hints and labels, creates the
 * session. Blocks; call without the object lock. */
EcEngine *ec_engine_new (const EcSettings *s, EcError *err);

/* Plans the preprocessing for frames of @width x @height. Allocates. */
gboolean ec_engine_plan (EcEngine *e, gint width, gint height, EcError *err);

/* Classifies @roi (NULL: whole image) of @img into @res. Allocates
 * nothing but on failure. FALSE with @err set on failure; a region wholly
 * outside the image gives FALSE with only err->status = NN_INVALID_ARG. */
gboolean ec_engine_classify (EcEngine *e, const nn_image *img,
                             const nn_rect *roi, guint top_k, gdouble threshold,
                             EcResult *res, EcError *err);

/* Starts the results of a new inference (frame @frame, @pts). */
void ec_engine_begin_frame (EcEngine *e, GMutex *lock, guint64 frame,
                            guint64 pts);

/* Stores @res (NULL: region skipped) as the result of region @idx. Only
 * allocates when a frame has more regions than any frame before. */
void ec_engine_publish (EcEngine *e, GMutex *lock, guint idx,
                        const EcResult *res);

/* Last result of region @idx, NULL if none. Streaming thread only. */
EcResult *ec_engine_slot (EcEngine *e, guint idx);

const gchar *ec_engine_label (const EcEngine *e, gint id);
GQuark ec_engine_quark (const EcEngine *e, gint id);

void ec_engine_free (EcEngine *e);

G_END_DECLS
#endif /* __EDGECLASSIFY_ENGINE_H__ */
