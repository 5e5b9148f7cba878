/* Post-processing of a classifier's output: scores -> probabilities, the
 * best k classes, the threshold and the class names.
 *
 * The element and the tools (edgenn-run, edgenn-eval) all go through this,
 * so they name the same classes with the same confidences for the same
 * output tensor.
 *
 *   nn_postprocess_create()  once per model: class count, softmax or not
 *                            (hint edgeclassify.output), class names
 *   nn_postprocess_run()     per output: never allocates
 *   nn_postprocess_label()   id -> name ("unknown" for -1)
 *
 * Order. Classes are ranked by score, highest first; equal scores by class
 * id, lowest first. NaN ranks after every number (even -inf), NaNs among
 * themselves by id. The order depends on the scores only, never on the
 * platform or the number of threads.
 *
 * Non-finite outputs. Scores are taken as they are (no softmax): +-inf rank
 * as numbers, a NaN score stays NaN and ranks last. With softmax (logits):
 *   - a NaN logit gets probability NaN and takes no part in the others;
 *   - when some logits are +inf, they share the probability equally and
 *     every other class gets 0;
 *   - when every non-NaN logit is -inf, they share it equally (as equal
 *     finite logits would);
 *   - otherwise the usual max-shifted softmax, in float with a double sum.
 * A NaN top-1 confidence is never at or above a threshold: the result is
 * "unknown" (label id -1).
 */
#ifndef NN_POSTPROCESS_H
#define NN_POSTPROCESS_H

#include "nn/hints.h"
#include "nn/nn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The name of label id -1 (below the threshold), and of ids out of range. */
#define NN_LABEL_UNKNOWN "unknown"

typedef struct nn_class_score {
  int id;      /* class index */
  float score; /* probability, or the model's own score without softmax */
} nn_class_score;

/* probs[i] = softmax (logits)[i] for i < n, with the rules above. probs
 * may be logits (in place). NN_INVALID_ARG for NULL or n = 0. */
nn_status nn_softmax (const float *logits, size_t n, float *probs,
                      nn_error *err);

/* The best min (k, n) of scores[0..n), best first, into top (room for
 * that many). k = 0 is taken as 1. *n_top gets the count. Allocates
 * nothing; O(n * k) at worst, O(n) when the scores are in no particular
 * order. NN_INVALID_ARG for NULL, n = 0 or n > INT_MAX. */
nn_status nn_top_k (const float *scores, size_t n, size_t k,
                    nn_class_score *top, size_t *n_top, nn_error *err);

typedef struct nn_postprocess nn_postprocess;

typedef struct nn_postprocess_options {
  int logits;                /* nonzero: apply softmax first */
  const char *const *labels; /* n_labels names (copied); NULL: "0", "1", ... */
  size_t n_labels;           /* must equal the class count when labels set */
} nn_postprocess_options;

/* What a model's hints ask for: logits when edgeclassify.output=logits
 * (default: probabilities), the model's labels when it has them. The
 * options point into `hints`: keep it alive until nn_postprocess_create. */
void nn_postprocess_options_from_hints (const nn_hints *hints,
                                        nn_postprocess_options *opts);

/* n_classes in 1..NN_LABELS_MAX. opts NULL: probabilities, class numbers
 * as names. NN_INVALID_ARG for a label count other than n_classes or a
 * NULL or empty label; NN_NOMEM. */
nn_status nn_postprocess_create (size_t n_classes,
                                 const nn_postprocess_options *opts,
                                 nn_postprocess **out, nn_error *err);
void nn_postprocess_free (nn_postprocess *pp);

size_t nn_postprocess_n_classes (const nn_postprocess *pp);

/* Name of class `id`; NN_LABEL_UNKNOWN for -1 or any id out of range.
 * Owned by pp, valid until nn_postprocess_free. */
const char *nn_postprocess_label (const nn_postprocess *pp, int id);

/* One classification. The caller owns `top`. */
typedef struct nn_classification {
  nn_class_score *top; /* in: room for `capacity` entries */
  size_t capacity;
  size_t n;         /* out: entries written, min (max (k, 1), classes) */
  int label_id;     /* out: top[0].id, or -1 when its score is below the
                       threshold (or NaN) */
  float confidence; /* out: top[0].score */
} nn_classification;

/* Classifies one output of n_classes floats: softmax if asked, the best
 * k (0 is taken as 1, more than the class count as the class count, as
 * the element's top-k property always did), then the threshold: label_id
 * is top[0].id when (double) top[0].score >= threshold, else -1.
 * Allocates nothing. Uses scratch in pp: one thread at a time per pp.
 * NN_INVALID_ARG for NULL arguments, a NaN threshold or a capacity below
 * the entries needed (res is then left untouched). */
nn_status nn_postprocess_run (nn_postprocess *pp, const float *output, size_t k,
                              double threshold, nn_classification *res,
                              nn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* NN_POSTPROCESS_H */
