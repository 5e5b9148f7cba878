/* Checks shared by every operator's plan(), and small run helpers. */
#include "ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *
value_name (const nn_value *v)
{
  return v && v->name && v->name[0] ? v->name : "?";
}

nn_status
nn_op_check_arity (const nn_node *node, int min_in, int max_in, int min_out,
                   int max_out, nn_error *err)
{
  if (node->n_in < min_in || node->n_in > max_in) {
    if (min_in == max_in)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "has %d inputs, expected %d", node->n_in, min_in);
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "has %d inputs, expected %d to %d", node->n_in, min_in,
                         max_in);
  }
  if (node->n_out < min_out || node->n_out > max_out) {
    if (min_out == max_out)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "has %d outputs, expected %d", node->n_out, min_out);
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "has %d outputs, expected %d to %d", node->n_out,
                         min_out, max_out);
  }
  for (int i = 0; i < min_in; i++)
    if (!node->in[i])
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "required input %d is missing", i);
  for (int i = 0; i < min_out; i++)
    if (!node->out[i])
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "required output %d is missing", i);
  return NN_OK;
}

nn_status
nn_op_refuse_output (const nn_node *node, int i, const char *what,
                     nn_error *err)
{
  if (nn_op_output (node, i))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "output %d (%s) is not supported", i, what);
  return NN_OK;
}

nn_status
nn_op_float_input (const nn_node *node, int i, const char *what, nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %s is missing", what);
  if (v->dtype != NN_DTYPE_FLOAT)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input %s ('%s') is %s, not float", what,
                         value_name (v), nn_dtype_name (v->dtype));
  if (v->kind == NN_VAL_CONST && !v->fconst && v->count > 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "constant input %s ('%s') has no float data", what,
                         value_name (v));
  return NN_OK;
}

nn_status
nn_op_input_rank (const nn_node *node, int i, const char *what, int min_rank,
                  int max_rank, nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %s is missing", what);
  if (v->ndim < min_rank || v->ndim > max_rank) {
    if (min_rank == max_rank)
      return nn_fail_node (err, NN_SHAPE, node,
                           "input %s ('%s') has rank %d, expected %d", what,
                           value_name (v), v->ndim, min_rank);
    return nn_fail_node (err, NN_SHAPE, node,
                         "input %s ('%s') has rank %d, expected %d to %d", what,
                         value_name (v), v->ndim, min_rank, max_rank);
  }
  return NN_OK;
}

nn_status
nn_op_const_ints (const nn_node *node, int i, const char *what, int64_t *out,
                  int max, int *n, nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %s is missing", what);
  if (v->kind != NN_VAL_CONST)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input %s ('%s') must be a constant", what,
                         value_name (v));
  if (!nn_dtype_in (v->dtype, NN_TYPES_INT) || (!v->cdata && v->count > 0))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "input %s ('%s') must be an int64 tensor", what,
                         value_name (v));
  if (v->ndim > 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "input %s ('%s') must be 1-D, has rank %d", what,
                         value_name (v), v->ndim);
  if (v->count > (size_t)max)
    return nn_fail_node (
        err, NN_UNSUPPORTED, node,
        "input %s ('%s') has %zu values, at most %d are supported", what,
        value_name (v), v->count, max);
  for (size_t k = 0; k < v->count; k++)
    out[k] = nn_load_i64 (v->cdata, v->dtype, k);
  *n = (int)v->count;
  return NN_OK;
}

nn_status
nn_op_typed_input (const nn_node *node, int i, const char *what, unsigned types,
                   nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %s is missing", what);
  if (!nn_dtype_in (v->dtype, types))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input %s ('%s') of type %s is not supported here",
                         what, value_name (v), nn_dtype_name (v->dtype));
  if (v->kind == NN_VAL_CONST && !v->cdata && v->count > 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "constant input %s ('%s') has no data", what,
                         value_name (v));
  return NN_OK;
}

nn_status
nn_op_same_type (const nn_node *node, int i, int j, nn_error *err)
{
  const nn_value *a = nn_op_input (node, i), *b = nn_op_input (node, j);
  if (a && b && a->dtype != b->dtype)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "inputs %d ('%s') and %d ('%s') differ in type (%s, "
                         "%s)",
                         i, value_name (a), j, value_name (b),
                         nn_dtype_name (a->dtype), nn_dtype_name (b->dtype));
  return NN_OK;
}

