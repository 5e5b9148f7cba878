/* Architecture specs ("conv32x3,pool2,...,dense10", see nn/train.h) to
 * layers with their shapes. Every number is bounded before it is used, so
 * a spec cannot make the planner overflow. */
#include "net.h"
#include "error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 4096
#define MAX_KERNEL 15
#define MAX_UNITS 65536

/* Reads a positive decimal at *p, advancing it. -1 when absent/too big. */
static long
read_uint (const char **p)
{
  long v = 0;
  if (!isdigit ((unsigned char)**p))
    return -1;
  while (isdigit ((unsigned char)**p)) {
    v = v * 10 + (**p - '0');
    if (v > 1000000)
      return -1;
    (*p)++;
  }
  return v;
}

static nn_status
add_layer (nn_net *net, nn_layer_kind kind, nn_error *err)
{
  if (net->n_layers >= NN_TRAIN_MAX_LAYERS)
    return nn_fail (err, NN_INVALID_ARG, "architecture: more than %d layers",
                    NN_TRAIN_MAX_LAYERS);
  nn_layer *l = &net->layers[net->n_layers];
  memset (l, 0, sizeof *l);
  l->kind = kind;
  if (net->n_layers > 0) {
    const nn_layer *prev = &net->layers[net->n_layers - 1];
    l->in_h = prev->out_h;
    l->in_w = prev->out_w;
    l->in_c = prev->out_c;
  } else {
    l->in_h = net->in_h;
    l->in_w = net->in_w;
    l->in_c = net->in_c;
  }
  /* Shape-preserving by default. */
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  l->out_c = l->in_c;
  net->n_layers++;
  return NN_OK;
}

/* Every dense follows a flatten (written or implied), so this also says
 * whether a dense came before. */
static int
has_flatten (const nn_net *net)
{
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].kind == NN_LAYER_FLATTEN)
      return 1;
  return 0;
}

static nn_status
add_flatten (nn_net *net, nn_error *err)
{
  nn_status st = add_layer (net, NN_LAYER_FLATTEN, err);
  if (st != NN_OK)
    return st;
  nn_layer *l = &net->layers[net->n_layers - 1];
  l->out_c = l->in_h * l->in_w * l->in_c;
  l->out_h = l->out_w = 1;
  return NN_OK;
}

static nn_status
parse_token (nn_net *net, const char *tok, nn_error *err)
{
  const char *p = tok;
  nn_status st;

  if (strncmp (p, "conv", 4) == 0) {
    p += 4;
    long oc = read_uint (&p), k = -1, s = 1, pad = 0;
    if (oc > 0 && *p == 'x') {
      p++;
      k = read_uint (&p);
    }
    if (*p == 's') {
      p++;
      s = read_uint (&p);
    }
    if (*p == 'p') {
      p++;
      pad = read_uint (&p);
    }
    if (oc <= 0 || k <= 0 || s <= 0 || pad < 0 || *p)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s' is not "
                      "convOxK[sS][pP] (e.g. conv32x3, conv64x3s2p1)",
                      tok);
    if (oc > MAX_CHANNELS || k > MAX_KERNEL || s > MAX_KERNEL || pad >= k)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s': need "
                      "filters <= %d, kernel <= %d, stride <= %d, pad < kernel",
                      tok, MAX_CHANNELS, MAX_KERNEL, MAX_KERNEL);
    if (has_flatten (net))
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s' after a "
                      "flatten or dense layer",
                      tok);
    if ((st = add_layer (net, NN_LAYER_CONV, err)) != NN_OK)
      return st;
    nn_layer *l = &net->layers[net->n_layers - 1];
    l->k = (int)k;
    l->stride = (int)s;
    l->pad = (int)pad;
    l->out_c = (int)oc;
    l->direct = k * k * l->in_c <= NN_CONV_DIRECT_MAX_KD
                && oc <= NN_CONV_DIRECT_MAX_OC;
    l->out_h = (l->in_h + 2 * l->pad - l->k) / l->stride + 1;
    l->out_w = (l->in_w + 2 * l->pad - l->k) / l->stride + 1;
    if (l->in_h + 2 * l->pad < l->k || l->in_w + 2 * l->pad < l->k)
      return nn_fail (err, NN_SHAPE,
                      "architecture: '%s' needs at least "
                      "%dx%d input, has %dx%d",
                      tok, l->k, l->k, l->in_w + 2 * l->pad,
                      l->in_h + 2 * l->pad);
    l->relu_after = 1;
    return add_layer (net, NN_LAYER_RELU, err);
  }
  if (strncmp (p, "pool", 4) == 0) {
    p += 4;
    long k = read_uint (&p), s = k;
    if (*p == 's') {
      p++;
      s = read_uint (&p);
    }
    if (k <= 0 || s <= 0 || *p || k > MAX_KERNEL || s > MAX_KERNEL)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s' is not "
                      "poolK[sS] with K, S in 1..%d (e.g. pool2)",
                      tok, MAX_KERNEL);
    if (has_flatten (net))
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s' after a "
                      "flatten or dense layer",
                      tok);
    if ((st = add_layer (net, NN_LAYER_MAXPOOL, err)) != NN_OK)
      return st;
    nn_layer *l = &net->layers[net->n_layers - 1];
    l->k = (int)k;
    l->stride = (int)s;
    if (l->in_h < l->k || l->in_w < l->k)
      return nn_fail (err, NN_SHAPE,
                      "architecture: '%s' needs at least "
                      "%dx%d input, has %dx%d",
                      tok, l->k, l->k, l->in_w, l->in_h);
    l->out_h = (l->in_h - l->k) / l->stride + 1;
    l->out_w = (l->in_w - l->k) / l->stride + 1;
    return NN_OK;
  }
  if (strcmp (p, "flatten") == 0) {
    if (has_flatten (net))
      return nn_fail (err, NN_INVALID_ARG, "architecture: a second flatten");
    return add_flatten (net, err);
  }
  if (strncmp (p, "dense", 5) == 0) {
    p += 5;
    long units = read_uint (&p);
    if (units <= 0 || units > MAX_UNITS || *p)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s' is not "
                      "denseN with N in 1..%d (e.g. dense64)",
                      tok, MAX_UNITS);
    /* Even an input already 1x1 gets its flatten: the exported Gemm
     * takes a 2-D input, and the Flatten node turns (N, C, 1, 1) into
     * one. */
    if (!has_flatten (net) && (st = add_flatten (net, err)) != NN_OK)
      return st;
    if ((st = add_layer (net, NN_LAYER_DENSE, err)) != NN_OK)
      return st;
    nn_layer *l = &net->layers[net->n_layers - 1];
    l->in_c = l->in_h * l->in_w * l->in_c;
    l->in_h = l->in_w = 1;
    l->out_h = l->out_w = 1;
    l->out_c = (int)units;
    return NN_OK;
  }
  if (strncmp (p, "dropout", 7) == 0) {
    char *end = NULL;
    double rate = strtod (p + 7, &end);
    if (end == p + 7 || *end || !(rate >= 0.0 && rate < 1.0))
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: '%s' is not "
                      "dropoutP with 0 <= P < 1 (e.g. dropout0.25)",
                      tok);
    if ((st = add_layer (net, NN_LAYER_DROPOUT, err)) != NN_OK)
      return st;
    net->layers[net->n_layers - 1].drop = (float)rate;
    return NN_OK;
  }
  return nn_fail (err, NN_INVALID_ARG,
                  "architecture: unknown layer '%s' "
                  "(conv, pool, flatten, dense, dropout)",
                  tok);
}

