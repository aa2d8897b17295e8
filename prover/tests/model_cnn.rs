//! Convolutional models, lowered to fixed-weight matmuls with sparse weights (`docs/quantisation.md`,
//! "Convolutions and pooling"): the lowering against ONNX's own reference outputs (strides,
//! padding, dilation, groups, average pooling with and without padded cells, global average
//! pooling, a 1x1 convolution), LeNet's pooling and an input normalisation composed into the
//! layers after them, completeness
//! in both proof modes, a convolution with one weight changed (a stored one, or one outside its
//! kernel) rejected, a tamper sweep and Fiat–Shamir binding on a convolution's proof, proving
//! keys with sparse rows round-tripped and checked; a pooled value with a wrong remainder
//! rejected; a max pooling as ReLU layers, a pooled value
//! that is not its window's maximum rejected, on signed values too, and a signed maximum feeding
//! two nodes refused; MobileNet's linear bottlenecks as identity layers, a changed one rejected;
//! Pad, Concat, Slice and Transpose as selections composed into the layers around them; a product
//! with its own HardSigmoid or Sigmoid proven as one HardSwish or SiLU.

mod common;

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::io_json;
use zkml_prover::ir::{Graph, Op, Sparse};
use zkml_prover::model::{prove, prove_mode, prove_witness, setup, witness_with, LayerWitness, ModelProvingKey};
use zkml_prover::onnx::{ImportError, OnnxModel};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::key::Source;
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

/// The weights of the graph's Linear nodes, in order.
fn linear_weights(g: &Graph) -> Vec<&Sparse<f32>> {
    g.nodes
        .iter()
        .filter_map(|n| match &n.op {
            Op::Linear { weight, .. } => Some(weight),
            _ => None,
        })
        .collect()
}

/// `(rows, cols)` of the graph's Linear nodes, in order.
fn linear_shapes(g: &Graph) -> Vec<(usize, usize)> {
    linear_weights(g).iter().map(|w| (w.rows(), w.cols())).collect()
}

/// `g` calibrated on `input` (10-bit tables) and set up on a dev SRS of `2^log` powers drawn from
/// `seed`: the proving key, the quantised model, the quantised input and the generator (for the
/// proof).
fn dev_setup(
    g: Graph,
    input: &[Vec<f32>],
    log: u32,
    seed: u64,
) -> (ModelProvingKey, QuantizedModel, Vec<i64>, ChaCha20Rng) {
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 10, headroom_bits: 1 };
    let q = QuantizedModel::calibrate(g, std::slice::from_ref(&input.to_vec()), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let srs = Srs::insecure_dev(log, &mut rng);
    let pk = setup(&srs, &q, ModelMeta::default(), &mut rng).unwrap();
    let x = q.quantise_inputs(input).unwrap().remove(0);
    (pk, q, x, rng)
}

/// Sets the fixture `name` up (`dev_setup`), proves its sample and checks that the proven output
/// is the quantised model's.
fn assert_proves_its_output(g: &Graph, name: &str, seed: u64) {
    let input = io_json::read_input(fixture(&format!("{name}.input.json")), &g.input_signature()).unwrap();
    let (pk, q, x, mut rng) = dev_setup(g.clone(), &input, 12, seed);
    let verdict = verify_model(&pk.vk, &prove(&pk, &x, &mut rng).unwrap(), None).unwrap();
    let (witness, _) = q.run(&input).unwrap();
    let want: Vec<i32> = witness.tensors[g.outputs[0]].iter().map(|&v| v as i32).collect();
    assert_eq!(verdict.output, want);
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
    let linear = linear_weights(g);
    // Both poolings read ReLU outputs and would spread over the next layer's weights: each stays
    // a layer of its own (behind a ReLU that changes nothing).
    assert_eq!(linear.len(), 6, "{g}");
    // The first convolution: 4 x 6 x 6 outputs of 3 x 12 x 12 inputs, at most 27 weights a row.
    assert_eq!((linear[0].rows(), linear[0].cols()), (144, 432));
    assert!((0..144).all(|r| linear[0].row(r).0.len() <= 27));
    // The depthwise convolution reads one channel: at most 9 weights a row.
    assert!((0..linear[1].rows()).all(|r| linear[1].row(r).0.len() <= 9));
}

