/* Differential test: every fast kernel against its naive reference on many
 * random shapes, on the calling thread and on a 2-thread pool. */
#include "harness.h"
#include "kernels/packed.h"
#include "ops/conv.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-4

static nn_pool *pool2;
static int conv_paths[CONV_WINOGRAD + 1];
static float *ref_buf, *one_buf;
static size_t buf_cap;
static int cases;
static int wide_checks; /* AVX-512 against AVX2 */

static void
ensure_bufs (size_t n)
{
  if (n <= buf_cap)
    return;
  free (ref_buf);
  free (one_buf);
  ref_buf = malloc (sizeof (float) * n);
  one_buf = malloc (sizeof (float) * n);
  buf_cap = n;
  if (!ref_buf || !one_buf)
    exit (2);
}

/* Random fused activation, as the planner would set after plan(): the
 * kinds the fast kernels apply in registers (Relu, Clip, and the others
 * through the vector activation), and Tanh, applied afterwards. */
static void
random_act (th_node *t, uint64_t *seed)
{
  if (!t->node.def->fuses_activation)
    return;
  switch (th_randint (seed, 0, 11)) {
  case 0:
  case 1:
    t->node.act = (nn_act){ NN_ACT_RELU, 0.f, 0.f, false };
    break;
  case 2:
  case 3:
    t->node.act = (nn_act){ NN_ACT_CLIP, 0.f, 6.f, false };
    break;
  case 4:
    t->node.act = (nn_act){ NN_ACT_SIGMOID, 0.f, 0.f, th_randint (seed, 0, 1) };
    break;
  case 5:
    t->node.act = (nn_act){ NN_ACT_HARD_SIGMOID, 1.f / 6.f, 0.5f,
                            th_randint (seed, 0, 1) };
    break;
  case 6:
    t->node.act = (nn_act){ NN_ACT_HARD_SWISH, 0.f, 0.f, false };
    break;
  case 7:
    t->node.act = (nn_act){ NN_ACT_LEAKY_RELU, 0.1f, 0.f, false };
    break;
  case 8:
    t->node.act = (nn_act){ NN_ACT_TANH, 0.f, 0.f, false };
    break;
  default:
    t->node.act = (nn_act){ NN_ACT_NONE, 0.f, 0.f, false };
    break;
  }
}

/* Plans t, runs the reference, then the fast kernels inline and on the
 * pool, and compares. scale is the typical magnitude of an output (for
 * the absolute part of the tolerance). exact: the two fast runs must agree
 * bit for bit. */
static void
check_node (th_node *t, uint64_t *seed, const char *what, double scale,
            bool exact)
{
  nn_error err = { 0 };
  nn_status s = th_plan (t, &err);
  cases++;
  TH_CHECK (s == NN_OK, "%s: plan failed: %s", what, err.message);
  if (s != NN_OK)
    return;
  random_act (t, seed);
  th_fill_inputs (t, seed);
  nn_value *y = t->out[0];
  ensure_bufs (y->count + 1);

  th_run (t, NULL, true);
  memcpy (ref_buf, th_data (t, y), sizeof (float) * y->count);
  th_run (t, NULL, false);
  memcpy (one_buf, th_data (t, y), sizeof (float) * y->count);
  size_t worst;
  double e
      = th_compare (one_buf, ref_buf, y->count, RTOL, RTOL * scale, &worst);
  TH_CHECK (e <= 1.0,
            "%s: fast vs reference off by %.3g tolerances at %zu "
            "(%g vs %g)",
            what, e, worst, one_buf[worst], ref_buf[worst]);

  /* On a CPU with AVX-512, its kernels and the AVX2 ones: the same FMAs
   * in the same order, so the same bits. */
  if (nn_kernels_avx512 ()) {
    nn_kernels_no_avx512 = 1;
    th_run (t, NULL, false);
    nn_kernels_no_avx512 = 0;
    wide_checks++;
    TH_CHECK (memcmp (th_data (t, y), one_buf, sizeof (float) * y->count) == 0,
              "%s: the AVX-512 and AVX2 kernels differ", what);
  }

  th_run (t, pool2, false);
  float *two = th_data (t, y);
  if (exact)
    TH_CHECK (memcmp (two, one_buf, sizeof (float) * y->count) == 0,
              "%s: 2 threads differ from 1 thread", what);
  else {
    e = th_compare (two, ref_buf, y->count, RTOL, RTOL * scale, &worst);
    TH_CHECK (e <= 1.0, "%s: 2 threads vs reference off by %.3g at %zu", what,
              e, worst);
  }
}

