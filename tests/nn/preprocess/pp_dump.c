/* Runs nn_preprocess on a raw picture file and writes the tensor, for the
 * comparison with OpenCV in test_opencv.py.
 *
 *   pp_dump FORMAT W H OUT_W OUT_H COLOR MODE INTERP MATRIX FULL IN OUT
 *           [X Y W H]
 *
 * FORMAT is GStreamer's name (NV12, BGRx...); COLOR GRAY|RGB|BGR; MODE
 * stretch|letterbox|center-crop; INTERP bilinear|area; MATRIX 601|709;
 * FULL 0|1. IN holds the planes one after the other, rows packed, chroma
 * sizes rounded up (YV12: Y, V, U, as in memory). OUT receives C x H x W
 * float32; the placed rectangle is printed as "x y w h". */
#include "nn/preprocess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
pick (const char *s, const char *const *names, int n)
{
  for (int i = 0; i < n; i++)
    if (strcmp (s, names[i]) == 0)
      return i;
  fprintf (stderr, "unknown value '%s'\n", s);
  exit (2);
}

int
main (int argc, char **argv)
{
  static const char *const colors[] = { "GRAY", "RGB", "BGR" };
  static const char *const modes[] = { "stretch", "letterbox", "center-crop" };
  static const char *const interps[] = { "bilinear", "area" };
  if (argc != 13 && argc != 17) {
    fprintf (stderr, "usage: see the comment in pp_dump.c\n");
    return 2;
  }
  int f = nn_pixel_format_from_name (argv[1]);
  int w = atoi (argv[2]), h = atoi (argv[3]);
  nn_preprocess_params p;
  nn_preprocess_params_init (&p, atoi (argv[4]), atoi (argv[5]),
                             pick (argv[6], colors, 3));
  p.mode = pick (argv[7], modes, 3);
  p.interp = pick (argv[8], interps, 2);
  if (f < 0 || w < 1 || h < 1)
    return 2;

  nn_image img = { 0 };
  img.format = f;
  img.width = w;
  img.height = h;
  img.matrix = strcmp (argv[9], "709") == 0 ? NN_YUV_BT709 : NN_YUV_BT601;
  img.full_range = atoi (argv[10]);

  FILE *in = fopen (argv[11], "rb");
  if (!in)
    return 2;
  fseek (in, 0, SEEK_END);
  long size = ftell (in);
  rewind (in);
  uint8_t *buf = malloc (size > 0 ? size : 1);
  if (!buf || fread (buf, 1, size, in) != (size_t)size)
    return 2;
  fclose (in);

  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  size_t ysz = (size_t)w * h;
  img.planes[0] = buf;
  switch (f) {
  case NN_PIX_GRAY8:
    img.strides[0] = w;
    break;
  case NN_PIX_RGB:
  case NN_PIX_BGR:
    img.strides[0] = 3 * w;
    break;
  case NN_PIX_I420:
  case NN_PIX_YV12: {
    const uint8_t *second = buf + ysz, *third = second + (size_t)cw * ch;
    img.strides[0] = w;
    img.strides[1] = img.strides[2] = cw;
    img.planes[1] = f == NN_PIX_I420 ? second : third;
    img.planes[2] = f == NN_PIX_I420 ? third : second;
    break;
  }
  case NN_PIX_NV12:
  case NN_PIX_NV21:
    img.strides[0] = w;
    img.planes[1] = buf + ysz;
    img.strides[1] = 2 * cw;
    break;
  case NN_PIX_YUY2:
  case NN_PIX_UYVY:
    img.strides[0] = 4 * cw;
    break;
  default:
    img.strides[0] = 4 * w;
    break;
  }

  nn_rect roi, placed;
  if (argc == 17)
    roi = (nn_rect){ atoi (argv[13]), atoi (argv[14]), atoi (argv[15]),
                     atoi (argv[16]) };
  nn_preprocessor *pp;
  nn_error err;
  if (nn_preprocessor_create (&p, w, h, &pp, &err) != NN_OK
      || nn_preprocess (pp, &img, argc == 17 ? &roi : NULL, NULL, NULL, &err)
             == NN_OK) {
    fprintf (stderr, "expected a NULL output to fail\n");
    return 1;
  }
  size_t n = (size_t)nn_preprocessor_channels (pp) * p.out_width * p.out_height;
  float *out = malloc (n * sizeof (float));
  if (!out
      || nn_preprocess (pp, &img, argc == 17 ? &roi : NULL, out, &placed, &err)
             != NN_OK) {
    fprintf (stderr, "%s\n", err.message);
    return 1;
  }
  FILE *o = fopen (argv[12], "wb");
  if (!o || fwrite (out, sizeof (float), n, o) != n || fclose (o) != 0)
    return 2;
  printf ("%d %d %d %d\n", placed.x, placed.y, placed.width, placed.height);
  nn_preprocessor_free (pp);
  free (out);
  free (buf);
  return 0;
}
