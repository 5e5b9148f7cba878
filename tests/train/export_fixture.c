/* Exports small trained nets and what they compute, for the parity tests.
 *
 *   export-fixture [--cut-model] OUTDIR
 *
 * For each case: OUTDIR/caseN.onnx, caseN-input.npy (N,C,H,W),
 * caseN-ours.npy, the trainer's own forward pass (nn_net_predict), and
 * caseN-engine.npy, the inference engine's; the engine must load and run
 * the model and agree with the trainer within 1e-4 (the exit status says
 * so). --cut-model cuts each exported file in half before the engine loads
 * it, which must fail every case (parity.py checks it does). The
 * Python side (parity.py) then checks both against PyTorch modules built
 * from the ONNX file. The cases cover what the exporter permutes: conv
 * weights, the flatten order, strides, padding, three channels and a
 * non-square input.
 */
#include "nn/nn.h"
#include "nn/train.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
  const char *spec;
  int c, h, w;
  const char *color;
} fixture;

/* Enough for every case to fit its 16 random images. */
#define TRAIN_STEPS 60

static const fixture cases[] = {
  { NN_SEED_CNN_SPEC, 1, 28, 28, "GRAY" },
  { "conv8x3s2p1,pool2,conv16x3p1,pool3s2,dense12,dropout0.2,dense5", 3, 22, 18,
    "RGB" },
  { "conv6x5p2,pool2,flatten,dense4", 1, 9, 12, "GRAY" },
};

/* A little-endian float32 .npy file (format 1.0). */
static int
write_npy (const char *path, const float *data, int ndim, const int *dims)
{
  char shape[128] = "", header[256];
  size_t count = 1;
  int at = 0;
  for (int i = 0; i < ndim; i++) {
    at += snprintf (shape + at, sizeof shape - at, "%d,%s", dims[i],
                    i + 1 < ndim ? " " : "");
    count *= (size_t)dims[i];
  }
  int len = snprintf (
      header, sizeof header,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape);
  /* Pad so the data starts on a 64-byte boundary, ending with '\n'. */
  const int total = ((10 + len + 1 + 63) / 64) * 64;
  while (10 + len + 1 < total)
    header[len++] = ' ';
  header[len++] = '\n';
  FILE *f = fopen (path, "wb");
  if (!f)
    return -1;
  const unsigned char pre[10] = { 0x93,
                                  'N',
                                  'U',
                                  'M',
                                  'P',
                                  'Y',
                                  1,
                                  0,
                                  (unsigned char)(len & 0xff),
                                  (unsigned char)(len >> 8) };
  int ok = fwrite (pre, 1, 10, f) == 10
           && fwrite (header, 1, (size_t)len, f) == (size_t)len
           && fwrite (data, sizeof *data, count, f) == count;
  return fclose (f) == 0 && ok ? 0 : -1;
}

/* Keeps the first half of the file: a model no engine can load. */
static int
cut_in_half (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? truncate (path, st.st_size / 2) : -1;
}

