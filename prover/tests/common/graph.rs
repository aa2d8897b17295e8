//! IR graphs with random weights for the block tests, and their keys over a small dev SRS.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Matrix, Node, Op, TensorId, TensorInfo};
use zkml_prover::model::{setup, ModelProvingKey};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::ModelMeta;

/// Builds IR graphs with random weights.
pub struct Builder {
    pub g: Graph,
    pub rng: ChaCha20Rng,
}

impl Builder {
    pub fn new(inputs: usize, seed: u64) -> Self {
        let mut g = Graph::default();
        g.tensors.push(TensorInfo { name: "x".into(), shape: vec![1, inputs] });
        g.inputs.push(0);
        Builder { g, rng: ChaCha20Rng::seed_from_u64(seed) }
    }

    pub fn push(&mut self, op: Op, inputs: Vec<TensorId>, len: usize) -> TensorId {
        let out = self.g.tensors.len();
        let name = format!("t{out}");
        self.g.tensors.push(TensorInfo { name: name.clone(), shape: vec![1, len] });
        self.g.nodes.push(Node { name, op, inputs, output: out });
        out
    }

    pub fn linear(&mut self, input: TensorId, rows: usize) -> TensorId {
        let cols = self.g.tensor(input).len();
        let data: Vec<f32> = (0..rows * cols).map(|_| self.rng.gen_range(-1.0..1.0) / (cols as f32).sqrt()).collect();
        let bias: Vec<f32> = (0..rows).map(|_| self.rng.gen_range(-0.1..0.1)).collect();
        let weight = Matrix::new(rows, cols, data).unwrap();
        self.push(Op::Linear { weight, bias: Some(bias) }, vec![input], rows)
    }

    /// A Linear layer with non-negative weights and a bias in `[0.5, 1)`: positive on a
    /// non-negative input (a divisor).
    pub fn positive(&mut self, input: TensorId, rows: usize) -> TensorId {
        let cols = self.g.tensor(input).len();
        let data: Vec<f32> = (0..rows * cols).map(|_| self.rng.gen_range(0.0..1.0) / (cols as f32).sqrt()).collect();
        let bias: Vec<f32> = (0..rows).map(|_| self.rng.gen_range(0.5..1.0)).collect();
        let weight = Matrix::new(rows, cols, data).unwrap();
        self.push(Op::Linear { weight, bias: Some(bias) }, vec![input], rows)
    }

    pub fn act(&mut self, act: Activation, input: TensorId) -> TensorId {
        let len = self.g.tensor(input).len();
        self.push(Op::Act(act), vec![input], len)
    }

    pub fn mul(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let len = self.g.tensor(a).len();
        self.push(Op::Mul, vec![a, b], len)
    }

    pub fn div(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let len = self.g.tensor(a).len();
        self.push(Op::Div, vec![a, b], len)
    }

    pub fn finish(mut self, outputs: &[TensorId]) -> Graph {
        self.g.outputs = outputs.to_vec();
        self.g
    }
}

pub struct Fixture {
    pub pk: ModelProvingKey,
    pub model: QuantizedModel,
    pub input: Vec<i64>,
}

pub fn fixture(g: Graph, seed: u64) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let n = g.tensor(g.inputs[0]).len();
    let input: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let input = model.quantise_inputs(&[input]).unwrap().remove(0);
    Fixture { pk, model, input }
}

/// The quantised model's outputs, concatenated in graph order.
pub fn expected(f: &Fixture) -> Vec<i32> {
    let w = f.model.eval(std::slice::from_ref(&f.input)).unwrap();
    f.model.graph.outputs.iter().flat_map(|&t| w.tensors[t].iter().map(|&v| v as i32)).collect()
}
