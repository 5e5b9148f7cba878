/* edgeclassify: one loaded classifier (model, labels, session)
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

#include "edgeclassify-engine.h"
#include "edgeclassify-scheduler.h"

#include <math.h>
#include <string.h>

#include <nn/hints.h>
#include <nn/postprocess.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

/* models/fashion-mnist/model.onnx, compiled in (gst/embed-model.py) */
extern const unsigned char ec_builtin_model[];
extern const gsize ec_builtin_model_size;
#define EC_BUILTIN_NAME "builtin:fashion-mnist"

void
ec_settings_copy (EcSettings *dst, const EcSettings *src)
{
  *dst = *src;
  dst->model_path = g_strdup (src->model_path);
  dst->labels_path = g_strdup (src->labels_path);
  dst->mean = g_strdup (src->mean);
  dst->std = g_strdup (src->std);
}

void
ec_settings_clear (EcSettings *s)
{
  g_clear_pointer (&s->model_path, g_free);
  g_clear_pointer (&s->labels_path, g_free);
  g_clear_pointer (&s->mean, g_free);
  g_clear_pointer (&s->std, g_free);
}

void
ec_result_init (EcResult *r, guint n_classes)
{
  memset (r, 0, sizeof (*r));
  r->ids = g_new0 (gint, n_classes);
  r->confs = g_new0 (gdouble, n_classes);
  r->label_id = -1;
}

void
ec_result_clear (EcResult *r)
{
  g_clear_pointer (&r->ids, g_free);
  g_clear_pointer (&r->confs, g_free);
  r->n = 0;
}

void
ec_result_copy (EcResult *dst, const EcResult *src)
{
  gint *ids = dst->ids;
  gdouble *confs = dst->confs;

  *dst = *src;
  dst->ids = ids;
  dst->confs = confs;
  memcpy (ids, src->ids, src->n * sizeof (gint));
  memcpy (confs, src->confs, src->n * sizeof (gdouble));
}

/* A mean or std property: 1 or 3 numbers (3 only for colour models). */
static gboolean
ec_parse_channels (const gchar *name, const gchar *text, gint channels,
                   gboolean nonzero, float out[3], EcError *err)
{
  float v[3];
  gint n = nn_parse_float_list (text, v, 3);

  if (n != 1 && n != 3)
    goto invalid;
  if (n == 3 && channels == 1)
    goto invalid;
  for (gint c = 0; c < 3; c++) {
    out[c] = v[n == 1 ? 0 : c];
    if (nonzero && !(out[c] != 0.0f))
      goto invalid;
  }
  return TRUE;

  /* ERRORS */
invalid : {
  ec_error_set (err, NN_INVALID_ARG, EC_WHAT_SETTINGS, name,
                "%s \"%s\": expected %s%s comma-separated number%s", name, text,
                channels == 1 ? "1" : "1 or 3", nonzero ? " nonzero" : "",
                channels == 1 ? "" : "s");
  return FALSE;
}
}

static const gchar *
ec_color_name (nn_color color)
{
  return color == NN_COLOR_GRAY  ? "gray"
         : color == NN_COLOR_RGB ? "rgb"
                                 : "bgr";
}

/* e->params from the model's metadata_props (nn/hints.h), the way the
 * tools read them too, then the property overrides. */
