/* nn_preprocess against the naive double-precision reference (ppref.c):
 * every format, colour, resize mode and filter, sizes from 1x1 up to
 * 1921x1081, padded strides full of garbage, regions at the borders. */
#include "ppref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 12345.678f
#define TOL 1e-4 /* in output units, std 1 */

static int failures, checks;

typedef struct config {
  nn_pixel_format format;
  int w, h, pad;
  nn_yuv_matrix matrix;
  int full_range;
  nn_preprocess_params p;
  int has_roi;
  nn_rect roi;
} config;

static void
describe (const config *c, char *buf, size_t n)
{
  snprintf (
      buf, n, "%s %dx%d pad %d %s %s -> %dx%d %s %s %s roi %s%d,%d %dx%d",
      nn_pixel_format_name (c->format), c->w, c->h, c->pad,
      c->matrix == NN_YUV_BT709 ? "bt709" : "bt601",
      c->full_range ? "full" : "limited", c->p.out_width, c->p.out_height,
      (const char *[]){ "GRAY", "RGB", "BGR" }[c->p.color],
      (const char *[]){ "stretch", "letterbox", "center-crop" }[c->p.mode],
      c->p.interp == NN_INTERP_AREA ? "area" : "bilinear",
      c->has_roi ? "" : "(none) ", c->roi.x, c->roi.y, c->roi.width,
      c->roi.height);
}

static void
run (const config *c, uint32_t seed)
{
  char what[256];
  describe (c, what, sizeof what);
  checks++;

  test_image t, t2;
  if (timg_alloc (&t, c->format, c->w, c->h, c->pad, seed) != 0) {
    printf ("FAIL %s: out of memory\n", what);
    failures++;
    return;
  }
  t.img.matrix = c->matrix;
  t.img.full_range = c->full_range;

  int C = c->p.color == NN_COLOR_GRAY ? 1 : 3;
  size_t n = (size_t)C * c->p.out_width * c->p.out_height;
  float *out = malloc ((n + 4) * sizeof (float));
  float *out2 = malloc ((n + 4) * sizeof (float));
  double *ref = malloc (n * sizeof (double));
  nn_preprocessor *pp = NULL;
  nn_error err = { 0 };
  nn_rect placed = { -1, -1, -1, -1 }, ref_placed;
  const nn_rect *roi = c->has_roi ? &c->roi : NULL;

  for (int i = 0; i < 4; i++)
    out[n + i] = out2[n + i] = CANARY;
  /* a larger maximum than needed is the normal case in the element */
  if (nn_preprocessor_create (&c->p, c->w + (int)(seed % 3), c->h + 1, &pp,
                              &err)
          != NN_OK
      || nn_preprocess (pp, &t.img, roi, out, &placed, &err) != NN_OK) {
    printf ("FAIL %s: %s\n", what, err.message);
    failures++;
    goto done;
  }
  ref_preprocess (&c->p, &t.img, roi, ref, &ref_placed);

  double tol = TOL;
  for (int k = 0; k < C; k++)
    tol = fmax (tol, TOL / fabs (c->p.std[k]));
  double d = max_abs_diff_fd (out, ref, n);
  if (!(d <= tol)) {
    printf ("FAIL %s: max |diff| %g > %g\n", what, d, tol);
    failures++;
  }
  if (memcmp (&placed, &ref_placed, sizeof placed) != 0) {
    printf ("FAIL %s: placed %d,%d %dx%d, expected %d,%d %dx%d\n", what,
            placed.x, placed.y, placed.width, placed.height, ref_placed.x,
            ref_placed.y, ref_placed.width, ref_placed.height);
    failures++;
  }
  /* same picture, other stride and other garbage: bit-identical */
  if (timg_restride (&t, &t2, c->pad + 7, seed ^ 0x5a5a5a5au) == 0) {
    if (nn_preprocess (pp, &t2.img, roi, out2, NULL, &err) != NN_OK
        || memcmp (out, out2, n * sizeof (float)) != 0) {
      printf ("FAIL %s: padding changes the result\n", what);
      failures++;
    }
    timg_free (&t2);
  }
  for (int i = 0; i < 4; i++) {
    if (out[n + i] != CANARY || out2[n + i] != CANARY) {
      printf ("FAIL %s: wrote past the tensor\n", what);
      failures++;
      break;
    }
  }
done:
  nn_preprocessor_free (pp);
  free (out);
  free (out2);
  free (ref);
  timg_free (&t);
}

