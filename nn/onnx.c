/* ONNX bytes -> validated nn_graph.
 *
 * The bytes are hostile until proven otherwise. protobuf-c unpacks through
 * a budgeted allocator (a tiny file of empty messages must not become
 * hundreds of megabytes), our trimmed schema has no self-containing message
 * (no unbounded recursion), and every name, count and attribute is checked
 * here before the planner or an operator sees it. */
#include "onnx_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_IR_VERSION 3
#define MAX_IR_VERSION 10
#define MAX_NODES 100000
#define MAX_NODE_IO 4096

/* ---- parse state ---- */

typedef struct {
  nn_graph *g;
  nn_mem *mem;
  const char *base_dir;
  nn_name_map names;
  nn_error *err;
  nn_reporter *reporter; /* NULL: stop at the first problem */
} parser;

static nn_value *
new_value (parser *p, const char *name)
{
  nn_value *v = &p->g->values[p->g->n_values];
  v->name = nn_mem_strdup (p->mem, name ? name : "");
  if (!v->name)
    return NULL;
  p->g->n_values++;
  return v;
}

static nn_status
define_name (parser *p, const char *name, size_t index, const char *what)
{
  size_t *slot = nn_map_slot (&p->names, name, 1);
  if (!slot)
    return nn_fail (p->err, NN_BAD_MODEL, "%s '%s' is defined twice", what,
                    name);
  *slot = index;
  return NN_OK;
}

/* A declared shape: fixed dims as they are, symbolic ones -1 with their
 * name (dim_param, or "" when the file has neither value nor name). */
static nn_status
parse_shape (parser *p, const Onnx__TensorShapeProto *shape, const char *what,
             const char *name, nn_tensor_info *info)
{
  size_t count = 1;
  if (shape->n_dim > NN_MAX_DIMS)
    return nn_fail (p->err, NN_UNSUPPORTED, "%s '%s' has rank %zu", what, name,
                    shape->n_dim);
  info->ndim = (int)shape->n_dim;
  for (size_t d = 0; d < shape->n_dim; d++) {
    const Onnx__TensorShapeProto__Dimension *dim = shape->dim[d];
    if (dim->value_case
        == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      int64_t val = dim->dim_value;
      if (val < 0)
        return nn_fail (p->err, NN_BAD_MODEL,
                        "%s '%s' has negative dimension %lld", what, name,
                        (long long)val);
      if (val > (int64_t)NN_MAX_TENSOR_ELEMS)
        return nn_fail (p->err, NN_BAD_MODEL,
                        "%s '%s' dimension %lld is too large", what, name,
                        (long long)val);
      info->dims[d] = val;
      if (count && !nn_mul_size (count, (size_t)val, &count))
        count = 0;
      continue;
    }
    info->dims[d] = -1;
    info->dim_names[d] = nn_mem_strdup (
        p->mem,
        dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                && dim->dim_param
            ? dim->dim_param
            : "");
    if (!info->dim_names[d])
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    count = 0;
  }
  info->count = count;
  return NN_OK;
}

