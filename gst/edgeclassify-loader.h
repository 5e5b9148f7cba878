/* edgeclassify: loading engines when the element starts and when a model
 * property changes while it runs
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_LOADER_H__
#define __EDGECLASSIFY_LOADER_H__

#include "edgeclassify-engine.h"

G_BEGIN_DECLS

/* The model side of the element's life: the engine built at start, the
 * engines built when a model property changes while running (in the
 * thread that set it, which blocks for the load) and queued for the
 * streaming thread's next frame, and the settings the newest engine was
 * built from. Builds are serialised; the loader has its own locks and
 * never holds one while calling back into the element except @snapshot. */
typedef struct _EcLoader EcLoader;

/* Copies the element's model settings into @out (called under the
 * loader's build lock, so builds follow the order of the changes). */
typedef void (*EcSnapshotFunc) (gpointer user_data, EcSettings *out);

EcLoader *ec_loader_new (EcSnapshotFunc snapshot, gpointer user_data);
void ec_loader_free (EcLoader *l);

/* Builds the first engine and marks the loader running; NULL with @err
 * set on failure. */
EcEngine *ec_loader_start (EcLoader *l, EcError *err);
/* Not running any more: waits for a build in progress, frees an engine
 * not taken, forgets the frame size and the applied settings. */
void ec_loader_stop (EcLoader *l);
gboolean ec_loader_running (EcLoader *l);

/* Running: builds an engine from the settings as they are now and queues
 * it (replacing one not taken yet). FALSE with @err when the build
 * failed; TRUE, building nothing, when not running. */
gboolean ec_loader_reload (EcLoader *l, EcError *err);
/* Streaming thread: the queued engine (owned by the caller), or NULL. */
EcEngine *ec_loader_take (EcLoader *l);
/* The negotiated frame size (0: none): engines are planned for it. */
void ec_loader_set_size (EcLoader *l, gint width, gint height);
/* A copy of the settings the newest engine was built from (clear it). */
void ec_loader_applied (EcLoader *l, EcSettings *out);

G_END_DECLS
#endif /* __EDGECLASSIFY_LOADER_H__ */
