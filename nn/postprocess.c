/* Classifier post-processing: softmax, top-k, threshold, labels (see
 * nn/postprocess.h). */
#include "nn/postprocess.h"
#include "error.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nn_postprocess {
  size_t n_classes;
  int logits;
  float *probs;  /* n_classes: scratch for the softmax */
  char **labels; /* n_classes names */
  /* one block: this struct, probs, labels, then the strings */
};

nn_status
nn_softmax (const float *logits, size_t n, float *probs, nn_error *err)
{
  if (!logits || !probs || n == 0)
    return nn_fail (err, NN_INVALID_ARG, "softmax: %s",
                    n == 0 ? "no classes" : "NULL argument");

  size_t valid = 0;
  float max = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (isnan (logits[i]))
      continue;
    if (valid++ == 0 || logits[i] > max)
      max = logits[i];
  }
  if (valid == 0) {
    for (size_t i = 0; i < n; i++)
      probs[i] = NAN;
    return NN_OK;
  }
  if (isinf (max)) {
    /* +inf: the infinite ones take everything; -inf: all are -inf. Either
     * way the classes at max share the probability equally. */
    size_t at_max = 0;
    for (size_t i = 0; i < n; i++)
      at_max += logits[i] == max;
    const float share = (float)(1.0 / (double)at_max);
    for (size_t i = 0; i < n; i++)
      probs[i] = isnan (logits[i]) ? NAN : logits[i] == max ? share : 0.0f;
    return NN_OK;
  }
  /* Stable: exp (x - max) <= 1, summed in double. */
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (isnan (logits[i])) {
      probs[i] = NAN;
      continue;
    }
    probs[i] = expf (logits[i] - max);
    sum += probs[i];
  }
  for (size_t i = 0; i < n; i++)
    probs[i] = (float)(probs[i] / sum); /* NaN stays NaN */
  return NN_OK;
}

/* Whether class a (score sa) ranks before class b (score sb): higher
 * score first, NaN last, then the lower id. */
static int
ranks_before (float sa, int a, float sb, int b)
{
  if (isnan (sa))
    return isnan (sb) && a < b;
  if (isnan (sb) || sa > sb)
    return 1;
  return sa == sb && a < b;
}

nn_status
nn_top_k (const float *scores, size_t n, size_t k, nn_class_score *top,
          size_t *n_top, nn_error *err)
{
  if (!scores || !top || !n_top || n == 0)
    return nn_fail (err, NN_INVALID_ARG, "top-k: %s",
                    n == 0 ? "no classes" : "NULL argument");
  if (n > (size_t)INT_MAX)
    return nn_fail (err, NN_INVALID_ARG, "top-k: %zu classes, at most %d", n,
                    INT_MAX);
  if (k == 0)
    k = 1;
  if (k > n)
    k = n;

  /* Insertion into the sorted top list. Classes arrive in id order, so an
   * equal score never overtakes one already listed. */
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const float s = scores[i];
    if (m == k && !ranks_before (s, (int)i, top[m - 1].score, top[m - 1].id))
      continue;
    size_t j = m < k ? m++ : m - 1;
    for (; j > 0 && ranks_before (s, (int)i, top[j - 1].score, top[j - 1].id);
         j--)
      top[j] = top[j - 1];
    top[j].id = (int)i;
    top[j].score = s;
  }
  *n_top = m;
  return NN_OK;
}

void
nn_postprocess_options_from_hints (const nn_hints *hints,
                                   nn_postprocess_options *opts)
{
  if (!opts)
    return;
  memset (opts, 0, sizeof *opts);
  if (!hints)
    return;
  opts->logits = hints->has_output && hints->output_logits;
  opts->labels = (const char *const *)hints->labels;
  opts->n_labels = hints->labels ? hints->n_labels : 0;
}

