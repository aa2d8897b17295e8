//! `prove prove --pk DIR/model.pk --input IN.json -o PROOF [--output OUT.json]`: prove one
//! inference. Needs only the proving key (and, for tensor names in messages, DIR/model.json).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args as ClapArgs;
use serde_json::json;
use zkml_prover::model::{self, ModelProvingKey};
use zkml_prover::quant::QuantError;
use zkml_prover::{io_json, progress, ProverError};
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::layout::Mode;

use super::model_files::{argmax, dequantise, names_for, outputs_json, read_quantised_input, show, split_outputs};
use super::{read_file, write_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  prove prove --pk keys/model.pk --input sample.json -o sample.proof
  prove prove --pk keys/model.pk --input sample.json -o sample.proof --output out.json --json

The proof reveals the input and the output, nothing of the weights or the hidden activations.
An input far outside the calibration samples fails before proving, naming the node: see
`prove dry-run` and `prove setup --headroom-bits`.")]
pub struct Args {
    /// The proving key written by `prove setup`.
    #[arg(long, value_name = "FILE")]
    pk: PathBuf,
    /// The model input (EZKL input JSON: {"input_data": [[...]]}).
    #[arg(long, value_name = "IN.json")]
    input: PathBuf,
    /// Where to write the proof.
    #[arg(short = 'o', long = "out", value_name = "PROOF")]
    out: PathBuf,
    /// Also write the proven outputs, dequantised ({"output_data": [[...]]}).
    #[arg(long, value_name = "OUT.json")]
    output: Option<PathBuf>,
    /// Tests and fixtures only (needs ZKML_INSECURE_SEED=1): seed for the proof's blinding, hashed
    /// with the key and the input; default: fresh randomness.
    #[arg(long, hide = true)]
    seed: Option<u64>,
    /// Check every layer on its own commitments instead of folding hidden layers of equal shape
    /// into one accumulator per class (the per-layer proof format, kind 6; for comparison).
    #[arg(long)]
    no_accumulate: bool,
    /// Print one JSON object on stdout (model digest, outputs, proof path and size, times)
    /// instead of text; progress and messages stay on stderr.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> CmdResult {
    // Output paths are checked before the proof is made.
    super::check_output_file(&a.out)?;
    if let Some(path) = &a.output {
        super::check_output_file(path)?;
    }
    let pb = progress::bar(4, "loading proving key");
    if !pb.is_hidden() {
        pb.enable_steady_tick(Duration::from_millis(120));
    }
    let t = Instant::now();
    let bytes = read_file(&a.pk)?;
    let pk = ModelProvingKey::from_bytes(&bytes).map_err(|e| Failure::Usage(format!("{}: {e}", a.pk.display())))?;
    let load = t.elapsed();
    let digest = pk.vk.digest();
    let names = names_for(&a.pk, &digest);
    pb.inc(1);

    pb.set_message("quantising input");
    // Name the key and its model: an input made for another model is a common mistake.
    let input = read_quantised_input(&a.input, &pk.vk, &names).map_err(|f| match f {
        Failure::Usage(m) => {
            let model =
                if pk.vk.meta.name.is_empty() { String::new() } else { format!("model '{}', ", pk.vk.meta.name) };
            Failure::Usage(format!("{m} ({model}key {})", a.pk.display()))
        }
        other => other,
    })?;
    pb.inc(1);

    pb.set_message("proving");
    let t = Instant::now();
    let mode = if a.no_accumulate { Mode::PerLayer } else { Mode::Accumulated };
    let context: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut rng = super::blinding_rng(a.seed, &[&pk.vk.digest().0, &context])?;
    // One tick per stage of the proof, so the bar moves while it is made.
    pb.set_length(4 + model::STAGES.len() as u64);
    let bar = pb.clone();
    let proof = model::with_stage_hook(
        move |stage| {
            bar.set_message(format!("proving: {stage} done"));
            bar.inc(1);
        },
        || model::prove_mode(&pk, &input, mode, &mut rng),
    )
    .map_err(|e| {
        let hint = match &e {
            ProverError::Quant(QuantError::OutOfRange { .. }) => {
                format!("; this input goes beyond what the model was calibrated for: {}", super::dry_run::REFIT_HINT)
            }
            _ => String::new(),
        };
        Failure::Usage(format!("{}: {e}{hint}", a.input.display()))
    })?;
    let prove_time = t.elapsed();
    pb.inc(1);

    pb.set_message("writing proof");
    let proof_bytes = proof.to_artifact_bytes();
    write_file(&a.out, &proof_bytes)?;
    let output: Vec<i32> = proof.output.iter().map(|v| v.0).collect();
    let lists = split_outputs(&dequantise(&output, pk.vk.scale_bits), &pk.vk);
    if let Some(path) = &a.output {
        io_json::write_output(path, &lists).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    // The argmax (and label) of the first output: a classifier's class.
    let values = lists.first().cloned().unwrap_or_default();
    pb.inc(1);
    pb.finish_and_clear();

    if a.json {
        let out = json!({
            "model_digest": digest.to_hex(),
            "model_name": pk.vk.meta.name,
            "kind": proof.kind().name(),
            "proof": a.out.display().to_string(),
            "proof_bytes": proof_bytes.len(),
            "inputs": [{"name": names.input, "values": input.len()}],
            "outputs": outputs_json(&lists, &names),
            "argmax": argmax(&values),
            "label": argmax(&values).and_then(|i| pk.vk.meta.labels.get(i)),
            "prove_seconds": prove_time.as_secs_f64(),
            "load_seconds": load.as_secs_f64(),
        });
        out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }

    eprintln!(
        "proved inference of model {digest} in {prove_time:.2?} (key loaded in {load:.2?}); proof: {} bytes -> {}",
        proof_bytes.len(),
        a.out.display()
    );
    for (k, v) in lists.iter().enumerate() {
        out!("output '{}': {}", names.output(k), show(v));
    }
    if let Some(i) = argmax(&values) {
        match pk.vk.meta.labels.get(i) {
            Some(label) => out!("argmax: {i} ({label})"),
            None => out!("argmax: {i}"),
        }
    }
    Ok(())
}