#[test]
fn a_product_with_a_broadcast_constant_expands_exactly() {
    // MatMul of x [2, 3, 4] by a constant [1, 4, 5]: the constant is broadcast over the first
    // axis (a one-row map), equal to the ONNX reference.
    let model = OnnxModel::load(fixture("matmul_broadcast.onnx")).unwrap();
    let g = model.graph();
    let input = io_json::read_input(fixture("matmul_broadcast.input.json"), &g.input_signature()).unwrap();
    let want = io_json::read_output(fixture("matmul_broadcast.expected.json")).unwrap();
    let got = g.eval_f32(&input).unwrap();
    assert_eq!(got[0].len(), want[0].len());
    assert!(got[0].iter().zip(&want[0]).all(|(a, b)| (a - b).abs() < 1e-5), "{got:?} vs {want:?}");
}

#[test]
fn lenet_pools_compose_into_the_next_layers() {
    let model = OnnxModel::load(fixture("mnist_lenet.onnx")).unwrap();
    let err = float_error(&model, &["mnist_lenet", "mnist_lenet.1", "mnist_lenet.2"]);
    assert!(err < 1e-3, "float IR differs from onnxruntime by {err}");
    let g = model.graph();
    let shapes = linear_shapes(g);
    // conv1, pool1 composed into conv2 (a 10x10 stride-2 kernel), pool2 composed into fc1 (the
    // flatten folded too), fc2, fc3: a 2x2 pooling's weights (1/4) at most quadruple the next
    // layer's (`compose::MAX_FRACTIONAL_GROWTH`), so it composes and the verifier combines 1,576
    // fewer weight rows.
    assert_eq!(shapes, [(4704, 784), (1600, 4704), (120, 1600), (84, 120), (10, 84)], "{g}");
    assert!(g.nodes.iter().filter(|n| n.op.name() == "Relu").count() == 4, "{g}");
}

#[test]
fn an_input_normalisation_composes_into_the_convolution() {
    // Sub(mean) and Div(std) per channel on the input are diagonal Linear nodes, composed into the
    // convolution (the product has no more weights than the convolution); the global pooling
    // stays a layer.
    let model = OnnxModel::load(fixture("normalized_conv.onnx")).unwrap();
    let err = float_error(&model, &["normalized_conv"]);
    assert!(err < 1e-4, "float IR differs from the ONNX reference by {err}");
    let g = model.graph();
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["Linear", "Relu", "Linear", "Relu", "Linear"], "{g}");
    // And it proves: the folded normalisation is part of the committed weights.
    assert_proves_its_output(g, "normalized_conv", 41);
}

#[test]
fn a_downsampling_residual_block_merges_its_branches() {
    // conv(stride 2) -> ReLU -> conv, plus a 1x1 stride-2 convolution of the block's input: the
    // first convolution also carries the input through its ReLU, and one Linear reads both.
    let model = OnnxModel::load(fixture("resnet_block.onnx")).unwrap();
    let err = float_error(&model, &["resnet_block"]);
    assert!(err < 1e-4, "float IR differs from the ONNX reference by {err}");
    let g = model.graph();
    let shapes = linear_shapes(g);
    // stem 8x8x8; block conv 16x4x4 plus the 8x8x8 input carried; the merged 16x4x4 from both;
    // the global pooling; the classifier.
    assert_eq!(shapes, [(512, 192), (256 + 512, 512), (256, 768), (16, 256), (4, 16)], "{g}");
    assert_proves_its_output(g, "resnet_block", 61);
}

#[test]
fn moves_are_selections_composed_into_their_neighbours() {
    // A reflect Pad before a Conv, a Concat of two ReLU outputs on the channel axis, a Slice of
    // channels, a Transpose to NHWC and a constant Pad (0.5) before a Gemm: the pad composes into
    // the convolution; the Concat of `r1` and `ReLU(C r1)` is the branch merge's (the second
    // convolution carries `r1` through its ReLU); slice, transpose, pad and Gemm compose into one
    // Linear whose bias holds the padded cells' 0.5.
    let model = OnnxModel::load(fixture("moves.onnx")).unwrap();
    let err = float_error(&model, &["moves"]);
    assert!(err < 1e-4, "float IR differs from the ONNX reference by {err}");
    let g = model.graph();
    assert_eq!(linear_shapes(g), [(144, 108), (72 + 144, 144), (3, 216)], "{g}");
    assert_proves_its_output(g, "moves", 81);
}

