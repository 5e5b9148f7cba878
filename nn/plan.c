/* The planner: from a loaded graph and a batch size to an executable plan.
 *
 *   1. copy values and nodes, give graph inputs their concrete dims
 *   2. per node, in order: fold it if its inputs are constant, else let the
 *      operator validate and infer its output shapes
 *   3. fuse residual Adds into the Conv that feeds them, then activations
 *      into the Conv/Gemm/Add that feeds them
 *   4. turn view ops (Reshape, Flatten, ...) into aliases: no copy, no step;
 *      a fused residual read last by its step takes that step's output;
 *      an input only a Concat reads is written by its producer straight
 *      into the Concat's output
 *   5. give every arena tensor an offset, reusing memory between tensors
 *      whose lifetimes do not overlap (greedy, largest first)
 */
#include "fold.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN_FLOATS 16 /* 64 bytes */

/* What step n reads as its k-th operand, k in [0, n_in]: its inputs, then
 * its fused residual (NULL when it has none or input k is omitted). */
static const nn_value *
step_read (const nn_node *n, int k)
{
  return k < n->n_in ? n->in[k] : n->residual;
}

static nn_value *
map_value (const nn_model *model, nn_plan *plan, const nn_value *v)
{
  return v ? &plan->values[v - model->graph.values] : NULL;
}

/* The inputs an operator needs before the first run (they shape its
 * outputs) must be constants by now: computed from weights and shapes. */
static nn_status
check_known_inputs (const nn_node *n, nn_error *err)
{
  for (int k = 0; k < n->n_in && k < 32; k++) {
    const nn_value *v = n->in[k];
    if (!v || v->kind == NN_VAL_CONST || !(n->def->const_inputs & (1u << k)))
      continue;
    return nn_fail_node (
        err, NN_UNSUPPORTED, n,
        "input %d ('%s') depends on the data of a run, but %s needs it "
        "before the first run (it shapes the output); only inputs computed "
        "from weights and input shapes are supported there",
        k, v->name, n->op_type);
  }
  return NN_OK;
}

static bool
all_inputs_known (const nn_node *n)
{
  for (int k = 0; k < n->n_in; k++)
    if (n->in[k] && n->in[k]->kind != NN_VAL_CONST)
      return false;
  return true;
}

/* Output 0 and nothing else (optional outputs nothing reads are NULL). */
static bool
one_output (const nn_node *n)
{
  for (int k = 1; k < n->n_out; k++)
    if (n->out[k])
      return false;
  return n->n_out >= 1 && n->out[0];
}

static int
is_graph_output (const nn_plan *plan, const nn_value *v)
{
  for (size_t i = 0; i < plan->n_outputs; i++)
    if (plan->output_values[i] == v)
      return 1;
  return 0;
}

static double
step_work (const nn_node *n)
{
  const nn_value *o = n->out[0];
  double touched;
  if (n->def->work)
    return n->def->work (n);
  if (!o)
    return 0;
  /* Each element of the larger of input and output touched about once: a
   * global pool or a reduction reads far more than it writes. */
  touched = (double)o->count;
  if (n->n_in > 0 && n->in[0] && (double)n->in[0]->count > touched)
    touched = (double)n->in[0]->count;
  return touched;
}

/* Counts what folding node n adds to the plan's totals, before it runs;
 * a node that would take them past the limits is refused. */
static nn_status
fold_budget (const nn_node *n, double *bytes, double *work, nn_error *err)
{
  if (nn_fold_shares_input (n))
    return NN_OK;
  for (int k = 0; k < n->n_out; k++)
    if (n->out[k])
      *bytes += (double)n->out[k]->count
                * (double)nn_dtype_size (n->out[k]->dtype);
  *work += step_work (n);
  if (*bytes > NN_MAX_FOLD_TOTAL_BYTES)
    return nn_fail_node (err, NN_UNSUPPORTED, n,
                         "folding the model's constants would create more "
                         "than %.0f MiB",
                         NN_MAX_FOLD_TOTAL_BYTES / (1 << 20));
  if (*work > NN_MAX_FOLD_TOTAL_WORK)
    return nn_fail_node (err, NN_UNSUPPORTED, n,
                         "folding the model's constants would take more "
                         "than %.0f operations",
                         NN_MAX_FOLD_TOTAL_WORK);
  return NN_OK;
}

/* ---- memory plan ---- */