static nn_status
parse_input (parser *p, const Onnx__ValueInfoProto *vi,
             const nn_load_options *opts)
{
  nn_tensor_info *info;
  const Onnx__TypeProto *type = vi->type;
  const Onnx__TensorShapeProto *shape;
  size_t index = p->g->n_values;
  nn_value *v;
  nn_status s;

  /* Bound to a constant by the caller? */
  for (size_t i = 0; opts && i < opts->n_consts; i++) {
    const nn_const_input *c = &opts->consts[i];
    if (!c->name || strcmp (c->name, vi->name) != 0)
      continue;
    if (!(v = new_value (p, vi->name)))
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    if (nn_value_set_shape (v, c->ndim, c->dims, NULL, p->err) != NN_OK)
      return NN_INVALID_ARG;
    if (!nn_dtype_size (c->dtype))
      return nn_fail (p->err, NN_INVALID_ARG,
                      "constant for input '%s' has unknown type %d", c->name,
                      (int)c->dtype);
    v->kind = NN_VAL_CONST;
    v->dtype = c->dtype;
    {
      /* whole 8-byte elements and one more: copies may round up */
      void *d = nn_mem_array (p->mem, v->count + 1, 8);
      if (!d)
        return nn_fail (p->err, NN_NOMEM, "out of memory");
      if (v->count)
        memcpy (d, c->data, v->count * nn_dtype_size (c->dtype));
      v->cdata = d;
    }
    return define_name (p, vi->name, index, "graph input");
  }

  if (!type || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || !type->tensor_type)
    return nn_fail (p->err, NN_UNSUPPORTED, "graph input '%s' is not a tensor",
                    vi->name);
  if (type->tensor_type->elem_type != NN_DTYPE_FLOAT
      && (!(opts && (opts->flags & NN_LOAD_GENERAL))
          || type->tensor_type->elem_type <= 0
          || !nn_dtype_size ((nn_dtype)type->tensor_type->elem_type)))
    return nn_fail (
        p->err, NN_UNSUPPORTED,
        "graph input '%s' has element type %d (%s), only FLOAT inputs are "
        "supported",
        vi->name, type->tensor_type->elem_type,
        nn_dtype_name ((nn_dtype)type->tensor_type->elem_type));
  shape = type->tensor_type->shape;
  if (!shape)
    return nn_fail (p->err, NN_UNSUPPORTED,
                    "graph input '%s' has no declared shape", vi->name);
  if (!(v = new_value (p, vi->name)))
    return nn_fail (p->err, NN_NOMEM, "out of memory");
  info = &p->g->input_info[p->g->n_inputs];
  if ((s = parse_shape (p, shape, "graph input", vi->name, info)))
    return s;
  v->kind = NN_VAL_INPUT;
  v->dtype = (nn_dtype)type->tensor_type->elem_type;
  v->ndim = info->ndim;
  memcpy (v->dims, info->dims, sizeof v->dims);
  info->name = v->name;
  info->dtype = v->dtype;
  p->g->inputs[p->g->n_inputs++] = index;
  s = define_name (p, vi->name, index, "graph input");
  return s;
}

static nn_status
parse_attr (parser *p, nn_node *node, const Onnx__AttributeProto *a,
            nn_attr *out)
{
  int type = a->type;
  if (!a->name || !*a->name)
    return nn_fail_node (p->err, NN_BAD_MODEL, node, "attribute without name");
  out->name = nn_mem_strdup (p->mem, a->name);
  if (!out->name)
    return nn_fail (p->err, NN_NOMEM, "out of memory");
  if (a->ref_attr_name)
    return nn_fail_node (
        p->err, NN_BAD_MODEL, node,
        "attribute '%s' refers to a function attribute outside a function",
        a->name);
  if (type == 0) { /* IR < 3 files leave the type out */
    if (a->has_f)
      type = NN_ATTR_FLOAT;
    else if (a->has_i)
      type = NN_ATTR_INT;
    else if (a->has_s)
      type = NN_ATTR_STRING;
    else if (a->t)
      type = NN_ATTR_TENSOR;
    else if (a->n_floats)
      type = NN_ATTR_FLOATS;
    else if (a->n_ints)
      type = NN_ATTR_INTS;
  }
  out->type = (nn_attr_type)type;
  switch (type) {
  case NN_ATTR_FLOAT:
    out->f = a->f;
    return NN_OK;
  case NN_ATTR_INT:
    out->i = a->i;
    return NN_OK;
  case NN_ATTR_STRING: {
    char *s = nn_mem_alloc (p->mem, a->s.len + 1);
    if (!s)
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    if (a->s.len)
      memcpy (s, a->s.data, a->s.len);
    if (memchr (s, 0, a->s.len))
      return nn_fail_node (p->err, NN_BAD_MODEL, node,
                           "attribute '%s' has a NUL byte in its string",
                           a->name);
    out->s = s;
    return NN_OK;
  }
  case NN_ATTR_TENSOR: {
    char what[256];
    nn_value *v;
    if (!a->t)
      return nn_fail_node (p->err, NN_BAD_MODEL, node,
                           "attribute '%s' of type TENSOR has no tensor",
                           a->name);
    if (!(v = new_value (p, "")))
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    snprintf (what, sizeof what, "node '%s' (%s): attribute '%s'", node->name,
              node->op_type, a->name);
    out->tensor = v;
    return nn_onnx_tensor (p->mem, a->t, what, p->base_dir, v, p->err);
  }
  case NN_ATTR_FLOATS: {
    float *f = nn_mem_array (p->mem, a->n_floats + 1, sizeof *f);
    if (!f)
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    if (a->n_floats)
      memcpy (f, a->floats, a->n_floats * sizeof *f);
    out->floats = f;
    out->n = a->n_floats;
    return NN_OK;
  }
  case NN_ATTR_INTS: {
    int64_t *v = nn_mem_array (p->mem, a->n_ints + 1, sizeof *v);
    if (!v)
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    if (a->n_ints)
      memcpy (v, a->ints, a->n_ints * sizeof *v);
    out->ints = v;
    out->n = a->n_ints;
    return NN_OK;
  }
  case 8: /* STRINGS: no supported op reads them */
    return NN_OK;
  case 5:
  case 10:
    return nn_fail_node (
        p->err, NN_UNSUPPORTED, node,
        "attribute '%s' holds a sub-graph; sub-graphs are not supported",
        a->name);
  default:
    return nn_fail_node (p->err, NN_UNSUPPORTED, node,
                         "attribute '%s' has type %d, which is not supported",
                         a->name, type);
  }
}

