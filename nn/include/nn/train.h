/* edgeclassify nn — training a small CNN classifier on the CPU.
 *
 * Plain C11 over OpenBLAS, no GLib, no GStreamer. The trained network is
 * exported as a standard ONNX file that nn.h (and ONNX Runtime, PyTorch)
 * runs; its metadata tells the element how to preprocess frames.
 *
 *   nn_net_create()        parse an architecture spec, allocate one block for
 *                          parameters (+ gradients + optimizer state) and one
 *                          arena for the activations of every worker
 *   nn_net_set_optimizer() Adam or SGD, learning-rate schedule
 *   nn_net_train_step()    one mini-batch: forward, backward, update
 *   nn_net_predict()       inference (dropout off)
 *   nn_net_export_onnx()   ir_version 8, opset 13
 *
 * Architecture spec: comma-separated layers, e.g. the seed CNN
 *   "conv32x3,pool2,conv64x3,pool2,conv64x3,flatten,dense64,dense10"
 *   convOxK[sS][pP]  Conv, O filters KxK, stride S (1), zero pad P (0);
 *                    followed by ReLU
 *   poolK[sS]        MaxPool KxK, stride S (K)
 *   flatten          (implied before the first dense)
 *   denseN           Gemm with N outputs; followed by ReLU unless it is the
 *                    last layer, whose N is the number of classes
 *   dropoutP         Dropout with probability P in [0, 1) while training;
 *                    not exported (identity at inference)
 *
 * Determinism: given the same seed, thread count and data order, training
 * produces the same bits every run (fixed shard split, fixed reduction
 * order). Threads = 1 is the reference.
 *
 * Threads: with threads > 1 every worker calls cblas_sgemm at the same
 * time, so the BLAS must be safe for that. Debian's serial OpenBLAS is not
 * (built without USE_LOCKING it now and then returns wrong products), so
 * the build links the threaded one. nn/ never changes its process-global
 * thread count; a user who wants each call kept on its worker sets
 * OPENBLAS_NUM_THREADS=1 in the environment (models/fashion-mnist/train.sh
 * does).
 *
 * Tensors given to this API are NCHW floats, the layout nn_preprocess()
 * writes. Ownership: nothing passed in is kept after a call returns.
 */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include "nn/nn.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Random numbers: xoshiro256** seeded by splitmix64 ------------------ */

typedef struct nn_rng {
  uint64_t s[4];
} nn_rng;

void nn_rng_seed (nn_rng *rng, uint64_t seed);
uint64_t nn_rng_next (nn_rng *rng);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint32_t nn_rng_below (nn_rng *rng, uint32_t n);
/* Uniform in [0, 1) with 24 random bits. */
float nn_rng_float (nn_rng *rng);
/* Fisher-Yates. */
void nn_rng_shuffle (nn_rng *rng, uint32_t *idx, size_t n);

/* ---- Network ------------------------------------------------------------ */

typedef struct nn_net nn_net;

typedef struct nn_net_options {
  int threads;   /* workers sharing a mini-batch; 0 or 1: the
                  * calling thread only */
  int max_batch; /* largest n given to train_step / predict;
                  * 0 means 64 */
  uint64_t seed; /* weight init and dropout masks */
} nn_net_options;

/* The seed CNN for 1x28x28 inputs and 10 classes. */
#define NN_SEED_CNN_SPEC                                                       \
  "conv32x3,pool2,conv64x3,pool2,conv64x3,flatten,dense64,dense10"

/* channels/height/width describe one input image. `opts` may be NULL.
 * Weights get He (ReLU layers) or Glorot (last layer) uniform init. */
nn_status nn_net_create (const char *spec, int channels, int height, int width,
                         const nn_net_options *opts, nn_net **out,
                         nn_error *err);
void nn_net_free (nn_net *net); /* NULL is fine */

int nn_net_n_classes (const nn_net *net);
size_t nn_net_n_params (const nn_net *net);
int nn_net_threads (const nn_net *net);
/* Multi-line summary: one layer a line with its output shape (NCHW) and
 * parameter count. Returns what snprintf would. */
int nn_net_describe (const nn_net *net, char *buf, size_t size);

/* Copy all parameters out or in (nn_net_n_params floats, internal order:
 * meaningful only to another net built from the same spec). */
void nn_net_get_params (const nn_net *net, float *dst);
void nn_net_set_params (nn_net *net, const float *src);

/* ---- Optimisation ------------------------------------------------------- */

typedef enum nn_optimizer {
  NN_OPT_ADAM = 0, /* AdamW when weight_decay > 0 */
  NN_OPT_SGD       /* momentum, L2 weight decay */
} nn_optimizer;

typedef enum nn_schedule {
  NN_SCHED_CONSTANT = 0,
  NN_SCHED_STEP,  /* lr * gamma^(epoch-ish step / step_size) */
  NN_SCHED_COSINE /* to min_lr at total_steps */
} nn_schedule;

