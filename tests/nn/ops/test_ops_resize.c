/* Resize in every coordinate transformation mode, nearest rounding mode and
 * interpolation (nearest, linear, cubic with and without exclude_outside,
 * another cubic_coeff_a), tf_crop_and_resize's roi and extrapolation
 * value, opset 10's Resize and Upsample, against a separable loop written
 * here from the ONNX definition; and Resize's validation rules. */
#include "harness.h"

#include <math.h>
#include <string.h>

static nn_pool *pool2;
static int cases;

static const char *const coords[]
    = { "half_pixel",          "pytorch_half_pixel",   "align_corners",
        "asymmetric",          "tf_half_pixel_for_nn", "tf_crop_and_resize",
        "half_pixel_symmetric" };
static const char *const nearests[]
    = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };
enum { NEAREST, LINEAR, CUBIC };

typedef struct axis_map {
  int taps;
  int idx[64][4];
  double w[64][4];
  bool outside[64];
} axis_map;

static double
original (int coord, double x, double scale, double out, double in, double r0,
          double r1)
{
  switch (coord) {
  case 0:
    return (x + 0.5) / scale - 0.5;
  case 1:
    return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  case 2:
    return out == 1 ? 0.0 : x * (in - 1) / (out - 1);
  case 3:
    return x / scale;
  case 4:
    return (x + 0.5) / scale;
  case 5:
    return out > 1 ? r0 * (in - 1) + x * (r1 - r0) * (in - 1) / (out - 1)
                   : 0.5 * (r0 + r1) * (in - 1);
  default: {
    double adj = out / (scale * in), center = in / 2.0;
    return center * (1.0 - adj) + (x + 0.5) / scale - 0.5;
  }
  }
}

static double
cubic_w (double d, double a)
{
  d = fabs (d);
  if (d <= 1.0)
    return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2.0)
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0.0;
}

