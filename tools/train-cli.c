/* edgenn-train options, derived settings and the training report. */
#include "train-cli.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[]
    = "Usage: edgenn-train [OPTION]... -o MODEL.onnx\n"
      "Train a CNN classifier and export it as ONNX with the preprocessing\n"
      "metadata the edgeclassify element reads.\n"
      "\n"
      "Data (IDX files, plain or .gz, or folders with one sub-folder a "
      "class):\n"
      "  --idx-dir DIR           "
      "train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz]\n"
      "  --train-images FILE --train-labels FILE\n"
      "  --test-images FILE  --test-labels FILE\n"
      "  --train-dir DIR         --test-dir DIR\n"
      "                          (test folders match the classes by name; "
      "files\n"
      "                          not named like images are skipped)\n"
      "  --labels FILE           class names, one a line, in class order\n"
      "  --limit N               use the first N training images (per class\n"
      "                          for folders); --test-limit N likewise\n"
      "  --val F                 hold out a seeded fraction F for validation "
      "(0)\n"
      "Model:\n"
      "  --arch SPEC             default: the seed CNN\n"
      "                          "
      "conv32x3,pool2,conv64x3,pool2,conv64x3,flatten,\n"
      "                          dense64,denseK (K = number of classes)\n"
      "  --size WxH              model input (IDX: its own size; folders: "
      "28x28)\n"
      "  --color GRAY|RGB|BGR    (IDX: GRAY; folders: RGB)\n"
      "  --resize stretch|letterbox|center-crop   (stretch)\n"
      "  --mean A[,B,C] --std A[,B,C]   normalisation after x/255 (default:\n"
      "                          measured on the training images)\n"
      "  --export-batch N        fixed batch in the ONNX input (0: symbolic "
      "N)\n"
      "Training:\n"
      "  --epochs N (15)  --batch N (64)  --seed N (1)\n"
      "  --optimizer adam|sgd (adam)  --lr F (1e-3 adam, 0.05 sgd)\n"
      "  --momentum F (0.9)  --nesterov  --weight-decay F (0)\n"
      "  --schedule constant|step|cosine (cosine)  --min-lr F (0)\n"
      "  --step-epochs N (5)  --gamma F (0.1)  --warmup-epochs N (0)\n"
      "  --clip-norm F           clip the gradient's global L2 norm (off)\n"
      "  --augment LIST          none, or any of shiftN,flip,eraseN (none)\n"
      "  --patience N            stop after N epochs without validation gain\n"
      "  --threads N             workers (default: online CPUs, at most 8)\n"
      "  --deterministic         one thread: the same seed gives the same "
      "bytes\n"
      "                          (runs with a fixed --threads are "
      "reproducible\n"
      "                          too, but differ from other thread counts)\n"
      "Output:\n"
      "  -o, --output FILE       model (model.onnx)\n"
      "  --checkpoint FILE       written every epoch (MODEL.ckpt); removed "
      "once\n"
      "                          training finishes\n"
      "  --keep-checkpoint       keep it after a finished run\n"
      "  --resume                continue from the checkpoint if present\n"
      "  --stop-after N          run at most N epochs now (resume later)\n"
      "  --report-dir DIR        report, curves CSV and PNG (the model's "
      "folder)\n"
      "  --no-report  -q, --quiet  -h, --help\n";

enum {
  OPT_IDX_DIR = 256,
  OPT_TRAIN_IMAGES,
  OPT_TRAIN_LABELS,
  OPT_TEST_IMAGES,
  OPT_TEST_LABELS,
  OPT_TRAIN_DIR,
  OPT_TEST_DIR,
  OPT_LABELS,
  OPT_LIMIT,
  OPT_TEST_LIMIT,
  OPT_VAL,
  OPT_ARCH,
  OPT_SIZE,
  OPT_COLOR,
  OPT_RESIZE,
  OPT_MEAN,
  OPT_STD,
  OPT_EXPORT_BATCH,
  OPT_EPOCHS,
  OPT_BATCH,
  OPT_SEED,
  OPT_OPTIMIZER,
  OPT_LR,
  OPT_MOMENTUM,
  OPT_NESTEROV,
  OPT_WD,
  OPT_SCHEDULE,
  OPT_MIN_LR,
  OPT_STEP_EPOCHS,
  OPT_GAMMA,
  OPT_WARMUP,
  OPT_AUGMENT,
  OPT_PATIENCE,
  OPT_THREADS,
  OPT_DETERMINISTIC,
  OPT_CHECKPOINT,
  OPT_KEEP_CHECKPOINT,
  OPT_RESUME,
  OPT_REPORT_DIR,
  OPT_NO_REPORT,
  OPT_STOP_AFTER,
  OPT_CLIP
};

