/* The training network: memory planning (one block for parameters, one
 * arena for activations), initialisation, and the data-parallel step. The
 * spec parser is in spec.c.
 *
 * A mini-batch is split into one contiguous shard per worker. Each worker
 * runs forward and backward on its shard in its own slice of the activation
 * arena and writes its own parameter gradients; the caller then sums them in
 * worker order. The split and the order depend only on n and the thread
 * count, so a run is reproducible bit for bit.
 */
#include "net.h"
#include "error.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 4096
#define MAX_SIDE 4096
#define MAX_PARAMS ((size_t)1 << 28)
#define MAX_ARENA ((size_t)1 << 32) /* floats: 16 GiB */

/* ---- memory planning ---- */

static size_t
align16 (size_t n)
{
  return (n + 15) & ~(size_t)15;
}

/* Lays out parameters and one worker's arena slice; checks for overflow
 * before anything is allocated. */
static nn_status
plan_memory (nn_net *net, nn_error *err)
{
  size_t params = 0, off = 0, max_act, max_col = 0;
  const size_t sm = (size_t)net->shard_max;
  size_t prev_y;

  for (int i = 0; i < net->n_layers; i++) {
    nn_layer *l = &net->layers[i];
    if (l->kind == NN_LAYER_CONV) {
      l->n_w = (size_t)l->out_c * l->k * l->k * l->in_c;
      l->n_b = l->out_c;
    } else if (l->kind == NN_LAYER_DENSE) {
      l->n_w = (size_t)l->out_c * l->in_c;
      l->n_b = l->out_c;
    }
    l->w_off = params;
    params += align16 (l->n_w);
    l->b_off = params;
    params += align16 (l->n_b);
    if (params > MAX_PARAMS)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: more than %zu "
                      "parameters",
                      MAX_PARAMS);
  }
  net->n_params = params;

  /* Every per-item size is bounded (sides, channels, kernels are capped)
   * but products with the shard size are checked against the budget. */
  max_act = nn_layer_in_size (&net->layers[0]);
  net->x_off = off;
  off += align16 (sm * max_act);
  prev_y = net->x_off;
  for (int i = 0; i < net->n_layers; i++) {
    nn_layer *l = &net->layers[i];
    const size_t out = nn_layer_out_size (l);
    if (out > max_act)
      max_act = out;
    switch (l->kind) {
    case NN_LAYER_RELU:
    case NN_LAYER_FLATTEN:
    case NN_LAYER_DROPOUT:
      l->y_off = prev_y; /* in place */
      break;
    default:
      l->y_off = off;
      off += align16 (sm * out);
      break;
    }
    if (l->kind == NN_LAYER_MAXPOOL || l->kind == NN_LAYER_DROPOUT)
      l->aux_per_item = out;
    if (l->aux_per_item) {
      /* maxpool: argmax; dropout: mask */
      l->aux_off = off;
      off += align16 (sm * l->aux_per_item);
    }
    if (l->kind == NN_LAYER_CONV) {
      /* One im2col workspace for every conv, sized to the largest chunk. */
      const size_t items
          = (size_t)nn_conv_chunk (l) < sm ? (size_t)nn_conv_chunk (l) : sm;
      if (items * nn_conv_col_per_item (l) > max_col)
        max_col = items * nn_conv_col_per_item (l);
    }
    prev_y = l->y_off;
    if (off > MAX_ARENA / NN_TRAIN_MAX_THREADS)
      return nn_fail (err, NN_NOMEM,
                      "activations for batch %d need more "
                      "than %zu floats per worker",
                      net->max_batch, MAX_ARENA / NN_TRAIN_MAX_THREADS);
  }
  net->probs_off = off;
  off += align16 (sm * net->n_classes);
  net->max_act = max_act;
  net->g_off[0] = off;
  off += align16 (sm * max_act);
  net->g_off[1] = off;
  off += align16 (sm * max_act);
  net->col_off = off;
  off += align16 (max_col);
  net->dcol_off = off;
  off += align16 (max_col);
  if (off > MAX_ARENA / NN_TRAIN_MAX_THREADS)
    return nn_fail (err, NN_NOMEM,
                    "activations for batch %d need more than "
                    "%zu floats per worker",
                    net->max_batch, MAX_ARENA / NN_TRAIN_MAX_THREADS);
  net->arena_per_worker = off;
  return NN_OK;
}