static int
clampi (int i, int n)
{
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static void
map_axis (axis_map *m, int interp, int coord, int nearest, double a,
          bool exclude, int in, int out, double scale, double r0, double r1)
{
  m->taps = interp == NEAREST ? 1 : interp == LINEAR ? 2 : 4;
  for (int o = 0; o < out; o++) {
    double x = original (coord, o, scale, out, in, r0, r1);
    m->outside[o] = coord == 5 && (x < 0 || x > in - 1);
    if (interp == NEAREST) {
      double f = floor (x), r;
      switch (nearest) {
      case 0:
        r = x - f == 0.5 ? f : round (x);
        break;
      case 1:
        r = x - f == 0.5 ? f + 1 : round (x);
        break;
      case 2:
        r = f;
        break;
      default:
        r = ceil (x);
        break;
      }
      m->idx[o][0] = clampi ((int)r, in);
      m->w[o][0] = 1.0;
    } else if (interp == LINEAR) {
      double c = x < 0 ? 0 : x > in - 1 ? in - 1 : x, f = floor (c);
      m->idx[o][0] = (int)f;
      m->idx[o][1] = clampi ((int)f + 1, in);
      m->w[o][0] = 1.0 - (c - f);
      m->w[o][1] = c - f;
    } else {
      double f = floor (x), sum = 0.0;
      for (int k = 0; k < 4; k++) {
        int i = (int)f - 1 + k;
        double w = cubic_w (x - i, a);
        if (exclude && (i < 0 || i >= in))
          w = 0.0;
        m->idx[o][k] = clampi (i, in);
        m->w[o][k] = w;
        sum += w;
      }
      for (int k = 0; exclude && k < 4; k++)
        m->w[o][k] /= sum;
    }
  }
}

typedef struct rcase {
  int interp, coord, nearest;
  int h, w, oh, ow;
  double sh, sw; /* scales (0: given by sizes) */
  double cubic_a;
  bool exclude;
  float extrap;
  double roi[4]; /* h0, w0, h1, w1 for tf_crop_and_resize */
} rcase;

static void
check_resize (th_node *t, const rcase *c, const char *what)
{
  static axis_map mh, mw;
  double sh = c->sh > 0 ? c->sh : (double)c->oh / c->h,
         sw = c->sw > 0 ? c->sw : (double)c->ow / c->w;
  map_axis (&mh, c->interp, c->coord, c->nearest, c->cubic_a, c->exclude, c->h,
            c->oh, sh, c->roi[0], c->roi[2]);
  map_axis (&mw, c->interp, c->coord, c->nearest, c->cubic_a, c->exclude, c->w,
            c->ow, sw, c->roi[1], c->roi[3]);
  float *x = th_data (t, t->in[0]);
  for (int i = 0; i < c->h * c->w; i++)
    x[i] = (float)((i * 7) % 11) - 3.f + 0.25f * (float)i;
  const nn_value *y = t->out[0];
  TH_CHECK (y->ndim == 4 && y->dims[2] == c->oh && y->dims[3] == c->ow,
            "%s: output %lldx%lld, expected %dx%d", what, (long long)y->dims[2],
            (long long)y->dims[3], c->oh, c->ow);
  if (y->count != (size_t)(c->oh * c->ow))
    return;
  for (int pass = 0; pass < 3; pass++) {
    th_run (t, pass == 2 ? pool2 : NULL, pass == 0);
    const float *out = th_data (t, y);
    double worst = 0.0;
    int at = -1;
    for (int i = 0; i < c->oh; i++)
      for (int j = 0; j < c->ow; j++) {
        double want = 0.0;
        if (mh.outside[i] || mw.outside[j])
          want = c->extrap;
        else
          for (int a = 0; a < mh.taps; a++)
            for (int b = 0; b < mw.taps; b++)
              want += mh.w[i][a] * mw.w[j][b]
                      * x[mh.idx[i][a] * c->w + mw.idx[j][b]];
        double e
            = fabs (out[i * c->ow + j] - want) / (1e-5 + 1e-5 * fabs (want));
        if (!(e <= worst)) {
          worst = e;
          at = i * c->ow + j;
        }
      }
    TH_CHECK (worst <= 1.0, "%s (pass %d): off by %.3g tolerances at %d", what,
              pass, worst, at);
  }
}

static void
resize_case (const rcase *c, int opset)
{
  th_node t;
  nn_error err = { 0 };
  char what[160];
  static const char *const modes[] = { "nearest", "linear", "cubic" };
  snprintf (what, sizeof what, "Resize %d %s %s %s%s a %g %dx%d -> %dx%d",
            opset, modes[c->interp], coords[c->coord], nearests[c->nearest],
            c->exclude ? " exclude_outside" : "", c->cubic_a, c->h, c->w, c->oh,
            c->ow);
  th_init (&t, "Resize", opset);
  th_input (&t, 4, D (1, 1, c->h, c->w));
  if (opset >= 11) {
    if (c->coord == 5)
      th_const (&t, 1, D (8),
                (const float[]){ 0, 0, (float)c->roi[0], (float)c->roi[1], 1, 1,
                                 (float)c->roi[2], (float)c->roi[3] });
    else
      th_omit (&t);
  }
  if (c->sh > 0) {
    th_const (&t, 1, D (4),
              (const float[]){ 1, 1, (float)c->sh, (float)c->sw });
  } else {
    th_omit (&t);
    th_const_i64 (&t, 1, D (4), D (1, 1, c->oh, c->ow));
  }
  th_output (&t);
  th_attr_string (&t, "mode", modes[c->interp]);
  th_attr_string (&t, "coordinate_transformation_mode", coords[c->coord]);
  th_attr_string (&t, "nearest_mode", nearests[c->nearest]);
  if (c->interp == CUBIC) {
    th_attr_float (&t, "cubic_coeff_a", (float)c->cubic_a);
    th_attr_int (&t, "exclude_outside", c->exclude);
  }
  if (c->coord == 5)
    th_attr_float (&t, "extrapolation_value", c->extrap);
  cases++;
  if (th_plan (&t, &err) != NN_OK)
    TH_CHECK (0, "%s: plan failed: %s", what, err.message);
  else
    check_resize (&t, c, what);
  th_free (&t);
}

static void
mode_cases (void)
{
  /* the first two by scales exact in binary (1.5, 2.5; 0.5, 0.5), so that
   * rounding ties stay ties; the others by sizes */
  static const int shapes[][4] = { { 4, 2, 6, 5 },
                                   { 6, 4, 3, 2 },
                                   { 3, 4, 7, 9 },
                                   { 4, 4, 1, 6 },
                                   { 1, 3, 2, 5 } };
  for (int interp = 0; interp < 3; interp++)
    for (int coord = 0; coord < 7; coord++)
      for (int s = 0; s < 5; s++) {
        int n_near = interp == NEAREST ? 4 : 1;
        for (int nm = 0; nm < n_near; nm++) {
          rcase c = { .interp = interp,
                      .coord = coord,
                      .nearest = nm,
                      .h = shapes[s][0],
                      .w = shapes[s][1],
                      .oh = shapes[s][2],
                      .ow = shapes[s][3],
                      .cubic_a = s % 2 ? -0.5 : -0.75,
                      .exclude = s >= 3,
                      .extrap = -7.5f,
                      .roi = { 0.2, -0.3, 0.9, 1.4 } };
          if (s < 2) {
            c.sh = (double)c.oh / c.h;
            c.sw = (double)c.ow / c.w;
          }
          resize_case (&c, 13);
          if (coord == 3 && interp != CUBIC && s < 2)
            resize_case (&c, 10);
        }
      }
}

/* Upsample (opsets 7 and 9) and Resize 10: asymmetric, floor. */
static void
upsample_cases (void)
{
  for (int opset = 7; opset <= 9; opset += 2)
    for (int linear = 0; linear < 2; linear++) {
      th_node t;
      nn_error err = { 0 };
      char what[64];
      rcase c = { .interp = linear ? LINEAR : NEAREST,
                  .coord = 3,
                  .nearest = 2,
                  .h = 3,
                  .w = 2,
                  .oh = 6,
                  .ow = 6,
                  .sh = 2.0,
                  .sw = 3.0 };
      snprintf (what, sizeof what, "Upsample %d %s", opset,
                linear ? "linear" : "nearest");
      th_init (&t, "Upsample", opset);
      th_input (&t, 4, D (1, 1, 3, 2));
      if (opset >= 9)
        th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 3 });
      else
        th_attr_ints (&t, "scales", 0, NULL);
      th_output (&t);
      th_attr_string (&t, "mode", linear ? "linear" : "nearest");
      cases++;
      if (opset < 9) {
        /* scales is a list of floats: set it by hand */
        nn_attr *a = NULL;
        for (int i = 0; i < t.node.n_attrs; i++)
          if (strcmp (t.attrs[i].name, "scales") == 0)
            a = &t.attrs[i];
        static const float sc[4] = { 1, 1, 2, 3 };
        a->type = NN_ATTR_FLOATS;
        a->floats = sc;
        a->n = 4;
      }
      if (th_plan (&t, &err) != NN_OK)
        TH_CHECK (0, "%s: plan failed: %s", what, err.message);
      else
        check_resize (&t, &c, what);
      th_free (&t);
    }
}

