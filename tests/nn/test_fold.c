/* Load-time folding (nn/fold.c): BatchNormalization merged into the Conv
 * before it only when nothing else sees the tensors it rewrites, and nodes
 * whose inputs are all constants run once while loading. Every model is run
 * and its output compared with the value computed here, folded or not. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

static nn_status
load (mb *b, nn_model **m, nn_error *err)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_status s;
  memset (err, 0, sizeof *err);
  *m = NULL;
  s = nn_model_load_memory (bytes, size, NULL, m, err);
  mb_free (b);
  return s;
}

/* Runs with x as input 0; the session is returned for reading outputs. */
static nn_session *
run (nn_model *m, const float *x, size_t n)
{
  nn_session *s = NULL;
  nn_error e = { 0 };
  if (nn_session_create (m, NULL, &s, &e) != NN_OK) {
    CHECK (0, "session: %s", e.message);
    return NULL;
  }
  CHECK (nn_session_input_info (s, 0)->count == n, "input has %zu values",
         nn_session_input_info (s, 0)->count);
  memcpy (nn_session_input (s, 0), x, n * sizeof (float));
  CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
  return s;
}

static int
has_op (const nn_model *m, const char *op)
{
  for (size_t i = 0; i < nn_model_n_nodes (m); i++)
    if (strcmp (nn_model_node_op (m, i), op) == 0)
      return 1;
  return 0;
}

/* ---- BatchNormalization after Conv ---- */

enum {
  BN_NO_BIAS = 1 << 0,     /* the Conv has no bias input */
  BN_SPATIAL0 = 1 << 1,    /* opset 7, spatial = 0 */
  BN_AFTER_RELU = 1 << 2,  /* Conv -> Relu -> BN */
  BN_CONV_OUT = 1 << 3,    /* the Conv's output is a graph output too */
  BN_W_SHARED = 1 << 4,    /* a second Conv reads the same weights */
  BN_BIAS_SHARED = 1 << 5, /* a second Conv reads the same bias */
  BN_BETA_SHARED = 1 << 6, /* a second Conv reads BN's B as its bias */
  BN_W_COMPUTED = 1 << 7,  /* the weights come out of an Identity node */
  BN_STATS_OUT = 1 << 8,   /* BN lists an unread running-mean output */
  BN_EMPTY_BIAS = 1 << 9,  /* the Conv's bias input is named "" */
};

static const float bn_w[2] = { 2.0f, -1.0f }, bn_b[2] = { 0.5f, 1.0f };
static const float bn_sc[2] = { 1.5f, 0.5f }, bn_be[2] = { 0.1f, -0.2f };
static const float bn_mean[2] = { 0.3f, -0.4f }, bn_var[2] = { 4.0f, 0.25f };

/* x [1,1,2,2] -> Conv 1x1 to 2 channels -> BatchNormalization -> y */
static mb *
conv_bn (unsigned flags)
{
  mb *b = mb_new (8, flags & BN_SPATIAL0 ? 7 : 13);
  const char *c_out = flags & BN_AFTER_RELU ? "c0" : "c";
  const char *w = flags & BN_W_COMPUTED ? "wi" : "w";
  Onnx__NodeProto *bn;

  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 2, 2 });
  mb_init_f (b, "w", 4, (int64_t[]){ 2, 1, 1, 1 }, bn_w, 0);
  mb_init_f (b, "w2", 4, (int64_t[]){ 2, 1, 1, 1 }, NULL, 1.0f);
  mb_init_f (b, "b", 1, (int64_t[]){ 2 }, bn_b, 0);
  mb_init_f (b, "scale", 1, (int64_t[]){ 2 }, bn_sc, 0);
  mb_init_f (b, "beta", 1, (int64_t[]){ 2 }, bn_be, 0);
  mb_init_f (b, "mean", 1, (int64_t[]){ 2 }, bn_mean, 0);
  mb_init_f (b, "var", 1, (int64_t[]){ 2 }, bn_var, 0);
  if (flags & BN_W_COMPUTED)
    mb_node (b, "Identity", "wid", (const char *[]){ "w", NULL },
             (const char *[]){ "wi", NULL });
  if (flags & BN_EMPTY_BIAS)
    mb_node (b, "Conv", "conv", (const char *[]){ "x", w, "", NULL },
             (const char *[]){ c_out, NULL });
  else if (flags & BN_NO_BIAS)
    mb_node (b, "Conv", "conv", (const char *[]){ "x", w, NULL },
             (const char *[]){ c_out, NULL });
  else
    mb_node (b, "Conv", "conv", (const char *[]){ "x", w, "b", NULL },
             (const char *[]){ c_out, NULL });
  if (flags & BN_AFTER_RELU)
    mb_node (b, "Relu", "relu", (const char *[]){ "c0", NULL },
             (const char *[]){ "c", NULL });
  bn = mb_node (b, "BatchNormalization", "bn",
                (const char *[]){ "c", "scale", "beta", "mean", "var", NULL },
                flags & BN_STATS_OUT
                    ? (const char *[]){ "y", "running_mean", NULL }
                    : (const char *[]){ "y", NULL });
  mb_attr_f (b, bn, "epsilon", 1e-3f);
  if (flags & BN_SPATIAL0)
    mb_attr_i (b, bn, "spatial", 0);
  mb_output (b, "y");
  if (flags & BN_CONV_OUT)
    mb_output (b, c_out);
  if (flags & (BN_W_SHARED | BN_BIAS_SHARED | BN_BETA_SHARED)) {
    const char *w2 = flags & BN_W_SHARED ? "w" : "w2";
    const char *b2 = flags & BN_BETA_SHARED ? "beta" : "b";
    mb_node (b, "Conv", "conv2", (const char *[]){ "x", w2, b2, NULL },
             (const char *[]){ "y2", NULL });
    mb_output (b, "y2");
  }
  return b;
}

