/* Binding: the concrete dims of every graph input, from what the file
 * declares, what the caller gives and the defaults (a symbolic batch axis
 * is 1). A symbolic name stands for one value wherever it appears. */
#include "bind.h"

#include <string.h>

/* The value bound to symbol `name` so far, or -1. Unnamed symbolic dims
 * ("") are each their own. */
static int64_t
symbol_value (const nn_graph *g, int64_t (*dims)[NN_MAX_DIMS], const char *name)
{
  if (!name || !*name)
    return -1;
  for (size_t i = 0; i < g->n_inputs; i++) {
    const nn_tensor_info *info = &g->input_info[i];
    for (int a = 0; a < info->ndim; a++)
      if (info->dim_names[a] && dims[i][a] >= 0
          && strcmp (info->dim_names[a], name) == 0)
        return dims[i][a];
  }
  return -1;
}

/* Sets symbolic axis a of input i to v, refusing a value the same symbol
 * already has elsewhere. */
static nn_status
bind_axis (const nn_graph *g, int64_t (*dims)[NN_MAX_DIMS], size_t i, int a,
           int64_t v, const char *why, nn_error *err)
{
  const char *name = g->input_info[i].dim_names[a];
  int64_t had = symbol_value (g, dims, name);
  if (had >= 0 && had != v)
    return nn_fail (err, NN_SHAPE,
                    "input '%s' axis %d ('%s') is %lld (%s), but '%s' is "
                    "%lld elsewhere",
                    g->input_info[i].name, a, name, (long long)v, why, name,
                    (long long)had);
  dims[i][a] = v;
  return NN_OK;
}

/* Every still-symbolic dim whose name has a value takes it. */
static void
propagate (const nn_graph *g, int64_t (*dims)[NN_MAX_DIMS])
{
  for (size_t i = 0; i < g->n_inputs; i++) {
    const nn_tensor_info *info = &g->input_info[i];
    for (int a = 0; a < info->ndim; a++)
      if (dims[i][a] < 0)
        dims[i][a] = symbol_value (g, dims, info->dim_names[a]);
  }
}

static nn_status
apply_shape (const nn_graph *g, int64_t (*dims)[NN_MAX_DIMS],
             const nn_input_shape *sh, size_t index, bool *given, nn_error *err)
{
  size_t i = 0;
  const nn_tensor_info *info;
  nn_status s;

  if (sh->name) {
    while (i < g->n_inputs && strcmp (g->input_info[i].name, sh->name) != 0)
      i++;
    if (i == g->n_inputs)
      return nn_fail (err, NN_NOT_FOUND,
                      "a shape is given for input '%s', but the model has no "
                      "input of that name",
                      sh->name);
  } else {
    i = index;
    if (i >= g->n_inputs)
      return nn_fail (err, NN_NOT_FOUND,
                      "shape %zu is given for input %zu, but the model has %zu "
                      "input%s",
                      index, index, g->n_inputs, g->n_inputs == 1 ? "" : "s");
  }
  info = &g->input_info[i];
  if (given[i])
    return nn_fail (err, NN_INVALID_ARG,
                    "the shape of input '%s' is given twice", info->name);
  given[i] = true;
  if (sh->ndim != info->ndim)
    return nn_fail (err, NN_SHAPE,
                    "input '%s' has rank %d, the shape given for it has %d",
                    info->name, info->ndim, sh->ndim);
  for (int a = 0; a < info->ndim; a++) {
    int64_t v = sh->dims[a];
    if (info->dims[a] >= 0) {
      if (v != info->dims[a])
        return nn_fail (err, NN_SHAPE,
                        "input '%s' axis %d is %lld in the model, %lld given",
                        info->name, a, (long long)info->dims[a], (long long)v);
      continue;
    }
    if (v < 1 || v > (int64_t)NN_MAX_TENSOR_ELEMS)
      return nn_fail (err, NN_INVALID_ARG,
                      "input '%s' axis %d ('%s') is given as %lld; a "
                      "dimension is 1 or more",
                      info->name, a, info->dim_names[a], (long long)v);
    if ((s = bind_axis (g, dims, i, a, v, "given", err)))
      return s;
  }
  return NN_OK;
}

nn_status
nn_bind_inputs (const nn_graph *g, const nn_input_shape *shapes,
                size_t n_shapes, const int64_t (*base)[NN_MAX_DIMS], int batch,
                int64_t (*dims)[NN_MAX_DIMS], bool *complete, nn_error *err)
{
  bool given[NN_MAX_GRAPH_INPUTS];
  nn_status s;

  *complete = true;
  if (g->n_inputs > NN_MAX_GRAPH_INPUTS)
    return nn_fail (err, NN_INTERNAL, "too many graph inputs");
  memset (given, 0, sizeof given);
  for (size_t i = 0; i < g->n_inputs; i++)
    memcpy (dims[i], g->input_info[i].dims, sizeof dims[i]);
  if (n_shapes && !shapes)
    return nn_fail (err, NN_INVALID_ARG, "%zu shapes but no array", n_shapes);
  for (size_t j = 0; j < n_shapes; j++)
    if ((s = apply_shape (g, dims, &shapes[j], j, given, err)))
      return s;
  /* The batch option replaces axis 0 of every input not given, fixed or
   * not (a session at another batch size). */
  for (size_t i = 0; batch > 0 && i < g->n_inputs; i++) {
    if (given[i] || g->input_info[i].ndim == 0)
      continue;
    if (g->input_info[i].dims[0] >= 0)
      dims[i][0] = batch;
    else if ((s = bind_axis (g, dims, i, 0, batch, "the batch size", err)))
      return s;
  }
  propagate (g, dims);
  /* What the model was bound to at load, for what is still open. */
  for (size_t i = 0; base && i < g->n_inputs; i++)
    for (int a = 0; a < g->input_info[i].ndim; a++)
      if (dims[i][a] < 0 && base[i][a] >= 0
          && (s
              = bind_axis (g, dims, i, a, base[i][a], "the model's own", err)))
        return s;
  propagate (g, dims);
  /* A symbolic batch axis left open is 1. */
  for (size_t i = 0; i < g->n_inputs; i++)
    if (g->input_info[i].ndim > 0 && dims[i][0] < 0) {
      dims[i][0] = 1;
      propagate (g, dims);
    }
  for (size_t i = 0; i < g->n_inputs; i++) {
    const nn_tensor_info *info = &g->input_info[i];
    for (int a = 0; a < info->ndim; a++) {
      if (dims[i][a] >= 0)
        continue;
      *complete = false;
      if (err)
        nn_fail (err, NN_INVALID_ARG,
                 "input '%s' axis %d%s%s%s is symbolic and not bound: give "
                 "the input's shape",
                 info->name, a, info->dim_names[a][0] ? " ('" : "",
                 info->dim_names[a], info->dim_names[a][0] ? "')" : "");
      return NN_INVALID_ARG;
    }
  }
  return NN_OK;
}
