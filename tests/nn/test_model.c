/* The public model and session API (nn/model.c, nn/session.c) at its
 * edges: arguments a caller can get wrong are refused with NN_INVALID_ARG
 * (or a NULL / zero answer where the function returns no status), limits
 * named, the default input size taken from the model's hint, and tensors
 * of other types than float reached through the _data accessors. */
#include "builder.h"
#include "check.h"
#include "nn/hints.h"
#include "nn/nn.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* x [1,3,h,w] -> Relu -> y; h, w < 0: named symbolic dims */
static mb *
relu (int64_t h, int64_t w)
{
  mb *b = mb_new (8, 13);
  Onnx__ValueInfoProto *vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, h, w });
  if (h < 0)
    mb_dim_param (b, vi, 2, "height");
  if (w < 0)
    mb_dim_param (b, vi, 3, "width");
  mb_node (b, "Relu", "the_relu", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  return b;
}

static nn_model *
load (mb *b, const nn_load_options *opts)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_model *m = NULL;
  nn_error e = { 0 };
  if (nn_model_load_memory (bytes, size, opts, &m, &e) != NN_OK)
    CHECK (0, "load: %s", e.message);
  mb_free (b);
  return m;
}

static void
test_load_arguments (void)
{
  mb *b = relu (4, 4);
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_load_options o = { 0 };
  nn_model *m = (nn_model *)&o;
  nn_error e;
  nn_status s;
  char path[64], dir[256], cwd[4096];
  FILE *f;

  s = nn_model_load_memory (bytes, size, NULL, NULL, &e);
  CHECK_ERR (s, e, NN_INVALID_ARG, "no place for the model");
  s = nn_model_load_memory (NULL, size, NULL, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL, "the model is empty");
  CHECK (m == NULL, "*out cleared on failure");
  s = nn_model_load_memory (bytes, 0, NULL, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL, "the model is empty");
  o.max_file_bytes = size - 1;
  s = nn_model_load_memory (bytes, size, &o, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL, "more than the");
  o.max_file_bytes = size;
  s = nn_model_load_memory (bytes, size, &o, &m, &e);
  CHECK_ERR (s, e, NN_OK, NULL);
  nn_model_unref (m);

  s = nn_model_load_file ("x.onnx", NULL, NULL, &e);
  CHECK_ERR (s, e, NN_INVALID_ARG, "no place for the model");
  s = nn_model_load_file (NULL, NULL, &m, &e);
  CHECK_ERR (s, e, NN_INVALID_ARG, "no model path given");
  s = nn_model_load_file ("", NULL, &m, &e);
  CHECK_ERR (s, e, NN_INVALID_ARG, "no model path given");
  s = nn_model_load_file ("/dev/null/model.onnx", NULL, &m, &e);
  CHECK_ERR (s, e, NN_NOT_FOUND, "cannot open '/dev/null/model.onnx'");

  /* A bare file name: the model's folder is the working directory. */
  snprintf (dir, sizeof dir, "%s/nn-model-XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (!getcwd (cwd, sizeof cwd) || !mkdtemp (dir) || chdir (dir) != 0) {
    CHECK (0, "cannot work in %s", dir);
    mb_free (b);
    return;
  }
  snprintf (path, sizeof path, "model.onnx");
  f = fopen (path, "wb");
  CHECK (f && fwrite (bytes, 1, size, f) == size, "write %s", path);
  if (f)
    fclose (f);
  s = nn_model_load_file (path, NULL, &m, &e);
  CHECK_ERR (s, e, NN_OK, NULL);
  CHECK (m && nn_model_n_nodes (m) == 1, "bare path loads");
  nn_model_unref (m);
  o.max_file_bytes = size - 1;
  s = nn_model_load_file (path, &o, &m, &e);
  CHECK_ERR (s, e, NN_BAD_MODEL, "-byte limit");
  unlink (path);
  CHECK (chdir (cwd) == 0 && rmdir (dir) == 0, "clean up %s", dir);
  mb_free (b);
}

