/* One-node graph harness for operator tests (see harness.h). */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int th_checks, th_failures, th_negatives;

static void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (!p) {
    fprintf (stderr, "out of memory\n");
    exit (2);
  }
  return p;
}

void
th_init (th_node *t, const char *op_type, int opset)
{
  memset (t, 0, sizeof *t);
  t->node.name = "n0";
  t->node.op_type = op_type;
  t->node.opset = opset;
  t->node.in = t->in;
  t->node.out = t->out;
  t->node.attrs = t->attrs;
}

void
th_free (th_node *t)
{
  for (int i = 0; i < t->n_owned; i++)
    free (t->owned[i]);
  free (t->node.params);
  free (t->arena);
  free (t->workspace);
  memset (t, 0, sizeof *t);
}

static nn_value *
new_value (th_node *t, nn_value_kind kind, int ndim, const int64_t *dims)
{
  int i = t->n_vals++;
  nn_value *v = &t->vals[i];
  snprintf (t->names[i], sizeof t->names[i], "v%d", i);
  v->name = t->names[i];
  v->dtype = NN_DTYPE_FLOAT;
  v->kind = kind;
  v->ndim = ndim;
  v->count = 1;
  for (int d = 0; d < ndim; d++) {
    v->dims[d] = dims[d];
    v->count *= (size_t)(dims[d] < 0 ? 0 : dims[d]);
  }
  return v;
}

nn_value *
th_input (th_node *t, int ndim, const int64_t *dims)
{
  nn_value *v = new_value (t, NN_VAL_ACT, ndim, dims);
  t->in[t->node.n_in++] = v;
  return v;
}

nn_value *
th_const (th_node *t, int ndim, const int64_t *dims, const float *data)
{
  nn_value *v = new_value (t, NN_VAL_CONST, ndim, dims);
  float *copy = xmalloc (sizeof (float) * v->count);
  if (data)
    memcpy (copy, data, sizeof (float) * v->count);
  t->owned[t->n_owned++] = copy;
  v->fconst = copy;
  t->in[t->node.n_in++] = v;
  return v;
}

nn_value *
th_const_i64 (th_node *t, int ndim, const int64_t *dims, const int64_t *data)
{
  nn_value *v = new_value (t, NN_VAL_CONST, ndim, dims);
  int64_t *copy = xmalloc (sizeof (int64_t) * v->count);
  memcpy (copy, data, sizeof (int64_t) * v->count);
  t->owned[t->n_owned++] = copy;
  v->dtype = NN_DTYPE_INT64;
  v->iconst = copy;
  t->in[t->node.n_in++] = v;
  return v;
}

nn_value *
th_input_typed (th_node *t, nn_dtype dtype, int ndim, const int64_t *dims)
{
  nn_value *v = th_input (t, ndim, dims);
  v->dtype = dtype;
  return v;
}

nn_value *
th_const_typed (th_node *t, nn_dtype dtype, int ndim, const int64_t *dims,
                const void *data)
{
  nn_value *v = new_value (t, NN_VAL_CONST, ndim, dims);
  size_t bytes = v->count * nn_dtype_size (dtype);
  void *copy = xmalloc (bytes + 8);
  memcpy (copy, data, bytes);
  t->owned[t->n_owned++] = copy;
  v->dtype = dtype;
  v->cdata = copy;
  t->in[t->node.n_in++] = v;
  return v;
}

void
th_omit (th_node *t)
{
  t->in[t->node.n_in++] = NULL;
}

nn_value *
th_output (th_node *t)
{
  nn_value *v = new_value (t, NN_VAL_ACT, 0, NULL);
  v->dtype = 0;
  v->count = 0;
  t->out[t->node.n_out++] = v;
  return v;
}

void
th_omit_output (th_node *t)
{
  t->out[t->node.n_out++] = NULL;
}

static nn_attr *
new_attr (th_node *t, const char *name, nn_attr_type type)
{
  nn_attr *a = &t->attrs[t->node.n_attrs++];
  memset (a, 0, sizeof *a);
  a->name = name;
  a->type = type;
  return a;
}

void
th_attr_int (th_node *t, const char *name, int64_t v)
{
  new_attr (t, name, NN_ATTR_INT)->i = v;
}

void
th_attr_float (th_node *t, const char *name, float v)
{
  new_attr (t, name, NN_ATTR_FLOAT)->f = v;
}

void
th_attr_string (th_node *t, const char *name, const char *v)
{
  new_attr (t, name, NN_ATTR_STRING)->s = v;
}

void
th_attr_ints (th_node *t, const char *name, int n, const int64_t *v)
{
  nn_attr *a = new_attr (t, name, NN_ATTR_INTS);
  int64_t *copy = xmalloc (sizeof (int64_t) * (size_t)(n > 0 ? n : 1));
  if (n > 0)
    memcpy (copy, v, sizeof (int64_t) * (size_t)n);
  t->owned[t->n_owned++] = copy;
  a->ints = copy;
  a->n = (size_t)n;
}

