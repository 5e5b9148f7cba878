/* nn_session: one arena (inputs, outputs, activations, then workspace) and
 * optional worker threads, both made here so that run() allocates nothing. */
#include "model.h"
#include "bind.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct nn_session {
  nn_model *model;
  nn_plan *own_plan; /* NULL when the model's plan fits */
  const nn_plan *plan;
  float *arena;
  nn_pool *pool;
  int reference;
};

nn_status
nn_session_create (nn_model *model, const nn_session_options *opts,
                   nn_session **out, nn_error *err)
{
  nn_session *s;
  int64_t (*dims)[NN_MAX_DIMS] = NULL;
  bool complete;
  size_t bytes;
  nn_status st;
  int batch = opts ? opts->batch : 0;
  int threads = opts ? opts->threads : 0;
  size_t max_bytes
      = opts && opts->max_bytes ? opts->max_bytes : (size_t)2 << 30;

  if (!out)
    return nn_fail (err, NN_INVALID_ARG, "no place for the session");
  *out = NULL;
  if (!model)
    return nn_fail (err, NN_INVALID_ARG, "no model");
  if (batch < 0 || batch > 65536)
    return nn_fail (err, NN_INVALID_ARG, "batch %d is out of range", batch);
  if (threads < 0 || threads > 256)
    return nn_fail (err, NN_INVALID_ARG, "threads %d is out of range", threads);
  s = calloc (1, sizeof *s);
  if (!s)
    return nn_fail (err, NN_NOMEM, "out of memory");
  s->model = nn_model_ref (model);
  s->reference = opts ? opts->reference : 0;
  dims = malloc ((model->graph.n_inputs + 1) * sizeof *dims);
  if (!dims) {
    st = nn_fail (err, NN_NOMEM, "out of memory");
    goto fail;
  }
  if ((st = nn_bind_inputs (&model->graph, opts ? opts->shapes : NULL,
                            opts ? opts->n_shapes : 0,
                            (const int64_t (*)[NN_MAX_DIMS])model->bound, batch,
                            dims, &complete, err)))
    goto fail;
  if (model->plan
      && nn_plan_has_dims (model->plan, (const int64_t (*)[NN_MAX_DIMS])dims)) {
    s->plan = model->plan;
  } else {
    if ((st = nn_plan_create (model, (const int64_t (*)[NN_MAX_DIMS])dims, NULL,
                              &s->own_plan, err)))
      goto fail;
    s->plan = s->own_plan;
  }
  free (dims);
  dims = NULL;
  if (!nn_plan_session_bytes (s->plan, &bytes)) {
    st = nn_fail (err, NN_NOMEM, "session memory size overflows");
    goto fail;
  }
  if (bytes > max_bytes) {
    st = nn_fail (err, NN_NOMEM,
                  "the session needs %zu bytes, more than "
                  "the %zu-byte limit",
                  bytes, max_bytes);
    goto fail;
  }
  s->arena = aligned_alloc (64, bytes);
  if (!s->arena) {
    st = nn_fail (err, NN_NOMEM, "cannot allocate %zu bytes for the session",
                  bytes);
    goto fail;
  }
  memset (s->arena, 0, bytes);
  if ((st
       = nn_pool_create (threads, opts ? opts->thread_init : NULL,
                         opts ? opts->thread_init_user : NULL, &s->pool, err)))
    goto fail;
  *out = s;
  return NN_OK;

fail:
  free (dims);
  nn_session_free (s);
  return st;
}

void
nn_session_free (nn_session *s)
{
  if (!s)
    return;
  nn_pool_free (s->pool);
  free (s->arena);
  nn_plan_free (s->own_plan);
  nn_model_unref (s->model);
  free (s);
}

size_t
nn_session_n_inputs (const nn_session *s)
{
  return s ? s->plan->n_inputs : 0;
}

size_t
nn_session_n_outputs (const nn_session *s)
{
  return s ? s->plan->n_outputs : 0;
}

const nn_tensor_info *
nn_session_input_info (const nn_session *s, size_t i)
{
  return s && i < s->plan->n_inputs ? &s->plan->inputs[i] : NULL;
}