/* Opset 18: sizes for axes 2 and 3 only, under each aspect ratio policy:
 * one scale for both axes, the smaller (not_larger) or the larger
 * (not_smaller) of sizes / input, outputs rounded. */
static void
policy_cases (void)
{
  static const char *const policies[] = { "not_larger", "not_smaller" };
  for (int p = 0; p < 2; p++)
    for (int interp = 0; interp < 2; interp++) {
      th_node t;
      nn_error err = { 0 };
      char what[64];
      /* (3, 4) to sizes (6, 10): scales 2 and 2.5 */
      double sc = p == 0 ? 2.0 : 2.5;
      rcase c = { .interp = interp,
                  .coord = 0,
                  .h = 3,
                  .w = 4,
                  .oh = p == 0 ? 6 : 8,
                  .ow = p == 0 ? 8 : 10,
                  .sh = sc,
                  .sw = sc };
      snprintf (what, sizeof what, "Resize 18 %s %s", policies[p],
                interp ? "linear" : "nearest");
      th_init (&t, "Resize", 18);
      th_input (&t, 4, D (1, 1, 3, 4));
      th_omit (&t);
      th_omit (&t);
      th_const_i64 (&t, 1, D (2), D (6, 10));
      th_output (&t);
      th_attr_ints (&t, "axes", 2, D (2, -1));
      th_attr_string (&t, "mode", interp ? "linear" : "nearest");
      th_attr_string (&t, "keep_aspect_ratio_policy", policies[p]);
      cases++;
      if (th_plan (&t, &err) != NN_OK)
        TH_CHECK (0, "%s: plan failed: %s", what, err.message);
      else
        check_resize (&t, &c, what);
      th_free (&t);
    }
}

