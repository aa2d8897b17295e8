//! Activations that tract leaves as chains of element-wise nodes, matched before translation so
//! that each becomes one [`Op::Act`](crate::ir::Op::Act): the exact GELU's `Erf` expansion
//! ([`find_gelu`]) and ONNX `HardSigmoid`, which tract expands into `Mul`, `Add`, `Min`, `Max`
//! ([`find_hard_sigmoid`]).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::element_wise::ElementWiseOp;
use tract_onnx::tract_core::ops::math::{Erf, PowConst, Rsqrt, Sqrt, Tanh};
use tract_onnx::tract_core::ops::nn::{GeluApproximate, GeluExact, HardSwish, LeakyRelu, Sigmoid, Silu};
use zkml_verifier::model::activation::{Activation, Param};

use super::translate::Translator;
use crate::ir::{Op, TensorId};

/// An activation that tract left as a chain of nodes.
pub(super) struct Chain {
    /// What the chain computes.
    pub act: Activation,
    /// The chain's input.
    pub x: OutletId,
    /// The node producing the activation.
    pub last: usize,
    /// The other nodes of the chain, which feed only the chain.
    pub interior: Vec<usize>,
}

/// Matches the chain ending an `ElementWiseOp(Erf)` node `erf` as an exact GELU:
///
/// `s = x * (1/√2)` (or `x / √2`), `e = erf(s)`, `a = e + 1`, then one of
/// `(x * a) * 0.5`, `(x * 0.5) * a`, `(a * 0.5) * x` (either operand order of each binary op).
///
/// `s`, `e`, `a` and the inner product must each feed only the next step of the chain (and not be a
/// model output), every value must have `x`'s shape, and the constants must be uniform. `None`
/// when the chain differs in any way: its nodes are then translated (and rejected) one by one.
pub(super) fn find_gelu(model: &TypedModel, erf: &TypedNode) -> TractResult<Option<Chain>> {
    let is_erf = erf.op_as::<ElementWiseOp>().is_some_and(|e| e.0.is::<Erf>());
    if !is_erf || erf.inputs.len() != 1 || erf.outputs.len() != 1 {
        return Ok(None);
    }
    let w = Walk::new(model)?;
    let with_const = |n: &TypedNode, name: &str, want: f64| w.with_const(n, name, want);
    let sqrt2 = std::f64::consts::SQRT_2;

    let scale = model.node(erf.inputs[0].node);
    let Some(x) = with_const(scale, "Mul", 1.0 / sqrt2).or_else(|| with_const(scale, "Div", sqrt2)) else {
        return Ok(None);
    };
    let chain_next = |n: &TypedNode| w.chain_next(n);
    if chain_next(scale).map(|n| n.id) != Some(erf.id) {
        return Ok(None);
    }
    let Some(add) = chain_next(erf).filter(|a| with_const(a, "Add", 1.0) == Some(OutletId::new(erf.id, 0))) else {
        return Ok(None);
    };
    let Some((last, inner)) = half_x_times(&w, x, add) else { return Ok(None) };
    // No broadcast: every value of the chain has x's shape and type.
    if !w.same_shape(x, &[scale.id, erf.id, add.id, inner, last])? {
        return Ok(None);
    }
    Ok(Some(Chain { act: Activation::Gelu, x, last, interior: vec![scale.id, erf.id, add.id, inner] }))
}

