/* Runs one ONNX node test through the nn public API.
 *
 * The harness reads model.onnx itself (with the same generated protobuf-c
 * code as the loader) only to learn the graph's input and output names and
 * element types; everything the engine sees goes through nn_model_load_file.
 */
#include "node-case.h"

#include "nn/nn.h"
#include "onnx-subset.pb-c.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ONNX_INT64 7

/* A decoded test-data tensor. */
typedef struct tensor {
  int dtype; /* an nn_dtype nn_dtype_size knows */
  int ndim;
  int64_t dims[NN_MAX_DIMS];
  size_t count;
  void *data; /* elements of dtype, malloc'd */
} tensor;

/* One graph input or output as declared in model.onnx. */
typedef struct port {
  const char *name; /* owned by the unpacked ModelProto */
  int elem_type;    /* 0 when not a tensor type */
} port;

typedef struct model_desc {
  Onnx__ModelProto *proto;
  port *feeds; /* graph inputs that are not initializers */
  size_t n_feeds;
  port *outs;
  size_t n_outs;
} model_desc;

static case_result
verdict (case_result r, char *msg, size_t size, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, size, fmt, ap);
  va_end (ap);
  return r;
}

static const char *
elem_type_name (int t)
{
  static const char *names[]
      = { "undefined", "float",  "uint8",     "int8",       "uint16",  "int16",
          "int32",     "int64",  "string",    "bool",       "float16", "double",
          "uint32",    "uint64", "complex64", "complex128", "bfloat16" };
  if (t >= 0 && (size_t)t < sizeof names / sizeof names[0])
    return names[t];
  return "unknown";
}

static void
format_dims (char *buf, size_t size, int ndim, const int64_t *dims)
{
  size_t n = (size_t)snprintf (buf, size, "[");

  for (int i = 0; i < ndim && n < size; i++)
    n += (size_t)snprintf (buf + n, size - n, "%s%" PRId64, i ? ", " : "",
                           dims[i]);
  if (n < size)
    snprintf (buf + n, size - n, "]");
}

static bool
file_exists (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0;
}