#[test]
fn a_product_with_its_gate_is_one_activation() {
    // Mul(c, HardSigmoid(c)) with alpha 1/6 and beta 1/2 is HardSwish(c), Mul(c, Sigmoid(c)) is
    // SiLU(c); each proven as one tabulated activation.
    for (name, act) in [("hardswish_mul", "HardSwish"), ("silu_mul", "Silu")] {
        let model = OnnxModel::load(fixture(&format!("{name}.onnx"))).unwrap();
        let err = float_error(&model, &[name]);
        assert!(err < 1e-4, "{name}: float IR differs from the ONNX reference by {err}");
        let g = model.graph();
        let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["Linear", act, "Linear"], "{g}");
        let input = io_json::read_input(fixture(&format!("{name}.input.json")), &g.input_signature()).unwrap();
        let (pk, q, x, mut rng) = dev_setup(g.clone(), &input, 13, 91);
        let (witness, _) = q.run(&input).unwrap();
        let want: Vec<i32> = witness.tensors[g.outputs[0]].iter().map(|&v| v as i32).collect();
        assert_eq!(verify_model(&pk.vk, &prove(&pk, &x, &mut rng).unwrap(), None).unwrap().output, want, "{name}");
    }
}

#[test]
fn mobilenet_linear_bottlenecks_become_identity_layers() {
    // Inverted residuals: 1x1 expand, ReLU6; 3x3 depthwise, ReLU6; 1x1 project without an
    // activation. Each projection read by the next block and by its residual Add is a hidden
    // layer with the identity; the last one composes into the head's 1x1 convolution.
    let model = OnnxModel::load(fixture("mobilenet_tiny.onnx")).unwrap();
    let err = float_error(&model, &["mobilenet_tiny"]);
    assert!(err < 1e-4, "float IR differs from the ONNX reference by {err}");
    let g = model.graph();
    let input = io_json::read_input(fixture("mobilenet_tiny.input.json"), &g.input_signature()).unwrap();
    let (pk, q, x, mut rng) = dev_setup(g.clone(), &input, 14, 71);
    let acts: Vec<&str> = pk.vk.layers.iter().map(|l| l.act.name()).collect();
    assert_eq!(acts.iter().filter(|&&a| a == "identity").count(), 2, "{acts:?}");
    let identity = pk.vk.layers.iter().position(|l| l.act == Activation::Identity).unwrap() as u32;
    // The bottleneck feeds the next expansion and is the next residual's skip.
    assert!(pk.vk.layers.iter().any(|l| l.input == Source::Layer(identity)));
    assert!(pk.vk.layers.iter().any(|l| l.skip == Some(Source::Layer(identity))));
    let (witness, _) = q.run(&input).unwrap();
    let want: Vec<i32> = witness.tensors[g.outputs[0]].iter().map(|&v| v as i32).collect();
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&pk, &x, mode, &mut rng).unwrap();
        assert_eq!(verify_model(&pk.vk, &proof, None).unwrap().output, want, "{mode:?}");
    }
    // A bottleneck value changed (and read on consistently) is rejected.
    let layer = identity as usize;
    let cheat = witness_with(&pk, &x, &|l, w: &mut LayerWitness| {
        if l == layer {
            w.out[3] += 1
        }
    })
    .unwrap();
    let bad = prove_witness(&pk, &x, &cheat, &mut rng, false).unwrap();
    assert_eq!(verify_model(&pk.vk, &bad, None), Err(Error::PairingCheckFailed));
}

#[test]
fn a_max_pooling_is_a_tournament_of_relu_layers() {
    let model = OnnxModel::load(fixture("maxpool.onnx")).unwrap();
    let err = float_error(&model, &["maxpool"]);
    assert!(err < 1e-5, "float IR differs from the ONNX reference by {err}");
    let g = model.graph();
    // conv, ReLU, two tournament layers with their ReLUs, the last (the maxima) composed into
    // the Gemm: a selection adds no weights.
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["Linear", "Relu", "Linear", "Relu", "Linear", "Relu", "Linear"], "{g}");
    // On values that may be negative each carried candidate takes two rows, a and -a.
    let signed = OnnxModel::load(fixture("maxpool_signed.onnx")).unwrap();
    let g = signed.graph();
    let input = io_json::read_input(fixture("maxpool.input.json"), &g.input_signature()).unwrap();
    let want = io_json::read_output(fixture("maxpool_signed.expected.json")).unwrap();
    let got = g.eval_f32(&input).unwrap();
    assert!(got[0].iter().zip(&want[0]).all(|(a, b)| (a - b).abs() < 1e-5), "{got:?} vs {want:?}");
    let rows: Vec<usize> = linear_shapes(g).iter().map(|s| s.0).collect();
    // Round 1 (8 windows x 2 pairs x 3 rows, the convolution before it composed in: nothing
    // non-linear between them), round 2 (8 x 3), and the Gemm (the maxima composed in).
    assert_eq!(rows, [48, 24, 3], "{g}");
    // A signed maximum that feeds two nodes would need to be a layer's output without a ReLU:
    // refused, naming the node.
    let err = OnnxModel::load(fixture("maxpool_signed_shared.onnx")).unwrap_err();
    let ImportError::Unsupported { ops, .. } = &err else { panic!("unexpected {err}") };
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(ops[0].1.starts_with("MaxPool (of values that may be negative, feeding several nodes)"), "{ops:?}");
}

