//! Lowers a quantised graph to the layers the MLP protocol proves: fully connected layers and
//! element-wise products of two tensors, each followed by an activation (the closed set of
//! `Activation`) unless it is an output, reading the model input or any earlier layer's output
//! (fan-out), with an optional residual `Add` of the input or an earlier layer's output after the
//! rescaling; reshapes (flattens) are allowed anywhere (`docs/protocols/mlp.md`, "Statement").

use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::{Block, Weights};
use zkml_verifier::model::key::Source;
use zkml_verifier::model::key::MAX_SIDE;

use crate::error::ProverError;
use crate::ir::{Op, Sparse};
use crate::quant::QuantizedModel;

/// One proven layer: `z = W a + b` (or `z = a * operand + b` element-wise for a product),
/// `q = round(z / 2^s)`, `t = q + skip`, then an activation unless it is an output layer (which
/// publishes `t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Name of the Linear node, for messages.
    pub name: String,
    pub rows: usize,
    pub cols: usize,
    /// `rows x cols`, scale `2^s` (only the listed entries: a convolution's rows hold its kernel;
    /// none for a product); with `batch > 1`, the `rows / batch x cols / batch` matrix every input
    /// row shares (the layer's weight is its block-diagonal repetition, [`Layer::row`]).
    pub weight: Sparse<i64>,
    /// The input rows sharing `weight` (`LayerKey::batch`; 1: one weight row per output).
    pub batch: usize,
    /// Length `rows`, scale `2^(2s)` (zeros when the node has no bias).
    pub bias: Vec<i64>,
    /// What follows the rescaling ([`Activation::None`] on the output layers).
    pub act: Activation,
    /// Where the layer reads its input, and the residual added after its rescaling.
    pub input: Source,
    pub skip: Option<Source>,
    /// A product's second operand, or a division's divisor when `divide` (`LayerKey::operand`,
    /// `LayerKey::divide`); `None` for a Linear layer.
    pub operand: Option<Source>,
    pub divide: bool,
}

impl Layer {
    /// Row `k` of the layer's weight as `(column, value)`: with shared weights, row `k mod r` of
    /// `weight` moved to the `(k / r)`-th input row's columns (`r x c` the shared matrix).
    pub fn row(&self, k: usize) -> impl Iterator<Item = (usize, i64)> + '_ {
        let (r, c) = (self.weight.rows().max(1), self.weight.cols());
        let (t, i) = if self.batch > 1 { (k / r, k % r) } else { (0, k) };
        self.weight.entries(i).map(move |(j, w)| (t * c + j, w))
    }

    /// Whether the key publishes the layer's weights instead of committing them: structural
    /// weights ([`Sparse::is_public`]) on a matmul of an earlier layer
    /// (`docs/protocols/blocks/matmul.md`, "Public weights").
    pub fn public_weights(&self) -> bool {
        self.weight.is_public() && Block::first(self.input, self.operand, self.divide).weights() == Weights::Rows
    }
}

/// What an IR tensor holds, in terms of layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    /// The model input.
    Input,
    /// Layer `k`'s `q`, plus its skip when the flag is set, before any activation. A value is
    /// used once: adding a skip or an activation to an earlier stage of a layer is refused.
    Pending(usize, bool),
    /// Hidden layer `k`'s activated output.
    Done(usize),
}

