//! `prove srs new` and `prove srs import`.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::srs::{ptau, Srs};

use super::{CmdResult, Failure};

#[derive(Subcommand, Debug)]
pub enum SrsCommand {
    /// Make an INSECURE local SRS for tests and demos (whoever runs this could keep the secret).
    New(NewArgs),
    /// Import a snarkjs / Hermez powers-of-tau file (BN254); every point is checked.
    Import(ImportArgs),
}

#[derive(Args, Debug)]
#[command(after_help = "Example:
  prove srs new --log-size 16 -o dev.srs     # 2^16 powers, enough for mnist_mlp

Whoever runs this could keep tau and forge proofs: verifiers are warned about keys made on it.
Models meant for others are set up on a public ceremony: prove srs import.")]
pub struct NewArgs {
    /// The SRS holds 2^K powers (polynomials of degree < 2^K).
    #[arg(long = "log-size", value_name = "K", value_parser = clap::value_parser!(u32).range(1..=24))]
    log_size: u32,
    /// Output file.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: PathBuf,
    /// Seed for the secrets (reproducible test fixtures); default: fresh randomness.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  prove srs import pot15_final.ptau -o pot15.srs      # a full 2^15 ceremony file
  prove srs import pot20_final.ptau -o pot20.srs

A model needs the ceremony's full file (its last G2 powers check degree bounds); a file cut from
a larger ceremony is imported but refused by setup. Sizes: a 2^15 ceremony for mnist_mlp (the
SRS must hold the lookup table of 2^(B+1) rows and every layer's padded side, plus 8).")]
pub struct ImportArgs {
    /// The .ptau file.
    #[arg(value_name = "FILE.ptau")]
    ptau: PathBuf,
    /// Output file.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: PathBuf,
    /// Keep only the first 2^K powers (default: all of the file's).
    #[arg(long = "log-size", value_name = "K")]
    log_size: Option<u32>,
}

pub fn run(cmd: SrsCommand) -> CmdResult {
    match cmd {
        SrsCommand::New(a) => new(a),
        SrsCommand::Import(a) => import(a),
    }
}

fn rng(seed: Option<u64>) -> ChaCha20Rng {
    match seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => ChaCha20Rng::from_entropy(),
    }
}

fn new(a: NewArgs) -> CmdResult {
    eprintln!(
        "warning: this SRS is INSECURE: its secrets were sampled on this machine. Use it only for tests \
         and demos; import a public ceremony file (prove srs import) for real use."
    );
    let start = Instant::now();
    let pb = zkml_prover::progress::bar(1, "generating SRS");
    let srs = Srs::insecure_dev(a.log_size, &mut rng(a.seed));
    pb.finish_and_clear();
    super::write_file(&a.out, &srs.to_bytes())?;
    eprintln!(
        "wrote {} (2^{} powers, {} bytes) in {:.2?}",
        a.out.display(),
        a.log_size,
        std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0),
        start.elapsed()
    );
    Ok(())
}

fn import(a: ImportArgs) -> CmdResult {
    let start = Instant::now();
    let srs = ptau::import(&a.ptau, a.log_size, &mut rng(None))
        .map_err(|e| Failure::Usage(prefix_path(&a.ptau, e.to_string())))?;
    super::write_file(&a.out, &srs.to_bytes())?;
    eprintln!(
        "imported {} powers from {} into {} in {:.2?}; every point checked, powers consistent",
        srs.powers_g1.len(),
        a.ptau.display(),
        a.out.display(),
        start.elapsed()
    );
    Ok(())
}

fn prefix_path(path: &std::path::Path, msg: String) -> String {
    let p = path.display().to_string();
    if msg.starts_with(&p) {
        msg
    } else {
        format!("{p}: {msg}")
    }
}
