/* Internal: pieces of the ONNX loader shared between its files. */
#ifndef NN_ONNX_INTERNAL_H
#define NN_ONNX_INTERNAL_H

#include "onnx.h"
#include "onnx-subset.pb-c.h"

/* Converts a TensorProto into a constant value whose data lives in `mem`.
 * `what` names the tensor in messages ("initializer 'w'"). */
nn_status nn_onnx_tensor (nn_mem *mem, const Onnx__TensorProto *t,
                          const char *what, const char *base_dir, nn_value *v,
                          nn_error *err);

/* protobuf-c allocator that refuses to go past `budget` bytes in all. */
typedef struct nn_budget {
  size_t used, budget;
  int exceeded;      /* a request went past the budget */
  int out_of_memory; /* malloc itself failed */
} nn_budget;
void *nn_budget_alloc (void *budget, size_t size);
void nn_budget_free (void *budget, void *ptr);

/* Open-addressing table from a name (not copied) to an index. */
typedef struct nn_name_map {
  const char **keys;
  size_t *vals;
  size_t cap;
} nn_name_map;
int nn_map_init (nn_name_map *m, size_t n);
/* insert: a new slot (NULL if the key exists); else the key's slot or NULL. */
size_t *nn_map_slot (nn_name_map *m, const char *key, int insert);
void nn_map_clear (nn_name_map *m);

#endif /* NN_ONNX_INTERNAL_H */