nn_status
th_plan (th_node *t, nn_error *err)
{
  const nn_op_def *def = nn_op_find (t->node.op_type);
  if (!def)
    return nn_fail (err, NN_UNSUPPORTED, "no operator %s", t->node.op_type);
  t->node.def = def;
  nn_status s = def->plan (&t->node, err);
  if (s != NN_OK)
    return s;
  /* Lay out activations: outputs, then inputs from the last to the first,
   * so that input 0 ends exactly at the end of the arena and the
   * workspace has no slack either: reads past them are out of bounds for
   * AddressSanitizer. */
  size_t off = 0;
  for (int i = 0; i < t->node.n_out; i++) {
    nn_value *v = t->out[i];
    if (v) {
      v->offset = off;
      off += (nn_value_floats (v) + 15) / 16 * 16;
    }
  }
  int last = -1;
  for (int i = t->node.n_in - 1; i >= 0; i--) {
    nn_value *v = t->in[i];
    if (v && v->kind != NN_VAL_CONST) {
      v->offset = off;
      off += (nn_value_floats (v) + 15) / 16 * 16;
      last = i;
    }
  }
  if (last >= 0)
    off = t->in[last]->offset + nn_value_floats (t->in[last]);
  t->arena_floats = off;
  t->arena = xmalloc (sizeof (float) * off);
  for (size_t i = 0; i < off; i++)
    t->arena[i] = NAN;
  t->workspace = xmalloc (sizeof (float) * t->node.workspace_floats);
  return NN_OK;
}

void
th_fill_inputs (th_node *t, uint64_t *seed)
{
  for (int i = 0; i < t->node.n_in; i++) {
    nn_value *v = t->in[i];
    if (!v || v->kind == NN_VAL_CONST)
      continue;
    if (v->dtype == NN_DTYPE_FLOAT)
      th_fill (t->arena + v->offset, v->count, seed);
    else
      th_fill_typed (t->arena + v->offset, v->dtype, v->count, seed);
  }
}

void
th_fill_typed (void *x, nn_dtype dtype, size_t n, uint64_t *seed)
{
  for (size_t k = 0; k < n; k++) {
    int64_t v = th_randint (seed, -9, 9);
    switch (dtype) {
    case NN_DTYPE_BOOL:
      ((uint8_t *)x)[k] = v > 0;
      break;
    case NN_DTYPE_UINT8:
    case NN_DTYPE_INT8:
      ((int8_t *)x)[k] = (int8_t)(dtype == NN_DTYPE_UINT8 && v < 0 ? -v : v);
      break;
    case NN_DTYPE_INT32:
      ((int32_t *)x)[k] = (int32_t)v;
      break;
    case NN_DTYPE_INT64:
      ((int64_t *)x)[k] = v;
      break;
    case NN_DTYPE_DOUBLE:
      ((double *)x)[k] = th_randf (seed);
      break;
    default:
      memset ((char *)x + k * nn_dtype_size (dtype), 0, nn_dtype_size (dtype));
      break;
    }
  }
}

void
th_run (th_node *t, nn_pool *pool, bool reference)
{
  for (int i = 0; i < t->node.n_out; i++) {
    nn_value *v = t->out[i];
    if (v)
      for (size_t k = 0; k < nn_value_floats (v); k++)
        t->arena[v->offset + k] = NAN;
  }
  /* Nothing may carry over in the workspace from an earlier run: a part
   * a run forgets to write reads as NaN, not as what the last run left. */
  for (size_t k = 0; k < t->node.workspace_floats; k++)
    t->workspace[k] = NAN;
  nn_run_ctx ctx = { t->arena, t->workspace, pool, reference };
  t->node.def->run (&t->node, &ctx);
}

float *
th_data (th_node *t, const nn_value *v)
{
  if (v->kind == NN_VAL_CONST)
    return (float *)v->fconst;
  return t->arena + v->offset;
}

uint64_t
th_rand (uint64_t *s)
{
  /* splitmix64 */
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int
th_randint (uint64_t *s, int lo, int hi)
{
  return lo + (int)(th_rand (s) % (uint64_t)(hi - lo + 1));
}

float
th_randf (uint64_t *s)
{
  return (float)((th_rand (s) >> 40) * (2.0 / 16777216.0) - 1.0);
}

void
th_fill (float *x, size_t n, uint64_t *seed)
{
  for (size_t i = 0; i < n; i++)
    x[i] = th_randf (seed);
}

double
th_compare (const float *a, const float *b, size_t n, double rtol, double atol,
            size_t *worst)
{
  double m = 0.0;
  if (worst)
    *worst = 0;
  for (size_t i = 0; i < n; i++) {
    double e;
    if (isnan (a[i]) || isnan (b[i]))
      e = isnan (a[i]) && isnan (b[i]) ? 0.0 : INFINITY;
    else
      e = fabs ((double)a[i] - b[i]) / (atol + rtol * fabs ((double)b[i]));
    if (e > m || (isinf (e) && m != e)) {
      m = e;
      if (worst)
        *worst = i;
    }
  }
  return m;
}

void
th_expect_fail (th_node *t, nn_status want, const char *needle,
                const char *what, const char *file, int line)
{
  nn_error err = { 0 };
  char prefix[64];
  nn_status s = th_plan (t, &err);
  th_negatives++;
  snprintf (prefix, sizeof prefix, "node 'n0' (%s): ", t->node.op_type);
  TH_CHECK (s == want, "%s:%d, %s %s: got status %s, expected %s (%s)", file,
            line, t->node.op_type, what, nn_status_to_string (s),
            nn_status_to_string (want), err.message);
  TH_CHECK (needle && needle[0], "%s:%d, %s %s: no needle for the message: %s",
            file, line, t->node.op_type, what, err.message);
  if (s != NN_OK) {
    TH_CHECK (strncmp (err.message, prefix, strlen (prefix)) == 0,
              "%s:%d, %s %s: message does not name the node: %s", file, line,
              t->node.op_type, what, err.message);
    /* Past the prefix, so that the op's name cannot match. */
    const char *rest = strncmp (err.message, prefix, strlen (prefix)) == 0
                           ? err.message + strlen (prefix)
                           : err.message;
    if (needle && needle[0])
      TH_CHECK (strstr (rest, needle) != NULL,
                "%s:%d, %s %s: message lacks \"%s\": %s", file, line,
                t->node.op_type, what, needle, err.message);
  }
  th_free (t);
}
