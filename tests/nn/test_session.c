/* Sessions end to end on models built in memory: the seed CNN against the
 * naive reference kernels, thread counts, batch sizes, BatchNorm folding,
 * shape sub-graph folding, metadata, and two sessions running at once on
 * one shared model. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

static nn_model *
load (mb *b, unsigned flags)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_load_options opts = { 0 };
  nn_model *m = NULL;
  nn_error e = { 0 };
  opts.flags = flags;
  if (nn_model_load_memory (bytes, size, &opts, &m, &e) != NN_OK)
    fprintf (stderr, "load failed: %s\n", e.message);
  mb_free (b);
  return m;
}

static void
fill (float *x, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)(seed >> 8) / 16777216.0f;
  }
}

static float
max_abs_diff (const float *a, const float *b, size_t n)
{
  float m = 0;
  for (size_t i = 0; i < n; i++)
    m = fmaxf (m, fabsf (a[i] - b[i]));
  return m;
}

/* Runs the model once on seeded input; returns a malloc'd copy of out 0. */
static float *
run_once (nn_model *m, int threads, int reference, int batch, uint32_t seed)
{
  nn_session_options o = { batch, threads, reference };
  nn_session *s = NULL;
  nn_error e;
  float *copy;
  const nn_tensor_info *oi;
  if (nn_session_create (m, &o, &s, &e) != NN_OK) {
    fprintf (stderr, "session: %s\n", e.message);
    return NULL;
  }
  fill (nn_session_input (s, 0), nn_session_input_info (s, 0)->count, seed);
  CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
  oi = nn_session_output_info (s, 0);
  copy = malloc (oi->count * sizeof (float));
  memcpy (copy, nn_session_output (s, 0), oi->count * sizeof (float));
  nn_session_free (s);
  return copy;
}

static void
test_seed_cnn (void)
{
  nn_model *m = load (mb_seed_cnn (3), 0);
  float *fast, *ref, *two, sum = 0;
  const nn_tensor_info *in, *out;
  int saw_relu = 0;

  CHECK (m != NULL, "seed CNN loads");
  if (!m)
    return;
  in = nn_model_input (m, 0);
  out = nn_model_output (m, 0);
  CHECK (in && in->ndim == 4 && in->dims[1] == 1 && in->dims[2] == 28,
         "input is 1x1x28x28");
  CHECK (out && out->count == 10, "ten outputs");
  CHECK (nn_model_input (m, 1) == NULL, "no second input");
  for (size_t i = 0; i < nn_model_n_nodes (m); i++)
    saw_relu |= strcmp (nn_model_node_op (m, i), "Relu") == 0
                || strcmp (nn_model_node_op (m, i), "Flatten") == 0;
  CHECK (!saw_relu, "Relu fused and Flatten aliased (%zu steps)",
         nn_model_n_nodes (m));
  /* 2*(26*26*32*9 + 11*11*64*288 + 3*3*64*576 + 576*64 + 64*10) = 5.6 M */
  CHECK (fabs (nn_model_flops (m) / 5.6e6 - 1.0) < 0.02, "flops %.0f",
         nn_model_flops (m));

  fast = run_once (m, 1, 0, 0, 11);
  ref = run_once (m, 1, 1, 0, 11);
  two = run_once (m, 2, 0, 0, 11);
  for (int i = 0; i < 10; i++)
    sum += fast[i];
  CHECK (fabsf (sum - 1.0f) < 1e-5f, "softmax sums to %f", sum);
  CHECK (max_abs_diff (fast, ref, 10) < 1e-5f, "fast vs reference %g",
         max_abs_diff (fast, ref, 10));
  CHECK (max_abs_diff (fast, two, 10) < 1e-6f, "1 vs 2 threads %g",
         max_abs_diff (fast, two, 10));
  free (fast);
  free (ref);
  free (two);

  /* Batch 3: each item equals the same image run alone. */
  {
    nn_session_options o = { 3, 1, 0 };
    nn_session *s;
    nn_error e;
    float *x, *single;
    CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "batch 3: %s",
           e.message);
    CHECK (nn_session_input_info (s, 0)->dims[0] == 3, "batch dim 3");
    x = nn_session_input (s, 0);
    for (int k = 0; k < 3; k++)
      fill (x + k * 784, 784, 11);
    nn_session_run (s, &e);
    single = run_once (m, 1, 0, 0, 11);
    for (int k = 0; k < 3; k++)
      CHECK (max_abs_diff (nn_session_output (s, 0) + k * 10, single, 10)
                 < 1e-6f,
             "batch item %d", k);
    free (single);
    nn_session_free (s);
  }
  nn_model_unref (m);
}

typedef struct {
  nn_model *m;
  float out[10];
  int ok;
} worker;

static void *
work (void *arg)
{
  worker *w = arg;
  nn_session *s;
  nn_error e;
  w->ok = nn_session_create (w->m, NULL, &s, &e) == NN_OK;
  if (!w->ok)
    return NULL;
  for (int i = 0; i < 200; i++) {
    fill (nn_session_input (s, 0), 784, 99);
    w->ok &= nn_session_run (s, &e) == NN_OK;
  }
  memcpy (w->out, nn_session_output (s, 0), sizeof w->out);
  nn_session_free (s);
  return NULL;
}

