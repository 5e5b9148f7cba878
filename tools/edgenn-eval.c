/* edgenn-eval: accuracy and latency of an ONNX classifier on a dataset,
 * through the same path the element takes: nn_preprocess() with the
 * model's own metadata, then an nn.h session.
 *
 *   edgenn-eval model.onnx --idx-dir /usr/share/datasets/fashion-mnist
 *   edgenn-eval model.onnx --dir photos/test --report eval.md
 *   edgenn-eval model.onnx --idx-dir DIR --resize 112x112   (as I420 frames)
 */
#include "dataset.h"
#include "report.h"

#include "nn/hints.h"
#include "nn/nn.h"
#include "nn/postprocess.h"
#include "nn/preprocess.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The evaluator counts a hit when the true class is among the best TOP_K. */
#define TOP_K 5

static const char usage_text[]
    = "Usage: edgenn-eval MODEL.onnx [OPTION]...\n"
      "Top-1 and top-5 accuracy (top-K for K < 5 classes), confusion "
      "matrix and\nper-image latency (preprocessing + inference, batch 1) of "
      "a classifier\non a dataset.\n"
      "\n"
      "  --idx-dir DIR         t10k-{images-idx3,labels-idx1}-ubyte[.gz] in "
      "DIR\n"
      "  --images FILE --labels FILE   an IDX pair\n"
      "  --dir DIR             a folder with one sub-folder a class, named "
      "like\n"
      "                        the model's labels (0, 1, ... if it has none);\n"
      "                        files not named like images are skipped\n"
      "  --limit N             the first N images (per class for folders)\n"
      "  --resize WxH          IDX only: upscale each image to WxH and hand "
      "it\n"
      "                        over as an I420 frame (BT.601 limited range), "
      "as\n"
      "                        a camera pipeline would\n"
      "  --frames FILE         with --resize: take the WxH I420 frames from "
      "FILE\n"
      "                        (raw, one after another, as filesink writes "
      "them)\n"
      "                        instead of upscaling; labels still from the "
      "IDX\n"
      "  --threads N           session worker threads (1)\n"
      "  --report FILE         write the results as Markdown\n"
      "  --predictions FILE    write one CSV line an image: index, true\n"
      "                        class, predicted class, its confidence\n"
      "  --min-accuracy PCT    exit with status 3 when top-1 is lower\n"
      "  -q, --quiet           only the summary line (problems are still "
      "reported)\n"
      "  -h, --help\n";

typedef struct options {
  const char *model, *idx_dir, *images, *labels, *dir, *report, *predictions,
      *frames;
  size_t limit;
  int resize_w, resize_h, threads, quiet;
  double min_acc;
  char paths[2][4096];
} options;

static int
usage_error (const char *msg, const char *arg)
{
  fprintf (stderr, "edgenn-eval: %s%s%s\nTry 'edgenn-eval --help'.\n", msg,
           arg ? ": " : "", arg ? arg : "");
  return 2;
}

