/* edgeclassify: the outputs of edgereport
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

#include "edgereport-output.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

#define ANNOUNCE_INTERVAL (5 * G_TIME_SPAN_SECOND)

extern const EdgeOutputClass edge_output_metrics;
extern const EdgeOutputClass edge_output_file;
extern const EdgeOutputClass edge_output_mqtt;

/* In the order they open: the metrics server first, so that an address it
 * cannot have fails the start before a file is created or a broker
 * called. */
const EdgeOutputClass *const edge_outputs[] = {
  &edge_output_metrics,
  &edge_output_file,
  &edge_output_mqtt,
  NULL,
};

/* The published outputs of the running elements */
typedef struct {
  gchar *element;
  EdgeOutput **outputs;
} Published;

static GMutex published_lock;
static GList *published; /* of Published */

gpointer
edge_output_new (const EdgeOutputClass *klass, gsize size, GstElement *element)
{
  EdgeOutput *out = g_malloc0 (MAX (size, sizeof (EdgeOutput)));

  out->klass = klass;
  out->element = element;
  g_mutex_init (&out->lock);
  out->reasons = g_array_new (FALSE, FALSE, sizeof (EdgeDropReason));
  return out;
}

static void
reason_clear (gpointer data)
{
  g_free (((EdgeDropReason *)data)->why);
}

void
edge_output_free (EdgeOutput *out)
{
  g_mutex_clear (&out->lock);
  g_free (out->why);
  g_array_set_clear_func (out->reasons, reason_clear);
  g_array_unref (out->reasons);
  if (out->drop_info)
    gst_structure_free (out->drop_info);
  g_free (out);
}

/* Called with the lock held; returns the messages to post, if any */
static void
announce_locked (EdgeOutput *out, GstMessage **warning, GstMessage **element)
{
  GstStructure *s;
  GError *err;
  gchar *debug;

  if (out->dropped == out->announced)
    return;
  if (out->announced == 0)
    err = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
                       "Results are being lost (%s output): %s.",
                       out->klass->name, out->why);
  else
    err = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
                       "%" G_GUINT64_FORMAT " results lost so far (%s "
                       "output), the last because %s.",
                       out->dropped, out->klass->name, out->why);
  debug = g_strdup_printf ("%" G_GUINT64_FORMAT " lost since the last report",
                           out->dropped - out->announced);
  *warning = gst_message_new_warning (GST_OBJECT (out->element), err, debug);
  g_error_free (err);
  g_free (debug);

  out->announced = out->dropped;
  out->last_announce = g_get_monotonic_time ();
  s = out->drop_info ? gst_structure_copy (out->drop_info)
                     : gst_structure_new_empty ("edgereport-dropped");
  gst_structure_set_name (s, "edgereport-dropped");
  gst_structure_set (s, "dropped", G_TYPE_UINT64, out->dropped, "output",
                     G_TYPE_STRING, out->klass->name, "reason", G_TYPE_STRING,
                     out->why, NULL);
  *element = gst_message_new_element (GST_OBJECT (out->element), s);
}

static void
post (EdgeOutput *out, GstMessage *warning, GstMessage *element)
{
  if (warning) {
    GError *err = NULL;

    gst_message_parse_warning (warning, &err, NULL);
    GST_WARNING_OBJECT (out->element, "%s", err->message);
    g_error_free (err);
    gst_element_post_message (out->element, warning);
  }
  if (element)
    gst_element_post_message (out->element, element);
}

static EdgeDropReason *
find_reason (GArray *reasons, const gchar *why)
{
  for (guint i = 0; i < reasons->len; i++)
    if (strcmp (g_array_index (reasons, EdgeDropReason, i).why, why) == 0)
      return &g_array_index (reasons, EdgeDropReason, i);
  return NULL;
}

