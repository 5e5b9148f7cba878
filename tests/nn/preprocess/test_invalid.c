/* One negative test per validation rule of nn/preprocess: the call fails
 * with NN_INVALID_ARG and a message, and writes nothing to the output. */
#include "ppref.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures, checks;

#define SENTINEL -7.0f

static void
expect_fail (const char *what, nn_status st, const nn_error *err)
{
  checks++;
  if (st != NN_INVALID_ARG || err->status != NN_INVALID_ARG
      || err->message[0] == '\0') {
    printf ("FAIL %s: status %d, message \"%s\"\n", what, (int)st,
            err->message);
    failures++;
  }
}

/* ---- parameters ---- */

typedef void (*mutate_params) (nn_preprocess_params *p);

#define PM(name, body)                                                         \
  static void name (nn_preprocess_params *p)                                   \
  {                                                                            \
    body;                                                                      \
  }
PM (w0, p->out_width = 0);
PM (h0, p->out_height = 0);
PM (wneg, p->out_width = -3);
PM (hneg, p->out_height = INT_MIN);
PM (wbig, p->out_width = 16385);
PM (hbig, p->out_height = INT_MAX);
PM (color_bad, p->color = (nn_color)3);
PM (color_neg, p->color = (nn_color)-1);
PM (mode_bad, p->mode = (nn_resize_mode)3);
PM (interp_bad, p->interp = (nn_interp)2);
PM (scale_nan, p->scale = NAN);
PM (scale_inf, p->scale = INFINITY);
PM (pad_nan, p->pad_value = NAN);
PM (pad_inf, p->pad_value = -INFINITY);
PM (std0_0, p->std[0] = 0.0f);
PM (std0_1, p->std[1] = 0.0f);
PM (std0_2, p->std[2] = -0.0f);
PM (std_nan, p->std[1] = NAN);
PM (std_inf, p->std[2] = INFINITY);
PM (mean_nan, p->mean[0] = NAN);
PM (mean_inf, p->mean[2] = -INFINITY);
PM (gain_overflow, p->scale = 1e30f; p->std[0] = 1e-30f);
#undef PM

static void
test_params (void)
{
  static const struct {
    const char *what;
    mutate_params fn;
  } cases[] = {
    { "width 0", w0 },          { "height 0", h0 },
    { "negative width", wneg }, { "INT_MIN height", hneg },
    { "width 16385", wbig },    { "INT_MAX height", hbig },
    { "colour 3", color_bad },  { "colour -1", color_neg },
    { "mode 3", mode_bad },     { "interp 2", interp_bad },
    { "scale NaN", scale_nan }, { "scale inf", scale_inf },
    { "pad NaN", pad_nan },     { "pad -inf", pad_inf },
    { "std[0] 0", std0_0 },     { "std[1] 0", std0_1 },
    { "std[2] -0", std0_2 },    { "std NaN", std_nan },
    { "std inf", std_inf },     { "mean NaN", mean_nan },
    { "mean -inf", mean_inf },  { "scale/std overflow", gain_overflow },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    nn_preprocess_params p;
    nn_preprocessor *pp = (nn_preprocessor *)&p; /* must be reset */
    nn_error err = { 0 };
    nn_preprocess_params_init (&p, 8, 8, NN_COLOR_RGB);
    cases[i].fn (&p);
    expect_fail (cases[i].what, nn_preprocessor_create (&p, 16, 16, &pp, &err),
                 &err);
    if (pp != NULL) {
      printf ("FAIL %s: *out not NULL\n", cases[i].what);
      failures++;
    }
  }

  static const int max[][2] = { { 0, 16 },  { 16, 0 },     { -1, 16 },
                                { 16, -5 }, { 65537, 16 }, { 16, INT_MAX } };
  for (size_t i = 0; i < sizeof max / sizeof max[0]; i++) {
    nn_preprocess_params p;
    nn_preprocessor *pp = NULL;
    nn_error err = { 0 };
    nn_preprocess_params_init (&p, 8, 8, NN_COLOR_RGB);
    expect_fail ("max source size",
                 nn_preprocessor_create (&p, max[i][0], max[i][1], &pp, &err),
                 &err);
  }
  nn_error err = { 0 };
  nn_preprocessor *pp = NULL;
  expect_fail ("NULL params", nn_preprocessor_create (NULL, 8, 8, &pp, &err),
               &err);
  nn_preprocess_params p;
  nn_preprocess_params_init (&p, 8, 8, NN_COLOR_RGB);
  memset (&err, 0, sizeof err);
  expect_fail ("NULL out", nn_preprocessor_create (&p, 8, 8, NULL, &err), &err);
}

/* ---- images ---- */

static nn_preprocessor *pp_rgb;
static float out[3 * 8 * 8];

/* Runs both nn_image_validate and nn_preprocess on a bad image. */
static void
expect_bad_image (const char *what, const nn_image *img, const nn_rect *roi)
{
  nn_error err = { 0 };
  if (!roi) {
    expect_fail (what, nn_image_validate (img, &err), &err);
    memset (&err, 0, sizeof err);
  }
  for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
    out[i] = SENTINEL;
  nn_rect placed = { 1, 2, 3, 4 };
  expect_fail (what, nn_preprocess (pp_rgb, img, roi, out, &placed, &err),
               &err);
  for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
    if (out[i] != SENTINEL) {
      printf ("FAIL %s: output written\n", what);
      failures++;
      break;
    }
  }
}

