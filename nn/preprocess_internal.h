/* Internals of nn/preprocess*.c: the preprocessor object, the format table
 * and the row kernels that preprocess.c drives. Not installed; nothing
 * outside nn/preprocess*.c includes it. */
#ifndef NN_PREPROCESS_INTERNAL_H
#define NN_PREPROCESS_INTERNAL_H

#include "nn/preprocess.h"

#include <stdint.h>
#include <string.h>

/* The vector kernels are also built for AVX2 and picked at load time.
 * "avx2", not x86-64-v3: without FMA in the clone no multiply-add can be
 * contracted whatever -ffp-contract says, so both clones give the same
 * bits. GCC only: clang's libFuzzer build fails to link target_clones'd
 * functions, and gets the baseline ones. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)            \
    && defined(__linux__)
#define HOT __attribute__ ((target_clones ("avx2", "default")))
#else
#define HOT
#endif

/* Forced inlining: the callers pass constants that select a loop. Not in
 * the coverage build (meson.build says why). */
#if defined(__GNUC__) && !defined(NN_COVERAGE_BUILD)
#define PP_INLINE static inline __attribute__ ((always_inline))
#else
#define PP_INLINE static inline
#endif

/* The samplers, one a layout (nn_pixel_layout). */
typedef enum family {
  FAM_GRAY = NN_LAYOUT_GRAY,
  FAM_RGB = NN_LAYOUT_RGB,
  FAM_YUV_PLANAR = NN_LAYOUT_YUV_PLANAR,
  FAM_YUV_SEMI = NN_LAYOUT_YUV_SEMI,
  FAM_YUV_PACKED = NN_LAYOUT_YUV_PACKED
} family;

/* One row of the format table. bpp: bytes a pixel of plane 0 (packed
 * 4:2:2: 2). o0..o2: byte offsets of R, G, B within a pixel (FAM_RGB); of
 * the first Y, U and V within a 4-byte macropixel (FAM_YUV_PACKED); of U
 * and V within a chroma pair (FAM_YUV_SEMI, o0 unused). sx, sy: log2 of the
 * chroma subsampling. */
typedef struct fmt_info {
  const char *name;
  unsigned char family, n_planes, bpp, o0, o1, o2, sx, sy;
} fmt_info;

extern const fmt_info pp_fmt_table[NN_PIX_N_FORMATS];

struct nn_preprocessor {
  nn_preprocess_params p;
  int channels, max_w, max_h;
  float gain[3], bias[3], pad[3]; /* out = v * gain + bias */
  float lo, hi;                   /* 0 and 255, see pp_clamp() */

  /* scratch, carved from `block` */
  void *block;
  /* bilinear (preprocess_bilinear.c, _pair.c), one entry an output column */
  int32_t *cols;               /* left source neighbour */
  float *fx;                   /* weight of the right neighbour */
  uint32_t *ypair;             /* gathered words, see the top of */
  uint32_t *cpair[2], *pix[2]; /*   preprocess_bilinear.c */
  uint32_t *cpick;             /* all ones: right pixel's chroma is next */
  uint8_t *yrow[2], *uvrow[2]; /* packed and I420 rows, NV12's layout */
  /* area (preprocess_area.c): gathered bytes, one entry per region column:
   * R, G, B (RGB family), or Y and interleaved chroma pairs (YUV; g[1] has
   * two bytes a pixel) */
  uint8_t *g[3];
  float *conv[3];               /* converted, in the model's channel order */
  int32_t *ax_start, *ax_count; /* first column (region-relative), taps */
  float *ax_w;                  /* all tap weights, output x order */
  float *acc[3];                /* vertical accumulator */
  float *slot[2][3];            /* horizontally resized rows */

  /* per call */
  const nn_image *img;
  const fmt_info *fi;
  int luma_only; /* YUV to GRAY: chroma unused */
  int uv_swap;   /* chroma pairs are V, U (NV21) */
  int rx, ncols; /* source columns of the region */
  int dw;        /* output columns the content fills */
  int crow;      /* chroma row in cpair[0] (4:2:0), or -1 */
  int slot_row[2];
  unsigned slot_age[2], clock;
  float ky, oy, rv, gu, gv, bu; /* YUV -> RGB, see set_yuv() */

