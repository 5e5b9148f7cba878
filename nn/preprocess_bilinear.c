/* Bilinear row kernels of nn/preprocess.c.
 *
 * Output column x blends two neighbouring source pixels, cols[x] and
 * cols[x] + step (step 0 only for a one-pixel-wide region). A scalar pass
 * gathers the bytes those two pixels need into a few words per output
 * column; a second pass, straight-line float code over those words that
 * the compiler vectorises (8 columns at a time with AVX2), converts the
 * pixels and blends them. Only the gathers are scattered.
 *
 * Words, least significant byte first whatever the host's byte order:
 *   ypair[x]    luma (or gray) of the left, then the right pixel; for
 *               pp_bilinear_pair() then those of the second row
 *   cpair[k][x] chroma pair (two bytes in memory order: U, V; NV21 V, U)
 *               of the left pixel, then one more: the right pixel's when
 *               cpick[x] is set, else unused (the right pixel shares the
 *               left one's sample) - so one 4-byte load serves both
 *   pix[0..1]   RGB family: the left and the right pixel's bytes
 * I420 chroma and packed 4:2:2 rows are first rearranged into NV12's
 * layout (yrow, uvrow) over the region's span, by loops that vectorise:
 * cheaper than twice as many scattered loads.
 *
 * Each pixel is converted exactly as preprocess_area.c converts it (same
 * float operations in the same order), then blended as left + fx * (right
 * - left), and rows as top + fy * (bottom - top): "convert every pixel,
 * then resize", to the bit, whichever path and whichever clone runs.
 *
 * pp_bilinear_row() does one source row for the row cache; 4:2:0 chroma
 * rows serve two luma rows, so the gathered chroma words are kept until
 * the chroma row changes. pp_bilinear_pair() (preprocess_pair.c) does
 * both rows of an output row at once.
 */
#include "preprocess_internal.h"

#include <string.h>

enum { K_LUMA, K_SEMI, K_PACKED, K_RGB3, K_RGB4 };

/* Fills ypair (and cpair) or pix[] for output columns x0..x1 - 1 of one
 * row. Inlined with constant arguments so that each case is its own loop
 * and adjacent bytes become one 16- or 32-bit load. a: the row's first
 * byte (luma, gray, packed RGB or packed YUV); uv: its NV12-style chroma
 * row (K_SEMI). wide: one 4-byte chroma load (see cpick) instead of two
 * 2-byte ones. */
PP_INLINE void
gather_run (nn_preprocessor *pp, int kind, int chroma, int st, int wide,
            const uint8_t *a, const uint8_t *uv, int x0, int x1)
{
  const int32_t *restrict cols = pp->cols;
  uint32_t *restrict yp = pp->ypair, *restrict cp = pp->cpair[0];
  uint32_t *restrict p0 = pp->pix[0], *restrict p1 = pp->pix[1];

#if defined(__GNUC__)
#pragma GCC unroll 4
#endif
  for (int x = x0; x < x1; x++) {
    size_t l = (size_t)cols[x], r = l + (size_t)st;
    if (kind == K_RGB4) {
      p0[x] = pp_ld32 (a + 4 * l);
      p1[x] = pp_ld32 (a + 4 * r);
    } else if (kind == K_RGB3) {
      /* not four bytes: the last pixel of the plane may end the buffer */
      p0[x] = pp_ld16 (a + 3 * l) | (uint32_t)a[3 * l + 2] << 16;
      p1[x] = pp_ld16 (a + 3 * r) | (uint32_t)a[3 * r + 2] << 16;
    } else if (kind == K_PACKED) {
      int o0 = pp->fi->o0;
      yp[x] = a[2 * l + o0] | (uint32_t)a[2 * r + o0] << 8;
      if (chroma)
        cp[x] = pp_packed_chroma (pp, a, l, r);
    } else {
      yp[x] = st ? pp_ld16 (a + l) : a[l] * 0x101u;
      /* 4:2:0 and 4:2:2: pixel x uses chroma sample x / 2 */
      if (chroma && wide)
        cp[x] = pp_ld32 (uv + 2 * (l >> 1));
      else if (chroma)
        cp[x] = pp_ld16 (uv + 2 * (l >> 1)) | pp_ld16 (uv + 2 * (r >> 1)) << 16;
    }
  }
}

