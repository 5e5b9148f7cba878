/* Bilinear, both source rows of an output row in one pass: the fast path
 * of nn/preprocess.c for YUV sources shrunk 2x or more vertically.
 *
 * Then no two output rows share a source row, so the row cache of
 * pp_bilinear_row() never hits. Instead the pair of rows is gathered and
 * converted together: both rows' luma in one word per column, 4:2:0
 * chroma converted once when the two rows share a chroma row (every other
 * output row), and the vertical blend, gain and bias applied before the
 * store, straight into the tensor: no row cache, no second pass. Words
 * and conversions as in preprocess_bilinear.c (see there), the same
 * operations in the same order as pp_bilinear_row() + pp_blend(): the
 * same bits.
 */
#include "preprocess_internal.h"

int
pp_bilinear_pair_ok (const nn_preprocessor *pp, int src_h, int dst_h)
{
  int fam = pp->fi->family;
  return (fam == FAM_YUV_SEMI || fam == FAM_YUV_PLANAR || fam == FAM_YUV_PACKED)
         && (int64_t)src_h >= 2 * (int64_t)dst_h;
}

/* ypair[x]: left, right of row 0, then left, right of row 1; cpair[k][x]
 * for chroma row k (nchroma of them). */
PP_INLINE void
gather2_run (nn_preprocessor *pp, int packed, int nchroma, int st, int wide,
             const uint8_t *a0, const uint8_t *a1, const uint8_t *uv0,
             const uint8_t *uv1, int x0, int x1)
{
  const int32_t *restrict cols = pp->cols;
  uint32_t *restrict yp = pp->ypair, *restrict c0 = pp->cpair[0],
                     *restrict c1 = pp->cpair[1];

#if defined(__GNUC__)
#pragma GCC unroll 4
#endif
  for (int x = x0; x < x1; x++) {
    size_t l = (size_t)cols[x], r = l + (size_t)st, cl = l >> 1, cr = r >> 1;
    if (packed) {
      /* straight from packed 4:2:2 rows, each with its own chroma */
      int o0 = pp->fi->o0;
      yp[x] = a0[2 * l + o0] | (uint32_t)a0[2 * r + o0] << 8
              | (uint32_t)a1[2 * l + o0] << 16 | (uint32_t)a1[2 * r + o0] << 24;
      if (nchroma >= 1)
        c0[x] = pp_packed_chroma (pp, a0, l, r);
      if (nchroma == 2)
        c1[x] = pp_packed_chroma (pp, a1, l, r);
      continue;
    }
    if (st)
      yp[x] = pp_ld16 (a0 + l) | pp_ld16 (a1 + l) << 16;
    else
      yp[x] = (a0[l] | (uint32_t)a1[l] << 16) * 0x101u;
    if (nchroma >= 1)
      c0[x] = wide ? pp_ld32 (uv0 + 2 * cl)
                   : pp_ld16 (uv0 + 2 * cl) | pp_ld16 (uv0 + 2 * cr) << 16;
    if (nchroma == 2)
      c1[x] = wide ? pp_ld32 (uv1 + 2 * cl)
                   : pp_ld16 (uv1 + 2 * cl) | pp_ld16 (uv1 + 2 * cr) << 16;
  }
}

PP_INLINE void
gather2 (nn_preprocessor *pp, int packed, int nchroma, const uint8_t *a0,
         const uint8_t *a1, const uint8_t *uv0, const uint8_t *uv1)
{
  int n = pp->dw, nw = nchroma && !packed ? pp->nwide : n;
  if (packed && pp->step)
    gather2_run (pp, 1, nchroma, 1, 0, a0, a1, NULL, NULL, 0, n);
  else if (packed)
    gather2_run (pp, 1, nchroma, 0, 0, a0, a1, NULL, NULL, 0, n);
  else if (pp->step) {
    gather2_run (pp, 0, nchroma, 1, 1, a0, a1, uv0, uv1, 0, nw);
    if (nw < n)
      gather2_run (pp, 0, nchroma, 1, 0, a0, a1, uv0, uv1, nw, n);
  } else {
    gather2_run (pp, 0, nchroma, 0, 0, a0, a1, uv0, uv1, 0, n);
  }
}

