/* edgenn-run: describe an ONNX model, run it on a .npy tensor or on seeded
 * random data, save the first output and time the session.
 *
 *   edgenn-run model.onnx --input x.npy --output y.npy --runs 100 --json
 *
 * Every problem with the arguments, the model or the tensor files ends the
 * program with one line "edgenn-run: <message>" on stderr and status 1.
 */
#include "nn/hints.h"
#include "nn/nn.h"
#include "nn/postprocess.h"
#include "json-out.h"
#include "npy.h"
#include "run-args.h"
#include "run-profile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOP_K 5
/* Fixed, so two runs of the tool on the same model see the same data. */
#define RANDOM_SEED UINT64_C (0x5eed0f00dcafe123)
typedef struct latency {
  double median, p90, p99, min, mean;
} latency;

/* The human report on stdout; nothing with --json, where stdout carries
 * exactly one JSON document (problems still go to stderr). */
static bool human_report = true;

static void say (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static void
say (const char *fmt, ...)
{
  va_list ap;

  if (!human_report)
    return;
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
}

static void
format_dims (char *buf, size_t size, int ndim, const int64_t *dims)
{
  size_t n = 0;

  n += snprintf (buf + n, size - n, "[");
  for (int i = 0; i < ndim && n < size; i++)
    n += snprintf (buf + n, size - n, "%s%lld", i ? ", " : "",
                   (long long)dims[i]);
  if (n < size)
    snprintf (buf + n, size - n, "]");
}

/* [batch=1, 3, height=224, width=224]: symbolic dims by name, "?" where
 * nothing binds them yet; "[?]" when the rank is unknown. */
static void
format_info_dims (char *buf, size_t size, const nn_tensor_info *info)
{
  size_t n = 0;

  if (info->ndim < 0) {
    snprintf (buf, size, "[?]");
    return;
  }
  n += snprintf (buf + n, size - n, "[");
  for (int i = 0; i < info->ndim && n < size; i++) {
    const char *name = info->dim_names[i];
    n += snprintf (buf + n, size - n, "%s", i ? ", " : "");
    if (name && n < size)
      n += snprintf (buf + n, size - n, "%s=", name[0] ? name : "?");
    if (n >= size)
      break;
    if (info->dims[i] < 0)
      n += snprintf (buf + n, size - n, "?");
    else
      n += snprintf (buf + n, size - n, "%lld", (long long)info->dims[i]);
  }
  if (n < size)
    snprintf (buf + n, size - n, "]");
}

static void
print_tensor (const char *what, size_t i, const nn_tensor_info *info)
{
  char dims[512];

  format_info_dims (dims, sizeof dims, info);
  say ("%-7s %zu: %s %s %s\n", what, i, info->name, nn_dtype_name (info->dtype),
       dims);
}

typedef struct op_count {
  const char *op;
  size_t n;
} op_count;

static int
cmp_op_count (const void *pa, const void *pb)
{
  const op_count *a = pa, *b = pb;

  if (a->n != b->n)
    return a->n < b->n ? 1 : -1;
  return strcmp (a->op, b->op);
}

/* Operators by type, most frequent first. */
static int
print_op_counts (const nn_model *model)
{
  size_t n_nodes = nn_model_n_nodes (model), n_types = 0;
  op_count *counts = calloc (n_nodes ? n_nodes : 1, sizeof *counts);

  if (!counts)
    return run_die ("out of memory");
  for (size_t i = 0; i < n_nodes; i++) {
    const char *op = nn_model_node_op (model, i);
    size_t k = 0;

    if (!op)
      op = "?";
    while (k < n_types && strcmp (counts[k].op, op) != 0)
      k++;
    if (k == n_types)
      counts[n_types++].op = op;
    counts[k].n++;
  }
  qsort (counts, n_types, sizeof *counts, cmp_op_count);
  say ("ops:     %zu nodes:", n_nodes);
  for (size_t k = 0; k < n_types; k++)
    say ("%s %s %zu", k ? "," : "", counts[k].op, counts[k].n);
  say ("\n");
  free (counts);
  return 0;
}

/* n elements of type t as floats (integers rounded as C converts them;
 * float16 exactly). */
static void
to_float (const void *data, nn_dtype t, size_t n, float *out)
{
  for (size_t i = 0; i < n; i++) {
    switch (t) {
    case NN_DTYPE_UINT8:
    case NN_DTYPE_BOOL:
      out[i] = ((const uint8_t *)data)[i];
      break;
    case NN_DTYPE_INT8:
      out[i] = ((const int8_t *)data)[i];
      break;
    case NN_DTYPE_UINT16:
      out[i] = ((const uint16_t *)data)[i];
      break;
    case NN_DTYPE_INT16:
      out[i] = ((const int16_t *)data)[i];
      break;
    case NN_DTYPE_INT32:
      out[i] = (float)((const int32_t *)data)[i];
      break;
    case NN_DTYPE_UINT32:
      out[i] = (float)((const uint32_t *)data)[i];
      break;
    case NN_DTYPE_INT64:
      out[i] = (float)((const int64_t *)data)[i];
      break;
    case NN_DTYPE_UINT64:
      out[i] = (float)((const uint64_t *)data)[i];
      break;
    case NN_DTYPE_DOUBLE:
      out[i] = (float)((const double *)data)[i];
      break;
    case NN_DTYPE_FLOAT16: {
      uint16_t h = ((const uint16_t *)data)[i];
      int e = (h >> 10) & 0x1f, m = h & 0x3ff;
      float v = e == 0x1f ? (m ? NAN : INFINITY)
                : e == 0  ? ldexpf ((float)m, -24)
                          : ldexpf ((float)(m + 1024), e - 25);
      out[i] = (h & 0x8000) ? -v : v;
      break;
    }
    default:
      out[i] = ((const float *)data)[i];
      break;
    }
  }
}

/* ---- --check ---------------------------------------------------------- */

static void
report_problem (void *data, nn_status status, const char *message)
{
  (void)status;
  (*(size_t *)data)++;
  printf ("problem: %s\n", message);
}

/* Checks the model: loaded in report mode, so every problem is listed on
 * stdout as it comes; image height and width left open are checked at the
 * model's hint, else 224x224. */
static int
check_model (run_args *a)
{
  nn_load_options lo = { 0 };
  nn_model *model = NULL;
  nn_error err = { 0 };
  size_t problems = 0;
  bool defaulted = false;
  int ret = 1;
  nn_status st;

  lo.flags = NN_LOAD_GENERAL | NN_LOAD_DEFAULT_SIZE;
  lo.shapes = a->shapes;
  lo.n_shapes = a->n_shapes;
  lo.report = report_problem;
  lo.report_data = &problems;
  st = nn_model_load_file (a->model, &lo, &model, &err);
  if (st != NN_OK) {
    if (problems)
      run_die ("%s: %zu problem%s: this build cannot run the model", a->model,
               problems, problems == 1 ? "" : "s");
    else if (strstr (err.message, a->model))
      run_die ("cannot load the model: %s: %s", nn_status_to_string (st),
               err.message);
    else
      run_die ("cannot load '%s': %s: %s", a->model, nn_status_to_string (st),
               err.message);
    goto done;
  }
  for (size_t i = 0; i < nn_model_n_inputs (model); i++) {
    const nn_tensor_info *info = nn_model_input (model, i);
    for (int d = 0; d < info->ndim; d++) {
      if (info->dims[d] < 0) {
        run_die ("input '%s' axis %d ('%s') is symbolic: give its shape with "
                 "--input-shape to check the model's shapes",
                 info->name, d, info->dim_names[d]);
        goto done;
      }
      defaulted |= a->n_shapes == 0 && info->ndim == 4 && (d == 2 || d == 3)
                   && info->dim_names[d];
    }
  }
  say ("model:  %s\n", a->model);
  for (size_t i = 0; i < nn_model_n_inputs (model); i++)
    print_tensor ("input", i, nn_model_input (model, i));
  for (size_t i = 0; i < nn_model_n_outputs (model); i++)
    print_tensor ("output", i, nn_model_output (model, i));
  if (print_op_counts (model) != 0)
    goto done;
  say ("GFLOPs: %.6g per run\n", nn_model_flops (model) / 1e9);
  if (defaulted)
    say ("shapes: symbolic height and width checked at the size above, the "
         "model's\n        edgeclassify.input-size or else 224x224 "
         "(--input-shape to choose)\n");
  say ("check:  supported\n");
  ret = fflush (stdout) == 0 ? 0 : run_die ("cannot write the report");

done:
  nn_model_unref (model);
  return ret;
}

/* splitmix64: tiny, seedable, good enough for test tensors. */
static float
next_uniform (uint64_t *state)
{
  uint64_t z = (*state += UINT64_C (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  z ^= z >> 31;
  /* 24 random bits map exactly onto floats in [-1, 1). */
  return (float)(z >> 40) / (float)(1 << 23) - 1.0f;
}

static double
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double (const void *pa, const void *pb)
{
  double a = *(const double *)pa, b = *(const double *)pb;

  return (a > b) - (a < b);
}

/* Sorts `us` in place. Percentiles use the nearest-rank definition. */
static latency
summarize (double *us, size_t n)
{
  latency l;
  double sum = 0;

  qsort (us, n, sizeof *us, cmp_double);
  for (size_t i = 0; i < n; i++)
    sum += us[i];
  l.median = n % 2 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2;
  l.p90 = us[(size_t)ceil (0.90 * n) - 1];
  l.p99 = us[(size_t)ceil (0.99 * n) - 1];
  l.min = us[0];
  l.mean = sum / n;
  return l;
}

/* Batch size of a tensor whose first dimension is the batch; 0 if none. */
static int64_t
leading_dim (const nn_tensor_info *info)
{
  return info && info->ndim >= 1 ? info->dims[0] : 0;
}

/* Fills the session inputs: input 0 from the .npy file when given, the rest
 * (or all) with seeded random data. Keeps a copy of each in `saved` so every
 * run starts from the same tensors. */
static int
prepare_inputs (nn_session *session, const run_args *a, npy_array *x,
                float **saved)
{
  size_t n_in = nn_session_n_inputs (session);
  uint64_t rng = RANDOM_SEED;

  if (a->input && n_in == 0)
    return run_die ("the model has no inputs to read '%s' into", a->input);
  for (size_t i = 0; i < n_in; i++) {
    const nn_tensor_info *info = nn_session_input_info (session, i);

    size_t bytes = info->count * nn_dtype_size (info->dtype);

    saved[i] = calloc (1, bytes ? bytes : 1);
    if (!saved[i])
      return run_die ("out of memory for input '%s'", info->name);
    if (i == 0 && a->input && info->dtype != NN_DTYPE_FLOAT)
      return run_die ("input '%s' is %s; --input reads float32 only",
                      info->name, nn_dtype_name (info->dtype));
    if (i == 0 && a->input) {
      bool same = x->ndim == info->ndim;

      for (int d = 0; same && d < x->ndim; d++)
        same = x->dims[d] == info->dims[d];
      if (!same) {
        char have[256], need[256];
        format_dims (have, sizeof have, x->ndim, x->dims);
        format_dims (need, sizeof need, info->ndim, info->dims);
        return run_die ("'%s' has shape %s but input '%s' needs %s", a->input,
                        have, info->name, need);
      }
      memcpy (saved[i], x->data, info->count * sizeof (float));
    } else if (info->dtype == NN_DTYPE_FLOAT) {
      for (size_t k = 0; k < info->count; k++)
        saved[i][k] = next_uniform (&rng);
    } /* other types: zeros (they are indices and masks, not data) */
  }
  return 0;
}

/* What the model's hints say about its first output, for the top-k: the
 * class names when there is one a value, and softmax when the values are
 * logits. A model with malformed hints is still run: the values are then
 * shown as they are (the element would refuse it), with a warning. */
typedef struct post_info {
  nn_hints hints;
  nn_postprocess_options opts;
} post_info;

static void
read_post_info (const nn_model *model, size_t item, post_info *pi)
{
  nn_error err = { 0 };

  nn_hints_init (&pi->hints);
  if (nn_hints_from_model (model, &pi->hints, &err) != NN_OK)
    fprintf (stderr, "edgenn-run: warning: %s; values shown as they are\n",
             err.message);
  nn_postprocess_options_from_hints (&pi->hints, &pi->opts);
  if (pi->opts.labels && pi->opts.n_labels != item) {
    fprintf (stderr,
             "edgenn-run: warning: %zu labels in %s for %zu output "
             "values; labels not shown\n",
             pi->opts.n_labels, NN_HINT_LABELS, item);
    pi->opts.labels = NULL;
    pi->opts.n_labels = 0;
  }
}

/* The best TOP_K of one output item, through nn's post-processing (softmax
 * first when the model says logits), into top. */
static int
post_top_k (const post_info *pi, const float *out, size_t item,
            nn_class_score *top, size_t *n_top)
{
  nn_error err = { 0 };
  float *probs = NULL;
  nn_status st;

  if (pi->opts.logits) {
    probs = malloc (item * sizeof *probs);
    if (!probs)
      return run_die ("out of memory for %zu output values", item);
    nn_softmax (out, item, probs, NULL);
    out = probs;
  }
  st = nn_top_k (out, item, TOP_K, top, n_top, &err);
  free (probs);
  if (st != NN_OK)
    return run_die ("top-%d: %s", TOP_K, err.message);
  return 0;
}

static const char *
post_label (const post_info *pi, int id)
{
  return pi->opts.labels ? pi->opts.labels[id] : NULL;
}

static int
run_once (nn_session *session, float *const *saved, double *us,
          run_profile *prof)
{
  size_t n_in = nn_session_n_inputs (session);
  nn_error err = { 0 };
  nn_status st;
  double t0;

  for (size_t i = 0; i < n_in; i++) {
    const nn_tensor_info *info = nn_session_input_info (session, i);
    memcpy (nn_session_input_data (session, i), saved[i],
            info->count * nn_dtype_size (info->dtype));
  }
  t0 = now_us ();
  st = prof ? nn_session_run_profiled (session, prof->step_us, &err)
            : nn_session_run (session, &err);
  if (us)
    *us = now_us () - t0;
  if (prof && us && st == NN_OK)
    run_profile_add (prof, *us);
  if (st != NN_OK)
    return run_die ("run failed: %s%s%s", nn_status_to_string (st),
                    err.message[0] ? ": " : "", err.message);
  return 0;
}

int
main (int argc, char **argv)
{
  run_args a = { .runs = 20, .warmup = 2, .threads = 1 };
  npy_array x = { 0 };
  nn_load_options lopts = { 0 };
  nn_session_options sopts = { 0 };
  nn_model *model = NULL;
  nn_session *session = NULL;
  nn_error err = { 0 };
  nn_status st;
  float **saved = NULL;
  double *us = NULL, gflops;
  size_t n_in = 0, n_top = 0, item;
  nn_class_score top[TOP_K];
  post_info pi;
  const nn_tensor_info *out_info;
  const float *out;
  float *out_conv = NULL;
  int64_t model_batch, batch;
  latency lat;
  run_profile prof = { 0 };
  bool from_npy = false;
  int ret = 1;

  nn_hints_init (&pi.hints);
  switch (run_parse_args (argc, argv, &a)) {
  case 0:
    human_report = !a.json;
    break;
  case 2:
    run_usage (stdout);
    ret = 0;
    goto done;
  default:
    goto done;
  }

  if (a.check) {
    ret = check_model (&a);
    goto done;
  }

  /* The tensor file binds the first input's shape, unless --input-shape
   * says what the shapes are. */
  if (a.input) {
    char nerr[NPY_ERROR_MAX];
    if (npy_read_f32 (a.input, &x, nerr) != 0) {
      run_die ("%s", nerr);
      goto done;
    }
    if (a.n_shapes == 0) {
      a.shapes[0].ndim = x.ndim;
      memcpy (a.shapes[0].dims, x.dims, sizeof x.dims);
      a.n_shapes = 1;
      from_npy = true;
    }
  }

  /* Tools describe any float model, not only single-image classifiers. */
  lopts.flags = NN_LOAD_GENERAL;
  lopts.shapes = a.shapes;
  lopts.n_shapes = a.n_shapes;
  st = nn_model_load_file (a.model, &lopts, &model, &err);
  if (st != NN_OK) {
    char at[300] = "";
    if (from_npy) {
      char dims[256];
      format_dims (dims, sizeof dims, x.ndim, x.dims);
      snprintf (at, sizeof at, " at the shape of '%s' %s", a.input, dims);
    }
    /* The loader's messages usually name the file already. */
    if (strstr (err.message, a.model))
      run_die ("cannot load the model%s: %s: %s", at, nn_status_to_string (st),
               err.message);
    else
      run_die ("cannot load '%s'%s: %s%s%s", a.model, at,
               nn_status_to_string (st), err.message[0] ? ": " : "",
               err.message);
    goto done;
  }
  say ("model:  %s\n", a.model);
  for (size_t i = 0; i < nn_model_n_inputs (model); i++)
    print_tensor ("input", i, nn_model_input (model, i));
  for (size_t i = 0; i < nn_model_n_outputs (model); i++)
    print_tensor ("output", i, nn_model_output (model, i));
  if (print_op_counts (model) != 0)
    goto done;

  sopts.batch = (int)a.batch;
  sopts.threads = (int)a.threads;
  sopts.reference = a.reference;
  st = nn_model_n_outputs (model) == 0
           ? NN_UNSUPPORTED
           : nn_session_create (model, &sopts, &session, &err);
  if (st != NN_OK) {
    run_die ("cannot create a session for '%s': %s%s%s%s", a.model,
             nn_status_to_string (st), err.message[0] ? ": " : "",
             st == NN_UNSUPPORTED && !session ? "the model has no outputs"
                                              : err.message,
             st == NN_INVALID_ARG && strstr (err.message, "not bound")
                 ? " (--input-shape or --input)"
                 : "");
    goto done;
  }

  /* nn_model_flops counts one run at the model's own batch. */
  gflops = nn_model_flops (model) / 1e9;
  model_batch = leading_dim (nn_model_input (model, 0));
  batch = leading_dim (nn_session_input_info (session, 0));
  if (a.batch && model_batch > 0 && batch > 0)
    gflops *= (double)batch / (double)model_batch;
  say ("GFLOPs: %.6g per run\n", gflops);
  say ("session: batch %lld, %ld thread%s, %s kernels\n",
       (long long)(batch ? batch : 1), a.threads, a.threads == 1 ? "" : "s",
       a.reference ? "reference" : "fast");

  n_in = nn_session_n_inputs (session);
  saved = calloc (n_in ? n_in : 1, sizeof *saved);
  us = malloc ((size_t)a.runs * sizeof *us);
  if (!saved || !us) {
    run_die ("out of memory");
    goto done;
  }
  if (prepare_inputs (session, &a, &x, saved) != 0)
    goto done;
  if (a.profile) {
    if (run_profile_init (&prof, nn_session_n_steps (session)) != 0) {
      run_die ("out of memory");
      goto done;
    }
  }
  say ("data:   %s\n", a.input ? a.input
                               : "seeded random, uniform "
                                 "in [-1, 1)");

  /* The first run gives the result; timing starts after the warm-ups. */
  if (run_once (session, saved, NULL, NULL) != 0)
    goto done;
  out_info = nn_session_output_info (session, 0);
  out = nn_session_output (session, 0);
  if (!out) {
    /* Another type (indices of an ArgMax, a mask): shown and written as
     * float32. */
    out_conv
        = malloc ((out_info->count ? out_info->count : 1) * sizeof (float));
    if (!out_conv) {
      run_die ("out of memory");
      goto done;
    }
    to_float (nn_session_output_data (session, 0), out_info->dtype,
              out_info->count, out_conv);
    out = out_conv;
    fprintf (stderr, "edgenn-run: note: output '%s' is %s, shown as float32\n",
             out_info->name, nn_dtype_name (out_info->dtype));
  }
  if (a.output) {
    char nerr[NPY_ERROR_MAX];
    if (npy_write_f32 (a.output, out, out_info->ndim, out_info->dims, nerr)
        != 0) {
      run_die ("%s", nerr);
      goto done;
    }
  }
  item = out_info->count;
  if (out_info->ndim >= 2 && out_info->dims[0] > 1)
    item = out_info->count / (size_t)out_info->dims[0];
  read_post_info (model, item, &pi);
  if (post_top_k (&pi, out, item, top, &n_top) != 0)
    goto done;
  say ("top-%zu of output '%s'%s%s:", n_top, out_info->name,
       item < out_info->count ? " (first batch item)" : "",
       pi.opts.logits ? " after softmax" : "");
  for (size_t k = 0; k < n_top; k++) {
    const char *label = post_label (&pi, top[k].id);
    say (" %d:%.6g", top[k].id, top[k].score);
    if (label)
      say (" (%s)", label);
  }
  say ("\n");

  for (long i = 0; i < a.warmup; i++)
    if (run_once (session, saved, NULL, NULL) != 0)
      goto done;
  for (long i = 0; i < a.runs; i++)
    if (run_once (session, saved, &us[i], a.profile ? &prof : NULL) != 0)
      goto done;
  lat = summarize (us, (size_t)a.runs);
  say ("latency over %ld runs (%ld warm-up): median %.1f us, p90 %.1f, "
       "p99 %.1f, min %.1f, mean %.1f; %.3g GFLOP/s at the median\n",
       a.runs, a.warmup, lat.median, lat.p90, lat.p99, lat.min, lat.mean,
       lat.median > 0 ? gflops * 1e6 / lat.median : 0.0);
  if (a.profile && human_report)
    run_profile_print (stdout, session, &prof);

  if (a.json) {
    printf ("{\"model\": ");
    json_out_string (stdout, a.model);
    printf (", \"runs\": %ld, \"threads\": %ld, \"batch\": %lld", a.runs,
            a.threads, (long long)(batch ? batch : 1));
    printf (", \"median_us\": %.3f, \"p90_us\": %.3f, \"p99_us\": %.3f"
            ", \"min_us\": %.3f, \"mean_us\": %.3f",
            lat.median, lat.p90, lat.p99, lat.min, lat.mean);
    printf (", \"gflops\": ");
    json_out_number (stdout, gflops, "%.9g");
    printf (", \"softmax\": %s, \"top5\": [",
            pi.opts.logits ? "true" : "false");
    for (size_t k = 0; k < n_top; k++) {
      printf ("%s[%d, ", k ? ", " : "", top[k].id);
      json_out_number (stdout, top[k].score, "%.9g");
      printf ("]");
    }
    printf ("]");
    if (pi.opts.labels) {
      printf (", \"top5_labels\": [");
      for (size_t k = 0; k < n_top; k++) {
        printf ("%s", k ? ", " : "");
        json_out_string (stdout, post_label (&pi, top[k].id));
      }
      printf ("]");
    }
    if (a.profile)
      run_profile_json (stdout, session, &prof);
    printf ("}\n");
  }
  if (fflush (stdout) != 0 || ferror (stdout)) {
    run_die ("cannot write the results: %s", strerror (errno));
    goto done;
  }
  ret = 0;

done:
  run_profile_clear (&prof);
  free (out_conv);
  npy_array_clear (&x);
  for (size_t i = 0; i < a.n_shapes; i++)
    free ((char *)a.shapes[i].name);
  for (size_t i = 0; saved && i < n_in; i++)
    free (saved[i]);
  free (saved);
  free (us);
  nn_hints_clear (&pi.hints);
  nn_session_free (session);
  nn_model_unref (model);
  return ret;
}
