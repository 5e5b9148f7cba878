/* edgeclassify: one inference scheduler for the whole process
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

#include "edgeclassify-scheduler.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Workers run this much nicer than the streaming threads. SCHED_BATCH
 * (below) already keeps them from preempting a streaming thread when they
 * wake; the nice value only sets their share when both want the CPU for
 * long. Measured with 16 to 32 live streams on 2 cores
 * (bench/many_streams, docs/performance.md): nice 5 cost about a quarter
 * of the fresh results against nice 0 and did not change the video's lag,
 * so the workers sit just below. */
#define WORKER_NICE 1

struct _EcClient {
  EcScheduler *sched;
  gchar *name;
  EcRunFunc run;
  gpointer user_data;

  /* under sched->lock */
  guint want_slots;      /* threads per inference, from configure */
  guint slots;           /* held while running */
  gdouble priority;      /* > 0 */
  gint64 interval_us;    /* 1 / max-rate, 0: no limit */
  atomic_llong next_due; /* monotonic µs, 0: now; written under the lock,
                          * read without it by ec_client_next_due */
  gdouble vtime;         /* grows by 1/priority an inference */
  gboolean pending;      /* async: a request waits */
  gboolean waiting;      /* sync: a thread waits in acquire */
  gboolean granted;      /* sync: its slots are held, it may run */
  gboolean running;      /* an inference holds the slots */
  gboolean flushing;     /* sync: acquire fails */
  gboolean freeing;      /* ec_client_free: never pick again */
  gint64 since;          /* when it started waiting, for the tie-break */
  guint64 runs;
  GCond cond; /* granted, flushing, or its run ended */
};

struct _EcScheduler {
  gint refcount; /* under scheduler_lock */
  GMutex lock;
  GCond work; /* for the workers: a client to run, or stop */
  guint n_slots, free_slots, peak_busy;
  GList *clients;  /* every client */
  GQueue runnable; /* async clients granted their slots, to run */
  GThread **workers;
  guint n_workers;
  gboolean stopping;
};

/* The one scheduler of the process */
static GMutex scheduler_lock;
static EcScheduler *scheduler;

static guint
slot_count (void)
{
  const gchar *env = g_getenv ("EDGECLASSIFY_SLOTS");
  gint64 n = env ? g_ascii_strtoll (env, NULL, 10) : 0;

  if (n >= 1 && n <= 1024)
    return (guint)n;
  return MAX (1, g_get_num_processors ());
}

/* The smallest virtual time among the clients that want to run, or
 * @fallback when none does. */
static gdouble
min_active_vtime (EcScheduler *s, gdouble fallback)
{
  gboolean any = FALSE;
  gdouble min = fallback;

  for (GList *l = s->clients; l; l = l->next) {
    EcClient *c = l->data;

    if ((c->pending || c->waiting || c->running) && (!any || c->vtime < min)) {
      min = c->vtime;
      any = TRUE;
    }
  }
  return min;
}

/* A client that starts to want to run after a pause joins level with the
 * others instead of spending the credit it saved while idle. */
static void
client_wakes_locked (EcClient *c)
{
  if (c->pending || c->waiting || c->running)
    return;
  c->vtime = MAX (c->vtime, min_active_vtime (c->sched, c->vtime));
  c->since = g_get_monotonic_time ();
}

/* Gives slots to waiting clients while they fit. Returns the earliest time
 * a not-yet-due client becomes due (0: none). */
static gint64
dispatch_locked (EcScheduler *s)
{
  gint64 now = g_get_monotonic_time (), wake = 0;

  while (s->free_slots > 0) {
    EcClient *best = NULL;

    for (GList *l = s->clients; l; l = l->next) {
      EcClient *c = l->data;

      if (!(c->pending || c->waiting) || c->running || c->freeing)
        continue;
      if (c->waiting && c->flushing)
        continue;
      if (c->pending && atomic_load (&c->next_due) > now) {
        gint64 due = atomic_load (&c->next_due);

        wake = wake == 0 ? due : MIN (wake, due);
        continue;
      }
      if (best == NULL || c->vtime < best->vtime
          || (c->vtime == best->vtime && c->since < best->since))
        best = c;
    }
    /* the chosen client waits for its slots; nobody overtakes it */
    if (best == NULL || best->want_slots > s->free_slots)
      break;

    best->slots = best->want_slots;
    s->free_slots -= best->slots;
    s->peak_busy = MAX (s->peak_busy, s->n_slots - s->free_slots);
    best->running = TRUE;
    best->vtime += 1.0 / best->priority;
    best->runs++;
    if (best->interval_us > 0)
      atomic_store (&best->next_due, now + best->interval_us);
    if (best->waiting) {
      best->waiting = FALSE;
      best->granted = TRUE;
      g_cond_broadcast (&best->cond);
    } else {
      best->pending = FALSE;
      g_queue_push_tail (&s->runnable, best);
      g_cond_signal (&s->work);
    }
  }
  return wake;
}

