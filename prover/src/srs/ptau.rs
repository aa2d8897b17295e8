//! Import of snarkjs powers-of-tau (`.ptau`) files over BN254.
//!
//! # Format (snarkjs `binfileutils` + `powersoftau_utils.js`, version 1)
//!
//! All integers are little-endian.
//!
//! ```text
//! "ptau"  version: u32 (= 1)  n_sections: u32
//! n_sections x { type: u32, size: u64, data: [u8; size] }      (any order)
//! ```
//!
//! | type | name          | contents                                                     |
//! |------|---------------|--------------------------------------------------------------|
//! | 1    | header        | `n8: u32` (= 32), `q: [u8; n8]`, `power: u32`, `ceremonyPower: u32` |
//! | 2    | tauG1         | `2 * 2^power - 1` G1 points `[tau^i]_1`                      |
//! | 3    | tauG2         | `2^power` G2 points `[tau^i]_2`                              |
//! | 4    | alphaTauG1    | `2^power` G1 points `[alpha * tau^i]_1`                      |
//! | 5    | betaTauG1     | `2^power` G1 points `[beta * tau^i]_1`                       |
//! | 6    | betaG2        | one G2 point `[beta]_2`                                      |
//! | 7    | contributions | the contribution transcript (not read)                      |
//! | 12-15 | lagrange forms | tauG1 .. betaTauG1 in Lagrange basis, only in files prepared for phase 2 (not read) |
//!
//! Points are affine and uncompressed: G1 is `x, y`, G2 is `x.c0, x.c1, y.c0, y.c1`, each
//! coordinate `n8 = 32` bytes little-endian in Montgomery form (a stored integer `a` stands for
//! `a * R^-1 mod q`, `R = 2^256`). The point at infinity is written as all zero bytes; it is
//! rejected in every section we read, since none of these powers may be the identity.
//!
//! # Mapping onto [`Srs`]
//!
//! With `n = 2^log_size` (default: all of tauG1, `2 * 2^power - 1`): `powers_g1 = tauG1[0..n]`,
//! `powers_g2 = tauG2` (all of it: degree checks use the last G2 powers),
//! `gamma_g1 = betaTauG1[0..min(n, GAMMA_POWERS)]` and `gamma_g2 = betaG2`. The ceremony's `beta`
//! plays the role of our blinding secret `gamma`: like `tau`, it is the product of every
//! contributor's share, so nobody knows it as long as one contributor was honest, and the file
//! publishes its G2 image, which the degree checks need (`alpha` has none). `alpha` is not used.
//!
//! # Checks
//!
//! The section table is parsed first; every section must fit in the file, known sections may
//! not repeat, nothing may follow the last section, and the sections we need (1, 2, 3, 5, 6) must
//! be present with exactly the expected sizes (4 too when present). Only the points kept are
//! decoded; each coordinate must be canonical (`< q`), and each point on the curve and in the
//! prime-order subgroup. The result then goes through [`check_consistency`] (standard generators,
//! `tau` and `beta` not degenerate, randomised pairing checks that every run holds successive
//! powers of one `tau`, and that `[beta]_1`, `[beta]_2` carry the same `beta`).

use std::path::Path;

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ff::{BigInt, BigInteger, Field, PrimeField};
use ark_std::cfg_chunks;
use rand::RngCore;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use super::{check_consistency, Srs, SrsOrigin, GAMMA_POWERS};
use crate::error::{ProverError, SrsError};

const MAGIC: [u8; 4] = *b"ptau";
const VERSION: u32 = 1;
/// Bytes per base-field element.
const N8: usize = 32;
const G1_BYTES: usize = 2 * N8;
const G2_BYTES: usize = 4 * N8;
/// Size of the header section's data: `n8`, `q`, `power`, `ceremonyPower`.
const HEADER_BYTES: usize = 4 + N8 + 4 + 4;
/// The largest power snarkjs supports (the 2-adicity of the BN254 scalar field).
const MAX_POWER: u32 = 28;