/* He uniform for layers feeding a ReLU, Glorot uniform for the logits;
 * biases start at zero. Drawn layer by layer in storage order. */
static void
init_params (nn_net *net)
{
  nn_rng rng;
  nn_rng_seed (&rng, net->seed);
  memset (net->params, 0, net->n_params * sizeof *net->params);
  for (int i = 0; i < net->n_layers; i++) {
    const nn_layer *l = &net->layers[i];
    if (!l->n_w)
      continue;
    const double fan_in = (double)l->n_w / l->out_c;
    const double bound
        = l->last ? sqrt (6.0 / (fan_in + l->out_c)) : sqrt (6.0 / fan_in);
    float *w = net->params + l->w_off;
    for (size_t j = 0; j < l->n_w; j++)
      w[j] = (float)((2.0 * nn_rng_float (&rng) - 1.0) * bound);
  }
}

nn_status
nn_net_create (const char *spec, int channels, int height, int width,
               const nn_net_options *opts, nn_net **out, nn_error *err)
{
  nn_status st;
  nn_net *net;

  if (!out)
    return nn_fail (err, NN_INVALID_ARG, "nn_net_create: out is NULL");
  *out = NULL;
  if (!spec)
    return nn_fail (err, NN_INVALID_ARG, "nn_net_create: spec is NULL");
  if (channels < 1 || channels > MAX_CHANNELS || height < 1 || height > MAX_SIDE
      || width < 1 || width > MAX_SIDE)
    return nn_fail (err, NN_INVALID_ARG,
                    "input %dx%dx%d: need channels in "
                    "1..%d and sides in 1..%d",
                    channels, height, width, MAX_CHANNELS, MAX_SIDE);
  int threads = opts && opts->threads > 1 ? opts->threads : 1;
  int max_batch = opts && opts->max_batch > 0 ? opts->max_batch : 64;
  if (threads > NN_TRAIN_MAX_THREADS)
    return nn_fail (err, NN_INVALID_ARG, "threads %d: at most %d", threads,
                    NN_TRAIN_MAX_THREADS);
  if (max_batch > 1 << 16)
    return nn_fail (err, NN_INVALID_ARG, "batch %d: at most %d", max_batch,
                    1 << 16);

  net = calloc (1, sizeof *net);
  if (!net)
    return nn_fail (err, NN_NOMEM, "no memory for the network");
  net->spec = strdup (spec);
  net->in_c = channels;
  net->in_h = height;
  net->in_w = width;
  net->threads = threads;
  net->max_batch = max_batch;
  net->shard_max = (max_batch + threads - 1) / threads;
  net->seed = opts ? opts->seed : 0;
  nn_optim_config_init (&net->optim);
  if (!net->spec) {
    st = nn_fail (err, NN_NOMEM, "no memory for the network");
    goto fail;
  }
  if ((st = nn_net_parse_spec (net, spec, err)) != NN_OK)
    goto fail;
  if ((st = plan_memory (net, err)) != NN_OK)
    goto fail;

  const size_t blocks = 4 + (size_t)(threads - 1);
  net->block = calloc (blocks * net->n_params, sizeof (float));
  net->arena = calloc ((size_t)threads * net->arena_per_worker, sizeof (float));
  if (!net->block || !net->arena) {
    st = nn_fail (err, NN_NOMEM,
                  "no memory for %zu parameters and %zu "
                  "activation floats",
                  blocks * net->n_params,
                  (size_t)threads * net->arena_per_worker);
    goto fail;
  }
  net->params = net->block;
  net->grads = net->params + net->n_params;
  net->m = net->grads + net->n_params;
  net->v = net->m + net->n_params;
  net->wgrads = net->v + net->n_params;
  if ((st = nn_workers_create (threads, &net->workers, err)) != NN_OK)
    goto fail;
  init_params (net);
  *out = net;
  return NN_OK;

fail:
  nn_net_free (net);
  return st;
}

