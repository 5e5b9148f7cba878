/* Raw image planes -> NCHW float tensor in one pass (see nn/preprocess.h).
 *
 * For each output row: find the one or two source rows it needs (bilinear)
 * or the band of rows it averages (area); for each such source row gather
 * only the bytes of the source columns that are needed (chroma read at its
 * own resolution), convert those pixels to the model's colour in float,
 * resize horizontally into a two-slot row cache, then blend the rows
 * vertically and normalise straight into the tensor. Bilinear YUV that
 * shrinks 2x or more vertically skips the cache and does both rows of an
 * output row in one pass (preprocess_bilinear.c).
 *
 * Conversion happens per source pixel, before any interpolation, and clamps
 * to 0..255 like any converter writing 8-bit RGB would: the result is what
 * "convert to RGB, then resize" gives, only without the 8-bit rounding. So
 * colour cannot be converted after the horizontal resize, on fewer values:
 * a blend of clamped pixels is not the clamp of a blend. The inner loops
 * run over small contiguous arrays so the compiler vectorises them; the
 * only scattered accesses are the gathers from the planes.
 *
 * Chroma of 4:2:0 and 4:2:2 formats is replicated over its 2x2 or 2x1 block
 * (pixel x uses chroma sample x / 2), as OpenCV's and libyuv's converters do.
 *
 * Everything between the planes and the tensor lives in one block of
 * scratch allocated by nn_preprocessor_create(); nn_preprocess() itself
 * allocates nothing.
 *
 * This file: formats, checks, geometry and the per-row driver. The row
 * kernels are in preprocess_bilinear.c and preprocess_area.c.
 */
#include "preprocess_internal.h"
#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUT_DIM 16384
#define MAX_SRC_DIM 65536

const fmt_info pp_fmt_table[NN_PIX_N_FORMATS] = {
  [NN_PIX_GRAY8] = { "GRAY8", FAM_GRAY, 1, 1, 0, 0, 0, 0, 0 },
  [NN_PIX_RGB] = { "RGB", FAM_RGB, 1, 3, 0, 1, 2, 0, 0 },
  [NN_PIX_BGR] = { "BGR", FAM_RGB, 1, 3, 2, 1, 0, 0, 0 },
  [NN_PIX_RGBA] = { "RGBA", FAM_RGB, 1, 4, 0, 1, 2, 0, 0 },
  [NN_PIX_BGRA] = { "BGRA", FAM_RGB, 1, 4, 2, 1, 0, 0, 0 },
  [NN_PIX_RGBX] = { "RGBx", FAM_RGB, 1, 4, 0, 1, 2, 0, 0 },
  [NN_PIX_BGRX] = { "BGRx", FAM_RGB, 1, 4, 2, 1, 0, 0, 0 },
  [NN_PIX_XRGB] = { "xRGB", FAM_RGB, 1, 4, 1, 2, 3, 0, 0 },
  [NN_PIX_XBGR] = { "xBGR", FAM_RGB, 1, 4, 3, 2, 1, 0, 0 },
  [NN_PIX_ARGB] = { "ARGB", FAM_RGB, 1, 4, 1, 2, 3, 0, 0 },
  [NN_PIX_ABGR] = { "ABGR", FAM_RGB, 1, 4, 3, 2, 1, 0, 0 },
  [NN_PIX_I420] = { "I420", FAM_YUV_PLANAR, 3, 1, 0, 0, 0, 1, 1 },
  [NN_PIX_YV12] = { "YV12", FAM_YUV_PLANAR, 3, 1, 0, 0, 0, 1, 1 },
  [NN_PIX_NV12] = { "NV12", FAM_YUV_SEMI, 2, 1, 0, 0, 1, 1, 1 },
  [NN_PIX_NV21] = { "NV21", FAM_YUV_SEMI, 2, 1, 0, 1, 0, 1, 1 },
  [NN_PIX_YUY2] = { "YUY2", FAM_YUV_PACKED, 1, 2, 0, 1, 3, 1, 0 },
  [NN_PIX_UYVY] = { "UYVY", FAM_YUV_PACKED, 1, 2, 1, 0, 2, 1, 0 },
};

