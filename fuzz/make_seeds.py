#!/usr/bin/env python3
"""Small ONNX models that start the ONNX fuzzer where the node tests do
not: symbolic input shapes, the shape sub-graphs exporters emit (Shape ->
Gather -> Unsqueeze -> Concat -> Reshape, Equal/Where/Expand,
ConstantOfShape/ScatterND masks, Range/Mod arithmetic on int64), and the
newer operators on run-time data.

Usage: make_seeds.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

I64 = TensorProto.INT64
F32 = TensorProto.FLOAT


def c64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def model(nodes, inits, inp_dims, opset, name, out="y"):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", F32, inp_dims)],
        [helper.make_tensor_value_info(out, F32, None)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("",
                                                                    opset)])
    m.ir_version = 7
    return m


def seeds():
    n = helper.make_node
    yield "flatten_chain", model([
        n("Shape", ["x"], ["s"]),
        n("Gather", ["s", "zero"], ["b"], axis=0),
        n("Unsqueeze", ["b", "axes0"], ["b1"]),
        n("Concat", ["b1", "m1"], ["shape"], axis=0),
        n("Reshape", ["x", "shape"], ["y"]),
    ], [c64("zero", 0), c64("axes0", [0]), c64("m1", [-1])],
        ["N", 3, "H", "W"], 13, "flatten_chain")
    yield "expand_where", model([
        n("Shape", ["x"], ["s"]),
        n("Slice", ["s", "s0", "s1"], ["b"]),
        n("Concat", ["b", "rest"], ["want"], axis=0),
        n("Equal", ["want", "m1"], ["eq"]),
        n("Where", ["eq", "ones", "want"], ["shape"]),
        n("Expand", ["tok", "shape"], ["e"]),
        n("Concat", ["e", "x"], ["y"], axis=1),
    ], [c64("s0", [0]), c64("s1", [1]), c64("rest", [-1, 5]),
        c64("m1", [-1, -1, -1]), c64("ones", [1, 1, 1]),
        numpy_helper.from_array(np.ones((1, 1, 5), np.float32), "tok")],
        ["N", "T", 5], 13, "expand_where")
    yield "mask_scatter", model([
        n("Shape", ["x"], ["s"]),
        n("Slice", ["s", "s2", "s4"], ["hw"]),
        n("ConstantOfShape", ["hw"], ["z"],
          value=helper.make_tensor("v", F32, [1], [0.0])),
        n("ScatterND", ["z", "idx", "upd"], ["mask"]),
        n("Range", ["r0", "r1", "r2"], ["rng"]),
        n("Mod", ["rng", "r3"], ["md"]),
        n("Cast", ["md"], ["mdf"], to=F32),
        n("ReduceSum", ["mdf"], ["tot"], keepdims=0),
        n("Add", ["x", "mask"], ["a"]),
        n("Mul", ["a", "tot"], ["y"]),
    ], [c64("s2", [2]), c64("s4", [4]), c64("idx", [[0, 0], [1, 1]]),
        numpy_helper.from_array(np.array([1, 2], np.float32), "upd"),
        c64("r0", 0), c64("r1", 7), c64("r2", 2), c64("r3", 3)],
        [1, 2, "H", "W"], 13, "mask_scatter")
    yield "norm_resize", model([
        n("LayerNormalization", ["x", "sc", "bi"], ["ln"], axis=-1),
        n("Resize", ["ln", "", "scales"], ["rs"], mode="linear"),
        n("Gelu", ["rs"], ["g"]),
        n("ReduceMax", ["g", "ax"], ["y"], keepdims=1),
    ], [numpy_helper.from_array(np.ones(4, np.float32), "sc"),
        numpy_helper.from_array(np.zeros(4, np.float32), "bi"),
        numpy_helper.from_array(np.array([1, 1, 2, 1], np.float32),
                                "scales"),
        c64("ax", [2])], [1, 3, "H", 4], 20, "norm_resize")
    yield "topk_cumsum", model([
        n("TopK", ["x", "k"], ["v", "i"], axis=-1),
        n("CumSum", ["v", "a"], ["cs"]),
        n("ArgMax", ["cs"], ["am"], axis=1),
        n("Cast", ["am"], ["amf"], to=F32),
        n("Add", ["cs", "amf"], ["y"]),
    ], [c64("k", [2]), c64("a", 1)], [2, "N", 6], 13, "topk_cumsum")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, m in seeds():
        onnx.save(m, os.path.join(sys.argv[1], "seed-%s.onnx" % name))


if __name__ == "__main__":
    main()