static uint8_t *
read_all (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  struct stat st;
  uint8_t *buf = NULL;

  if (!f)
    return NULL;
  if (fstat (fileno (f), &st) == 0 && S_ISREG (st.st_mode)) {
    buf = malloc (st.st_size ? (size_t)st.st_size : 1);
    if (buf && fread (buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
      free (buf);
      buf = NULL;
    }
    *len = (size_t)st.st_size;
  }
  fclose (f);
  return buf;
}

static void
tensor_clear (tensor *t)
{
  free (t->data);
  memset (t, 0, sizeof *t);
}

/* Decodes a serialized TensorProto of float or int64 (raw_data or the typed
 * repeated field). */
/* The low bytes of v into element i of an integer-like (or float16 bits)
 * tensor. */
static void
nn_store_u64 (void *data, int dtype, size_t i, uint64_t v)
{
  switch (nn_dtype_size ((nn_dtype)dtype)) {
  case 1:
    ((uint8_t *)data)[i] = (uint8_t)v;
    break;
  case 2:
    ((uint16_t *)data)[i] = (uint16_t)v;
    break;
  case 4:
    ((uint32_t *)data)[i] = (uint32_t)v;
    break;
  default:
    ((uint64_t *)data)[i] = v;
    break;
  }
}

static case_result
tensor_load (const char *path, tensor *t, char *msg, size_t size)
{
  size_t len = 0, elem;
  uint8_t *buf = read_all (path, &len);
  Onnx__TensorProto *tp;
  case_result r = CASE_FAIL;

  memset (t, 0, sizeof *t);
  if (!buf)
    return verdict (CASE_FAIL, msg, size, "cannot read %s", path);
  tp = onnx__tensor_proto__unpack (NULL, len, buf);
  free (buf);
  if (!tp)
    return verdict (CASE_FAIL, msg, size, "%s is not a TensorProto", path);

  t->dtype = tp->data_type;
  if (!nn_dtype_size ((nn_dtype)t->dtype)) {
    r = verdict (CASE_UNSUPPORTED, msg, size, "test data of type %s",
                 elem_type_name (t->dtype));
    goto done;
  }
  if (tp->n_dims > NN_MAX_DIMS) {
    r = verdict (CASE_UNSUPPORTED, msg, size, "test data of rank %zu",
                 tp->n_dims);
    goto done;
  }
  t->ndim = (int)tp->n_dims;
  t->count = 1;
  for (int i = 0; i < t->ndim; i++) {
    t->dims[i] = tp->dims[i];
    if (tp->dims[i] < 0
        || __builtin_mul_overflow (t->count, (size_t)tp->dims[i], &t->count)) {
      r = verdict (CASE_FAIL, msg, size, "%s: bad dims", path);
      goto done;
    }
  }
  elem = nn_dtype_size ((nn_dtype)t->dtype);
  t->data = malloc (t->count ? t->count * elem : 1);
  if (!t->data) {
    r = verdict (CASE_FAIL, msg, size, "%s: out of memory", path);
    goto done;
  }
  if (tp->has_raw_data) {
    if (tp->raw_data.len != t->count * elem) {
      r = verdict (CASE_FAIL, msg, size,
                   "%s: raw_data is %zu bytes, dims "
                   "need %zu",
                   path, tp->raw_data.len, t->count * elem);
      goto done;
    }
    if (tp->raw_data.len) /* empty tensors carry no data pointer */
      memcpy (t->data, tp->raw_data.data, tp->raw_data.len);
  } else if (t->count == 0) {
    /* nothing to copy */
  } else if (t->dtype == NN_DTYPE_FLOAT && tp->n_float_data == t->count) {
    memcpy (t->data, tp->float_data, t->count * elem);
  } else if (t->dtype == NN_DTYPE_DOUBLE && tp->n_double_data == t->count) {
    memcpy (t->data, tp->double_data, t->count * elem);
  } else if (t->dtype == NN_DTYPE_INT64 && tp->n_int64_data == t->count) {
    memcpy (t->data, tp->int64_data, t->count * elem);
  } else if ((t->dtype == NN_DTYPE_UINT64 || t->dtype == NN_DTYPE_UINT32)
             && tp->n_uint64_data == t->count) {
    for (size_t i = 0; i < t->count; i++)
      nn_store_u64 (t->data, t->dtype, i, tp->uint64_data[i]);
  } else if (tp->n_int32_data == t->count) {
    /* int32_data carries every narrower type, float16 as its bits */
    for (size_t i = 0; i < t->count; i++)
      nn_store_u64 (t->data, t->dtype, i, (uint64_t)(int64_t)tp->int32_data[i]);
  } else {
    r = verdict (CASE_FAIL, msg, size, "%s: data does not match its dims",
                 path);
    goto done;
  }
  r = CASE_PASS;

done:
  onnx__tensor_proto__free_unpacked (tp, NULL);
  if (r != CASE_PASS)
    tensor_clear (t);
  return r;
}

static int
port_type (const Onnx__ValueInfoProto *vi)
{
  if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || !vi->type->tensor_type)
    return 0;
  return vi->type->tensor_type->elem_type;
}

static void
model_desc_clear (model_desc *d)
{
  free (d->feeds);
  free (d->outs);
  if (d->proto)
    onnx__model_proto__free_unpacked (d->proto, NULL);
  memset (d, 0, sizeof *d);
}

/* Reads the graph's interface and decides whether the harness can drive
 * it: tensors of the types nn knows only. */
