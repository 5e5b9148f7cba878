/* Activations fused into the Conv that produces their input: which ones
 * fuse (the step names them) and which must stay apart (another reader,
 * a graph output, a bound known only at run time), and in every case the
 * values equal the activation computed here on the Conv's output. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

enum tail {
  T_RELU,
  T_LEAKY,
  T_CLIP,
  T_CLIP_RUNTIME, /* Clip's min is ReduceMin(x): not a constant */
  T_SIGMOID,
  T_HARD_SIGMOID,
  T_HARD_SWISH,
  T_TANH,
  T_SILU,         /* Mul(c, Sigmoid(c)) */
  T_SILU_SWAPPED, /* Mul(Sigmoid(c), c) */
  T_HARD_GATE,    /* Mul(c, HardSigmoid(c)) */
  T_SILU_SIG_OUT, /* SiLU whose Sigmoid output is a graph output too */
  T_SIG_SQUARED,  /* Mul(Sigmoid(c), Sigmoid(c)) */
  T_TANH_GATE,    /* Mul(c, Tanh(c)): no such fused gate */
  T_RELU_RELU,    /* Relu(Relu(c)): only the first fuses */
  T_CONV_OUT,     /* c is a graph output and read by a Relu */
  T_TWO_READERS,  /* Relu(c) and Add(c, c) */
  T_SILU_TWICE,   /* Mul(c, Sigmoid(c)) and Sigmoid(c) also read by Relu */
};

static const struct {
  enum tail tail;
  const char *name;
  size_t steps;      /* steps the session runs */
  const char *fused; /* what the Conv's step also computes */
} cases[] = {
  { T_RELU, "Relu", 1, "Relu" },
  { T_LEAKY, "LeakyRelu", 1, "LeakyRelu" },
  { T_CLIP, "Clip", 1, "Clip" },
  { T_CLIP_RUNTIME, "Clip with a runtime min", 3, "" },
  { T_SIGMOID, "Sigmoid", 1, "Sigmoid" },
  { T_HARD_SIGMOID, "HardSigmoid", 1, "HardSigmoid" },
  { T_HARD_SWISH, "HardSwish", 1, "HardSwish" },
  { T_TANH, "Tanh", 1, "Tanh" },
  { T_SILU, "SiLU", 1, "Sigmoid+Mul" },
  { T_SILU_SWAPPED, "SiLU, Mul's inputs swapped", 1, "Sigmoid+Mul" },
  { T_HARD_GATE, "HardSigmoid gate", 1, "HardSigmoid+Mul" },
  { T_SILU_SIG_OUT, "SiLU, Sigmoid also an output", 3, "" },
  { T_SIG_SQUARED, "Sigmoid squared", 2, "Sigmoid" },
  { T_TANH_GATE, "Tanh gate", 3, "" },
  { T_RELU_RELU, "Relu of Relu", 2, "Relu" },
  { T_CONV_OUT, "Conv output read twice", 2, "" },
  { T_TWO_READERS, "Relu and Add", 3, "" },
  { T_SILU_TWICE, "SiLU, Sigmoid read again", 4, "" },
};

static double
sig (double v)
{
  return 1.0 / (1.0 + exp (-v));
}

static double
hsig (double v)
{
  return fmax (0.0, fmin (1.0, 0.2 * v + 0.5));
}

/* Output 0 for conv value v; x_min is the least input value. */
static double
expected (enum tail t, double v, double x_min)
{
  switch (t) {
  case T_RELU:
  case T_RELU_RELU:
  case T_CONV_OUT:
    return fmax (v, 0.0);
  case T_LEAKY:
    return v < 0 ? 0.1 * v : v;
  case T_CLIP:
    return fmin (fmax (v, -0.5), 0.5);
  case T_CLIP_RUNTIME:
    return fmax (v, x_min);
  case T_SIGMOID:
    return sig (v);
  case T_HARD_SIGMOID:
    return hsig (v);
  case T_HARD_SWISH:
    return v * fmax (0.0, fmin (1.0, v / 6.0 + 0.5));
  case T_TANH:
    return tanh (v);
  case T_SILU:
  case T_SILU_SWAPPED:
  case T_SILU_SIG_OUT:
  case T_SILU_TWICE:
    return v * sig (v);
  case T_HARD_GATE:
    return v * hsig (v);
  case T_SIG_SQUARED:
    return sig (v) * sig (v);
  case T_TANH_GATE:
    return v * tanh (v);
  case T_TWO_READERS:
    return fmax (v, 0.0);
  }
  return NAN;
}

#define NODE(b, op, name, ins, outs)                                           \
  mb_node ((b), (op), (name), (const char *[]){ ins, NULL },                   \
           (const char *[]){ outs, NULL })
#define IN2(a, b) a, b