static void
test_batchnorm (void)
{
  static const struct {
    unsigned flags;
    int folded;
    const char *what;
  } cases[] = {
    { 0, 1, "plain" },
    { BN_NO_BIAS, 1, "conv without bias" },
    { BN_EMPTY_BIAS, 1, "conv bias left empty" },
    { BN_SPATIAL0, 0, "spatial = 0" },
    { BN_AFTER_RELU, 0, "a Relu between" },
    { BN_CONV_OUT, 0, "conv output also a graph output" },
    { BN_W_SHARED, 0, "weights shared" },
    { BN_BIAS_SHARED, 0, "conv bias shared" },
    { BN_BETA_SHARED, 0, "BN bias shared" },
    { BN_W_COMPUTED, 0, "weights computed" },
    { BN_STATS_OUT, 0, "statistics output listed" },
    { BN_NO_BIAS | BN_CONV_OUT, 0, "no bias, conv output read" },
  };
  const float x[4] = { -1.5f, -0.5f, 0.5f, 1.5f };

  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    unsigned f = cases[k].flags;
    nn_model *m;
    nn_error e;
    nn_session *s;
    nn_status st = load (conv_bn (f), &m, &e);
    CHECK (st == NN_OK, "%s: %s", cases[k].what, e.message);
    if (st != NN_OK)
      continue;
    CHECK (has_op (m, "BatchNormalization") == !cases[k].folded,
           "%s: BatchNormalization %s", cases[k].what,
           cases[k].folded ? "not folded" : "folded");
    if (!(s = run (m, x, 4))) {
      nn_model_unref (m);
      continue;
    }
    for (int c = 0; c < 2; c++)
      for (int i = 0; i < 4; i++) {
        double conv = bn_w[c] * x[i]
                      + (f & (BN_NO_BIAS | BN_EMPTY_BIAS) ? 0.0 : bn_b[c]);
        double in = f & BN_AFTER_RELU ? fmax (conv, 0.0) : conv;
        double want
            = bn_sc[c] * (in - bn_mean[c]) / sqrt (bn_var[c] + 1e-3) + bn_be[c];
        float got = nn_session_output (s, 0)[c * 4 + i];
        CHECK (fabs (got - want) < 1e-5, "%s: y c%d i%d = %f, wanted %f",
               cases[k].what, c, i, got, want);
        if (f & BN_CONV_OUT) {
          got = nn_session_output (s, 1)[c * 4 + i];
          CHECK (fabs (got - conv) < 1e-6, "%s: conv c%d i%d = %f, wanted %f",
                 cases[k].what, c, i, got, conv);
        }
        if (f & (BN_W_SHARED | BN_BIAS_SHARED | BN_BETA_SHARED)) {
          double w2 = f & BN_W_SHARED ? bn_w[c] : 1.0;
          double b2 = f & BN_BETA_SHARED ? bn_be[c] : bn_b[c];
          got = nn_session_output (s, 1)[c * 4 + i];
          CHECK (fabs (got - (w2 * x[i] + b2)) < 1e-6,
                 "%s: y2 c%d i%d = %f, wanted %f", cases[k].what, c, i, got,
                 w2 * x[i] + b2);
        }
      }
    nn_session_free (s);
    nn_model_unref (m);
  }
}