/// The layers of `model`, or an error naming the first node the protocol cannot prove. Output
/// layers come last, in the order of the graph's outputs (the order of the proof's output values).
pub fn compile(model: &QuantizedModel) -> Result<Vec<Layer>, ProverError> {
    let g = &model.graph;
    let unsupported = |msg: String| Err(ProverError::Unsupported(msg));
    if g.inputs.len() != 1 || g.outputs.is_empty() {
        return unsupported(format!(
            "the MLP prover needs exactly one input and at least one output (model has {} and {})",
            g.inputs.len(),
            g.outputs.len()
        ));
    }
    let mut value: Vec<Option<Value>> = vec![None; g.tensors.len()];
    value[g.inputs[0]] = Some(Value::Input);
    let mut layers: Vec<Layer> = Vec::new();
    for (i, node) in g.nodes.iter().enumerate() {
        // A Linear layer's value (with its residual) read as a value, by a Linear layer or as the
        // other side of an Add, becomes a hidden layer with the identity activation.
        let pending = |t: &usize| matches!(value.get(*t).copied().flatten(), Some(Value::Pending(..)));
        let settle_inputs = match (&node.op, node.inputs.as_slice()) {
            (Op::Linear { .. }, [t, ..]) => vec![*t],
            (Op::Add, [a, b]) if pending(a) && pending(b) => {
                vec![if matches!(value[*a], Some(Value::Pending(_, false))) { *b } else { *a }]
            }
            (Op::Mul | Op::Div, [a, b]) => vec![*a, *b],
            _ => Vec::new(),
        };
        for t in settle_inputs {
            settle(&mut value, &mut layers, t);
        }
        let what = |k: usize| node.inputs.get(k).and_then(|&t| value.get(t).copied().flatten());
        let name = || format!("node '{}' ({})", node.name, node.op.name());
        let produced = match (&node.op, &model.linear[i]) {
            (Op::Reshape { .. }, _) => what(0),
            (Op::Linear { .. }, Some(p)) => {
                let input = match what(0) {
                    Some(Value::Input) => Source::Input,
                    Some(Value::Done(k)) => Source::Layer(k as u32),
                    Some(Value::Pending(..)) => {
                        return unsupported(format!("{}: two Linear layers without an activation between them", name()))
                    }
                    None => return unsupported(format!("{}: reads a tensor the prover cannot follow", name())),
                };
                let len = node.inputs.first().map_or(0, |&t| g.tensor(t).len());
                let bias = p.bias.clone().unwrap_or_else(|| vec![0; p.rows]);
                // Several input rows (a batch, or a sequence): one layer whose weight is the
                // block-diagonal repetition of `W`, one block per row.
                let batch = len / p.cols.max(1);
                // Hidden weights read from an earlier layer are shared by the rows (the key commits
                // `W`'s rows once, `docs/protocols/blocks/matmul.md`, "Shared weights"); structural
                // ones, and a layer reading the model input, repeat `W`. Only a repeated weight
                // is capped (one row keeps the key's own limits).
                let repeated = p.weight.is_public() || input == Source::Input;
                let sides = batch.checked_mul(p.rows).zip(batch.checked_mul(p.cols));
                let entries = if repeated { batch.checked_mul(p.weight.nnz()) } else { Some(p.weight.nnz()) };
                let too_big = batch > 1
                    && (entries.is_none_or(|e| e > MAX_BATCHED_ENTRIES)
                        || sides.is_none_or(|(r, c)| r.max(c) > MAX_SIDE as usize));
                if len % p.cols.max(1) != 0 || batch == 0 || too_big {
                    return unsupported(format!(
                        "{}: batched Linear ({len} inputs for {} columns; at most 2^24 stored weights and \
                         2^20 rows or columns once repeated per row) is not supported",
                        name(),
                        p.cols
                    ));
                }
                // Several input rows: the block-diagonal repetition of `W`, one block per row, so
                // that the layer computes `x_r W^T + b` for every row `r` of the `[batch, cols]`
                // input, in the row-major order of the `[batch, rows]` output.
                let (weight, shared) = match repeated || batch == 1 {
                    true => (p.weight.block_diagonal(batch), 1),
                    false => (p.weight.clone(), batch),
                };
                layers.push(Layer {
                    name: node.name.clone(),
                    rows: batch * p.rows,
                    cols: batch * p.cols,
                    weight,
                    batch: shared,
                    bias: bias.repeat(batch),
                    act: Activation::None,
                    input,
                    skip: None,
                    operand: None,
                    divide: false,
                });
                Some(Value::Pending(layers.len() - 1, false))
            }
            (Op::Mul | Op::Div, _) => {
                // An element-wise product or division of two tensors the proof holds (the input or
                // hidden layers' outputs): a layer without weights (`docs/protocols/blocks/product.md`,
                // `docs/protocols/blocks/divide.md`; a division rescales itself).
                let divide = node.op == Op::Div;
                let (verb, noun) = if divide { ("divides", "division") } else { ("multiplies", "product") };
                let source = |v: Option<Value>| match v {
                    Some(Value::Input) => Some(Source::Input),
                    Some(Value::Done(k)) => Some(Source::Layer(k as u32)),
                    _ => None,
                };
                let (Some(a), Some(b)) = (source(what(0)), source(what(1))) else {
                    return unsupported(format!("{}: {verb} a tensor the prover cannot follow", name()));
                };
                let zero_padded = |s: Source| match s {
                    Source::Input => true,
                    Source::Layer(k) => layers[k as usize].act.keeps_zero(),
                };
                // What the block needs of its operands on padded rows (`Block::padded_rows`).
                if let Err(why) = Block::first(a, Some(b), divide).padded_rows(zero_padded(a), zero_padded(b)) {
                    return unsupported(format!(
                        "{}: {why}, with operands of {} and {} layers, is not supported",
                        name(),
                        layer_act(&layers, a),
                        layer_act(&layers, b)
                    ));
                }
                let len = node.inputs.first().map_or(0, |&t| g.tensor(t).len());
                if len == 0 || len > MAX_SIDE as usize {
                    return unsupported(format!(
                        "{}: a {noun} of {len} values (at most 2^20) is not supported",
                        name()
                    ));
                }
                let weight = Sparse::from_rows(len, vec![Vec::new(); len])
                    .ok_or_else(|| ProverError::Internal("an empty weight".into()))?;
                layers.push(Layer {
                    name: node.name.clone(),
                    rows: len,
                    cols: len,
                    weight,
                    batch: 1,
                    bias: vec![0; len],
                    act: Activation::None,
                    input: a,
                    skip: None,
                    operand: Some(b),
                    divide,
                });
                Some(Value::Pending(layers.len() - 1, false))
            }
            (Op::Add, _) => {
                // A residual: a layer's rescaled output plus the input or a hidden layer's output.
                let (pending, other) = match (what(0), what(1)) {
                    (Some(Value::Pending(l, false)), Some(o)) | (Some(o), Some(Value::Pending(l, false))) => (l, o),
                    _ => {
                        return unsupported(format!(
                            "{}: an Add must add the input or a hidden layer's output to a Linear layer's output",
                            name()
                        ))
                    }
                };
                let src = match other {
                    Value::Input => Source::Input,
                    Value::Done(k) if !layers[k].act.keeps_zero() => {
                        return unsupported(format!(
                            "{}: a residual from a {} layer (its activation maps 0 elsewhere, so its padded \
                             rows are not 0) is not supported",
                            name(),
                            layers[k].act.name()
                        ))
                    }
                    Value::Done(k) => Source::Layer(k as u32),
                    Value::Pending(..) => {
                        return unsupported(format!("{}: adds the outputs of two Linear layers", name()))
                    }
                };
                let layer = &mut layers[pending];
                if layer.skip.is_some() || layer.act.hidden() {
                    return unsupported(format!(
                        "{}: layer '{}' already has a residual or an activation (its value is used twice)",
                        name(),
                        layer.name
                    ));
                }
                let len = node.inputs.iter().map(|&t| g.tensor(t).len()).max().unwrap_or(0);
                if len != layer.rows || node.inputs.iter().any(|&t| g.tensor(t).len() != len) {
                    return unsupported(format!("{}: adds tensors of different sizes", name()));
                }
                layer.skip = Some(src);
                Some(Value::Pending(pending, true))
            }
            (op, _) if op.activation().is_some() => match (what(0), op.activation()) {
                (Some(Value::Pending(l, with_skip)), Some(act))
                    if !layers[l].act.hidden() && with_skip == layers[l].skip.is_some() =>
                {
                    layers[l].act = act;
                    Some(Value::Done(l))
                }
                (Some(Value::Pending(l, _)), _) => {
                    return unsupported(format!(
                        "{}: layer '{}' already has an activation, or a residual this one bypasses (its value is \
                         used twice)",
                        name(),
                        layers[l].name
                    ))
                }
                _ => return unsupported(format!("{}: must follow a Linear layer (or its residual Add)", name())),
            },
            (op, _) => {
                return unsupported(format!("{}: op {} is not supported by the MLP prover", name(), op.name()));
            }
        };
        value[node.output] = produced;
    }
    // Every graph output is a Linear layer's value without activation, and every such layer is
    // an output.
    let mut outputs = Vec::with_capacity(g.outputs.len());
    for &t in &g.outputs {
        match value[t] {
            Some(Value::Pending(l, with_skip))
                if !layers[l].act.hidden() && with_skip == layers[l].skip.is_some() && !outputs.contains(&l) =>
            {
                outputs.push(l)
            }
            _ => {
                return unsupported(format!(
                    "output '{}' is not a Linear layer's output (a model ends each output with a Linear layer, \
                     optionally plus a residual Add)",
                    g.tensor(t).name
                ))
            }
        }
    }
    if let Some(l) = layers.iter().enumerate().find(|(k, l)| !l.act.hidden() && !outputs.contains(k)) {
        return unsupported(format!("node '{}': a Linear layer without an activation is not an output", l.1.name));
    }
    if layers.is_empty() {
        return unsupported("the model has no Linear layer".into());
    }
    Ok(outputs_last(layers, &outputs))
}

