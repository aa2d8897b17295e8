//! Tabulated activations (Sigmoid, Tanh, exact GELU, and the piecewise-linear Clip, LeakyRelu,
//! HardSigmoid, HardSwish) end to end: completeness alone and mixed with folded ReLU layers, a
//! wrong or borrowed activation value rejected, a tamper sweep over every proof field,
//! Fiat–Shamir binding, keys that misuse activations, and the ONNX fixtures
//! (`docs/protocols/mlp.md`, "Tabulated activations").

mod common;

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{random_mlp, Graph, Op};
use zkml_prover::model::activation::apply;
use zkml_prover::model::{prove, prove_mode, prove_witness, setup, witness_with, LayerWitness, ModelProvingKey};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::error::DecodeError;
use zkml_verifier::model::activation::{Activation, Param};
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, ModelMeta, ModelProof, ModelVerifyingKey};
use zkml_verifier::Error;

use common::tampered_fields;

struct Fixture {
    pk: ModelProvingKey,
    model: QuantizedModel,
    input: Vec<i64>,
}

/// A random network of widths `dims` whose hidden layers end in `acts` (in order), set up with
/// 8-bit tables (three sections of 512 rows at most) on a dev SRS.
fn fixture(dims: &[usize], acts: &[Activation], seed: u64) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut g = random_mlp(dims, &mut rng);
    let mut acts = acts.iter();
    for node in &mut g.nodes {
        if node.op == Op::Act(Activation::Relu) {
            node.op = Op::Act(*acts.next().unwrap_or(&Activation::Relu));
        }
    }
    from_graph(g, seed)
}

fn from_graph(g: Graph, seed: u64) -> Fixture {
    use rand::Rng;
    let mut rng = ChaCha20Rng::seed_from_u64(seed + 1000);
    let n = g.tensor(g.inputs[0]).len();
    let input: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.5..1.5)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 6, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    // 2^13 powers: up to five table sections of 512 rows.
    let srs = Srs::insecure_dev(13, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let input = model.quantise_inputs(&[input]).unwrap().remove(0);
    Fixture { pk, model, input }
}

fn expected_output(f: &Fixture) -> Vec<i32> {
    let w = f.model.eval(std::slice::from_ref(&f.input)).unwrap();
    w.tensors[f.model.graph.outputs[0]].iter().map(|&v| v as i32).collect()
}

const ALL: [Activation; 3] = [Activation::Sigmoid, Activation::Tanh, Activation::Gelu];

#[test]
fn tabulated_activations_prove_and_verify() {
    let f = fixture(&[6, 5, 5, 5, 3], &ALL, 1);
    assert_eq!(
        f.pk.vk.layers.iter().map(|l| l.act).collect::<Vec<_>>(),
        [ALL.as_slice(), &[Activation::None]].concat()
    );
    assert_eq!(f.pk.vk.table_sections(), ALL);
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
        let verdict = verify_model(&f.pk.vk, &proof, None).unwrap();
        assert_eq!(verdict.output, expected_output(&f), "{mode:?}");
        let bytes = proof.to_artifact_bytes();
        assert_eq!(ModelProof::from_artifact_bytes(&bytes).unwrap(), proof);
    }
}

#[test]
fn tabulated_layers_sit_beside_folded_relu_layers() {
    // Two ReLU layers of one shape fold; the Tanh layer of the same shape, and the first layer
    // (it reads the public input), are checked on their own.
    let acts = [Activation::Relu, Activation::Relu, Activation::Relu, Activation::Tanh];
    let f = fixture(&[6, 5, 5, 5, 5, 3], &acts, 3);
    let layout = zkml_verifier::model::layout::Layout::new(&f.pk.vk, Mode::Accumulated);
    assert_eq!(layout.classes.len(), 1);
    assert_eq!(layout.classes[0].members, vec![1, 2]);
    assert_eq!(f.pk.vk.table_sections(), vec![Activation::Tanh]);
    let proof = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
    assert_eq!(proof.folds.len(), 1);
    assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected_output(&f));
}

