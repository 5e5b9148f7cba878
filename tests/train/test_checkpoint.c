/* Checkpoints (nn/train/checkpoint.c): a save/load round trip restores the
 * parameters, both moments, the optimizer config, the step counter and the
 * caller's block bit for bit, so training continues exactly as if it had
 * never stopped (with SGD and with Adam). Every rule of the loader gets a
 * file that breaks it: missing, unreadable, truncated, grown, wrong magic
 * or version, corrupt, another architecture or input size, another
 * parameter count, extra size or step, an optimizer record that does not
 * validate. A refused load leaves the net as it was. Saving fails cleanly
 * (and atomically) when the file cannot be created, written or renamed.
 *
 * Usage: test-train-checkpoint DIR (created if missing). */
#include "check.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N = 6, C = 2, H = 6, W = 6 };

static float x[N * C * H * W];
static int32_t labels[N];
static char dir[900];

typedef struct {
  int32_t epoch;
  uint64_t rng[4];
  double history[3];
} extra_block;

static char *
path_of (const char *name)
{
  static char buf[8][1024];
  static int next;
  char *p = buf[next++ % 8];
  snprintf (p, sizeof buf[0], "%s/%s", dir, name);
  return p;
}

static nn_net *
make (const char *spec, int c, int h, int w, uint64_t seed)
{
  nn_net_options opts = { 2, N, seed };
  nn_net *net = NULL;
  nn_error err;
  if (nn_net_create (spec, c, h, w, &opts, &net, &err) != NN_OK)
    CHECK (0, "create '%s': %s", spec, err.message);
  return net;
}

static uint8_t *
read_all (const char *path, size_t *size)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf = NULL;
  long n;
  *size = 0;
  if (!f)
    return NULL;
  if (fseek (f, 0, SEEK_END) == 0 && (n = ftell (f)) >= 0) {
    rewind (f);
    buf = malloc ((size_t)n + 1);
    *size = fread (buf, 1, (size_t)n, f);
  }
  fclose (f);
  return buf;
}

static void
write_all (const char *path, const void *data, size_t size)
{
  FILE *f = fopen (path, "wb");
  CHECK (f && fwrite (data, 1, size, f) == size && fclose (f) == 0,
         "cannot write %s", path);
}

/* 64-bit FNV-1a, the checksum the format documents. */
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

static void
reseal (uint8_t *buf, size_t size)
{
  const uint64_t sum = fnv1a (buf, size - 8);
  memcpy (buf + size - 8, &sum, 8);
}

static int
same_params (const nn_net *a, const nn_net *b)
{
  const size_t np = nn_net_n_params (a);
  float *pa = malloc (np * sizeof *pa), *pb = malloc (np * sizeof *pb);
  nn_net_get_params (a, pa);
  nn_net_get_params (b, pb);
  const int same
      = np == nn_net_n_params (b) && memcmp (pa, pb, np * sizeof *pa) == 0;
  free (pa);
  free (pb);
  return same;
}

/* Train `a`, save, load into a differently seeded and configured `b`; then
 * both must take the same next steps bit for bit. */