static void
test_two_sessions_at_once (void)
{
  nn_model *m = load (mb_seed_cnn (5), 0);
  worker w[2] = { { m, { 0 }, 0 }, { m, { 0 }, 0 } };
  pthread_t t[2];
  float *serial;
  if (!m)
    return;
  for (int i = 0; i < 2; i++)
    pthread_create (&t[i], NULL, work, &w[i]);
  for (int i = 0; i < 2; i++)
    pthread_join (t[i], NULL);
  serial = run_once (m, 1, 0, 0, 99);
  for (int i = 0; i < 2; i++) {
    CHECK (w[i].ok, "worker %d ran", i);
    CHECK (max_abs_diff (w[i].out, serial, 10) == 0.0f,
           "worker %d matches the serial run", i);
  }
  free (serial);
  nn_model_unref (m); /* sessions held their own references */
}

static void
test_batchnorm_folded (void)
{
  /* y = BN(Conv1x1(x)) on 2 channels; checked against the formula. */
  mb *b = mb_new (8, 13);
  const float w[2] = { 2.0f, -1.0f }, bias[2] = { 0.5f, 1.0f };
  const float sc[2] = { 1.5f, 0.5f }, be[2] = { 0.1f, -0.2f };
  const float mean[2] = { 0.3f, -0.4f }, var[2] = { 4.0f, 0.25f };
  nn_model *m;
  nn_session *s;
  nn_error e;
  float *x;
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 2, 2 });
  mb_init_f (b, "w", 4, (int64_t[]){ 2, 1, 1, 1 }, w, 0);
  mb_init_f (b, "b", 1, (int64_t[]){ 2 }, bias, 0);
  mb_init_f (b, "scale", 1, (int64_t[]){ 2 }, sc, 0);
  mb_init_f (b, "beta", 1, (int64_t[]){ 2 }, be, 0);
  mb_init_f (b, "mean", 1, (int64_t[]){ 2 }, mean, 0);
  mb_init_f (b, "var", 1, (int64_t[]){ 2 }, var, 0);
  mb_node (b, "Conv", "conv", (const char *[]){ "x", "w", "b", NULL },
           (const char *[]){ "c", NULL });
  mb_attr_f (
      b,
      mb_node (b, "BatchNormalization", "bn",
               (const char *[]){ "c", "scale", "beta", "mean", "var", NULL },
               (const char *[]){ "y", NULL }),
      "epsilon", 1e-5f);
  mb_output (b, "y");
  m = load (b, 0);
  CHECK (m != NULL, "conv+bn loads");
  if (!m)
    return;
  CHECK (nn_model_n_nodes (m) == 1, "BatchNorm folded: %zu steps",
         nn_model_n_nodes (m));
  nn_session_create (m, NULL, &s, &e);
  x = nn_session_input (s, 0);
  for (int i = 0; i < 4; i++)
    x[i] = (float)i - 1.5f;
  nn_session_run (s, &e);
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < 4; i++) {
      double conv = w[c] * x[i] + bias[c];
      double want = sc[c] * (conv - mean[c]) / sqrt (var[c] + 1e-5) + be[c];
      CHECK (fabs (nn_session_output (s, 0)[c * 4 + i] - want) < 1e-5,
             "bn c%d i%d: %f vs %f", c, i, nn_session_output (s, 0)[c * 4 + i],
             want);
    }
  nn_session_free (s);
  nn_model_unref (m);
}

