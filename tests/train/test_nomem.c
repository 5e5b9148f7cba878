/* Out of memory in nn/train: every allocation of nn_net_create (with worker
 * threads), of the ONNX export (to memory and to a file) and of saving and
 * loading a checkpoint is made to fail in turn. Each time the call must
 * return NN_NOMEM with a message saying so, leave its outputs empty (no
 * net, no bytes) or the net unchanged, and free whatever it had already
 * allocated; once nothing fails, it must succeed.
 *
 * malloc, calloc, strdup and free are wrapped at link time
 * (-Wl,--wrap=...): the wrappers count the blocks the code under test
 * holds and fail the allocation numbered `fail_at`.
 *
 * Usage: test-train-nomem DIR (created if missing). */
#include "check.h"
#include "net.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t m);
void __real_free (void *p);

static long fail_at = -1, calls;
static atomic_long live; /* the code under test may start threads */

void *
__wrap_malloc (size_t n)
{
  if (calls++ == fail_at)
    return NULL;
  void *p = __real_malloc (n);
  if (p)
    atomic_fetch_add (&live, 1);
  return p;
}

void *
__wrap_calloc (size_t n, size_t m)
{
  if (calls++ == fail_at)
    return NULL;
  void *p = __real_calloc (n, m);
  if (p)
    atomic_fetch_add (&live, 1);
  return p;
}

char *
__wrap_strdup (const char *s)
{
  const size_t n = strlen (s) + 1;
  char *p = __wrap_malloc (n);
  if (p)
    memcpy (p, s, n);
  return p;
}

void
__wrap_free (void *p)
{
  if (p)
    atomic_fetch_sub (&live, 1);
  __real_free (p);
}

static char dir[900];

static int
is_nomem (nn_status st, const nn_error *err)
{
  return st == NN_NOMEM
         && (strstr (err->message, "memory")
             || strstr (err->message, "could not start worker thread"));
}

/* Runs `op` with allocation k failing, k = 0, 1, ... until it no longer
 * reaches the failing one; returns how many failures were injected. */
typedef nn_status (*op_fn) (void *ctx, nn_error *err);
typedef void (*undo_fn) (void *ctx);

static int
each_failure (const char *what, op_fn op, undo_fn undo, void *ctx)
{
  for (long k = 0; k < 1000; k++) {
    nn_error err = { 0 };
    const long before = atomic_load (&live);
    calls = 0;
    fail_at = k;
    nn_status st = op (ctx, &err);
    fail_at = -1;
    if (calls <= k) {
      CHECK (st == NN_OK, "%s: fails with every allocation granted: %s", what,
             err.message);
      undo (ctx);
      printf ("%-34s %ld allocations, each refused once\n", what, k);
      return (int)k;
    }
    CHECK (is_nomem (st, &err), "%s, allocation %ld refused: status %s, '%s'",
           what, k, nn_status_to_string (st), err.message);
    CHECK (atomic_load (&live) == before,
           "%s, allocation %ld refused: %ld blocks leaked", what, k,
           atomic_load (&live) - before);
  }
  CHECK (0, "%s: never finished", what);
  return 0;
}

/* ---- the operations ---- */

typedef struct {
  nn_net *net, *other;
  uint8_t *data;
  size_t size;
  char path[1024];
  float *before, *after;
} ctx;

static nn_status
op_create (void *p, nn_error *err)
{
  ctx *c = p;
  nn_net_options opts = { 3, 6, 1 };
  c->net = (nn_net *)c; /* must come back NULL on failure */
  nn_status st = nn_net_create ("conv3x3,pool2,dense5,dense4", 2, 6, 6, &opts,
                                &c->net, err);
  CHECK (st == NN_OK || c->net == NULL, "*out set on failure");
  return st;
}

static void
undo_create (void *p)
{
  ctx *c = p;
  nn_net_free (c->net);
  c->net = NULL;
}

