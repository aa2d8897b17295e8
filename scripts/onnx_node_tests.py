#!/usr/bin/env python3
"""Conformance of the prover against ONNX's own backend node tests.

The `onnx` package ships the generators of `onnx/backend/test/data/node` (one small model per
operator variant, with inputs and the reference outputs). Each test of a selected operator (a model of one node of that
operator) is turned into a model whose first float input stays the input and whose other inputs become initializers
(their values from the test), then set up (`prove setup`, calibrated on the test's own input),
proven (`prove prove`), verified (`prove verify`) and compared with the test's expected output.
A test passes when every step succeeds and the largest absolute error is within the tolerance
(`--rtol`, relative to the largest expected magnitude, default 2%, at least `--atol` = 0.02):
the quantised model rounds every value to `2^-s`.

An element-wise activation (WRAPPED below) is proven where the prover takes one: between two
identity MatMuls (`x @ I`, the activation, `@ I`, over the last axis), since every activation reads
a Linear layer's output and every model output is one; the identities add only their rounding.

    python3 scripts/onnx_node_tests.py --prove target/release/prove                 # every op below
    python3 scripts/onnx_node_tests.py --prove P --ops Gemm,Relu                      # some ops
    python3 scripts/onnx_node_tests.py --prove P --tests test_gemm_default_no_bias    # named tests
    python3 scripts/onnx_node_tests.py --prove P --markdown docs/onnx-node-tests.md   # write the table

Exits 1 when a test named with --require fails (the test suite's regression subset). Needs the
`onnx` and `numpy` Python packages (scripts/setup.sh installs them into ~/.cache/zkml/py-venv).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

# The operators of the issues that bring CNNs and transformers, plus today's.
DEFAULT_OPS = [
    # supported today
    "Gemm", "MatMul", "Relu", "Flatten", "Reshape",
    # CNNs
    "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
    "Add", "Sub", "Mul", "Div", "Concat", "Pad", "Transpose", "Clip", "LeakyRelu", "Sigmoid",
    "HardSigmoid", "HardSwish",
    # transformers
    "Softmax", "LayerNormalization", "Gather", "Where", "Split", "Slice", "Pow", "Sqrt", "ReduceMean",
    "ReduceSum", "Tanh", "Erf", "Gelu",
]


# Tests whose inputs are not float tensors (integer, string, boolean variants of an op): outside
# what a float model's prover takes, so they are counted apart from the pass rate.
SKIP_NOT_FLOAT = "no float tensor input"


def collect(ops: set[str] | None, names: set[str] | None):
    warnings.filterwarnings("ignore")
    from onnx.backend.test.case import node  # noqa: PLC0415 (slow import: generates every case)

    # A test of op X is a model of one X node; the `_expanded` variants (an op's function body
    # written out in other ops) test those other ops and are left out.
    cases = []
    for case in node.collect_testcases(None):
        nodes = case.model.graph.node
        if case.kind != "node" or not case.data_sets or len(nodes) != 1:
            continue
        op = nodes[0].op_type
        if (names is not None and case.name in names) or (names is None and ops is not None and op in ops):
            cases.append((op, case))
    return cases


# Element-wise activations, proven between two identity MatMuls (see the module docs).
WRAPPED = {"Relu", "Sigmoid", "Tanh", "Gelu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Erf", "Sqrt"}


def wrap_in_identities(graph, x_name: str, d: int) -> None:
    """Puts `@ I` (d x d) before the graph's one node (on input `x_name`) and after its output."""
    import numpy as np  # noqa: PLC0415
    from onnx import helper, numpy_helper  # noqa: PLC0415

    node = graph.node[0]
    out = node.output[0]
    graph.initializer.append(numpy_helper.from_array(np.eye(d, dtype=np.float32), "wrap_identity"))
    node.input[list(node.input).index(x_name)] = "wrap_in"
    node.output[0] = "wrap_out"
    before = helper.make_node("MatMul", [x_name, "wrap_identity"], ["wrap_in"], name="wrap_before")
    after = helper.make_node("MatMul", ["wrap_out", "wrap_identity"], [out], name="wrap_after")
    graph.node.insert(0, before)
    graph.node.append(after)


