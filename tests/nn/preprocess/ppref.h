/* Test helpers for nn/preprocess: pictures in every pixel format, and a
 * naive double-precision reference of the whole conversion.
 *
 * The reference is written from the format descriptions (GStreamer's
 * video format docs) and the textbook formulas, not from nn/preprocess.c:
 * one source pixel at a time, coordinates in double, no tables. */
#ifndef PPREF_H
#define PPREF_H

#include "nn/preprocess.h"

#include <stdint.h>

typedef struct test_image {
  nn_image img;
  uint8_t *mem[3]; /* one allocation per plane, exact size */
  int rows[3], row_bytes[3];
} test_image;

/* Deterministic generator. */
uint32_t t_rand (uint32_t *state);
int t_rand_range (uint32_t *state, int lo, int hi); /* lo..hi */

/* Allocates the planes of a w x h picture; each row is followed by `pad`
 * bytes of garbage (stride = row bytes + pad). Samples are random. */
int timg_alloc (test_image *t, nn_pixel_format format, int w, int h, int pad,
                uint32_t seed);
/* Same picture again with a different padding (and different garbage). */
int timg_restride (const test_image *src, test_image *dst, int pad,
                   uint32_t seed);
void timg_free (test_image *t);

/* Fills the picture from an RGB function (0..255 doubles). YUV formats
 * get their chroma averaged over each 2x2 (4:2:0) or 2x1 (4:2:2) block,
 * using the image's matrix and range. */
typedef void (*rgb_fn) (double x, double y, double rgb[3]);
void timg_paint (test_image *t, rgb_fn fn);

/* Pixel (x, y) in 0..255 for `color` (GRAY: out[0] only), clamped. */
void ref_pixel (const nn_image *img, int x, int y, nn_color color,
                double out[3]);

/* The whole preprocessing in double precision. out: C x H x W. */
void ref_preprocess (const nn_preprocess_params *p, const nn_image *img,
                     const nn_rect *roi, double *out, nn_rect *placed);

/* Largest |a - b| over n values. */
double max_abs_diff_fd (const float *a, const double *b, size_t n);
double max_abs_diff_ff (const float *a, const float *b, size_t n);

#endif
