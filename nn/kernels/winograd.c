/* Winograd F(2x2, 3x3) transforms (Lavin & Gray): each 2x2 block of
 * outputs of a 3x3 stride-1 convolution is A' [(G g G') . (B' d B)] A over
 * the 4x4 input patch d, so the 9 multiplies per output per channel become
 * 4 (the 16 elementwise products are 16 independent GEMMs over channels).
 *
 *   B' = | 1  0 -1  0 |   G = | 1    0    0  |   A' = | 1  1  1  0 |
 *        | 0  1  1  0 |       | 1/2  1/2  1/2|        | 0  1 -1 -1 |
 *        | 0 -1  1  0 |       | 1/2 -1/2  1/2|
 *        | 0  1  0 -1 |       | 0    0    1  |
 *
 * Tiles are numbered t = ty * TW + tx. The transformed input V is stored as
 * [16][C][ts] (ts >= T + 8), the GEMM results M as [16][T][OC]. */
#include "winograd.h"

#include <string.h>

// g (OC, C, 3, 3) -> u [16][OC][C]
void
nn_wino_weights (const float *g, ptrdiff_t oc, ptrdiff_t c, float *u)
{
  for (ptrdiff_t o = 0; o < oc; o++)
    for (ptrdiff_t i = 0; i < c; i++) {
      const float *k = g + (o * c + i) * 9;
      float t[4][3];
      /* t = G g */
      for (int j = 0; j < 3; j++) {
        t[0][j] = k[j];
        t[1][j] = 0.5f * (k[j] + k[3 + j] + k[6 + j]);
        t[2][j] = 0.5f * (k[j] - k[3 + j] + k[6 + j]);
        t[3][j] = k[6 + j];
      }
      /* (G g) G' */
      for (int r = 0; r < 4; r++) {
        float v[4] = { t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]),
                       0.5f * (t[r][0] - t[r][1] + t[r][2]), t[r][2] };
        for (int q = 0; q < 4; q++)
          u[((r * 4 + q) * oc + o) * c + i] = v[q];
      }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#include "target.h"

#define TGT NN_TGT_AVX2
#define INL NN_INL_AVX2

/* Even and odd lanes of the 16 floats at p. */
INL void
split16 (const float *p, __m256 *even, __m256 *odd)
{
  const __m256 a = _mm256_loadu_ps (p), b = _mm256_loadu_ps (p + 8);
  /* An enum, not a const int: the lane mask must be a constant expression
   * in C for clang too. */
  enum { perm = _MM_SHUFFLE (3, 1, 2, 0) };
  *even = _mm256_castpd_ps (_mm256_permute4x64_pd (
      _mm256_castps_pd (_mm256_shuffle_ps (a, b, _MM_SHUFFLE (2, 0, 2, 0))),
      perm));
  *odd = _mm256_castpd_ps (_mm256_permute4x64_pd (
      _mm256_castps_pd (_mm256_shuffle_ps (a, b, _MM_SHUFFLE (3, 1, 3, 1))),
      perm));
}

/* Channels [c0, c1): staged padded planes st (C, hs, ws) to v. Tiles go
 * eight at a time along a tile row; the eight lanes of a group that runs
 * past the row land on the next row's tiles (rewritten right after) or in
 * v's slack past T. */
// st (C, hs, ws), v [16][C][ts]
TGT void
nn_wino_input (const float *st, ptrdiff_t hs, ptrdiff_t ws, ptrdiff_t c0,
               ptrdiff_t c1, ptrdiff_t c, ptrdiff_t th, ptrdiff_t tw,
               ptrdiff_t ts, float *v)
{
  const ptrdiff_t plane = c * ts;
  for (ptrdiff_t ch = c0; ch < c1; ch++) {
    const float *p = st + ch * hs * ws;
    float *vc = v + ch * ts;
    for (ptrdiff_t ty = 0; ty < th; ty++)
      for (ptrdiff_t tx = 0; tx < tw; tx += 8) {
        __m256 r[4][4];
        for (int i = 0; i < 4; i++) {
          const float *row = p + (2 * ty + i) * ws + 2 * tx;
          __m256 d0, d1, d2, d3;
          split16 (row, &d0, &d1);
          split16 (row + 2, &d2, &d3);
          /* d B */
          r[i][0] = _mm256_sub_ps (d0, d2);
          r[i][1] = _mm256_add_ps (d1, d2);
          r[i][2] = _mm256_sub_ps (d2, d1);
          r[i][3] = _mm256_sub_ps (d1, d3);
        }
        float *dst = vc + ty * tw + tx;
        for (int j = 0; j < 4; j++) {
          /* B' (d B) */
          _mm256_storeu_ps (dst + (0 * 4 + j) * plane,
                            _mm256_sub_ps (r[0][j], r[2][j]));
          _mm256_storeu_ps (dst + (1 * 4 + j) * plane,
                            _mm256_add_ps (r[1][j], r[2][j]));
          _mm256_storeu_ps (dst + (2 * 4 + j) * plane,
                            _mm256_sub_ps (r[2][j], r[1][j]));
          _mm256_storeu_ps (dst + (3 * 4 + j) * plane,
                            _mm256_sub_ps (r[1][j], r[3][j]));
        }
      }
  }
}

