/* edgeclassify: per-stream statistics, and the registry of all of them
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_STATS_H__
#define __EDGECLASSIFY_STATS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* What one edgeclassify instance did: counters, the recent distribution of
 * inference time, queue wait and result age (for p50/p99), histograms
 * since start (for Prometheus), and decisions per label. The recording
 * calls take a short lock and never allocate, except the first time a
 * label is decided. Every instance's stats are in a process-wide registry
 * that ec_stats_render_metrics() reads (edgereport's /metrics). */
typedef struct _EcStats EcStats;

/* Registered under @element (the element's name). */
EcStats *ec_stats_new (const gchar *element);
void ec_stats_free (EcStats *st);

/* Labels of the series: the stream id (STREAM_START) and element name. */
void ec_stats_set_names (EcStats *st, const gchar *element,
                         const gchar *stream_id);
/* "sync" or "async": the mode in effect. */
void ec_stats_set_mode (EcStats *st, const gchar *mode);

/* A frame came in; @passed: it went out (not dropped by a flush or an
 * error); @carried: it carried a result, @age_ms old. */
void ec_stats_frame (EcStats *st, gboolean passed, gboolean carried,
                     gdouble age_ms);
/* A fresh result: preprocessing + run time, and the wait for a turn. */
void ec_stats_fresh (EcStats *st, gdouble inference_us, gdouble queue_us);
/* A request replaced by a newer one before it started. */
void ec_stats_replaced (EcStats *st);
/* The top-1 label of a fresh result. */
void ec_stats_decision (EcStats *st, const gchar *label);

/* The "stats" property and the edgeclassify-stats message: a structure
 * named @name with frames-in, frames-out, fresh-results,
 * requests-replaced (guint64), inference-us-p50/p99, queue-wait-us-p50/p99,
 * result-age-ms-p50/p99 (gdouble, over the last 1024 samples; 0 before
 * any), mode and stream-id (strings). */
GstStructure *ec_stats_to_structure (EcStats *st, const gchar *name);

/* The text formats of a metrics exposition. They differ in the name of a
 * counter family: OpenMetrics names it without the "_total" of its
 * samples, the Prometheus format with it. */
typedef enum {
  EC_EXPOSITION_PROMETHEUS,  /* text/plain; version=0.0.4 */
  EC_EXPOSITION_OPENMETRICS, /* application/openmetrics-text; 1.0.0 */
} EcExposition;

/* Appends the exposition of every registered instance, each family once
 * (without OpenMetrics' final "# EOF"). */
void ec_stats_render_metrics (GString *out, EcExposition format);

/* For other expositions in the same text: the HELP and TYPE lines of a
 * family (@type "counter", "gauge" or "histogram"; a counter's @name
 * without "_total"), a label value with its escapes, and a number as the
 * shortest decimal that reads back as the same double ("1.0", "0.1",
 * "+Inf"). */
void ec_metrics_family (GString *out, EcExposition format, const gchar *name,
                        const gchar *type, const gchar *help);
void ec_metrics_label_value (GString *out, const gchar *value);
void ec_metrics_number (GString *out, gdouble value);

G_END_DECLS
#endif /* __EDGECLASSIFY_STATS_H__ */
