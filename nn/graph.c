/* Small helpers over the internal graph: attributes, shapes, activations. */
#include "graph.h"

#include <math.h>
#include <string.h>

const nn_attr *
nn_node_attr (const nn_node *node, const char *name)
{
  for (int i = 0; i < node->n_attrs; i++)
    if (strcmp (node->attrs[i].name, name) == 0)
      return &node->attrs[i];
  return NULL;
}

int64_t
nn_node_attr_int (const nn_node *node, const char *name, int64_t def)
{
  const nn_attr *a = nn_node_attr (node, name);
  return a && a->type == NN_ATTR_INT ? a->i : def;
}

float
nn_node_attr_float (const nn_node *node, const char *name, float def)
{
  const nn_attr *a = nn_node_attr (node, name);
  return a && a->type == NN_ATTR_FLOAT ? a->f : def;
}

const char *
nn_node_attr_string (const nn_node *node, const char *name, const char *def)
{
  const nn_attr *a = nn_node_attr (node, name);
  return a && a->type == NN_ATTR_STRING ? a->s : def;
}

nn_status
nn_value_set_shape (nn_value *v, int ndim, const int64_t *dims,
                    const nn_node *node, nn_error *err)
{
  size_t count = 1;
  if (ndim < 0 || ndim > NN_MAX_DIMS)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "tensor '%s' has rank %d, at most %d is supported",
                         v->name, ndim, NN_MAX_DIMS);
  for (int i = 0; i < ndim; i++) {
    if (dims[i] < 0)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "tensor '%s' would have negative dimension %lld at axis %d", v->name,
          (long long)dims[i], i);
    if (!nn_mul_size (count, (size_t)dims[i], &count)
        || count > NN_MAX_TENSOR_ELEMS)
      return nn_fail_node (err, NN_SHAPE, node,
                           "tensor '%s' would have more than %zu elements",
                           v->name, (size_t)NN_MAX_TENSOR_ELEMS);
  }
  v->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    v->dims[i] = dims[i];
  for (int i = ndim; i < NN_MAX_DIMS; i++)
    v->dims[i] = 0;
  v->count = count;
  return NN_OK;
}

/* Each name after the fused residual's "Add+", skipped without one. */
#define ADD_PREFIX "Add+"
#define ACT_NAME(s) ADD_PREFIX s

const char *
nn_fused_name (const nn_act *act, bool residual)
{
  const char *name = ACT_NAME ("");
  switch (act->type) {
  case NN_ACT_NONE:
    return residual ? "Add" : "";
  case NN_ACT_RELU:
    name = ACT_NAME ("Relu");
    break;
  case NN_ACT_LEAKY_RELU:
    name = ACT_NAME ("LeakyRelu");
    break;
  case NN_ACT_CLIP:
    name = ACT_NAME ("Clip");
    break;
  case NN_ACT_SIGMOID:
    name = act->gate ? ACT_NAME ("Sigmoid+Mul") : ACT_NAME ("Sigmoid");
    break;
  case NN_ACT_HARD_SIGMOID:
    name = act->gate ? ACT_NAME ("HardSigmoid+Mul") : ACT_NAME ("HardSigmoid");
    break;
  case NN_ACT_HARD_SWISH:
    name = ACT_NAME ("HardSwish");
    break;
  case NN_ACT_TANH:
    name = ACT_NAME ("Tanh");
    break;
  }
  return residual ? name : name + sizeof ADD_PREFIX - 1;
}

void
nn_reporter_add (nn_reporter *r, const nn_error *err)
{
  if (r->problems++ == 0) {
    r->first = err->status;
    memcpy (r->first_message, err->message, sizeof r->first_message);
  }
  r->report (r->data, err->status, err->message);
}
