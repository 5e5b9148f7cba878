/* edgenn-run --profile: the time of each step of a session summed over the
 * timed runs, reported per operator and per node, as a table or as JSON. */
#ifndef TOOLS_RUN_PROFILE_H
#define TOOLS_RUN_PROFILE_H

#include "nn/nn.h"

#include <stdio.h>

typedef struct run_profile_op run_profile_op;

typedef struct run_profile {
  size_t n_steps;
  double *step_us; /* one run's, written by nn_session_run_profiled */
  double *sum_us;  /* over the timed runs */
  long runs;
  double total_us;     /* the runs as timed around the call */
  run_profile_op *ops; /* per operator type; room for n_steps */
} run_profile;

/* Room for a session of @n_steps steps; 0, or -1 when out of memory. */
int run_profile_init (run_profile *p, size_t n_steps);
void run_profile_clear (run_profile *p);

/* Adds the step times of one profiled run (p->step_us) that took @run_us
 * as timed around the call. */
void run_profile_add (run_profile *p, double run_us);

/* The report over the runs added so far (at least one): per operator type,
 * largest time first, then per step in plan order. */
void run_profile_print (FILE *f, nn_session *session, run_profile *p);
/* The same as a JSON member: `, "profile": {...}`. */
void run_profile_json (FILE *f, nn_session *session, run_profile *p);

#endif
