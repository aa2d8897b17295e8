//! MLP proving benchmark on a bundled ONNX model, printed as JSON Lines.
//!
//! ```text
//! cargo bench -p zkml-prover --bench mlp -- [--model FILE.onnx] [--input IN.json] [--reps N] [--out FILE]
//!     [--table-bits B] [--headroom-bits H]
//! ```
//! Defaults: `tests/fixtures/models/mnist_mlp.onnx` with its sample input, 3 repetitions, the
//! quantisation defaults of `prove setup`. Lines:
//! `srs` (dev SRS generation), `setup`, `prove`, `verify` (medians), then `summary` with proof,
//! verifying-key and proving-key bytes, threads and peak RSS after setup and after proving.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use zkml_prover::io_json;
use zkml_prover::model::{prove, setup};
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::{verify_model_bytes, ModelMeta};

#[path = "common/mod.rs"]
mod common;
use common::{median, peak_rss_mib};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models").join(name).display().to_string()
}

fn main() {
    let (mut model_path, mut input_path, mut reps, mut out) = (fixture("mnist_mlp.onnx"), None, 3usize, None);
    let mut config = QuantConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--table-bits" => config.table_bits = args.next().and_then(|v| v.parse().ok()).expect("--table-bits B"),
            "--headroom-bits" => {
                config.headroom_bits = args.next().and_then(|v| v.parse().ok()).expect("--headroom-bits H")
            }
            "--model" => model_path = args.next().expect("--model FILE"),
            "--input" => input_path = args.next(),
            "--reps" => reps = args.next().and_then(|v| v.parse().ok()).expect("--reps N"),
            "--out" => out = args.next(),
            _ => {}
        }
    }
    let input_path = input_path.unwrap_or_else(|| model_path.replace(".onnx", ".input.json"));
    let name = PathBuf::from(&model_path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut lines: Vec<Value> = Vec::new();
    let mut emit = |v: Value| {
        println!("{v}");
        lines.push(v);
    };

    let graph = OnnxModel::load(&model_path).expect("model loads").graph().clone();
    let input = io_json::read_input(&input_path, &graph.input_signature()).expect("input JSON");
    let model = QuantizedModel::calibrate(graph, std::slice::from_ref(&input), &config).expect("quantises");
    let q = model.quantise_inputs(&input).expect("input quantises");
    let mut rng = ChaCha20Rng::seed_from_u64(1);

    let t = Instant::now();
    let srs = Srs::insecure_dev(17, &mut rng);
    emit(json!({"bench": "srs", "log_size": 17, "seconds": t.elapsed().as_secs_f64()}));
    let t = Instant::now();
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).expect("setup");
    emit(json!({
        "bench": "setup", "model": name, "seconds": t.elapsed().as_secs_f64(),
        "scale_bits": model.scale_bits, "table_bits": model.table_bits, "headroom_bits": config.headroom_bits,
    }));
    drop(srs);
    let peak_setup = peak_rss_mib();

    let mut times = Vec::new();
    let mut proof = None;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        proof = Some(prove(&pk, &q[0], &mut rng).expect("prove"));
        times.push(t.elapsed().as_secs_f64());
    }
    emit(json!({"bench": "prove", "model": name, "seconds": median(times.clone()), "runs": times}));
    let peak_prove = peak_rss_mib();
    let proof = proof.expect("at least one proof").to_artifact_bytes();
    let vk = pk.vk.to_artifact_bytes();
    let mut times = Vec::new();
    for _ in 0..(reps.max(1) * 10) {
        let t = Instant::now();
        verify_model_bytes(&vk, &proof, None).expect("verifies");
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    emit(json!({"bench": "verify", "model": name, "milliseconds": median(times)}));
    emit(json!({
        "bench": "summary",
        "model": name,
        "proof_bytes": proof.len(),
        "vk_bytes": vk.len(),
        "pk_bytes": pk.to_bytes().len(),
        "threads": zkml_prover::parallel::threads(),
        "peak_rss_mib_after_setup": peak_setup,
        "peak_rss_mib_after_prove": peak_prove,
    }));
    if let Some(path) = out {
        let mut f = std::fs::File::create(&path).expect("--out file");
        for l in &lines {
            writeln!(f, "{l}").expect("write");
        }
    }
}
