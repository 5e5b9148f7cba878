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

extern const EdgeOutputClass edge_output_file;
extern const EdgeOutputClass edge_output_mqtt;

const EdgeOutputClass *const edge_outputs[] = {
  &edge_output_file,
  &edge_output_mqtt,
  NULL,
};

gpointer
edge_output_new (const EdgeOutputClass *klass, gsize size, GstElement *element)
{
  EdgeOutput *out = g_malloc0 (MAX (size, sizeof (EdgeOutput)));

  out->klass = klass;
  out->element = element;
  g_mutex_init (&out->lock);
  return out;
}

void
edge_output_free (EdgeOutput *out)
{
  g_mutex_clear (&out->lock);
  if (out->drop_info)
    gst_structure_free (out->drop_info);
  g_free (out);
}

/* Called with the lock held; returns the message to post, if any */
static GstMessage *
announce_locked (EdgeOutput *out, const gchar *why)
{
  GstStructure *s;

  if (out->dropped == out->announced)
    return NULL;
  GST_WARNING_OBJECT (out->element,
                      "%s: %" G_GUINT64_FORMAT " results lost so far: %s",
                      out->klass->name, out->dropped, why);
  out->announced = out->dropped;
  out->last_announce = g_get_monotonic_time ();
  s = out->drop_info ? gst_structure_copy (out->drop_info)
                     : gst_structure_new_empty ("edgereport-dropped");
  gst_structure_set_name (s, "edgereport-dropped");
  gst_structure_set (s, "dropped", G_TYPE_UINT64, out->dropped, "output",
                     G_TYPE_STRING, out->klass->name, "reason", G_TYPE_STRING,
                     why, NULL);
  return gst_message_new_element (GST_OBJECT (out->element), s);
}

void
edge_output_drop (EdgeOutput *out, guint64 n, const gchar *why)
{
  GstMessage *msg = NULL;

  g_mutex_lock (&out->lock);
  out->dropped += n;
  if (out->last_announce == 0
      || g_get_monotonic_time () - out->last_announce >= ANNOUNCE_INTERVAL)
    msg = announce_locked (out, why);
  g_mutex_unlock (&out->lock);
  if (msg)
    gst_element_post_message (out->element, msg);
}

void
edge_output_announce (EdgeOutput *out, const gchar *why)
{
  GstMessage *msg;

  g_mutex_lock (&out->lock);
  msg = announce_locked (out, why);
  g_mutex_unlock (&out->lock);
  if (msg)
    gst_element_post_message (out->element, msg);
}

void
edge_output_stats (EdgeOutput *out, EdgeOutputStats *stats)
{
  memset (stats, 0, sizeof (*stats));
  if (out->klass->stats)
    out->klass->stats (out, stats);
  g_mutex_lock (&out->lock);
  stats->dropped = out->dropped;
  g_mutex_unlock (&out->lock);
}
