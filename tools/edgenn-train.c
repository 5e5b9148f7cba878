/* edgenn-train: train a CNN classifier and export it as ONNX for the
 * edgeclassify element.
 *
 *   edgenn-train --idx-dir /usr/share/datasets/fashion-mnist \
 *       --labels labels.txt --epochs 15 -o model.onnx
 *   edgenn-train --train-dir photos/train --test-dir photos/test \
 *       --size 64x64 --color RGB -o model.onnx
 *
 * Images go through nn_preprocess() with the parameters written into the
 * model's metadata, so training sees the very tensors the element will
 * compute from video frames.
 */
#include "dataset.h"
#include "report.h"
#include "train-cli.h"

#include "nn/train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAGIC 0x45545331u /* "ETS1" */

/* Resumable state, saved inside each checkpoint. */
typedef struct train_state {
  uint32_t magic;
  int32_t epochs_done;
  int32_t best_epoch;
  int32_t bad_epochs;
  double best_val_acc;
  double train_seconds;
  uint64_t config_hash;
  nn_rng data_rng;
  int32_t n_history;
  rp_epoch history[TC_MAX_EPOCHS];
} train_state;

typedef struct data {
  ds_dataset *ds;
  float *x; /* (n, C, H, W), preprocessed */
  size_t n;
} data;

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process: with a shared machine, throughput per
 * CPU-second is the fairer speed figure. */
static double
cpu_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
fail (const char *what, const nn_error *err)
{
  fprintf (stderr, "edgenn-train: %s: %s\n", what, err->message);
  return 1;
}

/* ---- evaluation with the training net ---- */

typedef struct eval_result {
  double loss, acc;
  int64_t *cm; /* optional k x k */
} eval_result;

static nn_status
evaluate (nn_net *net, const float *x, const int32_t *labels,
          const uint32_t *idx, size_t n, size_t item, int batch, float *xb,
          float *probs, eval_result *r, nn_error *err)
{
  const int k = nn_net_n_classes (net);
  double loss = 0.0;
  size_t hits = 0;

  for (size_t at = 0; at < n; at += (size_t)batch) {
    const int nb = (int)(n - at < (size_t)batch ? n - at : (size_t)batch);
    for (int i = 0; i < nb; i++)
      memcpy (xb + i * item, x + (idx ? idx[at + i] : at + i) * item,
              item * sizeof *xb);
    nn_status st = nn_net_predict (net, xb, nb, probs, err);
    if (st != NN_OK)
      return st;
    for (int i = 0; i < nb; i++) {
      const float *p = probs + (size_t)i * k;
      const int32_t y = labels[idx ? idx[at + i] : at + i];
      int best = 0;
      for (int j = 1; j < k; j++)
        if (p[j] > p[best])
          best = j;
      hits += best == y;
      loss -= log (fmax (p[y], 1e-30));
      if (r->cm)
        r->cm[y * k + best]++;
    }
  }
  r->loss = n ? loss / n : -1.0;
  r->acc = n ? (double)hits / n : -1.0;
  return NN_OK;
}

/* ---- progress ---- */

