/* Training and evaluation reports shared by edgenn-train and edgenn-eval:
 * learning curves (CSV + a PNG drawn with Cairo), confusion matrices and
 * per-class accuracy as Markdown tables. */
#ifndef EDGENN_REPORT_H
#define EDGENN_REPORT_H

#include <stdint.h>
#include <stdio.h>

/* One epoch of training. Negative loss/accuracy: not measured. */
typedef struct rp_epoch {
  int32_t epoch; /* 1-based */
  float lr;      /* at the end of the epoch */
  double train_loss, train_acc;
  double val_loss, val_acc;
  double test_loss, test_acc;
  double seconds; /* training time of this epoch */
  double images_per_s;
  double cpu_seconds; /* CPU time of all threads in this epoch */
} rp_epoch;

/* 0 on success, -1 with errno or a Cairo failure. */
int rp_write_csv (const char *path, const rp_epoch *h, int n);
int rp_write_plot (const char *path, const rp_epoch *h, int n,
                   const char *title);

/* cm: k x k counts, rows = true class, columns = predicted. */
void rp_confusion_markdown (FILE *f, const int64_t *cm, int k,
                            char *const *names);
void rp_per_class_markdown (FILE *f, const int64_t *cm, int k,
                            char *const *names);
/* Trace / total. */
double rp_accuracy (const int64_t *cm, int k);

#endif /* EDGENN_REPORT_H */
