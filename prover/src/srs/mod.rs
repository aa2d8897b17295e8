//! The structured reference string: powers of a secret `tau` in G1 and G2, a few powers of `tau`
//! times a second secret `gamma` in G1 and `[gamma]_2` (the blinding base of hiding KZG
//! commitments, and its image for degree checks).
//!
//! An SRS comes either from [`Srs::insecure_dev`] (the secrets are sampled locally: fine for
//! tests and demos, worthless for security) or from a public powers-of-tau ceremony through
//! [`ptau::import`], where `gamma` is the ceremony's `beta`.
//!
//! File format: the `Srs` envelope (see `zkml_verifier::envelope`), then
//! `origin u8 [power u32, ceremony power u32, source digest 32 bytes]`, three `u32` counts, the
//! points in arkworks' uncompressed encoding (G1 64 bytes, G2 128 bytes), then `[gamma]_2`.
//! Every point is validated when read.
//!
//! `powers_g2` always holds every G2 power the file had: degree checks are made against the last
//! G2 power the parameters' `tau` was ever published with (`docs/protocols/kzg.md`).

mod check;
mod dev;
pub mod ptau;

use std::path::Path;

use ark_bn254::{G1Affine, G2Affine};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use zkml_verifier::codec::Reader;
use zkml_verifier::envelope::{self, Kind};
use zkml_verifier::hex::Digest;
use zkml_verifier::kzg::{SrsSource, VerifyingKey};
use zkml_verifier::DecodeError;

use ark_std::{cfg_chunks, cfg_iter};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::error::{ProverError, SrsError};

pub use check::check_consistency;

/// Number of `gamma * tau^i` powers kept: bounds the degree of blinding polynomials.
pub const GAMMA_POWERS: usize = 16;
const G1_UNCOMPRESSED: usize = 64;
const G2_UNCOMPRESSED: usize = 128;

/// Where an SRS came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrsOrigin {
    /// Generated locally from known secrets: insecure.
    InsecureDev,
    /// Imported from a powers-of-tau ceremony file.
    Ceremony {
        /// The file's power (it holds `2^power` G2 powers).
        power: u32,
        /// The ceremony's power: a file cut from a larger ceremony (as the Hermez files are) says
        /// so here, and the full ceremony published `2^ceremony_power` G2 powers of the same `tau`.
        ceremony_power: u32,
        /// Digest of the imported file.
        source: Digest,
    },
}

/// A structured reference string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srs {
    pub origin: SrsOrigin,
    /// `[tau^i]_1`, `i = 0..n`.
    pub powers_g1: Vec<G1Affine>,
    /// `[gamma * tau^i]_1`, `i = 0..GAMMA_POWERS` (or fewer for tiny SRSs).
    pub gamma_g1: Vec<G1Affine>,
    /// `[tau^i]_2`, `i = 0..m`: every G2 power of the source.
    pub powers_g2: Vec<G2Affine>,
    /// `[gamma]_2`.
    pub gamma_g2: G2Affine,
}

impl Srs {
    /// Largest degree of a committable polynomial.
    pub fn max_degree(&self) -> usize {
        self.powers_g1.len().saturating_sub(1)
    }

    /// Largest degree of a blinding polynomial.
    pub fn max_hiding_degree(&self) -> usize {
        self.gamma_g1.len().saturating_sub(1)
    }

