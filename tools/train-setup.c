/* edgenn-train: settings derived from the options (class names,
 * preprocessing, architecture, optimizer, the resume hash) and the report
 * (Markdown summary, curves CSV and PNG). */
#include "train-cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
tc_class_names (const tc_options *o, const ds_dataset *ds, char ***names,
                int *n, nn_error *err)
{
  const int k = ds->n_classes;
  char **v;

  if (o->labels) {
    if (ds_read_labels (o->labels, names, n, err) != NN_OK)
      return -1;
    if (*n != k) {
      snprintf (err->message, sizeof err->message,
                "%s has %d labels, the "
                "training data %d classes",
                o->labels, *n, k);
      ds_free_labels (*names);
      *names = NULL;
      return -1;
    }
    return 0;
  }
  v = calloc ((size_t)k + 1, sizeof *v);
  if (!v)
    goto nomem;
  for (int i = 0; i < k; i++) {
    if (ds->class_names)
      v[i] = strdup (ds->class_names[i]);
    else if (asprintf (&v[i], "%d", i) < 0)
      v[i] = NULL;
    if (!v[i]) {
      ds_free_labels (v);
      goto nomem;
    }
  }
  *names = v;
  *n = k;
  return 0;

nomem:
  snprintf (err->message, sizeof err->message, "out of memory");
  return -1;
}

void
tc_preprocess_params (const tc_options *o, int channels, int raw,
                      nn_preprocess_params *p)
{
  const nn_color color = strcmp (o->color, "GRAY") == 0  ? NN_COLOR_GRAY
                         : strcmp (o->color, "BGR") == 0 ? NN_COLOR_BGR
                                                         : NN_COLOR_RGB;
  nn_preprocess_params_init (p, o->width, o->height, color);
  p->mode = strcmp (o->resize, "letterbox") == 0     ? NN_RESIZE_LETTERBOX
            : strcmp (o->resize, "center-crop") == 0 ? NN_RESIZE_CENTER_CROP
                                                     : NN_RESIZE_STRETCH;
  for (int c = 0; c < channels; c++) {
    p->mean[c] = raw ? 0.0f : o->mean[c];
    p->std[c] = raw ? 1.0f : o->std[c];
  }
}

void
tc_arch (const tc_options *o, int classes, char *spec, size_t size)
{
  if (o->arch)
    snprintf (spec, size, "%s", o->arch);
  else
    snprintf (spec, size,
              "conv32x3,pool2,conv64x3,pool2,conv64x3,flatten,"
              "dense64,dense%d",
              classes);
}

void
tc_optim_config (const tc_options *o, long steps_per_epoch, nn_optim_config *c)
{
  nn_optim_config_init (c);
  c->optimizer = o->optimizer;
  c->lr = o->lr;
  c->momentum = o->momentum;
  c->nesterov = o->nesterov;
  c->weight_decay = o->weight_decay;
  c->schedule = o->schedule;
  c->total_steps = steps_per_epoch * o->epochs;
  c->step_size = steps_per_epoch * o->step_epochs;
  c->gamma = o->gamma;
  c->warmup_steps = steps_per_epoch * o->warmup_epochs;
  c->min_lr = o->min_lr;
  c->clip_norm = o->clip_norm;
}