/* Whether this build runs the node's operator at its opset. In report
 * mode a refusal is reported and the node marked, and loading goes on. */
static nn_status
check_operator (parser *p, const Onnx__NodeProto *np, nn_node *node)
{
  const nn_op_def *def = NULL;
  nn_error e = { 0 };
  nn_status s = NN_OK;

  if (np->domain && *np->domain && strcmp (np->domain, "ai.onnx") != 0)
    s = nn_fail_node (&e, NN_UNSUPPORTED, node,
                      "operator domain '%s' is not supported", np->domain);
  else if (!(def = nn_op_find (node->op_type)))
    s = nn_fail_node (&e, NN_UNSUPPORTED, node,
                      "operator '%s' is not supported", node->op_type);
  else if (def->min_opset && node->opset < def->min_opset)
    s = nn_fail_node (
        &e, NN_UNSUPPORTED, node,
        "operator '%s' at opset %d is not supported (its opset %d meaning "
        "is; re-export with opset %d or later)",
        node->op_type, node->opset, def->min_opset, def->min_opset);
  else if (def->max_opset && node->opset > def->max_opset)
    s = nn_fail_node (
        &e, NN_UNSUPPORTED, node,
        "operator '%s' at opset %d is not supported (its meaning up to "
        "opset %d is; re-export with opset %d)",
        node->op_type, node->opset, def->max_opset, def->max_opset);
  if (s == NN_OK)
    return NN_OK;
  if (!p->reporter) {
    if (p->err)
      *p->err = e;
    return s;
  }
  nn_reporter_add (p->reporter, &e);
  node->refused = true;
  return NN_OK;
}

/* Creates node records in file order with their attributes and outputs;
 * inputs are resolved after every output is known. */