/* x [1,1,2,3] -> Conv 1x1 (w 1.5, bias 0.25) -> c -> the tail -> y */
static mb *
chain (enum tail t)
{
  mb *b = mb_new (8, 14);
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 2, 3 });
  mb_init_f (b, "w", 4, (int64_t[]){ 1, 1, 1, 1 }, NULL, 1.5f);
  mb_init_f (b, "bias", 1, (int64_t[]){ 1 }, NULL, 0.25f);
  mb_node (b, "Conv", "conv", (const char *[]){ "x", "w", "bias", NULL },
           (const char *[]){ "c", NULL });
  switch (t) {
  case T_RELU:
    NODE (b, "Relu", "act", "c", "y");
    break;
  case T_LEAKY:
    mb_attr_f (b, NODE (b, "LeakyRelu", "act", "c", "y"), "alpha", 0.1f);
    break;
  case T_CLIP:
    mb_init_f (b, "lo", 0, NULL, NULL, -0.5f);
    mb_init_f (b, "hi", 0, NULL, NULL, 0.5f);
    mb_node (b, "Clip", "act", (const char *[]){ "c", "lo", "hi", NULL },
             (const char *[]){ "y", NULL });
    break;
  case T_CLIP_RUNTIME:
    mb_attr_i (b, NODE (b, "ReduceMin", "min", "x", "lo"), "keepdims", 0);
    NODE (b, "Clip", "act", IN2 ("c", "lo"), "y");
    break;
  case T_SIGMOID:
    NODE (b, "Sigmoid", "act", "c", "y");
    break;
  case T_HARD_SIGMOID:
    NODE (b, "HardSigmoid", "act", "c", "y");
    break;
  case T_HARD_SWISH:
    NODE (b, "HardSwish", "act", "c", "y");
    break;
  case T_TANH:
    NODE (b, "Tanh", "act", "c", "y");
    break;
  case T_SILU:
  case T_SILU_SIG_OUT:
    NODE (b, "Sigmoid", "sig", "c", "s");
    NODE (b, "Mul", "mul", IN2 ("c", "s"), "y");
    break;
  case T_SILU_SWAPPED:
    NODE (b, "Sigmoid", "sig", "c", "s");
    NODE (b, "Mul", "mul", IN2 ("s", "c"), "y");
    break;
  case T_HARD_GATE:
    NODE (b, "HardSigmoid", "sig", "c", "s");
    NODE (b, "Mul", "mul", IN2 ("c", "s"), "y");
    break;
  case T_SIG_SQUARED:
    NODE (b, "Sigmoid", "sig", "c", "s");
    NODE (b, "Mul", "mul", IN2 ("s", "s"), "y");
    break;
  case T_TANH_GATE:
    NODE (b, "Tanh", "tanh", "c", "s");
    NODE (b, "Mul", "mul", IN2 ("c", "s"), "y");
    break;
  case T_RELU_RELU:
    NODE (b, "Relu", "act", "c", "r");
    NODE (b, "Relu", "act2", "r", "y");
    break;
  case T_CONV_OUT:
    NODE (b, "Relu", "act", "c", "y");
    break;
  case T_TWO_READERS:
    NODE (b, "Relu", "act", "c", "y");
    NODE (b, "Add", "add", IN2 ("c", "c"), "y2");
    break;
  case T_SILU_TWICE:
    NODE (b, "Sigmoid", "sig", "c", "s");
    NODE (b, "Mul", "mul", IN2 ("c", "s"), "y");
    NODE (b, "Relu", "relu", "s", "y2");
    break;
  }
  mb_output (b, "y");
  if (t == T_SILU_SIG_OUT)
    mb_output (b, "s");
  if (t == T_CONV_OUT)
    mb_output (b, "c");
  if (t == T_TWO_READERS || t == T_SILU_TWICE)
    mb_output (b, "y2");
  return b;
}

static void
test_case (size_t k)
{
  enum tail t = cases[k].tail;
  mb *b = chain (t);
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_model *m = NULL;
  nn_session *s = NULL;
  nn_error e = { 0 };
  nn_step_info info;
  float *x;
  const float *y;
  double x_min = 0;

  if (nn_model_load_memory (bytes, size, NULL, &m, &e) != NN_OK
      || nn_session_create (m, NULL, &s, &e) != NN_OK) {
    CHECK (0, "%s: %s", cases[k].name, e.message);
    nn_model_unref (m);
    mb_free (b);
    return;
  }
  CHECK (nn_session_n_steps (s) == cases[k].steps, "%s: %zu steps",
         cases[k].name, nn_session_n_steps (s));
  CHECK (nn_session_step_info (s, 0, &info, &e) == NN_OK
             && strcmp (info.op, "Conv") == 0
             && strcmp (info.fused, cases[k].fused) == 0,
         "%s: step 0 is %s fused with '%s', wanted '%s'", cases[k].name,
         info.op, info.fused, cases[k].fused);
  x = nn_session_input (s, 0);
  for (int i = 0; i < 6; i++) {
    x[i] = 0.75f * (float)i - 2.0f;
    x_min = i == 0 ? x[i] : fmin (x_min, x[i]);
  }
  CHECK (nn_session_run (s, &e) == NN_OK, "%s: run: %s", cases[k].name,
         e.message);
  y = nn_session_output (s, 0);
  for (int i = 0; i < 6; i++) {
    double v = 1.5 * x[i] + 0.25, want = expected (t, v, x_min);
    CHECK (fabs (y[i] - want) < 1e-5, "%s: y[%d] = %f, wanted %f",
           cases[k].name, i, y[i], want);
    if (t == T_SILU_SIG_OUT)
      CHECK (fabs (nn_session_output (s, 1)[i] - sig (v)) < 1e-6,
             "%s: s[%d] = %f", cases[k].name, i, nn_session_output (s, 1)[i]);
    if (t == T_CONV_OUT)
      CHECK (fabs (nn_session_output (s, 1)[i] - v) < 1e-6, "%s: c[%d] = %f",
             cases[k].name, i, nn_session_output (s, 1)[i]);
    if (t == T_TWO_READERS)
      CHECK (fabs (nn_session_output (s, 1)[i] - 2 * v) < 1e-5,
             "%s: y2[%d] = %f", cases[k].name, i, nn_session_output (s, 1)[i]);
    if (t == T_SILU_TWICE)
      CHECK (fabs (nn_session_output (s, 1)[i] - sig (v)) < 1e-6,
             "%s: y2[%d] = %f", cases[k].name, i, nn_session_output (s, 1)[i]);
  }
  nn_session_free (s);
  nn_model_unref (m);
  mb_free (b);
}

int
main (void)
{
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    test_case (k);
  return check_report ("fusion");
}
