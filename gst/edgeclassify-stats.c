/* edgeclassify: per-stream statistics, and the registry of all of them
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

#include "edgeclassify-stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 1024 /* samples kept for the percentiles */

/* Histogram bucket bounds, seconds (le); +Inf is the count */
static const gdouble bounds[]
    = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0 };
#define N_BOUNDS G_N_ELEMENTS (bounds)

typedef struct {
  gdouble v[WINDOW];
  guint n, pos;
} Window;

typedef struct {
  guint64 bucket[N_BOUNDS]; /* not cumulative */
  guint64 count;
  gdouble sum; /* seconds */
} Histogram;

struct _EcStats {
  GMutex lock;
  gchar *element, *stream_id;
  const gchar *mode; /* static */
  guint64 frames_in, frames_out, fresh, replaced;
  Window inference_us, queue_us, age_ms;
  Histogram inference_h, queue_h, age_h;
  GHashTable *decisions; /* label -> guint64 count (in the pointer) */
};

static GMutex registry_lock;
static GList *registry;

static void
window_push (Window *w, gdouble v)
{
  w->v[w->pos] = v;
  w->pos = (w->pos + 1) % WINDOW;
  w->n = MIN (w->n + 1, WINDOW);
}

static void
histogram_add (Histogram *h, gdouble seconds)
{
  for (guint i = 0; i < N_BOUNDS; i++) {
    if (seconds <= bounds[i]) {
      h->bucket[i]++;
      break;
    }
  }
  h->count++;
  h->sum += seconds;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of the window (0 when empty). */
static void
window_percentiles (const Window *w, gdouble *p50, gdouble *p99)
{
  gdouble *sorted;

  *p50 = *p99 = 0.0;
  if (w->n == 0)
    return;
  sorted = g_memdup2 (w->v, w->n * sizeof (gdouble));
  qsort (sorted, w->n, sizeof (gdouble), cmp_double);
  *p50 = sorted[(w->n * 50 + 99) / 100 - 1];
  *p99 = sorted[(w->n * 99 + 99) / 100 - 1];
  g_free (sorted);
}

EcStats *
ec_stats_new (const gchar *element)
{
  EcStats *st = g_new0 (EcStats, 1);

  g_mutex_init (&st->lock);
  st->element = g_strdup (element);
  st->mode = "sync";
  st->decisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_lock (&registry_lock);
  registry = g_list_append (registry, st);
  g_mutex_unlock (&registry_lock);
  return st;
}

void
ec_stats_free (EcStats *st)
{
  if (st == NULL)
    return;
  g_mutex_lock (&registry_lock);
  registry = g_list_remove (registry, st);
  g_mutex_unlock (&registry_lock);
  g_hash_table_unref (st->decisions);
  g_free (st->element);
  g_free (st->stream_id);
  g_mutex_clear (&st->lock);
  g_free (st);
}

void
ec_stats_set_names (EcStats *st, const gchar *element, const gchar *stream_id)
{
  g_mutex_lock (&st->lock);
  if (element && g_strcmp0 (element, st->element) != 0) {
    g_free (st->element);
    st->element = g_strdup (element);
  }
  if (g_strcmp0 (stream_id, st->stream_id) != 0) {
    g_free (st->stream_id);
    st->stream_id = g_strdup (stream_id);
  }
  g_mutex_unlock (&st->lock);
}

void
ec_stats_set_mode (EcStats *st, const gchar *mode)
{
  g_mutex_lock (&st->lock);
  st->mode = g_intern_string (mode);
  g_mutex_unlock (&st->lock);
}

void
ec_stats_frame (EcStats *st, gboolean passed, gboolean carried, gdouble age_ms)
{
  g_mutex_lock (&st->lock);
  st->frames_in++;
  st->frames_out += passed;
  if (carried) {
    window_push (&st->age_ms, age_ms);
    histogram_add (&st->age_h, age_ms / 1e3);
  }
  g_mutex_unlock (&st->lock);
}

void
ec_stats_fresh (EcStats *st, gdouble inference_us, gdouble queue_us)
{
  g_mutex_lock (&st->lock);
  st->fresh++;
  window_push (&st->inference_us, inference_us);
  window_push (&st->queue_us, queue_us);
  histogram_add (&st->inference_h, inference_us / 1e6);
  histogram_add (&st->queue_h, queue_us / 1e6);
  g_mutex_unlock (&st->lock);
}

void
ec_stats_replaced (EcStats *st)
{
  g_mutex_lock (&st->lock);
  st->replaced++;
  g_mutex_unlock (&st->lock);
}

void
ec_stats_decision (EcStats *st, const gchar *label)
{
  gpointer key, value;

  g_mutex_lock (&st->lock);
  if (g_hash_table_lookup_extended (st->decisions, label, &key, &value))
    g_hash_table_insert (st->decisions, g_strdup (label),
                         GSIZE_TO_POINTER (GPOINTER_TO_SIZE (value) + 1));
  else
    g_hash_table_insert (st->decisions, g_strdup (label), GSIZE_TO_POINTER (1));
  g_mutex_unlock (&st->lock);
}

GstStructure *
ec_stats_to_structure (EcStats *st, const gchar *name)
{
  gdouble inf50, inf99, q50, q99, a50, a99;
  GstStructure *s;

  g_mutex_lock (&st->lock);
  window_percentiles (&st->inference_us, &inf50, &inf99);
  window_percentiles (&st->queue_us, &q50, &q99);
  window_percentiles (&st->age_ms, &a50, &a99);
  s = gst_structure_new (
      name, "frames-in", G_TYPE_UINT64, st->frames_in, "frames-out",
      G_TYPE_UINT64, st->frames_out, "fresh-results", G_TYPE_UINT64, st->fresh,
      "requests-replaced", G_TYPE_UINT64, st->replaced, "inference-us-p50",
      G_TYPE_DOUBLE, inf50, "inference-us-p99", G_TYPE_DOUBLE, inf99,
      "queue-wait-us-p50", G_TYPE_DOUBLE, q50, "queue-wait-us-p99",
      G_TYPE_DOUBLE, q99, "result-age-ms-p50", G_TYPE_DOUBLE, a50,
      "result-age-ms-p99", G_TYPE_DOUBLE, a99, "mode", G_TYPE_STRING, st->mode,
      "stream-id", G_TYPE_STRING, st->stream_id ? st->stream_id : "", NULL);
  g_mutex_unlock (&st->lock);
  return s;
}

/* ---- the text exposition ---- */

void
ec_metrics_label_value (GString *out, const gchar *v)
{
  for (const gchar *p = v ? v : ""; *p; p++) {
    if (*p == '\\' || *p == '"')
      g_string_append_c (out, '\\');
    if (*p == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *p);
  }
}

void
ec_metrics_number (GString *out, gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE], format[8], *e;
  gint exponent;

  if (isnan (v)) {
    g_string_append (out, "NaN");
    return;
  }
  if (isinf (v)) {
    g_string_append (out, v > 0 ? "+Inf" : "-Inf");
    return;
  }
  /* %.17g always reads back, but writes 0.1 as 0.10000000000000001: a
   * bucket bound must read as its label in a query (le="0.1") */
  for (gint digits = 1; digits <= 17; digits++) {
    g_snprintf (format, sizeof format, "%%.%dg", digits);
    g_ascii_formatd (buf, sizeof buf, format, v);
    if (g_ascii_strtod (buf, NULL) == v)
      break;
  }
  /* 10 rather than 1e+01: as many digits as the whole part has */
  if ((e = strchr (buf, 'e')) != NULL && (exponent = atoi (e + 1)) >= 0
      && exponent < 16) {
    g_snprintf (format, sizeof format, "%%.%dg", exponent + 1);
    g_ascii_formatd (buf, sizeof buf, format, v);
  }
  g_string_append (out, buf);
  /* OpenMetrics' canonical form of a whole number: 1.0 */
  if (strpbrk (buf, ".e") == NULL)
    g_string_append (out, ".0");
}

