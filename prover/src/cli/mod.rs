//! Command-line interface: argument parsing, dispatch and exit codes.
//!
//! Exit codes: 0 success (or a valid proof), 1 an invalid proof, 2 a usage or I/O error. Every
//! failure prints one line on stderr naming the file or step at fault.

/// `println!` that ignores a closed stdout (`prove inspect FILE | head`): the exit code, which is
/// the verdict, stays the command's own instead of a panic's.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod check_key;
mod dry_run;
mod inspect;
mod kzg_demo;
mod model_files;
mod prove;
mod quant_flags;
mod setup;
mod srs;
mod verify;

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zkml_prover::ProverError;

#[derive(Parser, Debug)]
#[command(name = "prove", version, about = "Zero-knowledge proofs of ML inference on BN254", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Make or import a structured reference string.
    #[command(subcommand)]
    Srs(srs::SrsCommand),
    /// Compile, quantise and commit an ONNX model: writes DIR/model.pk, DIR/model.vk, DIR/model.json
    /// and prints the model digest.
    Setup(setup::Args),
    /// Quantise a model as `setup` would and run inputs through it, without an SRS: each node's
    /// value range against its table, and the error against the float model.
    DryRun(dry_run::Args),
    /// Prove one inference of a set-up model: writes the proof and, optionally, the outputs.
    Prove(prove::Args),
    /// Commit to random polynomials and batch-open them: writes DIR/kzg.vk and DIR/kzg.proof.
    KzgDemo(kzg_demo::Args),
    /// Verify a proof against a verifying key (exit 0 valid, 1 invalid, 2 usage or I/O error).
    Verify(verify::Args),
    /// Describe what a key, proof or SRS file holds.
    Inspect(inspect::Args),
    /// Recompute every public commitment of a model key from its SRS: exit 0 if the key is honest,
    /// 1 if not.
    CheckKey(check_key::Args),
}

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments, unreadable files, failed steps: exit 2.
    Usage(String),
    /// A proof that does not verify: exit 1.
    Invalid(String),
}

impl From<ProverError> for Failure {
    fn from(e: ProverError) -> Self {
        Failure::Usage(e.to_string())
    }
}

pub type CmdResult = Result<(), Failure>;

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Srs(cmd) => srs::run(cmd),
        Command::Setup(args) => setup::run(args),
        Command::DryRun(args) => dry_run::run(args),
        Command::Prove(args) => prove::run(args),
        Command::KzgDemo(args) => kzg_demo::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::CheckKey(args) => check_key::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(msg)) => {
            eprintln!("invalid: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Environment variable that allows `--seed` on `setup` and `prove` (tests and fixtures only).
pub const SEED_ENV: &str = "ZKML_INSECURE_SEED";

/// A fresh generator, or a seeded one for `setup` and `prove`, which only tests and fixtures may
/// ask for: blinds drawn from a known seed hide nothing from whoever knows it (the weight
/// commitments of a seeded setup, and proofs, become open to guess-and-check). The seed is
/// hashed with `context` (the key and the input), so two proofs never share blinds.
pub fn blinding_rng(seed: Option<u64>, context: &[&[u8]]) -> Result<rand_chacha::ChaCha20Rng, Failure> {
    use rand::SeedableRng;
    let Some(seed) = seed else {
        return Ok(rand_chacha::ChaCha20Rng::from_entropy());
    };
    if std::env::var_os(SEED_ENV).is_none() {
        return Err(Failure::Usage(format!(
            "--seed makes the blinding of keys and proofs reproducible by anyone who knows the seed, which \
             undoes their zero knowledge; it is for tests and fixtures only (set {SEED_ENV}=1 to allow it)"
        )));
    }
    let mut bytes = seed.to_le_bytes().to_vec();
    for c in context {
        bytes.extend(zkml_verifier::transcript::digest(c).0);
    }
    Ok(rand_chacha::ChaCha20Rng::from_seed(zkml_verifier::transcript::digest(&bytes).0))
}

/// Reads a whole file, naming it on failure.
pub fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// Checks, before any work, that `path` can be written as a file: not a directory, its folder a
/// directory (created when missing), and the file creatable there.
pub fn check_output_file(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(Failure::Usage(format!("{}: is a directory; give a file name", path.display())));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if dir.exists() && !dir.is_dir() {
            return Err(Failure::Usage(format!("{}: {} is not a directory", path.display(), dir.display())));
        }
        std::fs::create_dir_all(dir).map_err(|e| Failure::Usage(format!("{}: {e}", dir.display())))?;
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Failure::Usage(format!("{}: cannot be written: {e}", path.display())))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Writes a whole file, naming it on failure.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::Usage(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}