#[test]
fn a_pooled_value_that_is_not_the_maximum_is_rejected() {
    // (model, the tournament's first layer, rows per pair and the offset of the `b - a` row):
    // after a ReLU the pair's rows are (a, b - a); on signed values (a, -a, b - a), with the
    // convolution composed into the first round.
    for (name, layer, step, diff) in [("maxpool", 1, 2, 1), ("maxpool_signed", 0, 3, 2)] {
        let model = OnnxModel::load(fixture(&format!("{name}.onnx"))).unwrap();
        let g = model.into_graph();
        let input = io_json::read_input(fixture("maxpool.input.json"), &g.input_signature()).unwrap();
        let (pk, _, x, _) = dev_setup(g, &input, 11, 51);
        for mode in [Mode::PerLayer, Mode::Accumulated] {
            let p = prove_mode(&pk, &x, mode, &mut ChaCha20Rng::seed_from_u64(52)).unwrap();
            verify_model(&pk.vk, &p, None).unwrap();
        }
        // A cheating prover claims the smaller candidate of a pair is the larger (ReLU(b - a) = 0
        // for b > a), or a value above both (ReLU(b - a) + 1).
        type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;
        let cheats: Vec<(&str, Hook)> = vec![
            (
                "the smaller candidate",
                Box::new(move |l, w: &mut LayerWitness| {
                    if let (true, Some(i)) = (l == layer, (diff..w.q.len()).step_by(step).find(|&i| w.q[i] > 0)) {
                        w.out[i] = 0;
                    }
                }),
            ),
            (
                "above every candidate",
                Box::new(move |l, w: &mut LayerWitness| {
                    if l == layer {
                        w.out[diff] += 1;
                    }
                }),
            ),
        ];
        for (what, hook) in cheats {
            let wit = witness_with(&pk, &x, &*hook).unwrap();
            assert!(prove_witness(&pk, &x, &wit, &mut ChaCha20Rng::seed_from_u64(53), true).is_err(), "{name}: {what}");
            let proof = prove_witness(&pk, &x, &wit, &mut ChaCha20Rng::seed_from_u64(53), false).unwrap();
            assert!(verify_model(&pk.vk, &proof, None).is_err(), "{name}: {what}: a wrong maximum verified");
        }
    }
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
    let (pk, _, input, _) = dev_setup(g, &input, 12, 31);
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
fn a_pooled_value_with_a_wrong_remainder_is_rejected() {
    // conv_mix's layer 2 is its average pooling (a layer of its own): z = sum (2^s/k) x, and
    // q = round(z / 2^s) with z + 2^(s-1) = 2^s q + rem, rem in [0, 2^s). A cheating prover
    // claims q + 1 with rem - 2^s (the identity still holds; the range does not), or q - 1 with
    // rem + 2^s.
    let f = conv_fixture();
    assert_eq!(f.pk.layers[2].name, "p");
    let s = f.pk.vk.scale_bits;
    for delta in [1i64, -1] {
        let hook = move |l: usize, w: &mut LayerWitness| {
            if l == 2 {
                w.q[0] += delta;
                w.rem[0] -= delta << s;
                w.out[0] = w.q[0].max(0);
                (w.high[0], w.sign[0]) = (w.q[0].div_euclid(1 << s), i64::from(w.q[0] >= 0));
            }
        };
        let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
        assert!(prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(38), true).is_err());
        let p = prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(38), false).unwrap();
        assert!(verify_model(&f.pk.vk, &p, None).is_err(), "a pooled value off by {delta} verified");
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
