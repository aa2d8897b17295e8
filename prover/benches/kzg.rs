//! KZG and MSM benchmarks, printed as JSON Lines (one object per measurement).
//!
//! ```text
//! cargo bench -p zkml-prover --bench kzg -- [--max-log N] [--quick] [--out FILE]
//! ```
//! MSM sizes run from 2^12 to 2^N in steps of 4x; `--max-log N` sets N (default 20, or 12 with
//! `--quick`). `--quick` also runs one repetition of everything and uses a 2^12-power SRS instead
//! of 2^16 (the CI smoke run). `--out FILE` also writes the lines to FILE. Unknown arguments (cargo
//! passes `--bench`) are ignored. Times are medians of wall-clock time; the RNG is seeded.
//!
//! Lines: `msm_g1`, `kzg_commit`, `kzg_open`, `kzg_commit_and_open`, `kzg_verify`, then `summary`
//! (threads, CPU model, peak RSS).

use std::io::Write;
use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{PrimeGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use ark_poly::univariate::DensePolynomial;
use ark_poly::DenseUVPolynomial;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use zkml_prover::artifact::{prove_kzg_batch, random_kzg_batch, KzgDemoShape};
use zkml_prover::kzg;
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;

struct Opts {
    /// Explicit `--max-log`; otherwise 20, or 12 under `--quick`.
    max_log: Option<u32>,
    quick: bool,
    out: Option<String>,
}

fn opts() -> Opts {
    let mut o = Opts { max_log: None, quick: false, out: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--max-log" => {
                let n: u32 = args.next().and_then(|v| v.parse().ok()).expect("--max-log N (an integer)");
                assert!(n <= 26, "--max-log is at most 26");
                o.max_log = Some(n);
            }
            "--quick" => o.quick = true,
            "--out" => o.out = args.next(),
            _ => {} // cargo passes --bench
        }
    }
    o
}

/// Median wall time in seconds of `reps` runs of `f`.
fn median<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    let mut t: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[t.len() / 2]
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let o = opts();
    let mut lines: Vec<Value> = Vec::new();
    let mut emit = |v: Value| {
        println!("{v}");
        lines.push(v);
    };
    let mut rng = ChaCha20Rng::seed_from_u64(42);

    // MSM throughput in G1.
    // Bases: random multiples of the generator through one fixed-base table and a batch
    // normalisation (a few seconds at 2^20, outside the timed region).
    let max_log = o.max_log.unwrap_or(if o.quick { 12 } else { 20 });
    let n_max = 1usize << max_log;
    let setup = Instant::now();
    let table = BatchMulPreprocessing::new(G1Projective::generator(), n_max);
    let base_scalars: Vec<Fr> = (0..n_max).map(|_| Fr::rand(&mut rng)).collect();
    let bases: Vec<G1Affine> = table.batch_mul(&base_scalars);
    drop((table, base_scalars));
    let scalars: Vec<Fr> = (0..n_max).map(|_| Fr::rand(&mut rng)).collect();
    let bases_seconds = setup.elapsed().as_secs_f64();
    for log_n in (12..=max_log).step_by(2) {
        let n = 1usize << log_n;
        let reps = if o.quick {
            1
        } else if log_n <= 16 {
            5
        } else {
            3
        };
        let s = median(reps, || {
            let _ = std::hint::black_box(G1Projective::msm(&bases[..n], &scalars[..n]).unwrap());
        });
        emit(json!({
            "bench": "msm_g1", "log_n": log_n, "n": n, "seconds": s, "points_per_second": n as f64 / s, "reps": reps,
        }));
    }

    // KZG commit / open / verify.
    let srs_log = if o.quick { 12 } else { 16 };
    let srs = Srs::insecure_dev(srs_log, &mut rng);
    for log_d in (10..=srs_log).step_by(2) {
        let degree = (1usize << log_d) - 1;
        let p = DensePolynomial::<Fr>::rand(degree, &mut rng);
        let reps = if o.quick { 1 } else { 5 };
        let s = median(reps, || {
            let _ = std::hint::black_box(kzg::commit(&srs, p.clone(), 1, &mut ChaCha20Rng::seed_from_u64(1)).unwrap());
        });
        emit(json!({"bench": "kzg_commit", "degree": degree, "hiding_degree": 1, "seconds": s, "reps": reps}));
    }
    // Batch opening of 4 polynomials at 3 points, every polynomial at every point. `kzg_open` times
    // the opening alone (evaluations, quotients, witness MSMs, transcript) of polynomials committed
    // once up front; `kzg_commit_and_open` times the whole `random_kzg_batch` demo (4 commitments too).
    let shape = KzgDemoShape { polys: 4, degree: (1 << 12) - 1, points: 3 };
    let reps = if o.quick { 1 } else { 5 };
    let mut commitments = Vec::with_capacity(shape.polys);
    let mut blinded = Vec::with_capacity(shape.polys);
    for _ in 0..shape.polys {
        let p = DensePolynomial::<Fr>::rand(shape.degree, &mut rng);
        let (c, b) = kzg::commit(&srs, p, shape.points, &mut rng).expect("degree fits the SRS");
        commitments.push(c);
        blinded.push(b);
    }
    let points: Vec<Fr> = (0..shape.points).map(|_| Fr::rand(&mut rng)).collect();
    let queries: Vec<(u32, u32)> =
        (0..shape.polys as u32).flat_map(|p| (0..shape.points as u32).map(move |z| (p, z))).collect();
    let mut artifact = None;
    let open = median(reps, || {
        artifact = Some(
            prove_kzg_batch(&srs, commitments.clone(), &blinded, points.clone(), &queries).expect("valid queries"),
        );
    });
    let artifact = artifact.expect("at least one repetition");
    emit(json!({
        "bench": "kzg_open",
        "polys": shape.polys, "degree": shape.degree, "points": shape.points, "queries": queries.len(),
        "seconds": open, "reps": reps,
    }));
    let commit_and_open = median(reps, || {
        let _ = std::hint::black_box(random_kzg_batch(&srs, shape, &mut ChaCha20Rng::seed_from_u64(2)).unwrap());
    });
    emit(json!({
        "bench": "kzg_commit_and_open",
        "polys": shape.polys, "degree": shape.degree, "points": shape.points,
        "seconds": commit_and_open, "reps": reps,
    }));
    let vk = srs.verifying_key();
    let verify_reps = if o.quick { 3 } else { 21 };
    let verify = median(verify_reps, || {
        let _ = std::hint::black_box(artifact.verify(&vk).expect("honest proof verifies"));
    });
    emit(json!({
        "bench": "kzg_verify",
        "polys": shape.polys, "points": shape.points,
        "milliseconds": verify * 1e3, "reps": verify_reps,
        "proof_bytes": artifact.to_artifact_bytes().len(),
        "vk_bytes": vk.to_artifact_bytes().len(),
    }));
    emit(json!({
        "bench": "summary",
        "threads": zkml_prover::parallel::threads(),
        "quick": o.quick,
        "msm_max_log": max_log,
        "msm_bases_setup_seconds": bases_seconds,
        "srs_log": srs_log,
        "cpu": cpu_model(),
        "peak_rss_mib": peak_rss_mib(),
    }));

    if let Some(path) = o.out {
        let mut f = std::fs::File::create(&path).expect("create --out file");
        for l in &lines {
            writeln!(f, "{l}").expect("write --out file");
        }
    }
}
