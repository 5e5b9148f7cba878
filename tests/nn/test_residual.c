/* Residual Adds fused into the Conv that feeds them (plan.c,
 * fuse_residuals): which fuse (the step says "Add"; not into depthwise
 * or padded-flat layers), which must stay apart
 * (another reader, a graph output, a broadcast, an operand not ready when
 * the Conv runs, an activation between; the values of each checked), and
 * on every convolution path
 * and kernel set:
 *   - the same bits as the same graph with the Add kept apart (the Conv's
 *     output made a graph output too), on 1 and 2 threads;
 *   - the values of a convolution, sum and activation computed here in
 *     double precision.
 * Shapes hit the edges: channels not a multiple of the kernels' blocks,
 * 1x1 images, odd sizes, strides, groups, depthwise, batch 2. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Conv path and kernel switches (nn/ops/conv*.c, nn/kernels/packed.c). */
extern int nn_conv_wino_disabled, nn_conv_wino_forced, nn_kernels_generic;
extern int nn_conv_packed_family, nn_kernels_no_avx512;

enum shortcut {
  S_INPUT,  /* the Add's other operand is x itself */
  S_BEFORE, /* a 1x1 Conv of x that runs before the main Conv */
  S_AFTER,  /* the same, listed after it: that Conv takes the residual */
  S_CHAIN,  /* s = a 1x1 Conv of x, and the main Conv reads s: its output
               must not take s's memory */
};

enum tail { T_NONE, T_RELU, T_SIGMOID };

typedef struct shape {
  const char *name;
  int n, c, oc, h, w, k, stride, group;
  enum shortcut shortcut;
  enum tail tail;
  bool swapped; /* Add (r, c) rather than Add (c, r) */
} shape;

static const shape shapes[] = {
  { "1x1 24->24 14x14, x", 1, 24, 24, 14, 14, 1, 1, 1, S_INPUT, T_NONE, 0 },
  { "1x1 21->21 5x7, x, Relu", 1, 21, 21, 5, 7, 1, 1, 1, S_INPUT, T_RELU, 1 },
  { "3x3 32->32 10x10, x, Relu", 1, 32, 32, 10, 10, 3, 1, 1, S_INPUT, T_RELU,
    0 },
  { "3x3 16->40 9x11 batch 2, shortcut Conv", 2, 16, 40, 9, 11, 3, 1, 1,
    S_BEFORE, T_RELU, 1 },
  { "3x3 stride 2 16->20 9x9, shortcut Conv after", 1, 16, 20, 9, 9, 3, 2, 1,
    S_AFTER, T_RELU, 0 },
  { "3x3 12->24 6x13 on its residual", 1, 12, 24, 6, 13, 3, 1, 1, S_CHAIN,
    T_RELU, 0 },
  { "1x1 24->24 5x5 on its residual", 1, 24, 24, 5, 5, 1, 1, 1, S_CHAIN, T_NONE,
    1 },
  { "1x1 stride 2 16->32 9x9, shortcut Conv", 1, 16, 32, 9, 9, 1, 2, 1,
    S_BEFORE, T_NONE, 0 },
  { "3x3 group 4 32->32 7x7, x, Sigmoid", 1, 32, 32, 7, 7, 3, 1, 4, S_INPUT,
    T_SIGMOID, 0 },
  { "depthwise 3x3 16 8x8, x, Relu", 1, 16, 16, 8, 8, 3, 1, 16, S_INPUT, T_RELU,
    1 },
  { "1x1 8->8 1x1 image, x", 1, 8, 8, 1, 1, 1, 1, 1, S_INPUT, T_NONE, 0 },
  { "3x3 64->64 3x3, x, Relu", 2, 64, 64, 3, 3, 3, 1, 1, S_INPUT, T_RELU, 0 },
  /* Winograd in several blocks of tile rows (nn/ops/conv_winograd.c),
   * the last one short, odd widths */
  { "3x3 24->24 26x9, x, Relu", 1, 24, 24, 26, 9, 3, 1, 1, S_INPUT, T_RELU, 1 },
  { "3x3 32->40 30x11 batch 2, shortcut Conv", 2, 32, 40, 30, 11, 3, 1, 1,
    S_BEFORE, T_RELU, 0 },
  { "3x3 32->32 27x7 on its residual", 1, 32, 32, 27, 7, 3, 1, 1, S_CHAIN,
    T_SIGMOID, 0 },
};