/* ---- Conv -------------------------------------------------------------- */

extern int nn_conv_wino_disabled, nn_conv_wino_forced, nn_kernels_generic;
extern int nn_conv_packed_family;

static void
conv_case_once (uint64_t *seed, const int *fixed, const char *mode)
{
  th_node t;
  char what[256];
  int nsp = th_randint (seed, 0, 4) == 0 ? 1 : 2;
  int kind = th_randint (seed, 0, 5);
  int group = kind == 4 ? 2 : kind == 5 ? 3 : 1;
  int cg = th_randint (seed, 1, 8), ocg = th_randint (seed, 1, 12);
  bool dw = th_randint (seed, 0, 3) == 0;
  int n = th_randint (seed, 1, 2);
  int64_t k[2], st[2], dil[2], pads[4], in[2];
  bool auto_pad = th_randint (seed, 0, 4) == 0;
  const char *ap = "NOTSET";

  if (dw) {
    cg = 1;
    group = th_randint (seed, 1, 16);
    ocg = th_randint (seed, 1, 2);
  }
  for (int i = 0; i < nsp; i++) {
    k[i] = th_randint (seed, 0, 2) ? 3 : th_randint (seed, 1, 5);
    st[i] = th_randint (seed, 0, 2) ? 1 : th_randint (seed, 1, 3);
    dil[i] = th_randint (seed, 0, 4) ? 1 : 2;
    int64_t eff = (k[i] - 1) * dil[i] + 1;
    pads[i] = th_randint (seed, 0, (int)eff - 1);
    pads[nsp + i] = th_randint (seed, 0, 2)
                        ? pads[i]
                        : th_randint (seed, 0, (int)eff - 1);
    in[i] = eff + th_randint (seed, 0, 20);
    /* Depthwise planes too large to stage take the other code path. */
    if (dw && th_randint (seed, 0, 3) == 0)
      in[i] = eff + th_randint (seed, 60, 100);
  }
  if (nsp == 2 && th_randint (seed, 0, 6) == 0) {
    /* Pointwise. */
    k[0] = k[1] = 1;
    st[0] = st[1] = dil[0] = dil[1] = 1;
    pads[0] = pads[1] = pads[2] = pads[3] = 0;
  }
  if (fixed) {
    /* n, c, oc, group, h, w, k, stride, pad */
    n = fixed[0];
    group = fixed[3];
    cg = fixed[1] / group;
    ocg = fixed[2] / group;
    nsp = 2;
    in[0] = fixed[4];
    in[1] = fixed[5];
    k[0] = k[1] = fixed[6];
    st[0] = st[1] = fixed[7];
    dil[0] = dil[1] = 1;
    pads[0] = pads[1] = pads[2] = pads[3] = fixed[8];
    auto_pad = false;
  }
  if (auto_pad) {
    static const char *modes[] = { "SAME_UPPER", "SAME_LOWER", "VALID" };
    ap = modes[th_randint (seed, 0, 2)];
  }
  int c = cg * group, oc = ocg * group;
  int64_t xd[4] = { n, c, in[0], nsp == 2 ? in[1] : 0 };
  int64_t wd[4] = { oc, cg, k[0], nsp == 2 ? k[1] : 0 };
  size_t wcount = (size_t)oc * cg * k[0] * (nsp == 2 ? k[1] : 1);
  float *w = malloc (sizeof (float) * wcount);
  float *bias = malloc (sizeof (float) * (size_t)oc);
  th_fill (w, wcount, seed);
  th_fill (bias, (size_t)oc, seed);
  bool wconst = th_randint (seed, 0, 4) != 0 || fixed;

  th_init (&t, "Conv", 11);
  th_input (&t, 2 + nsp, xd);
  if (wconst)
    th_const (&t, 2 + nsp, wd, w);
  else
    th_input (&t, 2 + nsp, wd);
  if (th_randint (seed, 0, 3) != 0) {
    int64_t bd[1] = { oc };
    th_const (&t, 1, bd, bias);
  }
  th_output (&t);
  if (group != 1 || th_randint (seed, 0, 1))
    th_attr_int (&t, "group", group);
  th_attr_ints (&t, "strides", nsp, st);
  th_attr_ints (&t, "dilations", nsp, dil);
  if (auto_pad)
    th_attr_string (&t, "auto_pad", ap);
  else
    th_attr_ints (&t, "pads", 2 * nsp, pads);
  snprintf (what, sizeof what,
            "Conv (%s) n%d c%d oc%d g%d in %lldx%lld "
            "k%lldx%lld s%lldx%lld d%lldx%lld p%lld,%lld,%lld,%lld %s%s",
            mode, n, c, oc, group, (long long)in[0],
            (long long)(nsp == 2 ? in[1] : 0), (long long)k[0],
            (long long)(nsp == 2 ? k[1] : 0), (long long)st[0],
            (long long)(nsp == 2 ? st[1] : 0), (long long)dil[0],
            (long long)(nsp == 2 ? dil[1] : 0), (long long)pads[0],
            (long long)pads[1], (long long)pads[2], (long long)pads[3], ap,
            wconst ? "" : " W-input");
  double kk = (double)cg * (double)k[0] * (double)(nsp == 2 ? k[1] : 1);
  /* Every path gives the same bits on any thread count. */
  check_node (&t, seed, what, sqrt (kk) + 1.0, true);
  if (t.node.params)
    conv_paths[((const conv_params *)t.node.params)->path]++;
  th_free (&t);
  free (w);
  free (bias);
}

