/* The training net's own checks and paths (nn/train/net.c): the input,
 * thread, batch, parameter and activation limits of nn_net_create; the
 * batch and label checks of train_step, loss_grad and predict, which
 * leave the net untouched; a non-finite loss refused; the summary and its
 * truncation; and what must hold between paths: predict gives softmax
 * rows; several workers (some with empty shards) agree with one; a
 * dropout of 0 trains exactly like no dropout, and any dropout is the
 * identity in predict; a pool first or after a pool trains like the
 * gradient says. */
#include "check.h"
#include "net.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static nn_net *
make (const char *spec, int c, int h, int w, int threads, int max_batch,
      uint64_t seed)
{
  nn_net_options opts = { threads, max_batch, seed };
  nn_net *net = NULL;
  nn_error err;
  if (nn_net_create (spec, c, h, w, &opts, &net, &err) != NN_OK)
    CHECK (0, "create '%s': %s", spec, err.message);
  return net;
}

static float *
random_images (int n, int item, uint64_t seed)
{
  nn_rng rng;
  float *x = malloc ((size_t)n * item * sizeof *x);
  nn_rng_seed (&rng, seed);
  for (int i = 0; i < n * item; i++)
    x[i] = 2.0f * nn_rng_float (&rng) - 1.0f;
  return x;
}

static void
create_refused (const char *spec, int c, int h, int w,
                const nn_net_options *opts, nn_status want, const char *needle)
{
  nn_net *net = (nn_net *)&net;
  nn_error err = { 0 };
  nn_status st = nn_net_create (spec, c, h, w, opts, &net, &err);
  CHECK_ERR (st, err, want, needle);
  CHECK (net == NULL, "*out set on failure (%s)", check_or_empty (needle));
  if (st == NN_OK)
    nn_net_free (net);
}

static void
create_rules (void)
{
  nn_net_options big_batch = { 1, 65537, 0 }, many = { 65, 0, 0 };
  nn_net_options batch3 = { 1, 3, 0 }, batch64 = { 1, 64, 0 };
  nn_error err = { 0 };

  nn_status st = nn_net_create ("dense2", 1, 2, 2, NULL, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "nn_net_create: out is NULL");
  create_refused (NULL, 1, 2, 2, NULL, NN_INVALID_ARG,
                  "nn_net_create: spec is NULL");
  create_refused ("dense2", 0, 2, 2, NULL, NN_INVALID_ARG,
                  "input 0x2x2: need channels in 1..4096 and sides in 1..4096");
  create_refused ("dense2", 4097, 2, 2, NULL, NN_INVALID_ARG, "input 4097x2x2");
  create_refused ("dense2", 1, 0, 2, NULL, NN_INVALID_ARG, "input 1x0x2");
  create_refused ("dense2", 1, 4097, 2, NULL, NN_INVALID_ARG, "input 1x4097x2");
  create_refused ("dense2", 1, 2, 0, NULL, NN_INVALID_ARG, "input 1x2x0");
  create_refused ("dense2", 1, 2, 4097, NULL, NN_INVALID_ARG, "input 1x2x4097");
  create_refused ("dense2", 1, 2, 2, &many, NN_INVALID_ARG,
                  "threads 65: at most 64");
  create_refused ("dense2", 1, 2, 2, &big_batch, NN_INVALID_ARG,
                  "batch 65537: at most 65536");
  /* Parameters: 65536 x 4160 weights > 2^28, refused before allocating. */
  create_refused ("dense65536", 1, 64, 65, &batch3, NN_INVALID_ARG,
                  "more than 268435456 parameters");
  /* Activations: a layer's output past the per-worker budget (2^26 floats),
   * or the input alone within it but not with the gradient buffers. */
  create_refused ("conv4096x1,dense2", 1, 64, 64, &batch64, NN_NOMEM,
                  "activations for batch 64 need more than 67108864 floats");
  create_refused ("pool15,dense2", 1, 4096, 4096, &batch3, NN_NOMEM,
                  "activations for batch 3 need more than 67108864 floats");
  /* The spec's own errors come through. */
  create_refused ("dense", 1, 2, 2, NULL, NN_INVALID_ARG, "is not denseN");

  /* Defaults: no options, or nonsense that means "default". */
  nn_net_options odd = { -3, -5, 0 };
  nn_net *net = NULL;
  CHECK (nn_net_create ("dense2", 1, 2, 2, NULL, &net, &err) == NN_OK, "%s",
         err.message);
  CHECK (net && nn_net_threads (net) == 1 && net->max_batch == 64,
         "defaults: %d threads, batch %d", net ? nn_net_threads (net) : -1,
         net ? net->max_batch : -1);
  nn_net_free (net);
  net = NULL;
  CHECK (nn_net_create ("dense2", 1, 2, 2, &odd, &net, &err) == NN_OK, "%s",
         err.message);
  CHECK (net && nn_net_threads (net) == 1 && net->max_batch == 64,
         "negative options: %d threads", net ? nn_net_threads (net) : -1);
  nn_net_free (net);
  nn_net_free (NULL);
}