nn_status
nn_op_set_output_type (nn_node *node, int i, nn_dtype dtype, int ndim,
                       const int64_t *dims, nn_error *err)
{
  nn_value *v = nn_op_output (node, i);
  if (!v)
    return NN_OK;
  nn_status s = nn_value_set_shape (v, ndim, dims, node, err);
  if (s != NN_OK)
    return s;
  v->dtype = dtype;
  return NN_OK;
}

nn_status
nn_op_const_scalar (const nn_node *node, int i, const char *what, float *out,
                    nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %s is missing", what);
  if (v->kind != NN_VAL_CONST)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input %s ('%s') must be a constant", what,
                         value_name (v));
  if (v->dtype != NN_DTYPE_FLOAT || !v->fconst)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input %s ('%s') must be a float tensor", what,
                         value_name (v));
  if (v->count != 1)
    return nn_fail_node (err, NN_SHAPE, node,
                         "input %s ('%s') must hold one value, has %zu", what,
                         value_name (v), v->count);
  *out = v->fconst[0];
  return NN_OK;
}

/* The ONNX name of an attribute type, as model viewers show it. */
static const char *
attr_type_name (nn_attr_type type)
{
  switch (type) {
  case NN_ATTR_FLOAT:
    return "FLOAT";
  case NN_ATTR_INT:
    return "INT";
  case NN_ATTR_STRING:
    return "STRING";
  case NN_ATTR_TENSOR:
    return "TENSOR";
  case NN_ATTR_FLOATS:
    return "FLOATS";
  case NN_ATTR_INTS:
    return "INTS";
  }
  return "unknown";
}

static nn_status
attr_type_error (const nn_node *node, const nn_attr *a, const char *want,
                 nn_error *err)
{
  return nn_fail_node (err, NN_BAD_MODEL, node,
                       "attribute '%s' has type %s (%d), expected %s", a->name,
                       attr_type_name (a->type), (int)a->type, want);
}

nn_status
nn_op_attr_int (const nn_node *node, const char *name, int64_t def,
                int64_t *out, nn_error *err)
{
  const nn_attr *a = nn_node_attr (node, name);
  *out = def;
  if (!a)
    return NN_OK;
  if (a->type != NN_ATTR_INT)
    return attr_type_error (node, a, "an int", err);
  *out = a->i;
  return NN_OK;
}

nn_status
nn_op_attr_float (const nn_node *node, const char *name, float def, float *out,
                  nn_error *err)
{
  const nn_attr *a = nn_node_attr (node, name);
  *out = def;
  if (!a)
    return NN_OK;
  if (a->type != NN_ATTR_FLOAT)
    return attr_type_error (node, a, "a float", err);
  *out = a->f;
  return NN_OK;
}

nn_status
nn_op_attr_string (const nn_node *node, const char *name, const char *def,
                   const char **out, nn_error *err)
{
  const nn_attr *a = nn_node_attr (node, name);
  *out = def;
  if (!a)
    return NN_OK;
  if (a->type != NN_ATTR_STRING || !a->s)
    return attr_type_error (node, a, "a string", err);
  *out = a->s;
  return NN_OK;
}

nn_status
nn_op_attr_ints (const nn_node *node, const char *name, int64_t *out, int max,
                 int *n, nn_error *err)
{
  const nn_attr *a = nn_node_attr (node, name);
  *n = -1;
  if (!a)
    return NN_OK;
  if (a->type != NN_ATTR_INTS || (!a->ints && a->n > 0))
    return attr_type_error (node, a, "a list of ints", err);
  if (a->n > (size_t)max)
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "attribute '%s' has %zu values, at most %d make sense here", name, a->n,
        max);
  for (size_t k = 0; k < a->n; k++)
    out[k] = a->ints[k];
  *n = (int)a->n;
  return NN_OK;
}

