/* Finite-difference gradient checks for every backward pass of nn/train.
 *
 * Each layer is checked on small random shapes: the scalar L = sum(y * r)
 * for a fixed random r has dL/dy = r, so backward(dy = r) must match the
 * central differences (L(v + eps) - L(v - eps)) / 2eps of every input and
 * parameter. Forward passes run in float (they are what training uses); L
 * is summed in double. Kinks (ReLU at 0, MaxPool ties) are kept away from
 * the perturbation by construction. The whole net is then checked the same
 * way through nn_net_loss_grad, with two workers so the shard reduction is
 * covered too.
 */
#include "layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

/* ---- conv ---- */

typedef struct {
  nn_layer l;
  int n;
  float *x, *w, *b, *col, *y, *r;
} conv_case;

static double
conv_loss (conv_case *c)
{
  const size_t ny = (size_t)c->n * nn_layer_out_size (&c->l);
  nn_conv_forward (&c->l, c->n, c->x, c->w, c->b, 0, c->col, c->y);
  return dot (c->y, c->r, ny);
}

static double
conv_loss_cb (void *ctx)
{
  return conv_loss (ctx);
}

static void
check_conv_path (int n, int h, int w, int c, int oc, int k, int s, int p,
                 int direct)
{
  conv_case cc = { 0 };
  nn_layer *l = &cc.l;
  char what[96];

  l->kind = NN_LAYER_CONV;
  l->direct = direct;
  l->in_h = h;
  l->in_w = w;
  l->in_c = c;
  l->out_c = oc;
  l->k = k;
  l->stride = s;
  l->pad = p;
  l->out_h = (h + 2 * p - k) / s + 1;
  l->out_w = (w + 2 * p - k) / s + 1;
  cc.n = n;
  const size_t nx = (size_t)n * h * w * c, nw = (size_t)oc * k * k * c;
  const size_t ny = (size_t)n * nn_layer_out_size (l);
  const size_t ncol = n * nn_conv_col_per_item (l);
  cc.x = rand_vec (nx);
  cc.w = rand_vec (nw);
  cc.b = rand_vec (oc);
  cc.r = rand_vec (ny);
  cc.col = malloc (ncol * sizeof (float));
  cc.y = malloc (ny * sizeof (float));
  float *yref = malloc (ny * sizeof (float));
  float *dw = malloc (nw * sizeof (float)), *db = malloc (oc * sizeof (float));
  float *dcol = malloc (ncol * sizeof (float));
  float *dx = malloc (nx * sizeof (float));

  /* Forward against the naive oracle. */
  conv_loss (&cc);
  nn_conv_forward_ref (l, n, cc.x, cc.w, cc.b, yref);
  double worst = 0.0;
  for (size_t i = 0; i < ny; i++)
    worst = fmax (worst, fabs (cc.y[i] - yref[i]));
  snprintf (what, sizeof what, "conv%s %dx%dx%d->%d k%d s%d p%d forward",
            direct ? "(direct)" : "", c, h, w, oc, k, s, p);
  printf ("%-44s max abs err %.2e %s\n", what, worst,
          worst < 1e-4 ? "ok" : "FAIL");
  if (!(worst < 1e-4))
    failures++;

  /* The fused bias + ReLU pass equals ReLU applied afterwards. */
  nn_conv_forward (l, n, cc.x, cc.w, cc.b, 1, cc.col, cc.y);
  int fused_ok = 1;
  for (size_t i = 0; i < ny; i++)
    fused_ok &= fabsf (cc.y[i] - fmaxf (yref[i], 0.0f)) < 1e-4f;
  if (!fused_ok) {
    printf ("conv fused relu FAIL\n");
    failures++;
  }
  nn_conv_forward (l, n, cc.x, cc.w, cc.b, 0, cc.col, cc.y);
  nn_conv_backward (l, n, cc.x, cc.w, cc.r, dw, db, cc.col, dcol, dx);
  snprintf (what, sizeof what, "conv%s %dx%dx%d->%d k%d s%d p%d dx",
            direct ? "(direct)" : "", c, h, w, oc, k, s, p);
  report (what, numeric_vs (conv_loss_cb, &cc, cc.x, nx, dx));
  snprintf (what, sizeof what, "conv%s %dx%dx%d->%d k%d s%d p%d dw",
            direct ? "(direct)" : "", c, h, w, oc, k, s, p);
  report (what, numeric_vs (conv_loss_cb, &cc, cc.w, nw, dw));
  snprintf (what, sizeof what, "conv%s %dx%dx%d->%d k%d s%d p%d db",
            direct ? "(direct)" : "", c, h, w, oc, k, s, p);
  report (what, numeric_vs (conv_loss_cb, &cc, cc.b, oc, db));

  free (cc.x);
  free (cc.w);
  free (cc.b);
  free (cc.r);
  free (cc.col);
  free (cc.y);
  free (yref);
  free (dw);
  free (db);
  free (dcol);
  free (dx);
}

