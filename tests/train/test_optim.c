/* Optimizers and learning-rate schedules (nn/train/optim.c) against the
 * textbook formulas, computed here in double: several steps of SGD (plain,
 * momentum, Nesterov, L2 decay), Adam and AdamW (decoupled decay), with
 * global-norm clipping on and off, and every schedule with and without
 * warm-up. Each step reads the net's parameters and the gradient of the
 * batch (nn_net_loss_grad), applies the formula with the test's own
 * optimizer state, and compares with what nn_net_train_step made. Weight
 * decay must touch weights only, never biases. Every hyper-parameter rule
 * of nn_net_set_optimizer gets a value that breaks it. */
#include "check.h"
#include "net.h"

#include <math.h>
#include <stdlib.h>

enum { N = 4, C = 1, H = 2, W = 3, STEPS = 4 };

static float x[N * C * H * W];
static int32_t labels[N];

static nn_net *
make_net (void)
{
  nn_net_options opts = { 1, N, 21 };
  nn_net *net = NULL;
  nn_error err;
  if (nn_net_create ("dense5,dense3", C, H, W, &opts, &net, &err) != NN_OK) {
    CHECK (0, "create: %s", err.message);
    return NULL;
  }
  return net;
}

/* 1 for the entries of a weight tensor, 0 for biases (and padding). */
static void
weight_mask (const nn_net *net, char *is_w)
{
  memset (is_w, 0, net->n_params);
  for (int i = 0; i < net->n_layers; i++)
    memset (is_w + net->layers[i].w_off, 1, net->layers[i].n_w);
}

/* The schedule's rate at `step`, straight from the definitions. */
static double
lr_formula (const nn_optim_config *c, long step)
{
  if (step < c->warmup_steps)
    return c->lr * (double)(step + 1) / (double)c->warmup_steps;
  const long s = step - c->warmup_steps;
  switch (c->schedule) {
  case NN_SCHED_STEP:
    return c->lr * pow (c->gamma, (double)(s / c->step_size));
  case NN_SCHED_COSINE: {
    double t = (double)s / (double)(c->total_steps - c->warmup_steps);
    t = t > 1.0 ? 1.0 : t;
    return c->min_lr + (c->lr - c->min_lr) * 0.5 * (1.0 + cos (M_PI * t));
  }
  default:
    return c->lr;
  }
}

static int
close_to (double got, double want, double tol)
{
  return fabs (got - want) <= tol * fmax (1.0, fabs (want));
}