static case_result
model_desc_load (const char *path, model_desc *d, char *msg, size_t size)
{
  size_t len = 0;
  uint8_t *buf = read_all (path, &len);
  Onnx__GraphProto *g;

  memset (d, 0, sizeof *d);
  if (!buf)
    return verdict (CASE_FAIL, msg, size, "cannot read %s", path);
  d->proto = onnx__model_proto__unpack (NULL, len, buf);
  free (buf);
  if (!d->proto || !d->proto->graph)
    return verdict (CASE_FAIL, msg, size, "harness cannot parse %s", path);
  g = d->proto->graph;
  d->feeds = calloc (g->n_input + 1, sizeof *d->feeds);
  d->outs = calloc (g->n_output + 1, sizeof *d->outs);
  if (!d->feeds || !d->outs)
    return verdict (CASE_FAIL, msg, size, "out of memory");

  for (size_t i = 0; i < g->n_input; i++) {
    const char *name = g->input[i]->name ? g->input[i]->name : "";
    bool is_init = false;
    for (size_t k = 0; k < g->n_initializer && !is_init; k++)
      is_init = g->initializer[k]->name
                && strcmp (g->initializer[k]->name, name) == 0;
    if (is_init)
      continue;
    d->feeds[d->n_feeds].name = name;
    d->feeds[d->n_feeds].elem_type = port_type (g->input[i]);
    if (!nn_dtype_size ((nn_dtype)d->feeds[d->n_feeds].elem_type))
      return verdict (CASE_UNSUPPORTED, msg, size, "input '%s' is %s", name,
                      port_type (g->input[i])
                          ? elem_type_name (port_type (g->input[i]))
                          : "not a tensor");
    d->n_feeds++;
  }
  for (size_t i = 0; i < g->n_output; i++) {
    d->outs[i].name = g->output[i]->name ? g->output[i]->name : "";
    d->outs[i].elem_type = port_type (g->output[i]);
    if (!nn_dtype_size ((nn_dtype)d->outs[i].elem_type))
      return verdict (
          CASE_UNSUPPORTED, msg, size, "output '%s' is %s", d->outs[i].name,
          d->outs[i].elem_type ? elem_type_name (d->outs[i].elem_type)
                               : "not a tensor");
    d->n_outs++;
  }
  if (d->n_outs == 0)
    return verdict (CASE_FAIL, msg, size, "graph has no outputs");
  return CASE_PASS;
}

/* NaN matches NaN; infinities must match exactly (the tolerance around an
 * infinite expected value is infinite, and would accept anything). */
static bool
values_close (double g, double w)
{
  if (isnan (w) || isnan (g))
    return isnan (w) && isnan (g);
  if (g == w)
    return true;
  if (isinf (w) || isinf (g))
    return false;
  return fabs (g - w) <= CASE_ATOL + CASE_RTOL * fabs (w);
}

bool
node_case_close_enough (float got, float want)
{
  return values_close (got, want);
}

/* IEEE binary16 bits to a double, written here independently of nn. */
static double
half_value (uint16_t h)
{
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0x1f)
    v = m ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp (m, -24);
  else
    v = ldexp (m + 1024, e - 25);
  return (h & 0x8000) ? -v : v;
}

static bool
is_float_type (int t)
{
  return t == NN_DTYPE_FLOAT || t == NN_DTYPE_DOUBLE || t == NN_DTYPE_FLOAT16;
}

/* Element i as a double (exact for every integer type but the extremes of
 * 64-bit ones, which the comparison reads as integers instead). */
static double
elem_f64 (const void *data, int t, size_t i)
{
  switch (t) {
  case NN_DTYPE_FLOAT:
    return ((const float *)data)[i];
  case NN_DTYPE_DOUBLE:
    return ((const double *)data)[i];
  case NN_DTYPE_FLOAT16:
    return half_value (((const uint16_t *)data)[i]);
  case NN_DTYPE_INT8:
    return ((const int8_t *)data)[i];
  case NN_DTYPE_UINT8:
  case NN_DTYPE_BOOL:
    return ((const uint8_t *)data)[i];
  case NN_DTYPE_INT16:
    return ((const int16_t *)data)[i];
  case NN_DTYPE_UINT16:
    return ((const uint16_t *)data)[i];
  case NN_DTYPE_INT32:
    return ((const int32_t *)data)[i];
  case NN_DTYPE_UINT32:
    return ((const uint32_t *)data)[i];
  case NN_DTYPE_INT64:
    return (double)((const int64_t *)data)[i];
  default:
    return (double)((const uint64_t *)data)[i];
  }
}

/* NaN matches NaN; infinities must match exactly; integers and bools
 * exactly (compared as their bytes). */
static bool
close_enough (const void *got, const void *want, int t, size_t i)
{
  if (!is_float_type (t)) {
    size_t es = nn_dtype_size ((nn_dtype)t);
    return memcmp ((const char *)got + i * es, (const char *)want + i * es, es)
           == 0;
  }
  return values_close (elem_f64 (got, t, i), elem_f64 (want, t, i));
}