void
nn_net_free (nn_net *net)
{
  if (!net)
    return;
  nn_workers_free (net->workers);
  free (net->arena);
  free (net->block);
  free (net->spec);
  free (net);
}

int
nn_net_n_classes (const nn_net *net)
{
  return net->n_classes;
}

size_t
nn_net_n_params (const nn_net *net)
{
  return net->n_params;
}

int
nn_net_threads (const nn_net *net)
{
  return net->threads;
}

void
nn_net_get_params (const nn_net *net, float *dst)
{
  memcpy (dst, net->params, net->n_params * sizeof *dst);
}

void
nn_net_set_params (nn_net *net, const float *src)
{
  memcpy (net->params, src, net->n_params * sizeof *src);
}

const float *
nn_net_grads (const nn_net *net)
{
  return net->grads;
}

long
nn_net_step (const nn_net *net)
{
  return net->step;
}

int
nn_net_describe (const nn_net *net, char *buf, size_t size)
{
  static const char *names[] = {
    [NN_LAYER_CONV] = "Conv",       [NN_LAYER_RELU] = "Relu",
    [NN_LAYER_MAXPOOL] = "MaxPool", [NN_LAYER_FLATTEN] = "Flatten",
    [NN_LAYER_DENSE] = "Gemm",      [NN_LAYER_DROPOUT] = "Dropout",
  };
  size_t used = 0, total = 0;
  int n = snprintf (buf, size, "input %dx%dx%d\n", net->in_c, net->in_h,
                    net->in_w);
  used += n > 0 ? (size_t)n : 0;
  for (int i = 0; i < net->n_layers; i++) {
    const nn_layer *l = &net->layers[i];
    char what[48] = "";
    if (l->kind == NN_LAYER_CONV)
      snprintf (what, sizeof what, "%dx%dx%d s%d p%d", l->out_c, l->k, l->k,
                l->stride, l->pad);
    else if (l->kind == NN_LAYER_MAXPOOL)
      snprintf (what, sizeof what, "%dx%d s%d", l->k, l->k, l->stride);
    else if (l->kind == NN_LAYER_DROPOUT)
      snprintf (what, sizeof what, "p=%g (training only)", l->drop);
    total += l->n_w + l->n_b;
    n = snprintf (used < size ? buf + used : NULL,
                  used < size ? size - used : 0,
                  "  %-8s %-22s -> %dx%dx%d  %zu params\n", names[l->kind],
                  what, l->out_c, l->out_h, l->out_w, l->n_w + l->n_b);
    used += n > 0 ? (size_t)n : 0;
  }
  n = snprintf (used < size ? buf + used : NULL, used < size ? size - used : 0,
                "  total %zu parameters\n", total);
  used += n > 0 ? (size_t)n : 0;
  return (int)used;
}

/* ---- the step ---- */