typedef struct {
  nn_value *v;
  long first, last; /* steps; -1 = before the first step */
  size_t size, offset;
  int placed;
} slot;

static int
by_size_desc (const void *a, const void *b)
{
  const slot *x = a, *y = b;
  return x->size < y->size ? 1 : (x->size > y->size ? -1 : 0);
}

static nn_status
assign_offsets (nn_plan *plan, nn_value **alias_root, const size_t *alias_delta,
                nn_error *err)
{
  size_t nv = 0, n_slots = 0, end = 0;
  slot *slots;
  long *slot_of;
  nn_status s = NN_OK;

  nv = plan->n_values;
  slots = calloc (nv + 1, sizeof *slots);
  slot_of = malloc ((nv + 1) * sizeof *slot_of);
  if (!slots || !slot_of) {
    s = nn_fail (err, NN_NOMEM, "out of memory planning");
    goto out;
  }
  for (size_t i = 0; i < nv; i++) {
    nn_value *v = &plan->values[i];
    slot_of[i] = -1;
    if (v->kind == NN_VAL_CONST || alias_root[i] != v)
      continue;
    slots[n_slots].v = v;
    slots[n_slots].first = v->kind == NN_VAL_INPUT ? -1 : LONG_MAX;
    slots[n_slots].last = v->kind == NN_VAL_INPUT ? LONG_MAX : -1;
    slots[n_slots].size = (nn_value_floats (v) + ALIGN_FLOATS - 1)
                          & ~(size_t)(ALIGN_FLOATS - 1);
    if (slots[n_slots].size == 0)
      slots[n_slots].size = ALIGN_FLOATS;
    slot_of[i] = (long)n_slots++;
  }
  for (size_t t = 0; t < plan->n_steps; t++) {
    const nn_node *n = &plan->steps[t];
    for (int k = 0; k <= n->n_in; k++) {
      const nn_value *v = step_read (n, k);
      long sl;
      if (!v || v->kind == NN_VAL_CONST)
        continue;
      sl = slot_of[alias_root[v - plan->values] - plan->values];
      if (sl >= 0 && slots[sl].last < (long)t)
        slots[sl].last = (long)t;
    }
    for (int k = 0; k < n->n_out; k++) {
      long sl;
      if (!n->out[k])
        continue;
      /* an output placed inside another tensor starts that one's life */
      sl = slot_of[alias_root[n->out[k] - plan->values] - plan->values];
      if (sl >= 0) {
        if (slots[sl].first > (long)t)
          slots[sl].first = (long)t;
        if (slots[sl].last < (long)t)
          slots[sl].last = (long)t;
      }
    }
  }
  for (size_t i = 0; i < plan->n_outputs; i++) {
    nn_value *v = plan->output_values[i];
    long sl;
    if (v->kind == NN_VAL_CONST)
      continue;
    sl = slot_of[alias_root[v - plan->values] - plan->values];
    if (sl >= 0)
      slots[sl].last = LONG_MAX; /* read after run */
  }

  qsort (slots, n_slots, sizeof *slots, by_size_desc);
  for (size_t i = 0; i < n_slots; i++) {
    size_t off = 0;
    int moved = 1;
    /* Inputs keep a region of their own: callers may run twice. */
    while (moved) {
      moved = 0;
      for (size_t j = 0; j < i; j++) {
        int overlap_time = slots[i].first <= slots[j].last
                           && slots[j].first <= slots[i].last;
        int overlap_mem = off < slots[j].offset + slots[j].size
                          && slots[j].offset < off + slots[i].size;
        if (overlap_time && overlap_mem) {
          off = slots[j].offset + slots[j].size;
          moved = 1;
        }
      }
    }
    slots[i].offset = off;
    slots[i].v->offset = off;
    if (!nn_add_size (off, slots[i].size, &off)) {
      s = nn_fail (err, NN_NOMEM, "activation memory overflows");
      goto out;
    }
    if (off > end)
      end = off;
  }
  for (size_t i = 0; i < nv; i++) {
    nn_value *v = &plan->values[i];
    if (v->kind != NN_VAL_CONST && alias_root[i] != v)
      v->offset = alias_root[i]->offset + alias_delta[i];
  }
  plan->arena_floats = end;

out:
  free (slots);
  free (slot_of);
  return s;
}