static void
negative_cases (void)
{
  th_node t;
  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_const (&t, 1, D (2), (const float[]){ 0, 1 });
  th_const (&t, 1, D (2), (const float[]){ 2, 2 });
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (2, 3));
  th_attr_string (&t, "coordinate_transformation_mode", "tf_crop_and_resize");
  EXPECT (&t, NN_BAD_MODEL, "roi has 2 values for 2 axes", "roi too short");

  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_omit (&t);
  th_const (&t, 1, D (2), (const float[]){ 2, 2 });
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (3, -1));
  EXPECT (&t, NN_BAD_MODEL, "axis 3 is listed twice", "axis listed twice");

  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_omit (&t);
  th_const (&t, 1, D (2), (const float[]){ 2, 2 });
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (2, 4));
  EXPECT (&t, NN_BAD_MODEL, "axes value", "axis out of range");

  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_omit (&t);
  th_omit (&t);
  th_const_i64 (&t, 1, D (4), D (1, 1, -2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "size -2 on axis 2 is negative", "negative size");

  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_omit (&t);
  th_input (&t, 1, D (4));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "scales", "scales not constant");

  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_omit (&t);
  th_const_i64 (&t, 1, D (4), D (1, 1, 2, 2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "must be float", "integer scales");

  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_const (&t, 1, D (17), (const float[17]){ 0 });
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "at most 16 make sense", "roi too long");

  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, INFINITY, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "scale inf", "infinite scale");

  th_init (&t, "Resize", 10);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "input", "Resize 10 without scales");

  th_init (&t, "Upsample", 9);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_const (&t, 1, D (3), (const float[]){ 1, 2, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "scales has 3 values for an input of rank 4",
          "Upsample scales count");

  th_init (&t, "Upsample", 9);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  th_attr_string (&t, "mode", "cubic");
  EXPECT (&t, NN_BAD_MODEL, "'mode' has unknown value 'cubic'",
          "Upsample cubic");

  th_init (&t, "Upsample", 9);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_input (&t, 1, D (4));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "must be a constant",
          "Upsample scales not constant");

  th_init (&t, "Upsample", 9);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_const (&t, 1, D (4), (const float[]){ 1, 1, NAN, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Upsample scales are >= 1", "Upsample NaN scale");
}

int
main (void)
{
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 2;
  }
  mode_cases ();
  upsample_cases ();
  policy_cases ();
  negative_cases ();
  nn_pool_free (pool2);
  printf ("resize: %d cases, %d negatives, %d checks, %d failures\n", cases,
          th_negatives, th_checks, th_failures);
  return th_failures ? 1 : 0;
}