static uint32_t
next (uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static float
uniform (uint32_t *s)
{
  return (float)(next (s) >> 8) / (float)(1u << 24) * 2.f - 1.f;
}

static float *
random_floats (size_t n, float scale, uint32_t *s)
{
  float *v = malloc (n * sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i] = scale * uniform (s);
  return v;
}

typedef struct weights {
  float *w, *b, *ws, *bs; /* main Conv; shortcut 1x1 Conv (or NULL) */
} weights;

static int
out_size (int in, const shape *sh)
{
  return (in + 2 * (sh->k / 2) - sh->k) / sh->stride + 1;
}

/* Input channels of the main Conv. */
static int
main_c (const shape *sh)
{
  return sh->shortcut == S_CHAIN ? sh->oc : sh->c;
}

static void
make_weights (const shape *sh, weights *wt)
{
  uint32_t s = 0x9e3779b9u ^ (uint32_t)(sh->c * 131 + sh->oc * 7 + sh->k);
  size_t nw = (size_t)sh->oc * (size_t)(main_c (sh) / sh->group) * (size_t)sh->k
              * (size_t)sh->k;
  wt->w = random_floats (nw, 1.f / sqrtf ((float)(nw / (size_t)sh->oc)), &s);
  wt->b = random_floats ((size_t)sh->oc, 0.5f, &s);
  wt->ws = wt->bs = NULL;
  if (sh->shortcut != S_INPUT) {
    wt->ws = random_floats ((size_t)sh->oc * (size_t)sh->c,
                            1.f / sqrtf ((float)sh->c), &s);
    wt->bs = random_floats ((size_t)sh->oc, 0.5f, &s);
  }
}

static void
free_weights (weights *wt)
{
  free (wt->w);
  free (wt->b);
  free (wt->ws);
  free (wt->bs);
}

static void
conv_node (mb *b, const char *name, const char *x, const char *w,
           const char *bias, const char *y, int k, int stride, int group)
{
  Onnx__NodeProto *n
      = mb_node (b, "Conv", name, (const char *[]){ x, w, bias, NULL },
                 (const char *[]){ y, NULL });
  int64_t p = k / 2;
  mb_attr_ints (b, n, "pads", 4, (int64_t[]){ p, p, p, p });
  mb_attr_ints (b, n, "strides", 2, (int64_t[]){ stride, stride });
  mb_attr_i (b, n, "group", group);
}

/* x -> Conv -> c; r (x or a 1x1 Conv of x) -> Add (c, r) -> tail -> y.
 * apart: c and s are graph outputs too, which keeps the Add a step of its
 * own (no Conv may take it). */
static mb *
residual_graph (const shape *sh, const weights *wt, bool apart)
{
  mb *b = mb_new (8, 14);
  mb_input (b, "x", 4, (int64_t[]){ sh->n, sh->c, sh->h, sh->w });
  mb_init_f (b, "w", 4,
             (int64_t[]){ sh->oc, main_c (sh) / sh->group, sh->k, sh->k },
             wt->w, 0.f);
  mb_init_f (b, "b", 1, (int64_t[]){ sh->oc }, wt->b, 0.f);
  const char *r = "x";
  if (sh->shortcut != S_INPUT) {
    mb_init_f (b, "ws", 4, (int64_t[]){ sh->oc, sh->c, 1, 1 }, wt->ws, 0.f);
    mb_init_f (b, "bs", 1, (int64_t[]){ sh->oc }, wt->bs, 0.f);
    r = "s";
  }
  if (sh->shortcut == S_BEFORE || sh->shortcut == S_CHAIN)
    conv_node (b, "shortcut", "x", "ws", "bs", "s", 1, sh->stride, 1);
  conv_node (b, "conv", sh->shortcut == S_CHAIN ? "s" : "x", "w", "b", "c",
             sh->k, sh->stride, sh->group);
  if (sh->shortcut == S_AFTER)
    conv_node (b, "shortcut", "x", "ws", "bs", "s", 1, sh->stride, 1);
  const char *sum = sh->tail == T_NONE ? "y" : "sum";
  mb_node (b, "Add", "add",
           sh->swapped ? (const char *[]){ r, "c", NULL }
                       : (const char *[]){ "c", r, NULL },
           (const char *[]){ sum, NULL });
  if (sh->tail != T_NONE)
    mb_node (b, sh->tail == T_RELU ? "Relu" : "Sigmoid", "act",
             (const char *[]){ "sum", NULL }, (const char *[]){ "y", NULL });
  mb_output (b, "y");
  if (apart)
    mb_output (b, "c");
  if (apart && sh->shortcut != S_INPUT)
    mb_output (b, "s");
  return b;
}

/* The graph's y in double precision. */
static double *
oracle (const shape *sh, const weights *wt, const float *x)
{
  const int oh = out_size (sh->h, sh), ow = out_size (sh->w, sh);
  const int cin = main_c (sh), p = sh->k / 2;
  const int cg = cin / sh->group, ocg = sh->oc / sh->group;
  const size_t out_n = (size_t)(sh->n * sh->oc * oh * ow);
  double *y = malloc (sizeof *y * out_n), *s = NULL;
  /* The shortcut, at the output's size (a chain has stride 1). */
  if (sh->shortcut != S_INPUT) {
    s = malloc (sizeof *s * out_n);
    for (int n = 0; n < sh->n; n++)
      for (int o = 0; o < sh->oc; o++)
        for (int i = 0; i < oh * ow; i++) {
          double v = wt->bs[o];
          for (int ci = 0; ci < sh->c; ci++)
            v += (double)wt->ws[o * sh->c + ci]
                 * x[((n * sh->c + ci) * sh->h + i / ow * sh->stride) * sh->w
                     + i % ow * sh->stride];
          s[(n * sh->oc + o) * oh * ow + i] = v;
        }
  }
  for (int n = 0; n < sh->n; n++)
    for (int o = 0; o < sh->oc; o++)
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++) {
          const int g = o / ocg;
          double v = wt->b[o];
          for (int ci = 0; ci < cg; ci++)
            for (int ki = 0; ki < sh->k; ki++)
              for (int kj = 0; kj < sh->k; kj++) {
                int yi = i * sh->stride - p + ki, xj = j * sh->stride - p + kj;
                if (yi < 0 || yi >= sh->h || xj < 0 || xj >= sh->w)
                  continue;
                const int at
                    = ((n * cin + g * cg + ci) * sh->h + yi) * sh->w + xj;
                v += (double)wt->w[((o * cg + ci) * sh->k + ki) * sh->k + kj]
                     * (sh->shortcut == S_CHAIN ? s[at] : (double)x[at]);
              }
          const int at = ((n * sh->oc + o) * oh + i) * ow + j;
          v += s ? s[at] : x[((n * sh->c + o) * sh->h + i) * sh->w + j];
          if (sh->tail == T_RELU)
            v = v > 0 ? v : 0;
          else if (sh->tail == T_SIGMOID)
            v = 1.0 / (1.0 + exp (-v));
          y[at] = v;
        }
  free (s);
  return y;
}

