/* Optimizers (Adam/AdamW, SGD with momentum) and learning-rate schedules.
 * Weight decay touches weights only: decaying biases buys nothing and
 * hurts small nets. */
#include "net.h"
#include "error.h"

#include <math.h>
#include <string.h>

void
nn_optim_config_init (nn_optim_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->optimizer = NN_OPT_ADAM;
  cfg->lr = 1e-3f;
  cfg->momentum = 0.9f;
  cfg->beta1 = 0.9f;
  cfg->beta2 = 0.999f;
  cfg->eps = 1e-8f;
  cfg->schedule = NN_SCHED_CONSTANT;
  cfg->gamma = 0.1f;
}

nn_status
nn_net_set_optimizer (nn_net *net, const nn_optim_config *cfg, nn_error *err)
{
  nn_optim_config c = *cfg;

  if (c.beta1 == 0.0f)
    c.beta1 = 0.9f;
  if (c.beta2 == 0.0f)
    c.beta2 = 0.999f;
  if (c.eps == 0.0f)
    c.eps = 1e-8f;
  if (c.optimizer != NN_OPT_ADAM && c.optimizer != NN_OPT_SGD)
    return nn_fail (err, NN_INVALID_ARG, "unknown optimizer %d",
                    (int)c.optimizer);
  if (!(c.lr > 0.0f && c.lr < 10.0f))
    return nn_fail (err, NN_INVALID_ARG, "learning rate %g: need 0 < lr < 10",
                    c.lr);
  if (!(c.momentum >= 0.0f && c.momentum < 1.0f))
    return nn_fail (err, NN_INVALID_ARG, "momentum %g: need 0 <= m < 1",
                    c.momentum);
  if (!(c.beta1 > 0.0f && c.beta1 < 1.0f && c.beta2 > 0.0f && c.beta2 < 1.0f
        && c.eps > 0.0f))
    return nn_fail (err, NN_INVALID_ARG,
                    "Adam betas must be in (0, 1) and "
                    "eps > 0");
  if (!(c.clip_norm >= 0.0f && c.clip_norm < 1e6f))
    return nn_fail (err, NN_INVALID_ARG, "clip norm %g: need 0 <= c < 1e6",
                    c.clip_norm);
  if (!(c.weight_decay >= 0.0f && c.weight_decay < 1.0f))
    return nn_fail (err, NN_INVALID_ARG, "weight decay %g: need 0 <= wd < 1",
                    c.weight_decay);
  if (c.warmup_steps < 0 || c.total_steps < 0 || c.step_size < 0)
    return nn_fail (err, NN_INVALID_ARG,
                    "negative step counts in the "
                    "schedule");
  switch (c.schedule) {
  case NN_SCHED_CONSTANT:
    break;
  case NN_SCHED_STEP:
    if (c.step_size <= 0 || !(c.gamma > 0.0f && c.gamma <= 1.0f))
      return nn_fail (err, NN_INVALID_ARG,
                      "step schedule needs "
                      "step_size > 0 and 0 < gamma <= 1");
    break;
  case NN_SCHED_COSINE:
    if (c.total_steps <= c.warmup_steps)
      return nn_fail (err, NN_INVALID_ARG,
                      "cosine schedule needs "
                      "total_steps (%ld) > warmup_steps (%ld)",
                      c.total_steps, c.warmup_steps);
    if (!(c.min_lr >= 0.0f && c.min_lr <= c.lr))
      return nn_fail (err, NN_INVALID_ARG,
                      "min_lr %g: need 0 <= min_lr "
                      "<= lr",
                      c.min_lr);
    break;
  default:
    return nn_fail (err, NN_INVALID_ARG, "unknown schedule %d",
                    (int)c.schedule);
  }
  net->optim = c;
  net->step = 0;
  memset (net->m, 0, 2 * net->n_params * sizeof *net->m);
  return NN_OK;
}

float
nn_net_lr_at (const nn_net *net, long step)
{
  const nn_optim_config *c = &net->optim;
  double lr = c->lr;

  if (step < c->warmup_steps)
    return (float)(lr * (double)(step + 1) / (double)c->warmup_steps);
  step -= c->warmup_steps;
  switch (c->schedule) {
  case NN_SCHED_CONSTANT:
    break;
  case NN_SCHED_STEP:
    lr *= pow (c->gamma, (double)(step / c->step_size));
    break;
  case NN_SCHED_COSINE: {
    const long span = c->total_steps - c->warmup_steps;
    const double t = step >= span ? 1.0 : (double)step / (double)span;
    lr = c->min_lr + (lr - c->min_lr) * 0.5 * (1.0 + cos (M_PI * t));
    break;
  }
  }
  return (float)lr;
}

/* p, g, m, v (count): one Adam step; decay > 0 for decoupled decay */
static void
adam_update (size_t count, float *p, const float *g, float *m, float *v,
             float lr, float b1, float b2, float eps, float c1, float c2,
             float decay)
{
  for (size_t i = 0; i < count; i++) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    const float mhat = m[i] / c1, vhat = v[i] / c2;
    p[i] -= lr * (mhat / (sqrtf (vhat) + eps) + decay * p[i]);
  }
}

/* p, g, buf (count): one SGD step with momentum and L2 decay */
static void
sgd_update (size_t count, float *p, const float *g, float *buf, float lr,
            float mom, int nesterov, float decay)
{
  for (size_t i = 0; i < count; i++) {
    const float gi = g[i] + decay * p[i];
    buf[i] = mom * buf[i] + gi;
    p[i] -= lr * (nesterov ? gi + mom * buf[i] : buf[i]);
  }
}

/* Global L2 norm clipping, summed in a fixed order (deterministic). */
static void
clip_grads (nn_net *net, float max_norm)
{
  double sq = 0.0;
  for (size_t i = 0; i < net->n_params; i++)
    sq += (double)net->grads[i] * net->grads[i];
  const double norm = sqrt (sq);
  if (norm <= max_norm)
    return;
  const float scale = (float)(max_norm / norm);
  for (size_t i = 0; i < net->n_params; i++)
    net->grads[i] *= scale;
}

void
nn_optim_apply (nn_net *net, float lr)
{
  const nn_optim_config *c = &net->optim;
  const double t = (double)(net->step + 1);
  const float c1 = (float)(1.0 - pow (c->beta1, t));
  const float c2 = (float)(1.0 - pow (c->beta2, t));

  if (c->clip_norm > 0.0f)
    clip_grads (net, c->clip_norm);

  for (int i = 0; i < net->n_layers; i++) {
    const nn_layer *l = &net->layers[i];
    const size_t offs[2] = { l->w_off, l->b_off };
    const size_t counts[2] = { l->n_w, l->n_b };
    for (int k = 0; k < 2; k++) {
      const size_t o = offs[k];
      const float decay = k == 0 ? c->weight_decay : 0.0f;
      if (!counts[k])
        continue;
      if (c->optimizer == NN_OPT_ADAM)
        adam_update (counts[k], net->params + o, net->grads + o, net->m + o,
                     net->v + o, lr, c->beta1, c->beta2, c->eps, c1, c2, decay);
      else
        sgd_update (counts[k], net->params + o, net->grads + o, net->m + o, lr,
                    c->momentum, c->nesterov, decay);
    }
  }
}