static config
base (nn_pixel_format f, int w, int h, int ow, int oh, nn_color color)
{
  config c;
  memset (&c, 0, sizeof c);
  c.format = f;
  c.w = w;
  c.h = h;
  nn_preprocess_params_init (&c.p, ow, oh, color);
  return c;
}

/* Every format x colour x filter x mode at awkward sizes. */
static void
test_grid (void)
{
  static const int sizes[][4] = {
    { 1, 1, 1, 1 },     { 1, 1, 5, 3 },     { 3, 5, 2, 2 },
    { 3, 5, 7, 4 },     { 5, 3, 3, 5 },     { 17, 9, 5, 5 },
    { 64, 48, 28, 28 }, { 33, 65, 16, 24 }, { 2, 1, 1, 2 },
  };
  uint32_t seed = 1;
  for (int f = 0; f < NN_PIX_N_FORMATS; f++)
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
      for (int color = 0; color < 3; color++)
        for (int interp = 0; interp < 2; interp++)
          for (int mode = 0; mode < 3; mode++) {
            config c = base (f, sizes[s][0], sizes[s][1], sizes[s][2],
                             sizes[s][3], color);
            c.p.interp = interp;
            c.p.mode = mode;
            c.pad = (int)(s % 3) * 5;
            c.matrix = (s & 1) ? NN_YUV_BT709 : NN_YUV_BT601;
            c.full_range = (s >> 1) & 1;
            c.p.pad_value = 114.0f;
            run (&c, seed++);
          }
}

/* Random everything, including regions partly outside the picture. */
static void
test_random (int iterations)
{
  uint32_t s = 2024;
  for (int i = 0; i < iterations; i++) {
    config c = base (t_rand_range (&s, 0, NN_PIX_N_FORMATS - 1),
                     t_rand_range (&s, 1, 70), t_rand_range (&s, 1, 70),
                     t_rand_range (&s, 1, 40), t_rand_range (&s, 1, 40),
                     t_rand_range (&s, 0, 2));
    c.pad = t_rand_range (&s, 0, 9);
    c.matrix = t_rand_range (&s, 0, 1);
    c.full_range = t_rand_range (&s, 0, 1);
    c.p.interp = t_rand_range (&s, 0, 1);
    c.p.mode = t_rand_range (&s, 0, 2);
    c.p.scale = t_rand_range (&s, 0, 1) ? 1.0f / 255.0f : 1.0f / 127.5f;
    c.p.pad_value = (float)t_rand_range (&s, 0, 255);
    for (int k = 0; k < 3; k++) {
      c.p.mean[k] = t_rand_range (&s, 0, 100) / 100.0f;
      c.p.std[k] = t_rand_range (&s, 10, 100) / 100.0f;
    }
    if (t_rand_range (&s, 0, 2) > 0) {
      c.has_roi = 1;
      c.roi.x = t_rand_range (&s, -5, c.w - 1);
      c.roi.y = t_rand_range (&s, -5, c.h - 1);
      /* ends inside or beyond the picture, never empty after clipping */
      int minw = c.roi.x < 0 ? 1 - c.roi.x : 1;
      int minh = c.roi.y < 0 ? 1 - c.roi.y : 1;
      c.roi.width = t_rand_range (&s, minw, minw + c.w + 3);
      c.roi.height = t_rand_range (&s, minh, minh + c.h + 3);
    }
    run (&c, s);
  }
}

/* Regions touching each border and corner; 1-pixel regions. */
static void
test_border_rois (void)
{
  static const nn_pixel_format fmts[]
      = { NN_PIX_NV12, NN_PIX_I420, NN_PIX_YUY2, NN_PIX_BGRX, NN_PIX_RGB };
  static const nn_rect rois[] = {
    { 0, 0, 4, 4 },       { 27, 0, 4, 4 },  { 0, 15, 4, 4 },
    { 27, 15, 4, 4 },     { 30, 18, 1, 1 }, { -3, -3, 5, 5 },
    { 25, 13, 50, 50 },   { 0, 0, 31, 19 }, { 1, 1, 1, 17 },
    { -100, 3, 1000, 2 }, { 29, 0, 2, 19 },
  };
  uint32_t seed = 99;
  for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
    for (size_t r = 0; r < sizeof rois / sizeof rois[0]; r++)
      for (int interp = 0; interp < 2; interp++) {
        config c = base (fmts[f], 31, 19, 6, 5, NN_COLOR_RGB);
        c.p.interp = interp;
        c.p.mode = (int)(r % 3);
        c.has_roi = 1;
        c.roi = rois[r];
        c.pad = 3;
        run (&c, seed++);
      }
}

