/* Area row kernel of nn/preprocess.c: one source row, converted and
 * box-filtered horizontally to the content's output width.
 *
 * Every source column of the region contributes, so the whole span is
 * gathered (bytes to per-channel arrays), converted to the model's colour
 * in float, then each output column sums its taps. */
#include "preprocess_internal.h"

#include <string.h>

/* Where one source row's bytes are: Y (or gray, or R), then U and V (or G
 * and B); bytes between two pixels' first bytes and between two chroma
 * samples. */
typedef struct row_ptrs {
  const uint8_t *a, *b, *c;
  size_t sa, sc;
} row_ptrs;

enum { G_Y, G_RGB, G_YUV, G_YUV_UV16 };

/* Gathers the region's pixels of one row. Inlined with constant
 * arguments, so each case is its own tight loop; the pointers are copied to
 * locals because byte stores may alias anything. G_YUV_UV16: a pixel's
 * chroma is two adjacent bytes (NV12, NV21), one 16-bit copy. */
PP_INLINE void
gather_run (nn_preprocessor *pp, const row_ptrs *rp, int mode, size_t sa,
            size_t sc)
{
  uint8_t *restrict g0 = pp->g[0], *restrict g1 = pp->g[1],
                    *restrict g2 = pp->g[2];
  const uint8_t *pa = rp->a, *pb = rp->b, *pc = rp->c;
  int n = pp->ncols, x0 = pp->rx;
  if (mode == G_RGB)
    sa = rp->sa;
  for (int k = 0; k < n; k++) {
    int x = x0 + k;
    g0[k] = pa[x * sa];
    if (mode == G_RGB) {
      g1[k] = pb[x * sa];
      g2[k] = pc[x * sa];
    } else if (mode != G_Y) {
      /* 4:2:0 and 4:2:2: pixel x uses chroma sample x / 2 */
      size_t c = (size_t)(x >> 1) * sc;
      if (mode == G_YUV_UV16) {
        memcpy (g1 + 2 * k, pb + c, 2);
      } else {
        g1[2 * k] = pb[c];
        g1[2 * k + 1] = pc[c];
      }
    }
  }
}

static inline void
gather_row (nn_preprocessor *pp, int sy)
{
  const nn_image *img = pp->img;
  const fmt_info *f = pp->fi;
  const uint8_t *row = img->planes[0] + (size_t)sy * img->strides[0];
  size_t cy = (size_t)(sy >> 1);
  int fam = f->family;
  int mode = fam == FAM_RGB                     ? G_RGB
             : fam == FAM_GRAY || pp->luma_only ? G_Y
             : fam == FAM_YUV_SEMI              ? G_YUV_UV16
                                                : G_YUV;
  row_ptrs rp = { row, row, row, 1, 1 };

  if (fam == FAM_RGB) {
    rp = (row_ptrs){ row + f->o0, row + f->o1, row + f->o2, f->bpp, 0 };
  } else if (fam == FAM_YUV_PACKED) {
    rp = (row_ptrs){ row + f->o0, row + f->o1, row + f->o2, 2, 4 };
  } else if (fam == FAM_YUV_PLANAR) {
    rp.b = img->planes[1] + cy * img->strides[1];
    rp.c = img->planes[2] + cy * img->strides[2];
  } else if (fam == FAM_YUV_SEMI) {
    rp.b = img->planes[1] + cy * img->strides[1];
    rp.sc = 2;
  }
#define RUN(m, sa, sc) gather_run (pp, &rp, m, sa, sc)
  if (mode == G_RGB)
    RUN (G_RGB, 1, 1);
  else if (mode == G_Y && rp.sa == 1)
    RUN (G_Y, 1, 1);
  else if (mode == G_Y)
    RUN (G_Y, 2, 4);
  else if (mode == G_YUV_UV16)
    RUN (G_YUV_UV16, 1, 2);
  else if (rp.sa == 1)
    RUN (G_YUV, 1, 1);
  else
    RUN (G_YUV, 2, 4);
#undef RUN
}

