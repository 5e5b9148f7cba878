/* The process-wide inference scheduler alone (gst/edgeclassify-scheduler.c):
 * newest-wins replacement, fair share and priorities under overload, the
 * slot bound, max-rate, flushing and cancellation. Runs are simulated by
 * sleeps: what is tested is who runs when, not how fast. The concurrency
 * suite runs it under ThreadSanitizer too. */
#include "edgeclassify-scheduler.h"

#include <glib.h>
#include <string.h>

#define SLOTS 2

typedef struct {
  EcClient *client;
  guint threads;
  gint runs;     /* atomic */
  gint resubmit; /* atomic: submit again from the end of each run */
  gboolean sync; /* runs in its own thread: never submits */
  gint64 first_start, last_start; /* run starts, for max-rate */
  gint64 min_gap;
  guint sleep_us;
} Fake;

/* Slots held by running fakes, and the most ever held (atomic) */
static gint busy, peak;
static gint total_runs, stop_after;

static void
fake_run (gpointer data, gint64 queued_us)
{
  Fake *f = data;
  gint now_busy = g_atomic_int_add (&busy, (gint)f->threads) + f->threads;
  gint64 start = g_get_monotonic_time ();
  gint old;

  g_assert_cmpint (queued_us, >=, 0);
  do {
    old = g_atomic_int_get (&peak);
  } while (now_busy > old
           && !g_atomic_int_compare_and_exchange (&peak, old, now_busy));
  if (f->last_start > 0)
    f->min_gap = MIN (f->min_gap, start - f->last_start);
  else
    f->first_start = start;
  f->last_start = start;
  g_usleep (f->sleep_us);
  g_atomic_int_add (&busy, -(gint)f->threads);
  g_atomic_int_inc (&f->runs);
  if (g_atomic_int_add (&total_runs, 1) + 1 < g_atomic_int_get (&stop_after)
      && g_atomic_int_get (&f->resubmit) && !f->sync)
    ec_client_submit (f->client);
}

static void
fake_init (Fake *f, EcScheduler *s, guint threads, gdouble priority,
           gdouble max_rate, guint sleep_us)
{
  f->threads = threads;
  f->sleep_us = sleep_us;
  f->min_gap = G_MAXINT64;
  f->client = ec_client_new (s, "fake", fake_run, f);
  ec_client_configure (f->client, threads, priority, max_rate);
}

static void
reset_counters (gint n)
{
  g_atomic_int_set (&busy, 0);
  g_atomic_int_set (&peak, 0);
  g_atomic_int_set (&total_runs, 0);
  g_atomic_int_set (&stop_after, n);
}

static void
wait_runs (gint n)
{
  while (g_atomic_int_get (&total_runs) < n)
    g_usleep (1000);
}

/* Slots held by a sync client: a newer async request replaces the older
 * one, which never runs; once the slots come back the newest runs once. */
static void
test_newest_wins (void)
{
  EcScheduler *s = ec_scheduler_get ();
  Fake a = { 0 };
  EcClient *holder = ec_client_new (s, "holder", NULL, NULL);

  reset_counters (1000);
  ec_client_configure (holder, SLOTS, 1.0, 0.0);
  fake_init (&a, s, 1, 1.0, 0.0, 100);
  g_assert_true (ec_client_acquire (holder));
  g_assert_false (ec_client_submit (a.client));
  g_assert_true (ec_client_submit (a.client));
  g_assert_true (ec_client_submit (a.client));
  g_usleep (20000);
  g_assert_cmpint (g_atomic_int_get (&a.runs), ==, 0);
  ec_client_release (holder);
  wait_runs (1);
  g_usleep (20000);
  g_assert_cmpint (g_atomic_int_get (&a.runs), ==, 1);
  g_assert_cmpuint (ec_client_runs (a.client), ==, 1);
  ec_client_free (a.client);
  ec_client_free (holder);
  ec_scheduler_unref (s);
}

/* Eight clients that always want to run, priorities 1 1 1 1 1 1 2 2: each
 * gets runs in proportion to its priority, within 20 %. (A client runs on
 * one slot at a time, so its share is kept well below half the runs: the
 * time between the end of its run and its next grant would cap it.) Never
 * more slots busy than there are. */
