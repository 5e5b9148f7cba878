/* One negative test per loader rule: each model has exactly one thing wrong
 * and must be refused with the right status and a message naming it. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <stdlib.h>

static nn_status
load (mb *b, unsigned flags, nn_error *err)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_load_options opts = { 0 };
  nn_model *m = NULL;
  nn_status s;
  opts.flags = flags;
  memset (err, 0, sizeof *err);
  s = nn_model_load_memory (bytes, size, &opts, &m, err);
  CHECK ((s == NN_OK) == (m != NULL), "model pointer and status disagree");
  nn_model_unref (m);
  mb_free (b);
  return s;
}

#define EXPECT(b, flags, want, needle)                                         \
  do {                                                                         \
    nn_error e_;                                                               \
    nn_status s_ = load ((b), (flags), &e_);                                   \
    CHECK_ERR (s_, e_, (want), (needle));                                      \
  } while (0)

/* A 1-node model: image -> Relu -> out. */
static mb *
relu_model (int64_t ir, int64_t opset)
{
  mb *b = mb_new (ir, opset);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  return b;
}

static void
test_versions (void)
{
  mb *b;
  EXPECT (relu_model (8, 13), 0, NN_OK, NULL);
  EXPECT (relu_model (2, 13), 0, NN_BAD_MODEL, "IR version 2");
  EXPECT (relu_model (99, 13), 0, NN_UNSUPPORTED, "IR version 99");
  EXPECT (relu_model (8, 6), 0, NN_OK, NULL); /* Relu: same since 6 */
  EXPECT (relu_model (8, 0), 0, NN_UNSUPPORTED, "opset 0");
  b = mb_new (8, 6);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 2, 2 });
  mb_node (b, "Add", "old_add", (const char *[]){ "x", "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "'Add' at opset 6");
  /* Each operator's own opset range: Upsample ends at 9, LayerNormalization
   * starts at 17. */
  b = mb_new (8, 10);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 2, 2 });
  mb_init_f (b, "s", 1, (int64_t[]){ 4 }, (const float[]){ 1, 1, 2, 2 }, 0);
  mb_node (b, "Upsample", "up", (const char *[]){ "x", "s", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED,
          "node 'up' (Upsample): operator 'Upsample' at opset 10 is not "
          "supported (its meaning up to opset 9 is");
  b = mb_new (8, 16);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 2, 2 });
  mb_init_f (b, "sc", 1, (int64_t[]){ 2 }, NULL, 1.f);
  mb_node (b, "LayerNormalization", "ln", (const char *[]){ "x", "sc", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "at opset 16 is not supported (its opset 17");
  b = relu_model (8, 13);
  mb_model (b)->opset_import[0]->domain = (char *)"ai.onnx.preview.training";
  EXPECT (b, 0, NN_UNSUPPORTED, "only the operator domain");
  EXPECT (relu_model (8, 21), 0, NN_OK, NULL);
  EXPECT (relu_model (8, 22), 0, NN_UNSUPPORTED, "opset 22");
  b = relu_model (8, 13);
  mb_model (b)->n_opset_import = 0;
  EXPECT (b, 0, NN_BAD_MODEL, "no ONNX opset");
  b = relu_model (8, 13);
  mb_model (b)->graph = NULL;
  EXPECT (b, 0, NN_BAD_MODEL, "no graph");
}

