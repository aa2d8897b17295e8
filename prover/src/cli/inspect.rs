//! `prove inspect FILE [--json]`: what a key, proof or SRS file holds.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use serde_json::{json, Value};
use zkml_prover::srs::{Srs, SrsOrigin};
use zkml_verifier::artifact::KzgBatchArtifact;
use zkml_verifier::envelope::{self, Artifact, Kind, FORMAT_VERSION};
use zkml_verifier::kzg::VerifyingKey;

use super::{read_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The file to describe.
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> CmdResult {
    let bytes = read_file(&a.file)?;
    let bad = |e: zkml_verifier::DecodeError| Failure::Usage(format!("{}: {e}", a.file.display()));
    let (kind, _) = envelope::open(&bytes).map_err(bad)?;
    let mut info = json!({
        "file": a.file.display().to_string(),
        "kind": kind.name(),
        "format_version": FORMAT_VERSION,
        "bytes": bytes.len(),
    });
    let extra = match kind {
        Kind::Srs => {
            let srs = Srs::from_bytes(&bytes).map_err(bad)?;
            let origin = match srs.origin {
                SrsOrigin::InsecureDev => json!("insecure local (tests and demos only)"),
                SrsOrigin::Ceremony { power, source } => {
                    json!({"ceremony_power": power, "source_digest": source.to_hex()})
                }
            };
            json!({
                "origin": origin,
                "g1_powers": srs.powers_g1.len(),
                "gamma_g1_powers": srs.gamma_g1.len(),
                "g2_powers": srs.powers_g2.len(),
                "max_degree": srs.max_degree(),
                "kzg_vk_digest": srs.verifying_key().digest().to_hex(),
            })
        }
        Kind::KzgVerifyingKey => {
            let vk = VerifyingKey::from_artifact_bytes(&bytes).map_err(bad)?;
            json!({ "digest": vk.digest().to_hex() })
        }
        Kind::KzgBatchProof => {
            let p = KzgBatchArtifact::from_artifact_bytes(&bytes).map_err(bad)?;
            json!({
                "vk_digest": p.vk_digest.to_hex(),
                "commitments": p.commitments.len(),
                "points": p.points.len(),
                "queries": p.queries.len(),
                "openings": p.proof.openings.len(),
                // Openings at all points share [1]_2 and [tau]_2: two Miller loops.
                "pairings": 2,
            })
        }
    };
    if let (Value::Object(m), Value::Object(e)) = (&mut info, extra) {
        m.extend(e);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&info).unwrap_or_default());
    } else if let Value::Object(m) = &info {
        for (k, v) in m {
            println!("{k:>16}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
    }
    Ok(())
}
