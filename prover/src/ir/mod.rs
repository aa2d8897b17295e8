//! The prover's own model representation: a small, validated dataflow graph of the operations the
//! compiler knows how to prove.
//!
//! Nothing here depends on the ONNX importer: [`crate::onnx`] translates a model into a [`Graph`],
//! and everything downstream (quantisation, compilation, witness generation) reads only this IR.
//!
//! Conventions:
//! - every tensor is dense, row-major, with a static shape ([`TensorInfo`]);
//! - a [`Node`] reads one or more tensors and writes exactly one new tensor;
//! - `nodes` are stored in a topological order (every input is a graph input or the output of an
//!   earlier node), which [`Graph::validate`] checks;
//! - constants (weights, biases) are folded into the ops that use them, so the graph holds no
//!   constant tensors.

use std::fmt;

pub mod balance;
pub mod branches;
pub mod compose;
pub mod conv;
pub mod sparse;

pub use sparse::{Matrix, Sparse};

use zkml_verifier::model::activation::Activation;

use crate::model::activation::apply_f32;

/// Index of a tensor in [`Graph::tensors`].
pub type TensorId = usize;

/// Name and static shape of a tensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<usize>,
}

impl TensorInfo {
    /// Number of elements (1 for a scalar).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor holds no element (some axis has size 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An operation of the IR.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Fully connected layer with constant weights: the single input is viewed as a row-major
    /// `[rows, in]` matrix `X` (`in = weight.cols()`) and the output as `[rows, out]`
    /// (`out = weight.rows()`), with `Y[r, o] = sum_i weight[o, i] * X[r, i] + bias[o]`.
    /// The input and output tensors may have any shapes with those element counts (e.g. a
    /// `[1, 1, 28, 28]` image feeding a `784`-column weight: a flatten folded into the layer).
    Linear { weight: Matrix, bias: Option<Vec<f32>> },
    /// An element-wise activation (ReLU, Sigmoid, Tanh, the exact GELU, Clip, LeakyRelu,
    /// HardSigmoid, HardSwish: the proof's closed set, `Activation`, never `Activation::None`);
    /// output shape = input shape.
    Act(Activation),
    /// Same elements in the same row-major order, new shape (`Flatten`, `Reshape`, `Squeeze`,
    /// `Unsqueeze`, transposes of size-1 axes).
    Reshape { shape: Vec<usize> },
    /// Element-wise sum of two tensors of the same shape.
    Add,
    /// Element-wise product of two tensors of the same shape (a gate).
    Mul,
    /// Element-wise quotient of two tensors of the same shape (a normalisation); the divisor
    /// must be positive.
    Div,
}

impl Op {
    /// Short name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Linear { .. } => "Linear",
            Op::Act(a) => match a {
                Activation::None => "None",
                Activation::Identity => "Identity",
                Activation::Silu => "Silu",
                Activation::Exp => "Exp",
                Activation::Sqrt => "Sqrt",
                Activation::Rsqrt => "Rsqrt",
                Activation::GeluTanh => "GeluTanh",
                Activation::Relu => "Relu",
                Activation::Sigmoid => "Sigmoid",
                Activation::Tanh => "Tanh",
                Activation::Gelu => "Gelu",
                Activation::Clip { .. } => "Clip",
                Activation::LeakyRelu { .. } => "LeakyRelu",
                Activation::HardSigmoid { .. } => "HardSigmoid",
                Activation::HardSwish => "HardSwish",
            },
            Op::Reshape { .. } => "Reshape",
            Op::Add => "Add",
            Op::Mul => "Mul",
            Op::Div => "Div",
        }
    }

    /// The activation an element-wise op applies; `None` for the other ops.
    pub fn activation(&self) -> Option<Activation> {
        match self {
            Op::Act(a) => Some(*a),
            Op::Linear { .. } | Op::Reshape { .. } | Op::Add | Op::Mul | Op::Div => None,
        }
    }

    /// Number of tensor inputs the op takes.
    pub fn arity(&self) -> usize {
        match self {
            Op::Add | Op::Mul | Op::Div => 2,
            _ => 1,
        }
    }
}

