/* edgeclassify: the properties of edgereport's outputs, as tables
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

#include "edgereport-props.h"

void
edge_prop_install (GObjectClass *klass, guint prop_id, const EdgeProp *prop)
{
  const GParamFlags flags
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  GParamSpec *pspec = NULL;

  switch (prop->type) {
  case EDGE_PROP_STRING:
    pspec = g_param_spec_string (prop->name, prop->name, prop->blurb,
                                 prop->def_str, flags);
    break;
  case EDGE_PROP_INT:
    pspec = g_param_spec_int (prop->name, prop->name, prop->blurb, G_MININT,
                              G_MAXINT, (gint)prop->def, flags);
    break;
  case EDGE_PROP_UINT:
    pspec = g_param_spec_uint (prop->name, prop->name, prop->blurb, 0,
                               G_MAXUINT, (guint)prop->def, flags);
    break;
  case EDGE_PROP_UINT64:
    pspec = g_param_spec_uint64 (prop->name, prop->name, prop->blurb, 0,
                                 G_MAXUINT64, (guint64)prop->def, flags);
    break;
  }
  g_object_class_install_property (klass, prop_id, pspec);
}

void
edge_props_init (const EdgeProp *props, guint n, gpointer settings)
{
  for (guint i = 0; i < n; i++) {
    gpointer field = EDGE_PROP_FIELD (settings, &props[i]);

    switch (props[i].type) {
    case EDGE_PROP_STRING:
      *(gchar **)field = g_strdup (props[i].def_str);
      break;
    case EDGE_PROP_INT:
      *(gint *)field = (gint)props[i].def;
      break;
    case EDGE_PROP_UINT:
      *(guint *)field = (guint)props[i].def;
      break;
    case EDGE_PROP_UINT64:
      *(guint64 *)field = (guint64)props[i].def;
      break;
    }
  }
}

void
edge_props_clear (const EdgeProp *props, guint n, gpointer settings)
{
  for (guint i = 0; i < n; i++)
    if (props[i].type == EDGE_PROP_STRING)
      g_clear_pointer ((gchar **)EDGE_PROP_FIELD (settings, &props[i]), g_free);
}

void
edge_props_copy (const EdgeProp *props, guint n, gpointer dst,
                 gconstpointer src)
{
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    edge_prop_get_value (&props[i], src, &v);
    edge_prop_set_value (&props[i], dst, &v);
    g_value_unset (&v);
  }
}

void
edge_prop_set_value (const EdgeProp *prop, gpointer settings,
                     const GValue *value)
{
  gpointer field = EDGE_PROP_FIELD (settings, prop);

  switch (prop->type) {
  case EDGE_PROP_STRING:
    g_free (*(gchar **)field);
    *(gchar **)field = g_value_dup_string (value);
    break;
  case EDGE_PROP_INT:
    *(gint *)field = g_value_get_int (value);
    break;
  case EDGE_PROP_UINT:
    *(guint *)field = g_value_get_uint (value);
    break;
  case EDGE_PROP_UINT64:
    *(guint64 *)field = g_value_get_uint64 (value);
    break;
  }
}

void
edge_prop_get_value (const EdgeProp *prop, gconstpointer settings,
                     GValue *value)
{
  gconstpointer field = EDGE_PROP_FIELD (settings, prop);

  switch (prop->type) {
  case EDGE_PROP_STRING:
    g_value_init (value, G_TYPE_STRING);
    g_value_set_string (value, *(gchar *const *)field);
    break;
  case EDGE_PROP_INT:
    g_value_init (value, G_TYPE_INT);
    g_value_set_int (value, *(const gint *)field);
    break;
  case EDGE_PROP_UINT:
    g_value_init (value, G_TYPE_UINT);
    g_value_set_uint (value, *(const guint *)field);
    break;
  case EDGE_PROP_UINT64:
    g_value_init (value, G_TYPE_UINT64);
    g_value_set_uint64 (value, *(const guint64 *)field);
    break;
  }
}

const EdgeProp *
edge_props_check (const EdgeProp *props, guint n, gconstpointer settings,
                  gchar **value)
{
  for (guint i = 0; i < n; i++) {
    gconstpointer field = EDGE_PROP_FIELD (settings, &props[i]);
    gboolean ok = TRUE;

    switch (props[i].type) {
    case EDGE_PROP_STRING:
      break;
    case EDGE_PROP_INT:
      ok = *(const gint *)field >= props[i].min
           && *(const gint *)field <= props[i].max;
      if (!ok)
        *value = g_strdup_printf ("%d", *(const gint *)field);
      break;
    case EDGE_PROP_UINT:
      ok = *(const guint *)field >= props[i].min
           && *(const guint *)field <= props[i].max;
      if (!ok)
        *value = g_strdup_printf ("%u", *(const guint *)field);
      break;
    case EDGE_PROP_UINT64:
      /* rules of 64-bit numbers stay below G_MAXINT64 */
      ok = *(const guint64 *)field >= (guint64)props[i].min
           && *(const guint64 *)field <= (guint64)props[i].max;
      if (!ok)
        *value
            = g_strdup_printf ("%" G_GUINT64_FORMAT, *(const guint64 *)field);
      break;
    }
    if (!ok)
      return &props[i];
  }
  return NULL;
}