static void
test_images (void)
{
  char what[128];
  for (int f = 0; f < NN_PIX_N_FORMATS; f++) {
    test_image t;
    const char *name = nn_pixel_format_name (f);
    timg_alloc (&t, f, 5, 3, 0, 1);
    nn_image img;

    for (int p = 0; p < 3 && t.mem[p]; p++) {
      img = t.img;
      img.planes[p] = NULL;
      snprintf (what, sizeof what, "%s plane %d NULL", name, p);
      expect_bad_image (what, &img, NULL);

      /* odd width 5: chroma rows need 3 samples, not 2 */
      img = t.img;
      img.strides[p] = t.row_bytes[p] - 1;
      snprintf (what, sizeof what, "%s plane %d stride %d short", name, p,
                img.strides[p]);
      expect_bad_image (what, &img, NULL);

      img.strides[p] = -t.row_bytes[p];
      snprintf (what, sizeof what, "%s plane %d negative stride", name, p);
      expect_bad_image (what, &img, NULL);
    }
    static const int sizes[][2]
        = { { 0, 3 }, { 5, 0 }, { -1, 3 }, { 5, INT_MIN } };
    for (int s = 0; s < 4; s++) {
      img = t.img;
      img.width = sizes[s][0];
      img.height = sizes[s][1];
      snprintf (what, sizeof what, "%s size %dx%d", name, img.width,
                img.height);
      expect_bad_image (what, &img, NULL);
    }
    /* a width whose row cannot fit the stride type */
    img = t.img;
    img.width = INT_MAX;
    snprintf (what, sizeof what, "%s width INT_MAX", name);
    expect_bad_image (what, &img, NULL);

    img = t.img;
    img.matrix = (nn_yuv_matrix)2;
    snprintf (what, sizeof what, "%s matrix 2", name);
    expect_bad_image (what, &img, NULL);
    timg_free (&t);
  }

  test_image t;
  timg_alloc (&t, NN_PIX_NV12, 17, 9, 0, 1);
  static const int fmts[] = { -1, NN_PIX_N_FORMATS, 1000, INT_MIN };
  for (int i = 0; i < 4; i++) {
    nn_image img = t.img;
    img.format = (nn_pixel_format)fmts[i];
    snprintf (what, sizeof what, "format %d", fmts[i]);
    expect_bad_image (what, &img, NULL);
  }
  expect_bad_image ("NULL image", NULL, NULL);

  /* larger than the preprocessor was created for (16x16) */
  timg_free (&t);
  timg_alloc (&t, NN_PIX_GRAY8, 17, 16, 0, 1);
  expect_bad_image ("source 17 wide > 16", &t.img, &(nn_rect){ 0, 0, 4, 4 });
  timg_free (&t);
  timg_alloc (&t, NN_PIX_GRAY8, 16, 17, 0, 1);
  expect_bad_image ("source 17 high > 16", &t.img, &(nn_rect){ 0, 0, 4, 4 });
  timg_free (&t);

  /* regions empty after clipping to the 12x10 picture */
  timg_alloc (&t, NN_PIX_I420, 12, 10, 0, 1);
  static const nn_rect rois[] = {
    { 12, 0, 4, 4 },      { 0, 10, 4, 4 },      { -4, 0, 4, 4 },
    { 0, -4, 4, 4 },      { 3, 3, 0, 4 },       { 3, 3, 4, 0 },
    { 3, 3, -2, 4 },      { 3, 3, 4, -1 },      { INT_MAX, 0, INT_MAX, 1 },
    { INT_MIN, 0, 5, 5 }, { -20, -20, 10, 10 }, { 100, 100, 10, 10 },
  };
  for (size_t i = 0; i < sizeof rois / sizeof rois[0]; i++) {
    snprintf (what, sizeof what, "roi %d,%d %dx%d", rois[i].x, rois[i].y,
              rois[i].width, rois[i].height);
    expect_bad_image (what, &t.img, &rois[i]);
  }

  nn_error err = { 0 };
  expect_fail ("NULL preprocessor",
               nn_preprocess (NULL, &t.img, NULL, out, NULL, &err), &err);
  memset (&err, 0, sizeof err);
  expect_fail ("NULL output",
               nn_preprocess (pp_rgb, &t.img, NULL, NULL, NULL, &err), &err);
  timg_free (&t);
}

static void
test_names (void)
{
  checks += 5;
  if (nn_pixel_format_name ((nn_pixel_format)-1) != NULL
      || nn_pixel_format_name (NN_PIX_N_FORMATS) != NULL
      || nn_pixel_format_from_name ("nv12") != -1
      || nn_pixel_format_from_name ("") != -1
      || nn_pixel_format_from_name (NULL) != -1) {
    printf ("FAIL format names accept garbage\n");
    failures++;
  }
  for (int f = 0; f < NN_PIX_N_FORMATS; f++) {
    checks++;
    if (nn_pixel_format_from_name (nn_pixel_format_name (f)) != f) {
      printf ("FAIL format name round trip %d\n", f);
      failures++;
    }
  }
}

int
main (void)
{
  nn_preprocess_params p;
  nn_preprocess_params_init (&p, 8, 8, NN_COLOR_RGB);
  if (nn_preprocessor_create (&p, 16, 16, &pp_rgb, NULL) != NN_OK)
    return 1;
  /* nothing may crash with a NULL error either */
  nn_preprocess (pp_rgb, NULL, NULL, out, NULL, NULL);
  nn_preprocessor_create (NULL, 0, 0, NULL, NULL);
  nn_preprocessor_free (NULL);

  test_params ();
  test_images ();
  test_names ();
  nn_preprocessor_free (pp_rgb);
  printf ("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
