#!/usr/bin/env python3
"""Writes the small ONNX models and labels files the element tests use.

Usage: make_models.py OUTDIR [STAMP]

Every model has random weights from a fixed seed, so the files are the same
on every run. They are test fixtures, not classifiers: only their shapes,
metadata and determinism matter.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot"]


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.n = 0

    def name(self, prefix):
        self.n += 1
        return "%s%d" % (prefix, self.n)

    def weight(self, shape, fan_in, gain=1.0):
        w = self.rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), shape)
        t = numpy_helper.from_array(w.astype(np.float32), self.name("w"))
        self.inits.append(t)
        return t.name

    def bias(self, n):
        b = self.rng.normal(0.0, 0.05, (n,)).astype(np.float32)
        t = numpy_helper.from_array(b, self.name("b"))
        self.inits.append(t)
        return t.name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out],
                                           name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k=3, pad=0, gain=1.0):
        w = self.weight((cout, cin, k, k), cin * k * k, gain)
        return self.op("Conv", [x, w, self.bias(cout)], kernel_shape=[k, k],
                       pads=[pad] * 4)

    def gemm(self, x, cin, cout, gain=1.0):
        w = self.weight((cout, cin), cin, gain)
        return self.op("Gemm", [x, w, self.bias(cout)], transB=1)

    def model(self, x_info, y, n_out, meta):
        # rename the last output to "logits"
        self.nodes[-1].output[0] = "logits"
        y_info = helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                               [1, n_out])
        graph = helper.make_graph(self.nodes, "edgeclassify-test", [x_info],
                                  [y_info], self.inits)
        m = helper.make_model(graph, producer_name="make_models.py",
                              opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 7
        for k, v in meta.items():
            p = m.metadata_props.add()
            p.key = k
            p.value = v
        onnx.checker.check_model(m)
        return m


def image_input(c, h, w):
    return helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                         [1, c, h, w])


def seed_model(labels=True):
    """The seed architecture: 28x28 gray, three 3x3 convolutions, two
    fully connected layers, 10 logits."""
    g = Graph(1)
    x = g.conv("input", 1, 32)
    x = g.op("Relu", [x])
    x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.conv(x, 32, 64)
    x = g.op("Relu", [x])
    x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.conv(x, 64, 64)
    x = g.op("Relu", [x])
    x = g.op("Flatten", [x], axis=1)
    x = g.gemm(x, 576, 64)
    x = g.op("Relu", [x])
    g.gemm(x, 64, 10, gain=0.5)
    meta = {"edgeclassify.color": "GRAY",
            "edgeclassify.scale": "0.00392156862745098",
            "edgeclassify.mean": "0.0",
            "edgeclassify.std": "1.0",
            "edgeclassify.resize": "stretch",
            "edgeclassify.output": "logits"}
    if labels:
        meta["edgeclassify.labels"] = "\n".join(FASHION)
    return g.model(image_input(1, 28, 28), None, 10, meta)


def rgb_model():
    """3-channel RGB input, smooth (global average) head, 5 logits."""
    g = Graph(2)
    x = g.conv("input", 3, 8, pad=1)
    x = g.op("Relu", [x])
    x = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.conv(x, 8, 16, pad=1)
    x = g.op("Relu", [x])
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.gemm(x, 16, 5, gain=2.0)
    meta = {"edgeclassify.color": "RGB",
            "edgeclassify.scale": "0.00392156862745098",
            "edgeclassify.mean": "0.5,0.5,0.5",
            "edgeclassify.std": "0.25,0.25,0.25",
            "edgeclassify.output": "logits",
            "edgeclassify.labels": "red\ngreen\nblue\ncyan\nmagenta"}
    return g.model(image_input(3, 32, 32), None, 5, meta)


def slow_model(channels=32):
    """Gray 64x64, four 3x3 convolutions of 32 channels: about 0.2 GFLOP,
    so an inference takes milliseconds and frames pushed back to back
    outrun it (async replacement, latency, scheduler tests). With 96
    channels about 2 GFLOP: tens of milliseconds."""
    g = Graph(3)
    x = g.conv("input", 1, channels, pad=1)
    x = g.op("Relu", [x])
    for _ in range(3):
        x = g.conv(x, channels, channels, pad=1)
        x = g.op("Relu", [x])
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.gemm(x, channels, 10, gain=2.0)
    meta = {"edgeclassify.color": "GRAY",
            "edgeclassify.output": "logits",
            "edgeclassify.labels": "\n".join(FASHION)}
    return g.model(image_input(1, 64, 64), None, 10, meta)


def two_class_model():
    """A 2-class gray model with other labels: results of the two models
    can never be mistaken for each other."""
    g = Graph(3)
    x = g.conv("input", 1, 4)
    x = g.op("Relu", [x])
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.gemm(x, 4, 2)
    meta = {"edgeclassify.color": "GRAY",
            "edgeclassify.output": "logits",
            "edgeclassify.labels": "left\nright"}
    return g.model(image_input(1, 16, 16), None, 2, meta)


def mix_model():
    """RGB 4x4, each class's probability the mean of one colour channel
    (scale 1/255, output probabilities): a solid colour (r, g, b) with
    r + g + b = 255 gives the probabilities (r, g, b) / 255, so a test
    says what every frame's result is."""
    g = Graph(7)
    x = g.op("GlobalAveragePool", ["input"])
    g.op("Flatten", [x], axis=1)
    meta = {"edgeclassify.color": "RGB",
            "edgeclassify.scale": "0.00392156862745098",
            "edgeclassify.mean": "0.0",
            "edgeclassify.std": "1.0",
            "edgeclassify.output": "probabilities",
            "edgeclassify.labels": "red\ngreen\nblue"}
    return g.model(image_input(3, 4, 4), None, 3, meta)