/// Matches the tanh approximation of GELU as GPT-2's `gelu_new` exports it, anchored on its
/// `ElementWiseOp(Tanh)` node `tanh`:
///
/// `c = x³` (`Pow(x, 3)`), `k = c * 0.044715`, `u = x + k`, `v = u * √(2/π)`, `t = tanh(v)`,
/// `a = t + 1`, then `0.5 · x · a` in any of [`find_gelu`]'s three orders.
///
/// Every intermediate must feed only the next step, every value must have `x`'s shape and the
/// constants must be uniform; `None` otherwise.
pub(super) fn find_gelu_tanh(model: &TypedModel, tanh: &TypedNode) -> TractResult<Option<Chain>> {
    let is_tanh = tanh.op_as::<ElementWiseOp>().is_some_and(|e| e.0.is::<Tanh>());
    if !is_tanh || tanh.inputs.len() != 1 || tanh.outputs.len() != 1 {
        return Ok(None);
    }
    let w = Walk::new(model)?;
    let scale = model.node(tanh.inputs[0].node);
    let Some(u) = w.with_const(scale, "Mul", (2.0 / std::f64::consts::PI).sqrt()) else { return Ok(None) };
    let sum = model.node(u.node);
    let Some([p, q]) = Walk::bin(sum, "Add") else { return Ok(None) };
    // One operand of the sum is `x`, the other `x³ * 0.044715`.
    let cubic_of = |k: OutletId, x: OutletId| -> Option<usize> {
        let kn = model.node(k.node);
        let c = w.with_const(kn, "Mul", 0.044715)?;
        let cube = model.node(c.node);
        let is_cube = cube.inputs == [x]
            && cube
                .op_as::<ElementWiseOp>()
                .and_then(|e| e.0.downcast_ref::<PowConst>())
                .is_some_and(|p| p.exponent == 3.0);
        let is_pow = Walk::bin(cube, "Pow").is_some_and(|[b, e]| b == x && near(w.konst(e), 3.0));
        ((is_cube || is_pow) && w.chain_next(cube).map(|n| n.id) == Some(kn.id)).then_some(cube.id)
    };
    let (x, cube) = match (cubic_of(q, p), cubic_of(p, q)) {
        (Some(c), _) => (p, c),
        (None, Some(c)) => (q, c),
        _ => return Ok(None),
    };
    let k = model.node(if x == p { q.node } else { p.node });
    let steps = [(k, sum.id), (sum, scale.id), (scale, tanh.id)];
    if steps.iter().any(|(n, next)| w.chain_next(n).map(|m| m.id) != Some(*next)) {
        return Ok(None);
    }
    let t_out = OutletId::new(tanh.id, 0);
    let Some(add) = w.chain_next(tanh).filter(|a| w.with_const(a, "Add", 1.0) == Some(t_out)) else {
        return Ok(None);
    };
    let Some((last, inner)) = half_x_times(&w, x, add) else { return Ok(None) };
    let interior = vec![cube, k.id, sum.id, scale.id, tanh.id, add.id, inner];
    if !w.same_shape(x, &[&interior[..], &[last]].concat())? {
        return Ok(None);
    }
    Ok(Some(Chain { act: Activation::GeluTanh, x, last, interior }))
}

/// The end of a GELU chain after `a = f + 1` (node `add`): one of `(x * a) * 0.5`,
/// `(a * 0.5) * x`, `(x * 0.5) * a` (either operand order of each binary op). The last node and
/// the inner one (the first product, or `x * 0.5`).
fn half_x_times(w: &Walk<'_>, x: OutletId, add: &TypedNode) -> Option<(usize, usize)> {
    let model = w.model;
    let with_const = |n: &TypedNode, name: &str, want: f64| w.with_const(n, name, want);
    let bin = Walk::bin;
    let m1 = w.chain_next(add)?;
    let [p, q] = bin(m1, "Mul")?;
    let a_out = OutletId::new(add.id, 0);
    let other = if p == a_out { q } else { p };
    if other == x {
        // (x * a) * 0.5
        let m2 = w.chain_next(m1).filter(|m| with_const(m, "Mul", 0.5) == Some(OutletId::new(m1.id, 0)))?;
        Some((m2.id, m1.id))
    } else if near(w.konst(other), 0.5) {
        // (a * 0.5) * x
        let m1_out = OutletId::new(m1.id, 0);
        let m2 = w
            .chain_next(m1)
            .filter(|m| bin(m, "Mul").is_some_and(|[p, q]| (p, q) == (x, m1_out) || (q, p) == (x, m1_out)))?;
        Some((m2.id, m1.id))
    } else {
        // (x * 0.5) * a
        let half = model.node(other.node);
        (with_const(half, "Mul", 0.5) == Some(x) && w.chain_next(half).map(|n| n.id) == Some(m1.id))
            .then_some((m1.id, half.id))
    }
}