nn_status
nn_postprocess_create (size_t n_classes, const nn_postprocess_options *opts,
                       nn_postprocess **out, nn_error *err)
{
  if (out)
    *out = NULL;
  if (!out)
    return nn_fail (err, NN_INVALID_ARG, "postprocess: NULL argument");
  if (n_classes == 0 || n_classes > (size_t)NN_LABELS_MAX)
    return nn_fail (err, NN_INVALID_ARG,
                    "postprocess: %zu classes, expected 1..%d", n_classes,
                    NN_LABELS_MAX);
  const char *const *names = opts ? opts->labels : NULL;
  if (names && opts->n_labels != n_classes)
    return nn_fail (err, NN_INVALID_ARG,
                    "postprocess: %zu labels for %zu classes", opts->n_labels,
                    n_classes);

  /* Sizes: the strings given, or the decimal class numbers. */
  size_t bytes = 0;
  for (size_t i = 0; i < n_classes; i++) {
    if (names && (!names[i] || !names[i][0]))
      return nn_fail (err, NN_INVALID_ARG, "postprocess: label %zu is %s", i,
                      names[i] ? "empty" : "NULL");
    bytes += names ? strlen (names[i]) + 1
                   : (size_t)snprintf (NULL, 0, "%zu", i) + 1;
  }
  const size_t head = sizeof (nn_postprocess);
  const size_t probs_off
      = (head + sizeof (float) - 1) / sizeof (float) * sizeof (float);
  const size_t labels_off
      = (probs_off + n_classes * sizeof (float) + sizeof (char *) - 1)
        / sizeof (char *) * sizeof (char *);
  const size_t strings_off = labels_off + n_classes * sizeof (char *);
  char *block = malloc (strings_off + bytes);
  if (!block)
    return nn_fail (err, NN_NOMEM, "postprocess: %zu bytes for %zu classes",
                    strings_off + bytes, n_classes);

  nn_postprocess *pp = (nn_postprocess *)block;
  pp->n_classes = n_classes;
  pp->logits = opts ? opts->logits != 0 : 0;
  pp->probs = (float *)(block + probs_off);
  pp->labels = (char **)(block + labels_off);
  char *s = block + strings_off;
  for (size_t i = 0; i < n_classes; i++) {
    size_t len = names ? strlen (names[i]) : (size_t)sprintf (s, "%zu", i);
    if (names)
      memcpy (s, names[i], len + 1);
    pp->labels[i] = s;
    s += len + 1;
  }
  memset (pp->probs, 0, n_classes * sizeof (float));
  *out = pp;
  return NN_OK;
}

void
nn_postprocess_free (nn_postprocess *pp)
{
  free (pp); /* one block: see nn_postprocess_create */
}

size_t
nn_postprocess_n_classes (const nn_postprocess *pp)
{
  return pp ? pp->n_classes : 0;
}

const char *
nn_postprocess_label (const nn_postprocess *pp, int id)
{
  if (!pp || id < 0 || (size_t)id >= pp->n_classes)
    return NN_LABEL_UNKNOWN;
  return pp->labels[id];
}

nn_status
nn_postprocess_run (nn_postprocess *pp, const float *output, size_t k,
                    double threshold, nn_classification *res, nn_error *err)
{
  if (!pp || !output || !res || !res->top)
    return nn_fail (err, NN_INVALID_ARG, "postprocess: NULL argument");
  if (isnan (threshold))
    return nn_fail (err, NN_INVALID_ARG, "postprocess: threshold is NaN");
  const size_t want = k == 0 ? 1 : k < pp->n_classes ? k : pp->n_classes;
  if (res->capacity < want)
    return nn_fail (err, NN_INVALID_ARG,
                    "postprocess: room for %zu results, top-%zu needs %zu",
                    res->capacity, k, want);

  const float *scores = output;
  if (pp->logits) {
    nn_softmax (output, pp->n_classes, pp->probs, NULL);
    scores = pp->probs;
  }
  size_t n = 0;
  nn_top_k (scores, pp->n_classes, want, res->top, &n, NULL);
  res->n = n;
  res->confidence = res->top[0].score;
  res->label_id = (double)res->top[0].score >= threshold ? res->top[0].id : -1;
  return NN_OK;
}
