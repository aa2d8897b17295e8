//! Fixed-point quantisation of an IR graph, and its exact integer evaluation (the witness).
//!
//! The scheme (see `docs/quantisation.md`):
//! - one scale `2^s` for every activation: a real `x` is represented by the `i64`
//!   `q(x) = round(x * 2^s)` (round half away from zero, computed in `f64`);
//! - a [`Op::Linear`] layer has weights at scale `2^s` and its bias at scale `2^(2s)`, so the
//!   integer accumulator `z = W x + b` has scale `2^(2s)`; it is brought back to `2^s` by
//!   [`rescale`]: `y = floor((z + 2^(s-1)) / 2^s)` (round half up), i.e. `z = y * 2^s + r` with
//!   `-2^(s-1) <= r < 2^(s-1)`;
//! - [`Op::Act`] with ReLU is `max(v, 0)` on integers; every other activation (Sigmoid, Tanh,
//!   GELU, Clip, LeakyRelu, HardSigmoid, HardSwish) maps `v` to `round(2^s f(v / 2^s))`
//!   ([`crate::model::activation::apply`], the values their tables hold); [`Op::Reshape`] moves nothing; [`Op::Add`] adds (both operands have scale `2^s`);
//!   [`Op::Mul`] multiplies (an accumulator of scale `2^(2s)`, rescaled like a Linear layer's);
//!   [`Op::Div`] divides, `y = floor((2^(s+1) a + b) / (2 b))` (`2^s a / b` rounded half up), for a
//!   divisor `1 <= b < 2^(B-1)` (the remainder's range checks need `2 b <= 2^B`).
//!
//! Every value that a lookup table will later prove must lie in the table: with table bit-width
//! `B`, each rescaled value satisfies `|v| < 2^B`, each activation input (every
//! activation) `-2^B <= v < 2^B`, and each accumulator `|z| < 2^(s+B)` (so that its quotient `y` is in
//! the table and `r` in a `2^s` range table).
//! [`QuantizedModel::eval`] checks this and fails with [`QuantError::OutOfRange`] naming the node.
//!
//! [`QuantizedModel::calibrate`] picks the largest `s` in a range for which the calibration inputs
//! respect every bound.

use crate::ir::{Graph, IrError, Op, Sparse};
use crate::model::activation::apply;
use zkml_verifier::model::activation::Activation;

/// Smallest scale exponent tried by default.
pub const DEFAULT_MIN_SCALE_BITS: u32 = 4;
/// Largest scale exponent tried by default.
pub const DEFAULT_MAX_SCALE_BITS: u32 = 12;
/// Default lookup-table bit-width `B`: table values satisfy `|v| < 2^14` (a table of `2^15` rows).
pub const DEFAULT_TABLE_BITS: u32 = 14;
/// Default calibration headroom `h`: the scale is chosen so that every value seen in calibration
/// stays below `2^-h` of its bound, so inputs `2^h` times larger than the calibration samples
/// (brighter images, other classes) still prove. With `B = 14`, `h = 2` keeps the scale of
/// `mnist_mlp` at `2^7` while an all-white image, calibrated on one digit, uses 29% of a bound.
pub const DEFAULT_HEADROOM_BITS: u32 = 2;

/// Inputs and parameters must quantise to `|q| < 2^62`, so that no `i64` sum of two overflows.
const VALUE_LIMIT: f64 = (1u64 << 62) as f64;

/// How to choose the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantConfig {
    /// Smallest scale exponent `s` tried (at least 1).
    pub min_scale_bits: u32,
    /// Largest scale exponent `s` tried; the largest one that fits is chosen.
    pub max_scale_bits: u32,
    /// Lookup-table bit-width `B`: table values satisfy `|v| < 2^B`.
    pub table_bits: u32,
    /// Headroom `h`: calibration values must stay below `2^-h` of every bound.
    pub headroom_bits: u32,
}