static int
parse_args (int argc, char **argv, options *o)
{
  static const struct option longs[]
      = { { "idx-dir", 1, 0, 'I' },      { "images", 1, 0, 'i' },
          { "labels", 1, 0, 'l' },       { "dir", 1, 0, 'd' },
          { "limit", 1, 0, 'n' },        { "resize", 1, 0, 'r' },
          { "threads", 1, 0, 't' },      { "report", 1, 0, 'R' },
          { "min-accuracy", 1, 0, 'm' }, { "quiet", 0, 0, 'q' },
          { "predictions", 1, 0, 'P' },  { "frames", 1, 0, 'F' },
          { "help", 0, 0, 'h' },         { 0, 0, 0, 0 } };
  int c;
  char *end, tail;

  memset (o, 0, sizeof *o);
  o->threads = 1;
  o->min_acc = -1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":qh", longs, NULL)) != -1) {
    switch (c) {
    case 'I':
      o->idx_dir = optarg;
      break;
    case 'i':
      o->images = optarg;
      break;
    case 'l':
      o->labels = optarg;
      break;
    case 'd':
      o->dir = optarg;
      break;
    case 'R':
      o->report = optarg;
      break;
    case 'F':
      o->frames = optarg;
      break;
    case 'P':
      o->predictions = optarg;
      break;
    case 'q':
      o->quiet = 1;
      break;
    case 'n': {
      errno = 0;
      long v = strtol (optarg, &end, 10);
      if (errno || *end || end == optarg || v < 1 || v > DS_MAX_ITEMS)
        return usage_error ("--limit needs a count in 1..10000000", optarg);
      o->limit = (size_t)v;
      break;
    }
    case 'r':
      if (sscanf (optarg, "%dx%d%c", &o->resize_w, &o->resize_h, &tail) != 2
          || o->resize_w < 2 || o->resize_h < 2 || o->resize_w > 4096
          || o->resize_h > 4096 || o->resize_w % 2 || o->resize_h % 2)
        return usage_error ("--resize needs WxH, even sides in 2..4096",
                            optarg);
      break;
    case 't':
      errno = 0;
      o->threads = (int)strtol (optarg, &end, 10);
      if (errno || *end || end == optarg || o->threads < 1 || o->threads > 64)
        return usage_error ("--threads needs 1..64", optarg);
      break;
    case 'm':
      errno = 0;
      o->min_acc = strtod (optarg, &end);
      if (errno || *end || end == optarg || !(o->min_acc >= 0)
          || o->min_acc > 100)
        return usage_error ("--min-accuracy needs a percentage", optarg);
      break;
    case 'h':
      fputs (usage_text, stdout);
      return 0;
    case ':':
      return usage_error ("option needs a value", argv[optind - 1]);
    default:
      return usage_error ("unknown option", argv[optind - 1]);
    }
  }
  if (optind != argc - 1)
    return usage_error ("give exactly one model file", NULL);
  o->model = argv[optind];
  if (o->idx_dir) {
    snprintf (o->paths[0], sizeof o->paths[0], "%s/t10k-images-idx3-ubyte.gz",
              o->idx_dir);
    if (access (o->paths[0], F_OK) != 0)
      snprintf (o->paths[0], sizeof o->paths[0], "%s/t10k-images-idx3-ubyte",
                o->idx_dir);
    snprintf (o->paths[1], sizeof o->paths[1], "%s/t10k-labels-idx1-ubyte.gz",
              o->idx_dir);
    if (access (o->paths[1], F_OK) != 0)
      snprintf (o->paths[1], sizeof o->paths[1], "%s/t10k-labels-idx1-ubyte",
                o->idx_dir);
    o->images = o->paths[0];
    o->labels = o->paths[1];
  }
  if (!!o->images + !!o->dir != 1 || !!o->images != !!o->labels)
    return usage_error ("give one dataset: --idx-dir, --images with "
                        "--labels, or --dir",
                        NULL);
  if (o->resize_w && o->dir)
    return usage_error ("--resize is for IDX images", NULL);
  if (o->frames && !o->resize_w)
    return usage_error ("--frames needs --resize WxH", NULL);
  return -1;
}

/* Gray (w x h) -> I420 (ow x oh): bilinear with pixel centres aligned,
 * luma in BT.601 limited range, neutral chroma. */
