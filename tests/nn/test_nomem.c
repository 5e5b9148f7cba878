/* Out of memory at every allocation of a load, a session and a run: the
 * allocation functions are wrapped (-Wl,--wrap=...) so that the n-th call
 * fails, for n = 0, 1, 2, ... until a pass never reaches it. Each failure
 * must come back as NN_NOMEM with a message, never a crash, and whatever
 * succeeds must compute what an unhindered run computes (under ASan, with
 * nothing leaked). */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <stdlib.h>

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t m);
void *__real_realloc (void *p, size_t n);
void *__real_aligned_alloc (size_t align, size_t n);

static long fail_at = -1, calls;

static int
fail_now (void)
{
  return fail_at >= 0 && calls++ == fail_at;
}

void *
__wrap_malloc (size_t n)
{
  return fail_now () ? NULL : __real_malloc (n);
}

void *
__wrap_calloc (size_t n, size_t m)
{
  return fail_now () ? NULL : __real_calloc (n, m);
}

void *
__wrap_realloc (void *p, size_t n)
{
  return fail_now () ? NULL : __real_realloc (p, n);
}

void *
__wrap_aligned_alloc (size_t align, size_t n)
{
  return fail_now () ? NULL : __real_aligned_alloc (align, n);
}

/* Loads, creates a session, runs on a fixed input; the output is copied
 * into out (n values). Returns the first status that is not NN_OK. */
static nn_status
load_and_run (const uint8_t *bytes, size_t size, float *out, size_t n,
              nn_error *e)
{
  nn_model *m = NULL;
  nn_session *s = NULL;
  nn_status st;
  if ((st = nn_model_load_memory (bytes, size, NULL, &m, e)))
    return st;
  if ((st = nn_session_create (m, NULL, &s, e))) {
    nn_model_unref (m);
    return st;
  }
  {
    float *x = nn_session_input (s, 0);
    size_t count = nn_session_input_info (s, 0)->count;
    for (size_t i = 0; i < count; i++)
      x[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
  }
  if ((st = nn_session_run (s, e)) == NN_OK)
    memcpy (out, nn_session_output (s, 0), n * sizeof (float));
  nn_session_free (s);
  nn_model_unref (m);
  return st;
}

static void
sweep (mb *b, size_t n_out, const char *what)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  float *want = __real_calloc (n_out, sizeof (float));
  float *got = __real_calloc (n_out, sizeof (float));
  nn_error e;
  long n;
  int failures = 0;

  CHECK (load_and_run (bytes, size, want, n_out, &e) == NN_OK, "%s: %s", what,
         e.message);
  for (n = 0;; n++) {
    nn_status st;
    memset (&e, 0, sizeof e);
    calls = 0;
    fail_at = n;
    st = load_and_run (bytes, size, got, n_out, &e);
    fail_at = -1;
    if (calls <= n) { /* the n-th allocation never came: all done */
      CHECK (st == NN_OK, "%s: %s without a failure", what, e.message);
      break;
    }
    if (st == NN_OK) {
      CHECK (memcmp (got, want, n_out * sizeof (float)) == 0,
             "%s: allocation %ld failed, the load went on and computed "
             "something else",
             what, n);
      continue;
    }
    failures++;
    CHECK_ERR (st, e, NN_NOMEM, NULL);
    CHECK (e.message[0] != '\0', "%s: allocation %ld: empty message", what, n);
  }
  CHECK (failures > 10, "%s: %d of %ld allocations could fail", what, failures,
         n);
  printf ("%s: %ld allocations, %d failures reported\n", what, n, failures);
  free (want);
  free (got);
  mb_free (b);
}

/* Conv -> BatchNormalization, and a shape sub-graph: folding's
 * allocations too. */
static mb *
folding_model (void)
{
  mb *b = mb_new (8, 13);
  mb_input (b, "x", 4, (int64_t[]){ 1, 1, 4, 4 });
  mb_init_f (b, "w", 4, (int64_t[]){ 2, 1, 3, 3 }, NULL, 0.25f);
  mb_init_f (b, "scale", 1, (int64_t[]){ 2 }, NULL, 1.5f);
  mb_init_f (b, "beta", 1, (int64_t[]){ 2 }, NULL, 0.5f);
  mb_init_f (b, "mean", 1, (int64_t[]){ 2 }, NULL, 0.1f);
  mb_init_f (b, "var", 1, (int64_t[]){ 2 }, NULL, 2.0f);
  mb_init_i64 (b, "zero", 0, NULL, (int64_t[]){ 0 });
  mb_init_i64 (b, "axes", 1, (int64_t[]){ 1 }, (int64_t[]){ 0 });
  mb_init_i64 (b, "minus1", 1, (int64_t[]){ 1 }, (int64_t[]){ -1 });
  mb_node (b, "Conv", "conv", (const char *[]){ "x", "w", NULL },
           (const char *[]){ "c", NULL });
  mb_node (b, "BatchNormalization", "bn",
           (const char *[]){ "c", "scale", "beta", "mean", "var", NULL },
           (const char *[]){ "n", NULL });
  mb_node (b, "Relu", "relu", (const char *[]){ "n", NULL },
           (const char *[]){ "r", NULL });
  mb_node (b, "Shape", "shape", (const char *[]){ "r", NULL },
           (const char *[]){ "s", NULL });
  mb_node (b, "Gather", "gather", (const char *[]){ "s", "zero", NULL },
           (const char *[]){ "b0", NULL });
  mb_node (b, "Unsqueeze", "unsq", (const char *[]){ "b0", "axes", NULL },
           (const char *[]){ "b1", NULL });
  mb_attr_i (b,
             mb_node (b, "Concat", "cat",
                      (const char *[]){ "b1", "minus1", NULL },
                      (const char *[]){ "shape2", NULL }),
             "axis", 0);
  mb_node (b, "Reshape", "reshape", (const char *[]){ "r", "shape2", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  mb_meta (b, "k", "v");
  return b;
}

int
main (void)
{
  sweep (mb_seed_cnn (7), 10, "seed CNN");
  sweep (folding_model (), 8, "folding model");
  return check_report ("out of memory");
}