    /// The KZG verifying key: `[1]_1, [gamma]_1, [1]_2, [tau]_2`.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey { g: self.powers_g1[0], gamma_g: self.gamma_g1[0], h: self.powers_g2[0], tau_h: self.powers_g2[1] }
    }

    /// Who made this SRS, as a verifying key names it.
    pub fn source(&self) -> SrsSource {
        match self.origin {
            SrsOrigin::InsecureDev => SrsSource::Dev,
            SrsOrigin::Ceremony { .. } => SrsSource::Ceremony,
        }
    }

    /// Digest of this SRS's source: the ceremony file, or the dev SRS's own encoding.
    pub fn source_digest(&self) -> Digest {
        match self.origin {
            SrsOrigin::Ceremony { source, .. } => source,
            SrsOrigin::InsecureDev => zkml_verifier::transcript::digest(&self.to_bytes()),
        }
    }

    /// Number of G2 powers the SRS's `tau` was ever published with, when known: all of a dev
    /// SRS's; a ceremony file's own only when it is the whole ceremony (`None` for a file cut
    /// from a larger one, which lacks the last powers degree checks need).
    pub fn published_g2_powers(&self) -> Option<usize> {
        match self.origin {
            SrsOrigin::InsecureDev => Some(self.powers_g2.len()),
            SrsOrigin::Ceremony { power, ceremony_power, .. } => {
                (power == ceremony_power && self.powers_g2.len() == 1usize << power).then_some(self.powers_g2.len())
            }
        }
    }

    /// Structural invariants every SRS must satisfy.
    pub fn check_shape(&self) -> Result<(), SrsError> {
        if self.powers_g1.len() < 2 || self.powers_g2.len() < 2 || self.gamma_g1.len() < 2 {
            return Err(SrsError::Shape(format!(
                "needs at least 2 powers in each group, has {} G1, {} gamma-G1, {} G2",
                self.powers_g1.len(),
                self.gamma_g1.len(),
                self.powers_g2.len()
            )));
        }
        Ok(())
    }

    /// The enveloped encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = envelope::writer(Kind::Srs);
        match self.origin {
            SrsOrigin::InsecureDev => w.u8(0),
            SrsOrigin::Ceremony { power, ceremony_power, source } => {
                w.u8(1);
                w.u32(power);
                w.u32(ceremony_power);
                w.bytes(&source.0);
            }
        }
        w.len(self.powers_g1.len());
        w.len(self.gamma_g1.len());
        w.len(self.powers_g2.len());
        let mut bytes = w.into_bytes();
        bytes.reserve(
            (self.powers_g1.len() + self.gamma_g1.len()) * G1_UNCOMPRESSED + self.powers_g2.len() * G2_UNCOMPRESSED,
        );
        for p in self.powers_g1.iter().chain(&self.gamma_g1) {
            p.serialize_with_mode(&mut bytes, Compress::No).expect("writing to a Vec cannot fail");
        }
        for p in self.powers_g2.iter().chain([&self.gamma_g2]) {
            p.serialize_with_mode(&mut bytes, Compress::No).expect("writing to a Vec cannot fail");
        }
        envelope::seal(&mut bytes);
        bytes
    }

    /// Checked decoding: every point is validated (on the curve, in the subgroup).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = envelope::open_kind(bytes, Kind::Srs)?;
        let origin = match r.u8("srs origin")? {
            0 => SrsOrigin::InsecureDev,
            1 => SrsOrigin::Ceremony {
                power: r.u32("srs file power")?,
                ceremony_power: r.u32("srs ceremony power")?,
                source: r.get("srs source digest")?,
            },
            v => return Err(DecodeError::InvalidValue { what: "srs origin", value: u64::from(v) }),
        };
        let n_g1 = r.len(G1_UNCOMPRESSED, "srs G1 powers")?;
        let n_gamma = r.len(G1_UNCOMPRESSED, "srs gamma powers")?;
        let n_g2 = r.len(G2_UNCOMPRESSED, "srs G2 powers")?;
        let powers_g1 = read_points::<G1Affine>(&mut r, n_g1, G1_UNCOMPRESSED, "srs G1 powers")?;
        let gamma_g1 = read_points::<G1Affine>(&mut r, n_gamma, G1_UNCOMPRESSED, "srs gamma powers")?;
        // On the curve only: a G2 subgroup check costs tens of microseconds and a ceremony has
        // 2^17 or more G2 powers, of which a key uses a few hundred; `DegreeProvingKey::new`
        // checks those (`g2_in_subgroup`), and `srs import` checked every point of the ceremony.
        let powers_g2 = read_g2_on_curve(&mut r, n_g2, "srs G2 powers")?;
        let [gamma_g2] = read_points::<G2Affine>(&mut r, 1, G2_UNCOMPRESSED, "srs gamma G2")?
            .try_into()
            .map_err(|_| DecodeError::InvalidPoint { what: "srs gamma G2" })?;
        r.finish("srs")?;
        Ok(Self { origin, powers_g1, gamma_g1, powers_g2, gamma_g2 })
    }

    pub fn write(&self, path: &Path) -> Result<(), ProverError> {
        std::fs::write(path, self.to_bytes()).map_err(|source| ProverError::Io { path: path.into(), source })
    }

    pub fn read(path: &Path) -> Result<Self, ProverError> {
        let bytes = std::fs::read(path).map_err(|source| ProverError::Io { path: path.into(), source })?;
        let srs = Self::from_bytes(&bytes).map_err(|source| ProverError::Decode { path: path.into(), source })?;
        srs.check_shape()?;
        Ok(srs)
    }
}

