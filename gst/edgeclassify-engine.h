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
  gint input_width, input_height; /* 0: the model's, its hint, or 224 */
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
  guint threads; /* per inference: slots it takes on the scheduler */

  nn_session *session;
  float *input;        /* in the session arena */
  const float *output; /* in the session arena */
  nn_class_score *top; /* n_classes, post-processing results */

  nn_preprocessor *pp; /* planned for pp_width x pp_height; used by the
                        * streaming thread only */
  gint pp_width, pp_height;
} EcEngine;

/* Loads (or shares) the model, reads its hints and labels, creates the
 * session. Blocks; call without the object lock. */
EcEngine *ec_engine_new (const EcSettings *s, EcError *err);

/* Plans the preprocessing for frames of @width x @height. Allocates. */
gboolean ec_engine_plan (EcEngine *e, gint width, gint height, EcError *err);

/* @roi (NULL: the whole image) clipped to @img into @out; FALSE when
 * nothing is left. */
gboolean ec_engine_clip (const nn_image *img, const nn_rect *roi, nn_rect *out);

/* Floats of one preprocessed input (C x H x W). */
gsize ec_engine_input_floats (const EcEngine *e);

/* Preprocesses @rect (clipped) of @img into @dst (NULL: the session's own
 * input). Streaming thread only (the preprocessor is planned there). */
gboolean ec_engine_preprocess (EcEngine *e, const nn_image *img,
                               const nn_rect *rect, float *dst, EcError *err);

/* Runs the model on @input (NULL: what is already in the session input)
 * and post-processes into @res (top-k, label id, confidence). One thread
 * at a time (the scheduler's slots guarantee it). Allocates nothing. */
gboolean ec_engine_infer (EcEngine *e, const float *input, guint top_k,
                          gdouble threshold, EcResult *res, EcError *err);

const gchar *ec_engine_label (const EcEngine *e, gint id);
GQuark ec_engine_quark (const EcEngine *e, gint id);

void ec_engine_free (EcEngine *e);

G_END_DECLS
#endif /* __EDGECLASSIFY_ENGINE_H__ */