static void
test_tensors (void)
{
  mb *b;
  Onnx__TensorProto *t;
  const int64_t d3[] = { 3 };

  /* An Add with a constant, so initializer problems surface. */
#define ADD_MODEL(b)                                                           \
  do {                                                                         \
    b = mb_new (8, 13);                                                        \
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });                           \
    mb_node (b, "Add", "add", (const char *[]){ "x", "c", NULL },              \
             (const char *[]){ "y", NULL });                                   \
    mb_output (b, "y");                                                        \
  } while (0)

  ADD_MODEL (b);
  mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  EXPECT (b, 0, NN_OK, NULL);

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->data_type = 8; /* STRING */
  EXPECT (b, 0, NN_UNSUPPORTED, "STRING");

  /* float16 weights are widened; NaN and infinities among them refused */
  static const uint16_t halves[][3] = {
    { 0x3c00, 0xc000, 0x0001 }, /* 1, -2, the smallest subnormal */
    { 0x3c00, 0x7e00, 0x0000 }, /* a NaN */
    { 0x3c00, 0x0000, 0xfc00 }, /* -infinity */
    { 0x7c01, 0x0000, 0x0000 }, /* a signalling NaN payload */
  };
  static const char *const needles[]
      = { NULL, "float16 value 1 is NaN", "float16 value 2 is infinite",
          "float16 value 0 is NaN (bits 0x7c01)" };
  for (int k = 0; k < 4; k++) {
    ADD_MODEL (b);
    t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
    t->data_type = 10; /* FLOAT16 */
    t->raw_data.len = sizeof halves[k];
    t->raw_data.data = (uint8_t *)halves[k];
    EXPECT (b, 0, k == 0 ? NN_OK : NN_BAD_MODEL, needles[k]);
  }

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->dims[0] = -3;
  EXPECT (b, 0, NN_BAD_MODEL, "negative dimension");

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->raw_data.len = 8; /* 2 floats for 3 */
  EXPECT (b, 0, NN_BAD_MODEL, "raw data has 8 bytes, dims need 12");

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->has_raw_data = 0;
  EXPECT (b, 0, NN_BAD_MODEL, "no data");

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->float_data = (float[]){ 1, 2, 3 };
  t->n_float_data = 3;
  EXPECT (b, 0, NN_BAD_MODEL, "more than one data field");

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->has_raw_data = 0;
  t->float_data = (float[]){ 1, 2 };
  t->n_float_data = 2;
  EXPECT (b, 0, NN_BAD_MODEL, "has 2 floats, dims need 3");

  /* Dims whose product overflows 64 bits: must not wrap to a small size. */
  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->dims = (int64_t[]){ 1ll << 40, 1ll << 40, 3 };
  t->n_dims = 3;
  EXPECT (b, 0, NN_BAD_MODEL, "overflow");

  /* Each dimension under the element limit, their product over it. */
  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->dims = (int64_t[]){ 65536, 65536, 3 };
  t->n_dims = 3;
  EXPECT (b, 0, NN_BAD_MODEL, "element limit");

  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->name = (char *)"";
  EXPECT (b, 0, NN_BAD_MODEL, "has no name");

  ADD_MODEL (b);
  mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  mb_init_f (b, "c", 1, d3, NULL, 2.0f);
  EXPECT (b, 0, NN_BAD_MODEL, "defined twice");

  /* float_data holding the values */
  ADD_MODEL (b);
  t = mb_init_f (b, "c", 1, d3, NULL, 1.0f);
  t->has_raw_data = 0;
  t->float_data = (float[]){ 1, 2, 3 };
  t->n_float_data = 3;
  EXPECT (b, 0, NN_OK, NULL);

  /* An initializer no node reads ("d") is still checked; each typed data
   * field only for the types it can hold, with as many values as the dims
   * need. */
#define EXTRA(b, type, n)                                                      \
  do {                                                                         \
    ADD_MODEL (b);                                                             \
    mb_init_f (b, "c", 1, d3, NULL, 1.0f);                                     \
    t = mb_init_f (b, "d", 1, (int64_t[]){ n }, NULL, 0.0f);                   \
    t->data_type = (type);                                                     \
    t->has_raw_data = 0;                                                       \
  } while (0)

  EXTRA (b, 7, 2); /* INT64 */
  t->float_data = (float[]){ 1, 2 };
  t->n_float_data = 2;
  EXPECT (b, 0, NN_BAD_MODEL, "float_data does not hold INT64");

  EXTRA (b, 11, 2); /* DOUBLE */
  t->double_data = (double[]){ 0.5, -1e300 };
  t->n_double_data = 2;
  EXPECT (b, 0, NN_OK, NULL);
  EXTRA (b, 1, 2); /* FLOAT */
  t->double_data = (double[]){ 0.5, 1 };
  t->n_double_data = 2;
  EXPECT (b, 0, NN_BAD_MODEL, "double_data does not hold FLOAT");
  EXTRA (b, 11, 3);
  t->double_data = (double[]){ 0.5, 1 };
  t->n_double_data = 2;
  EXPECT (b, 0, NN_BAD_MODEL, "has 2 doubles, dims need 3");

  /* int32_data for every type of 4 bytes or fewer but float and uint32 */
  static const int int32_types[] = { 2, 3, 4, 5, 6, 9, 10 };
  for (size_t k = 0; k < sizeof int32_types / sizeof int32_types[0]; k++) {
    EXTRA (b, int32_types[k], 2);
    t->int32_data = (int32_t[]){ 1, 0 };
    t->n_int32_data = 2;
    EXPECT (b, 0, NN_OK, NULL);
  }
  EXTRA (b, 12, 2); /* UINT32 */
  t->int32_data = (int32_t[]){ 1, 2 };
  t->n_int32_data = 2;
  EXPECT (b, 0, NN_BAD_MODEL, "int32_data does not hold UINT32");
  EXTRA (b, 12, 2);
  t->uint64_data = (uint64_t[]){ 1, 2 };
  t->n_uint64_data = 2;
  EXPECT (b, 0, NN_OK, NULL);
  EXTRA (b, 7, 2);
  t->int64_data = (int64_t[]){ 1, 2, 3 };
  t->n_int64_data = 3;
  EXPECT (b, 0, NN_BAD_MODEL, "has 3 values, dims need 2");

  /* no elements, yet data; no elements and no data is an empty tensor */
  EXTRA (b, 1, 0);
  t->raw_data.len = 4;
  t->raw_data.data = (uint8_t *)(float[]){ 1 };
  t->has_raw_data = 1;
  EXPECT (b, 0, NN_BAD_MODEL, "has data but no elements");
  EXTRA (b, 1, 0);
  EXPECT (b, 0, NN_OK, NULL);

  /* rank over NN_MAX_DIMS */
  EXTRA (b, 1, 1);
  t->dims = (int64_t[]){ 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  t->n_dims = 9;
  t->float_data = (float[]){ 1 };
  t->n_float_data = 1;
  EXPECT (b, 0, NN_UNSUPPORTED, "rank 9, at most 8");
#undef EXTRA

  /* Shape mismatch between the tensors of an op. */
  ADD_MODEL (b);
  mb_init_f (b, "c", 3, (int64_t[]){ 2, 1, 1 }, NULL, 1.0f);
  EXPECT (b, 0, NN_SHAPE, "add");
#undef ADD_MODEL
}

