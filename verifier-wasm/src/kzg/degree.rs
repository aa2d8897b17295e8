//! Degree bounds that hold against every power a ceremony published (`docs/protocols/kzg.md`,
//! "Degree bounds").
//!
//! A prover shows `deg P < b` for a committed `P = [p(tau) + gamma r(tau)]_1` by committing, in
//! G2, to `X^e p(X)` with `e = M - b`, where `M` is the number of G2 powers the parameters'
//! `tau` has ever been published with: `[tau^i]_2` exists for `i < M` only, so `X^e p` is
//! committable in G2 exactly when `deg p < b`. The G1 side may use any number of powers. The
//! blinding part is moved across with the G2 image of `gamma`:
//!
//! ```text
//! S = [tau^e p(tau) + t gamma]_2,  R = [tau^e r(tau) - t]_1,   e(P, [tau^e]_2) = e([1]_1, S) e(R, [gamma]_2)
//! ```
//!
//! with `t` random, so `S` and `R` are uniform. One such check covers many bounds: the caller
//! combines them into one polynomial `Shift` of bound `b` first.

use ark_ec::AffineRepr;
use ark_ff::One;

use super::VerifyingKey;
use crate::codec::{Decode, Encode, Reader, Writer, G1_BYTES, G2_BYTES};
use crate::error::{DecodeError, Error};
use crate::pairing::PairingBatch;
use crate::{Fr, G1, G2};

/// The verifier's side of the degree check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DegreeKey {
    /// `M`: the number of G2 powers of `tau` ever published (`[tau^i]_2`, `i < M`).
    pub g2_powers: u32,
    /// `b`: the bound checked (`deg < b`).
    pub bound: u32,
    /// `[gamma]_2`.
    pub gamma_h: G2,
    /// `[tau^(M - b)]_2`.
    pub shift_h: G2,
}

impl DegreeKey {
    /// `e = M - b`, the exponent the bounded polynomial is shifted by.
    pub fn shift(&self) -> Result<u32, Error> {
        self.g2_powers.checked_sub(self.bound).ok_or(Error::BadKey("degree bound above the published G2 powers"))
    }

    /// Rejects keys whose check would be vacuous.
    pub fn validate(&self, kzg: &VerifyingKey) -> Result<(), Error> {
        if self.bound == 0 {
            return Err(Error::BadKey("degree bound of zero"));
        }
        self.shift()?;
        if self.gamma_h.is_zero() || self.gamma_h == kzg.h || self.shift_h.is_zero() {
            return Err(Error::DegenerateKey("a degree-check point is degenerate"));
        }
        Ok(())
    }
}

impl Encode for DegreeKey {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.g2_powers);
        w.u32(self.bound);
        w.put(&self.gamma_h);
        w.put(&self.shift_h);
    }
}

impl Decode for DegreeKey {
    const MIN_SIZE: usize = 8 + 2 * G2_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Self { g2_powers: r.u32(what)?, bound: r.u32(what)?, gamma_h: r.get(what)?, shift_h: r.get(what)? })
    }
}

/// The prover's message: `S` in G2 and the blinding correction `R` in G1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DegreeProof {
    pub shifted: G2,
    pub blind: G1,
}

impl Encode for DegreeProof {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.shifted);
        w.put(&self.blind);
    }
}

impl Decode for DegreeProof {
    const MIN_SIZE: usize = G2_BYTES + G1_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Self { shifted: r.get(what)?, blind: r.get(what)? })
    }
}

