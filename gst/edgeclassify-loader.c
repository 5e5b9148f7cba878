/* edgeclassify: loading engines when the element starts and when a model
 * property changes while it runs
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

#include "edgeclassify-loader.h"

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

struct _EcLoader {
  EcSnapshotFunc snapshot;
  gpointer user_data;

  GMutex build_lock; /* one build at a time; start and stop */
  gint running;      /* atomic, written under build_lock */

  GMutex lock;        /* the fields below, briefly */
  EcEngine *pending;  /* built, not taken yet */
  gint width, height; /* negotiated, 0: none */
  EcSettings applied; /* of the newest engine */
};

EcLoader *
ec_loader_new (EcSnapshotFunc snapshot, gpointer user_data)
{
  EcLoader *l = g_new0 (EcLoader, 1);

  l->snapshot = snapshot;
  l->user_data = user_data;
  g_mutex_init (&l->build_lock);
  g_mutex_init (&l->lock);
  return l;
}

void
ec_loader_free (EcLoader *l)
{
  if (l == NULL)
    return;
  ec_engine_free (l->pending);
  ec_settings_clear (&l->applied);
  g_mutex_clear (&l->build_lock);
  g_mutex_clear (&l->lock);
  g_free (l);
}

/* Build lock held. Blocks while the model loads; planned for the frame
 * size when one is negotiated (a change while playing). */
static EcEngine *
build_locked (EcLoader *l, EcError *err)
{
  EcSettings settings = { 0 };
  EcEngine *engine;
  gint width, height;

  l->snapshot (l->user_data, &settings);
  g_mutex_lock (&l->lock);
  width = l->width;
  height = l->height;
  g_mutex_unlock (&l->lock);

  engine = ec_engine_new (&settings, err);
  if (engine != NULL && width > 0
      && !ec_engine_plan (engine, width, height, err))
    g_clear_pointer (&engine, ec_engine_free);
  if (engine == NULL) {
    ec_settings_clear (&settings);
    return NULL;
  }
  g_mutex_lock (&l->lock);
  ec_settings_clear (&l->applied);
  l->applied = settings;
  g_mutex_unlock (&l->lock);
  return engine;
}

EcEngine *
ec_loader_start (EcLoader *l, EcError *err)
{
  EcEngine *engine;

  g_mutex_lock (&l->build_lock);
  engine = build_locked (l, err);
  if (engine != NULL)
    g_atomic_int_set (&l->running, TRUE);
  g_mutex_unlock (&l->build_lock);
  return engine;
}

void
ec_loader_stop (EcLoader *l)
{
  EcEngine *pending;

  g_mutex_lock (&l->build_lock);
  g_atomic_int_set (&l->running, FALSE);
  g_mutex_lock (&l->lock);
  pending = l->pending;
  l->pending = NULL;
  l->width = l->height = 0;
  ec_settings_clear (&l->applied);
  g_mutex_unlock (&l->lock);
  g_mutex_unlock (&l->build_lock);
  ec_engine_free (pending);
}

gboolean
ec_loader_running (EcLoader *l)
{
  return g_atomic_int_get (&l->running);
}

gboolean
ec_loader_reload (EcLoader *l, EcError *err)
{
  EcEngine *engine, *old;

  g_mutex_lock (&l->build_lock);
  if (!g_atomic_int_get (&l->running)) {
    g_mutex_unlock (&l->build_lock);
    return TRUE;
  }
  engine = build_locked (l, err);
  if (engine != NULL) {
    g_mutex_lock (&l->lock);
    old = l->pending;
    l->pending = engine;
    g_mutex_unlock (&l->lock);
    ec_engine_free (old);
    GST_INFO ("new model ready: %s", engine->name);
  }
  g_mutex_unlock (&l->build_lock);
  return engine != NULL;
}

EcEngine *
ec_loader_take (EcLoader *l)
{
  EcEngine *engine;

  g_mutex_lock (&l->lock);
  engine = l->pending;
  l->pending = NULL;
  g_mutex_unlock (&l->lock);
  return engine;
}

void
ec_loader_set_size (EcLoader *l, gint width, gint height)
{
  g_mutex_lock (&l->lock);
  l->width = width;
  l->height = height;
  g_mutex_unlock (&l->lock);
}

void
ec_loader_applied (EcLoader *l, EcSettings *out)
{
  g_mutex_lock (&l->lock);
  ec_settings_copy (out, &l->applied);
  g_mutex_unlock (&l->lock);
}
