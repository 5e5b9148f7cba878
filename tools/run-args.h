/* edgenn-run's command line: the options, their parsing and the one-line
 * error report every problem ends with. */
#ifndef TOOLS_RUN_ARGS_H
#define TOOLS_RUN_ARGS_H

#include "nn/nn.h"

#include <stdbool.h>
#include <stdio.h>

#define MAX_SHAPES 16

typedef struct run_args {
  const char *model;
  const char *input;
  const char *output;
  long runs, warmup, threads, batch;
  bool reference, json, check, profile;
  /* --input-shape: entry 0 is the unnamed one (the first input), if any */
  nn_input_shape shapes[MAX_SHAPES];
  size_t n_shapes;
} run_args;

void run_usage (FILE *f);

/* Prints "edgenn-run: <message>" on stderr; returns 1 (the exit status). */
int run_die (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Fills @a from the command line: 0 to go on, 2 for --help, 1 after a
 * problem (reported with run_die). */
int run_parse_args (int argc, char **argv, run_args *a);

#endif