impl Default for QuantConfig {
    fn default() -> Self {
        QuantConfig {
            min_scale_bits: DEFAULT_MIN_SCALE_BITS,
            max_scale_bits: DEFAULT_MAX_SCALE_BITS,
            table_bits: DEFAULT_TABLE_BITS,
            headroom_bits: DEFAULT_HEADROOM_BITS,
        }
    }
}

impl QuantConfig {
    /// Checks the settings.
    pub fn check(&self) -> Result<(), QuantError> {
        let bad = |m: String| Err(QuantError::Config(m));
        if self.min_scale_bits == 0 || self.min_scale_bits > self.max_scale_bits {
            return bad(format!(
                "scale range 2^{}..=2^{} is empty or starts at 2^0",
                self.min_scale_bits, self.max_scale_bits
            ));
        }
        if self.headroom_bits >= self.table_bits {
            return bad(format!(
                "a headroom of {} bits leaves nothing of {}-bit tables",
                self.headroom_bits, self.table_bits
            ));
        }
        check_bits(self.max_scale_bits, self.table_bits)
    }
}

fn check_bits(scale_bits: u32, table_bits: u32) -> Result<(), QuantError> {
    if scale_bits == 0 || table_bits == 0 || 2 * scale_bits > 60 || scale_bits + table_bits > 60 {
        return Err(QuantError::Config(format!(
            "scale 2^{scale_bits} with {table_bits}-bit tables: need s >= 1, B >= 1, 2s <= 60 and s + B <= 60"
        )));
    }
    Ok(())
}

/// A quantisation failure; one line, naming the node or input at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantError {
    /// A value that a lookup table must hold is outside it. `tensor` is the IR tensor name, with
    /// `.acc` appended for a Linear layer's accumulator; `bound` is the exclusive bound on `|value|`.
    #[error("node '{node}': {tensor}[{index}] = {value} is outside the table range (|v| < {bound})")]
    OutOfRange { node: String, tensor: String, index: usize, value: i128, bound: i128 },
    /// A division's divisor outside `[1, bound)` (`bound = 2^(B-1)`): a division needs a positive
    /// divisor whose remainder fits the table's split (`docs/protocols/blocks/divide.md`).
    #[error(
        "node '{node}': divisor {tensor}[{index}] = {value} is outside [1, {bound}) (a division needs a positive \
         divisor below 2^(B-1): put a positive activation on it, or use larger tables)"
    )]
    Divisor { node: String, tensor: String, index: usize, value: i64, bound: i64 },
    /// An activation's input inside the tables but outside the function's domain (a positive
    /// input of a softmax's exponential, a negative one of a square root): no scale helps.
    #[error("node '{node}': {tensor}[{index}] = {value} is outside the domain of {act}, [{low}, {high})")]
    Domain { node: String, tensor: String, index: usize, value: i64, act: &'static str, low: i64, high: i64 },
    #[error("input '{input}': element {index} ({value}) cannot be quantised at scale 2^{scale_bits}")]
    InputNotRepresentable { input: String, index: usize, value: f32, scale_bits: u32 },
    #[error("node '{node}': {what} {value} cannot be quantised at scale 2^{scale_bits}")]
    ParameterOutOfRange { node: String, what: &'static str, value: f32, scale_bits: u32 },
    #[error("{0}")]
    Input(#[from] IrError),
    #[error(
        "no scale in 2^{min_scale_bits}..=2^{max_scale_bits} keeps the calibration values {headroom_bits} bits inside \
         {table_bits}-bit tables (at 2^{min_scale_bits}: {reason}); try larger tables (--table-bits), less headroom \
         (--headroom-bits) or smaller scales (--scale-bits)"
    )]
    NoScale { min_scale_bits: u32, max_scale_bits: u32, table_bits: u32, headroom_bits: u32, reason: Box<QuantError> },
    #[error("invalid quantisation settings: {0}")]
    Config(String),
}