static nn_status
fill_info (nn_tensor_info *info, const nn_value *v)
{
  info->name = v->name;
  info->dtype = v->dtype;
  info->ndim = v->ndim;
  memcpy (info->dims, v->dims, sizeof info->dims);
  info->count = v->count;
  return NN_OK;
}

/* The steps after t that read value v, as (step, input) pairs: how many,
 * and the last two. */
static size_t
readers_of (const nn_plan *plan, const char *removed, size_t t,
            const nn_value *v, size_t at[2])
{
  size_t readers = 0;
  for (size_t u = t + 1; u < plan->n_steps; u++) {
    if (removed[u])
      continue;
    for (int k = 0; k <= plan->steps[u].n_in; k++)
      if (step_read (&plan->steps[u], k) == v) {
        at[0] = at[1];
        at[1] = u;
        readers++;
      }
  }
  return readers;
}

/* x * f(x) with f a Sigmoid or a HardSigmoid of x, as exporters write SiLU
 * and HardSwish: `x -> f -> Mul(x, f(x))` where f's output has no other
 * reader. Sets *act (gated) and the Mul's step. */
static bool
gated_act (const nn_plan *plan, const char *removed, const nn_value *x,
           size_t f_at, size_t m_at, nn_act *act, size_t *mul)
{
  const nn_node *f = &plan->steps[f_at], *m = &plan->steps[m_at];
  size_t at[2] = { 0, 0 };
  if (!f->def || !f->def->as_act || f->n_in != 1 || f->in[0] != x
      || !one_output (f) || is_graph_output (plan, f->out[0])
      || !f->def->as_act (f, act) || act->gate
      || (act->type != NN_ACT_SIGMOID && act->type != NN_ACT_HARD_SIGMOID))
    return false;
  if (strcmp (m->op_type, "Mul") != 0 || m->n_in != 2 || !one_output (m)
      || !((m->in[0] == x && m->in[1] == f->out[0])
           || (m->in[1] == x && m->in[0] == f->out[0]))
      || m->out[0]->dtype != NN_DTYPE_FLOAT
      || readers_of (plan, removed, f_at, f->out[0], at) != 1)
    return false;
  act->gate = true;
  *mul = m_at;
  return true;
}

/* The step before `before` that writes v; -1 when none does (a graph
 * input or a constant). */
static long
writer_of (const nn_plan *plan, const char *removed, size_t before,
           const nn_value *v)
{
  for (size_t t = before; t-- > 0;)
    if (!removed[t])
      for (int k = 0; k < plan->steps[t].n_out; k++)
        if (plan->steps[t].out[k] == v)
          return (long)t;
  return -1;
}

static bool
same_shape (const nn_value *a, const nn_value *b)
{
  if (a->ndim != b->ndim || a->count != b->count)
    return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->dims[i] != b->dims[i])
      return false;
  return true;
}

/* The step that can take `Add(c, r)` as a residual (c its only output, the
 * Add its only reader, r of c's shape and written before it runs); -1 when
 * there is none. */
static long
residual_taker (const nn_plan *plan, const char *removed, size_t add_at,
                const nn_value *c, const nn_value *r)
{
  long t = writer_of (plan, removed, add_at, c);
  size_t at[2] = { 0, 0 };
  if (t < 0 || c == r || c->dtype != NN_DTYPE_FLOAT
      || r->dtype != NN_DTYPE_FLOAT || !same_shape (c, r))
    return -1;
  const nn_node *n = &plan->steps[t];
  if (!n->def || !n->def->takes_residual || !n->def->takes_residual (n)
      || !one_output (n) || n->residual || n->act.type != NN_ACT_NONE
      || is_graph_output (plan, c)
      || readers_of (plan, removed, (size_t)t, c, at) != 1
      || writer_of (plan, removed, add_at, r) > t)
    return -1;
  return t;
}

/* Fold `Add(Conv(..), r)` into the Conv, which then adds r before its
 * activation in the work items that write its output, while that output
 * is still in the writing core's cache: an Add apart reads both operands
 * again, on two threads half of them from the other core's cache. r must
 * be ready when the Conv runs: a graph input, a constant, or written
 * before the Conv. When both operands are Conv outputs, the later Conv
 * takes the earlier one's output. */