/* STEPS steps of `cfg` on the net against the formulas. */
static void
run_case (const char *what, const nn_optim_config *cfg)
{
  nn_net *net = make_net ();
  nn_error err;
  if (!net)
    return;
  nn_status st = nn_net_set_optimizer (net, cfg, &err);
  CHECK (st == NN_OK, "%s: refused: %s", what, err.message);
  if (st != NN_OK) {
    nn_net_free (net);
    return;
  }
  const size_t np = nn_net_n_params (net);
  float *p = malloc (np * sizeof *p), *g = malloc (np * sizeof *g);
  float *got = malloc (np * sizeof *got);
  double *m = calloc (np, sizeof *m), *v = calloc (np, sizeof *v);
  double *want = malloc (np * sizeof *want);
  char *is_w = malloc (np);
  const double b1 = cfg->beta1 ? cfg->beta1 : 0.9;
  const double b2 = cfg->beta2 ? cfg->beta2 : 0.999;
  const double eps = cfg->eps ? cfg->eps : 1e-8;
  const double wd = cfg->weight_decay, mom = cfg->momentum;
  double worst = 0.0;
  int decayed_bias = 0;

  weight_mask (net, is_w);
  for (long t = 0; t < STEPS; t++) {
    double loss;
    nn_net_get_params (net, p);
    st = nn_net_loss_grad (net, x, labels, N, &loss, &err);
    CHECK (st == NN_OK, "%s: loss_grad: %s", what, err.message);
    memcpy (g, nn_net_grads (net), np * sizeof *g);

    double norm = 0.0;
    for (size_t i = 0; i < np; i++)
      norm += (double)g[i] * g[i];
    norm = sqrt (norm);
    const double scale = cfg->clip_norm > 0 && norm > cfg->clip_norm
                             ? cfg->clip_norm / norm
                             : 1.0;
    const double lr = lr_formula (cfg, t);
    for (size_t i = 0; i < np; i++) {
      const double gi = g[i] * scale, pi = p[i], d = is_w[i] ? wd : 0.0;
      if (cfg->optimizer == NN_OPT_SGD) {
        const double gd = gi + d * pi;
        m[i] = mom * m[i] + gd;
        want[i] = pi - lr * (cfg->nesterov ? gd + mom * m[i] : m[i]);
      } else {
        m[i] = b1 * m[i] + (1.0 - b1) * gi;
        v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
        const double mh = m[i] / (1.0 - pow (b1, (double)(t + 1)));
        const double vh = v[i] / (1.0 - pow (b2, (double)(t + 1)));
        want[i] = pi - lr * (mh / (sqrt (vh) + eps) + d * pi);
      }
    }

    nn_step_stats stats;
    st = nn_net_train_step (net, x, labels, N, &stats, &err);
    CHECK (st == NN_OK, "%s: step %ld: %s", what, t, err.message);
    CHECK (nn_net_step (net) == t + 1, "%s: step counter %ld after %ld", what,
           nn_net_step (net), t + 1);
    CHECK (close_to (stats.lr, lr, 1e-6), "%s: step %ld used lr %g, not %g",
           what, t, stats.lr, lr);
    CHECK (close_to (stats.loss_sum, loss * N, 1e-6),
           "%s: step %ld loss sum %g, loss_grad says mean %g", what, t,
           stats.loss_sum, loss);
    CHECK (stats.correct >= 0 && stats.correct <= N, "%s: %d correct", what,
           stats.correct);
    nn_net_get_params (net, got);
    for (size_t i = 0; i < np; i++) {
      const double e = fabs (got[i] - want[i]) / fmax (1e-3, fabs (want[i]));
      worst = fmax (worst, e);
      /* A bias with no gradient would move only by decay. */
      if (!is_w[i] && g[i] == 0.0f && got[i] != p[i])
        decayed_bias = 1;
    }
    /* Clipping rescales the gradient block in place. */
    if (scale < 1.0) {
      double n2 = 0.0;
      for (size_t i = 0; i < np; i++)
        n2 += (double)nn_net_grads (net)[i] * nn_net_grads (net)[i];
      CHECK (close_to (sqrt (n2), cfg->clip_norm, 1e-5),
             "%s: clipped norm %g, wanted %g", what, sqrt (n2), cfg->clip_norm);
    }
  }
  CHECK (worst < 2e-5, "%s: parameters off the formula by %.2e (relative)",
         what, worst);
  CHECK (!decayed_bias, "%s: a bias moved without a gradient", what);
  printf ("%-40s worst rel err %.2e\n", what, worst);
  free (p);
  free (g);
  free (got);
  free (m);
  free (v);
  free (want);
  free (is_w);
  nn_net_free (net);
}

