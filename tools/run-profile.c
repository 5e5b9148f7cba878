/* edgenn-run --profile: see run-profile.h. */
#include "run-profile.h"

#include "json-out.h"

#include <stdlib.h>
#include <string.h>

struct run_profile_op {
  const char *op;
  size_t nodes;
  double us, flops;
};

static int
cmp_run_profile_op (const void *pa, const void *pb)
{
  const run_profile_op *a = pa, *b = pb;

  if (a->us != b->us)
    return a->us < b->us ? 1 : -1;
  return strcmp (a->op, b->op);
}

/* GFLOP/s of flops done in us microseconds; 0 when either is 0. */
static double
gflops_at (double flops, double us)
{
  return flops > 0 && us > 0 ? flops / us / 1e3 : 0.0;
}

/* The per-operator rows of a profile, largest time first, into rows (room
 * for n_steps); returns how many. */
static size_t
profile_ops (nn_session *session, const run_profile *prof, run_profile_op *rows)
{
  size_t n = 0;

  for (size_t t = 0; t < prof->n_steps; t++) {
    nn_step_info info;
    size_t k;
    nn_session_step_info (session, t, &info, NULL);
    for (k = 0; k < n && strcmp (rows[k].op, info.op) != 0; k++)
      ;
    if (k == n)
      rows[n++] = (run_profile_op){ info.op, 0, 0.0, 0.0 };
    rows[k].nodes++;
    rows[k].us += prof->sum_us[t] / (double)prof->runs;
    rows[k].flops += info.flops;
  }
  qsort (rows, n, sizeof *rows, cmp_run_profile_op);
  return n;
}

static void
print_profile (FILE *f, nn_session *session, const run_profile *prof,
               const run_profile_op *rows, size_t n_rows)
{
  double total = prof->total_us / (double)prof->runs, steps = 0;

  for (size_t t = 0; t < prof->n_steps; t++)
    steps += prof->sum_us[t] / (double)prof->runs;
  fprintf (f,
           "\nprofile over %ld runs: %.1f us a run, its %zu steps %.1f us "
           "(%.1f%%)\n",
           prof->runs, total, prof->n_steps, steps,
           total > 0 ? 100.0 * steps / total : 0.0);
  fprintf (f, "\n%-22s %6s %12s %7s %9s\n", "operator", "nodes", "us", "share",
           "GFLOP/s");
  for (size_t k = 0; k < n_rows; k++)
    fprintf (f, "%-22s %6zu %12.1f %6.1f%% %9.2f\n", rows[k].op, rows[k].nodes,
             rows[k].us, total > 0 ? 100.0 * rows[k].us / total : 0.0,
             gflops_at (rows[k].flops, rows[k].us));
  fprintf (f, "\n%5s %-24s %10s %7s %9s  %s\n", "step", "operator", "us",
           "share", "GFLOP/s", "node");
  for (size_t t = 0; t < prof->n_steps; t++) {
    nn_step_info info;
    char op[64];
    double us = prof->sum_us[t] / (double)prof->runs;
    nn_session_step_info (session, t, &info, NULL);
    snprintf (op, sizeof op, "%s%s%s", info.op, info.fused[0] ? "+" : "",
              info.fused);
    fprintf (f, "%5zu %-24s %10.1f %6.1f%% %9.2f  %s\n", t, op, us,
             total > 0 ? 100.0 * us / total : 0.0, gflops_at (info.flops, us),
             info.name);
  }
}

static void
json_profile (FILE *f, nn_session *session, const run_profile *prof,
              const run_profile_op *rows, size_t n_rows)
{
  double total = prof->total_us / (double)prof->runs, steps = 0;

  for (size_t t = 0; t < prof->n_steps; t++)
    steps += prof->sum_us[t] / (double)prof->runs;
  fprintf (f,
           ", \"profile\": {\"runs\": %ld, \"total_us\": %.3f"
           ", \"steps_us\": %.3f, \"ops\": [",
           prof->runs, total, steps);
  for (size_t k = 0; k < n_rows; k++) {
    fprintf (f, "%s{\"op\": ", k ? ", " : "");
    json_out_string (f, rows[k].op);
    fprintf (f,
             ", \"nodes\": %zu, \"us\": %.9g, \"share\": %.6f"
             ", \"flops\": %.9g, \"gflops_per_s\": %.6g}",
             rows[k].nodes, rows[k].us, total > 0 ? rows[k].us / total : 0.0,
             rows[k].flops, gflops_at (rows[k].flops, rows[k].us));
  }
  fprintf (f, "], \"nodes\": [");
  for (size_t t = 0; t < prof->n_steps; t++) {
    nn_step_info info;
    double us = prof->sum_us[t] / (double)prof->runs;
    nn_session_step_info (session, t, &info, NULL);
    fprintf (f, "%s{\"name\": ", t ? ", " : "");
    json_out_string (f, info.name);
    fprintf (f, ", \"op\": ");
    json_out_string (f, info.op);
    fprintf (f, ", \"fused\": ");
    json_out_string (f, info.fused);
    fprintf (f,
             ", \"us\": %.9g, \"share\": %.6f, \"flops\": %.9g"
             ", \"gflops_per_s\": %.6g}",
             us, total > 0 ? us / total : 0.0, info.flops,
             gflops_at (info.flops, us));
  }
  fprintf (f, "]}");
}

int
run_profile_init (run_profile *p, size_t n_steps)
{
  *p = (run_profile){ .n_steps = n_steps };
  p->step_us = calloc (n_steps + 1, sizeof *p->step_us);
  p->sum_us = calloc (n_steps + 1, sizeof *p->sum_us);
  p->ops = calloc (n_steps + 1, sizeof *p->ops);
  if (!p->step_us || !p->sum_us || !p->ops) {
    run_profile_clear (p);
    return -1;
  }
  return 0;
}

void
run_profile_clear (run_profile *p)
{
  free (p->step_us);
  free (p->sum_us);
  free (p->ops);
  *p = (run_profile){ 0 };
}

void
run_profile_add (run_profile *p, double run_us)
{
  for (size_t t = 0; t < p->n_steps; t++)
    p->sum_us[t] += p->step_us[t];
  p->runs++;
  p->total_us += run_us;
}

void
run_profile_print (FILE *f, nn_session *session, run_profile *p)
{
  size_t n = profile_ops (session, p, p->ops);
  print_profile (f, session, p, p->ops, n);
}

void
run_profile_json (FILE *f, nn_session *session, run_profile *p)
{
  size_t n = profile_ops (session, p, p->ops);
  json_profile (f, session, p, p->ops, n);
}
