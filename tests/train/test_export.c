/* ONNX export (nn/train/export.c), read back through the inference engine
 * (nn.h): the exported model computes what the trainer's own predict does,
 * for every layer kind, for nets whose first dense sees 1x1 activations,
 * for a fixed and a symbolic batch; the metadata says what was given
 * (labels, colour, the shortest decimals of scale, mean and std, resize,
 * the spec); the bytes depend only on weights and metadata, in memory and
 * on disk alike. Every metadata rule gets a value that breaks it, and the
 * file cases (no path, no folder) fail with their status.
 *
 * Usage: test-train-export DIR (created if missing). */
#include "check.h"
#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

static char dir[900];

static const char *const names[] = { "cat", "dog", "bird", "fish", "frog" };

static nn_export_info
info_for (const nn_net *net)
{
  nn_export_info info = { names,
                          nn_net_n_classes (net),
                          net->in_c == 1 ? "GRAY" : "RGB",
                          1.0f / 255.0f,
                          { 0.485f, 0.456f, 0.406f },
                          { 0.229f, 0.224f, 0.225f },
                          "letterbox",
                          0,
                          NULL };
  return info;
}

static nn_net *
make (const char *spec, int c, int h, int w)
{
  nn_net_options opts = { 1, 4, 77 };
  nn_net *net = NULL;
  nn_error err;
  if (nn_net_create (spec, c, h, w, &opts, &net, &err) != NN_OK)
    CHECK (0, "create '%s': %s", spec, err.message);
  return net;
}

/* The engine runs the exported model on 3 random images like predict. */
static void
engine_matches (const char *spec, int c, int h, int w, int batch)
{
  nn_net *net = make (spec, c, h, w);
  nn_model *model = NULL;
  nn_session *session = NULL;
  uint8_t *data = NULL;
  size_t size = 0;
  nn_error err;
  nn_rng rng;
  enum { IMAGES = 3 };
  if (!net)
    return;
  const int item = c * h * w, k = nn_net_n_classes (net);
  float *xs = malloc ((size_t)IMAGES * item * sizeof *xs);
  float probs[IMAGES * 5];
  nn_rng_seed (&rng, 4);
  for (int i = 0; i < IMAGES * item; i++)
    xs[i] = 2.0f * nn_rng_float (&rng) - 1.0f;
  CHECK (nn_net_predict (net, xs, IMAGES, probs, &err) == NN_OK, "%s: %s", spec,
         err.message);

  nn_export_info info = info_for (net);
  info.batch = batch;
  nn_status st = nn_net_export_onnx_memory (net, &info, &data, &size, &err);
  CHECK (st == NN_OK, "'%s': export: %s", spec, err.message);
  if (st != NN_OK)
    goto out;
  st = nn_model_load_memory (data, size, NULL, &model, &err);
  CHECK (st == NN_OK, "'%s': the engine refuses the export: %s", spec,
         err.message);
  if (st != NN_OK)
    goto out;
  const nn_tensor_info *in = nn_model_input (model, 0);
  const nn_tensor_info *outp = nn_model_output (model, 0);
  CHECK (in->ndim == 4 && in->dims[1] == c && in->dims[2] == h
             && in->dims[3] == w,
         "'%s': input dims", spec);
  /* A fixed batch has no name; the symbolic one is "N" (which the
   * loader binds to 1 for now). */
  if (batch)
    CHECK (in->dims[0] == batch && !in->dim_names[0] && outp->dims[0] == batch
               && outp->dims[1] == k,
           "'%s': batch %lld, output %lldx%lld", spec, (long long)in->dims[0],
           (long long)outp->dims[0], (long long)outp->dims[1]);
  else
    CHECK (in->dim_names[0] && strcmp (in->dim_names[0], "N") == 0,
           "'%s': batch not symbolic N", spec);
  nn_session_options so = { 0 };
  so.batch = 1;
  st = nn_session_create (model, batch ? NULL : &so, &session, &err);
  CHECK (st == NN_OK, "'%s': session: %s", spec, err.message);
  if (st != NN_OK)
    goto out;
  const int per_run = batch ? batch : 1;
  double worst = 0.0, spread = 0.0;
  for (int i = 0; i + per_run <= IMAGES; i += per_run) {
    memcpy (nn_session_input (session, 0), xs + (size_t)i * item,
            (size_t)per_run * item * sizeof *xs);
    CHECK (nn_session_run (session, &err) == NN_OK, "run: %s", err.message);
    const float *o = nn_session_output (session, 0);
    for (int j = 0; j < per_run * k; j++) {
      worst = fmax (worst, fabs (o[j] - probs[i * k + j]));
      spread = fmax (spread, fabs (o[j] - 1.0 / k));
    }
  }
  CHECK (worst < 1e-5, "'%s': engine vs predict %.2e", spec, worst);
  CHECK (spread > 1e-3, "'%s': outputs too uniform to compare", spec);
  printf ("%-36s batch %d: engine vs predict %.1e\n", spec, batch, worst);
out:
  nn_session_free (session);
  nn_model_unref (model);
  free (data);
  free (xs);
  nn_net_free (net);
}