typedef struct nn_optim_config {
  nn_optimizer optimizer;
  float lr;
  float momentum;          /* SGD */
  int nesterov;            /* SGD */
  float beta1, beta2, eps; /* Adam; 0 selects 0.9, 0.999, 1e-8 */
  float weight_decay;      /* weights only, never biases */
  nn_schedule schedule;
  long total_steps; /* cosine */
  long step_size;   /* step: multiply by gamma every step_size */
  float gamma;
  long warmup_steps; /* linear ramp from 0 before the schedule */
  float min_lr;      /* cosine floor */
  float clip_norm;   /* > 0: scale gradients down to this global L2 norm
                      * (a guard against loss spikes) */
} nn_optim_config;

/* Fills defaults: Adam, lr 1e-3, constant schedule. */
void nn_optim_config_init (nn_optim_config *cfg);
/* Validates and applies; resets the optimizer state and step counter. */
nn_status nn_net_set_optimizer (nn_net *net, const nn_optim_config *cfg,
                                nn_error *err);
/* The learning rate the schedule gives at `step` (0-based). */
float nn_net_lr_at (const nn_net *net, long step);
/* Updates done so far. */
long nn_net_step (const nn_net *net);

typedef struct nn_step_stats {
  double loss_sum; /* cross-entropy summed over the batch */
  int correct;     /* argmax == label */
  float lr;        /* learning rate used */
} nn_step_stats;

/* x: (n, C, H, W) floats; labels: n class indices in [0, classes).
 * 1 <= n <= max_batch. `stats` may be NULL. */
nn_status nn_net_train_step (nn_net *net, const float *x, const int32_t *labels,
                             int n, nn_step_stats *stats, nn_error *err);

/* Loss and gradients (into the net's gradient block) without an update;
 * for gradient checks. `loss` receives the mean cross-entropy. */
nn_status nn_net_loss_grad (nn_net *net, const float *x, const int32_t *labels,
                            int n, double *loss, nn_error *err);
/* The gradient block filled by nn_net_loss_grad (internal order). */
const float *nn_net_grads (const nn_net *net);

/* x: (n, C, H, W); probs: (n, classes) softmax outputs. Dropout is off. */
nn_status nn_net_predict (nn_net *net, const float *x, int n, float *probs,
                          nn_error *err);

/* ---- Augmentation ------------------------------------------------------- */

typedef struct nn_augment {
  int shift; /* random translation in [-shift, shift] px */
  int hflip; /* mirror left-right with probability 1/2 */
  int erase; /* random erasing: max square side, px */
} nn_augment;

/* src, dst: (C, H, W), distinct. `fill` (C values) is what uncovered pixels
 * become: the preprocessed value of black. */
void nn_augment_image (const nn_augment *aug, nn_rng *rng, int channels,
                       int height, int width, const float *src,
                       const float *fill, float *dst);

/* ---- Export ------------------------------------------------------------- */

typedef struct nn_export_info {
  const char *const *labels; /* class names, n_labels == classes */
  int n_labels;
  const char *color;     /* "GRAY", "RGB" or "BGR" */
  float scale;           /* pixel multiplier, e.g. 1/255 */
  float mean[3], std[3]; /* one value per input channel */
  const char *resize;    /* "stretch", "letterbox", "center-crop" */
  int batch;             /* > 0: fixed batch; 0: symbolic "N" */
  const char *doc;       /* model doc_string, may be NULL */
} nn_export_info;

/* ONNX ir_version 8, opset 13: Conv, Relu, MaxPool, Flatten, Gemm
 * (transB=1), Softmax; producer "edgenn-train"; metadata_props carry the
 * labels and preprocessing (edgeclassify.*). The bytes depend only on the
 * weights and `info`. *data is malloc'd, free() it. */
nn_status nn_net_export_onnx_memory (const nn_net *net,
                                     const nn_export_info *info, uint8_t **data,
                                     size_t *size, nn_error *err);
/* Written to a temporary file then renamed over `path`. */
nn_status nn_net_export_onnx (const nn_net *net, const nn_export_info *info,
                              const char *path, nn_error *err);

/* ---- Checkpoints -------------------------------------------------------- */

/* Parameters, optimizer config and state, step counter, plus an opaque
 * block the caller owns (its epoch, RNG, history). Written atomically. */
nn_status nn_net_save_checkpoint (const nn_net *net, const char *path,
                                  const void *extra, size_t extra_size,
                                  nn_error *err);
/* The net must be built from the same spec and input shape; extra_size must
 * match what was saved. */
nn_status nn_net_load_checkpoint (nn_net *net, const char *path, void *extra,
                                  size_t extra_size, nn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* NN_TRAIN_H */
