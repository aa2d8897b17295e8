//! Deferred pairing checks, closed by one multi-pairing.
//!
//! Every protocol adds its pairing equations `prod_i e(P_i, Q_i) = 1` here, each scaled by a weight
//! drawn from the transcript after all of that equation's inputs were absorbed. Weights must be
//! challenges (or their non-zero powers), never constants: a constant weight would let a failing
//! equation of one protocol cancel against a failing equation of another. [`PairingBatch::check`]
//! groups the G1 terms by their G2 point (so equations sharing `[1]_2` and `[tau]_2` cost two Miller
//! loops in total) and runs one multi-pairing. A forged equation survives the random combination
//! with probability at most (number of equations) / |Fr|.

use alloc::vec::Vec;
use ark_bn254::Bn254;
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, Zero};

use crate::error::Error;
use crate::{Fr, G1, G2};

/// Pairing equations waiting to be checked together.
#[derive(Debug, Default, Clone)]
pub struct PairingBatch {
    /// One entry per distinct G2 point: the G1 bases and scalars whose combination pairs with it.
    groups: Vec<(G2, Vec<G1>, Vec<Fr>)>,
    equations: usize,
}

impl PairingBatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of equations added so far.
    pub fn equations(&self) -> usize {
        self.equations
    }

    /// Number of Miller loops [`check`](Self::check) will run.
    pub fn pairings(&self) -> usize {
        self.groups.len()
    }

    /// Adds the equation `prod_i e(sum_j s_ij * P_ij, Q_i) = 1`, scaled by `weight`.
    /// Each term is `(Q, [(P, s), ...])`.
    pub fn add(&mut self, weight: Fr, terms: &[(G2, &[(G1, Fr)])]) {
        for (q, combo) in terms {
            let idx = match self.groups.iter().position(|(g, _, _)| g == q) {
                Some(i) => i,
                None => {
                    self.groups.push((*q, Vec::new(), Vec::new()));
                    self.groups.len() - 1
                }
            };
            if let Some((_, bases, scalars)) = self.groups.get_mut(idx) {
                for (p, s) in combo.iter() {
                    bases.push(*p);
                    scalars.push(weight * s);
                }
            }
        }
        self.equations += 1;
    }

    /// Runs the single multi-pairing. An empty batch is vacuously true.
    pub fn check(self) -> Result<(), Error> {
        let mut g1 = Vec::with_capacity(self.groups.len());
        let mut g2 = Vec::with_capacity(self.groups.len());
        let merged: Vec<(Vec<G1>, Vec<Fr>)> = self.groups.iter().map(|(_, b, s)| merge_repeated(b, s)).collect();
        let instances: Vec<(&[G1], &[Fr])> = merged.iter().map(|(b, s)| (b.as_slice(), s.as_slice())).collect();
        let sums = crate::msm::g1_msms(&instances).ok_or(Error::PairingCheckFailed)?;
        for ((q, _, _), p) in self.groups.iter().zip(sums) {
            if p.is_zero() || q.is_zero() {
                continue;
            }
            g1.push(p.into_affine());
            g2.push(*q);
        }
        if g1.is_empty() {
            return Ok(());
        }
        let out = Bn254::multi_pairing(g1, g2);
        if out.0.is_one() {
            Ok(())
        } else {
            Err(Error::PairingCheckFailed)
        }
    }
}

/// Sums the scalars of repeated bases (the same commitment appears in many claims), so the MSM has
/// one term per distinct point. Sorting keeps this `O(n log n)` for any input; points compare by
/// their Montgomery limbs, which is cheap and consistent.
fn merge_repeated(bases: &[G1], scalars: &[Fr]) -> (Vec<G1>, Vec<Fr>) {
    let mut terms: Vec<(G1, Fr)> = bases.iter().copied().zip(scalars.iter().copied()).collect();
    terms.sort_unstable_by_key(|(p, _)| (p.infinity, p.x.0, p.y.0));
    let mut out_b: Vec<G1> = Vec::with_capacity(terms.len());
    let mut out_s: Vec<Fr> = Vec::with_capacity(terms.len());
    for (p, s) in terms {
        match (out_b.last(), out_s.last_mut()) {
            (Some(last), Some(acc)) if *last == p => *acc += s,
            _ => {
                out_b.push(p);
                out_s.push(s);
            }
        }
    }
    (out_b, out_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    #[test]
    fn bilinearity_holds_and_a_wrong_equation_fails() {
        let mut rng = test_rng();
        let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let g = G1::generator();
        let bh: G2 = (G2::generator() * b).into();
        let h = G2::generator();
        // e(a*G, b*H) * e(-(a*b)*G, H) = 1
        let mut batch = PairingBatch::new();
        batch.add(Fr::rand(&mut rng), &[(bh, &[(g, a)]), (h, &[(g, -(a * b))])]);
        batch.add(Fr::rand(&mut rng), &[(h, &[(g, a), (g, -a)])]);
        assert_eq!(batch.pairings(), 2);
        batch.clone().check().unwrap();
        batch.add(Fr::rand(&mut rng), &[(h, &[(g, Fr::one())])]);
        assert_eq!(batch.check(), Err(Error::PairingCheckFailed));
    }
}
