/* edgenn-train's command line, settings and report (the training loop is in
 * edgenn-train.c). */
#ifndef EDGENN_TRAIN_CLI_H
#define EDGENN_TRAIN_CLI_H

#include "dataset.h"
#include "report.h"

#include "nn/train.h"

#include <stdint.h>

#define TC_MAX_EPOCHS 1000
#define TC_PATH_MAX 4096

typedef struct tc_options {
  /* data */
  const char *train_images, *train_labels, *test_images, *test_labels;
  const char *train_dir, *test_dir, *labels;
  size_t limit, test_limit;
  double val; /* fraction held out for validation */
  /* model */
  const char *arch; /* NULL: the seed CNN for the class count */
  int width, height;
  const char *color, *resize;
  float mean[3], std[3];
  int have_mean, have_std;
  int export_batch;
  /* optimisation */
  int epochs, batch, threads, deterministic;
  uint64_t seed;
  nn_optimizer optimizer;
  float lr, momentum, weight_decay, min_lr, gamma, clip_norm;
  int nesterov, step_epochs, warmup_epochs, patience;
  nn_schedule schedule;
  nn_augment aug;
  /* outputs */
  const char *output, *checkpoint, *report_dir;
  int resume, quiet, no_report;
  int keep_checkpoint; /* else removed after a finished run */
  int stop_after;      /* epochs to run in this invocation */
  /* storage for derived paths */
  char paths[6][TC_PATH_MAX];
} tc_options;

/* Returns -1 to go on, or the exit status (0 after --help, 2 on a usage
 * error, already reported on stderr). */
int tc_parse (int argc, char **argv, tc_options *o);

/* Class names: the --labels file, else the folder names, else "0".."k-1".
 * NULL-terminated, free with ds_free_labels. */
int tc_class_names (const tc_options *o, const ds_dataset *ds, char ***names,
                    int *n, nn_error *err);

/* raw: mean 0, std 1 (x/255 only), for measuring the statistics. */
void tc_preprocess_params (const tc_options *o, int channels, int raw,
                           nn_preprocess_params *p);
void tc_arch (const tc_options *o, int classes, char *spec, size_t size);
void tc_optim_config (const tc_options *o, long steps_per_epoch,
                      nn_optim_config *c);
/* Hash of every setting that changes the trained bits (not the thread
 * count's effect on rounding, not output paths), for --resume. */
uint64_t tc_config_hash (const tc_options *o, const char *spec);

/* <stem>-report.md, <stem>-curves.csv, <stem>-curves.png in the report
 * folder. cm may be NULL (no test set). 0 or -1 (reported). */
int tc_write_report (const tc_options *o, int argc, char **argv,
                     const nn_net *net, const rp_epoch *h, int n_epochs,
                     double seconds, size_t n_train, size_t n_val,
                     size_t n_test, const int64_t *cm, int k,
                     char *const *names);

#endif /* EDGENN_TRAIN_CLI_H */
