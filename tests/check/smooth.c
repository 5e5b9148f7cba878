/* The smoothing of decisions alone (gst/edgeclassify-smooth.c) against a
 * plain reference written from the definitions in docs/metadata.md: for
 * ema, each class's average in double, updated one result at a time; for
 * vote, the labels of the last window results kept in a list and counted
 * again at every step; for bayes, the posterior in double from Bayes'
 * rule with the stay probability and the floor written out. Random sequences
 * (fixed seeds) of noisy scenes, then the hysteresis rules on sequences made
 * for them. */
#include "edgeclassify-smooth.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define CLASSES 5
#define STEPS 3000

typedef struct {
  guint window;
  gdouble hysteresis, threshold;
  /* ema: averages; bayes: posterior */
  gdouble avg[CLASSES];
  /* vote: newest last */
  gint votes[1024];
  guint n_votes;
  /* both */
  gint decision;
  gboolean decided;
  guint taken;
} Ref;

/* The class with the highest value, lowest index on ties. */
static gint
argmax (const gdouble *v, gint n)
{
  gint best = 0;

  for (gint c = 1; c < n; c++)
    if (v[c] > v[best])
      best = c;
  return best;
}

static void
ref_ema (Ref *r, const gfloat *p, gint *label, gdouble *conf)
{
  gdouble alpha = 2.0 / (r->window + 1.0);
  gint cand;

  for (gint c = 0; c < CLASSES; c++)
    r->avg[c] = r->taken == 0 ? p[c] : (1.0 - alpha) * r->avg[c] + alpha * p[c];
  r->taken++;
  cand = argmax (r->avg, CLASSES);
  if (!r->decided
      || (cand != r->decision
          && r->avg[cand] - r->avg[r->decision] > r->hysteresis))
    r->decision = cand;
  r->decided = TRUE;
  *conf = r->avg[r->decision];
  *label = *conf >= r->threshold ? r->decision : -1;
}

static void
ref_bayes (Ref *r, const gfloat *p, gint *label, gdouble *conf)
{
  gdouble stay = 1.0 - 1.0 / r->window, total = 0.0;
  gint cand;

  for (gint c = 0; c < CLASSES; c++) {
    /* P(class now) from the last posterior, then times the evidence */
    gdouble prior = r->taken == 0 ? 1.0 / CLASSES
                                  : stay * r->avg[c] + (1.0 - stay) / CLASSES;

    r->avg[c] = prior * fmax (p[c], 1e-4);
    total += r->avg[c];
  }
  for (gint c = 0; c < CLASSES; c++)
    r->avg[c] /= total;
  r->taken++;
  cand = argmax (r->avg, CLASSES);
  if (!r->decided
      || (cand != r->decision
          && r->avg[cand] - r->avg[r->decision] > r->hysteresis))
    r->decision = cand;
  r->decided = TRUE;
  *conf = r->avg[r->decision];
  *label = *conf >= r->threshold ? r->decision : -1;
}

static void
ref_vote (Ref *r, gint raw, gint *label, gdouble *conf)
{
  gdouble share[CLASSES + 1] = { 0 }; /* "unknown" last */
  gint cand, cur;

  if (r->n_votes == r->window) {
    memmove (r->votes, r->votes + 1, (r->window - 1) * sizeof (gint));
    r->n_votes--;
  }
  r->votes[r->n_votes++] = raw;
  for (guint i = 0; i < r->n_votes; i++)
    share[r->votes[i] < 0 ? CLASSES : r->votes[i]] += 1.0 / r->n_votes;
  cand = argmax (share, CLASSES + 1);
  cur = r->decision < 0 ? CLASSES : r->decision;
  if (!r->decided || (cand != cur && share[cand] - share[cur] > r->hysteresis))
    r->decision = cand == CLASSES ? -1 : cand;
  r->decided = TRUE;
  *label = r->decision;
  *conf = share[r->decision < 0 ? CLASSES : r->decision];
}

/* A noisy scene: the true class gets most of the probability, most of the
 * time; now and then another class wins a frame. */
static void
noisy_probs (GRand *rng, gint truth, gfloat *p)
{
  gdouble sum = 0.0;

  for (gint c = 0; c < CLASSES; c++) {
    p[c] = (gfloat)g_rand_double_range (rng, 0.0, 0.3);
    if (c == truth)
      p[c] += (gfloat)g_rand_double_range (rng, 0.0, 0.9);
    sum += p[c];
  }
  for (gint c = 0; c < CLASSES; c++)
    p[c] = (gfloat)(p[c] / sum);
}

