/* Symbolic input dimensions: what a model with them describes, how load
 * and session options bind them, and one negative test per binding rule
 * (unbound, contradictory, unknown input, rank, repeated, below 1, a name
 * bound to two values). */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

/* x [N, 3, H, W] -> Conv 3x3 pad 1 (4 channels) -> Relu ->
 * GlobalAveragePool -> Flatten -> y [N, 4]; dims < 0 are symbolic, named
 * "batch", "height", "width" by axis. */
static mb *
cnn (const int64_t *dims)
{
  static const char *names[] = { "batch", "", "height", "width" };
  mb *b = mb_new (8, 13);
  Onnx__ValueInfoProto *vi = mb_input (b, "x", 4, dims);
  float w[4 * 3 * 3 * 3];
  for (int i = 0; i < 4; i++)
    if (dims[i] < 0)
      mb_dim_param (b, vi, i, names[i]);
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
    w[i] = (float)((i * 37) % 11) / 11.0f - 0.4f;
  mb_init_f (b, "w", 4, (int64_t[]){ 4, 3, 3, 3 }, w, 0.f);
  mb_init_f (b, "b", 1, (int64_t[]){ 4 }, NULL, 0.1f);
  mb_attr_ints (b,
                mb_node (b, "Conv", "conv",
                         (const char *[]){ "x", "w", "b", NULL },
                         (const char *[]){ "c", NULL }),
                "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
  mb_node (b, "Relu", "relu", (const char *[]){ "c", NULL },
           (const char *[]){ "r", NULL });
  mb_node (b, "GlobalAveragePool", "gap", (const char *[]){ "r", NULL },
           (const char *[]){ "g", NULL });
  mb_node (b, "Flatten", "flat", (const char *[]){ "g", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  return b;
}

static nn_status
load (mb *b, const nn_load_options *opts, nn_model **m, nn_error *e)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_status s;
  *m = NULL;
  memset (e, 0, sizeof *e);
  s = nn_model_load_memory (bytes, size, opts, m, e);
  mb_free (b);
  return s;
}

static nn_input_shape
shape4 (const char *name, int64_t n, int64_t c, int64_t h, int64_t w)
{
  nn_input_shape s = { name, 4, { n, c, h, w } };
  return s;
}

/* Runs a session of m at `shape` on seeded input; malloc'd output copy. */
static float *
run_at (nn_model *m, const nn_input_shape *shape, size_t *count)
{
  nn_session_options o = { 0 };
  nn_session *s = NULL;
  nn_error e = { 0 };
  float *x, *copy;
  const nn_tensor_info *in;
  o.shapes = shape;
  o.n_shapes = shape ? 1 : 0;
  if (nn_session_create (m, &o, &s, &e) != NN_OK) {
    CHECK (0, "session: %s", e.message);
    return NULL;
  }
  in = nn_session_input_info (s, 0);
  x = nn_session_input (s, 0);
  for (size_t i = 0; i < in->count; i++)
    x[i] = (float)((i * 7919) % 101) / 50.0f - 1.0f;
  CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
  *count = nn_session_output_info (s, 0)->count;
  copy = malloc (*count * sizeof *copy);
  memcpy (copy, nn_session_output (s, 0), *count * sizeof *copy);
  nn_session_free (s);
  return copy;
}

/* A model with symbolic height and width describes its inputs with -1 and
 * the names, is unplanned until a session binds them, and then computes
 * exactly what the same model with those dims fixed computes. */
static void
test_symbolic_model (void)
{
  nn_model *m, *fixed;
  nn_error e;
  const nn_tensor_info *in, *out;
  nn_input_shape sh = shape4 ("x", 2, 3, 16, 12);
  size_t n1 = 0, n2 = 0;
  float *a, *b;

  CHECK (load (cnn ((int64_t[]){ -1, 3, -1, -1 }), NULL, &m, &e) == NN_OK,
         "symbolic model loads: %s", e.message);
  if (!m)
    return;
  in = nn_model_input (m, 0);
  CHECK (in->ndim == 4 && in->dims[0] == 1 && in->dims[1] == 3
             && in->dims[2] == -1 && in->dims[3] == -1 && in->count == 0,
         "declared input dims");
  CHECK (in->dim_names[0] && strcmp (in->dim_names[0], "batch") == 0
             && in->dim_names[1] == NULL
             && strcmp (in->dim_names[2], "height") == 0
             && strcmp (in->dim_names[3], "width") == 0,
         "dimension names");
  out = nn_model_output (m, 0);
  CHECK (out && out->ndim == -1, "output shape unknown before binding");
  CHECK (nn_model_flops (m) == 0.0 && nn_model_n_nodes (m) == 0
             && nn_model_session_bytes (m) == 0,
         "no plan, no census");

  a = run_at (m, &sh, &n1);
  CHECK (load (cnn ((int64_t[]){ 2, 3, 16, 12 }), NULL, &fixed, &e) == NN_OK,
         "fixed model loads: %s", e.message);
  b = fixed ? run_at (fixed, NULL, &n2) : NULL;
  CHECK (a && b && n1 == 8 && n2 == 8 && memcmp (a, b, n1 * sizeof *a) == 0,
         "bound symbolic model computes what the fixed one does");
  free (a);
  free (b);
  /* Another size from the same model. */
  sh = shape4 (NULL, 1, 3, 5, 7);
  a = run_at (m, &sh, &n1);
  CHECK (a && n1 == 4, "second size by position");
  free (a);
  nn_model_unref (fixed);
  nn_model_unref (m);
}

/* Shapes in the load options plan the model at load. */
static void
test_load_binding (void)
{
  nn_load_options lo = { 0 };
  nn_input_shape sh = shape4 ("x", 1, 3, 8, 8);
  nn_model *m;
  nn_error e;
  lo.shapes = &sh;
  lo.n_shapes = 1;
  CHECK (load (cnn ((int64_t[]){ -1, 3, -1, -1 }), &lo, &m, &e) == NN_OK,
         "load with shapes: %s", e.message);
  if (!m)
    return;
  CHECK (nn_model_input (m, 0)->dims[2] == 8, "bound at load");
  CHECK (nn_model_output (m, 0)->ndim == 2
             && nn_model_output (m, 0)->dims[1] == 4,
         "output planned at load");
  /* conv: 2 * (4 * 8 * 8 outputs) * 27 */
  CHECK (nn_model_flops (m) >= 2.0 * 256 * 27, "flops at the bound shape");
  {
    size_t n = 0;
    float *y = run_at (m, NULL, &n);
    CHECK (y && n == 4, "session at the model's own shape");
    free (y);
  }
  nn_model_unref (m);

  /* A symbolic batch alone plans at batch 1. */
  CHECK (load (cnn ((int64_t[]){ -1, 3, 8, 8 }), NULL, &m, &e) == NN_OK,
         "symbolic batch: %s", e.message);
  if (m) {
    CHECK (nn_model_input (m, 0)->dims[0] == 1 && nn_model_flops (m) > 0,
           "batch defaults to 1");
    nn_model_unref (m);
  }

  sh = shape4 ("x", 1, 4, 8, 8);
  CHECK_ERR (load (cnn ((int64_t[]){ -1, 3, -1, -1 }), &lo, &m, &e), e,
             NN_SHAPE, "axis 1 is 3 in the model, 4 given");
}

static void
expect_session (nn_model *m, const nn_input_shape *shapes, size_t n, int batch,
                nn_status want, const char *needle)
{
  nn_session_options o = { 0 };
  nn_session *s = NULL;
  nn_error e = { 0 };
  nn_status st;
  o.shapes = shapes;
  o.n_shapes = n;
  o.batch = batch;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, want, needle);
  CHECK ((st == NN_OK) == (s != NULL), "session pointer and status agree");
  nn_session_free (s);
}

static void
test_binding_rules (void)
{
  nn_model *m;
  nn_error e;
  nn_input_shape two[2];

  if (load (cnn ((int64_t[]){ -1, 3, -1, -1 }), NULL, &m, &e) != NN_OK) {
    CHECK (0, "load: %s", e.message);
    return;
  }
  expect_session (m, NULL, 0, 0, NN_INVALID_ARG,
                  "input 'x' axis 2 ('height') is symbolic and not bound");
  two[0] = shape4 ("x", 1, 3, 8, 8);
  expect_session (m, two, 1, 0, NN_OK, NULL);
  two[0] = shape4 ("x", 1, 1, 8, 8);
  expect_session (m, two, 1, 0, NN_SHAPE, "axis 1 is 3 in the model, 1 given");
  two[0] = shape4 ("image", 1, 3, 8, 8);
  expect_session (m, two, 1, 0, NN_NOT_FOUND, "no input of that name");
  two[0] = shape4 (NULL, 1, 3, 8, 8);
  two[1] = shape4 (NULL, 1, 3, 8, 8);
  expect_session (m, two, 2, 0, NN_NOT_FOUND, "the model has 1 input");
  two[1] = shape4 ("x", 1, 3, 8, 8);
  expect_session (m, two, 2, 0, NN_INVALID_ARG, "given twice");
  two[0] = (nn_input_shape){ "x", 3, { 1, 3, 8 } };
  expect_session (m, two, 1, 0, NN_SHAPE,
                  "rank 4, the shape given for it has 3");
  two[0] = shape4 ("x", 1, 3, 0, 8);
  expect_session (m, two, 1, 0, NN_INVALID_ARG, "a dimension is 1 or more");
  two[0] = shape4 ("x", 1, 3, -5, 8);
  expect_session (m, two, 1, 0, NN_INVALID_ARG, "given as -5");
  expect_session (m, NULL, 1, 0, NN_INVALID_ARG, "no array");
  /* batch fills the symbolic batch axis; the rest must still be bound. */
  expect_session (m, NULL, 0, 2, NN_INVALID_ARG, "axis 2 ('height')");
  nn_model_unref (m);
}

/* One name stands for one value: in one input and across inputs. */
static void
test_shared_names (void)
{
  mb *b = mb_new (8, 13);
  nn_load_options lo = { 0 };
  nn_model *m;
  nn_error e;
  nn_input_shape sh[2];
  Onnx__ValueInfoProto *va = mb_input (b, "a", 2, (int64_t[]){ -1, -1 });
  Onnx__ValueInfoProto *vb = mb_input (b, "b", 2, (int64_t[]){ -1, -1 });
  mb_dim_param (b, va, 0, "n");
  mb_dim_param (b, va, 1, "k");
  mb_dim_param (b, vb, 0, "n");
  mb_dim_param (b, vb, 1, "k");
  mb_node (b, "Add", "add", (const char *[]){ "a", "b", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  lo.flags = NN_LOAD_GENERAL;
  if (load (b, &lo, &m, &e) != NN_OK) {
    CHECK (0, "load: %s", e.message);
    return;
  }
  /* Binding a binds b. */
  sh[0] = (nn_input_shape){ "a", 2, { 3, 5 } };
  {
    nn_session_options o = { 0 };
    nn_session *s = NULL;
    o.shapes = sh;
    o.n_shapes = 1;
    CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "bind a only: %s",
           e.message);
    if (s) {
      const nn_tensor_info *ib = nn_session_input_info (s, 1);
      CHECK (ib->dims[0] == 3 && ib->dims[1] == 5, "b takes a's values");
      nn_session_free (s);
    }
  }
  sh[1] = (nn_input_shape){ "b", 2, { 3, 6 } };
  expect_session (m, sh, 2, 0, NN_SHAPE, "'k' is 5 elsewhere");
  nn_model_unref (m);

  /* One name twice in one input. */
  b = mb_new (8, 13);
  va = mb_input (b, "x", 4, (int64_t[]){ 1, 3, -1, -1 });
  mb_dim_param (b, va, 2, "side");
  mb_dim_param (b, va, 3, "side");
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  if (load (b, NULL, &m, &e) != NN_OK) {
    CHECK (0, "load: %s", e.message);
    return;
  }
  sh[0] = shape4 ("x", 1, 3, 8, 9);
  expect_session (m, sh, 1, 0, NN_SHAPE, "axis 3 ('side') is 9");
  sh[0] = shape4 ("x", 1, 3, 8, 8);
  expect_session (m, sh, 1, 0, NN_OK, NULL);
  nn_model_unref (m);
}

/* NN_LOAD_DEFAULT_SIZE: open height and width at the hint, else 224. */
static void
test_default_size (void)
{
  nn_load_options lo = { 0 };
  nn_input_shape sh = shape4 ("x", 2, 3, 5, 7);
  nn_model *m;
  nn_error e;
  mb *b;

  lo.flags = NN_LOAD_DEFAULT_SIZE;
  CHECK (load (cnn ((int64_t[]){ -1, 3, -1, -1 }), &lo, &m, &e) == NN_OK,
         "default size: %s", e.message);
  if (m) {
    const nn_tensor_info *in = nn_model_input (m, 0);
    CHECK (in->dims[0] == 1 && in->dims[2] == 224 && in->dims[3] == 224
               && nn_model_flops (m) > 0,
           "planned at 1x3x224x224");
    nn_model_unref (m);
  }
  b = cnn ((int64_t[]){ -1, 3, -1, -1 });
  mb_meta (b, "edgeclassify.input-size", "16x12");
  CHECK (load (b, &lo, &m, &e) == NN_OK, "hinted size: %s", e.message);
  if (m) {
    const nn_tensor_info *in = nn_model_input (m, 0);
    CHECK (in->dims[2] == 12 && in->dims[3] == 16, "planned at the hint");
    nn_model_unref (m);
  }
  /* Shapes given win over the defaults. */
  lo.shapes = &sh;
  lo.n_shapes = 1;
  CHECK (load (cnn ((int64_t[]){ -1, 3, -1, -1 }), &lo, &m, &e) == NN_OK,
         "given size: %s", e.message);
  if (m) {
    const nn_tensor_info *in = nn_model_input (m, 0);
    CHECK (in->dims[0] == 2 && in->dims[2] == 5 && in->dims[3] == 7,
           "planned at the shape given");
    nn_model_unref (m);
  }
}

int
main (void)
{
  test_symbolic_model ();
  test_load_binding ();
  test_binding_rules ();
  test_shared_names ();
  test_default_size ();
  return check_report ("shapes");
}