/* One worker: shard [first, first + ns) of the job. */
static void
run_shard (void *arg, int t)
{
  nn_net *net = arg;
  const int n = net->job.n;
  const int first = (int)((long)n * t / net->threads);
  const int ns = (int)((long)n * (t + 1) / net->threads) - first;
  float *a = net->arena + (size_t)t * net->arena_per_worker;
  const float *p = net->params;
  float *grads
      = t == 0 ? net->grads : net->wgrads + (size_t)(t - 1) * net->n_params;
  const int c = net->in_c;
  const size_t plane = (size_t)net->in_h * net->in_w;

  net->job.shard_n[t] = ns;
  net->job.loss[t] = 0.0;
  net->job.correct[t] = 0;
  if (ns <= 0)
    return;

  /* (ns, C, H, W) -> (ns, H, W, C) */
  float *x = a + net->x_off;
  const float *src = net->job.x + (size_t)first * c * plane;
  if (c == 1) {
    memcpy (x, src, (size_t)ns * plane * sizeof *x);
  } else {
    for (int i = 0; i < ns; i++)
      for (size_t j = 0; j < plane; j++)
        for (int ch = 0; ch < c; ch++)
          x[((size_t)i * plane + j) * c + ch]
              = src[((size_t)i * c + ch) * plane + j];
  }

  const float *in = x;
  for (int i = 0; i < net->n_layers; i++) {
    const nn_layer *l = &net->layers[i];
    float *y = a + l->y_off;
    float *aux = a + l->aux_off;
    switch (l->kind) {
    case NN_LAYER_CONV:
      nn_conv_forward (l, ns, in, p + l->w_off, p + l->b_off, l->relu_after,
                       a + net->col_off, y);
      break;
    case NN_LAYER_RELU:
      /* Done in place by the conv or dense before it. */
      if (i == 0 || !net->layers[i - 1].relu_after)
        nn_relu_forward ((size_t)ns * nn_layer_out_size (l), in, y);
      break;
    case NN_LAYER_MAXPOOL:
      nn_maxpool_forward (l, ns, in, y, (int32_t *)aux);
      break;
    case NN_LAYER_FLATTEN:
      break;
    case NN_LAYER_DENSE:
      nn_dense_forward (l, ns, in, p + l->w_off, p + l->b_off, l->relu_after,
                        y);
      break;
    case NN_LAYER_DROPOUT:
      if (net->job.train && l->drop > 0.0f)
        nn_dropout_forward (l, ns, net->seed, net->step, first, in, y, aux);
      break;
    }
    in = y;
  }

  float *probs = net->job.train
                     ? a + net->probs_off
                     : net->job.probs + (size_t)first * net->n_classes;
  const int32_t *labels = net->job.labels ? net->job.labels + first : NULL;
  net->job.loss[t] = nn_softmax_ce_forward (ns, net->n_classes, in, labels,
                                            probs, &net->job.correct[t]);
  if (!net->job.train)
    return;

  float *g = a + net->g_off[0], *other = a + net->g_off[1];
  nn_softmax_ce_backward (ns, net->n_classes, probs, labels, 1.0f / (float)n,
                          g);
  for (int i = net->n_layers - 1; i >= 0; i--) {
    const nn_layer *l = &net->layers[i];
    const float *lin = i > 0 ? a + net->layers[i - 1].y_off : x;
    float *dx = i > 0 ? other : NULL;
    float *swap;
    switch (l->kind) {
    case NN_LAYER_CONV:
      nn_conv_backward (l, ns, lin, p + l->w_off, g, grads + l->w_off,
                        grads + l->b_off, a + net->col_off, a + net->dcol_off,
                        dx);
      break;
    case NN_LAYER_DENSE:
      nn_dense_backward (l, ns, lin, p + l->w_off, g, grads + l->w_off,
                         grads + l->b_off, dx);
      break;
    case NN_LAYER_MAXPOOL:
      /* A ReLU right before the pool has its backward folded in here. */
      if (dx)
        nn_maxpool_backward (
            l, ns, g, (const int32_t *)(a + l->aux_off),
            net->layers[i - 1].kind == NN_LAYER_RELU ? a + l->y_off : NULL, dx);
      break;
    case NN_LAYER_RELU:
      if (i + 1 >= net->n_layers || net->layers[i + 1].kind != NN_LAYER_MAXPOOL)
        nn_relu_backward ((size_t)ns * nn_layer_out_size (l), a + l->y_off, g,
                          g);
      continue;
    case NN_LAYER_DROPOUT:
      if (l->drop > 0.0f)
        nn_dropout_backward (l, ns, a + l->aux_off, g, g);
      continue;
    case NN_LAYER_FLATTEN:
      continue;
    }
    swap = g;
    g = other;
    other = swap;
  }
}

