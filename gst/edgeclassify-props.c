/* edgeclassify: the element's properties
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

#include "edgeclassify-props.h"

#include <nn/hints.h>

#include <math.h>
#include <stdarg.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

#define DEFAULT_TOP_K 1
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_REGION EC_REGION_FULL_FRAME
#define DEFAULT_THREADS 1
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_MODE EC_MODE_AUTO
#define DEFAULT_PRIORITY 1.0
#define DEFAULT_MAX_RATE 0.0
#define DEFAULT_STATS_INTERVAL 0.0

/* Property names by id, for the messages (filled by ec_props_install) */
static const gchar *prop_names[PROP_N];

#define EC_TYPE_REGION (ec_region_get_type ())
#define EC_TYPE_RESIZE_MODE (ec_resize_mode_get_type ())
#define EC_TYPE_COLOR (ec_color_get_type ())
#define EC_TYPE_MODE (ec_mode_get_type ())

static GType
ec_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[]
      = { { EC_MODE_AUTO,
            "async when the pipeline is live (LATENCY query), else sync",
            "auto" },
          { EC_MODE_SYNC, "Each frame waits for its own result", "sync" },
          { EC_MODE_ASYNC,
            "Frames leave at once with the newest result; inference runs "
            "in the background on the newest frame",
            "async" },
          { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
                       g_enum_register_static ("GstEdgeClassifyMode", values));
  return type;
}