const char *
nn_pixel_format_name (nn_pixel_format format)
{
  if ((int)format < 0 || format >= NN_PIX_N_FORMATS)
    return NULL;
  return pp_fmt_table[format].name;
}

nn_status
nn_pixel_format_describe (nn_pixel_format format, nn_pixel_format_info *info,
                          nn_error *err)
{
  if ((int)format < 0 || format >= NN_PIX_N_FORMATS)
    return nn_fail (err, NN_INVALID_ARG, "unknown pixel format %d",
                    (int)format);
  if (!info)
    return nn_fail (err, NN_INVALID_ARG, "pixel format info: NULL");
  const fmt_info *f = &pp_fmt_table[format];
  info->name = f->name;
  info->layout = (nn_pixel_layout)f->family;
  info->n_planes = f->n_planes;
  info->pixel_stride = f->bpp;
  info->chroma_shift_x = f->sx;
  info->chroma_shift_y = f->sy;
  return NN_OK;
}

int
nn_pixel_format_from_name (const char *name)
{
  if (!name)
    return -1;
  for (int i = 0; i < NN_PIX_N_FORMATS; i++)
    if (strcmp (pp_fmt_table[i].name, name) == 0)
      return i;
  return -1;
}

/* Bytes one row of plane `plane` needs, for the stride check. Chroma width
 * rounds up for odd widths, as GStreamer lays it out. */
static int64_t
row_bytes (const fmt_info *f, int64_t w, int plane)
{
  switch (f->family) {
  case FAM_GRAY:
  case FAM_RGB:
    return w * f->bpp;
  case FAM_YUV_PLANAR:
    return plane == 0 ? w : (w + 1) / 2;
  case FAM_YUV_SEMI:
    return plane == 0 ? w : (w + 1) / 2 * 2;
  default:
    return (w + 1) / 2 * 4;
  }
}

nn_status
nn_image_validate (const nn_image *img, nn_error *err)
{
  if (!img)
    return nn_fail (err, NN_INVALID_ARG, "image: NULL");
  if ((int)img->format < 0 || img->format >= NN_PIX_N_FORMATS)
    return nn_fail (err, NN_INVALID_ARG, "image: unknown pixel format %d",
                    (int)img->format);
  const fmt_info *f = &pp_fmt_table[img->format];
  if (img->width < 1 || img->height < 1)
    return nn_fail (err, NN_INVALID_ARG, "image: %s size %dx%d is empty",
                    f->name, img->width, img->height);
  if (img->matrix != NN_YUV_BT601 && img->matrix != NN_YUV_BT709)
    return nn_fail (err, NN_INVALID_ARG, "image: unknown YUV matrix %d",
                    (int)img->matrix);
  for (int p = 0; p < f->n_planes; p++) {
    int64_t need = row_bytes (f, img->width, p);
    if (!img->planes[p])
      return nn_fail (err, NN_INVALID_ARG, "image: %s plane %d is NULL",
                      f->name, p);
    if (img->strides[p] < need)
      return nn_fail (
          err, NN_INVALID_ARG,
          "image: %s %dx%d plane %d stride %d < %lld bytes a row needs",
          f->name, img->width, img->height, p, img->strides[p],
          (long long)need);
  }
  return NN_OK;
}

void
nn_preprocess_params_init (nn_preprocess_params *params, int out_width,
                           int out_height, nn_color color)
{
  if (!params)
    return;
  memset (params, 0, sizeof (*params));
  params->out_width = out_width;
  params->out_height = out_height;
  params->color = color;
  params->mode = NN_RESIZE_STRETCH;
  params->interp = NN_INTERP_BILINEAR;
  params->scale = 1.0f / 255.0f;
  for (int c = 0; c < 3; c++)
    params->std[c] = 1.0f;
}

int
nn_preprocessor_channels (const nn_preprocessor *pp)
{
  return pp ? pp->channels : 0;
}