static int
run_case (const char *dir, int idx, const fixture *fx, bool cut_model)
{
  const int n = 4, item = fx->c * fx->h * fx->w;
  nn_net_options opts = { 2, 16, 1234 + (uint64_t)idx };
  nn_net *net = NULL;
  nn_error err;
  nn_rng rng;
  char path[1024];
  int rc = 1;

  if (nn_net_create (fx->spec, fx->c, fx->h, fx->w, &opts, &net, &err)
      != NN_OK) {
    fprintf (stderr, "case %d: %s\n", idx, err.message);
    return 1;
  }
  const int k = nn_net_n_classes (net);
  float *x = malloc (16 * (size_t)item * sizeof *x);
  float *ours = malloc ((size_t)n * k * sizeof *ours);
  int32_t labels[16];
  nn_rng_seed (&rng, 99 + (uint64_t)idx);
  for (int i = 0; i < 16 * item; i++)
    x[i] = 2.0f * nn_rng_float (&rng) - 1.0f;
  /* The n compared images get n different classes (k >= n in every case). */
  for (int i = 0; i < 16; i++)
    labels[i] = i < n ? i : (int32_t)nn_rng_below (&rng, (uint32_t)k);
  /* Adam until the net has learnt its 16 images: at init (or after a few
   * steps) its softmax is nearly uniform, and a uniform output would agree
   * with a wrong export too. parity.py checks the outputs are peaked and
   * tell the images apart. */
  nn_optim_config oc;
  nn_optim_config_init (&oc);
  oc.lr = 0.01f;
  nn_net_set_optimizer (net, &oc, &err);
  for (int s = 0; s < TRAIN_STEPS; s++)
    if (nn_net_train_step (net, x, labels, 16, NULL, &err) != NN_OK) {
      fprintf (stderr, "case %d: training step: %s\n", idx, err.message);
      goto out;
    }
  if (nn_net_predict (net, x, n, ours, &err) != NN_OK) {
    fprintf (stderr, "case %d: predict: %s\n", idx, err.message);
    goto out;
  }

  const char *names[16];
  char bufs[16][8];
  for (int i = 0; i < k; i++) {
    snprintf (bufs[i], sizeof bufs[i], "c%d", i);
    names[i] = bufs[i];
  }
  nn_export_info info = { names,
                          k,
                          fx->color,
                          1.0f / 255.0f,
                          { 0.5f, 0.5f, 0.5f },
                          { 0.25f, 0.25f, 0.25f },
                          "stretch",
                          0,
                          NULL };
  snprintf (path, sizeof path, "%s/case%d.onnx", dir, idx);
  if (nn_net_export_onnx (net, &info, path, &err) != NN_OK) {
    fprintf (stderr, "case %d: %s\n", idx, err.message);
    goto out;
  }
  const int in_dims[4] = { n, fx->c, fx->h, fx->w }, out_dims[2] = { n, k };
  snprintf (path, sizeof path, "%s/case%d-input.npy", dir, idx);
  write_npy (path, x, 4, in_dims);
  snprintf (path, sizeof path, "%s/case%d-ours.npy", dir, idx);
  write_npy (path, ours, 2, out_dims);

  /* The inference engine, one image at a time. */
  nn_model *model = NULL;
  nn_session *session = NULL;
  snprintf (path, sizeof path, "%s/case%d.onnx", dir, idx);
  if (cut_model && cut_in_half (path) != 0) {
    fprintf (stderr, "case %d: cannot cut %s\n", idx, path);
    goto out;
  }
  if (nn_model_load_file (path, NULL, &model, &err) != NN_OK
      || nn_session_create (model, NULL, &session, &err) != NN_OK) {
    /* The trainer exports for this engine: a model it cannot run is the
     * failure these cases exist to catch. */
    fprintf (stderr,
             "case %d: FAIL: the engine cannot run the exported "
             "model: %s\n",
             idx, err.message);
    nn_model_unref (model);
    goto out;
  }
  float *engine = malloc ((size_t)n * k * sizeof *engine);
  double worst = 0.0;
  for (int i = 0; i < n; i++) {
    memcpy (nn_session_input (session, 0), x + (size_t)i * item,
            (size_t)item * sizeof *x);
    if (nn_session_run (session, &err) != NN_OK) {
      fprintf (stderr, "case %d: run: %s\n", idx, err.message);
      worst = INFINITY;
      break;
    }
    memcpy (engine + (size_t)i * k, nn_session_output (session, 0),
            (size_t)k * sizeof *engine);
  }
  for (int i = 0; i < n * k; i++)
    worst = fmax (worst, fabs (engine[i] - ours[i]));
  snprintf (path, sizeof path, "%s/case%d-engine.npy", dir, idx);
  write_npy (path, engine, 2, out_dims);
  printf ("case %d (%s, %dx%dx%d): engine vs trainer max abs diff %.2e %s\n",
          idx, fx->spec, fx->c, fx->h, fx->w, worst,
          worst <= 1e-4 ? "ok" : "FAIL");
  rc = worst <= 1e-4 ? 0 : 1;
  free (engine);
  nn_session_free (session);
  nn_model_unref (model);

out:
  free (x);
  free (ours);
  nn_net_free (net);
  return rc;
}

int
main (int argc, char **argv)
{
  int failed = 0;
  bool cut = argc == 3 && strcmp (argv[1], "--cut-model") == 0;
  if (argc != 2 && !cut) {
    fprintf (stderr, "usage: export-fixture [--cut-model] OUTDIR\n");
    return 2;
  }
  for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++)
    failed += run_case (argv[argc - 1], i, &cases[i], cut);
  return failed ? 1 : 0;
}