static nn_status
parse_node (parser *p, const Onnx__NodeProto *np, nn_node *node,
            size_t node_index)
{
  nn_status s;
  size_t n_out = np->n_output;

  node->name = nn_mem_strdup (p->mem, np->name ? np->name : "");
  node->op_type = nn_mem_strdup (p->mem, np->op_type ? np->op_type : "");
  node->opset = p->g->opset;
  if (!node->name || !node->op_type)
    return nn_fail (p->err, NN_NOMEM, "out of memory");
  if (!*node->op_type)
    return nn_fail (p->err, NN_BAD_MODEL, "node %zu ('%s') has no op_type",
                    node_index, node->name);
  if ((s = check_operator (p, np, node)))
    return s;
  if (np->n_input > MAX_NODE_IO || np->n_output > MAX_NODE_IO)
    return nn_fail_node (p->err, NN_BAD_MODEL, node, "too many inputs/outputs");
  if (n_out == 0)
    return nn_fail_node (p->err, NN_BAD_MODEL, node, "node has no outputs");

  node->n_attrs = (int)np->n_attribute;
  node->attrs = nn_mem_array (p->mem, np->n_attribute + 1, sizeof (nn_attr));
  if (!node->attrs)
    return nn_fail (p->err, NN_NOMEM, "out of memory");
  for (size_t i = 0; i < np->n_attribute; i++) {
    for (size_t j = 0; j < i; j++)
      if (np->attribute[j]->name && np->attribute[i]->name
          && strcmp (np->attribute[j]->name, np->attribute[i]->name) == 0)
        return nn_fail_node (p->err, NN_BAD_MODEL, node,
                             "attribute '%s' given twice",
                             np->attribute[i]->name);
    s = parse_attr (p, node, np->attribute[i], (nn_attr *)&node->attrs[i]);
    if (s != NN_OK)
      return s;
  }

  /* Trailing omitted outputs ("") are dropped; a middle one stays NULL. */
  while (n_out > 0 && (!np->output[n_out - 1] || !*np->output[n_out - 1]))
    n_out--;
  if (n_out == 0)
    return nn_fail_node (p->err, NN_BAD_MODEL, node, "all outputs are unnamed");
  node->n_out = (int)n_out;
  node->out = nn_mem_array (p->mem, n_out, sizeof (nn_value *));
  node->n_in = (int)np->n_input;
  node->in = nn_mem_array (p->mem, np->n_input + 1, sizeof (nn_value *));
  if (!node->out || !node->in)
    return nn_fail (p->err, NN_NOMEM, "out of memory");
  for (size_t i = 0; i < n_out; i++) {
    const char *name = np->output[i];
    size_t index = p->g->n_values;
    if (!name || !*name)
      continue;
    if (!(node->out[i] = new_value (p, name)))
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    node->out[i]->kind = NN_VAL_ACT;
    if (define_name (p, name, index, "tensor") != NN_OK)
      return nn_fail_node (p->err, NN_BAD_MODEL, node,
                           "output '%s' is already defined elsewhere", name);
  }
  return NN_OK;
}

/* Resolves every node input to a value, then orders nodes topologically
 * (ONNX requires it, but a cycle or an undefined input must be an error,
 * not a hang or a read of garbage). */