static gboolean
ec_engine_read_hints (EcEngine *e, const EcSettings *s, const nn_hints *hints,
                      gint in_w, gint in_h, EcError *err)
{
  nn_error nerr = { NN_OK, "" };
  nn_hints h = *hints; /* shallow: only the colour may change */
  nn_status status;

  /* colour: the property, else the model's hint, else the channel count */
  if (s->color != EC_AUTO) {
    nn_color color = (nn_color)s->color;

    if ((color == NN_COLOR_GRAY) != (e->channels == 1)) {
      ec_error_set (err, NN_INVALID_ARG, EC_WHAT_SETTINGS, "color",
                    "color=%s does not fit the model's %d input channel%s",
                    ec_color_name (color), e->channels,
                    e->channels > 1 ? "s" : "");
      return FALSE;
    }
    h.has_color = 1;
    h.color = color;
  }
  status = nn_hints_preprocess_params (&h, e->channels, in_w, in_h, &e->params,
                                       &nerr);
  if (status != NN_OK) {
    ec_error_set (err, status, EC_WHAT_MODEL, s->model_path, "%s",
                  nerr.message);
    return FALSE;
  }
  if (s->resize_mode != EC_AUTO)
    e->params.mode = (nn_resize_mode)s->resize_mode;
  if (s->scale > 0.0)
    e->params.scale = (float)s->scale;
  if (s->mean != NULL
      && !ec_parse_channels ("mean", s->mean, e->channels, FALSE,
                             e->params.mean, err))
    return FALSE;
  if (s->std != NULL
      && !ec_parse_channels ("std", s->std, e->channels, TRUE, e->params.std,
                             err))
    return FALSE;
  return TRUE;
}

/* e->post and e->quarks: the labels file, else the model's labels, else
 * the class numbers; softmax when the model says its outputs are logits. */
static gboolean
ec_engine_setup_post (EcEngine *e, const EcSettings *s, const nn_hints *hints,
                      EcError *err)
{
  nn_error nerr = { NN_OK, "" };
  nn_postprocess_options opts;
  nn_status status;
  char **labels = NULL;
  size_t n = 0;

  nn_postprocess_options_from_hints (hints, &opts);
  if (s->labels_path != NULL) {
    status = nn_labels_load_file (s->labels_path, &labels, &n, &nerr);
    if (status != NN_OK) {
      /* a malformed file is a corrupt resource */
      ec_error_set (err, status == NN_INVALID_ARG ? NN_BAD_MODEL : status,
                    EC_WHAT_LABELS, s->labels_path, "%s", nerr.message);
      return FALSE;
    }
    if (n != e->n_classes) {
      ec_error_set (err, NN_SHAPE, EC_WHAT_LABELS, s->labels_path,
                    "%" G_GSIZE_FORMAT " labels, the model has %u classes", n,
                    e->n_classes);
      nn_labels_free (labels, n);
      return FALSE;
    }
    opts.labels = (const char *const *)labels;
    opts.n_labels = n;
  } else if (opts.labels != NULL && opts.n_labels != e->n_classes) {
    ec_error_set (err, NN_BAD_MODEL, EC_WHAT_MODEL, s->model_path,
                  "%s has %" G_GSIZE_FORMAT " labels for %u classes",
                  NN_HINT_LABELS, opts.n_labels, e->n_classes);
    return FALSE;
  }
  status = nn_postprocess_create (e->n_classes, &opts, &e->post, &nerr);
  nn_labels_free (labels, n);
  if (status != NN_OK) {
    ec_error_set (err, status, EC_WHAT_MODEL, s->model_path, "%s",
                  nerr.message);
    return FALSE;
  }
  e->logits = opts.logits;
  e->quarks = g_new0 (GQuark, e->n_classes);
  for (guint i = 0; i < e->n_classes; i++)
    e->quarks[i]
        = g_quark_from_string (nn_postprocess_label (e->post, (gint)i));
  return TRUE;
}

