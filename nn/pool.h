/* A session's private worker threads. Created with the session, so run()
 * never creates threads; OpenBLAS's own thread count is never touched. */
#ifndef NN_POOL_H
#define NN_POOL_H

#include "nn/nn.h"

typedef struct nn_pool nn_pool;

/* task(arg, i, n) is called once for every i in [0, n). */
typedef void (*nn_task_fn) (void *arg, int i, int n);

/* threads <= 1 gives a NULL pool (no error): everything runs inline.
 * init(user), when not NULL, runs first thing in each worker thread;
 * all of them have returned when nn_pool_create does. */
nn_status nn_pool_create (int threads, void (*init) (void *user), void *user,
                          nn_pool **out, nn_error *err);
void nn_pool_free (nn_pool *pool);
int nn_pool_threads (const nn_pool *pool); /* 1 for NULL */
/* Runs all n tasks across the pool's threads and the caller, returns when
 * all are done. No allocation. pool may be NULL. */
void nn_pool_run (nn_pool *pool, nn_task_fn task, void *arg, int n);

#endif /* NN_POOL_H */