static void
fuse_residuals (nn_plan *plan, char *removed)
{
  for (size_t u = 0; u < plan->n_steps; u++) {
    nn_node *add = &plan->steps[u];
    long best = -1;
    int side = 0;
    if (removed[u] || !add->def || strcmp (add->op_type, "Add") != 0
        || add->n_in != 2 || !add->in[0] || !add->in[1] || !one_output (add)
        || add->act.type != NN_ACT_NONE)
      continue;
    for (int k = 0; k < 2; k++) {
      long t = residual_taker (plan, removed, u, add->in[k], add->in[1 - k]);
      if (t > best) {
        best = t;
        side = k;
      }
    }
    if (best < 0)
      continue;
    nn_node *n = &plan->steps[best];
    n->residual = add->in[1 - side];
    n->out[0] = add->out[0];
    free (add->params);
    add->params = NULL;
    removed[u] = 1;
  }
}

/* Reads of memory rooted at r (an alias root) by the steps from step
 * `from` on: those of step t are counted in *by_t, the others, and a
 * graph output's read after the run, returned. */
static size_t
root_reads (const nn_plan *plan, const char *removed,
            nn_value *const *alias_root, const nn_value *r, size_t from,
            size_t t, size_t *by_t)
{
  size_t other = 0;
  *by_t = 0;
  for (size_t u = from; u < plan->n_steps; u++) {
    const nn_node *n = &plan->steps[u];
    if (removed[u])
      continue;
    for (int k = 0; k <= n->n_in; k++) {
      const nn_value *v = step_read (n, k);
      if (v && alias_root[v - plan->values] == r)
        *(u == t ? by_t : &other) += 1;
    }
  }
  for (size_t i = 0; i < plan->n_outputs; i++)
    if (alias_root[plan->output_values[i] - plan->values] == r)
      other++;
  return other;
}

/* A step whose residual is read last by it writes its output over it
 * (its kernels allow, nn_op_def.takes_residual): the output then
 * lands where the residual was just read, in cache, rather than in
 * memory last touched long before (written there, vec_pos stores missed
 * the cache and MobileNetV2's projections slowed by up to 1.35x on AVX2
 * CPUs). Not over a graph input (a caller may run twice) nor memory the
 * step also reads as an input. */
static void
residuals_in_place (nn_plan *plan, const char *removed, nn_value **alias_root)
{
  for (size_t t = 0; t < plan->n_steps; t++) {
    const nn_node *n = &plan->steps[t];
    if (removed[t] || !n->residual)
      continue;
    nn_value *r = alias_root[n->residual - plan->values];
    nn_value *y = n->out[0];
    size_t own;
    bool read
        = r->kind != NN_VAL_ACT
          || root_reads (plan, removed, alias_root, r, t + 1, t, &own) > 0;
    for (int k = 0; k < n->n_in && !read; k++)
      read = n->in[k] && alias_root[n->in[k] - plan->values] == r;
    if (read)
      continue;
    /* y, and the views of it, take r's memory. */
    for (size_t i = 0; i < plan->n_values; i++)
      if (alias_root[i] == y)
        alias_root[i] = r;
  }
}

/* Input k of step t, a Concat whose inputs are blocks of its output, may
 * live inside that output: a tensor a step computes (not a constant, not
 * a graph input or output) that only this step reads, once, at a 64-byte
 * boundary of the output. Read once as a root, it is no view or residual
 * kept in another tensor's memory: an alias roots nothing. */
static bool
concat_input_placeable (const nn_plan *plan, const char *removed,
                        nn_value *const *alias_root, size_t t, int k,
                        size_t col)
{
  const nn_value *x = plan->steps[t].in[k];
  size_t by_t;
  return x && x->kind == NN_VAL_ACT && col % 64 == 0
         && root_reads (plan, removed, alias_root, x, 0, t, &by_t) == 0
         && by_t == 1;
}

/* Concat written in place: each placeable input (above) becomes a part of
 * the output, at its offset there, so that its producer writes it where
 * the Concat would have copied it (GoogLeNet's, SqueezeNet's and
 * Inception's channel Concats copied every feature map once more; that
 * copy was 3-5 % of SqueezeNet's run). A Concat left with nothing to copy
 * is no step. All inputs are judged before any moves: a Concat's output
 * that is itself the input of a later Concat moves there with the inputs
 * placed in it. */
