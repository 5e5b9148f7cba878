/* Winograd F(2x2, 3x3) transforms for 3x3 stride-1 convolutions (see
 * winograd.c). AVX2 + FMA only: callers check nn_kernels_avx2(). */
#ifndef NN_KERNELS_WINOGRAD_H
#define NN_KERNELS_WINOGRAD_H

#include "graph.h"

#include <stddef.h>

/* Weight transform: u[xi][o][c] = (G g[o][c] G')[xi]. */
// g (OC, C, 3, 3) -> u [16][OC][C]
void nn_wino_weights (const float *g, ptrdiff_t oc, ptrdiff_t c, float *u);

/* Input transform of channels [c0, c1) of a staged input: plane ch holds
 * the padded input at (0, 0) and zeros up to hs x ws, with
 * hs >= 2 th + 2 and ws >= 2 (8 ceil(tw / 8)) + 2. */
// st (C, hs, ws), v [16][C][ts], ts >= th * tw + 8
void nn_wino_input (const float *st, ptrdiff_t hs, ptrdiff_t ws, ptrdiff_t c0,
                    ptrdiff_t c1, ptrdiff_t c, ptrdiff_t th, ptrdiff_t tw,
                    ptrdiff_t ts, float *v);

/* Output transform of channels [o0, o1) (o0 a multiple of 8), adding bias
 * (may be NULL) and the residual res (laid out as y; may be NULL, may be
 * y itself), then applying act; writes rows [0, oh) of each channel plane
 * (plane_y floats apart). m holds 8 readable floats of slack. */
// m [16][th * tw][ocs], y (OC, plane_y)
void nn_wino_output (const float *m, ptrdiff_t ocs, ptrdiff_t o0, ptrdiff_t o1,
                     ptrdiff_t oc, ptrdiff_t th, ptrdiff_t tw, ptrdiff_t oh,
                     ptrdiff_t ow, ptrdiff_t plane_y, const float *bias,
                     const float *res, const nn_act *act, float *y);

#endif /* NN_KERNELS_WINOGRAD_H */