static void
release_locked (EcClient *c)
{
  EcScheduler *s = c->sched;

  s->free_slots += c->slots;
  c->running = FALSE;
  c->granted = FALSE;
  g_cond_broadcast (&c->cond);
  dispatch_locked (s);
  /* a worker may wait for a due time that dispatch just moved */
  g_cond_broadcast (&s->work);
}

/* An async client granted its slots whose worker has not started it yet:
 * takes the grant back. TRUE when it did. */
static gboolean
unqueue_locked (EcClient *c)
{
  EcScheduler *s = c->sched;

  if (!c->running || c->granted || !g_queue_remove (&s->runnable, c))
    return FALSE;
  c->vtime -= 1.0 / c->priority;
  c->runs--;
  release_locked (c);
  return TRUE;
}

/* Workers yield to the streaming threads: SCHED_BATCH keeps a waking
 * worker from preempting the thread that woke it (the frame it is pushing
 * would wait for a whole inference), and a higher nice value gives them a
 * smaller share when the CPU is short. Both are per thread on Linux. */
static void
lower_priority (void)
{
#ifdef __linux__
  pid_t tid = (pid_t)syscall (SYS_gettid);
  struct sched_param param = { 0 };

  if (sched_setscheduler (tid, SCHED_BATCH, &param) != 0)
    g_debug ("edgeclassify worker: SCHED_BATCH refused");
  if (setpriority (PRIO_PROCESS, (id_t)tid,
                   getpriority (PRIO_PROCESS, (id_t)tid) + WORKER_NICE)
      != 0)
    g_debug ("edgeclassify worker: could not lower its priority");
#endif
}

void
ec_scheduler_helper_init (void *unused)
{
  (void)unused;
#ifdef __linux__
  pthread_setname_np (pthread_self (), "ec-helper");
#endif
  lower_priority ();
}

static gpointer
worker_main (gpointer data)
{
  EcScheduler *s = data;

  lower_priority ();
  g_mutex_lock (&s->lock);
  while (!s->stopping) {
    EcClient *c = g_queue_pop_head (&s->runnable);
    gint64 now, queued;

    if (c == NULL) {
      gint64 wake = dispatch_locked (s);

      if (!g_queue_is_empty (&s->runnable))
        continue;
      if (wake > 0)
        g_cond_wait_until (&s->work, &s->lock, wake);
      else
        g_cond_wait (&s->work, &s->lock);
      continue;
    }
    now = g_get_monotonic_time ();
    queued = now - c->since;
    /* max-rate counts from the start of a run, not from its dispatch: a
     * worker that took the run late would otherwise let the next one
     * start less than an interval after it */
    if (c->interval_us > 0)
      atomic_store (&c->next_due, now + c->interval_us);
    g_mutex_unlock (&s->lock);
    c->run (c->user_data, queued);
    g_mutex_lock (&s->lock);
    release_locked (c);
  }
  g_mutex_unlock (&s->lock);
  return NULL;
}

EcScheduler *
ec_scheduler_get (void)
{
  EcScheduler *s;

  g_mutex_lock (&scheduler_lock);
  if (scheduler == NULL) {
    s = g_new0 (EcScheduler, 1);
    g_mutex_init (&s->lock);
    g_cond_init (&s->work);
    g_queue_init (&s->runnable);
    s->n_slots = s->free_slots = slot_count ();
    s->n_workers = s->n_slots;
    s->workers = g_new0 (GThread *, s->n_workers);
    for (guint i = 0; i < s->n_workers; i++) {
      gchar *name = g_strdup_printf ("ec-infer-%u", i);
      s->workers[i] = g_thread_new (name, worker_main, s);
      g_free (name);
    }
    scheduler = s;
  }
  s = scheduler;
  s->refcount++;
  g_mutex_unlock (&scheduler_lock);
  return s;
}

void
ec_scheduler_unref (EcScheduler *s)
{
  g_mutex_lock (&scheduler_lock);
  if (--s->refcount > 0) {
    g_mutex_unlock (&scheduler_lock);
    return;
  }
  scheduler = NULL;
  g_mutex_unlock (&scheduler_lock);

  g_mutex_lock (&s->lock);
  s->stopping = TRUE;
  g_cond_broadcast (&s->work);
  g_mutex_unlock (&s->lock);
  for (guint i = 0; i < s->n_workers; i++)
    g_thread_join (s->workers[i]);
  g_free (s->workers);
  g_queue_clear (&s->runnable);
  g_cond_clear (&s->work);
  g_mutex_clear (&s->lock);
  g_free (s);
}

guint
ec_scheduler_slots (EcScheduler *s)
{
  return s->n_slots;
}

guint
ec_scheduler_peak_busy (EcScheduler *s)
{
  guint peak;

  g_mutex_lock (&s->lock);
  peak = s->peak_busy;
  g_mutex_unlock (&s->lock);
  return peak;
}