static nn_status
link_and_sort (parser *p, const Onnx__GraphProto *gp)
{
  nn_graph *g = p->g;
  size_t n = g->n_nodes, done = 0;
  size_t *producer = NULL, *pending = NULL, *order = NULL;
  nn_node *sorted = NULL;
  nn_status s = NN_OK;

  producer = malloc ((g->n_values + 1) * sizeof *producer);
  pending = calloc (n + 1, sizeof *pending);
  order = malloc ((n + 1) * sizeof *order);
  sorted = nn_mem_array (p->mem, n + 1, sizeof *sorted);
  if (!producer || !pending || !order || !sorted) {
    s = nn_fail (p->err, NN_NOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < g->n_values; i++)
    producer[i] = SIZE_MAX;
  for (size_t i = 0; i < n; i++)
    for (int o = 0; o < g->nodes[i].n_out; o++)
      if (g->nodes[i].out[o])
        producer[g->nodes[i].out[o] - g->values] = i;

  for (size_t i = 0; i < n; i++) {
    nn_node *node = &g->nodes[i];
    const Onnx__NodeProto *np = gp->node[i];
    for (size_t k = 0; k < np->n_input; k++) {
      const char *name = np->input[k];
      size_t *slot;
      if (!name || !*name) {
        node->in[k] = NULL; /* omitted optional input */
        continue;
      }
      slot = nn_map_slot (&p->names, name, 0);
      if (!slot) {
        s = nn_fail_node (
            p->err, NN_BAD_MODEL, node,
            "input '%s' is not defined by any node, initializer or graph "
            "input",
            name);
        goto out;
      }
      node->in[k] = &g->values[*slot];
      if (producer[*slot] == i) {
        s = nn_fail_node (p->err, NN_BAD_MODEL, node,
                          "input '%s' is the node's own output (cycle)", name);
        goto out;
      }
      if (producer[*slot] != SIZE_MAX)
        pending[i]++;
    }
  }

  /* Kahn's algorithm, stable: nodes keep file order when already sorted. */
  for (size_t round = 0; done < n; round++) {
    size_t before = done;
    for (size_t i = 0; i < n; i++) {
      if (pending[i] != 0)
        continue;
      pending[i] = SIZE_MAX;
      order[done++] = i;
      for (size_t j = 0; j < n; j++) {
        if (pending[j] == SIZE_MAX || pending[j] == 0)
          continue;
        for (int k = 0; k < g->nodes[j].n_in; k++) {
          nn_value *v = g->nodes[j].in[k];
          if (v && producer[v - g->values] == i)
            pending[j]--;
        }
      }
    }
    if (done == before) {
      for (size_t i = 0; i < n; i++)
        if (pending[i] != SIZE_MAX) {
          s = nn_fail_node (p->err, NN_BAD_MODEL, &g->nodes[i],
                            "the graph has a cycle through this node");
          goto out;
        }
    }
    if (round > n) {
      s = nn_fail (p->err, NN_INTERNAL, "topological sort did not finish");
      goto out;
    }
  }
  for (size_t i = 0; i < n; i++)
    sorted[i] = g->nodes[order[i]];
  g->nodes = sorted;

out:
  free (producer);
  free (pending);
  free (order);
  return s;
}

static nn_status
parse_graph (parser *p, const Onnx__GraphProto *gp, const nn_load_options *opts)
{
  nn_graph *g = p->g;
  size_t cap = gp->n_initializer + gp->n_input + 1;
  nn_status s;

  if (gp->n_node > MAX_NODES)
    return nn_fail (p->err, NN_BAD_MODEL, "graph has %zu nodes, limit %d",
                    gp->n_node, MAX_NODES);
  for (size_t i = 0; i < gp->n_node; i++) {
    cap += gp->node[i]->n_output;
    cap += gp->node[i]->n_attribute; /* tensor attributes */
  }
  g->values = nn_mem_array (p->mem, cap, sizeof (nn_value));
  g->nodes = nn_mem_array (p->mem, gp->n_node + 1, sizeof (nn_node));
  g->inputs = nn_mem_array (p->mem, gp->n_input + 1, sizeof (size_t));
  g->input_info
      = nn_mem_array (p->mem, gp->n_input + 1, sizeof (nn_tensor_info));
  g->output_info
      = nn_mem_array (p->mem, gp->n_output + 1, sizeof (nn_tensor_info));
  g->outputs = nn_mem_array (p->mem, gp->n_output + 1, sizeof (size_t));
  if (!g->values || !g->nodes || !g->inputs || !g->input_info || !g->output_info
      || !g->outputs || !nn_map_init (&p->names, cap))
    return nn_fail (p->err, NN_NOMEM, "out of memory for %zu tensors", cap);

  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *t = gp->initializer[i];
    char what[300];
    size_t index = g->n_values;
    nn_value *v;
    if (!t->name || !*t->name)
      return nn_fail (p->err, NN_BAD_MODEL, "initializer %zu has no name", i);
    if (!(v = new_value (p, t->name)))
      return nn_fail (p->err, NN_NOMEM, "out of memory");
    snprintf (what, sizeof what, "initializer '%s'", t->name);
    if ((s = nn_onnx_tensor (p->mem, t, what, p->base_dir, v, p->err)))
      return s;
    if ((s = define_name (p, t->name, index, "initializer")))
      return s;
  }
  const size_t n_weights = g->n_values; /* values below are initializers */
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    const size_t *known;
    if (!vi->name || !*vi->name)
      return nn_fail (p->err, NN_BAD_MODEL, "graph input %zu has no name", i);
    /* Older exporters list initializers as inputs too: the weight wins.
     * An input listed twice is not single assignment (onnx.checker
     * refuses it too). */
    if ((known = nn_map_slot (&p->names, vi->name, 0))) {
      if (*known >= n_weights)
        return nn_fail (p->err, NN_BAD_MODEL,
                        "graph input '%s' is listed twice", vi->name);
      continue;
    }
    if (g->n_inputs == NN_MAX_GRAPH_INPUTS)
      return nn_fail (p->err, NN_UNSUPPORTED,
                      "the graph has more than %d inputs", NN_MAX_GRAPH_INPUTS);
    if ((s = parse_input (p, vi, opts)))
      return s;
  }
  if (g->n_inputs == 0 && !(opts && (opts->flags & NN_LOAD_GENERAL)))
    return nn_fail (p->err, NN_BAD_MODEL, "the graph has no runtime input");

  g->n_nodes = gp->n_node;
  for (size_t i = 0; i < gp->n_node; i++)
    if ((s = parse_node (p, gp->node[i], &g->nodes[i], i)))
      return s;
  if ((s = link_and_sort (p, gp)))
    return s;

  if (gp->n_output == 0)
    return nn_fail (p->err, NN_BAD_MODEL, "the graph has no outputs");
  for (size_t i = 0; i < gp->n_output; i++) {
    const Onnx__ValueInfoProto *vi = gp->output[i];
    const Onnx__TypeProto *type = vi->type;
    const char *name = vi->name;
    size_t *slot = name ? nn_map_slot (&p->names, name, 0) : NULL;
    nn_tensor_info *info = &g->output_info[g->n_outputs];
    if (!slot)
      return nn_fail (p->err, NN_BAD_MODEL,
                      "graph output '%s' is not produced by the graph",
                      name ? name : "");
    info->name = g->values[*slot].name;
    info->dtype = NN_DTYPE_FLOAT;
    info->ndim = -1;
    if (type && type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        && type->tensor_type) {
      info->dtype = (nn_dtype)type->tensor_type->elem_type;
      if (type->tensor_type->shape
          && (s = parse_shape (p, type->tensor_type->shape, "graph output",
                               name, info)))
        return s;
    }
    g->outputs[g->n_outputs++] = *slot;
  }
  return NN_OK;
}