/* Camera sizes with odd dimensions, down to model sizes. */
static void
test_large (void)
{
  static const nn_pixel_format fmts[]
      = { NN_PIX_NV12, NN_PIX_I420, NN_PIX_NV21, NN_PIX_YV12, NN_PIX_YUY2,
          NN_PIX_UYVY, NN_PIX_BGRX, NN_PIX_RGB,  NN_PIX_GRAY8 };
  uint32_t seed = 7;
  for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
    for (int interp = 0; interp < 2; interp++) {
      config c = base (fmts[f], 1921, 1081, 28, 28, NN_COLOR_GRAY);
      c.p.interp = interp;
      c.pad = 13;
      run (&c, seed++);
      c = base (fmts[f], 1921, 1081, 96, 64, NN_COLOR_RGB);
      c.p.interp = interp;
      c.p.mode = interp ? NN_RESIZE_CENTER_CROP : NN_RESIZE_LETTERBOX;
      c.matrix = NN_YUV_BT709;
      run (&c, seed++);
    }
  }
  config c = base (NN_PIX_NV12, 1921, 1081, 224, 224, NN_COLOR_RGB);
  run (&c, seed++);
}

/* Letterbox and centre-crop geometry, checked by hand. */
static void
test_geometry (void)
{
  static const struct {
    int w, h, ow, oh, mode;
    nn_rect placed;
  } g[] = {
    { 1920, 1080, 224, 224, NN_RESIZE_LETTERBOX, { 0, 49, 224, 126 } },
    { 1080, 1920, 224, 224, NN_RESIZE_LETTERBOX, { 49, 0, 126, 224 } },
    { 100, 100, 30, 20, NN_RESIZE_LETTERBOX, { 5, 0, 20, 20 } },
    { 1000, 1, 10, 10, NN_RESIZE_LETTERBOX, { 0, 4, 10, 1 } },
    { 1920, 1080, 224, 224, NN_RESIZE_CENTER_CROP, { 0, 0, 224, 224 } },
    { 7, 7, 3, 3, NN_RESIZE_STRETCH, { 0, 0, 3, 3 } },
  };
  for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
    nn_preprocess_params p;
    nn_preprocessor *pp = NULL;
    nn_rect placed;
    test_image t;
    nn_preprocess_params_init (&p, g[i].ow, g[i].oh, NN_COLOR_GRAY);
    p.mode = g[i].mode;
    float *out = malloc (sizeof (float) * g[i].ow * g[i].oh);
    checks++;
    if (timg_alloc (&t, NN_PIX_GRAY8, g[i].w, g[i].h, 0, 5) != 0
        || nn_preprocessor_create (&p, g[i].w, g[i].h, &pp, NULL) != NN_OK
        || nn_preprocess (pp, &t.img, NULL, out, &placed, NULL) != NN_OK
        || memcmp (&placed, &g[i].placed, sizeof placed) != 0) {
      printf ("FAIL geometry case %zu\n", i);
      failures++;
    }
    nn_preprocessor_free (pp);
    timg_free (&t);
    free (out);
  }
}

/* A 1:1 stretch with scale 1, mean 0, std 1 returns the pixels. */
static void
test_identity (void)
{
  config c = base (NN_PIX_RGB, 13, 7, 13, 7, NN_COLOR_BGR);
  test_image t;
  nn_preprocessor *pp = NULL;
  float out[3 * 13 * 7];
  checks++;
  c.p.scale = 1.0f;
  timg_alloc (&t, c.format, c.w, c.h, 1, 3);
  if (nn_preprocessor_create (&c.p, 13, 7, &pp, NULL) != NN_OK
      || nn_preprocess (pp, &t.img, NULL, out, NULL, NULL) != NN_OK) {
    printf ("FAIL identity: error\n");
    failures++;
  } else {
    for (int y = 0; y < 7; y++)
      for (int x = 0; x < 13; x++)
        for (int k = 0; k < 3; k++) {
          uint8_t v = t.img.planes[0][y * t.img.strides[0] + 3 * x + 2 - k];
          if (out[(k * 7 + y) * 13 + x] != v) {
            printf ("FAIL identity at %d,%d,%d\n", x, y, k);
            failures++;
            y = 7, x = 13, k = 3;
          }
        }
  }
  nn_preprocessor_free (pp);
  timg_free (&t);
}

int
main (int argc, char **argv)
{
  test_identity ();
  test_geometry ();
  test_grid ();
  test_border_rois ();
  test_random (argc > 1 ? atoi (argv[1]) : 1500);
  test_large ();
  printf ("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
