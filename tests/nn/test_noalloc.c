/* nn_session_run allocates nothing: malloc and friends are replaced for
 * the whole process (our code, OpenBLAS, libc) and counted while armed. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <stdbool.h>
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
run_counted_at (nn_model *m, int threads, int batch,
                const nn_input_shape *shape)
{
  nn_session_options o = { batch, threads, 0 };
  nn_session *s;
  nn_error e;
  int ok = 1;
  o.shapes = shape;
  o.n_shapes = shape ? 1 : 0;
  if (nn_session_create (m, &o, &s, &e) != NN_OK) {
    CHECK (0, "%s", e.message);
    return;
  }
  nn_session_run (s, &e); /* warm: first-touch work is allowed */
  double step_us[256];
  bool profile = nn_session_n_steps (s) <= 256;
  allocations = 0;
  armed = 1;
  for (int i = 0; i < 20; i++)
    ok &= nn_session_run (s, &e) == NN_OK;
  /* The profiled run too. */
  for (int i = 0; profile && i < 5; i++)
    ok &= nn_session_run_profiled (s, step_us, &e) == NN_OK;
  armed = 0;
  CHECK (ok, "runs succeeded");
  CHECK (allocations == 0,
         "%ld allocations in 20 runs (threads %d, batch "
         "%d)",
         allocations, threads, batch);
  nn_session_free (s);
}

static void
run_counted (nn_model *m, int threads, int batch)
{
  run_counted_at (m, threads, batch, NULL);
}

/* A symbolic [N, 3, H, W] model with the patterns exporters emit: a
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain (folded), and
 * run-time Slice, Transpose, Where on a comparison, Gather, Pow and
 * LayerNormalization. */
static mb *
symbolic_model (void)
{
  mb *b = mb_new (8, 17);
  Onnx__ValueInfoProto *vi = mb_input (b, "x", 4, (int64_t[]){ -1, 3, -1, -1 });
  mb_dim_param (b, vi, 2, "h");
  mb_dim_param (b, vi, 3, "w");
  mb_init_i64 (b, "zero", 0, NULL, (int64_t[]){ 0 });
  mb_init_i64 (b, "ax0", 1, (int64_t[]){ 1 }, (int64_t[]){ 0 });
  mb_init_i64 (b, "m1", 1, (int64_t[]){ 1 }, (int64_t[]){ -1 });
  mb_init_i64 (b, "s0", 1, (int64_t[]){ 1 }, (int64_t[]){ 1 });
  mb_init_i64 (b, "s1", 1, (int64_t[]){ 1 }, (int64_t[]){ 100 });
  mb_init_i64 (b, "sax", 1, (int64_t[]){ 1 }, (int64_t[]){ 3 });
  mb_init_i64 (b, "idx", 1, (int64_t[]){ 2 }, (int64_t[]){ 0, 2 });
  mb_init_f (b, "two", 0, NULL, NULL, 2.0f);
  mb_init_f (b, "half", 0, NULL, NULL, 0.5f);
  mb_init_f (b, "sc", 1, (int64_t[]){ 3 }, NULL, 1.5f);
  mb_init_f (b, "bi", 1, (int64_t[]){ 3 }, NULL, 0.25f);
  mb_node (b, "Slice", "slice",
           (const char *[]){ "x", "s0", "s1", "sax", NULL },
           (const char *[]){ "xs", NULL });
  mb_attr_ints (b,
                mb_node (b, "Transpose", "tr", (const char *[]){ "xs", NULL },
                         (const char *[]){ "t", NULL }),
                "perm", 4, (int64_t[]){ 0, 2, 3, 1 });
  mb_node (b, "Less", "less", (const char *[]){ "t", "half", NULL },
           (const char *[]){ "lt", NULL });
  mb_node (b, "Pow", "pow", (const char *[]){ "t", "two", NULL },
           (const char *[]){ "sq", NULL });
  mb_node (b, "Where", "where", (const char *[]){ "lt", "sq", "t", NULL },
           (const char *[]){ "wh", NULL });
  mb_node (b, "LayerNormalization", "ln",
           (const char *[]){ "wh", "sc", "bi", NULL },
           (const char *[]){ "ln_y", NULL });
  mb_attr_i (b,
             mb_node (b, "Gather", "gather",
                      (const char *[]){ "ln_y", "idx", NULL },
                      (const char *[]){ "g", NULL }),
             "axis", 3);
  mb_node (b, "Shape", "shape", (const char *[]){ "g", NULL },
           (const char *[]){ "s", NULL });
  mb_node (b, "Gather", "batch", (const char *[]){ "s", "zero", NULL },
           (const char *[]){ "n", NULL });
  mb_node (b, "Unsqueeze", "unsq", (const char *[]){ "n", "ax0", NULL },
           (const char *[]){ "n1", NULL });
  mb_attr_i (b,
             mb_node (b, "Concat", "cat", (const char *[]){ "n1", "m1", NULL },
                      (const char *[]){ "shp", NULL }),
             "axis", 0);
  mb_node (b, "Reshape", "reshape", (const char *[]){ "g", "shp", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  return b;
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

  b = symbolic_model ();
  bytes = mb_pack (b, &size);
  CHECK (nn_model_load_memory (bytes, size, NULL, &m, &e) == NN_OK,
         "symbolic model: %s", e.message);
  if (m) {
    nn_input_shape sh = { "x", 4, { 2, 3, 9, 11 } };
    run_counted_at (m, 1, 0, &sh);
    run_counted_at (m, 2, 0, &sh);
    sh.dims[2] = 5;
    run_counted_at (m, 2, 0, &sh);
    nn_model_unref (m);
  }
  mb_free (b);
  return check_report ("no allocation in run");
}