static const struct option long_opts[]
    = { { "idx-dir", 1, 0, OPT_IDX_DIR },
        { "train-images", 1, 0, OPT_TRAIN_IMAGES },
        { "train-labels", 1, 0, OPT_TRAIN_LABELS },
        { "test-images", 1, 0, OPT_TEST_IMAGES },
        { "test-labels", 1, 0, OPT_TEST_LABELS },
        { "train-dir", 1, 0, OPT_TRAIN_DIR },
        { "test-dir", 1, 0, OPT_TEST_DIR },
        { "labels", 1, 0, OPT_LABELS },
        { "limit", 1, 0, OPT_LIMIT },
        { "test-limit", 1, 0, OPT_TEST_LIMIT },
        { "val", 1, 0, OPT_VAL },
        { "arch", 1, 0, OPT_ARCH },
        { "size", 1, 0, OPT_SIZE },
        { "color", 1, 0, OPT_COLOR },
        { "resize", 1, 0, OPT_RESIZE },
        { "mean", 1, 0, OPT_MEAN },
        { "std", 1, 0, OPT_STD },
        { "export-batch", 1, 0, OPT_EXPORT_BATCH },
        { "epochs", 1, 0, OPT_EPOCHS },
        { "batch", 1, 0, OPT_BATCH },
        { "seed", 1, 0, OPT_SEED },
        { "optimizer", 1, 0, OPT_OPTIMIZER },
        { "lr", 1, 0, OPT_LR },
        { "momentum", 1, 0, OPT_MOMENTUM },
        { "nesterov", 0, 0, OPT_NESTEROV },
        { "weight-decay", 1, 0, OPT_WD },
        { "schedule", 1, 0, OPT_SCHEDULE },
        { "min-lr", 1, 0, OPT_MIN_LR },
        { "step-epochs", 1, 0, OPT_STEP_EPOCHS },
        { "gamma", 1, 0, OPT_GAMMA },
        { "warmup-epochs", 1, 0, OPT_WARMUP },
        { "augment", 1, 0, OPT_AUGMENT },
        { "patience", 1, 0, OPT_PATIENCE },
        { "threads", 1, 0, OPT_THREADS },
        { "deterministic", 0, 0, OPT_DETERMINISTIC },
        { "output", 1, 0, 'o' },
        { "checkpoint", 1, 0, OPT_CHECKPOINT },
        { "keep-checkpoint", 0, 0, OPT_KEEP_CHECKPOINT },
        { "resume", 0, 0, OPT_RESUME },
        { "report-dir", 1, 0, OPT_REPORT_DIR },
        { "no-report", 0, 0, OPT_NO_REPORT },
        { "stop-after", 1, 0, OPT_STOP_AFTER },
        { "clip-norm", 1, 0, OPT_CLIP },
        { "quiet", 0, 0, 'q' },
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 } };

static int
bad (const char *opt, const char *val, const char *why)
{
  fprintf (stderr,
           "edgenn-train: --%s %s: %s\n"
           "Try 'edgenn-train --help'.\n",
           opt, val ? val : "", why);
  return 2;
}

/* Whole-string integer in [lo, hi]. */
static int
parse_long (const char *s, long lo, long hi, long *out)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int
parse_double (const char *s, double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (errno || end == s || *end || !(v >= lo && v <= hi))
    return -1;
  *out = v;
  return 0;
}

/* "A" or "A,B,C" */
static int
parse_floats (const char *s, float *v, int *n)
{
  char buf[128], *save = NULL;
  *n = 0;
  if (strlen (s) >= sizeof buf)
    return -1;
  strcpy (buf, s);
  for (char *t = strtok_r (buf, ",", &save); t;
       t = strtok_r (NULL, ",", &save)) {
    double d;
    if (*n == 3 || parse_double (t, -1e6, 1e6, &d) != 0)
      return -1;
    v[(*n)++] = (float)d;
  }
  return *n == 1 || *n == 3 ? 0 : -1;
}