static void
describe (void)
{
  nn_net *net
      = make ("conv4x3s2p1,pool2,dense8,dropout0.25,dense3", 2, 8, 8, 1, 2, 1);
  char full[2048], small[40];
  if (!net)
    return;
  const int n = nn_net_describe (net, full, sizeof full);
  const char *want[] = {
    "input 2x8x8\n",
    "  Conv     4x3x3 s2 p1            -> 4x4x4  76 params\n",
    "  Relu                            -> 4x4x4  0 params\n",
    "  MaxPool  2x2 s2                 -> 4x2x2  0 params\n",
    "  Flatten                         -> 16x1x1  0 params\n",
    "  Gemm                            -> 8x1x1  136 params\n",
    "  Relu                            -> 8x1x1  0 params\n",
    "  Dropout  p=0.25 (training only) -> 8x1x1  0 params\n",
    "  Gemm                            -> 3x1x1  27 params\n",
    "  total 239 parameters\n",
  };
  char expect[2048] = "";
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    strcat (expect, want[i]);
  CHECK (strcmp (full, expect) == 0, "describe:\n%s\nwanted:\n%s", full,
         expect);
  CHECK (n == (int)strlen (expect), "describe returned %d for %zu chars", n,
         strlen (expect));
  /* Too small a buffer: truncated, terminated, the full length returned. */
  memset (small, 'x', sizeof small);
  CHECK (nn_net_describe (net, small, sizeof small) == n, "truncated length");
  CHECK (small[sizeof small - 1] == '\0'
             && strncmp (small, expect, sizeof small - 1) == 0,
         "truncated text '%s'", small);
  CHECK (nn_net_describe (net, NULL, 0) == n, "length with no buffer");
  nn_net_free (net);
}

/* Refused batches leave the parameters, gradients and step alone. */
static void
batch_rules (void)
{
  nn_net *net = make ("conv2x3,dense3", 1, 4, 4, 2, 4, 3);
  nn_error err = { 0 };
  float probs[4 * 3];
  if (!net)
    return;
  float *x = random_images (5, 16, 1);
  const int32_t ok[4] = { 0, 1, 2, 1 }, neg[4] = { 0, -1, 2, 1 };
  const int32_t high[4] = { 0, 1, 3, 1 };
  const size_t np = nn_net_n_params (net);
  float *before = malloc (np * sizeof *before),
        *after = malloc (np * sizeof *after);
  nn_net_get_params (net, before);
  double loss = -1;
  nn_status st;

  st = nn_net_train_step (net, NULL, ok, 4, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "input is NULL");
  st = nn_net_train_step (net, x, ok, 0, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG,
             "batch of 0: the net was created for 1..4");
  st = nn_net_train_step (net, x, ok, 5, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "batch of 5");
  st = nn_net_train_step (net, x, ok, -1, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "batch of -1");
  st = nn_net_train_step (net, x, NULL, 4, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "labels are NULL");
  st = nn_net_train_step (net, x, neg, 4, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "label -1 of item 1 is not in 0..2");
  st = nn_net_train_step (net, x, high, 4, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "label 3 of item 2 is not in 0..2");
  st = nn_net_loss_grad (net, NULL, ok, 4, &loss, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "input is NULL");
  st = nn_net_loss_grad (net, x, high, 4, &loss, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "label 3 of item 2");
  CHECK (loss == -1, "refused loss_grad wrote the loss");
  st = nn_net_predict (net, NULL, 4, probs, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "input is NULL");
  st = nn_net_predict (net, x, 5, probs, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "batch of 5");
  st = nn_net_predict (net, x, 4, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "probs is NULL");
  nn_net_get_params (net, after);
  CHECK (memcmp (before, after, np * sizeof *before) == 0
             && nn_net_step (net) == 0,
         "refused calls changed the net");

  /* Pixels at the float limit overflow the logits: the loss is not
   * finite, the step refused, nothing updated. */
  for (int i = 0; i < 16; i++)
    x[i] = i % 2 ? FLT_MAX : -FLT_MAX;
  st = nn_net_train_step (net, x, ok, 4, NULL, &err);
  CHECK_ERR (st, err, NN_INTERNAL, "loss is not finite at step 0");
  nn_net_get_params (net, after);
  CHECK (memcmp (before, after, np * sizeof *before) == 0
             && nn_net_step (net) == 0,
         "a non-finite loss changed the net");
  for (int i = 0; i < 16; i++)
    x[i] = 0.5f;
  /* loss may be NULL, stats may be NULL */
  CHECK (nn_net_loss_grad (net, x, ok, 4, NULL, &err) == NN_OK, "%s",
         err.message);
  CHECK (nn_net_train_step (net, x, ok, 4, NULL, &err) == NN_OK
             && nn_net_step (net) == 1,
         "%s", err.message);
  free (before);
  free (after);
  free (x);
  nn_net_free (net);
}