PP_INLINE void
gather (nn_preprocessor *pp, int kind, int chroma, const uint8_t *a,
        const uint8_t *uv)
{
  int n = pp->dw, nw = chroma ? pp->nwide : n;
  if (pp->step) {
    gather_run (pp, kind, chroma, 1, 1, a, uv, 0, nw);
    if (nw < n)
      gather_run (pp, kind, chroma, 1, 0, a, uv, nw, n);
  } else {
    gather_run (pp, kind, chroma, 0, 0, a, uv, 0, n);
  }
}

/* YUV -> RGB of both pixels of each column, then the horizontal blend.
 * su, sv: bit positions of U and V within a chroma pair; inlined with
 * constants so that the shifts are immediates. */
PP_INLINE void
yuv_rgb_run (const nn_preprocessor *pp, int n, int su, int sv,
             float *restrict r, float *restrict g, float *restrict b)
{
  const uint32_t *restrict yp = pp->ypair;
  const uint32_t *restrict cp = pp->cpair[0], *restrict pick = pp->cpick;
  const float *restrict fx = pp->fx;
  float ky = pp->ky, oy = pp->oy, rv = pp->rv, gu = pp->gu, gv = pp->gv,
        bu = pp->bu, lo = pp->lo, hi = pp->hi;
  for (int x = 0; x < n; x++) {
    uint32_t w = cp[x], wr = (w >> 16 & pick[x]) | (w & ~pick[x]);
    float yl = ky * pp_byte_at (yp[x], 0) + oy;
    float yr = ky * pp_byte_at (yp[x], 8) + oy;
    float ul = pp_byte_at (w, su) - 128.0f, vl = pp_byte_at (w, sv) - 128.0f;
    float ur = pp_byte_at (wr, su) - 128.0f, vr = pp_byte_at (wr, sv) - 128.0f;
    float rl = pp_clamp (yl + rv * vl, lo, hi);
    float rr = pp_clamp (yr + rv * vr, lo, hi);
    float gl = pp_clamp (yl - gu * ul - gv * vl, lo, hi);
    float gr = pp_clamp (yr - gu * ur - gv * vr, lo, hi);
    float bl = pp_clamp (yl + bu * ul, lo, hi);
    float br = pp_clamp (yr + bu * ur, lo, hi);
    float t = fx[x];
    r[x] = rl + t * (rr - rl);
    g[x] = gl + t * (gr - gl);
    b[x] = bl + t * (br - bl);
  }
}

HOT static void
yuv_rgb_pairs (const nn_preprocessor *pp, int n, float *restrict r,
               float *restrict g, float *restrict b)
{
  if (pp->uv_swap)
    yuv_rgb_run (pp, n, 8, 0, r, g, b);
  else
    yuv_rgb_run (pp, n, 0, 8, r, g, b);
}

/* Gray from YUV: the luma plane, stretched to 0..255 when limited range. */
HOT static void
yuv_gray_pairs (const nn_preprocessor *pp, int n, float *restrict o)
{
  const uint32_t *restrict yp = pp->ypair;
  const float *restrict fx = pp->fx;
  float ky = pp->ky, oy = pp->oy, lo = pp->lo, hi = pp->hi;
  for (int x = 0; x < n; x++) {
    float l = pp_clamp (ky * pp_byte_at (yp[x], 0) + oy, lo, hi);
    float r = pp_clamp (ky * pp_byte_at (yp[x], 8) + oy, lo, hi);
    o[x] = l + fx[x] * (r - l);
  }
}

/* GRAY8 source: the bytes as they are. */
HOT static void
gray_pairs (const nn_preprocessor *pp, int n, float *restrict o)
{
  const uint32_t *restrict yp = pp->ypair;
  const float *restrict fx = pp->fx;
  for (int x = 0; x < n; x++) {
    float l = pp_byte_at (yp[x], 0), r = pp_byte_at (yp[x], 8);
    o[x] = l + fx[x] * (r - l);
  }
}