static void
test_fair_share (void)
{
  static const gdouble prio[] = { 1, 1, 1, 1, 1, 1, 2, 2 };
  const guint n = G_N_ELEMENTS (prio);
  EcScheduler *s = ec_scheduler_get ();
  Fake f[G_N_ELEMENTS (prio)];
  gdouble sum_prio = 0.0;
  gint total;

  memset (f, 0, sizeof (f));
  reset_counters (800);
  for (guint i = 0; i < n; i++) {
    fake_init (&f[i], s, 1, prio[i], 0.0, 1000);
    g_atomic_int_set (&f[i].resubmit, 1);
    sum_prio += prio[i];
  }
  for (guint i = 0; i < n; i++)
    ec_client_submit (f[i].client);
  wait_runs (800);
  for (guint i = 0; i < n; i++)
    g_atomic_int_set (&f[i].resubmit, 0);
  for (guint i = 0; i < n; i++)
    ec_client_cancel (f[i].client);
  total = g_atomic_int_get (&total_runs);
  for (guint i = 0; i < n; i++) {
    gdouble want = total * prio[i] / sum_prio;
    gint got = g_atomic_int_get (&f[i].runs);

    g_test_message ("client %u (priority %g): %d runs, fair share %.1f", i,
                    prio[i], got, want);
    g_assert_cmpfloat (got, >=, want * 0.8);
    g_assert_cmpfloat (got, <=, want * 1.2);
  }
  g_assert_cmpint (g_atomic_int_get (&peak), <=, SLOTS);
  g_assert_cmpuint (ec_scheduler_peak_busy (s), <=, SLOTS);
  g_assert_cmpuint (ec_scheduler_peak_busy (s), ==, SLOTS);
  for (guint i = 0; i < n; i++)
    ec_client_free (f[i].client);
  ec_scheduler_unref (s);
}

/* One-thread and two-thread clients, async and sync together: the slots
 * held never pass the slot count, and the two-thread client is not
 * starved by the one-thread ones. */
static gpointer
sync_loop (gpointer data)
{
  Fake *f = data;

  while (g_atomic_int_get (&f->resubmit)) {
    if (!ec_client_acquire (f->client))
      break;
    fake_run (f, 0);
    ec_client_release (f->client);
  }
  return NULL;
}

static void
test_slot_bound_mixed (void)
{
  EcScheduler *s = ec_scheduler_get ();
  Fake one[3], two = { 0 }, sync = { 0 };
  GThread *t;

  memset (one, 0, sizeof (one));
  reset_counters (600);
  for (guint i = 0; i < 3; i++) {
    fake_init (&one[i], s, 1, 1.0, 0.0, 200);
    g_atomic_int_set (&one[i].resubmit, 1);
  }
  fake_init (&two, s, 2, 1.0, 0.0, 200);
  g_atomic_int_set (&two.resubmit, 1);
  fake_init (&sync, s, 1, 1.0, 0.0, 200);
  sync.sync = TRUE;
  g_atomic_int_set (&sync.resubmit, 1);
  for (guint i = 0; i < 3; i++)
    ec_client_submit (one[i].client);
  ec_client_submit (two.client);
  t = g_thread_new ("sync", sync_loop, &sync);
  wait_runs (600);
  g_atomic_int_set (&sync.resubmit, 0);
  for (guint i = 0; i < 3; i++)
    g_atomic_int_set (&one[i].resubmit, 0);
  g_atomic_int_set (&two.resubmit, 0);
  g_thread_join (t);
  /* no run in flight while the counts are read */
  for (guint i = 0; i < 3; i++)
    ec_client_cancel (one[i].client);
  ec_client_cancel (two.client);
  g_test_message ("runs: %d %d %d, two-thread %d, sync %d", one[0].runs,
                  one[1].runs, one[2].runs, two.runs, sync.runs);
  g_assert_cmpint (g_atomic_int_get (&peak), <=, SLOTS);
  g_assert_cmpuint (ec_scheduler_peak_busy (s), <=, SLOTS);
  /* five clients of equal priority: each near a fifth */
  g_assert_cmpint (two.runs, >=, 600 / 5 * 0.8);
  g_assert_cmpint (sync.runs, >=, 600 / 5 * 0.8);
  for (guint i = 0; i < 3; i++)
    ec_client_free (one[i].client);
  ec_client_free (two.client);
  ec_client_free (sync.client);
  ec_scheduler_unref (s);
}

/* max-rate 100/s: starts 10 ms apart, whoever else waits. The fake
 * times a start after the scheduler does, so a worker preempted between
 * the two (the workers run at a lower priority, and a loaded machine once
 * held one 2.6 ms there) shortens one gap and lengthens the next: the mean
 * gap is held to the interval, the shortest one to half of it, which
 * still fails a scheduler that lets a run start right after another. */
