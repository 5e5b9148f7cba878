/* The session thread pool: every task runs exactly once per job, results
 * are visible when nn_pool_run returns, workers that went to sleep wake up,
 * two pools can run at once (two sessions on two threads), the thread
 * init hook runs once in each worker, in that worker, before any task, and
 * jobs are split into as many tasks as their size deserves. */
#include "harness.h"
#include "ops/ops.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TASKS 97

typedef struct counts {
  atomic_int hits[MAX_TASKS];
  int plain[MAX_TASKS]; /* written without atomics: checks ordering */
  atomic_int bad_n;
  int expect_n;
} counts;

static void
task (void *arg, int i, int n)
{
  counts *c = arg;
  if (n != c->expect_n || i < 0 || i >= n)
    atomic_fetch_add (&c->bad_n, 1);
  else {
    atomic_fetch_add (&c->hits[i], 1);
    c->plain[i]++;
  }
}

static void
sleep_us (long us)
{
  struct timespec ts = { 0, us * 1000 };
  nanosleep (&ts, NULL);
}

/* Runs jobs of n tasks on pool; returns the number of wrong outcomes. */
static int
hammer (nn_pool *pool, int jobs, uint64_t seed, bool pauses)
{
  counts *c = calloc (1, sizeof *c);
  int wrong = 0;
  for (int j = 0; j < jobs; j++) {
    int n = th_randint (&seed, 0, MAX_TASKS);
    memset (c, 0, sizeof *c);
    c->expect_n = n;
    nn_pool_run (pool, task, c, n);
    for (int i = 0; i < n; i++)
      if (atomic_load (&c->hits[i]) != 1 || c->plain[i] != 1)
        wrong++;
    if (atomic_load (&c->bad_n))
      wrong++;
    /* Long enough for the workers to stop spinning and sleep. */
    if (pauses && j % 50 == 0)
      sleep_us (300);
  }
  free (c);
  return wrong;
}

typedef struct session {
  pthread_t thread;
  int threads, wrong;
  uint64_t seed;
} session;

static void *
session_main (void *arg)
{
  session *s = arg;
  nn_pool *pool;
  nn_error err;
  if (nn_pool_create (s->threads, NULL, NULL, &pool, &err) != NN_OK) {
    s->wrong = -1;
    return NULL;
  }
  s->wrong = hammer (pool, 3000, s->seed, true);
  nn_pool_free (pool);
  return NULL;
}

/* ---- the init hook ---- */

#define MAX_INITS 8

typedef struct inits {
  atomic_int calls;
  pthread_t who[MAX_INITS];
} inits;

static _Thread_local const inits *tls_inited_by;

static void
init_hook (void *user)
{
  inits *in = user;
  int k = atomic_fetch_add (&in->calls, 1);
  if (k < MAX_INITS)
    in->who[k] = pthread_self ();
  tls_inited_by = in;
}

typedef struct seen {
  const inits *in;
  pthread_t caller;
  int n;
  atomic_int arrived;
  atomic_int uninited; /* a task on a worker that had no init */
  atomic_int on_worker;
} seen;

/* A barrier: each task waits until all n have started, so that every
 * thread of the pool takes exactly one. */
static void
seen_task (void *arg, int i, int n)
{
  seen *s = arg;
  atomic_fetch_add (&s->arrived, 1);
  while (atomic_load (&s->arrived) < s->n)
    sched_yield ();
  if (pthread_equal (pthread_self (), s->caller))
    return;
  atomic_fetch_add (&s->on_worker, 1);
  if (tls_inited_by != s->in)
    atomic_fetch_add (&s->uninited, 1);
}

static void
test_init_hook (void)
{
  for (int threads = 1; threads <= 4; threads++) {
    inits in = { 0 };
    nn_pool *pool = NULL;
    nn_error err;
    TH_CHECK (nn_pool_create (threads, init_hook, &in, &pool, &err) == NN_OK,
              "create %d with a hook: %s", threads, err.message);
    /* Counted before any job: every worker's init has run by now. */
    int calls = atomic_load (&in.calls);
    TH_CHECK (calls == threads - 1, "%d threads: %d init calls, wanted %d",
              threads, calls, threads - 1);
    for (int a = 0; a < calls && a < MAX_INITS; a++) {
      TH_CHECK (!pthread_equal (in.who[a], pthread_self ()),
                "init %d ran on the creating thread", a);
      for (int b = 0; b < a; b++)
        TH_CHECK (!pthread_equal (in.who[a], in.who[b]),
                  "init %d and %d ran on one thread", a, b);
    }
    for (int j = 0; j < 20; j++) {
      seen s = { .in = &in, .caller = pthread_self (), .n = threads };
      nn_pool_run (pool, seen_task, &s, threads);
      TH_CHECK (atomic_load (&s.uninited) == 0,
                "%d tasks ran on a worker whose init did not run there",
                atomic_load (&s.uninited));
      TH_CHECK (atomic_load (&s.on_worker) == threads - 1,
                "%d of %d workers ran a task", atomic_load (&s.on_worker),
                threads - 1);
    }
    nn_pool_free (pool);
    TH_CHECK (atomic_load (&in.calls) == threads - 1,
              "init ran again after the jobs: %d calls",
              atomic_load (&in.calls));
  }
}