static void
check_conv (int n, int h, int w, int c, int oc, int k, int s, int p)
{
  check_conv_path (n, h, w, c, oc, k, s, p, 0);
  if (k * k * c <= NN_CONV_DIRECT_MAX_KD)
    check_conv_path (n, h, w, c, oc, k, s, p, 1);
}

/* ---- dense ---- */

typedef struct {
  nn_layer l;
  int n;
  float *x, *w, *b, *y, *r;
} dense_case;

static double
dense_loss_cb (void *ctx)
{
  dense_case *d = ctx;
  nn_dense_forward (&d->l, d->n, d->x, d->w, d->b, 0, d->y);
  return dot (d->y, d->r, (size_t)d->n * d->l.out_c);
}

static void
check_dense (int n, int in, int out)
{
  dense_case d = { 0 };
  char what[64];

  d.l.kind = NN_LAYER_DENSE;
  d.l.in_h = d.l.in_w = d.l.out_h = d.l.out_w = 1;
  d.l.in_c = in;
  d.l.out_c = out;
  d.n = n;
  d.x = rand_vec ((size_t)n * in);
  d.w = rand_vec ((size_t)out * in);
  d.b = rand_vec (out);
  d.r = rand_vec ((size_t)n * out);
  d.y = malloc ((size_t)n * out * sizeof (float));
  float *dw = malloc ((size_t)out * in * sizeof (float));
  float *db = malloc (out * sizeof (float));
  float *dx = malloc ((size_t)n * in * sizeof (float));

  nn_dense_backward (&d.l, n, d.x, d.w, d.r, dw, db, dx);
  snprintf (what, sizeof what, "dense %d->%d (n=%d) dx", in, out, n);
  report (what, numeric_vs (dense_loss_cb, &d, d.x, (size_t)n * in, dx));
  snprintf (what, sizeof what, "dense %d->%d (n=%d) dw", in, out, n);
  report (what, numeric_vs (dense_loss_cb, &d, d.w, (size_t)out * in, dw));
  snprintf (what, sizeof what, "dense %d->%d (n=%d) db", in, out, n);
  report (what, numeric_vs (dense_loss_cb, &d, d.b, out, db));
  free (d.x);
  free (d.w);
  free (d.b);
  free (d.r);
  free (d.y);
  free (dw);
  free (db);
  free (dx);
}

/* ---- relu ---- */

typedef struct {
  size_t count;
  float *x, *y, *r;
} relu_case;

static double
relu_loss_cb (void *ctx)
{
  relu_case *c = ctx;
  nn_relu_forward (c->count, c->x, c->y);
  return dot (c->y, c->r, c->count);
}

static void
check_relu (size_t count)
{
  relu_case c = { count, rand_vec (count), malloc (count * sizeof (float)),
                  rand_vec (count) };
  float *dx = malloc (count * sizeof (float));
  /* Keep every input clear of the kink at 0. */
  for (size_t i = 0; i < count; i++)
    if (fabsf (c.x[i]) < 10 * EPS)
      c.x[i] = c.x[i] < 0 ? -0.5f : 0.5f;
  nn_relu_forward (count, c.x, c.y);
  nn_relu_backward (count, c.y, c.r, dx);
  report ("relu dx", numeric_vs (relu_loss_cb, &c, c.x, count, dx));
  free (c.x);
  free (c.y);
  free (c.r);
  free (dx);
}

/* ---- maxpool ---- */

typedef struct {
  nn_layer l;
  int n;
  float *x, *y, *r;
  int32_t *arg;
} pool_case;

static double
pool_loss_cb (void *ctx)
{
  pool_case *c = ctx;
  nn_maxpool_forward (&c->l, c->n, c->x, c->y, c->arg);
  return dot (c->y, c->r, (size_t)c->n * nn_layer_out_size (&c->l));
}