  /* bilinear column tables: cols, fx, cpick and these, kept while the
   * geometry stays the same (see pp_bilinear_setup()) */
  int step;        /* right neighbour - left: 0 or 1 */
  int nwide;       /* columns whose chroma is one 4-byte load */
  int cols_key[4]; /* region x, width, dw, NV12 chroma row */
};

/* v clamped to lo..hi, which callers pass from pp->lo and pp->hi: with
 * bounds in variables GCC vectorises this to maxps/minps, with literal
 * 0 and 255 to compares and blends, twice the instructions. Same result
 * either way, NaN included. */
static inline float
pp_clamp (float v, float lo, float hi)
{
  v = v > lo ? v : lo;
  return v < hi ? v : hi;
}

/* --- Shared by preprocess_bilinear.c and preprocess_pair.c --- */

/* Little-endian loads of two and four bytes, one instruction each. */
static inline uint32_t
pp_ld16 (const uint8_t *p)
{
  uint16_t v;
  memcpy (&v, p, 2);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = (uint16_t)(v << 8 | v >> 8);
#endif
  return v;
}

static inline uint32_t
pp_ld32 (const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32 (v);
#endif
  return v;
}

/* Chroma pairs of pixels l and r of a packed 4:2:2 row, as a cpair word. */
static inline uint32_t
pp_packed_chroma (const nn_preprocessor *pp, const uint8_t *a, size_t l,
                  size_t r)
{
  const uint8_t *pl = a + 4 * (l >> 1), *pr = a + 4 * (r >> 1);
  int o1 = pp->fi->o1, o2 = pp->fi->o2;
  return pl[o1] | (uint32_t)pl[o2] << 8 | (uint32_t)pr[o1] << 16
         | (uint32_t)pr[o2] << 24;
}

static inline float
pp_byte_at (uint32_t w, int shift)
{
  /* through int: a signed conversion is one instruction, unsigned is not */
  return (float)(int)((w >> shift) & 0xff);
}

/* Whether a packed row is worth rearranging: about half an instruction a
 * source pixel of the span, against about a dozen more a column for
 * gathering from the packed row directly. Gray needs only luma: direct. */
static inline int
pp_split_pays (const nn_preprocessor *pp)
{
  return !pp->luma_only && pp->ncols < 12 * pp->dw;
}

/* U and V samples m0..m1 of a planar chroma row, interleaved into uv as
 * NV12 holds them; a packed 4:2:2 row's macropixels m0..m1 split into
 * luma and NV12-style chroma (oy: byte of the first Y, YUY2 0, UYVY 1). */
void pp_interleave (uint8_t *restrict uv, const uint8_t *restrict u,
                    const uint8_t *restrict v, int m0, int m1);
void pp_split_packed (uint8_t *restrict y, uint8_t *restrict uv,
                      const uint8_t *restrict a, int oy, int m0, int m1);

/* Source row sy (absolute), gathered, converted and resized to pp->dw
 * columns into out[c] (one array per output channel, model order). */
void pp_bilinear_row (nn_preprocessor *pp, int sy, float *const *out);
/* Column tables for region r, once pp->img, fi and dw are set. */
void pp_bilinear_setup (nn_preprocessor *pp, const nn_rect *r);
void pp_area_row (nn_preprocessor *pp, int sy, float *const *out);

/* Whether pp_bilinear_pair() serves this call: 4:2:0 YUV, and no source
 * row shared by two output rows (src_h >= 2 dst_h). */
int pp_bilinear_pair_ok (const nn_preprocessor *pp, int src_h, int dst_h);
/* One output row from source rows sy0 and sy1 (sy1 = sy0 when fy is 0),
 * blended, scaled and biased into out[c] (the tensor's row, per channel). */
void pp_bilinear_pair (nn_preprocessor *pp, int sy0, int sy1, float fy,
                       float *const *out);

/* Pixel-centre aligned source coordinate of output index d. */
void pp_linear_coord (int d, double scale, int n, int *i0, int *i1,
                      float *frac);

/* o = (h0 + fy * (h1 - h0)) * gain + bias over n floats */
void pp_blend (int n, const float *restrict h0, const float *restrict h1,
               float fy, float gain, float bias, float *restrict o);

#endif /* NN_PREPROCESS_INTERNAL_H */
