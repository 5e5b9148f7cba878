/* Strided copies: every operator that only rearranges elements (Transpose,
 * Slice, Expand, Tile, DepthToSpace, SpaceToDepth) is an output walked in
 * order while the input is read at an offset plus a stride per output
 * axis. Neighbouring axes that stay affine are merged at plan time, so
 * run() is a counter over rows and one loop (or a memcpy) per row. */
#include "ops.h"

#include <string.h>

void
nn_strided_setup (nn_strided *p, size_t esize, int nd, const int64_t *dims,
                  const ptrdiff_t *istride, ptrdiff_t offset)
{
  int m = 0;
  size_t count = 1;
  memset (p, 0, sizeof *p);
  p->esize = esize;
  p->offset = offset;
  for (int i = 0; i < nd; i++)
    count *= (size_t)dims[i];
  for (int i = 0; i < nd; i++) {
    ptrdiff_t d = (ptrdiff_t)dims[i], st = istride[i];
    if (d == 1)
      continue;
    if (m > 0 && p->istride[m - 1] == st * d) {
      p->dims[m - 1] *= d;
      p->istride[m - 1] = st;
      continue;
    }
    p->dims[m] = d;
    p->istride[m] = st;
    m++;
  }
  if (m == 0) {
    p->dims[0] = (ptrdiff_t)count; /* 1, or 0 when empty */
    p->istride[0] = 1;
    m = 1;
  }
  p->nd = m;
  p->count = count;
  p->rows = 1;
  for (int i = 0; i < m - 1; i++)
    p->rows *= p->dims[i];
}

typedef struct strided_job {
  const nn_strided *p;
  const char *x;
  char *y;
} strided_job;

#define GATHER_ROW(T)                                                          \
  for (ptrdiff_t i = 0; i < n; i++)                                            \
    ((T *)y)[i] = ((const T *)x)[i * st];

// y (dims, contiguous) from x (offset + strides): output rows [b, e)
static void
strided_task (void *arg, int t, int nt)
{
  const strided_job *j = arg;
  const nn_strided *p = j->p;
  ptrdiff_t idx[NN_STRIDED_MAX_DIMS] = { 0 }, off = p->offset;
  size_t b, e;
  int outer = p->nd - 1;

  nn_op_split_range ((size_t)p->rows, t, nt, &b, &e);
  if (b >= e)
    return;
  ptrdiff_t r = (ptrdiff_t)b;
  for (int d = outer - 1; d >= 0; d--) {
    idx[d] = r % p->dims[d];
    r /= p->dims[d];
    off += idx[d] * p->istride[d];
  }
  const ptrdiff_t n = p->dims[outer], st = p->istride[outer];
  const size_t es = p->esize;
  for (size_t row = b; row < e; row++) {
    char *y = j->y + (ptrdiff_t)row * n * (ptrdiff_t)es;
    const char *x = j->x + off * (ptrdiff_t)es;
    if (st == 1)
      memcpy (y, x, es * (size_t)n);
    else if (es == 4) {
      GATHER_ROW (uint32_t)
    } else if (es == 8) {
      GATHER_ROW (uint64_t)
    } else if (es == 2) {
      GATHER_ROW (uint16_t)
    } else {
      GATHER_ROW (uint8_t)
    }
    for (int d = outer - 1; d >= 0; d--) {
      off += p->istride[d];
      if (++idx[d] < p->dims[d])
        break;
      off -= idx[d] * p->istride[d];
      idx[d] = 0;
    }
  }
}

void
nn_strided_run (const nn_strided *p, nn_pool *pool, const void *x, void *y)
{
  strided_job j = { p, x, y };
  if (p->count == 0)
    return;
  nn_pool_run (
      pool, strided_task, &j,
      nn_op_task_count (pool, (double)p->count * 4.0, (size_t)p->rows));
}