static void
test_shape_subgraph_folded (void)
{
  /* y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) — what
   * PyTorch exports for x.view(x.size(0), -1). */
  mb *b = mb_new (8, 13);
  nn_model *m;
  nn_session *s;
  nn_error e;
  const nn_tensor_info *oi;
  mb_input (b, "x", 4, (int64_t[]){ -1, 3, 2, 2 });
  mb_init_i64 (b, "zero", 0, NULL, (int64_t[]){ 0 });
  mb_init_i64 (b, "axes", 1, (int64_t[]){ 1 }, (int64_t[]){ 0 });
  mb_init_i64 (b, "minus1", 1, (int64_t[]){ 1 }, (int64_t[]){ -1 });
  mb_node (b, "Shape", "shape", (const char *[]){ "x", NULL },
           (const char *[]){ "s", NULL });
  mb_node (b, "Gather", "gather", (const char *[]){ "s", "zero", NULL },
           (const char *[]){ "n", NULL });
  mb_node (b, "Unsqueeze", "unsq", (const char *[]){ "n", "axes", NULL },
           (const char *[]){ "n1", NULL });
  mb_attr_i (b,
             mb_node (b, "Concat", "cat",
                      (const char *[]){ "n1", "minus1", NULL },
                      (const char *[]){ "shape2", NULL }),
             "axis", 0);
  mb_node (b, "Reshape", "reshape", (const char *[]){ "x", "shape2", NULL },
           (const char *[]){ "flat", NULL });
  mb_node (b, "Relu", "relu", (const char *[]){ "flat", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  m = load (b, 0);
  CHECK (m != NULL, "shape sub-graph loads");
  if (!m)
    return;
  CHECK (nn_model_n_nodes (m) == 1, "only Relu remains: %zu steps",
         nn_model_n_nodes (m));
  oi = nn_model_output (m, 0);
  CHECK (oi->ndim == 2 && oi->dims[0] == 1 && oi->dims[1] == 12, "output 1x12");
  /* Batch 4 re-plans the shape arithmetic. */
  {
    nn_session_options o = { 4, 1, 0 };
    CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "%s", e.message);
    oi = nn_session_output_info (s, 0);
    CHECK (oi->dims[0] == 4 && oi->dims[1] == 12, "output 4x12");
    fill (nn_session_input (s, 0), 48, 1);
    nn_session_input (s, 0)[5] = -3.0f;
    nn_session_run (s, &e);
    CHECK (nn_session_output (s, 0)[5] == 0.0f, "relu through the alias");
    CHECK (nn_session_output (s, 0)[6] == nn_session_input (s, 0)[6],
           "values pass through");
    nn_session_free (s);
  }
  nn_model_unref (m);
}

static void
test_metadata_and_args (void)
{
  mb *b = mb_seed_cnn (2);
  nn_model *m;
  nn_session *s = NULL;
  nn_session_options bad = { -1, 1, 0 }, many = { 1, 1000, 0 };
  nn_error e;
  mb_meta (b, "edgeclassify.labels", "a\nb");
  mb_meta (b, "edgeclassify.color", "GRAY");
  m = load (b, 0);
  if (!m)
    return;
  CHECK (nn_model_n_metadata (m) == 2, "two metadata entries");
  CHECK (strcmp (nn_model_metadata (m, "edgeclassify.color"), "GRAY") == 0,
         "metadata value");
  CHECK (nn_model_metadata (m, "nope") == NULL, "absent key");
  CHECK (nn_model_metadata_key (m, 5) == NULL, "key out of range");
  CHECK_ERR (nn_session_create (m, &bad, &s, &e), e, NN_INVALID_ARG, "batch");
  CHECK_ERR (nn_session_create (m, &many, &s, &e), e, NN_INVALID_ARG,
             "threads");
  CHECK_ERR (nn_session_create (NULL, NULL, &s, &e), e, NN_INVALID_ARG,
             "model");
  CHECK_ERR (nn_session_run (NULL, &e), e, NN_INVALID_ARG, "session");
  CHECK (nn_session_input (NULL, 0) == NULL, "NULL session input");
  nn_session_create (m, NULL, &s, &e);
  CHECK (nn_session_input (s, 1) == NULL, "input out of range");
  CHECK (nn_session_output (s, 1) == NULL, "output out of range");
  CHECK (nn_session_find_input (s, "image") == 0, "find input");
  CHECK (nn_session_find_output (s, "nope") == (size_t)-1, "find absent");
  nn_session_free (s);
  nn_model_unref (m);
  CHECK (strcmp (nn_status_to_string (NN_BAD_MODEL), "bad model") == 0,
         "status names");
}

/* The work estimate of a pool counts the window each output reads, and a
 * global pool its whole input: a cheap-looking pool over a huge input must
 * not pass as cheap (callers budget on it, the fuzz target among them). */
static void
test_pool_flops (void)
{
  mb *b = mb_new (8, 13);
  nn_model *m;
  mb_input (b, "x", 4, (int64_t[]){ 1, 2, 8, 8 });
  mb_attr_ints (b,
                mb_node (b, "MaxPool", "pool", (const char *[]){ "x", NULL },
                         (const char *[]){ "p", NULL }),
                "kernel_shape", 2, (int64_t[]){ 3, 3 });
  mb_node (b, "GlobalAveragePool", "gap", (const char *[]){ "p", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  m = load (b, NN_LOAD_GENERAL);
  CHECK (m != NULL, "the pool model loads");
  if (!m)
    return;
  /* 2x6x6 outputs x 3x3 window, then the 2x6x6 the global pool reads. */
  CHECK (nn_model_flops (m) == 72.0 * 9 + 72.0, "pool flops %.0f",
         nn_model_flops (m));
  nn_model_unref (m);
}

static double
mono_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* nn_session_run_profiled: the same outputs as a plain run, one time per
 * step that add up to the run's, steps described with their fused
 * activation and FLOPs that add up to the session's. */
static void
test_profile (void)
{
  nn_model *m = load (mb_seed_cnn (11), 0);
  CHECK (m != NULL, "seed CNN loads");
  if (!m)
    return;
  for (int threads = 1; threads <= 2; threads++) {
    nn_session_options o = { .threads = threads };
    nn_session *s = NULL;
    nn_error e = { 0 };
    CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "session: %s",
           e.message);
    if (!s)
      continue;
    size_t n = nn_session_n_steps (s);
    const nn_tensor_info *oi = nn_session_output_info (s, 0);
    /* Conv+Relu, MaxPool, Conv+Relu, MaxPool, Conv+Relu, Gemm+Relu, Gemm,
     * Softmax: Flatten is a view. */
    CHECK (n == 8, "%zu steps", n);
    double flops = 0;
    int fused_relu = 0;
    for (size_t i = 0; i < n; i++) {
      nn_step_info info;
      CHECK (nn_session_step_info (s, i, &info, &e) == NN_OK, "info %zu: %s", i,
             e.message);
      CHECK (info.name && info.op && info.fused, "step %zu strings", i);
      CHECK (strcmp (info.op, "Relu") != 0 && strcmp (info.op, "Flatten"),
             "step %zu is a %s", i, info.op);
      fused_relu += strcmp (info.fused, "Relu") == 0;
      flops += info.flops;
    }
    CHECK (fused_relu == 4, "%d steps compute a fused Relu", fused_relu);
    CHECK (fabs (flops - nn_session_flops (s)) <= 1e-9 * flops,
           "step FLOPs %g, session %g", flops, nn_session_flops (s));
    nn_step_info info;
    CHECK_ERR (nn_session_step_info (s, n, &info, &e), e, NN_INVALID_ARG,
               "step");
    CHECK_ERR (nn_session_step_info (NULL, 0, &info, &e), e, NN_INVALID_ARG,
               "session");
    CHECK_ERR (nn_session_run_profiled (s, NULL, &e), e, NN_INVALID_ARG,
               "times");
    CHECK (nn_session_n_steps (NULL) == 0, "NULL session has no steps");

    fill (nn_session_input (s, 0), nn_session_input_info (s, 0)->count, 5);
    CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
    float *plain = malloc (oi->count * sizeof (float));
    memcpy (plain, nn_session_output (s, 0), oi->count * sizeof (float));
    /* Each run's steps against its own clock; the best run counts, so
     * that a preemption between two steps of one run (another process on
     * a busy machine) does not decide the test. */
    double *us = calloc (n, sizeof *us), best = 0, best_steps = 0,
           best_wall = 0;
    for (int r = 0; r < 50; r++) {
      double t0 = mono_us (), wall, steps = 0;
      CHECK (nn_session_run_profiled (s, us, &e) == NN_OK, "profiled: %s",
             e.message);
      wall = mono_us () - t0;
      for (size_t i = 0; i < n; i++) {
        CHECK (us[i] >= 0, "step %zu took %g us", i, us[i]);
        steps += us[i];
      }
      CHECK (steps <= wall, "%d threads: steps add up to %g us of %g us",
             threads, steps, wall);
      if (wall > 0 && steps / wall > best) {
        best = steps / wall;
        best_steps = steps;
        best_wall = wall;
      }
    }
    CHECK (memcmp (plain, nn_session_output (s, 0), oi->count * sizeof (float))
               == 0,
           "a profiled run gives other outputs");
    /* Within 10 %: what the steps leave out is a clock reading. */
    CHECK (best >= 0.9, "%d threads: steps add up to %g us of %g us at best",
           threads, best_steps, best_wall);
    free (us);
    free (plain);
    nn_session_free (s);
  }
  nn_model_unref (m);
}

/* The thread init hook: once in each of the session's workers, in that
 * worker (never in the caller's thread), all done when create returns. */
#define MAX_HOOK 8
typedef struct hook_log {
  atomic_int calls;
  pthread_t who[MAX_HOOK];
} hook_log;

static void
hook (void *user)
{
  hook_log *h = user;
  int k = atomic_fetch_add (&h->calls, 1);
  if (k < MAX_HOOK)
    h->who[k] = pthread_self ();
}

static void
test_thread_init (void)
{
  nn_model *m = load (mb_seed_cnn (12), 0);
  CHECK (m != NULL, "seed CNN loads");
  if (!m)
    return;
  for (int threads = 0; threads <= 4; threads++) {
    hook_log h = { 0 };
    nn_session_options o
        = { .threads = threads, .thread_init = hook, .thread_init_user = &h };
    nn_session *s = NULL;
    nn_error e = { 0 };
    CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "session: %s",
           e.message);
    int want = threads > 1 ? threads - 1 : 0;
    int calls = atomic_load (&h.calls);
    CHECK (calls == want, "%d threads: the hook ran %d times, wanted %d",
           threads, calls, want);
    for (int a = 0; a < calls && a < MAX_HOOK; a++) {
      CHECK (!pthread_equal (h.who[a], pthread_self ()),
             "the hook ran in the creating thread");
      for (int b = 0; b < a; b++)
        CHECK (!pthread_equal (h.who[a], h.who[b]),
               "the hook ran twice in one thread");
    }
    for (int r = 0; s && r < 5; r++)
      CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
    CHECK (atomic_load (&h.calls) == want, "runs called the hook again");
    nn_session_free (s);
  }
  nn_model_unref (m);
}

/* ---- Gated activations: x * Sigmoid(x) (SiLU), x * HardSigmoid(x) ---- */

/* Signed values in [-scale, scale), seeded. */
static void
fill_signed (float *x, size_t n, uint32_t seed, float scale)
{
  fill (x, n, seed);
  for (size_t i = 0; i < n; i++)
    x[i] = (2.f * x[i] - 1.f) * scale;
}

enum {
  GATE_FUSED,         /* p -> f -> Mul(p, f(p)) */
  GATE_SWAPPED,       /* Mul(f(p), p) */
  GATE_F_OUTPUT,      /* f(p) is also a graph output */
  GATE_P_OUTPUT,      /* p is also a graph output */
  GATE_F_TWO_READERS, /* f(p) is also read by an Add */
  GATE_OTHER_MUL,     /* Mul(f(p), x): not p */
  GATE_VARIANTS
};

#define GC 5  /* channels: not a multiple of the vector width */
#define GH 9  /* rows */
#define GW 11 /* columns */
#define GN (GC * GH * GW)

static float gate_w[GC * GC * 9], gate_b[GC];

/* x (1, GC, GH, GW) -> producer -> p -> f -> s, Mul -> y; producer is
 * "conv1x1" (GC -> GC), "depthwise" (3x3, pad 1) or "add" (a per-channel
 * constant). */
static nn_model *
gated_model (const char *producer, const char *f_op, int variant)
{
  mb *b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, GC, GH, GW });
  mb_init_f (b, "b", 1, (int64_t[]){ GC }, gate_b, 0);
  if (strcmp (producer, "add") == 0) {
    mb_init_f (b, "c", 3, (int64_t[]){ GC, 1, 1 }, gate_b, 0);
    mb_node (b, "Add", "producer", (const char *[]){ "x", "c", NULL },
             (const char *[]){ "p", NULL });
  } else {
    bool dw = strcmp (producer, "depthwise") == 0;
    mb_init_f (b, "w", 4,
               dw ? (int64_t[]){ GC, 1, 3, 3 } : (int64_t[]){ GC, GC, 1, 1 },
               gate_w, 0);
    Onnx__NodeProto *n = mb_node (b, "Conv", "producer",
                                  (const char *[]){ "x", "w", "b", NULL },
                                  (const char *[]){ "p", NULL });
    if (dw) {
      mb_attr_i (b, n, "group", GC);
      mb_attr_ints (b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
    }
  }
  Onnx__NodeProto *f = mb_node (b, f_op, "f", (const char *[]){ "p", NULL },
                                (const char *[]){ "s", NULL });
  if (strcmp (f_op, "HardSigmoid") == 0) {
    mb_attr_f (b, f, "alpha", 1.f / 6.f);
    mb_attr_f (b, f, "beta", 0.5f);
  }
  const char *a = "p", *c = "s";
  if (variant == GATE_SWAPPED) {
    a = "s";
    c = "p";
  } else if (variant == GATE_OTHER_MUL)
    a = "x";
  mb_node (b, "Mul", "mul", (const char *[]){ a, c, NULL },
           (const char *[]){ "y", NULL });
  if (variant == GATE_F_TWO_READERS) {
    mb_node (b, "Add", "add", (const char *[]){ "y", "s", NULL },
             (const char *[]){ "z", NULL });
    mb_output (b, "z");
  } else
    mb_output (b, "y");
  if (variant == GATE_F_OUTPUT)
    mb_output (b, "s");
  if (variant == GATE_P_OUTPUT)
    mb_output (b, "p");
  return load (b, NN_LOAD_GENERAL);
}

