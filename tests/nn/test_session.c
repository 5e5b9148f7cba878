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
    double *us = calloc (n, sizeof *us), steps = 0, wall = 0;
    for (int r = 0; r < 50; r++) {
      double t0 = mono_us ();
      CHECK (nn_session_run_profiled (s, us, &e) == NN_OK, "profiled: %s",
             e.message);
      wall += mono_us () - t0;
      for (size_t i = 0; i < n; i++) {
        CHECK (us[i] >= 0, "step %zu took %g us", i, us[i]);
        steps += us[i];
      }
    }
    CHECK (memcmp (plain, nn_session_output (s, 0), oi->count * sizeof (float))
               == 0,
           "a profiled run gives other outputs");
    /* Within 10 %: what the steps leave out is a clock reading. */
    CHECK (steps <= wall && steps >= 0.9 * wall,
           "%d threads: steps add up to %g us of %g us", threads, steps, wall);
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
  return check_report ("session");
}