void
ec_metrics_family (GString *out, EcExposition format, const gchar *name,
                   const gchar *type, const gchar *help)
{
  const gchar *suffix
      = format == EC_EXPOSITION_PROMETHEUS && strcmp (type, "counter") == 0
            ? "_total"
            : "";

  g_string_append_printf (out, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix,
                          help, name, suffix, type);
}

static void
append_labels (GString *out, const EcStats *st, const gchar *extra_name,
               const gchar *extra_value)
{
  g_string_append (out, "{element=\"");
  ec_metrics_label_value (out, st->element);
  g_string_append (out, "\",stream=\"");
  ec_metrics_label_value (out, st->stream_id);
  g_string_append_c (out, '"');
  if (extra_name) {
    g_string_append_printf (out, ",%s=\"", extra_name);
    ec_metrics_label_value (out, extra_value);
    g_string_append_c (out, '"');
  }
  g_string_append_c (out, '}');
}

typedef enum { M_FRAMES, M_FRESH, M_REPLACED, M_DECISIONS } Counter;

static void
render_counter (GString *out, EcExposition format, const gchar *name,
                const gchar *help, Counter which)
{
  ec_metrics_family (out, format, name, "counter", help);
  for (GList *l = registry; l; l = l->next) {
    EcStats *st = l->data;

    g_mutex_lock (&st->lock);
    if (which == M_DECISIONS) {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, st->decisions);
      while (g_hash_table_iter_next (&iter, &key, &value)) {
        g_string_append_printf (out, "%s_total", name);
        append_labels (out, st, "label", key);
        g_string_append_printf (out, " %" G_GSIZE_FORMAT "\n",
                                GPOINTER_TO_SIZE (value));
      }
    } else {
      guint64 v = which == M_FRAMES  ? st->frames_in
                  : which == M_FRESH ? st->fresh
                                     : st->replaced;
      g_string_append_printf (out, "%s_total", name);
      append_labels (out, st, NULL, NULL);
      g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", v);
    }
    g_mutex_unlock (&st->lock);
  }
}