impl QuantError {
    /// Errors that a smaller scale may cure.
    fn is_range(&self) -> bool {
        matches!(
            self,
            QuantError::OutOfRange { .. }
                | QuantError::Divisor { .. }
                | QuantError::InputNotRepresentable { .. }
                | QuantError::ParameterOutOfRange { .. }
        )
    }
}

/// `round(x * 2^bits)`, half away from zero; `None` when not finite or `|result| >= 2^62`.
pub fn quantise(x: f64, bits: u32) -> Option<i64> {
    let q = (x * (bits as f64).exp2()).round();
    (q.is_finite() && q.abs() < VALUE_LIMIT).then_some(q as i64)
}

/// `q / 2^bits` as `f32`.
pub fn dequantise(q: i64, bits: u32) -> f32 {
    (q as f64 / (bits as f64).exp2()) as f32
}

/// The rescaling rule: `round_half_up(z / 2^s) = floor((z + 2^(s-1)) / 2^s)`, computed exactly
/// (an arithmetic shift, in `i128` so that it cannot overflow). For `s = 0` it returns `z`.
pub fn rescale(z: i64, s: u32) -> i64 {
    if s == 0 {
        return z;
    }
    ((z as i128 + (1i128 << (s - 1))) >> s) as i64
}

/// `2^s a / b` rounded half up, `floor((2^(s+1) a + b) / (2 b))`, for `b >= 1` (in `i128`).
pub fn divide(a: i64, b: i64, s: u32) -> i128 {
    let (num, den) = (((a as i128) << (s + 1)) + b as i128, 2 * b as i128);
    num.div_euclid(den)
}

/// The remainder `r = z - rescale(z, s) * 2^s`, in `[-2^(s-1), 2^(s-1))`.
pub fn rescale_remainder(z: i64, s: u32) -> i64 {
    (z as i128 - ((rescale(z, s) as i128) << s)) as i64
}

/// Largest `|a - b|` over matching elements of two lists of tensors (`inf` when the shapes differ).
pub fn max_abs_error(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.len() != y.len()) {
        return f32::INFINITY;
    }
    a.iter().zip(b).flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs())).fold(0.0, f32::max)
}

/// The quantised parameters of one Linear node: `weight` is row-major `rows x cols` (out x in) at
/// scale `2^s`, `bias` at scale `2^(2s)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantLinear {
    pub rows: usize,
    pub cols: usize,
    pub weight: Sparse<i64>,
    pub bias: Option<Vec<i64>>,
}

/// Every integer value of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// Value of every IR tensor at scale `2^s`, indexed by tensor id: the inputs, the rescaled
    /// Linear outputs, the activation outputs, ...
    pub tensors: Vec<Vec<i64>>,
    /// For each node (by index in `graph.nodes`): the Linear accumulator `z` at scale `2^(2s)`,
    /// `None` for other ops.
    pub accumulators: Vec<Option<Vec<i64>>>,
}

/// The range of one table-bound tensor of a node over some inputs, and the range its table holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRange {
    pub node: String,
    /// The tensor (`.acc` for a Linear accumulator).
    pub tensor: String,
    pub min: i64,
    pub max: i64,
    /// The smallest and largest values the table holds.
    pub low: i64,
    pub high: i64,
}

impl NodeRange {
    /// Whether every value fits.
    pub fn fits(&self) -> bool {
        self.low <= self.min && self.max <= self.high
    }

    /// The largest share of its bound a value uses (1.0 or more: out of range).
    pub fn usage(&self) -> f64 {
        let lo = if self.min < 0 { self.min as f64 / self.low.min(-1) as f64 } else { 0.0 };
        let hi = if self.max > 0 { self.max as f64 / self.high.max(1) as f64 } else { 0.0 };
        lo.max(hi)
    }
}