static void
progress (const tc_options *o, int epoch, size_t done, size_t total,
          double loss, size_t hits, double t0, int final)
{
  const double el = now_s () - t0, ips = el > 0 ? done / el : 0.0;
  const int width = 28, fill = total ? (int)(width * done / total) : width;
  char bar[64];

  /* A terminal gets one line redrawn with '\r'; a log file or a pipe only
   * the final line of each epoch, plain. */
  const int tty = isatty (2);
  if (o->quiet || (!final && !tty))
    return;
  for (int i = 0; i < width; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  fprintf (stderr,
           "%sepoch %d/%d [%s] %3d%% loss %.4f acc %6.2f%% %6.0f img/s"
           " %5.1fs",
           tty ? "\r" : "", epoch, o->epochs, bar,
           total ? (int)(100 * done / total) : 100, done ? loss / done : 0.0,
           done ? 100.0 * hits / done : 0.0, ips, el);
  if (final && !tty)
    fputc ('\n', stderr);
  fflush (stderr);
}

/* ---- data ---- */

static int
load_data (const tc_options *o, const char *images, const char *labels,
           const char *dir, size_t limit, data *d, nn_error *err)
{
  nn_status st;
  if (dir)
    st = ds_load_folder (
        dir, strcmp (o->color, "GRAY") == 0 ? NN_PIX_GRAY8 : NN_PIX_RGB, limit,
        &d->ds, err);
  else
    st = ds_load_idx (images, labels, limit, &d->ds, err);
  if (st != NN_OK)
    return -1;
  if (dir)
    ds_report_skipped (d->ds, "edgenn-train", dir);
  d->n = d->ds->n;
  return 0;
}

static int
tensorize (const tc_options *o, const nn_preprocess_params *pp_params,
           int channels, data *d, nn_error *err)
{
  int max_w = 1, max_h = 1;
  nn_preprocessor *pp;
  for (size_t i = 0; i < d->n; i++) {
    if (d->ds->images[i].width > max_w)
      max_w = d->ds->images[i].width;
    if (d->ds->images[i].height > max_h)
      max_h = d->ds->images[i].height;
  }
  if (nn_preprocessor_create (pp_params, max_w, max_h, &pp, err) != NN_OK)
    return -1;
  const size_t item = (size_t)channels * o->height * o->width;
  free (d->x);
  d->x = malloc (d->n * item * sizeof *d->x);
  if (!d->x) {
    nn_preprocessor_free (pp);
    snprintf (err->message, sizeof err->message,
              "out of memory for %zu "
              "images",
              d->n);
    return -1;
  }
  nn_status st
      = ds_preprocess_all (d->ds, pp, channels, o->height, o->width, d->x, err);
  nn_preprocessor_free (pp);
  return st == NN_OK ? 0 : -1;
}

/* Per-channel mean and std of the [0, 1] tensor, rounded to 4 decimals so
 * the metadata stays readable. */
static void
channel_stats (const float *x, size_t n, int c, size_t plane, float *mean,
               float *std)
{
  for (int ch = 0; ch < c; ch++) {
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
      const float *p = x + (i * c + ch) * plane;
      for (size_t j = 0; j < plane; j++) {
        s += p[j];
        s2 += (double)p[j] * p[j];
      }
    }
    const double cnt = (double)n * plane, m = s / cnt;
    const double sd = sqrt (fmax (s2 / cnt - m * m, 1e-12));
    mean[ch] = (float)(round (m * 1e4) / 1e4);
    std[ch] = (float)fmax (round (sd * 1e4) / 1e4, 1e-4);
  }
}

/* ---- main ---- */

