/* edgeclassify: temporal smoothing of one object's decisions
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "edgeclassify-smooth.h"

#include <math.h>

guint
ec_smooth_scores (const EcSmoothParams *p)
{
  return p->n_classes + 1;
}

guint
ec_smooth_ring (const EcSmoothParams *p)
{
  return p->kind == EC_SMOOTH_VOTE ? MAX (p->window, 1) : 0;
}

void
ec_smooth_reset (EcSmoothState *s)
{
  s->fill = 0;
  s->pos = 0;
  s->decision = -1;
  s->decided = FALSE;
}

/* The candidate: the highest of @score[0..n) (lowest index on ties). */
static guint
best_of (const gfloat *score, guint n)
{
  guint best = 0;

  for (guint c = 1; c < n; c++)
    if (score[c] > score[best])
      best = c;
  return best;
}

/* The decision moves to @candidate only when its score beats the current
 * one's by more than the margin; scores are @score times @scale. */
static void
hold_or_move (const EcSmoothParams *p, EcSmoothState *s, const gfloat *score,
              gdouble scale, guint current, guint candidate, gint candidate_id)
{
  if (!s->decided) {
    s->decision = candidate_id;
    s->decided = TRUE;
  } else if (candidate != current
             && score[candidate] * scale
                    > score[current] * scale + p->hysteresis) {
    s->decision = candidate_id;
  }
}

static void
update_ema (const EcSmoothParams *p, EcSmoothState *s, const gfloat *probs,
            EcDecision *out)
{
  const gdouble alpha = 2.0 / ((gdouble)MAX (p->window, 1) + 1.0);
  guint n = p->n_classes, best;

  for (guint c = 0; c < n; c++) {
    gdouble v = isfinite (probs[c]) ? probs[c] : 0.0;

    if (s->fill == 0)
      s->score[c] = (gfloat)v;
    else
      s->score[c] = (gfloat)(s->score[c] + alpha * (v - s->score[c]));
  }
  s->fill = MIN (s->fill + 1, G_MAXUINT - 1);
  best = best_of (s->score, n);
  hold_or_move (p, s, s->score, 1.0, s->decided ? (guint)s->decision : best,
                best, (gint)best);
  out->confidence = s->score[s->decision];
  out->label_id = out->confidence >= p->threshold ? s->decision : -1;
}

#define BAYES_FLOOR 1e-4 /* the least evidence any class gets */

static void
update_bayes (const EcSmoothParams *p, EcSmoothState *s, const gfloat *probs,
              EcDecision *out)
{
  const guint n = p->n_classes;
  const gdouble stay = 1.0 - 1.0 / (gdouble)MAX (p->window, 1);
  gdouble sum = 0.0;
  guint best;

  for (guint c = 0; c < n; c++) {
    gdouble v = isfinite (probs[c]) ? MAX (probs[c], BAYES_FLOOR) : BAYES_FLOOR;
    gdouble prior
        = s->fill == 0 ? 1.0 / n : stay * s->score[c] + (1.0 - stay) / n;

    s->score[c] = (gfloat)(prior * v);
    sum += s->score[c];
  }
  for (guint c = 0; c < n; c++)
    s->score[c] = (gfloat)(s->score[c] / sum);
  s->fill = MIN (s->fill + 1, G_MAXUINT - 1);
  best = best_of (s->score, n);
  hold_or_move (p, s, s->score, 1.0, s->decided ? (guint)s->decision : best,
                best, (gint)best);
  out->confidence = s->score[s->decision];
  out->label_id = out->confidence >= p->threshold ? s->decision : -1;
}

/* vote: index of a label id among the counts ("unknown" last) */
static guint
vote_slot (const EcSmoothParams *p, gint label)
{
  return label < 0 || (guint)label >= p->n_classes ? p->n_classes
                                                   : (guint)label;
}

static void
update_vote (const EcSmoothParams *p, EcSmoothState *s, gint raw_label,
             EcDecision *out)
{
  guint window = MAX (p->window, 1), n = p->n_classes + 1, slot, best;

  if (s->fill == 0)
    for (guint c = 0; c < n; c++)
      s->score[c] = 0.0f;
  slot = vote_slot (p, raw_label);
  if (s->fill == window) {
    /* the oldest vote leaves the window */
    s->score[vote_slot (p, s->ring[s->pos])] -= 1.0f;
  } else {
    s->fill++;
  }
  s->ring[s->pos] = slot == p->n_classes ? -1 : raw_label;
  s->pos = (s->pos + 1) % window;
  s->score[slot] += 1.0f;

  best = best_of (s->score, n);
  /* shares of the votes, not counts, are compared with the margin */
  hold_or_move (p, s, s->score, 1.0 / s->fill,
                s->decided ? vote_slot (p, s->decision) : best, best,
                best == p->n_classes ? -1 : (gint)best);
  out->label_id = s->decision;
  out->confidence = (gdouble)s->score[vote_slot (p, s->decision)] / s->fill;
}

void
ec_smooth_update (const EcSmoothParams *p, EcSmoothState *s,
                  const gfloat *probs, gint raw_label, gdouble raw_confidence,
                  EcDecision *out)
{
  switch (p->kind) {
  case EC_SMOOTH_EMA:
    update_ema (p, s, probs, out);
    break;
  case EC_SMOOTH_VOTE:
    update_vote (p, s, raw_label, out);
    break;
  case EC_SMOOTH_BAYES:
    update_bayes (p, s, probs, out);
    break;
  default:
    s->decision = raw_label;
    s->decided = TRUE;
    out->label_id = raw_label;
    out->confidence = raw_confidence;
    break;
  }
}
