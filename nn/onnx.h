/* Internal: the ONNX loader's entry point. It fills a graph and the
 * model's metadata; it knows nothing of plans or sessions. */
#ifndef NN_ONNX_H
#define NN_ONNX_H

#include "graph.h"
#include "mem.h"

/* ONNX metadata_props, strings in the model's memory. */
typedef struct nn_meta {
  size_t n;
  const char **keys, **values;
} nn_meta;

/* Parses and validates `size` bytes into `g` and `meta`, everything
 * allocated from `mem`. base_dir: folder of external data, or NULL.
 * reporter (or NULL): where unsupported operators go, marked refused. */
nn_status nn_onnx_parse (nn_mem *mem, nn_graph *g, nn_meta *meta,
                         const void *data, size_t size,
                         const nn_load_options *opts, const char *base_dir,
                         nn_reporter *reporter, nn_error *err);

#endif /* NN_ONNX_H */
