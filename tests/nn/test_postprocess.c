/* nn/postprocess.c against plain references: softmax (the float/double
 * formula the element always used, and a double-precision one), top-k (a
 * full qsort of every class), the threshold and the labels; the defined
 * answers for NaN and infinite outputs; one negative test per argument
 * rule; and no allocation in the per-output calls (malloc is wrapped at
 * link time). Also nn_hints_preprocess_params, the one way the element
 * and the tools derive a model's preprocessing. */
#include "check.h"
#include "nn/hints.h"
#include "nn/postprocess.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation counting (-Wl,--wrap=malloc,...) ---- */

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t m);
void *__real_realloc (void *p, size_t n);
static int armed;
static long allocations;

void *
__wrap_malloc (size_t n)
{
  allocations += armed;
  return __real_malloc (n);
}

void *
__wrap_calloc (size_t n, size_t m)
{
  allocations += armed;
  return __real_calloc (n, m);
}

void *
__wrap_realloc (void *p, size_t n)
{
  allocations += armed;
  return __real_realloc (p, n);
}

/* ---- references ---- */

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t
rnd (void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}

static float
uniform (float lo, float hi)
{
  return lo + (hi - lo) * (float)(rnd () & 0xffffff) / (float)0x1000000;
}

/* The softmax the element computed before nn/postprocess.c existed (finite
 * inputs only): float exponentials of x - max, summed in double. */
static void
ref_softmax_float (const float *x, size_t n, float *p)
{
  float max = x[0];
  double sum = 0.0;
  for (size_t i = 1; i < n; i++)
    max = x[i] > max ? x[i] : max;
  for (size_t i = 0; i < n; i++) {
    p[i] = expf (x[i] - max);
    sum += p[i];
  }
  for (size_t i = 0; i < n; i++)
    p[i] = (float)(p[i] / sum);
}

/* Textbook softmax in double (finite inputs). */
static void
ref_softmax_double (const float *x, size_t n, double *p)
{
  double max = x[0], sum = 0.0;
  for (size_t i = 1; i < n; i++)
    max = x[i] > max ? x[i] : max;
  for (size_t i = 0; i < n; i++)
    sum += p[i] = exp ((double)x[i] - max);
  for (size_t i = 0; i < n; i++)
    p[i] /= sum;
}