uint64_t
tc_config_hash (const tc_options *o, const char *spec)
{
  char buf[1024];
  uint64_t h = 0xcbf29ce484222325ull;
  int n = snprintf (
      buf, sizeof buf,
      "%s|%dx%d|%s|%s|%g,%g,%g|%g,%g,%g|%zu|"
      "%g|%d|%d|%llu|%d|%g|%g|%d|%g|%d|%g|%g|%d|%d|%d,%d,%d|%d|%g",
      spec, o->width, o->height, o->color, o->resize, o->mean[0], o->mean[1],
      o->mean[2], o->std[0], o->std[1], o->std[2], o->limit, o->val, o->epochs,
      o->batch, (unsigned long long)o->seed, (int)o->optimizer, o->lr,
      o->momentum, o->nesterov, o->weight_decay, (int)o->schedule, o->min_lr,
      o->gamma, o->step_epochs, o->warmup_epochs, o->aug.shift, o->aug.hflip,
      o->aug.erase, o->patience, o->clip_norm);
  for (int i = 0; i < n && i < (int)sizeof buf; i++) {
    h ^= (uint8_t)buf[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* 0, or -1 when a path would not fit. */
static int
report_paths (const tc_options *o, char *md, char *csv, char *png)
{
  char stem[TC_PATH_MAX];
  const char *base = strrchr (o->output, '/');
  snprintf (stem, sizeof stem, "%s", base ? base + 1 : o->output);
  char *dot = strrchr (stem, '.');
  if (dot && strcmp (dot, ".onnx") == 0)
    *dot = '\0';
  if (snprintf (md, TC_PATH_MAX, "%s/%s-report.md", o->report_dir, stem)
          >= TC_PATH_MAX
      || snprintf (csv, TC_PATH_MAX, "%s/%s-curves.csv", o->report_dir, stem)
             >= TC_PATH_MAX
      || snprintf (png, TC_PATH_MAX, "%s/%s-curves.png", o->report_dir, stem)
             >= TC_PATH_MAX)
    return -1;
  return 0;
}

int
tc_write_report (const tc_options *o, int argc, char **argv, const nn_net *net,
                 const rp_epoch *h, int n_epochs, double seconds,
                 size_t n_train, size_t n_val, size_t n_test, const int64_t *cm,
                 int k, char *const *names)
{
  char md[TC_PATH_MAX], csv[TC_PATH_MAX], png[TC_PATH_MAX], desc[4096];
  FILE *f;

  if (o->no_report)
    return 0;
  if (report_paths (o, md, csv, png) != 0) {
    fprintf (stderr, "edgenn-train: report paths are too long\n");
    return -1;
  }
  if (rp_write_csv (csv, h, n_epochs) != 0) {
    fprintf (stderr, "edgenn-train: cannot write %s: %s\n", csv,
             strerror (errno));
    return -1;
  }
  if (rp_write_plot (png, h, n_epochs, "edgenn-train learning curves") != 0) {
    fprintf (stderr, "edgenn-train: cannot write %s\n", png);
    return -1;
  }
  f = fopen (md, "w");
  if (!f) {
    fprintf (stderr, "edgenn-train: cannot write %s: %s\n", md,
             strerror (errno));
    return -1;
  }
  fprintf (f, "# Training report\n\nCommand:\n\n    edgenn-train");
  for (int i = 1; i < argc; i++)
    fprintf (f, " %s", argv[i]);
  nn_net_describe (net, desc, sizeof desc);
  fprintf (f,
           "\n\n- images: %zu training, %zu validation, %zu test\n"
           "- input: %s %dx%d, resize %s, x/255 then mean %g std %g\n"
           "- optimizer: %s lr %g, %s schedule, batch %d, seed %llu, %d "
           "thread(s)\n- epochs run: %d, training time %.1f s (%.1f s/epoch)\n"
           "\n```\n%s```\n",
           n_train, n_val, n_test, o->color, o->width, o->height, o->resize,
           o->mean[0], o->std[0], o->optimizer == NN_OPT_ADAM ? "Adam" : "SGD",
           o->lr,
           o->schedule == NN_SCHED_COSINE ? "cosine"
           : o->schedule == NN_SCHED_STEP ? "step"
                                          : "constant",
           o->batch, (unsigned long long)o->seed, nn_net_threads (net),
           n_epochs, seconds, n_epochs ? seconds / n_epochs : 0.0, desc);
  fprintf (f,
           "\n## Curves\n\n![curves](%s)\n\n| epoch | loss | acc | "
           "val acc | test acc | img/s |\n|---:|---:|---:|---:|---:|---:|\n",
           strrchr (png, '/') ? strrchr (png, '/') + 1 : png);
  for (int i = 0; i < n_epochs; i++) {
    char val[16] = "-", test[16] = "-";
    if (h[i].val_acc >= 0)
      snprintf (val, sizeof val, "%.2f%%", 100 * h[i].val_acc);
    if (h[i].test_acc >= 0)
      snprintf (test, sizeof test, "%.2f%%", 100 * h[i].test_acc);
    fprintf (f, "| %d | %.4f | %.2f%% | %s | %s | %.0f |\n", h[i].epoch,
             h[i].train_loss, 100 * h[i].train_acc, val, test,
             h[i].images_per_s);
  }
  if (cm) {
    fprintf (f, "\n## Test set\n\nTop-1 accuracy: **%.2f%%**\n\n",
             100 * rp_accuracy (cm, k));
    rp_per_class_markdown (f, cm, k, names);
    fprintf (f, "\nConfusion matrix (rows: true class, columns: "
                "predicted):\n\n");
    rp_confusion_markdown (f, cm, k, names);
  }
  if (fclose (f) != 0) {
    fprintf (stderr, "edgenn-train: cannot write %s\n", md);
    return -1;
  }
  return 0;
}