static case_result
compare_output (const nn_session *s, const port *p, const tensor *want,
                char *msg, size_t size)
{
  size_t idx = nn_session_find_output (s, p->name), bad = 0, worst = 0;
  const nn_tensor_info *info;
  const void *got;
  double worst_err = -1;
  bool same = true;

  if (idx == (size_t)-1)
    return verdict (CASE_FAIL, msg, size, "engine has no output '%s'", p->name);
  info = nn_session_output_info (s, idx);
  got = nn_session_output_data (s, idx);
  if ((int)info->dtype != want->dtype)
    return verdict (CASE_FAIL, msg, size,
                    "output '%s' has type %s, expected %s", p->name,
                    elem_type_name (info->dtype), elem_type_name (want->dtype));
  same = info->ndim == want->ndim;
  for (int i = 0; same && i < want->ndim; i++)
    same = info->dims[i] == want->dims[i];
  if (!same) {
    char a[160], b[160];
    format_dims (a, sizeof a, info->ndim, info->dims);
    format_dims (b, sizeof b, want->ndim, want->dims);
    return verdict (CASE_FAIL, msg, size,
                    "output '%s' has shape %s, "
                    "expected %s",
                    p->name, a, b);
  }
  for (size_t i = 0; i < want->count; i++) {
    double g, w, e;
    if (close_enough (got, want->data, want->dtype, i))
      continue;
    bad++;
    g = elem_f64 (got, want->dtype, i);
    w = elem_f64 (want->data, want->dtype, i);
    e = isnan (g) || isnan (w) ? INFINITY : fabs (g - w);
    if (e > worst_err) {
      worst_err = e;
      worst = i;
    }
  }
  if (bad)
    return verdict (CASE_FAIL, msg, size,
                    "output '%s': %zu of %zu values "
                    "differ, worst at flat index %zu: got %.9g, expected %.9g",
                    p->name, bad, want->count, worst,
                    elem_f64 (got, want->dtype, worst),
                    elem_f64 (want->data, want->dtype, worst));
  return CASE_PASS;
}