/* The same random convolution on every path: the default choice,
 * Winograd wherever the shape allows it, each family of direct kernels
 * (nn_conv_packed_family: 1 vec_pos, 2 vec_oc, 3 vec_pos over the padded
 * rows where the stride is 1), and the portable C kernels. */
static void
conv_case (uint64_t *seed, const int *fixed)
{
  static const char *modes[] = { "default", "winograd",    "vec_pos",
                                 "vec_oc",  "padded-flat", "portable" };
  uint64_t start = *seed, s = start;
  for (int m = 0; m < 6; m++) {
    s = start;
    nn_conv_wino_forced = m == 1;
    nn_conv_wino_disabled = m >= 2;
    nn_conv_packed_family = m == 2 ? 1 : m == 3 ? 2 : m == 4 ? 3 : 0;
    nn_kernels_generic = m == 5;
    conv_case_once (&s, fixed, modes[m]);
  }
  nn_conv_wino_forced = nn_conv_wino_disabled = nn_conv_packed_family = 0;
  nn_kernels_generic = 0;
  *seed = s;
}

/* ---- Pools ------------------------------------------------------------- */

/* A random pool; stem: a 2-D 3x3 max pool of stride 2 (the stem pool of
 * many classifiers, which has a kernel of its own) on rows of any width,
 * with any pads and ceil_mode. */
