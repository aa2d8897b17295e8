//! Translation of tract's decluttered typed model into the IR.
//!
//! What tract produces for the ops the IR covers (tract 0.23, checked on `mnist_mlp.onnx`):
//! - ONNX `Gemm` / `MatMul` with a constant weight becomes an `EinSum` of the activation and a
//!   `Const`, e.g. `k,nk->n`, followed by a `TypedBinOp(Add)` with a constant bias. A `Flatten` in
//!   front of the first layer is folded into the weight (`mbak,nak->n` with a `128x28x28` weight).
//!   Such an `EinSum` becomes [`Op::Linear`] and the `Add` is folded into its bias.
//! - ONNX `Relu` becomes `TypedBinOp(Max)` with a constant 0: [`Op::Act`] with `Activation::Relu`.
//! - ONNX `Sigmoid` and `Tanh` become `ElementWiseOp`s with the mini-ops `nn::Sigmoid` and
//!   `math::Tanh`: `Activation::Sigmoid`, `Activation::Tanh`.
//! - The exact GELU, as PyTorch exports `nn.GELU()` with opset < 20 (`Mul(Mul(x, Add(Erf(Div(x,
//!   1.4142135)), 1)), 0.5)`) or as the ONNX `Gelu` op of opset 20 expands it: tract turns the
//!   `Div` into a `Mul` by `0.70710677` and fuses the chain into one `ElementWiseOp(GeluExact)`
//!   named after the `Erf` (`/5/Erf.gelu_exact`), which becomes `Activation::Gelu`. Chains tract leaves
//!   unfused (other operand orders, `0.5` applied to the `1 + erf` factor) are matched here, anchored
//!   on the `ElementWiseOp(Erf)` ([`find_gelu`]), when every intermediate feeds only the next step.
//!   `Gelu` with `approximate="tanh"` and GPT-2's `gelu_new` chain, which tract fuses into
//!   `GeluApproximate`, become `Activation::GeluTanh`; any other `Erf` stays unsupported.
//! - `Flatten`, `Reshape`, `Squeeze`, `Unsqueeze` become `AxisOp`s: [`Op::Reshape`] when they keep
//!   the row-major order of the elements.
//! - `Add` of two variable tensors of the same shape: [`Op::Add`]; `Mul` of two (other than the
//!   gated activations `x * Sigmoid(x)` and `x * HardSigmoid(x)`, fused above): [`Op::Mul`]; `Div`
//!   of two: [`Op::Div`].

use std::collections::{HashMap, HashSet};

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::{Pad, Slice, TypedConcat};
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::change_axes::AxisOp;
use tract_onnx::tract_core::ops::einsum::EinSum;
use tract_onnx::tract_core::ops::element_wise::ElementWiseOp;
use tract_onnx::tract_core::ops::nn::{GeluApproximate, Softmax};
use tract_onnx::tract_core::ops::source::TypedSource;
use zkml_verifier::model::activation::{Activation, Param};

use super::binary::const_power;
use super::constants::{broadcast, diagonal};
use super::einsum::{einsum_as_linear, einsum_as_map, einsum_of_two};
use super::fused::{activation, find_gelu, find_gelu_tanh, find_hard_sigmoid, uniform};
use super::names::{onnx_names, onnx_node};
use super::softmax::additive_mask;
use super::{cnn, select};
use crate::ir::{Graph, Matrix, Node as IrNode, Op, TensorId, TensorInfo};

/// What a tract outlet is in the IR.
#[derive(Clone)]
pub(super) enum Value {
    Tensor(TensorId),
    Const(Arc<Tensor>),
    /// A tensor plus an additive mask (`softmax.rs`, [`additive_mask`]): the cells marked `true`
    /// are `-inf`. Only a softmax may read it.
    Masked(TensorId, Arc<Vec<bool>>),
    /// Token ids (the integer model input, or a reshape of it; `tokens.rs`).
    Ids,
    /// Produced by an unsupported node (already reported).
    Unknown,
}