static void
round_trip (const char *what, const nn_optim_config *cfg, int with_extra)
{
  nn_net *a = make ("conv3x3,pool2,dense5,dense4", C, H, W, 1);
  nn_net *b = make ("conv3x3,pool2,dense5,dense4", C, H, W, 2);
  nn_optim_config other;
  nn_error err;
  extra_block saved
      = { 7, { 1, 2, 3, 0xfedcba9876543210ull }, { 0.5, 2.25, -1 } };
  extra_block loaded;
  const char *path = path_of ("round.ckpt");
  if (!a || !b)
    goto out;
  CHECK (nn_net_set_optimizer (a, cfg, &err) == NN_OK, "%s: %s", what,
         err.message);
  nn_optim_config_init (&other);
  other.optimizer = cfg->optimizer == NN_OPT_ADAM ? NN_OPT_SGD : NN_OPT_ADAM;
  other.lr = 0.5f;
  nn_net_set_optimizer (b, &other, &err);
  for (int i = 0; i < 3; i++)
    nn_net_train_step (a, x, labels, N, NULL, &err);
  nn_net_train_step (b, x, labels, N, NULL, &err);

  nn_status st = nn_net_save_checkpoint (a, path, with_extra ? &saved : NULL,
                                         with_extra ? sizeof saved : 0, &err);
  CHECK (st == NN_OK, "%s: save: %s", what, err.message);
  struct stat sb;
  CHECK (stat (path_of ("round.ckpt.tmp"), &sb) != 0,
         "%s: temporary file left behind", what);
  memset (&loaded, 0, sizeof loaded);
  st = nn_net_load_checkpoint (b, path, with_extra ? &loaded : NULL,
                               with_extra ? sizeof loaded : 0, &err);
  CHECK (st == NN_OK, "%s: load: %s", what, err.message);
  CHECK (same_params (a, b), "%s: parameters differ after load", what);
  CHECK (nn_net_step (b) == 3, "%s: step %ld after load", what,
         nn_net_step (b));
  if (with_extra)
    CHECK (memcmp (&saved, &loaded, sizeof saved) == 0,
           "%s: the caller's block differs", what);
  int lr_same = 1;
  for (long s = 0; s < 40; s++)
    lr_same &= nn_net_lr_at (a, s) == nn_net_lr_at (b, s);
  CHECK (lr_same, "%s: the schedule differs after load", what);
  /* Moments, config and counter: the next steps are bit-identical. */
  for (int i = 0; i < 3; i++) {
    nn_step_stats sa, sb2;
    nn_net_train_step (a, x, labels, N, &sa, &err);
    nn_net_train_step (b, x, labels, N, &sb2, &err);
    CHECK (sa.lr == sb2.lr && sa.loss_sum == sb2.loss_sum,
           "%s: step %d after load: lr %g/%g loss %g/%g", what, i, sa.lr,
           sb2.lr, sa.loss_sum, sb2.loss_sum);
  }
  CHECK (same_params (a, b), "%s: training diverges after load", what);
out:
  nn_net_free (a);
  nn_net_free (b);
}

/* The load must fail with `want` and `needle` and leave `net` untouched. */
static void
load_refused (nn_net *net, const char *path, void *extra, size_t extra_size,
              nn_status want, const char *needle)
{
  const size_t np = nn_net_n_params (net);
  float *before = malloc (np * sizeof *before);
  float *after = malloc (np * sizeof *after);
  const long step = nn_net_step (net);
  const float lr = nn_net_lr_at (net, 100);
  nn_error err = { 0 };
  nn_net_get_params (net, before);
  nn_status st = nn_net_load_checkpoint (net, path, extra, extra_size, &err);
  CHECK_ERR (st, err, want, needle);
  nn_net_get_params (net, after);
  CHECK (memcmp (before, after, np * sizeof *before) == 0
             && nn_net_step (net) == step && nn_net_lr_at (net, 100) == lr,
         "a refused load (%s) changed the net", check_or_empty (needle));
  free (before);
  free (after);
}