static void
pool_case (uint64_t *seed, bool stem)
{
  th_node t;
  char what[200];
  bool is_max = stem || th_randint (seed, 0, 1);
  int nsp = stem || th_randint (seed, 0, 4) != 0 ? 2 : 1;
  int64_t k[2], st[2], dil[2] = { 1, 1 }, pads[4], in[2];
  bool ceil_mode = th_randint (seed, 0, 2) == 0;
  bool cip = th_randint (seed, 0, 1);
  int ap = th_randint (seed, 0, 5); /* 0..2: auto_pad modes */

  for (int i = 0; i < nsp; i++) {
    k[i] = th_randint (seed, 1, 4);
    st[i] = th_randint (seed, 1, 3);
    if (is_max && th_randint (seed, 0, 3) == 0)
      dil[i] = 2;
    int64_t eff = (k[i] - 1) * dil[i] + 1;
    pads[i] = th_randint (seed, 0, (int)eff - 1);
    pads[nsp + i] = th_randint (seed, 0, (int)eff - 1);
    in[i] = eff + th_randint (seed, 0, 15);
    if (stem) {
      k[i] = 3;
      st[i] = 2;
      dil[i] = 1;
      pads[i] = th_randint (seed, 0, 2);
      pads[nsp + i] = th_randint (seed, 0, 2);
      in[i] = 3 + th_randint (seed, 0, 40);
    }
  }
  int64_t xd[4] = { th_randint (seed, 1, 2), th_randint (seed, 1, 5), in[0],
                    nsp == 2 ? in[1] : 0 };
  th_init (&t, is_max ? "MaxPool" : "AveragePool", 12);
  th_input (&t, 2 + nsp, xd);
  th_output (&t);
  th_attr_ints (&t, "kernel_shape", nsp, k);
  th_attr_ints (&t, "strides", nsp, st);
  if (is_max)
    th_attr_ints (&t, "dilations", nsp, dil);
  else
    th_attr_int (&t, "count_include_pad", cip);
  th_attr_int (&t, "ceil_mode", ceil_mode);
  if (ap <= 2) {
    static const char *modes[] = { "SAME_UPPER", "SAME_LOWER", "VALID" };
    th_attr_string (&t, "auto_pad", modes[ap]);
  } else
    th_attr_ints (&t, "pads", 2 * nsp, pads);
  snprintf (what, sizeof what,
            "%s in %lldx%lld k%lldx%lld s%lldx%lld "
            "d%lldx%lld ceil %d cip %d ap %d",
            t.node.op_type, (long long)in[0], (long long)(nsp == 2 ? in[1] : 0),
            (long long)k[0], (long long)(nsp == 2 ? k[1] : 0), (long long)st[0],
            (long long)(nsp == 2 ? st[1] : 0), (long long)dil[0],
            (long long)dil[1], ceil_mode, cip, ap);
  check_node (&t, seed, what, 1.0, true);
  th_free (&t);
}

/* Windows far wider than their input: SAME padding lets a model ask for a
 * kernel of millions (the fuzzer found one of 2x16777215 that ran for
 * hours when every tap in the padding was visited). With a kernel at least
 * twice the input, every window covers the whole plane, so besides the
 * reference kernel each output has an oracle of its own: the plane's max,
 * or its mean (pads not counted). */
static void
huge_window_case (uint64_t *seed, bool is_max, int64_t k, const char *mode)
{
  th_node t;
  char what[160];
  int64_t h = th_randint (seed, 1, 9), w = th_randint (seed, 1, 40);
  int64_t xd[4] = { 1, 3, h, w }, ks[2] = { k, k };
  th_init (&t, is_max ? "MaxPool" : "AveragePool", 12);
  nn_value *x = th_input (&t, 4, xd);
  nn_value *y = th_output (&t);
  th_attr_ints (&t, "kernel_shape", 2, ks);
  th_attr_string (&t, "auto_pad", mode);
  snprintf (what, sizeof what, "%s in %lldx%lld k%lld %s", t.node.op_type,
            (long long)h, (long long)w, (long long)k, mode);
  check_node (&t, seed, what, 1.0, true);
  if (y->count == x->count) {
    const float *xs = th_data (&t, x), *ys = th_data (&t, y);
    int bad = 0;
    for (int64_t c = 0; c < 3; c++) {
      double acc = is_max ? -INFINITY : 0.0;
      for (int64_t i = 0; i < h * w; i++)
        acc = is_max ? fmax (acc, xs[c * h * w + i]) : acc + xs[c * h * w + i];
      if (!is_max)
        acc /= (double)(h * w);
      for (int64_t i = 0; i < h * w; i++)
        bad += fabs (ys[c * h * w + i] - acc) > 1e-5 * (1.0 + fabs (acc));
    }
    TH_CHECK (bad == 0, "%s: %d outputs are not the plane's %s", what, bad,
              is_max ? "max" : "mean");
  } else
    TH_CHECK (0, "%s: output %zu values, input %zu", what, y->count, x->count);
  th_free (&t);
}

static void
global_pool_case (uint64_t *seed)
{
  th_node t;
  bool is_max = th_randint (seed, 0, 1);
  int nd = th_randint (seed, 3, 5);
  int64_t d[5];
  for (int i = 0; i < nd; i++)
    d[i] = th_randint (seed, 1, i < 2 ? 6 : 17);
  th_init (&t, is_max ? "GlobalMaxPool" : "GlobalAveragePool", 1);
  th_input (&t, nd, d);
  th_output (&t);
  check_node (&t, seed, t.node.op_type, 1.0, true);
  th_free (&t);
}

/* ---- Gemm, MatMul ------------------------------------------------------ */