static void
updates (void)
{
  nn_optim_config c;

  nn_optim_config_init (&c);
  CHECK (c.optimizer == NN_OPT_ADAM && c.lr == 1e-3f
             && c.schedule == NN_SCHED_CONSTANT && c.weight_decay == 0.0f
             && c.clip_norm == 0.0f && c.warmup_steps == 0,
         "defaults: optimizer %d lr %g schedule %d", (int)c.optimizer, c.lr,
         (int)c.schedule);
  c.lr = 0.05f;
  run_case ("adam", &c);
  c.beta1 = 0.8f;
  c.beta2 = 0.99f;
  c.eps = 1e-3f;
  run_case ("adam, own betas and eps", &c);
  /* 0 selects the defaults 0.9, 0.999, 1e-8 */
  c.beta1 = c.beta2 = c.eps = 0.0f;
  c.weight_decay = 0.1f;
  run_case ("adamw, default betas", &c);

  nn_optim_config_init (&c);
  c.optimizer = NN_OPT_SGD;
  c.lr = 0.2f;
  c.momentum = 0.0f;
  run_case ("sgd", &c);
  c.momentum = 0.9f;
  run_case ("sgd, momentum", &c);
  c.nesterov = 1;
  run_case ("sgd, nesterov", &c);
  c.weight_decay = 0.05f;
  run_case ("sgd, nesterov, weight decay", &c);
  c.nesterov = 0;
  c.clip_norm = 0.01f; /* well below the gradient's norm */
  run_case ("sgd, momentum, decay, clipped", &c);
  c.clip_norm = 1e5f; /* never reached */
  run_case ("sgd, clip norm not reached", &c);

  /* The rate each step uses follows the schedule. */
  nn_optim_config_init (&c);
  c.optimizer = NN_OPT_SGD;
  c.momentum = 0.5f;
  c.lr = 0.3f;
  c.schedule = NN_SCHED_STEP;
  c.step_size = 2;
  c.gamma = 0.5f;
  c.warmup_steps = 1;
  run_case ("sgd, warm-up then step schedule", &c);
  c.schedule = NN_SCHED_COSINE;
  c.total_steps = 3;
  c.min_lr = 0.01f;
  run_case ("sgd, warm-up then cosine past its end", &c);
}

static void
schedules (void)
{
  nn_net *net = make_net ();
  nn_optim_config c;
  nn_error err;
  if (!net)
    return;
  const struct {
    const char *what;
    nn_schedule s;
    long warmup, total, step_size;
    float gamma, min_lr;
  } cases[] = {
    { "constant", NN_SCHED_CONSTANT, 0, 0, 0, 0.1f, 0 },
    { "constant, warm-up", NN_SCHED_CONSTANT, 5, 0, 0, 0.1f, 0 },
    { "step", NN_SCHED_STEP, 0, 0, 3, 0.5f, 0 },
    { "step, gamma 1", NN_SCHED_STEP, 0, 0, 1, 1.0f, 0 },
    { "step, warm-up", NN_SCHED_STEP, 4, 0, 3, 0.1f, 0 },
    { "cosine", NN_SCHED_COSINE, 0, 20, 0, 0.1f, 0 },
    { "cosine, floor, warm-up", NN_SCHED_COSINE, 6, 20, 0, 0.1f, 1e-3f },
    { "cosine, floor at lr", NN_SCHED_COSINE, 0, 10, 0, 0.1f, 0.02f },
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    nn_optim_config_init (&c);
    c.lr = 0.02f;
    c.schedule = cases[k].s;
    c.warmup_steps = cases[k].warmup;
    c.total_steps = cases[k].total;
    c.step_size = cases[k].step_size;
    c.gamma = cases[k].gamma;
    c.min_lr = cases[k].min_lr;
    nn_status st = nn_net_set_optimizer (net, &c, &err);
    CHECK (st == NN_OK, "%s: %s", cases[k].what, err.message);
    long bad = -1;
    for (long s = 0; s < 30 && bad < 0; s++)
      if (!close_to (nn_net_lr_at (net, s), lr_formula (&c, s), 1e-6))
        bad = s;
    CHECK (bad < 0, "%s: lr at step %ld is %g, wanted %g", cases[k].what, bad,
           nn_net_lr_at (net, bad), lr_formula (&c, bad));
  }
  /* Landmarks, independently of lr_formula: warm-up reaches lr on its
   * last step, cosine ends at min_lr, step halves at each step_size. */
  nn_optim_config_init (&c);
  c.lr = 0.08f;
  c.schedule = NN_SCHED_COSINE;
  c.warmup_steps = 4;
  c.total_steps = 14;
  c.min_lr = 0.002f;
  nn_net_set_optimizer (net, &c, &err);
  CHECK (nn_net_lr_at (net, 0) == 0.02f, "warm-up starts at %g",
         nn_net_lr_at (net, 0));
  CHECK (nn_net_lr_at (net, 3) == 0.08f, "warm-up ends at %g",
         nn_net_lr_at (net, 3));
  CHECK (nn_net_lr_at (net, 4) == 0.08f, "cosine starts at %g",
         nn_net_lr_at (net, 4));
  CHECK (close_to (nn_net_lr_at (net, 9), 0.041, 1e-6), "cosine midway %g",
         nn_net_lr_at (net, 9));
  CHECK (nn_net_lr_at (net, 14) == 0.002f && nn_net_lr_at (net, 1000) == 0.002f,
         "cosine ends at %g, then %g", nn_net_lr_at (net, 14),
         nn_net_lr_at (net, 1000));
  c.schedule = NN_SCHED_STEP;
  c.warmup_steps = 0;
  c.step_size = 10;
  c.gamma = 0.5f;
  nn_net_set_optimizer (net, &c, &err);
  CHECK (nn_net_lr_at (net, 9) == 0.08f && nn_net_lr_at (net, 10) == 0.04f
             && nn_net_lr_at (net, 25) == 0.02f,
         "step: %g %g %g", nn_net_lr_at (net, 9), nn_net_lr_at (net, 10),
         nn_net_lr_at (net, 25));
  nn_net_free (net);
}