static void
load_rules (void)
{
  nn_net *a = make ("conv3x3,pool2,dense5,dense4", C, H, W, 1);
  nn_net *b = make ("conv3x3,pool2,dense5,dense4", C, H, W, 2);
  nn_optim_config cfg;
  nn_error err;
  extra_block blk = { 1, { 0 }, { 0 } };
  const char *good = path_of ("good.ckpt"), *bad = path_of ("bad.ckpt");
  size_t size;
  if (!a || !b)
    goto out;
  nn_optim_config_init (&cfg);
  cfg.lr = 0.01f;
  nn_net_set_optimizer (a, &cfg, &err);
  nn_net_train_step (a, x, labels, N, NULL, &err);
  nn_net_train_step (b, x, labels, N, NULL, &err);
  CHECK (nn_net_save_checkpoint (a, good, &blk, sizeof blk, &err) == NN_OK,
         "save: %s", err.message);
  uint8_t *bytes = read_all (good, &size);
  uint8_t *copy = malloc (size + 1);
  if (!bytes)
    goto out;

  /* Arguments */
  load_refused (b, NULL, &blk, sizeof blk, NN_INVALID_ARG,
                "checkpoint: bad arguments");
  load_refused (b, good, NULL, sizeof blk, NN_INVALID_ARG,
                "checkpoint: bad arguments");

  /* Files that cannot be read */
  load_refused (b, path_of ("absent.ckpt"), &blk, sizeof blk, NN_NOT_FOUND,
                "cannot open checkpoint");
  char under_file[1100];
  snprintf (under_file, sizeof under_file, "%s/x", good);
  load_refused (b, under_file, &blk, sizeof blk, NN_IO,
                "cannot open checkpoint");
  /* A pipe opens but has no size. */
  const char *fifo = path_of ("fifo.ckpt");
  unlink (fifo);
  if (mkfifo (fifo, 0600) == 0) {
    int keep = open (fifo, O_RDWR | O_NONBLOCK); /* a writer: no blocking */
    load_refused (b, fifo, &blk, sizeof blk, NN_IO, "cannot read checkpoint");
    close (keep);
    unlink (fifo);
  } else {
    CHECK (0, "mkfifo %s: %s", fifo, strerror (errno));
  }

  /* The size follows from the net and the extra size. */
  write_all (bad, bytes, size - 1);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL,
                "different architecture?");
  memcpy (copy, bytes, size);
  copy[size] = 0;
  write_all (bad, copy, size + 1);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL, "has");
  write_all (bad, bytes, 0);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL, "has 0 bytes");
  load_refused (b, good, &blk, sizeof blk - 1, NN_BAD_MODEL,
                "different architecture?");

  /* Magic and format version */
  memcpy (copy, bytes, size);
  copy[0] = 'X';
  write_all (bad, copy, size);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL,
                "is not an edgenn checkpoint");
  memcpy (copy, bytes, size);
  copy[7] = '2'; /* "EDGNCKP2": a future version */
  reseal (copy, size);
  write_all (bad, copy, size);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL,
                "is not an edgenn checkpoint");

  /* Checksum: a flipped bit in the parameters, or in the sum itself. */
  memcpy (copy, bytes, size);
  copy[size / 2] ^= 0x10;
  write_all (bad, copy, size);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL,
                "is corrupt (checksum)");
  memcpy (copy, bytes, size);
  copy[size - 1] ^= 1;
  write_all (bad, copy, size);
  load_refused (b, bad, &blk, sizeof blk, NN_BAD_MODEL, "corrupt");

  /* Fields past the checksum test, as a damaged writer could leave them:
   * u64 n_params, the optimizer record, i64 step, u64 extra size. */
  const size_t spec_len = strlen ("conv3x3,pool2,dense5,dense4");
  const size_t off_np = 8 + 16 + 4 + spec_len, off_rec = off_np + 8;
  const size_t off_step = off_rec + 80, off_xs = off_step + 8;
  uint32_t got_len;
  memcpy (&got_len, bytes + 24, 4);
  CHECK (got_len == spec_len, "spec length field %u", got_len);
  const struct {
    size_t off;
    int64_t value;
    int width;
    nn_status want;
    const char *needle;
  } fields[] = {
    { off_np, (int64_t)nn_net_n_params (b) + 16, 8, NN_SHAPE,
      "does not match this network" },
    { off_xs, sizeof blk + 8, 8, NN_SHAPE, "does not match this network" },
    { off_step, -1, 8, NN_SHAPE, "does not match this network" },
    /* optimizer record: i32 optimizer, nesterov, schedule, pad; f32 lr */
    { off_rec, 5, 4, NN_INVALID_ARG, "unknown optimizer 5" },
    { off_rec + 8, 9, 4, NN_INVALID_ARG, "unknown schedule 9" },
  };
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    memcpy (copy, bytes, size);
    if (fields[i].width == 8)
      memcpy (copy + fields[i].off, &fields[i].value, 8);
    else {
      const int32_t v = (int32_t)fields[i].value;
      memcpy (copy + fields[i].off, &v, 4);
    }
    reseal (copy, size);
    write_all (bad, copy, size);
    load_refused (b, bad, &blk, sizeof blk, fields[i].want, fields[i].needle);
  }
  memcpy (copy, bytes, size);
  const float lr = 42.0f;
  memcpy (copy + off_rec + 16, &lr, 4);
  reseal (copy, size);
  write_all (bad, copy, size);
  load_refused (b, bad, &blk, sizeof blk, NN_INVALID_ARG, "learning rate 42");
  /* The resealed original still loads: the edits above were the cause. */
  memcpy (copy, bytes, size);
  reseal (copy, size);
  write_all (bad, copy, size);
  CHECK (nn_net_load_checkpoint (b, bad, &blk, sizeof blk, &err) == NN_OK,
         "resealed copy: %s", err.message);
  free (copy);
  free (bytes);
