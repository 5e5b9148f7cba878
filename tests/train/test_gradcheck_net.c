/* Gradient checks of whole nets through nn_net_loss_grad (two workers, so
 * the shard reduction is covered), and the chunked im2col against item by
 * item processing. See test_gradcheck.c for the method. */
#include "gradcheck.h"

/* Chunking: a conv whose im2col matrix exceeds the chunk size processes a
 * few items at a time; the result must equal item-by-item processing. */
static void
check_conv_chunks (void)
{
  nn_layer l = { 0 };
  const int n = 3;
  l.kind = NN_LAYER_CONV;
  l.in_h = l.in_w = 40;
  l.in_c = 16;
  l.out_c = 8;
  l.k = 3;
  l.stride = 1;
  l.pad = 1;
  l.out_h = l.out_w = 40;
  const size_t in_item = nn_layer_in_size (&l),
               out_item = nn_layer_out_size (&l),
               per = nn_conv_col_per_item (&l), nw = 8 * 9 * 16;
  float *x = rand_vec (n * in_item), *w = rand_vec (nw), *b = rand_vec (8);
  float *dy = rand_vec (n * out_item);
  float *col = malloc (per * n * sizeof (float));
  float *dcol = malloc (per * n * sizeof (float));
  float *y3 = malloc (n * out_item * sizeof (float));
  float *y1 = malloc (out_item * sizeof (float));
  float *dx3 = malloc (n * in_item * sizeof (float));
  float *dx1 = malloc (in_item * sizeof (float));
  float dw3[8 * 9 * 16], dw1[8 * 9 * 16], dwsum[8 * 9 * 16] = { 0 };
  float db3[8], db1[8];
  double worst = 0.0;

  nn_conv_forward (&l, n, x, w, b, 1, col, y3);
  nn_conv_backward (&l, n, x, w, dy, dw3, db3, col, dcol, dx3);
  for (int i = 0; i < n; i++) {
    nn_conv_forward (&l, 1, x + i * in_item, w, b, 1, col, y1);
    nn_conv_backward (&l, 1, x + i * in_item, w, dy + i * out_item, dw1, db1,
                      col, dcol, dx1);
    for (size_t j = 0; j < out_item; j++)
      worst = fmax (worst, fabs (y1[j] - y3[i * out_item + j]));
    for (size_t j = 0; j < in_item; j++)
      worst = fmax (worst, fabs (dx1[j] - dx3[i * in_item + j]));
    for (size_t j = 0; j < nw; j++)
      dwsum[j] += dw1[j];
  }
  for (size_t j = 0; j < nw; j++)
    worst = fmax (worst, fabs (dwsum[j] - dw3[j]) / fmax (1.0, fabs (dw3[j])));
  printf ("%-44s chunk %d of %d items, max diff %.2e %s\n",
          "conv chunked == item by item", nn_conv_chunk (&l), n, worst,
          nn_conv_chunk (&l) < n && worst < 1e-4 ? "ok" : "FAIL");
  if (!(nn_conv_chunk (&l) < n && worst < 1e-4))
    failures++;
  free (x);
  free (w);
  free (b);
  free (dy);
  free (col);
  free (dcol);
  free (y3);
  free (y1);
  free (dx3);
  free (dx1);
}

/* ---- the whole net, two workers ---- */

typedef struct {
  nn_net *net;
  const float *x;
  const int32_t *labels;
  int n;
  float *params;
} net_case;

static double
net_loss_cb (void *ctx)
{
  net_case *c = ctx;
  double loss = 0.0;
  nn_net_set_params (c->net, c->params);
  nn_net_loss_grad (c->net, c->x, c->labels, c->n, &loss, NULL);
  return loss;
}

static void
check_net (const char *spec, int c, int h, int w, int n, int threads)
{
  nn_net_options opts = { threads, n, 11 };
  nn_net *net = NULL;
  nn_error err;
  char what[128];

  if (nn_net_create (spec, c, h, w, &opts, &net, &err) != NN_OK) {
    printf ("net %s: %s FAIL\n", spec, err.message);
    failures++;
    return;
  }
  const size_t np = nn_net_n_params (net);
  float *x = rand_vec ((size_t)n * c * h * w);
  int32_t *labels = malloc (n * sizeof *labels);
  for (int i = 0; i < n; i++)
    labels[i] = (int32_t)nn_rng_below (&rng, (uint32_t)nn_net_n_classes (net));
  float *params = malloc (np * sizeof *params), *grads = malloc (np * 4);
  nn_net_get_params (net, params);
  double loss;
  nn_net_loss_grad (net, x, labels, n, &loss, &err);
  memcpy (grads, nn_net_grads (net), np * sizeof *grads);

  /* Every parameter (the net is small). A ReLU or MaxPool kink inside
   * [v - eps, v + eps] makes the central difference meaningless; a sharp
   * one shows as one-sided slopes that disagree and is skipped. A mild one
   * (one unit of many flips) only bends the difference a little, so up to
   * 1% of the parameters may miss the 1e-2 tolerance, none may miss 5e-2. */
  net_case nc = { net, x, labels, n, params };
  size_t bad = 0, checked = 0, kinks = 0;
  double worst = 0.0;
  for (size_t i = 0; i < np; i++) {
    if (grads[i] == 0.0f && params[i] == 0.0f && i % 7)
      continue; /* alignment padding; sample a few */
    const float keep = params[i];
    const double l0 = net_loss_cb (&nc);
    params[i] = keep + EPS;
    const double lp = net_loss_cb (&nc);
    params[i] = keep - EPS;
    const double lm = net_loss_cb (&nc);
    params[i] = keep;
    const double fwd = (lp - l0) / EPS, bwd = (l0 - lm) / EPS;
    if (rel_err (fwd, bwd) > 0.05) {
      kinks++;
      continue;
    }
    const double e = rel_err (grads[i], (lp - lm) / (2.0 * EPS));
    checked++;
    bad += e >= TOL;
    worst = fmax (worst, e);
  }
  nn_net_set_params (net, params);
  const int ok
      = worst < 5 * TOL && bad * 100 <= checked && kinks * 20 < checked;
  snprintf (what, sizeof what, "net %s x%d", spec, threads);
  printf ("%s\n  %zu params checked (%zu at a kink skipped), %zu above "
          "%.0e, max rel err %.2e %s\n",
          what, checked, kinks, bad, TOL, worst, ok ? "ok" : "FAIL");
  if (!ok)
    failures++;
  free (x);
  free (labels);
  free (params);
  free (grads);
  nn_net_free (net);
}

int
main (void)
{
  nn_rng_seed (&rng, 20240602);
  check_conv_chunks ();
  check_net ("conv3x3p1,pool2,conv4x3s2p1,flatten,dense6,dropout0.3,dense3", 2,
             8, 8, 5, 2);
  check_net ("conv4x3,pool2,conv4x3,dense5", 1, 10, 10, 3, 1);
  check_net ("conv12x3p1,pool2,conv16x3,dense4", 3, 9, 7, 4, 3);
  printf ("%d failed\n", failures);
  return failures ? 1 : 0;
}