/// Steps along single-use chains of a typed model.
struct Walk<'m> {
    model: &'m TypedModel,
    outputs: Vec<OutletId>,
}

impl<'m> Walk<'m> {
    fn new(model: &'m TypedModel) -> TractResult<Self> {
        Ok(Walk { model, outputs: model.output_outlets()?.to_vec() })
    }

    /// The one node reading a node's output, when it is not a model output.
    fn next(&self, id: usize) -> Option<&'m TypedNode> {
        let n = self.model.node(id);
        let succ = &n.outputs.first()?.successors;
        (n.outputs.len() == 1 && succ.len() == 1 && !self.outputs.contains(&OutletId::new(id, 0)))
            .then(|| self.model.node(succ[0].node))
    }

    /// The two operands of a binary op named `name`.
    fn bin(n: &TypedNode, name: &str) -> Option<[OutletId; 2]> {
        let b = n.op_as::<TypedBinOp>()?;
        (b.0.name() == name && n.inputs.len() == 2 && n.outputs.len() == 1).then(|| [n.inputs[0], n.inputs[1]])
    }

    /// The single value of a uniform constant outlet.
    fn konst(&self, o: OutletId) -> Option<f32> {
        uniform(self.model.outlet_fact(o).ok()?.konst.as_ref()?)
    }

    /// `n = a op k` with `k` a constant near `want` (either order, but `Div` only as `a / k`):
    /// the variable operand.
    fn with_const(&self, n: &TypedNode, name: &str, want: f64) -> Option<OutletId> {
        self.with_any_const(n, name).filter(|&(_, k)| near(Some(k), want)).map(|(x, _)| x)
    }

    /// `n = a op k` with `k` any uniform constant: the variable operand and `k`.
    fn with_any_const(&self, n: &TypedNode, name: &str) -> Option<(OutletId, f32)> {
        let [p, q] = Walk::bin(n, name)?;
        match (self.konst(p), self.konst(q)) {
            (None, Some(k)) => Some((p, k)),
            (Some(k), None) if name != "Div" => Some((q, k)),
            _ => None,
        }
    }

    /// The next node of a chain: the one reader of `n`'s output.
    fn chain_next(&self, n: &TypedNode) -> Option<&'m TypedNode> {
        self.next(n.id).filter(|succ| succ.inputs.contains(&OutletId::new(n.id, 0)))
    }

    /// Whether every node's output has `x`'s shape and is `f32` (no broadcast along the chain).
    fn same_shape(&self, x: OutletId, ids: &[usize]) -> TractResult<bool> {
        let x_fact = self.model.outlet_fact(x)?;
        for &id in ids {
            let f = self.model.outlet_fact(OutletId::new(id, 0))?;
            if f.shape != x_fact.shape || f.datum_type != f32::datum_type() || x_fact.datum_type != f32::datum_type() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The single value of a constant (a scalar, or a tensor with every element equal), when finite.
pub(super) fn uniform(c: &Tensor) -> Option<f32> {
    let c = c.cast_to::<f32>().ok()?;
    let v = c.to_plain_array_view::<f32>().ok()?;
    let first = *v.iter().next()?;
    (first.is_finite() && v.iter().all(|&e| e == first)).then_some(first)
}

fn near(v: Option<f32>, want: f64) -> bool {
    v.is_some_and(|v| (v as f64 - want).abs() <= 1e-6 * want.abs())
}

/// Matches ONNX `HardSigmoid(alpha, beta)` as tract expands it, anchored on its first node:
/// `m = x * alpha`, `a = m + beta`, then `min(a, 1)` and `max(., 0)` in either order (either
/// operand order of each). `m`, `a` and the inner bound must feed only the next step, every value
/// must have `x`'s shape and the constants must be uniform and finite. `None` otherwise: the nodes
/// are then translated (and rejected) one by one.
pub(super) fn find_hard_sigmoid(model: &TypedModel, mul: &TypedNode) -> TractResult<Option<Chain>> {
    let w = Walk::new(model)?;
    let Some((x, alpha)) = w.with_any_const(mul, "Mul") else { return Ok(None) };
    let Some(add) = w.chain_next(mul) else { return Ok(None) };
    let Some((_, beta)) = w.with_any_const(add, "Add").filter(|&(a, _)| a == OutletId::new(mul.id, 0)) else {
        return Ok(None);
    };
    let Some(b1) = w.chain_next(add) else { return Ok(None) };
    let Some(b2) = w.chain_next(b1) else { return Ok(None) };
    // The bounds are exactly 0 and 1.
    let bound = |n: &TypedNode, name: &str, want: f32, from: usize| {
        w.with_any_const(n, name).is_some_and(|(o, k)| k == want && o == OutletId::new(from, 0))
    };
    let in_order = bound(b1, "Min", 1.0, add.id) && bound(b2, "Max", 0.0, b1.id);
    let reversed = bound(b1, "Max", 0.0, add.id) && bound(b2, "Min", 1.0, b1.id);
    let act = Activation::HardSigmoid { alpha: Param::new(alpha), beta: Param::new(beta) };
    if !(in_order || reversed) || !act.params_valid() || !w.same_shape(x, &[mul.id, add.id, b1.id, b2.id])? {
        return Ok(None);
    }
    Ok(Some(Chain { act, x, last: b2.id, interior: vec![mul.id, add.id, b1.id] }))
}

impl Translator<'_> {
    /// `x * g(x)` for a gate `g` that makes the product an activation of its own: `HardSigmoid`
    /// with `alpha = 1/6`, `beta = 1/2` gives HardSwish (how exporters without the op write
    /// `nn.Hardswish`). (tract fuses `x * Sigmoid(x)` into its own `Silu` itself.) When the IR
    /// node writing `h` is such a gate of `x` and `h` feeds only this product, it becomes that
    /// activation, writing `out`. Returns whether it did.
    pub(super) fn fuse_gated(
        &mut self,
        x: TensorId,
        h: TensorId,
        h_outlet: OutletId,
        out: OutletId,
    ) -> TractResult<bool> {
        if !self.single_use(h_outlet)? {
            return Ok(false);
        }
        let Some(node) = self.graph.nodes.iter_mut().rev().find(|n| n.output == h) else { return Ok(false) };
        let fused = match node.op {
            Op::Act(Activation::HardSigmoid { alpha, beta })
                if near(Some(alpha.get()), 1.0 / 6.0) && beta.get() == 0.5 =>
            {
                Activation::HardSwish
            }
            _ => return Ok(false),
        };
        if node.inputs != [x] {
            return Ok(false);
        }
        node.op = Op::Act(fused);
        self.rename(h, out)?;
        Ok(true)
    }
}

/// The IR op of an element-wise activation tract keeps as one node.
pub(super) fn activation(op: &ElementWiseOp) -> Option<Op> {
    let act = if op.0.is::<Sigmoid>() {
        Activation::Sigmoid
    } else if op.0.is::<Tanh>() {
        Activation::Tanh
    } else if op.0.is::<GeluExact>() {
        Activation::Gelu
    } else if op.0.is::<HardSwish>() {
        Activation::HardSwish
    } else if op.0.is::<Silu>() {
        Activation::Silu
    } else if op.0.downcast_ref::<GeluApproximate>().is_some_and(|g| !g.fast_impl) {
        Activation::GeluTanh
    } else if op.0.is::<Sqrt>() {
        Activation::Sqrt
    } else if op.0.is::<Rsqrt>() {
        Activation::Rsqrt
    } else if let Some(l) =
        op.0.downcast_ref::<LeakyRelu>().filter(|l| Activation::LeakyRelu { alpha: Param::new(l.alpha) }.params_valid())
    {
        Activation::LeakyRelu { alpha: Param::new(l.alpha) }
    } else {
        return None;
    };
    Some(Op::Act(act))
}
