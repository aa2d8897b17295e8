//! Convolutional models, lowered to fixed-weight matmuls with sparse weights (`docs/quantisation.md`,
//! "Convolutions and pooling"): the lowering against ONNX's own reference outputs (strides,
//! padding, dilation, groups, average pooling with and without padded cells, global average
//! pooling, a 1x1 convolution), LeNet's pooling composed into the layers after it, completeness
//! in both proof modes, a convolution with one weight changed (a stored one, or one outside its
//! kernel) rejected, a tamper sweep and Fiat–Shamir binding on a convolution's proof, proving
//! keys with sparse rows round-tripped and checked, and MaxPool named as unsupported.

mod common;

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::io_json;
use zkml_prover::ir::{Op, Sparse};
use zkml_prover::model::{prove, prove_mode, setup, ModelProvingKey};
use zkml_prover::onnx::{ImportError, OnnxModel};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, ModelMeta, ModelProof};
use zkml_verifier::Error;

use common::tampered_fields;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models").join(name)
}

fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// The model's float IR output on each sample against the reference file's: returns the largest
/// difference.
fn float_error(model: &OnnxModel, samples: &[&str]) -> f32 {
    let g = model.graph();
    let mut worst = 0f32;
    for s in samples {
        let input = io_json::read_input(fixture(&format!("{s}.input.json")), &g.input_signature()).unwrap();
        let want = io_json::read_output(fixture(&format!("{s}.expected.json"))).unwrap();
        let got = g.eval_f32(&input).unwrap();
        assert_eq!(argmax(&got[0]), argmax(&want[0]), "{s}");
        for (a, b) in got[0].iter().zip(&want[0]) {
            worst = worst.max((a - b).abs());
        }
    }
    worst
}

#[test]
fn convolutions_and_poolings_match_the_onnx_reference() {
    // Strided and padded, depthwise dilated, 1x1, average pooling without padded cells, global
    // average pooling: each a sparse Linear, checked against ONNX's reference evaluator.
    let model = OnnxModel::load(fixture("conv_mix.onnx")).unwrap();
    let err = float_error(&model, &["conv_mix"]);
    assert!(err < 1e-4, "float IR differs from the ONNX reference by {err}");
    let g = model.graph();
    eprintln!("{g}");
    let linear: Vec<&Sparse<f32>> = g
        .nodes
        .iter()
        .filter_map(|n| match &n.op {
            Op::Linear { weight, .. } => Some(weight),
            _ => None,
        })
        .collect();
    // The pooling is composed into the 1x1 convolution, the global pooling into the Gemm.
    assert_eq!(linear.len(), 4, "{g}");
    // The first convolution: 4 x 6 x 6 outputs of 3 x 12 x 12 inputs, at most 27 weights a row.
    assert_eq!((linear[0].rows(), linear[0].cols()), (144, 432));
    assert!((0..144).all(|r| linear[0].row(r).0.len() <= 27));
    // The depthwise convolution reads one channel: at most 9 weights a row.
    assert!((0..linear[1].rows()).all(|r| linear[1].row(r).0.len() <= 9));
}

#[test]
fn lenet_pools_compose_into_the_next_layers() {
    let model = OnnxModel::load(fixture("mnist_lenet.onnx")).unwrap();
    let err = float_error(&model, &["mnist_lenet", "mnist_lenet.1", "mnist_lenet.2"]);
    assert!(err < 1e-3, "float IR differs from onnxruntime by {err}");
    let g = model.graph();
    let shapes: Vec<(usize, usize)> = g
        .nodes
        .iter()
        .filter_map(|n| match &n.op {
            Op::Linear { weight, .. } => Some((weight.rows(), weight.cols())),
            _ => None,
        })
        .collect();
    // conv1; pool1 then conv2; pool2, flatten, then fc1; fc2; fc3.
    assert_eq!(shapes, [(4704, 784), (1600, 4704), (120, 1600), (84, 120), (10, 84)], "{g}");
}

#[test]
fn maxpool_is_named_as_unsupported() {
    let err = OnnxModel::load(fixture("maxpool.onnx")).unwrap_err();
    let ImportError::Unsupported { ops, .. } = &err else { panic!("unexpected {err}") };
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(ops[0].1.starts_with("MaxPool"), "{ops:?}");
}

struct Fixture {
    pk: ModelProvingKey,
    input: Vec<i64>,
}

