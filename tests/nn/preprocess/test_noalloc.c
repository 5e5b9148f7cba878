/* nn_preprocess() allocates nothing: linked with -Wl,--wrap for every
 * allocator, so calls made from nn/preprocess.c are counted here. */
#include "ppref.h"

#include <stdio.h>
#include <stdlib.h>

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t m);
void *__real_realloc (void *p, size_t n);
void *__real_aligned_alloc (size_t a, size_t n);
int __real_posix_memalign (void **p, size_t a, size_t n);

static long allocations;

void *__wrap_malloc (size_t n);
void *__wrap_calloc (size_t n, size_t m);
void *__wrap_realloc (void *p, size_t n);
void *__wrap_aligned_alloc (size_t a, size_t n);
int __wrap_posix_memalign (void **p, size_t a, size_t n);

void *
__wrap_malloc (size_t n)
{
  allocations++;
  return __real_malloc (n);
}

void *
__wrap_calloc (size_t n, size_t m)
{
  allocations++;
  return __real_calloc (n, m);
}

void *
__wrap_realloc (void *p, size_t n)
{
  allocations++;
  return __real_realloc (p, n);
}

void *
__wrap_aligned_alloc (size_t a, size_t n)
{
  allocations++;
  return __real_aligned_alloc (a, n);
}

int
__wrap_posix_memalign (void **p, size_t a, size_t n)
{
  allocations++;
  return __real_posix_memalign (p, a, n);
}

int
main (void)
{
  int failures = 0, runs = 0;
  float *out = malloc (sizeof (float) * 3 * 64 * 64);
  long at_create = 0;
  for (int f = 0; f < NN_PIX_N_FORMATS; f++) {
    test_image t;
    if (timg_alloc (&t, f, 301, 201, 3, 1) != 0)
      return 1;
    for (int color = 0; color < 3; color++)
      for (int interp = 0; interp < 2; interp++)
        for (int mode = 0; mode < 3; mode++) {
          nn_preprocess_params p;
          nn_preprocessor *pp = NULL;
          nn_error err;
          nn_preprocess_params_init (&p, 64, 48, color);
          p.interp = interp;
          p.mode = mode;
          long before = allocations;
          if (nn_preprocessor_create (&p, 640, 480, &pp, &err) != NN_OK) {
            printf ("FAIL create: %s\n", err.message);
            return 1;
          }
          at_create += allocations - before;
          const nn_rect rois[]
              = { { 0, 0, 301, 201 }, { -5, 7, 100, 300 }, { 300, 200, 1, 1 } };
          before = allocations;
          const nn_rect outside = { 400, 0, 5, 5 };
          for (int r = 0; r < 4; r++) {
            if (nn_preprocess (pp, &t.img, r < 3 ? &rois[r] : NULL, out, NULL,
                               &err)
                != NN_OK)
              failures++;
            /* failing calls must not allocate either */
            if (nn_preprocess (pp, &t.img, &outside, out, NULL, &err) == NN_OK)
              failures++;
            runs++;
          }
          if (allocations != before) {
            printf ("FAIL %s color %d interp %d mode %d: %ld allocations\n",
                    nn_pixel_format_name (f), color, interp, mode,
                    allocations - before);
            failures++;
          }
          nn_preprocessor_free (pp);
        }
    timg_free (&t);
  }
  /* proves the wrapping works at all */
  if (at_create == 0) {
    printf ("FAIL: allocator wrapping sees nothing\n");
    failures++;
  }
  free (out);
  printf ("%d runs, %d failures (%ld allocations at create)\n", runs, failures,
          at_create);
  return failures ? 1 : 0;
}
