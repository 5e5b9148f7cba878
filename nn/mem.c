/* nn_mem: one list of blocks, freed at once. */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct nn_mem_block {
  nn_mem_block *next;
  /* 64-byte aligned payload follows */
};

#define BLOCK_HEADER 64

void *
nn_mem_alloc (nn_mem *mem, size_t size)
{
  nn_mem_block *b;
  if (size > SIZE_MAX - BLOCK_HEADER - 64)
    return NULL;
  b = aligned_alloc (64, ((BLOCK_HEADER + size + 63) / 64) * 64);
  if (!b)
    return NULL;
  memset (b, 0, BLOCK_HEADER + size);
  b->next = mem->head;
  mem->head = b;
  mem->used += size;
  return (char *)b + BLOCK_HEADER;
}

void *
nn_mem_array (nn_mem *mem, size_t n, size_t size)
{
  size_t total;
  if (__builtin_mul_overflow (n, size, &total))
    return NULL;
  return nn_mem_alloc (mem, total);
}

char *
nn_mem_strdup (nn_mem *mem, const char *s)
{
  size_t len = strlen (s);
  char *d = nn_mem_alloc (mem, len + 1);
  if (d)
    memcpy (d, s, len + 1);
  return d;
}

void
nn_mem_clear (nn_mem *mem)
{
  nn_mem_block *b = mem->head;
  while (b) {
    nn_mem_block *next = b->next;
    free (b);
    b = next;
  }
  mem->head = NULL;
  mem->used = 0;
}