/* Load, feed, run and compare one test_data_set folder. */
static case_result
run_data_set (const char *model_path, const model_desc *d, const char *set,
              char *msg, size_t size)
{
  char path[4096 + 64]; /* set + "/output_N.pb" */
  tensor *in = calloc (d->n_feeds + 1, sizeof *in);
  bool *bound = calloc (d->n_feeds + 1, sizeof *bound);
  nn_const_input *consts = calloc (d->n_feeds + 1, sizeof *consts);
  nn_load_options opts = { 0 };
  nn_model *model = NULL;
  nn_session *session = NULL;
  nn_error err = { 0 };
  nn_status st;
  case_result r = CASE_FAIL;

  if (!in || !consts || !bound) {
    r = verdict (CASE_FAIL, msg, size, "out of memory");
    goto done;
  }
  for (size_t k = 0; k < d->n_feeds; k++) {
    snprintf (path, sizeof path, "%s/input_%zu.pb", set, k);
    r = tensor_load (path, &in[k], msg, size);
    if (r != CASE_PASS)
      goto done;
    /* int64 tensors (shapes, axes, indices) and scalars are bound as
     * constants: the engine folds what depends on them at load. */
    bound[k] = in[k].dtype == ONNX_INT64 || in[k].ndim == 0;
  }
  opts.flags = NN_LOAD_GENERAL;
  opts.consts = consts;

  for (int attempt = 0; attempt < 2; attempt++) {
    opts.n_consts = 0;
    for (size_t k = 0; k < d->n_feeds; k++) {
      nn_const_input *c = &consts[opts.n_consts];
      if (!bound[k])
        continue;
      opts.n_consts++;
      c->name = d->feeds[k].name;
      c->dtype = (nn_dtype)in[k].dtype;
      c->ndim = in[k].ndim;
      c->dims = in[k].dims;
      c->data = in[k].data;
    }
    st = nn_model_load_file (model_path, &opts, &model, &err);
    /* Tests that give as graph inputs what an operator needs before the
     * first run (Resize's scales, say): once more with every input but the
     * first bound as a constant. */
    if (st != NN_UNSUPPORTED || !strstr (err.message, "depends on the data"))
      break;
    for (size_t k = 1; k < d->n_feeds; k++)
      bound[k] = true;
  }
  if (st != NN_OK) {
    r = verdict (st == NN_UNSUPPORTED ? CASE_UNSUPPORTED : CASE_FAIL, msg, size,
                 "load: %s: %s", nn_status_to_string (st), err.message);
    goto done;
  }
  st = nn_session_create (model, NULL, &session, &err);
  if (st != NN_OK) {
    r = verdict (CASE_FAIL, msg, size, "session: %s: %s",
                 nn_status_to_string (st), err.message);
    goto done;
  }
  for (size_t k = 0; k < d->n_feeds; k++) {
    size_t idx;
    const nn_tensor_info *info;
    bool same;

    if (bound[k])
      continue;
    idx = nn_session_find_input (session, d->feeds[k].name);
    if (idx == (size_t)-1) {
      r = verdict (CASE_FAIL, msg, size, "engine has no input '%s'",
                   d->feeds[k].name);
      goto done;
    }
    info = nn_session_input_info (session, idx);
    same = info->ndim == in[k].ndim;
    for (int i = 0; same && i < in[k].ndim; i++)
      same = info->dims[i] == in[k].dims[i];
    if (!same) {
      char a[160], b[160];
      format_dims (a, sizeof a, info->ndim, info->dims);
      format_dims (b, sizeof b, in[k].ndim, in[k].dims);
      r = verdict (CASE_FAIL, msg, size,
                   "input '%s' planned as %s, data "
                   "is %s",
                   d->feeds[k].name, a, b);
      goto done;
    }
    if ((int)info->dtype != in[k].dtype) {
      r = verdict (CASE_FAIL, msg, size, "input '%s' planned as %s, data is %s",
                   d->feeds[k].name, elem_type_name (info->dtype),
                   elem_type_name (in[k].dtype));
      goto done;
    }
    memcpy (nn_session_input_data (session, idx), in[k].data,
            in[k].count * nn_dtype_size (info->dtype));
  }
  st = nn_session_run (session, &err);
  if (st != NN_OK) {
    r = verdict (CASE_FAIL, msg, size, "run: %s: %s", nn_status_to_string (st),
                 err.message);
    goto done;
  }
  for (size_t j = 0; j < d->n_outs; j++) {
    tensor want;
    snprintf (path, sizeof path, "%s/output_%zu.pb", set, j);
    r = tensor_load (path, &want, msg, size);
    if (r == CASE_PASS)
      r = compare_output (session, &d->outs[j], &want, msg, size);
    tensor_clear (&want);
    if (r != CASE_PASS)
      goto done;
  }
  r = CASE_PASS;

done:
  nn_session_free (session);
  nn_model_unref (model);
  for (size_t k = 0; in && k < d->n_feeds; k++)
    tensor_clear (&in[k]);
  free (in);
  free (bound);
  free (consts);
  return r;
}

case_result
node_case_run (const char *dir, char *msg, size_t msg_size)
{
  char model_path[4096], set[4096];
  model_desc d;
  case_result r;
  int n_sets = 0;

  msg[0] = '\0';
  snprintf (model_path, sizeof model_path, "%s/model.onnx", dir);
  r = model_desc_load (model_path, &d, msg, msg_size);
  for (int i = 0; r == CASE_PASS; i++) {
    snprintf (set, sizeof set, "%s/test_data_set_%d", dir, i);
    if (!file_exists (set))
      break;
    n_sets++;
    r = run_data_set (model_path, &d, set, msg, msg_size);
    /* Say which data set when there are several. */
    if (r != CASE_PASS && i > 0) {
      char tail[64];
      snprintf (tail, sizeof tail, " (test_data_set_%d)", i);
      strncat (msg, tail, msg_size - strlen (msg) - 1);
    }
  }
  if (r == CASE_PASS && n_sets == 0)
    r = verdict (CASE_FAIL, msg, msg_size, "no test_data_set_0");
  model_desc_clear (&d);
  return r;
}