static nn_status
concats_in_place (nn_plan *plan, char *removed, nn_value **alias_root,
                  size_t *alias_delta, nn_error *err)
{
  size_t slots = 0;
  for (size_t t = 0; t < plan->n_steps; t++)
    if (!removed[t] && plan->steps[t].def->in_blocks)
      slots += (size_t)plan->steps[t].n_in;
  char *ok = calloc (slots + 1, 1);
  if (!ok)
    return nn_fail (err, NN_NOMEM, "out of memory planning");
  size_t at = 0;
  for (size_t t = 0; t < plan->n_steps; t++) {
    const nn_node *n = &plan->steps[t];
    if (removed[t] || !n->def->in_blocks)
      continue;
    const bool blocks = n->def->in_blocks (n);
    size_t col = 0;
    for (int k = 0; k < n->n_in; k++, at++) {
      ok[at] = blocks
               && concat_input_placeable (plan, removed, alias_root, t, k, col);
      if (n->in[k])
        col += n->in[k]->count * nn_dtype_size (n->in[k]->dtype);
    }
  }
  at = 0;
  for (size_t t = 0; t < plan->n_steps; t++) {
    nn_node *n = &plan->steps[t];
    if (removed[t] || !n->def->in_blocks)
      continue;
    /* The output is still a root at offset 0: a later Concat, if any,
     * places it (and with it what is placed here) when its turn comes. */
    nn_value *y = n->out[0];
    size_t col = 0;
    bool all = true;
    for (int k = 0; k < n->n_in; k++, at++) {
      const nn_value *x = n->in[k];
      if (ok[at])
        for (size_t i = 0; i < plan->n_values; i++)
          if (alias_root[i] == x) {
            alias_root[i] = y;
            alias_delta[i] += col / sizeof (float);
          }
      all = all && ok[at];
      if (x)
        col += x->count * nn_dtype_size (x->dtype);
    }
    if (all) {
      free (n->params);
      n->params = NULL;
      removed[t] = 1;
    }
  }
  free (ok);
  return NN_OK;
}

/* Fuse `Conv -> Relu` (and friends) when the activation is the only reader,
 * and `Conv -> Sigmoid -> Mul` (SiLU) when those two are. */
static void
fuse_activations (nn_plan *plan, char *removed)
{
  for (size_t t = 0; t < plan->n_steps; t++) {
    nn_node *n = &plan->steps[t], *a;
    size_t at[2] = { 0, 0 }, readers, mul;
    nn_act act;
    if (removed[t] || !n->def || !n->def->fuses_activation || !one_output (n)
        || n->act.type != NN_ACT_NONE || is_graph_output (plan, n->out[0]))
      continue;
    readers = readers_of (plan, removed, t, n->out[0], at);
    if (readers == 2 && at[0] != at[1]
        && (gated_act (plan, removed, n->out[0], at[0], at[1], &act, &mul)
            || gated_act (plan, removed, n->out[0], at[1], at[0], &act,
                          &mul))) {
      size_t f_at = mul == at[1] ? at[0] : at[1];
      n->act = act;
      n->out[0] = plan->steps[mul].out[0];
      free (plan->steps[f_at].params);
      plan->steps[f_at].params = NULL;
      free (plan->steps[mul].params);
      plan->steps[mul].params = NULL;
      removed[f_at] = removed[mul] = 1;
      continue;
    }
    a = &plan->steps[at[1]];
    memset (&act, 0, sizeof act);
    if (readers != 1 || !a->def || !a->def->as_act || a->in[0] != n->out[0]
        || !one_output (a) || !a->def->as_act (a, &act))
      continue;
    n->act = act;
    n->out[0] = a->out[0];
    free (a->params);
    a->params = NULL;
    removed[at[1]] = 1;
  }
}