/* The producer and f in double, straight from the definitions. */
static void
gated_oracle (const char *producer, const char *f_op, const float *x, double *p,
              double *s)
{
  for (int c = 0; c < GC; c++)
    for (int i = 0; i < GH; i++)
      for (int j = 0; j < GW; j++) {
        double acc = gate_b[c];
        if (strcmp (producer, "conv1x1") == 0)
          for (int k = 0; k < GC; k++)
            acc += (double)gate_w[c * GC + k] * x[(k * GH + i) * GW + j];
        else if (strcmp (producer, "depthwise") == 0) {
          for (int di = -1; di <= 1; di++)
            for (int dj = -1; dj <= 1; dj++)
              if (i + di >= 0 && i + di < GH && j + dj >= 0 && j + dj < GW)
                acc += (double)gate_w[c * 9 + (di + 1) * 3 + dj + 1]
                       * x[(c * GH + i + di) * GW + j + dj];
        } else
          acc += x[(c * GH + i) * GW + j];
        size_t o = (size_t)(c * GH + i) * GW + j;
        p[o] = acc;
        s[o] = strcmp (f_op, "Sigmoid") == 0
                   ? 1.0 / (1.0 + exp (-acc))
                   : fmin (fmax (acc / 6.0 + 0.5, 0.0), 1.0);
      }
}

