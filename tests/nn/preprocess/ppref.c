/* Pictures in every format and the double-precision reference (ppref.h). */
#include "ppref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* GStreamer's names, in the order of nn_pixel_format: for the RGB family
 * the name spells the byte order ("xRGB": pad, R, G, B). */
static const char *const names[NN_PIX_N_FORMATS] = {
  "GRAY8", "RGB",  "BGR",  "RGBA", "BGRA", "RGBx", "BGRx", "xRGB", "xBGR",
  "ARGB",  "ABGR", "I420", "YV12", "NV12", "NV21", "YUY2", "UYVY",
};

uint32_t
t_rand (uint32_t *s)
{
  /* xorshift32 */
  uint32_t x = *s ? *s : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

int
t_rand_range (uint32_t *s, int lo, int hi)
{
  return lo + (int)(t_rand (s) % (uint32_t)(hi - lo + 1));
}

static int
is_rgb (nn_pixel_format f)
{
  return f >= NN_PIX_RGB && f <= NN_PIX_ABGR;
}

/* Plane layout from the format descriptions: chroma dimensions round up. */
static int
layout (nn_pixel_format f, int w, int h, int rows[3], int bytes[3])
{
  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  memset (rows, 0, 3 * sizeof (int));
  memset (bytes, 0, 3 * sizeof (int));
  rows[0] = h;
  if (f == NN_PIX_GRAY8) {
    bytes[0] = w;
    return 1;
  }
  if (is_rgb (f)) {
    bytes[0] = w * (int)strlen (names[f]);
    return 1;
  }
  switch (f) {
  case NN_PIX_I420:
  case NN_PIX_YV12:
    bytes[0] = w;
    bytes[1] = bytes[2] = cw;
    rows[1] = rows[2] = ch;
    return 3;
  case NN_PIX_NV12:
  case NN_PIX_NV21:
    bytes[0] = w;
    bytes[1] = 2 * cw;
    rows[1] = ch;
    return 2;
  default: /* YUY2, UYVY: 4 bytes per 2 pixels */
    bytes[0] = 4 * cw;
    return 1;
  }
}

int
timg_alloc (test_image *t, nn_pixel_format f, int w, int h, int pad,
            uint32_t seed)
{
  memset (t, 0, sizeof (*t));
  t->img.format = f;
  t->img.width = w;
  t->img.height = h;
  int n = layout (f, w, h, t->rows, t->row_bytes);
  for (int p = 0; p < n; p++) {
    int stride = t->row_bytes[p] + pad;
    size_t size = (size_t)stride * (t->rows[p] - 1) + t->row_bytes[p];
    /* the last row has no padding: reading past it is a bug that
     * valgrind or ASan will see */
    t->mem[p] = malloc (size);
    if (!t->mem[p])
      return -1;
    for (size_t i = 0; i < size; i++)
      t->mem[p][i] = (uint8_t)t_rand (&seed);
    t->img.planes[p] = t->mem[p];
    t->img.strides[p] = stride;
  }
  return 0;
}

int
timg_restride (const test_image *src, test_image *dst, int pad, uint32_t seed)
{
  const nn_image *a = &src->img;
  if (timg_alloc (dst, a->format, a->width, a->height, pad, seed) != 0)
    return -1;
  dst->img.matrix = a->matrix;
  dst->img.full_range = a->full_range;
  for (int p = 0; p < 3 && src->mem[p]; p++)
    for (int y = 0; y < src->rows[p]; y++)
      memcpy (dst->mem[p] + (size_t)y * dst->img.strides[p],
              a->planes[p] + (size_t)y * a->strides[p], src->row_bytes[p]);
  return 0;
}

void
timg_free (test_image *t)
{
  for (int p = 0; p < 3; p++)
    free (t->mem[p]);
  memset (t, 0, sizeof (*t));
}

/* Where the samples of pixel (x, y) are. */
static uint8_t *
at (const test_image *t, int p, int x, int y)
{
  return t->mem[p] + (size_t)y * t->img.strides[p] + x;
}

static void
yuv_addr (const nn_image *img, int x, int y, const uint8_t **py,
          const uint8_t **pu, const uint8_t **pv)
{
  const uint8_t *r0 = img->planes[0] + (size_t)y * img->strides[0];
  int cx = x / 2, cy = y / 2;
  switch (img->format) {
  case NN_PIX_I420:
  case NN_PIX_YV12: /* planes[] are Y, U, V for both */
    *py = r0 + x;
    *pu = img->planes[1] + (size_t)cy * img->strides[1] + cx;
    *pv = img->planes[2] + (size_t)cy * img->strides[2] + cx;
    break;
  case NN_PIX_NV12:
  case NN_PIX_NV21: {
    const uint8_t *c = img->planes[1] + (size_t)cy * img->strides[1] + 2 * cx;
    *py = r0 + x;
    *pu = img->format == NN_PIX_NV12 ? c : c + 1;
    *pv = img->format == NN_PIX_NV12 ? c + 1 : c;
    break;
  }
  case NN_PIX_YUY2: /* Y0 U Y1 V */
    *py = r0 + 4 * cx + 2 * (x % 2);
    *pu = r0 + 4 * cx + 1;
    *pv = r0 + 4 * cx + 3;
    break;
  default: /* UYVY: U Y0 V Y1 */
    *py = r0 + 4 * cx + 1 + 2 * (x % 2);
    *pu = r0 + 4 * cx;
    *pv = r0 + 4 * cx + 2;
    break;
  }
}

static void
matrix_k (const nn_image *img, double *kr, double *kb)
{
  *kr = img->matrix == NN_YUV_BT709 ? 0.2126 : 0.299;
  *kb = img->matrix == NN_YUV_BT709 ? 0.0722 : 0.114;
}

static double
clamp255 (double v)
{
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

void
ref_pixel (const nn_image *img, int x, int y, nn_color color, double out[3])
{
  double r, g, b;
  if (img->format == NN_PIX_GRAY8) {
    r = g = b = img->planes[0][(size_t)y * img->strides[0] + x];
  } else if (is_rgb (img->format)) {
    const char *name = names[img->format];
    const uint8_t *px = img->planes[0] + (size_t)y * img->strides[0]
                        + (size_t)x * strlen (name);
    r = px[strchr (name, 'R') - name];
    g = px[strchr (name, 'G') - name];
    b = px[strchr (name, 'B') - name];
  } else {
    const uint8_t *py, *pu, *pv;
    double kr, kb;
    yuv_addr (img, x, y, &py, &pu, &pv);
    matrix_k (img, &kr, &kb);
    double yf = *py, cb = *pu - 128.0, cr = *pv - 128.0;
    if (!img->full_range) {
      yf = (yf - 16.0) * 255.0 / 219.0;
      cb *= 255.0 / 224.0;
      cr *= 255.0 / 224.0;
    }
    if (color == NN_COLOR_GRAY) {
      out[0] = clamp255 (yf);
      return;
    }
    /* E'Y = Kr R + Kg G + Kb B, Cb = (B - Y) / (2 (1 - Kb)), ... */
    r = yf + 2.0 * (1.0 - kr) * cr;
    b = yf + 2.0 * (1.0 - kb) * cb;
    g = (yf - kr * r - kb * b) / (1.0 - kr - kb);
    r = clamp255 (r);
    g = clamp255 (g);
    b = clamp255 (b);
  }
  if (color == NN_COLOR_GRAY) {
    out[0] = 0.299 * r + 0.587 * g + 0.114 * b;
  } else if (color == NN_COLOR_RGB) {
    out[0] = r;
    out[1] = g;
    out[2] = b;
  } else {
    out[0] = b;
    out[1] = g;
    out[2] = r;
  }
}

void
timg_paint (test_image *t, rgb_fn fn)
{
  const nn_image *img = &t->img;
  int w = img->width, h = img->height;
  nn_pixel_format f = img->format;
  double kr, kb;
  matrix_k (img, &kr, &kb);
  double ys = img->full_range ? 1.0 : 219.0 / 255.0;
  double yo = img->full_range ? 0.0 : 16.0;
  double cs = img->full_range ? 1.0 : 224.0 / 255.0;

  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      double c[3];
      fn (x, y, c);
      if (f == NN_PIX_GRAY8) {
        *at (t, 0, x, y)
            = (uint8_t)lround (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
      } else if (is_rgb (f)) {
        const char *name = names[f];
        uint8_t *px = at (t, 0, 0, y) + (size_t)x * strlen (name);
        px[strchr (name, 'R') - name] = (uint8_t)lround (c[0]);
        px[strchr (name, 'G') - name] = (uint8_t)lround (c[1]);
        px[strchr (name, 'B') - name] = (uint8_t)lround (c[2]);
      } else {
        const uint8_t *py, *pu, *pv;
        yuv_addr (img, x, y, &py, &pu, &pv);
        double yf = kr * c[0] + (1 - kr - kb) * c[1] + kb * c[2];
        *(uint8_t *)py = (uint8_t)lround (yo + yf * ys);
      }
    }
  }
  if (f == NN_PIX_GRAY8 || is_rgb (f))
    return;
  /* chroma: average of the block's pixels */
  int bh = (f == NN_PIX_YUY2 || f == NN_PIX_UYVY) ? 1 : 2;
  for (int y = 0; y < h; y += bh) {
    for (int x = 0; x < w; x += 2) {
      double su = 0, sv = 0;
      int n = 0;
      for (int yy = y; yy < y + bh && yy < h; yy++) {
        for (int xx = x; xx < x + 2 && xx < w; xx++) {
          double c[3];
          fn (xx, yy, c);
          double yf = kr * c[0] + (1 - kr - kb) * c[1] + kb * c[2];
          su += (c[2] - yf) / (2.0 * (1.0 - kb));
          sv += (c[0] - yf) / (2.0 * (1.0 - kr));
          n++;
        }
      }
      const uint8_t *py, *pu, *pv;
      yuv_addr (img, x, y, &py, &pu, &pv);
      *(uint8_t *)pu = (uint8_t)lround (clamp255 (128 + su / n * cs));
      *(uint8_t *)pv = (uint8_t)lround (clamp255 (128 + sv / n * cs));
    }
  }
}

/* Output rectangle and used source rectangle, by the documented rules. */
static void
ref_geometry (const nn_preprocess_params *p, nn_rect *src, nn_rect *dst)
{
  double W = p->out_width, H = p->out_height;
  double w = src->width, h = src->height;
  *dst = (nn_rect){ 0, 0, p->out_width, p->out_height };
  if (p->mode == NN_RESIZE_LETTERBOX) {
    double cw = W, ch = H;
    if (w * H >= h * W)
      ch = floor (h * W / w + 0.5);
    else
      cw = floor (w * H / h + 0.5);
    dst->width = cw < 1 ? 1 : (int)cw;
    dst->height = ch < 1 ? 1 : (int)ch;
    dst->x = (int)floor ((W - dst->width) / 2);
    dst->y = (int)floor ((H - dst->height) / 2);
  } else if (p->mode == NN_RESIZE_CENTER_CROP) {
    if (w * H > h * W) {
      double cw = fmax (1, floor (h * W / H + 0.5));
      src->x += (int)floor ((w - cw) / 2);
      src->width = (int)cw;
    } else if (w * H < h * W) {
      double ch = fmax (1, floor (w * H / W + 0.5));
      src->y += (int)floor ((h - ch) / 2);
      src->height = (int)ch;
    }
  }
}

static int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Bilinear: output centre mapped back, edge pixels repeated. */
static void
sample_bilinear (const nn_image *img, nn_color color, const nn_rect *r,
                 double sx, double sy, double v[3])
{
  double x0 = floor (sx), y0 = floor (sy), fx = sx - x0, fy = sy - y0;
  double w4[4] = { (1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy };
  v[0] = v[1] = v[2] = 0;
  for (int k = 0; k < 4; k++) {
    int x = clampi ((int)x0 + (k & 1), 0, r->width - 1) + r->x;
    int y = clampi ((int)y0 + (k >> 1), 0, r->height - 1) + r->y;
    double px[3];
    ref_pixel (img, x, y, color, px);
    for (int c = 0; c < 3; c++)
      v[c] += w4[k] * px[c];
  }
}

/* Area: the mean over the output pixel's footprint [a0, a1) x [b0, b1). */
static void
sample_area (const nn_image *img, nn_color color, const nn_rect *r, double a0,
             double a1, double b0, double b1, double v[3])
{
  v[0] = v[1] = v[2] = 0;
  for (int y = (int)floor (b0); y < b1 && y < r->height; y++) {
    double wy = fmin (y + 1, b1) - fmax (y, b0);
    for (int x = (int)floor (a0); x < a1 && x < r->width; x++) {
      double wx = fmin (x + 1, a1) - fmax (x, a0), px[3];
      if (wx <= 0 || wy <= 0)
        continue;
      ref_pixel (img, x + r->x, y + r->y, color, px);
      for (int c = 0; c < 3; c++)
        v[c] += wx * wy * px[c];
    }
  }
  for (int c = 0; c < 3; c++)
    v[c] /= (a1 - a0) * (b1 - b0);
}

void
ref_preprocess (const nn_preprocess_params *p, const nn_image *img,
                const nn_rect *roi, double *out, nn_rect *placed)
{
  int W = p->out_width, H = p->out_height;
  int C = p->color == NN_COLOR_GRAY ? 1 : 3;
  nn_rect r = { 0, 0, img->width, img->height };
  if (roi) {
    int x0 = roi->x > 0 ? roi->x : 0, y0 = roi->y > 0 ? roi->y : 0;
    int x1 = roi->x + roi->width, y1 = roi->y + roi->height;
    x1 = x1 < img->width ? x1 : img->width;
    y1 = y1 < img->height ? y1 : img->height;
    r = (nn_rect){ x0, y0, x1 - x0, y1 - y0 };
  }
  nn_rect d;
  ref_geometry (p, &r, &d);
  if (placed)
    *placed = d;
  for (int oy = 0; oy < H; oy++) {
    for (int ox = 0; ox < W; ox++) {
      double v[3];
      int inside
          = ox >= d.x && ox < d.x + d.width && oy >= d.y && oy < d.y + d.height;
      double sxs = (double)r.width / d.width;
      double sys = (double)r.height / d.height;
      double u = ox - d.x, t = oy - d.y;
      if (!inside)
        v[0] = v[1] = v[2] = p->pad_value;
      else if (p->interp == NN_INTERP_BILINEAR)
        sample_bilinear (img, p->color, &r, (u + 0.5) * sxs - 0.5,
                         (t + 0.5) * sys - 0.5, v);
      else
        sample_area (img, p->color, &r, u * sxs, (u + 1) * sxs, t * sys,
                     (t + 1) * sys, v);
      for (int c = 0; c < C; c++)
        out[((size_t)c * H + oy) * W + ox]
            = (v[c] * p->scale - p->mean[c]) / p->std[c];
    }
  }
}

double
max_abs_diff_fd (const float *a, const double *b, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs ((double)a[i] - b[i]);
    if (!(d <= m))
      m = d; /* NaN sticks */
  }
  return m;
}

double
max_abs_diff_ff (const float *a, const float *b, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs ((double)a[i] - b[i]);
    if (!(d <= m))
      m = d;
  }
  return m;
}
