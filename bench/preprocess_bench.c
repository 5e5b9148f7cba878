/* Preprocessing cost per frame: camera-sized frames to model inputs.
 *
 *   preprocess_bench [iterations [case]]
 *
 * Prints the median and the fastest time of one nn_preprocess() call for
 * each case, in microseconds, on the calling thread. The first call of each
 * case is not timed (page faults in the output and the scratch). With a
 * case number only that case runs (for profilers).
 */
#include "nn/preprocess.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SRC_W 1920
#define SRC_H 1080

typedef struct bench_case {
  nn_pixel_format format;
  int out_w, out_h;
  nn_color color;
  nn_interp interp;
  nn_resize_mode mode;
} bench_case;

static const bench_case cases[] = {
  { NN_PIX_NV12, 224, 224, NN_COLOR_RGB, NN_INTERP_BILINEAR,
    NN_RESIZE_STRETCH },
  { NN_PIX_I420, 224, 224, NN_COLOR_RGB, NN_INTERP_BILINEAR,
    NN_RESIZE_STRETCH },
  { NN_PIX_NV12, 224, 224, NN_COLOR_RGB, NN_INTERP_BILINEAR,
    NN_RESIZE_LETTERBOX },
  { NN_PIX_NV12, 224, 224, NN_COLOR_BGR, NN_INTERP_BILINEAR,
    NN_RESIZE_CENTER_CROP },
  { NN_PIX_YUY2, 224, 224, NN_COLOR_RGB, NN_INTERP_BILINEAR,
    NN_RESIZE_STRETCH },
  { NN_PIX_BGRX, 224, 224, NN_COLOR_RGB, NN_INTERP_BILINEAR,
    NN_RESIZE_STRETCH },
  { NN_PIX_NV12, 28, 28, NN_COLOR_GRAY, NN_INTERP_BILINEAR, NN_RESIZE_STRETCH },
  { NN_PIX_I420, 28, 28, NN_COLOR_GRAY, NN_INTERP_BILINEAR, NN_RESIZE_STRETCH },
  { NN_PIX_NV12, 224, 224, NN_COLOR_RGB, NN_INTERP_AREA, NN_RESIZE_STRETCH },
  { NN_PIX_I420, 224, 224, NN_COLOR_RGB, NN_INTERP_AREA, NN_RESIZE_STRETCH },
  { NN_PIX_NV12, 28, 28, NN_COLOR_GRAY, NN_INTERP_AREA, NN_RESIZE_STRETCH },
  { NN_PIX_I420, 28, 28, NN_COLOR_GRAY, NN_INTERP_AREA, NN_RESIZE_STRETCH },
  /* after the others, so that case numbers given to profilers stay valid */
  { NN_PIX_YUY2, 28, 28, NN_COLOR_GRAY, NN_INTERP_BILINEAR, NN_RESIZE_STRETCH },
  { NN_PIX_BGRX, 28, 28, NN_COLOR_GRAY, NN_INTERP_BILINEAR, NN_RESIZE_STRETCH },
};

static const char *interp_name[] = { "bilinear", "area" };
static const char *mode_name[] = { "stretch", "letterbox", "center-crop" };
static const char *color_name[] = { "GRAY", "RGB", "BGR" };

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A frame with some structure, so no branch predictor or cache sees a
 * constant picture. Planes point into `buf`. */
static void
make_frame (nn_pixel_format format, uint8_t *buf, nn_image *img)
{
  memset (img, 0, sizeof (*img));
  img->format = format;
  img->width = SRC_W;
  img->height = SRC_H;
  img->matrix = NN_YUV_BT709;
  uint32_t s = 12345;
  size_t n = (size_t)SRC_W * SRC_H * 4;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    buf[i] = (uint8_t)((i % 251) + (s >> 28));
  }
  int cw = (SRC_W + 1) / 2;
  size_t ysize = (size_t)SRC_W * SRC_H;
  switch (format) {
  case NN_PIX_NV12:
    img->planes[0] = buf;
    img->strides[0] = SRC_W;
    img->planes[1] = buf + ysize;
    img->strides[1] = 2 * cw;
    break;
  case NN_PIX_I420:
    img->planes[0] = buf;
    img->strides[0] = SRC_W;
    img->planes[1] = buf + ysize;
    img->strides[1] = cw;
    img->planes[2] = buf + ysize + (size_t)cw * ((SRC_H + 1) / 2);
    img->strides[2] = cw;
    break;
  case NN_PIX_YUY2:
    img->planes[0] = buf;
    img->strides[0] = 4 * cw;
    break;
  default:
    img->planes[0] = buf;
    img->strides[0] = 4 * SRC_W;
    break;
  }
}

int
main (int argc, char **argv)
{
  int iters = argc > 1 ? atoi (argv[1]) : 300;
  int only = argc > 2 ? atoi (argv[2]) : -1;
  if (iters < 1)
    iters = 1;
  uint8_t *buf = malloc ((size_t)SRC_W * SRC_H * 4);
  float *out = malloc (sizeof (float) * 3 * 224 * 224);
  double *t = malloc (sizeof (double) * iters);
  if (!buf || !out || !t) {
    fprintf (stderr, "out of memory\n");
    return 1;
  }

  printf ("%dx%d source, %d iterations, one thread\n", SRC_W, SRC_H, iters);
  printf ("%-6s -> %-12s %-9s %-12s %10s %10s\n", "format", "output", "interp",
          "mode", "median us", "min us");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bench_case *bc = &cases[i];
    if (only >= 0 && (size_t)only != i)
      continue;
    nn_preprocess_params p;
    nn_preprocessor *pp;
    nn_image img;
    nn_error err = { 0 };

    nn_preprocess_params_init (&p, bc->out_w, bc->out_h, bc->color);
    p.interp = bc->interp;
    p.mode = bc->mode;
    if (nn_preprocessor_create (&p, SRC_W, SRC_H, &pp, &err) != NN_OK) {
      fprintf (stderr, "create: %s\n", err.message);
      return 1;
    }
    make_frame (bc->format, buf, &img);
    /* area reads every source pixel: fewer runs keep the bench short */
    int n = bc->interp == NN_INTERP_AREA ? (iters + 9) / 10 : iters;
    if (nn_preprocess (pp, &img, NULL, out, NULL, &err) != NN_OK) {
      fprintf (stderr, "preprocess: %s\n", err.message);
      return 1;
    }
    for (int k = 0; k < n; k++) {
      double t0 = now_us ();
      nn_preprocess (pp, &img, NULL, out, NULL, NULL);
      t[k] = now_us () - t0;
    }
    qsort (t, n, sizeof (double), cmp_double);
    char osz[32];
    snprintf (osz, sizeof osz, "%dx%dx%d %s", bc->out_w, bc->out_h,
              bc->color == NN_COLOR_GRAY ? 1 : 3, color_name[bc->color]);
    printf ("%-6s -> %-12s %-9s %-12s %10.1f %10.1f\n",
            nn_pixel_format_name (bc->format), osz, interp_name[bc->interp],
            mode_name[bc->mode], t[n / 2], t[0]);
    nn_preprocessor_free (pp);
  }
  free (t);
  free (out);
  free (buf);
  return 0;
}
