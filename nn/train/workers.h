/* A fixed team of worker threads for the trainer's data-parallel shards.
 * Created with the net, so a training step never creates threads; the
 * OpenBLAS thread count is never touched here (see nn/train.h, Threads).
 */
#ifndef NN_TRAIN_WORKERS_H
#define NN_TRAIN_WORKERS_H

#include "nn/nn.h"

typedef struct nn_workers nn_workers;

/* fn(arg, i) for each worker index i; index 0 runs on the caller. */
typedef void (*nn_work_fn) (void *arg, int index);

/* n <= 1 gives a NULL team (no error): everything runs on the caller. */
nn_status nn_workers_create (int n, nn_workers **out, nn_error *err);
void nn_workers_free (nn_workers *w);
/* Calls fn for every index in [0, n) and returns when all are done. */
void nn_workers_run (nn_workers *w, nn_work_fn fn, void *arg);

#endif /* NN_TRAIN_WORKERS_H */