/* RGB family; sr, sg, sb: bit positions of R, G and B within a pixel. */
HOT static void
rgb_rgb_pairs (const nn_preprocessor *pp, int n, int sr, int sg, int sb,
               float *restrict r, float *restrict g, float *restrict b)
{
  const uint32_t *restrict p0 = pp->pix[0], *restrict p1 = pp->pix[1];
  const float *restrict fx = pp->fx;
  for (int x = 0; x < n; x++) {
    float t = fx[x];
    float rl = pp_byte_at (p0[x], sr), rr = pp_byte_at (p1[x], sr);
    float gl = pp_byte_at (p0[x], sg), gr = pp_byte_at (p1[x], sg);
    float bl = pp_byte_at (p0[x], sb), br = pp_byte_at (p1[x], sb);
    r[x] = rl + t * (rr - rl);
    g[x] = gl + t * (gr - gl);
    b[x] = bl + t * (br - bl);
  }
}

/* Gray from RGB: BT.601 luma weights, as OpenCV, PIL and torchvision. */
HOT static void
rgb_gray_pairs (const nn_preprocessor *pp, int n, int sr, int sg, int sb,
                float *restrict o)
{
  const uint32_t *restrict p0 = pp->pix[0], *restrict p1 = pp->pix[1];
  const float *restrict fx = pp->fx;
  for (int x = 0; x < n; x++) {
    float l = 0.299f * pp_byte_at (p0[x], sr) + 0.587f * pp_byte_at (p0[x], sg)
              + 0.114f * pp_byte_at (p0[x], sb);
    float r = 0.299f * pp_byte_at (p1[x], sr) + 0.587f * pp_byte_at (p1[x], sg)
              + 0.114f * pp_byte_at (p1[x], sb);
    o[x] = l + fx[x] * (r - l);
  }
}

/* U and V samples m0..m1 of a planar chroma row, interleaved into uv as
 * NV12 holds them (uv[2m], uv[2m + 1]). */
HOT void
pp_interleave (uint8_t *restrict uv, const uint8_t *restrict u,
               const uint8_t *restrict v, int m0, int m1)
{
  for (int m = m0; m <= m1; m++) {
    uv[2 * m] = u[m];
    uv[2 * m + 1] = v[m];
  }
}

/* Macropixels m0..m1 of a packed 4:2:2 row into luma y[2m], y[2m + 1] and
 * NV12-style chroma uv[2m], uv[2m + 1]. Luma is every other byte from
 * byte oy (YUY2 0, UYVY 1), chroma the bytes between, U first in both. */
PP_INLINE void
split_run (uint8_t *restrict y, uint8_t *restrict uv, const uint8_t *restrict a,
           int oy, int m0, int m1)
{
  for (int k = 2 * m0; k <= 2 * m1 + 1; k++) {
    y[k] = a[2 * k + oy];
    uv[k] = a[2 * k + 1 - oy];
  }
}

HOT void
pp_split_packed (uint8_t *restrict y, uint8_t *restrict uv,
                 const uint8_t *restrict a, int oy, int m0, int m1)
{
  if (oy)
    split_run (y, uv, a, 1, m0, m1);
  else
    split_run (y, uv, a, 0, m0, m1);
}