static void
test_graph_structure (void)
{
  mb *b;

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "nowhere", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "input 'nowhere' is not defined");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Add", "a", (const char *[]){ "x", "z", NULL },
           (const char *[]){ "y", NULL });
  mb_node (b, "Relu", "r", (const char *[]){ "y", NULL },
           (const char *[]){ "z", NULL });
  mb_output (b, "z");
  EXPECT (b, 0, NN_BAD_MODEL, "cycle");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "self", (const char *[]){ "y", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "cycle");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r1", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_node (b, "Relu", "r2", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "already defined");

  b = relu_model (8, 13);
  mb_output (b, "ghost");
  EXPECT (b, 0, NN_BAD_MODEL, "graph output 'ghost'");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  EXPECT (b, 0, NN_BAD_MODEL, "no outputs");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "NonMaxSuppression", "nms", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "node 'nms' (NonMaxSuppression): operator");

  b = relu_model (8, 13);
  mb_model (b)->graph->node[0]->domain = (char *)"com.microsoft";
  EXPECT (b, 0, NN_UNSUPPORTED, "com.microsoft");

  b = relu_model (8, 13);
  mb_model (b)->graph->node[0]->op_type = (char *)"";
  EXPECT (b, 0, NN_BAD_MODEL, "no op_type");

  b = relu_model (8, 13);
  mb_attr_i (b, mb_model (b)->graph->node[0], "k", 1);
  mb_attr_i (b, mb_model (b)->graph->node[0], "k", 2);
  EXPECT (b, 0, NN_BAD_MODEL, "given twice");

  b = relu_model (8, 13);
  mb_attr_i (b, mb_model (b)->graph->node[0], "then_branch", 1);
  mb_model (b)->graph->node[0]->attribute[0]->type = 5; /* GRAPH */
  EXPECT (b, 0, NN_UNSUPPORTED, "sub-graph");

  /* a string attribute with a NUL byte inside: not a C string */
  b = relu_model (8, 13);
  mb_attr_s (b, mb_model (b)->graph->node[0], "mode", "aXb");
  mb_model (b)->graph->node[0]->attribute[0]->s.data
      = (uint8_t *)(char[]){ 'a', '\0', 'b' };
  EXPECT (b, 0, NN_BAD_MODEL, "NUL byte");
}