static int
same_size (const nn_net *a, const nn_net *b)
{
  return nn_net_n_params (a) == nn_net_n_params (b)
         && nn_net_n_classes (a) == nn_net_n_classes (b);
}

static int
same_params (const nn_net *a, const nn_net *b)
{
  const size_t np = nn_net_n_params (a);
  float *pa = malloc (np * sizeof *pa), *pb = malloc (np * sizeof *pb);
  nn_net_get_params (a, pa);
  nn_net_get_params (b, pb);
  const int same = same_size (a, b) && memcmp (pa, pb, np * sizeof *pa) == 0;
  free (pa);
  free (pb);
  return same;
}

/* Rows of probabilities, several workers against one. */
static void
workers (void)
{
  const char *spec = "conv3x3p1,pool2,dense6,dense4";
  enum { C = 3, H = 6, W = 6, ITEM = C * H * W };
  float *x = random_images (5, ITEM, 9);
  const int32_t labels[5] = { 0, 1, 2, 3, 0 };
  float p1[5 * 4], pn[5 * 4];
  nn_error err;

  nn_net *one = make (spec, C, H, W, 1, 5, 7);
  for (int threads = 2; threads <= 8; threads *= 2) {
    nn_net *many = make (spec, C, H, W, threads, 5, 7);
    if (!one || !many) {
      nn_net_free (many);
      continue;
    }
    CHECK (nn_net_threads (many) == threads, "%d threads", threads);
    CHECK (same_size (one, many), "sizes");
    const int sizes[] = { 5, 1, 3, 2 };
    for (int si = 0; si < 4; si++) {
      /* n < threads leaves some workers without a shard, worker 0 among
       * them; a bigger batch before must not leave gradients behind. */
      const int n = sizes[si];
      nn_net_predict (one, x, n, p1, &err);
      nn_net_predict (many, x, n, pn, &err);
      double worst = 0.0, row_err = 0.0;
      for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int k = 0; k < 4; k++) {
          worst = fmax (worst, fabs (p1[i * 4 + k] - pn[i * 4 + k]));
          sum += pn[i * 4 + k];
          CHECK (pn[i * 4 + k] > 0.0f && pn[i * 4 + k] < 1.0f, "prob %g",
                 pn[i * 4 + k]);
        }
        row_err = fmax (row_err, fabs (sum - 1.0));
      }
      CHECK (worst < 1e-6, "%d threads, %d images: predict differs by %.2e",
             threads, n, worst);
      CHECK (row_err < 1e-5, "rows sum to 1 within %.2e", row_err);

      double l1, ln;
      nn_net_loss_grad (one, x, labels, n, &l1, &err);
      nn_net_loss_grad (many, x, labels, n, &ln, &err);
      double gworst = 0.0;
      for (size_t j = 0; j < nn_net_n_params (one); j++)
        gworst = fmax (gworst,
                       fabs (nn_net_grads (one)[j] - nn_net_grads (many)[j]));
      CHECK (fabs (l1 - ln) < 1e-6 && gworst < 1e-5,
             "%d threads, %d images: loss %g/%g, gradients differ by %.2e",
             threads, n, l1, ln, gworst);
    }
    nn_net_free (many);
  }
  nn_net_free (one);
  free (x);
}

