/* edgeclassify: temporal smoothing of one object's decisions
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGECLASSIFY_SMOOTH_H__
#define __EDGECLASSIFY_SMOOTH_H__

#include <glib.h>

G_BEGIN_DECLS

/* Turns the results of one object (or of the whole frame), one fresh
 * result at a time, into a decision that holds still.
 *
 *   none  the decision is the result itself.
 *   ema   an exponential moving average of each class's probability with
 *         alpha = 2 / (window + 1) (the first result is taken as it is);
 *         the candidate is the class of the highest average (lowest id on
 *         ties). The decision's confidence is its average; below the
 *         threshold its label is "unknown" (-1).
 *   vote  the top-1 labels of the last @window results (after the
 *         threshold, so "unknown" votes too); the candidate is the label
 *         with the most votes (lowest id on ties, "unknown" last). The
 *         decision's confidence is its share of the votes.
 *   bayes a Bayes filter over the classes: the scene stays as it was with
 *         probability 1 - 1/window from one result to the next, else
 *         becomes any class alike; each result's probabilities (floored
 *         at 1e-4, so no class is ever ruled out for good) are its
 *         evidence. The candidate is the class of highest posterior, the
 *         decision's confidence its posterior. Evidence adds up: a run of
 *         confident results moves the decision at once, scattered ones
 *         do not.
 *
 * Hysteresis (ema, vote, bayes): the decision moves to a new candidate
 * only when the candidate's score (average, share or posterior) is higher
 * than the current decision's by more than @hysteresis. The first result
 * decides at once.
 *
 * Plain C on caller-owned memory: no allocation, no lock. */

typedef enum {
  EC_SMOOTH_NONE = 0,
  EC_SMOOTH_EMA = 1,
  EC_SMOOTH_VOTE = 2,
  EC_SMOOTH_BAYES = 3,
} EcSmoothing;

typedef struct {
  EcSmoothing kind;
  guint window;       /* >= 1: ema's span, vote's length, in results */
  gdouble hysteresis; /* 0..1 */
  gdouble threshold;  /* ema: minimum smoothed confidence for a label */
  guint n_classes;    /* >= 1 */
} EcSmoothParams;

/* One object's memory. The arrays are the caller's: @score has
 * ec_smooth_scores() floats, @ring ec_smooth_ring() entries. */
typedef struct {
  gfloat *score; /* ema: averages; vote: vote counts (index n_classes is
                  * "unknown"); bayes: the posterior */
  gint32 *ring;  /* vote: the last labels, oldest at @pos when full */
  guint fill;    /* results taken (vote: at most window) */
  guint pos;
  gint decision;    /* ema: class id; vote: label id (-1: unknown) */
  gboolean decided; /* FALSE until the first result */
} EcSmoothState;

/* What the smoothing says after a result. */
typedef struct {
  gint label_id; /* -1: unknown */
  gdouble confidence;
} EcDecision;

guint ec_smooth_scores (const EcSmoothParams *p);
guint ec_smooth_ring (const EcSmoothParams *p);

/* Forgets everything (keeps the arrays). */
void ec_smooth_reset (EcSmoothState *s);

/* Whether a kind needs every class's probability (not only the top-k). */
static inline gboolean
ec_smooth_wants_probs (EcSmoothing kind)
{
  return kind == EC_SMOOTH_EMA || kind == EC_SMOOTH_BAYES;
}

/* Takes one fresh result: @probs (n_classes probabilities; ema and bayes,
 * non-finite values count as 0), @raw_label (-1 under the threshold) and
 * @raw_confidence; writes the decision to @out. */
void ec_smooth_update (const EcSmoothParams *p, EcSmoothState *s,
                       const gfloat *probs, gint raw_label,
                       gdouble raw_confidence, EcDecision *out);

G_END_DECLS
#endif /* __EDGECLASSIFY_SMOOTH_H__ */