static void
gemm_case (uint64_t *seed)
{
  th_node t;
  char what[160];
  int m = th_randint (seed, 1, 70), n = th_randint (seed, 1, 70);
  int k = th_randint (seed, 1, 300);
  if (th_randint (seed, 0, 4) == 0)
    m = 1;
  bool ta = th_randint (seed, 0, 1), tb = th_randint (seed, 0, 1);
  bool bconst = th_randint (seed, 0, 2) != 0;
  int cmode = th_randint (seed, 0, 5);
  float alpha = th_randint (seed, 0, 1) ? 1.f : 0.5f + th_randf (seed);
  float beta = th_randint (seed, 0, 1) ? 1.f : th_randf (seed);
  int64_t ad[2] = { ta ? k : m, ta ? m : k },
          bd[2] = { tb ? n : k, tb ? k : n };
  size_t bcount = (size_t)k * n;
  float *b = malloc (sizeof (float) * bcount),
        *c = malloc (sizeof (float) * (size_t)m * n);
  th_fill (b, bcount, seed);
  th_fill (c, (size_t)m * n, seed);

  th_init (&t, "Gemm", 13);
  th_input (&t, 2, ad);
  if (bconst)
    th_const (&t, 2, bd, b);
  else
    th_input (&t, 2, bd);
  switch (cmode) {
  case 0:
    break;
  case 1: {
    int64_t cd[1] = { n };
    th_const (&t, 1, cd, c);
    break;
  }
  case 2: {
    int64_t cd[2] = { m, n };
    th_const (&t, 2, cd, c);
    break;
  }
  case 3: {
    int64_t cd[2] = { m, 1 };
    th_input (&t, 2, cd);
    break;
  }
  case 4: {
    th_const (&t, 0, NULL, c);
    break;
  }
  default: {
    int64_t cd[2] = { 1, n };
    th_input (&t, 2, cd);
    break;
  }
  }
  th_output (&t);
  th_attr_int (&t, "transA", ta);
  th_attr_int (&t, "transB", tb);
  th_attr_float (&t, "alpha", alpha);
  th_attr_float (&t, "beta", beta);
  snprintf (what, sizeof what, "Gemm %dx%dx%d ta%d tb%d C%d B%s", m, n, k, ta,
            tb, cmode, bconst ? "const" : "input");
  check_node (&t, seed, what, sqrt ((double)k) + 1.0, false);
  th_free (&t);
  free (b);
  free (c);
}

static void
matmul_case (uint64_t *seed)
{
  th_node t;
  char what[200];
  int m = th_randint (seed, 1, 40), n = th_randint (seed, 1, 40);
  int k = th_randint (seed, 1, 100);
  int ra = th_randint (seed, 1, 4), rb = th_randint (seed, 1, 4);
  int64_t ad[4], bd[4];
  /* Batch axes right-aligned with random broadcasting. */
  int nb = (ra > rb ? ra : rb) - 2;
  int64_t batch[2] = { th_randint (seed, 1, 3), th_randint (seed, 1, 3) };
  for (int i = 0; i < ra - 2; i++)
    ad[i] = th_randint (seed, 0, 2) ? batch[i + (nb - (ra - 2))] : 1;
  for (int i = 0; i < rb - 2; i++)
    bd[i] = th_randint (seed, 0, 2) ? batch[i + (nb - (rb - 2))] : 1;
  if (ra == 1)
    ad[0] = k;
  else {
    ad[ra - 2] = m;
    ad[ra - 1] = k;
  }
  if (rb == 1)
    bd[0] = k;
  else {
    bd[rb - 2] = k;
    bd[rb - 1] = n;
  }
  bool bconst = th_randint (seed, 0, 1);
  size_t bc = 1;
  for (int i = 0; i < rb; i++)
    bc *= (size_t)bd[i];
  float *b = malloc (sizeof (float) * bc);
  th_fill (b, bc, seed);
  th_init (&t, "MatMul", 13);
  th_input (&t, ra, ad);
  if (bconst)
    th_const (&t, rb, bd, b);
  else
    th_input (&t, rb, bd);
  th_output (&t);
  snprintf (what, sizeof what, "MatMul rank %d x %d, m%d n%d k%d B%s", ra, rb,
            m, n, k, bconst ? "const" : "input");
  check_node (&t, seed, what, sqrt ((double)k) + 1.0, false);
  th_free (&t);
  free (b);
}

