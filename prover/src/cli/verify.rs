//! `prove verify`: checks a proof against a verifying key: a model proof (with, optionally, the
//! input and output files it must match) or a KZG batch proof.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args as ClapArgs;
use serde_json::json;
use zkml_prover::io_json;
use zkml_verifier::artifact::KzgBatchArtifact;
use zkml_verifier::envelope::{self, Artifact, Kind};
use zkml_verifier::hex::Digest;
use zkml_verifier::kzg::SrsSource;
use zkml_verifier::kzg::VerifyingKey;
use zkml_verifier::model::{verify_model, ModelProof, ModelVerifyingKey};
use zkml_verifier::Error;

use super::model_files::{argmax, dequantise, names_for, outputs_json, read_quantised_input, show, split_outputs};
use super::{read_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  prove verify --vk keys/model.vk --proof sample.proof --digest 1a2b…(64 hex digits)
  prove verify --vk keys/model.vk --proof sample.proof --digest @keys/model.digest --json
  prove verify --vk keys/model.vk --proof sample.proof --input sample.json --output out.json

Without --digest any key verifies its own proofs: pin the digest the model owner published.
Exit codes: 0 valid, 1 invalid (a failed check, another model's key or digest, files that do not
match the proof), 2 usage or I/O errors and files that cannot be decoded.")]
pub struct Args {
    /// The verifying key.
    #[arg(long, value_name = "FILE")]
    vk: PathBuf,
    /// The proof.
    #[arg(long, value_name = "FILE")]
    proof: PathBuf,
    /// The published digest the verifying key must have: 64 hex digits, or @FILE to read them from
    /// a file.
    #[arg(long, value_name = "HEX|@FILE")]
    digest: Option<String>,
    /// Model proofs: the input (EZKL input JSON) the proof's public input must equal once quantised.
    #[arg(long, value_name = "IN.json")]
    input: Option<PathBuf>,
    /// Model proofs: outputs ({"output_data": [[...]]}) the proven outputs must match within half
    /// a quantisation step.
    #[arg(long, value_name = "OUT.json")]
    output: Option<PathBuf>,
    /// Print one JSON object on stdout (valid, model_digest, digest_pinned, srs, inputs, outputs,
    /// and error when not valid) instead of text; the exit code is the same.
    #[arg(long)]
    json: bool,
}

/// Decoding failures exit 2 (usage); every other verification failure exits 1 (invalid).
fn failure(file: &Path, e: Error) -> Failure {
    match e {
        Error::Decode(d) => Failure::Usage(format!("{}: {d}", file.display())),
        e => Failure::Invalid(format!("{}: {e}", file.display())),
    }
}

/// `--digest`: 64 hex digits, or `@FILE` holding them (surrounding blanks ignored).
fn parse_digest(arg: &str) -> Result<Digest, Failure> {
    let (text, from) = match arg.strip_prefix('@') {
        Some(path) => {
            let path = Path::new(path);
            let bytes = read_file(path)?;
            (String::from_utf8_lossy(&bytes).trim().to_string(), format!(" in {}", path.display()))
        }
        None => (arg.trim().to_string(), String::new()),
    };
    Digest::from_hex(&text).ok_or_else(|| Failure::Usage(format!("--digest: {text:?}{from} is not 64 hex digits")))
}

pub fn run(a: Args) -> CmdResult {
    let json = a.json;
    let result = verify(&a);
    if json {
        // One object whatever happened; the exit code still says which.
        if let Err(f) = &result {
            let (msg, code) = match f {
                Failure::Usage(m) => (m, "usage"),
                Failure::Invalid(m) => (m, "invalid"),
            };
            // What the key says, when it decodes; nothing about inputs and outputs is established.
            let vk = std::fs::read(&a.vk).ok().and_then(|b| ModelVerifyingKey::from_bytes(&b).ok());
            let out = json!({
                "valid": false,
                "error": msg,
                "error_kind": code,
                "model_digest": vk.as_ref().map(|vk| vk.digest().to_hex()),
                "digest_pinned": a.digest.is_some(),
                "model_name": vk.as_ref().map(|vk| vk.meta.name.clone()),
                "srs": vk.as_ref().map(|vk| vk.params.source.name()),
                "inputs": null,
                "outputs": null,
            });
            out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
    }
    result
}

fn verify(a: &Args) -> CmdResult {
    let expected = a.digest.as_deref().map(parse_digest).transpose()?;
    let vk_bytes = read_file(&a.vk)?;
    let proof_bytes = read_file(&a.proof)?;
    let invalid = |file: &PathBuf, e: Error| failure(file, e);

    let (kind, _) = envelope::open(&proof_bytes).map_err(|e| invalid(&a.proof, e.into()))?;
    let start = Instant::now();
    match kind {
        Kind::ModelProof | Kind::AccumulatedModelProof => {
            verify_model_proof(a, expected, &vk_bytes, &proof_bytes, start)
        }
        Kind::KzgBatchProof => {
            if let Some(flag) = [(&a.input, "--input"), (&a.output, "--output")].iter().find(|f| f.0.is_some()) {
                return Err(Failure::Usage(format!("{}: only model proofs have inputs and outputs", flag.1)));
            }
            let vk = VerifyingKey::from_bytes(&vk_bytes).map_err(|e| invalid(&a.vk, e))?;
            if let Some(expected) = expected {
                let actual = vk.digest();
                if actual != expected {
                    return Err(invalid(&a.vk, Error::DigestMismatch { expected, actual }));
                }
            }
            let artifact =
                KzgBatchArtifact::from_artifact_bytes(&proof_bytes).map_err(|e| invalid(&a.proof, e.into()))?;
            let s = artifact.verify(&vk).map_err(|e| invalid(&a.proof, e))?;
            if a.json {
                let out = json!({
                    "valid": true, "kind": kind.name(), "vk_digest": s.vk_digest.to_hex(),
                    "digest_pinned": expected.is_some(), "commitments": s.commitments, "points": s.points,
                    "queries": s.queries, "pairings": s.pairings, "verify_ms": start.elapsed().as_secs_f64() * 1e3,
                });
                out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
                return Ok(());
            }
            out!(
                "valid: {} openings of {} commitments at {} points ({} pairings, {:.2?}); key digest {}",
                s.queries,
                s.commitments,
                s.points,
                s.pairings,
                start.elapsed(),
                s.vk_digest
            );
            Ok(())
        }
        other => Err(Failure::Usage(format!("{}: a {other} is not a proof", a.proof.display()))),
    }
}

fn verify_model_proof(
    a: &Args,
    expected: Option<Digest>,
    vk_bytes: &[u8],
    proof_bytes: &[u8],
    start: Instant,
) -> CmdResult {
    let invalid = |file: &PathBuf, e: Error| failure(file, e);
    let vk = ModelVerifyingKey::from_bytes(vk_bytes).map_err(|e| invalid(&a.vk, e))?;
    let proof = ModelProof::from_artifact_bytes(proof_bytes).map_err(|e| invalid(&a.proof, e.into()))?;
    let verdict = verify_model(&vk, &proof, expected.as_ref()).map_err(|e| match e {
        Error::DigestMismatch { .. } => invalid(&a.vk, e),
        e => invalid(&a.proof, e),
    })?;
    let elapsed = start.elapsed();
    let names = names_for(&a.vk, &verdict.model_digest);
    let s = verdict.scale_bits;
    let lists = split_outputs(&dequantise(&verdict.output, s), &vk);
    // The argmax (and label) of the first output: a classifier's class.
    let outputs = lists.first().cloned().unwrap_or_default();

    // What the proof establishes may be held against the caller's files: a mismatch is a proof of
    // something else, so it is reported as invalid (exit 1).
    let mut notes = Vec::new();
    if let Some(path) = &a.input {
        let given = read_quantised_input(path, &vk, &names)?;
        if let Some(i) = (0..given.len()).find(|&i| given[i] != i64::from(verdict.input[i])) {
            return Err(Failure::Invalid(format!(
                "{}: input '{}' element {i} quantises to {} but the proof's input holds {} (scale 2^{s})",
                path.display(),
                names.input,
                given[i],
                verdict.input[i]
            )));
        }
        notes.push(format!("input:   matches {} ({} values)", path.display(), given.len()));
    }
    if let Some(path) = &a.output {
        let mismatch = |m: String| Failure::Invalid(format!("{}: {m}", path.display()));
        let files = io_json::read_output(path).map_err(|e| Failure::Usage(e.to_string()))?;
        if files.len() != lists.len() {
            return Err(mismatch(format!("holds {} output list(s), the model has {}", files.len(), lists.len())));
        }
        let half_step = 0.5 / f64::from(s.min(60)).exp2();
        for (k, (given, proven)) in files.iter().zip(&lists).enumerate() {
            if given.len() != proven.len() {
                return Err(mismatch(format!(
                    "output '{}': expected {} values, got {}",
                    names.output(k),
                    proven.len(),
                    given.len()
                )));
            }
            let off = |i: &usize| (f64::from(given[*i]) - f64::from(proven[*i])).abs() > half_step;
            if let Some(i) = (0..given.len()).find(off) {
                return Err(mismatch(format!(
                    "output '{}' element {i} is {} but the proof's output is {} (tolerance {half_step}, half of \
                     2^-{s})",
                    names.output(k),
                    given[i],
                    proven[i]
                )));
            }
        }
        notes.push(format!("output:  matches {} within {half_step}", path.display()));
    }

    let label = argmax(&outputs).and_then(|i| vk.meta.labels.get(i));
    if a.json {
        let input = verdict.input_values();
        let out = json!({
            "valid": true,
            "kind": proof.kind().name(),
            "model_digest": verdict.model_digest.to_hex(),
            "digest_pinned": expected.is_some(),
            "model_name": vk.meta.name,
            "srs": verdict.srs_source.name(),
            "srs_points_digest": vk.params.points_digest(&vk.kzg).to_hex(),
            "inputs": [{"name": names.input, "values": input}],
            "outputs": outputs_json(&lists, &names),
            "argmax": argmax(&outputs),
            "label": label,
            "pairings": verdict.pairings,
            "verify_ms": elapsed.as_secs_f64() * 1e3,
            "checked_files": notes,
        });
        out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        if verdict.srs_source == SrsSource::Dev {
            eprintln!("warning: {DEV_WARNING}");
        }
        return Ok(());
    }
    out!("valid: {} pairings, {elapsed:.2?}", verdict.pairings);
    if !vk.meta.name.is_empty() {
        out!("model:   {}", vk.meta.name);
    }
    match expected {
        Some(_) => out!("digest:  {} (pinned)", verdict.model_digest),
        None => out!(
            "digest:  {} (not pinned: any key verifies its own proofs; pass --digest with the published digest)",
            verdict.model_digest
        ),
    }
    out!("srs:     {} (points {})", verdict.srs_source.name(), vk.params.points_digest(&vk.kzg));
    if verdict.srs_source == SrsSource::Dev {
        eprintln!("warning: {DEV_WARNING}");
    }
    match lists.len() {
        1 => out!("output:  {}", show(&outputs)),
        _ => {
            for (k, v) in lists.iter().enumerate() {
                out!("output:  '{}' {}", names.output(k), show(v));
            }
        }
    }
    if let Some(i) = argmax(&outputs) {
        match label {
            Some(l) => out!("argmax:  {i} ({l})"),
            None => out!("argmax:  {i}"),
        }
    }
    for n in notes {
        out!("{n}");
    }
    Ok(())
}

const DEV_WARNING: &str = "this key was made on a dev SRS ('prove srs new'); whoever made that SRS can forge \
    proofs for it, so this proof convinces nobody else. Models meant for others are set up on a ceremony SRS \
    ('prove srs import').";
