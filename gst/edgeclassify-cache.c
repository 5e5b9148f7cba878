/* edgeclassify: process-wide cache of loaded models
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

#include "edgeclassify-cache.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_classify_debug);
#define GST_CAT_DEFAULT gst_edge_classify_debug

typedef enum { EC_ENTRY_LOADING, EC_ENTRY_READY, EC_ENTRY_FAILED } EcEntryState;

struct _EcCachedModel {
  gchar *key;
  guint users;        /* references handed out, table lock */
  EcEntryState state; /* table lock */
  nn_model *model;    /* set once, before state becomes READY */
  nn_status status;   /* when FAILED */
  gchar *message;     /* when FAILED */
};

/* The table lock guards the table, users and state, never a load. */
static GMutex cache_lock;
static GCond cache_cond;
static GHashTable *cache_table; /* key -> EcCachedModel, borrowed key */

static void
ec_cached_model_free (EcCachedModel *cached)
{
  nn_model_unref (cached->model);
  g_free (cached->message);
  g_free (cached->key);
  g_free (cached);
}

/* Called with the table lock held. Finds or creates the entry for @key and
 * takes a user reference. *loader is TRUE when the caller must load it. */
static EcCachedModel *
ec_cache_lookup_locked (const gchar *key, gboolean *loader)
{
  EcCachedModel *cached;

  if (cache_table == NULL)
    cache_table = g_hash_table_new (g_str_hash, g_str_equal);

  cached = g_hash_table_lookup (cache_table, key);
  if (cached != NULL) {
    cached->users++;
    *loader = FALSE;
    return cached;
  }

  cached = g_new0 (EcCachedModel, 1);
  cached->key = g_strdup (key);
  cached->users = 1;
  cached->state = EC_ENTRY_LOADING;
  g_hash_table_insert (cache_table, cached->key, cached);
  *loader = TRUE;
  return cached;
}

/* Table lock held: drops one user; the last one frees the entry. */
static void
ec_cache_release_locked (EcCachedModel *cached)
{
  g_assert (cached->users > 0);
  if (--cached->users > 0)
    return;
  if (g_hash_table_lookup (cache_table, cached->key) == cached)
    g_hash_table_remove (cache_table, cached->key);
  ec_cached_model_free (cached);
}

/* The loader publishes its outcome; waiters wake up. */
static void
ec_cache_finish_load (EcCachedModel *cached, nn_model *model,
                      const nn_error *nerr)
{
  g_mutex_lock (&cache_lock);
  if (model != NULL) {
    cached->model = model;
    cached->state = EC_ENTRY_READY;
  } else {
    cached->status = nerr->status;
    cached->message = g_strdup (nerr->message);
    cached->state = EC_ENTRY_FAILED;
    /* a failed load is not cached: the next start tries again */
    g_hash_table_remove (cache_table, cached->key);
  }
  g_cond_broadcast (&cache_cond);
  g_mutex_unlock (&cache_lock);
}

typedef nn_status (*EcLoadFunc) (gconstpointer arg1, gsize size, nn_model **out,
                                 nn_error *nerr);

static nn_status
ec_load_file (gconstpointer arg1, gsize size, nn_model **out, nn_error *nerr)
{
  return nn_model_load_file ((const gchar *)arg1, NULL, out, nerr);
}

static nn_status
ec_load_memory (gconstpointer arg1, gsize size, nn_model **out, nn_error *nerr)
{
  return nn_model_load_memory (arg1, size, NULL, out, nerr);
}

static EcCachedModel *
ec_cache_acquire (const gchar *key, EcLoadFunc load, gconstpointer arg1,
                  gsize size, const gchar *display, EcError *err)
{
  EcCachedModel *cached;
  gboolean loader;
  nn_status status;
  gchar *message;

  g_mutex_lock (&cache_lock);
  cached = ec_cache_lookup_locked (key, &loader);
  g_mutex_unlock (&cache_lock);

  if (loader) {
    nn_model *model = NULL;
    nn_error nerr = { NN_OK, "" };

    GST_DEBUG ("loading model %s", key);
    load (arg1, size, &model, &nerr);
    if (model == NULL && nerr.status == NN_OK) {
      nerr.status = NN_INTERNAL;
      g_strlcpy (nerr.message, "load returned no model", sizeof nerr.message);
    }
    ec_cache_finish_load (cached, model, &nerr);
  } else {
    GST_DEBUG ("sharing model %s", key);
  }

  g_mutex_lock (&cache_lock);
  while (cached->state == EC_ENTRY_LOADING)
    g_cond_wait (&cache_cond, &cache_lock);
  if (cached->state == EC_ENTRY_READY) {
    g_mutex_unlock (&cache_lock);
    return cached;
  }
  status = cached->status;
  message = g_strdup (cached->message);
  ec_cache_release_locked (cached);
  g_mutex_unlock (&cache_lock);

  ec_error_set (err, status, EC_WHAT_MODEL, display, "%s", message);
  g_free (message);
  return NULL;
}

EcCachedModel *
ec_model_cache_acquire_file (const gchar *path, EcError *err)
{
  EcCachedModel *cached;
  struct stat st;
  char *canonical;
  gchar *key;

  /* The key needs the real file; stat() also turns the common mistakes
   * into clear errors before the loader sees them. */
  if (stat (path, &st) != 0) {
    int e = errno;
    ec_error_set (err, (e == ENOENT || e == ENOTDIR) ? NN_NOT_FOUND : NN_IO,
                  EC_WHAT_MODEL, path, "stat: %s", g_strerror (e));
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    ec_error_set (err, NN_IO, EC_WHAT_MODEL, path, "is a directory");
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    ec_error_set (err, NN_IO, EC_WHAT_MODEL, path, "not a regular file");
    return NULL;
  }
  canonical = realpath (path, NULL);
  if (canonical == NULL) {
    int e = errno;
    ec_error_set (err, e == ENOENT ? NN_NOT_FOUND : NN_IO, EC_WHAT_MODEL, path,
                  "realpath: %s", g_strerror (e));
    return NULL;
  }

  key = g_strdup_printf (
      "file:%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ".%09ld", canonical,
      (gint64)st.st_size, (gint64)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
  cached = ec_cache_acquire (key, ec_load_file, canonical, 0, path, err);
  g_free (key);
  free (canonical);
  return cached;
}

EcCachedModel *
ec_model_cache_acquire_memory (const gchar *key, const void *data, gsize size,
                               EcError *err)
{
  EcCachedModel *cached;
  gchar *full = g_strdup_printf ("memory:%s", key);

  cached = ec_cache_acquire (full, ec_load_memory, data, size, NULL, err);
  g_free (full);
  return cached;
}

nn_model *
ec_cached_model_get (EcCachedModel *cached)
{
  return cached->model;
}

void
ec_model_cache_release (EcCachedModel *cached)
{
  if (cached == NULL)
    return;
  g_mutex_lock (&cache_lock);
  ec_cache_release_locked (cached);
  g_mutex_unlock (&cache_lock);
}

guint
ec_model_cache_n_entries (void)
{
  guint n;

  g_mutex_lock (&cache_lock);
  n = cache_table ? g_hash_table_size (cache_table) : 0;
  g_mutex_unlock (&cache_lock);
  return n;
}