/* One task for small jobs and for one thread; never more than the items;
 * the fine split makes each of a few items a task, items that split evenly
 * and more items a range per thread. */
static void
test_task_counts (void)
{
  nn_pool *pool;
  nn_error err;
  TH_CHECK (nn_op_task_count (NULL, 1e9, 1000) == 1
                && nn_op_task_count_fine (NULL, 1e9, 1000) == 1,
            "one thread: one task");
  if (nn_pool_create (2, NULL, NULL, &pool, &err) != NN_OK || !pool) {
    TH_CHECK (false, "create: %s", err.message);
    return;
  }
  TH_CHECK (nn_op_task_count (pool, 100.0, 1000) == 1
                && nn_op_task_count_fine (pool, 100.0, 1000) == 1,
            "a tiny job stays on one thread");
  TH_CHECK (nn_op_task_count (pool, 1e9, 1000) == 2, "one task per thread");
  TH_CHECK (nn_op_task_count (pool, 1e9, 1) == 1
                && nn_op_task_count_fine (pool, 1e9, 1) == 1,
            "one item: one task");
  int few = 2 * NN_OP_TASKS_PER_THREAD;
  int fine = nn_op_task_count_fine (pool, 1e9, (size_t)few - 1);
  TH_CHECK (fine == few - 1, "%d items: a task each, got %d", few - 1, fine);
  fine = nn_op_task_count_fine (pool, 1e9, 7);
  TH_CHECK (fine == 7, "7 items: a task each, got %d", fine);
  fine = nn_op_task_count_fine (pool, 1e9, 12);
  TH_CHECK (fine == 2, "12 items: an even range per thread, got %d", fine);
  fine = nn_op_task_count_fine (pool, 1e9, (size_t)few + 1);
  TH_CHECK (fine == 2, "%d items: a range per thread, got %d", few + 1, fine);
  nn_pool_free (pool);
}

/* Even chunks: as many chunks as cutting at `most` gives, none larger than
 * `most`; the last is short by fewer items than there are chunks, and never
 * shorter than the last of that plain cut. */
static void
test_even_chunks (void)
{
  for (ptrdiff_t most = 1; most <= 20; most++)
    for (ptrdiff_t n = 1; n <= 400; n++) {
      ptrdiff_t per = nn_op_even_chunk (n, most);
      ptrdiff_t chunks = (n + per - 1) / per, last = n - (chunks - 1) * per;
      TH_CHECK (per >= 1 && per <= most, "%td in %td: %td each", n, most, per);
      TH_CHECK (chunks == (n + most - 1) / most,
                "%td in %td: %td chunks of %td", n, most, chunks, per);
      ptrdiff_t plain_last = n - (chunks - 1) * most;
      TH_CHECK (last >= 1 && per - last < chunks && last >= plain_last,
                "%td in %td: chunks of %td, the last of %td", n, most, per,
                last);
    }
}

int
main (void)
{
  nn_pool *pool = (nn_pool *)1;
  nn_error err;

  TH_CHECK (nn_pool_create (1, NULL, NULL, &pool, &err) == NN_OK
                && pool == NULL,
            "one thread must give a NULL pool");
  TH_CHECK (nn_pool_create (0, NULL, NULL, &pool, &err) == NN_OK
                && pool == NULL,
            "zero threads must give a NULL pool");
  TH_CHECK (nn_pool_threads (NULL) == 1, "NULL pool has one thread");
  TH_CHECK (hammer (NULL, 200, 1, false) == 0, "NULL pool runs inline");
  nn_pool_free (NULL);

  for (int threads = 2; threads <= 4; threads++) {
    TH_CHECK (nn_pool_create (threads, NULL, NULL, &pool, &err) == NN_OK
                  && pool,
              "create %d: %s", threads, err.message);
    if (!pool)
      continue;
    TH_CHECK (nn_pool_threads (pool) == threads, "thread count");
    int wrong = hammer (pool, 20000, (uint64_t)threads, false);
    TH_CHECK (wrong == 0, "%d threads, back to back: %d wrong", threads, wrong);
    wrong = hammer (pool, 2000, 99, true);
    TH_CHECK (wrong == 0, "%d threads, with sleeps: %d wrong", threads, wrong);
    nn_pool_free (pool);
  }

  /* Free right after create, and a pool that was never used. */
  TH_CHECK (nn_pool_create (3, NULL, NULL, &pool, &err) == NN_OK, "create");
  nn_pool_free (pool);

  session s[2] = { { .threads = 2, .seed = 5 }, { .threads = 2, .seed = 6 } };
  for (int i = 0; i < 2; i++)
    pthread_create (&s[i].thread, NULL, session_main, &s[i]);
  for (int i = 0; i < 2; i++) {
    pthread_join (s[i].thread, NULL);
    TH_CHECK (s[i].wrong == 0, "concurrent session %d: %d wrong", i,
              s[i].wrong);
  }
  test_init_hook ();
  test_task_counts ();
  test_even_chunks ();
  printf ("pool: %d checks, %d failures\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}
