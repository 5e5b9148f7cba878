/* nn_model: load (read, parse, fold, plan), share, describe, free. */
#include "model.h"
#include "bind.h"
#include "nn/hints.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_FILE_BYTES ((size_t)512 << 20)

/* ---- loading ---- */

/* NN_LOAD_DEFAULT_SIZE: an image input's open height and width at the
 * model's edgeclassify.input-size hint, else 224; then bound again, so
 * that names and contradictions are checked as for shapes given. */
static nn_status
default_size (nn_model *model, const nn_load_options *opts, nn_error *err)
{
  const nn_graph *g = &model->graph;
  nn_input_shape *shapes;
  nn_hints hints;
  int w = 224, h = 224;
  bool complete;
  nn_status s;

  nn_hints_init (&hints);
  for (size_t i = 0; i < model->meta.n; i++)
    if (strcmp (model->meta.keys[i], NN_HINT_INPUT_SIZE) == 0
        && nn_hints_parse_kv (&hints, model->meta.keys[i],
                              model->meta.values[i], NULL)
               == NN_OK) {
      w = hints.input_width;
      h = hints.input_height;
    }
  nn_hints_clear (&hints);
  shapes = calloc (g->n_inputs + 1, sizeof *shapes);
  if (!shapes)
    return nn_fail (err, NN_NOMEM, "out of memory");
  for (size_t i = 0; i < g->n_inputs; i++) {
    const nn_tensor_info *info = &g->input_info[i];
    shapes[i].name = info->name;
    shapes[i].ndim = info->ndim;
    for (int a = 0; a < info->ndim; a++) {
      int64_t v = model->bound[i][a];
      if (v < 0 && info->ndim == 4 && (a == 2 || a == 3))
        v = a == 2 ? h : w;
      shapes[i].dims[a] = v < 0 ? 1 : v;
    }
    /* dims nothing binds stay open: give only what the defaults close */
    for (int a = 0; a < info->ndim; a++)
      if (model->bound[i][a] < 0 && !(info->ndim == 4 && (a == 2 || a == 3)))
        shapes[i].ndim = -1;
  }
  size_t n = 0;
  for (size_t i = 0; i < g->n_inputs; i++)
    if (shapes[i].ndim >= 0)
      shapes[n++] = shapes[i];
  s = nn_bind_inputs (g, shapes, n, (const int64_t (*)[NN_MAX_DIMS])NULL, 0,
                      model->bound, &complete, err);
  if (s == NN_INVALID_ARG && !complete)
    s = NN_OK; /* other dims still open: the model stays unplanned */
  free (shapes);
  (void)opts;
  return s;
}

/* Binds the inputs to the shapes of the load options and, when that leaves
 * nothing open, plans now: every shape and attribute error then surfaces
 * at load time rather than at the first frame. */
static nn_status
bind_and_plan (nn_model *model, const nn_load_options *opts,
               nn_reporter *reporter, nn_error *err)
{
  const nn_graph *g = &model->graph;
  nn_error e = { 0 };
  bool complete;
  nn_status s;

  model->bound = nn_mem_array (&model->mem, g->n_inputs + 1,
                               sizeof (int64_t[NN_MAX_DIMS]));
  model->inputs
      = nn_mem_array (&model->mem, g->n_inputs + 1, sizeof (nn_tensor_info));
  if (!model->bound || !model->inputs)
    return nn_fail (err, NN_NOMEM, "out of memory");
  s = nn_bind_inputs (g, opts ? opts->shapes : NULL, opts ? opts->n_shapes : 0,
                      NULL, 0, model->bound, &complete, &e);
  if (s != NN_OK && complete) {
    if (err)
      *err = e;
    return s;
  }
  if (!complete && opts && (opts->flags & NN_LOAD_DEFAULT_SIZE)
      && (s = default_size (model, opts, err)))
    return s;
  complete = true;
  for (size_t i = 0; i < g->n_inputs; i++)
    for (int a = 0; a < g->input_info[i].ndim; a++)
      complete &= model->bound[i][a] >= 0;
  for (size_t i = 0; i < g->n_inputs; i++) {
    nn_tensor_info *info = &model->inputs[i];
    *info = g->input_info[i];
    info->count = 1;
    for (int a = 0; a < info->ndim; a++) {
      info->dims[a] = model->bound[i][a];
      info->count = info->dims[a] < 0 ? 0 : info->count * (size_t)info->dims[a];
    }
  }
  if (!complete)
    return NN_OK; /* sessions bind the rest */
  return nn_plan_create (model, (const int64_t (*)[NN_MAX_DIMS])model->bound,
                         reporter, &model->plan, err);
}