static void
check_maxpool (int n, int h, int w, int c, int k, int s)
{
  pool_case pc = { 0 };
  char what[64];

  pc.l.kind = NN_LAYER_MAXPOOL;
  pc.l.in_h = h;
  pc.l.in_w = w;
  pc.l.in_c = pc.l.out_c = c;
  pc.l.k = k;
  pc.l.stride = s;
  pc.l.out_h = (h - k) / s + 1;
  pc.l.out_w = (w - k) / s + 1;
  pc.n = n;
  const size_t nx = (size_t)n * h * w * c;
  const size_t ny = (size_t)n * nn_layer_out_size (&pc.l);
  /* Distinct values 0.01 apart (a shuffled ramp): no window has a tie
   * within the perturbation. */
  uint32_t *perm = malloc (nx * sizeof *perm);
  for (size_t i = 0; i < nx; i++)
    perm[i] = (uint32_t)i;
  nn_rng_shuffle (&rng, perm, nx);
  pc.x = malloc (nx * sizeof (float));
  for (size_t i = 0; i < nx; i++)
    pc.x[i] = 0.01f * (float)perm[i] - 0.005f * (float)nx;
  pc.y = malloc (ny * sizeof (float));
  pc.arg = malloc (ny * sizeof (int32_t));
  pc.r = rand_vec (ny);
  float *dx = malloc (nx * sizeof (float));

  nn_maxpool_forward (&pc.l, n, pc.x, pc.y, pc.arg);
  nn_maxpool_backward (&pc.l, n, pc.r, pc.arg, NULL, dx);
  snprintf (what, sizeof what, "maxpool %dx%dx%d k%d s%d dx", c, h, w, k, s);
  report (what, numeric_vs (pool_loss_cb, &pc, pc.x, nx, dx));
  free (perm);
  free (pc.x);
  free (pc.y);
  free (pc.arg);
  free (pc.r);
  free (dx);
}

/* ReLU then MaxPool, with the ReLU backward folded into the pool's. */
typedef struct {
  pool_case pc;
  float *xr; /* relu output */
} relu_pool_case;

static double
relu_pool_loss_cb (void *ctx)
{
  relu_pool_case *c = ctx;
  const size_t nx = (size_t)c->pc.n * nn_layer_in_size (&c->pc.l);
  nn_relu_forward (nx, c->pc.x, c->xr);
  nn_maxpool_forward (&c->pc.l, c->pc.n, c->xr, c->pc.y, c->pc.arg);
  return dot (c->pc.y, c->pc.r, (size_t)c->pc.n * nn_layer_out_size (&c->pc.l));
}

static void
check_relu_maxpool (int n, int h, int w, int c, int k, int s)
{
  relu_pool_case rc = { { { 0 } } };
  pool_case *pc = &rc.pc;
  pc->l.kind = NN_LAYER_MAXPOOL;
  pc->l.in_h = h;
  pc->l.in_w = w;
  pc->l.in_c = pc->l.out_c = c;
  pc->l.k = k;
  pc->l.stride = s;
  pc->l.out_h = (h - k) / s + 1;
  pc->l.out_w = (w - k) / s + 1;
  pc->n = n;
  const size_t nx = (size_t)n * h * w * c;
  const size_t ny = (size_t)n * nn_layer_out_size (&pc->l);
  /* Distinct values, about half negative, so some windows are all <= 0
   * and must pass no gradient. */
  uint32_t *perm = malloc (nx * sizeof *perm);
  for (size_t i = 0; i < nx; i++)
    perm[i] = (uint32_t)i;
  nn_rng_shuffle (&rng, perm, nx);
  pc->x = malloc (nx * sizeof (float));
  for (size_t i = 0; i < nx; i++)
    pc->x[i] = 0.01f * (float)perm[i] - 0.007f * (float)nx + 0.0051f;
  rc.xr = malloc (nx * sizeof (float));
  pc->y = malloc (ny * sizeof (float));
  pc->arg = malloc (ny * sizeof (int32_t));
  pc->r = rand_vec (ny);
  float *dx = malloc (nx * sizeof (float));

  relu_pool_loss_cb (&rc);
  nn_maxpool_backward (&pc->l, n, pc->r, pc->arg, pc->y, dx);
  report ("relu+maxpool (folded backward) dx",
          numeric_vs (relu_pool_loss_cb, &rc, pc->x, nx, dx));
  free (perm);
  free (pc->x);
  free (rc.xr);
  free (pc->y);
  free (pc->arg);
  free (pc->r);
  free (dx);
}

/* ---- softmax + cross-entropy ---- */

typedef struct {
  int n, k;
  float *z, *p;
  int32_t *labels;
} ce_case;

static double
ce_loss_cb (void *ctx)
{
  ce_case *c = ctx;
  return nn_softmax_ce_forward (c->n, c->k, c->z, c->labels, c->p, NULL);
}