/// `conv_mix.onnx` set up on a dev SRS with 10-bit tables.
fn conv_fixture() -> Fixture {
    let model = OnnxModel::load(fixture("conv_mix.onnx")).unwrap();
    let g = model.into_graph();
    let input = io_json::read_input(fixture("conv_mix.input.json"), &g.input_signature()).unwrap();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 10, headroom_bits: 1 };
    let q = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(31);
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &q, ModelMeta::default(), &mut rng).unwrap();
    let input = q.quantise_inputs(&input).unwrap().remove(0);
    Fixture { pk, input }
}

fn proof(f: &Fixture, pk: &ModelProvingKey, seed: u64) -> ModelProof {
    prove(pk, &f.input, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

#[test]
fn a_convolution_proves_in_both_modes_and_binds_its_weights() {
    let f = conv_fixture();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(32)).unwrap();
        verify_model(&f.pk.vk, &p, None).unwrap();
    }
    // One stored weight of the first convolution changed.
    let mut pk = f.pk.clone();
    pk.layers[0].weight.values_mut()[5] += 1;
    assert_eq!(verify_model(&f.pk.vk, &proof(&f, &pk, 33), None), Err(Error::PairingCheckFailed));
    // A weight outside the kernel's window (a cell the convolution does not read) made non-zero.
    let mut pk = f.pk.clone();
    let w = &pk.layers[0].weight;
    let (cols, _) = w.row(0);
    let outside = (0..w.cols()).find(|c| !cols.contains(&(*c as u32))).unwrap();
    let rows = (0..w.rows()).map(|r| {
        let mut e: Vec<(usize, i64)> = w.entries(r).collect();
        if r == 0 {
            e.push((outside, 1));
            e.sort_unstable();
        }
        e
    });
    pk.layers[0].weight = Sparse::from_rows(w.cols(), rows.collect::<Vec<_>>()).unwrap();
    assert_eq!(verify_model(&f.pk.vk, &proof(&f, &pk, 34), None), Err(Error::PairingCheckFailed));
}

#[test]
fn a_convolution_proof_rejects_every_tampered_field_and_mixed_messages() {
    let f = conv_fixture();
    let a = proof(&f, &f.pk, 35);
    for (what, p) in tampered_fields(&a) {
        assert!(verify_model(&f.pk.vk, &p, None).is_err(), "{what} tampered but the proof verified");
    }
    let b = proof(&f, &f.pk, 36);
    let mixes = [
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("evaluations", ModelProof { evals: b.evals.clone(), ..a.clone() }),
        ("opening", ModelProof { opening: b.opening.clone(), ..a.clone() }),
    ];
    for (what, p) in mixes {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn sparse_proving_keys_round_trip_and_bad_rows_are_refused() {
    let f = conv_fixture();
    let bytes = f.pk.to_bytes();
    let back = ModelProvingKey::from_bytes(&bytes).unwrap();
    assert_eq!(back.layers, f.pk.layers);
    verify_model(&f.pk.vk, &proof(&f, &back, 37), None).unwrap();
    for cut in [bytes.len() - 1, bytes.len() / 2] {
        assert!(ModelProvingKey::from_bytes(&bytes[..cut]).is_err());
    }
    // Row 0 of the first layer as written: its entry count, then (column, value) per entry.
    let w = &f.pk.layers[0].weight;
    let (cols, vals) = w.row(0);
    let mut pattern = (cols.len() as u32).to_le_bytes().to_vec();
    for (c, v) in cols.iter().zip(vals).take(2) {
        pattern.extend(c.to_le_bytes());
        pattern.extend((*v as u64).to_le_bytes());
    }
    let at = bytes.windows(pattern.len()).position(|x| x == pattern.as_slice()).unwrap();
    // The second entry's column repeating the first's.
    let mut bad = bytes.clone();
    bad[at + 16..at + 20].copy_from_slice(&cols[0].to_le_bytes());
    let err = ModelProvingKey::from_bytes(&bad).unwrap_err();
    assert!(err.to_string().contains("not increasing"), "{err}");
    // More entries than the layer has columns.
    let mut bad = bytes.clone();
    bad[at..at + 4].copy_from_slice(&(w.cols() as u32 + 1).to_le_bytes());
    let err = ModelProvingKey::from_bytes(&bad).unwrap_err();
    assert!(err.to_string().contains("more entries than columns"), "{err}");
}
