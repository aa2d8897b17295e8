//! Token inputs (`prover/src/onnx/tokens.rs`; `docs/quantisation.md`, "Token inputs"): token ids
//! as the proof's public input, read by the layers as one-hot rows, and an embedding table bound
//! to the key. Completeness in both modes, ids outside the vocabulary, a changed id, a gathered row
//! that is not a row of the table (a cheating prover), malformed keys, and the ONNX import of
//! `token_mlp.onnx`, `tiny_gpt2.onnx` and `tiny_bert.onnx` against their references.

mod common;

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::io_json;
use zkml_prover::ir::{Graph, IrError, Matrix, Node, Op, TensorInfo, TokenInput};
use zkml_prover::model::{prove, prove_mode, setup, witness_with, ModelProvingKey};
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{self, QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, Int, ModelMeta, ModelVerifyingKey};
use zkml_verifier::Error;

use common::rejected_in_both_modes;

const VOCAB: usize = 10;
const IDS: usize = 3;
const WIDTH: usize = 4;

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models")
}

/// `relu(E[id]) W` for each of 3 ids below 10: an embedding table `E` (`[10, 4]`), then a Linear.
fn token_graph(seed: u64) -> Graph {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut dense = |rows: usize, cols: usize| {
        Matrix::new(rows, cols, (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0)).collect()).unwrap()
    };
    let (embedding, head) = (dense(WIDTH, VOCAB), dense(2, WIDTH));
    let tensor = |name: &str, shape: Vec<usize>| TensorInfo { name: name.into(), shape };
    Graph {
        tensors: vec![
            tensor("ids", vec![IDS, VOCAB]),
            tensor("embedded", vec![IDS, WIDTH]),
            tensor("h", vec![IDS, WIDTH]),
            tensor("logits", vec![IDS, 2]),
        ],
        inputs: vec![0],
        outputs: vec![3],
        nodes: vec![
            Node { name: "wte".into(), op: Op::Linear { weight: embedding, bias: None }, inputs: vec![0], output: 1 },
            Node { name: "relu".into(), op: Op::Act(Activation::Relu), inputs: vec![1], output: 2 },
            Node {
                name: "head".into(),
                op: Op::Linear { weight: head, bias: Some(vec![0.1, -0.1]) },
                inputs: vec![2],
                output: 3,
            },
        ],
        tokens: Some(TokenInput { vocab: VOCAB, shape: vec![1, IDS] }),
    }
}

/// The token model, calibrated on ids `[2, 0, 9]`, with its key over a dev SRS.
fn fixture() -> (ModelProvingKey, QuantizedModel, Vec<i64>) {
    let ids = vec![2.0, 0.0, 9.0];
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(token_graph(1), &[vec![ids]], &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    (pk, model, vec![2, 0, 9])
}

#[test]
fn token_ids_prove_as_one_hot_rows() {
    let (pk, model, ids) = fixture();
    let vk = &pk.vk;
    assert_eq!((vk.tokens, vk.input_len(), vk.model_input_len()), (VOCAB as u32, IDS, IDS * VOCAB));
    // The embedding reads the public input: the key holds one commitment per one-hot column.
    assert_eq!(vk.layers[0].first_block(), Block::PublicMatmul);
    assert_eq!(vk.layers[0].weights.len(), IDS * VOCAB);
    // The one-hot rows: 2^s at each id.
    let one = 1 << vk.scale_bits;
    let rows = vk.model_input(&[Int(2), Int(0), Int(9)]).unwrap();
    let hot: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].0 != 0).collect();
    assert_eq!(hot, [2, VOCAB, 2 * VOCAB + 9]);
    assert!(hot.iter().all(|&i| rows[i].0 == one));
    // The quantised model on the same ids, through its one-hot rows.
    let w = model.eval(&model.quantise_inputs(&[vec![2.0, 0.0, 9.0]]).unwrap()).unwrap();
    let want: Vec<i32> = w.tensors[3].iter().map(|&v| v as i32).collect();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = prove_mode(&pk, &ids, mode, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        assert_eq!(p.input, [Int(2), Int(0), Int(9)], "the proof holds the ids");
        let v = verify_model(vk, &p, None).unwrap();
        assert_eq!((&v.output, &v.input, v.tokens), (&want, &vec![2, 0, 9], VOCAB as u32), "{mode:?}");
        assert_eq!(v.input_values(), [2.0, 0.0, 9.0]);
    }
    // The gathered rows are the table's rows, quantised: E[id] for each id.
    let wit = zkml_prover::model::witness(&pk, &ids).unwrap();
    let Op::Linear { weight, .. } = &model.graph.nodes[0].op else { panic!() };
    for (k, &id) in ids.iter().enumerate() {
        for c in 0..WIDTH {
            let e = quant::quantise(f64::from(weight.get(c, id as usize)), vk.scale_bits).unwrap();
            assert_eq!(wit[0].q[k * WIDTH + c], e, "row {k}, column {c}");
        }
    }
}

