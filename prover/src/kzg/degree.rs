//! The degree check's prover, mirroring `zkml_verifier::kzg::degree` (`docs/protocols/kzg.md`,
//! "Degree bounds").

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::RngCore;
use zkml_verifier::kzg::{DegreeKey, DegreeProof};

use super::Blinded;
use crate::error::ProverError;
use crate::srs::Srs;

/// What proving `deg < bound` needs: the key, and the powers `[tau^(e+j)]_2` for `j < bound` and
/// `[tau^(e+j)]_1` for `j` below the blinding polynomials' length, with `e = M - bound`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DegreeProvingKey {
    pub key: DegreeKey,
    pub shifted_g2: Vec<G2Affine>,
    pub shifted_g1: Vec<G1Affine>,
}

impl DegreeProvingKey {
    /// The key for `deg < bound` under `srs`, whose `tau` was published with `published_g2`
    /// G2 powers (all of them in `srs`); `hiding` blinding coefficients are moved across.
    pub fn new(srs: &Srs, published_g2: usize, bound: usize, hiding: usize) -> Result<Self, ProverError> {
        let e = published_g2
            .checked_sub(bound)
            .filter(|_| bound >= 1 && published_g2 == srs.powers_g2.len())
            .ok_or_else(|| {
                ProverError::InvalidArgument(format!(
                    "the model's degree checks need {bound} G2 powers but the SRS has {}",
                    srs.powers_g2.len()
                ))
            })?;
        // The G2 points a key takes from the SRS (`Srs::from_bytes` checks G2 powers on the curve
        // only): `[1]_2, [tau]_2` and the shifted powers.
        if !crate::srs::g2_in_subgroup(&srs.powers_g2[..2.min(e)]) || !crate::srs::g2_in_subgroup(&srs.powers_g2[e..]) {
            return Err(ProverError::InvalidArgument(
                "the SRS holds a G2 power outside the prime-order subgroup".into(),
            ));
        }
        let shifted_g1 = srs.powers_g1.get(e..e + hiding).map(<[G1Affine]>::to_vec).ok_or_else(|| {
            ProverError::InvalidArgument(format!(
                "the degree check needs G1 powers up to {} but the SRS has {}",
                e + hiding,
                srs.powers_g1.len()
            ))
        })?;
        let as_u32 = |x: usize| u32::try_from(x).map_err(|_| ProverError::InvalidArgument("SRS too large".into()));
        Ok(Self {
            key: DegreeKey {
                g2_powers: as_u32(published_g2)?,
                bound: as_u32(bound)?,
                gamma_h: srs.gamma_g2,
                shift_h: srs.powers_g2[e],
            },
            shifted_g2: srs.powers_g2[e..].to_vec(),
            shifted_g1,
        })
    }

    /// `S = [tau^e p(tau) + t gamma]_2` and `R = [tau^e r(tau) - t]_1` for `P = p + gamma r`.
    /// Fails if `deg p >= bound` or `r` is longer than the key allows; `g` is `[1]_1`.
    pub fn prove<R: RngCore>(&self, g: G1Affine, p: &Blinded, rng: &mut R) -> Result<DegreeProof, ProverError> {
        let (coeffs, blind) = (&p.poly.coeffs, &p.blind.coeffs);
        if coeffs.len() > self.shifted_g2.len() || blind.len() > self.shifted_g1.len() {
            return Err(ProverError::Internal(format!(
                "degree check of a polynomial with {} coefficients (bound {}) and blind {}",
                coeffs.len(),
                self.shifted_g2.len(),
                blind.len()
            )));
        }
        Ok(self.prove_truncated(g, coeffs, blind, rng))
    }

    /// [`Self::prove`] without the size checks: the terms beyond the published powers are
    /// dropped, which is all a prover without those powers can do (cheating-prover tests).
    pub fn prove_truncated<R: RngCore>(&self, g: G1Affine, coeffs: &[Fr], blind: &[Fr], rng: &mut R) -> DegreeProof {
        let t = Fr::rand(rng);
        let n = coeffs.len().min(self.shifted_g2.len());
        let s = G2Projective::msm(&self.shifted_g2[..n], &coeffs[..n]).unwrap_or_default() + self.key.gamma_h * t;
        let k = blind.len().min(self.shifted_g1.len());
        let r = G1Projective::msm(&self.shifted_g1[..k], &blind[..k]).unwrap_or_default() - g * t;
        DegreeProof { shifted: s.into_affine(), blind: r.into_affine() }
    }
}