typedef struct run {
  nn_model *m;
  nn_session *s;
  size_t count;
} run;

/* Loads the graph and runs it on x; false (after a failed check) when it
 * could not. */
static bool
run_graph (const shape *sh, const weights *wt, bool apart, int threads,
           const float *x, size_t nx, run *r)
{
  mb *b = residual_graph (sh, wt, apart);
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_error e = { 0 };
  nn_session_options o = { .threads = threads };
  r->m = NULL;
  r->s = NULL;
  nn_load_options lo = { .flags = NN_LOAD_GENERAL };
  bool ok = nn_model_load_memory (bytes, size, &lo, &r->m, &e) == NN_OK
            && nn_session_create (r->m, &o, &r->s, &e) == NN_OK;
  if (ok) {
    memcpy (nn_session_input (r->s, 0), x, nx * sizeof *x);
    ok = nn_session_run (r->s, &e) == NN_OK;
  }
  CHECK (ok, "%s: %s", sh->name, e.message);
  mb_free (b);
  if (ok)
    r->count = nn_session_output_info (r->s, 0)->count;
  return ok;
}

static void
free_run (run *r)
{
  nn_session_free (r->s);
  nn_model_unref (r->m);
}

/* The step that took the Add, and what it computes; -1 when none did. */
static long
fused_step (const nn_session *s, const char **fused)
{
  nn_step_info info;
  nn_error e;
  for (size_t i = 0; i < nn_session_n_steps (s); i++)
    if (nn_session_step_info (s, i, &info, &e) == NN_OK
        && strncmp (info.fused, "Add", 3) == 0) {
      *fused = info.fused;
      return (long)i;
    }
  return -1;
}