/* Splits the spec, adds a ReLU after every dense but the last. */
nn_status
nn_net_parse_spec (nn_net *net, const char *spec, nn_error *err)
{
  char tok[64];
  const char *p = spec;
  nn_status st;

  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    if (!*p)
      break;
    size_t len = strcspn (p, ", ");
    if (len >= sizeof tok)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: token too long "
                      "at '%.20s'",
                      p);
    memcpy (tok, p, len);
    tok[len] = '\0';
    p += len;
    if ((st = parse_token (net, tok, err)) != NN_OK)
      return st;
  }

  int last_dense = -1;
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].kind == NN_LAYER_DENSE)
      last_dense = i;
  if (last_dense < 0)
    return nn_fail (err, NN_INVALID_ARG,
                    "architecture: needs a final "
                    "dense layer giving the class scores");
  for (int i = last_dense + 1; i < net->n_layers; i++)
    if (net->layers[i].kind != NN_LAYER_DROPOUT)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: only the final "
                      "dense layer may come last");
  /* Dropout after the logits would make the exported model differ from the
   * trained one in spirit; refuse it. */
  if (last_dense != net->n_layers - 1)
    return nn_fail (err, NN_INVALID_ARG,
                    "architecture: dropout after the "
                    "final dense layer");
  if (net->layers[last_dense].out_c < 2)
    return nn_fail (err, NN_INVALID_ARG,
                    "architecture: the final dense "
                    "layer needs at least 2 classes");

  /* Insert ReLU after hidden dense layers (shift the tail right). */
  for (int i = 0; i < net->n_layers; i++) {
    nn_layer *l = &net->layers[i];
    if (l->kind != NN_LAYER_DENSE || i == net->n_layers - 1)
      continue;
    if (net->n_layers >= NN_TRAIN_MAX_LAYERS)
      return nn_fail (err, NN_INVALID_ARG,
                      "architecture: more than %d "
                      "layers",
                      NN_TRAIN_MAX_LAYERS);
    memmove (&net->layers[i + 2], &net->layers[i + 1],
             (net->n_layers - i - 1) * sizeof *l);
    nn_layer *r = &net->layers[i + 1];
    memset (r, 0, sizeof *r);
    r->kind = NN_LAYER_RELU;
    r->in_h = r->out_h = l->out_h;
    r->in_w = r->out_w = l->out_w;
    r->in_c = r->out_c = l->out_c;
    l->relu_after = 1;
    net->n_layers++;
  }
  net->layers[net->n_layers - 1].last = 1;
  net->n_classes = net->layers[net->n_layers - 1].out_c;
  return NN_OK;
}