def as_model(case):
    """The test's model with its first float input kept and the other inputs as initializers
    (an element-wise activation between identity MatMuls)."""
    import numpy as np  # noqa: PLC0415
    from onnx import TensorProto, numpy_helper  # noqa: PLC0415

    model = case.model
    inputs, outputs = case.data_sets[0]
    graph = model.graph
    keep = None
    for i, vi in enumerate(graph.input):
        t = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        if t is not None and t.elem_type == TensorProto.FLOAT and keep is None:
            keep = i
    if keep is None:
        return None, None, None, SKIP_NOT_FLOAT
    x = np.asarray(inputs[keep], dtype=np.float32)
    new_inputs = []
    for i, vi in enumerate(graph.input):
        if i == keep:
            new_inputs.append(vi)
            continue
        if i >= len(inputs):
            return None, None, None, "an optional input without data"
        arr = inputs[i]
        if isinstance(arr, (np.generic, int, float)):
            arr = np.asarray(arr)
        if not isinstance(arr, np.ndarray):
            return None, None, None, f"a non-tensor input ({type(arr).__name__})"
        graph.initializer.append(numpy_helper.from_array(arr, vi.name))
    del graph.input[:]
    graph.input.extend(new_inputs)
    if graph.node[0].op_type in WRAPPED and x.ndim >= 1 and x.shape[-1] > 0:
        wrap_in_identities(graph, graph.input[0].name, int(x.shape[-1]))
    # Several outputs: the proof's output values are the graph's outputs in order, concatenated.
    expected = np.concatenate([np.asarray(o, dtype=np.float64).reshape(-1) for o in outputs])
    return model, x, expected, None


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def reason_of(err: str) -> str:
    """The prover's error line, without the file name, node names and the list of supported ops."""
    lines = [line.strip() for line in err.strip().splitlines() if line.strip()]
    line = next((x for x in lines if x.lower().startswith("error")), lines[0] if lines else "no message")
    line = re.sub(r"^error: (model\.onnx|\S+\.srs): ", "", line)
    line = re.sub(r" \(supported today:.*$", "", line)
    line = re.sub(r" ?\(node '[^']*'\)", "", line)
    line = re.sub(r"node '[^']*': ", "", line)
    line = re.sub(r"#\d+ \"[^\"]*\"", "#N", line)
    line = re.sub(r"\(\d+ inputs for \d+ columns\)", "(several rows)", line)
    line = re.sub(r"transpose Move\(\d+,\d+\) of \[[\d, ]*\]", "transpose", line)
    return line[:200]


def check(case, prove: str, srs: str, rtol: float, atol: float) -> dict:
    import numpy as np  # noqa: PLC0415
    import onnx  # noqa: PLC0415

    model, x, expected, skip = as_model(case)
    if skip:
        return {"result": "skip" if skip == SKIP_NOT_FLOAT else "fail", "stage": "convert", "reason": skip}
    with tempfile.TemporaryDirectory(prefix="onnx-node-") as d:
        onnx.save(model, os.path.join(d, "model.onnx"))
        with open(os.path.join(d, "input.json"), "w") as f:
            json.dump({"input_data": [x.reshape(-1).astype(float).tolist()]}, f)
        steps = [
            ("setup", [prove, "setup", "model.onnx", "--srs", srs, "-o", "keys", "--calibration", "input.json"]),
            ("prove", [prove, "prove", "--pk", "keys/model.pk", "--input", "input.json", "-o", "p.proof",
                       "--output", "out.json"]),
            ("verify", [prove, "verify", "--vk", "keys/model.vk", "--proof", "p.proof", "--output", "out.json"]),
        ]
        for stage, cmd in steps:
            rc, _, err = run(cmd, d)
            if rc != 0 and stage == "setup" and "needs an SRS with" in err:
                # Two or more table sections (a softmax's exponential and an identity) outgrow
                # the SRS at the default 14-bit tables: retry with 12-bit ones.
                rc, _, err = run(cmd + ["--table-bits", "12"], d)
            if rc != 0:
                return {"result": "fail", "stage": stage, "reason": reason_of(err)}
        with open(os.path.join(d, "out.json")) as f:
            got = np.concatenate([np.asarray(o, dtype=np.float64).reshape(-1) for o in json.load(f)["output_data"]])
    want = expected.astype(np.float64).reshape(-1)
    if got.shape != want.shape:
        return {"result": "fail", "stage": "compare", "reason": f"{got.size} outputs, expected {want.size}"}
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    tol = max(atol, rtol * float(np.max(np.abs(want))) if want.size else atol)
    if err > tol:
        return {"result": "fail", "stage": "compare", "reason": f"max abs error {err:.4g} > {tol:.4g}", "error": err}
    return {"result": "pass", "error": err}