/// Whether every output of `act` is non-negative (after quantisation too): ReLU, Sigmoid,
/// HardSigmoid and a Clip with `lo >= 0`.
pub fn non_negative(act: Activation) -> bool {
    match act {
        Activation::Relu | Activation::Sigmoid | Activation::HardSigmoid { .. } => true,
        Activation::Clip { lo, .. } => lo.get() >= 0.0,
        _ => false,
    }
}

/// One operation applied to tensors of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Name from the source model (ONNX node name, as tract reports it).
    pub name: String,
    pub op: Op,
    pub inputs: Vec<TensorId>,
    pub output: TensorId,
}

/// A model: tensors, the graph inputs and outputs, and the nodes in topological order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub tensors: Vec<TensorInfo>,
    pub inputs: Vec<TensorId>,
    pub outputs: Vec<TensorId>,
    pub nodes: Vec<Node>,
    /// When the (only) input is token ids: its tensor holds their one-hot rows.
    pub tokens: Option<TokenInput>,
}

/// A model input of token ids (ONNX `int64` read by an embedding `Gather`). The graph's input
/// tensor is `[ids, vocab]`: each id's one-hot row ([`Graph::expand_inputs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInput {
    /// The number of token ids `V`: ids lie in `[0, V)`.
    pub vocab: usize,
    /// The ONNX shape of the ids.
    pub shape: Vec<usize>,
}

/// Checks one list per `(name, length)` in `expected`, of that length.
fn check_lengths<T>(expected: Vec<(String, usize)>, inputs: &[Vec<T>]) -> Result<(), IrError> {
    if inputs.len() != expected.len() {
        return Err(IrError::InputCount { expected: expected.len(), got: inputs.len() });
    }
    for ((name, len), v) in expected.into_iter().zip(inputs) {
        if v.len() != len {
            return Err(IrError::InputLength { name, expected: len, got: v.len() });
        }
    }
    Ok(())
}

/// A malformed graph, or inputs that do not match it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrError {
    #[error("expected {expected} model input(s), got {got}")]
    InputCount { expected: usize, got: usize },
    #[error("input '{name}': expected {expected} values, got {got}")]
    InputLength { name: String, expected: usize, got: usize },
    #[error("invalid graph: {0}")]
    Invalid(String),
    #[error("input '{name}': element {index} ({value}) is not a token id (an integer in [0, {vocab}))")]
    Token { name: String, index: usize, value: String, vocab: usize },
}

impl Graph {
    pub fn tensor(&self, id: TensorId) -> &TensorInfo {
        &self.tensors[id]
    }

    /// `(name, number of elements)` of every graph input as a caller gives it (token ids, not
    /// their one-hot rows), in order.
    pub fn input_signature(&self) -> Vec<(String, usize)> {
        self.inputs
            .iter()
            .enumerate()
            .map(|(i, &t)| (self.tensors[t].name.clone(), self.given_shape(i).iter().product()))
            .collect()
    }

    /// The shape of graph input `i` as a caller gives it: the ids' shape for a token input.
    pub fn given_shape(&self, i: usize) -> Vec<usize> {
        match (&self.tokens, i) {
            (Some(tokens), 0) => tokens.shape.clone(),
            _ => self.inputs.get(i).map_or_else(Vec::new, |&t| self.tensors[t].shape.clone()),
        }
    }