static void
render_histogram (GString *out, EcExposition format, const gchar *name,
                  const gchar *help, gsize offset)
{
  GString *le = g_string_new (NULL);

  ec_metrics_family (out, format, name, "histogram", help);
  for (GList *l = registry; l; l = l->next) {
    EcStats *st = l->data;
    const Histogram *h;
    guint64 cum = 0;

    g_mutex_lock (&st->lock);
    h = (const Histogram *)((const guint8 *)st + offset);
    for (guint i = 0; i <= N_BOUNDS; i++) {
      g_string_truncate (le, 0);
      if (i < N_BOUNDS) {
        cum += h->bucket[i];
        ec_metrics_number (le, bounds[i]);
      } else {
        g_string_append (le, "+Inf");
      }
      g_string_append_printf (out, "%s_bucket", name);
      append_labels (out, st, "le", le->str);
      g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n",
                              i < N_BOUNDS ? cum : h->count);
    }
    g_string_append_printf (out, "%s_count", name);
    append_labels (out, st, NULL, NULL);
    g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", h->count);
    g_string_append_printf (out, "%s_sum", name);
    append_labels (out, st, NULL, NULL);
    g_string_append_c (out, ' ');
    ec_metrics_number (out, h->sum);
    g_string_append_c (out, '\n');
    g_mutex_unlock (&st->lock);
  }
  g_string_free (le, TRUE);
}

void
ec_stats_render_metrics (GString *out, EcExposition format)
{
  g_mutex_lock (&registry_lock);
  render_counter (out, format, "edgeclassify_frames",
                  "Frames that went through", M_FRAMES);
  render_counter (out, format, "edgeclassify_fresh_results",
                  "Inferences completed (fresh results)", M_FRESH);
  render_counter (out, format, "edgeclassify_requests_replaced",
                  "Requests replaced by a newer frame before they started",
                  M_REPLACED);
  render_counter (out, format, "edgeclassify_decisions",
                  "Fresh results by top-1 label", M_DECISIONS);
  render_histogram (out, format, "edgeclassify_inference_seconds",
                    "Preprocessing and model run time of an inference",
                    G_STRUCT_OFFSET (EcStats, inference_h));
  render_histogram (out, format, "edgeclassify_queue_wait_seconds",
                    "Wait of a request for its turn on the scheduler",
                    G_STRUCT_OFFSET (EcStats, queue_h));
  render_histogram (out, format, "edgeclassify_result_age_seconds",
                    "Age of the result a frame carries",
                    G_STRUCT_OFFSET (EcStats, age_h));
  g_mutex_unlock (&registry_lock);
}