/* ---- Broadcasting binary ops ------------------------------------------- */

static void
binary_case (uint64_t *seed)
{
  static const char *ops[] = { "Add", "Sub", "Mul", "Div" };
  th_node t;
  char what[160];
  int rank = th_randint (seed, 0, 5);
  int64_t full[5], ad[5], bd[5];
  for (int i = 0; i < rank; i++)
    full[i] = th_randint (seed, 1, 7);
  int ra = th_randint (seed, 0, rank), rb = th_randint (seed, 0, rank);
  if (th_randint (seed, 0, 1))
    ra = rank;
  else
    rb = rank;
  for (int i = 0; i < ra; i++)
    ad[i] = th_randint (seed, 0, 2) ? full[rank - ra + i] : 1;
  for (int i = 0; i < rb; i++)
    bd[i] = th_randint (seed, 0, 2) ? full[rank - rb + i] : 1;
  const char *op = ops[th_randint (seed, 0, 3)];
  th_init (&t, op, 14);
  th_input (&t, ra, ad);
  if (th_randint (seed, 0, 1)) {
    size_t bc = 1;
    for (int i = 0; i < rb; i++)
      bc *= (size_t)bd[i];
    float *b = malloc (sizeof (float) * bc);
    th_fill (b, bc, seed);
    /* Keep divisors away from zero. */
    for (size_t i = 0; i < bc; i++)
      b[i] = b[i] < 0 ? b[i] - 0.5f : b[i] + 0.5f;
    th_const (&t, rb, bd, b);
    free (b);
  } else
    th_input (&t, rb, bd);
  th_output (&t);
  snprintf (what, sizeof what, "%s rank %d (A rank %d, B rank %d)", op, rank,
            ra, rb);
  check_node (&t, seed, what, strcmp (op, "Div") == 0 ? 1e3 : 1.0, true);
  th_free (&t);
}

/* Image-sized operands, whose long rows two threads split by columns
 * (binary.c) when an operand was written so: the whole tensor, one value
 * per channel, a row or a column
 * broadcast, or a scalar, against a full (N, C, H, W) or (C, H, W) tensor
 * of 30000 or more values whose planes are 256 or more positions, rarely a
 * multiple of 16. */
static void
binary_plane_case (uint64_t *seed)
{
  static const char *ops[] = { "Add", "Sub", "Mul", "Div" };
  th_node t;
  char what[200];
  const int rank = th_randint (seed, 3, 4);
  int64_t full[4], other[4];
  full[0] = th_randint (seed, 1, 2);
  full[rank - 2] = th_randint (seed, 9, 40);
  full[rank - 1] = th_randint (seed, 256 / full[rank - 2] + 1, 45);
  /* enough channels for the work to be split (nn_op_task_count) */
  full[rank - 3]
      = 30000 / (full[rank - 2] * full[rank - 1]) + th_randint (seed, 1, 4);
  const int form = th_randint (seed, 0, 4);
  for (int i = 0; i < rank; i++)
    other[i] = form == 0   ? full[i]                       /* same shape */
               : form == 1 ? (i == rank - 3 ? full[i] : 1) /* per channel */
               : form == 2 ? (i == rank - 1 ? full[i] : 1) /* one row */
               : form == 3 ? (i == rank - 2 ? full[i] : 1) /* one column */
                           : 1;                            /* scalar */
  const bool swap = th_randint (seed, 0, 1);
  const char *op = ops[th_randint (seed, 0, 3)];
  th_init (&t, op, 14);
  th_input (&t, rank, swap ? other : full);
  th_input (&t, rank, swap ? full : other);
  /* as if a packed convolution had written an operand: by positions */
  const int by_positions = th_randint (seed, 0, 2);
  if (by_positions < 2)
    t.in[by_positions]->by_positions = true;
  th_output (&t);
  snprintf (what, sizeof what,
            "%s on planes of %" PRId64 "x%" PRId64 " (form %d%s%s)", op,
            full[rank - 2], full[rank - 1], form, swap ? ", swapped" : "",
            by_positions < 2 ? ", by positions" : "");
  check_node (&t, seed, what, 1e3, true);
  th_free (&t);
}

/* ---- Softmax ----------------------------------------------------------- */

