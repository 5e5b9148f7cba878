/* The activation kernel (nn_act_map) against naive formulas written here,
 * on the AVX-512 path (where the CPU has it), the AVX2 + FMA one and the
 * portable one.
 *
 * Oracles: Sigmoid (plain and gated, x * Sigmoid(x), as SiLU) and Tanh
 * are computed in double from the float input and compared in units in
 * the last place of the float result. The piecewise-linear activations
 * are computed in float by their defining formula and must match bit for
 * bit: both kernel paths make the same correctly rounded operations.
 *
 * Inputs: a sweep over the whole float range (every 4099th bit pattern,
 * NaNs included), random values where the curves bend, and the edges:
 * NaN, infinities, signed zeros, subnormals, the largest floats, and the
 * points where exp underflows or a clamp starts. Lengths 0 to 40 at every
 * alignment, in place and out of place: an element's result must not
 * depend on the length of the run or on where in it the element falls
 * (that is what keeps results the same on any thread count). */
#include "harness.h"
#include "kernels/packed.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tolerances, in ulps of the float result.
 * Sigmoid: the vector exp(-|x|) is within 3 ulp (a degree-5 polynomial on
 * |r| <= ln 2 / 2; glibc's expf within 1), then 1 + e, the quotient and,
 * when gated, the product by x each round once: 3 + 1 + 1 + 1 = 6, the
 * parts added without the damping (e / (1 + e) <= 1/2) that makes the
 * real error smaller.
 * Tanh: both paths call tanhf, which glibc documents within 2 ulp of the
 * correctly rounded result, itself within 1/2 ulp of the exact value.
 *
 * A gated Sigmoid whose Sigmoid is subnormal (x < -87.3) is held to
 * another rule: it must be x * s bit for bit, s the kernel's own Sigmoid,
 * as the unfused graph (Sigmoid, then Mul in float) computes it. Such an s
 * has few significant bits, and the product multiplies its error by |x|:
 * that is the graph's definition, not an error of the kernel. */
#define SIGMOID_ULPS 6.0
#define TANH_ULPS 2.5

typedef struct act_case {
  const char *name;
  nn_act act;
  bool exact; /* piecewise linear: bit for bit */
} act_case;

static const act_case cases[] = {
  { "Relu", { NN_ACT_RELU, 0.f, 0.f, false }, true },
  { "LeakyRelu 0.01", { NN_ACT_LEAKY_RELU, 0.01f, 0.f, false }, true },
  { "LeakyRelu -1.5", { NN_ACT_LEAKY_RELU, -1.5f, 0.f, false }, true },
  { "Clip 0..6", { NN_ACT_CLIP, 0.f, 6.f, false }, true },
  { "Clip -1..1", { NN_ACT_CLIP, -1.f, 1.f, false }, true },
  { "Clip 2..1 (min > max)", { NN_ACT_CLIP, 2.f, 1.f, false }, true },
  { "Clip open", { NN_ACT_CLIP, -FLT_MAX, FLT_MAX, false }, true },
  { "Sigmoid", { NN_ACT_SIGMOID, 0.f, 0.f, false }, false },
  { "Sigmoid gated (SiLU)", { NN_ACT_SIGMOID, 0.f, 0.f, true }, false },
  { "HardSigmoid 0.2 0.5", { NN_ACT_HARD_SIGMOID, 0.2f, 0.5f, false }, true },
  { "HardSigmoid gated 1/6 0.5",
    { NN_ACT_HARD_SIGMOID, 1.f / 6.f, 0.5f, true },
    true },
  { "HardSwish", { NN_ACT_HARD_SWISH, 0.f, 0.f, false }, true },
  { "Tanh", { NN_ACT_TANH, 0.f, 0.f, false }, false },
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* The piecewise-linear ones, in float, as the operators define them. */
static float
naive_exact (const nn_act *a, float x)
{
  float h;
  switch (a->type) {
  case NN_ACT_RELU:
    return x > 0.f ? x : 0.f; /* NaN gives 0: max(x, 0) as written */
  case NN_ACT_LEAKY_RELU:
    return x >= 0.f ? x : x * a->alpha;
  case NN_ACT_CLIP:
    h = x < a->alpha ? a->alpha : x;
    return h > a->beta ? a->beta : h;
  case NN_ACT_HARD_SIGMOID:
    h = a->alpha * x + a->beta;
    h = fminf (fmaxf (h, 0.f), 1.f);
    if (isnan (a->alpha * x + a->beta))
      h = NAN;
    return a->gate ? x * h : h;
  case NN_ACT_HARD_SWISH:
    h = x / 6.f + 0.5f;
    h = fminf (fmaxf (h, 0.f), 1.f);
    if (isnan (x))
      h = NAN;
    return x * h;
  default:
    return NAN;
  }
}

/* The others, in double. */
static double
naive_double (const nn_act *a, float xf)
{
  double x = xf;
  if (a->type == NN_ACT_TANH)
    return tanh (x);
  double s = 1.0 / (1.0 + exp (-x));
  return a->gate ? x * s : s;
}

/* |got - want| in ulps of the float nearest want; infinite when one is
 * NaN and the other not, or an infinity is missed. */
static double
ulp_error (float got, double want)
{
  if (isnan (want) || isnan (got))
    return isnan (want) && isnan (got) ? 0.0 : INFINITY;
  if (isinf (want) || isinf (got))
    return (double)got == want ? 0.0 : INFINITY;
  int e;
  frexp (want, &e);
  double ulp = ldexp (1.0, e - 24);
  if (ulp < 0x1p-149)
    ulp = 0x1p-149;
  return fabs ((double)got - want) / ulp;
}

static uint32_t
bits (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static float
from_bits (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

/* The inputs: edges, the sweep, then random values in [-24, 24). */
static float *
make_inputs (size_t *n_out)
{
  static const float edges[] = {
    NAN,      -NAN,      INFINITY,   -INFINITY,   0.f,        -0.f,
    1e-40f,   -1e-40f,   0x1p-149f,  -0x1p-149f,  FLT_MIN,    -FLT_MIN,
    FLT_MAX,  -FLT_MAX,  1e30f,      -1e30f,      1e10f,      -1e10f,
    104.f,    -104.f,    103.9f,     -103.9f,     100.f,      -100.f,
    88.72f,   -88.72f,   88.3f,      -88.3f,      87.33f,     -87.33f,
    20.f,     -20.f,     17.f,       -17.f,       9.f,        -9.f,
    6.f,      -6.f,      3.f,        -3.f,        2.5f,       -2.5f,
    1.f,      -1.f,      0.5f,       -0.5f,       1e-7f,      -1e-7f,
    0x1p-24f, -0x1p-24f, 3.0000002f, -3.0000002f, 2.9999998f, -2.9999998f,
  };
  const size_t n_edges = sizeof edges / sizeof edges[0];
  const size_t step = 4099, n_sweep = (size_t)(0x100000000ull / step) + 1;
  const size_t n_rand = 200000;
  size_t n = n_edges + n_sweep + n_rand, k = 0;
  float *x = malloc (n * sizeof *x);
  uint64_t seed = 20261205;
  if (!x)
    exit (2);
  for (size_t i = 0; i < n_edges; i++)
    x[k++] = edges[i];
  for (uint64_t u = 0; u < 0x100000000ull; u += step)
    x[k++] = from_bits ((uint32_t)u);
  for (size_t i = 0; i < n_rand; i++)
    x[k++] = 24.f * th_randf (&seed);
  *n_out = k;
  return x;
}

/* The whole input in one call against the oracle; returns the outputs. */
static float *
check_values (const act_case *c, const char *path, const float *x, size_t n)
{
  float *y = malloc (n * sizeof *y);
  if (!y)
    exit (2);
  nn_act_map (&c->act, y, x, n);
  float *s = NULL;
  if (c->act.gate) {
    nn_act plain = c->act;
    plain.gate = false;
    s = malloc (n * sizeof *s);
    if (!s)
      exit (2);
    nn_act_map (&plain, s, x, n);
  }
  size_t not_product = 0;
  double worst = 0.0,
         bound = c->act.type == NN_ACT_TANH ? TANH_ULPS : SIGMOID_ULPS;
  size_t at = 0, bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (c->exact) {
      float want = naive_exact (&c->act, x[i]);
      bool ok = isnan (want) ? isnan (y[i]) : bits (y[i]) == bits (want);
      if (!ok && bad++ < 3)
        TH_CHECK (ok, "%s (%s): f(%.9g) = %.9g, want %.9g", c->name, path, x[i],
                  y[i], want);
    } else {
      if (s) {
        float want = x[i] * s[i];
        not_product
            += isnan (want) ? !isnan (y[i]) : bits (y[i]) != bits (want);
        if (!(fabsf (s[i]) >= FLT_MIN))
          continue;
      }
      double e = ulp_error (y[i], naive_double (&c->act, x[i]));
      if (e > worst || isnan (e)) {
        worst = e;
        at = i;
      }
    }
  }
  if (s)
    TH_CHECK (not_product == 0,
              "%s (%s): %zu values are not x times the kernel's own f(x)",
              c->name, path, not_product);
  free (s);
  if (c->exact)
    TH_CHECK (bad == 0, "%s (%s): %zu of %zu values differ", c->name, path, bad,
              n);
  else {
    TH_CHECK (worst <= bound, "%s (%s): %.2f ulp at x = %.9g (%.9g, want %.9g)",
              c->name, path, worst, x[at], y[at],
              naive_double (&c->act, x[at]));
    printf ("%-26s %-8s worst %.2f ulp (bound %.1f)\n", c->name, path, worst,
            bound);
  }
  return y;
}

/* Every length 0..40 at every alignment 0..8, in place and out of place,
 * and the whole input cut in uneven pieces: each element as in `whole`. */
static void
check_splits (const act_case *c, const char *path, const float *x,
              const float *whole, size_t n)
{
  float buf[64], out[64];
  int bad = 0;
  for (size_t len = 0; len <= 40; len++)
    for (size_t off = 0; off <= 8; off++) {
      /* Values from the edges and the sweep, shifted so that each length
       * sees others. */
      size_t src = (len * 9 + off) * 7919 % (n - 64);
      memcpy (buf + off, x + src, len * sizeof (float));
      for (size_t i = 0; i < 64; i++)
        out[i] = -7.f;
      nn_act_map (&c->act, out + off, buf + off, len);
      nn_act_apply (&c->act, buf + off, len);
      for (size_t i = 0; i < 64; i++) {
        bool inside = i >= off && i < off + len;
        if (!inside) {
          bad += out[i] != -7.f;
          continue;
        }
        uint32_t want = bits (whole[src + i - off]);
        bad += bits (out[i]) != want || bits (buf[i]) != want;
      }
    }
  TH_CHECK (bad == 0,
            "%s (%s): %d elements change with the run's length or "
            "alignment, or a write strays",
            c->name, path, bad);

  /* The whole input in pieces of 1, 2, ..., 17 floats. */
  float *y = malloc (n * sizeof *y);
  if (!y)
    exit (2);
  size_t i = 0, piece = 1;
  while (i < n) {
    size_t m = n - i < piece ? n - i : piece;
    nn_act_map (&c->act, y + i, x + i, m);
    i += m;
    piece = piece % 17 + 1;
  }
  TH_CHECK (memcmp (y, whole, n * sizeof *y) == 0,
            "%s (%s): pieces differ from one run", c->name, path);
  free (y);
}

int
main (void)
{
  size_t n;
  float *x = make_inputs (&n);
  float *by_path[3][N_CASES];
  static const char *paths[] = { "avx512", "avx2", "portable" };

  nn_kernels_generic = 0;
  bool have_avx2 = nn_kernels_avx2 ();
  if (!have_avx2)
    printf ("no AVX2 + FMA on this CPU: all runs take the portable path\n");
  if (!nn_kernels_avx512 ())
    printf ("no AVX-512 on this CPU: its run takes the AVX2 path\n");
  for (int p = 0; p < 3; p++) {
    nn_kernels_no_avx512 = p != 0;
    nn_kernels_generic = p == 2;
    for (size_t c = 0; c < N_CASES; c++) {
      by_path[p][c] = check_values (&cases[c], paths[p], x, n);
      check_splits (&cases[c], paths[p], x, by_path[p][c], n);
    }
  }
  nn_kernels_generic = nn_kernels_no_avx512 = 0;
  /* AVX-512 and AVX2 make the same operations on every activation, the
   * portable path only on the piecewise-linear ones and Tanh: where they
   * do, they agree bit for bit (any NaN for a NaN). */
  for (size_t c = 0; c < N_CASES; c++) {
    for (int p = 0; p < 2; p++) {
      if (p == 1 && !cases[c].exact && cases[c].act.type != NN_ACT_TANH)
        continue;
      size_t bad = 0;
      for (size_t i = 0; i < n; i++)
        bad += bits (by_path[p][c][i]) != bits (by_path[p + 1][c][i])
               && !(isnan (by_path[p][c][i]) && isnan (by_path[p + 1][c][i]));
      TH_CHECK (bad == 0, "%s: %zu values differ between the %s and %s paths",
                cases[c].name, bad, paths[p], paths[p + 1]);
    }
    for (int p = 0; p < 3; p++)
      free (by_path[p][c]);
  }

  /* NONE copies, or leaves an in-place run alone. */
  {
    const nn_act none = { NN_ACT_NONE, 0.f, 0.f, false };
    float a[11], b[11];
    for (int i = 0; i < 11; i++)
      a[i] = (float)i - 5.5f;
    nn_act_map (&none, b, a, 11);
    TH_CHECK (memcmp (a, b, sizeof a) == 0, "NONE copies");
    nn_act_apply (&none, a, 11);
    TH_CHECK (memcmp (a, b, sizeof a) == 0, "NONE in place changes nothing");
  }
  free (x);
  printf ("act: %d checks, %d failures\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}
