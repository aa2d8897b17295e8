//! `prove verify`: checks a proof against a verifying key.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args as ClapArgs;
use zkml_verifier::artifact::KzgBatchArtifact;
use zkml_verifier::envelope::{self, Artifact, Kind};
use zkml_verifier::hex::Digest;
use zkml_verifier::kzg::VerifyingKey;
use zkml_verifier::Error;

use super::{read_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The verifying key.
    #[arg(long, value_name = "FILE")]
    vk: PathBuf,
    /// The proof.
    #[arg(long, value_name = "FILE")]
    proof: PathBuf,
    /// The published digest the verifying key must have (64 hex digits).
    #[arg(long, value_name = "HEX")]
    digest: Option<String>,
}

pub fn run(a: Args) -> CmdResult {
    let expected = match &a.digest {
        Some(h) => {
            Some(Digest::from_hex(h).ok_or_else(|| Failure::Usage(format!("--digest: {h:?} is not 64 hex digits")))?)
        }
        None => None,
    };
    let vk_bytes = read_file(&a.vk)?;
    let proof_bytes = read_file(&a.proof)?;
    let invalid = |file: &PathBuf, e: Error| Failure::Invalid(format!("{}: {e}", file.display()));

    let (kind, _) = envelope::open(&proof_bytes).map_err(|e| invalid(&a.proof, e.into()))?;
    let start = Instant::now();
    match kind {
        Kind::KzgBatchProof => {
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
            println!(
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