nn_status
nn_plan_create (const nn_model *model, const int64_t (*dims)[NN_MAX_DIMS],
                nn_reporter *reporter, nn_plan **out, nn_error *err)
{
  const nn_graph *g = &model->graph;
  nn_plan *plan;
  nn_value **alias_root = NULL;
  size_t *alias_delta = NULL;
  char *removed = NULL, *bad = NULL, *used = NULL;
  nn_error e;
  size_t kept = 0;
  double folded_bytes = 0, folded_work = 0;
  nn_status s = NN_OK;

  *out = NULL;
  plan = calloc (1, sizeof *plan);
  if (!plan)
    return nn_fail (err, NN_NOMEM, "out of memory");
  plan->n_values = g->n_values;
  plan->values = nn_mem_array (&plan->mem, g->n_values + 1, sizeof (nn_value));
  plan->steps = nn_mem_array (&plan->mem, g->n_nodes + 1, sizeof (nn_node));
  plan->inputs
      = nn_mem_array (&plan->mem, g->n_inputs + 1, sizeof (nn_tensor_info));
  plan->outputs
      = nn_mem_array (&plan->mem, g->n_outputs + 1, sizeof (nn_tensor_info));
  plan->input_values
      = nn_mem_array (&plan->mem, g->n_inputs + 1, sizeof (nn_value *));
  plan->output_values
      = nn_mem_array (&plan->mem, g->n_outputs + 1, sizeof (nn_value *));
  removed = calloc (g->n_nodes + 1, 1);
  bad = calloc (g->n_values + 1, 1);
  used = calloc (g->n_values + 1, 1);
  alias_root = calloc (g->n_values + 1, sizeof *alias_root);
  alias_delta = calloc (g->n_values + 1, sizeof *alias_delta);
  if (!plan->values || !plan->steps || !plan->inputs || !plan->outputs
      || !plan->input_values || !plan->output_values || !removed || !bad
      || !used || !alias_root || !alias_delta) {
    s = nn_fail (err, NN_NOMEM, "out of memory planning");
    goto fail;
  }
  memcpy (plan->values, g->values, g->n_values * sizeof (nn_value));

  for (size_t t = 0; t < g->n_nodes; t++)
    for (int k = 0; k < g->nodes[t].n_in; k++)
      if (g->nodes[t].in[k])
        used[g->nodes[t].in[k] - g->values] = 1;
  for (size_t i = 0; i < g->n_outputs; i++)
    used[g->outputs[i]] = 1;

  /* 1. graph inputs get their bound dims */
  for (size_t i = 0; i < g->n_inputs; i++) {
    nn_value *v = &plan->values[g->inputs[i]];
    if ((s = nn_value_set_shape (v, v->ndim, dims[i], NULL, err)))
      goto fail;
    plan->input_values[i] = v;
    fill_info (&plan->inputs[i], v);
    memcpy (plan->inputs[i].dim_names, g->input_info[i].dim_names,
            sizeof plan->inputs[i].dim_names);
  }
  plan->n_inputs = g->n_inputs;
  for (size_t i = 0; i < g->n_outputs; i++)
    plan->output_values[i] = &plan->values[g->outputs[i]];
  plan->n_outputs = g->n_outputs;

  /* 2. fold or plan every node */
  plan->n_steps = g->n_nodes;
  for (size_t t = 0; t < g->n_nodes; t++) {
    nn_node *n = &plan->steps[t];
    *n = g->nodes[t];
    n->in = nn_mem_array (&plan->mem, (size_t)n->n_in + 1, sizeof (nn_value *));
    n->out
        = nn_mem_array (&plan->mem, (size_t)n->n_out + 1, sizeof (nn_value *));
    if (!n->in || !n->out) {
      s = nn_fail (err, NN_NOMEM, "out of memory planning");
      goto fail;
    }
    for (int k = 0; k < n->n_in; k++)
      n->in[k] = map_value (model, plan, g->nodes[t].in[k]);
    /* An optional output nothing reads (Dropout's mask, MaxPool's
     * Indices, LayerNormalization's statistics) is left out: not computed,
     * not refused, and a Dropout stays a view. */
    for (int k = 0; k < n->n_out; k++) {
      n->out[k] = map_value (model, plan, g->nodes[t].out[k]);
      if (k > 0 && n->out[k] && !used[n->out[k] - plan->values])
        n->out[k] = NULL;
    }
    n->def = nn_op_find (n->op_type);
    n->params = NULL;
    memset (&n->act, 0, sizeof n->act);
    /* Report mode: what depends on a refused node is skipped. */
    bool skip = n->refused;
    for (int k = 0; k < n->n_in; k++)
      skip |= n->in[k] && bad[n->in[k] - plan->values];
    if (skip) {
      for (int k = 0; k < n->n_out; k++)
        if (n->out[k])
          bad[n->out[k] - plan->values] = 1;
      removed[t] = 1;
      continue;
    }
    if (!n->def) {
      s = nn_fail_node (err, NN_UNSUPPORTED, n,
                        "operator '%s' is not "
                        "supported",
                        n->op_type);
      goto fail;
    }
    memset (&e, 0, sizeof e);
    if ((s = check_known_inputs (n, reporter ? &e : err))
        || (s = n->def->plan (n, reporter ? &e : err))) {
      if (!reporter)
        goto fail;
      nn_reporter_add (reporter, &e);
      free (n->params);
      n->params = NULL;
      for (int k = 0; k < n->n_out; k++)
        if (n->out[k])
          bad[n->out[k] - plan->values] = 1;
      removed[t] = 1;
      continue;
    }
    /* An activation usually fuses into its producer (step 3), and is then
     * written as the producer writes its input; one that stays apart
     * splits flat ranges, and the hint only costs a reader locality. */
    if (n->def->as_act && n->n_in >= 1 && n->in[0] && n->n_out >= 1
        && n->out[0])
      n->out[0]->by_positions = n->in[0]->by_positions;
    if (n->def->shape_only || all_inputs_known (n)) {
      if ((s = fold_budget (n, &folded_bytes, &folded_work, err))
          || (s = nn_fold_run (plan, n, err)))
        goto fail;
      removed[t] = 1;
    }
  }
  if (reporter && reporter->problems) {
    s = nn_fail (err, reporter->first, "%zu problem%s, the first: %s",
                 reporter->problems, reporter->problems == 1 ? "" : "s",
                 reporter->first_message);
    goto fail;
  }
  for (size_t i = 0; i < g->n_outputs; i++)
    fill_info (&plan->outputs[i], plan->output_values[i]);

  /* 3. fusion, 4. views become aliases */
  fuse_residuals (plan, (char *)removed);
  fuse_activations (plan, (char *)removed);
  for (size_t i = 0; i < plan->n_values; i++)
    alias_root[i] = &plan->values[i];
  for (size_t t = 0; t < plan->n_steps; t++) {
    nn_node *n = &plan->steps[t];
    if (removed[t] || !n->def->view || !one_output (n) || !n->in[0]
        || n->in[0]->kind == NN_VAL_CONST)
      continue;
    alias_root[n->out[0] - plan->values] = alias_root[n->in[0] - plan->values];
    alias_delta[n->out[0] - plan->values]
        = alias_delta[n->in[0] - plan->values];
    free (n->params);
    n->params = NULL;
    removed[t] = 1;
  }
  residuals_in_place (plan, removed, alias_root);
  if ((s = concats_in_place (plan, removed, alias_root, alias_delta, err)))
    goto fail;
  for (size_t t = 0; t < plan->n_steps; t++) {
    if (removed[t])
      continue;
    plan->steps[t].flops = step_work (&plan->steps[t]);
    plan->flops += plan->steps[t].flops;
    if (plan->steps[t].workspace_floats > plan->workspace_floats)
      plan->workspace_floats = plan->steps[t].workspace_floats;
    plan->steps[kept++] = plan->steps[t];
  }
  plan->n_steps = kept;

  /* 5. memory */
  if ((s = assign_offsets (plan, alias_root, alias_delta, err)))
    goto fail;
  free (removed);
  free (bad);
  free (used);
  free (alias_root);
  free (alias_delta);
  *out = plan;
  return NN_OK;

fail:
  /* Removed steps already released their params; nn_plan_free frees the
   * rest (steps not reached yet hold NULL). */
  free (removed);
  free (bad);
  free (used);
  free (alias_root);
  free (alias_delta);
  nn_plan_free (plan);
  return s;
}

void
nn_plan_free (nn_plan *plan)
{
  if (!plan)
    return;
  for (size_t t = 0; t < plan->n_steps; t++)
    free (plan->steps[t].params);
  nn_mem_clear (&plan->mem);
  free (plan);
}

bool
nn_plan_has_dims (const nn_plan *plan, const int64_t (*dims)[NN_MAX_DIMS])
{
  for (size_t i = 0; i < plan->n_inputs; i++)
    for (int a = 0; a < plan->inputs[i].ndim; a++)
      if (plan->inputs[i].dims[a] != dims[i][a])
        return false;
  return true;
}

bool
nn_plan_session_bytes (const nn_plan *plan, size_t *bytes)
{
  size_t floats;
  if (!nn_add_size (plan->arena_floats, plan->workspace_floats, &floats)
      || !nn_add_size (floats, 16, &floats)
      || !nn_mul_size (floats, sizeof (float), bytes) || *bytes > SIZE_MAX - 63)
    return false;
  *bytes = (*bytes + 63) & ~(size_t)63;
  return true;
}
