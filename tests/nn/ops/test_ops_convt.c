/* ConvTranspose's padding forms that the differential tests leave out
 * (output_shape in both its forms, SAME_UPPER, SAME_LOWER, VALID) and the
 * 1-D form, against the scatter loop of the ONNX definition: input
 * position i with kernel tap k lands on output i * stride + k * dilation -
 * pad_begin. */
#include "harness.h"

#include <math.h>
#include <string.h>

static nn_pool *pool2;
static int cases;

typedef struct ccase {
  const char *what;
  int nsp;         /* 1 or 2 spatial axes */
  int64_t c, m, g; /* input channels, output channels, groups */
  int64_t in[2], k[2];
  int64_t st[2], dil[2];
  const char *auto_pad; /* NULL: none */
  int nos;              /* output_shape values given (0: none) */
  int64_t oshape[4];
  int64_t want_out[2]; /* expected spatial output */
  int64_t want_pad[2]; /* expected begin pads */
} ccase;

static void
run_case (const ccase *cc, uint64_t *seed)
{
  th_node t;
  nn_error err = { 0 };
  int nsp = cc->nsp;
  int64_t xd[4] = { 1, cc->c, cc->in[0], cc->in[1] };
  int64_t wd[4] = { cc->c, cc->m / cc->g, cc->k[0], cc->k[1] };
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 2 + nsp, xd);
  th_input (&t, 2 + nsp, wd);
  th_input (&t, 1, D (cc->m));
  th_output (&t);
  th_attr_ints (&t, "strides", nsp, cc->st);
  th_attr_ints (&t, "dilations", nsp, cc->dil);
  th_attr_int (&t, "group", cc->g);
  if (cc->auto_pad)
    th_attr_string (&t, "auto_pad", cc->auto_pad);
  if (cc->nos)
    th_attr_ints (&t, "output_shape", cc->nos, cc->oshape);
  cases++;
  if (th_plan (&t, &err) != NN_OK) {
    TH_CHECK (0, "%s: plan failed: %s", cc->what, err.message);
    th_free (&t);
    return;
  }
  const nn_value *y = t.out[0];
  int64_t oh = nsp == 2 ? cc->want_out[0] : 1;
  int64_t ow = cc->want_out[nsp - 1];
  int64_t ih = nsp == 2 ? cc->in[0] : 1, iw = cc->in[nsp - 1];
  int64_t kh = nsp == 2 ? cc->k[0] : 1, kw = cc->k[nsp - 1];
  int64_t sh = nsp == 2 ? cc->st[0] : 1, sw = cc->st[nsp - 1];
  int64_t dh = nsp == 2 ? cc->dil[0] : 1, dw = cc->dil[nsp - 1];
  int64_t pt = nsp == 2 ? cc->want_pad[0] : 0, pl = cc->want_pad[nsp - 1];
  bool shape_ok = y->ndim == 2 + nsp && y->dims[1] == cc->m
                  && y->dims[y->ndim - 1] == ow
                  && (nsp == 1 || y->dims[2] == oh);
  TH_CHECK (shape_ok, "%s: output shape wrong (last axis %lld, expected %lld)",
            cc->what, (long long)y->dims[y->ndim - 1], (long long)ow);
  if (!shape_ok) {
    th_free (&t);
    return;
  }
  th_fill_inputs (&t, seed);
  const float *x = th_data (&t, t.in[0]), *w = th_data (&t, t.in[1]),
              *b = th_data (&t, t.in[2]);
  static double want[4096];
  int64_t mg = cc->m / cc->g, cg = cc->c / cc->g;
  for (int64_t oc = 0; oc < cc->m; oc++)
    for (int64_t i = 0; i < oh * ow; i++)
      want[oc * oh * ow + i] = b[oc];
  for (int64_t ic = 0; ic < cc->c; ic++) {
    int64_t grp = ic / cg;
    for (int64_t mm = 0; mm < mg; mm++) {
      int64_t oc = grp * mg + mm;
      for (int64_t iy = 0; iy < ih; iy++)
        for (int64_t ix = 0; ix < iw; ix++)
          for (int64_t ky = 0; ky < kh; ky++)
            for (int64_t kx = 0; kx < kw; kx++) {
              int64_t oy = iy * sh + ky * dh - pt, ox = ix * sw + kx * dw - pl;
              if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
                continue;
              want[(oc * oh + oy) * ow + ox]
                  += (double)x[(ic * ih + iy) * iw + ix]
                     * w[((ic * mg + mm) * kh + ky) * kw + kx];
            }
    }
  }
  for (int pass = 0; pass < 3; pass++) {
    th_run (&t, pass == 2 ? pool2 : NULL, pass == 0);
    const float *out = th_data (&t, y);
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < y->count; i++) {
      double e = fabs (out[i] - want[i]) / (1e-5 + 1e-5 * fabs (want[i]));
      if (!(e <= worst)) {
        worst = e;
        at = i;
      }
    }
    TH_CHECK (worst <= 1.0, "%s (pass %d): off by %.3g tolerances at %zu",
              cc->what, pass, worst, at);
  }
  th_free (&t);
}