/* Output channels [o0, o1) (o0 a multiple of 8): m to y with bias, the
 * residual and activation; lanes past OC are computed and dropped. Channel
 * planes of y are `plane` floats apart; only rows below oh are written. */
// m [16][T][ocs], y (OC, plane), res as y or NULL
TGT void
nn_wino_output (const float *m, ptrdiff_t ocs, ptrdiff_t o0, ptrdiff_t o1,
                ptrdiff_t oc, ptrdiff_t th, ptrdiff_t tw, ptrdiff_t oh,
                ptrdiff_t ow, ptrdiff_t plane_y, const float *bias,
                const float *res, const nn_act *act, float *y)
{
  const ptrdiff_t t_all = th * tw, plane = t_all * ocs;
  /* with a residual, the activation follows its sum (the pass below) */
  const int kind = res                        ? 0
                   : act->type == NN_ACT_RELU ? 1
                   : act->type == NN_ACT_CLIP ? 2
                                              : 0;
  const __m256 lo = _mm256_set1_ps (act->alpha);
  const __m256 hi = _mm256_set1_ps (act->beta);
  float out[4][8] __attribute__ ((aligned (32)));

  for (ptrdiff_t ob = o0; ob < o1; ob += 8) {
    const int n = oc - ob < 8 ? (int)(oc - ob) : 8;
    float bv[8] = { 0 };
    for (int q = 0; q < n && bias; q++)
      bv[q] = bias[ob + q];
    const __m256 b = _mm256_loadu_ps (bv);
    for (ptrdiff_t t = 0; t < t_all; t++) {
      const float *src = m + t * ocs + ob;
      __m256 s[4][2];
      for (int i = 0; i < 4; i++) {
        /* Rows of A': the two outputs along x. */
        const __m256 a0 = _mm256_loadu_ps (src + (i * 4 + 0) * plane);
        const __m256 a1 = _mm256_loadu_ps (src + (i * 4 + 1) * plane);
        const __m256 a2 = _mm256_loadu_ps (src + (i * 4 + 2) * plane);
        const __m256 a3 = _mm256_loadu_ps (src + (i * 4 + 3) * plane);
        s[i][0] = _mm256_add_ps (_mm256_add_ps (a0, a1), a2);
        s[i][1] = _mm256_sub_ps (_mm256_sub_ps (a1, a2), a3);
      }
      for (int j = 0; j < 2; j++) {
        __m256 y0 = _mm256_add_ps (_mm256_add_ps (s[0][j], s[1][j]),
                                   _mm256_add_ps (s[2][j], b));
        __m256 y1 = _mm256_add_ps (_mm256_sub_ps (s[1][j], s[2][j]),
                                   _mm256_sub_ps (b, s[3][j]));
        if (kind == 1) {
          y0 = _mm256_max_ps (y0, _mm256_setzero_ps ());
          y1 = _mm256_max_ps (y1, _mm256_setzero_ps ());
        } else if (kind == 2) {
          y0 = _mm256_min_ps (hi, _mm256_max_ps (lo, y0));
          y1 = _mm256_min_ps (hi, _mm256_max_ps (lo, y1));
        }
        _mm256_store_ps (out[j], y0);
        _mm256_store_ps (out[2 + j], y1);
      }
      /* out[2*dy + dx][lane] is output (2ty + dy, 2tx + dx) of channel
       * ob + lane. */
      const ptrdiff_t ty = t / tw, tx = t % tw;
      const ptrdiff_t y0 = 2 * ty, x0 = 2 * tx;
      const int ny = oh - y0 < 2 ? (int)(oh - y0) : 2;
      const int nx = ow - x0 < 2 ? 1 : 2;
      for (int q = 0; q < n; q++) {
        const ptrdiff_t at = (ob + q) * plane_y + y0 * ow + x0;
        float *dst = y + at;
        /* each residual element is read before the output element at its
         * index is written: the output may take the residual's memory */
        for (int dy = 0; dy < ny; dy++)
          for (int dx = 0; dx < nx; dx++)
            dst[dy * ow + dx]
                = out[2 * dy + dx][q] + (res ? res[at + dy * ow + dx] : 0.f);
      }
    }
  }
  if (act->type != NN_ACT_NONE && kind == 0)
    for (ptrdiff_t o = o0; o < o1 && o < oc; o++)
      nn_act_apply (act, y + o * plane_y, (size_t)(oh * ow));
}

#else

void
nn_wino_input (const float *st, ptrdiff_t hs, ptrdiff_t ws, ptrdiff_t c0,
               ptrdiff_t c1, ptrdiff_t c, ptrdiff_t th, ptrdiff_t tw,
               ptrdiff_t ts, float *v)
{
}

void
nn_wino_output (const float *m, ptrdiff_t ocs, ptrdiff_t o0, ptrdiff_t o1,
                ptrdiff_t oc, ptrdiff_t th, ptrdiff_t tw, ptrdiff_t oh,
                ptrdiff_t ow, ptrdiff_t plane_y, const float *bias,
                const float *res, const nn_act *act, float *y)
{
}

#endif