EcEngine *
ec_engine_new (const EcSettings *s, EcError *err)
{
  EcEngine *e = g_new0 (EcEngine, 1);
  const nn_tensor_info *in, *out;
  nn_session_options sopts = {
    0,
  };
  nn_input_shape shape = { NULL, 0, { 0 } };
  nn_error nerr = { NN_OK, "" };
  nn_status status;
  gint in_w, in_h;
  const gchar *what_path = s->model_path;
  nn_hints hints;

  nn_hints_init (&hints);

  if (s->model_path != NULL) {
    e->cached = ec_model_cache_acquire_file (s->model_path, err);
    e->name = g_strdup (s->model_path);
  } else {
    e->cached = ec_model_cache_acquire_memory (
        EC_BUILTIN_NAME, ec_builtin_model, ec_builtin_model_size, err);
    e->name = g_strdup (EC_BUILTIN_NAME);
  }
  if (e->cached == NULL)
    goto failed;
  e->model = ec_cached_model_get (e->cached);

  /* Loaded without NN_LOAD_GENERAL, a model has exactly one image input
   * [N, C, H, W] with C 1 or 3, and at least one output: nn refuses any
   * other (nn/onnx.c, check_image_input), with the reason in its error. */
  in = nn_model_input (e->model, 0);
  e->channels = (gint)in->dims[1];

  status = nn_hints_from_model (e->model, &hints, &nerr);
  if (status != NN_OK)
    goto hints_failed;

  /* The input size: the property, else the model's own, else its hint,
   * else 224x224; binding symbolic sides when the model has them. */
  sopts.batch = 1;
  sopts.threads = s->threads;
  sopts.thread_init = ec_scheduler_helper_init;
  e->threads = MAX (s->threads, 1);
  nn_hints_input_size (&hints, s->input_width, s->input_height, in->dims[3],
                       in->dims[2], &in_w, &in_h);
  shape.ndim = 4;
  shape.dims[0] = 1;
  shape.dims[1] = e->channels;
  shape.dims[2] = in_h;
  shape.dims[3] = in_w;
  if (s->input_width > 0 || in->dims[2] < 0 || in->dims[3] < 0) {
    sopts.shapes = &shape;
    sopts.n_shapes = 1;
  }
  status = nn_session_create (e->model, &sopts, &e->session, &nerr);
  if (status != NN_OK)
    goto session_failed;
  out = nn_session_output_info (e->session, 0);
  e->n_classes
      = (guint)(out->count
                / (size_t)nn_session_input_info (e->session, 0)->dims[0]);
  if (e->n_classes == 0)
    goto no_classes;

  if (!ec_engine_read_hints (e, s, &hints, in_w, in_h, err)
      || !ec_engine_setup_post (e, s, &hints, err))
    goto failed;
  nn_hints_clear (&hints);

  e->input = nn_session_input (e->session, 0);
  e->output = nn_session_output (e->session, 0);
  e->top = g_new0 (nn_class_score, e->n_classes);

  GST_INFO ("model %s: %dx%dx%d in, %u classes, %s out", e->name, e->channels,
            in_h, in_w, e->n_classes, e->logits ? "logits" : "probabilities");
  return e;

  /* ERRORS */
no_classes : {
  ec_error_set (err, NN_UNSUPPORTED, EC_WHAT_MODEL, what_path,
                "output has no classes");
  goto failed;
}
hints_failed : {
  ec_error_set (err, status, EC_WHAT_MODEL, what_path, "%s", nerr.message);
  goto failed;
}
session_failed : {
  /* a size the model cannot take is the property's fault */
  if (s->input_width > 0 && (status == NN_SHAPE || status == NN_INVALID_ARG))
    ec_error_set (err, NN_INVALID_ARG, EC_WHAT_SETTINGS, "input-size",
                  "input-size %dx%d does not fit the model: %s", s->input_width,
                  s->input_height, nerr.message);
  else
    ec_error_set (err, status, EC_WHAT_MODEL, what_path, "session: %s",
                  nerr.message);
  goto failed;
}
failed : {
  nn_hints_clear (&hints);
  ec_engine_free (e);
  return NULL;
}
}

gboolean
ec_engine_plan (EcEngine *e, gint width, gint height, EcError *err)
{
  nn_error nerr = { NN_OK, "" };
  nn_status status;
  nn_preprocessor *pp = NULL;

  if (e->pp != NULL && e->pp_width == width && e->pp_height == height)
    return TRUE;

  status = nn_preprocessor_create (&e->params, width, height, &pp, &nerr);
  if (status != NN_OK) {
    ec_error_set (err, status, EC_WHAT_CAPS, NULL,
                  "preprocessing %dx%d -> %dx%d: %s", width, height,
                  e->params.out_width, e->params.out_height, nerr.message);
    return FALSE;
  }
  if (nn_preprocessor_channels (pp) != e->channels) {
    ec_error_set (err, NN_SHAPE, EC_WHAT_CAPS, NULL,
                  "preprocessing gives %d channels, the model takes %d",
                  nn_preprocessor_channels (pp), e->channels);
    nn_preprocessor_free (pp);
    return FALSE;
  }
  nn_preprocessor_free (e->pp);
  e->pp = pp;
  e->pp_width = width;
  e->pp_height = height;
  return TRUE;
}