static nn_status
load_bytes (const void *data, size_t size, const nn_load_options *opts,
            const char *base_dir, nn_model **out, nn_error *err)
{
  nn_model *model;
  nn_reporter reporter = { 0 }, *rep = NULL;
  nn_status s;

  model = calloc (1, sizeof *model);
  if (!model)
    return nn_fail (err, NN_NOMEM, "out of memory");
  atomic_init (&model->refcount, 1);

  if (opts && opts->report) {
    rep = &reporter;
    reporter.report = opts->report;
    reporter.data = opts->report_data;
  }
  if ((s = nn_onnx_parse (&model->mem, &model->graph, &model->meta, data, size,
                          opts, base_dir, rep, err)))
    goto fail;
  if ((s = nn_fold_batchnorm (model, err)))
    goto fail;
  if ((s = bind_and_plan (model, opts, rep, err)))
    goto fail;
  /* Unplanned (open dims) with refused nodes: the count is the error. */
  if (rep && reporter.problems) {
    s = nn_fail (err, reporter.first, "%zu problem%s, the first: %s",
                 reporter.problems, reporter.problems == 1 ? "" : "s",
                 reporter.first_message);
    goto fail;
  }
  *out = model;
  return NN_OK;

fail:
  nn_model_unref (model);
  return s;
}

nn_status
nn_model_load_memory (const void *data, size_t size,
                      const nn_load_options *opts, nn_model **out,
                      nn_error *err)
{
  size_t max = opts && opts->max_file_bytes ? opts->max_file_bytes
                                            : DEFAULT_MAX_FILE_BYTES;
  if (!out)
    return nn_fail (err, NN_INVALID_ARG, "no place for the model");
  *out = NULL;
  if (!data || size == 0)
    return nn_fail (err, NN_BAD_MODEL, "the model is empty");
  if (size > max)
    return nn_fail (err, NN_BAD_MODEL,
                    "the model has %zu bytes, more than the %zu-byte limit",
                    size, max);
  return load_bytes (data, size, opts, opts ? opts->base_dir : NULL, out, err);
}

nn_status
nn_model_load_file (const char *path, const nn_load_options *opts,
                    nn_model **out, nn_error *err)
{
  size_t max = opts && opts->max_file_bytes ? opts->max_file_bytes
                                            : DEFAULT_MAX_FILE_BYTES;
  struct stat st;
  char *buf = NULL, *dir = NULL, *slash;
  size_t size, done = 0;
  nn_status s;
  int fd;

  if (!out)
    return nn_fail (err, NN_INVALID_ARG, "no place for the model");
  *out = NULL;
  if (!path || !*path)
    return nn_fail (err, NN_INVALID_ARG, "no model path given");

  /* O_NONBLOCK: opening a FIFO or a device must not hang the caller. */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return nn_fail (err, e == ENOENT || e == ENOTDIR ? NN_NOT_FOUND : NN_IO,
                    "cannot open '%s': %s", path, strerror (e));
  }
  if (fstat (fd, &st) != 0) {
    s = nn_fail (err, NN_IO, "cannot stat '%s': %s", path, strerror (errno));
    goto out;
  }
  if (!S_ISREG (st.st_mode)) {
    s = nn_fail (err, NN_IO, "'%s' is not a regular file", path);
    goto out;
  }
  if (st.st_size == 0) {
    s = nn_fail (err, NN_BAD_MODEL, "'%s' is empty", path);
    goto out;
  }
  if ((uint64_t)st.st_size > max) {
    s = nn_fail (err, NN_BAD_MODEL,
                 "'%s' has %lld bytes, more than the %zu-byte limit", path,
                 (long long)st.st_size, max);
    goto out;
  }
  size = (size_t)st.st_size;
  buf = malloc (size);
  if (!buf) {
    s = nn_fail (err, NN_NOMEM, "cannot allocate %zu bytes for '%s'", size,
                 path);
    goto out;
  }
  while (done < size) {
    ssize_t r = read (fd, buf + done, size - done);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (r <= 0) {
      s = nn_fail (err, NN_IO, "reading '%s' failed after %zu of %zu bytes",
                   path, done, size);
      goto out;
    }
    done += (size_t)r;
  }

  dir = strdup (path);
  if (!dir) {
    s = nn_fail (err, NN_NOMEM, "out of memory");
    goto out;
  }
  slash = strrchr (dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    strcpy (dir, ".");

  s = load_bytes (buf, size, opts, dir, out, err);
  if (s != NN_OK)
    nn_error_prefix (err, path); /* name the file in every load error */

out:
  free (dir);
  free (buf);
  close (fd);
  return s;
}