static nn_status
check_params (const nn_preprocess_params *p, nn_error *err)
{
  if (!p)
    return nn_fail (err, NN_INVALID_ARG, "preprocess: params NULL");
  if (p->out_width < 1 || p->out_width > MAX_OUT_DIM || p->out_height < 1
      || p->out_height > MAX_OUT_DIM)
    return nn_fail (err, NN_INVALID_ARG,
                    "preprocess: output size %dx%d outside 1..%d", p->out_width,
                    p->out_height, MAX_OUT_DIM);
  if ((int)p->color < 0 || p->color > NN_COLOR_BGR)
    return nn_fail (err, NN_INVALID_ARG, "preprocess: unknown colour %d",
                    (int)p->color);
  if ((int)p->mode < 0 || p->mode > NN_RESIZE_CENTER_CROP)
    return nn_fail (err, NN_INVALID_ARG, "preprocess: unknown resize mode %d",
                    (int)p->mode);
  if ((int)p->interp < 0 || p->interp > NN_INTERP_AREA)
    return nn_fail (err, NN_INVALID_ARG, "preprocess: unknown interpolation %d",
                    (int)p->interp);
  if (!isfinite (p->scale) || !isfinite (p->pad_value))
    return nn_fail (err, NN_INVALID_ARG,
                    "preprocess: scale %g and pad value %g must be finite",
                    (double)p->scale, (double)p->pad_value);
  for (int c = 0; c < 3; c++) {
    if (!isfinite (p->mean[c]) || !isfinite (p->std[c]) || p->std[c] == 0.0f)
      return nn_fail (
          err, NN_INVALID_ARG,
          "preprocess: channel %d mean %g / std %g: std must be finite and "
          "nonzero, mean finite",
          c, (double)p->mean[c], (double)p->std[c]);
    double g = (double)p->scale / p->std[c];
    if (!isfinite ((float)g))
      return nn_fail (err, NN_INVALID_ARG,
                      "preprocess: channel %d scale/std %g overflows float", c,
                      g);
  }
  return NN_OK;
}

static size_t
align64 (size_t n)
{
  return (n + 63) & ~(size_t)63;
}

nn_status
nn_preprocessor_create (const nn_preprocess_params *params, int max_src_width,
                        int max_src_height, nn_preprocessor **out,
                        nn_error *err)
{
  if (!out)
    return nn_fail (err, NN_INVALID_ARG, "preprocess: out NULL");
  *out = NULL;
  nn_status st = check_params (params, err);
  if (st != NN_OK)
    return st;
  if (max_src_width < 1 || max_src_width > MAX_SRC_DIM || max_src_height < 1
      || max_src_height > MAX_SRC_DIM)
    return nn_fail (err, NN_INVALID_ARG,
                    "preprocess: maximum source size %dx%d outside 1..%d",
                    max_src_width, max_src_height, MAX_SRC_DIM);

  nn_preprocessor *pp = calloc (1, sizeof (*pp));
  if (!pp)
    return nn_fail (err, NN_NOMEM, "preprocess: out of memory");
  pp->p = *params;
  pp->channels = params->color == NN_COLOR_GRAY ? 1 : 3;
  pp->max_w = max_src_width;
  pp->max_h = max_src_height;
  pp->lo = 0.0f;
  pp->hi = 255.0f;
  pp->cols_key[2] = -1; /* no column tables yet */
  for (int c = 0; c < 3; c++) {
    double s = params->std[c];
    pp->gain[c] = (float)(params->scale / s);
    pp->bias[c] = (float)(-params->mean[c] / s);
    pp->pad[c]
        = (float)((params->pad_value * (double)params->scale - params->mean[c])
                  / s);
  }

  /* Bilinear keeps a few words per output column; area converts the whole
   * width of the region once per source row. */
  size_t W = (size_t)params->out_width, SW = (size_t)max_src_width;
  int area = params->interp == NN_INTERP_AREA;
  /* first pass sizes the block (pp->block is still NULL), second carves */
  for (int pass = 0; pass < 2; pass++) {
    uintptr_t a = ((uintptr_t)pp->block + 63) & ~(uintptr_t)63;
#define TAKE(ptr, bytes)                                                       \
  do {                                                                         \
    ptr = (void *)a;                                                           \
    a += align64 (bytes);                                                      \
  } while (0)
    if (!area) {
      TAKE (pp->cols, W * sizeof (int32_t));
      TAKE (pp->fx, W * sizeof (float));
      TAKE (pp->ypair, W * sizeof (uint32_t));
      for (int k = 0; k < 2; k++)
        TAKE (pp->cpair[k], W * sizeof (uint32_t));
      TAKE (pp->cpick, W * sizeof (uint32_t));
      for (int k = 0; k < 2; k++)
        TAKE (pp->pix[k], W * sizeof (uint32_t));
      for (int k = 0; k < 2; k++) {
        TAKE (pp->yrow[k], SW + 1);
        TAKE (pp->uvrow[k], SW + 4); /* room for 4-byte chroma loads */
      }
    } else {
      for (int c = 0; c < 3; c++)
        TAKE (pp->g[c], c == 1 ? 2 * SW : SW);
      for (int c = 0; c < 3; c++)
        TAKE (pp->conv[c], SW * sizeof (float));
      TAKE (pp->ax_start, W * sizeof (int32_t));
      TAKE (pp->ax_count, W * sizeof (int32_t));
      /* taps: at most one per source column plus one per band edge */
      TAKE (pp->ax_w, (SW + W) * sizeof (float));
      for (int c = 0; c < 3; c++)
        TAKE (pp->acc[c], W * sizeof (float));
    }
    for (int s = 0; s < 2; s++)
      for (int c = 0; c < 3; c++)
        TAKE (pp->slot[s][c], W * sizeof (float));
#undef TAKE
    if (pass == 0) {
      size_t total = (size_t)a + 64; /* from 0; room to align */
      pp->block = calloc (1, total);
      if (!pp->block) {
        free (pp);
        return nn_fail (err, NN_NOMEM, "preprocess: scratch of %zu bytes",
                        total);
      }
    }
  }
  *out = pp;
  return NN_OK;
}

