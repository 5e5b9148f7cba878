"""The benchmark's models: one definition shared by the exporter and the
PyTorch peer, so every runner sees the same weights and the same input.

Every model is made with a fixed seed, in eval mode, batch 1, exported with
torch.onnx.export at opset 13 (torchvision models with weights=None: the
timing does not depend on trained weights). Two models are made with the
onnx package instead: `identity` (one Identity node, to measure the call
overhead of a runner) and `conv_large` (one 3x3 Conv 64->64 on 112x112, to
compare our GFLOP/s with OpenBLAS sgemm).
"""

import os

import numpy as np

OPSET = 13
SEED = 20240601
# Bump when a definition below changes: cached exports are then redone.
VERSION = 5


def _spec(name, shape, source, flops, tier):
    return {"name": name, "input_shape": shape, "source": source,
            "flops": flops, "tier": tier}


def _conv_flops(cin, cout, k, hout, wout):
    return 2.0 * cin * cout * k * k * hout * wout


# Multiply-adds counted as two FLOPs; only convolutions and dense layers.
SEED_FLOPS = (_conv_flops(1, 32, 3, 26, 26) + _conv_flops(32, 64, 3, 11, 11)
              + _conv_flops(64, 64, 3, 3, 3) + 2.0 * 576 * 64 + 2.0 * 64 * 10)
CONV_LARGE = {"cin": 64, "cout": 64, "k": 3, "hw": 112}
CONV_LARGE_FLOPS = _conv_flops(64, 64, 3, 112, 112)

# tier: "seed" (target <= 0.8x ORT single-thread), "224" (<= 1.0x ORT),
# "overhead" (identity), "conv" (GFLOP/s against sgemm).
# The torchvision classifiers, at 224x224 (Inception v3 at 299x299, its own
# size): the common ones first, then those the engine runs since symbolic
# shapes (docs/models.md).
TORCHVISION = [
    ("resnet18", 224), ("mobilenet_v2", 224), ("squeezenet1_1", 224),
    ("alexnet", 224), ("vgg11", 224), ("googlenet", 224),
    ("inception_v3", 299), ("densenet121", 224), ("resnext50_32x4d", 224),
    ("mnasnet1_0", 224), ("mobilenet_v3_small", 224),
    ("efficientnet_b0", 224), ("regnet_x_400mf", 224),
    ("shufflenet_v2_x1_0", 224), ("convnext_tiny", 224),
    ("efficientnet_v2_s", 224), ("regnet_y_400mf", 224),
    ("mobilenet_v3_large", 224), ("resnet50", 224),
]

MODELS = [
    _spec("seed_cnn", (1, 1, 28, 28), "torch", SEED_FLOPS, "seed"),
] + [
    _spec(name, (1, 3, side, side), "torchvision", None, "224")
    for name, side in TORCHVISION
] + [
    _spec("identity", (1, 1, 28, 28), "onnx", 0.0, "overhead"),
    _spec("conv_large", (1, 64, 112, 112), "onnx", CONV_LARGE_FLOPS, "conv"),
]
BY_NAME = {m["name"]: m for m in MODELS}


def seed_cnn():
    """The project's seed CNN for 1x28x28 images, 10 classes."""
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(),
        nn.Linear(64, 10), nn.Softmax(dim=1))


def build_torch(name, models_dir=None):
    """The PyTorch module for `name`, eval mode, with the exported weights
    when `models_dir` is given."""
    import torch
    import torch.nn as nn
    spec = BY_NAME[name]
    if spec["source"] == "torch":
        module = seed_cnn()
    elif spec["source"] == "torchvision":
        import torchvision.models as tvm
        kw = {}
        if name in ("googlenet", "inception_v3"):
            # Eval-mode outputs only; the auxiliary heads are for training.
            kw = {"aux_logits": False, "init_weights": True}
        module = getattr(tvm, name)(weights=None, **kw)
    elif name == "identity":
        module = nn.Identity()
    elif name == "conv_large":
        c = CONV_LARGE
        module = nn.Conv2d(c["cin"], c["cout"], c["k"], padding=c["k"] // 2)
    else:
        raise KeyError(name)
    module.eval()
    if models_dir is not None:
        if spec["source"] in ("torch", "torchvision"):
            state = torch.load(os.path.join(models_dir, name + ".pt"))
            module.load_state_dict(state)
        elif name == "conv_large":
            import onnx
            from onnx import numpy_helper
            model = onnx.load(os.path.join(models_dir, name + ".onnx"))
            inits = {t.name: numpy_helper.to_array(t)
                     for t in model.graph.initializer}
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(inits["W"]))
                module.bias.copy_(torch.from_numpy(inits["B"]))
    return module


def make_input(name):
    """The input every runner gets: fixed seed, float32, NCHW."""
    spec = BY_NAME[name]
    rng = np.random.default_rng(SEED + sum(map(ord, name)))
    if spec["tier"] == "224":
        # An image-like tensor: [0, 1) pixels normalised with ImageNet stats.
        mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
        std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
        x = (rng.random(spec["input_shape"], dtype=np.float32) - mean) / std
    elif spec["tier"] in ("seed", "overhead"):
        x = rng.random(spec["input_shape"], dtype=np.float32)
    else:
        x = rng.standard_normal(spec["input_shape"], dtype=np.float32)
    return np.ascontiguousarray(x.astype(np.float32))