static void
test_model_accessors (void)
{
  mb *b = relu (4, 4);
  nn_model *m;

  mb_meta (b, "author", "someone");
  m = load (b, NULL);
  if (!m)
    return;
  CHECK (nn_model_n_inputs (NULL) == 0 && nn_model_n_outputs (NULL) == 0,
         "counts of no model");
  CHECK (nn_model_n_inputs (m) == 1 && nn_model_n_outputs (m) == 1,
         "one input, one output");
  CHECK (nn_model_input (NULL, 0) == NULL && nn_model_input (m, 1) == NULL
             && nn_model_output (NULL, 0) == NULL
             && nn_model_output (m, 1) == NULL,
         "tensor info out of range");
  CHECK (nn_model_output (m, 0) && nn_model_output (m, 0)->count == 48,
         "output info");
  CHECK (nn_model_metadata (NULL, "author") == NULL
             && nn_model_metadata (m, NULL) == NULL
             && nn_model_metadata (m, "editor") == NULL,
         "metadata misses");
  CHECK (nn_model_n_metadata (m) == 1 && nn_model_n_metadata (NULL) == 0,
         "metadata count");
  CHECK (strcmp (nn_model_metadata_key (m, 0), "author") == 0
             && strcmp (nn_model_metadata_value (m, 0), "someone") == 0,
         "metadata entry 0");
  CHECK (nn_model_metadata_key (m, 1) == NULL
             && nn_model_metadata_value (m, 1) == NULL
             && nn_model_metadata_key (NULL, 0) == NULL
             && nn_model_metadata_value (NULL, 0) == NULL,
         "metadata entries out of range");
  CHECK (nn_model_n_nodes (NULL) == 0 && nn_model_node_op (m, 1) == NULL
             && nn_model_node_name (m, 1) == NULL
             && nn_model_node_op (NULL, 0) == NULL
             && nn_model_node_name (NULL, 0) == NULL,
         "nodes out of range");
  CHECK (strcmp (nn_model_node_name (m, 0), "the_relu") == 0
             && strcmp (nn_model_node_op (m, 0), "Relu") == 0,
         "node 0 is the Relu");
  CHECK (nn_model_flops (NULL) == 0.0, "flops of no model");
  CHECK (nn_model_session_bytes (NULL) == SIZE_MAX, "bytes of no model");
  CHECK (nn_model_session_bytes (m) >= 2 * 48 * sizeof (float),
         "bytes %zu for an input and an output", nn_model_session_bytes (m));
  CHECK (nn_model_ref (NULL) == NULL, "ref of no model");
  nn_model_unref (m);

  /* Unplanned (height and width open): nothing to describe yet. */
  m = load (relu (-1, -1), NULL);
  if (!m)
    return;
  CHECK (nn_model_n_nodes (m) == 0 && nn_model_node_op (m, 0) == NULL
             && nn_model_node_name (m, 0) == NULL && nn_model_flops (m) == 0.0
             && nn_model_session_bytes (m) == 0,
         "an unplanned model describes no steps");
  CHECK (nn_model_input (m, 0)->dims[2] == -1
             && nn_model_input (m, 0)->count == 0,
         "open input dims stay -1");
  CHECK (nn_model_output (m, 0)->ndim == -1, "output shape unknown");
  nn_model_unref (m);
}

/* NN_LOAD_DEFAULT_SIZE: open height and width from the input-size hint,
 * else 224 x 224. */
static void
test_default_size (void)
{
  static const struct {
    const char *hint;
    int64_t h, w;
  } cases[] = {
    { NULL, 224, 224 },
    { "64x48", 48, 64 },
    { "not a size", 224, 224 },
  };
  nn_load_options o = { NN_LOAD_DEFAULT_SIZE };

  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    mb *b = relu (-1, -1);
    nn_model *m;
    const nn_tensor_info *in;
    mb_meta (b, "author", "someone");
    if (cases[k].hint)
      mb_meta (b, NN_HINT_INPUT_SIZE, cases[k].hint);
    if (!(m = load (b, &o)))
      continue;
    in = nn_model_input (m, 0);
    CHECK (in->dims[2] == cases[k].h && in->dims[3] == cases[k].w,
           "hint '%s': %lld x %lld", cases[k].hint ? cases[k].hint : "-",
           (long long)in->dims[3], (long long)in->dims[2]);
    CHECK (nn_model_n_nodes (m) == 1, "planned at the default size");
    nn_model_unref (m);
  }

  /* A square model (height and width one symbol) cannot take a 64x48
   * hint: the contradiction is the load's error. */
  {
    mb *b = mb_new (8, 13);
    Onnx__ValueInfoProto *vi
        = mb_input (b, "x", 4, (int64_t[]){ 1, 3, -1, -1 });
    size_t size;
    const uint8_t *bytes;
    nn_model *m = NULL;
    nn_error e;
    nn_status s;
    mb_dim_param (b, vi, 2, "side");
    mb_dim_param (b, vi, 3, "side");
    mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
             (const char *[]){ "y", NULL });
    mb_output (b, "y");
    mb_meta (b, NN_HINT_INPUT_SIZE, "64x48");
    bytes = mb_pack (b, &size);
    s = nn_model_load_memory (bytes, size, &o, &m, &e);
    CHECK_ERR (s, e, NN_SHAPE, "('side') is 64 (given), but 'side' is 48");
    mb_free (b);
  }

  /* A general model's other open dims stay open: unplanned, no error. */
  {
    nn_load_options g = { NN_LOAD_GENERAL | NN_LOAD_DEFAULT_SIZE };
    mb *b = mb_new (8, 13);
    nn_model *m;
    mb_input (b, "v", 2, (int64_t[]){ 1, -1 });
    mb_node (b, "Relu", "r", (const char *[]){ "v", NULL },
             (const char *[]){ "y", NULL });
    mb_output (b, "y");
    if ((m = load (b, &g))) {
      CHECK (nn_model_n_nodes (m) == 0 && nn_model_input (m, 0)->dims[1] == -1,
             "a rank-2 input's open axis stays open");
      nn_model_unref (m);
    }
  }
}