nn_model *
nn_model_ref (nn_model *model)
{
  if (model)
    atomic_fetch_add (&model->refcount, 1);
  return model;
}

void
nn_model_unref (nn_model *model)
{
  if (!model || atomic_fetch_sub (&model->refcount, 1) != 1)
    return;
  nn_plan_free (model->plan);
  for (size_t i = 0; i < model->graph.n_nodes; i++)
    free (model->graph.nodes[i].params);
  nn_mem_clear (&model->mem);
  free (model);
}

/* ---- description ---- */

size_t
nn_model_n_inputs (const nn_model *model)
{
  return model ? model->graph.n_inputs : 0;
}

size_t
nn_model_n_outputs (const nn_model *model)
{
  return model ? model->graph.n_outputs : 0;
}

const nn_tensor_info *
nn_model_input (const nn_model *model, size_t i)
{
  if (!model || i >= model->graph.n_inputs)
    return NULL;
  return model->plan ? &model->plan->inputs[i] : &model->inputs[i];
}

const nn_tensor_info *
nn_model_output (const nn_model *model, size_t i)
{
  if (!model || i >= model->graph.n_outputs)
    return NULL;
  return model->plan ? &model->plan->outputs[i] : &model->graph.output_info[i];
}

const char *
nn_model_metadata (const nn_model *model, const char *key)
{
  if (!model || !key)
    return NULL;
  for (size_t i = 0; i < model->meta.n; i++)
    if (strcmp (model->meta.keys[i], key) == 0)
      return model->meta.values[i];
  return NULL;
}

size_t
nn_model_n_metadata (const nn_model *model)
{
  return model ? model->meta.n : 0;
}

const char *
nn_model_metadata_key (const nn_model *model, size_t i)
{
  return model && i < model->meta.n ? model->meta.keys[i] : NULL;
}

const char *
nn_model_metadata_value (const nn_model *model, size_t i)
{
  return model && i < model->meta.n ? model->meta.values[i] : NULL;
}

size_t
nn_model_n_nodes (const nn_model *model)
{
  return model && model->plan ? model->plan->n_steps : 0;
}

const char *
nn_model_node_op (const nn_model *model, size_t i)
{
  return model && model->plan && i < model->plan->n_steps
             ? model->plan->steps[i].op_type
             : NULL;
}

const char *
nn_model_node_name (const nn_model *model, size_t i)
{
  return model && model->plan && i < model->plan->n_steps
             ? model->plan->steps[i].name
             : NULL;
}

double
nn_model_flops (const nn_model *model)
{
  return model && model->plan ? model->plan->flops : 0.0;
}

size_t
nn_model_session_bytes (const nn_model *model)
{
  size_t bytes;
  if (!model)
    return SIZE_MAX;
  if (!model->plan)
    return 0;
  return nn_plan_session_bytes (model->plan, &bytes) ? bytes : SIZE_MAX;
}
