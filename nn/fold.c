/* Load-time rewriting: BatchNormalization folded into Conv, and constant
 * folding of everything computable before the first frame (the int64 shape
 * sub-graphs exporters emit, and float nodes whose inputs are all weights).
 */
#include "fold.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- BatchNormalization -> Conv ---- */

static size_t
count_uses (const nn_graph *g, const nn_value *v)
{
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      n += g->nodes[i].in[k] == v;
  for (size_t i = 0; i < g->n_outputs; i++)
    n += &g->values[g->outputs[i]] == v;
  return n;
}

static int
is_float_const (const nn_value *v, size_t count)
{
  return v && v->kind == NN_VAL_CONST && v->dtype == NN_DTYPE_FLOAT
         && v->count == count;
}

nn_status
nn_fold_batchnorm (nn_model *model, nn_error *err)
{
  nn_graph *g = &model->graph;
  size_t kept = 0;

  for (size_t i = 0; i < g->n_nodes; i++) {
    nn_node *bn = &g->nodes[i], *conv = NULL;
    nn_value *w, *bias_holder;
    size_t oc, per_oc;
    float eps;

    if (strcmp (bn->op_type, "BatchNormalization") != 0 || bn->n_in != 5
        || bn->n_out != 1 || !bn->in[0]
        || nn_node_attr_int (bn, "spatial", 1) != 1)
      goto keep;
    for (size_t j = 0; j < i; j++)
      if (g->nodes[j].n_out >= 1 && g->nodes[j].out[0] == bn->in[0]
          && strcmp (g->nodes[j].op_type, "Conv") == 0)
        conv = &g->nodes[j];
    if (!conv || conv->n_in < 2 || !conv->in[1]
        || count_uses (g, bn->in[0]) != 1)
      goto keep;
    w = conv->in[1];
    if (w->kind != NN_VAL_CONST || w->dtype != NN_DTYPE_FLOAT || w->ndim < 3
        || w->dims[0] <= 0 || count_uses (g, w) != 1)
      goto keep;
    oc = (size_t)w->dims[0];
    per_oc = w->count / oc;
    if (!is_float_const (bn->in[1], oc) || !is_float_const (bn->in[2], oc)
        || !is_float_const (bn->in[3], oc) || !is_float_const (bn->in[4], oc))
      goto keep;
    if (conv->n_in >= 3 && conv->in[2]
        && (!is_float_const (conv->in[2], oc)
            || count_uses (g, conv->in[2]) != 1))
      goto keep;
    /* BN's own B tensor becomes the conv bias, so it must be private too. */
    bias_holder = bn->in[2];
    if (count_uses (g, bias_holder) != 1)
      goto keep;
    eps = nn_node_attr_float (bn, "epsilon", 1e-5f);

    {
      float *nw = nn_mem_array (&model->mem, w->count + 1, sizeof (float));
      float *nb = nn_mem_array (&model->mem, oc + 1, sizeof (float));
      const float *scale = bn->in[1]->fconst, *beta = bn->in[2]->fconst;
      const float *mean = bn->in[3]->fconst, *var = bn->in[4]->fconst;
      const float *ob
          = conv->n_in >= 3 && conv->in[2] ? conv->in[2]->fconst : NULL;
      if (!nw || !nb)
        return nn_fail (err, NN_NOMEM, "out of memory folding BatchNorm");
      for (size_t o = 0; o < oc; o++) {
        /* y = s * (conv(x) + b - mean) + beta, s = scale / sqrt(var + eps) */
        double s = scale[o] / sqrt ((double)var[o] + eps);
        for (size_t k = 0; k < per_oc; k++)
          nw[o * per_oc + k] = (float)(w->fconst[o * per_oc + k] * s);
        nb[o] = (float)(((ob ? ob[o] : 0.0) - mean[o]) * s + beta[o]);
      }
      w->fconst = nw;
      bias_holder->fconst = nb;
      if (conv->n_in < 3) {
        nn_value **in = nn_mem_array (&model->mem, 3, sizeof (nn_value *));
        if (!in)
          return nn_fail (err, NN_NOMEM, "out of memory folding BatchNorm");
        in[0] = conv->in[0];
        in[1] = conv->in[1];
        conv->in = in;
        conv->n_in = 3;
      }
      conv->in[2] = bias_holder;
      conv->out[0] = bn->out[0];
    }
    continue; /* the BatchNormalization node disappears */
  keep:
    g->nodes[kept++] = *bn;
  }
  g->n_nodes = kept;
  return NN_OK;
}

bool
nn_fold_shares_input (const nn_node *node)
{
  return node->def->view && node->out[0] && (node->n_out == 1 || !node->out[1])
         && node->in[0] && node->in[0]->kind == NN_VAL_CONST
         && node->out[0]->dtype == node->in[0]->dtype;
}

/* A planned node whose outputs can be known now: run it once into plan
 * memory, with the same run() a session would call, and make its outputs
 * constants. A view of a constant shares the constant's data. */
nn_status
nn_fold_run (nn_plan *plan, nn_node *node, nn_error *err)
{
  size_t total = 0, off[64];
  float *buf, *ws = NULL;
  nn_run_ctx ctx = { 0 };

  if (node->n_out > 64)
    return nn_fail_node (err, NN_UNSUPPORTED, node, "too many outputs");
  for (int i = 0; i < node->n_out; i++) {
    if (node->out[i] && node->out[i]->count > NN_MAX_FOLD_ELEMS)
      return nn_fail_node (
          err, NN_UNSUPPORTED, node,
          "constant output '%s' has %zu elements, folding stops at %zu",
          node->out[i]->name, node->out[i]->count, NN_MAX_FOLD_ELEMS);
    off[i] = total;
    if (node->out[i])
      total += (nn_value_floats (node->out[i]) + 15) & ~(size_t)15;
  }
  if (nn_fold_shares_input (node)) {
    node->out[0]->kind = NN_VAL_CONST;
    node->out[0]->cdata = node->in[0]->cdata;
    goto done;
  }
  buf = nn_mem_array (&plan->mem, total + 16, sizeof (float));
  if (node->workspace_floats)
    ws = malloc (node->workspace_floats * sizeof (float));
  if (!buf || (node->workspace_floats && !ws)) {
    free (ws);
    return nn_fail_node (err, NN_NOMEM, node, "out of memory folding");
  }
  for (int i = 0; i < node->n_out; i++)
    if (node->out[i]) {
      node->out[i]->kind = NN_VAL_ACT;
      node->out[i]->offset = off[i];
    }
  ctx.arena = buf;
  ctx.workspace = ws;
  node->def->run (node, &ctx);
  free (ws);
  for (int i = 0; i < node->n_out; i++)
    if (node->out[i]) {
      node->out[i]->kind = NN_VAL_CONST;
      node->out[i]->cdata = buf + off[i];
    }
done:
  free (node->params);
  node->params = NULL;
  return NN_OK;
}