static void
count_reports (void *data, nn_status status, const char *message)
{
  (void)status;
  (void)message;
  (*(int *)data)++;
}

/* Report mode on a model left unplanned: the problems found while reading
 * are the error. */
static void
test_report_unplanned (void)
{
  mb *b = mb_new (8, 13);
  nn_load_options o = { 0 };
  nn_model *m = NULL;
  nn_error e;
  nn_status s;
  size_t size;
  int n = 0;
  const uint8_t *bytes;

  mb_input (b, "x", 4, (int64_t[]){ 1, 3, -1, -1 });
  mb_node (b, "NoSuchOp", "odd", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  bytes = mb_pack (b, &size);
  o.report = count_reports;
  o.report_data = &n;
  s = nn_model_load_memory (bytes, size, &o, &m, &e);
  CHECK_ERR (s, e, NN_UNSUPPORTED,
             "1 problem, the first: node 'odd' (NoSuchOp)");
  CHECK (n == 1 && m == NULL, "%d reports", n);
  mb_free (b);
}

typedef struct {
  int n;
  nn_status first;
} tally;

static void
tally_reports (void *data, nn_status status, const char *message)
{
  tally *t = data;
  (void)message;
  if (t->n++ == 0)
    t->first = status;
}

/* Report mode on a planned model: a node refused while planning is
 * reported once, the nodes reading any of its outputs are skipped without
 * a report of their own, and the load fails with that one problem. */
static void
test_report_planned (void)
{
  mb *b = mb_new (8, 13);
  nn_load_options o = { 0 };
  nn_model *m = NULL;
  nn_error e;
  nn_status s;
  size_t size;
  tally t = { 0, NN_OK };
  const uint8_t *bytes;

  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 4, 4 });
  mb_attr_ints (b,
                mb_node (b, "MaxPool", "badpool", (const char *[]){ "x", NULL },
                         (const char *[]){ "p", NULL }),
                "kernel_shape", 2, (int64_t[]){ 9, 9 });
  mb_node (b, "Relu", "after", (const char *[]){ "p", NULL },
           (const char *[]){ "q", NULL });
  mb_attr_i (b,
             mb_node (b, "Split", "split_after", (const char *[]){ "p", NULL },
                      (const char *[]){ "s1", "s2", NULL }),
             "axis", 1);
  mb_node (b, "Relu", "fine", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  mb_output (b, "q");
  mb_output (b, "s1");
  bytes = mb_pack (b, &size);
  o.report = tally_reports;
  o.report_data = &t;
  s = nn_model_load_memory (bytes, size, &o, &m, &e);
  CHECK (t.n == 1, "%d reports", t.n);
  CHECK (s != NN_OK && s == t.first && m == NULL, "status %s",
         nn_status_to_string (s));
  CHECK (check_contains (e.message,
                         "1 problem, the first: node 'badpool' (MaxPool)"),
         "message '%s'", e.message);
  mb_free (b);
}