gboolean
ec_engine_clip (const nn_image *img, const nn_rect *roi, nn_rect *out)
{
  if (roi != NULL) {
    gint x0 = CLAMP (roi->x, 0, img->width);
    gint y0 = CLAMP (roi->y, 0, img->height);
    gint x1 = CLAMP ((gint64)roi->x + roi->width, 0, img->width);
    gint y1 = CLAMP ((gint64)roi->y + roi->height, 0, img->height);

    out->x = x0;
    out->y = y0;
    out->width = x1 - x0;
    out->height = y1 - y0;
  } else {
    out->x = out->y = 0;
    out->width = img->width;
    out->height = img->height;
  }
  return out->width > 0 && out->height > 0;
}

gsize
ec_engine_input_floats (const EcEngine *e)
{
  return (gsize)e->channels * e->params.out_width * e->params.out_height;
}

gboolean
ec_engine_preprocess (EcEngine *e, const nn_image *img, const nn_rect *rect,
                      float *dst, EcError *err)
{
  nn_error nerr = { NN_OK, "" };
  nn_status status
      = nn_preprocess (e->pp, img, rect, dst ? dst : e->input, NULL, &nerr);

  if (status != NN_OK) {
    ec_error_set (err, status == NN_INVALID_ARG ? NN_INTERNAL : status,
                  EC_WHAT_INFERENCE, NULL, "preprocess: %s", nerr.message);
    return FALSE;
  }
  return TRUE;
}

gboolean
ec_engine_infer (EcEngine *e, const float *input, guint top_k,
                 gdouble threshold, EcResult *res, EcError *err)
{
  nn_error nerr = { NN_OK, "" };
  nn_classification cls;
  nn_status status;

  if (input != NULL)
    memcpy (e->input, input, ec_engine_input_floats (e) * sizeof (float));
  status = nn_session_run (e->session, &nerr);
  if (status != NN_OK) {
    ec_error_set (err, status, EC_WHAT_INFERENCE, NULL, "run: %s",
                  nerr.message);
    return FALSE;
  }
  cls.top = e->top;
  cls.capacity = e->n_classes;
  status
      = nn_postprocess_run (e->post, e->output, top_k, threshold, &cls, &nerr);
  if (status != NN_OK) {
    ec_error_set (err, NN_INTERNAL, EC_WHAT_INFERENCE, NULL, "postprocess: %s",
                  nerr.message);
    return FALSE;
  }
  for (guint k = 0; k < cls.n; k++) {
    res->ids[k] = e->top[k].id;
    res->confs[k] = e->top[k].score;
  }
  res->n = (guint)cls.n;
  res->confidence = cls.confidence;
  res->label_id = cls.label_id;
  return TRUE;
}

const gchar *
ec_engine_label (const EcEngine *e, gint id)
{
  return nn_postprocess_label (e->post, id);
}

GQuark
ec_engine_quark (const EcEngine *e, gint id)
{
  if (id < 0 || (guint)id >= e->n_classes)
    return g_quark_from_static_string ("unknown");
  return e->quarks[id];
}

void
ec_engine_free (EcEngine *e)
{
  if (e == NULL)
    return;
  nn_preprocessor_free (e->pp);
  nn_session_free (e->session);
  ec_model_cache_release (e->cached);
  nn_postprocess_free (e->post);
  g_free (e->quarks);
  g_free (e->top);
  g_free (e->name);
  g_free (e);
}
