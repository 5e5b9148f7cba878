/* Sessions end to end on models built in memory: the seed CNN against the
 * naive reference kernels, thread counts, batch sizes, BatchNorm folding,
 * shape sub-graph folding, metadata, and two sessions running at once on
 * one shared model. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

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
  test_two_sessions_at_once ();
  test_batchnorm_folded ();
  test_shape_subgraph_folded ();
  test_metadata_and_args ();
  test_pool_flops ();
  test_fused_activations ();
  test_session_accessors ();
  return check_report ("session");
}
