//! The prover's commitments so far: every committed polynomial at its layout index, with its
//! blind, and the commitment the proof carries.

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_std::UniformRand;
use rand::RngCore;
use zkml_verifier::model::layout::BLINDED_EXTRA;

use super::super::keys::ModelProvingKey;
use super::super::poly::{add_vanishing_blind, interpolate, poly};
use crate::error::ProverError;
use crate::kzg::{commit_with_blind, Blinded};

/// Degree of the fresh blinding polynomial (in the `gamma` part) of every proof commitment.
pub const PROOF_HIDING: usize = 2;
/// Degree of the `Z_H` multiple added to every polynomial opened at up to two points.
const VANISHING_BLIND: usize = 1;
const _: () = assert!(VANISHING_BLIND + 1 == BLINDED_EXTRA);

pub(super) struct State<'a, R: RngCore> {
    pub pk: &'a ModelProvingKey,
    pub rng: &'a mut R,
    polys: Vec<Option<Blinded>>,
    /// The commitments, in layout order.
    pub coms: Vec<G1Affine>,
}

impl<'a, R: RngCore> State<'a, R> {
    pub fn new(pk: &'a ModelProvingKey, rng: &'a mut R, total: usize) -> Self {
        Self { pk, rng, polys: (0..total).map(|_| None).collect(), coms: vec![G1Affine::zero(); total] }
    }

    /// Commits `coeffs` with a fresh hiding blind as polynomial `idx`.
    pub fn commit(&mut self, idx: usize, coeffs: Vec<Fr>) -> Result<(), ProverError> {
        let blind = poly((0..=PROOF_HIDING).map(|_| Fr::rand(self.rng)).collect());
        let b = Blinded { poly: poly(coeffs), blind };
        let c = commit_with_blind(&self.pk.srs, &b)?;
        self.polys[idx] = Some(b);
        self.coms[idx] = c;
        Ok(())
    }

    /// Interpolates `values` over `H_n`, adds a `Z_H` blind when `blinded`, commits.
    pub fn commit_values(&mut self, idx: usize, values: &[Fr], n: usize, blinded: bool) -> Result<(), ProverError> {
        let mut c = interpolate(values, n)?;
        if blinded {
            add_vanishing_blind(&mut c, n, VANISHING_BLIND, self.rng);
        }
        self.commit(idx, c)
    }

    /// Interpolates `values` over `H_n` and adds a `Z_H` blind (not committed).
    pub fn blinded_values(&mut self, values: &[Fr], n: usize) -> Result<Vec<Fr>, ProverError> {
        let mut c = interpolate(values, n)?;
        add_vanishing_blind(&mut c, n, VANISHING_BLIND, self.rng);
        Ok(c)
    }

    pub fn get(&self, idx: usize) -> Result<&Blinded, ProverError> {
        self.polys
            .get(idx)
            .and_then(Option::as_ref)
            .ok_or_else(|| ProverError::Internal(format!("polynomial {idx} missing")))
    }

    pub fn coeffs(&self, idx: usize) -> Result<&[Fr], ProverError> {
        Ok(&self.get(idx)?.poly.coeffs)
    }
}