/* One run; copies the output named `name` into out (GN floats); counts the
 * steps and those that compute a fused f+Mul or a fused f. */
static void
gated_run (nn_model *m, int threads, const float *x, const char *name,
           float *out, size_t *steps, int *gated, int *plain, const char *f_op)
{
  nn_session_options o = { .threads = threads };
  nn_session *s = NULL;
  nn_error e = { 0 };
  char gated_name[32];
  snprintf (gated_name, sizeof gated_name, "%s+Mul", f_op);
  *steps = 0;
  *gated = *plain = 0;
  if (nn_session_create (m, &o, &s, &e) != NN_OK) {
    CHECK (0, "session: %s", e.message);
    return;
  }
  memcpy (nn_session_input (s, 0), x, GN * sizeof (float));
  CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
  size_t k = nn_session_find_output (s, name);
  CHECK (k != (size_t)-1, "output %s", name);
  if (k != (size_t)-1)
    memcpy (out, nn_session_output (s, k), GN * sizeof (float));
  *steps = nn_session_n_steps (s);
  for (size_t i = 0; i < *steps; i++) {
    nn_step_info info;
    nn_session_step_info (s, i, &info, &e);
    *gated += strcmp (info.fused, gated_name) == 0;
    *plain += strcmp (info.fused, f_op) == 0;
  }
  nn_session_free (s);
}

/* SiLU and HardSwish as exporters write them, fused into the producer
 * when nothing else reads the two values in between; the fused step gives
 * the unfused graph's outputs bit for bit (the same float operations), and
 * both match the definitions computed in double. */
