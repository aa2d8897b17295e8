"""Regenerate the activation test models: fully connected networks whose hidden layers end in
Sigmoid, Tanh and the exact GELU instead of ReLU, in the form torch.onnx.export writes (opset 17)
for an nn.Sequential of nn.Linear, nn.Sigmoid, nn.Tanh and nn.GELU():

- nn.Linear on a [1, n] input: Gemm(x, W, b) with transB=1, the parameters as initializers
  named `<index>.weight` and `<index>.bias`;
- nn.Sigmoid, nn.Tanh: one Sigmoid / Tanh node;
- nn.GELU() (exact, opset < 20): Div(x, 1.4142135) -> Erf -> Add(1) -> Mul(x, .) -> Mul(0.5), the
  constants as Constant nodes.

Writes, into tests/fixtures/models/:

- activation_mlp.onnx: input [1, 16] -> Linear 16->12, Sigmoid -> Linear 12->10, Tanh
  -> Linear 10->8, GELU -> Linear 8->4; parameters from numpy RandomState(7), uniform in
  ±1/sqrt(fan_in) like torch's default nn.Linear initialisation;
- activation_mlp_tiny.onnx: the same layers with widths 4 -> 3 -> 3 -> 3 -> 2 (RandomState(8));
- gelu_shared_erf.onnx: Linear 4->3 then the GELU expansion, whose Erf output also feeds the
  model output (y = gelu(h) + erf(h / sqrt 2)): the pattern must not be fused;
- gelu_reordered.onnx: Linear 4->3 then the GELU expansion written differently,
  Mul(x, Mul(0.5, Add(1, Erf(Mul(0.70710678, x))))), which tract does not fuse itself;
- gelu_opset20.onnx: Linear 4->3 then the ONNX Gelu op (opset 20);
- gelu_tanh.onnx: the same with Gelu(approximate="tanh"), which is not the exact GELU;
- hard_mlp.onnx: input [1, 8] -> Linear 8->8, ReLU6 -> Linear, LeakyReLU(0.1) -> Linear,
  Hardsigmoid -> Linear, Hardswish -> Linear, Hardtanh -> Linear 8->3 (RandomState(13)), as torch
  exports them with opset 17: nn.ReLU6 and nn.Hardtanh as Clip with Constant bounds, the others as
  the ONNX ops LeakyRelu (alpha 0.1), HardSigmoid (alpha 1/6) and HardSwish;
- for the three MLPs, a sample input (`<name>.input.json`, 16 or 4 values in [-2, 2] drawn from the
  same generator after the parameters) and the output onnx.reference.ReferenceEvaluator computes
  on it (`<name>.expected.json`, like the other fixtures).

Needs: onnx, numpy (pip install onnx numpy).
    python3 scripts/make_activation_mlp.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "tests", "fixtures", "models")
OPSET = 17


class Builder:
    """Nodes, initializers and names as torch.onnx.export writes them for an nn.Sequential."""

    def __init__(self):
        self.nodes, self.inits = [], []
        self.counts = {}

    def node(self, module, op, inputs, **attrs):
        """A node `/<module>/<Op>[_k]` with one output `/<module>/<Op>[_k]_output_0`."""
        k = self.counts.get((module, op), 0)
        self.counts[(module, op)] = k + 1
        name = f"/{module}/{op}" + (f"_{k}" if k else "")
        out = f"{name}_output_0"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def constant(self, module, value):
        """A scalar float Constant node, as torch exports Python constants."""
        return self.node(module, "Constant", [], value=numpy_helper.from_array(np.array(value, dtype=np.float32)))

    def linear(self, module, x, w, b):
        self.inits += [numpy_helper.from_array(w, f"{module}.weight"), numpy_helper.from_array(b, f"{module}.bias")]
        return self.node(module, "Gemm", [x, f"{module}.weight", f"{module}.bias"], alpha=1.0, beta=1.0, transB=1)

    def gelu(self, module, x):
        """nn.GELU() (approximate='none') as exported with opset 17: the Erf expansion."""
        sqrt2 = self.constant(module, 1.4142135381698608)
        div = self.node(module, "Div", [x, sqrt2])
        erf = self.node(module, "Erf", [div])
        one = self.constant(module, 1.0)
        add = self.node(module, "Add", [erf, one])
        mul = self.node(module, "Mul", [x, add])
        half = self.constant(module, 0.5)
        return self.node(module, "Mul", [mul, half]), erf

    def model(self, name, x_shape, y_name, y_shape, opset=OPSET):
        # The last node's output is the model output, named like torch's `output_names`.
        last = self.nodes[-1]
        old = last.output[0]
        last.output[0] = y_name
        for n in self.nodes:
            for i, v in enumerate(n.input):
                if v == old:
                    n.input[i] = y_name
        graph = helper.make_graph(
            self.nodes,
            name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(y_name, TensorProto.FLOAT, y_shape)],
            self.inits,
        )
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_activation_mlp.py"
        )
        model.ir_version = 8 if opset < 20 else 9
        onnx.checker.check_model(model, full_check=True)
        return model


def torch_linear_init(rng, fan_in, fan_out):
    """nn.Linear's default initialisation: weight and bias uniform in ±1/sqrt(fan_in)."""
    bound = 1.0 / np.sqrt(fan_in)
    w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return w, b