def markdown(results, ops_order) -> str:
    by_op: dict[str, list] = {}
    for r in results:
        by_op.setdefault(r["op"], []).append(r)
    out = [
        "| op | tests | pass | rate | skipped (not float) | why the others fail (count × stage: reason) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    total = passed = 0
    for op in ops_order:
        rs = by_op.get(op, [])
        if not rs:
            continue
        counted = [r for r in rs if r["result"] != "skip"]
        p = sum(r["result"] == "pass" for r in counted)
        total += len(counted)
        passed += p
        reasons: dict[str, int] = {}
        for r in counted:
            if r["result"] != "pass":
                k = f"{r['stage']}: {r['reason']}".replace("|", "/")
                reasons[k] = reasons.get(k, 0) + 1
        why = "; ".join(f"{n} × {k}" for k, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
        rate = f"{100 * p // len(counted)}%" if counted else "–"
        out.append(f"| {op} | {len(counted)} | {p} | {rate} | {len(rs) - len(counted)} | {why} |")
    out.append(f"| **all** | {total} | {passed} | {100 * passed // max(total, 1)}% | | |")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prove", default="target/release/prove", help="the prover binary")
    ap.add_argument("--ops", help="comma-separated op types (default: the list in this script)")
    ap.add_argument("--tests", help="comma-separated test names (instead of --ops)")
    ap.add_argument("--require", help="comma-separated test names that must pass (exit 1 otherwise)")
    ap.add_argument("--srs", help="an SRS file (default: a 2^17 insecure one made here, seed 1)")
    ap.add_argument("--rtol", type=float, default=0.02)
    ap.add_argument("--atol", type=float, default=0.02)
    ap.add_argument("--markdown", help="write the per-op table to this file")
    ap.add_argument("--json", help="write every result (one object per test) to this file")
    args = ap.parse_args()

    prove = os.path.abspath(args.prove)
    ops = args.ops.split(",") if args.ops else DEFAULT_OPS
    names = set(args.tests.split(",")) if args.tests else None
    required = set(args.require.split(",")) if args.require else set()
    names = (names or set()) | required if (names is not None or required) else None
    t0 = time.time()
    cases = collect(None if names is not None else set(ops), names)
    print(f"[onnx-node-tests] {len(cases)} tests collected in {time.time() - t0:.1f} s", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="onnx-node-srs-") as tmp:
        srs = args.srs
        if srs is None:
            srs = os.path.join(tmp, "dev.srs")
            rc, _, err = run([prove, "srs", "new", "--log-size", "17", "--seed", "1", "-o", srs], tmp)
            if rc != 0:
                print(err, file=sys.stderr)
                return 2
        srs = os.path.abspath(srs)
        results = []
        for op, case in cases:
            t = time.time()
            r = check(case, prove, srs, args.rtol, args.atol)
            r.update({"op": op, "test": case.name, "seconds": round(time.time() - t, 2)})
            results.append(r)
            detail = f"max abs error {r['error']:.4g}" if r["result"] == "pass" else f"{r['stage']}: {r['reason']}"
            print(f"[onnx-node-tests] {r['result']:4} {case.name} ({op}): {detail}", file=sys.stderr)

    order = ops if names is None else sorted({r["op"] for r in results})
    table = markdown(results, order)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    if args.json:
        with open(args.json, "w") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
    missing = required - {r["test"] for r in results}
    failed = {r["test"] for r in results if r["result"] != "pass"} & required
    if missing or failed:
        print(f"[onnx-node-tests] required tests failing: {sorted(failed)}; missing: {sorted(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
