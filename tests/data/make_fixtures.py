#!/usr/bin/env python3
"""Generate the tiny test fixtures used by the tool tests.

Usage: make_fixtures.py OUTDIR

Writes into OUTDIR:
  tiny_cnn.onnx    input [1, 1, 8, 8] -> Conv(1->4, 3x3, pad 1) -> Relu
                   -> MaxPool(2) -> Flatten -> Gemm(64->5) -> Softmax -> [1, 5]
  tiny_cnn_x.npy   an input tensor for it
  tiny_cnn_y.npy   the model's output on that input, computed here with
                   NumPy so the tests have an oracle independent of nn/

Weights come from a fixed seed, so the files are the same on every run.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def make_weights(rng):
    return {
        "conv_w": rng.standard_normal((4, 1, 3, 3)).astype(np.float32) * 0.5,
        "conv_b": rng.standard_normal(4).astype(np.float32) * 0.1,
        "fc_w": rng.standard_normal((5, 64)).astype(np.float32) * 0.2,
        "fc_b": rng.standard_normal(5).astype(np.float32) * 0.1,
    }


def make_model(w):
    nodes = [
        helper.make_node("Conv", ["input", "conv_w", "conv_b"], ["c1"],
                         name="conv1", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p1"], ["f1"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f1", "fc_w", "fc_b"], ["logits"],
                         name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax",
                         axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       [1, 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 5])],
        initializer=[numpy_helper.from_array(v, k) for k, v in w.items()])
    model = helper.make_model(
        graph, producer_name="edgeclassify-fixtures",
        opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    helper.set_model_props(model, {"labels": "a,b,c,d,e"})
    onnx.checker.check_model(model)
    return model


def reference(w, x):
    """The same network in plain NumPy, float64 for a clean oracle."""
    x = x.astype(np.float64)
    n, _, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    conv = np.zeros((n, 4, h, wd))
    for oc in range(4):
        for ky in range(3):
            for kx in range(3):
                conv[:, oc] += w["conv_w"][oc, 0, ky, kx] * \
                    xp[:, 0, ky:ky + h, kx:kx + wd]
        conv[:, oc] += w["conv_b"][oc]
    relu = np.maximum(conv, 0)
    pool = relu.reshape(n, 4, h // 2, 2, wd // 2, 2).max(axis=(3, 5))
    logits = pool.reshape(n, -1) @ w["fc_w"].T.astype(np.float64) + w["fc_b"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_fixtures.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240601)
    w = make_weights(rng)
    onnx.save(make_model(w), os.path.join(out, "tiny_cnn.onnx"))
    x = rng.standard_normal((1, 1, 8, 8)).astype(np.float32)
    np.save(os.path.join(out, "tiny_cnn_x.npy"), x)
    np.save(os.path.join(out, "tiny_cnn_y.npy"), reference(w, x))


if __name__ == "__main__":
    main()
