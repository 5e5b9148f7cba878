/* edgeclassify: the element's properties: their types, specs and docs
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

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

/* Property names by id, for the messages (filled by ec_props_install) */
static const gchar *prop_names[PROP_N];

const gchar *
ec_props_name (guint prop_id)
{
  return prop_id < PROP_N ? prop_names[prop_id] : NULL;
}

#define EC_TYPE_REGION (ec_region_get_type ())
#define EC_TYPE_RESIZE_MODE (ec_resize_mode_get_type ())
#define EC_TYPE_COLOR (ec_color_get_type ())
#define EC_TYPE_MODE (ec_mode_get_type ())
#define EC_TYPE_SMOOTHING (ec_smoothing_get_type ())

static GType
ec_smoothing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[]
      = { { EC_SMOOTH_NONE, "Each result is the decision", "none" },
          { EC_SMOOTH_EMA,
            "Exponential moving average of each class's probability", "ema" },
          { EC_SMOOTH_VOTE, "Majority of the last top-1 labels", "vote" },
          { EC_SMOOTH_BAYES,
            "Bayes filter: each result's probabilities are evidence for a "
            "scene that stays with probability 1 - 1/window",
            "bayes" },
          { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstEdgeClassifySmoothing", values));
  return type;
}

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

  /**
   * GstEdgeClassify:smoothing:
   *
   * Turns the results of each object (the stream in full-frame mode, each
   * region's object in roi-list mode) into a decision that holds still.
   * none: every result is the decision. ema: an exponential moving average
   * of each class's probability over about smoothing-window results. vote:
   * the most frequent top-1 label of the last smoothing-window results.
   * With ema or vote, label, label_id and confidence are the decision, the
   * result itself is in raw_label, raw_label_id and raw_confidence, and
   * "edgeclassify-event" messages and downstream events say when a
   * decision starts, changes or ends. Everything is forgotten on a flush,
   * seek, caps change or model change.
   */
  ec_install (klass, PROP_SMOOTHING,
              g_param_spec_enum ("smoothing", "Smoothing",
                                 "How results become a decision that holds "
                                 "still",
                                 EC_TYPE_SMOOTHING, DEFAULT_SMOOTHING, rw));

  /**
   * GstEdgeClassify:smoothing-window:
   *
   * Fresh results the smoothing looks back over: ema's span (alpha =
   * 2 / (window + 1)), vote's number of votes. From 1 to 1000 (other values are
   * refused).
   */
  ec_install (klass, PROP_SMOOTHING_WINDOW,
              g_param_spec_uint ("smoothing-window", "Smoothing window",
                                 "Fresh results the smoothing looks back over",
                                 0, G_MAXUINT, DEFAULT_SMOOTHING_WINDOW, rw));

  /**
   * GstEdgeClassify:hysteresis:
   *
   * How much higher a new label's smoothed confidence (ema) or share of
   * the votes (vote) must be than the current decision's before the
   * decision changes. From 0 to 1; other values are refused.
   */
  ec_install (klass, PROP_HYSTERESIS,
              g_param_spec_double ("hysteresis", "Hysteresis",
                                   "Margin a new label must win by before "
                                   "the decision changes (0..1)",
                                   -G_MAXDOUBLE, G_MAXDOUBLE,
                                   DEFAULT_HYSTERESIS, rw));

  /**
   * GstEdgeClassify:reclassify-interval:
   *
   * roi-list mode: an object that has a result is classified again only
   * once in this many frames; meanwhile its regions carry its newest
   * result and decision (stale=true, with their age). 1: every frame.
   */
  ec_install (klass, PROP_RECLASSIFY_INTERVAL,
              g_param_spec_uint ("reclassify-interval", "Reclassify interval",
                                 "roi-list: frames between two inferences of "
                                 "one object",
                                 0, G_MAXUINT, DEFAULT_RECLASSIFY_INTERVAL,
                                 rw));

  /**
   * GstEdgeClassify:max-objects:
   *
   * roi-list mode: most objects remembered at once; past that, the object
   * seen least recently is forgotten (its decision ends). 1 to 65536.
   */
  ec_install (klass, PROP_MAX_OBJECTS,
              g_param_spec_uint ("max-objects", "Max objects",
                                 "roi-list: most objects remembered at once", 0,
                                 G_MAXUINT, DEFAULT_MAX_OBJECTS, rw));

  /**
   * GstEdgeClassify:object-timeout:
   *
   * roi-list mode: an object not seen for this many frames is forgotten
   * (its decision ends: a leave event).
   */
  ec_install (klass, PROP_OBJECT_TIMEOUT,
              g_param_spec_uint ("object-timeout", "Object timeout",
                                 "roi-list: frames unseen before an object "
                                 "is forgotten",
                                 0, G_MAXUINT, DEFAULT_OBJECT_TIMEOUT, rw));

  gst_type_mark_as_plugin_api (EC_TYPE_SMOOTHING, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_MODE, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_REGION, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_RESIZE_MODE, 0);
  gst_type_mark_as_plugin_api (EC_TYPE_COLOR, 0);
}