static void
test_gated_fusion (void)
{
  static const char *producers[] = { "conv1x1", "depthwise", "add" };
  static const char *fs[] = { "Sigmoid", "HardSigmoid" };
  /* steps, fused f+Mul steps, fused f steps */
  static const int want[GATE_VARIANTS][3] = {
    [GATE_FUSED] = { 1, 1, 0 },         [GATE_SWAPPED] = { 1, 1, 0 },
    [GATE_F_OUTPUT] = { 3, 0, 0 },      [GATE_P_OUTPUT] = { 3, 0, 0 },
    [GATE_F_TWO_READERS] = { 4, 0, 0 }, [GATE_OTHER_MUL] = { 2, 0, 1 },
  };
  static const char *names[GATE_VARIANTS]
      = { "fused",       "Mul swapped",  "f an output",
          "p an output", "f read twice", "Mul of another" };
  float x[GN], y[GATE_VARIANTS][GN];
  double p[GN], s[GN];

  fill_signed (gate_w, sizeof gate_w / sizeof gate_w[0], 21, 1.f);
  fill_signed (gate_b, GC, 22, 1.f);
  fill_signed (x, GN, 23, 4.f);
  x[3] = -200.f; /* Sigmoid underflows to a subnormal */
  x[GN - 1] = 200.f;
  for (size_t pi = 0; pi < 3; pi++)
    for (size_t fi = 0; fi < 2; fi++) {
      gated_oracle (producers[pi], fs[fi], x, p, s);
      for (int v = 0; v < GATE_VARIANTS; v++) {
        nn_model *m = gated_model (producers[pi], fs[fi], v);
        size_t steps;
        int gated, plain;
        CHECK (m != NULL, "%s %s %s loads", producers[pi], fs[fi], names[v]);
        if (!m)
          continue;
        gated_run (m, 1, x, v == GATE_F_TWO_READERS ? "z" : "y", y[v], &steps,
                   &gated, &plain, fs[fi]);
        CHECK ((int)steps == want[v][0] && gated == want[v][1]
                   && plain == want[v][2],
               "%s %s %s: %zu steps, %d fused %s+Mul, %d fused %s; wanted "
               "%d, %d, %d",
               producers[pi], fs[fi], names[v], steps, gated, fs[fi], plain,
               fs[fi], want[v][0], want[v][1], want[v][2]);
        int bad = 0;
        for (size_t i = 0; i < GN; i++) {
          double a = v == GATE_OTHER_MUL ? x[i] : p[i];
          double w = a * s[i] + (v == GATE_F_TWO_READERS ? s[i] : 0.0);
          bad += !(fabs (y[v][i] - w) <= 1e-5 * (1.0 + fabs (w)));
        }
        CHECK (bad == 0, "%s %s %s: %d outputs off the definition",
               producers[pi], fs[fi], names[v], bad);
        nn_model_unref (m);
      }
      /* Fused and unfused: the same bits. */
      for (int v = GATE_SWAPPED; v <= GATE_P_OUTPUT; v++)
        CHECK (memcmp (y[GATE_FUSED], y[v], sizeof y[v]) == 0,
               "%s %s: fused and %s differ", producers[pi], fs[fi], names[v]);
    }
}

/* An EfficientNet block: 1x1 expand and SiLU, depthwise 3x3 and SiLU,
 * squeeze-excitation (global average, 1x1 and SiLU, 1x1 and Sigmoid,
 * Mul), 1x1 project, residual Add. */
static nn_model *
mbconv_model (void)
{
  enum { C = 16, E = 48, R = 12, H = 30 };
  static float w1[E * C], b1[E], wd[E * 9], bd[E], wr[R * E], br[R], we[E * R],
      be[E], wp[C * E];
  mb *b = mb_new (8, 13);
  fill_signed (w1, E * C, 31, 0.5f);
  fill_signed (b1, E, 32, 1.f);
  fill_signed (wd, E * 9, 33, 0.5f);
  fill_signed (bd, E, 34, 1.f);
  fill_signed (wr, R * E, 35, 0.5f);
  fill_signed (br, R, 36, 1.f);
  fill_signed (we, E * R, 37, 0.5f);
  fill_signed (be, E, 38, 1.f);
  fill_signed (wp, C * E, 39, 0.3f);
  mb_input (b, "x", 4, (int64_t[]){ 1, C, H, H });
  mb_init_f (b, "w1", 4, (int64_t[]){ E, C, 1, 1 }, w1, 0);
  mb_init_f (b, "b1", 1, (int64_t[]){ E }, b1, 0);
  mb_init_f (b, "wd", 4, (int64_t[]){ E, 1, 3, 3 }, wd, 0);
  mb_init_f (b, "bd", 1, (int64_t[]){ E }, bd, 0);
  mb_init_f (b, "wr", 4, (int64_t[]){ R, E, 1, 1 }, wr, 0);
  mb_init_f (b, "br", 1, (int64_t[]){ R }, br, 0);
  mb_init_f (b, "we", 4, (int64_t[]){ E, R, 1, 1 }, we, 0);
  mb_init_f (b, "be", 1, (int64_t[]){ E }, be, 0);
  mb_init_f (b, "wp", 4, (int64_t[]){ C, E, 1, 1 }, wp, 0);
#define NODE(op, name, ...)                                                    \
  mb_node (b, op, name, (const char *[]){ __VA_ARGS__, NULL },                 \
           (const char *[]){ name, NULL })
  NODE ("Conv", "e", "x", "w1", "b1");
  NODE ("Sigmoid", "es", "e");
  NODE ("Mul", "e2", "e", "es");
  Onnx__NodeProto *dw = NODE ("Conv", "d", "e2", "wd", "bd");
  mb_attr_i (b, dw, "group", E);
  mb_attr_ints (b, dw, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
  NODE ("Sigmoid", "ds", "d");
  NODE ("Mul", "d2", "d", "ds");
  NODE ("GlobalAveragePool", "g", "d2");
  NODE ("Conv", "r", "g", "wr", "br");
  NODE ("Sigmoid", "rs", "r");
  NODE ("Mul", "r2", "rs", "r");
  NODE ("Conv", "q", "r2", "we", "be");
  NODE ("Sigmoid", "qs", "q");
  NODE ("Mul", "m", "d2", "qs");
  NODE ("Conv", "o", "m", "wp");
  NODE ("Add", "y", "o", "x");
#undef NODE
  mb_output (b, "y");
  return load (b, NN_LOAD_GENERAL);
}

/* The same bits on every thread count, with SiLU fused; close to the
 * naive reference kernels. */
static void
test_silu_threads (void)
{
  nn_model *m = mbconv_model ();
  CHECK (m != NULL, "the block loads");
  if (!m)
    return;
  const size_t n = nn_model_output (m, 0)->count;
  float *first = NULL;
  /* 1 to 4 threads, then the reference kernels */
  for (int k = 1; k <= 5; k++) {
    const int threads = k <= 4 ? k : 1;
    nn_session_options o = { .threads = threads, .reference = k == 5 };
    nn_session *s = NULL;
    nn_error e = { 0 };
    CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "session: %s",
           e.message);
    if (!s)
      continue;
    if (threads == 1) {
      /* Conv+SiLU, depthwise+SiLU, GlobalAveragePool, Conv+SiLU,
       * Conv+Sigmoid, Mul, Conv+Add (the residual) */
      size_t steps = nn_session_n_steps (s);
      int silu = 0, sigmoid = 0, add = 0;
      for (size_t i = 0; i < steps; i++) {
        nn_step_info info;
        nn_session_step_info (s, i, &info, &e);
        silu += strcmp (info.fused, "Sigmoid+Mul") == 0;
        sigmoid += strcmp (info.fused, "Sigmoid") == 0;
        add += strcmp (info.fused, "Add") == 0;
      }
      CHECK (steps == 7 && silu == 3 && sigmoid == 1 && add == 1,
             "%zu steps, %d fused SiLU, %d fused Sigmoid, %d fused Add", steps,
             silu, sigmoid, add);
    }
    fill_signed (nn_session_input (s, 0), nn_session_input_info (s, 0)->count,
                 41, 3.f);
    CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
    const float *y = nn_session_output (s, 0);
    if (!first) {
      first = malloc (n * sizeof (float));
      memcpy (first, y, n * sizeof (float));
    } else if (k == 5) {
      double worst = 0;
      for (size_t i = 0; i < n; i++)
        worst = fmax (worst, fabs (first[i] - y[i]) / (1.0 + fabs (y[i])));
      CHECK (worst < 1e-4, "fast vs reference kernels: %g", worst);
    } else
      CHECK (memcmp (first, y, n * sizeof (float)) == 0,
             "%d threads give other bits than 1", threads);
    nn_session_free (s);
  }
  free (first);
  nn_model_unref (m);
}