static nn_status
op_export (void *p, nn_error *err)
{
  ctx *c = p;
  static const char *const labels[] = { "a", "b", "c", "d" };
  nn_export_info info = { labels,      4,         "RGB", 0.5f, { 0, 0, 0 },
                          { 1, 1, 1 }, "stretch", 0,     NULL };
  c->data = (uint8_t *)c;
  c->size = 99;
  nn_status st
      = nn_net_export_onnx_memory (c->other, &info, &c->data, &c->size, err);
  CHECK (st == NN_OK || (c->data == NULL && c->size == 0),
         "a failed export left data or size set");
  return st;
}

static void
undo_export (void *p)
{
  ctx *c = p;
  CHECK (c->data && c->size > 100, "export: %zu bytes", c->size);
  free (c->data);
  c->data = NULL;
}

static nn_status
op_export_file (void *p, nn_error *err)
{
  ctx *c = p;
  static const char *const labels[] = { "a", "b", "c", "d" };
  nn_export_info info = { labels,      4,         "RGB", 0.5f, { 0, 0, 0 },
                          { 1, 1, 1 }, "stretch", 2,     "doc" };
  snprintf (c->path, sizeof c->path, "%s/model.onnx", dir);
  return nn_net_export_onnx (c->other, &info, c->path, err);
}

static void
undo_nothing (void *p)
{
  (void)p;
}

static nn_status
op_save (void *p, nn_error *err)
{
  ctx *c = p;
  snprintf (c->path, sizeof c->path, "%s/net.ckpt", dir);
  return nn_net_save_checkpoint (c->other, c->path, "xy", 2, err);
}

static nn_status
op_load (void *p, nn_error *err)
{
  ctx *c = p;
  char extra[2] = { 0, 0 };
  nn_net_get_params (c->net, c->before);
  nn_status st = nn_net_load_checkpoint (c->net, c->path, extra, 2, err);
  nn_net_get_params (c->net, c->after);
  if (st != NN_OK)
    CHECK (
        memcmp (c->before, c->after, nn_net_n_params (c->net) * sizeof (float))
            == 0,
        "a failed load changed the net");
  else
    CHECK (extra[0] == 'x' && extra[1] == 'y', "extra block not restored");
  return st;
}

int
main (int argc, char **argv)
{
  ctx c = { 0 };
  nn_error err;
  nn_net_options opts = { 2, 4, 9 };

  snprintf (dir, sizeof dir, "%s", argc > 1 ? argv[1] : "nomem-out");
  mkdir (dir, 0700);

  CHECK (each_failure ("nn_net_create, 3 threads", op_create, undo_create, &c)
             >= 7,
         "fewer allocations than the net, its spec, blocks and workers");

  if (nn_net_create ("conv3x3,pool2,dense5,dense4", 3, 6, 6, &opts, &c.other,
                     &err)
          != NN_OK
      || nn_net_create ("conv3x3,pool2,dense5,dense4", 3, 6, 6, NULL, &c.net,
                        &err)
             != NN_OK) {
    CHECK (0, "create: %s", err.message);
    return check_report ("train-nomem");
  }
  c.before = malloc (nn_net_n_params (c.net) * sizeof (float));
  c.after = malloc (nn_net_n_params (c.net) * sizeof (float));
  /* builder, scratch, labels, 6 initializers, the bytes */
  CHECK (each_failure ("export to memory", op_export, undo_export, &c) >= 10,
         "fewer allocations than the export makes");
  CHECK (each_failure ("export to a file", op_export_file, undo_nothing, &c)
             >= 11,
         "the file's name is allocated too");
  CHECK (each_failure ("save a checkpoint", op_save, undo_nothing, &c) >= 2,
         "the checkpoint and its file name");
  CHECK (each_failure ("load a checkpoint", op_load, undo_nothing, &c) >= 1,
         "the checkpoint's bytes");
  free (c.before);
  free (c.after);
  nn_net_free (c.net);
  nn_net_free (c.other);
  return check_report ("train-nomem");
}