static nn_status
check_batch (const nn_net *net, const float *x, int n, nn_error *err)
{
  if (!x)
    return nn_fail (err, NN_INVALID_ARG, "input is NULL");
  if (n < 1 || n > net->max_batch)
    return nn_fail (err, NN_INVALID_ARG,
                    "batch of %d: the net was created "
                    "for 1..%d",
                    n, net->max_batch);
  return NN_OK;
}

static nn_status
check_labels (const nn_net *net, const int32_t *labels, int n, nn_error *err)
{
  if (!labels)
    return nn_fail (err, NN_INVALID_ARG, "labels are NULL");
  for (int i = 0; i < n; i++)
    if (labels[i] < 0 || labels[i] >= net->n_classes)
      return nn_fail (err, NN_INVALID_ARG,
                      "label %d of item %d is not in "
                      "0..%d",
                      (int)labels[i], i, net->n_classes - 1);
  return NN_OK;
}

/* Forward + backward over all shards; net->grads then holds the gradient of
 * the batch's mean loss. */
static void
run_grad (nn_net *net, const float *x, const int32_t *labels, int n,
          double *loss_sum, int *correct)
{
  net->job.x = x;
  net->job.labels = labels;
  net->job.n = n;
  net->job.train = 1;
  net->job.probs = NULL;
  nn_workers_run (net->workers, run_shard, net);

  double loss = 0.0;
  int hits = 0;
  for (int t = 0; t < net->threads; t++) {
    loss += net->job.loss[t];
    hits += net->job.correct[t];
  }
  /* Worker 0 wrote net->grads, unless its shard is empty (n < threads):
   * then they still hold the previous batch's and must start from 0. */
  if (net->job.shard_n[0] <= 0)
    memset (net->grads, 0, net->n_params * sizeof *net->grads);
  for (int t = 1; t < net->threads; t++) {
    if (net->job.shard_n[t] <= 0)
      continue;
    const float *wg = net->wgrads + (size_t)(t - 1) * net->n_params;
    for (size_t j = 0; j < net->n_params; j++)
      net->grads[j] += wg[j];
  }
  *loss_sum = loss;
  *correct = hits;
}

nn_status
nn_net_loss_grad (nn_net *net, const float *x, const int32_t *labels, int n,
                  double *loss, nn_error *err)
{
  nn_status st;
  double sum;
  int hits;

  if ((st = check_batch (net, x, n, err)) != NN_OK
      || (st = check_labels (net, labels, n, err)) != NN_OK)
    return st;
  run_grad (net, x, labels, n, &sum, &hits);
  if (loss)
    *loss = sum / n;
  return NN_OK;
}

nn_status
nn_net_train_step (nn_net *net, const float *x, const int32_t *labels, int n,
                   nn_step_stats *stats, nn_error *err)
{
  nn_status st;
  double sum;
  int hits;

  if ((st = check_batch (net, x, n, err)) != NN_OK
      || (st = check_labels (net, labels, n, err)) != NN_OK)
    return st;
  run_grad (net, x, labels, n, &sum, &hits);
  if (!isfinite (sum))
    return nn_fail (err, NN_INTERNAL,
                    "loss is not finite at step %ld "
                    "(learning rate too high?)",
                    net->step);
  const float lr = nn_net_lr_at (net, net->step);
  nn_optim_apply (net, lr);
  net->step++;
  if (stats) {
    stats->loss_sum = sum;
    stats->correct = hits;
    stats->lr = lr;
  }
  return NN_OK;
}

nn_status
nn_net_predict (nn_net *net, const float *x, int n, float *probs, nn_error *err)
{
  nn_status st;

  if ((st = check_batch (net, x, n, err)) != NN_OK)
    return st;
  if (!probs)
    return nn_fail (err, NN_INVALID_ARG, "probs is NULL");
  net->job.x = x;
  net->job.labels = NULL;
  net->job.n = n;
  net->job.train = 0;
  net->job.probs = probs;
  nn_workers_run (net->workers, run_shard, net);
  return NN_OK;
}