/* Total order of the header: score descending, NaN last, then id. */
static int
ref_cmp (const void *pa, const void *pb)
{
  const nn_class_score *a = pa, *b = pb;
  const int na = isnan (a->score), nb = isnan (b->score);
  if (na != nb)
    return na - nb;
  if (!na && a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

/* Every class, sorted. */
static void
ref_rank (const float *s, size_t n, nn_class_score *all)
{
  for (size_t i = 0; i < n; i++) {
    all[i].id = (int)i;
    all[i].score = s[i];
  }
  qsort (all, n, sizeof *all, ref_cmp);
}

/* The element's former top-k by selection (finite scores only). */
static void
ref_select (const float *s, size_t n, size_t k, int *ids)
{
  unsigned char *taken = calloc (n, 1);
  for (size_t j = 0; j < k; j++) {
    long best = -1;
    for (size_t i = 0; i < n; i++)
      if (!taken[i] && (best < 0 || s[i] > s[best]))
        best = (long)i;
    taken[best] = 1;
    ids[j] = (int)best;
  }
  free (taken);
}

static int
same_float (float a, float b)
{
  return (isnan (a) && isnan (b)) || memcmp (&a, &b, sizeof a) == 0;
}

/* ---- differential: finite outputs ---- */

/* Values with many ties (a small set), or spread out, or huge. */
static void
fill_scores (float *x, size_t n, int kind)
{
  static const float few[] = { -1.0f, 0.0f, -0.0f, 0.5f, 1.0f, 3.0f };
  for (size_t i = 0; i < n; i++)
    x[i] = kind == 0   ? few[rnd () % 6]
           : kind == 1 ? uniform (-20.0f, 20.0f)
           : kind == 2 ? uniform (-1e30f, 1e30f)
                       : uniform (0.0f, 1.0f);
}

static void
test_finite_differential (void)
{
  enum { MAXN = 300 };
  float x[MAXN], p[MAXN], pref[MAXN];
  double pd[MAXN];
  nn_class_score all[MAXN], top[MAXN + 3];
  int sel[MAXN];
  int bad_softmax = 0, bad_close = 0, bad_topk = 0, bad_select = 0;
  int bad_run = 0;

  for (int trial = 0; trial < 3000; trial++) {
    const size_t n = 1 + rnd () % (trial < 200 ? 4 : MAXN);
    const size_t k = rnd () % (n + 3); /* 0 and > n included */
    const size_t kk = k == 0 ? 1 : k > n ? n : k;
    fill_scores (x, n, trial % 4);

    /* softmax: the element's former arithmetic, bit for bit */
    CHECK (nn_softmax (x, n, p, NULL) == NN_OK, "softmax failed");
    ref_softmax_float (x, n, pref);
    ref_softmax_double (x, n, pd);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
      bad_softmax += !same_float (p[i], pref[i]);
      bad_close += !(fabs (p[i] - pd[i]) <= 1e-6 + 1e-5 * pd[i]);
      sum += p[i];
    }
    CHECK (fabs (sum - 1.0) < 1e-5, "probabilities sum to %g", sum);

    /* top-k: the prefix of the full sort; the former selection's ids */
    size_t m = 99;
    CHECK (nn_top_k (x, n, k, top, &m, NULL) == NN_OK, "top-k failed");
    CHECK (m == kk, "top-%zu of %zu gave %zu", k, n, m);
    ref_rank (x, n, all);
    ref_select (x, n, kk, sel);
    for (size_t j = 0; j < kk && m == kk; j++) {
      bad_topk
          += top[j].id != all[j].id || !same_float (top[j].score, all[j].score);
      bad_select += top[j].id != sel[j];
    }

    /* the whole run, both kinds of output */
    for (int logits = 0; logits < 2; logits++) {
      nn_postprocess_options o = { logits, NULL, 0 };
      nn_postprocess *pp = NULL;
      nn_classification res = { top, MAXN, 0, 0, 0.0f };
      const double thr = trial % 3 == 0 ? -INFINITY : uniform (0.0f, 1.0f);
      if (nn_postprocess_create (n, &o, &pp, NULL) != NN_OK) {
        CHECK (0, "create failed for %zu classes", n);
        continue;
      }
      CHECK (nn_postprocess_run (pp, x, k, thr, &res, NULL) == NN_OK,
             "run failed");
      const float *s = logits ? pref : x;
      ref_rank (s, n, all);
      int ok = res.n == kk;
      for (size_t j = 0; ok && j < kk; j++)
        ok = top[j].id == all[j].id && same_float (top[j].score, all[j].score);
      ok = ok && same_float (res.confidence, all[0].score);
      ok = ok && res.label_id == ((double)all[0].score >= thr ? all[0].id : -1);
      bad_run += !ok;
      nn_postprocess_free (pp);
    }
  }
  CHECK (bad_softmax == 0, "%d probabilities differ from the former softmax",
         bad_softmax);
  CHECK (bad_close == 0, "%d probabilities off the double reference",
         bad_close);
  CHECK (bad_topk == 0, "%d top-k entries differ from the full sort", bad_topk);
  CHECK (bad_select == 0, "%d top-k ids differ from the former selection",
         bad_select);
  CHECK (bad_run == 0, "%d runs differ from the reference", bad_run);
}

/* ---- defined answers for NaN and infinities ---- */

static void
expect_probs (const char *what, const float *x, size_t n, const float *want)
{
  float p[8];
  CHECK (nn_softmax (x, n, p, NULL) == NN_OK, "%s: softmax failed", what);
  for (size_t i = 0; i < n; i++)
    CHECK ((isnan (want[i]) && isnan (p[i])) || fabsf (p[i] - want[i]) < 1e-7f,
           "%s: p[%zu] = %g, wanted %g", what, i, p[i], want[i]);
}

static void
test_non_finite (void)
{
  const float nan = NAN, inf = INFINITY;

  {
    const float x[] = { 1.0f, nan, 2.0f };
    float two[2], want[3];
    const float pair[] = { 1.0f, 2.0f };
    ref_softmax_float (pair, 2, two);
    want[0] = two[0];
    want[1] = nan;
    want[2] = two[1];
    expect_probs ("a NaN logit", x, 3, want);
  }
  {
    const float x[] = { inf, 0.0f, inf, nan, -inf };
    const float want[] = { 0.5f, 0.0f, 0.5f, nan, 0.0f };
    expect_probs ("+inf logits share", x, 5, want);
  }
  {
    const float x[] = { -inf, -inf, nan };
    const float want[] = { 0.5f, 0.5f, nan };
    expect_probs ("all -inf", x, 3, want);
  }
  {
    const float x[] = { -inf, 0.0f, -3.0f };
    float want[3];
    const float pair[] = { 0.0f, -3.0f };
    float two[2];
    ref_softmax_float (pair, 2, two);
    want[0] = 0.0f;
    want[1] = two[0];
    want[2] = two[1];
    expect_probs ("a -inf logit", x, 3, want);
  }
  {
    const float x[] = { nan, nan };
    const float want[] = { nan, nan };
    expect_probs ("all NaN", x, 2, want);
  }
  {
    const float x[] = { 3.4e38f, -3.4e38f, 3.4e38f };
    const float want[] = { 0.5f, 0.0f, 0.5f };
    expect_probs ("huge but finite", x, 3, want);
  }

  /* random mixes: the top-k is the NaN-aware full sort; non-NaN
   * probabilities sum to 1 */
  int bad = 0;
  for (int trial = 0; trial < 2000; trial++) {
    float x[64], p[64];
    nn_class_score top[64], all[64];
    const size_t n = 1 + rnd () % 64, k = 1 + rnd () % n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const uint32_t r = rnd () % 10;
      x[i] = r == 0   ? nan
             : r == 1 ? inf
             : r == 2 ? -inf
             : r < 5  ? 1.0f
                      : uniform (-5.0f, 5.0f);
    }
    nn_top_k (x, n, k, top, &m, NULL);
    ref_rank (x, n, all);
    for (size_t j = 0; j < k; j++)
      bad += m != k || top[j].id != all[j].id;
    nn_softmax (x, n, p, NULL);
    double sum = 0.0;
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) {
      bad += isnan (p[i]) != isnan (x[i]);
      bad += !isnan (p[i]) && !(p[i] >= 0.0f && p[i] <= 1.0f);
      if (!isnan (p[i])) {
        sum += p[i];
        valid++;
      }
    }
    bad += valid && !(fabs (sum - 1.0) < 1e-5);
  }
  CHECK (bad == 0, "%d problems with non-finite mixes", bad);

  /* a NaN never ranks first, unless all are NaN, and is never a label */
  {
    const float x[] = { nan, 0.25f, nan, 0.1f };
    nn_class_score top[4];
    nn_classification res = { top, 4, 0, 0, 0.0f };
    nn_postprocess *pp = NULL;
    nn_postprocess_create (4, NULL, &pp, NULL);
    CHECK (nn_postprocess_run (pp, x, 4, 0.0, &res, NULL) == NN_OK, "run");
    CHECK (top[0].id == 1 && top[1].id == 3 && top[2].id == 0 && top[3].id == 2,
           "order %d %d %d %d", top[0].id, top[1].id, top[2].id, top[3].id);
    CHECK (res.label_id == 1, "label %d", res.label_id);
    const float all_nan[] = { nan, nan, nan, nan };
    CHECK (nn_postprocess_run (pp, all_nan, 2, -INFINITY, &res, NULL) == NN_OK,
           "run");
    CHECK (res.label_id == -1 && isnan (res.confidence) && top[0].id == 0
               && top[1].id == 1,
           "all NaN: label %d, top %d %d", res.label_id, top[0].id, top[1].id);
    nn_postprocess_free (pp);
  }
  /* with softmax: one +inf logit is certain */
  {
    const float x[] = { 2.0f, inf, nan };
    nn_class_score top[3];
    nn_classification res = { top, 3, 0, 0, 0.0f };
    nn_postprocess_options o = { 1, NULL, 0 };
    nn_postprocess *pp = NULL;
    nn_postprocess_create (3, &o, &pp, NULL);
    CHECK (nn_postprocess_run (pp, x, 3, 1.0, &res, NULL) == NN_OK, "run");
    CHECK (res.label_id == 1 && res.confidence == 1.0f && top[1].id == 0
               && top[1].score == 0.0f && top[2].id == 2
               && isnan (top[2].score),
           "inf logit: label %d conf %g", res.label_id, res.confidence);
    nn_postprocess_free (pp);
  }
}