def write_json(path, key, values):
    with open(path, "w") as f:
        json.dump({key: [[float(v) for v in values]]}, f)


def activation_mlp(name, dims, seed):
    """Linear -> Sigmoid -> Linear -> Tanh -> Linear -> GELU -> Linear, widths `dims`."""
    assert len(dims) == 5
    rng = np.random.RandomState(seed)
    b = Builder()
    x = "input"
    for i, act in enumerate(["Sigmoid", "Tanh", "GELU", None]):
        module = 2 * i
        x = b.linear(module, x, *torch_linear_init(rng, dims[i], dims[i + 1]))
        if act == "GELU":
            x, _ = b.gelu(module + 1, x)
        elif act:
            x = b.node(module + 1, act, [x])
    model = b.model(name, [1, dims[0]], "output", [1, dims[-1]])
    onnx.save(model, os.path.join(OUT_DIR, f"{name}.onnx"))

    sample = rng.uniform(-2.0, 2.0, (1, dims[0])).astype(np.float32)
    (y,) = ReferenceEvaluator(model).run(None, {"input": sample})
    write_json(os.path.join(OUT_DIR, f"{name}.input.json"), "input_data", sample[0])
    write_json(os.path.join(OUT_DIR, f"{name}.expected.json"), "output_data", y[0])
    print(f"wrote {name}.onnx, output {y[0]}")


def hard_mlp(name, seed):
    """The piecewise-linear activations torch exports as Clip, LeakyRelu, HardSigmoid, HardSwish."""
    rng = np.random.RandomState(seed)
    b = Builder()
    x = "input"
    clip = lambda m, x, lo, hi: b.node(m, "Clip", [x, b.constant(m, lo), b.constant(m, hi)])
    acts = [
        lambda m, x: clip(m, x, 0.0, 6.0),
        lambda m, x: b.node(m, "LeakyRelu", [x], alpha=0.1),
        lambda m, x: b.node(m, "HardSigmoid", [x], alpha=1.0 / 6.0),
        lambda m, x: b.node(m, "HardSwish", [x]),
        lambda m, x: clip(m, x, -1.0, 1.0),
    ]
    for i, act in enumerate(acts):
        x = act(2 * i + 1, b.linear(2 * i, x, *torch_linear_init(rng, 8, 8)))
    b.linear(2 * len(acts), x, *torch_linear_init(rng, 8, 3))
    model = b.model(name, [1, 8], "output", [1, 3])
    onnx.save(model, os.path.join(OUT_DIR, f"{name}.onnx"))
    sample = rng.uniform(-3.0, 3.0, (1, 8)).astype(np.float32)
    (y,) = ReferenceEvaluator(model).run(None, {"input": sample})
    write_json(os.path.join(OUT_DIR, f"{name}.input.json"), "input_data", sample[0])
    write_json(os.path.join(OUT_DIR, f"{name}.expected.json"), "output_data", y[0])
    print(f"wrote {name}.onnx, output {y[0]}")


def gelu_shared_erf():
    """A GELU expansion whose Erf also feeds the output: not an activation of its own."""
    rng = np.random.RandomState(9)
    b = Builder()
    h = b.linear(0, "input", *torch_linear_init(rng, 4, 3))
    g, erf = b.gelu(1, h)
    b.node(2, "Add", [g, erf])
    model = b.model("gelu_shared_erf", [1, 4], "output", [1, 3])
    onnx.save(model, os.path.join(OUT_DIR, "gelu_shared_erf.onnx"))
    print("wrote gelu_shared_erf.onnx")


def gelu_variant(name, seed, wire, opset=OPSET):
    """Linear 4->3, then `wire(builder, x)` as the output."""
    rng = np.random.RandomState(seed)
    b = Builder()
    wire(b, b.linear(0, "input", *torch_linear_init(rng, 4, 3)))
    model = b.model(name, [1, 4], "output", [1, 3], opset)
    onnx.save(model, os.path.join(OUT_DIR, f"{name}.onnx"))
    print(f"wrote {name}.onnx")


def reordered(b, x):
    scale = b.node(1, "Mul", [b.constant(1, 0.70710678), x])
    erf = b.node(1, "Erf", [scale])
    add = b.node(1, "Add", [b.constant(1, 1.0), erf])
    half = b.node(1, "Mul", [b.constant(1, 0.5), add])
    b.node(1, "Mul", [x, half])


activation_mlp("activation_mlp", [16, 12, 10, 8, 4], 7)
activation_mlp("activation_mlp_tiny", [4, 3, 3, 3, 2], 8)
hard_mlp("hard_mlp", 13)
gelu_shared_erf()
gelu_variant("gelu_reordered", 10, reordered)
gelu_variant("gelu_opset20", 11, lambda b, x: b.node(1, "Gelu", [x]), opset=20)
gelu_variant("gelu_tanh", 11, lambda b, x: b.node(1, "Gelu", [x], approximate="tanh"), opset=20)