static void
test_max_rate (void)
{
  EcScheduler *s = ec_scheduler_get ();
  Fake capped = { 0 }, free_run = { 0 };
  gint64 mean_gap;

  reset_counters (100000);
  fake_init (&capped, s, 1, 1.0, 100.0, 100);
  fake_init (&free_run, s, 1, 1.0, 0.0, 100);
  g_atomic_int_set (&capped.resubmit, 1);
  g_atomic_int_set (&free_run.resubmit, 1);
  ec_client_submit (capped.client);
  ec_client_submit (free_run.client);
  while (g_atomic_int_get (&capped.runs) < 12)
    g_usleep (1000);
  g_atomic_int_set (&capped.resubmit, 0);
  g_atomic_int_set (&free_run.resubmit, 0);
  ec_client_cancel (capped.client);
  ec_client_cancel (free_run.client);
  mean_gap = (capped.last_start - capped.first_start) / (capped.runs - 1);
  g_test_message ("capped: gaps min %" G_GINT64_FORMAT
                  " us, mean %" G_GINT64_FORMAT " us; free: %d runs",
                  capped.min_gap, mean_gap, free_run.runs);
  g_assert_cmpint (mean_gap, >=, 10000 - 200);
  g_assert_cmpint (capped.min_gap, >=, 10000 / 2);
  /* the other client was not held back by the capped one's waits */
  g_assert_cmpint (free_run.runs, >, capped.runs);
  ec_client_free (capped.client);
  ec_client_free (free_run.client);
  ec_scheduler_unref (s);
}

/* A thread waiting for slots wakes up, empty-handed, when its client
 * starts flushing; later acquires fail until the flush ends. */
static gpointer
acquire_once (gpointer data)
{
  return GINT_TO_POINTER (ec_client_acquire (data));
}

static void
test_flushing_unblocks (void)
{
  EcScheduler *s = ec_scheduler_get ();
  EcClient *holder = ec_client_new (s, "holder", NULL, NULL);
  EcClient *c = ec_client_new (s, "waiter", NULL, NULL);
  GThread *t;

  ec_client_configure (holder, SLOTS, 1.0, 0.0);
  g_assert_true (ec_client_acquire (holder));
  t = g_thread_new ("waiter", acquire_once, c);
  g_usleep (20000);
  ec_client_set_flushing (c, TRUE);
  g_assert_false (GPOINTER_TO_INT (g_thread_join (t)));
  g_assert_false (ec_client_acquire (c));
  ec_client_set_flushing (c, FALSE);
  ec_client_release (holder);
  g_assert_true (ec_client_acquire (c));
  ec_client_release (c);
  ec_client_free (c);
  ec_client_free (holder);
  ec_scheduler_unref (s);
}

/* cancel drops a waiting request (it never runs) and waits for a running
 * one; free does the same, so no run starts after it returns. */
static void
test_cancel_and_free (void)
{
  EcScheduler *s = ec_scheduler_get ();
  EcClient *holder = ec_client_new (s, "holder", NULL, NULL);
  Fake a = { 0 }, b = { 0 };

  reset_counters (1000);
  ec_client_configure (holder, SLOTS, 1.0, 0.0);
  fake_init (&a, s, 1, 1.0, 0.0, 30000);
  fake_init (&b, s, 1, 1.0, 0.0, 100);
  g_assert_true (ec_client_acquire (holder));
  ec_client_submit (b.client);
  g_assert_true (ec_client_cancel (b.client));
  ec_client_release (holder);
  g_usleep (20000);
  g_assert_cmpint (g_atomic_int_get (&b.runs), ==, 0);

  /* running: cancel returns only when the run is over */
  ec_client_submit (a.client);
  while (g_atomic_int_get (&busy) == 0)
    g_usleep (500);
  ec_client_cancel (a.client);
  g_assert_cmpint (g_atomic_int_get (&a.runs), ==, 1);

  /* free with a request waiting behind held slots: it never runs */
  g_assert_true (ec_client_acquire (holder));
  ec_client_submit (b.client);
  ec_client_free (b.client);
  ec_client_release (holder);
  g_usleep (20000);
  g_assert_cmpint (g_atomic_int_get (&b.runs), ==, 0);

  ec_client_free (a.client);
  ec_client_free (holder);
  ec_scheduler_unref (s);
}

/* The scheduler goes away with its last client and comes back. */
static void
test_lifetime (void)
{
  for (guint i = 0; i < 3; i++) {
    EcScheduler *s = ec_scheduler_get ();
    Fake a = { 0 };

    reset_counters (1000);
    g_assert_cmpuint (ec_scheduler_slots (s), ==, SLOTS);
    fake_init (&a, s, 1, 1.0, 0.0, 10);
    ec_scheduler_unref (s); /* the client keeps it */
    ec_client_submit (a.client);
    wait_runs (1);
    ec_client_free (a.client);
  }
}

int
main (int argc, char **argv)
{
  g_setenv ("EDGECLASSIFY_SLOTS", G_STRINGIFY (SLOTS), TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scheduler/newest-wins", test_newest_wins);
  g_test_add_func ("/scheduler/fair-share", test_fair_share);
  g_test_add_func ("/scheduler/slot-bound-mixed", test_slot_bound_mixed);
  g_test_add_func ("/scheduler/max-rate", test_max_rate);
  g_test_add_func ("/scheduler/flushing", test_flushing_unblocks);
  g_test_add_func ("/scheduler/cancel-free", test_cancel_and_free);
  g_test_add_func ("/scheduler/lifetime", test_lifetime);
  return g_test_run ();
}