#[test]
fn a_sigmoid_layer_feeds_a_folded_class_and_sections_are_shared() {
    // Sigmoid's padded outputs are 2^(s-1), not 0: they enter the folded class's input.
    let f =
        fixture(&[6, 5, 5, 5, 5, 3], &[Activation::Sigmoid, Activation::Relu, Activation::Relu, Activation::Relu], 20);
    let layout = zkml_verifier::model::layout::Layout::new(&f.pk.vk, Mode::Accumulated);
    assert_eq!(layout.classes[0].members, vec![1, 2, 3]);
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(21)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected_output(&f), "{mode:?}");
    }
    // One activation on two layers: one section, shared multiplicities.
    let f = fixture(&[6, 5, 5, 5, 3], &[Activation::Gelu, Activation::Relu, Activation::Gelu], 22);
    assert_eq!(f.pk.vk.table_sections(), vec![Activation::Gelu]);
    let proof = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(23)).unwrap();
    assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected_output(&f));
}

#[test]
fn the_audit_recomputes_the_activation_sections() {
    let mut rng = ChaCha20Rng::seed_from_u64(24);
    let mut g = random_mlp(&[5, 4, 4, 3], &mut rng);
    for node in &mut g.nodes {
        if node.op == Op::Act(Activation::Relu) {
            node.op = Op::Act(Activation::Tanh);
        }
    }
    let input: Vec<f32> = vec![0.5, -0.25, 1.0, 0.0, -1.0];
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 6, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input]], &config).unwrap();
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let table_ok = |vk: &ModelVerifyingKey| {
        let checks = zkml_prover::model::check_key(vk, &srs).unwrap();
        checks.iter().find(|c| c.what == "lookup table").map(|c| c.ok)
    };
    assert_eq!(table_ok(&pk.vk), Some(true));
    // The commitments of a table without the Tanh section, or with Sigmoid's instead.
    let mut vk = pk.vk.clone();
    vk.table = zkml_prover::model::keys::table_commitments(&srs, vk.scale_bits, vk.table_bits, &[]).unwrap();
    assert_eq!(table_ok(&vk), Some(false));
    vk.table = zkml_prover::model::keys::table_commitments(&srs, vk.scale_bits, vk.table_bits, &[Activation::Sigmoid])
        .unwrap();
    assert_eq!(table_ok(&vk), Some(false));
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

/// Each case's wrong witness (which must differ from the honest one) fails the strict prover, and
/// its proof, made with the checks off, fails verification.
fn assert_cheats_rejected(f: &Fixture, cases: &[(&str, Hook)], seed: u64) {
    for (what, hook) in cases {
        let wit = witness_with(&f.pk, &f.input, hook.as_ref()).unwrap();
        let honest = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
        assert!(wit.iter().zip(&honest).any(|(a, b)| a.out != b.out), "{what}: the hook changed nothing");
        assert!(prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(seed), true).is_err(), "{what}");
        let proof = prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(seed), false).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn wrong_activation_values_are_rejected() {
    let f = fixture(&[6, 5, 5, 5, 3], &ALL, 5);
    let s = f.pk.vk.scale_bits;
    let cases: Vec<(&str, Hook)> = vec![
        // A Sigmoid output off by one (the next layer computes on it consistently).
        (
            "sigmoid output",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 0 {
                    w.out[1] += 1
                }
            }),
        ),
        // The Tanh layer's outputs computed with GELU: values of another section of the table.
        (
            "another activation's value",
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 1 {
                    for (o, &q) in w.out.iter_mut().zip(&w.q) {
                        *o = apply(Activation::Gelu, q, s);
                    }
                }
            }),
        ),
        // The GELU layer passes its input through.
        (
            "identity",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 2 {
                    w.out = w.q.clone();
                }
            }),
        ),
    ];
    assert_cheats_rejected(&f, &cases, 6);
}