static void
metadata (void)
{
  nn_net *net = make ("conv4x3p1,pool2,dense3", 3, 6, 6);
  nn_net *gray = make ("dense2", 1, 2, 2);
  nn_model *model = NULL;
  uint8_t *data = NULL, *again = NULL, *file = NULL;
  size_t size = 0, size2 = 0;
  nn_error err;
  if (!net || !gray)
    goto out;
  nn_export_info info = info_for (net);
  info.doc = "a test model";
  CHECK (nn_net_export_onnx_memory (net, &info, &data, &size, &err) == NN_OK,
         "%s", err.message);
  CHECK (nn_model_load_memory (data, size, NULL, &model, &err) == NN_OK, "%s",
         err.message);
  if (!model)
    goto out;
  const struct {
    const char *key, *value;
  } want[] = {
    { "edgeclassify.labels", "cat\ndog\nbird" },
    { "edgeclassify.color", "RGB" },
    { "edgeclassify.scale", "0.00392156862745098" },
    { "edgeclassify.mean", "0.485,0.456,0.406" },
    { "edgeclassify.std", "0.229,0.224,0.225" },
    { "edgeclassify.resize", "letterbox" },
    { "edgeclassify.output", "probabilities" },
    { "edgeclassify.arch", "conv4x3p1,pool2,dense3" },
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    const char *v = nn_model_metadata (model, want[i].key);
    CHECK (v && strcmp (v, want[i].value) == 0, "%s is '%s', wanted '%s'",
           want[i].key, v ? v : "(absent)", want[i].value);
  }
  CHECK (nn_model_n_metadata (model) == 8, "%zu metadata entries",
         nn_model_n_metadata (model));
  nn_model_unref (model);
  model = NULL;

  /* The same weights and metadata give the same bytes; a file holds them. */
  CHECK (nn_net_export_onnx_memory (net, &info, &again, &size2, &err) == NN_OK,
         "%s", err.message);
  CHECK (size == size2 && memcmp (data, again, size) == 0,
         "two exports differ");
  char path[1024];
  snprintf (path, sizeof path, "%s/model.onnx", dir);
  CHECK (nn_net_export_onnx (net, &info, path, &err) == NN_OK, "%s",
         err.message);
  FILE *f = fopen (path, "rb");
  file = malloc (size + 1);
  size_t got = f ? fread (file, 1, size + 1, f) : 0;
  if (f)
    fclose (f);
  CHECK (got == size && memcmp (file, data, size) == 0,
         "the file differs from the memory export");
  free (again);
  again = NULL;
  /* The doc string is part of the bytes, nothing else of it is read. */
  info.doc = NULL;
  CHECK (nn_net_export_onnx_memory (net, &info, &again, &size2, &err) == NN_OK,
         "%s", err.message);
  CHECK (size2 + strlen ("a test model") + 2 == size,
         "doc string: %zu bytes with, %zu without", size, size2);
  free (again);
  again = NULL;

  /* Shortest decimals that read back as the same float. */
  const struct {
    float scale, mean, std;
    const char *s_scale, *s_mean, *s_std;
  } decimals[] = {
    { 0.5f, 0.286f, 0.353f, "0.5", "0.286", "0.353" },
    { 0.1f, -1.0f, 3.0f, "0.1", "-1", "3" },
    { 1.0f / 256.0f, 1e-7f, 1e+20f, "0.00390625", "1e-07", "1e+20" },
  };
  for (size_t i = 0; i < sizeof decimals / sizeof *decimals; i++) {
    nn_export_info gi = info_for (gray);
    gi.scale = decimals[i].scale;
    gi.mean[0] = decimals[i].mean;
    gi.std[0] = decimals[i].std;
    free (again);
    again = NULL;
    CHECK (nn_net_export_onnx_memory (gray, &gi, &again, &size2, &err) == NN_OK,
           "%s", err.message);
    if (!again || nn_model_load_memory (again, size2, NULL, &model, &err))
      continue;
    const char *s = nn_model_metadata (model, "edgeclassify.scale");
    const char *m = nn_model_metadata (model, "edgeclassify.mean");
    const char *d = nn_model_metadata (model, "edgeclassify.std");
    CHECK (s && strcmp (s, decimals[i].s_scale) == 0, "scale '%s'", s);
    CHECK (m && strcmp (m, decimals[i].s_mean) == 0, "mean '%s'", m);
    CHECK (d && strcmp (d, decimals[i].s_std) == 0, "std '%s'", d);
    CHECK (strcmp (nn_model_metadata (model, "edgeclassify.color"), "GRAY")
               == 0,
           "color");
    nn_model_unref (model);
    model = NULL;
  }
  /* Floats that need 7, 8 or 9 digits still read back exactly. */
  const float hard[]
      = { nextafterf (0.1f, 1.0f), 1.0f + 0x1p-23f, 16777215.0f, 3.4028235e38f,
          1.17549435e-38f,         0.333333343f,    2.71828175f, 123456.789f };
  for (size_t i = 0; i < sizeof hard / sizeof *hard; i++) {
    nn_export_info gi = info_for (gray);
    gi.scale = hard[i];
    free (again);
    again = NULL;
    if (nn_net_export_onnx_memory (gray, &gi, &again, &size2, &err) != NN_OK
        || nn_model_load_memory (again, size2, NULL, &model, &err) != NN_OK) {
      CHECK (0, "scale %.9g: %s", hard[i], err.message);
      continue;
    }
    const char *s = nn_model_metadata (model, "edgeclassify.scale");
    CHECK (s && strtof (s, NULL) == hard[i] && strlen (s) <= 15,
           "scale %.9g written as '%s'", hard[i], s);
    nn_model_unref (model);
    model = NULL;
  }
out:
  nn_model_unref (model);
  free (data);
  free (again);
  free (file);
  nn_net_free (net);
  nn_net_free (gray);
}