void
nn_preprocessor_free (nn_preprocessor *pp)
{
  if (!pp)
    return;
  free (pp->block);
  free (pp);
}

/* YUV -> RGB as y' = ky*Y + oy, R = y' + rv*(V-128),
 * G = y' - gu*(U-128) - gv*(V-128), B = y' + bu*(U-128), from the matrix's
 * Kr and Kb. Limited range stretches Y 16..235 and chroma 16..240. */
static void
set_yuv (nn_preprocessor *pp, const nn_image *img)
{
  double kr = img->matrix == NN_YUV_BT709 ? 0.2126 : 0.299;
  double kb = img->matrix == NN_YUV_BT709 ? 0.0722 : 0.114;
  double kg = 1.0 - kr - kb;
  double ky = img->full_range ? 1.0 : 255.0 / 219.0;
  double kc = img->full_range ? 1.0 : 255.0 / 224.0;
  pp->ky = (float)ky;
  pp->oy = (float)(img->full_range ? 0.0 : -16.0 * ky);
  pp->rv = (float)(kc * 2.0 * (1.0 - kr));
  pp->gu = (float)(kc * 2.0 * kb * (1.0 - kb) / kg);
  pp->gv = (float)(kc * 2.0 * kr * (1.0 - kr) / kg);
  pp->bu = (float)(kc * 2.0 * (1.0 - kb));
}

/* Source row sy (absolute), converted and resized to pp->dw columns. Kept
 * in a two-slot cache: bilinear needs two rows at once, and neighbouring
 * output rows often share one (upscaling, area band edges). */
static float *const *
hrow (nn_preprocessor *pp, int sy)
{
  pp->clock++;
  for (int s = 0; s < 2; s++) {
    if (pp->slot_row[s] == sy) {
      pp->slot_age[s] = pp->clock;
      return pp->slot[s];
    }
  }
  int s = pp->slot_age[0] <= pp->slot_age[1] ? 0 : 1;
  pp->slot_row[s] = sy;
  pp->slot_age[s] = pp->clock;
  if (pp->p.interp == NN_INTERP_BILINEAR)
    pp_bilinear_row (pp, sy, pp->slot[s]);
  else
    pp_area_row (pp, sy, pp->slot[s]);
  return pp->slot[s];
}