/* ---- threshold, k, labels ---- */

static void
test_threshold_and_k (void)
{
  const float x[] = { 0.2f, 0.5f, 0.3f };
  nn_class_score top[3];
  nn_classification res = { top, 3, 0, 0, 0.0f };
  nn_postprocess *pp = NULL;
  nn_postprocess_create (3, NULL, &pp, NULL);

  nn_postprocess_run (pp, x, 1, 0.5, &res, NULL);
  CHECK (res.label_id == 1 && res.n == 1, "at the threshold: %d", res.label_id);
  nn_postprocess_run (pp, x, 1, nextafter (0.5f, 1.0), &res, NULL);
  CHECK (res.label_id == -1 && res.confidence == 0.5f, "just above: %d %g",
         res.label_id, res.confidence);
  CHECK (strcmp (nn_postprocess_label (pp, res.label_id), "unknown") == 0,
         "label of -1");
  nn_postprocess_run (pp, x, 0, 0.0, &res, NULL);
  CHECK (res.n == 1 && top[0].id == 1, "k = 0 is 1: n %zu", res.n);
  nn_postprocess_run (pp, x, 1000, 0.0, &res, NULL);
  CHECK (res.n == 3 && top[0].id == 1 && top[1].id == 2 && top[2].id == 0,
         "k > classes: n %zu", res.n);
  nn_postprocess_run (pp, x, 2, -INFINITY, &res, NULL);
  CHECK (res.label_id == 1, "no threshold");
  nn_postprocess_free (pp);
}