/* A fresh optimizer: the step counter and the moments start again. */
static void
reset (void)
{
  nn_net *a = make_net (), *b = make_net ();
  nn_optim_config c;
  nn_error err;
  if (!a || !b)
    goto out;
  nn_optim_config_init (&c);
  c.lr = 0.01f;
  nn_net_set_optimizer (a, &c, &err);
  nn_net_set_optimizer (b, &c, &err);
  for (int i = 0; i < 3; i++)
    nn_net_train_step (a, x, labels, N, NULL, &err);
  /* b continues from a's weights with a fresh Adam; so does a. */
  const size_t np = nn_net_n_params (a);
  float *pa = malloc (np * sizeof *pa), *pb = malloc (np * sizeof *pb);
  nn_net_get_params (a, pa);
  nn_net_set_params (b, pa);
  CHECK (nn_net_set_optimizer (a, &c, &err) == NN_OK, "%s", err.message);
  CHECK (nn_net_step (a) == 0, "step %ld after set_optimizer", nn_net_step (a));
  nn_net_train_step (a, x, labels, N, NULL, &err);
  nn_net_train_step (b, x, labels, N, NULL, &err);
  nn_net_get_params (a, pa);
  nn_net_get_params (b, pb);
  CHECK (memcmp (pa, pb, np * sizeof *pa) == 0,
         "a reset optimizer still remembers its moments");
  free (pa);
  free (pb);
out:
  nn_net_free (a);
  nn_net_free (b);
}

static void
refused (nn_net *net, const nn_optim_config *c, const char *needle)
{
  nn_error err = { 0 };
  nn_status st = nn_net_set_optimizer (net, c, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, needle);
}