/// A graph with its quantised parameters and the chosen scale.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedModel {
    /// `s`: activations and weights have scale `2^s`, accumulators and biases `2^(2s)`.
    pub scale_bits: u32,
    /// `B`: table values satisfy `|v| < 2^B`.
    pub table_bits: u32,
    pub graph: Graph,
    /// Per node (by index in `graph.nodes`): the quantised parameters of a Linear node.
    pub linear: Vec<Option<QuantLinear>>,
    /// Per tensor: the largest `|value|` seen over the calibration inputs (0 when not calibrated).
    pub max_abs: Vec<i64>,
    /// Per node: the largest `|z|` of a Linear accumulator over the calibration inputs.
    pub max_abs_accumulator: Vec<Option<i64>>,
}

impl QuantizedModel {
    /// Quantises the parameters of `graph` at scale `2^scale_bits` (no calibration).
    pub fn new(graph: Graph, scale_bits: u32, table_bits: u32) -> Result<QuantizedModel, QuantError> {
        check_bits(scale_bits, table_bits)?;
        graph.validate()?;
        let mut linear = Vec::with_capacity(graph.nodes.len());
        for node in &graph.nodes {
            linear.push(match &node.op {
                Op::Linear { weight, bias } => {
                    let q1 = |v: f32, bits: u32, what: &'static str| {
                        quantise(v as f64, bits).ok_or_else(|| QuantError::ParameterOutOfRange {
                            node: node.name.clone(),
                            what,
                            value: v,
                            scale_bits: bits,
                        })
                    };
                    Some(QuantLinear {
                        rows: weight.rows(),
                        cols: weight.cols(),
                        weight: weight.try_map(|v| q1(v, scale_bits, "weight"))?,
                        bias: bias
                            .as_deref()
                            .map(|b| b.iter().map(|&v| q1(v, 2 * scale_bits, "bias")).collect::<Result<Vec<_>, _>>())
                            .transpose()?,
                    })
                }
                _ => None,
            });
        }
        let nt = graph.tensors.len();
        let max_abs_accumulator =
            graph.nodes.iter().map(|n| matches!(n.op, Op::Linear { .. } | Op::Mul).then_some(0)).collect();
        Ok(QuantizedModel { scale_bits, table_bits, graph, linear, max_abs: vec![0; nt], max_abs_accumulator })
    }

    /// Structural (public) Linear nodes whose non-zero weights quantise at `2^s` with a relative
    /// error above `tolerance` (a mean's `1/n` when `n` does not divide `2^s`,
    /// `docs/quantisation.md`, "Layer normalisation"): per node, its name and the worst weight as
    /// `(float, quantised)`, at most one per node. Model weights are not listed: their rounding is
    /// the scale's, measured by the error against the float model.
    pub fn coarse_structural_weights(&self, tolerance: f64) -> Vec<(String, f32, f64)> {
        let mut out = Vec::new();
        for (node, q) in self.graph.nodes.iter().zip(&self.linear) {
            let (Op::Linear { weight, .. }, Some(q)) = (&node.op, q) else { continue };
            if !weight.is_public() {
                continue;
            }
            let step = (self.scale_bits as f64).exp2();
            let worst = weight
                .values()
                .iter()
                .zip(q.weight.values())
                .filter(|(w, _)| **w != 0.0)
                .map(|(&w, &v)| (w, v as f64 / step, ((v as f64 / step) - w as f64).abs() / (w as f64).abs()))
                .fold(
                    None,
                    |acc: Option<(f32, f64, f64)>, x| if acc.is_some_and(|a| a.2 >= x.2) { acc } else { Some(x) },
                );
            if let Some((w, v, _)) = worst.filter(|x| x.2 > tolerance) {
                out.push((node.name.clone(), w, v));
            }
        }
        out
    }

    /// One warning line per node of [`QuantizedModel::coarse_structural_weights`] off by more
    /// than 5%, for `setup` and `dry-run` to print.
    pub fn coarse_weight_warnings(&self) -> Vec<String> {
        self.coarse_structural_weights(0.05)
            .into_iter()
            .map(|(node, w, v)| {
                format!(
                    "warning: node '{node}': the structural weight {w:e} is {v:e} at scale 2^{} (a mean over a \
                     row whose length does not divide 2^{}: see docs/quantisation.md, \"Layer normalisation\")",
                    self.scale_bits, self.scale_bits
                )
            })
            .collect()
    }

    /// Chooses the largest scale in the configured range for which every calibration sample
    /// (one list of inputs each; usually the model's sample input) stays within the table bounds,
    /// and records the largest values seen at that scale.
    pub fn calibrate(
        mut graph: Graph,
        calibration: &[Vec<Vec<f32>>],
        config: &QuantConfig,
    ) -> Result<QuantizedModel, QuantError> {
        config.check()?;
        if calibration.is_empty() {
            return Err(QuantError::Config("no calibration input".into()));
        }
        // Each normalisation's centred input brought to its output's magnitude (exact in floats).
        crate::ir::balance::balance_norms(&mut graph, calibration)?;
        let mut last = None;
        // Calibrating against tables `h` bits narrower leaves every bound `2^h` times the largest
        // value seen (the table's lower ReLU end moves the same way).
        let calibration_bits = config.table_bits - config.headroom_bits;
        for s in (config.min_scale_bits..=config.max_scale_bits).rev() {
            if check_bits(s, calibration_bits).is_err() {
                continue;
            }
            let attempt = QuantizedModel::new(graph.clone(), s, calibration_bits).and_then(|mut m| {
                for sample in calibration {
                    m.record(sample)?;
                }
                m.table_bits = config.table_bits;
                Ok(m)
            });
            match attempt {
                Ok(m) => return Ok(m),
                Err(e) if e.is_range() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(QuantError::NoScale {
            min_scale_bits: config.min_scale_bits,
            max_scale_bits: config.max_scale_bits,
            table_bits: config.table_bits,
            headroom_bits: config.headroom_bits,
            reason: Box::new(last.unwrap_or(QuantError::Config("empty scale range".into()))),
        })
    }

    /// Evaluates one float sample and folds its magnitudes into `max_abs`.
    pub fn record(&mut self, inputs: &[Vec<f32>]) -> Result<Witness, QuantError> {
        let q = self.quantise_inputs(inputs)?;
        let w = self.eval(&q)?;
        for (m, t) in self.max_abs.iter_mut().zip(&w.tensors) {
            *m = t.iter().fold(*m, |m, v| m.max(v.abs()));
        }
        for (m, z) in self.max_abs_accumulator.iter_mut().zip(&w.accumulators) {
            if let (Some(m), Some(z)) = (m.as_mut(), z) {
                *m = z.iter().fold(*m, |m, v| m.max(v.abs()));
            }
        }
        Ok(w)
    }

    /// `2^B`: the exclusive bound on `|v|` of every table value.
    pub fn table_bound(&self) -> i64 {
        1 << self.table_bits
    }

    /// The smallest activation input (of any activation) the proof's tables hold
    /// (`model::keys::relu_min`).
    pub fn relu_min(&self) -> i64 {
        crate::model::keys::relu_min(self.table_bits)
    }

    /// The inputs `[low, high)` an activation takes: the table's `[-2^B, 2^B)`, but `x <= 0` for
    /// the softmax's exponential (`Activation::Exp`) and `x >= 0` for the square roots.
    pub fn act_input_bounds(&self, act: Activation) -> (i64, i64) {
        match act {
            Activation::Exp => (self.relu_min(), 1),
            Activation::Sqrt | Activation::Rsqrt => (0, self.table_bound()),
            _ => (self.relu_min(), self.table_bound()),
        }
    }

    /// `2^(B-1)`: the exclusive bound on a divisor (`divide`; `docs/protocols/blocks/divide.md`).
    pub fn divisor_bound(&self) -> i64 {
        1 << (self.table_bits - 1)
    }

    /// `2^(s+B)`: the exclusive bound on `|z|` of every accumulator.
    pub fn accumulator_bound(&self) -> i64 {
        1 << (self.scale_bits + self.table_bits)
    }

    /// Quantises float inputs (one flat list per graph input) at scale `2^s`.
    pub fn quantise_inputs(&self, inputs: &[Vec<f32>]) -> Result<Vec<Vec<i64>>, QuantError> {
        let inputs = &self.graph.expand_inputs(inputs)?;
        let s = self.scale_bits;
        self.graph
            .inputs
            .iter()
            .zip(inputs)
            .map(|(&t, values)| {
                values
                    .iter()
                    .enumerate()
                    .map(|(index, &value)| {
                        quantise(value as f64, s).ok_or_else(|| QuantError::InputNotRepresentable {
                            input: self.graph.tensors[t].name.clone(),
                            index,
                            value,
                            scale_bits: s,
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// `q / 2^s` for every element.
    pub fn dequantise(&self, values: &[i64]) -> Vec<f32> {
        values.iter().map(|&q| dequantise(q, self.scale_bits)).collect()
    }

    /// The graph outputs of a witness, dequantised.
    pub fn dequantised_outputs(&self, witness: &Witness) -> Vec<Vec<f32>> {
        self.graph.outputs.iter().map(|&t| self.dequantise(&witness.tensors[t])).collect()
    }

    /// Quantises `inputs`, evaluates, and returns the witness with the dequantised outputs.
    pub fn run(&self, inputs: &[Vec<f32>]) -> Result<(Witness, Vec<Vec<f32>>), QuantError> {
        let w = self.eval(&self.quantise_inputs(inputs)?)?;
        let out = self.dequantised_outputs(&w);
        Ok((w, out))
    }

    /// Exact integer evaluation on quantised inputs (scale `2^s`), checking every table bound.
    pub fn eval(&self, inputs: &[Vec<i64>]) -> Result<Witness, QuantError> {
        self.eval_checked(inputs, true)
    }

    /// The value range of every node's table-bound values on quantised inputs, against its bound,
    /// whether or not they fit (the dry run).
    pub fn ranges(&self, inputs: &[Vec<i64>]) -> Result<Vec<NodeRange>, QuantError> {
        let w = self.eval_checked(inputs, false)?;
        let relu_min = self.relu_min();
        let mut out = Vec::new();
        for (i, node) in self.graph.nodes.iter().enumerate() {
            let extremes = |v: &[i64]| (v.iter().copied().min().unwrap_or(0), v.iter().copied().max().unwrap_or(0));
            let name = |t: usize| self.graph.tensors[t].name.clone();
            match &node.op {
                Op::Linear { .. } | Op::Mul => {
                    let (lo, hi) = extremes(w.accumulators[i].as_deref().unwrap_or(&[]));
                    let acc = self.accumulator_bound();
                    out.push(NodeRange {
                        node: node.name.clone(),
                        tensor: format!("{}.acc", name(node.output)),
                        min: lo,
                        max: hi,
                        low: -(acc - 1),
                        high: acc - 1,
                    });
                    let (lo, hi) = extremes(&w.tensors[node.output]);
                    let t = self.table_bound();
                    out.push(NodeRange {
                        node: node.name.clone(),
                        tensor: name(node.output),
                        min: lo,
                        max: hi,
                        low: -(t - 1),
                        high: t - 1,
                    });
                }
                Op::Act(act) => {
                    let (lo, hi) = extremes(&w.tensors[node.inputs[0]]);
                    let (low, top) = self.act_input_bounds(*act);
                    out.push(NodeRange {
                        node: node.name.clone(),
                        tensor: name(node.inputs[0]),
                        min: lo,
                        max: hi,
                        low,
                        high: top - 1,
                    });
                }
                Op::Add if self.graph.read_as_value(node.output) => {
                    let (lo, hi) = extremes(&w.tensors[node.output]);
                    out.push(NodeRange {
                        node: node.name.clone(),
                        tensor: name(node.output),
                        min: lo,
                        max: hi,
                        low: relu_min,
                        high: self.table_bound() - 1,
                    });
                }
                Op::Div => {
                    let (lo, hi) = extremes(&w.tensors[node.inputs[1]]);
                    out.push(NodeRange {
                        node: node.name.clone(),
                        tensor: format!("{} (divisor)", name(node.inputs[1])),
                        min: lo,
                        max: hi,
                        low: 1,
                        high: self.divisor_bound() - 1,
                    });
                    let (lo, hi) = extremes(&w.tensors[node.output]);
                    out.push(NodeRange {
                        node: node.name.clone(),
                        tensor: name(node.output),
                        min: lo,
                        max: hi,
                        low: relu_min,
                        high: self.table_bound() - 1,
                    });
                }
                Op::Reshape { .. } | Op::Add => {}
            }
        }
        Ok(out)
    }

    fn eval_checked(&self, inputs: &[Vec<i64>], strict: bool) -> Result<Witness, QuantError> {
        self.graph.check_tensor_inputs(inputs)?;
        let s = self.scale_bits;
        let table = self.table_bound() as i128;
        let acc_bound = self.accumulator_bound() as i128;
        let mut tensors: Vec<Vec<i64>> = vec![Vec::new(); self.graph.tensors.len()];
        let mut accumulators = vec![None; self.graph.nodes.len()];
        for (&t, v) in self.graph.inputs.iter().zip(inputs) {
            tensors[t] = v.clone();
        }
        for (i, node) in self.graph.nodes.iter().enumerate() {
            let out_name = &self.graph.tensors[node.output].name;
            let out_of_range = |tensor: String, index: usize, value: i128, bound: i128| QuantError::OutOfRange {
                node: node.name.clone(),
                tensor,
                index,
                value,
                bound,
            };
            let x = &tensors[node.inputs[0]];
            let y: Vec<i64> = match (&node.op, &self.linear[i]) {
                (Op::Linear { .. }, Some(p)) => {
                    let mut z_all = Vec::with_capacity(x.len() / p.cols * p.rows);
                    let mut y = Vec::with_capacity(z_all.capacity());
                    for row in x.chunks_exact(p.cols) {
                        for o in 0..p.rows {
                            let mut z: i128 = p.bias.as_ref().map_or(0, |b| b[o] as i128);
                            for (c, w) in p.weight.entries(o) {
                                z = z.saturating_add(w as i128 * row[c] as i128);
                            }
                            let index = z_all.len();
                            if strict && z.unsigned_abs() >= acc_bound as u128 {
                                return Err(out_of_range(format!("{out_name}.acc"), index, z, acc_bound));
                            }
                            let z = z.clamp(i64::MIN.into(), i64::MAX.into());
                            let v = rescale(z as i64, s);
                            if strict && (v as i128).abs() >= table {
                                return Err(out_of_range(out_name.clone(), index, v as i128, table));
                            }
                            z_all.push(z as i64);
                            y.push(v);
                        }
                    }
                    accumulators[i] = Some(z_all);
                    y
                }
                (Op::Act(act), _) => {
                    // The proof's activation inputs lie in [relu_min, 2^B) = [-2^B, 2^B); some
                    // activations take fewer (`act_input_bounds`).
                    let (bottom, top) = self.act_input_bounds(*act);
                    let outside = |v: i64| v >= top || v < bottom;
                    if let Some((index, &v)) = x.iter().enumerate().find(|(_, &v)| strict && outside(v)) {
                        let input_name = &self.graph.tensors[node.inputs[0]].name;
                        let table_range = (self.relu_min(), self.table_bound());
                        if (table_range.0..table_range.1).contains(&v) {
                            // Inside the table, outside the function's domain: no scale helps.
                            return Err(QuantError::Domain {
                                node: node.name.clone(),
                                tensor: input_name.clone(),
                                index,
                                value: v,
                                act: act.name(),
                                low: bottom,
                                high: top,
                            });
                        }
                        let bound = if v < 0 { -(bottom as i128) } else { top as i128 };
                        return Err(out_of_range(input_name.clone(), index, v as i128, bound));
                    }
                    // `apply` is `max(v, 0)` for ReLU and the tabulated `round(2^s f(v / 2^s))` else.
                    x.iter().map(|&v| apply(*act, v, s)).collect()
                }
                (Op::Reshape { .. }, _) => x.clone(),
                (Op::Mul, _) => {
                    // The product of two scale-2^s values has scale 2^(2s): an accumulator,
                    // rescaled and bounded like a Linear layer's.
                    let b = &tensors[node.inputs[1]];
                    let mut z_all = Vec::with_capacity(x.len());
                    let mut y = Vec::with_capacity(x.len());
                    for (index, (&p, &q)) in x.iter().zip(b).enumerate() {
                        let z = p as i128 * q as i128;
                        if strict && z.unsigned_abs() >= acc_bound as u128 {
                            return Err(out_of_range(format!("{out_name}.acc"), index, z, acc_bound));
                        }
                        let z = z.clamp(i64::MIN.into(), i64::MAX.into()) as i64;
                        let v = rescale(z, s);
                        if strict && (v as i128).abs() >= table {
                            return Err(out_of_range(out_name.clone(), index, v as i128, table));
                        }
                        z_all.push(z);
                        y.push(v);
                    }
                    accumulators[i] = Some(z_all);
                    y
                }
                (Op::Div, _) => {
                    let b = &tensors[node.inputs[1]];
                    let bound = self.divisor_bound();
                    let mut y = Vec::with_capacity(x.len());
                    for (index, (&p, &q)) in x.iter().zip(b).enumerate() {
                        // The divisor is range-checked even in a dry run: no value without it.
                        if q < 1 || (strict && q >= bound) {
                            return Err(QuantError::Divisor {
                                node: node.name.clone(),
                                tensor: self.graph.tensors[node.inputs[1]].name.clone(),
                                index,
                                value: q,
                                bound,
                            });
                        }
                        let v = divide(p, q, s);
                        if strict && v.abs() >= table {
                            return Err(out_of_range(out_name.clone(), index, v, table));
                        }
                        y.push(v.clamp(i64::MIN.into(), i64::MAX.into()) as i64);
                    }
                    y
                }
                (Op::Add, _) => {
                    let b = &tensors[node.inputs[1]];
                    // A sum read as a value (a linear bottleneck) goes through the identity's table.
                    let kept = strict && self.graph.read_as_value(node.output);
                    let relu_min = self.relu_min();
                    let mut y = Vec::with_capacity(x.len());
                    for (index, (&p, &q)) in x.iter().zip(b).enumerate() {
                        match p.checked_add(q) {
                            Some(v) if kept && ((v as i128) >= table || v < relu_min) => {
                                let bound = if v < 0 { -(relu_min as i128) } else { table };
                                return Err(out_of_range(out_name.clone(), index, v as i128, bound));
                            }
                            Some(v) => y.push(v),
                            None => {
                                return Err(out_of_range(out_name.clone(), index, p as i128 + q as i128, 1i128 << 63))
                            }
                        }
                    }
                    y
                }
                (Op::Linear { .. }, None) => {
                    return Err(QuantError::Config(format!("node '{}': Linear without parameters", node.name)))
                }
            };
            tensors[node.output] = y;
        }
        Ok(Witness { tensors, accumulators })
    }
}
