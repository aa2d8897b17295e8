//! Batch opening of hiding KZG commitments at many points (`docs/protocols/kzg.md`).
//!
//! The verifier groups queries by point, folds each group with powers of `nu`, and adds one pairing
//! equation per point to the [`PairingBatch`], weighted by powers of `rho`.

use alloc::vec;
use alloc::vec::Vec;
use ark_ff::{One, Zero};

use crate::codec::{Decode, Encode, Reader, Writer, FR_BYTES, G1_BYTES};
use crate::error::{DecodeError, Error, ShapeError};
use crate::kzg::VerifyingKey;
use crate::pairing::PairingBatch;
use crate::transcript::{labels, Transcript};
use crate::{Fr, G1};

/// A claim `f_poly(z_point) = eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// Index into the commitments.
    pub poly: u32,
    /// Index into the points.
    pub point: u32,
    /// The claimed evaluation.
    pub eval: Fr,
}

impl Encode for Query {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.poly);
        w.u32(self.point);
        w.put(&self.eval);
    }
}

impl Decode for Query {
    const MIN_SIZE: usize = 8 + FR_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Self { poly: r.u32(what)?, point: r.u32(what)?, eval: r.get(what)? })
    }
}

/// The opening at one point: the quotient commitment and the blinding polynomial's evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointOpening {
    /// `[w(tau) + gamma * w_r(tau)]_1` for the folded quotient.
    pub witness: G1,
    /// The folded blinding polynomial evaluated at the point.
    pub blind_eval: Fr,
}

impl Encode for PointOpening {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.witness);
        w.put(&self.blind_eval);
    }
}

impl Decode for PointOpening {
    const MIN_SIZE: usize = G1_BYTES + FR_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Self { witness: r.get(what)?, blind_eval: r.get(what)? })
    }
}

/// One [`PointOpening`] per distinct point, in point order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchOpeningProof {
    pub openings: Vec<PointOpening>,
}

impl Encode for BatchOpeningProof {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.openings);
    }
}

impl Decode for BatchOpeningProof {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>, _what: &'static str) -> Result<Self, DecodeError> {
        Ok(Self { openings: r.vec("kzg opening")? })
    }
}

/// The queries grouped by point, after the shape checks. Shared by prover and verifier so both
/// fold exactly the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// For each point, the indices of its queries in their original order.
    pub groups: Vec<Vec<usize>>,
}

impl QueryPlan {
    /// Checks indices, duplicates and coverage, then groups the queries by point.
    pub fn new(commitments: usize, points: &[Fr], queries: &[Query]) -> Result<Self, ShapeError> {
        if queries.is_empty() || points.is_empty() {
            return Err(ShapeError::Empty);
        }
        let mut groups = vec![Vec::new(); points.len()];
        for (q, query) in queries.iter().enumerate() {
            let poly = usize::try_from(query.poly).unwrap_or(usize::MAX);
            if poly >= commitments {
                return Err(ShapeError::CommitmentIndex { query: q, index: query.poly, count: commitments });
            }
            let group = usize::try_from(query.point)
                .ok()
                .and_then(|p| groups.get_mut(p))
                .ok_or(ShapeError::PointIndex { query: q, index: query.point, count: points.len() })?;
            group.push(q);
        }
        if let Some(point) = groups.iter().position(Vec::is_empty) {
            return Err(ShapeError::UnusedPoint { point });
        }
        let mut keys: Vec<(u32, u32)> = queries.iter().map(|q| (q.poly, q.point)).collect();
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w.first() == w.get(1)) {
            if let Some(&(poly, point)) = w.first() {
                return Err(ShapeError::DuplicateQuery { poly, point });
            }
        }
        let mut sorted: Vec<(Fr, usize)> = points.iter().copied().zip(0..).collect();
        sorted.sort_unstable();
        for w in sorted.windows(2) {
            if let [(a, i), (b, j)] = w {
                if a == b {
                    return Err(ShapeError::DuplicatePoint { first: *i.min(j), second: *i.max(j) });
                }
            }
        }
        Ok(Self { groups })
    }
}

/// Verifies a batch opening and defers its pairing equations into `batch`.
///
/// The caller has already absorbed the commitments and points; this absorbs the queries (the
/// claimed evaluations), draws `nu`, absorbs the openings, draws `rho`.
pub fn verify_batch(
    vk: &VerifyingKey,
    transcript: &mut Transcript,
    commitments: &[G1],
    points: &[Fr],
    queries: &[Query],
    proof: &BatchOpeningProof,
    batch: &mut PairingBatch,
) -> Result<(), Error> {
    let combos: Vec<Vec<(G1, Fr)>> = commitments.iter().map(|c| vec![(*c, Fr::one())]).collect();
    verify_batch_combos(vk, transcript, &combos, points, queries, proof, batch)
}

/// [`verify_batch`] where every "commitment" is a linear combination `sum_k s_k * C_k` of
/// commitments, kept unevaluated so that all of them end up in the batch's single MSM.
pub fn verify_batch_combos(
    vk: &VerifyingKey,
    transcript: &mut Transcript,
    combos: &[Vec<(G1, Fr)>],
    points: &[Fr],
    queries: &[Query],
    proof: &BatchOpeningProof,
    batch: &mut PairingBatch,
) -> Result<(), Error> {
    let plan = QueryPlan::new(combos.len(), points, queries)?;
    if proof.openings.len() != points.len() {
        return Err(ShapeError::OpeningCount { expected: points.len(), found: proof.openings.len() }.into());
    }
    transcript.absorb(labels::QUERIES, queries);
    let nu = transcript.challenge(labels::KZG_NU);
    transcript.absorb(labels::KZG_OPENINGS, &proof.openings);
    let rho = transcript.challenge(labels::KZG_RHO);

    // Weights rho, rho^2, ...: never 1, so equations of different protocols cannot cancel.
    let mut weight = rho;
    for ((group, z), opening) in plan.groups.iter().zip(points).zip(&proof.openings) {
        // e(C - y*G - v*gammaG + z*W, H) * e(-W, tauH) = 1, with C, y folded by powers of nu.
        let mut at_h = Vec::with_capacity(group.len() + 3);
        let mut y = Fr::zero();
        let mut nu_k = Fr::one();
        for &qi in group {
            let q = queries.get(qi).ok_or(ShapeError::Empty)?;
            let combo = usize::try_from(q.poly)
                .ok()
                .and_then(|i| combos.get(i))
                .ok_or(ShapeError::CommitmentIndex { query: qi, index: q.poly, count: combos.len() })?;
            at_h.extend(combo.iter().map(|(c, s)| (*c, nu_k * s)));
            y += nu_k * q.eval;
            nu_k *= nu;
        }
        at_h.push((vk.g, -y));
        at_h.push((vk.gamma_g, -opening.blind_eval));
        at_h.push((opening.witness, *z));
        let at_tau_h = [(opening.witness, -Fr::one())];
        batch.add(weight, &[(vk.h, &at_h), (vk.tau_h, &at_tau_h)]);
        weight *= rho;
    }
    Ok(())
}