static void
rules (void)
{
  nn_net *net = make_net ();
  nn_optim_config good, c;
  nn_error err;
  if (!net)
    return;
  nn_optim_config_init (&good);
  good.optimizer = NN_OPT_SGD;
  good.lr = 0.125f;
  nn_net_set_optimizer (net, &good, &err);
  nn_net_train_step (net, x, labels, N, NULL, &err);

#define REFUSE(field, value, needle)                                           \
  do {                                                                         \
    c = good;                                                                  \
    c.field = value;                                                           \
    refused (net, &c, needle);                                                 \
  } while (0)

  REFUSE (optimizer, (nn_optimizer)7, "unknown optimizer 7");
  REFUSE (optimizer, (nn_optimizer)-1, "unknown optimizer -1");
  REFUSE (lr, 0.0f, "learning rate 0: need 0 < lr < 10");
  REFUSE (lr, -0.1f, "learning rate -0.1");
  REFUSE (lr, 10.0f, "learning rate 10");
  REFUSE (lr, NAN, "learning rate nan");
  REFUSE (momentum, -0.5f, "momentum -0.5: need 0 <= m < 1");
  REFUSE (momentum, 1.0f, "momentum 1");
  REFUSE (momentum, NAN, "momentum nan");
  /* The Adam parameters are checked whichever optimizer is chosen. */
  REFUSE (beta1, -0.5f, "Adam betas must be in (0, 1) and eps > 0");
  REFUSE (beta1, 1.0f, "Adam betas");
  REFUSE (beta2, -0.5f, "Adam betas");
  REFUSE (beta2, 1.5f, "Adam betas");
  REFUSE (eps, -1e-8f, "eps > 0");
  REFUSE (clip_norm, -1.0f, "clip norm -1: need 0 <= c < 1e6");
  REFUSE (clip_norm, 1e6f, "clip norm 1e+06");
  REFUSE (weight_decay, -0.01f, "weight decay -0.01: need 0 <= wd < 1");
  REFUSE (weight_decay, 1.0f, "weight decay 1");
  REFUSE (warmup_steps, -1, "negative step counts");
  REFUSE (total_steps, -1, "negative step counts");
  REFUSE (step_size, -1, "negative step counts");
  REFUSE (schedule, (nn_schedule)9, "unknown schedule 9");

  c = good;
  c.schedule = NN_SCHED_STEP;
  c.step_size = 0;
  refused (net, &c, "step schedule needs step_size > 0 and 0 < gamma <= 1");
  c.step_size = 5;
  c.gamma = 0.0f;
  refused (net, &c, "step schedule needs");
  c.gamma = 1.5f;
  refused (net, &c, "step schedule needs");

  c = good;
  c.schedule = NN_SCHED_COSINE;
  c.total_steps = 10;
  c.warmup_steps = 10;
  refused (net, &c,
           "cosine schedule needs total_steps (10) > warmup_steps (10)");
  c.total_steps = 0;
  c.warmup_steps = 0;
  refused (net, &c, "total_steps (0) > warmup_steps (0)");
  c.total_steps = 10;
  c.min_lr = -0.5f;
  refused (net, &c, "min_lr -0.5: need 0 <= min_lr <= lr");
  c.min_lr = 0.25f;
  refused (net, &c, "min_lr 0.25");
  c.min_lr = 0.125f; /* == lr: a flat cosine, allowed */
  CHECK (nn_net_set_optimizer (net, &c, &err) == NN_OK, "%s", err.message);
  CHECK (nn_net_lr_at (net, 5) == 0.125f, "flat cosine %g",
         nn_net_lr_at (net, 5));

  /* A refused config changes nothing: the net keeps its rate and step. */
  nn_net_set_optimizer (net, &good, &err);
  nn_net_train_step (net, x, labels, N, NULL, &err);
  c = good;
  c.lr = 20.0f;
  refused (net, &c, "learning rate 20");
  CHECK (nn_net_step (net) == 1 && nn_net_lr_at (net, 0) == 0.125f,
         "refused config changed step (%ld) or rate (%g)", nn_net_step (net),
         nn_net_lr_at (net, 0));
  /* err may be NULL */
  CHECK (nn_net_set_optimizer (net, &c, NULL) == NN_INVALID_ARG,
         "refused without err");
  nn_net_free (net);
#undef REFUSE
}

int
main (void)
{
  nn_rng rng;
  nn_rng_seed (&rng, 3);
  for (size_t i = 0; i < sizeof x / sizeof *x; i++)
    x[i] = 2.0f * nn_rng_float (&rng) - 1.0f;
  for (int i = 0; i < N; i++)
    labels[i] = i % 3;
  updates ();
  schedules ();
  reset ();
  rules ();
  return check_report ("train-optim");
}