/// The graph, or every unsupported `(node name, op name)`. Outer errors are tract failures.
pub(super) fn translate(
    model: &TypedModel,
    onnx_ops: &HashMap<String, String>,
) -> TractResult<Result<Graph, Vec<(String, String)>>> {
    let mut t = Translator {
        model,
        onnx_ops,
        graph: Graph::default(),
        values: HashMap::new(),
        unsupported: Vec::new(),
        names: HashSet::new(),
        chains: HashMap::new(),
        fused: HashSet::new(),
        ids: None,
    };
    for node in model.nodes() {
        if let Some(m) = find_gelu(model, node)?.or(find_gelu_tanh(model, node)?).or(find_hard_sigmoid(model, node)?) {
            // Chains never overlap: no node of this one is already in another, and its input is
            // not the inside of another (the output of another is fine).
            let taken = |id: usize| t.fused.contains(&id) || t.chains.contains_key(&id);
            if m.interior.iter().chain([&m.last]).any(|&id| taken(id)) || t.fused.contains(&m.x.node) {
                continue;
            }
            t.fused.extend(m.interior);
            t.chains.insert(m.last, (m.x, node.name.clone(), m.act));
        }
    }
    for &outlet in model.input_outlets()? {
        let node = model.node(outlet.node);
        let fact = model.outlet_fact(outlet)?;
        if [i64::datum_type(), i32::datum_type()].contains(&fact.datum_type) && t.ids.is_none() {
            t.ids = Some((node.name.clone(), t.shape(outlet)?));
            t.values.insert(outlet, Value::Ids);
        } else if fact.datum_type != f32::datum_type() {
            t.unsupported.push((node.name.clone(), format!("input of type {:?}", fact.datum_type)));
            t.values.insert(outlet, Value::Unknown);
        } else {
            let id = t.new_tensor(outlet)?;
            t.graph.inputs.push(id);
            t.values.insert(outlet, Value::Tensor(id));
        }
    }
    for id in model.eval_order()? {
        let node = model.node(id);
        if node.op_as::<TypedSource>().is_some() {
            continue;
        }
        if let Some(reason) = t.node(id)? {
            t.unsupported.push((node.name.clone(), reason));
        }
    }
    for &outlet in model.output_outlets()? {
        match t.values.get(&outlet).cloned() {
            Some(Value::Tensor(id)) => t.graph.outputs.push(id),
            Some(Value::Const(_) | Value::Masked(..)) => {
                t.unsupported.push((model.node(outlet.node).name.clone(), "constant or masked model output".into()))
            }
            _ => {}
        }
    }
    if t.ids.is_some() && t.graph.tokens.is_none() {
        t.unsupported.push((t.ids.clone().unwrap_or_default().0, "integer input read by no embedding Gather".into()));
    }
    if t.unsupported.is_empty() {
        Ok(Ok(t.graph))
    } else {
        Ok(Err(onnx_names(t.unsupported, onnx_ops)))
    }
}

pub(super) struct Translator<'a> {
    model: &'a TypedModel,
    onnx_ops: &'a HashMap<String, String>,
    /// Tensor names given so far (kept unique).
    names: HashSet<String>,
    pub(super) graph: Graph,
    pub(super) values: HashMap<OutletId, Value>,
    unsupported: Vec<(String, String)>,
    /// Activations left as chains (`fused.rs`), by their last node: `x`, the name of the
    /// chain's anchor (the `Erf`, the first node of a HardSigmoid) and the activation.
    chains: HashMap<usize, (OutletId, String, Activation)>,
    /// The other nodes of those chains, which only feed the chain.
    fused: HashSet<usize>,
    /// The token-id input's name and shape (`tokens.rs`).
    pub(super) ids: Option<(String, Vec<usize>)>,
}