/* x -> Conv -> activation -> y, the activation fused into the Conv; with
 * `split` the Conv's output is a graph output too, which keeps the
 * activation a node of its own (the operator's own loop). */
static nn_model *
conv_act_model (const char *op, int depthwise, int split, float a, float b)
{
  mb *m = mb_new (8, 13);
  const char *outs[] = { "y", "c" };
  int oc = depthwise ? 3 : 4;
  uint32_t seed = 7;
  float w[4 * 3 * 3 * 3];
  Onnx__NodeProto *n;
  for (int i = 0; i < oc * (depthwise ? 1 : 3) * 9; i++) {
    seed = seed * 1664525u + 1013904223u;
    /* weights in [-1, 1): the conv output crosses every threshold */
    w[i] = (float)(seed >> 8) / 8388608.0f - 1.0f;
  }
  mb_input (m, "x", 4, (int64_t[]){ 1, 3, 9, 9 });
  mb_init_f (m, "w", 4, (int64_t[]){ oc, depthwise ? 1 : 3, 3, 3 }, w, 0);
  n = mb_node (m, "Conv", "conv", (const char *[]){ "x", "w", NULL },
               (const char *[]){ "c", NULL });
  if (depthwise)
    mb_attr_i (m, n, "group", 3);
  /* Clip at opset 13: the bounds are inputs */
  if (strcmp (op, "Clip") == 0) {
    mb_init_f (m, "lo", 0, NULL, (const float[]){ a }, 0);
    mb_init_f (m, "hi", 0, NULL, (const float[]){ b }, 0);
  }
  n = mb_node (m, op, "act",
               strcmp (op, "Clip") == 0
                   ? (const char *[]){ "c", "lo", "hi", NULL }
                   : (const char *[]){ "c", NULL },
               (const char *[]){ "y", NULL });
  if (strcmp (op, "LeakyRelu") == 0)
    mb_attr_f (m, n, "alpha", a);
  if (strcmp (op, "HardSigmoid") == 0) {
    mb_attr_f (m, n, "alpha", a);
    mb_attr_f (m, n, "beta", b);
  }
  for (int i = 0; i < 1 + split; i++)
    mb_output (m, outs[i]);
  return load (m, 0);
}

/* An activation fused into the Conv before it gives what the activation
 * gives as a node of its own, for each activation, dense and depthwise,
 * with the fast and the reference kernels. The inputs are in [0, 1) and
 * the weights in [-1, 1): the values before the activation reach both
 * sides of its bends. */
