/* edgeclassify: process-wide cache of loaded models
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_CACHE_H__
#define __EDGECLASSIFY_CACHE_H__

#include "edgeclassify-adapter.h"

G_BEGIN_DECLS
/* One loaded model shared by every element instance that uses the same
 * file. Key: canonical path + size + mtime, so an edited file is loaded
 * again while instances still running keep the old one. */
typedef struct _EcCachedModel EcCachedModel;

/* Returns a reference to the cached model for @path, loading it when no
 * instance holds it. Blocks the caller during a load; the table lock is not
 * held meanwhile (other files load in parallel; callers asking for the same
 * file wait for the first load instead of loading it twice). */
EcCachedModel *ec_model_cache_acquire_file (const gchar *path, EcError *err);

/* Same for a model in memory (the built-in one), cached under @key. */
EcCachedModel *ec_model_cache_acquire_memory (const gchar *key,
                                              const void *data, gsize size,
                                              EcError *err);

/* The model; valid while the reference is held. */
nn_model *ec_cached_model_get (EcCachedModel *cached);

void ec_model_cache_release (EcCachedModel *cached);

/* Number of models in the table (for tests and debugging). */
guint ec_model_cache_n_entries (void);

G_END_DECLS
#endif /* __EDGECLASSIFY_CACHE_H__ */