/* Pixel-centre aligned source coordinate of output index d, as OpenCV's
 * INTER_LINEAR computes it; edges replicate. */
void
pp_linear_coord (int d, double scale, int n, int *i0, int *i1, float *frac)
{
  float f = (float)((d + 0.5) * scale - 0.5);
  int i = (int)floorf (f);
  float t = f - (float)i;
  *i0 = i < 0 ? 0 : (i > n - 1 ? n - 1 : i);
  *i1 = i + 1 < 0 ? 0 : (i + 1 > n - 1 ? n - 1 : i + 1);
  if (*i0 == *i1)
    t = 0.0f;
  *frac = t;
}

/* Box filter band of output index d: source pixels [*start, *end) of n
 * mapped onto m outputs. Exact integer overlaps in units of 1/m. */
static void
area_band (int64_t d, int64_t n, int64_t m, int *start, int *end)
{
  *start = (int)(d * n / m);
  *end = (int)(((d + 1) * n + m - 1) / m);
}

static float
area_weight (int64_t k, int64_t d, int64_t n, int64_t m)
{
  int64_t lo = k * m > d * n ? k * m : d * n;
  int64_t hi = (k + 1) * m < (d + 1) * n ? (k + 1) * m : (d + 1) * n;
  return (float)((double)(hi - lo) / (double)n);
}

/* Where the region goes in the output, and which part of it is used. */
static void
place (const nn_preprocess_params *p, nn_rect *src, nn_rect *dst)
{
  int64_t W = p->out_width, H = p->out_height, w = src->width, h = src->height;
  *dst = (nn_rect){ 0, 0, (int)W, (int)H };
  if (p->mode == NN_RESIZE_LETTERBOX) {
    int64_t cw = W, ch = H;
    if (w * H >= h * W)
      ch = (2 * h * W + w) / (2 * w); /* round (h * W / w) */
    else
      cw = (2 * w * H + h) / (2 * h);
    dst->width = (int)(cw < 1 ? 1 : cw);
    dst->height = (int)(ch < 1 ? 1 : ch);
    dst->x = (int)(W - dst->width) / 2;
    dst->y = (int)(H - dst->height) / 2;
  } else if (p->mode == NN_RESIZE_CENTER_CROP) {
    if (w * H > h * W) {
      int64_t cw = (2 * h * W + H) / (2 * H);
      cw = cw < 1 ? 1 : cw;
      src->x += (int)(w - cw) / 2;
      src->width = (int)cw;
    } else if (w * H < h * W) {
      int64_t ch = (2 * w * H + W) / (2 * W);
      ch = ch < 1 ? 1 : ch;
      src->y += (int)(h - ch) / 2;
      src->height = (int)ch;
    }
  }
}

static void
fill_pad (nn_preprocessor *pp, float *out, const nn_rect *d)
{
  int W = pp->p.out_width, H = pp->p.out_height;
  for (int c = 0; c < pp->channels; c++) {
    float v = pp->pad[c], *plane = out + (size_t)c * W * H;
    for (int y = 0; y < H; y++) {
      float *row = plane + (size_t)y * W;
      if (y < d->y || y >= d->y + d->height) {
        for (int x = 0; x < W; x++)
          row[x] = v;
      } else {
        for (int x = 0; x < d->x; x++)
          row[x] = v;
        for (int x = d->x + d->width; x < W; x++)
          row[x] = v;
      }
    }
  }
}