static void
gray_to_i420 (const ds_image *src, int ow, int oh, uint8_t *y, uint8_t *u,
              uint8_t *v)
{
  for (int oy = 0; oy < oh; oy++) {
    const double sy = fmin (fmax ((oy + 0.5) * src->height / oh - 0.5, 0.0),
                            src->height - 1);
    const int y0 = (int)sy, y1 = y0 + 1 < src->height ? y0 + 1 : y0;
    const double fy = sy - y0;
    for (int ox = 0; ox < ow; ox++) {
      const double sx = fmin (fmax ((ox + 0.5) * src->width / ow - 0.5, 0.0),
                              src->width - 1);
      const int x0 = (int)sx, x1 = x0 + 1 < src->width ? x0 + 1 : x0;
      const double fx = sx - x0;
      const uint8_t *r0 = src->data + (size_t)y0 * src->stride;
      const uint8_t *r1 = src->data + (size_t)y1 * src->stride;
      const double g = (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1])
                       + fy * ((1 - fx) * r1[x0] + fx * r1[x1]);
      y[(size_t)oy * ow + ox] = (uint8_t)lround (16.0 + g * 219.0 / 255.0);
    }
  }
  memset (u, 128, (size_t)(ow / 2) * (oh / 2));
  memset (v, 128, (size_t)(ow / 2) * (oh / 2));
}

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int
cmp_double (const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
percentile (const double *sorted, size_t n, double q)
{
  const size_t i = (size_t)fmin (n - 1, floor (q * (n - 1) + 0.5));
  return sorted[i];
}

int
main (int argc, char **argv)
{
  options o;
  nn_error err = { 0 };
  nn_model *model = NULL;
  nn_session *session = NULL;
  nn_preprocessor *pp = NULL;
  ds_dataset *ds = NULL;
  int64_t *cm = NULL;
  double *lat = NULL, *lat_pre = NULL;
  uint8_t *frame = NULL;
  char **names = NULL; /* borrowed from post */
  nn_hints hints;
  nn_postprocess *post = NULL;
  nn_class_score top[TOP_K];
  nn_preprocess_params params;
  FILE *pred = NULL, *frames = NULL;
  int rc = 1;

  int prc = parse_args (argc, argv, &o);
  if (prc >= 0)
    return prc;
  nn_hints_init (&hints);

  if (nn_model_load_file (o.model, NULL, &model, &err) != NN_OK) {
    fprintf (stderr, "edgenn-eval: %s: %s\n", o.model, err.message);
    return 1;
  }
  /* The model's preprocessing and post-processing, from its metadata, the
   * way the element reads them; a model with symbolic height and width
   * runs at the size the element would give it (nn_hints_input_size). */
  if (nn_hints_from_model (model, &hints, &err) != NN_OK) {
    fprintf (stderr, "edgenn-eval: %s: %s\n", o.model, err.message);
    goto out;
  }
  const nn_tensor_info *min = nn_model_input (model, 0);
  if (!min || min->ndim != 4 || min->dims[1] < 1) {
    fprintf (stderr, "edgenn-eval: %s is not an image classifier\n", o.model);
    goto out;
  }
  nn_input_shape shape = { NULL, 4, { 1, min->dims[1], 0, 0 } };
  int want_w, want_h;
  nn_hints_input_size (&hints, 0, 0, min->dims[3], min->dims[2], &want_w,
                       &want_h);
  shape.dims[2] = want_h;
  shape.dims[3] = want_w;
  nn_session_options so = { 1, o.threads, 0, 0, &shape, 1 };
  if (nn_session_create (model, &so, &session, &err) != NN_OK) {
    fprintf (stderr, "edgenn-eval: session: %s\n", err.message);
    goto out;
  }
  const nn_tensor_info *in = nn_session_input_info (session, 0);
  const nn_tensor_info *outi = nn_session_output_info (session, 0);
  if (!in || in->ndim != 4 || !outi || outi->count < 2) {
    fprintf (stderr, "edgenn-eval: %s is not an image classifier\n", o.model);
    goto out;
  }
  const int k = (int)outi->count;
  if (nn_hints_preprocess_params (&hints, (int)in->dims[1], (int)in->dims[3],
                                  (int)in->dims[2], &params, &err)
      != NN_OK) {
    fprintf (stderr, "edgenn-eval: %s: %s\n", o.model, err.message);
    goto out;
  }
  nn_postprocess_options popts;
  nn_postprocess_options_from_hints (&hints, &popts);
  if (popts.labels && popts.n_labels != (size_t)k) {
    fprintf (stderr, "edgenn-eval: %s: %s has %zu labels for %d classes\n",
             o.model, NN_HINT_LABELS, popts.n_labels, k);
    goto out;
  }
  if (nn_postprocess_create ((size_t)k, &popts, &post, &err) != NN_OK) {
    fprintf (stderr, "edgenn-eval: %s: %s\n", o.model, err.message);
    goto out;
  }

  /* Class names: the model's labels, else the class numbers. */
  names = calloc ((size_t)k + 1, sizeof *names);
  for (int i = 0; names && i < k; i++)
    names[i] = (char *)nn_postprocess_label (post, i);

  nn_status st
      = o.dir ? ds_load_folder (
            o.dir, params.color == NN_COLOR_GRAY ? NN_PIX_GRAY8 : NN_PIX_RGB,
            o.limit, &ds, &err)
              : ds_load_idx (o.images, o.labels, o.limit, &ds, &err);
  if (st != NN_OK) {
    fprintf (stderr, "edgenn-eval: %s\n", err.message);
    goto out;
  }
  if (o.dir) {
    /* folders are classes by name: a test set with other folders, or
     * fewer, is still scored against the right classes */
    ds_report_skipped (ds, "edgenn-eval", o.dir);
    if (!names) {
      fprintf (stderr, "edgenn-eval: out of memory\n");
      goto out;
    }
    if (ds_map_classes (ds, o.dir, "the model", (const char *const *)names, k,
                        &err)
        != NN_OK) {
      fprintf (stderr, "edgenn-eval: %s\n", err.message);
      goto out;
    }
  } else if (ds->n_classes > k) {
    fprintf (stderr, "edgenn-eval: the data has %d classes, the model %d\n",
             ds->n_classes, k);
    goto out;
  }

  int max_w = o.resize_w, max_h = o.resize_h;
  for (size_t i = 0; i < ds->n; i++) {
    max_w = ds->images[i].width > max_w ? ds->images[i].width : max_w;
    max_h = ds->images[i].height > max_h ? ds->images[i].height : max_h;
  }
  if (nn_preprocessor_create (&params, max_w, max_h, &pp, &err) != NN_OK) {
    fprintf (stderr, "edgenn-eval: preprocessing: %s\n", err.message);
    goto out;
  }
  cm = calloc ((size_t)k * k, sizeof *cm);
  lat = malloc (ds->n * sizeof *lat);
  lat_pre = malloc (ds->n * sizeof *lat_pre);
  if (o.resize_w)
    frame = malloc ((size_t)o.resize_w * o.resize_h * 3 / 2);
  if (!names || !cm || !lat || !lat_pre || (o.resize_w && !frame)) {
    fprintf (stderr, "edgenn-eval: out of memory\n");
    goto out;
  }

  if (o.frames && !(frames = fopen (o.frames, "rb"))) {
    fprintf (stderr, "edgenn-eval: cannot read %s: %s\n", o.frames,
             strerror (errno));
    goto out;
  }
  if (o.predictions) {
    if (!(pred = fopen (o.predictions, "w"))) {
      fprintf (stderr, "edgenn-eval: cannot write %s: %s\n", o.predictions,
               strerror (errno));
      goto out;
    }
    fputs ("index,label,predicted,confidence\n", pred);
  }

  size_t top1 = 0, top5 = 0;
  float *input = nn_session_input (session, 0);
  for (size_t i = 0; i < ds->n; i++) {
    nn_image img;
    if (o.resize_w) {
      const size_t ysz = (size_t)o.resize_w * o.resize_h;
      if (!frames)
        gray_to_i420 (&ds->images[i], o.resize_w, o.resize_h, frame,
                      frame + ysz, frame + ysz + ysz / 4);
      else if (fread (frame, 1, ysz * 3 / 2, frames) != ysz * 3 / 2) {
        fprintf (stderr,
                 "edgenn-eval: %s: %zu frames of %dx%d I420, %zu "
                 "labels\n",
                 o.frames, i, o.resize_w, o.resize_h, ds->n);
        goto out;
      }
      memset (&img, 0, sizeof img);
      img.format = NN_PIX_I420;
      img.width = o.resize_w;
      img.height = o.resize_h;
      img.planes[0] = frame;
      img.planes[1] = frame + ysz;
      img.planes[2] = frame + ysz + ysz / 4;
      img.strides[0] = o.resize_w;
      img.strides[1] = img.strides[2] = o.resize_w / 2;
      img.matrix = NN_YUV_BT601;
      img.full_range = 0;
    } else {
      ds_image_view (&ds->images[i], &img);
    }
    const double t0 = now_us ();
    if (nn_preprocess (pp, &img, NULL, input, NULL, &err) != NN_OK) {
      fprintf (stderr, "edgenn-eval: image %zu: %s\n", i, err.message);
      goto out;
    }
    const double t1 = now_us ();
    if (nn_session_run (session, &err) != NN_OK) {
      fprintf (stderr, "edgenn-eval: image %zu: %s\n", i, err.message);
      goto out;
    }
    lat[i] = now_us () - t0;
    lat_pre[i] = t1 - t0;
    nn_classification cls = { top, TOP_K, 0, -1, 0.0f };
    if (nn_postprocess_run (post, nn_session_output (session, 0), TOP_K,
                            -INFINITY, &cls, &err)
        != NN_OK) {
      fprintf (stderr, "edgenn-eval: image %zu: %s\n", i, err.message);
      goto out;
    }
    const int32_t y = ds->labels[i];
    const int best = top[0].id;
    int in_top = 0;
    for (size_t j = 0; j < cls.n; j++)
      in_top |= top[j].id == y;
    top1 += best == y;
    top5 += in_top;
    cm[y * k + best]++;
    if (pred)
      fprintf (pred, "%zu,%d,%d,%.6f\n", i, (int)y, best, (double)top[0].score);
  }
  if (frames && !o.limit && fgetc (frames) != EOF) {
    fprintf (stderr, "edgenn-eval: %s has more frames than the %zu labels\n",
             o.frames, ds->n);
    goto out;
  }
  if (pred) {
    const int bad = fclose (pred) != 0;
    pred = NULL;
    if (bad) {
      fprintf (stderr, "edgenn-eval: cannot write %s\n", o.predictions);
      goto out;
    }
  }

  qsort (lat, ds->n, sizeof *lat, cmp_double);
  qsort (lat_pre, ds->n, sizeof *lat_pre, cmp_double);
  const double acc1 = 100.0 * top1 / ds->n, acc5 = 100.0 * top5 / ds->n;
  /* top-5, or top-k with fewer classes: what was counted */
  const int top_n = k < TOP_K ? k : TOP_K;
  FILE *outs[2] = { o.quiet ? NULL : stdout, NULL };
  if (o.report && !(outs[1] = fopen (o.report, "w"))) {
    fprintf (stderr, "edgenn-eval: cannot write %s: %s\n", o.report,
             strerror (errno));
    goto out;
  }
  for (int f = 0; f < 2; f++) {
    FILE *s = outs[f];
    if (!s)
      continue;
    fprintf (
        s,
        "# Evaluation of %s\n\n- images: %zu%s\n- top-1: **%.2f%%**"
        "\n- top-%d: %.2f%%\n- latency per image (preprocess + run, batch 1, "
        "%d thread(s)): p50 %.1f us, p90 %.1f us, p99 %.1f us "
        "(preprocess alone p50 %.1f us)\n\n",
        o.model, ds->n, o.resize_w ? " (upscaled, as I420)" : "", acc1, top_n,
        acc5, o.threads, percentile (lat, ds->n, 0.5),
        percentile (lat, ds->n, 0.9), percentile (lat, ds->n, 0.99),
        percentile (lat_pre, ds->n, 0.5));
    rp_per_class_markdown (s, cm, k, names);
    fprintf (s, "\nConfusion matrix (rows: true class, columns: "
                "predicted):\n\n");
    rp_confusion_markdown (s, cm, k, names);
    fputc ('\n', s);
  }
  if (outs[1] && fclose (outs[1]) != 0) {
    fprintf (stderr, "edgenn-eval: cannot write %s\n", o.report);
    goto out;
  }
  printf ("top-1: %.2f%%  top-%d: %.2f%%  images: %zu  latency p50 %.1f us "
          "p99 %.1f us\n",
          acc1, top_n, acc5, ds->n, percentile (lat, ds->n, 0.5),
          percentile (lat, ds->n, 0.99));
  rc = o.min_acc >= 0 && acc1 < o.min_acc ? 3 : 0;
  if (rc == 3)
    fprintf (stderr, "edgenn-eval: top-1 %.2f%% is below %.2f%%\n", acc1,
             o.min_acc);

out:
  if (pred)
    fclose (pred);
  if (frames)
    fclose (frames);
  free (names);
  nn_postprocess_free (post);
  nn_hints_clear (&hints);
  free (cm);
  free (lat);
  free (lat_pre);
  free (frame);
  ds_free (ds);
  nn_preprocessor_free (pp);
  nn_session_free (session);
  nn_model_unref (model);
  return rc;
}