/* BatchNormalization inputs that the node itself refuses: not folded
 * around, refused with the rule's message. */
static void
test_batchnorm_refused (void)
{
  nn_model *m;
  nn_error e;
  nn_status s;
  mb *b = conv_bn (0);
  Onnx__TensorProto *scale = mb_model (b)->graph->initializer[3];

  scale->dims[0] = 1;
  scale->raw_data.len = 4; /* one scale for two channels */
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_SHAPE, "input scale ('scale') has 1 values, X has 2");
  nn_model_unref (m);

  /* a BatchNormalization or Conv short of inputs: left for the node's own
   * rule to refuse */
  b = conv_bn (0);
  mb_model (b)->graph->node[1]->n_input = 4;
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL,
             "node 'bn' (BatchNormalization): has 4 inputs, expected 5");
  nn_model_unref (m);
  b = conv_bn (0);
  mb_model (b)->graph->node[1]->input[0] = (char *)"";
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL,
             "node 'bn' (BatchNormalization): required input 0 is missing");
  nn_model_unref (m);
  b = conv_bn (0);
  mb_model (b)->graph->node[0]->n_input = 1;
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL, "node 'conv' (Conv): has 1 inputs");
  nn_model_unref (m);
  /* weights with no output channel */
  b = conv_bn (0);
  mb_model (b)->graph->initializer[0]->dims[0] = 0;
  mb_model (b)->graph->initializer[0]->raw_data.len = 0;
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL, "weight W has 0 output channels");
  nn_model_unref (m);

  b = conv_bn (0);
  mb_model (b)->graph->initializer[5]->name = (char *)"mean_f";
  mb_init_i64 (b, "mean", 1, (int64_t[]){ 2 }, (int64_t[]){ 0, 1 });
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_UNSUPPORTED,
             "node 'bn' (BatchNormalization): input mean ('mean') is int64, "
             "not float");
  nn_model_unref (m);
}

/* ---- nodes of constants run while loading ---- */

/* y = x + f(K) for a constant K [1,1,3,3] = 1..9: f runs at load, only
 * the Add is left to run. */
static const float k9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static mb *
const_model (int opset, const int64_t *ydims)
{
  mb *b = mb_new (8, opset);
  mb_input (b, "x", 4, ydims);
  mb_init_f (b, "K", 4, (int64_t[]){ 1, 1, 3, 3 }, k9, 0);
  return b;
}

static void
check_plus_x (mb *b, const char *what, const float *fk, size_t n)
{
  nn_model *m;
  nn_error e;
  nn_session *s;
  float x[9];
  nn_status st = load (b, &m, &e);
  CHECK (st == NN_OK, "%s: %s", what, e.message);
  if (st != NN_OK)
    return;
  CHECK (nn_model_n_nodes (m) == 1 && has_op (m, "Add"),
         "%s: %zu steps, the first %s", what, nn_model_n_nodes (m),
         nn_model_n_nodes (m) ? nn_model_node_op (m, 0) : "-");
  for (size_t i = 0; i < n; i++)
    x[i] = 0.25f * (float)i - 1.0f;
  if ((s = run (m, x, n))) {
    for (size_t i = 0; i < n; i++)
      CHECK (nn_session_output (s, 0)[i] == x[i] + fk[i],
             "%s: y[%zu] = %f, wanted %f", what, i, nn_session_output (s, 0)[i],
             x[i] + fk[i]);
    nn_session_free (s);
  }
  nn_model_unref (m);
}

