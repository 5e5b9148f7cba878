/* The ONNX graph reader (nn/onnx.c) past what test_loader_rules covers:
 * attributes of every type (and untyped ones, as IR < 3 files write them),
 * constants bound to graph inputs by the caller, node and graph input and
 * output declarations, file order. Each rule refused with its status and
 * a message naming it; each accepted form run and its values checked. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

static nn_status
load_opts (mb *b, const nn_load_options *opts, nn_model **m, nn_error *err)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_status s;
  memset (err, 0, sizeof *err);
  *m = NULL;
  s = nn_model_load_memory (bytes, size, opts, m, err);
  CHECK ((s == NN_OK) == (*m != NULL), "model pointer and status disagree");
  mb_free (b);
  return s;
}

#define EXPECT_OPTS(b, opts, want, needle)                                     \
  do {                                                                         \
    nn_error e_;                                                               \
    nn_model *m_;                                                              \
    nn_status s_ = load_opts ((b), (opts), &m_, &e_);                          \
    CHECK_ERR (s_, e_, (want), (needle));                                      \
    nn_model_unref (m_);                                                       \
  } while (0)
#define EXPECT(b, want, needle) EXPECT_OPTS (b, NULL, want, needle)

/* Loads, runs once on x (n values), returns the session or NULL. */
static nn_session *
load_run (mb *b, const nn_load_options *opts, const float *x, size_t n,
          const char *what)
{
  nn_model *m;
  nn_session *s = NULL;
  nn_error e;
  if (load_opts (b, opts, &m, &e) != NN_OK
      || nn_session_create (m, NULL, &s, &e) != NN_OK) {
    CHECK (0, "%s: %s", what, e.message);
    nn_model_unref (m);
    return NULL;
  }
  nn_model_unref (m); /* the session holds its own reference */
  if (n) {
    CHECK (nn_session_input_info (s, 0)->count == n, "%s: input of %zu", what,
           nn_session_input_info (s, 0)->count);
    memcpy (nn_session_input (s, 0), x, n * sizeof (float));
  }
  CHECK (nn_session_run (s, &e) == NN_OK, "%s: run: %s", what, e.message);
  return s;
}

#define NODE1(b, op, name, in, out)                                            \
  mb_node ((b), (op), (name), (const char *[]){ in, NULL },                    \
           (const char *[]){ out, NULL })

static Onnx__AttributeProto *
last_attr (Onnx__NodeProto *n)
{
  return n->attribute[n->n_attribute - 1];
}

/* An initializer made into a node's TENSOR attribute `name`. */
static Onnx__AttributeProto *
tensor_attr (mb *b, Onnx__NodeProto *n, const char *name, int ndim,
             const int64_t *dims, const float *data)
{
  Onnx__TensorProto *t = mb_init_f (b, "", ndim, dims, data, 0);
  Onnx__AttributeProto *a;
  mb_model (b)->graph->n_initializer--;
  mb_attr_i (b, n, name, 0);
  a = last_attr (n);
  a->has_i = 0;
  a->type = 4; /* TENSOR */
  a->t = t;
  return a;
}

static void
untyped (Onnx__AttributeProto *a)
{
  a->has_type = 0;
  a->type = 0;
}

static const float x3[3] = { -2.0f, 0.5f, 4.0f };
static const float k3[3] = { 10.0f, 20.0f, 30.0f };

