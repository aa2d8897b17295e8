//! Support for the fuzz targets: seeds that tests/fixtures does not hold.
//!
//! No proving key is committed (a real one is megabytes), and a fuzzer cannot invent one: its
//! embedded verifying key must decode and validate first. [`tiny_artifacts`] sets up a tiny model
//! on a small insecure SRS with the current code, so the seeds always have the current format.

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::random_mlp;
use zkml_prover::model::{prove_mode, setup};
use zkml_prover::quant::QuantizedModel;
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::ModelMeta;

/// File names and bytes: `tiny.pk`, `tiny.vk`, `tiny.proof` (accumulated), `tiny.per_layer.proof`.
pub fn tiny_artifacts() -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    // Two hidden layers, so the accumulated proof folds; scale 2^1, 4-bit tables (32 rows).
    let graph = random_mlp(&[2, 2, 2, 2], &mut rng);
    let model = QuantizedModel::new(graph, 1, 4).map_err(|e| e.to_string())?;
    let srs = Srs::insecure_dev(6, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).map_err(|e| e.to_string())?;
    let mut out = vec![("tiny.pk", pk.to_bytes()), ("tiny.vk", pk.vk.to_artifact_bytes())];
    let input = [1, 2];
    for (name, mode) in [("tiny.proof", Mode::Accumulated), ("tiny.per_layer.proof", Mode::PerLayer)] {
        let proof = prove_mode(&pk, &input, mode, &mut rng).map_err(|e| e.to_string())?;
        out.push((name, proof.to_artifact_bytes()));
    }
    Ok(out)
}

/// When `ZKML_FUZZ_WRITE_SEEDS` names a directory, writes [`tiny_artifacts`] there and exits
/// (status 0, or 1 on failure); otherwise does nothing.
pub fn write_seeds_from_env() {
    let Some(dir) = std::env::var_os("ZKML_FUZZ_WRITE_SEEDS") else {
        return;
    };
    let dir = Path::new(&dir);
    let written = tiny_artifacts().and_then(|files| {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).map_err(|e| format!("{}: {e}", dir.join(name).display()))?;
        }
        Ok(files.len())
    });
    match written {
        Ok(n) => {
            eprintln!("wrote {n} seed artifacts of a tiny model to {}", dir.display());
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("could not make the seed artifacts: {e}");
            std::process::exit(1)
        }
    }
}