out:
  nn_net_free (a);
  nn_net_free (b);
}

/* Checkpoints of equal size from another architecture or input size. */
static void
other_nets (void)
{
  const struct {
    const char *spec_a, *spec_b;
    int a[3], b[3];
    size_t xa, xb;
    const char *what;
  } cases[] = {
    { "dense3", "dense3", { 4, 1, 1 }, { 1, 2, 2 }, 8, 8, "channels" },
    { "dense3", "dense3", { 1, 2, 2 }, { 1, 4, 1 }, 8, 8, "height" },
    { "dense2", "dense2", { 1, 2, 3 }, { 1, 2, 4 }, 8, 8, "width" },
    { "dense3", "dense2", { 1, 2, 2 }, { 1, 2, 2 }, 8, 8, "classes" },
    { "dense3,", "dense3", { 1, 2, 2 }, { 1, 2, 2 }, 7, 8, "spec length" },
  };
  char extra[8] = "1234567";
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    nn_net *a = make (cases[i].spec_a, cases[i].a[0], cases[i].a[1],
                      cases[i].a[2], 1);
    nn_net *b = make (cases[i].spec_b, cases[i].b[0], cases[i].b[1],
                      cases[i].b[2], 1);
    nn_error err;
    const char *path = path_of ("other.ckpt");
    if (a && b) {
      CHECK (nn_net_n_params (a) == nn_net_n_params (b),
             "%s: the case needs equal sizes", cases[i].what);
      CHECK (nn_net_save_checkpoint (a, path, extra, cases[i].xa, &err)
                 == NN_OK,
             "%s: save: %s", cases[i].what, err.message);
      load_refused (b, path, extra, cases[i].xb, NN_SHAPE,
                    "is for another architecture or input size");
    }
    nn_net_free (a);
    nn_net_free (b);
  }
}