const HEADER: u32 = 1;
const TAU_G1: u32 = 2;
const TAU_G2: u32 = 3;
const ALPHA_TAU_G1: u32 = 4;
const BETA_TAU_G1: u32 = 5;
const BETA_G2: u32 = 6;
/// Sections whose position we record (1 to 7); others are skipped.
const KNOWN_SECTIONS: usize = 7;

fn section_name(id: u32) -> &'static str {
    match id {
        1 => "header",
        2 => "tauG1",
        3 => "tauG2",
        4 => "alphaTauG1",
        5 => "betaTauG1",
        6 => "betaG2",
        7 => "contributions",
        12 => "lagrange tauG1",
        13 => "lagrange tauG2",
        14 => "lagrange alphaTauG1",
        15 => "lagrange betaTauG1",
        _ => "unknown",
    }
}

/// Reads `path` and imports it with [`import_bytes`].
pub fn import<R: RngCore>(path: &Path, log_size: Option<u32>, rng: &mut R) -> Result<Srs, ProverError> {
    let bytes = std::fs::read(path).map_err(|source| ProverError::Io { path: path.into(), source })?;
    Ok(import_bytes(&bytes, log_size, rng)?)
}

/// Parses and checks a `.ptau` file held in memory. `log_size`: keep only the first
/// `2^log_size` G1 powers (`None` = all of the file's `2 * 2^power - 1`).
pub fn import_bytes<R: RngCore>(bytes: &[u8], log_size: Option<u32>, rng: &mut R) -> Result<Srs, SrsError> {
    let sections = section_table(bytes)?;
    let get = |id: u32| -> Result<&[u8], SrsError> { sections[id as usize - 1].ok_or(SrsError::MissingSection(id)) };
    let header = get(HEADER)?;
    let tau_g1 = get(TAU_G1)?;
    let tau_g2 = get(TAU_G2)?;
    let beta_tau_g1 = get(BETA_TAU_G1)?;
    let beta_g2 = get(BETA_G2)?;
    let (power, ceremony_power) = parse_header(header)?;

    // power <= 28, so none of these overflow.
    let file_n = 1usize << power;
    expect_size(TAU_G1, tau_g1, (2 * file_n - 1) * G1_BYTES)?;
    expect_size(TAU_G2, tau_g2, file_n * G2_BYTES)?;
    expect_size(BETA_TAU_G1, beta_tau_g1, file_n * G1_BYTES)?;
    expect_size(BETA_G2, beta_g2, G2_BYTES)?;
    if let Some(alpha) = sections[ALPHA_TAU_G1 as usize - 1] {
        expect_size(ALPHA_TAU_G1, alpha, file_n * G1_BYTES)?;
    }

    // Default: every tauG1 power (2 * 2^power - 1 of them).
    let n = match log_size {
        None => 2 * file_n - 1,
        Some(log) if log <= power => 1usize << log,
        Some(log) => return Err(SrsError::TooSmall { requested: log, available: power }),
    };
    let r_inv = montgomery_r_inv();
    let powers_g1 = decode_points(tau_g1, n, G1_BYTES, section_name(TAU_G1), |c| g1_point(c, r_inv))?;
    let gamma_g1 =
        decode_points(beta_tau_g1, n.min(GAMMA_POWERS), G1_BYTES, section_name(BETA_TAU_G1), |c| g1_point(c, r_inv))?;
    let powers_g2 = decode_points(tau_g2, file_n, G2_BYTES, section_name(TAU_G2), |c| g2_point(c, r_inv))?;
    let [gamma_g2] = decode_points(beta_g2, 1, G2_BYTES, section_name(BETA_G2), |c| g2_point(c, r_inv))?
        .try_into()
        .map_err(|_| SrsError::Malformed("betaG2 holds no point".into()))?;

    let srs = Srs {
        origin: SrsOrigin::Ceremony { power, ceremony_power, source: zkml_verifier::transcript::digest(bytes) },
        powers_g1,
        gamma_g1,
        powers_g2,
        gamma_g2,
    };
    check_consistency(&srs, rng)?;
    Ok(srs)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// Parses the file header and the section table: the data of sections 1 to 7, by id.
fn section_table(bytes: &[u8]) -> Result<[Option<&[u8]>; KNOWN_SECTIONS], SrsError> {
    let file_header = |what: &str| {
        SrsError::Truncated(format!("the file header ends before its {what} ({} bytes in the file)", bytes.len()))
    };
    let magic: [u8; 4] = bytes.get(..4).and_then(|m| m.try_into().ok()).ok_or_else(|| file_header("magic bytes"))?;
    if magic != MAGIC {
        return Err(SrsError::PtauMagic(magic));
    }
    let version = u32_at(bytes, 4).ok_or_else(|| file_header("version"))?;
    if version != VERSION {
        return Err(SrsError::PtauVersion(version));
    }
    let n_sections = u32_at(bytes, 8).ok_or_else(|| file_header("section count"))?;

    let mut sections: [Option<&[u8]>; KNOWN_SECTIONS] = [None; KNOWN_SECTIONS];
    let mut pos = 12usize;
    // Each entry consumes at least 12 bytes of the file, so this loop ends soon on bad input.
    for i in 0..n_sections {
        let (Some(id), Some(size)) = (u32_at(bytes, pos), u64_at(bytes, pos + 4)) else {
            return Err(SrsError::Truncated(format!(
                "the file ends at byte {} inside the table entry of section {} of {n_sections}",
                bytes.len(),
                i + 1
            )));
        };
        pos += 12;
        let remaining = bytes.len() - pos;
        let size = match usize::try_from(size) {
            Ok(size) if size <= remaining => size,
            _ => {
                return Err(SrsError::Truncated(format!(
                    "section {id} ({}) declares {size} bytes but only {remaining} remain",
                    section_name(id)
                )))
            }
        };
        let data = &bytes[pos..pos + size];
        pos += size;
        if (1..=KNOWN_SECTIONS as u32).contains(&id) {
            let slot = &mut sections[id as usize - 1];
            if slot.is_some() {
                return Err(SrsError::Malformed(format!("section {id} ({}) appears more than once", section_name(id))));
            }
            *slot = Some(data);
        }
    }
    if pos != bytes.len() {
        return Err(SrsError::Malformed(format!(
            "{} bytes after the last of the {n_sections} sections",
            bytes.len() - pos
        )));
    }
    Ok(sections)
}

/// Checks the header section (curve and sizes) and returns the file's power and the ceremony's.
fn parse_header(h: &[u8]) -> Result<(u32, u32), SrsError> {
    let n8 = u32_at(h, 0).ok_or_else(|| wrong_size(HEADER, HEADER_BYTES, h.len()))?;
    if n8 as usize != N8 {
        // Another curve (BLS12-381 has 48-byte base field elements).
        return Err(SrsError::WrongCurve);
    }
    if h.len() != HEADER_BYTES {
        return Err(wrong_size(HEADER, HEADER_BYTES, h.len()));
    }
    if h[4..4 + N8] != Fq::MODULUS.to_bytes_le()[..] {
        return Err(SrsError::WrongCurve);
    }
    let power = u32_at(h, 4 + N8).ok_or_else(|| wrong_size(HEADER, HEADER_BYTES, h.len()))?;
    if power > MAX_POWER {
        return Err(SrsError::Malformed(format!(
            "power {power} exceeds {MAX_POWER}, the largest a BN254 ceremony supports"
        )));
    }
    let ceremony_power = u32_at(h, 4 + N8 + 4).ok_or_else(|| wrong_size(HEADER, HEADER_BYTES, h.len()))?;
    if !(power..=MAX_POWER).contains(&ceremony_power) {
        return Err(SrsError::Malformed(format!(
            "ceremony power {ceremony_power} is below the file's power {power} or above {MAX_POWER}"
        )));
    }
    Ok((power, ceremony_power))
}

fn wrong_size(id: u32, expected: usize, actual: usize) -> SrsError {
    SrsError::Malformed(format!("section {id} ({}) is {actual} bytes, expected {expected}", section_name(id)))
}

fn expect_size(id: u32, data: &[u8], expected: usize) -> Result<(), SrsError> {
    if data.len() == expected {
        Ok(())
    } else {
        Err(wrong_size(id, expected, data.len()))
    }
}

/// `R^-1 mod q` for `R = 2^256`: turns a Montgomery representative into its value.
fn montgomery_r_inv() -> Fq {
    Fq::from(2u64).pow([256u64]).inverse().expect("2^256 is invertible modulo the odd prime q")
}

/// Why a point was rejected (the section and index are added by the caller).
#[derive(Debug, Clone, Copy)]
enum PointFault {
    Identity,
    NonCanonical,
    NotOnCurve,
    NotInSubgroup,
}

/// Decodes the first `count` points of `data` (whose size the caller checked), in parallel
/// where enabled; the error reported is the one of the lowest index.
fn decode_points<P, F>(
    data: &[u8],
    count: usize,
    size: usize,
    section: &'static str,
    decode: F,
) -> Result<Vec<P>, SrsError>
where
    P: Send,
    F: Fn(&[u8]) -> Result<P, PointFault> + Sync + Send,
{
    let raw = data
        .get(..count * size)
        .ok_or_else(|| SrsError::Malformed(format!("{section} holds fewer than the {count} points requested")))?;
    let decoded: Vec<Result<P, PointFault>> = cfg_chunks!(raw, size).map(&decode).collect();
    decoded
        .into_iter()
        .enumerate()
        .map(|(index, p)| {
            p.map_err(|fault| match fault {
                PointFault::Identity => SrsError::Identity { section, index },
                PointFault::NonCanonical => SrsError::NonCanonicalCoordinate { section, index },
                PointFault::NotOnCurve => SrsError::NotOnCurve { section, index },
                PointFault::NotInSubgroup => SrsError::NotInSubgroup { section, index },
            })
        })
        .collect()
}

/// A 32-byte little-endian Montgomery representative, if canonical.
fn fq(bytes: &[u8], r_inv: Fq) -> Result<Fq, PointFault> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().map_err(|_| PointFault::NonCanonical)?);
    }
    Fq::from_bigint(BigInt::new(limbs)).map(|a| a * r_inv).ok_or(PointFault::NonCanonical)
}

fn g1_point(c: &[u8], r_inv: Fq) -> Result<G1Affine, PointFault> {
    if c.iter().all(|&b| b == 0) {
        return Err(PointFault::Identity);
    }
    let p = G1Affine { x: fq(&c[..N8], r_inv)?, y: fq(&c[N8..2 * N8], r_inv)?, infinity: false };
    if !p.is_on_curve() {
        return Err(PointFault::NotOnCurve);
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PointFault::NotInSubgroup);
    }
    Ok(p)
}

fn g2_point(c: &[u8], r_inv: Fq) -> Result<G2Affine, PointFault> {
    if c.iter().all(|&b| b == 0) {
        return Err(PointFault::Identity);
    }
    let coord = |i: usize| fq(&c[i * N8..(i + 1) * N8], r_inv);
    let p = G2Affine { x: Fq2::new(coord(0)?, coord(1)?), y: Fq2::new(coord(2)?, coord(3)?), infinity: false };
    if !p.is_on_curve() {
        return Err(PointFault::NotOnCurve);
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PointFault::NotInSubgroup);
    }
    Ok(p)
}
