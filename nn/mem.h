/* Internal: a bump allocator of malloc'd blocks freed all at once.
 * Everything a model or a plan owns lives in one of these, so there is one
 * cleanup path. */
#ifndef NN_MEM_H
#define NN_MEM_H

#include <stddef.h>

typedef struct nn_mem_block nn_mem_block;
typedef struct nn_mem {
  nn_mem_block *head;
  size_t used; /* bytes handed out, for budgets */
} nn_mem;

void *nn_mem_alloc (nn_mem *mem, size_t size); /* zeroed, 64-aligned */
void *nn_mem_array (nn_mem *mem, size_t n, size_t size); /* checked */
char *nn_mem_strdup (nn_mem *mem, const char *s);
void nn_mem_clear (nn_mem *mem);

#endif /* NN_MEM_H */