static void
test_inputs (void)
{
  mb *b;
  Onnx__ValueInfoProto *vi;

  b = mb_new (8, 13);
  mb_input (b, "x", 2, (int64_t[]){ 1, 10 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "not an image tensor");

  b = mb_new (8, 13);
  mb_input (b, "x", 2, (int64_t[]){ 1, 10 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, NN_LOAD_GENERAL, NN_OK, NULL);

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 4, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "4 channels");

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_input (b, "x2", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Add", "a", (const char *[]){ "x", "x2", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "2 inputs");

  /* Symbolic height and width are bound by sessions; channels are not. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, -1, -1 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_OK, NULL);

  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, -1, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "with a fixed C");

  b = mb_new (8, 13);
  vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  vi->type->tensor_type->shape->dim[3]->dim_value = -8;
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "negative dimension");

  /* The same graph input listed twice. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "graph input 'x' is listed twice");

  b = mb_new (8, 13);
  vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  vi->type->tensor_type->elem_type = 7;
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "element type 7 (int64)");

  b = mb_new (8, 13);
  vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  vi->type->tensor_type->shape = NULL;
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "no declared shape");

  /* Input dims whose product is absurd: refused before any allocation. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1ll << 20, 1ll << 20 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_SHAPE, "elements");

  b = mb_new (8, 13);
  mb_node (b, "Constant", "c", NULL, (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "no runtime input");
}

static void
test_runtime_shape_ops (void)
{
  mb *b;
  /* Reshape whose shape is computed from the image at run time. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 4, 4 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "s", NULL });
  mb_node (b, "Reshape", "reshape", (const char *[]){ "x", "s", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "reshape");

  /* Shapes that depend on the data of a run: refused, naming the node. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 4, 4 });
  mb_node (b, "NonZero", "nz", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED,
          "node 'nz' (NonZero): input 0 ('x') depends on the data of a run");
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 4, 4 });
  mb_init_i64 (b, "one", 0, NULL, (int64_t[]){ 1 });
  mb_node (b, "NonZero", "nz", (const char *[]){ "x", NULL },
           (const char *[]){ "idx", NULL });
  mb_node (b, "Shape", "sh", (const char *[]){ "idx", NULL },
           (const char *[]){ "s", NULL });
  mb_node (b, "Reshape", "reshape", (const char *[]){ "x", "s", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_UNSUPPORTED, "node 'nz' (NonZero)");

  /* Gather with an index out of range in a folded shape sub-graph. */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 4, 4 });
  mb_init_i64 (b, "i", 0, NULL, (int64_t[]){ 9 });
  mb_node (b, "Shape", "shape", (const char *[]){ "x", NULL },
           (const char *[]){ "s", NULL });
  mb_node (b, "Gather", "gather", (const char *[]){ "s", "i", NULL },
           (const char *[]){ "g", NULL });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  EXPECT (b, 0, NN_BAD_MODEL, "index 9 out of range");
}

/* Optional outputs nothing reads are left out; read, they must be run. */
static void
test_unused_outputs (void)
{
  for (int read = 0; read < 2; read++) {
    mb *b = mb_new (8, 13);
    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 4, 4 });
    mb_attr_ints (b,
                  mb_node (b, "MaxPool", "pool", (const char *[]){ "x", NULL },
                           (const char *[]){ "y", "idx", NULL }),
                  "kernel_shape", 2, (int64_t[]){ 2, 2 });
    mb_output (b, "y");
    if (read)
      mb_output (b, "idx");
    EXPECT (b, 0, read ? NN_UNSUPPORTED : NN_OK,
            read ? "output 1 (Indices) is not supported" : NULL);
  }
}

/* image -> Relu -> y, and beside it n ranges of `len` int64 each,
 * computed while the model loads (Range of constants) and kept as the
 * second output through their shapes. */
static mb *
ranges_model (int n, int64_t len)
{
  mb *b = mb_new (8, 13);
  const char *shapes[8] = { NULL };
  static const char *rn[] = { "r0", "r1", "r2", "r3" };
  static const char *sn[] = { "s0", "s1", "s2", "s3" };

  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_init_i64 (b, "zero", 0, NULL, (int64_t[]){ 0 });
  mb_init_i64 (b, "one", 0, NULL, (int64_t[]){ 1 });
  mb_init_i64 (b, "len", 0, NULL, &len);
  for (int i = 0; i < n; i++) {
    mb_node (b, "Range", rn[i], (const char *[]){ "zero", "len", "one", NULL },
             (const char *[]){ rn[i], NULL });
    mb_node (b, "Shape", sn[i], (const char *[]){ rn[i], NULL },
             (const char *[]){ sn[i], NULL });
    shapes[i] = sn[i];
  }
  mb_attr_i (
      b, mb_node (b, "Concat", "cat", shapes, (const char *[]){ "n", NULL }),
      "axis", 0);
  mb_output (b, "y");
  mb_output (b, "n");
  return b;
}

/* Constants computed while loading: one node may create at most 2^26
 * elements, all of them together at most 1 GiB and 2^32 operations, so
 * that a small file cannot make loading take gigabytes or minutes. */