int
main (int argc, char **argv)
{
  tc_options o;
  nn_error err = { 0 };
  data train = { 0 }, test = { 0 };
  char **names = NULL;
  int n_names = 0, rc = 1;
  nn_net *net = NULL;
  train_state *state = NULL;
  float *best = NULL, *xb = NULL, *probs = NULL;
  uint32_t *order = NULL, *train_order = NULL;
  int32_t *yb = NULL;
  int64_t *cm = NULL;

  int prc = tc_parse (argc, argv, &o);
  if (prc >= 0)
    return prc;

  /* Data. */
  if (load_data (&o, o.train_images, o.train_labels, o.train_dir, o.limit,
                 &train, &err)
      != 0)
    return fail ("training data", &err);
  if ((o.test_images || o.test_dir)
      && load_data (&o, o.test_images, o.test_labels, o.test_dir, o.test_limit,
                    &test, &err)
             != 0) {
    rc = fail ("test data", &err);
    goto out;
  }
  const int k = train.ds->n_classes;
  if (!o.width) {
    /* IDX: the images' own size; folders: the seed CNN's. */
    o.width = o.height = 28;
    if (train.ds->pixels) {
      o.width = train.ds->images[0].width;
      o.height = train.ds->images[0].height;
    }
  }
  if (tc_class_names (&o, train.ds, &names, &n_names, &err) != 0) {
    rc = fail ("labels", &err);
    goto out;
  }
  /* Test folders are classes by name: the training folders' names, or the
   * class names when training from IDX. */
  if (o.test_dir
      && ds_map_classes (test.ds, o.test_dir, "the training data",
                         (const char *const *)(train.ds->class_names
                                                   ? train.ds->class_names
                                                   : names),
                         k, &err)
             != NN_OK) {
    rc = fail ("test data", &err);
    goto out;
  }
  if (test.ds && test.ds->n_classes > k) {
    fprintf (stderr,
             "edgenn-train: the test data has %d classes, the "
             "training data %d\n",
             test.ds->n_classes, k);
    goto out;
  }

  /* Preprocessing: first pass for statistics, then the real one. */
  const int c = strcmp (o.color, "GRAY") == 0 ? 1 : 3;
  const size_t plane = (size_t)o.height * o.width, item = c * plane;
  nn_preprocess_params pp;
  if (!o.have_mean || !o.have_std) {
    tc_preprocess_params (&o, c, 1, &pp);
    float mean[3], std[3];
    if (tensorize (&o, &pp, c, &train, &err) != 0) {
      rc = fail ("preprocessing", &err);
      goto out;
    }
    channel_stats (train.x, train.n, c, plane, mean, std);
    for (int ch = 0; ch < c; ch++) {
      if (!o.have_mean)
        o.mean[ch] = mean[ch];
      if (!o.have_std)
        o.std[ch] = std[ch];
    }
  }
  tc_preprocess_params (&o, c, 0, &pp);
  if (tensorize (&o, &pp, c, &train, &err) != 0
      || (test.ds && tensorize (&o, &pp, c, &test, &err) != 0)) {
    rc = fail ("preprocessing", &err);
    goto out;
  }
  /* What black becomes: the fill for shifted-in pixels. */
  float fill[3];
  {
    const uint8_t black[3] = { 0, 0, 0 };
    nn_image img = { c == 1 ? NN_PIX_GRAY8 : NN_PIX_RGB,
                     1,
                     1,
                     { black },
                     { c == 1 ? 1 : 3 },
                     NN_YUV_BT601,
                     1 };
    nn_preprocessor *p1;
    float *tmp = malloc (item * sizeof *tmp);
    if (!tmp || nn_preprocessor_create (&pp, 1, 1, &p1, &err) != NN_OK) {
      free (tmp);
      rc = fail ("preprocessing", &err);
      goto out;
    }
    nn_preprocess (p1, &img, NULL, tmp, NULL, &err);
    for (int ch = 0; ch < c; ch++)
      fill[ch] = tmp[ch * plane];
    nn_preprocessor_free (p1);
    free (tmp);
  }

  /* Split: a seeded shuffle decides the validation images. */
  nn_rng split_rng;
  nn_rng_seed (&split_rng, o.seed ^ 0x5eed5eedull);
  order = malloc (train.n * sizeof *order);
  if (!order) {
    fprintf (stderr, "edgenn-train: out of memory\n");
    goto out;
  }
  for (size_t i = 0; i < train.n; i++)
    order[i] = (uint32_t)i;
  size_t n_val = (size_t)llround (o.val * (double)train.n);
  if (n_val)
    nn_rng_shuffle (&split_rng, order, train.n);
  const size_t n_train = train.n - n_val;
  uint32_t *val_idx = order + n_train;
  /* Each epoch shuffles a fresh copy of the training indices, so an epoch's
   * order depends only on the RNG state, which checkpoints keep. */
  train_order = malloc ((n_train ? n_train : 1) * sizeof *train_order);
  if (!train_order) {
    fprintf (stderr, "edgenn-train: out of memory\n");
    goto out;
  }
  if (n_train < (size_t)o.batch && n_train < 2) {
    fprintf (stderr, "edgenn-train: only %zu training images\n", n_train);
    goto out;
  }

  /* Network and optimizer. */
  char spec[256];
  tc_arch (&o, k, spec, sizeof spec);
  nn_net_options nopts = { o.threads, o.batch, o.seed };
  if (nn_net_create (spec, c, o.height, o.width, &nopts, &net, &err) != NN_OK) {
    rc = fail ("architecture", &err);
    goto out;
  }
  if (nn_net_n_classes (net) != k) {
    fprintf (stderr,
             "edgenn-train: the architecture gives %d classes, the "
             "data has %d\n",
             nn_net_n_classes (net), k);
    goto out;
  }
  const long steps_per_epoch = (long)((n_train + o.batch - 1) / o.batch);
  nn_optim_config oc;
  tc_optim_config (&o, steps_per_epoch, &oc);
  if (nn_net_set_optimizer (net, &oc, &err) != NN_OK) {
    rc = fail ("optimizer", &err);
    goto out;
  }

  const size_t np = nn_net_n_params (net);
  const size_t extra_size = sizeof *state + np * sizeof (float);
  state = calloc (1, extra_size);
  best = (float *)(state + 1);
  xb = malloc ((size_t)o.batch * item * sizeof *xb);
  probs = malloc ((size_t)o.batch * k * sizeof *probs);
  yb = malloc ((size_t)o.batch * sizeof *yb);
  cm = calloc ((size_t)k * k, sizeof *cm);
  if (!state || !xb || !probs || !yb || !cm) {
    fprintf (stderr, "edgenn-train: out of memory\n");
    goto out;
  }
  state->magic = STATE_MAGIC;
  state->config_hash = tc_config_hash (&o, spec);
  state->best_epoch = -1;
  state->best_val_acc = -1.0;
  nn_rng_seed (&state->data_rng, o.seed);

  if (o.resume && access (o.checkpoint, F_OK) == 0) {
    uint64_t want = state->config_hash;
    if (nn_net_load_checkpoint (net, o.checkpoint, state, extra_size, &err)
        != NN_OK) {
      rc = fail ("resume", &err);
      goto out;
    }
    if (state->magic != STATE_MAGIC || state->config_hash != want) {
      fprintf (stderr,
               "edgenn-train: %s was made with other settings; "
               "remove it or train with the same options\n",
               o.checkpoint);
      goto out;
    }
    if (!o.quiet)
      fprintf (stderr, "resuming after epoch %d of %d\n", state->epochs_done,
               o.epochs);
  }

  if (!o.quiet) {
    char desc[4096];
    nn_net_describe (net, desc, sizeof desc);
    fprintf (stderr,
             "%zu training, %zu validation, %zu test images; %d "
             "classes; input %dx%dx%d; mean %g std %g; %d thread(s)\n%s",
             n_train, n_val, test.n, k, c, o.height, o.width, o.mean[0],
             o.std[0], nn_net_threads (net), desc);
  }

  /* Training. */
  const int first_epoch = state->epochs_done;
  for (int e = first_epoch; e < o.epochs; e++) {
    if (o.stop_after && e - first_epoch >= o.stop_after) {
      if (!o.quiet)
        fprintf (stderr, "stopping after %d epoch(s); --resume continues\n",
                 o.stop_after);
      rc = 0;
      goto out;
    }
    const double t0 = now_s (), c0 = cpu_s ();
    double loss_sum = 0.0, last_bar = 0.0;
    size_t hits = 0, done = 0;
    nn_step_stats ss = { 0 };

    memcpy (train_order, order, n_train * sizeof *order);
    nn_rng_shuffle (&state->data_rng, train_order, n_train);
    for (size_t at = 0; at < n_train; at += (size_t)o.batch) {
      const int nb = (int)(n_train - at < (size_t)o.batch ? n_train - at
                                                          : (size_t)o.batch);
      for (int i = 0; i < nb; i++) {
        const float *src = train.x + (size_t)train_order[at + i] * item;
        float *dst = xb + (size_t)i * item;
        if (o.aug.shift || o.aug.hflip || o.aug.erase)
          nn_augment_image (&o.aug, &state->data_rng, c, o.height, o.width, src,
                            fill, dst);
        else
          memcpy (dst, src, item * sizeof *dst);
        yb[i] = train.ds->labels[train_order[at + i]];
      }
      if (nn_net_train_step (net, xb, yb, nb, &ss, &err) != NN_OK) {
        rc = fail ("training", &err);
        goto out;
      }
      loss_sum += ss.loss_sum;
      hits += (size_t)ss.correct;
      done += (size_t)nb;
      if (now_s () - last_bar > 0.2) {
        progress (&o, e + 1, done, n_train, loss_sum, hits, t0, 0);
        last_bar = now_s ();
      }
    }
    const double secs = now_s () - t0, cpu = cpu_s () - c0;
    progress (&o, e + 1, done, n_train, loss_sum, hits, t0, 1);

    rp_epoch *h = &state->history[state->n_history++];
    h->epoch = e + 1;
    h->lr = ss.lr;
    h->train_loss = loss_sum / done;
    h->train_acc = (double)hits / done;
    h->seconds = secs;
    h->images_per_s = done / secs;
    h->cpu_seconds = cpu;
    state->train_seconds += secs;
    eval_result vr = { -1, -1, NULL }, tr = { -1, -1, NULL };
    if (n_val
        && evaluate (net, train.x, train.ds->labels, val_idx, n_val, item,
                     o.batch, xb, probs, &vr, &err)
               != NN_OK) {
      rc = fail ("validation", &err);
      goto out;
    }
    if (test.ds
        && evaluate (net, test.x, test.ds->labels, NULL, test.n, item, o.batch,
                     xb, probs, &tr, &err)
               != NN_OK) {
      rc = fail ("test", &err);
      goto out;
    }
    h->val_loss = vr.loss;
    h->val_acc = vr.acc;
    h->test_loss = tr.loss;
    h->test_acc = tr.acc;
    if (!o.quiet) {
      if (n_val)
        fprintf (stderr, "  val loss %.4f acc %.2f%%", vr.loss, 100 * vr.acc);
      if (test.ds)
        fprintf (stderr, "  test loss %.4f acc %.2f%%", tr.loss, 100 * tr.acc);
      fprintf (stderr, "  lr %.3g\n", (double)ss.lr);
    }

    /* Model selection on validation only; the test set never decides. */
    state->epochs_done = e + 1;
    int stop = 0;
    if (n_val) {
      if (vr.acc > state->best_val_acc) {
        state->best_val_acc = vr.acc;
        state->best_epoch = e + 1;
        state->bad_epochs = 0;
        nn_net_get_params (net, best);
      } else if (++state->bad_epochs >= o.patience && o.patience > 0) {
        stop = 1;
      }
    }
    if (nn_net_save_checkpoint (net, o.checkpoint, state, extra_size, &err)
        != NN_OK) {
      rc = fail ("checkpoint", &err);
      goto out;
    }
    if (stop) {
      if (!o.quiet)
        fprintf (stderr, "early stop: no validation gain for %d epochs\n",
                 o.patience);
      break;
    }
  }
  if (n_val && state->best_epoch > 0) {
    nn_net_set_params (net, best);
    if (!o.quiet)
      fprintf (stderr, "keeping epoch %d (validation accuracy %.2f%%)\n",
               state->best_epoch, 100 * state->best_val_acc);
  }

  /* Export, then the report. */
  nn_export_info info = { (const char *const *)names,
                          n_names,
                          o.color,
                          (float)(1.0 / 255.0),
                          { 0 },
                          { 0 },
                          o.resize,
                          o.export_batch,
                          "Trained by edgenn-train." };
  for (int ch = 0; ch < c; ch++) {
    info.mean[ch] = o.mean[ch];
    info.std[ch] = o.std[ch];
  }
  if (nn_net_export_onnx (net, &info, o.output, &err) != NN_OK) {
    rc = fail ("export", &err);
    goto out;
  }
  eval_result fr = { -1, -1, cm };
  if (test.ds
      && evaluate (net, test.x, test.ds->labels, NULL, test.n, item, o.batch,
                   xb, probs, &fr, &err)
             != NN_OK) {
    rc = fail ("test", &err);
    goto out;
  }
  if (tc_write_report (&o, argc, argv, net, state->history, state->n_history,
                       state->train_seconds, n_train, n_val, test.n,
                       test.ds ? cm : NULL, k, names)
      != 0)
    goto out;
  if (test.ds)
    printf ("test accuracy: %.2f%% (%zu images)\n", 100 * fr.acc, test.n);
  printf ("model: %s\n", o.output);
  /* The checkpoint (weights and optimizer state, several times the
   * model's size) is for resuming an unfinished run: done, it goes. */
  if (!o.keep_checkpoint && unlink (o.checkpoint) != 0 && errno != ENOENT)
    fprintf (stderr, "edgenn-train: warning: cannot remove %s: %s\n",
             o.checkpoint, strerror (errno));
  rc = 0;

out:
  nn_net_free (net);
  free (state);
  free (xb);
  free (probs);
  free (yb);
  free (cm);
  free (order);
  free (train_order);
  free (train.x);
  free (test.x);
  ds_free (train.ds);
  ds_free (test.ds);
  ds_free_labels (names);
  return rc;
}