    /// The graph's input values for inputs as a caller gives them: token ids become their one-hot
    /// rows (1 at the id); other inputs are unchanged.
    pub fn expand_inputs(&self, inputs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>, IrError> {
        self.check_inputs(inputs)?;
        let mut out = inputs.to_vec();
        if let (Some(tokens), Some(ids), Some(&t)) = (&self.tokens, inputs.first(), self.inputs.first()) {
            let v = tokens.vocab;
            let mut rows = vec![0f32; ids.len() * v];
            for (index, &value) in ids.iter().enumerate() {
                if value.fract() != 0.0 || !(0.0..v as f32).contains(&value) {
                    return Err(IrError::Token {
                        name: self.tensors[t].name.clone(),
                        index,
                        value: value.to_string(),
                        vocab: v,
                    });
                }
                rows[index * v + value as usize] = 1.0;
            }
            out[0] = rows;
        }
        Ok(out)
    }

    /// Checks values for the graph's own input tensors (one-hot rows for tokens).
    pub fn check_tensor_inputs<T>(&self, inputs: &[Vec<T>]) -> Result<(), IrError> {
        let tensors = self.inputs.iter().map(|&t| (self.tensors[t].name.clone(), self.tensors[t].len()));
        check_lengths(tensors.collect(), inputs)
    }

    /// `(name, number of elements)` of every graph output, in order.
    pub fn output_signature(&self) -> Vec<(String, usize)> {
        self.outputs.iter().map(|&t| (self.tensors[t].name.clone(), self.tensors[t].len())).collect()
    }

    /// The node writing `tensor`, if any (graph inputs have none).
    pub fn producer(&self, tensor: TensorId) -> Option<&Node> {
        self.nodes.iter().find(|n| n.output == tensor)
    }

    /// Whether every value of `tensor` is non-negative: an activation with non-negative outputs
    /// ([`non_negative`]) writes it, through reshapes.
    pub fn non_negative(&self, tensor: TensorId) -> bool {
        let mut t = tensor;
        loop {
            match self.producer(t).map(|n| (&n.op, n.inputs.first())) {
                Some((Op::Reshape { .. }, Some(&src))) => t = src,
                Some((Op::Act(a), _)) => return non_negative(*a),
                _ => return false,
            }
        }
    }

    /// Whether `tensor` is read, directly or through reshapes, by a Linear, Add, Mul or Div node: a
    /// value the proof keeps without an activation after it (the compiler gives its layer the
    /// identity, a tabulated activation, so it must lie in the tables' range).
    pub fn read_as_value(&self, tensor: TensorId) -> bool {
        self.nodes.iter().filter(|n| n.inputs.contains(&tensor)).any(|n| match n.op {
            Op::Linear { .. } | Op::Add | Op::Mul | Op::Div => true,
            Op::Reshape { .. } => self.read_as_value(n.output),
            Op::Act(_) => false,
        })
    }

    /// Checks the structural invariants: ids in range, every tensor written once (inputs by the
    /// caller, the others by exactly one node), topological order, arities and shapes consistent
    /// with each op, outputs defined.
    pub fn validate(&self) -> Result<(), IrError> {
        let n = self.tensors.len();
        let bad = |msg: String| Err(IrError::Invalid(msg));
        let mut defined = vec![false; n];
        for &t in &self.inputs {
            if t >= n {
                return bad(format!("graph input {t} is not a tensor"));
            }
            if defined[t] {
                return bad(format!("tensor '{}' is listed twice as an input", self.tensors[t].name));
            }
            defined[t] = true;
        }
        for node in &self.nodes {
            let ctx = |msg: &str| IrError::Invalid(format!("node '{}' ({}): {msg}", node.name, node.op.name()));
            if node.inputs.len() != node.op.arity() {
                return Err(ctx(&format!("takes {} input(s), has {}", node.op.arity(), node.inputs.len())));
            }
            for &t in &node.inputs {
                if t >= n || !defined[t] {
                    return Err(ctx(&format!("input {t} is not defined before the node")));
                }
            }
            if node.output >= n {
                return Err(ctx("output is not a tensor"));
            }
            if defined[node.output] {
                return Err(ctx(&format!("tensor '{}' is written twice", self.tensors[node.output].name)));
            }
            defined[node.output] = true;
            let inp = &self.tensors[node.inputs[0]];
            let out = &self.tensors[node.output];
            match &node.op {
                Op::Linear { weight, bias } => {
                    if weight.cols() == 0 || weight.rows() == 0 {
                        return Err(ctx("empty weight matrix"));
                    }
                    if inp.len() % weight.cols() != 0 {
                        return Err(ctx(&format!(
                            "input shape {:?} is not a whole number of rows of {}",
                            inp.shape,
                            weight.cols()
                        )));
                    }
                    let rows = inp.len() / weight.cols();
                    if out.len() != rows * weight.rows() {
                        return Err(ctx(&format!(
                            "output shape {:?} does not hold {rows} rows of {}",
                            out.shape,
                            weight.rows()
                        )));
                    }
                    if let Some(b) = bias {
                        if b.len() != weight.rows() {
                            return Err(ctx(&format!(
                                "bias has {} values, weight has {} rows",
                                b.len(),
                                weight.rows()
                            )));
                        }
                    }
                }
                Op::Act(_) => {
                    if inp.shape != out.shape {
                        return Err(ctx("output shape differs from input shape"));
                    }
                }
                Op::Reshape { shape } => {
                    if *shape != out.shape || inp.len() != out.len() {
                        return Err(ctx(&format!("cannot reshape {:?} to {:?}", inp.shape, shape)));
                    }
                }
                Op::Add | Op::Mul | Op::Div => {
                    let other = &self.tensors[node.inputs[1]];
                    if inp.shape != other.shape || inp.shape != out.shape {
                        return Err(ctx(&format!(
                            "shapes differ: {:?} {} {:?} -> {:?}",
                            inp.shape,
                            match node.op {
                                Op::Add => "+",
                                Op::Mul => "*",
                                _ => "/",
                            },
                            other.shape,
                            out.shape
                        )));
                    }
                }
            }
        }
        for &t in &self.outputs {
            if t >= n || !defined[t] {
                return bad(format!("graph output {t} is never computed"));
            }
        }
        Ok(())
    }

    /// Checks the number and lengths of graph inputs.
    pub fn check_inputs<T>(&self, inputs: &[Vec<T>]) -> Result<(), IrError> {
        check_lengths(self.input_signature(), inputs)
    }

    /// Float evaluation: the values of the graph outputs, in order.
    pub fn eval_f32(&self, inputs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>, IrError> {
        let mut all = self.eval_f32_all(inputs)?;
        Ok(self.outputs.iter().map(|&t| std::mem::take(&mut all[t])).collect())
    }

    /// Float evaluation: the value of every tensor, indexed by [`TensorId`]. Linear layers
    /// accumulate in `f64` and round once to `f32`; Sigmoid, Tanh and GELU are computed in `f64`
    /// ([`crate::model::activation::apply_f32`]) and rounded once to `f32`.
    pub fn eval_f32_all(&self, inputs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>, IrError> {
        let inputs = self.expand_inputs(inputs)?;
        let mut values: Vec<Vec<f32>> = vec![Vec::new(); self.tensors.len()];
        for (&t, v) in self.inputs.iter().zip(inputs) {
            values[t] = v;
        }
        for node in &self.nodes {
            let x = &values[node.inputs[0]];
            let y = match &node.op {
                Op::Linear { weight, bias } => {
                    let (cols, out) = (weight.cols(), weight.rows());
                    let mut y = Vec::with_capacity(x.len() / cols * out);
                    for row in x.chunks_exact(cols) {
                        for o in 0..out {
                            let acc: f64 = weight.entries(o).map(|(c, w)| w as f64 * row[c] as f64).sum();
                            let b = bias.as_ref().map_or(0.0, |b| b[o] as f64);
                            y.push((acc + b) as f32);
                        }
                    }
                    y
                }
                Op::Act(act) => x.iter().map(|&v| apply_f32(*act, v)).collect(),
                Op::Reshape { .. } => x.clone(),
                Op::Add => x.iter().zip(&values[node.inputs[1]]).map(|(a, b)| a + b).collect(),
                Op::Mul => x.iter().zip(&values[node.inputs[1]]).map(|(a, b)| a * b).collect(),
                Op::Div => x.iter().zip(&values[node.inputs[1]]).map(|(a, b)| a / b).collect(),
            };
            if y.len() != self.tensors[node.output].len() {
                return Err(IrError::Invalid(format!("node '{}' produced {} values", node.name, y.len())));
            }
            values[node.output] = y;
        }
        Ok(values)
    }
}

impl fmt::Display for Graph {
    /// One line per input, node and output, e.g.
    /// `/1/Gemm: Linear 784 -> 128 (+bias) [input] -> [/1/Gemm] shape [128]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &t in &self.inputs {
            writeln!(f, "input {}: {:?}", self.tensors[t].name, self.tensors[t].shape)?;
        }
        for node in &self.nodes {
            let names: Vec<&str> = node.inputs.iter().map(|&t| self.tensors[t].name.as_str()).collect();
            let detail = match &node.op {
                Op::Linear { weight, bias } => format!(
                    "Linear {} -> {}{}{}",
                    weight.cols(),
                    weight.rows(),
                    if bias.is_some() { " (+bias)" } else { "" },
                    if weight.nnz() < weight.rows() * weight.cols() {
                        format!(" ({} weights)", weight.nnz())
                    } else {
                        String::new()
                    }
                ),
                Op::Reshape { shape } => format!("Reshape {shape:?}"),
                op => op.name().to_string(),
            };
            let out = &self.tensors[node.output];
            writeln!(f, "{}: {detail} {names:?} -> {} {:?}", node.name, out.name, out.shape)?;
        }
        for &t in &self.outputs {
            writeln!(f, "output {}: {:?}", self.tensors[t].name, self.tensors[t].shape)?;
        }
        Ok(())
    }
}

/// A synthetic network for tests and benchmarks: `Linear(dims[0] -> dims[1]) -> ReLU -> ... ->
/// Linear(-> dims[last])`, weights uniform in `±1/sqrt(cols)` and biases in `±0.1`, drawn from
/// `rng`. Tensors are named `input`, `fc{i}`, `relu{i}`.
pub fn random_mlp<R: rand::Rng>(dims: &[usize], rng: &mut R) -> Graph {
    let mut g = Graph::default();
    g.tensors.push(TensorInfo { name: "input".into(), shape: vec![1, dims.first().copied().unwrap_or(0)] });
    g.inputs.push(0);
    for (i, w) in dims.windows(2).enumerate() {
        let (cols, rows) = (w[0], w[1]);
        let data: Vec<f32> = (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0) / (cols as f32).sqrt()).collect();
        let bias: Vec<f32> = (0..rows).map(|_| rng.gen_range(-0.1..0.1)).collect();
        let input = g.tensors.len() - 1;
        g.tensors.push(TensorInfo { name: format!("fc{i}"), shape: vec![1, rows] });
        let weight = Matrix::new(rows, cols, data).expect("rows * cols values");
        g.nodes.push(Node {
            name: format!("fc{i}"),
            op: Op::Linear { weight, bias: Some(bias) },
            inputs: vec![input],
            output: input + 1,
        });
        if i + 2 < dims.len() {
            g.tensors.push(TensorInfo { name: format!("relu{i}"), shape: vec![1, rows] });
            g.nodes.push(Node {
                name: format!("relu{i}"),
                op: Op::Act(Activation::Relu),
                inputs: vec![input + 1],
                output: input + 2,
            });
        }
    }
    g.outputs.push(g.tensors.len() - 1);
    g
}