static inline void
widen (int n, const uint8_t *restrict src, float *restrict dst)
{
  for (int i = 0; i < n; i++)
    dst[i] = src[i];
}

/* pu, pv: chroma pairs, U of pixel i at pu[2i], V at pv[2i] */
static inline void
yuv_to_rgb (const nn_preprocessor *pp, int n, const uint8_t *restrict g0,
            const uint8_t *restrict pu, const uint8_t *restrict pv,
            float *restrict cr, float *restrict cg, float *restrict cb)
{
  float ky = pp->ky, oy = pp->oy, rv = pp->rv, gu = pp->gu, gv = pp->gv,
        bu = pp->bu, lo = pp->lo, hi = pp->hi;
  for (int i = 0; i < n; i++) {
    float y = ky * g0[i] + oy;
    float u = pu[2 * i] - 128.0f, v = pv[2 * i] - 128.0f;
    cr[i] = pp_clamp (y + rv * v, lo, hi);
    cg[i] = pp_clamp (y - gu * u - gv * v, lo, hi);
    cb[i] = pp_clamp (y + bu * u, lo, hi);
  }
}

/* g[] -> conv[] in the model's colour and channel order, 0..255 floats.
 * Gray from RGB uses the BT.601 luma weights (0.299, 0.587, 0.114), what
 * OpenCV, PIL and torchvision use; gray from YUV is the luma plane itself,
 * stretched to 0..255 when it is limited range. */
static inline void
convert_row (nn_preprocessor *pp)
{
  const uint8_t *restrict g0 = pp->g[0], *restrict g1 = pp->g[1],
                          *restrict g2 = pp->g[2];
  int bgr = pp->p.color == NN_COLOR_BGR, n = pp->ncols;
  float *restrict cr = pp->conv[bgr ? 2 : 0];
  float *restrict cg = pp->conv[1];
  float *restrict cb = pp->conv[bgr ? 0 : 2];

  if (pp->channels == 1) {
    float *restrict c0 = pp->conv[0];
    if (pp->fi->family == FAM_GRAY) {
      widen (n, g0, c0);
    } else if (pp->fi->family == FAM_RGB) {
      for (int i = 0; i < n; i++)
        c0[i] = 0.299f * g0[i] + 0.587f * g1[i] + 0.114f * g2[i];
    } else {
      float ky = pp->ky, oy = pp->oy, lo = pp->lo, hi = pp->hi;
      for (int i = 0; i < n; i++)
        c0[i] = pp_clamp (ky * g0[i] + oy, lo, hi);
    }
    return;
  }

  switch (pp->fi->family) {
  case FAM_GRAY:
    widen (n, g0, cr);
    memcpy (cg, cr, n * sizeof (float));
    memcpy (cb, cr, n * sizeof (float));
    break;
  case FAM_RGB:
    widen (n, g0, cr);
    widen (n, g1, cg);
    widen (n, g2, cb);
    break;
  default:
    yuv_to_rgb (pp, n, g0, g1 + pp->uv_swap, g1 + 1 - pp->uv_swap, cr, cg, cb);
    break;
  }
}

HOT void
pp_area_row (nn_preprocessor *pp, int sy, float *const *out)
{
  gather_row (pp, sy);
  convert_row (pp);
  int dw = pp->dw;
  for (int c = 0; c < pp->channels; c++) {
    const float *restrict src = pp->conv[c];
    float *restrict dst = out[c];
    const float *w = pp->ax_w;
    for (int x = 0; x < dw; x++) {
      const float *p = src + pp->ax_start[x];
      int n = pp->ax_count[x];
      float sum = 0.0f;
      for (int k = 0; k < n; k++)
        sum += w[k] * p[k];
      dst[x] = sum;
      w += n;
    }
  }
}
