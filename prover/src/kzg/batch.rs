//! Batch opening prover, mirroring `zkml_verifier::kzg::batch`.

use ark_bn254::Fr;
use ark_ec::CurveGroup;
use ark_ff::One;
use ark_poly::Polynomial;
use zkml_verifier::kzg::{BatchOpeningProof, PointOpening, Query, QueryPlan};
use zkml_verifier::transcript::{labels, Transcript};

use super::{add_scaled, divide_by_linear, msm, Blinded};
use ark_std::cfg_iter;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::error::ProverError;
use crate::srs::Srs;

/// Opens `polys[poly]` at `points[point]` for every `(poly, point)` in `queries`.
///
/// The caller has absorbed the commitments and points into `transcript`; this computes and absorbs
/// the evaluations, draws `nu`, computes and absorbs one opening per point, and draws `rho`, exactly
/// as `zkml_verifier::kzg::verify_batch` replays it.
pub fn open_batch(
    srs: &Srs,
    transcript: &mut Transcript,
    polys: &[&Blinded],
    points: &[Fr],
    queries: &[(u32, u32)],
) -> Result<(Vec<Query>, BatchOpeningProof), ProverError> {
    let queries: Vec<Query> = queries
        .iter()
        .map(|&(poly, point)| {
            let p = polys.get(poly as usize).ok_or_else(|| bad(format!("query names polynomial {poly}")))?;
            let z = points.get(point as usize).ok_or_else(|| bad(format!("query names point {point}")))?;
            Ok(Query { poly, point, eval: p.poly.evaluate(z) })
        })
        .collect::<Result<_, ProverError>>()?;
    let plan = QueryPlan::new(polys.len(), points, &queries).map_err(|e| bad(e.to_string()))?;

    transcript.absorb(labels::QUERIES, &queries);
    let nu = transcript.challenge(labels::KZG_NU);

    let groups: Vec<(&Vec<usize>, &Fr)> = plan.groups.iter().zip(points).collect();
    let openings: Vec<PointOpening> = cfg_iter!(groups)
        .map(|(group, z)| {
            let (mut f, mut r) = (Vec::new(), Vec::new());
            let mut nu_k = Fr::one();
            for &qi in group.iter() {
                let b = polys[queries[qi].poly as usize];
                add_scaled(&mut f, &b.poly.coeffs, nu_k);
                add_scaled(&mut r, &b.blind.coeffs, nu_k);
                nu_k *= nu;
            }
            let (wf, _) = divide_by_linear(&f, **z);
            let (wr, blind_eval) = divide_by_linear(&r, **z);
            let witness = (msm(&srs.powers_g1, &wf) + msm(&srs.gamma_g1, &wr)).into_affine();
            PointOpening { witness, blind_eval }
        })
        .collect();

    transcript.absorb(labels::KZG_OPENINGS, &openings);
    let _rho = transcript.challenge(labels::KZG_RHO);
    Ok((queries, BatchOpeningProof { openings }))
}

fn bad(msg: String) -> ProverError {
    ProverError::InvalidArgument(format!("KZG batch opening: {msg}"))
}