nn_status
nn_op_axis (const nn_node *node, const char *what, int64_t axis, int rank,
            bool inclusive, int *out, nn_error *err)
{
  int64_t hi = inclusive ? rank : rank - 1;
  if (axis < -(int64_t)rank || axis > hi)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "%s %lld is out of range for rank %d", what,
                         (long long)axis, rank);
  *out = (int)(axis < 0 ? axis + rank : axis);
  return NN_OK;
}

nn_status
nn_op_set_output (nn_node *node, int i, int ndim, const int64_t *dims,
                  nn_error *err)
{
  nn_value *v = nn_op_output (node, i);
  if (!v)
    return NN_OK;
  nn_status s = nn_value_set_shape (v, ndim, dims, node, err);
  if (s != NN_OK)
    return s;
  v->dtype = NN_DTYPE_FLOAT;
  return NN_OK;
}

nn_status
nn_op_alloc_params (nn_node *node, size_t size, nn_error *err)
{
  free (node->params);
  node->params = calloc (1, size ? size : 1);
  if (!node->params)
    return nn_fail_node (err, NN_NOMEM, node,
                         "out of memory for %zu bytes of parameters", size);
  return NN_OK;
}

bool
nn_op_dims_product (const int64_t *dims, int begin, int end, size_t *out)
{
  size_t p = 1;
  for (int i = begin; i < end; i++) {
    if (dims[i] < 0 || !nn_mul_size (p, (size_t)dims[i], &p)
        || p > NN_MAX_TENSOR_ELEMS)
      return false;
  }
  *out = p;
  return true;
}

nn_status
nn_op_workspace (nn_node *node, size_t floats, nn_error *err)
{
  /* The arena addresses floats with size_t; keep a margin for alignment. */
  if (floats > ((size_t)1 << 34))
    return nn_fail_node (
        err, NN_SHAPE, node,
        "needs %zu floats of scratch memory, more than supported", floats);
  node->workspace_floats = floats;
  return NN_OK;
}

typedef struct copy_job {
  float *dst;
  const float *src;
  size_t n;
} copy_job;

static void
copy_task (void *arg, int i, int n)
{
  const copy_job *j = arg;
  size_t b, e;
  nn_op_split_range (j->n, i, n, &b, &e);
  memcpy (j->dst + b, j->src + b, (e - b) * sizeof (float));
}

void
nn_op_copy (nn_pool *pool, float *dst, const float *src, size_t n)
{
  if (dst == src || n == 0)
    return;
  copy_job j = { dst, src, n };
  nn_pool_run (pool, copy_task, &j,
               nn_op_task_count (pool, (double)n * 2.0, 64));
}

int
nn_op_task_count (const nn_pool *pool, double work, size_t max_tasks)
{
  int threads = nn_pool_threads (pool);
  /* Below ~4k units (a microsecond of work or less) a second thread costs
   * more than it saves. Larger jobs split even when the split saves little
   * time itself: the next operator splits its work the same way, and a
   * thread that reads what it wrote itself does not wait for the lines the
   * other core holds (about 240 ns each way on a 2-core EPYC VM). At 40k,
   * RegNetX-400MF ran 9 % slower on two threads, EfficientNet-B0,
   * SqueezeNet 1.1 and MobileNetV3-Small 4-5 %. */
  double per = 4000.0;
  if (threads <= 1 || work < 2 * per || max_tasks <= 1)
    return 1;
  double t = work / per;
  int n = threads;
  if (t < n)
    n = (int)t;
  if ((size_t)n > max_tasks)
    n = (int)max_tasks;
  return n < 1 ? 1 : n;
}

int
nn_op_task_count_fine (const nn_pool *pool, double work, size_t max_tasks)
{
  int n = nn_op_task_count (pool, work, max_tasks);
  if (n <= 1)
    return n;
  /* Items that split evenly keep one range per thread: with the pool's
   * task t on thread t, a thread then works on the same part of the
   * output layer after layer and reads what it wrote. */
  if (max_tasks % (size_t)n == 0)
    return n;
  return max_tasks <= (size_t)n * NN_OP_TASKS_PER_THREAD ? (int)max_tasks : n;
}

float
nn_op_act1 (const nn_act *act, float x)
{
  nn_act_apply (act, &x, 1);
  return x;
}