def _realistic_batchnorm(module, gen):
    """Give every BatchNorm the kind of statistics a trained model has, so
    that folding it into the convolution is not a no-op."""
    import torch
    import torch.nn as nn
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.1)


def _inline_shared_initializers(path):
    """torch.onnx.export stores identical initializers once and copies them
    with Identity nodes (e.g. the all-zero biases of an untrained model).
    A trained model has no such nodes, and OpenCV 4.6 cannot read them:
    give each output its own copy of the tensor instead. The graph computes
    the same thing."""
    import onnx
    model = onnx.load(path)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    keep, added = [], []
    for node in g.node:
        if node.op_type == "Identity" and node.input[0] in inits \
                and node.output[0] not in {o.name for o in g.output}:
            t = onnx.TensorProto()
            t.CopyFrom(inits[node.input[0]])
            t.name = node.output[0]
            added.append(t)
            inits[t.name] = t
        else:
            keep.append(node)
    if added:
        del g.node[:]
        g.node.extend(keep)
        g.initializer.extend(added)
        onnx.checker.check_model(model)
        onnx.save(model, path)


def _export_torch(name, out_dir):
    import torch
    torch.manual_seed(SEED)
    module = build_torch(name)
    _realistic_batchnorm(module, torch.Generator().manual_seed(SEED))
    shape = BY_NAME[name]["input_shape"]
    torch.save(module.state_dict(), os.path.join(out_dir, name + ".pt"))
    with torch.no_grad():
        torch.onnx.export(module, torch.zeros(shape),
                          os.path.join(out_dir, name + ".onnx"),
                          opset_version=OPSET, do_constant_folding=True,
                          input_names=["input"], output_names=["output"])
    _inline_shared_initializers(os.path.join(out_dir, name + ".onnx"))


def _export_onnx(name, out_dir):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    shape = list(BY_NAME[name]["input_shape"])
    if name == "identity":
        nodes = [helper.make_node("Identity", ["input"], ["output"],
                                  name="identity")]
        inits = []
        out_shape = shape
    else:
        c = CONV_LARGE
        rng = np.random.default_rng(SEED)
        fan_in = c["cin"] * c["k"] * c["k"]
        w = (rng.standard_normal((c["cout"], c["cin"], c["k"], c["k"]))
             / np.sqrt(fan_in)).astype(np.float32)
        b = (rng.standard_normal(c["cout"]) * 0.1).astype(np.float32)
        p = c["k"] // 2
        nodes = [helper.make_node("Conv", ["input", "W", "B"], ["output"],
                                  name="conv", kernel_shape=[c["k"], c["k"]],
                                  pads=[p, p, p, p], strides=[1, 1])]
        inits = [numpy_helper.from_array(w, "W"),
                 numpy_helper.from_array(b, "B")]
        out_shape = [1, c["cout"], c["hw"], c["hw"]]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                       out_shape)],
        initializer=inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="edgeclassify-bench")
    # ONNX Runtime reads IR versions up to its own; 7 is what opset 13 needs.
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out_dir, name + ".onnx"))


def export(names, out_dir, log=print):
    """Export the models (and their inputs as .npy) into out_dir unless an
    export of this VERSION is already there. Returns {name: paths}."""
    import onnx
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name in names:
        spec = BY_NAME[name]
        onnx_path = os.path.join(out_dir, name + ".onnx")
        npy_path = os.path.join(out_dir, name + ".input.npy")
        stamp = os.path.join(out_dir, name + ".version")
        fresh = (os.path.exists(onnx_path) and os.path.exists(npy_path)
                 and os.path.exists(stamp)
                 and open(stamp).read().strip() == str(VERSION))
        if not fresh:
            log(f"exporting {name}")
            if spec["source"] == "onnx":
                _export_onnx(name, out_dir)
            else:
                _export_torch(name, out_dir)
            onnx.checker.check_model(onnx.load(onnx_path))
            np.save(npy_path, make_input(name))
            with open(stamp, "w") as f:
                f.write(f"{VERSION}\n")
        paths[name] = {"onnx": onnx_path, "input": npy_path}
    return paths


def model_flops(name, onnx_path):
    """FLOPs of one batch-1 run (convolutions and Gemm/MatMul only), from
    the ONNX graph's shapes."""
    spec = BY_NAME[name]
    if spec["flops"] is not None:
        return spec["flops"]
    import onnx
    from onnx import shape_inference
    model = shape_inference.infer_shapes(onnx.load(onnx_path))
    dims = {}
    for vi in (list(model.graph.value_info) + list(model.graph.input)
               + list(model.graph.output)):
        dims[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for t in model.graph.initializer:
        dims[t.name] = list(t.dims)
    total = 0.0
    for node in model.graph.node:
        if node.op_type == "Conv":
            w = dims.get(node.input[1])
            out = dims.get(node.output[0])
            if w and out:
                # out (N, OC, H, W), w (OC, C/g, KH, KW)
                total += 2.0 * np.prod(out) * np.prod(w[1:])
        elif node.op_type in ("Gemm", "MatMul"):
            a = dims.get(node.input[0])
            out = dims.get(node.output[0])
            if a and out:
                total += 2.0 * np.prod(out) * a[-1]
    return float(total)
