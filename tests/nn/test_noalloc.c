/* nn_session_run allocates nothing: malloc and friends are replaced for
 * the whole process (our code, OpenBLAS, libc) and counted while armed. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <stdlib.h>

extern void *__libc_malloc (size_t);
extern void *__libc_calloc (size_t, size_t);
extern void *__libc_realloc (void *, size_t);
extern void *__libc_memalign (size_t, size_t);
extern void __libc_free (void *);

static volatile int armed;
static volatile long allocations;

void *
malloc (size_t n)
{
  if (armed)
    allocations++;
  return __libc_malloc (n);
}

void *
calloc (size_t n, size_t m)
{
  if (armed)
    allocations++;
  return __libc_calloc (n, m);
}

void *
realloc (void *p, size_t n)
{
  if (armed)
    allocations++;
  return __libc_realloc (p, n);
}

void *
aligned_alloc (size_t a, size_t n)
{
  if (armed)
    allocations++;
  return __libc_memalign (a, n);
}

int
posix_memalign (void **p, size_t a, size_t n)
{
  if (armed)
    allocations++;
  *p = __libc_memalign (a, n);
  return *p ? 0 : 12;
}

void
free (void *p)
{
  __libc_free (p);
}

static void
run_counted (nn_model *m, int threads, int batch)
{
  nn_session_options o = { batch, threads, 0 };
  nn_session *s;
  nn_error e;
  int ok = 1;
  CHECK (nn_session_create (m, &o, &s, &e) == NN_OK, "%s", e.message);
  nn_session_run (s, &e); /* warm: first-touch work is allowed */
  allocations = 0;
  armed = 1;
  for (int i = 0; i < 20; i++)
    ok &= nn_session_run (s, &e) == NN_OK;
  armed = 0;
  CHECK (ok, "runs succeeded");
  CHECK (allocations == 0,
         "%ld allocations in 20 runs (threads %d, batch "
         "%d)",
         allocations, threads, batch);
  nn_session_free (s);
}

int
main (void)
{
  mb *b = mb_seed_cnn (9);
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_model *m = NULL;
  nn_error e;
  long before;
  CHECK (nn_model_load_memory (bytes, size, NULL, &m, &e) == NN_OK, "%s",
         e.message);
  /* The counter itself works: a load allocates. */
  armed = 1;
  before = allocations;
  {
    nn_model *m2 = NULL;
    nn_model_load_memory (bytes, size, NULL, &m2, &e);
    nn_model_unref (m2);
  }
  armed = 0;
  CHECK (allocations > before, "the counter sees allocations");
  run_counted (m, 1, 0);
  run_counted (m, 2, 0);
  run_counted (m, 2, 4);
  nn_model_unref (m);
  mb_free (b);
  return check_report ("no allocation in run");
}