#[test]
fn tampering_with_any_field_is_rejected() {
    let f = fixture(&[5, 4, 4, 3], &[Activation::Gelu, Activation::Sigmoid], 7);
    let proof = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(8)).unwrap();
    verify_model(&f.pk.vk, &proof, None).unwrap();
    for (what, p) in tampered_fields(&proof) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn messages_are_bound_by_the_transcript() {
    let f = fixture(&[5, 4, 3], &[Activation::Tanh], 9);
    let a = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(10)).unwrap();
    let b = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(11)).unwrap();
    verify_model(&f.pk.vk, &b, None).unwrap();
    let mixes: Vec<(&str, ModelProof)> = vec![
        ("round 1", ModelProof { round1: b.round1.clone(), ..a.clone() }),
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("quotients", ModelProof { quotients: b.quotients.clone(), ..a.clone() }),
        ("evaluations", ModelProof { evals: b.evals.clone(), ..a.clone() }),
        ("opening", ModelProof { opening: b.opening.clone(), ..a.clone() }),
    ];
    for (what, p) in mixes {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn keys_that_misuse_activations_are_refused() {
    let f = fixture(&[5, 4, 3], &[Activation::Sigmoid], 12);
    let bad = |vk: &ModelVerifyingKey| vk.validate();
    // An activation on the last layer; none on a hidden layer.
    let mut vk = f.pk.vk.clone();
    vk.layers[1].act = Activation::Sigmoid;
    assert_eq!(bad(&vk), Err(Error::BadKey("every layer but the output layers must end in an activation")));
    let mut vk = f.pk.vk.clone();
    vk.layers[0].act = Activation::None;
    assert_eq!(bad(&vk), Err(Error::BadKey("a layer reads an output layer")));
    // Another activation than the key was made for: the table commitments no longer fit (Tanh's
    // section where Sigmoid's was), so honest proofs of the original model fail.
    let mut vk = f.pk.vk.clone();
    vk.layers[0].act = Activation::Tanh;
    let proof = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(13)).unwrap();
    assert!(verify_model(&vk, &proof, None).is_err());
    // An unknown activation code.
    let mut bytes = f.pk.vk.to_artifact_bytes();
    let at = bytes.windows(9).position(|w| w[..8] == [4, 0, 0, 0, 5, 0, 0, 0] && w[8] == 2).unwrap() + 8;
    bytes[at] = 15;
    assert!(matches!(
        ModelVerifyingKey::from_bytes(&bytes),
        Err(Error::Decode(DecodeError::InvalidValue { what: "layer activation", value: 15 }))
    ));
}

#[test]
fn the_onnx_fixture_proves_its_reference_argmax() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models");
    let g = zkml_prover::onnx::import(dir.join("activation_mlp_tiny.onnx")).unwrap();
    let sig = g.input_signature();
    let input = zkml_prover::io_json::read_input(dir.join("activation_mlp_tiny.input.json"), &sig).unwrap();
    let want = zkml_prover::io_json::read_output(dir.join("activation_mlp_tiny.expected.json")).unwrap();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 9, headroom_bits: 1 };
    let model = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let pk = setup(&Srs::insecure_dev(13, &mut rng), &model, ModelMeta::default(), &mut rng).unwrap();
    assert_eq!(pk.vk.table_sections(), ALL);
    let q = model.quantise_inputs(&input).unwrap().remove(0);
    let proof = prove(&pk, &q, &mut rng).unwrap();
    let got: Vec<f32> = model.dequantise(
        &verify_model(&pk.vk, &proof, None).unwrap().output.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
    );
    let argmax = |v: &[f32]| v.iter().enumerate().fold(0, |b, (i, &x)| if x > v[b] { i } else { b });
    let err = got.iter().zip(&want[0]).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    eprintln!("activation_mlp_tiny: output {got:?}, reference {:?}, max abs error {err:.4}", want[0]);
    assert_eq!(argmax(&got), argmax(&want[0]));
    assert!(err < 0.05, "max abs error {err}");
}

fn clip(lo: f32, hi: f32) -> Activation {
    Activation::Clip { lo: Param::new(lo), hi: Param::new(hi) }
}

/// Every piecewise-linear activation, two Clips with different bounds among them.
fn piecewise() -> [Activation; 5] {
    [
        clip(0.0, 1.0),
        Activation::LeakyRelu { alpha: Param::new(0.1) },
        Activation::HardSigmoid { alpha: Param::new(1.0 / 6.0), beta: Param::new(0.5) },
        Activation::HardSwish,
        clip(-0.5, 0.5),
    ]
}

#[test]
fn piecewise_activations_prove_and_verify() {
    let acts = piecewise();
    let f = fixture(&[6, 5, 5, 5, 5, 5, 3], &acts, 30);
    // One section per distinct activation, parameters included, in the key's order; tags 2, 3, ...
    let sections = f.pk.vk.table_sections();
    assert_eq!(sections.len(), 5);
    assert!(sections.windows(2).all(|w| w[0] < w[1]));
    for a in acts {
        assert!(a.tag(&sections).is_some_and(|t| t >= 2), "{a:?}");
    }
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(31)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected_output(&f), "{mode:?}");
    }
    // The fixed-point values: clip(q) is exact, LeakyRelu rounds alpha q, HardSwish at 0 is 0.
    let s = 4;
    assert_eq!(apply(clip(0.0, 1.0), 40, s), 16);
    assert_eq!(apply(clip(0.0, 1.0), -3, s), 0);
    assert_eq!(apply(clip(-0.5, 0.5), -40, s), -8);
    assert_eq!(apply(Activation::LeakyRelu { alpha: Param::new(0.1) }, -25, s), -3);
    assert_eq!(apply(Activation::HardSigmoid { alpha: Param::new(1.0 / 6.0), beta: Param::new(0.5) }, 0, s), 8);
    assert_eq!(apply(Activation::HardSwish, 0, s), 0);
    assert_eq!(apply(Activation::HardSwish, 64, s), 64); // x >= 3: x
}