static void
test_labels (void)
{
  const char *const names[] = { "cat", "dog", "bird" };
  nn_postprocess_options o = { 0, names, 3 };
  nn_postprocess *pp = NULL;

  CHECK (nn_postprocess_create (3, &o, &pp, NULL) == NN_OK, "create");
  CHECK (nn_postprocess_n_classes (pp) == 3, "n_classes");
  for (int i = 0; i < 3; i++)
    CHECK (strcmp (nn_postprocess_label (pp, i), names[i]) == 0, "label %d", i);
  CHECK (nn_postprocess_label (pp, 1) != names[1], "labels are copied");
  CHECK (strcmp (nn_postprocess_label (pp, -1), NN_LABEL_UNKNOWN) == 0, "-1");
  CHECK (strcmp (nn_postprocess_label (pp, 3), NN_LABEL_UNKNOWN) == 0, "3");
  CHECK (strcmp (nn_postprocess_label (pp, INT_MIN), NN_LABEL_UNKNOWN) == 0,
         "INT_MIN");
  CHECK (strcmp (nn_postprocess_label (NULL, 0), NN_LABEL_UNKNOWN) == 0,
         "NULL");
  nn_postprocess_free (pp);

  CHECK (nn_postprocess_create (12, NULL, &pp, NULL) == NN_OK, "create");
  CHECK (strcmp (nn_postprocess_label (pp, 0), "0") == 0
             && strcmp (nn_postprocess_label (pp, 11), "11") == 0,
         "class numbers");
  nn_postprocess_free (pp);
  nn_postprocess_free (NULL);

  /* from hints */
  nn_hints h;
  nn_postprocess_options ho;
  nn_hints_init (&h);
  nn_postprocess_options_from_hints (&h, &ho);
  CHECK (!ho.logits && !ho.labels && !ho.n_labels, "no hints");
  nn_hints_parse_kv (&h, NN_HINT_OUTPUT, "logits", NULL);
  nn_hints_parse_kv (&h, NN_HINT_LABELS, "a\nb\n", NULL);
  nn_postprocess_options_from_hints (&h, &ho);
  CHECK (ho.logits && ho.n_labels == 2 && strcmp (ho.labels[1], "b") == 0,
         "logits and labels");
  nn_hints_parse_kv (&h, NN_HINT_OUTPUT, "probabilities", NULL);
  nn_postprocess_options_from_hints (&h, &ho);
  CHECK (!ho.logits, "probabilities");
  nn_hints_clear (&h);
}

/* ---- negative: every argument rule ---- */