/// Adds `e(P, [tau^e]_2) e(-[1]_1, S) e(-R, [gamma]_2) = 1`, scaled by `weight` (a challenge drawn
/// after `P` and the proof were absorbed), to `batch`; and, scaled by `weight^2`,
/// `e([gamma]_1, [1]_2) e(-[1]_1, [gamma]_2) = 1`: the key's `[gamma]_2` must be the image of its
/// blinding base, or a key with, say, `[gamma]_2 = [tau]_2` would let `R` absorb any degree. Both
/// reuse G2 points already in the batch: no Miller loop is added.
pub fn add_degree_check(
    kzg: &VerifyingKey,
    key: &DegreeKey,
    bounded: G1,
    proof: &DegreeProof,
    weight: Fr,
    batch: &mut PairingBatch,
) {
    let one = Fr::one();
    batch.add(
        weight,
        &[(key.shift_h, &[(bounded, one)]), (proof.shifted, &[(kzg.g, -one)]), (key.gamma_h, &[(proof.blind, -one)])],
    );
    batch.add(weight * weight, &[(kzg.h, &[(kzg.gamma_g, one)]), (key.gamma_h, &[(kzg.g, -one)])]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{Field, UniformRand, Zero};
    use ark_std::test_rng;

    /// `[x]_1`, `[x]_2`.
    fn g1(x: Fr) -> G1 {
        (G1::generator() * x).into_affine()
    }
    fn g2(x: Fr) -> G2 {
        (G2::generator() * x).into_affine()
    }
    fn eval(p: &[Fr], x: Fr) -> Fr {
        p.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
    }

    /// With secrets known, builds honest and cheating messages for `deg p < b` and checks them.
    #[test]
    fn bounds_hold_and_a_key_with_a_foreign_gamma_image_is_caught() {
        let mut rng = test_rng();
        let (tau, gamma) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let (m, b) = (64u32, 8u32);
        let e = u64::from(m - b);
        let kzg = VerifyingKey { g: g1(Fr::one()), gamma_g: g1(gamma), h: g2(Fr::one()), tau_h: g2(tau) };
        let key = DegreeKey { g2_powers: m, bound: b, gamma_h: g2(gamma), shift_h: g2(tau.pow([e])) };
        key.validate(&kzg).unwrap();
        let blind: Vec<Fr> = (0..3).map(|_| Fr::rand(&mut rng)).collect();
        let check = |key: &DegreeKey, p: G1, proof: DegreeProof, all: bool| {
            let mut batch = PairingBatch::new();
            let w = Fr::rand(&mut test_rng());
            if all {
                add_degree_check(&kzg, key, p, &proof, w, &mut batch);
            } else {
                let one = Fr::one();
                batch.add(
                    w,
                    &[
                        (key.shift_h, &[(p, one)]),
                        (proof.shifted, &[(kzg.g, -one)]),
                        (key.gamma_h, &[(proof.blind, -one)]),
                    ],
                );
            }
            batch.check()
        };
        let commit = |p: &[Fr]| g1(eval(p, tau) + gamma * eval(&blind, tau));
        let honest = |p: &[Fr], t: Fr| DegreeProof {
            shifted: g2(tau.pow([e]) * eval(p, tau) + t * gamma),
            blind: g1(tau.pow([e]) * eval(&blind, tau) - t),
        };
        // deg p < b: accepted.
        let p: Vec<Fr> = (0..b).map(|_| Fr::rand(&mut rng)).collect();
        check(&key, commit(&p), honest(&p, Fr::rand(&mut rng)), true).unwrap();
        // deg p = b: the honest formula needs [tau^M]_2, which is not published; S computed with
        // the published powers only (the top term dropped) fails.
        let long: Vec<Fr> = (0..=b).map(|_| Fr::rand(&mut rng)).collect();
        let t = Fr::rand(&mut rng);
        let top = tau.pow([e]) * long[b as usize] * tau.pow([u64::from(b)]);
        let dropped =
            DegreeProof { shifted: g2(tau.pow([e]) * eval(&long, tau) - top + t * gamma), ..honest(&long, t) };
        assert_eq!(check(&key, commit(&long), dropped, true), Err(Error::PairingCheckFailed));
        // A dishonest key with [gamma]_2 = [tau]_2: R = [tau^(e-1) (p - p_lo + gamma r)]_1 takes the
        // high part, S = [tau^e p_lo]_2 the rest; the degree equation alone holds for any degree.
        let bad_key = DegreeKey { gamma_h: g2(tau), ..key };
        let (lo, hi): (Vec<Fr>, Vec<Fr>) = (long[..b as usize].to_vec(), long.clone());
        let high = eval(&hi, tau) - eval(&lo, tau);
        let forged = DegreeProof {
            shifted: g2(tau.pow([e]) * eval(&lo, tau)),
            blind: g1(tau.pow([e - 1]) * (high + gamma * eval(&blind, tau))),
        };
        check(&bad_key, commit(&long), forged, false).unwrap();
        // The key's own consistency equation, which add_degree_check always adds, rejects it.
        assert_eq!(check(&bad_key, commit(&long), forged, true), Err(Error::PairingCheckFailed));
    }
}
