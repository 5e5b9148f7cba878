/* edgeclassify: the mode in effect and the latency the element adds
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_TIMING_H__
#define __EDGECLASSIFY_TIMING_H__

#include "edgeclassify-props.h"

G_BEGIN_DECLS

#define EC_LATENCY_WINDOW 32 /* frames whose cost the latency covers */

/* Which mode frames run in (mode=auto decides once per start, from
 * whether upstream is live) and what a frame costs the pipeline's latency,
 * over the last 32 frames. sync: the largest inference, since every frame
 * waits for its own. async: the streaming thread's own work, its 90th
 * percentile: that work is small, and the odd frame the machine
 * descheduled for milliseconds must not raise every frame's latency for
 * good. The pipeline is told when the figure moves by a quarter either
 * way. Any thread; its own lock. */
typedef struct {
  GMutex lock;
  gint async; /* -1: not decided yet */
  gdouble us[EC_LATENCY_WINDOW];
  guint pos, count;      /* next slot, slots filled */
  GstClockTime reported; /* what the last LATENCY answer added */
} EcTiming;

void ec_timing_init (EcTiming *t);
void ec_timing_clear (EcTiming *t);
/* A start, or a new mode property: decide again, forget the costs. */
void ec_timing_reset (EcTiming *t);

/* The mode in effect; the first call after a reset decides it from @mode
 * and, for auto, @live (*decided_now then TRUE). */
gboolean ec_timing_decide (EcTiming *t, EcMode mode, gboolean live,
                           gboolean *decided_now);
/* FALSE while undecided; else TRUE with *async set. */
gboolean ec_timing_mode (EcTiming *t, gboolean *async);

/* One frame's cost, microseconds. TRUE when the latency moved by more than
 * a quarter since the last LATENCY answer: the pipeline should ask again. */
gboolean ec_timing_record (EcTiming *t, gdouble us);
/* For the LATENCY query: what the element adds now. */
GstClockTime ec_timing_report (EcTiming *t);

G_END_DECLS
#endif /* __EDGECLASSIFY_TIMING_H__ */