#[test]
fn wrong_piecewise_values_are_rejected() {
    let f = fixture(&[6, 5, 5, 5, 5, 5, 3], &piecewise(), 32);
    let s = f.pk.vk.scale_bits;
    let cases: Vec<(&str, Hook)> = vec![
        // The first Clip not clipping: its input passed through.
        (
            "unclipped",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 0 {
                    w.out = w.q.clone()
                }
            }),
        ),
        // The last Clip computed with the first Clip's bounds: values of another section.
        (
            "another clip's bounds",
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 4 {
                    for (o, &q) in w.out.iter_mut().zip(&w.q) {
                        *o = apply(clip(0.0, 1.0), q, s);
                    }
                }
            }),
        ),
        // LeakyRelu with a slope of 1 on negative inputs.
        (
            "leaky slope",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 1 {
                    w.out = w.q.clone()
                }
            }),
        ),
        // A HardSwish output off by one.
        (
            "hardswish value",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 3 {
                    w.out[0] += 1
                }
            }),
        ),
    ];
    assert_cheats_rejected(&f, &cases, 33);
}

#[test]
fn piecewise_proofs_resist_tampering_and_mixing() {
    let f = fixture(&[5, 4, 4, 3], &[clip(0.0, 6.0), Activation::HardSwish], 34);
    let a = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(35)).unwrap();
    let b = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(36)).unwrap();
    verify_model(&f.pk.vk, &a, None).unwrap();
    for (what, p) in tampered_fields(&a) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
    for (what, p) in [
        ("round 1", ModelProof { round1: b.round1.clone(), ..a.clone() }),
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("evaluations", ModelProof { evals: b.evals.clone(), ..a.clone() }),
    ] {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
    // Other bounds than the key was made for: its table commitments no longer fit.
    let mut vk = f.pk.vk.clone();
    vk.layers[0].act = clip(0.0, 5.0);
    assert!(verify_model(&vk, &a, None).is_err());
}

#[test]
fn keys_with_bad_piecewise_parameters_are_refused() {
    let f = fixture(&[5, 4, 4, 3], &[clip(0.0, 6.0), Activation::HardSwish], 37);
    // Clip bounds that cross, and a NaN bound, fail decoding with the exact error.
    let vk_bytes = |vk: &ModelVerifyingKey| vk.to_artifact_bytes();
    let mut vk = f.pk.vk.clone();
    vk.layers[0].act = clip(1.0, 0.0);
    assert!(matches!(
        ModelVerifyingKey::from_bytes(&vk_bytes(&vk)),
        Err(Error::Decode(DecodeError::InvalidValue { what: "clip bounds (lo above hi)", .. }))
    ));
    vk.layers[0].act = Activation::Clip { lo: Param(f32::NAN.to_bits()), hi: Param::new(1.0) };
    assert!(matches!(
        ModelVerifyingKey::from_bytes(&vk_bytes(&vk)),
        Err(Error::Decode(DecodeError::InvalidValue { what: "activation parameter", .. }))
    ));
    // A parameter beyond 2^20 (outputs too large for the next layer's integer bounds).
    let mut vk = f.pk.vk.clone();
    vk.layers[0].act = Activation::LeakyRelu { alpha: Param::new(1e7) };
    assert_eq!(vk.validate(), Err(Error::BadKey("activation parameters out of range (|p| <= 2^20, finite, lo <= hi)")));
    // -0.0 is written as 0.0: one key per model.
    assert_eq!(clip(-0.0, 1.0), clip(0.0, 1.0));
    // A skip read from a layer whose activation maps 0 elsewhere (its padded rows are not 0).
    let mut vk = f.pk.vk.clone();
    vk.layers[0].act = Activation::HardSigmoid { alpha: Param::new(0.2), beta: Param::new(0.5) };
    vk.layers[1].skip = Some(zkml_verifier::model::Source::Layer(0));
    assert_eq!(
        vk.validate(),
        Err(Error::BadKey("a skip's source is not zero on padded rows (its activation maps 0 elsewhere)"))
    );
}