/// Reads `n` uncompressed G2 points, checking that each is on the curve (not its subgroup).
fn read_g2_on_curve(r: &mut Reader<'_>, n: usize, what: &'static str) -> Result<Vec<G2Affine>, DecodeError> {
    let raw = r.bytes(n * G2_UNCOMPRESSED, what)?;
    let chunks: Vec<Result<G2Affine, DecodeError>> = cfg_chunks!(raw, G2_UNCOMPRESSED)
        .map(|c| {
            G2Affine::deserialize_with_mode(c, Compress::No, Validate::No)
                .ok()
                .filter(G2Affine::is_on_curve)
                .ok_or(DecodeError::InvalidPoint { what })
        })
        .collect();
    chunks.into_iter().collect()
}

/// Whether every point is in G2's prime-order subgroup (checked in parallel).
pub fn g2_in_subgroup(points: &[G2Affine]) -> bool {
    cfg_iter!(points).all(|p| p.is_in_correct_subgroup_assuming_on_curve())
}

/// Reads `n` uncompressed points, validating them in parallel.
fn read_points<P>(r: &mut Reader<'_>, n: usize, size: usize, what: &'static str) -> Result<Vec<P>, DecodeError>
where
    P: CanonicalDeserialize + Send + Sync,
{
    let raw = r.bytes(n * size, what)?;
    let chunks: Vec<Result<P, DecodeError>> = cfg_chunks!(raw, size)
        .map(|c| {
            P::deserialize_with_mode(c, Compress::No, Validate::Yes).map_err(|_| DecodeError::InvalidPoint { what })
        })
        .collect();
    chunks.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn round_trip_and_rejections() {
        let srs = Srs::insecure_dev(4, &mut ChaCha20Rng::seed_from_u64(1));
        let bytes = srs.to_bytes();
        assert_eq!(Srs::from_bytes(&bytes).unwrap(), srs);
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(Srs::from_bytes(&long), Err(DecodeError::TrailingBytes { .. })));
        assert!(matches!(Srs::from_bytes(&bytes[..bytes.len() - 1]), Err(DecodeError::Truncated { .. })));
        // Corrupt the x coordinate of the last G2 power, then of [gamma]_2.
        let mut bad = bytes.clone();
        bad[bytes.len() - 100] ^= 0x55;
        assert_eq!(Srs::from_bytes(&bad), Err(DecodeError::InvalidPoint { what: "srs gamma G2" }));
        let mut bad = bytes.clone();
        let at = bad.len() - 128 - 100;
        bad[at] ^= 0x55;
        assert_eq!(Srs::from_bytes(&bad), Err(DecodeError::InvalidPoint { what: "srs G2 powers" }));
    }

    #[test]
    fn g2_powers_outside_the_subgroup_are_refused_where_a_key_takes_them() {
        use ark_bn254::Fq2;
        use ark_ff::One;
        let srs = Srs::insecure_dev(5, &mut ChaCha20Rng::seed_from_u64(2));
        // A point on the curve (the twist) outside the prime-order subgroup.
        let mut x = Fq2::one();
        let outside = loop {
            match G2Affine::get_point_from_x_unchecked(x, false) {
                Some(p) if !p.is_in_correct_subgroup_assuming_on_curve() => break p,
                _ => x += Fq2::one(),
            }
        };
        let published = srs.powers_g2.len();
        for at in [1, published - 1] {
            let mut bad = srs.clone();
            bad.powers_g2[at] = outside;
            // Read back (it is on the curve), then refused by the degree check's key.
            let back = Srs::from_bytes(&bad.to_bytes()).unwrap();
            assert!(!g2_in_subgroup(&back.powers_g2));
            let err = crate::kzg::DegreeProvingKey::new(&back, published, 4, 2).unwrap_err();
            assert_eq!(
                err.to_string(),
                crate::error::ProverError::InvalidArgument(
                    "the SRS holds a G2 power outside the prime-order subgroup".into()
                )
                .to_string(),
                "power {at}"
            );
        }
        assert!(crate::kzg::DegreeProvingKey::new(&srs, published, 4, 2).is_ok());
    }
}
