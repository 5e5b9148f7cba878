/* Internal: pieces of the ONNX loader shared between its files. */
#ifndef NN_ONNX_INTERNAL_H
#define NN_ONNX_INTERNAL_H

#include "model.h"
#include "onnx-subset.pb-c.h"

/* Converts a TensorProto into a constant value whose data lives in `mem`.
 * `what` names the tensor in messages ("initializer 'w'"). */
nn_status nn_onnx_tensor (nn_mem * mem, const Onnx__TensorProto * t,
    const char *what, const char *base_dir, nn_value * v, nn_error * err);

#endif /* NN_ONNX_INTERNAL_H */
