//! `prove check-key --vk KEY --srs SRS`: recompute every public commitment of a model key from the
//! SRS it names and say whether the key is honest (exit 0) or not (exit 1).

use std::path::PathBuf;

use clap::Args as ClapArgs;
use rand::SeedableRng;
use serde_json::json;
use zkml_prover::model::check_key;
use zkml_prover::srs::{check_consistency, ptau, Srs};
use zkml_verifier::model::ModelVerifyingKey;

use super::{read_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  prove check-key --vk keys/model.vk --srs pot17.srs
  prove check-key --vk keys/model.vk --srs pot17_final.ptau --json")]
pub struct Args {
    /// The model verifying key to check.
    #[arg(long, value_name = "KEY")]
    vk: PathBuf,
    /// The parameters the key says it was made on: the ceremony's own `.ptau` file (best: fetched by
    /// the checker from the ceremony, not from the model owner), an imported `.srs`, or the dev SRS.
    #[arg(long, value_name = "SRS|PTAU")]
    srs: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> CmdResult {
    let vk = ModelVerifyingKey::from_bytes(&read_file(&a.vk)?)
        .map_err(|e| Failure::Usage(format!("{}: {e}", a.vk.display())))?;
    // Either way every point is checked and the powers are checked to be powers of one tau.
    let bytes = read_file(&a.srs)?;
    let mut rng = rand_chacha::ChaCha20Rng::from_entropy();
    let srs = if bytes.starts_with(b"ptau") {
        ptau::import_bytes(&bytes, None, &mut rng)
    } else {
        Srs::from_bytes(&bytes)
            .map_err(|e| Failure::Usage(format!("{}: {e}", a.srs.display())))
            .map(|srs| check_consistency(&srs, &mut rng).map(|()| srs))?
    }
    .map_err(|e| Failure::Usage(format!("{}: {e}", a.srs.display())))?;
    let checks = check_key(&vk, &srs)?;
    let honest = checks.iter().all(|c| c.ok);
    if a.json {
        let list: Vec<_> = checks.iter().map(|c| json!({"what": c.what, "ok": c.ok})).collect();
        let v = json!({
            "honest": honest,
            "digest": vk.digest().to_hex(),
            "srs": vk.params.source.name(),
            "checks": list,
        });
        out!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for c in &checks {
            out!("{:<4} {}", if c.ok { "ok" } else { "BAD" }, c.what);
        }
        out!("key {}: {}", vk.digest(), if honest { "honest" } else { "NOT honest" });
    }
    if honest {
        Ok(())
    } else {
        let bad: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.what).collect();
        Err(Failure::Invalid(format!("{}: not what {} gives: {}", a.vk.display(), a.srs.display(), bad.join(", "))))
    }
}
