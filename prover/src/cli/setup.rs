//! `prove setup MODEL.onnx --srs S -o DIR --calibration IN.json`: import, quantise, compile and
//! commit a model; writes DIR/model.pk, DIR/model.vk and DIR/model.json and prints the digest.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args as ClapArgs;
use serde_json::json;
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{self, QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_prover::{io_json, model, progress, ProverError};
use zkml_verifier::envelope::Artifact;

use super::model_files::{tensors_json, META_FILE};
use super::{write_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The ONNX model.
    #[arg(value_name = "MODEL.onnx")]
    model: PathBuf,
    /// The SRS file (`prove srs new` or `prove srs import`).
    #[arg(long, value_name = "FILE")]
    srs: PathBuf,
    /// Output directory: receives model.pk, model.vk and model.json.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: PathBuf,
    /// A sample input of the model (EZKL input JSON) from which the fixed-point scale is chosen;
    /// repeat for several samples. Required.
    #[arg(long, value_name = "IN.json")]
    calibration: Vec<PathBuf>,
    /// Tests and fixtures only (needs ZKML_INSECURE_SEED=1): seed for the commitments' blinding;
    /// default: fresh randomness.
    #[arg(long, hide = true)]
    seed: Option<u64>,
}

pub fn run(a: Args) -> CmdResult {
    if a.calibration.is_empty() {
        return Err(Failure::Usage(format!(
            "{}: no calibration input: pass --calibration IN.json (a sample input of the model, EZKL \
             input JSON; repeat it for several samples) to choose the fixed-point scale",
            a.model.display()
        )));
    }
    let start = Instant::now();
    let pb = progress::bar(5, "importing model");
    if !pb.is_hidden() {
        pb.enable_steady_tick(Duration::from_millis(120));
    }

    let onnx = OnnxModel::load(&a.model).map_err(|e| Failure::Usage(e.to_string()))?;
    let graph = onnx.graph().clone();
    let signature = graph.input_signature();
    let mut samples = Vec::with_capacity(a.calibration.len());
    for path in &a.calibration {
        samples.push(io_json::read_input(path, &signature).map_err(|e| Failure::Usage(e.to_string()))?);
    }
    pb.inc(1);

    pb.set_message("calibrating");
    let in_model = |e: &dyn std::fmt::Display| Failure::Usage(format!("{}: {e}", a.model.display()));
    let qmodel =
        QuantizedModel::calibrate(graph.clone(), &samples, &QuantConfig::default()).map_err(|e| in_model(&e))?;
    // Fail on models the prover cannot prove before the SRS is loaded.
    model::compile(&qmodel).map_err(|e| in_model(&e))?;
    let mut error = 0f32;
    for sample in &samples {
        let float = onnx.run_reference(sample).map_err(|e| Failure::Usage(e.to_string()))?;
        let (_, quantised) = qmodel.run(sample).map_err(|e| in_model(&e))?;
        error = error.max(quant::max_abs_error(&quantised, &float));
    }
    pb.inc(1);

    pb.set_message("loading SRS");
    let srs = Srs::read(&a.srs)?;
    pb.inc(1);

    pb.set_message("committing weights");
    let t = Instant::now();
    let mut rng = super::blinding_rng(a.seed, &[b"setup"])?;
    let pk = model::setup(&srs, &qmodel, &mut rng).map_err(|e| match e {
        ProverError::InvalidArgument(m) => Failure::Usage(format!("{}: {m}", a.srs.display())),
        ProverError::Unsupported(_) => in_model(&e),
        e => e.into(),
    })?;
    let commit_time = t.elapsed();
    pb.inc(1);

    pb.set_message("writing keys");
    let vk_bytes = pk.vk.to_artifact_bytes();
    let pk_bytes = pk.to_bytes();
    let digest = pk.vk.digest();
    let (pk_path, vk_path) = (a.out.join("model.pk"), a.out.join("model.vk"));
    write_file(&pk_path, &pk_bytes)?;
    write_file(&vk_path, &vk_bytes)?;
    let shapes = |ids: &[usize]| -> Vec<(String, Vec<usize>)> {
        ids.iter().map(|&t| (graph.tensor(t).name.clone(), graph.tensor(t).shape.clone())).collect()
    };
    let meta = json!({
        "model": file_name(&a.model),
        "digest": digest.to_hex(),
        "scale_bits": qmodel.scale_bits,
        "table_bits": qmodel.table_bits,
        "inputs": tensors_json(&shapes(&graph.inputs)),
        "outputs": tensors_json(&shapes(&graph.outputs)),
        "layers": pk.layers.iter().map(|l| json!({"name": l.name, "rows": l.rows, "cols": l.cols, "relu": l.relu}))
            .collect::<Vec<_>>(),
        "calibration": {
            "samples": a.calibration.iter().map(|p| file_name(p)).collect::<Vec<_>>(),
            "max_abs_error": error,
        },
    });
    let text = serde_json::to_string_pretty(&meta).unwrap_or_default() + "\n";
    write_file(&a.out.join(META_FILE), text.as_bytes())?;
    pb.inc(1);
    pb.finish_and_clear();

    let dims: Vec<String> = std::iter::once(pk.vk.input_len().to_string())
        .chain(pk.layers.iter().map(|l| format!("{}{}", l.rows, if l.relu { " relu" } else { "" })))
        .collect();
    eprintln!(
        "model {}: {} layers ({}), scale 2^{}, {}-bit tables; |quantised - float| <= {error:.3e} on {} calibration sample(s)",
        a.model.display(),
        pk.layers.len(),
        dims.join(" -> "),
        qmodel.scale_bits,
        qmodel.table_bits,
        samples.len()
    );
    eprintln!(
        "wrote {} ({} bytes) and {} ({} bytes); committed in {commit_time:.2?}, {:.2?} in all",
        pk_path.display(),
        pk_bytes.len(),
        vk_path.display(),
        vk_bytes.len(),
        start.elapsed()
    );
    eprintln!("model digest (publish it; verifiers pin it with --digest):");
    println!("{digest}");
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}