static void
check_softmax_ce (int n, int k)
{
  ce_case c = { n, k, rand_vec ((size_t)n * k),
                malloc ((size_t)n * k * sizeof (float)),
                malloc (n * sizeof (int32_t)) };
  float *dz = malloc ((size_t)n * k * sizeof (float));
  char what[64];

  for (int i = 0; i < n; i++) {
    c.labels[i] = (int32_t)nn_rng_below (&rng, (uint32_t)k);
    for (int j = 0; j < k; j++)
      c.z[i * k + j] *= 4.0f; /* confident and unsure rows alike */
  }
  nn_softmax_ce_forward (n, k, c.z, c.labels, c.p, NULL);
  nn_softmax_ce_backward (n, k, c.p, c.labels, 1.0f, dz);
  snprintf (what, sizeof what, "softmax-ce %d classes (n=%d) dlogits", k, n);
  report (what, numeric_vs (ce_loss_cb, &c, c.z, (size_t)n * k, dz));
  free (c.z);
  free (c.p);
  free (c.labels);
  free (dz);
}

/* ---- dropout ---- */

typedef struct {
  nn_layer l;
  int n;
  float *x, *y, *mask, *r;
} drop_case;

static double
drop_loss_cb (void *ctx)
{
  drop_case *c = ctx;
  nn_dropout_forward (&c->l, c->n, 7, 3, 0, c->x, c->y, c->mask);
  return dot (c->y, c->r, (size_t)c->n * nn_layer_in_size (&c->l));
}

static void
check_dropout (int n, int size, float p)
{
  drop_case c = { 0 };
  c.l.kind = NN_LAYER_DROPOUT;
  c.l.in_h = c.l.in_w = c.l.out_h = c.l.out_w = 1;
  c.l.in_c = c.l.out_c = size;
  c.l.drop = p;
  c.n = n;
  const size_t count = (size_t)n * size;
  c.x = rand_vec (count);
  c.y = malloc (count * sizeof (float));
  c.mask = malloc (count * sizeof (float));
  c.r = rand_vec (count);
  float *dx = malloc (count * sizeof (float));
  size_t dropped = 0;

  nn_dropout_forward (&c.l, n, 7, 3, 0, c.x, c.y, c.mask);
  /* Inverted dropout: a kept unit is scaled by 1/(1-p), so the expected
   * activation is the input's and inference needs no scaling. */
  size_t bad_scale = 0;
  for (size_t i = 0; i < count; i++) {
    dropped += c.mask[i] == 0.0f;
    bad_scale += (c.mask[i] != 0.0f && c.mask[i] != 1.0f / (1.0f - p))
                 || c.y[i] != c.x[i] * c.mask[i];
  }
  printf ("%-44s %zu units off 0 or 1/(1-p) %s\n", "dropout scale", bad_scale,
          bad_scale == 0 ? "ok" : "FAIL");
  failures += bad_scale != 0;
  nn_dropout_backward (&c.l, n, c.mask, c.r, dx);
  report ("dropout dx", numeric_vs (drop_loss_cb, &c, c.x, count, dx));
  /* The mask must actually drop about p of the units. */
  const double frac = (double)dropped / count;
  printf ("%-44s dropped %.3f of units (p=%.2f) %s\n", "dropout rate", frac, p,
          fabs (frac - p) < 0.05 ? "ok" : "FAIL");
  if (!(fabs (frac - p) < 0.05))
    failures++;
  free (c.x);
  free (c.y);
  free (c.mask);
  free (c.r);
  free (dx);
}

int
main (void)
{
  nn_rng_seed (&rng, 20240601);

  check_conv (2, 6, 5, 3, 4, 3, 1, 0);
  check_conv (2, 7, 7, 2, 3, 3, 2, 1);
  check_conv (1, 5, 6, 4, 2, 1, 1, 0);
  check_conv (2, 9, 8, 1, 3, 5, 2, 2);
  check_conv (3, 4, 4, 1, 5, 3, 1, 1);
  check_conv (2, 6, 6, 8, 4, 3, 1, 1);
  check_dense (3, 7, 5);
  check_dense (1, 12, 2);
  check_relu (257);
  check_maxpool (2, 6, 5, 3, 2, 2);
  check_maxpool (1, 7, 7, 2, 3, 2);
  check_maxpool (2, 5, 5, 2, 2, 1);
  check_relu_maxpool (2, 6, 6, 3, 2, 2);
  check_softmax_ce (5, 10);
  check_softmax_ce (3, 2);
  check_dropout (64, 50, 0.3f);

  printf ("%d failed\n", failures);
  return failures ? 1 : 0;
}