static void
run_sequence (EcSmoothing kind, guint window, gdouble hysteresis,
              gdouble threshold, guint32 seed)
{
  EcSmoothParams params = { kind, window, hysteresis, threshold, CLASSES };
  EcSmoothState st = { 0 };
  Ref ref = { window, hysteresis, threshold };
  GRand *rng = g_rand_new_with_seed (seed);
  gint truth = 0;

  st.score = g_new0 (gfloat, ec_smooth_scores (&params));
  st.ring = g_new0 (gint32, MAX (ec_smooth_ring (&params), 1));
  ec_smooth_reset (&st);
  for (guint t = 0; t < STEPS; t++) {
    gfloat p[CLASSES];
    gint raw, label;
    gdouble raw_conf, conf;
    EcDecision d;

    if (t % 40 == 0)
      truth = g_rand_int_range (rng, 0, CLASSES);
    noisy_probs (rng, truth, p);
    raw = 0;
    for (gint c = 1; c < CLASSES; c++)
      if (p[c] > p[raw])
        raw = c;
    raw_conf = p[raw];
    if (raw_conf < threshold)
      raw = -1;

    ec_smooth_update (&params, &st, p, raw, raw_conf, &d);
    if (kind == EC_SMOOTH_EMA) {
      ref_ema (&ref, p, &label, &conf);
    } else if (kind == EC_SMOOTH_BAYES) {
      ref_bayes (&ref, p, &label, &conf);
    } else {
      ref_vote (&ref, raw, &label, &conf);
    }
    g_assert_cmpint (d.label_id, ==, label);
    g_assert_cmpfloat_with_epsilon (d.confidence, conf, 1e-5);
  }
  g_free (st.score);
  g_free (st.ring);
  g_rand_free (rng);
}

static void
test_ema_reference (void)
{
  static const guint windows[] = { 1, 2, 5, 8, 20 };
  static const gdouble margins[] = { 0.0, 0.05, 0.2 };

  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    for (guint m = 0; m < G_N_ELEMENTS (margins); m++)
      run_sequence (EC_SMOOTH_EMA, windows[w], margins[m], 0.0, 7 + w * 3 + m);
  run_sequence (EC_SMOOTH_EMA, 6, 0.1, 0.45, 99);
}

static void
test_bayes_reference (void)
{
  static const guint windows[] = { 1, 2, 8, 20, 100 };
  static const gdouble margins[] = { 0.0, 0.1, 0.5 };

  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    for (guint m = 0; m < G_N_ELEMENTS (margins); m++)
      run_sequence (EC_SMOOTH_BAYES, windows[w], margins[m], 0.0,
                    51 + w * 3 + m);
  run_sequence (EC_SMOOTH_BAYES, 8, 0.1, 0.6, 199);
}

/* bayes: a run of confident results for a new class moves the decision
 * within a few results, however long the old class held; a lone
 * confident outlier does not. */
static void
test_bayes_evidence (void)
{
  EcSmoothParams params = { EC_SMOOTH_BAYES, 20, 0.1, 0.0, CLASSES };
  EcSmoothState st = { 0 };
  const gfloat a[CLASSES] = { 0.9f, 0.025f, 0.025f, 0.025f, 0.025f };
  const gfloat b[CLASSES] = { 0.025f, 0.9f, 0.025f, 0.025f, 0.025f };
  EcDecision d;
  guint moved = 0;

  st.score = g_new0 (gfloat, ec_smooth_scores (&params));
  ec_smooth_reset (&st);
  for (guint t = 0; t < 500; t++)
    ec_smooth_update (&params, &st, a, 0, 0.9, &d);
  ec_smooth_update (&params, &st, b, 1, 0.9, &d);
  g_assert_cmpint (d.label_id, ==, 0); /* one outlier */
  ec_smooth_update (&params, &st, a, 0, 0.9, &d);
  g_assert_cmpint (d.label_id, ==, 0);
  for (guint t = 0; t < 10 && d.label_id == 0; t++, moved++)
    ec_smooth_update (&params, &st, b, 1, 0.9, &d);
  g_assert_cmpint (d.label_id, ==, 1);
  g_assert_cmpuint (moved, <=, 3);
  g_free (st.score);
}

static void
test_vote_reference (void)
{
  static const guint windows[] = { 1, 2, 5, 9, 30 };
  static const gdouble margins[] = { 0.0, 0.13, 0.34 }; /* on no share */

  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    for (guint m = 0; m < G_N_ELEMENTS (margins); m++)
      run_sequence (EC_SMOOTH_VOTE, windows[w], margins[m], 0.0,
                    51 + w * 3 + m);
  /* votes of "unknown" too */
  run_sequence (EC_SMOOTH_VOTE, 7, 0.0, 0.5, 123);
}

/* Feeds @p (CLASSES floats) @n times; returns the last decision. */
static EcDecision
feed (const EcSmoothParams *params, EcSmoothState *st, const gfloat *p, guint n)
{
  EcDecision d = { -1, 0.0 };
  gint raw = 0;

  for (gint c = 1; c < CLASSES; c++)
    if (p[c] > p[raw])
      raw = c;
  for (guint i = 0; i < n; i++)
    ec_smooth_update (params, st, p, raw, p[raw], &d);
  return d;
}

/* ema: once the averages settle, a class that beats the decision by less
 * than the margin never takes over; by more, it does. */
