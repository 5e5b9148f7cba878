/* Compute kernels of nn/: naive reference kernels (the test oracle) and the
 * fast ones, all on plain float arrays. No graph types here beyond nn_act.
 *
 * Tensors are NCHW; 1-D operators use H = 1. Every kernel names its shapes
 * in a comment. Sizes are ptrdiff_t: plan() has already proved that every
 * product fits. */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include "graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A 2-D sliding window (Conv and the pools). */
typedef struct nn_win2d {
  ptrdiff_t ih, iw;         /* input height, width */
  ptrdiff_t oh, ow;         /* output height, width */
  ptrdiff_t kh, kw;         /* kernel */
  ptrdiff_t sh, sw;         /* strides */
  ptrdiff_t dh, dw;         /* dilations */
  ptrdiff_t pt, pl, pb, pr; /* pads: top, left, bottom, right */
} nn_win2d;

/* Taps k in [0, n) whose position k * d + base lies in [0, size), as
 * [*k0, *k1), d >= 1. Loops over these only, so that a window far wider
 * than its input (SAME padding allows a kernel of millions) costs what it
 * reads, not what it spans. */
static inline void
nn_win_taps (ptrdiff_t base, ptrdiff_t d, ptrdiff_t size, ptrdiff_t n,
             ptrdiff_t *k0, ptrdiff_t *k1)
{
  ptrdiff_t top = size - 1 - base;
  ptrdiff_t lo = base >= 0 ? 0 : (-base + d - 1) / d;
  ptrdiff_t hi = top < 0 ? 0 : top / d + 1;
  if (hi > n)
    hi = n;
  *k0 = lo < hi ? lo : hi;
  *k1 = hi;
}

/* ---- Reference kernels (ref.c) --------------------------------------- */

/* act may be NULL; res (a fused residual, laid out as out, may be out
 * itself) is added before it, or NULL. */
// in (N,C,H,W), w (OC,C/g,KH,KW), bias (OC) or NULL, out (N,OC,OH,OW)
void nn_ref_conv2d (const float *in, const float *w, const float *bias,
                    float *out, const float *res, ptrdiff_t n, ptrdiff_t c,
                    ptrdiff_t oc, ptrdiff_t group, const nn_win2d *g,
                    const nn_act *act);

// in (P,H,W) planes, out (P,OH,OW)
void nn_ref_maxpool2d (const float *in, float *out, ptrdiff_t planes,
                       const nn_win2d *g);
// in (P,H,W), out (P,OH,OW); count_include_pad counts pads, not overhang
void nn_ref_avgpool2d (const float *in, float *out, ptrdiff_t planes,
                       const nn_win2d *g, bool count_include_pad);

/* C (M,N) = alpha * op(A) op(B) + beta * C, row-major, C holds the bias
 * already broadcast (or anything when beta == 0). */
// A (M,K) or (K,M) if ta; B (K,N) or (N,K) if tb; C (M,N)
void nn_ref_gemm (bool ta, bool tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                  float alpha, const float *a, ptrdiff_t lda, const float *b,
                  ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc);

/* ---- Pooling (pooling.c) ---------------------------------------------- */

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
void nn_maxpool2d (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
                   const nn_win2d *g);
void nn_avgpool2d (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
                   const nn_win2d *g, bool count_include_pad);
// in (P,S), out (P): planes [p0, p1)
void nn_global_avgpool (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
                        ptrdiff_t s);
void nn_global_maxpool (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
                        ptrdiff_t s);

/* ---- Depthwise (depthwise.c) ----------------------------------------- */

/* Output channel o reads input channel o / mult; act may not be NULL. */
// in (C,H,W), w (C*mult,1,KH,KW), bias (C*mult) or NULL, out (C*mult,OH,OW):
// output channels [o0, o1)
void nn_depthwise2d (const float *in, const float *w, const float *bias,
                     float *out, ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult,
                     const nn_win2d *g, const nn_act *act);

/* Inside nn_depthwise2d: the channel-plane kernel (depthwise_planes.c),
 * for the windows that nn_dw_planes_ok accepts on this CPU. */
bool nn_dw_planes_ok (const nn_win2d *g);
void nn_dw_planes (const float *in, const float *w, const float *bias,
                   float *out, ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult,
                   const nn_win2d *g, const nn_act *act);

#endif /* NN_KERNELS_H */
