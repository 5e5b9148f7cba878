/* Architecture specs (nn/train/spec.c): every rule the parser enforces
 * gets a spec that breaks it (status and a message naming the problem),
 * and the accepted forms are checked against the layers they must give:
 * kinds, shapes, kernel, stride, padding, the implied flatten and ReLUs.
 * nn_net_create is the way in; the layers are read from the net. */
#include "check.h"
#include "net.h"

#include <stdlib.h>

/* One layer as expected: kind, output C/H/W, and for conv/pool k, s, p. */
typedef struct {
  nn_layer_kind kind;
  int out_c, out_h, out_w;
  int k, stride, pad;
} want_layer;

static nn_net *
create (const char *spec, int c, int h, int w)
{
  nn_net_options opts = { 1, 2, 5 };
  nn_net *net = NULL;
  nn_error err;
  nn_status st = nn_net_create (spec, c, h, w, &opts, &net, &err);
  CHECK (st == NN_OK, "'%s' on %dx%dx%d refused: %s", spec, c, h, w,
         err.message);
  return st == NN_OK ? net : NULL;
}

static void
check_layers (const char *spec, int c, int h, int w, const want_layer *want,
              int n)
{
  nn_net *net = create (spec, c, h, w);
  if (!net)
    return;
  CHECK (net->n_layers == n, "'%s': %d layers, wanted %d", spec, net->n_layers,
         n);
  int in_c = c, in_h = h, in_w = w;
  for (int i = 0; i < n && i < net->n_layers; i++) {
    const nn_layer *l = &net->layers[i];
    const want_layer *e = &want[i];
    CHECK (l->kind == e->kind, "'%s' layer %d: kind %d, wanted %d", spec, i,
           (int)l->kind, (int)e->kind);
    CHECK (l->out_c == e->out_c && l->out_h == e->out_h && l->out_w == e->out_w,
           "'%s' layer %d: out %dx%dx%d, wanted %dx%dx%d", spec, i, l->out_c,
           l->out_h, l->out_w, e->out_c, e->out_h, e->out_w);
    /* Each layer reads what the one before wrote (a dense sees it flat). */
    if (l->kind == NN_LAYER_DENSE)
      CHECK (l->in_c == in_c * in_h * in_w && l->in_h == 1 && l->in_w == 1,
             "'%s' layer %d: dense input %dx%dx%d", spec, i, l->in_c, l->in_h,
             l->in_w);
    else
      CHECK (l->in_c == in_c && l->in_h == in_h && l->in_w == in_w,
             "'%s' layer %d: input %dx%dx%d, wanted %dx%dx%d", spec, i, l->in_c,
             l->in_h, l->in_w, in_c, in_h, in_w);
    if (l->kind == NN_LAYER_CONV || l->kind == NN_LAYER_MAXPOOL)
      CHECK (l->k == e->k && l->stride == e->stride && l->pad == e->pad,
             "'%s' layer %d: k %d s %d p %d, wanted k %d s %d p %d", spec, i,
             l->k, l->stride, l->pad, e->k, e->stride, e->pad);
    /* A conv or hidden dense has its ReLU next, and says so. */
    const int relu_next
        = i + 1 < net->n_layers && net->layers[i + 1].kind == NN_LAYER_RELU;
    if (l->kind == NN_LAYER_CONV || l->kind == NN_LAYER_DENSE)
      CHECK (l->relu_after == relu_next, "'%s' layer %d: relu_after %d", spec,
             i, l->relu_after);
    CHECK (l->last == (i == net->n_layers - 1), "'%s' layer %d: last %d", spec,
           i, l->last);
    in_c = l->out_c;
    in_h = l->out_h;
    in_w = l->out_w;
  }
  CHECK (nn_net_n_classes (net) == want[n - 1].out_c, "'%s': %d classes", spec,
         nn_net_n_classes (net));
  nn_net_free (net);
}

static void
refused (const char *spec, int c, int h, int w, nn_status want,
         const char *needle)
{
  nn_net *net = (nn_net *)&net; /* must come back NULL */
  nn_error err = { 0 };
  nn_status st = nn_net_create (spec, c, h, w, NULL, &net, &err);
  CHECK_ERR (st, err, want, needle);
  CHECK (net == NULL, "'%s': *out set on failure", spec);
  if (st == NN_OK)
    nn_net_free (net);
}

/* `count` copies of `layer` joined by commas, then `tail`. */
static char *
repeat (const char *layer, int count, const char *tail)
{
  size_t len = (strlen (layer) + 1) * (size_t)count + strlen (tail) + 1;
  char *s = malloc (len), *p = s;
  for (int i = 0; i < count; i++)
    p += sprintf (p, "%s,", layer);
  strcpy (p, tail);
  return s;
}

