//! mnist_mlp end to end natively: ONNX import, quantisation, setup, proofs of the three bundled
//! samples, verification against the model digest, and the pinned fixtures that Node and Chromium
//! check (`tests/fixtures/mlp/`, rewritten with `UPDATE_FIXTURES=1`).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::io_json;
use zkml_prover::model::{prove, setup, ModelProvingKey};
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{max_abs_error, QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::hex::Digest;
use zkml_verifier::model::{verify_model_bytes, Int, ModelMeta, ModelProof};
use zkml_verifier::Error;

const SRS_SEED: u64 = 20261124;
const SETUP_SEED: u64 = 1;
const PROOF_SEED: u64 = 2;
const SAMPLES: [&str; 3] = ["mnist_mlp", "mnist_mlp.1", "mnist_mlp.2"];

fn models(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/models").join(name)
}

fn argmax(v: &[f64]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

struct Setup {
    model: QuantizedModel,
    pk: ModelProvingKey,
    other_vk: Vec<u8>,
}

fn make() -> Setup {
    let onnx = OnnxModel::load(models("mnist_mlp.onnx")).unwrap();
    let graph = onnx.graph().clone();
    let sample = io_json::read_input(models("mnist_mlp.input.json"), &graph.input_signature()).unwrap();
    let model = QuantizedModel::calibrate(graph.clone(), &[sample], &QuantConfig::default()).unwrap();
    let t = Instant::now();
    let srs = Srs::insecure_dev(17, &mut ChaCha20Rng::seed_from_u64(SRS_SEED));
    eprintln!("dev SRS 2^17: {:.2?}", t.elapsed());
    let t = Instant::now();
    // The fixture key carries a name, class labels and the input shape, as `prove setup` writes them.
    let input_shape = graph.tensor(graph.inputs[0]).shape.iter().map(|&d| d as u32).collect();
    let meta = ModelMeta { name: "mnist_mlp".into(), labels: (0..10).map(|d| d.to_string()).collect(), input_shape };
    let pk = setup(&srs, &model, meta, &mut ChaCha20Rng::seed_from_u64(SETUP_SEED)).unwrap();
    eprintln!("setup: {:.2?}", t.elapsed());
    // Another model: the same network with its first weight changed.
    let mut other = model.clone();
    other.linear.iter_mut().flatten().next().unwrap().weight.values_mut()[0] += 1;
    let other_pk = setup(&srs, &other, ModelMeta::default(), &mut ChaCha20Rng::seed_from_u64(SETUP_SEED)).unwrap();
    Setup { model, pk, other_vk: other_pk.vk.to_artifact_bytes() }
}

fn prove_sample(pk: &ModelProvingKey, model: &QuantizedModel, prefix: &str) -> ModelProof {
    let input = io_json::read_input(models(&format!("{prefix}.input.json")), &model.graph.input_signature()).unwrap();
    let q = model.quantise_inputs(&input).unwrap();
    let t = Instant::now();
    let proof = prove(pk, &q[0], &mut ChaCha20Rng::seed_from_u64(PROOF_SEED)).unwrap();
    eprintln!("{prefix}: prove {:.2?}, {} bytes", t.elapsed(), proof.to_artifact_bytes().len());
    proof
}

#[test]
fn mnist_mlp_proves_verifies_and_rejects() {
    let s = make();
    let vk = s.pk.vk.to_artifact_bytes();
    let digest = s.pk.vk.digest();
    let mut first_proof = None;
    for prefix in SAMPLES {
        let proof = prove_sample(&s.pk, &s.model, prefix).to_artifact_bytes();
        let t = Instant::now();
        let verdict = verify_model_bytes(&vk, &proof, Some(&digest)).unwrap();
        eprintln!("{prefix}: verify {:.2?}", t.elapsed());
        let expected = io_json::read_output(models(&format!("{prefix}.expected.json"))).unwrap();
        let outputs = verdict.dequantise(&verdict.output);
        let exp64: Vec<f64> = expected[0].iter().map(|&x| f64::from(x)).collect();
        assert_eq!(argmax(&outputs), argmax(&exp64), "{prefix}: argmax differs from onnxruntime");
        let ours: Vec<f32> = outputs.iter().map(|&x| x as f32).collect();
        eprintln!("{prefix}: max abs error vs onnxruntime {:.4}", max_abs_error(&[ours], &expected));
        first_proof.get_or_insert(proof);
    }
    let proof = first_proof.unwrap();

    // Rejections, each with its error.
    let header = zkml_verifier::envelope::HEADER_BYTES + 32 + 4;
    let mut changed_input = proof.clone();
    changed_input[header] ^= 1;
    assert_eq!(verify_model_bytes(&vk, &changed_input, None).unwrap_err(), Error::PairingCheckFailed);
    let mut changed_output = proof.clone();
    let out_at = header + 4 * 784 + 4;
    changed_output[out_at] ^= 1;
    assert_eq!(verify_model_bytes(&vk, &changed_output, None).unwrap_err(), Error::PairingCheckFailed);
    assert!(matches!(verify_model_bytes(&s.other_vk, &proof, None), Err(Error::KeyMismatch { .. })));
    let wrong = Digest([0xab; 32]);
    assert!(matches!(verify_model_bytes(&vk, &proof, Some(&wrong)), Err(Error::DigestMismatch { .. })));
    let mut pk = s.pk.clone();
    pk.layers[0].weight.values_mut()[100] += 1;
    let wrong_weight = prove_sample(&pk, &s.model, "mnist_mlp").to_artifact_bytes();
    assert_eq!(verify_model_bytes(&vk, &wrong_weight, None).unwrap_err(), Error::PairingCheckFailed);
    assert_eq!(
        ModelProof::from_artifact_bytes(&proof).unwrap().input[0],
        Int(ModelProof::from_artifact_bytes(&proof).unwrap().input[0].0)
    );

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/mlp");
    let files: [(&str, Vec<u8>); 5] = [
        ("mnist_mlp.vk", vk),
        ("mnist_mlp.proof", proof),
        ("mnist_mlp.digest", format!("{}\n", digest.to_hex()).into_bytes()),
        ("other.vk", s.other_vk),
        ("wrong_weight.proof", wrong_weight),
    ];
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        std::fs::copy(models("mnist_mlp.expected.json"), dir.join("mnist_mlp.expected.json")).unwrap();
        return;
    }
    for (name, bytes) in &files {
        let pinned = std::fs::read(dir.join(name)).unwrap();
        assert!(pinned == *bytes, "{name} is stale: rerun with UPDATE_FIXTURES=1 if the format changed on purpose");
    }
}
