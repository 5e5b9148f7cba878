/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The element's model cache (gst/edgeclassify-cache.c), on its own: one
 * loaded model per file (canonical path + size + mtime), shared by every
 * holder and by concurrent first loads; failures are not cached. */

#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <utime.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "edgeclassify-cache.h"

GST_DEBUG_CATEGORY (gst_edge_classify_debug);

static gchar *
model_path (const gchar *name)
{
  const gchar *dir = g_getenv ("EDGECLASSIFY_TEST_MODELS");

  fail_unless (dir != NULL, "EDGECLASSIFY_TEST_MODELS is not set");
  return g_build_filename (dir, name, NULL);
}

static EcCachedModel *
acquire (const gchar *path)
{
  EcError err = {
    NN_OK,
  };
  EcCachedModel *cached = ec_model_cache_acquire_file (path, &err);

  fail_unless (cached != NULL, "%s: %s", path, err.detail);
  return cached;
}

GST_START_TEST (test_cache_shares)
{
  gchar *seed = model_path ("seed.onnx"), *two = model_path ("two.onnx");
  EcCachedModel *a = acquire (seed), *b = acquire (seed), *c = acquire (two);

  fail_unless (a == b);
  fail_unless (ec_cached_model_get (a) == ec_cached_model_get (b));
  fail_unless (a != c);
  fail_unless_equals_int (ec_model_cache_n_entries (), 2);
  ec_model_cache_release (a);
  fail_unless_equals_int (ec_model_cache_n_entries (), 2);
  ec_model_cache_release (b);
  ec_model_cache_release (c);
  fail_unless_equals_int (ec_model_cache_n_entries (), 0);
  g_free (seed);
  g_free (two);
}

GST_END_TEST;

GST_START_TEST (test_cache_canonical_path)
{
  gchar *seed = model_path ("seed.onnx");
  gchar *dir = g_dir_make_tmp ("edgeclassify-XXXXXX", NULL);
  gchar *link = g_build_filename (dir, "link.onnx", NULL);
  gchar *dotted
      = g_strdup_printf ("%s/../%s/link.onnx", dir, strrchr (dir, '/') + 1);
  EcCachedModel *a, *b, *c;

  fail_unless (symlink (seed, link) == 0);
  a = acquire (seed);
  b = acquire (link);
  c = acquire (dotted);
  fail_unless (a == b && b == c);
  ec_model_cache_release (a);
  ec_model_cache_release (b);
  ec_model_cache_release (c);
  g_unlink (link);
  g_rmdir (dir);
  g_free (dotted);
  g_free (link);
  g_free (dir);
  g_free (seed);
}

GST_END_TEST;

GST_START_TEST (test_cache_changed_file)
{
  gchar *seed = model_path ("seed.onnx"), *contents;
  gchar *dir = g_dir_make_tmp ("edgeclassify-XXXXXX", NULL);
  gchar *copy = g_build_filename (dir, "model.onnx", NULL);
  struct utimbuf times = { 1000000000, 1000000000 };
  EcCachedModel *a, *b;
  gsize len;

  fail_unless (g_file_get_contents (seed, &contents, &len, NULL));
  fail_unless (g_file_set_contents (copy, contents, len, NULL));
  fail_unless (utime (copy, &times) == 0);
  a = acquire (copy);
  /* the file is replaced: a new load, the old one lives on for its users */
  times.modtime += 10;
  fail_unless (utime (copy, &times) == 0);
  b = acquire (copy);
  fail_unless (a != b);
  fail_unless_equals_int (ec_model_cache_n_entries (), 2);
  ec_model_cache_release (a);
  ec_model_cache_release (b);
  fail_unless_equals_int (ec_model_cache_n_entries (), 0);
  g_unlink (copy);
  g_rmdir (dir);
  g_free (copy);
  g_free (dir);
  g_free (contents);
  g_free (seed);
}

GST_END_TEST;

GST_START_TEST (test_cache_failures_not_cached)
{
  const gchar *names[] = { "corrupt.onnx", "missing.onnx", "a-directory.onnx" };
  const nn_status expect[] = { NN_BAD_MODEL, NN_NOT_FOUND, NN_IO };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = model_path (names[i]);
    EcError err = {
      NN_OK,
    };

    fail_unless (ec_model_cache_acquire_file (path, &err) == NULL);
    fail_unless_equals_int (err.status, expect[i]);
    fail_unless_equals_int (err.what, EC_WHAT_MODEL);
    fail_unless_equals_string (err.path, path);
    fail_unless_equals_int (ec_model_cache_n_entries (), 0);
    ec_error_clear (&err);
    g_free (path);
  }
}

GST_END_TEST;

#define N_THREADS 8

typedef struct {
  gchar *path;
  gint go;
  EcCachedModel *got[N_THREADS];
  guint next;
} RaceData;

static gpointer
race (gpointer user_data)
{
  RaceData *d = user_data;
  guint me = g_atomic_int_add (&d->next, 1);

  while (!g_atomic_int_get (&d->go))
    g_thread_yield ();
  d->got[me] = acquire (d->path);
  return NULL;
}

/* Instances starting together load the file once and share it. */
GST_START_TEST (test_cache_concurrent_first_load)
{
  RaceData d = { model_path ("seed.onnx"),
                 0,
                 {
                     NULL,
                 },
                 0 };
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("race", race, &d);
  g_atomic_int_set (&d.go, 1);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < N_THREADS; i++) {
    fail_unless (d.got[i] == d.got[0]);
    ec_model_cache_release (d.got[i]);
  }
  fail_unless_equals_int (ec_model_cache_n_entries (), 0);
  g_free (d.path);
}

GST_END_TEST;

static Suite *
cache_suite (void)
{
  Suite *s = suite_create ("edgeclassify-cache");
  TCase *tc = tcase_create ("general");

  GST_DEBUG_CATEGORY_INIT (gst_edge_classify_debug, "edgeclassify", 0,
                           "edgeclassify");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_cache_shares);
  tcase_add_test (tc, test_cache_canonical_path);
  tcase_add_test (tc, test_cache_changed_file);
  tcase_add_test (tc, test_cache_failures_not_cached);
  tcase_add_test (tc, test_cache_concurrent_first_load);
  return s;
}

GST_CHECK_MAIN (cache);