#[test]
fn ids_outside_the_vocabulary_are_rejected() {
    let (pk, _, ids) = fixture();
    let p = prove(&pk, &ids, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
    for (index, value) in [(1, VOCAB as i32), (0, -1), (2, i32::MAX)] {
        let mut q = p.clone();
        q.input[index] = Int(value);
        let want = Error::TokenOutOfRange { index, value, vocab: VOCAB as u32 };
        assert_eq!(verify_model(&pk.vk, &q, None), Err(want));
    }
    // The prover refuses them, and so does the float model.
    assert!(prove(&pk, &[2, 0, VOCAB as i64], &mut ChaCha20Rng::seed_from_u64(4)).is_err());
    let g = token_graph(1);
    for value in [10.0, -1.0, 2.5] {
        let err = g.expand_inputs(&[vec![1.0, value, 3.0]]).unwrap_err();
        let want = IrError::Token { name: "ids".into(), index: 1, value: value.to_string(), vocab: VOCAB };
        assert_eq!(err, want);
    }
    assert_eq!(g.input_signature(), [("ids".to_string(), IDS)]);
}

#[test]
fn a_proof_of_other_ids_is_rejected() {
    let (pk, _, ids) = fixture();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = prove_mode(&pk, &ids, mode, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
        for (index, value) in [(0, 3), (1, 1), (2, 8)] {
            let mut q = p.clone();
            q.input[index] = Int(value);
            assert_eq!(verify_model(&pk.vk, &q, None), Err(Error::PairingCheckFailed), "{mode:?} id {index}");
        }
    }
}

#[test]
fn an_embedding_row_not_in_the_table_is_rejected() {
    let (pk, _, ids) = fixture();
    let s = pk.vk.scale_bits;
    // The second id's gathered row with one value one step off (rescaled consistently, so that
    // only the matmul against the committed table breaks): a row that is not the table's.
    let hook = move |l: usize, w: &mut zkml_prover::model::LayerWitness| {
        if l == 0 {
            let i = WIDTH + 1;
            w.z[i] += 1 << s;
            w.q[i] += 1;
            w.out[i] = w.q[i].max(0);
        }
    };
    let wit = witness_with(&pk, &ids, &hook).unwrap();
    rejected_in_both_modes(&pk, &ids, &wit, 6, "an embedding row not in the table");
}

#[test]
fn keys_with_a_bad_vocabulary_are_rejected() {
    let (pk, _, _) = fixture();
    let mut vk = pk.vk.clone();
    // 30 one-hot values are not rows of 7, nor of 2^21.
    for tokens in [7, 1 << 21] {
        vk.tokens = tokens;
        assert_eq!(
            vk.validate(),
            Err(Error::BadKey("the token vocabulary does not divide the input, or exceeds 2^20")),
            "{tokens}"
        );
    }
    // The vocabulary is in the key's bytes (and so in its digest).
    let bytes = zkml_verifier::envelope::Artifact::to_artifact_bytes(&pk.vk);
    let back = ModelVerifyingKey::from_bytes(&bytes).unwrap();
    assert_eq!(back.tokens, VOCAB as u32);
    let mut other = pk.vk.clone();
    other.tokens = 5;
    assert_ne!(other.digest(), pk.vk.digest());
}

/// The float IR of an imported token model against tract on each sample, and against the
/// reference outputs; the one-hot input in place of the ids.
fn import_matches(name: &str, samples: &[&str]) -> OnnxModel {
    let onnx = OnnxModel::load(models().join(format!("{name}.onnx"))).unwrap();
    let g = onnx.graph();
    g.validate().unwrap();
    for sample in samples {
        let input = io_json::read_input(models().join(format!("{sample}.input.json")), &g.input_signature()).unwrap();
        let expected = io_json::read_output(models().join(format!("{sample}.expected.json"))).unwrap();
        let ir = g.eval_f32(&input).unwrap();
        let tract = onnx.run_reference(&input).unwrap();
        assert!(quant::max_abs_error(&ir, &tract) < 1e-4, "{sample}: IR against tract");
        assert!(quant::max_abs_error(&ir, &expected) < 1e-4, "{sample}: IR against the reference");
    }
    onnx
}

#[test]
fn an_embedding_gather_imports_as_a_public_input_matmul() {
    let onnx = import_matches("token_mlp", &["token_mlp"]);
    let g = onnx.graph();
    assert_eq!(g.tokens, Some(TokenInput { vocab: 20, shape: vec![1, 6] }));
    assert_eq!(g.tensor(g.inputs[0]).shape, [6, 20]);
    assert_eq!(g.input_signature(), [("input_ids".to_string(), 6)]);
}

#[test]
fn tiny_gpt2_and_tiny_bert_import_exactly() {
    for (name, vocab) in [("tiny_gpt2", 512), ("tiny_bert", 512)] {
        let onnx = import_matches(name, &[name, &format!("{name}.1")]);
        let g = onnx.graph();
        assert_eq!(g.tokens, Some(TokenInput { vocab, shape: vec![1, 16] }), "{name}");
        // One softmax per layer (two layers), each a division; GPT-2's tanh GELU as one activation.
        assert_eq!(g.nodes.iter().filter(|n| n.op == Op::Div).count(), 2, "{name}");
        let gelu = if name == "tiny_gpt2" { Activation::GeluTanh } else { Activation::Gelu };
        assert_eq!(g.nodes.iter().filter(|n| n.op == Op::Act(gelu)).count(), 2, "{name}");
    }
}

#[test]
fn tiny_gpt2_keeps_its_top_token_at_every_position() {
    let onnx = OnnxModel::load(models().join("tiny_gpt2.onnx")).unwrap();
    let g = onnx.graph().clone();
    let read = |s: &str| io_json::read_input(models().join(format!("{s}.input.json")), &g.input_signature()).unwrap();
    let samples = vec![read("tiny_gpt2"), read("tiny_gpt2.1")];
    // The configuration the end-to-end run uses (scripts/test.sh).
    let config = QuantConfig { table_bits: 13, headroom_bits: 0, ..QuantConfig::default() };
    let q = QuantizedModel::calibrate(g, &samples, &config).unwrap();
    for (k, sample) in samples.iter().enumerate() {
        let (_, out) = q.run(sample).unwrap();
        let reference = onnx.run_reference(sample).unwrap();
        let top = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
        for pos in 0..16 {
            let row = pos * 512..(pos + 1) * 512;
            assert_eq!(top(&out[0][row.clone()]), top(&reference[0][row]), "sample {k}, position {pos}");
        }
    }
    // The causal mask: each softmax's quotients above the diagonal (of each head's 16 x 16) are
    // cleared, the clearing merged into the Linear reading them.
    let g = &q.graph;
    let divisions: Vec<_> = g.nodes.iter().filter(|n| n.op == Op::Div).collect();
    assert_eq!(divisions.len(), 2);
    for div in divisions {
        let reader = g.nodes.iter().find(|n| n.inputs == [div.output]).unwrap();
        let Op::Linear { weight, .. } = &reader.op else { panic!("{:?}", reader.op) };
        let masked = |c: usize| c % 16 > (c / 16) % 16;
        assert_eq!(weight.cols(), 512);
        assert!((0..weight.rows()).all(|r| weight.entries(r).all(|(c, _)| !masked(c))));
    }
}
