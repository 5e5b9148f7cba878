/* edgeclassify: the properties of edgereport's outputs, as tables
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGEREPORT_PROPS_H__
#define __EDGEREPORT_PROPS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Each output keeps its settings in a plain struct of its own and
 * describes every field once, in a table of EdgeProp: the element installs
 * one GObject property per entry, copies values in and out by offset,
 * checks the rules at start and frees the strings by walking the table.
 *
 * Numbers are installed with the full range of their type, and the rule
 * (min..max) is checked at start, where breaking it is an error on the
 * bus: GObject would otherwise only print a warning on a value out of the
 * property's range and keep the old one, so a typo in a port number would
 * silently connect somewhere else. */
typedef enum {
  EDGE_PROP_STRING, /* gchar *, owned by the settings */
  EDGE_PROP_INT,    /* gint */
  EDGE_PROP_UINT,   /* guint */
  EDGE_PROP_UINT64, /* guint64 */
} EdgePropType;

typedef struct {
  const gchar *name;  /* property name, e.g. "mqtt-port" */
  const gchar *blurb; /* one line for gst-inspect, the rule included */
  EdgePropType type;
  gsize offset;         /* of the field in the settings struct */
  gint64 min, max;      /* numbers: the values accepted at start */
  gint64 def;           /* numbers: the default */
  const gchar *def_str; /* strings: the default (NULL: unset) */
} EdgeProp;

#define EDGE_PROP_FIELD(settings, prop)                                        \
  ((gpointer)((guint8 *)(settings) + (prop)->offset))

/* Installs @prop as property @prop_id of @klass. */
void edge_prop_install (GObjectClass *klass, guint prop_id,
                        const EdgeProp *prop);

/* Sets every field of @settings to its default. */
void edge_props_init (const EdgeProp *props, guint n, gpointer settings);

/* Frees every string of @settings (and sets it to NULL). */
void edge_props_clear (const EdgeProp *props, guint n, gpointer settings);

/* Copies @src to @dst (same struct), duplicating the strings. */
void edge_props_copy (const EdgeProp *props, guint n, gpointer dst,
                      gconstpointer src);

void edge_prop_set_value (const EdgeProp *prop, gpointer settings,
                          const GValue *value);
void edge_prop_get_value (const EdgeProp *prop, gconstpointer settings,
                          GValue *value);

/* The first entry of @props whose value breaks its rule, or NULL; fills
 * @value with that value as text (free with g_free()). */
const EdgeProp *edge_props_check (const EdgeProp *props, guint n,
                                  gconstpointer settings, gchar **value);

G_END_DECLS
#endif /* __EDGEREPORT_PROPS_H__ */