static void
test_invalid (void)
{
  const float x[] = { 1.0f, 2.0f, 3.0f };
  float p[3];
  nn_class_score top[3];
  size_t m = 0;
  nn_error err;
  nn_status st;
  nn_postprocess *pp = (nn_postprocess *)&err; /* must come back NULL */

  st = nn_softmax (NULL, 3, p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "softmax");
  st = nn_softmax (x, 3, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_softmax (x, 0, p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "no classes");
  st = nn_top_k (NULL, 3, 1, top, &m, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "top-k");
  st = nn_top_k (x, 3, 1, NULL, &m, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_top_k (x, 3, 1, top, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_top_k (x, 0, 1, top, &m, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "no classes");
  st = nn_top_k (x, (size_t)INT_MAX + 1, 1, top, &m, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "classes");

  st = nn_postprocess_create (0, NULL, &pp, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "0 classes");
  CHECK (pp == NULL, "out not cleared");
  st = nn_postprocess_create ((size_t)NN_LABELS_MAX + 1, NULL, &pp, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "65537 classes");
  st = nn_postprocess_create (3, NULL, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  {
    const char *const two[] = { "a", "b" };
    nn_postprocess_options o = { 0, two, 2 };
    st = nn_postprocess_create (3, &o, &pp, &err);
    CHECK_ERR (st, err, NN_INVALID_ARG, "2 labels for 3 classes");
  }
  {
    const char *const holes[] = { "a", NULL, "c" };
    nn_postprocess_options o = { 0, holes, 3 };
    st = nn_postprocess_create (3, &o, &pp, &err);
    CHECK_ERR (st, err, NN_INVALID_ARG, "label 1 is NULL");
  }
  {
    const char *const empty[] = { "a", "b", "" };
    nn_postprocess_options o = { 0, empty, 3 };
    st = nn_postprocess_create (3, &o, &pp, &err);
    CHECK_ERR (st, err, NN_INVALID_ARG, "label 2 is empty");
  }

  CHECK (nn_postprocess_create (3, NULL, &pp, NULL) == NN_OK, "create");
  nn_classification res = { top, 3, 77, 77, 7.0f };
  st = nn_postprocess_run (NULL, x, 1, 0.0, &res, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_postprocess_run (pp, NULL, 1, 0.0, &res, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_postprocess_run (pp, x, 1, 0.0, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_postprocess_run (pp, x, 1, NAN, &res, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "threshold is NaN");
  res.capacity = 2;
  st = nn_postprocess_run (pp, x, 3, 0.0, &res, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "room for 2");
  st = nn_postprocess_run (pp, x, 0, 0.0, &res, &err);
  CHECK (st == NN_OK, "k = 0 needs room for 1 only");
  res.n = 77;
  res.label_id = 77;
  res.capacity = 0;
  st = nn_postprocess_run (pp, x, 1, 0.0, &res, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "room for 0");
  CHECK (res.n == 77 && res.label_id == 77, "result touched on failure");
  res.top = NULL;
  res.capacity = 3;
  st = nn_postprocess_run (pp, x, 1, 0.0, &res, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  /* a NULL error is fine */
  CHECK (nn_postprocess_run (pp, NULL, 1, 0.0, &res, NULL) == NN_INVALID_ARG,
         "NULL err");
  nn_postprocess_free (pp);
}

/* ---- no allocation per output ---- */

static void
test_noalloc (void)
{
  enum { N = 1000 };
  static float x[N], p[N];
  nn_class_score top[N];
  nn_classification res = { top, N, 0, 0, 0.0f };
  nn_postprocess_options o = { 1, NULL, 0 };
  nn_postprocess *pp = NULL;
  size_t m;

  fill_scores (x, N, 1);
  CHECK (nn_postprocess_create (N, &o, &pp, NULL) == NN_OK, "create");
  allocations = 0;
  armed = 1;
  for (int i = 0; i < 200; i++) {
    nn_postprocess_run (pp, x, (size_t)(i % 7) * 150, 0.3, &res, NULL);
    nn_softmax (x, N, p, NULL);
    nn_top_k (p, N, 5, top, &m, NULL);
  }
  armed = 0;
  CHECK (allocations == 0, "%ld allocations in 600 calls", allocations);
  /* the counter does count: creating allocates */
  nn_postprocess_free (pp);
  armed = 1;
  nn_postprocess_create (N, &o, &pp, NULL);
  armed = 0;
  CHECK (allocations > 0, "the allocation counter saw nothing");
  nn_postprocess_free (pp);

  /* in place gives the same as out of place */
  float q[N];
  nn_softmax (x, N, p, NULL);
  memcpy (q, x, sizeof q);
  nn_softmax (q, N, q, NULL);
  CHECK (memcmp (p, q, sizeof q) == 0, "in-place softmax differs");
}

/* ---- preprocessing parameters from hints ---- */

static void
test_preprocess_params (void)
{
  nn_hints h;
  nn_preprocess_params p, want, sentinel;
  nn_error err;
  nn_status st;

  memset (&sentinel, 0x5a, sizeof sentinel);

  /* no hints: the channel count decides the colour, defaults otherwise */
  nn_hints_init (&h);
  CHECK (nn_hints_preprocess_params (&h, 1, 28, 20, &p, &err) == NN_OK,
         "gray: %s", err.message);
  nn_preprocess_params_init (&want, 28, 20, NN_COLOR_GRAY);
  CHECK (memcmp (&p, &want, sizeof p) == 0, "gray defaults");
  CHECK (nn_hints_preprocess_params (&h, 3, 4, 5, &p, &err) == NN_OK, "rgb");
  CHECK (p.color == NN_COLOR_RGB && p.out_width == 4 && p.out_height == 5,
         "3 channels: RGB %dx%d", p.out_width, p.out_height);

  /* every hint: the same as init + nn_hints_apply */
  nn_hints_parse_kv (&h, NN_HINT_COLOR, "BGR", NULL);
  nn_hints_parse_kv (&h, NN_HINT_SCALE, "0.5", NULL);
  nn_hints_parse_kv (&h, NN_HINT_MEAN, "1,2,3", NULL);
  nn_hints_parse_kv (&h, NN_HINT_STD, "2", NULL);
  nn_hints_parse_kv (&h, NN_HINT_RESIZE, "letterbox", NULL);
  CHECK (nn_hints_preprocess_params (&h, 3, 32, 16, &p, &err) == NN_OK, "bgr");
  nn_preprocess_params_init (&want, 32, 16, NN_COLOR_BGR);
  nn_hints_apply (&h, &want, NULL);
  CHECK (memcmp (&p, &want, sizeof p) == 0, "hints applied differently");
  CHECK (p.scale == 0.5f && p.mean[2] == 3.0f && p.std[1] == 2.0f
             && p.mode == NN_RESIZE_LETTERBOX,
         "hint values");

  /* negative: colour vs channels, both ways; params untouched */
  p = sentinel;
  st = nn_hints_preprocess_params (&h, 1, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_BAD_MODEL, NN_HINT_COLOR);
  CHECK (memcmp (&p, &sentinel, sizeof p) == 0, "params touched");
  nn_hints_parse_kv (&h, NN_HINT_COLOR, "GRAY", NULL);
  st = nn_hints_preprocess_params (&h, 3, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_BAD_MODEL, "GRAY does not fit");
  /* three means for a gray model */
  st = nn_hints_preprocess_params (&h, 1, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_BAD_MODEL, "1-channel");
  CHECK (memcmp (&p, &sentinel, sizeof p) == 0, "params touched");
  nn_hints_clear (&h);

  st = nn_hints_preprocess_params (&h, 4, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "4 input channels");
  st = nn_hints_preprocess_params (&h, 0, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "0 input channels");
  st = nn_hints_preprocess_params (&h, 1, 0, 8, &p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "0x8");
  st = nn_hints_preprocess_params (&h, 1, 8, -1, &p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "8x-1");
  st = nn_hints_preprocess_params (NULL, 1, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  st = nn_hints_preprocess_params (&h, 1, 8, 8, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "NULL");
  h.has_color = 1;
  h.color = (nn_color)7;
  st = nn_hints_preprocess_params (&h, 3, 8, 8, &p, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "colour 7");
  CHECK (memcmp (&p, &sentinel, sizeof p) == 0, "params touched");
}

int
main (void)
{
  test_finite_differential ();
  test_non_finite ();
  test_threshold_and_k ();
  test_labels ();
  test_invalid ();
  test_noalloc ();
  test_preprocess_params ();
  return check_report ("postprocess");
}
