/* Support for the ONNX loader: protobuf-c allocation under a budget, and a
 * name -> index table for graph tensors. */
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- budgeted allocator for protobuf-c ---- */

void *
nn_budget_alloc (void *data, size_t size)
{
  nn_budget *b = data;
  size_t *p;
  if (size > b->budget || b->used > b->budget - size - 16) {
    b->exceeded = 1;
    return NULL;
  }
  p = malloc (size + 16);
  if (!p) {
    b->out_of_memory = 1;
    return NULL;
  }
  p[0] = size;
  b->used += size + 16;
  return (char *)p + 16;
}

void
nn_budget_free (void *data, void *ptr)
{
  nn_budget *b = data;
  if (ptr) {
    size_t *p = (size_t *)((char *)ptr - 16);
    b->used -= p[0] + 16;
    free (p);
  }
}

/* ---- name -> value index (open addressing, FNV-1a) ---- */

static size_t
hash_str (const char *s)
{
  size_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

int
nn_map_init (nn_name_map *m, size_t n)
{
  m->cap = 16;
  while (m->cap < n * 2)
    m->cap *= 2;
  m->keys = calloc (m->cap, sizeof *m->keys);
  m->vals = calloc (m->cap, sizeof *m->vals);
  return m->keys && m->vals;
}

size_t *
nn_map_slot (nn_name_map *m, const char *key, int insert)
{
  for (size_t i = hash_str (key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->keys[i]) {
      if (!insert)
        return NULL;
      m->keys[i] = key;
      return &m->vals[i];
    }
    if (strcmp (m->keys[i], key) == 0)
      return insert ? NULL : &m->vals[i];
  }
}

void
nn_map_clear (nn_name_map *m)
{
  free (m->keys);
  free (m->vals);
}