static void
test_ema_hysteresis_holds (void)
{
  EcSmoothParams params = { EC_SMOOTH_EMA, 4, 0.2, 0.0, CLASSES };
  EcSmoothState st = { 0 };
  static const gfloat a[CLASSES] = { 0.9f, 0.1f, 0, 0, 0 };
  static const gfloat close[CLASSES] = { 0.35f, 0.5f, 0.15f, 0, 0 };
  static const gfloat far[CLASSES] = { 0.2f, 0.8f, 0, 0, 0 };
  EcDecision d;

  st.score = g_new0 (gfloat, ec_smooth_scores (&params));
  st.ring = g_new0 (gint32, 1);
  ec_smooth_reset (&st);
  d = feed (&params, &st, a, 5);
  g_assert_cmpint (d.label_id, ==, 0);
  /* 0.5 against 0.35: class 1 is better, by 0.15 < 0.2, for ever */
  d = feed (&params, &st, close, 500);
  g_assert_cmpint (d.label_id, ==, 0);
  g_assert_cmpfloat_with_epsilon (d.confidence, 0.35, 1e-4);
  /* 0.8 against 0.2: it takes over, and then holds the other way */
  d = feed (&params, &st, far, 50);
  g_assert_cmpint (d.label_id, ==, 1);
  d = feed (&params, &st, (const gfloat[CLASSES]){ 0.5f, 0.35f, 0.15f, 0, 0 },
            500);
  g_assert_cmpint (d.label_id, ==, 1);

  /* without a margin the better class takes over */
  params.hysteresis = 0.0;
  d = feed (&params, &st, close, 1);
  d = feed (&params, &st, (const gfloat[CLASSES]){ 0.5f, 0.35f, 0.15f, 0, 0 },
            500);
  g_assert_cmpint (d.label_id, ==, 0);
  g_free (st.score);
  g_free (st.ring);
}

/* vote: a label that has more votes than the decision by a share of at
 * most the margin does not take over; the first result decides at once. */
static void
test_vote_hysteresis_holds (void)
{
  EcSmoothParams params = { EC_SMOOTH_VOTE, 10, 0.3, 0.0, CLASSES };
  EcSmoothState st = { 0 };
  EcDecision d;

  st.score = g_new0 (gfloat, ec_smooth_scores (&params));
  st.ring = g_new0 (gint32, ec_smooth_ring (&params));
  ec_smooth_reset (&st);
  ec_smooth_update (&params, &st, NULL, 3, 0.9, &d);
  g_assert_cmpint (d.label_id, ==, 3);
  g_assert_cmpfloat (d.confidence, ==, 1.0);
  for (guint i = 0; i < 3; i++)
    ec_smooth_update (&params, &st, NULL, 3, 0.9, &d);
  /* 6 votes for 2 against 4 for 3: 0.6 - 0.4 = 0.2, not more than 0.3 */
  for (guint i = 0; i < 6; i++)
    ec_smooth_update (&params, &st, NULL, 2, 0.9, &d);
  g_assert_cmpint (d.label_id, ==, 3);
  g_assert_cmpfloat_with_epsilon (d.confidence, 0.4, 1e-6);
  /* the oldest vote for 3 leaves: 0.7 - 0.3 = 0.4 > 0.3 */
  ec_smooth_update (&params, &st, NULL, 2, 0.9, &d);
  g_assert_cmpint (d.label_id, ==, 2);
  g_assert_cmpfloat_with_epsilon (d.confidence, 0.7, 1e-6);
  /* "unknown" (-1) is a label that can win */
  for (guint i = 0; i < 10; i++)
    ec_smooth_update (&params, &st, NULL, -1, 0.1, &d);
  g_assert_cmpint (d.label_id, ==, -1);
  g_free (st.score);
  g_free (st.ring);
}

/* A reset forgets: the next result decides at once. */
static void
test_reset (void)
{
  EcSmoothParams params = { EC_SMOOTH_EMA, 30, 0.5, 0.0, CLASSES };
  EcSmoothState st = { 0 };
  static const gfloat a[CLASSES] = { 1, 0, 0, 0, 0 };
  static const gfloat b[CLASSES] = { 0, 0, 0, 1, 0 };
  EcDecision d;

  st.score = g_new0 (gfloat, ec_smooth_scores (&params));
  st.ring = g_new0 (gint32, 1);
  ec_smooth_reset (&st);
  feed (&params, &st, a, 100);
  d = feed (&params, &st, b, 1);
  g_assert_cmpint (d.label_id, ==, 0);
  ec_smooth_reset (&st);
  d = feed (&params, &st, b, 1);
  g_assert_cmpint (d.label_id, ==, 3);
  g_assert_cmpfloat (d.confidence, ==, 1.0);
  g_free (st.score);
  g_free (st.ring);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/smooth/ema-reference", test_ema_reference);
  g_test_add_func ("/smooth/vote-reference", test_vote_reference);
  g_test_add_func ("/smooth/bayes-reference", test_bayes_reference);
  g_test_add_func ("/smooth/bayes-evidence", test_bayes_evidence);
  g_test_add_func ("/smooth/ema-hysteresis", test_ema_hysteresis_holds);
  g_test_add_func ("/smooth/vote-hysteresis", test_vote_hysteresis_holds);
  g_test_add_func ("/smooth/reset", test_reset);
  return g_test_run ();
}