void
pp_bilinear_setup (nn_preprocessor *pp, const nn_rect *r)
{
  int dw = pp->dw;
  /* the tables depend on the geometry only: a stream of same-sized
   * frames computes them once */
  int row = pp->fi->family == FAM_YUV_SEMI ? (pp->img->width + 1) / 2 * 2 : 0;
  int key[4] = { r->x, r->width, dw, row };
  pp->crow = -1;
  if (memcmp (key, pp->cols_key, sizeof key) == 0)
    return;
  memcpy (pp->cols_key, key, sizeof key);

  double sx = (double)r->width / dw;
  pp->step = r->width > 1;
  for (int x = 0; x < dw; x++) {
    int i0, i1;
    float t;
    pp_linear_coord (x, sx, r->width, &i0, &i1, &t);
    /* right neighbour = left + 1, so the edges become weight 0 or 1 */
    if (i0 == i1 && r->width > 1) {
      t = i0 == 0 ? 0.0f : 1.0f;
      i0 = i0 == 0 ? 0 : i0 - 1;
    }
    int l = r->x + i0, rr = l + pp->step;
    pp->cols[x] = l;
    pp->fx[x] = t;
    pp->cpick[x] = (l >> 1) != (rr >> 1) ? 0xffffffffu : 0;
  }
  /* 4-byte chroma loads from an NV12 plane must stay inside the row:
   * leave the last columns to two 2-byte loads. Rows rearranged into
   * uvrow have room to spare. */
  int n = dw;
  while (row && n > 0 && 2 * (pp->cols[n - 1] >> 1) + 4 > row)
    n--;
  pp->nwide = n;
}

void
pp_bilinear_row (nn_preprocessor *pp, int sy, float *const *out)
{
  const nn_image *img = pp->img;
  const fmt_info *f = pp->fi;
  const uint8_t *row = img->planes[0] + (size_t)sy * img->strides[0];
  int n = pp->dw, bgr = pp->p.color == NN_COLOR_BGR;
  float *r = out[bgr ? 2 : 0], *g = out[1], *b = out[bgr ? 0 : 2];

  if (f->family == FAM_RGB) {
    if (f->bpp == 4)
      gather (pp, K_RGB4, 0, row, NULL);
    else
      gather (pp, K_RGB3, 0, row, NULL);
    if (pp->channels == 1)
      rgb_gray_pairs (pp, n, 8 * f->o0, 8 * f->o1, 8 * f->o2, out[0]);
    else
      rgb_rgb_pairs (pp, n, 8 * f->o0, 8 * f->o1, 8 * f->o2, r, g, b);
    return;
  }
  if (f->family == FAM_GRAY) {
    gather (pp, K_LUMA, 0, row, NULL);
    gray_pairs (pp, n, out[0]);
    if (pp->channels == 3) {
      memcpy (out[1], out[0], n * sizeof (float));
      memcpy (out[2], out[0], n * sizeof (float));
    }
    return;
  }

  /* YUV */
  size_t cy = (size_t)(sy >> 1);
  int luma = pp->luma_only;
  int m0 = pp->rx >> 1, m1 = (pp->rx + pp->ncols - 1) >> 1;
  const uint8_t *ys = row, *uv = NULL;
  if (f->family == FAM_YUV_PACKED && !pp_split_pays (pp)) {
    gather (pp, K_PACKED, !luma, row, NULL);
  } else if (f->family == FAM_YUV_PACKED) {
    pp_split_packed (pp->yrow[0], pp->uvrow[0], row, f->o0, m0, m1);
    ys = pp->yrow[0];
    uv = pp->uvrow[0];
  } else if (!luma && pp->crow != (int)cy) {
    uv = img->planes[1] + cy * img->strides[1];
    if (f->family == FAM_YUV_PLANAR) {
      pp_interleave (pp->uvrow[0], uv, img->planes[2] + cy * img->strides[2],
                     m0, m1);
      uv = pp->uvrow[0];
    }
    pp->crow = (int)cy;
  }
  if (uv)
    gather (pp, K_SEMI, 1, ys, uv);
  else if (f->family != FAM_YUV_PACKED)
    gather (pp, K_LUMA, 0, ys, NULL);
  if (luma)
    yuv_gray_pairs (pp, n, out[0]);
  else
    yuv_rgb_pairs (pp, n, r, g, b);
}

HOT void
pp_blend (int n, const float *restrict h0, const float *restrict h1, float fy,
          float gain, float bias, float *restrict o)
{
  for (int x = 0; x < n; x++)
    o[x] = (h0[x] + fy * (h1[x] - h0[x])) * gain + bias;
}