/* The four chroma products of a pixel, as yuv_rgb_run() forms them; k
 * holds the coefficients rv, gu, gv and bu themselves. */
typedef struct chroma_terms {
  float rv, gu, gv, bu;
} chroma_terms;

PP_INLINE chroma_terms
chroma_at (chroma_terms k, uint32_t w, int su, int sv)
{
  float u = pp_byte_at (w, su) - 128.0f, v = pp_byte_at (w, sv) - 128.0f;
  chroma_terms t = { k.rv * v, k.gu * u, k.gv * v, k.bu * u };
  return t;
}

PP_INLINE void
pair_rgb_run (const nn_preprocessor *pp, int n, int shared, int su, int sv,
              float fy, float *restrict r, float *restrict g, float *restrict b,
              const float *gain, const float *bias)
{
  const uint32_t *restrict yp = pp->ypair, *restrict c0 = pp->cpair[0],
                           *restrict c1 = pp->cpair[1],
                           *restrict pick = pp->cpick;
  const float *restrict fx = pp->fx;
  /* locals, not loads through pp in the loop: the stores through r, g
   * and b could alias pp as far as the compiler knows */
  chroma_terms coef = { pp->rv, pp->gu, pp->gv, pp->bu };
  float ky = pp->ky, oy = pp->oy, lo = pp->lo, hi = pp->hi;
  float g0 = gain[0], g1 = gain[1], g2 = gain[2], b0 = bias[0], b1 = bias[1],
        b2 = bias[2];
  for (int x = 0; x < n; x++) {
    uint32_t yw = yp[x], m = pick[x];
    uint32_t w0 = c0[x], w0r = (w0 >> 16 & m) | (w0 & ~m);
    uint32_t w1 = shared ? w0 : c1[x], w1r = (w1 >> 16 & m) | (w1 & ~m);
    chroma_terms tl0 = chroma_at (coef, w0, su, sv);
    chroma_terms tr0 = chroma_at (coef, w0r, su, sv);
    chroma_terms tl1 = shared ? tl0 : chroma_at (coef, w1, su, sv);
    chroma_terms tr1 = shared ? tr0 : chroma_at (coef, w1r, su, sv);
    float y[4];
    for (int k = 0; k < 4; k++)
      y[k] = ky * pp_byte_at (yw, 8 * k) + oy;
    /* pixel k: row k / 2, left (even k) or right */
    const chroma_terms *ct[4] = { &tl0, &tr0, &tl1, &tr1 };
    float pr[4], pg[4], pb[4];
    for (int k = 0; k < 4; k++) {
      pr[k] = pp_clamp (y[k] + ct[k]->rv, lo, hi);
      pg[k] = pp_clamp (y[k] - ct[k]->gu - ct[k]->gv, lo, hi);
      pb[k] = pp_clamp (y[k] + ct[k]->bu, lo, hi);
    }
    float t = fx[x];
    float hr0 = pr[0] + t * (pr[1] - pr[0]), hr1 = pr[2] + t * (pr[3] - pr[2]);
    float hg0 = pg[0] + t * (pg[1] - pg[0]), hg1 = pg[2] + t * (pg[3] - pg[2]);
    float hb0 = pb[0] + t * (pb[1] - pb[0]), hb1 = pb[2] + t * (pb[3] - pb[2]);
    r[x] = (hr0 + fy * (hr1 - hr0)) * g0 + b0;
    g[x] = (hg0 + fy * (hg1 - hg0)) * g1 + b1;
    b[x] = (hb0 + fy * (hb1 - hb0)) * g2 + b2;
  }
}

HOT static void
pair_rgb (const nn_preprocessor *pp, int n, int shared, float fy,
          float *restrict r, float *restrict g, float *restrict b,
          const float *gain, const float *bias)
{
  int swap = pp->uv_swap;
  if (shared && !swap)
    pair_rgb_run (pp, n, 1, 0, 8, fy, r, g, b, gain, bias);
  else if (shared)
    pair_rgb_run (pp, n, 1, 8, 0, fy, r, g, b, gain, bias);
  else if (!swap)
    pair_rgb_run (pp, n, 0, 0, 8, fy, r, g, b, gain, bias);
  else
    pair_rgb_run (pp, n, 0, 8, 0, fy, r, g, b, gain, bias);
}