static void
accepted_forms (void)
{
  const nn_layer_kind CV = NN_LAYER_CONV, RL = NN_LAYER_RELU,
                      MP = NN_LAYER_MAXPOOL, FL = NN_LAYER_FLATTEN,
                      DN = NN_LAYER_DENSE, DO = NN_LAYER_DROPOUT;

  /* Every layer kind, stride and padding; ReLUs after conv and hidden
   * dense layers; the dropout kept where it was written. */
  const want_layer full[] = {
    { CV, 8, 26, 26, 3, 1, 0 }, { RL, 8, 26, 26, 0, 0, 0 },
    { MP, 8, 13, 13, 2, 2, 0 }, { CV, 16, 7, 7, 3, 2, 1 },
    { RL, 16, 7, 7, 0, 0, 0 },  { MP, 16, 3, 3, 3, 2, 0 },
    { FL, 144, 1, 1, 0, 0, 0 }, { DN, 32, 1, 1, 0, 0, 0 },
    { RL, 32, 1, 1, 0, 0, 0 },  { DO, 32, 1, 1, 0, 0, 0 },
    { DN, 10, 1, 1, 0, 0, 0 },
  };
  check_layers ("conv8x3,pool2,conv16x3s2p1,pool3s2,flatten,dense32,"
                "dropout0.25,dense10",
                3, 28, 28, full, 11);

  /* Spaces and empty items separate like commas. */
  const want_layer small[] = {
    { CV, 4, 3, 3, 3, 1, 0 },
    { RL, 4, 3, 3, 0, 0, 0 },
    { FL, 36, 1, 1, 0, 0, 0 },
    { DN, 2, 1, 1, 0, 0, 0 },
  };
  check_layers (" conv4x3 ,, dense2 ,", 1, 5, 5, small, 4);
  check_layers ("conv4x3 dense2", 1, 5, 5, small, 4);

  /* The flatten is implied before the first dense, also when the input
   * (or a conv) is already 1x1: the exported Gemm needs a 2-D input. */
  const want_layer flat_in[]
      = { { FL, 3, 1, 1, 0, 0, 0 }, { DN, 4, 1, 1, 0, 0, 0 } };
  check_layers ("dense4", 3, 1, 1, flat_in, 2);
  const want_layer conv_1x1[] = {
    { CV, 5, 1, 1, 3, 1, 0 }, { RL, 5, 1, 1, 0, 0, 0 },
    { DO, 5, 1, 1, 0, 0, 0 }, { FL, 5, 1, 1, 0, 0, 0 },
    { DN, 3, 1, 1, 0, 0, 0 },
  };
  check_layers ("conv5x3,dropout0.5,dense3", 2, 3, 3, conv_1x1, 5);
  /* An explicit flatten is not doubled; hidden denses get ReLUs. */
  const want_layer denses[] = {
    { FL, 12, 1, 1, 0, 0, 0 }, { DN, 8, 1, 1, 0, 0, 0 },
    { RL, 8, 1, 1, 0, 0, 0 },  { DN, 6, 1, 1, 0, 0, 0 },
    { RL, 6, 1, 1, 0, 0, 0 },  { DN, 2, 1, 1, 0, 0, 0 },
  };
  check_layers ("flatten,dense8,dense6,dense2", 3, 2, 2, denses, 6);
  check_layers ("dense8,dense6,dense2", 3, 2, 2, denses, 6);
  /* A pool with its own stride, a pool first, pool after pool. */
  const want_layer pools[] = {
    { MP, 1, 6, 4, 3, 1, 0 },
    { MP, 1, 3, 2, 2, 2, 0 },
    { FL, 6, 1, 1, 0, 0, 0 },
    { DN, 2, 1, 1, 0, 0, 0 },
  };
  check_layers ("pool3s1,pool2,dense2", 1, 8, 6, pools, 4);

  /* The limits themselves are allowed. */
  const want_layer limits[] = {
    { CV, 2, 2, 2, 15, 15, 14 }, { RL, 2, 2, 2, 0, 0, 0 },
    { MP, 2, 1, 1, 2, 15, 0 },   { FL, 2, 1, 1, 0, 0, 0 },
    { DN, 2, 1, 1, 0, 0, 0 },
  };
  check_layers ("conv2x15s15p14,pool2s15,dense2", 1, 16, 16, limits, 5);
  const want_layer wide[] = { { CV, 4096, 1, 1, 1, 1, 0 },
                              { RL, 4096, 1, 1, 0, 0, 0 },
                              { FL, 4096, 1, 1, 0, 0, 0 },
                              { DN, 2, 1, 1, 0, 0, 0 } };
  check_layers ("conv4096x1,dense2", 1, 1, 1, wide, 4);
  const want_layer units[]
      = { { FL, 1, 1, 1, 0, 0, 0 }, { DN, 65536, 1, 1, 0, 0, 0 } };
  check_layers ("dense65536", 1, 1, 1, units, 2);

  /* Dropout rates: any strtod form in [0, 1). */
  const char *rates[] = { "0", "0.5", ".25", "1e-1", "0.999" };
  const float values[] = { 0.0f, 0.5f, 0.25f, 0.1f, 0.999f };
  for (int i = 0; i < 5; i++) {
    char spec[64];
    snprintf (spec, sizeof spec, "dropout%s,dense2", rates[i]);
    nn_net *net = create (spec, 1, 2, 2);
    if (!net)
      continue;
    CHECK (net->layers[0].kind == NN_LAYER_DROPOUT
               && net->layers[0].drop == values[i],
           "'%s': rate %g", spec, net->layers[0].drop);
    nn_net_free (net);
  }

  /* Exactly the maximum number of layers: 62 dropouts, flatten, dense. */
  char *s = repeat ("dropout0", 62, "dense2");
  nn_net *net = create (s, 1, 2, 2);
  if (net) {
    CHECK (net->n_layers == NN_TRAIN_MAX_LAYERS, "%d layers", net->n_layers);
    nn_net_free (net);
  }
  free (s);
}

