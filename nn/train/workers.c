/* Worker team: a generation counter under one mutex wakes every worker for
 * a job; the caller does its own share and waits for the rest. */
#include "workers.h"
#include "error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct worker_start {
  struct nn_workers *team;
  int index;
} worker_start;

struct nn_workers {
  int n;              /* including the caller */
  pthread_t *threads; /* n - 1 */
  /* what each thread starts with, n - 1: owned here, not by the thread,
   * so that nothing is freed behind the caller's back once create has
   * returned */
  worker_start *starts;
  int started;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  unsigned long generation;
  int pending;
  int quit;
  nn_work_fn fn;
  void *arg;
};

static void *
worker_main (void *p)
{
  worker_start *ws = p;
  nn_workers *w = ws->team;
  const int index = ws->index;
  unsigned long seen = 0;

  pthread_mutex_lock (&w->lock);
  for (;;) {
    while (w->generation == seen && !w->quit)
      pthread_cond_wait (&w->wake, &w->lock);
    if (w->quit)
      break;
    seen = w->generation;
    nn_work_fn fn = w->fn;
    void *arg = w->arg;
    pthread_mutex_unlock (&w->lock);
    fn (arg, index);
    pthread_mutex_lock (&w->lock);
    if (--w->pending == 0)
      pthread_cond_signal (&w->done);
  }
  pthread_mutex_unlock (&w->lock);
  return NULL;
}

nn_status
nn_workers_create (int n, nn_workers **out, nn_error *err)
{
  *out = NULL;
  if (n <= 1)
    return NN_OK;
  nn_workers *w = calloc (1, sizeof *w);
  if (!w)
    return nn_fail (err, NN_NOMEM, "no memory for %d workers", n);
  w->n = n;
  w->threads = calloc ((size_t)n - 1, sizeof *w->threads);
  w->starts = calloc ((size_t)n - 1, sizeof *w->starts);
  if (!w->threads || !w->starts) {
    free (w->threads);
    free (w->starts);
    free (w);
    return nn_fail (err, NN_NOMEM, "no memory for %d workers", n);
  }
  pthread_mutex_init (&w->lock, NULL);
  pthread_cond_init (&w->wake, NULL);
  pthread_cond_init (&w->done, NULL);
  for (int i = 1; i < n; i++) {
    worker_start *ws = &w->starts[i - 1];
    ws->team = w;
    ws->index = i;
    if (pthread_create (&w->threads[i - 1], NULL, worker_main, ws) != 0) {
      nn_workers_free (w);
      return nn_fail (err, NN_NOMEM, "could not start worker thread %d of %d",
                      i, n - 1);
    }
    w->started++;
  }
  *out = w;
  return NN_OK;
}

void
nn_workers_free (nn_workers *w)
{
  if (!w)
    return;
  pthread_mutex_lock (&w->lock);
  w->quit = 1;
  pthread_cond_broadcast (&w->wake);
  pthread_mutex_unlock (&w->lock);
  for (int i = 0; i < w->started; i++)
    pthread_join (w->threads[i], NULL);
  pthread_cond_destroy (&w->wake);
  pthread_cond_destroy (&w->done);
  pthread_mutex_destroy (&w->lock);
  free (w->threads);
  free (w->starts);
  free (w);
}

void
nn_workers_run (nn_workers *w, nn_work_fn fn, void *arg)
{
  if (!w) {
    fn (arg, 0);
    return;
  }
  pthread_mutex_lock (&w->lock);
  w->fn = fn;
  w->arg = arg;
  w->pending = w->n - 1;
  w->generation++;
  pthread_cond_broadcast (&w->wake);
  pthread_mutex_unlock (&w->lock);

  fn (arg, 0);

  pthread_mutex_lock (&w->lock);
  while (w->pending > 0)
    pthread_cond_wait (&w->done, &w->lock);
  pthread_mutex_unlock (&w->lock);
}
