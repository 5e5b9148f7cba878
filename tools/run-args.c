/* edgenn-run's command line: see run-args.h. */
#include "run-args.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
run_usage (FILE *f)
{
  fputs (
      "usage: edgenn-run MODEL [--input IN.npy] [--output OUT.npy] "
      "[--runs N] [--threads T]\n"
      "                  [--batch B] [--warmup W] [--input-shape [NAME=]DIMS]"
      "\n"
      "                  [--reference] [--profile] [--json]\n"
      "       edgenn-run --check MODEL [--input-shape [NAME=]DIMS]\n"
      "\n"
      "Describes MODEL (inputs, outputs, operator counts, GFLOPs), runs it "
      "on IN.npy\n"
      "(float32, C order, exactly the first input's shape) or on seeded "
      "random data,\n"
      "writes the first output to OUT.npy, prints its top-5 (of the first "
      "batch item:\n"
      "probabilities when the model's metadata says its outputs are "
      "logits, and the\n"
      "model's labels when it has them) and the latency of N timed runs "
      "after W\n"
      "warm-up runs.\n"
      "\n"
      "  --check        check that MODEL can run, without running it: list "
      "every\n"
      "                 unsupported node, operator, attribute or opset "
      "(status 1 if\n"
      "                 any), else describe it. An image input's symbolic "
      "height and\n"
      "                 width are checked at the model's "
      "edgeclassify.input-size,\n"
      "                 else 224x224\n"
      "  --runs N       timed runs (default 20)\n"
      "  --warmup W     untimed runs before them (default 2)\n"
      "  --threads T    session worker threads (default 1)\n"
      "  --batch B      batch size (default: the model's own)\n"
      "  --input-shape [NAME=]DIMS\n"
      "                 shape of the first input (or of input NAME), as "
      "1x3x224x224:\n"
      "                 binds its symbolic dimensions; repeatable. Without "
      "it, IN.npy's\n"
      "                 shape binds the first input\n"
      "  --reference    use the naive reference kernels\n"
      "  --profile      time every step of the timed runs: per node and per "
      "operator,\n"
      "                 the mean time, its share of the run and GFLOP/s "
      "(in --json too)\n"
      "  --json         print only one line of JSON holding the results (no "
      "report)\n",
      f);
}

int
run_die (const char *fmt, ...)
{
  va_list ap;

  fputs ("edgenn-run: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return 1;
}

/* Strict decimal integer in [min, max]; 0 on success. */
static int
parse_long (const char *flag, const char *text, long min, long max, long *out)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (text, &end, 10);
  if (text[0] == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max)
    return run_die ("%s needs an integer from %ld to %ld, not '%s'", flag, min,
                    max, text);
  *out = v;
  return 0;
}

/* "[NAME=]D0xD1x..." into a->shapes. 0 on success. */
static int
parse_shape (const char *text, run_args *a)
{
  const char *eq = strrchr (text, '=');
  const char *p = eq ? eq + 1 : text;
  nn_input_shape sh = { NULL, 0, { 0 } };
  size_t at;

  if (eq) {
    if (eq == text)
      return run_die ("--input-shape '%s': the input name before '=' is empty",
                      text);
    sh.name = strndup (text, (size_t)(eq - text));
    if (!sh.name)
      return run_die ("out of memory");
  }
  for (;;) {
    char *end;
    long long v;
    if (sh.ndim == NN_MAX_DIMS)
      goto bad;
    errno = 0;
    v = strtoll (p, &end, 10);
    if (end == p || *p == '-' || *p == '+' || errno == ERANGE || v < 1
        || v > INT32_MAX)
      goto bad;
    sh.dims[sh.ndim++] = v;
    if (*end == '\0')
      break;
    if (*end != 'x')
      goto bad;
    p = end + 1;
  }
  if (!sh.name && a->n_shapes && !a->shapes[0].name)
    return run_die ("--input-shape without a name is given twice (name the "
                    "inputs: NAME=DIMS)");
  if (a->n_shapes == MAX_SHAPES)
    return run_die ("at most %d --input-shape options", MAX_SHAPES);
  /* The unnamed one binds the first input: nn reads a NULL name as the
   * input at the entry's own index. */
  at = a->n_shapes++;
  if (!sh.name && at > 0) {
    a->shapes[at] = a->shapes[0];
    at = 0;
  }
  a->shapes[at] = sh;
  return 0;

bad:
  free ((char *)sh.name);
  return run_die ("--input-shape needs dimensions of 1 or more such as "
                  "1x3x224x224 (at most %d), not '%s'",
                  NN_MAX_DIMS, text);
}

/* Whether the option name in arg (its first len bytes) is `name`. */
static bool
flag_is (const char *arg, size_t len, const char *name)
{
  return strlen (name) == len && strncmp (arg, name, len) == 0;
}

/* Returns 0 to go on, 1 on a bad command line (reported), 2 for --help. */
int
run_parse_args (int argc, char **argv, run_args *a)
{
  static const struct {
    const char *name;
    long min, max;
    size_t off;
  } num_flags[] = {
    { "--runs", 1, 1000000, offsetof (run_args, runs) },
    { "--warmup", 0, 1000000, offsetof (run_args, warmup) },
    { "--threads", 1, 256, offsetof (run_args, threads) },
    { "--batch", 1, 65536, offsetof (run_args, batch) },
  };
  const size_t n_num = sizeof num_flags / sizeof num_flags[0];

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char *value = NULL;
    size_t len, k;

    if (arg[0] != '-') {
      if (a->model)
        return run_die ("more than one model given ('%s' and '%s')", a->model,
                        arg);
      a->model = arg;
      continue;
    }
    if (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0)
      return 2;
    if (strcmp (arg, "--check") == 0) {
      a->check = true;
      continue;
    }
    if (strcmp (arg, "--reference") == 0) {
      a->reference = true;
      continue;
    }
    if (strcmp (arg, "--json") == 0) {
      a->json = true;
      continue;
    }
    if (strcmp (arg, "--profile") == 0) {
      a->profile = true;
      continue;
    }
    /* The remaining flags take a value: "--flag VALUE" or "--flag=VALUE". */
    len = strcspn (arg, "=");
    for (k = 0; k < n_num && !flag_is (arg, len, num_flags[k].name); k++)
      ;
    if (k == n_num && !flag_is (arg, len, "--input")
        && !flag_is (arg, len, "--output")
        && !flag_is (arg, len, "--input-shape"))
      return run_die ("unknown option '%s' (try --help)", arg);
    if (arg[len] == '=')
      value = arg + len + 1;
    else if (i + 1 < argc)
      value = argv[++i];
    else
      return run_die ("%s needs a value", arg);

    if (flag_is (arg, len, "--input"))
      a->input = value;
    else if (flag_is (arg, len, "--input-shape")) {
      if (parse_shape (value, a) != 0)
        return 1;
    } else if (flag_is (arg, len, "--output"))
      a->output = value;
    else if (parse_long (num_flags[k].name, value, num_flags[k].min,
                         num_flags[k].max,
                         (long *)((char *)a + num_flags[k].off))
             != 0)
      return 1;
  }
  if (!a->model)
    return run_die ("no model given (try --help)");
  if (a->check && a->json)
    return run_die ("--check prints a report of its own; drop --json");
  if (a->check && a->profile)
    return run_die ("--check does not run the model; drop --profile");
  if (a->input && a->input[0] == '\0')
    return run_die ("--input needs a file name");
  if (a->output && a->output[0] == '\0')
    return run_die ("--output needs a file name");
  return 0;
}
