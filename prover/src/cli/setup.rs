//! `prove setup MODEL.onnx --srs S -o DIR --calibration IN.json`: import, quantise, compile and
//! commit a model; writes DIR/model.pk, DIR/model.vk and DIR/model.json and prints the digest.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args as ClapArgs;
use serde_json::json;
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{self, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_prover::{io_json, model, progress, ProverError};
use zkml_verifier::envelope::Artifact;

use zkml_verifier::model::blocks::Weights;
use zkml_verifier::model::{ModelMeta, ModelVerifyingKey};

use super::model_files::{tensors_json, META_FILE};
use super::quant_flags::QuantFlags;
use super::{read_file, write_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  prove srs import pot15_final.ptau -o pot15.srs     # a public ceremony's powers (2^15 for mnist_mlp)
  prove setup mnist_mlp.onnx --srs pot15.srs --calibration sample.json -o keys/ --labels labels.txt
  prove setup model.onnx --srs pot15.srs --calibration a.json --calibration b.json -o keys/ --force

The digest printed last is what verifiers pin (prove verify --digest). Every setup draws fresh
blinds, so running it again gives a new digest; published keys are only replaced with --force.
Try the quantisation first, without an SRS: prove dry-run MODEL.onnx --calibration IN.json.")]
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
    #[command(flatten)]
    quant: QuantFlags,
    /// The model's name in the key (shown by verifiers); default: the ONNX file's name without
    /// its extension.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Labels of the outputs, written into the key (shown by verifiers): a text file with one
    /// label per line, or a JSON array of strings; one label per output value.
    #[arg(long, value_name = "FILE")]
    labels: Option<PathBuf>,
    /// Replace existing keys in the output directory (their digest changes: proofs made for the
    /// old keys no longer verify against the new ones).
    #[arg(long)]
    force: bool,
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
    let (pk_path, vk_path) = (a.out.join("model.pk"), a.out.join("model.vk"));
    check_output_dir(&a.out, &[&pk_path, &vk_path], a.force)?;
    let labels = a.labels.as_deref().map(read_labels).transpose()?.unwrap_or_default();
    let name = a
        .name
        .clone()
        .unwrap_or_else(|| a.model.file_stem().map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned()));
    let config = a.quant.config()?;
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
    let qmodel = QuantizedModel::calibrate(graph.clone(), &samples, &config).map_err(|e| in_model(&e))?;
    for w in qmodel.coarse_weight_warnings() {
        eprintln!("{w}");
    }
    let output_len: usize = graph.outputs.iter().map(|&t| graph.tensor(t).len()).sum();
    if !labels.is_empty() && labels.len() != output_len {
        return Err(Failure::Usage(format!(
            "{}: {} labels, but the model has {output_len} output values (one label each)",
            a.labels.as_deref().map_or_else(String::new, |p| p.display().to_string()),
            labels.len()
        )));
    }
    // The input as a caller gives it (token ids, not their one-hot rows).
    let given = graph.given_shape(0);
    let input_shape = given.iter().map(|&d| u32::try_from(d).unwrap_or(u32::MAX)).collect();
    let meta = ModelMeta { name, labels, input_shape };
    // The key's own rules (lengths, control characters), checked before the SRS is loaded.
    let input_len = given.iter().product();
    meta.validate(input_len, output_len).map_err(|e| match e {
        zkml_verifier::Error::BadKey(why) => Failure::Usage(format!("--name/--labels: {why}")),
        e => Failure::Usage(format!("--name/--labels: {e}")),
    })?;
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
    let pk = model::setup(&srs, &qmodel, meta, &mut rng).map_err(|e| match e {
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
        "headroom_bits": config.headroom_bits,
        "inputs": tensors_json(&[(graph.tensor(graph.inputs[0]).name.clone(), graph.given_shape(0))]),
        "token_vocabulary": graph.tokens.as_ref().map(|t| t.vocab),
        "outputs": tensors_json(&shapes(&graph.outputs)),
        "layers": pk.layers.iter().map(|l| json!({"name": l.name, "rows": l.rows, "cols": l.cols, "activation": l.act.name()}))
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
        .chain(pk.layers.iter().map(|l| {
            // A layer of two tensors names its block.
            let first = zkml_prover::model::keys::first_block(l);
            let product = match first.weights() {
                Weights::None => format!(" {}", first.name()),
                Weights::Rows | Weights::Columns => String::new(),
            };
            format!("{}{product}{}", l.rows, if l.act.hidden() { format!(" {}", l.act.name()) } else { String::new() })
        }))
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
    out!("{digest}");
    Ok(())
}

/// Refuses, before any work, an output directory that is a file, or keys that exist already
/// (unless `force`): replacing published keys silently changes the model digest.
fn check_output_dir(dir: &Path, keys: &[&Path], force: bool) -> Result<(), Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::Usage(format!("-o {}: exists and is not a directory", dir.display())));
    }
    for key in keys {
        if key.is_dir() {
            return Err(Failure::Usage(format!("{}: is a directory", key.display())));
        }
    }
    if force {
        return Ok(());
    }
    if let Some(existing) = keys.iter().find(|k| k.exists()) {
        let digest = std::fs::read(dir.join("model.vk"))
            .ok()
            .and_then(|b| ModelVerifyingKey::from_bytes(&b).ok())
            .map_or_else(String::new, |vk| format!(" (model digest {})", vk.digest()));
        return Err(Failure::Usage(format!(
            "{}: keys exist already{digest}; a new setup draws new blinds and gives a new digest, so proofs and \
             pins of the old keys stop verifying: choose another -o, or pass --force to replace them",
            existing.display()
        )));
    }
    Ok(())
}

/// Output labels: a JSON array of strings, or one label per line (surrounding blanks trimmed,
/// a final empty line ignored).
fn read_labels(path: &Path) -> Result<Vec<String>, Failure> {
    let text = String::from_utf8(read_file(path)?)
        .map_err(|_| Failure::Usage(format!("{}: not UTF-8 text", path.display())))?;
    let bad = |m: String| Failure::Usage(format!("{}: {m}", path.display()));
    let labels: Vec<String> = if text.trim_start().starts_with('[') {
        serde_json::from_str(&text).map_err(|e| bad(format!("not a JSON array of strings: {e}")))?
    } else {
        text.lines().map(|l| l.trim().to_string()).collect()
    };
    let mut labels = labels;
    while labels.last().is_some_and(String::is_empty) {
        labels.pop();
    }
    if labels.is_empty() {
        return Err(bad("no labels".into()));
    }
    Ok(labels)
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}