static GType
ec_region_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[]
      = { { EC_REGION_FULL_FRAME,
            "Classify the whole frame (or the roi property)", "full-frame" },
          { EC_REGION_ROI_LIST, "Classify each upstream region of interest",
            "roi-list" },
          { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstEdgeClassifyRegion", values));
  return type;
}

static GType
ec_resize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[]
      = { { EC_AUTO, "As the model says (edgeclassify.resize), else stretch",
            "auto" },
          { NN_RESIZE_STRETCH, "Fill the model input, aspect ratio lost",
            "stretch" },
          { NN_RESIZE_LETTERBOX, "Fit inside the model input, pad the rest",
            "letterbox" },
          { NN_RESIZE_CENTER_CROP, "Fill the model input, crop the overflow",
            "center-crop" },
          { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstEdgeClassifyResizeMode", values));
  return type;
}

static GType
ec_color_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[]
      = { { EC_AUTO,
            "As the model says (edgeclassify.color), else from its "
            "channel count",
            "auto" },
          { NN_COLOR_GRAY, "Luma, one channel", "gray" },
          { NN_COLOR_RGB, "Red, green, blue channels", "rgb" },
          { NN_COLOR_BGR, "Blue, green, red channels", "bgr" },
          { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
                       g_enum_register_static ("GstEdgeClassifyColor", values));
  return type;
}

static void
ec_install (GObjectClass *klass, guint prop_id, GParamSpec *pspec)
{
  prop_names[prop_id] = g_param_spec_get_name (pspec);
  g_object_class_install_property (klass, prop_id, pspec);
}

void
ec_props_install (GObjectClass *klass)
{
  const GParamFlags rw
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  /**
   * GstEdgeClassify:model:
   *
   * Path of the ONNX model. Unset: the built-in Fashion-MNIST model (when
   * this build has one; otherwise the property is required). Loaded when
   * the element goes from READY to PAUSED; instances using the same file
   * share one loaded copy. Setting it while PLAYING loads the new model in
   * the calling thread (which blocks) and switches to it at the next frame;
   * if that load fails the current model keeps running and a warning is
   * posted.
   */
  ec_install (klass, PROP_MODEL,
              g_param_spec_string (
                  "model", "Model",
                  "ONNX model file (unset: the built-in Fashion-MNIST model)",
                  NULL, rw));

  /**
   * GstEdgeClassify:labels:
   *
   * Path of a labels file, one label per line, as many lines as the model
   * has classes. Unset: the labels in the model's metadata
   * (edgeclassify.labels), else the class numbers.
   */
  ec_install (
      klass, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
                           "Labels file, one per line (unset: from the model)",
                           NULL, rw));

  /**
   * GstEdgeClassify:top-k:
   *
   * How many of the best classes each result lists (top_labels, top_ids,
   * top_confidences); at most the model's class count.
   */
  ec_install (klass, PROP_TOP_K,
              g_param_spec_uint ("top-k", "Top K",
                                 "Number of best classes listed per result", 1,
                                 1000, DEFAULT_TOP_K, rw));

  /**
   * GstEdgeClassify:threshold:
   *
   * Below this top-1 confidence the result's label is "unknown" and its
   * label_id -1 (the top lists still hold the model's best guesses).
   */
  ec_install (klass, PROP_THRESHOLD,
              g_param_spec_double (
                  "threshold", "Threshold",
                  "Minimum top-1 confidence for a label (else \"unknown\")",
                  0.0, 1.0, DEFAULT_THRESHOLD, rw));

  /**
   * GstEdgeClassify:inference-interval:
   *
   * Run the model on one frame in this many. The frames in between carry
   * the last result again, marked stale=true.
   */
  ec_install (
      klass, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint (
          "inference-interval", "Inference interval",
          "Classify one frame in N; the others repeat the last result as "
          "stale",
          1, G_MAXUINT, DEFAULT_INTERVAL, rw));

  /**
   * GstEdgeClassify:inference-region:
   *
   * full-frame: classify the frame (or the roi property) and add one
   * region-of-interest meta for it. roi-list: classify each
   * #GstVideoRegionOfInterestMeta already on the buffer (e.g. from a
   * detector), filtered by object-class, and add the result to that meta.
   */
  ec_install (klass, PROP_INFERENCE_REGION,
              g_param_spec_enum ("inference-region", "Inference region",
                                 "What to classify", EC_TYPE_REGION,
                                 DEFAULT_REGION, rw));

  /**
   * GstEdgeClassify:object-class:
   *
   * In roi-list mode, classify only the regions whose roi_type is one of
   * these comma-separated names (at most 64; a longer list is refused).
   * Unset: every region.
   */
  ec_install (
      klass, PROP_OBJECT_CLASS,
      g_param_spec_string (
          "object-class", "Object class",
          "roi-list mode: comma-separated region types to classify (unset: "
          "all)",
          NULL, rw));

  /**
   * GstEdgeClassify:roi:
   *
   * In full-frame mode, classify only this rectangle of the frame, given as
   * an array of four integers &lt;x, y, width, height&gt; (for example
   * roi="&lt;80,60,160,120&gt;" on the command line). Width and height must
   * be positive; x and y may be negative. It is clipped to the frame; a
   * rectangle wholly outside the frame classifies nothing and posts a
   * warning. An empty array classifies the whole frame.
   */
  ec_install (
      klass, PROP_ROI,
      gst_param_spec_array (
          "roi", "Region of interest",
          "full-frame mode: <x, y, width, height> to classify (empty: the "
          "whole frame)",
          g_param_spec_int ("value", "Value", "A coordinate", G_MININT,
                            G_MAXINT, 0,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          rw));

  /**
   * GstEdgeClassify:resize-mode:
   *
   * How a frame or region is fitted to the model input; auto follows the
   * model's edgeclassify.resize hint.
   */
  ec_install (klass, PROP_RESIZE_MODE,
              g_param_spec_enum ("resize-mode", "Resize mode",
                                 "How the picture is fitted to the model input",
                                 EC_TYPE_RESIZE_MODE, EC_AUTO, rw));

  /**
   * GstEdgeClassify:color:
   *
   * The channel order the model expects; auto follows the model's
   * edgeclassify.color hint, else its channel count (1: gray, 3: RGB).
   */
  ec_install (klass, PROP_COLOR,
              g_param_spec_enum ("color", "Color",
                                 "Channel order of the model input",
                                 EC_TYPE_COLOR, EC_AUTO, rw));

  /**
   * GstEdgeClassify:scale:
   *
   * Input normalisation: value = (pixel * scale - mean) / std with pixel in
   * 0..255. 0 means the model's edgeclassify.scale, else 1/255.
   */
  ec_install (
      klass, PROP_SCALE,
      g_param_spec_double ("scale", "Scale",
                           "Pixel scale factor (0: from the model, else 1/255)",
                           0.0, G_MAXDOUBLE, 0.0, rw));

  /**
   * GstEdgeClassify:mean:
   *
   * Per-channel mean subtracted after scaling, as "m" or "r,g,b" in the
   * model's channel order. Unset: the model's edgeclassify.mean, else 0.
   */
  ec_install (klass, PROP_MEAN,
              g_param_spec_string (
                  "mean", "Mean",
                  "Comma-separated per-channel mean (unset: from the model)",
                  NULL, rw));

  /**
   * GstEdgeClassify:std:
   *
   * Per-channel divisor applied after the mean, as "s" or "r,g,b". Unset:
   * the model's edgeclassify.std, else 1.
   */
  ec_install (klass, PROP_STD,
              g_param_spec_string (
                  "std", "Standard deviation",
                  "Comma-separated per-channel std (unset: from the model)",
                  NULL, rw));

  /**
   * GstEdgeClassify:threads:
   *
   * Threads one inference may use; 0 or 1 runs it in the streaming thread
   * alone.
   */
  ec_install (klass, PROP_THREADS,
              g_param_spec_int ("threads", "Threads", "Threads per inference",
                                0, 64, DEFAULT_THREADS, rw));

  /**
   * GstEdgeClassify:post-messages:
   *
   * Post an element message named "edgeclassify" on the bus for every
   * result, with the fields of the metadata plus x, y, width and height.
   */
  ec_install (klass, PROP_POST_MESSAGES,
              g_param_spec_boolean (
                  "post-messages", "Post messages",
                  "Post an \"edgeclassify\" element message per result",
                  DEFAULT_POST_MESSAGES, rw));

  /**
   * GstEdgeClassify:last-result:
   *
   * The results of the last classified frame as a JSON object
   * (docs/metadata.md); NULL before the first result.
   */
  ec_install (
      klass, PROP_LAST_RESULT,
      g_param_spec_string ("last-result", "Last result",
                           "Results of the last classified frame, as JSON",
                           NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEdgeClassify:mode:
   *
   * sync: each frame waits for its own result (files, tests, evaluation).
   * async: the frame leaves at once carrying the newest result of its
   * stream (age_frames and age_ms say how old); inference runs in the
   * background on the newest frame, and a newer frame replaces one that
   * has not started. auto: async when the pipeline is live, as the
   * LATENCY query answers, else sync.
   */
  ec_install (klass, PROP_MODE,
              g_param_spec_enum ("mode", "Mode",
                                 "Whether frames wait for their own result",
                                 EC_TYPE_MODE, DEFAULT_MODE, rw));

  /**
   * GstEdgeClassify:priority:
   *
   * Share of the CPU this stream gets when all instances of the process
   * want more inferences than the cores can run: fresh results come in
   * proportion to the priorities.
   */
  ec_install (klass, PROP_PRIORITY,
              g_param_spec_double ("priority", "Priority",
                                   "Share of inferences under overload", 0.001,
                                   1000.0, DEFAULT_PRIORITY, rw));

  /**
   * GstEdgeClassify:max-rate:
   *
   * Most fresh results a second for this stream, in both modes; 0: as
   * many as the CPU allows. Leaves CPU for the rest of the box. A negative
   * value is refused.
   */
  ec_install (klass, PROP_MAX_RATE,
              g_param_spec_double ("max-rate", "Max rate",
                                   "Most fresh results a second (0: no limit)",
                                   -G_MAXDOUBLE, G_MAXDOUBLE, DEFAULT_MAX_RATE,
                                   rw));

  /**
   * GstEdgeClassify:stats:
   *
   * What the element did since it started, as a structure
   * "edgeclassify-stats": frames-in, frames-out, fresh-results,
   * requests-replaced, inference-us-p50/p99, queue-wait-us-p50/p99,
   * result-age-ms-p50/p99 (over the last 1024 samples), mode, stream-id.
   */
  ec_install (klass, PROP_STATS,
              g_param_spec_boxed ("stats", "Statistics",
                                  "What the element did since it started",
                                  GST_TYPE_STRUCTURE,
                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEdgeClassify:stats-interval:
   *
   * Post the stats as an element message "edgeclassify-stats" every this
   * many seconds (checked as frames pass); 0: never.
   */
  ec_install (klass, PROP_STATS_INTERVAL,
              g_param_spec_double ("stats-interval", "Stats interval",
                                   "Seconds between edgeclassify-stats "
                                   "messages (0: none)",
                                   0.0, 86400.0, DEFAULT_STATS_INTERVAL, rw));

  /**
   * GstEdgeClassify:input-size:
   *
   * The input size to run a model at whose height and width are symbolic,
   * as "WxH" (for example "320x240"). Unset: the model's own size when it
   * has one, else its edgeclassify.input-size hint, else 224x224. A size
   * that contradicts a model's fixed size fails the model load.
   */
  ec_install (klass, PROP_INPUT_SIZE,
              g_param_spec_string (
                  "input-size", "Input size",
                  "WxH to run a model with symbolic height and width at "
                  "(unset: the model's, its hint, else 224x224)",
                  NULL, rw));

  gst_type_mark_as_plugin_api (EC_TYPE_MODE, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_REGION, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_RESIZE_MODE, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_COLOR, 0);
}

void
ec_props_init (EcProps *p)
{
  memset (p, 0, sizeof (*p));
  p->settings.color = EC_AUTO;
  p->settings.resize_mode = EC_AUTO;
  p->settings.scale = 0.0;
  p->settings.threads = DEFAULT_THREADS;
  p->frame.top_k = DEFAULT_TOP_K;
  p->frame.threshold = DEFAULT_THRESHOLD;
  p->frame.interval = DEFAULT_INTERVAL;
  p->frame.region = DEFAULT_REGION;
  p->frame.post_messages = DEFAULT_POST_MESSAGES;
  p->frame.mode = DEFAULT_MODE;
  p->frame.priority = DEFAULT_PRIORITY;
  p->frame.max_rate = DEFAULT_MAX_RATE;
  p->frame.stats_interval = DEFAULT_STATS_INTERVAL;
}

void
ec_props_clear (EcProps *p)
{
  ec_settings_clear (&p->settings);
  g_clear_pointer (&p->object_class, g_free);
  for (guint i = 0; i < PROP_N; i++)
    g_clear_pointer (&p->refused[i], g_free);
}

/* NULL for "" so that an empty string means "unset" */
static gchar *
ec_dup_nonempty (const GValue *value)
{
  const gchar *s = g_value_get_string (value);

  return (s != NULL && *s != '\0') ? g_strdup (s) : NULL;
}

static EcPropsChange G_GNUC_PRINTF (3, 4)
    ec_props_refuse (EcProps *p, guint prop_id, const gchar *format, ...)
{
  va_list args;

  g_free (p->refused[prop_id]);
  va_start (args, format);
  p->refused[prop_id] = g_strdup_vprintf (format, args);
  va_end (args);
  return EC_PROPS_REFUSED;
}

/* mean or std: unset, or 1 or 3 decimals (nn/hints.h syntax: finite,
 * '.' whatever the locale); std nonzero. Whether 3 values fit the model's
 * channels is checked when the model is loaded. */
static EcPropsChange
ec_props_set_channels (EcProps *p, guint prop_id, gchar **field,
                       const GValue *value)
{
  gchar *text = ec_dup_nonempty (value);
  const gchar *name = prop_id == PROP_MEAN ? "mean" : "std";
  float v[3];
  gint n;

  if (text != NULL) {
    n = nn_parse_float_list (text, v, 3);
    if (n != 1 && n != 3) {
      ec_props_refuse (p, prop_id,
                       "%s \"%s\": expected 1 or 3 comma-separated finite "
                       "numbers such as \"0.5\" or \"0.485,0.456,0.406\"",
                       name, text);
      g_free (text);
      return EC_PROPS_REFUSED;
    }
    for (gint c = 0; prop_id == PROP_STD && c < n; c++) {
      if (v[c] == 0.0f) {
        ec_props_refuse (p, prop_id, "std \"%s\": value %d is zero", text,
                         c + 1);
        g_free (text);
        return EC_PROPS_REFUSED;
      }
    }
  }
  g_free (*field);
  *field = text;
  return EC_PROPS_RELOAD;
}

static EcPropsChange
ec_props_set_object_class (EcProps *p, const GValue *value)
{
  gchar *text = ec_dup_nonempty (value);
  gchar **names;
  GQuark classes[EC_MAX_OBJECT_CLASSES];
  guint n = 0;

  names = g_strsplit (text ? text : "", ",", -1);
  for (guint i = 0; names[i] != NULL; i++) {
    gchar *name = g_strstrip (names[i]);

    if (*name == '\0')
      continue;
    if (n == EC_MAX_OBJECT_CLASSES) {
      ec_props_refuse (p, PROP_OBJECT_CLASS,
                       "object-class lists more than %d names",
                       EC_MAX_OBJECT_CLASSES);
      g_strfreev (names);
      g_free (text);
      return EC_PROPS_REFUSED;
    }
    classes[n++] = g_quark_from_string (name);
  }
  g_strfreev (names);
  g_free (p->object_class);
  p->object_class = text;
  memcpy (p->frame.classes, classes, n * sizeof (GQuark));
  p->frame.n_classes = n;
  return EC_PROPS_APPLIED;
}

/* <x, y, width, height>: x and y may be negative (the rectangle is clipped
 * to the frame), width and height must be positive. */
static EcPropsChange
ec_props_set_roi (EcProps *p, const GValue *value)
{
  guint n = gst_value_array_get_size (value);
  gint v[4];

  if (n == 0) {
    p->frame.have_roi = FALSE;
    return EC_PROPS_APPLIED;
  }
  if (n != 4)
    return ec_props_refuse (p, PROP_ROI,
                            "roi has %u values; expected <x, y, width, "
                            "height> or <> (the whole frame)",
                            n);
  for (guint i = 0; i < 4; i++) {
    const GValue *item = gst_value_array_get_value (value, i);

    if (!G_VALUE_HOLDS_INT (item))
      return ec_props_refuse (p, PROP_ROI, "roi value %u is a %s, not an int",
                              i + 1, G_VALUE_TYPE_NAME (item));
    v[i] = g_value_get_int (item);
  }
  if (v[2] <= 0 || v[3] <= 0)
    return ec_props_refuse (p, PROP_ROI,
                            "roi <%d, %d, %d, %d>: width and height must be "
                            "positive",
                            v[0], v[1], v[2], v[3]);
  p->frame.roi.x = v[0];
  p->frame.roi.y = v[1];
  p->frame.roi.width = v[2];
  p->frame.roi.height = v[3];
  p->frame.have_roi = TRUE;
  return EC_PROPS_APPLIED;
}

/* "WxH" (nn_parse_size), or unset */
static EcPropsChange
ec_props_set_input_size (EcProps *p, const GValue *value)
{
  gchar *text = ec_dup_nonempty (value);
  gint w = 0, h = 0;

  if (text != NULL && nn_parse_size (text, &w, &h) != 0) {
    ec_props_refuse (p, PROP_INPUT_SIZE,
                     "input-size \"%s\": expected WIDTHxHEIGHT such as "
                     "\"224x224\", each from 1 to %d",
                     text, NN_SIZE_MAX_SIDE);
    g_free (text);
    return EC_PROPS_REFUSED;
  }
  g_free (text);
  p->settings.input_width = w;
  p->settings.input_height = h;
  return EC_PROPS_RELOAD;
}

static EcPropsChange
ec_props_set_value (EcProps *p, GObject *object, guint prop_id,
                    const GValue *value, GParamSpec *pspec)
{
  EcSettings *s = &p->settings;

  switch (prop_id) {
  case PROP_MODEL:
    g_free (s->model_path);
    s->model_path = ec_dup_nonempty (value);
    return EC_PROPS_RELOAD;
  case PROP_LABELS:
    g_free (s->labels_path);
    s->labels_path = ec_dup_nonempty (value);
    return EC_PROPS_RELOAD;
  case PROP_RESIZE_MODE:
    s->resize_mode = g_value_get_enum (value);
    return EC_PROPS_RELOAD;
  case PROP_COLOR:
    s->color = g_value_get_enum (value);
    return EC_PROPS_RELOAD;
  case PROP_SCALE:
    s->scale = g_value_get_double (value);
    return EC_PROPS_RELOAD;
  case PROP_MEAN:
    return ec_props_set_channels (p, prop_id, &s->mean, value);
  case PROP_STD:
    return ec_props_set_channels (p, prop_id, &s->std, value);
  case PROP_THREADS:
    s->threads = g_value_get_int (value);
    return EC_PROPS_RELOAD;
  case PROP_INPUT_SIZE:
    return ec_props_set_input_size (p, value);
  case PROP_TOP_K:
    p->frame.top_k = g_value_get_uint (value);
    break;
  case PROP_THRESHOLD:
    p->frame.threshold = g_value_get_double (value);
    break;
  case PROP_INFERENCE_INTERVAL:
    p->frame.interval = g_value_get_uint (value);
    break;
  case PROP_INFERENCE_REGION:
    p->frame.region = g_value_get_enum (value);
    break;
  case PROP_OBJECT_CLASS:
    return ec_props_set_object_class (p, value);
  case PROP_ROI:
    return ec_props_set_roi (p, value);
  case PROP_POST_MESSAGES:
    p->frame.post_messages = g_value_get_boolean (value);
    break;
  case PROP_MODE:
    p->frame.mode = g_value_get_enum (value);
    break;
  case PROP_PRIORITY:
    p->frame.priority = g_value_get_double (value);
    break;
  case PROP_MAX_RATE: {
    gdouble rate = g_value_get_double (value);

    if (!(rate >= 0.0) || !isfinite (rate))
      return ec_props_refuse (p, prop_id,
                              "max-rate %g: expected a number of results a "
                              "second, 0 or more (0: no limit)",
                              rate);
    p->frame.max_rate = rate;
    break;
  }
  case PROP_STATS_INTERVAL:
    p->frame.stats_interval = g_value_get_double (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  return EC_PROPS_APPLIED;
}

EcPropsChange
ec_props_set (EcProps *p, GObject *object, guint prop_id, const GValue *value,
              GParamSpec *pspec)
{
  EcPropsChange change = ec_props_set_value (p, object, prop_id, value, pspec);

  if (change != EC_PROPS_REFUSED && prop_id < PROP_N)
    g_clear_pointer (&p->refused[prop_id], g_free);
  return change;
}

gboolean
ec_props_check (const EcProps *p, EcError *err)
{
  for (guint i = 0; i < PROP_N; i++) {
    if (p->refused[i] != NULL) {
      ec_error_set (err, NN_INVALID_ARG, EC_WHAT_SETTINGS, prop_names[i], "%s",
                    p->refused[i]);
      return FALSE;
    }
  }
  return TRUE;
}

void
ec_props_forget_refusal (EcProps *p, guint prop_id)
{
  if (prop_id < PROP_N)
    g_clear_pointer (&p->refused[prop_id], g_free);
}

gboolean
ec_props_revert (EcProps *p, guint prop_id, const EcSettings *applied)
{
  EcSettings *s = &p->settings;

  switch (prop_id) {
  case PROP_MODEL:
    g_free (s->model_path);
    s->model_path = g_strdup (applied->model_path);
    return TRUE;
  case PROP_LABELS:
    g_free (s->labels_path);
    s->labels_path = g_strdup (applied->labels_path);
    return TRUE;
  case PROP_MEAN:
    g_free (s->mean);
    s->mean = g_strdup (applied->mean);
    return TRUE;
  case PROP_STD:
    g_free (s->std);
    s->std = g_strdup (applied->std);
    return TRUE;
  case PROP_RESIZE_MODE:
    s->resize_mode = applied->resize_mode;
    return TRUE;
  case PROP_COLOR:
    s->color = applied->color;
    return TRUE;
  case PROP_SCALE:
    s->scale = applied->scale;
    return TRUE;
  case PROP_THREADS:
    s->threads = applied->threads;
    return TRUE;
  case PROP_INPUT_SIZE:
    s->input_width = applied->input_width;
    s->input_height = applied->input_height;
    return TRUE;
  default:
    return FALSE;
  }
}

void
ec_props_get (EcProps *p, GObject *object, guint prop_id, GValue *value,
              GParamSpec *pspec)
{
  EcSettings *s = &p->settings;

  switch (prop_id) {
  case PROP_MODEL:
    g_value_set_string (value, s->model_path);
    break;
  case PROP_LABELS:
    g_value_set_string (value, s->labels_path);
    break;
  case PROP_RESIZE_MODE:
    g_value_set_enum (value, s->resize_mode);
    break;
  case PROP_COLOR:
    g_value_set_enum (value, s->color);
    break;
  case PROP_SCALE:
    g_value_set_double (value, s->scale);
    break;
  case PROP_MEAN:
    g_value_set_string (value, s->mean);
    break;
  case PROP_STD:
    g_value_set_string (value, s->std);
    break;
  case PROP_THREADS:
    g_value_set_int (value, s->threads);
    break;
  case PROP_INPUT_SIZE:
    g_value_take_string (value, s->input_width > 0 ? g_strdup_printf (
                                    "%dx%d", s->input_width, s->input_height)
                                                   : NULL);
    break;
  case PROP_TOP_K:
    g_value_set_uint (value, p->frame.top_k);
    break;
  case PROP_THRESHOLD:
    g_value_set_double (value, p->frame.threshold);
    break;
  case PROP_INFERENCE_INTERVAL:
    g_value_set_uint (value, p->frame.interval);
    break;
  case PROP_INFERENCE_REGION:
    g_value_set_enum (value, p->frame.region);
    break;
  case PROP_OBJECT_CLASS:
    g_value_set_string (value, p->object_class);
    break;
  case PROP_ROI:
    if (p->frame.have_roi) {
      const gint v[4] = { p->frame.roi.x, p->frame.roi.y, p->frame.roi.width,
                          p->frame.roi.height };
      GValue item = G_VALUE_INIT;

      g_value_init (&item, G_TYPE_INT);
      for (guint i = 0; i < 4; i++) {
        g_value_set_int (&item, v[i]);
        gst_value_array_append_value (value, &item);
      }
      g_value_unset (&item);
    }
    break;
  case PROP_POST_MESSAGES:
    g_value_set_boolean (value, p->frame.post_messages);
    break;
  case PROP_MODE:
    g_value_set_enum (value, p->frame.mode);
    break;
  case PROP_PRIORITY:
    g_value_set_double (value, p->frame.priority);
    break;
  case PROP_MAX_RATE:
    g_value_set_double (value, p->frame.max_rate);
    break;
  case PROP_STATS_INTERVAL:
    g_value_set_double (value, p->frame.stats_interval);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

gboolean
ec_frame_props_wants (const EcFrameProps *fp, GQuark roi_type)
{
  if (fp->n_classes == 0)
    return TRUE;
  for (guint i = 0; i < fp->n_classes; i++) {
    if (fp->classes[i] == roi_type)
      return TRUE;
  }
  return FALSE;
}