impl Translator<'_> {
    /// Name of an IR node: the ONNX node its tract node comes from, else tract's name.
    fn node_name(&self, tract_name: &str) -> String {
        onnx_node(tract_name, self.onnx_ops).map_or_else(|| tract_name.to_string(), |(n, _)| n)
    }

    /// Name of the tensor an outlet becomes: its label (ONNX graph output names), else the name of
    /// the ONNX node producing it; tract's own (unique) name when that is taken already.
    fn outlet_name(&mut self, outlet: OutletId) -> String {
        let node = self.model.node(outlet.node);
        let raw = if node.outputs.len() == 1 { node.name.clone() } else { format!("{}:{}", node.name, outlet.slot) };
        let name = match self.model.outlet_label(outlet) {
            Some(label) => label.to_string(),
            None if node.outputs.len() == 1 => self.node_name(&node.name),
            None => raw.clone(),
        };
        let name = if self.names.contains(&name) { raw } else { name };
        self.names.insert(name.clone());
        name
    }

    pub(super) fn shape(&self, outlet: OutletId) -> TractResult<Vec<usize>> {
        let fact = self.model.outlet_fact(outlet)?;
        match fact.shape.as_concrete() {
            Some(s) => Ok(s.to_vec()),
            None => Err(TractError::msg(format!(
                "node '{}': shape {:?} is not static",
                self.model.node(outlet.node).name,
                fact.shape
            ))),
        }
    }

    pub(super) fn new_tensor(&mut self, outlet: OutletId) -> TractResult<TensorId> {
        let shape = self.shape(outlet)?;
        let name = self.outlet_name(outlet);
        self.graph.tensors.push(TensorInfo { name, shape });
        Ok(self.graph.tensors.len() - 1)
    }

    /// Is this outlet read by exactly one node and not a model output?
    pub(super) fn single_use(&self, outlet: OutletId) -> TractResult<bool> {
        let succ = &self.model.node(outlet.node).outputs[outlet.slot].successors;
        Ok(succ.len() == 1 && !self.model.output_outlets()?.contains(&outlet))
    }

    /// Translates one node; `Some(op name)` when it is not supported.
    fn node(&mut self, id: usize) -> TractResult<Option<String>> {
        let node = self.model.node(id);
        let out = OutletId::new(id, 0);
        if self.fused.contains(&id) {
            return Ok(None);
        }
        if let Some((x, anchor, act)) = self.chains.get(&id).cloned() {
            return match self.values.get(&x).cloned() {
                Some(Value::Tensor(x)) => {
                    let t = self.new_tensor(out)?;
                    self.push(anchor, Op::Act(act), vec![x], t);
                    self.values.insert(out, Value::Tensor(t));
                    Ok(None)
                }
                // Downstream of an unsupported node: already reported.
                _ => {
                    self.values.insert(out, Value::Unknown);
                    Ok(None)
                }
            };
        }
        if node.outputs.len() == 1 {
            if let Some(k) = &node.outputs[0].fact.konst {
                self.values.insert(out, Value::Const(k.clone()));
                return Ok(None);
            }
        }
        let inputs: Vec<Value> =
            node.inputs.iter().map(|o| self.values.get(o).cloned().unwrap_or(Value::Unknown)).collect();
        if inputs.iter().any(|v| matches!(v, Value::Unknown)) {
            // Downstream of an unsupported node: nothing to build, but report the op when it could
            // never be supported, so that one error lists them all.
            for slot in 0..node.outputs.len() {
                self.values.insert(OutletId::new(id, slot), Value::Unknown);
            }
            let maybe = node.op_as::<EinSum>().is_some_and(|e| e.q_params.is_none())
                || select::is_move(node)
                || cnn::maybe_linear(node)
                || node
                    .op_as::<TypedBinOp>()
                    .is_some_and(|b| matches!(b.0.name(), "Add" | "Sub" | "Mul" | "Div" | "Max" | "Min"))
                || node.op_as::<ElementWiseOp>().is_some_and(|e| activation(e).is_some());
            return Ok((!maybe).then(|| node.op.name().to_string()));
        }
        if inputs.iter().any(|v| matches!(v, Value::Ids)) {
            return Ok(self.push_token_node(node, &inputs)?.err());
        }
        let unsupported = |this: &mut Self, reason: String| {
            for slot in 0..node.outputs.len() {
                this.values.insert(OutletId::new(id, slot), Value::Unknown);
            }
            Ok(Some(reason))
        };
        if node.outputs.len() != 1 {
            return unsupported(self, format!("{} ({} outputs)", node.op.name(), node.outputs.len()));
        }
        if node.outputs[0].fact.datum_type != f32::datum_type() {
            return unsupported(
                self,
                format!("{} (output of type {:?})", node.op.name(), node.outputs[0].fact.datum_type),
            );
        }
        let out_shape = self.shape(out)?;

        if let Some(einsum) = node.op_as::<EinSum>() {
            let (x, w, x_slot) = match (&inputs[..], einsum.q_params) {
                ([Value::Tensor(x), Value::Const(w)], None) => (*x, w.clone(), 0),
                ([Value::Const(w), Value::Tensor(x)], None) => (*x, w.clone(), 1),
                ([Value::Tensor(a), Value::Tensor(b)], None) => {
                    let (a, b) = (*a, *b);
                    return match self.push_einsum_of_two(node, einsum, [a, b], &out_shape) {
                        Ok(()) => Ok(None),
                        Err(reason) => unsupported(self, format!("EinSum({}): {reason}", einsum.axes)),
                    };
                }
                _ => return unsupported(self, format!("EinSum({}) with quantisation parameters", einsum.axes)),
            };
            let x_shape = self.graph.tensors[x].shape.clone();
            // A matrix product on leading row axes keeps the compact weight (several rows share
            // it); any other product with a constant (a 1x1 convolution's `NIHW,OI->OHW`) is one
            // row's linear map.
            let linear = match einsum_as_linear(einsum, x_slot, &x_shape, &w, &out_shape)? {
                Err(_) => einsum_as_map(einsum, x_slot, &x_shape, &w, &out_shape)?,
                ok => ok,
            };
            return match linear {
                Ok(weight) => {
                    let t = self.new_tensor(out)?;
                    self.push(node.name.clone(), Op::Linear { weight, bias: None }, vec![x], t);
                    self.values.insert(out, Value::Tensor(t));
                    Ok(None)
                }
                Err(reason) => unsupported(self, format!("EinSum({}): {reason}", einsum.axes)),
            };
        }

        // A normalisation or a softmax: lowered to several blocks (`norm.rs`, `softmax.rs`).
        let (single, mask) = match &inputs[..] {
            [Value::Tensor(x)] => (Some(*x), None),
            [Value::Masked(x, mask)] => (Some(*x), Some(mask.clone())),
            _ => (None, None),
        };
        if inputs.iter().any(|v| matches!(v, Value::Masked(..))) && !(single.is_some() && node.op_is::<Softmax>()) {
            return unsupported(
                self,
                format!("{} of a masked tensor (only a Softmax may read a -inf mask)", node.op.name()),
            );
        }
        if let Some(x) = single {
            if let Some(lowered) = self.push_normalisation(node, x, mask.as_deref().map(|m| m.as_slice()))? {
                return match lowered {
                    Ok(y) => {
                        self.values.insert(out, Value::Tensor(y));
                        Ok(None)
                    }
                    Err(reason) => unsupported(self, format!("{} ({reason})", node.op.name())),
                };
            }
        }

        if let [Value::Tensor(x)] = inputs[..] {
            let x_shape = self.graph.tensors[x].shape.clone();
            let signed = !self.graph.non_negative(x);
            if let Some(layers) = cnn::lower_max_pool(node, &x_shape, &out_shape, signed) {
                // Read by several nodes, or by a node and as a model output: it must be a layer's
                // output (behind a ReLU). Read once, or only a model output, it need not.
                let readers =
                    node.outputs[0].successors.len() + usize::from(self.model.output_outlets()?.contains(&out));
                let shared = readers > 1;
                let layers = layers.and_then(|l| match signed && shared {
                    true => Err("of values that may be negative, feeding several nodes".to_string()),
                    false => Ok(l),
                });
                return match layers {
                    Ok(layers) => {
                        let last = self.push_max_pool(node, out, x, layers, shared)?;
                        self.values.insert(out, Value::Tensor(last));
                        Ok(None)
                    }
                    Err(reason) => unsupported(self, format!("{} ({reason})", node.op.name())),
                };
            }
        }

        if let [Value::Tensor(x), rest @ ..] = &inputs[..] {
            let consts: Option<Vec<Arc<Tensor>>> =
                rest.iter().map(|v| if let Value::Const(c) = v { Some(c.clone()) } else { None }).collect();
            let x = *x;
            let x_shape = self.graph.tensors[x].shape.clone();
            if let Some(lowered) = consts.map(|c| cnn::lower(node, &x_shape, &c, &out_shape)).transpose()?.flatten() {
                return match lowered {
                    Ok((weight, bias)) => {
                        let t = self.new_tensor(out)?;
                        self.push(node.name.clone(), Op::Linear { weight, bias }, vec![x], t);
                        self.values.insert(out, Value::Tensor(t));
                        Ok(None)
                    }
                    Err(reason) => unsupported(self, format!("{} ({reason})", node.op.name())),
                };
            }
            // A convolution whose bias is a tensor: tract fuses a residual `conv(x) + y` so. The
            // convolution, then an Add of the tensor (of the output's size).
            if let [Value::Const(kernel), Value::Tensor(y)] = rest {
                let y = *y;
                let out_len: usize = out_shape.iter().product();
                if let Some(lowered) = cnn::lower(node, &x_shape, std::slice::from_ref(kernel), &out_shape)? {
                    return match lowered {
                        Ok(_) if self.graph.tensors[y].len() != out_len => {
                            unsupported(self, format!("{} (a broadcast tensor bias)", node.op.name()))
                        }
                        Ok((weight, _)) => {
                            let shape = out_shape.clone();
                            let conv = self.scratch(&node.name, "conv", shape.clone());
                            self.push(node.name.clone(), Op::Linear { weight, bias: None }, vec![x], conv);
                            let y = if self.graph.tensors[y].shape == shape {
                                y
                            } else {
                                let r = self.scratch(&node.name, "bias", shape.clone());
                                self.push(node.name.clone(), Op::Reshape { shape }, vec![y], r);
                                r
                            };
                            let t = self.new_tensor(out)?;
                            self.push(node.name.clone(), Op::Add, vec![conv, y], t);
                            self.values.insert(out, Value::Tensor(t));
                            Ok(None)
                        }
                        Err(reason) => unsupported(self, format!("{} ({reason})", node.op.name())),
                    };
                }
            }
        }

        if let Some(bin) = node.op_as::<TypedBinOp>() {
            let name = bin.0.name().to_string();
            return match (name.as_str(), &inputs[..]) {
                ("Pow", [Value::Tensor(x), Value::Const(c)]) => {
                    let x = *x;
                    let k = c.cast_to::<f32>()?.to_plain_array_view::<f32>()?.iter().copied().collect::<Vec<_>>();
                    let k = match k.as_slice() {
                        [k] if *k == 2.0 || *k == 3.0 => *k as u32,
                        _ => return unsupported(self, format!("Pow by {k:?} (2 or 3 are proven)")),
                    };
                    match self.push_power(node, x, k)? {
                        Ok(t) => {
                            self.values.insert(out, Value::Tensor(t));
                            Ok(None)
                        }
                        Err(reason) => unsupported(self, format!("Pow ({reason})")),
                    }
                }
                (
                    "Add" | "Sub" | "Mul" | "Div",
                    [Value::Tensor(x), Value::Const(c)] | [Value::Const(c), Value::Tensor(x)],
                ) => {
                    // A per-output affine constant after a Linear (its bias, a BatchNormalization's
                    // slope and intercept, a scaling): folded into the Linear's weights and bias.
                    // Anywhere else (an input's normalisation, a scaling between activations)
                    // it is a diagonal Linear, which `ir::compose` merges into a neighbouring
                    // Linear when it can.
                    if let Some(mask) = (name == "Add").then(|| additive_mask(c, &out_shape)).flatten() {
                        let mask = mask.and_then(|m| match self.graph.tensors[*x].shape == out_shape {
                            true => Ok(Value::Masked(*x, Arc::new(m))),
                            false => Err("broadcasting the tensor".into()),
                        });
                        return match mask {
                            Ok(masked) => {
                                self.values.insert(out, masked);
                                Ok(None)
                            }
                            Err(reason) => unsupported(self, format!("Add of a -inf mask ({reason})")),
                        };
                    }
                    let x_first = matches!(inputs[0], Value::Tensor(_));
                    if !x_first && name == "Div" {
                        return unsupported(self, format!("{name} (of a constant by a tensor)"));
                    }
                    let x_outlet = node.inputs[if x_first { 0 } else { 1 }];
                    let folded = match x_first || name != "Sub" {
                        true => self.fold_affine(*x, x_outlet, &name, c, &out_shape)?,
                        false => Err(String::new()),
                    };
                    if folded.is_ok() {
                        // The Linear now produces this node's value: take its name and shape.
                        self.rename(*x, out)?;
                        return Ok(None);
                    }
                    let x = *x;
                    match diagonal(&name, x_first, c, &self.graph.tensors[x].shape, &out_shape)? {
                        Ok((weight, bias)) => {
                            let t = self.new_tensor(out)?;
                            self.push(node.name.clone(), Op::Linear { weight, bias: Some(bias) }, vec![x], t);
                            self.values.insert(out, Value::Tensor(t));
                            Ok(None)
                        }
                        Err(reason) => unsupported(self, format!("{name} with a constant ({reason})")),
                    }
                }
                ("Max" | "Min", [Value::Tensor(x), Value::Const(c)] | [Value::Const(c), Value::Tensor(x)]) => {
                    // A bound: Max(x, 0) is a ReLU; other bounds are (half of) a Clip, merged
                    // with the ReLU or Clip producing `x` when `x` is used only here.
                    let x_outlet = node.inputs[if matches!(inputs[0], Value::Tensor(_)) { 0 } else { 1 }];
                    let Some(c) = uniform(c) else {
                        return unsupported(self, format!("{name} with a constant that is not one value"));
                    };
                    if c.abs() > Activation::MAX_PARAM {
                        return unsupported(self, format!("{name} with a bound beyond ±2^20"));
                    }
                    if self.graph.tensors[*x].shape != out_shape {
                        return unsupported(self, format!("{name} (broadcasting)"));
                    }
                    let x = *x;
                    let (lo, hi) = if name == "Max" { (Some(c), None) } else { (None, Some(c)) };
                    match self.merge_clip(x, x_outlet, lo, hi)? {
                        Some(Ok(())) => {
                            self.rename(x, out)?;
                            return Ok(None);
                        }
                        Some(Err(reason)) => return unsupported(self, reason),
                        None => {}
                    }
                    let act = match (lo, hi) {
                        (Some(0.0), _) => Activation::Relu,
                        // An open side at ±2^20: beyond every activation input (|x| < 2^(B-s)).
                        _ => Activation::Clip {
                            lo: Param::new(lo.unwrap_or(-Activation::MAX_PARAM)),
                            hi: Param::new(hi.unwrap_or(Activation::MAX_PARAM)),
                        },
                    };
                    let t = self.new_tensor(out)?;
                    self.push(node.name.clone(), Op::Act(act), vec![x], t);
                    self.values.insert(out, Value::Tensor(t));
                    Ok(None)
                }
                ("Add" | "Sub" | "Mul" | "Div", [Value::Tensor(a), Value::Tensor(b)]) => {
                    let (a, b) = (*a, *b);
                    if name == "Mul" {
                        for (x, h, h_outlet) in [(a, b, node.inputs[1]), (b, a, node.inputs[0])] {
                            if self.fuse_gated(x, h, h_outlet, out)? {
                                return Ok(None);
                            }
                        }
                    }
                    match self.push_binary_of_two(node, &name, [a, b], &out_shape)? {
                        Ok(t) => {
                            self.values.insert(out, Value::Tensor(t));
                            Ok(None)
                        }
                        Err(reason) => unsupported(self, format!("{name} of two tensors ({reason})")),
                    }
                }
                _ => unsupported(self, name),
            };
        }

        if let (Some(ew), [Value::Tensor(x)]) = (node.op_as::<ElementWiseOp>(), &inputs[..]) {
            // `Square`, and `Pow` by a constant as tract keeps it when the exponent is known.
            if let Some(k) = const_power(ew) {
                if k != 2.0 && k != 3.0 {
                    return unsupported(self, format!("Pow by {k} (2 or 3 are proven)"));
                }
                let x = *x;
                return match self.push_power(node, x, k as u32)? {
                    Ok(t) => {
                        self.values.insert(out, Value::Tensor(t));
                        Ok(None)
                    }
                    Err(reason) => unsupported(self, format!("Pow ({reason})")),
                };
            }
        }
        if let Some(ew) = node.op_as::<ElementWiseOp>() {
            let Some(op) = activation(ew) else {
                return unsupported(
                    self,
                    if ew.0.is::<GeluApproximate>() {
                        "GeluApproximate with x^2 (tract's fast form; the x^3 one is proven)".into()
                    } else {
                        node.op.name().to_string()
                    },
                );
            };
            let [Value::Tensor(x)] = inputs[..] else { return unsupported(self, node.op.name().to_string()) };
            if self.graph.tensors[x].shape != out_shape {
                return unsupported(self, format!("{} changing the shape", node.op.name()));
            }
            let t = self.new_tensor(out)?;
            self.push(node.name.clone(), op, vec![x], t);
            self.values.insert(out, Value::Tensor(t));
            return Ok(None);
        }

        if let Some(axis_op) = node.op_as::<AxisOp>() {
            let Value::Tensor(x) = inputs[0] else { return unsupported(self, format!("{axis_op:?}")) };
            let in_shape = self.graph.tensors[x].shape.clone();
            let op = match axis_op {
                AxisOp::Add(_) | AxisOp::Rm(_) | AxisOp::Reshape(..) => Ok(Op::Reshape { shape: out_shape.clone() }),
                AxisOp::Move(from, to) if *from.max(to) >= in_shape.len() => Err("an axis out of range".into()),
                AxisOp::Move(from, to) => {
                    let (lo, hi) = if from < to { (*from, *to) } else { (*to, *from) };
                    match in_shape[*from] == 1 || (lo..=hi).filter(|a| a != from).all(|a| in_shape[a] == 1) {
                        true => Ok(Op::Reshape { shape: out_shape.clone() }),
                        false => select::transpose(*from, *to, &in_shape, &out_shape)
                            .map(|weight| Op::Linear { weight, bias: None }),
                    }
                }
            };
            return match op {
                Ok(op) => self.push_value(node, out, op, vec![x]),
                Err(reason) => unsupported(self, format!("transpose {axis_op:?} of {in_shape:?} ({reason})")),
            };
        }

        // Padding, slices and concatenations: Linear maps that select (`select.rs`); a
        // concatenation is the sum of its parts' placements, constant parts in the first's bias.
        if let [Value::Tensor(x)] = inputs[..] {
            let in_shape = self.graph.tensors[x].shape.clone();
            let moved = match (node.op_as::<Pad>(), node.op_as::<Slice>()) {
                (Some(p), _) => Some(select::pad(p, &in_shape, &out_shape)),
                (_, Some(s)) => Some(select::slice(s, &in_shape, &out_shape).map(|w| (w, None))),
                _ => None,
            };
            if let Some(moved) = moved {
                return match moved {
                    Ok((weight, bias)) => self.push_value(node, out, Op::Linear { weight, bias }, vec![x]),
                    Err(reason) => unsupported(self, format!("{} ({reason})", node.op.name())),
                };
            }
        }
        if let Some(op) = node.op_as::<TypedConcat>() {
            return match self.push_concat(node, op, &inputs, &out_shape)? {
                Ok(t) => {
                    self.values.insert(out, Value::Tensor(t));
                    Ok(None)
                }
                Err(reason) => unsupported(self, format!("Concat ({reason})")),
            };
        }

        unsupported(self, node.op.name().to_string())
    }

    /// Pushes `op` on `inputs` as the node writing `out` (a tensor of its own).
    fn push_value(
        &mut self,
        node: &TypedNode,
        out: OutletId,
        op: Op,
        inputs: Vec<TensorId>,
    ) -> TractResult<Option<String>> {
        let t = self.new_tensor(out)?;
        self.push(node.name.clone(), op, inputs, t);
        self.values.insert(out, Value::Tensor(t));
        Ok(None)
    }

    /// A new IR tensor of the node `node`, named after it and `what`.
    /// Pushes an einsum of two variables (`einsum::einsum_of_two`): each operand spread over the
    /// product space by a selection, their element-wise product, and the sum of each output's
    /// terms, which writes the node's output.
    fn push_einsum_of_two(
        &mut self,
        node: &TypedNode,
        op: &EinSum,
        [a, b]: [TensorId; 2],
        out_shape: &[usize],
    ) -> Result<(), String> {
        let (a_shape, b_shape) = (self.graph.tensors[a].shape.clone(), self.graph.tensors[b].shape.clone());
        let [spread_a, spread_b, sum] = einsum_of_two(op, &a_shape, &b_shape, out_shape)?;
        let space = vec![sum.cols()];
        let (xa, xb) =
            (self.scratch(&node.name, "spread_a", space.clone()), self.scratch(&node.name, "spread_b", space.clone()));
        self.push(node.name.clone(), Op::Linear { weight: spread_a, bias: None }, vec![a], xa);
        self.push(node.name.clone(), Op::Linear { weight: spread_b, bias: None }, vec![b], xb);
        let terms = self.scratch(&node.name, "terms", space);
        self.push(node.name.clone(), Op::Mul, vec![xa, xb], terms);
        let out = OutletId::new(node.id, 0);
        let t = self.new_tensor(out).map_err(|e| e.to_string())?;
        self.push(node.name.clone(), Op::Linear { weight: sum, bias: None }, vec![terms], t);
        self.values.insert(out, Value::Tensor(t));
        Ok(())
    }

    pub(super) fn scratch(&mut self, node: &str, what: &str, shape: Vec<usize>) -> TensorId {
        self.graph.tensors.push(TensorInfo { name: format!("{node}.{what}"), shape });
        self.graph.tensors.len() - 1
    }

    /// Pushes a max pooling's layers (`cnn::lower_max_pool`): each but the last a Linear and a
    /// ReLU on tensors of its own; the last a Linear writing `out`, followed by a ReLU (the
    /// identity on non-negative maxima) when `out` is `shared` by several nodes, so that it is a
    /// layer's output; alone otherwise, for `ir::compose` to merge into the Linear after it.
    /// Returns the tensor holding `out`.
    fn push_max_pool(
        &mut self,
        node: &TypedNode,
        out: OutletId,
        x: TensorId,
        layers: Vec<Matrix>,
        shared: bool,
    ) -> TractResult<TensorId> {
        let count = layers.len();
        let mut src = x;
        for (k, weight) in layers.into_iter().enumerate() {
            let last = k + 1 == count;
            let rows = weight.rows();
            let linear = if last && !shared {
                self.new_tensor(out)?
            } else {
                // The last layer's values keep the pooled shape (its ReLU writes `out`).
                let shape = if last { self.shape(out)? } else { vec![rows] };
                self.graph.tensors.push(TensorInfo { name: format!("{}.max{k}", node.name), shape });
                self.graph.tensors.len() - 1
            };
            self.push(node.name.clone(), Op::Linear { weight, bias: None }, vec![src], linear);
            src = if last && !shared {
                linear
            } else {
                let relu = if last {
                    self.new_tensor(out)?
                } else {
                    self.graph
                        .tensors
                        .push(TensorInfo { name: format!("{}.max{k}.relu", node.name), shape: vec![rows] });
                    self.graph.tensors.len() - 1
                };
                self.push(node.name.clone(), Op::Act(Activation::Relu), vec![linear], relu);
                relu
            };
        }
        Ok(src)
    }

    /// Narrows the ReLU or Clip producing `x` to `[lo, hi]` when `x` is used only by this bound:
    /// `Min(Relu(x), 6)` is one `Clip(0, 6)`. `None` when it does not apply (a new node is
    /// needed); `Some(Err)` when the bounds cross.
    fn merge_clip(
        &mut self,
        x: TensorId,
        x_outlet: OutletId,
        lo: Option<f32>,
        hi: Option<f32>,
    ) -> TractResult<Option<Result<(), String>>> {
        if !self.single_use(x_outlet)? {
            return Ok(None);
        }
        let Some(node) = self.graph.nodes.iter_mut().rev().find(|n| n.output == x) else { return Ok(None) };
        let (old_lo, old_hi) = match node.op {
            Op::Act(Activation::Relu) => (0.0, Activation::MAX_PARAM),
            Op::Act(Activation::Clip { lo, hi }) => (lo.get(), hi.get()),
            _ => return Ok(None),
        };
        let (new_lo, new_hi) = (lo.map_or(old_lo, |l| l.max(old_lo)), hi.map_or(old_hi, |h| h.min(old_hi)));
        if new_lo > new_hi {
            return Ok(Some(Err(format!("Clip with bounds {new_lo} > {new_hi} (a constant output)"))));
        }
        node.op = Op::Act(match (new_lo, new_hi) {
            // Still a ReLU (`Max(Relu(x), c <= 0)`, `Relu(Relu(x))`): keep its split.
            (0.0, Activation::MAX_PARAM) => Activation::Relu,
            _ => Activation::Clip { lo: Param::new(new_lo), hi: Param::new(new_hi) },
        });
        Ok(Some(Ok(())))
    }

    /// The IR tensor `x` now holds the value of tract's `out` (an op merged into the node that
    /// produces `x`): it takes `out`'s name and shape.
    pub(super) fn rename(&mut self, x: TensorId, out: OutletId) -> TractResult<()> {
        let shape = self.shape(out)?;
        let old = std::mem::take(&mut self.graph.tensors[x].name);
        self.names.remove(&old);
        let name = self.outlet_name(out);
        self.graph.tensors[x] = TensorInfo { name, shape };
        self.values.insert(out, Value::Tensor(x));
        Ok(())
    }

    pub(super) fn push(&mut self, tract_name: String, op: Op, inputs: Vec<TensorId>, output: TensorId) {
        let name = self.node_name(&tract_name);
        self.graph.nodes.push(IrNode { name, op, inputs, output });
    }

    /// Folds `x op c` (`op` one of Add, Sub, Mul, Div) into the Linear node producing `x`, when
    /// `x` is used only there and `c` is one value per output (the same on every row): `+ c` and
    /// `- c` go into the bias, `* c` and `/ c` scale each output's weight row and bias. Equal in
    /// the reals; the `f32` rounding differs from the model's two steps (each weight is scaled
    /// before the sum), far below the quantisation step. `Err(reason)` when it does not apply.
    fn fold_affine(
        &mut self,
        x: TensorId,
        x_outlet: OutletId,
        op: &str,
        c: &Tensor,
        out_shape: &[usize],
    ) -> TractResult<Result<(), String>> {
        if self.graph.tensors[x].len() != out_shape.iter().product::<usize>() {
            return Ok(Err("broadcast enlarges the tensor".into()));
        }
        if !self.single_use(x_outlet)? {
            return Ok(Err("operand used elsewhere".into()));
        }
        let Some(IrNode { op: Op::Linear { weight, bias }, .. }) =
            self.graph.nodes.iter_mut().rev().find(|n| n.output == x)
        else {
            return Ok(Err("not after a linear layer".into()));
        };
        let c = c.cast_to::<f32>()?;
        let Some(full) =
            broadcast(&c.to_plain_array_view::<f32>()?.iter().copied().collect::<Vec<_>>(), c.shape(), out_shape)
        else {
            return Ok(Err(format!("shape {:?} does not broadcast to {out_shape:?}", c.shape())));
        };
        let out = weight.rows();
        let v = full[..out].to_vec();
        if full.chunks_exact(out).any(|row| row != v.as_slice()) {
            return Ok(Err("not the same on every row".into()));
        }
        if v.iter().any(|x| !x.is_finite()) || (op == "Div" && v.contains(&0.0)) {
            return Ok(Err("not finite (or a division by zero)".into()));
        }
        // The new weight and bias, checked before the node changes. A scaling by a model constant
        // makes a structural weight the model's: hidden (`docs/zero-knowledge.md`).
        let mut b = bias.clone().unwrap_or_else(|| vec![0.0; out]);
        let mut w = if matches!(op, "Add" | "Sub") { weight.clone() } else { weight.clone().into_hidden() };
        match op {
            "Add" => b.iter_mut().zip(&v).for_each(|(b, c)| *b += c),
            "Sub" => b.iter_mut().zip(&v).for_each(|(b, c)| *b -= c),
            _ => {
                let scale: Vec<f32> = match op {
                    "Div" => v.iter().map(|c| 1.0 / c).collect(),
                    _ => v,
                };
                for (r, k) in scale.iter().enumerate() {
                    w.row_values_mut(r).iter_mut().for_each(|w| *w *= k);
                }
                b.iter_mut().zip(&scale).for_each(|(b, k)| *b *= k);
            }
        }
        if w.values().iter().chain(&b).any(|x| !x.is_finite()) {
            return Ok(Err("the folded weights or bias are not finite".into()));
        }
        *weight = w;
        *bias = Some(b);
        Ok(Ok(()))
    }
}