HOT static void
pair_gray (const nn_preprocessor *pp, int n, float fy, float *restrict o,
           float gain, float bias)
{
  const uint32_t *restrict yp = pp->ypair;
  const float *restrict fx = pp->fx;
  float ky = pp->ky, oy = pp->oy, lo = pp->lo, hi = pp->hi;
  for (int x = 0; x < n; x++) {
    uint32_t yw = yp[x];
    float p[4];
    for (int k = 0; k < 4; k++)
      p[k] = pp_clamp (ky * pp_byte_at (yw, 8 * k) + oy, lo, hi);
    float h0 = p[0] + fx[x] * (p[1] - p[0]);
    float h1 = p[2] + fx[x] * (p[3] - p[2]);
    o[x] = (h0 + fy * (h1 - h0)) * gain + bias;
  }
}

void
pp_bilinear_pair (nn_preprocessor *pp, int sy0, int sy1, float fy,
                  float *const *out)
{
  const nn_image *img = pp->img;
  const fmt_info *f = pp->fi;
  int n = pp->dw, sy[2] = { sy0, sy1 }, luma = pp->luma_only;
  int m0 = pp->rx >> 1, m1 = (pp->rx + pp->ncols - 1) >> 1;
  const uint8_t *a[2], *uv[2] = { NULL, NULL };
  int nrows = sy0 == sy1 ? 1 : 2, nchroma = 0, packed = 0;

  for (int k = 0; k < 2; k++)
    a[k] = img->planes[0] + (size_t)sy[k] * img->strides[0];
  if (f->family == FAM_YUV_PACKED && !pp_split_pays (pp)) {
    packed = 1;
    nchroma = luma ? 0 : nrows;
  } else if (f->family == FAM_YUV_PACKED) {
    /* 4:2:2: each row has its own chroma */
    for (int k = 0; k < nrows; k++) {
      pp_split_packed (pp->yrow[k], pp->uvrow[k], a[k], f->o0, m0, m1);
      a[k] = pp->yrow[k];
      uv[k] = pp->uvrow[k];
    }
    a[1] = a[nrows - 1];
    nchroma = nrows;
  } else if (!luma) {
    /* 4:2:0: one chroma row for both when sy0 is even */
    int cy[2] = { sy0 >> 1, sy1 >> 1 };
    nchroma = cy[0] == cy[1] ? 1 : 2;
    for (int k = 0; k < nchroma; k++) {
      uv[k] = img->planes[1] + (size_t)cy[k] * img->strides[1];
      if (f->family == FAM_YUV_PLANAR) {
        pp_interleave (pp->uvrow[k], uv[k],
                       img->planes[2] + (size_t)cy[k] * img->strides[2], m0,
                       m1);
        uv[k] = pp->uvrow[k];
      }
    }
  }
  if (luma) {
    if (packed)
      gather2 (pp, 1, 0, a[0], a[1], NULL, NULL);
    else
      gather2 (pp, 0, 0, a[0], a[1], NULL, NULL);
    pair_gray (pp, n, fy, out[0], pp->gain[0], pp->bias[0]);
    return;
  }
  if (packed && nchroma == 1)
    gather2 (pp, 1, 1, a[0], a[1], NULL, NULL);
  else if (packed)
    gather2 (pp, 1, 2, a[0], a[1], NULL, NULL);
  else if (nchroma == 1)
    gather2 (pp, 0, 1, a[0], a[1], uv[0], NULL);
  else
    gather2 (pp, 0, 2, a[0], a[1], uv[0], uv[1]);
  /* r, g, b to the model's channels */
  int bgr = pp->p.color == NN_COLOR_BGR, c[3] = { bgr ? 2 : 0, 1, bgr ? 0 : 2 };
  float gain[3], bias[3];
  for (int k = 0; k < 3; k++) {
    gain[k] = pp->gain[c[k]];
    bias[k] = pp->bias[c[k]];
  }
  pair_rgb (pp, n, nchroma == 1, fy, out[c[0]], out[c[1]], out[c[2]], gain,
            bias);
}