static void
test_folding_limits (void)
{
  mb *b;

  EXPECT (ranges_model (3, 1000), 0, NN_OK, NULL);
  EXPECT (ranges_model (1, ((int64_t)1 << 26) + 1), 0, NN_UNSUPPORTED,
          "folding stops at");
  /* 3 x 512 MiB: the third is refused before it runs */
  EXPECT (ranges_model (3, ((int64_t)1 << 26) - 1), 0, NN_UNSUPPORTED,
          "would create more than 1024 MiB");

  /* an operator we lack is refused before any folding work */
  b = ranges_model (1, ((int64_t)1 << 26) + 1);
  mb_node (b, "NoSuchOp", "late", (const char *[]){ "y", NULL },
           (const char *[]){ "z", NULL });
  EXPECT (b, 0, NN_UNSUPPORTED, "operator 'NoSuchOp' is not supported");

  /* 16 MiB of zeros, multiplied by themselves: 2 x 2048^3 operations */
  b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 8, 8 });
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_init_i64 (b, "dims", 1, (int64_t[]){ 2 }, (int64_t[]){ 2048, 2048 });
  mb_node (b, "ConstantOfShape", "c", (const char *[]){ "dims", NULL },
           (const char *[]){ "c", NULL });
  mb_node (b, "MatMul", "mm", (const char *[]){ "c", "c", NULL },
           (const char *[]){ "m", NULL });
  mb_output (b, "y");
  mb_output (b, "m");
  EXPECT (b, 0, NN_UNSUPPORTED, "would take more than");
}

typedef struct reports {
  int n;
  nn_status status[4];
  char message[4][256];
} reports;

static void
collect (void *data, nn_status status, const char *message)
{
  reports *r = data;
  if (r->n < 4) {
    r->status[r->n] = status;
    snprintf (r->message[r->n], sizeof r->message[0], "%s", message);
  }
  r->n++;
}

/* Report mode: the loader goes on past each unsupported node, reports
 * each once, skips the node that reads a refused one's output, and fails
 * at the end with the first problem's status and the count. Without it,
 * the first problem stops the load. */
static void
test_report_mode (void)
{
  for (int report = 0; report < 2; report++) {
    mb *b = mb_new (8, 13);
    nn_load_options opts = { 0 };
    reports r = { 0 };
    nn_model *m = NULL;
    nn_error e = { 0 };
    size_t size;
    const uint8_t *bytes;
    nn_status s;

    mb_input (b, "x", 4, (int64_t[]){ 1, 3, 4, 4 });
    mb_node (b, "NonMaxSuppression", "first", (const char *[]){ "x", NULL },
             (const char *[]){ "y1", NULL });
    mb_node (b, "Relu", "after_first", (const char *[]){ "y1", NULL },
             (const char *[]){ "y3", NULL });
    mb_node (b, "Fancy", "second", (const char *[]){ "x", NULL },
             (const char *[]){ "y2", NULL });
    mb_node (b, "Relu", "fine", (const char *[]){ "x", NULL },
             (const char *[]){ "y4", NULL });
    mb_output (b, "y3");
    mb_output (b, "y2");
    mb_output (b, "y4");
    bytes = mb_pack (b, &size);
    if (report) {
      opts.report = collect;
      opts.report_data = &r;
    }
    s = nn_model_load_memory (bytes, size, &opts, &m, &e);
    CHECK (s == NN_UNSUPPORTED && m == NULL, "report %d: %s", report,
           nn_status_to_string (s));
    if (report) {
      CHECK (r.n == 2, "%d problems reported", r.n);
      CHECK (r.n == 2 && r.status[0] == NN_UNSUPPORTED
                 && r.status[1] == NN_UNSUPPORTED
                 && check_contains (r.message[0], "node 'first'")
                 && check_contains (r.message[1], "node 'second'"),
             "reports: '%s', '%s'", r.message[0], r.message[1]);
      CHECK (check_contains (e.message, "2 problems, the first: node 'first'"),
             "message '%s'", e.message);
    } else {
      CHECK (check_contains (e.message, "node 'first'")
                 && !check_contains (e.message, "problems"),
             "message '%s'", e.message);
    }
    mb_free (b);
  }
}

int
main (void)
{
  test_versions ();
  test_tensors ();
  test_graph_structure ();
  test_inputs ();
  test_runtime_shape_ops ();
  test_unused_outputs ();
  test_folding_limits ();
  test_report_mode ();
  return check_report ("loader rules");
}