static void
save_rules (void)
{
  nn_net *a = make ("dense3", 1, 2, 2, 1), *b = make ("dense3", 1, 2, 2, 9);
  nn_error err = { 0 };
  nn_status st;
  struct stat sb;
  char blk[4] = "abc";
  if (!a || !b)
    goto out;

  st = nn_net_save_checkpoint (a, NULL, NULL, 0, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "checkpoint: bad arguments");
  st = nn_net_save_checkpoint (a, path_of ("x.ckpt"), NULL, 4, &err);
  CHECK_ERR (st, err, NN_INVALID_ARG, "checkpoint: bad arguments");
  CHECK (stat (path_of ("x.ckpt"), &sb) != 0, "refused save wrote a file");

  /* The temporary file cannot be created: no such folder, or a file
   * where a folder should be. */
  st = nn_net_save_checkpoint (a, path_of ("none/x.ckpt"), blk, 4, &err);
  CHECK_ERR (st, err, NN_NOT_FOUND, "cannot create");
  const char *file = path_of ("plain-file");
  write_all (file, "x", 1);
  char under_file[1100];
  snprintf (under_file, sizeof under_file, "%s/x.ckpt", file);
  st = nn_net_save_checkpoint (a, under_file, blk, 4, &err);
  CHECK_ERR (st, err, NN_IO, "cannot create");

  /* The rename fails: the destination is a folder. No .tmp stays. */
  const char *folder = path_of ("a-folder");
  mkdir (folder, 0700);
  st = nn_net_save_checkpoint (a, folder, blk, 4, &err);
  CHECK_ERR (st, err, NN_IO, "cannot write");
  CHECK (stat (path_of ("a-folder.tmp"), &sb) != 0, "temporary file left");
  rmdir (folder);

  /* The write fails (a full disk): the checkpoint already there stays
   * whole, and so does its content. */
  const char *path = path_of ("keep.ckpt"), *tmp = path_of ("keep.ckpt.tmp");
  CHECK (nn_net_save_checkpoint (b, path, blk, 4, &err) == NN_OK, "save: %s",
         err.message);
  unlink (tmp);
  if (access ("/dev/full", W_OK) == 0 && symlink ("/dev/full", tmp) == 0) {
    st = nn_net_save_checkpoint (a, path, blk, 4, &err);
    CHECK_ERR (st, err, NN_IO, "cannot write");
    CHECK (lstat (tmp, &sb) != 0, "temporary file left after a failed write");
    nn_net *c = make ("dense3", 1, 2, 2, 5);
    if (c) {
      CHECK (nn_net_load_checkpoint (c, path, blk, 4, &err) == NN_OK,
             "the old checkpoint no longer loads: %s", err.message);
      CHECK (same_params (b, c), "the old checkpoint was overwritten");
      nn_net_free (c);
    }
  } else {
    printf ("no /dev/full: the failed-write case is not run\n");
  }
  /* A checkpoint bigger than stdio's buffer fails in fwrite itself. */
  nn_net *big = make ("dense64", 1, 8, 8, 1);
  if (big && access ("/dev/full", W_OK) == 0
      && symlink ("/dev/full", tmp) == 0) {
    st = nn_net_save_checkpoint (big, path, blk, 4, &err);
    CHECK_ERR (st, err, NN_IO, "cannot write");
    CHECK (lstat (tmp, &sb) != 0, "temporary file left after a failed write");
  }
  nn_net_free (big);
  /* err may be NULL */
  CHECK (nn_net_save_checkpoint (a, NULL, NULL, 0, NULL) == NN_INVALID_ARG,
         "refused without err");
  CHECK (nn_net_load_checkpoint (a, path_of ("absent"), NULL, 0, NULL)
             == NN_NOT_FOUND,
         "refused without err");
out:
  nn_net_free (a);
  nn_net_free (b);
}

int
main (int argc, char **argv)
{
  nn_rng rng;
  nn_optim_config c;

  snprintf (dir, sizeof dir, "%s", argc > 1 ? argv[1] : "checkpoint-out");
  mkdir (dir, 0700);
  nn_rng_seed (&rng, 8);
  for (size_t i = 0; i < sizeof x / sizeof *x; i++)
    x[i] = 2.0f * nn_rng_float (&rng) - 1.0f;
  for (int i = 0; i < N; i++)
    labels[i] = i % 4;

  nn_optim_config_init (&c);
  c.lr = 0.01f;
  c.weight_decay = 0.01f;
  c.clip_norm = 5.0f;
  c.schedule = NN_SCHED_COSINE;
  c.warmup_steps = 2;
  c.total_steps = 30;
  c.min_lr = 1e-4f;
  round_trip ("adamw, cosine", &c, 1);
  nn_optim_config_init (&c);
  c.optimizer = NN_OPT_SGD;
  c.lr = 0.05f;
  c.momentum = 0.8f;
  c.nesterov = 1;
  c.schedule = NN_SCHED_STEP;
  c.step_size = 2;
  c.gamma = 0.5f;
  round_trip ("sgd nesterov, step", &c, 0);

  load_rules ();
  other_nets ();
  save_rules ();
  return check_report ("train-checkpoint");
}
