/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Linked into test programs of the ThreadSanitizer build only.
 *
 * GLib's GMutex, GRecMutex, GRWLock and GCond sit on raw futexes, which
 * ThreadSanitizer cannot see, so every field our code guards with
 * GST_OBJECT_LOCK or a GMutex would be reported as a race. These
 * definitions in the executable take the place of GLib's for every caller
 * outside libglib (our plugin, libgstreamer, ...): each forwards to GLib's
 * own function and tells ThreadSanitizer that the lock was taken or
 * released, so it sees the same happens-before edges the locks create. */

#include <glib.h>
#include <dlfcn.h>

void __tsan_acquire (void *addr);
void __tsan_release (void *addr);

#define REAL(name, ret, args)                                                  \
  static ret (*real_##name) args;                                              \
  if (G_UNLIKELY (real_##name == NULL))                                        \
  real_##name = (ret (*) args)dlsym (RTLD_NEXT, #name)

void
g_mutex_lock (GMutex *m)
{
  REAL (g_mutex_lock, void, (GMutex *));
  real_g_mutex_lock (m);
  __tsan_acquire (m);
}

gboolean
g_mutex_trylock (GMutex *m)
{
  REAL (g_mutex_trylock, gboolean, (GMutex *));
  gboolean ok = real_g_mutex_trylock (m);

  if (ok)
    __tsan_acquire (m);
  return ok;
}

void
g_mutex_unlock (GMutex *m)
{
  REAL (g_mutex_unlock, void, (GMutex *));
  __tsan_release (m);
  real_g_mutex_unlock (m);
}

void
g_rec_mutex_lock (GRecMutex *m)
{
  REAL (g_rec_mutex_lock, void, (GRecMutex *));
  real_g_rec_mutex_lock (m);
  __tsan_acquire (m);
}

gboolean
g_rec_mutex_trylock (GRecMutex *m)
{
  REAL (g_rec_mutex_trylock, gboolean, (GRecMutex *));
  gboolean ok = real_g_rec_mutex_trylock (m);

  if (ok)
    __tsan_acquire (m);
  return ok;
}

void
g_rec_mutex_unlock (GRecMutex *m)
{
  REAL (g_rec_mutex_unlock, void, (GRecMutex *));
  __tsan_release (m);
  real_g_rec_mutex_unlock (m);
}

void
g_rw_lock_writer_lock (GRWLock *l)
{
  REAL (g_rw_lock_writer_lock, void, (GRWLock *));
  real_g_rw_lock_writer_lock (l);
  __tsan_acquire (l);
}

void
g_rw_lock_writer_unlock (GRWLock *l)
{
  REAL (g_rw_lock_writer_unlock, void, (GRWLock *));
  __tsan_release (l);
  real_g_rw_lock_writer_unlock (l);
}

void
g_rw_lock_reader_lock (GRWLock *l)
{
  REAL (g_rw_lock_reader_lock, void, (GRWLock *));
  real_g_rw_lock_reader_lock (l);
  __tsan_acquire (l);
}

void
g_rw_lock_reader_unlock (GRWLock *l)
{
  REAL (g_rw_lock_reader_unlock, void, (GRWLock *));
  __tsan_release (l);
  real_g_rw_lock_reader_unlock (l);
}

/* A wait gives the mutex up and takes it back. */
void
g_cond_wait (GCond *c, GMutex *m)
{
  REAL (g_cond_wait, void, (GCond *, GMutex *));
  __tsan_release (m);
  real_g_cond_wait (c, m);
  __tsan_acquire (m);
}

gboolean
g_cond_wait_until (GCond *c, GMutex *m, gint64 end_time)
{
  REAL (g_cond_wait_until, gboolean, (GCond *, GMutex *, gint64));
  gboolean ok;

  __tsan_release (m);
  ok = real_g_cond_wait_until (c, m, end_time);
  __tsan_acquire (m);
  return ok;
}
