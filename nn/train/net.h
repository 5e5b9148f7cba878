/* The training network: layers, the parameter block and the activation
 * arena. Internal to nn/train (net.c, optim.c, export.c, checkpoint.c). */
#ifndef NN_TRAIN_NET_H
#define NN_TRAIN_NET_H

#include "layers.h"
#include "workers.h"

#define NN_TRAIN_MAX_THREADS 64
#define NN_TRAIN_MAX_LAYERS 64

struct nn_net {
  char *spec; /* as given */
  int in_c, in_h, in_w;
  int n_classes;
  nn_layer layers[NN_TRAIN_MAX_LAYERS];
  int n_layers;

  /* One allocation holds params | grads | moment 1 | moment 2 | the
   * per-worker gradients of workers 1..threads-1. */
  float *block;
  size_t n_params;
  float *params, *grads, *m, *v, *wgrads;

  /* One allocation holds every worker's activations; worker t's slice
   * starts at arena + t * arena_per_worker (floats). */
  float *arena;
  size_t arena_per_worker;
  size_t x_off, probs_off, g_off[2], col_off, dcol_off, max_act;

  int threads, max_batch, shard_max;
  nn_workers *workers;
  uint64_t seed;

  nn_optim_config optim;
  long step;

  /* The job being run by the workers. */
  struct {
    const float *x; /* (n, C, H, W) */
    const int32_t *labels;
    int n;
    int train;
    float *probs; /* (n, classes) out, predict only */
    double loss[NN_TRAIN_MAX_THREADS];
    int correct[NN_TRAIN_MAX_THREADS];
    int shard_n[NN_TRAIN_MAX_THREADS];
  } job;
};

/* spec.c: fills net->layers (shapes, ReLUs, flatten) from `spec`; needs
 * net->in_c/in_h/in_w. */
nn_status nn_net_parse_spec (nn_net *net, const char *spec, nn_error *err);

/* optim.c: one update of every parameter from net->grads. */
void nn_optim_apply (nn_net *net, float lr);

/* export.c: writes `path` through a temporary file and a rename, so a crash
 * never leaves a half-written model or checkpoint. */
nn_status nn_train_write_file (const char *path, const void *data, size_t size,
                               nn_error *err);

#endif /* NN_TRAIN_NET_H */
