/* edgeclassify: the element's properties
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_PROPS_H__
#define __EDGECLASSIFY_PROPS_H__

#include "edgeclassify-engine.h"
#include "edgeclassify-smooth.h"

G_BEGIN_DECLS enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_INFERENCE_INTERVAL,
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_ROI,
  PROP_RESIZE_MODE,
  PROP_COLOR,
  PROP_SCALE,
  PROP_MEAN,
  PROP_STD,
  PROP_THREADS,
  PROP_POST_MESSAGES,
  PROP_LAST_RESULT,
  PROP_MODE,
  PROP_PRIORITY,
  PROP_MAX_RATE,
  PROP_STATS,
  PROP_STATS_INTERVAL,
  PROP_INPUT_SIZE,
  PROP_SMOOTHING,
  PROP_SMOOTHING_WINDOW,
  PROP_HYSTERESIS,
  PROP_RECLASSIFY_INTERVAL,
  PROP_MAX_OBJECTS,
  PROP_OBJECT_TIMEOUT,
  PROP_N
};

typedef enum { EC_REGION_FULL_FRAME = 0, EC_REGION_ROI_LIST = 1 } EcRegion;

typedef enum { EC_MODE_AUTO = 0, EC_MODE_SYNC, EC_MODE_ASYNC } EcMode;

#define EC_MAX_OBJECT_CLASSES 64

/* Defaults (the specs in edgeclassify-props.c, the values in
 * edgeclassify-props-values.c) */
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
#define DEFAULT_SMOOTHING EC_SMOOTH_NONE
/* chosen with bench/stability.py: docs/performance.md, "Decisions that
 * hold still" */
#define DEFAULT_SMOOTHING_WINDOW 8
#define DEFAULT_HYSTERESIS 0.1
#define DEFAULT_RECLASSIFY_INTERVAL 1
#define DEFAULT_MAX_OBJECTS 256
#define DEFAULT_OBJECT_TIMEOUT 30
/* the largest smoothing-window and max-objects taken (memory per object
 * and objects per stream) */
#define EC_MAX_WINDOW 1000
#define EC_MAX_OBJECTS 65536

/* The small properties the streaming thread reads once per frame. */
typedef struct {
  guint top_k;
  gdouble threshold;
  guint interval;
  EcRegion region;
  GQuark classes[EC_MAX_OBJECT_CLASSES];
  guint n_classes; /* 0: every ROI */
  gboolean have_roi;
  nn_rect roi;
  gboolean post_messages;
  EcMode mode;
  gdouble priority;       /* share under overload, > 0 */
  gdouble max_rate;       /* fresh results a second, 0: no limit */
  gdouble stats_interval; /* seconds between stats messages, 0: none */
  EcSmoothing smoothing;
  guint window;       /* smoothing-window, results */
  gdouble hysteresis; /* 0..1 */
  guint reclassify;   /* frames between two inferences of one object */
  guint max_objects;
  guint object_timeout; /* frames */
} EcFrameProps;

/* All properties; guarded by the element's object lock. */
typedef struct {
  EcSettings settings; /* what a model load needs */
  EcFrameProps frame;  /* what a frame needs */
  gchar *object_class; /* as set; parsed into frame.classes */
  /* Why the last value set for a property was refused (it kept its
   * previous value), NULL when it was taken: start() fails on these. */
  gchar *refused[PROP_N];
} EcProps;

/* What a property change needs. */
typedef enum {
  EC_PROPS_APPLIED, /* taken: the next frame uses it */
  EC_PROPS_RELOAD,  /* taken: needs a new engine (model, labels, ...) */
  EC_PROPS_REFUSED  /* not taken: props->refused[prop_id] says why */
} EcPropsChange;

void ec_props_install (GObjectClass *klass);
/* The name of property @prop_id (after ec_props_install). */
const gchar *ec_props_name (guint prop_id);
void ec_props_init (EcProps *p);
void ec_props_clear (EcProps *p);

/* Object lock held. A value that breaks a rule the property alone can be
 * checked against (syntax, ranges, counts) is refused: the property keeps
 * its previous value and p->refused[prop_id] says why. */
EcPropsChange ec_props_set (EcProps *p, GObject *object, guint prop_id,
                            const GValue *value, GParamSpec *pspec);

/* Object lock held. FALSE with @err set (EC_WHAT_SETTINGS, path: the
 * property's name) when a value set since the last start was refused. */
gboolean ec_props_check (const EcProps *p, EcError *err);

/* Object lock held. The value was reported: forget it was refused. */
void ec_props_forget_refusal (EcProps *p, guint prop_id);

/* Object lock held. Puts back @prop_id's value from @applied (the settings
 * of the running model), after a change to it could not be loaded. FALSE
 * when @prop_id is not a model setting. */
gboolean ec_props_revert (EcProps *p, guint prop_id, const EcSettings *applied);
void ec_props_get (EcProps *p, GObject *object, guint prop_id, GValue *value,
                   GParamSpec *pspec);

/* Object lock held. */
static inline void
ec_props_snapshot (const EcProps *p, EcFrameProps *out)
{
  *out = p->frame;
}

/* Whether roi-list mode classifies an ROI of this type. */
gboolean ec_frame_props_wants (const EcFrameProps *fp, GQuark roi_type);

G_END_DECLS
#endif /* __EDGECLASSIFY_PROPS_H__ */