/// Makes the value of tensor `t`, when it is a Linear layer's complete value (its residual
/// included, no activation yet), that layer's output through [`Activation::Identity`]; every
/// tensor holding that value (reshapes of it) follows.
fn settle(value: &mut [Option<Value>], layers: &mut [Layer], t: usize) {
    let Some(Some(Value::Pending(l, with_skip))) = value.get(t).copied() else { return };
    let layer = &mut layers[l];
    if layer.act.hidden() || with_skip != layer.skip.is_some() {
        return;
    }
    layer.act = Activation::Identity;
    for v in value.iter_mut().filter(|v| **v == Some(Value::Pending(l, with_skip))) {
        *v = Some(Value::Done(l));
    }
}

/// The layers in an order where each comes after its sources (hidden layers by their first
/// possible position, stable), the output layers last in `outputs` order, every source renumbered.
fn outputs_last(layers: Vec<Layer>, outputs: &[usize]) -> Vec<Layer> {
    let deps = |l: &Layer| -> Vec<usize> {
        [Some(l.input), l.skip, l.operand]
            .into_iter()
            .flatten()
            .filter_map(|s| match s {
                Source::Layer(k) => Some(k as usize),
                Source::Input => None,
            })
            .collect()
    };
    let mut order: Vec<usize> = Vec::with_capacity(layers.len());
    let mut placed = vec![false; layers.len()];
    // Repeatedly take the first hidden layer whose sources are placed (the graph is acyclic).
    while let Some(k) =
        (0..layers.len()).find(|&k| !placed[k] && !outputs.contains(&k) && deps(&layers[k]).iter().all(|&d| placed[d]))
    {
        placed[k] = true;
        order.push(k);
    }
    order.extend(outputs.iter().copied());
    let mut new_index = vec![0u32; layers.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    let renumber = |s: Source| match s {
        Source::Input => Source::Input,
        Source::Layer(k) => Source::Layer(new_index[k as usize]),
    };
    let mut slots: Vec<Option<Layer>> = layers.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&old| slots[old].take())
        .map(|l| Layer { input: renumber(l.input), skip: l.skip.map(renumber), operand: l.operand.map(renumber), ..l })
        .collect()
}

/// The activation of the layer `s` names, for messages.
fn layer_act(layers: &[Layer], s: Source) -> &'static str {
    match s {
        Source::Input => "input",
        Source::Layer(k) => layers.get(k as usize).map_or("unknown", |l| l.act.name()),
    }
}

/// Most stored weights a batched Linear may have once repeated per row.
const MAX_BATCHED_ENTRIES: usize = 1 << 24;