static void
test_session_arguments (void)
{
  nn_model *m = load (relu (4, 4), NULL);
  nn_session_options o = { 0 };
  nn_session *s = (nn_session *)&o;
  nn_step_info info;
  double us[2];
  nn_error e;
  nn_status st;

  if (!m)
    return;
  st = nn_session_create (m, NULL, NULL, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no place for the session");
  st = nn_session_create (NULL, NULL, &s, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no model");
  CHECK (s == NULL, "*out cleared on failure");
  o.batch = -1;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "batch -1 is out of range");
  o.batch = 65537;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "batch 65537 is out of range");
  o.batch = 0;
  o.threads = -1;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "threads -1 is out of range");
  o.threads = 257;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "threads 257 is out of range");
  o.threads = 0;
  o.max_bytes = 64;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_NOMEM, "more than the 64-byte limit");
  o.max_bytes = 0;

  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_OK, NULL);
  if (st != NN_OK) {
    nn_model_unref (m);
    return;
  }
  CHECK (nn_session_n_inputs (NULL) == 0 && nn_session_n_outputs (NULL) == 0
             && nn_session_n_steps (NULL) == 0
             && nn_session_flops (NULL) == 0.0,
         "counts of no session");
  CHECK (nn_session_input_info (s, 1) == NULL
             && nn_session_output_info (s, 1) == NULL
             && nn_session_input_info (NULL, 0) == NULL
             && nn_session_output_info (NULL, 0) == NULL,
         "info out of range");
  CHECK (nn_session_input (s, 1) == NULL && nn_session_output (s, 1) == NULL
             && nn_session_input (NULL, 0) == NULL
             && nn_session_output (NULL, 0) == NULL
             && nn_session_input_data (s, 1) == NULL
             && nn_session_output_data (s, 1) == NULL
             && nn_session_input_data (NULL, 0) == NULL
             && nn_session_output_data (NULL, 0) == NULL,
         "buffers out of range");
  CHECK (nn_session_find_input (s, "x") == 0
             && nn_session_find_output (s, "y") == 0
             && nn_session_find_input (s, "y") == (size_t)-1
             && nn_session_find_output (s, "x") == (size_t)-1
             && nn_session_find_input (s, NULL) == (size_t)-1
             && nn_session_find_output (NULL, "y") == (size_t)-1,
         "find by name");
  st = nn_session_step_info (s, 1, &info, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "step 1 of 1");
  st = nn_session_step_info (s, 0, NULL, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no place for the step");
  st = nn_session_step_info (NULL, 0, &info, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no session");
  st = nn_session_run (NULL, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no session");
  st = nn_session_run_profiled (s, NULL, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no place for the times");
  st = nn_session_run_profiled (NULL, us, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG, "no session");

  /* profiled and plain runs give the same output */
  {
    float *x = nn_session_input (s, 0), ref[48];
    for (int i = 0; i < 48; i++)
      x[i] = (float)(i % 7) - 3.0f;
    us[0] = -1;
    st = nn_session_run_profiled (s, us, &e);
    CHECK_ERR (st, e, NN_OK, NULL);
    CHECK (us[0] >= 0, "step time %g", us[0]);
    memcpy (ref, nn_session_output (s, 0), sizeof ref);
    for (int i = 0; i < 48; i++)
      CHECK (ref[i] == (x[i] > 0 ? x[i] : 0), "y[%d] = %f", i, ref[i]);
  }
  nn_session_free (s);
  nn_session_free (NULL);
  nn_model_unref (m);
}

/* Tensors of other types: no float pointer, the _data one instead. */
static void
test_other_types (void)
{
  nn_load_options g = { NN_LOAD_GENERAL };
  mb *b = mb_new (8, 13);
  Onnx__ValueInfoProto *vi;
  nn_model *m;
  nn_session *s;
  nn_error e;

  vi = mb_input (b, "n", 1, (int64_t[]){ 3 });
  vi->type->tensor_type->elem_type = 7; /* INT64 */
  mb_attr_i (b,
             mb_node (b, "Cast", "tofloat", (const char *[]){ "n", NULL },
                      (const char *[]){ "f", NULL }),
             "to", 1);
  mb_node (b, "Neg", "neg", (const char *[]){ "n", NULL },
           (const char *[]){ "neg", NULL });
  mb_output (b, "f");
  mb_output (b, "neg");
  if (!(m = load (b, &g)))
    return;
  if (nn_session_create (m, NULL, &s, &e) == NN_OK) {
    int64_t *n = nn_session_input_data (s, 0);
    const int64_t *neg;
    CHECK (nn_session_input (s, 0) == NULL, "no float pointer to an int64");
    CHECK (nn_session_output (s, 1) == NULL, "nor to an int64 output");
    n[0] = -5;
    n[1] = 0;
    n[2] = (int64_t)1 << 40;
    CHECK (nn_session_run (s, &e) == NN_OK, "run: %s", e.message);
    neg = nn_session_output_data (s, 1);
    for (int i = 0; i < 3; i++) {
      CHECK (nn_session_output (s, 0)[i] == (float)n[i], "f[%d] = %f", i,
             nn_session_output (s, 0)[i]);
      CHECK (neg[i] == -n[i], "neg[%d] = %lld", i, (long long)neg[i]);
    }
    nn_session_free (s);
  } else {
    CHECK (0, "session: %s", e.message);
  }
  nn_model_unref (m);
}

/* Session shapes against the model's inputs: each contradiction named. */
static void
test_session_shapes (void)
{
  nn_load_options g = { NN_LOAD_GENERAL };
  nn_session_options o = { 0 };
  nn_input_shape sh[3];
  nn_session *s;
  nn_error e;
  nn_status st;
  nn_model *m;
  mb *b = mb_new (8, 13);

  /* a [N, 3], b [N, 4], c a scalar: N shared */
  mb_input (b, "a", 2, (int64_t[]){ -1, 3 });
  mb_input (b, "b", 2, (int64_t[]){ -1, 4 });
  mb_input (b, "c", 0, NULL);
  mb_node (b, "Relu", "ra", (const char *[]){ "a", NULL },
           (const char *[]){ "ya", NULL });
  mb_node (b, "Relu", "rb", (const char *[]){ "b", NULL },
           (const char *[]){ "yb", NULL });
  mb_node (b, "Relu", "rc", (const char *[]){ "c", NULL },
           (const char *[]){ "yc", NULL });
  mb_output (b, "ya");
  mb_output (b, "yb");
  mb_output (b, "yc");
  if (!(m = load (b, &g)))
    return;

  /* the batch option binds N for every input not given; the scalar keeps
   * no axis */
  o.batch = 5;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_OK, NULL);
  if (st == NN_OK) {
    CHECK (nn_session_input_info (s, 0)->dims[0] == 5
               && nn_session_input_info (s, 1)->dims[0] == 5
               && nn_session_input_info (s, 2)->ndim == 0,
           "batch 5 on a and b, the scalar untouched");
    nn_session_free (s);
  }

  /* a given with N = 2, the batch option 5 for b: N cannot be both */
  sh[0] = (nn_input_shape){ "a", 2, { 2, 3 } };
  o.shapes = sh;
  o.n_shapes = 1;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_SHAPE,
             "input 'b' axis 0 ('N') is 5 (the batch size), but 'N' is 2 "
             "elsewhere");
  o.batch = 0;

  sh[0] = (nn_input_shape){ "a", 2, { (int64_t)1 << 40, 3 } };
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_INVALID_ARG,
             "input 'a' axis 0 ('N') is given as 1099511627776; a dimension "
             "is 1 or more");

  /* by index: a third and fourth shape for a model of three inputs */
  sh[0] = (nn_input_shape){ NULL, 2, { 1, 3 } };
  sh[1] = (nn_input_shape){ NULL, 2, { 1, 4 } };
  sh[2] = (nn_input_shape){ NULL, 0, { 0 } };
  o.n_shapes = 3;
  st = nn_session_create (m, &o, &s, &e);
  CHECK_ERR (st, e, NN_OK, NULL);
  nn_session_free (st == NN_OK ? s : NULL);
  {
    nn_input_shape four[4] = { sh[0], sh[1], sh[2], sh[2] };
    o.shapes = four;
    o.n_shapes = 4;
    st = nn_session_create (m, &o, &s, &e);
    CHECK_ERR (st, e, NN_NOT_FOUND,
               "shape 3 is given for input 3, but the model has 3 inputs");
  }
  nn_model_unref (m);

  /* an unnamed symbolic axis left open is named by its index alone */
  b = mb_new (8, 13);
  {
    Onnx__ValueInfoProto *vi = mb_input (b, "x", 4, (int64_t[]){ 1, 3, -1, 8 });
    vi->type->tensor_type->shape->dim[2]->value_case = 0;
  }
  mb_node (b, "Relu", "r", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  if ((m = load (b, NULL))) {
    st = nn_session_create (m, NULL, &s, &e);
    CHECK_ERR (st, e, NN_INVALID_ARG,
               "input 'x' axis 2 is symbolic and not bound: give the "
               "input's shape");
    nn_model_unref (m);
  }
}

int
main (void)
{
  test_session_shapes ();
  test_load_arguments ();
  test_model_accessors ();
  test_default_size ();
  test_report_unplanned ();
  test_report_planned ();
  test_session_arguments ();
  test_other_types ();
  return check_report ("model api");
}
