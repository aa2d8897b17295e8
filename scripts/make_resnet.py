"""ResNet-style ONNX models with random weights, built with onnx.helper (no torch needed), and a
sample input with the ONNX reference evaluator's output.

    python3 scripts/make_resnet.py resnet18 OUT_DIR      # torchvision's ResNet-18 at 3x32x32:
        # 7x7/2 stem (64), 3x3/2 max pooling, four stages of two basic blocks (64, 128, 256, 512;
        # stages 2-4 start with a stride-2 block whose shortcut is a 1x1/2 convolution), global
        # average pooling, a 512 -> 10 classifier; BatchNormalization folded into the convolutions
        # (random biases), as an export of a trained model in eval mode has it.
    python3 scripts/make_resnet.py block OUT_DIR         # the test fixture resnet_block.onnx: a
        # 3x3 stem (8) and one stride-2 basic block with a 1x1/2 shortcut (16), on 1x3x8x8.
    python3 scripts/make_resnet.py mobilenet OUT_DIR     # mobilenet_v2.onnx: a MobileNetV2-style
        # network at 3x32x32 (depthwise convolutions, ReLU6, inverted residuals whose linear
        # bottleneck, a projection without activation, is read by the next block and by its
        # residual Add), the graph torch.onnx.export writes for it (Clip with constant bounds).
    python3 scripts/make_resnet.py mobilenet_tiny OUT_DIR  # the test fixture mobilenet_tiny.onnx:
        # the same blocks at 3x8x8 (a stem, two inverted residuals of width 8, one strided), 4 classes.

Writes OUT_DIR/NAME.onnx, NAME.input.json, NAME.expected.json. Needs onnx and numpy (the
project's venv: ~/.cache/zkml/py-venv).
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator


class Builder:
    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, kind):
        self.count += 1
        return f"{kind}{self.count}"

    def conv(self, x, c_in, c_out, k, stride, pad, relu):
        # He-style weights scaled down (a trained, BN-folded net keeps activations of order 1).
        w, b, y = self.name("w"), self.name("b"), self.name("conv")
        std = 0.8 * np.sqrt(2.0 / (c_in * k * k))
        self.inits.append(numpy_helper.from_array(self.rng.normal(0, std, (c_out, c_in, k, k)).astype(np.float32), w))
        self.inits.append(numpy_helper.from_array(self.rng.uniform(-0.05, 0.05, c_out).astype(np.float32), b))
        self.nodes.append(helper.make_node("Conv", [x, w, b], [y], kernel_shape=[k, k], strides=[stride, stride],
                                           pads=[pad] * 4, name=y))
        return self.relu(y) if relu else y

    def relu(self, x):
        y = self.name("relu")
        self.nodes.append(helper.make_node("Relu", [x], [y], name=y))
        return y

    def block(self, x, c_in, c_out, stride):
        h = self.conv(x, c_in, c_out, 3, stride, 1, True)
        h = self.conv(h, c_out, c_out, 3, 1, 1, False)
        short = x if (stride == 1 and c_in == c_out) else self.conv(x, c_in, c_out, 1, stride, 0, False)
        s = self.name("add")
        self.nodes.append(helper.make_node("Add", [h, short], [s], name=s))
        return self.relu(s)

    def head(self, x, c, classes):
        g, f, w, b = self.name("gap"), self.name("flatten"), self.name("fc_w"), self.name("fc_b")
        self.nodes.append(helper.make_node("GlobalAveragePool", [x], [g], name=g))
        self.nodes.append(helper.make_node("Flatten", [g], [f], name=f))
        self.inits.append(numpy_helper.from_array(self.rng.normal(0, 1 / np.sqrt(c), (classes, c)).astype(np.float32), w))
        self.inits.append(numpy_helper.from_array(self.rng.uniform(-0.05, 0.05, classes).astype(np.float32), b))
        self.nodes.append(helper.make_node("Gemm", [f, w, b], ["logits"], transB=1, name="fc"))


def resnet18(b):
    x = b.conv("input", 3, 64, 7, 2, 3, True)
    p = b.name("maxpool")
    b.nodes.append(helper.make_node("MaxPool", [x], [p], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4, name=p))
    x, c = p, 64
    for stage, width in enumerate([64, 128, 256, 512]):
        x = b.block(x, c, width, 1 if stage == 0 else 2)
        x = b.block(x, width, width, 1)
        c = width
    b.head(x, c, 10)
    return [1, 3, 32, 32]


def mobilenet(b, blocks=None, stem=16, head=64, shape=None, classes=10):
    # MobileNetV2-style: a 3x3/2 stem (16) with ReLU6, then inverted residual blocks (1x1 expand
    # with ReLU6, 3x3 depthwise with ReLU6, 1x1 project without activation; a residual Add when
    # the stride is 1 and the widths match), a 1x1 head (64) with ReLU6, global pooling, 10 classes.
    def relu6(x):
        y = b.name("relu6")
        lo, hi = b.name("lo"), b.name("hi")
        b.inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), lo))
        b.inits.append(numpy_helper.from_array(np.array(6.0, dtype=np.float32), hi))
        b.nodes.append(helper.make_node("Clip", [x, lo, hi], [y], name=y))
        return y

    def conv(x, c_in, c_out, k, stride, group=1):
        w, bias, y = b.name("w"), b.name("b"), b.name("conv")
        std = 0.8 * np.sqrt(2.0 / (c_in // group * k * k))
        b.inits.append(numpy_helper.from_array(b.rng.normal(0, std, (c_out, c_in // group, k, k)).astype(np.float32), w))
        b.inits.append(numpy_helper.from_array(b.rng.uniform(-0.05, 0.05, c_out).astype(np.float32), bias))
        b.nodes.append(helper.make_node("Conv", [x, w, bias], [y], kernel_shape=[k, k], strides=[stride, stride],
                                        pads=[k // 2] * 4, group=group, name=y))
        return y

    def inverted(x, c_in, c_out, stride, expand=4):
        hidden = c_in * expand
        h = relu6(conv(x, c_in, hidden, 1, 1))
        h = relu6(conv(h, hidden, hidden, 3, stride, group=hidden))
        h = conv(h, hidden, c_out, 1, 1)
        if stride == 1 and c_in == c_out:
            s = b.name("add")
            b.nodes.append(helper.make_node("Add", [h, x], [s], name=s))
            return s
        return h

    blocks = blocks or [(16, 16, 1), (16, 24, 2), (24, 24, 1), (24, 32, 2), (32, 32, 1)]
    x = relu6(conv("input", 3, stem, 3, 2 if shape is None else 1))
    for c_in, c_out, stride in blocks:
        x = inverted(x, c_in, c_out, stride)
    x = relu6(conv(x, blocks[-1][1], head, 1, 1))
    b.head(x, head, classes)
    return shape or [1, 3, 32, 32]


def mobilenet_tiny(b):
    return mobilenet(b, blocks=[(8, 8, 1), (8, 8, 1), (8, 12, 2)], stem=8, head=16, shape=[1, 3, 8, 8], classes=4)


def block(b):
    x = b.conv("input", 3, 8, 3, 1, 1, True)
    x = b.block(x, 8, 16, 2)
    b.head(x, 16, 4)
    return [1, 3, 8, 8]


def main():
    kind, out = sys.argv[1], sys.argv[2]
    name = {"resnet18": "resnet18", "block": "resnet_block", "mobilenet": "mobilenet_v2",
            "mobilenet_tiny": "mobilenet_tiny"}[kind]
    b = Builder({"resnet18": 18, "block": 7, "mobilenet": 2, "mobilenet_tiny": 5}[kind])
    shape = {"resnet18": resnet18, "block": block, "mobilenet": mobilenet, "mobilenet_tiny": mobilenet_tiny}[kind](b)
    classes = {"block": 4, "mobilenet_tiny": 4}.get(kind, 10)
    graph = helper.make_graph(b.nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])], b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, f"{name}.onnx"))
    # A second sample (NAME.1.*) for mobilenet_v2, whose end-to-end run proves two.
    samples = [("", 3), (".1", 4)] if kind == "mobilenet" else [("", 3)]
    for sample, seed in samples:
        x = np.random.RandomState(seed).uniform(0, 1, shape).astype(np.float32)
        (y,) = ReferenceEvaluator(model).run(None, {"input": x})
        for suffix, key, arr in [("input", "input_data", x), ("expected", "output_data", y)]:
            with open(os.path.join(out, f"{name}{sample}.{suffix}.json"), "w") as f:
                json.dump({key: [np.asarray(arr, dtype=np.float64).ravel().tolist()]}, f)
                f.write("\n")
    params = sum(int(np.prod(t.dims)) for t in b.inits)
    print(f"wrote {name}.onnx ({params} parameters) and {len(samples)} sample(s) ({name}.input.json, "
          f"{name}.expected.json, ...) in {out}")


if __name__ == "__main__":
    main()