/* x [1,3,1,1] + Constant(value) */
static mb *
constant_model (int untyped_value)
{
  mb *b = mb_new (8, 13);
  Onnx__NodeProto *n;
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  n = mb_node (b, "Constant", "k", NULL, (const char *[]){ "kv", NULL });
  if (untyped_value)
    untyped (tensor_attr (b, n, "value", 4, (int64_t[]){ 1, 3, 1, 1 }, k3));
  else
    tensor_attr (b, n, "value", 4, (int64_t[]){ 1, 3, 1, 1 }, k3);
  mb_node (b, "Add", "add", (const char *[]){ "x", "kv", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  return b;
}

static void
test_attributes (void)
{
  mb *b;
  nn_session *s;
  Onnx__NodeProto *n;

  /* A Constant's TENSOR attribute, typed and untyped */
  for (int u = 0; u < 2; u++)
    if ((s = load_run (constant_model (u), NULL, x3, 3, "Constant"))) {
      for (int i = 0; i < 3; i++)
        CHECK (nn_session_output (s, 0)[i] == x3[i] + k3[i],
               "Constant (untyped %d): y[%d] = %f", u, i,
               nn_session_output (s, 0)[i]);
      nn_session_free (s);
    }

  b = constant_model (0);
  mb_model (b)->graph->node[0]->attribute[0]->t = NULL;
  EXPECT (b, NN_BAD_MODEL, "attribute 'value' of type TENSOR has no tensor");

  b = constant_model (0);
  mb_model (b)->graph->node[0]->attribute[0]->t->raw_data.len = 4;
  EXPECT (b, NN_BAD_MODEL,
          "node 'k' (Constant): attribute 'value': raw data has 4 bytes, "
          "dims need 12");

  /* untyped FLOAT: LeakyRelu's alpha */
  {
    static const float xl[3] = { -2.0f, -0.5f, 3.0f };
    b = mb_new (8, 13);
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
    n = NODE1 (b, "LeakyRelu", "lr", "x", "y");
    mb_attr_f (b, n, "alpha", 0.25f);
    untyped (last_attr (n));
    mb_output (b, "y");
    if ((s = load_run (b, NULL, xl, 3, "untyped float"))) {
      for (int i = 0; i < 3; i++)
        CHECK (nn_session_output (s, 0)[i] == (xl[i] < 0 ? 0.25f : 1) * xl[i],
               "untyped alpha: y[%d] = %f", i, nn_session_output (s, 0)[i]);
      nn_session_free (s);
    }
  }

  /* untyped INT: Flatten's axis; untyped INTS and STRING: MaxPool's
   * kernel_shape and auto_pad */
  {
    float x12[12];
    for (int i = 0; i < 12; i++)
      x12[i] = (float)((i * 7) % 12);
    b = mb_new (8, 13);
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 2, 2 });
    n = NODE1 (b, "MaxPool", "pool", "x", "p");
    mb_attr_ints (b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
    untyped (last_attr (n));
    mb_attr_s (b, n, "auto_pad", "SAME_UPPER");
    untyped (last_attr (n));
    n = NODE1 (b, "Flatten", "flat", "p", "y");
    mb_attr_i (b, n, "axis", 2);
    untyped (last_attr (n));
    mb_output (b, "y");
    if ((s = load_run (b, NULL, x12, 12, "untyped int, ints, string"))) {
      const nn_tensor_info *oi = nn_session_output_info (s, 0);
      CHECK (oi->ndim == 2 && oi->dims[0] == 3 && oi->dims[1] == 4,
             "Flatten axis 2 of [1,3,2,2]: [%lld, %lld]",
             (long long)oi->dims[0], (long long)oi->dims[1]);
      /* SAME_UPPER pads after: each output is the max of the window
       * starting at it, clipped to the image. */
      for (int c = 0; c < 3; c++)
        for (int yy = 0; yy < 2; yy++)
          for (int xx = 0; xx < 2; xx++) {
            float want = -INFINITY;
            for (int dy = yy; dy < 2; dy++)
              for (int dx = xx; dx < 2; dx++)
                want = fmaxf (want, x12[c * 4 + dy * 2 + dx]);
            CHECK (nn_session_output (s, 0)[c * 4 + yy * 2 + xx] == want,
                   "pool c%d (%d,%d) = %f, wanted %f", c, yy, xx,
                   nn_session_output (s, 0)[c * 4 + yy * 2 + xx], want);
          }
      nn_session_free (s);
    }
  }

  /* untyped FLOATS: Upsample's scales (opset 7) */
  {
    static const float x2[3] = { 1, 2, 3 };
    Onnx__AttributeProto *a;
    static float scales[4] = { 1, 1, 2, 2 };
    b = mb_new (8, 7);
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
    n = NODE1 (b, "Upsample", "up", "x", "y");
    mb_attr_f (b, n, "scales", 0);
    a = last_attr (n);
    a->has_f = 0;
    a->floats = scales;
    a->n_floats = 4;
    untyped (a);
    mb_output (b, "y");
    if ((s = load_run (b, NULL, x2, 3, "untyped floats"))) {
      CHECK (nn_session_output_info (s, 0)->count == 12, "upsampled to %zu",
             nn_session_output_info (s, 0)->count);
      for (int i = 0; i < 12; i++)
        CHECK (nn_session_output (s, 0)[i] == x2[i / 4], "up[%d] = %f", i,
               nn_session_output (s, 0)[i]);
      nn_session_free (s);
    }
  }

#define RELU_ATTR(b, n)                                                        \
  do {                                                                         \
    b = mb_new (8, 13);                                                        \
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });                           \
    n = NODE1 (b, "Relu", "r", "x", "y");                                      \
    mb_output (b, "y");                                                        \
    mb_attr_i (b, n, "extra", 1);                                              \
  } while (0)

  /* untyped and holding nothing: no type to read */
  RELU_ATTR (b, n);
  last_attr (n)->has_i = 0;
  untyped (last_attr (n));
  EXPECT (b, NN_UNSUPPORTED, "attribute 'extra' has type 0");

  RELU_ATTR (b, n);
  last_attr (n)->type = 11; /* SPARSE_TENSOR */
  EXPECT (b, NN_UNSUPPORTED,
          "node 'r' (Relu): attribute 'extra' has type 11, which is not "
          "supported");

  RELU_ATTR (b, n);
  last_attr (n)->type = 8; /* STRINGS: read by no operator, accepted */
  last_attr (n)->has_i = 0;
  EXPECT (b, NN_OK, NULL);

  RELU_ATTR (b, n);
  last_attr (n)->name = (char *)"";
  EXPECT (b, NN_BAD_MODEL, "node 'r' (Relu): attribute without name");

  RELU_ATTR (b, n);
  last_attr (n)->ref_attr_name = (char *)"alpha";
  EXPECT (b, NN_BAD_MODEL,
          "attribute 'extra' refers to a function attribute outside a "
          "function");
