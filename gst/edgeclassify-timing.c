/* edgeclassify: the mode in effect and the latency the element adds
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

#include "edgeclassify-timing.h"

#include <string.h>

void
ec_timing_init (EcTiming *t)
{
  g_mutex_init (&t->lock);
  ec_timing_reset (t);
}

void
ec_timing_clear (EcTiming *t)
{
  g_mutex_clear (&t->lock);
}

void
ec_timing_reset (EcTiming *t)
{
  g_mutex_lock (&t->lock);
  t->async = -1;
  memset (t->us, 0, sizeof (t->us));
  t->pos = t->count = 0;
  t->reported = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&t->lock);
}

gboolean
ec_timing_decide (EcTiming *t, EcMode mode, gboolean live,
                  gboolean *decided_now)
{
  gboolean async;

  g_mutex_lock (&t->lock);
  *decided_now = t->async < 0;
  if (t->async < 0)
    t->async = mode == EC_MODE_ASYNC || (mode == EC_MODE_AUTO && live);
  async = t->async;
  g_mutex_unlock (&t->lock);
  return async;
}

gboolean
ec_timing_mode (EcTiming *t, gboolean *async)
{
  gboolean decided;

  g_mutex_lock (&t->lock);
  decided = t->async >= 0;
  *async = t->async > 0;
  g_mutex_unlock (&t->lock);
  return decided;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

  return (x > y) - (x < y);
}

/* The window's maximum (sync) or 90th percentile (async). */
static GstClockTime
window_latency_locked (const EcTiming *t)
{
  gdouble sorted[EC_LATENCY_WINDOW];
  guint n = t->count;

  if (n == 0)
    return 0;
  memcpy (sorted, t->us, sizeof (sorted));
  qsort (sorted, n, sizeof (gdouble), cmp_double);
  return (GstClockTime)(sorted[t->async > 0 ? (n * 9 + 9) / 10 - 1 : n - 1]
                        * GST_USECOND);
}

gboolean
ec_timing_record (EcTiming *t, gdouble us)
{
  GstClockTime latency;
  gboolean moved;

  g_mutex_lock (&t->lock);
  t->us[t->pos] = us;
  t->pos = (t->pos + 1) % EC_LATENCY_WINDOW;
  t->count = MIN (t->count + 1, EC_LATENCY_WINDOW);
  latency = window_latency_locked (t);
  moved = !GST_CLOCK_TIME_IS_VALID (t->reported)
          || latency > t->reported * 5 / 4 || latency < t->reported * 3 / 4;
  if (moved)
    t->reported = latency;
  g_mutex_unlock (&t->lock);
  return moved;
}

GstClockTime
ec_timing_report (EcTiming *t)
{
  GstClockTime latency;

  g_mutex_lock (&t->lock);
  latency = t->reported = window_latency_locked (t);
  g_mutex_unlock (&t->lock);
  return latency;
}
