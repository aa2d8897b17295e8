//! Accumulation benchmark on synthetic deep MLPs, printed as JSON Lines.
//!
//! ```text
//! cargo bench -p zkml-prover --bench accumulation -- [--width W] [--hidden H] [--reps N] [--out FILE]
//! ```
//! The network is `Linear(W -> W) -> ReLU` repeated `H` times, then `Linear(W -> 4)` (defaults: the
//! test suite's deep MLP, `W = 16`, `H = 8`, so `H - 1` hidden layers fold). For each mode
//! (`accumulated`, `per-layer`) one line with the prove time (median of `--reps`), the time of the
//! folding stage, verify milliseconds (median of 10 x reps), proof bytes and the bytes each section
//! takes; then `summary` with threads and peak RSS. Run it under `RAYON_NUM_THREADS=1` and `=2`
//! to compare thread counts.

use std::io::Write;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use zkml_prover::ir::random_mlp;
use zkml_prover::model::{last_stage_times, prove_mode, setup};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model_bytes, ModelMeta};

#[path = "common/mod.rs"]
mod common;
use common::{median, peak_rss_mib};

fn main() {
    let (mut width, mut hidden, mut reps, mut out) = (16usize, 8usize, 3usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{what} N"));
        match a.as_str() {
            "--width" => width = num("--width"),
            "--hidden" => hidden = num("--hidden"),
            "--reps" => reps = num("--reps"),
            "--out" => out = args.next(),
            _ => {}
        }
    }
    let mut dims = vec![width; hidden + 1];
    dims.push(4);
    let name = format!("deep_mlp_w{width}_h{hidden}");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let graph = random_mlp(&dims, &mut rng);
    let input: Vec<f32> = (0..width).map(|_| rng.gen_range(0.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(graph, &[vec![input.clone()]], &config).expect("quantises");
    let q = model.quantise_inputs(&[input]).expect("input quantises");
    let need = (width * width).next_power_of_two() * 2 + 4 * width;
    let log = (need.next_power_of_two().trailing_zeros() + 1).max(11);
    let srs = Srs::insecure_dev(log, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).expect("setup");
    let vk = pk.vk.to_artifact_bytes();
    let mut lines: Vec<Value> = Vec::new();
    for (mode, label) in [(Mode::Accumulated, "accumulated"), (Mode::PerLayer, "per-layer")] {
        let layout = Layout::new(&pk.vk, mode);
        let (mut times, mut fold_times) = (Vec::new(), Vec::new());
        let mut proof = None;
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            proof = Some(prove_mode(&pk, &q[0], mode, &mut rng).expect("prove"));
            times.push(t.elapsed().as_secs_f64());
            fold_times.push(last_stage_times().iter().find(|s| s.0 == "folding").map_or(0.0, |s| s.1));
        }
        let proof = proof.expect("one proof");
        let bytes = proof.to_artifact_bytes();
        let mut vt = Vec::new();
        for _ in 0..reps.max(1) * 10 {
            let t = Instant::now();
            verify_model_bytes(&vk, &bytes, None).expect("verifies");
            vt.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let v = json!({
            "bench": "prove",
            "model": name,
            "mode": label,
            "layers": hidden + 1,
            "folded_layers": layout.classes.iter().map(|c| c.members.len()).sum::<usize>(),
            "folds": layout.folds.len(),
            "prove_seconds": median(times.clone()),
            "prove_runs": times,
            "folding_seconds": median(fold_times),
            "verify_ms": median(vt),
            "proof_bytes": bytes.len(),
            "sections": proof.section_sizes().into_iter().map(|(k, b)| (k.to_string(), json!(b))).collect::<serde_json::Map<_, _>>(),
            "pairings": verify_model_bytes(&vk, &bytes, None).expect("verifies").pairings,
        });
        println!("{v}");
        lines.push(v);
    }
    let v = json!({
        "bench": "summary",
        "model": name,
        "threads": zkml_prover::parallel::threads(),
        "srs_log_size": log,
        "peak_rss_mib": peak_rss_mib(),
    });
    println!("{v}");
    lines.push(v);
    if let Some(path) = out {
        let mut f = std::fs::File::create(&path).expect("--out file");
        for l in &lines {
            writeln!(f, "{l}").expect("write");
        }
    }
}