static void
test_constant_nodes (void)
{
  mb *b;
  const int64_t d22[] = { 1, 1, 2, 2 }, d33[] = { 1, 1, 3, 3 };

  /* Conv 2x2 of K (a node with scratch memory) */
  {
    const float w[4] = { 1, -1, 0.5f, 2 };
    float want[4];
    for (int oy = 0; oy < 2; oy++)
      for (int ox = 0; ox < 2; ox++)
        want[oy * 2 + ox] = w[0] * k9[oy * 3 + ox] + w[1] * k9[oy * 3 + ox + 1]
                            + w[2] * k9[(oy + 1) * 3 + ox]
                            + w[3] * k9[(oy + 1) * 3 + ox + 1];
    b = const_model (13, d22);
    mb_init_f (b, "w", 4, (int64_t[]){ 1, 1, 2, 2 }, w, 0);
    mb_node (b, "Conv", "conv", (const char *[]){ "K", "w", NULL },
             (const char *[]){ "c", NULL });
    mb_node (b, "Add", "add", (const char *[]){ "x", "c", NULL },
             (const char *[]){ "y", NULL });
    mb_output (b, "y");
    check_plus_x (b, "Conv of constants", want, 4);
  }

  /* MaxPool 2x2 stride 1 of K, its unread Indices output left out */
  {
    const float want[4] = { 5, 6, 8, 9 };
    Onnx__NodeProto *n;
    b = const_model (13, d22);
    n = mb_node (b, "MaxPool", "pool", (const char *[]){ "K", NULL },
                 (const char *[]){ "p", "idx", NULL });
    mb_attr_ints (b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
    mb_node (b, "Add", "add", (const char *[]){ "x", "p", NULL },
             (const char *[]){ "y", NULL });
    mb_output (b, "y");
    check_plus_x (b, "MaxPool of constants", want, 4);
  }

  /* Dropout of K, its mask unread: a view sharing K's data */
  b = const_model (13, d33);
  mb_node (b, "Dropout", "drop", (const char *[]){ "K", NULL },
           (const char *[]){ "d", "mask", NULL });
  mb_node (b, "Add", "add", (const char *[]){ "x", "d", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  check_plus_x (b, "Dropout of constants", k9, 9);

  /* Dropout of K with its mask read: computed, the mask all true */
  {
    nn_model *m;
    nn_error e;
    nn_session *s;
    float x[9] = { 0 };
    nn_status st;
    b = const_model (13, d33);
    mb_node (b, "Dropout", "drop", (const char *[]){ "K", NULL },
             (const char *[]){ "d", "mask", NULL });
    mb_node (b, "Add", "add", (const char *[]){ "x", "d", NULL },
             (const char *[]){ "y", NULL });
    mb_output (b, "y");
    mb_output (b, "mask");
    st = load (b, &m, &e);
    CHECK (st == NN_OK, "Dropout with mask: %s", e.message);
    if (st == NN_OK && (s = run (m, x, 9))) {
      const uint8_t *mask = nn_session_output_data (s, 1);
      CHECK (nn_session_output_info (s, 1)->dtype == NN_DTYPE_BOOL,
             "mask is bool");
      for (int i = 0; i < 9; i++) {
        CHECK (nn_session_output (s, 0)[i] == k9[i], "d[%d] = %f", i,
               nn_session_output (s, 0)[i]);
        CHECK (mask[i] == 1, "mask[%d] = %d", i, mask[i]);
      }
      nn_session_free (s);
    }
    nn_model_unref (m);
  }

  /* Reshape of K: shares K's data */
  b = const_model (13, d33);
  mb_init_i64 (b, "shape", 1, (int64_t[]){ 4 }, (int64_t[]){ 1, 1, 3, 3 });
  mb_node (b, "Reshape", "rs", (const char *[]){ "K", "shape", NULL },
           (const char *[]){ "r", NULL });
  mb_node (b, "Add", "add", (const char *[]){ "x", "r", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  check_plus_x (b, "Reshape of constants", k9, 9);
}

/* A constant node with more outputs than folding takes: refused by name. */
static void
test_too_many_outputs (void)
{
  mb *b = mb_new (8, 13);
  const char *outs[67] = { NULL };
  static char names[66][8];
  nn_model *m;
  nn_error e;
  nn_status s;

  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 1, 1 });
  mb_init_f (b, "v", 1, (int64_t[]){ 65 }, NULL, 1.0f);
  for (int i = 0; i < 65; i++) {
    snprintf (names[i], sizeof names[i], "p%d", i);
    outs[i] = names[i];
  }
  mb_node (b, "Split", "split", (const char *[]){ "v", NULL }, outs);
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  mb_output (b, "p64");
  s = load (b, &m, &e);
  CHECK_ERR (s, e, NN_UNSUPPORTED, "node 'split' (Split): too many outputs");
  nn_model_unref (m);
}

int
main (void)
{
  test_batchnorm ();
  test_batchnorm_refused ();
  test_constant_nodes ();
  test_too_many_outputs ();
  return check_report ("folding");
}
