/* Naive reference kernels: the oracle the fast kernels are tested against,
 * and what a session runs with the `reference` option. Written for
 * obviousness: one output element at a time, every bound checked, sums in
 * double. */
#include "kernels.h"

#include <math.h>

// in (N,C,H,W), w (OC,C/g,KH,KW), bias (OC) or NULL, out (N,OC,OH,OW)
void
nn_ref_conv2d (const float *in, const float *w, const float *bias, float *out,
               const float *res, ptrdiff_t n, ptrdiff_t c, ptrdiff_t oc,
               ptrdiff_t group, const nn_win2d *g, const nn_act *act)
{
  const ptrdiff_t cg = c / group, ocg = oc / group;
  for (ptrdiff_t b = 0; b < n; b++)
    for (ptrdiff_t o = 0; o < oc; o++) {
      const ptrdiff_t gi = o / ocg;
      for (ptrdiff_t y = 0; y < g->oh; y++)
        for (ptrdiff_t x = 0; x < g->ow; x++) {
          double s = bias ? bias[o] : 0.0;
          for (ptrdiff_t ci = 0; ci < cg; ci++)
            for (ptrdiff_t ky = 0; ky < g->kh; ky++) {
              ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
              if (iy < 0 || iy >= g->ih)
                continue;
              for (ptrdiff_t kx = 0; kx < g->kw; kx++) {
                ptrdiff_t ix = x * g->sw + kx * g->dw - g->pl;
                if (ix < 0 || ix >= g->iw)
                  continue;
                s += (double)
                         in[((b * c + gi * cg + ci) * g->ih + iy) * g->iw + ix]
                     * w[((o * cg + ci) * g->kh + ky) * g->kw + kx];
              }
            }
          const ptrdiff_t at = ((b * oc + o) * g->oh + y) * g->ow + x;
          float *dst = &out[at];
          *dst = res ? (float)s + res[at] : (float)s;
          if (act)
            nn_act_apply (act, dst, 1);
        }
    }
}

// in (P,H,W) planes, out (P,OH,OW)
void
nn_ref_maxpool2d (const float *in, float *out, ptrdiff_t planes,
                  const nn_win2d *g)
{
  for (ptrdiff_t p = 0; p < planes; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++)
      for (ptrdiff_t x = 0; x < g->ow; x++) {
        float m = -INFINITY;
        ptrdiff_t ky0, ky1, kx0, kx1;
        nn_win_taps (y * g->sh - g->pt, g->dh, g->ih, g->kh, &ky0, &ky1);
        nn_win_taps (x * g->sw - g->pl, g->dw, g->iw, g->kw, &kx0, &kx1);
        for (ptrdiff_t ky = ky0; ky < ky1; ky++) {
          ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
          for (ptrdiff_t kx = kx0; kx < kx1; kx++) {
            ptrdiff_t ix = x * g->sw + kx * g->dw - g->pl;
            float v = in[(p * g->ih + iy) * g->iw + ix];
            if (v > m)
              m = v;
          }
        }
        out[(p * g->oh + y) * g->ow + x] = m;
      }
}

// in (P,H,W), out (P,OH,OW)
void
nn_ref_avgpool2d (const float *in, float *out, ptrdiff_t planes,
                  const nn_win2d *g, bool count_include_pad)
{
  for (ptrdiff_t p = 0; p < planes; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++)
      for (ptrdiff_t x = 0; x < g->ow; x++) {
        /* The window, clipped first to the padded input (what
         * count_include_pad counts), then to the input itself. */
        ptrdiff_t y0 = y * g->sh - g->pt, x0 = x * g->sw - g->pl;
        ptrdiff_t y1 = y0 + g->kh, x1 = x0 + g->kw;
        if (y1 > g->ih + g->pb)
          y1 = g->ih + g->pb;
        if (x1 > g->iw + g->pr)
          x1 = g->iw + g->pr;
        ptrdiff_t padded = (y1 - y0) * (x1 - x0);
        double s = 0.0;
        ptrdiff_t cnt = 0;
        for (ptrdiff_t iy = y0 < 0 ? 0 : y0; iy < y1 && iy < g->ih; iy++) {
          for (ptrdiff_t ix = x0 < 0 ? 0 : x0; ix < x1 && ix < g->iw; ix++) {
            s += in[(p * g->ih + iy) * g->iw + ix];
            cnt++;
          }
        }
        ptrdiff_t div = count_include_pad ? padded : cnt;
        out[(p * g->oh + y) * g->ow + x] = div > 0 ? (float)(s / div) : 0.f;
      }
}

// A (M,K) or (K,M) if ta; B (K,N) or (N,K) if tb; C (M,N)
void
nn_ref_gemm (bool ta, bool tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
             float alpha, const float *a, ptrdiff_t lda, const float *b,
             ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc)
{
  for (ptrdiff_t i = 0; i < m; i++)
    for (ptrdiff_t j = 0; j < n; j++) {
      double s = 0.0;
      for (ptrdiff_t p = 0; p < k; p++) {
        float av = ta ? a[p * lda + i] : a[i * lda + p];
        float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        s += (double)av * bv;
      }
      double r = alpha * s;
      if (beta != 0.f)
        r += (double)beta * c[i * ldc + j];
      c[i * ldc + j] = (float)r;
    }
}
