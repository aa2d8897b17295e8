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
/// after `P` and the proof were absorbed), to `batch`.
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
}