static void
refused_forms (void)
{
  const nn_status INV = NN_INVALID_ARG;

  /* Nothing to classify with. */
  refused ("", 1, 4, 4, INV, "needs a final dense layer");
  refused (" , ,", 1, 4, 4, INV, "needs a final dense layer");
  refused ("conv4x3,pool2", 1, 4, 4, INV, "needs a final dense layer");
  refused ("dense1", 1, 4, 4, INV, "at least 2 classes");
  refused ("dense4,dropout0.5", 1, 4, 4, INV,
           "dropout after the final dense layer");
  refused ("dense4,dense2,dropout0", 1, 4, 4, INV,
           "dropout after the final dense layer");

  /* Unknown words (names are case-sensitive). */
  refused ("relu,dense2", 1, 4, 4, INV, "unknown layer 'relu'");
  refused ("Conv4x3,dense2", 1, 4, 4, INV, "unknown layer 'Conv4x3'");
  refused ("dense2;", 1, 4, 4, INV, "is not denseN");
  char longtok[80];
  memset (longtok, '7', sizeof longtok);
  memcpy (longtok, "dense", 5);
  longtok[70] = '\0';
  refused (longtok, 1, 4, 4, INV, "token too long at 'dense7777");
  longtok[63] = '\0'; /* 63 characters: read, then too big a number */
  refused (longtok, 1, 4, 4, INV, "is not denseN");

  /* convOxK[sS][pP] */
  const char *bad_conv[] = {
    "conv",     "conv4",       "conv4x",     "conv0x3",       "convx3",
    "conv-4x3", "conv4x0",     "conv4x3s",   "conv4x3s0",     "conv4x3p",
    "conv4x3q", "conv4x3p1s1", "conv4x3s1x", "conv1000001x3", "conv4x3p-1",
  };
  for (size_t i = 0; i < sizeof bad_conv / sizeof *bad_conv; i++) {
    char spec[64], needle[48];
    snprintf (spec, sizeof spec, "%s,dense2", bad_conv[i]);
    snprintf (needle, sizeof needle, "'%s' is not convOxK", bad_conv[i]);
    refused (spec, 1, 8, 8, INV, needle);
  }
  const char *big_conv[] = { "conv4097x1", "conv4x16", "conv4x3s16",
                             "conv4x3p3", "conv1000000x3" };
  for (size_t i = 0; i < sizeof big_conv / sizeof *big_conv; i++) {
    char spec[64], needle[64];
    snprintf (spec, sizeof spec, "%s,dense2", big_conv[i]);
    snprintf (needle, sizeof needle, "'%s': need filters <= 4096, kernel <= 15",
              big_conv[i]);
    refused (spec, 1, 20, 20, INV, needle);
  }
  refused ("dense4,conv4x3,dense2", 1, 8, 8, INV,
           "'conv4x3' after a flatten or dense layer");
  refused ("flatten,conv4x3,dense2", 1, 8, 8, INV,
           "'conv4x3' after a flatten or dense layer");
  refused ("conv4x5,dense2", 1, 4, 8, NN_SHAPE,
           "'conv4x5' needs at least 5x5 input, has 8x4");
  refused ("conv4x5,dense2", 1, 8, 4, NN_SHAPE,
           "'conv4x5' needs at least 5x5 input, has 4x8");
  refused ("conv4x5p1,dense2", 1, 2, 9, NN_SHAPE, "has 11x4");
  refused ("conv4x3,conv4x3,dense2", 1, 4, 4, NN_SHAPE,
           "'conv4x3' needs at least 3x3 input, has 2x2");

  /* poolK[sS] */
  const char *bad_pool[]
      = { "pool",   "pool0",    "pool2s",    "pool2s0", "pool2x",
          "pool16", "pool2s16", "pool2s2s2", "poolx2",  "pool1000001" };
  for (size_t i = 0; i < sizeof bad_pool / sizeof *bad_pool; i++) {
    char spec[64], needle[48];
    snprintf (spec, sizeof spec, "%s,dense2", bad_pool[i]);
    snprintf (needle, sizeof needle, "'%s' is not poolK[sS]", bad_pool[i]);
    refused (spec, 1, 20, 20, INV, needle);
  }
  refused ("flatten,pool2,dense2", 1, 8, 8, INV,
           "'pool2' after a flatten or dense layer");
  refused ("dense8,pool2,dense2", 1, 8, 8, INV,
           "'pool2' after a flatten or dense layer");
  refused ("pool5,dense2", 1, 4, 8, NN_SHAPE,
           "'pool5' needs at least 5x5 input, has 8x4");
  refused ("pool5,dense2", 1, 8, 4, NN_SHAPE,
           "'pool5' needs at least 5x5 input, has 4x8");

  /* flatten once, before any dense */
  refused ("flatten,flatten,dense2", 1, 4, 4, INV, "a second flatten");
  refused ("dense4,flatten,dense2", 1, 4, 4, INV, "a second flatten");

  /* denseN */
  const char *bad_dense[]
      = { "dense",   "dense0",       "dense65537", "dense2x",
          "dense-2", "dense1000001", "densex" };
  for (size_t i = 0; i < sizeof bad_dense / sizeof *bad_dense; i++) {
    char needle[48];
    snprintf (needle, sizeof needle, "'%s' is not denseN", bad_dense[i]);
    refused (bad_dense[i], 1, 4, 4, INV, needle);
  }

  /* dropoutP, 0 <= P < 1 */
  const char *bad_drop[]
      = { "dropout",     "dropout1",   "dropout1.5", "dropout-0.1",
          "dropout0.5x", "dropoutnan", "dropoutinf", "dropout 0.5" };
  for (size_t i = 0; i < sizeof bad_drop / sizeof *bad_drop; i++) {
    char spec[64], needle[48];
    snprintf (spec, sizeof spec, "%s,dense2", bad_drop[i]);
    /* "dropout 0.5" splits at the space: the bare "dropout" is refused. */
    snprintf (needle, sizeof needle, "'%.*s' is not dropoutP",
              (int)strcspn (bad_drop[i], " "), bad_drop[i]);
    refused (spec, 1, 4, 4, INV, needle);
  }

  /* At most NN_TRAIN_MAX_LAYERS (64) layers, whichever layer is the
   * 65th: each kind, a conv's ReLU, the implied flatten, and the ReLUs
   * after hidden dense layers (inserted once the spec is read). */
  const struct {
    int dropouts;
    const char *tail;
    int c, h, w;
  } full[] = {
    { 64, "conv2x1,dense2", 1, 2, 2 }, /* the conv itself */
    { 63, "conv2x1,dense2", 1, 2, 2 }, /* its ReLU */
    { 64, "pool1,dense2", 1, 2, 2 },
    { 64, "flatten,dense2", 1, 2, 2 },
    { 64, "dense2", 1, 2, 2 },               /* the implied flatten */
    { 63, "flatten,dense2", 1, 2, 2 },       /* the dense */
    { 65, "dense2", 1, 2, 2 },               /* a dropout */
    { 60, "dense4,dense4,dense2", 1, 2, 2 }, /* a hidden dense's ReLU */
  };
  for (size_t i = 0; i < sizeof full / sizeof *full; i++) {
    char *s = repeat ("dropout0", full[i].dropouts, full[i].tail);
    refused (s, full[i].c, full[i].h, full[i].w, INV, "more than 64 layers");
    free (s);
  }
}

int
main (void)
{
  accepted_forms ();
  refused_forms ();
  return check_report ("train-spec");
}