#undef RELU_ATTR
}

/* nn_load_options.consts: graph inputs frozen to the caller's values. */
static void
test_const_inputs (void)
{
  static const int64_t shape_dims[1] = { 2 }, flat[2] = { 1, 12 };
  nn_const_input c[3] = { { 0 } };
  nn_load_options o = { 0 };
  nn_session *s;
  float x[12];

#define RESHAPE_MODEL(b)                                                       \
  do {                                                                         \
    b = mb_new (8, 13);                                                        \
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 2, 2 });                           \
    mb_input (b, "shape", 1, (int64_t[]){ 2 });                                \
    mb_node (b, "Reshape", "rs", (const char *[]){ "x", "shape", NULL },       \
             (const char *[]){ "y", NULL });                                   \
    mb_output (b, "y");                                                        \
  } while (0)
  mb *b;

  for (int i = 0; i < 12; i++)
    x[i] = (float)i * 0.5f;
  /* an entry without a name and one for no input are passed over */
  c[0].name = NULL;
  c[1].name = "no_such_input";
  c[1].dtype = NN_DTYPE_FLOAT;
  c[2] = (nn_const_input){ "shape", NN_DTYPE_INT64, 1, shape_dims, flat };
  o.consts = c;
  o.n_consts = 3;
  RESHAPE_MODEL (b);
  if ((s = load_run (b, &o, x, 12, "bound shape"))) {
    const nn_tensor_info *oi = nn_session_output_info (s, 0);
    CHECK (nn_session_n_inputs (s) == 1, "one runtime input, %zu",
           nn_session_n_inputs (s));
    CHECK (oi->ndim == 2 && oi->dims[0] == 1 && oi->dims[1] == 12,
           "reshaped to [%lld, %lld]", (long long)oi->dims[0],
           (long long)oi->dims[1]);
    CHECK (memcmp (nn_session_output (s, 0), x, sizeof x) == 0,
           "reshape keeps the values");
    nn_session_free (s);
  }

  o.consts = &c[2];
  o.n_consts = 1;
  c[2].dtype = (nn_dtype)99;
  RESHAPE_MODEL (b);
  EXPECT_OPTS (b, &o, NN_INVALID_ARG,
               "constant for input 'shape' has unknown type 99");
  c[2].dtype = NN_DTYPE_INT64;

  c[2].dims = (const int64_t[]){ -2 };
  RESHAPE_MODEL (b);
  EXPECT_OPTS (b, &o, NN_INVALID_ARG,
               "tensor 'shape' would have negative dimension -2 at axis 0");
  c[2].dims = (const int64_t[]){ (int64_t)1 << 40 };
  RESHAPE_MODEL (b);
  EXPECT_OPTS (b, &o, NN_INVALID_ARG, "tensor 'shape' would have more than");
  c[2].dims = shape_dims;
  c[2].ndim = 9;
  RESHAPE_MODEL (b);
  EXPECT_OPTS (b, &o, NN_INVALID_ARG, "tensor 'shape' has rank 9, at most 8");
  c[2].ndim = -1;
  RESHAPE_MODEL (b);
  EXPECT_OPTS (b, &o, NN_INVALID_ARG, "tensor 'shape' has rank -1");
