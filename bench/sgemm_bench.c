/* sgemm_bench — single-precision GEMM throughput of OpenBLAS alone.
 *
 * Linked exactly like nn/ (the `openblas_dep` of nn/meson.build), so the
 * numbers are the ceiling our im2col + GEMM convolutions work against.
 *
 *   sgemm_bench [--threads T] [--min-time SECONDS] [MxNxK ...]
 *   sgemm_bench --stress CALLS [--threads T] [MxNxK ...]
 *
 * Row-major C (M x N) = A (M x K) * B (K x N), alpha 1, beta 0.
 * Default shapes: the squares 256..2048 and the seed CNN's conv GEMMs
 * (121x64x288, 9x64x576, 64x9x576). With --threads T > 1 the N columns are
 * split into T blocks, each multiplied by its own thread calling cblas_sgemm
 * (the way an nn session with T workers drives the serial OpenBLAS build).
 *
 * --stress: T threads each compute the whole product CALLS times at once
 * (two sessions on two threads do this) and every product is compared with
 * one made before the threads started. A BLAS built without locking for
 * concurrent callers gives wrong products here. Default shape 64x64x576.
 *
 * Prints one JSON object per line: first the library, then one per shape.
 */
#include <cblas.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64
#define N_BATCHES 7

typedef struct shape {
  int m, n, k;
} shape;

static const shape default_shapes[] = {
  { 256, 256, 256 },    { 512, 512, 512 }, { 1024, 1024, 1024 },
  { 2048, 2048, 2048 }, { 121, 64, 288 }, /* seed CNN conv2: 11x11 pixels, 64
                                             out, 32*3*3 */
  { 9, 64, 576 }, /* seed CNN conv3, pixels-major: 3x3 pixels, 64 out */
  { 64, 9, 576 }, /* seed CNN conv3, channels-major */
};

typedef struct worker {
  pthread_t thread;
  int index;
  /* column block [n0, n1) of B and C */
  int n0, n1;
  struct bench *bench;
} worker;

typedef struct bench {
  /* problem, row-major: a (m, k), b (k, n), c (m, n) */
  int m, n, k;
  const float *a, *b;
  float *c;
  /* threads */
  int threads;
  worker workers[MAX_THREADS];
  pthread_barrier_t start, done;
  long iters; /* calls per batch, set before `start` */
  int quit;
} bench;

static double
now_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* c[:, n0:n1] = a * b[:, n0:n1], `iters` times. */
static void
run_block (const bench *b, int n0, int n1, long iters)
{
  if (n1 <= n0)
    return;
  for (long i = 0; i < iters; i++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, b->m, n1 - n0, b->k,
                 1.0f, b->a, b->k, b->b + n0, b->n, 0.0f, b->c + n0, b->n);
}

static void *
worker_main (void *data)
{
  worker *w = data;
  bench *b = w->bench;
  for (;;) {
    pthread_barrier_wait (&b->start);
    if (b->quit)
      return NULL;
    run_block (b, w->n0, w->n1, b->iters);
    pthread_barrier_wait (&b->done);
  }
}

/* Seconds for `iters` calls over all threads (thread 0 is the caller). */
static double
time_batch (bench *b, long iters)
{
  double t0;
  b->iters = iters;
  t0 = now_seconds ();
  if (b->threads > 1)
    pthread_barrier_wait (&b->start);
  run_block (b, b->workers[0].n0, b->workers[0].n1, iters);
  if (b->threads > 1)
    pthread_barrier_wait (&b->done);
  return now_seconds () - t0;
}