static void
shape_case (const shape *sh, const char *mode)
{
  const size_t nx = (size_t)sh->n * sh->c * sh->h * sh->w;
  uint32_t seed = 12345u + (uint32_t)nx;
  float *x = random_floats (nx, 1.f, &seed);
  weights wt;
  make_weights (sh, &wt);
  double *want = oracle (sh, &wt, x);
  run fused[2], apart[2];
  bool ok = true;
  for (int t = 0; t < 2 && ok; t++)
    ok = run_graph (sh, &wt, false, t + 1, x, nx, &fused[t])
         && run_graph (sh, &wt, true, t + 1, x, nx, &apart[t]);
  if (ok) {
    const char *fused_name = "";
    const long at = fused_step (fused[0].s, &fused_name);
    const char *want_name = sh->tail == T_RELU      ? "Add+Relu"
                            : sh->tail == T_SIGMOID ? "Add+Sigmoid"
                                                    : "Add";
    /* Depthwise and padded-flat layers keep the Add apart (the default
     * choice, and Winograd's where it cannot take the shape, may be the
     * last for these shapes). */
    const bool stride1 = sh->stride == 1 && sh->k > 1;
    const bool dw = sh->group == sh->c && sh->c > 1;
    const bool wino = stride1 && sh->k == 3 && sh->group == 1;
    int fuses = 1;
    if (dw || (strcmp (mode, "padded-flat") == 0 && stride1))
      fuses = 0;
    else if (stride1
             && (strcmp (mode, "default") == 0
                 || (strcmp (mode, "winograd") == 0 && !wino)))
      fuses = -1; /* the planner's choice */
    if (fuses >= 0)
      CHECK ((at >= 0) == (fuses == 1), "%s (%s): the Add %s", sh->name, mode,
             at >= 0 ? "fused" : "stayed apart");
    CHECK (at < 0 || strcmp (fused_name, want_name) == 0,
           "%s (%s): step %ld computes '%s', wanted '%s'", sh->name, mode, at,
           fused_name, want_name);
    CHECK (nn_session_n_steps (fused[0].s)
               == nn_session_n_steps (apart[0].s) - (at >= 0),
           "%s (%s): %zu steps fused, %zu apart", sh->name, mode,
           nn_session_n_steps (fused[0].s), nn_session_n_steps (apart[0].s));
    const char *apart_name = "";
    CHECK (fused_step (apart[0].s, &apart_name) < 0,
           "%s (%s): the Add fused although the Conv's output is a graph "
           "output",
           sh->name, mode);
    const float *y1 = nn_session_output (fused[0].s, 0);
    for (int t = 0; t < 2; t++) {
      CHECK (memcmp (nn_session_output (fused[t].s, 0),
                     nn_session_output (apart[t].s, 0),
                     fused[t].count * sizeof (float))
                 == 0,
             "%s (%s, %d threads): fused and apart differ", sh->name, mode,
             t + 1);
      CHECK (memcmp (nn_session_output (fused[t].s, 0), y1,
                     fused[t].count * sizeof (float))
                 == 0,
             "%s (%s): %d threads differ from 1", sh->name, mode, t + 1);
    }
    double worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < fused[0].count; i++) {
      double d = fabs (y1[i] - want[i]) / (1.0 + fabs (want[i]));
      if (d > worst) {
        worst = d;
        worst_at = i;
      }
    }
    CHECK (worst < 1e-5, "%s (%s): y[%zu] = %.7g, wanted %.7g", sh->name, mode,
           worst_at, y1[worst_at], want[worst_at]);
  }
  for (int t = 0; t < 2; t++) {
    if (fused[t].s || fused[t].m)
      free_run (&fused[t]);
    if (apart[t].s || apart[t].m)
      free_run (&apart[t]);
  }
  free (want);
  free (x);
  free_weights (&wt);
}

/* Each shape on every path: the default choice, Winograd where the shape
 * allows, each family of direct kernels, the portable C kernels, and with
 * AVX-512 left unused. */