#undef RESHAPE_MODEL
}

static void
test_nodes (void)
{
  mb *b;
  nn_session *s;
  Onnx__NodeProto *n;

#define RELU(b, n)                                                             \
  do {                                                                         \
    b = mb_new (8, 13);                                                        \
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });                           \
    n = NODE1 (b, "Relu", "r", "x", "y");                                      \
    mb_output (b, "y");                                                        \
  } while (0)

  RELU (b, n);
  n->n_output = 0;
  EXPECT (b, NN_BAD_MODEL, "node 'r' (Relu): node has no outputs");

  RELU (b, n);
  n->output[0] = (char *)"";
  EXPECT (b, NN_BAD_MODEL, "node 'r' (Relu): all outputs are unnamed");

  {
    static char *many[4097];
    for (int i = 0; i < 4097; i++)
      many[i] = (char *)"x";
    b = mb_new (8, 13);
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
    n = NODE1 (b, "Sum", "sum", "x", "y");
    n->input = many;
    n->n_input = 4097;
    mb_output (b, "y");
    EXPECT (b, NN_BAD_MODEL, "node 'sum' (Sum): too many inputs/outputs");
  }
#undef RELU

  /* Nodes listed after their readers run in data order. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  mb_node (b, "Mul", "late", (const char *[]){ "a", "x", NULL },
           (const char *[]){ "y", NULL });
  mb_node (b, "Add", "early", (const char *[]){ "x", "x", NULL },
           (const char *[]){ "a", NULL });
  mb_output (b, "y");
  if ((s = load_run (b, NULL, x3, 3, "file order"))) {
    for (int i = 0; i < 3; i++)
      CHECK (nn_session_output (s, 0)[i] == 2 * x3[i] * x3[i],
             "out of order: y[%d] = %f", i, nn_session_output (s, 0)[i]);
    nn_session_free (s);
  }

  /* Trailing unnamed outputs are dropped: Dropout without its mask. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  mb_node (b, "Dropout", "drop", (const char *[]){ "x", NULL },
           (const char *[]){ "y", "", NULL });
  mb_output (b, "y");
  if ((s = load_run (b, NULL, x3, 3, "trailing unnamed output"))) {
    CHECK (memcmp (nn_session_output (s, 0), x3, sizeof x3) == 0,
           "Dropout passes its input");
    nn_session_free (s);
  }

  /* An omitted optional input: Clip with only a max. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  mb_init_f (b, "hi", 0, NULL, NULL, 1.0f);
  mb_node (b, "Clip", "clip", (const char *[]){ "x", "", "hi", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  if ((s = load_run (b, NULL, x3, 3, "omitted input"))) {
    for (int i = 0; i < 3; i++)
      CHECK (nn_session_output (s, 0)[i] == fminf (x3[i], 1.0f),
             "Clip max only: y[%d] = %f", i, nn_session_output (s, 0)[i]);
    nn_session_free (s);
  }
}

static void
test_graph_io (void)
{
  mb *b;
  nn_session *s;
  nn_model *m;
  nn_error e;
  Onnx__ValueInfoProto *vi;
  nn_load_options general = { NN_LOAD_GENERAL };

  /* An initializer also listed as a graph input (older exporters): the
   * weight, not an input. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  mb_input (b, "k", 4, (int64_t[]){ 1, 3, 1, 1 });
  mb_init_f (b, "k", 4, (int64_t[]){ 1, 3, 1, 1 }, k3, 0);
  mb_node (b, "Add", "add", (const char *[]){ "x", "k", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  if ((s = load_run (b, NULL, x3, 3, "initializer as input"))) {
    CHECK (nn_session_n_inputs (s) == 1, "%zu inputs", nn_session_n_inputs (s));
    for (int i = 0; i < 3; i++)
      CHECK (nn_session_output (s, 0)[i] == x3[i] + k3[i], "y[%d] = %f", i,
             nn_session_output (s, 0)[i]);
    nn_session_free (s);
  }

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  mb_input (b, "", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  EXPECT (b, NN_BAD_MODEL, "graph input 1 has no name");

  b = mb_new (8, 13);
  vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  vi->type = NULL;
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  EXPECT (b, NN_UNSUPPORTED, "graph input 'x' is not a tensor");

  b = mb_new (8, 13);
  mb_input (b, "x", 9, (int64_t[]){ 1, 3, 1, 1, 1, 1, 1, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  EXPECT (b, NN_UNSUPPORTED, "graph input 'x' has rank 9");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, (int64_t)1 << 32, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  EXPECT (b, NN_BAD_MODEL, "graph input 'x' dimension 4294967296 is too large");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 0, 8 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  EXPECT (b, NN_UNSUPPORTED, "input 'x' is not an image tensor");

  /* A symbolic dimension with a name, one with neither name nor value. */
  b = mb_new (8, 13);
  vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, -1, -1 });
  mb_dim_param (b, vi, 2, "height");
  vi->type->tensor_type->shape->dim[3]->value_case = 0;
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  if (load_opts (b, NULL, &m, &e) == NN_OK) {
    const nn_tensor_info *ii = nn_model_input (m, 0);
    CHECK (ii->dims[2] == -1 && ii->dim_names[2]
               && strcmp (ii->dim_names[2], "height") == 0,
           "axis 2 named");
    CHECK (ii->dims[3] == -1 && ii->dim_names[3] && !*ii->dim_names[3],
           "axis 3 symbolic, unnamed");
    CHECK (ii->dim_names[1] == NULL, "axis 1 fixed");
    nn_model_unref (m);
  } else {
    CHECK (0, "symbolic dims: %s", e.message);
  }

  /* More inputs than a graph may have. */
  {
    static Onnx__ValueInfoProto vis[1025], *list[1025];
    static char names[1025][8];
    b = mb_new (8, 13);
    vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
    for (int i = 0; i < 1025; i++) {
      vis[i] = *vi;
      snprintf (names[i], sizeof names[i], "i%d", i);
      vis[i].name = names[i];
      list[i] = &vis[i];
    }
    mb_model (b)->graph->input = list;
    mb_model (b)->graph->n_input = 1025;
    NODE1 (b, "Relu", "r", "i0", "y");
    mb_output (b, "y");
    EXPECT_OPTS (b, &general, NN_UNSUPPORTED,
                 "the graph has more than 1024 inputs");
  }

  /* Input element types even a general load cannot take. */
  for (int k = 0; k < 2; k++) {
    int type = k ? 8 : 0; /* STRING, UNDEFINED */
    b = mb_new (8, 13);
    vi = mb_input (b, "v", 1, (int64_t[]){ 3 });
    vi->type->tensor_type->elem_type = type;
    NODE1 (b, "Identity", "id", "v", "y");
    mb_output (b, "y");
    EXPECT_OPTS (b, &general, NN_UNSUPPORTED,
                 k ? "graph input 'v' has element type 8 (unknown)"
                   : "graph input 'v' has element type 0");
  }

  /* Declared output types and shapes are read; a bad one refused. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  vi = mb_input (b, "y", 9, (int64_t[]){ 1, 3, 1, 1, 1, 1, 1, 1, 1 });
  mb_model (b)->graph->n_input--;
  mb_model (b)->graph->output[0] = vi;
  EXPECT (b, NN_UNSUPPORTED, "graph output 'y' has rank 9");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  vi = mb_input (b, "y", 2, (int64_t[]){ 1, 3 });
  mb_model (b)->graph->n_input--;
  mb_model (b)->graph->output[0] = vi;
  if ((s = load_run (b, NULL, x3, 3, "declared output"))) {
    const nn_tensor_info *oi = nn_session_output_info (s, 0);
    CHECK (oi->ndim == 4 && oi->count == 3,
           "the output's shape is the computed one, rank %d", oi->ndim);
    for (int i = 0; i < 3; i++)
      CHECK (nn_session_output (s, 0)[i] == fmaxf (x3[i], 0), "y[%d] = %f", i,
             nn_session_output (s, 0)[i]);
    nn_session_free (s);
  }

  /* An output declared with a type and no shape. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  vi = mb_input (b, "y", 2, (int64_t[]){ 1, 3 });
  vi->type->tensor_type->shape = NULL;
  mb_model (b)->graph->n_input--;
  mb_model (b)->graph->output[0] = vi;
  if ((s = load_run (b, NULL, x3, 3, "output without shape"))) {
    CHECK (nn_session_output_info (s, 0)->count == 3, "3 outputs");
    nn_session_free (s);
  }

  /* Without runtime inputs (general loads): all constants. */
  b = mb_new (8, 13);
  {
    Onnx__NodeProto *n
        = mb_node (b, "Constant", "k", NULL, (const char *[]){ "y", NULL });
    tensor_attr (b, n, "value", 1, (int64_t[]){ 3 }, k3);
  }
  mb_output (b, "y");
  if ((s = load_run (b, &general, NULL, 0, "no inputs"))) {
    CHECK (nn_session_n_inputs (s) == 0 && nn_session_n_steps (s) == 0,
           "%zu inputs, %zu steps", nn_session_n_inputs (s),
           nn_session_n_steps (s));
    CHECK (memcmp (nn_session_output (s, 0), k3, sizeof k3) == 0,
           "the constant comes out");
    nn_session_free (s);
  }
}