/* Two nets built alike train alike, bit for bit, over `steps` steps. */
static int
train_same (nn_net *a, nn_net *b, const float *x, const int32_t *labels, int n,
            int steps)
{
  nn_error err;
  nn_optim_config c;
  nn_optim_config_init (&c);
  c.lr = 0.01f;
  nn_net_set_optimizer (a, &c, &err);
  nn_net_set_optimizer (b, &c, &err);
  for (int s = 0; s < steps; s++) {
    nn_step_stats sa, sb;
    if (nn_net_train_step (a, x, labels, n, &sa, &err) != NN_OK
        || nn_net_train_step (b, x, labels, n, &sb, &err) != NN_OK
        || sa.loss_sum != sb.loss_sum)
      return 0;
  }
  return same_params (a, b);
}

static void
dropout (void)
{
  float *x = random_images (4, 12, 2);
  const int32_t labels[4] = { 0, 1, 2, 0 };
  float pa[4 * 3], pb[4 * 3];
  nn_error err;

  /* dropout0 is no dropout at all, in training too. */
  nn_net *a = make ("dense8,dropout0,dense3", 3, 2, 2, 1, 4, 5);
  nn_net *b = make ("dense8,dense3", 3, 2, 2, 1, 4, 5);
  if (a && b)
    CHECK (train_same (a, b, x, labels, 4, 3), "dropout0 changed training");
  nn_net_free (a);
  nn_net_free (b);

  /* A real dropout changes training, but predict runs without it. */
  a = make ("dense8,dropout0.5,dense3", 3, 2, 2, 1, 4, 5);
  b = make ("dense8,dense3", 3, 2, 2, 1, 4, 5);
  if (a && b) {
    CHECK (!train_same (a, b, x, labels, 4, 2), "dropout0.5 did nothing");
    float *p = malloc (nn_net_n_params (a) * sizeof *p);
    nn_net_get_params (a, p);
    nn_net_set_params (b, p);
    free (p);
    nn_net_predict (a, x, 4, pa, &err);
    nn_net_predict (b, x, 4, pb, &err);
    CHECK (memcmp (pa, pb, sizeof pa) == 0, "dropout active in predict");
  }
  nn_net_free (a);
  nn_net_free (b);
  free (x);
}

/* The gradient of a pool as the first layer, and of a pool after a pool
 * (no ReLU folded into its backward), against central differences. */
static void
pools (void)
{
  const char *specs[]
      = { "pool2,conv3x2,dense3", "conv3x2,pool2s1,pool2,dense3" };
  for (int s = 0; s < 2; s++) {
    nn_net *net = make (specs[s], 2, 7, 7, 1, 3, 11 + (uint64_t)s);
    if (!net)
      continue;
    float *x = random_images (3, 2 * 7 * 7, 5);
    const int32_t labels[3] = { 0, 2, 1 };
    const size_t np = nn_net_n_params (net);
    float *p = malloc (np * sizeof *p), *g = malloc (np * sizeof *g);
    double loss, lp, lm, worst = 0.0;
    nn_net_get_params (net, p);
    nn_net_loss_grad (net, x, labels, 3, &loss, NULL);
    memcpy (g, nn_net_grads (net), np * sizeof *g);
    int checked = 0;
    for (size_t j = 0; j < np; j += 3) {
      const float keep = p[j], h = 1e-2f;
      if (g[j] == 0.0f && keep == 0.0f)
        continue; /* padding */
      p[j] = keep + h;
      nn_net_set_params (net, p);
      nn_net_loss_grad (net, x, labels, 3, &lp, NULL);
      p[j] = keep - h;
      nn_net_set_params (net, p);
      nn_net_loss_grad (net, x, labels, 3, &lm, NULL);
      p[j] = keep;
      const double num = (lp - lm) / (2.0 * h);
      worst = fmax (worst, fabs (num - g[j]) / fmax (0.05, fabs (num)));
      checked++;
    }
    CHECK (checked > 10 && worst < 2e-2,
           "'%s': %d gradients, worst rel err %.2e", specs[s], checked, worst);
    free (p);
    free (g);
    free (x);
    nn_net_free (net);
  }
}

int
main (void)
{
  create_rules ();
  describe ();
  batch_rules ();
  workers ();
  dropout ();
  pools ();
  return check_report ("train-net");
}
