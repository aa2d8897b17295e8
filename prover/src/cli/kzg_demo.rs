//! `prove kzg-demo`: commit to random polynomials, batch-open them, write key and proof.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args as ClapArgs;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::artifact::{random_kzg_batch, KzgDemoShape};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;

use super::{write_file, CmdResult};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The SRS file.
    #[arg(long, value_name = "FILE")]
    srs: PathBuf,
    /// Output directory: receives kzg.vk and kzg.proof.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: PathBuf,
    /// Number of polynomials.
    #[arg(long, default_value_t = 4)]
    polys: usize,
    /// Degree of each polynomial.
    #[arg(long, default_value_t = 1023)]
    degree: usize,
    /// Number of evaluation points (every polynomial is opened at every point).
    #[arg(long, default_value_t = 3)]
    points: usize,
    /// Seed for the polynomials, points and blinding (reproducible fixtures).
    #[arg(long)]
    seed: Option<u64>,
}

pub fn run(a: Args) -> CmdResult {
    let t = Instant::now();
    let srs = Srs::read(&a.srs)?;
    let load = t.elapsed();
    let mut rng = match a.seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => ChaCha20Rng::from_entropy(),
    };
    let shape = KzgDemoShape { polys: a.polys, degree: a.degree, points: a.points };
    let t = Instant::now();
    let artifact = random_kzg_batch(&srs, shape, &mut rng)?;
    let prove = t.elapsed();
    let vk = srs.verifying_key().to_artifact_bytes();
    let proof = artifact.to_artifact_bytes();
    write_file(&a.out.join("kzg.vk"), &vk)?;
    write_file(&a.out.join("kzg.proof"), &proof)?;
    out!("committed {} polynomials of degree {} and opened each at {} points", a.polys, a.degree, a.points);
    out!("srs load: {load:.2?}  commit+open: {prove:.2?}");
    out!("verifying key: {} bytes, digest {}", vk.len(), artifact.vk_digest);
    out!("proof: {} bytes -> {}", proof.len(), a.out.display());
    Ok(())
}