#[test]
fn the_piecewise_onnx_fixture_imports_and_proves_its_reference_argmax() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models");
    let g = zkml_prover::onnx::import(dir.join("hard_mlp.onnx")).unwrap();
    // ReLU6 and Hardtanh arrive as tract's Max and Min pair, merged into one Clip each.
    let acts: Vec<Activation> = g.nodes.iter().filter_map(|n| n.op.activation()).collect();
    let want_acts = [
        clip(0.0, 6.0),
        Activation::LeakyRelu { alpha: Param::new(0.1) },
        Activation::HardSigmoid { alpha: Param::new(1.0 / 6.0), beta: Param::new(0.5) },
        Activation::HardSwish,
        clip(-1.0, 1.0),
    ];
    assert_eq!(acts, want_acts);
    let sig = g.input_signature();
    let input = zkml_prover::io_json::read_input(dir.join("hard_mlp.input.json"), &sig).unwrap();
    let want = zkml_prover::io_json::read_output(dir.join("hard_mlp.expected.json")).unwrap();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 9, headroom_bits: 1 };
    let model = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(38);
    let pk = setup(&Srs::insecure_dev(14, &mut rng), &model, ModelMeta::default(), &mut rng).unwrap();
    let q = model.quantise_inputs(&input).unwrap().remove(0);
    let proof = prove(&pk, &q, &mut rng).unwrap();
    let got: Vec<f32> = model.dequantise(
        &verify_model(&pk.vk, &proof, None).unwrap().output.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
    );
    let argmax = |v: &[f32]| v.iter().enumerate().fold(0, |b, (i, &x)| if x > v[b] { i } else { b });
    let err = got.iter().zip(&want[0]).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    eprintln!("hard_mlp: output {got:?}, reference {:?}, max abs error {err:.4}", want[0]);
    assert_eq!(argmax(&got), argmax(&want[0]));
    assert!(err < 0.1, "max abs error {err}");
}

/// The identity on a hidden layer (a linear bottleneck read as a value): complete in both modes
/// beside folded ReLU layers, with its own table section; an output that is not its input is rejected;
/// a tamper sweep and mixed messages fail.
#[test]
fn identity_layers_prove_and_reject_a_changed_value() {
    let f = fixture(&[6, 5, 5, 5, 5, 3], &[Activation::Identity, Activation::Relu, Activation::Relu], 40);
    assert_eq!(f.pk.vk.layers[0].act, Activation::Identity);
    assert_eq!(f.pk.vk.table_sections(), vec![Activation::Identity]);
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(41)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected_output(&f), "{mode:?}");
    }
    let cases: Vec<(&str, Hook)> = vec![
        (
            "identity output off by one",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 0 {
                    w.out[2] += 1
                }
            }),
        ),
        (
            "identity output negated",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 0 {
                    w.out[0] = -w.out[0] - 1
                }
            }),
        ),
    ];
    assert_cheats_rejected(&f, &cases, 42);
    let proof = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(43)).unwrap();
    for (what, p) in tampered_fields(&proof) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
    let other = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(44)).unwrap();
    let mixed = ModelProof { round1: other.round1.clone(), ..proof.clone() };
    assert_eq!(verify_model(&f.pk.vk, &mixed, None), Err(Error::PairingCheckFailed));
}

/// SiLU (`x / (1 + e^-x)`) beside a Sigmoid: complete in both modes with a section each; an output
/// off by one, or the Sigmoid's value in its place (a row of another section), is rejected; a
/// tamper sweep fails.
#[test]
fn silu_layers_prove_and_reject_wrong_values() {
    let f = fixture(&[6, 5, 5, 3], &[Activation::Silu, Activation::Sigmoid], 50);
    assert_eq!(f.pk.vk.table_sections(), vec![Activation::Sigmoid, Activation::Silu]);
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(51)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected_output(&f), "{mode:?}");
    }
    let s = f.pk.vk.scale_bits;
    let cases: Vec<(&str, Hook)> = vec![
        (
            "silu output off by one",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 0 {
                    w.out[1] += 1
                }
            }),
        ),
        (
            "the sigmoid's values",
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 0 {
                    for (o, &q) in w.out.iter_mut().zip(&w.q) {
                        *o = apply(Activation::Sigmoid, q, s);
                    }
                }
            }),
        ),
    ];
    assert_cheats_rejected(&f, &cases, 52);
    let proof = prove(&f.pk, &f.input, &mut ChaCha20Rng::seed_from_u64(53)).unwrap();
    for (what, p) in tampered_fields(&proof) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}
