/* Training layers: forward and backward of each op family in one file.
 *
 * Internal to nn/train and its tests. Activations are NHWC while training:
 * a convolution patch then spans contiguous memory (im2col is a few memcpy
 * calls per output pixel) and one GEMM covers the whole shard. The exporter
 * permutes weights back to ONNX's NCHW order.
 *
 * Every kernel is a plain function over explicit pointers and a shard size
 * n; none allocates. Parameter gradients are written (beta = 0), never
 * accumulated, so no zeroing pass is needed; input gradients are written
 * except where noted.
 */
#ifndef NN_TRAIN_LAYERS_H
#define NN_TRAIN_LAYERS_H

#include "nn/train.h"

#include <stddef.h>
#include <stdint.h>

/* The elementwise loops are also built for x86-64-v3 (AVX2) and picked at
 * load time; BLAS does its own dispatch. No FMA contraction in ISO C mode,
 * so both versions give the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)            \
    && defined(__linux__)
#define NN_HOT __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define NN_HOT
#endif

typedef enum nn_layer_kind {
  NN_LAYER_CONV,
  NN_LAYER_RELU,
  NN_LAYER_MAXPOOL,
  NN_LAYER_FLATTEN,
  NN_LAYER_DENSE,
  NN_LAYER_DROPOUT
} nn_layer_kind;

typedef struct nn_layer {
  nn_layer_kind kind;
  /* Per item, NHWC. Dense and flattened tensors have h = w = 1. */
  int in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int k, stride, pad; /* conv, maxpool */
  float drop;         /* dropout probability */
  int relu_after;     /* conv/dense: a ReLU layer follows */
  int direct;         /* conv: direct loops instead of im2col +
                       * GEMM (tiny KH*KW*C, e.g. the first layer) */
  int last;           /* the dense layer giving the logits */
  /* Parameters, offsets in floats into the parameter block. */
  size_t w_off, b_off, n_w, n_b;
  /* Worker arena offsets in floats, for a shard of the net's shard_max
   * items. y_off equals the input's offset for in-place layers. */
  size_t y_off, aux_off;
  size_t aux_per_item; /* conv: col; maxpool: argmax; drop: mask */
} nn_layer;

static inline size_t
nn_layer_in_size (const nn_layer *l)
{
  return (size_t)l->in_h * l->in_w * l->in_c;
}

static inline size_t
nn_layer_out_size (const nn_layer *l)
{
  return (size_t)l->out_h * l->out_w * l->out_c;
}

/* ---- conv.c ---- */

/* A GEMM with an inner dimension this small runs far below peak; such a
 * conv (a grey or RGB 3x3 input layer) is cheaper as plain loops over the
 * im2col rows, for the forward pass and the weight gradient. */
#define NN_CONV_DIRECT_MAX_KD 27
#define NN_CONV_DIRECT_MAX_OC 256

/* Floats of the im2col matrix for one item: OH*OW rows of KH*KW*C. */
size_t nn_conv_col_per_item (const nn_layer *l);
/* x (n,H,W,C) -> col (n*OH*OW, KH*KW*C), zero where the window is padded */
void nn_im2col_nhwc (const nn_layer *l, int n, const float *x, float *col);
/* col (n*OH*OW, KH*KW*C) -> dx (n,H,W,C); overwrites dx */
void nn_col2im_nhwc (const nn_layer *l, int n, const float *col, float *dx);
/* The im2col matrix is built a chunk of items at a time, each chunk about
 * this many floats (1 MiB), so it is still in cache when the GEMM reads
 * it. */
#define NN_CONV_CHUNK_FLOATS (256 * 1024)
/* Items per chunk for this layer (>= 1); scratch col and dcol hold
 * nn_conv_chunk () * nn_conv_col_per_item () floats. */
int nn_conv_chunk (const nn_layer *l);
/* x (n,H,W,C), w (OC,KH,KW,C), b (OC) -> y (n,OH,OW,OC); col is chunk
 * scratch. relu: apply the following ReLU in the same pass as the bias. */
void nn_conv_forward (const nn_layer *l, int n, const float *x, const float *w,
                      const float *b, int relu, float *col, float *y);
/* x (n,H,W,C) the forward input, w (OC,KH,KW,C), dy (n,OH,OW,OC) ->
 * dw (OC,KH,KW,C), db (OC), and when dx is non-NULL dx (n,H,W,C); col and
 * dcol are chunk scratch */
void nn_conv_backward (const nn_layer *l, int n, const float *x, const float *w,
                       const float *dy, float *dw, float *db, float *col,
                       float *dcol, float *dx);
/* Naive direct convolution, the test oracle: same shapes as forward */
void nn_conv_forward_ref (const nn_layer *l, int n, const float *x,
                          const float *w, const float *b, float *y);

/* ---- dense.c ---- */

/* x (n,I), w (O,I), b (O) -> y (n,O); relu as for conv */
void nn_dense_forward (const nn_layer *l, int n, const float *x, const float *w,
                       const float *b, int relu, float *y);
/* x (n,I), w (O,I), dy (n,O) -> dw (O,I), db (O), dx (n,I) if non-NULL */
void nn_dense_backward (const nn_layer *l, int n, const float *x,
                        const float *w, const float *dy, float *dw, float *db,
                        float *dx);

/* ---- relu.c ---- (count = n * items; in place allowed) */

/* x (count) -> y (count) */
void nn_relu_forward (size_t count, const float *x, float *y);
/* y (count) from forward, dy (count) -> dx (count); dx may alias dy */
void nn_relu_backward (size_t count, const float *y, const float *dy,
                       float *dx);

/* ---- maxpool.c ---- */

/* x (n,H,W,C) -> y (n,OH,OW,C), arg (n,OH,OW,C): index of the max within
 * the item's input */
void nn_maxpool_forward (const nn_layer *l, int n, const float *x, float *y,
                         int32_t *arg);
/* dy (n,OH,OW,C), arg -> dx (n,H,W,C); overwrites dx. When y (the
 * forward output) is non-NULL the input came from a ReLU, whose backward is
 * folded in: a max that is not > 0 passes no gradient. This saves a full
 * pass over the (large) pre-pool tensor. */
void nn_maxpool_backward (const nn_layer *l, int n, const float *dy,
                          const int32_t *arg, const float *y, float *dx);

/* ---- dropout.c ---- */

/* x (n,S) -> y (n,S), mask (n,S) of 0 or 1/(1-p). The mask of item i
 * depends only on (seed, step, first + i), not on the shard split. */
void nn_dropout_forward (const nn_layer *l, int n, uint64_t seed, long step,
                         long first, const float *x, float *y, float *mask);
/* dy (n,S), mask -> dx (n,S); dx may alias dy */
void nn_dropout_backward (const nn_layer *l, int n, const float *mask,
                          const float *dy, float *dx);

/* ---- softmax_ce.c ---- */

/* logits (n,K) -> probs (n,K). Returns the summed cross-entropy of the
 * labels and counts argmax hits in *correct. labels may be NULL
 * (inference: returns 0). */
double nn_softmax_ce_forward (int n, int k, const float *logits,
                              const int32_t *labels, float *probs,
                              int *correct);
/* probs (n,K), labels -> dlogits (n,K) = (probs - onehot) * scale, where
 * scale is 1 / (whole batch size) so shards add up to the mean's gradient */
void nn_softmax_ce_backward (int n, int k, const float *probs,
                             const int32_t *labels, float scale,
                             float *dlogits);

/* ---- augment / rng helpers shared by layers ---- */

uint64_t nn_splitmix64 (uint64_t *state);

#endif /* NN_TRAIN_LAYERS_H */