int
main (void)
{
  uint64_t seed = 0xc0de7eedull;
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 2;
  }
  /* full = stride * (in - 1) + (k - 1) * dilation + 1; with output_shape
   * or SAME_*, total = full - out is split, the odd one at the end for
   * SAME_UPPER and at the start for SAME_LOWER */
  static const ccase cs[] = {
    { "SAME_UPPER stride 2",
      2,
      2,
      3,
      1,
      { 3, 4 },
      { 3, 2 },
      { 2, 2 },
      { 1, 1 },
      "SAME_UPPER",
      0,
      { 0 },
      { 6, 8 },
      { 0, 0 } },
    { "SAME_LOWER stride 2",
      2,
      2,
      3,
      1,
      { 3, 4 },
      { 3, 2 },
      { 2, 2 },
      { 1, 1 },
      "SAME_LOWER",
      0,
      { 0 },
      { 6, 8 },
      { 1, 0 } },
    { "SAME_LOWER dilation 2",
      2,
      4,
      2,
      2,
      { 3, 3 },
      { 3, 3 },
      { 1, 2 },
      { 2, 1 },
      "SAME_LOWER",
      0,
      { 0 },
      { 3, 6 },
      { 2, 1 } },
    { "output_shape spatial",
      2,
      2,
      2,
      1,
      { 3, 3 },
      { 3, 3 },
      { 2, 2 },
      { 1, 1 },
      NULL,
      2,
      { 5, 6 },
      { 5, 6 },
      { 1, 0 } },
    { "output_shape full rank, larger than full",
      2,
      2,
      2,
      1,
      { 2, 2 },
      { 2, 2 },
      { 2, 1 },
      { 1, 1 },
      NULL,
      4,
      { 1, 2, 6, 3 },
      { 6, 3 },
      { 0, 0 } },
    { "VALID",
      2,
      1,
      1,
      1,
      { 2, 3 },
      { 2, 2 },
      { 3, 1 },
      { 1, 2 },
      "VALID",
      0,
      { 0 },
      { 5, 5 },
      { 0, 0 } },
    { "1-D stride 3 dilation 2",
      1,
      3,
      4,
      1,
      { 5 },
      { 3 },
      { 3 },
      { 2 },
      NULL,
      0,
      { 0 },
      { 17 },
      { 0 } },
    { "1-D groups SAME_UPPER",
      1,
      4,
      6,
      2,
      { 4 },
      { 2 },
      { 2 },
      { 1 },
      "SAME_UPPER",
      0,
      { 0 },
      { 8 },
      { 0 } },
    { "1-D output_shape",
      1,
      2,
      2,
      1,
      { 4 },
      { 3 },
      { 2 },
      { 1 },
      NULL,
      1,
      { 7 },
      { 7 },
      { 1 } },
  };
  for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
    run_case (&cs[i], &seed);

  th_node t;
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 2, 3, 3));
  th_input (&t, 4, D (2, 2, 3, 3));
  th_output (&t);
  th_attr_ints (&t, "output_shape", 3, D (1, 5, 5));
  EXPECT (&t, NN_BAD_MODEL, "'output_shape' has 3 values",
          "output_shape of 3 values for 2 spatial axes");

  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 2, 3, 3));
  th_input (&t, 4, D (2, 2, 3, 3));
  th_output (&t);
  th_attr_string (&t, "auto_pad", "SAME");
  EXPECT (&t, NN_BAD_MODEL, "'auto_pad' has unknown value 'SAME'",
          "auto_pad SAME");

  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 2, 3, 3));
  th_input (&t, 4, D (2, 2, 3, 3));
  th_output (&t);
  th_attr_ints (&t, "kernel_shape", 2, D (3, 2));
  EXPECT (&t, NN_BAD_MODEL, "kernel_shape", "kernel_shape against W");

  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 2, 3, 3));
  th_input (&t, 4, D (2, 2, 3, 3));
  th_output (&t);
  th_attr_ints (&t, "pads", 2, D (1, 1));
  EXPECT (&t, NN_BAD_MODEL, "pads", "pads of 2 values for 2 axes");

  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 2, 3, 3));
  th_input (&t, 3, D (2, 2, 3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "W", "W of another rank");

  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 2, 3, 3));
  th_input (&t, 4, D (2, 2, 3, 3));
  th_output (&t);
  th_attr_ints (&t, "dilations", 2, D (1, 0));
  EXPECT (&t, NN_BAD_MODEL, "dilation", "dilation 0");

  nn_pool_free (pool2);
  printf ("ConvTranspose: %d cases, %d negatives, %d checks, %d failures\n",
          cases, th_negatives, th_checks, th_failures);
  return th_failures ? 1 : 0;
}
