//! The evaluations at `zeta` (and at `omega zeta` for running sums) and the one batch opening
//! of every claim (`docs/protocols/mlp.md`, "Verifier checks"; the claims are the verifier's own,
//! `zkml_verifier::model::claims`).

use std::collections::BTreeMap;

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_poly::univariate::DensePolynomial;
use ark_poly::Polynomial;
use rand::RngCore;
use zkml_verifier::kzg::BatchOpeningProof;
use zkml_verifier::model::claims::{claims, Base, Challenges};
use zkml_verifier::model::domain::row_weights;
use zkml_verifier::transcript::Transcript;

use super::super::keys::weight_combination;
use super::super::poly::poly;
use super::super::quotient::SlotView;
use super::round2::Round2Out;
use super::state::State;
use super::Ctx;
use crate::error::ProverError;
use crate::kzg::{add_scaled, open_batch, Blinded};

/// Every evaluation the proof carries, in layout order, at the evaluation points `pts`.
pub(super) fn evaluations<R: RngCore>(
    cx: &Ctx<'_>,
    st: &State<'_, R>,
    views: &[SlotView<'_>],
    table_polys: &[Vec<Fr>],
    pts: &[Fr],
    zeta: Fr,
) -> Result<Vec<Fr>, ProverError> {
    let layout = cx.layout;
    let shifted = |d: usize| pts[layout.shifted_point(d).unwrap_or(0)];
    let at = |p: &[Fr], x: Fr| poly(p.to_vec()).evaluate(&x);
    let mut evals = vec![Fr::zero(); layout.evals];
    for (slot, sv) in layout.slots.iter().zip(views) {
        let [s1, s2, s3] = [sv.comps[1], sv.comps[2], sv.comps[6]];
        // A layer reading the public input has no S1, S2.
        for (e, p, x) in [
            (slot.ev_s1, s1, zeta),
            (slot.ev_s1_next, s1, shifted(sv.n)),
            (slot.ev_s2, s2, zeta),
            (slot.ev_s2_next, s2, shifted(sv.m)),
        ] {
            if let Some(e) = e {
                evals[e] = at(p, x);
            }
        }
        evals[slot.ev_s3] = at(s3, zeta);
        evals[slot.ev_s3_next] = at(s3, shifted(sv.m));
        evals[slot.ev_z] = at(sv.z, zeta);
        if let Some(e) = slot.ev_d {
            evals[e] = at(sv.d, zeta);
        }
        for (e, p) in [(slot.ev_h, sv.h), (slot.ev_sigma, sv.sigma)] {
            if let (Some(e), Some(p)) = (e, p) {
                evals[e] = at(p, zeta);
            }
        }
        if let (Some(e), Some(a)) = (slot.ev_a, sv.a) {
            evals[e] = at(a, zeta);
        }
        if let Some(e) = slot.ev_a_in {
            evals[e] = at(sv.a_in, zeta);
        }
        for &(p, e) in &slot.ev_extra {
            let (_, c) = sv
                .extra
                .iter()
                .find(|(q, _)| *q == p)
                .ok_or_else(|| ProverError::Internal(format!("slot without {p:?}")))?;
            evals[e] = at(c, zeta);
        }
    }
    for l in &layout.layers {
        if let (Some(a), Some(e)) = (l.a_out, l.ev_a_out) {
            evals[e] = at(st.coeffs(a)?, zeta);
        }
    }
    for (k, &e) in layout.ev_table.iter().enumerate() {
        evals[e] = at(&table_polys[k], zeta);
    }
    evals[layout.ev_st] = at(st.coeffs(layout.s_t)?, zeta);
    evals[layout.ev_st_next] = at(st.coeffs(layout.s_t)?, shifted(layout.table_n));
    Ok(evals)
}

/// The claims (the verifier's list), each a combination of committed polynomials, opened in one
/// batch at their points.
#[allow(clippy::too_many_arguments)]
pub(super) fn open<R: RngCore>(
    cx: &Ctx<'_>,
    st: &State<'_, R>,
    t: &mut Transcript,
    ch: &Challenges,
    evals: &[Fr],
    pts: &[Fr],
    (input, output): (&[Fr], &[Fr]),
    r2: &Round2Out,
    table_polys: &[Vec<Fr>],
) -> Result<BatchOpeningProof, ProverError> {
    let list =
        claims(&cx.pk.vk, cx.layout, ch, evals, input, output).map_err(|e| ProverError::Internal(e.to_string()))?;
    let tables: Vec<Blinded> = table_polys
        .iter()
        .map(|c| Blinded { poly: poly(c.clone()), blind: DensePolynomial { coeffs: vec![] } })
        .collect();
    // The row weights, once, as long as the longest layer's rows.
    let e = row_weights(ch.r, cx.pk.layers.iter().map(|l| l.rows).max().unwrap_or(0));
    let mut combos = Vec::with_capacity(list.len());
    for (ci, c) in list.iter().enumerate() {
        let (mut f, mut g) = (Vec::new(), Vec::new());
        // Weight rows (or columns) are combined per layer on their values (one inverse FFT per
        // layer).
        let mut rows: BTreeMap<usize, Vec<(usize, Fr)>> = BTreeMap::new();
        for (base, sc) in &c.terms {
            let p = match *base {
                Base::Proof(i) => st.get(i)?,
                Base::Rows(i) => {
                    // One commitment per row (of the shared matrix with shared weights).
                    let count = cx.pk.layers.get(i).map_or(0, |l| l.rows / l.batch.max(1));
                    let terms = rows.entry(i).or_default();
                    terms.extend(e.iter().take(count).enumerate().map(|(k, e)| (k, *e * sc)));
                    continue;
                }
                Base::Columns(i) => {
                    // The weight columns combined by the public input (signed values).
                    let terms = rows.entry(i).or_default();
                    terms.extend(input.iter().enumerate().map(|(k, x)| (k, *x * sc)));
                    continue;
                }
                Base::Bias(i) => r2.biases.get(i).ok_or_else(|| ProverError::Internal(format!("layer {i} missing")))?,
                Base::Table(i) => tables.get(i).ok_or_else(|| ProverError::Internal("table index".into()))?,
            };
            add_scaled(&mut f, &p.poly.coeffs, *sc);
            add_scaled(&mut g, &p.blind.coeffs, *sc);
        }
        for (i, terms) in rows {
            let (layer, blinds) = cx
                .pk
                .layers
                .get(i)
                .zip(cx.pk.weight_blinds.get(i))
                .ok_or_else(|| ProverError::Internal(format!("layer {i} missing")))?;
            let p = weight_combination(layer, blinds, &terms)?;
            add_scaled(&mut f, &p.poly.coeffs, Fr::one());
            add_scaled(&mut g, &p.blind.coeffs, Fr::one());
        }
        let combo = Blinded { poly: poly(f), blind: poly(g) };
        let point = pts[c.point as usize];
        if cx.opts.strict && combo.poly.evaluate(&point) != c.value {
            return Err(ProverError::Internal(format!("claim {ci} does not hold")));
        }
        combos.push(combo);
    }
    let refs: Vec<&Blinded> = combos.iter().collect();
    let queries: Vec<(u32, u32)> = list.iter().enumerate().map(|(i, c)| (i as u32, c.point)).collect();
    let (_, opening) = open_batch(&cx.pk.srs, t, &refs, pts, &queries)?;
    Ok(opening)
}