nn_status
nn_preprocess (nn_preprocessor *pp, const nn_image *img, const nn_rect *roi,
               float *out, nn_rect *placed, nn_error *err)
{
  if (!pp || !out)
    return nn_fail (err, NN_INVALID_ARG, "preprocess: %s NULL",
                    pp ? "output" : "preprocessor");
  nn_status st = nn_image_validate (img, err);
  if (st != NN_OK)
    return st;
  if (img->width > pp->max_w || img->height > pp->max_h)
    return nn_fail (
        err, NN_INVALID_ARG,
        "preprocess: source %dx%d exceeds the %dx%d it was created for",
        img->width, img->height, pp->max_w, pp->max_h);

  nn_rect r = { 0, 0, img->width, img->height };
  if (roi) {
    int64_t x0 = roi->x, y0 = roi->y;
    int64_t x1 = x0 + roi->width, y1 = y0 + roi->height;
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > img->width ? img->width : x1;
    y1 = y1 > img->height ? img->height : y1;
    if (roi->width <= 0 || roi->height <= 0 || x1 <= x0 || y1 <= y0)
      return nn_fail (
          err, NN_INVALID_ARG,
          "preprocess: region %d,%d %dx%d is empty inside the %dx%d image",
          roi->x, roi->y, roi->width, roi->height, img->width, img->height);
    r = (nn_rect){ (int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0) };
  }
  nn_rect d;
  place (&pp->p, &r, &d);
  if (placed)
    *placed = d;

  pp->img = img;
  pp->fi = &pp_fmt_table[img->format];
  pp->luma_only = pp->channels == 1;
  pp->uv_swap = pp->fi->family == FAM_YUV_SEMI && pp->fi->o1 == 1;
  pp->rx = r.x;
  pp->ncols = r.width;
  pp->dw = d.width;
  pp->slot_row[0] = pp->slot_row[1] = -1;
  pp->slot_age[0] = pp->slot_age[1] = pp->clock = 0;
  set_yuv (pp, img);

  /* per-call column tables */
  if (pp->p.interp == NN_INTERP_BILINEAR) {
    pp_bilinear_setup (pp, &r);
  } else {
    float *w = pp->ax_w;
    for (int x = 0; x < d.width; x++) {
      int s, e;
      area_band (x, r.width, d.width, &s, &e);
      pp->ax_start[x] = s;
      pp->ax_count[x] = e - s;
      for (int k = s; k < e; k++)
        *w++ = area_weight (k, x, r.width, d.width);
    }
  }

  if (d.width != pp->p.out_width || d.height != pp->p.out_height)
    fill_pad (pp, out, &d);

  int W = pp->p.out_width, H = pp->p.out_height, dw = d.width;
  double sy_scale = (double)r.height / d.height;
  int pair = pp->p.interp == NN_INTERP_BILINEAR
             && pp_bilinear_pair_ok (pp, r.height, d.height);
  for (int oy = 0; oy < d.height; oy++) {
    size_t base = (size_t)(d.y + oy) * W + d.x;
    if (pp->p.interp == NN_INTERP_BILINEAR) {
      int y0, y1;
      float fy;
      pp_linear_coord (oy, sy_scale, r.height, &y0, &y1, &fy);
      if (pair) {
        float *o[3];
        for (int c = 0; c < pp->channels; c++)
          o[c] = out + (size_t)c * W * H + base;
        pp_bilinear_pair (pp, r.y + y0, r.y + (fy != 0.0f ? y1 : y0), fy, o);
        continue;
      }
      float *const *a = hrow (pp, r.y + y0);
      float *const *b = fy != 0.0f ? hrow (pp, r.y + y1) : a;
      for (int c = 0; c < pp->channels; c++)
        pp_blend (dw, a[c], b[c], fy, pp->gain[c], pp->bias[c],
                  out + (size_t)c * W * H + base);
    } else {
      int s, e;
      area_band (oy, r.height, d.height, &s, &e);
      for (int k = s; k < e; k++) {
        float wy = area_weight (k, oy, r.height, d.height);
        float *const *h = hrow (pp, r.y + k);
        for (int c = 0; c < pp->channels; c++) {
          float *restrict acc = pp->acc[c];
          const float *restrict hc = h[c];
          if (k == s)
            for (int x = 0; x < dw; x++)
              acc[x] = wy * hc[x];
          else
            for (int x = 0; x < dw; x++)
              acc[x] += wy * hc[x];
        }
      }
      for (int c = 0; c < pp->channels; c++) {
        const float *restrict acc = pp->acc[c];
        float *restrict o = out + (size_t)c * W * H + base;
        float gn = pp->gain[c], bs = pp->bias[c];
        for (int x = 0; x < dw; x++)
          o[x] = acc[x] * gn + bs;
      }
    }
  }
  pp->img = NULL;
  return NN_OK;
}