static void
test_paths (void)
{
  static const char *modes[]
      = { "default",     "winograd", "vec_pos",   "vec_oc",
          "padded-flat", "portable", "no AVX-512" };
  for (int m = 0; m < 7; m++) {
    nn_conv_wino_forced = m == 1;
    nn_conv_wino_disabled = m >= 2 && m <= 5;
    nn_conv_packed_family = m == 2 ? 1 : m == 3 ? 2 : m == 4 ? 3 : 0;
    nn_kernels_generic = m == 5;
    nn_kernels_no_avx512 = m == 6;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
      shape_case (&shapes[i], modes[m]);
  }
  nn_conv_wino_forced = nn_conv_wino_disabled = nn_conv_packed_family = 0;
  nn_kernels_generic = nn_kernels_no_avx512 = 0;
}

/* ---- Adds that stay apart, and one more that fuses ------------------ */

enum variant {
  V_CONST,       /* Add (c, a constant of c's shape): fuses */
  V_BROADCAST,   /* Add (c, a constant [1, C, 1, 1]) */
  V_BATCH,       /* batch 2, Add (c, a constant of one image) */
  V_TWO_READERS, /* Add (c, x) and Relu (c), both outputs */
  V_SAME,        /* Add (c, c) */
  V_LATE,        /* Add (c, Neg (x)) with the Neg listed after the Conv */
  V_ACT_BETWEEN, /* Add (Relu (c), x): the Relu fuses, the Add not */
  V_RES_OUTPUT,  /* Add (c, Neg (x)), the Neg's output a graph output */
  V_RES_READ,    /* Add (c, Neg (x)), and Relu (Neg (x)) after the Add */
};

static const struct {
  enum variant v;
  const char *name;
  bool fuses;
  const char *conv_fused; /* what the Conv's step computes */
} variants[] = {
  { V_CONST, "constant residual", true, "Add" },
  { V_BROADCAST, "broadcast constant", false, "" },
  { V_BATCH, "constant broadcast over the batch", false, "" },
  { V_TWO_READERS, "Conv output read twice", false, "" },
  { V_SAME, "Add (c, c)", false, "" },
  { V_LATE, "operand written after the Conv", false, "" },
  { V_ACT_BETWEEN, "Relu between", false, "Relu" },
  /* These fuse, but the Conv must not write over a residual read later */
  { V_RES_OUTPUT, "residual also a graph output", true, "Add" },
  { V_RES_READ, "residual read after the Add", true, "Add" },
};

enum { VC = 4, VH = 3, VW = 5 };