static void
test_versions (void)
{
  static Onnx__OperatorSetIdProto ml, own, *both[2];
  nn_session *s;
  mb *b = mb_new (8, 13);

  /* another domain beside ONNX's own (named in full) */
  onnx__operator_set_id_proto__init (&ml);
  onnx__operator_set_id_proto__init (&own);
  ml.domain = (char *)"ai.onnx.ml";
  ml.has_version = 1;
  ml.version = 3;
  own.domain = (char *)"ai.onnx";
  own.has_version = 1;
  own.version = 13;
  both[0] = &ml;
  both[1] = &own;
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  mb_model (b)->opset_import = both;
  mb_model (b)->n_opset_import = 2;
  if ((s = load_run (b, NULL, x3, 3, "two opset imports"))) {
    for (int i = 0; i < 3; i++)
      CHECK (nn_session_output (s, 0)[i] == fmaxf (x3[i], 0), "y[%d] = %f", i,
             nn_session_output (s, 0)[i]);
    nn_session_free (s);
  }

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  mb_model (b)->has_ir_version = 0;
  EXPECT (b, NN_BAD_MODEL, "ONNX IR version 0 is not supported");

  b = mb_new (8, 5000);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  NODE1 (b, "Relu", "r", "x", "y");
  mb_output (b, "y");
  EXPECT (b, NN_UNSUPPORTED, "ONNX opset 1000 is not supported");
}

int
main (void)
{
  test_attributes ();
  test_const_inputs ();
  test_nodes ();
  test_graph_io ();
  test_versions ();
  return check_report ("onnx reader");
}
