/* edgeclassify: the element's property values: defaults, rules, snapshots
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
  p->frame.smoothing = DEFAULT_SMOOTHING;
  p->frame.window = DEFAULT_SMOOTHING_WINDOW;
  p->frame.hysteresis = DEFAULT_HYSTERESIS;
  p->frame.reclassify = DEFAULT_RECLASSIFY_INTERVAL;
  p->frame.max_objects = DEFAULT_MAX_OBJECTS;
  p->frame.object_timeout = DEFAULT_OBJECT_TIMEOUT;
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

/* The counts of the decision layer: at least 1, at most a bound that keeps
 * a stream's memory in reason. */
static EcPropsChange
ec_props_set_count (EcProps *p, guint prop_id, guint v)
{
  static const struct {
    guint prop_id;
    const gchar *what;
    guint max;
  } rules[] = {
    { PROP_SMOOTHING_WINDOW, "results", EC_MAX_WINDOW },
    { PROP_RECLASSIFY_INTERVAL, "frames", G_MAXUINT },
    { PROP_MAX_OBJECTS, "objects", EC_MAX_OBJECTS },
    { PROP_OBJECT_TIMEOUT, "frames", G_MAXUINT },
  };
  guint *fields[] = { &p->frame.window, &p->frame.reclassify,
                      &p->frame.max_objects, &p->frame.object_timeout };

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++) {
    if (rules[i].prop_id != prop_id)
      continue;
    if (v == 0 || v > rules[i].max)
      return ec_props_refuse (
          p, prop_id, "%s %u: expected a number of %s from 1 to %u",
          ec_props_name (prop_id), v, rules[i].what, rules[i].max);
    *fields[i] = v;
  }
  return EC_PROPS_APPLIED;
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
  case PROP_SMOOTHING:
    p->frame.smoothing = g_value_get_enum (value);
    break;
  case PROP_SMOOTHING_WINDOW:
  case PROP_RECLASSIFY_INTERVAL:
  case PROP_MAX_OBJECTS:
  case PROP_OBJECT_TIMEOUT:
    return ec_props_set_count (p, prop_id, g_value_get_uint (value));
  case PROP_HYSTERESIS: {
    gdouble h = g_value_get_double (value);

    if (!(h >= 0.0 && h <= 1.0))
      return ec_props_refuse (p, prop_id,
                              "hysteresis %g: expected a margin of "
                              "confidence from 0 to 1",
                              h);
    p->frame.hysteresis = h;
    break;
  }
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
      ec_error_set (err, NN_INVALID_ARG, EC_WHAT_SETTINGS, ec_props_name (i),
                    "%s", p->refused[i]);
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
  case PROP_SMOOTHING:
    g_value_set_enum (value, p->frame.smoothing);
    break;
  case PROP_SMOOTHING_WINDOW:
    g_value_set_uint (value, p->frame.window);
    break;
  case PROP_HYSTERESIS:
    g_value_set_double (value, p->frame.hysteresis);
    break;
  case PROP_RECLASSIFY_INTERVAL:
    g_value_set_uint (value, p->frame.reclassify);
    break;
  case PROP_MAX_OBJECTS:
    g_value_set_uint (value, p->frame.max_objects);
    break;
  case PROP_OBJECT_TIMEOUT:
    g_value_set_uint (value, p->frame.object_timeout);
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