static void
softmax_case (uint64_t *seed)
{
  th_node t;
  char what[120];
  int rank = th_randint (seed, 1, 4);
  int64_t d[4];
  for (int i = 0; i < rank; i++)
    d[i] = th_randint (seed, 1, 9);
  bool log = th_randint (seed, 0, 1);
  int opset = th_randint (seed, 0, 1) ? 11 : 13;
  int axis = th_randint (seed, -rank, rank - 1);
  th_init (&t, log ? "LogSoftmax" : "Softmax", opset);
  th_input (&t, rank, d);
  th_output (&t);
  th_attr_int (&t, "axis", axis);
  snprintf (what, sizeof what, "%s opset %d rank %d axis %d", t.node.op_type,
            opset, rank, axis);
  check_node (&t, seed, what, 1.0, true);
  th_free (&t);
}

/* ---- ReduceMean (reference mode takes the general path) ------------- */

static void
reduce_mean_case (uint64_t *seed)
{
  th_node t;
  char what[120];
  int rank = th_randint (seed, 1, 5), n = 0;
  int64_t d[5], axes[5];
  for (int i = 0; i < rank; i++) {
    d[i] = th_randint (seed, 1, 6);
    if (th_randint (seed, 0, 1))
      axes[n++] = th_randint (seed, 0, 1) ? i : i - rank;
  }
  bool keep = th_randint (seed, 0, 1);
  th_init (&t, "ReduceMean", 13);
  th_input (&t, rank, d);
  th_output (&t);
  if (n > 0)
    th_attr_ints (&t, "axes", n, axes);
  th_attr_int (&t, "keepdims", keep);
  snprintf (what, sizeof what, "ReduceMean rank %d, %d axes, keepdims %d", rank,
            n, keep);
  check_node (&t, seed, what, 1.0, true);
  th_free (&t);
}

