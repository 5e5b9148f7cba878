/* One smooth picture in all 17 formats gives the same tensor, up to what
 * 8-bit YUV and chroma subsampling lose on a smooth picture. */
#include "ppref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 97 /* odd on purpose: half chroma blocks */
#define H 61

/* Against the RGB source, in output units (scale 1/255). The picture's
 * chroma changes by at most ~4.5 levels a pixel; a pixel takes its block's
 * average chroma from at most ~0.7 pixel away (~3.2 levels), which the
 * matrix amplifies by up to 2 (1 - Kb) = 1.86 (~6 levels), plus 8-bit
 * rounding of Y, U and V (~1 level): under 7.5 levels. */
#define TOL_YUV (7.5 / 255)
#define TOL_GRAY8 (1.0 / 255) /* luma of rounded RGB vs rounded luma */
#define TOL_RGB 1e-6          /* lossless repacking */

static int failures, checks;

static void
smooth (double x, double y, double c[3])
{
  c[0] = 128 + 90 * sin (x * 0.05 + y * 0.03);
  c[1] = 128 + 90 * cos (x * 0.04 - y * 0.02);
  c[2] = 128 + 80 * sin ((x + y) * 0.03 + 1.0);
}

static void
smooth_gray (double x, double y, double c[3])
{
  c[0] = c[1] = c[2] = 128 + 100 * sin (x * 0.05) * cos (y * 0.04);
}

static int
is_yuv (nn_pixel_format f)
{
  return f >= NN_PIX_I420;
}

static int
convert (nn_pixel_format f, rgb_fn fn, nn_yuv_matrix m, int full,
         const nn_preprocess_params *p, float *out)
{
  test_image t;
  nn_preprocessor *pp = NULL;
  nn_error err = { 0 };
  if (timg_alloc (&t, f, W, H, 5, 11) != 0)
    return -1;
  t.img.matrix = m;
  t.img.full_range = full;
  timg_paint (&t, fn);
  int rc = nn_preprocessor_create (p, W, H, &pp, &err) == NN_OK
                   && nn_preprocess (pp, &t.img, NULL, out, NULL, &err) == NN_OK
               ? 0
               : -1;
  if (rc)
    printf ("error: %s\n", err.message);
  nn_preprocessor_free (pp);
  timg_free (&t);
  return rc;
}

/* All formats against `ref_format`; skip: formats that cannot hold the
 * picture (GRAY8 for colour). */
static void
compare_all (const char *what, rgb_fn fn, nn_color color, int with_gray8,
             nn_yuv_matrix m, int full, const nn_preprocess_params *base)
{
  nn_preprocess_params p = *base;
  p.color = color;
  int C = color == NN_COLOR_GRAY ? 1 : 3;
  size_t n = (size_t)C * p.out_width * p.out_height;
  float *ref = malloc (n * sizeof (float)), *out = malloc (n * sizeof (float));
  if (convert (NN_PIX_RGB, fn, m, full, &p, ref) != 0) {
    failures++;
    goto done;
  }
  for (int f = 0; f < NN_PIX_N_FORMATS; f++) {
    if (f == NN_PIX_GRAY8 && !with_gray8)
      continue;
    checks++;
    if (convert (f, fn, m, full, &p, out) != 0) {
      failures++;
      continue;
    }
    double d = max_abs_diff_ff (out, ref, n);
    double tol = is_yuv (f)          ? TOL_YUV
                 : f == NN_PIX_GRAY8 ? TOL_GRAY8 + 1e-6
                                     : TOL_RGB;
    if (!(d <= tol)) {
      printf ("FAIL %s %s %s: max |diff| %g > %g\n", what,
              nn_pixel_format_name (f), full ? "full" : "limited", d, tol);
      failures++;
    }
  }
done:
  free (ref);
  free (out);
}

static void
checker (double x, double y, double c[3])
{
  int odd = ((int)x + (int)y) % 2;
  c[0] = odd ? 255 : 0;
  c[1] = 0;
  c[2] = odd ? 0 : 255;
}

/* Non-smooth content must differ: the tolerance above is not vacuous. A
 * 1-pixel red/blue checkerboard loses its colour in 4:2:0. */
static void
test_tolerance_bites (void)
{
  nn_preprocess_params p;
  nn_preprocess_params_init (&p, W, H, NN_COLOR_RGB);
  size_t n = 3 * W * H;
  float *a = malloc (n * sizeof (float)), *b = malloc (n * sizeof (float));
  checks++;
  if (convert (NN_PIX_RGB, checker, NN_YUV_BT601, 1, &p, a) != 0
      || convert (NN_PIX_NV12, checker, NN_YUV_BT601, 1, &p, b) != 0
      || !(max_abs_diff_ff (a, b, n) > 10 * TOL_YUV)) {
    printf ("FAIL tolerance check: the checkerboard survives 4:2:0\n");
    failures++;
  }
  free (a);
  free (b);
}

int
main (void)
{
  static const struct {
    int ow, oh, mode, interp;
  } outs[] = {
    { W, H, NN_RESIZE_STRETCH, NN_INTERP_BILINEAR },
    { 28, 20, NN_RESIZE_STRETCH, NN_INTERP_BILINEAR },
    { 28, 28, NN_RESIZE_LETTERBOX, NN_INTERP_AREA },
    { 24, 24, NN_RESIZE_CENTER_CROP, NN_INTERP_BILINEAR },
    { 150, 90, NN_RESIZE_STRETCH, NN_INTERP_AREA },
  };
  for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
    nn_preprocess_params p;
    nn_preprocess_params_init (&p, outs[i].ow, outs[i].oh, NN_COLOR_RGB);
    p.mode = outs[i].mode;
    p.interp = outs[i].interp;
    for (int m = 0; m < 2; m++)
      for (int full = 0; full < 2; full++) {
        compare_all ("colour/RGB", smooth, NN_COLOR_RGB, 0, m, full, &p);
        compare_all ("colour/BGR", smooth, NN_COLOR_BGR, 0, m, full, &p);
        compare_all ("gray picture/RGB", smooth_gray, NN_COLOR_RGB, 1, m, full,
                     &p);
      }
    /* gray from YUV is luma: the same as BT.601 weights only under the
     * BT.601 matrix */
    for (int full = 0; full < 2; full++)
      compare_all ("colour/GRAY", smooth, NN_COLOR_GRAY, 1, NN_YUV_BT601, full,
                   &p);
  }
  test_tolerance_bites ();
  printf ("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
