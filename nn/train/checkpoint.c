/* Checkpoints: everything needed to resume training exactly where it
 * stopped. Format (host byte order; checkpoints are not for exchange):
 *
 *   "EDGNCKP1"  magic + format version
 *   u32 c, h, w, threads; u32 spec length; spec bytes
 *   u64 n_params; optimizer config (fixed-size record); i64 step
 *   u64 extra size
 *   params, moment 1, moment 2 (n_params floats each); extra bytes
 *   u64 FNV-1a of everything above
 *
 * The thread count is recorded because the shard split changes rounding:
 * resuming with another count still works but is no longer bit-exact.
 */
#include "net.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char magic[8] = { 'E', 'D', 'G', 'N', 'C', 'K', 'P', '1' };

typedef struct {
  int32_t optimizer, nesterov, schedule, pad_;
  float lr, momentum, beta1, beta2, eps, weight_decay, gamma, min_lr;
  float clip_norm, pad2_;
  int64_t total_steps, step_size, warmup_steps;
} optim_record;

static uint64_t
fnv1a (const uint8_t *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static size_t
ckpt_size (const nn_net *net, size_t extra_size)
{
  return sizeof magic + 5 * 4 + strlen (net->spec) + 8 + sizeof (optim_record)
         + 8 + 8 + 3 * net->n_params * sizeof (float) + extra_size + 8;
}

static void
put (uint8_t **p, const void *v, size_t n)
{
  memcpy (*p, v, n);
  *p += n;
}

static void
get (const uint8_t **p, void *v, size_t n)
{
  memcpy (v, *p, n);
  *p += n;
}

static void
to_record (const nn_optim_config *c, optim_record *r)
{
  memset (r, 0, sizeof *r);
  r->optimizer = c->optimizer;
  r->nesterov = c->nesterov;
  r->schedule = c->schedule;
  r->lr = c->lr;
  r->momentum = c->momentum;
  r->beta1 = c->beta1;
  r->beta2 = c->beta2;
  r->eps = c->eps;
  r->weight_decay = c->weight_decay;
  r->gamma = c->gamma;
  r->min_lr = c->min_lr;
  r->clip_norm = c->clip_norm;
  r->total_steps = c->total_steps;
  r->step_size = c->step_size;
  r->warmup_steps = c->warmup_steps;
}

static void
from_record (const optim_record *r, nn_optim_config *c)
{
  nn_optim_config_init (c);
  c->optimizer = (nn_optimizer)r->optimizer;
  c->nesterov = r->nesterov;
  c->schedule = (nn_schedule)r->schedule;
  c->lr = r->lr;
  c->momentum = r->momentum;
  c->beta1 = r->beta1;
  c->beta2 = r->beta2;
  c->eps = r->eps;
  c->weight_decay = r->weight_decay;
  c->gamma = r->gamma;
  c->min_lr = r->min_lr;
  c->clip_norm = r->clip_norm;
  c->total_steps = (long)r->total_steps;
  c->step_size = (long)r->step_size;
  c->warmup_steps = (long)r->warmup_steps;
}

nn_status
nn_net_save_checkpoint (const nn_net *net, const char *path, const void *extra,
                        size_t extra_size, nn_error *err)
{
  const size_t size = ckpt_size (net, extra_size);
  const uint32_t spec_len = (uint32_t)strlen (net->spec);
  const uint32_t hdr[4] = { (uint32_t)net->in_c, (uint32_t)net->in_h,
                            (uint32_t)net->in_w, (uint32_t)net->threads };
  const uint64_t np = net->n_params, xs = extra_size;
  const int64_t step = net->step;
  optim_record rec;
  uint8_t *buf, *p;
  nn_status st;

  if (!path || (extra_size && !extra))
    return nn_fail (err, NN_INVALID_ARG, "checkpoint: bad arguments");
  buf = malloc (size);
  if (!buf)
    return nn_fail (err, NN_NOMEM, "checkpoint: no memory for %zu bytes", size);
  p = buf;
  put (&p, magic, sizeof magic);
  put (&p, hdr, sizeof hdr);
  put (&p, &spec_len, 4);
  put (&p, net->spec, spec_len);
  put (&p, &np, 8);
  to_record (&net->optim, &rec);
  put (&p, &rec, sizeof rec);
  put (&p, &step, 8);
  put (&p, &xs, 8);
  put (&p, net->params, net->n_params * sizeof (float));
  put (&p, net->m, net->n_params * sizeof (float));
  put (&p, net->v, net->n_params * sizeof (float));
  if (extra_size)
    put (&p, extra, extra_size);
  const uint64_t sum = fnv1a (buf, (size_t)(p - buf));
  put (&p, &sum, 8);
  st = nn_train_write_file (path, buf, size, err);
  free (buf);
  return st;
}

nn_status
nn_net_load_checkpoint (nn_net *net, const char *path, void *extra,
                        size_t extra_size, nn_error *err)
{
  const size_t size = ckpt_size (net, extra_size);
  uint8_t *buf = NULL;
  const uint8_t *p;
  FILE *f;
  nn_status st = NN_OK;
  char m[8];
  uint32_t hdr[4], spec_len;
  uint64_t np, xs, sum;
  int64_t step;
  optim_record rec;
  nn_optim_config cfg;
  long got;

  if (!path || (extra_size && !extra))
    return nn_fail (err, NN_INVALID_ARG, "checkpoint: bad arguments");
  f = fopen (path, "rb");
  if (!f)
    return nn_fail (err, errno == ENOENT ? NN_NOT_FOUND : NN_IO,
                    "cannot open checkpoint %s: %s", path, strerror (errno));
  /* The exact size follows from the net; anything else is not ours. */
  if (fseek (f, 0, SEEK_END) != 0 || (got = ftell (f)) < 0) {
    st = nn_fail (err, NN_IO, "cannot read checkpoint %s", path);
    goto out;
  }
  if ((size_t)got != size) {
    st = nn_fail (err, NN_BAD_MODEL,
                  "checkpoint %s has %ld bytes, this "
                  "network and state need %zu (different architecture?)",
                  path, got, size);
    goto out;
  }
  rewind (f);
  buf = malloc (size);
  if (!buf) {
    st = nn_fail (err, NN_NOMEM, "checkpoint: no memory for %zu bytes", size);
    goto out;
  }
  if (fread (buf, 1, size, f) != size) {
    st = nn_fail (err, NN_IO, "cannot read checkpoint %s", path);
    goto out;
  }
  p = buf;
  get (&p, m, sizeof m);
  if (memcmp (m, magic, sizeof m) != 0) {
    st = nn_fail (err, NN_BAD_MODEL, "%s is not an edgenn checkpoint", path);
    goto out;
  }
  memcpy (&sum, buf + size - 8, 8);
  if (fnv1a (buf, size - 8) != sum) {
    st = nn_fail (err, NN_BAD_MODEL, "checkpoint %s is corrupt (checksum)",
                  path);
    goto out;
  }
  get (&p, hdr, sizeof hdr);
  get (&p, &spec_len, 4);
  if (hdr[0] != (uint32_t)net->in_c || hdr[1] != (uint32_t)net->in_h
      || hdr[2] != (uint32_t)net->in_w || spec_len != strlen (net->spec)
      || memcmp (p, net->spec, spec_len) != 0) {
    st = nn_fail (err, NN_SHAPE,
                  "checkpoint %s is for another architecture "
                  "or input size",
                  path);
    goto out;
  }
  p += spec_len;
  get (&p, &np, 8);
  get (&p, &rec, sizeof rec);
  get (&p, &step, 8);
  get (&p, &xs, 8);
  if (np != net->n_params || xs != extra_size || step < 0) {
    st = nn_fail (err, NN_SHAPE, "checkpoint %s does not match this network",
                  path);
    goto out;
  }
  from_record (&rec, &cfg);
  if ((st = nn_net_set_optimizer (net, &cfg, err)) != NN_OK)
    goto out;
  get (&p, net->params, net->n_params * sizeof (float));
  get (&p, net->m, net->n_params * sizeof (float));
  get (&p, net->v, net->n_params * sizeof (float));
  if (extra_size)
    get (&p, extra, extra_size);
  net->step = (long)step;

out:
  free (buf);
  fclose (f);
  return st;
}