const nn_tensor_info *
nn_session_output_info (const nn_session *s, size_t i)
{
  return s && i < s->plan->n_outputs ? &s->plan->outputs[i] : NULL;
}

void *
nn_session_input_data (nn_session *s, size_t i)
{
  if (!s || i >= s->plan->n_inputs)
    return NULL;
  return s->arena + s->plan->input_values[i]->offset;
}

const void *
nn_session_output_data (const nn_session *s, size_t i)
{
  const nn_value *v;
  if (!s || i >= s->plan->n_outputs)
    return NULL;
  v = s->plan->output_values[i];
  return v->kind == NN_VAL_CONST ? v->cdata : s->arena + v->offset;
}

float *
nn_session_input (nn_session *s, size_t i)
{
  if (!s || i >= s->plan->n_inputs
      || s->plan->input_values[i]->dtype != NN_DTYPE_FLOAT)
    return NULL;
  return nn_session_input_data (s, i);
}

const float *
nn_session_output (const nn_session *s, size_t i)
{
  if (!s || i >= s->plan->n_outputs
      || s->plan->output_values[i]->dtype != NN_DTYPE_FLOAT)
    return NULL;
  return nn_session_output_data (s, i);
}

size_t
nn_session_find_input (const nn_session *s, const char *name)
{
  for (size_t i = 0; s && name && i < s->plan->n_inputs; i++)
    if (strcmp (s->plan->inputs[i].name, name) == 0)
      return i;
  return (size_t)-1;
}

size_t
nn_session_find_output (const nn_session *s, const char *name)
{
  for (size_t i = 0; s && name && i < s->plan->n_outputs; i++)
    if (strcmp (s->plan->outputs[i].name, name) == 0)
      return i;
  return (size_t)-1;
}

double
nn_session_flops (const nn_session *s)
{
  return s ? s->plan->flops : 0.0;
}

static void
run_ctx (const nn_session *s, nn_run_ctx *ctx)
{
  ctx->arena = s->arena;
  ctx->workspace = s->arena + s->plan->arena_floats;
  ctx->pool = s->pool;
  ctx->reference = s->reference != 0;
}

nn_status
nn_session_run (nn_session *s, nn_error *err)
{
  nn_run_ctx ctx;
  if (!s)
    return nn_fail (err, NN_INVALID_ARG, "no session");
  run_ctx (s, &ctx);
  for (size_t t = 0; t < s->plan->n_steps; t++) {
    const nn_node *n = &s->plan->steps[t];
    n->def->run (n, &ctx);
  }
  return NN_OK;
}

size_t
nn_session_n_steps (const nn_session *s)
{
  return s ? s->plan->n_steps : 0;
}

nn_status
nn_session_step_info (const nn_session *s, size_t i, nn_step_info *info,
                      nn_error *err)
{
  if (!s || !info)
    return nn_fail (err, NN_INVALID_ARG,
                    "no session or no place for the "
                    "step");
  if (i >= s->plan->n_steps)
    return nn_fail (err, NN_INVALID_ARG, "step %zu of %zu", i,
                    s->plan->n_steps);
  const nn_node *n = &s->plan->steps[i];
  info->name = n->name;
  info->op = n->op_type;
  info->fused = nn_fused_name (&n->act, n->residual != NULL);
  info->flops = n->flops;
  return NN_OK;
}

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

nn_status
nn_session_run_profiled (nn_session *s, double *step_us, nn_error *err)
{
  nn_run_ctx ctx;
  if (!s || !step_us)
    return nn_fail (err, NN_INVALID_ARG,
                    "no session or no place for the "
                    "times");
  run_ctx (s, &ctx);
  double t0 = now_us ();
  for (size_t t = 0; t < s->plan->n_steps; t++) {
    const nn_node *n = &s->plan->steps[t];
    n->def->run (n, &ctx);
    double t1 = now_us ();
    step_us[t] = t1 - t0;
    t0 = t1;
  }
  return NN_OK;
}