/* Called with the lock held */
static void
count_reason_locked (EdgeOutput *out, guint64 n, const gchar *why)
{
  EdgeDropReason *known = find_reason (out->reasons, why);
  EdgeDropReason r;

  /* a reason may name a file or a system error: bound the label values */
  if (known == NULL && out->reasons->len >= EDGE_MAX_REASONS)
    known = find_reason (out->reasons, why = EDGE_OTHER_REASONS);
  if (known) {
    known->dropped += n;
    return;
  }
  r.why = g_strdup (why);
  r.dropped = n;
  g_array_append_val (out->reasons, r);
}

void
edge_output_drop (EdgeOutput *out, guint64 n, const gchar *why)
{
  GstMessage *warning = NULL, *element = NULL;

  g_mutex_lock (&out->lock);
  out->dropped += n;
  count_reason_locked (out, n, why);
  if (g_strcmp0 (out->why, why) != 0) {
    g_free (out->why);
    out->why = g_strdup (why);
  }
  if (out->announced == 0
      || g_get_monotonic_time () - out->last_announce >= ANNOUNCE_INTERVAL)
    announce_locked (out, &warning, &element);
  g_mutex_unlock (&out->lock);
  post (out, warning, element);
}

void
edge_output_announce (EdgeOutput *out)
{
  GstMessage *warning = NULL, *element = NULL;

  g_mutex_lock (&out->lock);
  announce_locked (out, &warning, &element);
  g_mutex_unlock (&out->lock);
  post (out, warning, element);
}

void
edge_output_stats (EdgeOutput *out, EdgeOutputStats *stats)
{
  memset (stats, 0, sizeof (*stats));
  g_mutex_lock (&out->lock);
  if (out->klass->stats)
    out->klass->stats (out, stats);
  stats->dropped = out->dropped;
  g_mutex_unlock (&out->lock);
}

void
edge_outputs_publish (GstElement *element, EdgeOutput **outputs)
{
  Published *p = g_new0 (Published, 1);

  p->element = gst_object_get_name (GST_OBJECT (element));
  p->outputs = outputs;
  g_mutex_lock (&published_lock);
  published = g_list_append (published, p);
  g_mutex_unlock (&published_lock);
}

void
edge_outputs_withdraw (EdgeOutput **outputs)
{
  Published *p = NULL;

  g_mutex_lock (&published_lock);
  for (GList *l = published; l; l = l->next) {
    if (((Published *)l->data)->outputs == outputs) {
      p = l->data;
      published = g_list_delete_link (published, l);
      break;
    }
  }
  g_mutex_unlock (&published_lock);
  if (p) {
    g_free (p->element);
    g_free (p);
  }
}

static void
snapshot_free (gpointer data)
{
  EdgeOutputSnapshot *s = data;

  g_free (s->element);
  g_array_unref (s->reasons);
  g_free (s);
}

GPtrArray *
edge_outputs_snapshot (void)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (snapshot_free);

  g_mutex_lock (&published_lock);
  for (GList *l = published; l; l = l->next) {
    Published *p = l->data;

    for (EdgeOutput **out = p->outputs; *out; out++) {
      EdgeOutputSnapshot *s;

      if ((*out)->klass->stats == NULL)
        continue;
      s = g_new0 (EdgeOutputSnapshot, 1);
      s->element = g_strdup (p->element);
      s->output = (*out)->klass->name;
      s->reasons = g_array_new (FALSE, FALSE, sizeof (EdgeDropReason));
      g_array_set_clear_func (s->reasons, reason_clear);
      /* as edge_output_stats(), and the reasons under the same lock: they
       * add up to dropped */
      g_mutex_lock (&(*out)->lock);
      (*out)->klass->stats (*out, &s->stats);
      s->stats.dropped = (*out)->dropped;
      for (guint i = 0; i < (*out)->reasons->len; i++) {
        EdgeDropReason r = g_array_index ((*out)->reasons, EdgeDropReason, i);

        r.why = g_strdup (r.why);
        g_array_append_val (s->reasons, r);
      }
      g_mutex_unlock (&(*out)->lock);
      g_ptr_array_add (all, s);
    }
  }
  g_mutex_unlock (&published_lock);
  return all;
}
