//! Accumulation end to end (`docs/protocols/accumulation.md`): hidden layers of equal shape folded
//! into one accumulator per class; completeness, size, and rejection of tampered folds.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Matrix, Node, Op, TensorInfo};
use zkml_prover::model::{prove_mode, setup, witness_with, ModelProvingKey, ProveOptions};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, ModelProof};

/// A chain Linear(dims[0] -> dims[1]) -> ReLU -> ... -> Linear with random weights.
fn mlp(dims: &[usize], rng: &mut ChaCha20Rng) -> Graph {
    let mut g = Graph::default();
    g.tensors.push(TensorInfo { name: "input".into(), shape: vec![1, dims[0]] });
    g.inputs.push(0);
    for (i, w) in dims.windows(2).enumerate() {
        let (cols, rows) = (w[0], w[1]);
        let data: Vec<f32> = (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0) / (cols as f32).sqrt()).collect();
        let bias: Vec<f32> = (0..rows).map(|_| rng.gen_range(-0.1..0.1)).collect();
        let input = g.tensors.len() - 1;
        g.tensors.push(TensorInfo { name: format!("fc{i}"), shape: vec![1, rows] });
        g.nodes.push(Node {
            name: format!("fc{i}"),
            op: Op::Linear { weight: Matrix::new(rows, cols, data).unwrap(), bias: Some(bias) },
            inputs: vec![input],
            output: input + 1,
        });
        if i + 2 < dims.len() {
            g.tensors.push(TensorInfo { name: format!("relu{i}"), shape: vec![1, rows] });
            g.nodes.push(Node { name: format!("relu{i}"), op: Op::Relu, inputs: vec![input + 1], output: input + 2 });
        }
    }
    g.outputs.push(g.tensors.len() - 1);
    g
}

struct Fixture {
    pk: ModelProvingKey,
    input: Vec<i64>,
}

fn fixture(dims: &[usize], seed: u64) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let g = mlp(dims, &mut rng);
    let input: Vec<f32> = (0..dims[0]).map(|_| rng.gen_range(0.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 8 };
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    let srs = Srs::insecure_dev(11, &mut rng);
    let pk = setup(&srs, &model, &mut rng).unwrap();
    let q = model.quantise_inputs(&[input]).unwrap();
    Fixture { pk, input: q[0].clone() }
}

/// Input 16, eight hidden layers of width 16, output 4: seven hidden layers fold.
const DEEP: [usize; 10] = [16, 16, 16, 16, 16, 16, 16, 16, 16, 4];

#[test]
fn deep_mlp_folds_and_verifies() {
    let f = fixture(&DEEP, 1);
    let layout = Layout::new(&f.pk.vk, Mode::Accumulated);
    assert_eq!(layout.classes.len(), 1);
    assert_eq!(layout.classes[0].members, (1..8).collect::<Vec<_>>());
    assert_eq!((layout.folds.len(), layout.levels), (6, 3));
    let acc = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let per = prove_mode(&f.pk, &f.input, Mode::PerLayer, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let va = verify_model(&f.pk.vk, &acc, None).unwrap();
    let vp = verify_model(&f.pk.vk, &per, None).unwrap();
    assert_eq!(va.output, vp.output);
    assert_eq!((va.pairings, vp.pairings), (2, 2));
    let (a, p) = (acc.to_artifact_bytes(), per.to_artifact_bytes());
    assert_eq!(ModelProof::from_artifact_bytes(&a).unwrap(), acc);
    assert_eq!(ModelProof::from_artifact_bytes(&p).unwrap(), per);
    eprintln!("accumulated {} bytes, per-layer {} bytes", a.len(), p.len());
    assert!(a.len() < p.len());
}