int
main (void)
{
  uint64_t seed = 12345;
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 1;
  }
  /* Shapes that matter: the seed CNN, ResNet and MobileNet layers, then
   * (the last four rows) few rows or positions for the threads: smaller
   * position chunks, and output channels split into groups when the
   * weights outweigh the input (uneven groups, padding, stride); last,
   * depthwise layers: 5x5, a plane smaller than the kernel, planes of
   * several bands, stride 2 next to stride 1, a multiplier, one row. */
  static const int fixed[][9] = {
    { 1, 1, 32, 1, 28, 28, 3, 1, 0 },
    { 1, 32, 64, 1, 13, 13, 3, 1, 0 },
    { 1, 64, 64, 1, 5, 5, 3, 1, 0 },
    { 1, 3, 64, 1, 56, 56, 7, 2, 3 },
    { 1, 64, 64, 1, 28, 28, 3, 1, 1 },
    { 1, 64, 128, 1, 28, 28, 3, 2, 1 },
    /* 49 positions (a one-row last tile) over 4 panels, the last partial,
     * and K past both vec_oc blocks of k: the wide AVX-512 vec_oc form */
    { 1, 40, 50, 1, 7, 7, 3, 1, 1 },
    { 1, 30, 64, 1, 9, 9, 3, 1, 0 },
    { 1, 128, 256, 1, 14, 14, 1, 2, 0 },
    { 1, 256, 512, 1, 7, 7, 3, 1, 1 },
    { 2, 96, 24, 1, 28, 28, 1, 1, 0 },
    { 1, 32, 32, 32, 56, 56, 3, 1, 1 },
    { 1, 144, 144, 144, 28, 28, 3, 2, 1 },
    { 1, 320, 1280, 1, 7, 7, 1, 1, 0 },
    { 1, 64, 64, 4, 14, 14, 3, 1, 1 },
    { 3, 16, 40, 1, 9, 11, 3, 1, 1 },
    { 1, 8, 8, 8, 112, 112, 3, 1, 1 },
    { 2, 6, 6, 6, 113, 97, 3, 2, 1 },
    { 1, 4, 8, 4, 90, 90, 5, 1, 2 },
    { 1, 4, 4, 4, 90, 90, 3, 2, 0 },
    { 1, 64, 384, 1, 14, 14, 1, 1, 0 },
    { 1, 384, 64, 1, 14, 14, 1, 1, 0 },
    { 1, 24, 61, 1, 3, 3, 1, 1, 0 },
    { 2, 40, 100, 1, 7, 7, 1, 1, 0 },
    { 1, 16, 100, 1, 5, 7, 3, 1, 1 },
    { 1, 8, 70, 1, 9, 9, 3, 2, 1 },
    { 1, 16, 23, 1, 1, 1, 1, 1, 0 },
    { 1, 320, 50, 1, 33, 33, 1, 1, 0 },
    { 1, 40, 40, 40, 15, 15, 5, 2, 2 },
    { 1, 24, 24, 24, 7, 7, 5, 1, 2 },
    { 1, 9, 9, 9, 2, 2, 3, 1, 1 },
    { 1, 10, 10, 10, 17, 300, 3, 1, 1 },
    { 1, 12, 12, 12, 33, 250, 5, 2, 2 },
    { 2, 5, 5, 5, 9, 8, 3, 2, 0 },
    { 1, 3, 6, 3, 16, 17, 3, 2, 1 },
    { 1, 7, 7, 7, 1, 9, 3, 1, 1 },
    { 1, 5, 5, 5, 40, 37, 5, 2, 3 },
    { 1, 6, 12, 6, 35, 64, 3, 2, 1 },
    /* strided 1x1 (downsampling): the flat kernel on a subsample */
    { 1, 16, 20, 1, 17, 15, 1, 2, 0 },
    { 2, 8, 13, 1, 9, 30, 1, 3, 0 },
    { 1, 40, 24, 2, 28, 28, 1, 2, 0 },
    { 1, 5, 7, 1, 1, 1, 1, 2, 0 },
    { 1, 24, 70, 1, 40, 37, 1, 2, 0 },
    { 1, 64, 128, 1, 56, 56, 1, 2, 0 },
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    conv_case (&seed, fixed[i]);
  for (int i = 0; i < 300; i++)
    conv_case (&seed, NULL);
  /* 3x3 stride-1 layers wide enough for Winograd: odd and even sizes. */
  for (int i = 0; i < 40; i++) {
    int c = 8 * th_randint (&seed, 2, 6), oc = th_randint (&seed, 10, 70);
    int h = th_randint (&seed, 5, 31), w = th_randint (&seed, 5, 31);
    int wino[9] = { th_randint (&seed, 1, 2), c, oc, 1, h, w, 3, 1,
                    th_randint (&seed, 0, 1) };
    conv_case (&seed, wino);
  }
  for (int i = 0; i < 300; i++)
    pool_case (&seed, false);
  for (int i = 0; i < 100; i++)
    pool_case (&seed, true);
  {
    static const int64_t huge[] = { 81, 100003, 16777215, INT32_MAX };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
      for (int m = 0; m < 4; m++)
        huge_window_case (&seed, m & 1, huge[i],
                          m & 2 ? "SAME_LOWER" : "SAME_UPPER");
  }
  for (int i = 0; i < 40; i++)
    global_pool_case (&seed);
  for (int i = 0; i < 150; i++)
    gemm_case (&seed);
  for (int i = 0; i < 150; i++)
    matmul_case (&seed);
  for (int i = 0; i < 300; i++)
    binary_case (&seed);
  for (int i = 0; i < 60; i++)
    binary_plane_case (&seed);
  for (int i = 0; i < 150; i++)
    softmax_case (&seed);
  for (int i = 0; i < 150; i++)
    reduce_mean_case (&seed);
  nn_pool_free (pool2);
  free (ref_buf);
  free (one_buf);
  printf ("conv paths: depthwise %d, packed %d, winograd %d\n",
          conv_paths[CONV_DEPTHWISE], conv_paths[CONV_PACKED],
          conv_paths[CONV_WINOGRAD]);
  TH_CHECK (conv_paths[CONV_WINOGRAD] > 10 && conv_paths[CONV_PACKED] > 100
                && conv_paths[CONV_DEPTHWISE] > 50,
            "a conv path is barely covered");
  if (nn_kernels_avx512 ()) {
    printf ("AVX-512 against AVX2: %d cases\n", wide_checks);
    TH_CHECK (wide_checks > 1000, "too few AVX-512 cases");
  } else
    printf ("AVX-512: not on this CPU, its kernels not run here\n");
  printf ("differential: %d cases, %d checks, %d failures\n", cases, th_checks,
          th_failures);
  return th_failures ? 1 : 0;
}