static nn_status
check_image_input (const nn_graph *g, nn_error *err)
{
  const nn_value *v;
  const int64_t *d;
  if (g->n_inputs != 1)
    return nn_fail (
        err, NN_UNSUPPORTED,
        "the model has %zu inputs; a classifier needs exactly one image "
        "input [N, C, H, W]",
        g->n_inputs);
  v = &g->values[g->inputs[0]];
  d = g->input_info[0].dims;
  if (v->ndim != 4 || d[1] <= 0 || d[2] == 0 || d[3] == 0)
    return nn_fail (
        err, NN_UNSUPPORTED,
        "input '%s' is not an image tensor [N, C, H, W] with a fixed C",
        v->name);
  if (d[1] != 1 && d[1] != 3)
    return nn_fail (
        err, NN_UNSUPPORTED,
        "input '%s' has %lld channels; images have 1 (gray) or 3 (colour)",
        v->name, (long long)d[1]);
  return NN_OK;
}

nn_status
nn_onnx_parse (nn_mem *mem, nn_graph *g, nn_meta *meta, const void *data,
               size_t size, const nn_load_options *opts, const char *base_dir,
               nn_reporter *reporter, nn_error *err)
{
  nn_budget b = { 0, 0, 0, 0 };
  ProtobufCAllocator alloc = { nn_budget_alloc, nn_budget_free, &b };
  Onnx__ModelProto *mp;
  parser p = { g, mem, base_dir, { 0 }, err, reporter };
  nn_status s = NN_OK;
  int opset = -1;

  /* 4x the file plus 32 MiB fits every real model with room to spare. */
  b.budget
      = size > (SIZE_MAX - (32u << 20)) / 4 ? SIZE_MAX : size * 4 + (32u << 20);
  mp = (Onnx__ModelProto *)protobuf_c_message_unpack (
      &onnx__model_proto__descriptor, &alloc, size, data);
  if (!mp) {
    /* protobuf-c says only that it failed: a malloc that failed is the
     * machine's problem, not the file's */
    if (b.out_of_memory)
      return nn_fail (err, NN_NOMEM,
                      "out of memory parsing the model (%zu-byte file)", size);
    if (b.exceeded)
      return nn_fail (
          err, NN_BAD_MODEL,
          "the file would need more than %zu bytes to parse (%zu-byte "
          "file); refusing it as malformed",
          b.budget, size);
    return nn_fail (err, NN_BAD_MODEL,
                    "the file is not an ONNX model (protobuf parse failed)");
  }

  if (!mp->has_ir_version || mp->ir_version < MIN_IR_VERSION
      || mp->ir_version > MAX_IR_VERSION) {
    s = nn_fail (err,
                 mp->has_ir_version && mp->ir_version > MAX_IR_VERSION
                     ? NN_UNSUPPORTED
                     : NN_BAD_MODEL,
                 "ONNX IR version %lld is not supported (%d to %d)",
                 (long long)mp->ir_version, MIN_IR_VERSION, MAX_IR_VERSION);
    goto out;
  }
  for (size_t i = 0; i < mp->n_opset_import; i++) {
    const char *dom = mp->opset_import[i]->domain;
    if (!dom || !*dom || strcmp (dom, "ai.onnx") == 0)
      opset = (int)(mp->opset_import[i]->version > 1000
                        ? 1000
                        : mp->opset_import[i]->version);
  }
  if (opset < 0) {
    const char *dom = mp->n_opset_import ? mp->opset_import[0]->domain : NULL;
    s = dom ? nn_fail (err, NN_UNSUPPORTED,
                       "the model imports only the "
                       "operator domain '%s', not ONNX's own",
                       dom)
            : nn_fail (err, NN_BAD_MODEL, "the model imports no ONNX opset");
    goto out;
  }
  if (opset < NN_MIN_OPSET || opset > NN_MAX_OPSET) {
    s = nn_fail (err, NN_UNSUPPORTED,
                 "ONNX opset %d is not supported (%d "
                 "to %d)",
                 opset, NN_MIN_OPSET, NN_MAX_OPSET);
    goto out;
  }
  g->opset = opset;
  if (!mp->graph) {
    s = nn_fail (err, NN_BAD_MODEL, "the model has no graph");
    goto out;
  }

  meta->n = mp->n_metadata_props;
  meta->keys = nn_mem_array (mem, mp->n_metadata_props + 1, sizeof (char *));
  meta->values = nn_mem_array (mem, mp->n_metadata_props + 1, sizeof (char *));
  if (!meta->keys || !meta->values) {
    s = nn_fail (err, NN_NOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < mp->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *e = mp->metadata_props[i];
    meta->keys[i] = nn_mem_strdup (mem, e->key ? e->key : "");
    meta->values[i] = nn_mem_strdup (mem, e->value ? e->value : "");
    if (!meta->keys[i] || !meta->values[i]) {
      s = nn_fail (err, NN_NOMEM, "out of memory");
      goto out;
    }
  }

  if ((s = parse_graph (&p, mp->graph, opts)))
    goto out;
  if (!(opts && (opts->flags & NN_LOAD_GENERAL)))
    s = check_image_input (g, err);

out:
  nn_map_clear (&p.names);
  protobuf_c_message_free_unpacked ((ProtobufCMessage *)mp, &alloc);
  return s;
}