static void
variant_case (size_t k)
{
  const enum variant v = variants[k].v;
  const int n = v == V_BATCH ? 2 : 1;
  const size_t plane = VH * VW, nx = (size_t)n * VC * plane;
  uint32_t seed = 777u + (uint32_t)k;
  float *x = random_floats (nx, 1.f, &seed);
  float *w = random_floats (VC * VC, 0.5f, &seed);
  float *bias = random_floats (VC, 0.5f, &seed);
  float *kc = random_floats (VC * plane, 1.f, &seed);
  mb *b = mb_new (8, 14);
  mb_input (b, "x", 4, (int64_t[]){ n, VC, VH, VW });
  mb_init_f (b, "w", 4, (int64_t[]){ VC, VC, 1, 1 }, w, 0.f);
  mb_init_f (b, "b", 1, (int64_t[]){ VC }, bias, 0.f);
  if (v == V_BROADCAST)
    mb_init_f (b, "k", 4, (int64_t[]){ 1, VC, 1, 1 }, kc, 0.f);
  else
    mb_init_f (b, "k", 4, (int64_t[]){ 1, VC, VH, VW }, kc, 0.f);
  if (v == V_RES_OUTPUT || v == V_RES_READ)
    mb_node (b, "Neg", "neg", (const char *[]){ "x", NULL },
             (const char *[]){ "nx", NULL });
  conv_node (b, "conv", "x", "w", "b", "c", 1, 1, 1);
  const char *a = "c", *r = "x";
  switch (v) {
  case V_CONST:
  case V_BROADCAST:
  case V_BATCH:
    r = "k";
    break;
  case V_TWO_READERS:
    mb_node (b, "Relu", "relu", (const char *[]){ "c", NULL },
             (const char *[]){ "y2", NULL });
    break;
  case V_SAME:
    r = "c";
    break;
  case V_LATE:
    mb_node (b, "Neg", "neg", (const char *[]){ "x", NULL },
             (const char *[]){ "nx", NULL });
    r = "nx";
    break;
  case V_ACT_BETWEEN:
    mb_node (b, "Relu", "relu", (const char *[]){ "c", NULL },
             (const char *[]){ "rc", NULL });
    a = "rc";
    break;
  case V_RES_OUTPUT:
  case V_RES_READ:
    r = "nx";
    break;
  }
  mb_node (b, "Add", "add", (const char *[]){ a, r, NULL },
           (const char *[]){ "y", NULL });
  if (v == V_RES_READ)
    mb_node (b, "Relu", "relu", (const char *[]){ "nx", NULL },
             (const char *[]){ "y2", NULL });
  mb_output (b, "y");
  if (v == V_TWO_READERS || v == V_RES_READ)
    mb_output (b, "y2");
  if (v == V_RES_OUTPUT)
    mb_output (b, "nx");

  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_model *m = NULL;
  nn_session *s = NULL;
  nn_error e = { 0 };
  nn_load_options lo = { .flags = NN_LOAD_GENERAL };
  nn_step_info info = { 0 };
  const char *fused = "";
  if (nn_model_load_memory (bytes, size, &lo, &m, &e) != NN_OK
      || nn_session_create (m, NULL, &s, &e) != NN_OK) {
    CHECK (0, "%s: %s", variants[k].name, e.message);
    goto out;
  }
  CHECK ((fused_step (s, &fused) >= 0) == variants[k].fuses, "%s: the Add %s",
         variants[k].name, variants[k].fuses ? "stayed apart" : "fused");
  for (size_t i = 0; i < nn_session_n_steps (s); i++)
    if (nn_session_step_info (s, i, &info, &e) == NN_OK
        && strcmp (info.op, "Conv") == 0)
      CHECK (strcmp (info.fused, variants[k].conv_fused) == 0,
             "%s: the Conv computes '%s', wanted '%s'", variants[k].name,
             info.fused, variants[k].conv_fused);
  memcpy (nn_session_input (s, 0), x, nx * sizeof *x);
  CHECK (nn_session_run (s, &e) == NN_OK, "%s: %s", variants[k].name,
         e.message);
  const float *y = nn_session_output (s, 0);
  for (int img = 0; img < n; img++)
    for (int o = 0; o < VC; o++)
      for (size_t p = 0; p < plane; p++) {
        const size_t at = ((size_t)img * VC + (size_t)o) * plane + p;
        double c = bias[o], want;
        for (int ci = 0; ci < VC; ci++)
          c += (double)w[o * VC + ci]
               * x[((size_t)img * VC + (size_t)ci) * plane + p];
        switch (v) {
        case V_CONST:
        case V_BATCH:
          want = c + kc[(size_t)o * plane + p];
          break;
        case V_BROADCAST:
          want = c + kc[o];
          break;
        case V_SAME:
          want = 2 * c;
          break;
        case V_LATE:
        case V_RES_OUTPUT:
        case V_RES_READ:
          want = c - x[at];
          break;
        case V_ACT_BETWEEN:
          want = (c > 0 ? c : 0) + x[at];
          break;
        default:
          want = c + x[at];
          break;
        }
        CHECK (fabs (y[at] - want) < 1e-5 * (1 + fabs (want)),
               "%s: y[%zu] = %.7g, wanted %.7g", variants[k].name, at, y[at],
               want);
        if (v == V_RES_OUTPUT || v == V_RES_READ) {
          const float got = nn_session_output (s, 1)[at];
          const double keep = v == V_RES_READ && x[at] > 0 ? 0 : -x[at];
          CHECK (got == (float)keep, "%s: output 1 [%zu] = %.7g, wanted %.7g",
                 variants[k].name, at, got, keep);
        }
        if (v == V_TWO_READERS)
          CHECK (fabs (nn_session_output (s, 1)[at] - (c > 0 ? c : 0))
                     < 1e-5 * (1 + fabs (c)),
                 "%s: y2[%zu] = %.7g", variants[k].name, at,
                 nn_session_output (s, 1)[at]);
      }
out:
  nn_session_free (s);
  nn_model_unref (m);
  mb_free (b);
  free (x);
  free (w);
  free (bias);
  free (kc);
}

int
main (void)
{
  for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++)
    variant_case (k);
  test_paths ();
  return check_report ("residual");
}