static int
parse_augment (const char *s, nn_augment *a)
{
  char buf[128], *save = NULL;
  memset (a, 0, sizeof *a);
  if (strcmp (s, "none") == 0)
    return 0;
  if (strlen (s) >= sizeof buf)
    return -1;
  strcpy (buf, s);
  for (char *t = strtok_r (buf, ",", &save); t;
       t = strtok_r (NULL, ",", &save)) {
    long v;
    if (strcmp (t, "flip") == 0)
      a->hflip = 1;
    else if (strncmp (t, "shift", 5) == 0 && parse_long (t + 5, 1, 64, &v) == 0)
      a->shift = (int)v;
    else if (strncmp (t, "erase", 5) == 0
             && parse_long (t + 5, 1, 4096, &v) == 0)
      a->erase = (int)v;
    else
      return -1;
  }
  return 0;
}

/* IDX file in dir: the .gz name if it exists, else the plain one. */
static const char *
idx_path (char *buf, const char *dir, const char *name)
{
  snprintf (buf, TC_PATH_MAX, "%s/%s.gz", dir, name);
  if (access (buf, F_OK) != 0)
    snprintf (buf, TC_PATH_MAX, "%s/%s", dir, name);
  return buf;
}

int
tc_parse (int argc, char **argv, tc_options *o)
{
  const char *idx_dir = NULL, *optimizer = "adam", *schedule = "cosine";
  int have_lr = 0, c, n;
  long v;
  double d;
  long nproc = sysconf (_SC_NPROCESSORS_ONLN);

  memset (o, 0, sizeof *o);
  o->epochs = 15;
  o->batch = 64;
  o->seed = 1;
  o->lr = 1e-3f;
  o->momentum = 0.9f;
  o->gamma = 0.1f;
  o->step_epochs = 5;
  o->threads = nproc < 1 ? 1 : nproc > 8 ? 8 : (int)nproc;
  o->output = "model.onnx";
  o->resize = "stretch";
  opterr = 0;

  while ((c = getopt_long (argc, argv, ":o:qh", long_opts, NULL)) != -1) {
    const char *name = optind > 1 && optind - 1 < argc ? argv[optind - 1] : "";
    if (strncmp (name, "--", 2) == 0)
      name += 2;
    switch (c) {
    case OPT_IDX_DIR:
      idx_dir = optarg;
      break;
    case OPT_TRAIN_IMAGES:
      o->train_images = optarg;
      break;
    case OPT_TRAIN_LABELS:
      o->train_labels = optarg;
      break;
    case OPT_TEST_IMAGES:
      o->test_images = optarg;
      break;
    case OPT_TEST_LABELS:
      o->test_labels = optarg;
      break;
    case OPT_TRAIN_DIR:
      o->train_dir = optarg;
      break;
    case OPT_TEST_DIR:
      o->test_dir = optarg;
      break;
    case OPT_LABELS:
      o->labels = optarg;
      break;
    case OPT_ARCH:
      o->arch = optarg;
      break;
    case OPT_CHECKPOINT:
      o->checkpoint = optarg;
      break;
    case OPT_REPORT_DIR:
      o->report_dir = optarg;
      break;
    case 'o':
      o->output = optarg;
      break;
    case OPT_NESTEROV:
      o->nesterov = 1;
      break;
    case OPT_RESUME:
      o->resume = 1;
      break;
    case OPT_KEEP_CHECKPOINT:
      o->keep_checkpoint = 1;
      break;
    case OPT_NO_REPORT:
      o->no_report = 1;
      break;
    case OPT_DETERMINISTIC:
      o->deterministic = 1;
      break;
    case 'q':
      o->quiet = 1;
      break;
    case OPT_OPTIMIZER:
      optimizer = optarg;
      break;
    case OPT_SCHEDULE:
      schedule = optarg;
      break;
    case OPT_LIMIT:
    case OPT_TEST_LIMIT:
      if (parse_long (optarg, 1, DS_MAX_ITEMS, &v) != 0)
        return bad (name, optarg, "need a count in 1..10000000");
      *(c == OPT_LIMIT ? &o->limit : &o->test_limit) = (size_t)v;
      break;
    case OPT_VAL:
      if (parse_double (optarg, 0.0, 0.9, &o->val) != 0)
        return bad (name, optarg, "need a fraction in 0..0.9");
      break;
    case OPT_SIZE: {
      int w, h;
      char tail;
      if (sscanf (optarg, "%dx%d%c", &w, &h, &tail) != 2 || w < 1 || h < 1
          || w > 4096 || h > 4096)
        return bad (name, optarg, "need WxH, sides in 1..4096");
      o->width = w;
      o->height = h;
      break;
    }
    case OPT_COLOR:
      if (strcmp (optarg, "GRAY") && strcmp (optarg, "RGB")
          && strcmp (optarg, "BGR"))
        return bad (name, optarg, "need GRAY, RGB or BGR");
      o->color = optarg;
      break;
    case OPT_RESIZE:
      if (strcmp (optarg, "stretch") && strcmp (optarg, "letterbox")
          && strcmp (optarg, "center-crop"))
        return bad (name, optarg, "need stretch, letterbox or center-crop");
      o->resize = optarg;
      break;
    case OPT_MEAN:
    case OPT_STD: {
      float *dst = c == OPT_MEAN ? o->mean : o->std;
      if (parse_floats (optarg, dst, &n) != 0)
        return bad (name, optarg, "need 1 or 3 comma-separated numbers");
      if (n == 1)
        dst[1] = dst[2] = dst[0];
      for (int i = 0; c == OPT_STD && i < 3; i++)
        if (!(dst[i] > 0.0f))
          return bad (name, optarg, "std must be > 0");
      *(c == OPT_MEAN ? &o->have_mean : &o->have_std) = 1;
      break;
    }
    case OPT_EXPORT_BATCH:
      if (parse_long (optarg, 0, 65536, &v) != 0)
        return bad (name, optarg, "need 0..65536");
      o->export_batch = (int)v;
      break;
    case OPT_EPOCHS:
      if (parse_long (optarg, 1, TC_MAX_EPOCHS, &v) != 0)
        return bad (name, optarg, "need 1..1000");
      o->epochs = (int)v;
      break;
    case OPT_BATCH:
      if (parse_long (optarg, 1, 4096, &v) != 0)
        return bad (name, optarg, "need 1..4096");
      o->batch = (int)v;
      break;
    case OPT_SEED: {
      char *end;
      errno = 0;
      unsigned long long s = strtoull (optarg, &end, 0);
      if (errno || end == optarg || *end || optarg[0] == '-')
        return bad (name, optarg, "need a non-negative integer");
      o->seed = s;
      break;
    }
    case OPT_LR:
      if (parse_double (optarg, 1e-8, 9.99, &d) != 0)
        return bad (name, optarg, "need 0 < lr < 10");
      o->lr = (float)d;
      have_lr = 1;
      break;
    case OPT_MOMENTUM:
      if (parse_double (optarg, 0.0, 0.999, &d) != 0)
        return bad (name, optarg, "need 0..0.999");
      o->momentum = (float)d;
      break;
    case OPT_WD:
      if (parse_double (optarg, 0.0, 0.5, &d) != 0)
        return bad (name, optarg, "need 0..0.5");
      o->weight_decay = (float)d;
      break;
    case OPT_MIN_LR:
      if (parse_double (optarg, 0.0, 9.99, &d) != 0)
        return bad (name, optarg, "need 0 <= min-lr < 10");
      o->min_lr = (float)d;
      break;
    case OPT_CLIP:
      if (parse_double (optarg, 0.0, 1e5, &d) != 0)
        return bad (name, optarg, "need 0..100000 (0: off)");
      o->clip_norm = (float)d;
      break;
    case OPT_GAMMA:
      if (parse_double (optarg, 1e-6, 1.0, &d) != 0)
        return bad (name, optarg, "need 0 < gamma <= 1");
      o->gamma = (float)d;
      break;
    case OPT_STOP_AFTER:
      if (parse_long (optarg, 1, TC_MAX_EPOCHS, &v) != 0)
        return bad (name, optarg, "need an epoch count in 1..1000");
      o->stop_after = (int)v;
      break;
    case OPT_STEP_EPOCHS:
    case OPT_WARMUP:
    case OPT_PATIENCE:
      if (parse_long (optarg, c == OPT_STEP_EPOCHS ? 1 : 0, TC_MAX_EPOCHS, &v)
          != 0)
        return bad (name, optarg, "need an epoch count in 0..1000");
      *(c == OPT_STEP_EPOCHS ? &o->step_epochs
        : c == OPT_WARMUP    ? &o->warmup_epochs
                             : &o->patience)
          = (int)v;
      break;
    case OPT_AUGMENT:
      if (parse_augment (optarg, &o->aug) != 0)
        return bad (name, optarg,
                    "need none, or a list of shiftN, flip, "
                    "eraseN (e.g. shift2,flip)");
      break;
    case OPT_THREADS:
      if (parse_long (optarg, 1, 64, &v) != 0)
        return bad (name, optarg, "need 1..64");
      o->threads = (int)v;
      break;
    case 'h':
      fputs (usage_text, stdout);
      return 0;
    case ':':
      return bad (name, NULL, "needs a value");
    default:
      return bad (name, NULL, "unknown option");
    }
  }
  if (optind < argc)
    return bad ("", argv[optind], "unexpected argument");

  if (strcmp (optimizer, "adam") == 0)
    o->optimizer = NN_OPT_ADAM;
  else if (strcmp (optimizer, "sgd") == 0)
    o->optimizer = NN_OPT_SGD;
  else
    return bad ("optimizer", optimizer, "need adam or sgd");
  if (!have_lr && o->optimizer == NN_OPT_SGD)
    o->lr = 0.05f;
  if (strcmp (schedule, "constant") == 0)
    o->schedule = NN_SCHED_CONSTANT;
  else if (strcmp (schedule, "step") == 0)
    o->schedule = NN_SCHED_STEP;
  else if (strcmp (schedule, "cosine") == 0)
    o->schedule = NN_SCHED_COSINE;
  else
    return bad ("schedule", schedule, "need constant, step or cosine");
  if (o->min_lr > o->lr)
    return bad ("min-lr", "", "must not exceed --lr");
  if (o->warmup_epochs >= o->epochs && o->warmup_epochs > 0)
    return bad ("warmup-epochs", "", "must be fewer than --epochs");
  if (o->deterministic)
    o->threads = 1;
  if (o->patience > 0 && o->val <= 0.0)
    return bad ("patience", "", "needs a validation split (--val)");

  /* Data sources: exactly one kind for training. */
  if (idx_dir) {
    if (o->train_dir || o->train_images)
      return bad ("idx-dir", idx_dir, "conflicts with other training data");
    o->train_images
        = idx_path (o->paths[0], idx_dir, "train-images-idx3-ubyte");
    o->train_labels
        = idx_path (o->paths[1], idx_dir, "train-labels-idx1-ubyte");
    if (!o->test_images && !o->test_dir) {
      o->test_images
          = idx_path (o->paths[2], idx_dir, "t10k-images-idx3-ubyte");
      o->test_labels
          = idx_path (o->paths[3], idx_dir, "t10k-labels-idx1-ubyte");
    }
  }
  if (!!o->train_images + !!o->train_dir != 1)
    return bad ("train-images", "",
                "give one source of training data: "
                "--idx-dir, --train-images/--train-labels or --train-dir");
  if (!!o->train_images != !!o->train_labels)
    return bad ("train-labels", "", "IDX images and labels go together");
  if (!!o->test_images != !!o->test_labels)
    return bad ("test-labels", "", "IDX images and labels go together");
  if (o->test_images && o->test_dir)
    return bad ("test-dir", o->test_dir, "conflicts with --test-images");
  if (!o->color)
    o->color = o->train_dir ? "RGB" : "GRAY";
  if (!o->checkpoint) {
    snprintf (o->paths[4], TC_PATH_MAX, "%s.ckpt", o->output);
    o->checkpoint = o->paths[4];
  }
  if (!o->report_dir) {
    snprintf (o->paths[5], TC_PATH_MAX, "%s", o->output);
    o->report_dir = dirname (o->paths[5]);
  }
  return -1;
}
