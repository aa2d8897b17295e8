//! Tabulated activations (Sigmoid, Tanh, exact GELU) end to end: completeness alone and mixed
//! with folded ReLU layers, a wrong or borrowed activation value rejected, a tamper sweep over
//! every proof field, Fiat–Shamir binding, keys that misuse activations, and the ONNX fixture
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
use zkml_verifier::model::activation::Activation;
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
        if node.op == Op::Relu {
            node.op = match acts.next() {
                Some(Activation::Sigmoid) => Op::Sigmoid,
                Some(Activation::Tanh) => Op::Tanh,
                Some(Activation::Gelu) => Op::Gelu,
                _ => Op::Relu,
            };
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
    let srs = Srs::insecure_dev(12, &mut rng);
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
    // Two ReLU layers of one shape fold; the Tanh layer of the same shape is checked on its own.
    let f = fixture(&[6, 5, 5, 5, 3], &[Activation::Relu, Activation::Relu, Activation::Tanh], 3);
    let layout = zkml_verifier::model::layout::Layout::new(&f.pk.vk, Mode::Accumulated);
    assert_eq!(layout.classes.len(), 1);
    assert_eq!(layout.classes[0].members, vec![0, 1]);
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
        if node.op == Op::Relu {
            node.op = Op::Tanh;
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
    for (what, hook) in &cases {
        let wit = witness_with(&f.pk, &f.input, hook.as_ref()).unwrap();
        let honest = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
        assert!(wit.iter().zip(&honest).any(|(a, b)| a.out != b.out), "{what}: the hook changed nothing");
        assert!(prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(6), true).is_err(), "{what}");
        let proof = prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(6), false).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "{what}");
    }
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
    bytes[at] = 9;
    assert!(matches!(
        ModelVerifyingKey::from_bytes(&bytes),
        Err(Error::Decode(DecodeError::InvalidValue { what: "layer activation", value: 9 }))
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