EcClient *
ec_client_new (EcScheduler *s, const gchar *name, EcRunFunc run,
               gpointer user_data)
{
  EcClient *c = g_new0 (EcClient, 1);

  g_mutex_lock (&scheduler_lock);
  s->refcount++;
  g_mutex_unlock (&scheduler_lock);
  c->sched = s;
  c->name = g_strdup (name);
  c->run = run;
  c->user_data = user_data;
  c->want_slots = 1;
  c->priority = 1.0;
  g_cond_init (&c->cond);
  g_mutex_lock (&s->lock);
  c->vtime = min_active_vtime (s, 0.0);
  s->clients = g_list_prepend (s->clients, c);
  g_mutex_unlock (&s->lock);
  return c;
}

void
ec_client_free (EcClient *c)
{
  EcScheduler *s;

  if (c == NULL)
    return;
  s = c->sched;
  g_mutex_lock (&s->lock);
  c->freeing = TRUE;
  c->pending = FALSE;
  c->flushing = TRUE;
  unqueue_locked (c);
  g_cond_broadcast (&c->cond);
  while (c->running || c->waiting)
    g_cond_wait (&c->cond, &s->lock);
  s->clients = g_list_remove (s->clients, c);
  dispatch_locked (s);
  g_mutex_unlock (&s->lock);
  g_cond_clear (&c->cond);
  g_free (c->name);
  g_free (c);
  ec_scheduler_unref (s);
}

void
ec_client_configure (EcClient *c, guint threads, gdouble priority,
                     gdouble max_rate)
{
  EcScheduler *s = c->sched;

  g_mutex_lock (&s->lock);
  /* taken at the next grant: release gives back what the running one took */
  c->want_slots = CLAMP (threads, 1, s->n_slots);
  c->priority = priority > 0.0 && isfinite (priority) ? priority : 1.0;
  c->interval_us = max_rate > 0.0 && isfinite (max_rate)
                       ? (gint64)(G_USEC_PER_SEC / max_rate)
                       : 0;
  if (c->interval_us == 0)
    atomic_store (&c->next_due, 0);
  dispatch_locked (s);
  g_cond_broadcast (&s->work);
  g_mutex_unlock (&s->lock);
}

gboolean
ec_client_submit (EcClient *c)
{
  EcScheduler *s = c->sched;
  gboolean replaced;

  g_mutex_lock (&s->lock);
  replaced = c->pending;
  if (!replaced) {
    client_wakes_locked (c);
    c->since = g_get_monotonic_time ();
  }
  c->pending = !c->freeing;
  dispatch_locked (s);
  g_cond_broadcast (&s->work);
  g_mutex_unlock (&s->lock);
  return replaced;
}

/* Lock held. Drops a request that has not started. */
static gboolean
unsubmit_locked (EcClient *c)
{
  gboolean dropped = c->pending;

  c->pending = FALSE;
  return unqueue_locked (c) || dropped;
}

gboolean
ec_client_cancel (EcClient *c)
{
  EcScheduler *s = c->sched;
  gboolean dropped;

  g_mutex_lock (&s->lock);
  dropped = unsubmit_locked (c);
  while (c->running && !c->granted)
    g_cond_wait (&c->cond, &s->lock);
  g_mutex_unlock (&s->lock);
  return dropped;
}

gboolean
ec_client_unsubmit (EcClient *c)
{
  EcScheduler *s = c->sched;
  gboolean dropped;

  g_mutex_lock (&s->lock);
  dropped = unsubmit_locked (c);
  g_mutex_unlock (&s->lock);
  return dropped;
}

gboolean
ec_client_acquire (EcClient *c)
{
  EcScheduler *s = c->sched;
  gboolean granted;

  g_mutex_lock (&s->lock);
  if (c->flushing) {
    g_mutex_unlock (&s->lock);
    return FALSE;
  }
  client_wakes_locked (c);
  c->waiting = TRUE;
  dispatch_locked (s);
  while (c->waiting && !c->flushing)
    g_cond_wait (&c->cond, &s->lock);
  granted = c->granted;
  if (!granted) {
    c->waiting = FALSE;
    g_cond_broadcast (&c->cond);
  }
  g_mutex_unlock (&s->lock);
  return granted;
}

void
ec_client_release (EcClient *c)
{
  g_mutex_lock (&c->sched->lock);
  if (c->granted)
    release_locked (c);
  g_mutex_unlock (&c->sched->lock);
}

void
ec_client_set_flushing (EcClient *c, gboolean flushing)
{
  g_mutex_lock (&c->sched->lock);
  c->flushing = flushing;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->sched->lock);
}

gint64
ec_client_next_due (EcClient *c)
{
  return atomic_load (&c->next_due);
}

EcScheduler *
ec_client_scheduler (EcClient *c)
{
  return c->sched;
}

guint64
ec_client_runs (EcClient *c)
{
  guint64 runs;

  g_mutex_lock (&c->sched->lock);
  runs = c->runs;
  g_mutex_unlock (&c->sched->lock);
  return runs;
}