static void
refused_info (const nn_net *net, const nn_export_info *info, const char *needle)
{
  uint8_t *data = (uint8_t *)&data;
  size_t size = 99;
  nn_error err = { 0 };
  nn_status st = nn_net_export_onnx_memory (net, info, &data, &size, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, needle);
  CHECK (data == NULL && size == 0, "refused export left data/size set");
  char path[1024];
  snprintf (path, sizeof path, "%s/refused.onnx", dir);
  st = nn_net_export_onnx (net, info, path, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, needle);
  struct stat sb;
  CHECK (stat (path, &sb) != 0, "a refused export wrote %s", path);
}

static void
rules (void)
{
  nn_net *rgb = make ("dense3", 3, 2, 2), *gray = make ("dense3", 1, 2, 2);
  nn_net *two = make ("dense3", 2, 2, 2);
  nn_export_info i;
  nn_error err;
  const char *const with_null[] = { "a", NULL, "c" };
  const char *const with_empty[] = { "a", "b", "" };
  const char *const with_newline[] = { "a", "b\nc", "d" };
  if (!rgb || !gray || !two)
    goto out;

  refused_info (rgb, NULL, "export: no metadata given");
#define REFUSE(net, field, value, needle)                                      \
  do {                                                                         \
    i = info_for (net);                                                        \
    i.field = value;                                                           \
    refused_info (net, &i, needle);                                            \
  } while (0)
  REFUSE (rgb, labels, NULL, "export: 0 labels for 3 classes");
  REFUSE (rgb, n_labels, 2, "export: 2 labels for 3 classes");
  REFUSE (rgb, n_labels, 4, "export: 4 labels for 3 classes");
  REFUSE (rgb, labels, with_null, "label 1 is empty or has a newline");
  REFUSE (rgb, labels, with_empty, "label 2 is empty or has a newline");
  REFUSE (rgb, labels, with_newline, "label 1 is empty or has a newline");
  REFUSE (rgb, color, NULL, "colour must be GRAY, RGB or BGR");
  REFUSE (rgb, color, "rgb", "colour must be GRAY, RGB or BGR");
  REFUSE (rgb, color, "YUV", "colour must be GRAY, RGB or BGR");
  REFUSE (rgb, color, "GRAY", "colour GRAY does not fit 3 input channels");
  REFUSE (gray, color, "RGB", "colour RGB does not fit 1 input channels");
  REFUSE (gray, color, "BGR", "colour BGR does not fit 1 input channels");
  REFUSE (two, color, "RGB", "colour RGB does not fit 2 input channels");
  REFUSE (two, color, "GRAY", "colour GRAY does not fit 2 input channels");
  REFUSE (rgb, resize, NULL,
          "resize must be stretch, letterbox or center-crop");
  REFUSE (rgb, resize, "crop", "resize must be");
  REFUSE (rgb, scale, 0.0f, "export: scale must be > 0");
  REFUSE (rgb, scale, -1.0f, "scale must be > 0");
  REFUSE (rgb, scale, NAN, "scale must be > 0");
  REFUSE (rgb, scale, INFINITY, "scale must be > 0 and finite");
  REFUSE (rgb, mean[1], NAN, "export: mean[1] is not finite");
  REFUSE (rgb, mean[0], -INFINITY, "export: mean[0] is not finite");
  REFUSE (gray, mean[0], INFINITY, "export: mean[0] is not finite");
  REFUSE (rgb, std[2], NAN, "export: std[2] is not finite");
  REFUSE (rgb, std[0], INFINITY, "export: std[0] is not finite");
  REFUSE (rgb, std[0], 0.0f, "export: std[0] is zero");
  REFUSE (rgb, std[2], 0.0f, "export: std[2] is zero");
  REFUSE (gray, std[0], -0.0f, "export: std[0] is zero");
  REFUSE (rgb, batch, -1, "export: batch -1");
#undef REFUSE
  /* A gray net ignores std[1] and std[2]; BGR and every resize work. */
  uint8_t *data = NULL;
  size_t size = 0;
  i = info_for (gray);
  i.std[1] = i.std[2] = 0.0f;
  i.resize = "center-crop";
  CHECK (nn_net_export_onnx_memory (gray, &i, &data, &size, &err) == NN_OK,
         "gray with std[1..2] = 0: %s", err.message);
  free (data);
  i = info_for (rgb);
  i.color = "BGR";
  i.resize = "stretch";
  data = NULL;
  CHECK (nn_net_export_onnx_memory (rgb, &i, &data, &size, &err) == NN_OK,
         "BGR: %s", err.message);
  free (data);

  /* Where the bytes go */
  i = info_for (rgb);
  nn_status st = nn_net_export_onnx_memory (rgb, &i, NULL, &size, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "export: data or size is NULL");
  st = nn_net_export_onnx_memory (rgb, &i, &data, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "export: data or size is NULL");
  st = nn_net_export_onnx (rgb, &i, NULL, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "export: path is NULL");
  char path[1024];
  snprintf (path, sizeof path, "%s/no-such-folder/model.onnx", dir);
  st = nn_net_export_onnx (rgb, &i, path, &err);
  CHECK_ERR (st, err, NN_NOT_FOUND, "cannot create");
  CHECK (nn_net_export_onnx (rgb, NULL, path, NULL) == NN_INVALID_ARG,
         "refused without err");
out:
  nn_net_free (rgb);
  nn_net_free (gray);
  nn_net_free (two);
}

int
main (int argc, char **argv)
{
  snprintf (dir, sizeof dir, "%s", argc > 1 ? argv[1] : "export-out");
  mkdir (dir, 0700);

  engine_matches ("conv4x3p1,pool2,conv5x3s2,flatten,dense6,dense4", 3, 9, 9,
                  0);
  engine_matches ("conv4x3p1,pool2,conv5x3s2,dense6,dropout0.5,dense4", 1, 9, 7,
                  2);
  engine_matches ("pool2s1,conv3x2,dense5", 3, 5, 6, 3);
  /* The first dense sees 1x1 activations: it still needs its Flatten. */
  engine_matches ("dense4", 3, 1, 1, 0);
  engine_matches ("conv5x3,dense3", 1, 3, 3, 0);
  engine_matches ("conv5x3,dropout0.1,dense2", 3, 3, 3, 1);
  metadata ();
  rules ();
  return check_report ("train-export");
}