static void
test_fused_activations (void)
{
  static const struct {
    const char *op;
    float a, b;
  } acts[] = {
    { "Relu", 0, 0 },
    { "LeakyRelu", 0.1f, 0 },
    { "Clip", -0.5f, 0.75f },
    { "Sigmoid", 0, 0 },
    { "HardSigmoid", 0.3f, 0.4f },
    { "HardSwish", 0, 0 },
    { "Tanh", 0, 0 },
  };
  for (size_t k = 0; k < sizeof acts / sizeof acts[0]; k++)
    for (int dw = 0; dw < 2; dw++)
      for (int ref = 0; ref < 2; ref++) {
        nn_model *fused
            = conv_act_model (acts[k].op, dw, 0, acts[k].a, acts[k].b);
        nn_model *split
            = conv_act_model (acts[k].op, dw, 1, acts[k].a, acts[k].b);
        float *fy, *sy;
        CHECK (fused && split, "%s models load", acts[k].op);
        if (!fused || !split) {
          nn_model_unref (fused);
          nn_model_unref (split);
          continue;
        }
        CHECK (nn_model_n_nodes (fused) == 1 && nn_model_n_nodes (split) == 2,
               "%s: %zu fused and %zu split nodes", acts[k].op,
               nn_model_n_nodes (fused), nn_model_n_nodes (split));
        fy = run_once (fused, 1, ref, 1, 3 + (uint32_t)k);
        sy = run_once (split, 1, ref, 1, 3 + (uint32_t)k);
        if (fy && sy) {
          int above = 0;
          for (int i = 0; i < (dw ? 3 : 4) * 49; i++)
            above += sy[i] > 0.f;
          CHECK (max_abs_diff (fy, sy, (size_t)(dw ? 3 : 4) * 49) <= 1e-6f,
                 "%s dw %d ref %d: fused differs by %g", acts[k].op, dw, ref,
                 max_abs_diff (fy, sy, (size_t)(dw ? 3 : 4) * 49));
          CHECK (above > 0, "%s: no positive output", acts[k].op);
        }
        free (fy);
        free (sy);
        nn_model_unref (fused);
        nn_model_unref (split);
      }
}

/* The session's accessors: counts, infos, buffers and names, what they
 * give for indices past the end, for unknown names and for no session;
 * the memory cap refuses a session it cannot hold, naming both sizes; a
 * NULL error pointer is fine. */
static void
test_session_accessors (void)
{
  nn_model *m = load (mb_seed_cnn (5), 0);
  nn_session_options cap = { 0 };
  nn_session *s = NULL;
  nn_error e = { 0 };
  char want[128];
  size_t need;

  CHECK (m != NULL, "seed model loads");
  if (!m)
    return;
  CHECK (nn_session_create (m, NULL, &s, NULL) == NN_OK, "session");
  CHECK (nn_session_n_inputs (s) == 1 && nn_session_n_outputs (s) == 1,
         "%zu inputs, %zu outputs", nn_session_n_inputs (s),
         nn_session_n_outputs (s));
  CHECK (nn_session_input_info (s, 1) == NULL
             && nn_session_output_info (s, 1) == NULL,
         "infos past the end");
  CHECK (nn_session_input (s, 1) == NULL && nn_session_output (s, 1) == NULL
             && nn_session_input_data (s, 1) == NULL
             && nn_session_output_data (s, 1) == NULL,
         "buffers past the end");
  CHECK (nn_session_input_data (s, 0) == (void *)nn_session_input (s, 0)
             && nn_session_output_data (s, 0)
                    == (const void *)nn_session_output (s, 0),
         "a float tensor's data is its float buffer");
  CHECK (nn_session_find_input (s, nn_session_input_info (s, 0)->name) == 0
             && nn_session_find_output (s, nn_session_output_info (s, 0)->name)
                    == 0,
         "names found");
  CHECK (nn_session_find_input (s, "nope") == (size_t)-1
             && nn_session_find_output (s, "nope") == (size_t)-1
             && nn_session_find_input (s, NULL) == (size_t)-1,
         "unknown names");
  CHECK (nn_session_flops (s) == nn_model_flops (m) && nn_session_flops (s) > 0,
         "session flops %g, model %g", nn_session_flops (s),
         nn_model_flops (m));
  nn_session_free (s);

  CHECK (nn_session_n_inputs (NULL) == 0 && nn_session_n_outputs (NULL) == 0
             && nn_session_input_info (NULL, 0) == NULL
             && nn_session_output_info (NULL, 0) == NULL
             && nn_session_input (NULL, 0) == NULL
             && nn_session_output (NULL, 0) == NULL
             && nn_session_find_input (NULL, "x") == (size_t)-1
             && nn_session_find_output (NULL, "x") == (size_t)-1
             && nn_session_flops (NULL) == 0.0,
         "no session");
  CHECK_ERR (nn_session_create (m, NULL, NULL, &e), e, NN_INVALID_ARG,
             "no place for the session");
  s = (nn_session *)&e;
  CHECK_ERR (nn_session_create (NULL, NULL, &s, &e), e, NN_INVALID_ARG,
             "no model");
  CHECK (s == NULL, "a failed create leaves no session");

  /* the cap: one byte short of what the model's sessions take */
  need = nn_model_session_bytes (m);
  CHECK (need > 0, "session bytes");
  cap.max_bytes = need - 1;
  snprintf (want, sizeof want, "needs %zu bytes, more than the %zu-byte limit",
            need, need - 1);
  CHECK_ERR (nn_session_create (m, &cap, &s, &e), e, NN_NOMEM, want);
  cap.max_bytes = need;
  CHECK (nn_session_create (m, &cap, &s, &e) == NN_OK, "at the cap: %s",
         e.message);
  nn_session_free (s);
  nn_model_unref (m);
}

int
main (void)
{
  test_seed_cnn ();
  test_profile ();
  test_thread_init ();
  test_two_sessions_at_once ();
  test_batchnorm_folded ();
  test_shape_subgraph_folded ();
  test_metadata_and_args ();
  test_pool_flops ();
  test_gated_fusion ();
  test_silu_threads ();
  test_fused_activations ();
  test_session_accessors ();
  return check_report ("session");
}