def non_image_model():
    """A flat [1, 784] input: not an image."""
    g = Graph(4)
    x_info = helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                           [1, 784])
    g.gemm("input", 784, 10)
    return g.model(x_info, None, 10, {})


def four_channel_model():
    """An image input with 4 channels, which the element cannot feed."""
    g = Graph(5)
    x = g.conv("input", 4, 4)
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.gemm(x, 4, 3)
    return g.model(image_input(4, 8, 8), None, 3, {})


def with_meta(model, key, value):
    """A copy of `model` whose metadata `key` is `value`."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for p in m.metadata_props:
        if p.key == key:
            p.value = value
            return m
    p = m.metadata_props.add()
    p.key = key
    p.value = value
    return m


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def save(name, m):
        onnx.save(m, os.path.join(out, name))

    def write(name, data):
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(os.path.join(out, name), mode) as f:
            f.write(data)

    seed = seed_model()
    save("seed.onnx", seed)
    save("seed-nolabels.onnx", seed_model(labels=False))
    save("rgb.onnx", rgb_model())
    save("two.onnx", two_class_model())
    save("slow.onnx", slow_model())
    save("slower.onnx", slow_model(96))
    save("mix.onnx", mix_model())
    save("mix-copy.onnx", mix_model())
    save("nonimage.onnx", non_image_model())
    save("fourch.onnx", four_channel_model())

    # valid models whose own metadata is wrong
    save("badhint.onnx", with_meta(seed, "edgeclassify.scale", "1/255"))
    save("badlabels.onnx", with_meta(seed, "edgeclassify.labels", "a\nb\nc"))
    save("badcolor.onnx", with_meta(seed, "edgeclassify.color", "RGB"))

    raw = seed.SerializeToString()
    write("truncated.onnx", raw[:len(raw) // 2])
    rng = np.random.default_rng(6)
    write("corrupt.onnx", b"\xff\xfe garbage, not a protobuf \x00" +
          rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    write("empty.onnx", b"")

    write("labels-10.txt", "".join("class %d\n" % i for i in range(10)))
    write("labels-3.txt", "a\nb\nc\n")
    write("labels-11.txt", "".join("class %d\n" % i for i in range(11)))
    # labels JSON must escape (last-result): quotes, backslashes, controls
    write("labels-escapes.txt",
          b'say "hi"\nback\\slash\ntab\there\nctl\x01a\nctl\x10b\n'
          b'ctl\x1fc\ncaf\xc3\xa9\n{"json": 1}\nplain\ndel\x7fe\n')
    write("labels-bad.txt", b"".join(b"class \xff\xfe %d\n" % i
                                     for i in range(10)))
    os.makedirs(os.path.join(out, "a-directory.onnx"), exist_ok=True)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write("ok\n")


if __name__ == "__main__":
    main()