static int
cmp_double (const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static float *
random_matrix (size_t count, unsigned *state)
{
  float *p = aligned_alloc (64, ((count * sizeof (float) + 63) / 64) * 64);
  if (!p)
    return NULL;
  for (size_t i = 0; i < count; i++) {
    *state = *state * 1664525u + 1013904223u;
    p[i] = (float)((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
  return p;
}

/* Largest |c - ref| over the whole product. `ref` is the same product made
 * by one thread alone before any worker started. */
static double
max_abs_diff (const float *c, const float *ref, size_t count)
{
  double worst = 0.0;
  for (size_t i = 0; i < count; i++) {
    double d = (double)c[i] - (double)ref[i];
    if (d < 0)
      d = -d;
    if (!(d <= worst)) /* also catches NaN */
      worst = d;
  }
  return worst;
}

/* Largest |ref - exact| over a few sampled entries, in double precision:
 * checks the single-threaded reference itself. */
static double
check_reference (const bench *b, const float *ref)
{
  double worst = 0.0;
  for (int s = 0; s < 16; s++) {
    int i = (int)((long)s * 7919 % b->m), j = (int)((long)s * 104729 % b->n);
    double exact = 0.0;
    for (int p = 0; p < b->k; p++)
      exact += (double)b->a[(size_t)i * b->k + p] * b->b[(size_t)p * b->n + j];
    double d = exact - ref[(size_t)i * b->n + j];
    if (d < 0)
      d = -d;
    if (d > worst)
      worst = d;
  }
  return worst;
}

static int
bench_shape (shape s, int threads, double min_time)
{
  bench b;
  float *ref = NULL;
  unsigned seed = 12345u;
  int rc = 1;
  int started = 0;

  memset (&b, 0, sizeof b);
  b.m = s.m;
  b.n = s.n;
  b.k = s.k;
  b.threads = threads;
  b.a = random_matrix ((size_t)s.m * s.k, &seed);
  b.b = random_matrix ((size_t)s.k * s.n, &seed);
  b.c = random_matrix ((size_t)s.m * s.n, &seed);
  ref = random_matrix ((size_t)s.m * s.n, &seed);
  if (!b.a || !b.b || !b.c || !ref) {
    fprintf (stderr, "sgemm_bench: out of memory for %dx%dx%d\n", s.m, s.n,
             s.k);
    goto done;
  }

  /* The reference: the whole product by this thread alone. */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0f,
               b.a, s.k, b.b, s.n, 0.0f, ref, s.n);
  double ref_err = check_reference (&b, ref);
  size_t count = (size_t)s.m * s.n;

  for (int t = 0; t < threads; t++) {
    b.workers[t].index = t;
    b.workers[t].bench = &b;
    b.workers[t].n0 = (int)((long)s.n * t / threads);
    b.workers[t].n1 = (int)((long)s.n * (t + 1) / threads);
  }
  if (threads > 1) {
    pthread_barrier_init (&b.start, NULL, (unsigned)threads);
    pthread_barrier_init (&b.done, NULL, (unsigned)threads);
    for (int t = 1; t < threads; t++) {
      int err = pthread_create (&b.workers[t].thread, NULL, worker_main,
                                &b.workers[t]);
      if (err != 0) {
        fprintf (stderr, "sgemm_bench: pthread_create: %s\n", strerror (err));
        /* the barriers count on all threads: give up on this shape */
        b.threads = t;
        goto done;
      }
      started = t;
    }
  }

  /* Warm up, then size a batch to about min_time / N_BATCHES. */
  double flops = 2.0 * s.m * s.n * s.k;
  double once = time_batch (&b, 1);
  long iters = 1;
  while (once * (double)iters < min_time / N_BATCHES && iters < (1L << 30))
    iters *= 2;
  if (iters > 1) {
    once = time_batch (&b, iters) / (double)iters;
    iters = (long)(min_time / N_BATCHES / once) + 1;
  }

  /* Each batch's last product is compared with the reference: threads
   * calling a BLAS that is not safe for concurrent calls show up here. */
  double per_call[N_BATCHES];
  double err = 0.0;
  int bad = 0;
  for (int r = 0; r < N_BATCHES; r++) {
    per_call[r] = time_batch (&b, iters) / (double)iters;
    double e = max_abs_diff (b.c, ref, count);
    if (!(e <= 1e-3))
      bad++;
    if (!(e <= err))
      err = e;
  }
  qsort (per_call, N_BATCHES, sizeof per_call[0], cmp_double);
  double med = per_call[N_BATCHES / 2], best = per_call[0];

  printf ("{\"m\": %d, \"n\": %d, \"k\": %d, \"threads\": %d, "
          "\"calls\": %ld, \"us_median\": %.3f, \"us_min\": %.3f, "
          "\"gflops_median\": %.2f, \"gflops_best\": %.2f, "
          "\"max_abs_diff\": %.3g, \"wrong_batches\": %d, "
          "\"reference_err\": %.3g}\n",
          s.m, s.n, s.k, threads, iters * N_BATCHES, med * 1e6, best * 1e6,
          flops / med * 1e-9, flops / best * 1e-9, err, bad, ref_err);
  fflush (stdout);
  rc = bad == 0 && ref_err < 1e-3 ? 0 : 1;
  if (bad)
    fprintf (stderr,
             "sgemm_bench: %dx%dx%d, %d threads: %d of %d checked "
             "products differ from the single-threaded one (by up to %g)\n",
             s.m, s.n, s.k, threads, bad, N_BATCHES, err);
  if (!(ref_err < 1e-3))
    fprintf (stderr,
             "sgemm_bench: %dx%dx%d: single-threaded product is "
             "wrong (error %g)\n",
             s.m, s.n, s.k, ref_err);

done:
  if (started > 0) {
    b.quit = 1;
    pthread_barrier_wait (&b.start);
    for (int t = 1; t <= started; t++)
      pthread_join (b.workers[t].thread, NULL);
  }
  if (threads > 1 && started == threads - 1) {
    pthread_barrier_destroy (&b.start);
    pthread_barrier_destroy (&b.done);
  }
  free ((void *)b.a);
  free ((void *)b.b);
  free (b.c);
  free (ref);
  return rc;
}

typedef struct stress_job {
  pthread_t thread;
  const float *a, *b, *ref;
  int m, n, k;
  long calls;
  long wrong;       /* out */
  int alloc_failed; /* out */
} stress_job;

static void *
stress_main (void *data)
{
  stress_job *j = data;
  size_t count = (size_t)j->m * j->n;
  float *c = aligned_alloc (64, ((count * sizeof (float) + 63) / 64) * 64);
  if (!c) {
    j->alloc_failed = 1;
    return NULL;
  }
  for (long i = 0; i < j->calls; i++) {
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, j->m, j->n, j->k,
                 1.0f, j->a, j->k, j->b, j->n, 0.0f, c, j->n);
    if (!(max_abs_diff (c, j->ref, count) <= 1e-3))
      j->wrong++;
  }
  free (c);
  return NULL;
}

static int
stress_shape (shape s, int threads, long calls)
{
  unsigned seed = 777u;
  size_t count = (size_t)s.m * s.n;
  float *a = random_matrix ((size_t)s.m * s.k, &seed);
  float *b = random_matrix ((size_t)s.k * s.n, &seed);
  float *ref = random_matrix (count, &seed);
  stress_job jobs[MAX_THREADS];
  int started = 0, rc = 1;
  long wrong = 0;
  double t0;

  if (!a || !b || !ref) {
    fprintf (stderr, "sgemm_bench: out of memory\n");
    goto done;
  }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0f,
               a, s.k, b, s.n, 0.0f, ref, s.n);
  t0 = now_seconds ();
  for (int t = 0; t < threads; t++) {
    jobs[t] = (stress_job){
      .a = a, .b = b, .ref = ref, .m = s.m, .n = s.n, .k = s.k, .calls = calls
    };
    int err = pthread_create (&jobs[t].thread, NULL, stress_main, &jobs[t]);
    if (err != 0) {
      fprintf (stderr, "sgemm_bench: pthread_create: %s\n", strerror (err));
      break;
    }
    started++;
  }
  for (int t = 0; t < started; t++) {
    pthread_join (jobs[t].thread, NULL);
    wrong += jobs[t].wrong;
    if (jobs[t].alloc_failed)
      fprintf (stderr, "sgemm_bench: out of memory in a thread\n");
  }
  if (started == threads) {
    printf ("{\"stress\": true, \"m\": %d, \"n\": %d, \"k\": %d, "
            "\"threads\": %d, \"products\": %ld, \"wrong\": %ld, "
            "\"seconds\": %.3f}\n",
            s.m, s.n, s.k, threads, calls * threads, wrong,
            now_seconds () - t0);
    fflush (stdout);
    rc = wrong ? 1 : 0;
    if (wrong)
      fprintf (stderr,
               "sgemm_bench: %dx%dx%d: %ld of %ld products made by "
               "%d concurrent threads were wrong\n",
               s.m, s.n, s.k, wrong, calls * threads, threads);
  }

done:
  free (a);
  free (b);
  free (ref);
  return rc;
}

static int
parse_shape (const char *text, shape *s)
{
  char tail;
  if (sscanf (text, "%dx%dx%d%c", &s->m, &s->n, &s->k, &tail) != 3)
    return -1;
  if (s->m <= 0 || s->n <= 0 || s->k <= 0 || s->m > 65536 || s->n > 65536
      || s->k > 65536)
    return -1;
  return 0;
}

static void
usage (FILE *f)
{
  fprintf (
      f,
      "usage: sgemm_bench [--threads T] [--min-time SECONDS] "
      "[MxNxK ...]\n"
      "       sgemm_bench --stress CALLS [--threads T] [MxNxK ...]\n"
      "Row-major C(MxN) = A(MxK) B(KxN). Prints one JSON object per line.\n");
}

int
main (int argc, char **argv)
{
  int threads = 1;
  double min_time = 1.0;
  long stress_calls = 0;
  shape shapes[64];
  size_t n_shapes = 0;
  int rc = 0;

  for (int i = 1; i < argc; i++) {
    char *end;
    if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc) {
      long t = strtol (argv[++i], &end, 10);
      if (*end || t < 1 || t > MAX_THREADS) {
        fprintf (stderr, "sgemm_bench: --threads wants 1..%d\n", MAX_THREADS);
        return 2;
      }
      threads = (int)t;
    } else if (strcmp (argv[i], "--min-time") == 0 && i + 1 < argc) {
      min_time = strtod (argv[++i], &end);
      if (*end || !(min_time > 0.0) || min_time > 600.0) {
        fprintf (stderr, "sgemm_bench: --min-time wants seconds in (0, 600]\n");
        return 2;
      }
    } else if (strcmp (argv[i], "--stress") == 0 && i + 1 < argc) {
      stress_calls = strtol (argv[++i], &end, 10);
      if (*end || stress_calls < 1 || stress_calls > 100000000L) {
        fprintf (stderr, "sgemm_bench: --stress wants a number of calls\n");
        return 2;
      }
    } else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      usage (stdout);
      return 0;
    } else if (n_shapes < sizeof shapes / sizeof shapes[0]
               && parse_shape (argv[i], &shapes[n_shapes]) == 0) {
      n_shapes++;
    } else {
      usage (stderr);
      return 2;
    }
  }
  if (stress_calls > 0 && n_shapes == 0) {
    shapes[0] = (shape){ 64, 64, 576 };
    n_shapes = 1;
  }
  if (n_shapes == 0) {
    n_shapes = sizeof default_shapes / sizeof default_shapes[0];
    memcpy (shapes, default_shapes, sizeof default_shapes);
  }

  printf ("{\"openblas_config\": \"%s\", \"corename\": \"%s\", "
          "\"parallel\": %d}\n",
          openblas_get_config (), openblas_get_corename (),
          openblas_get_parallel ());
  fflush (stdout);
  for (size_t i = 0; i < n_shapes; i++)
    rc |= stress_calls > 0 ? stress_shape (shapes[i], threads, stress_calls)
                           : bench_shape (shapes[i], threads, min_time);
  return rc;
}
