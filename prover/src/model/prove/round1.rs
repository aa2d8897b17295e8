//! Round 1 (`docs/protocols/mlp.md`, "Prover messages"): every layer's accumulator, rescaled
//! values, split and sign, its activation output, and the table's multiplicities.

use std::collections::HashMap;

use ark_bn254::Fr;
use rand::RngCore;
use zkml_verifier::model::layout::{round1_widths, ROUND1};

use super::super::fold;
use super::super::witness::Lookups;
use super::state::State;
use super::{frs, Ctx, TableColumns};
use crate::error::ProverError;

/// How often each table row is looked up. Each looked-up triple is counted on the first table
/// row holding it (one pass over the table for the distinct triples looked up); a triple the
/// table does not hold is an error, or, for a cheating prover, left out of the multiplicities.
pub(super) fn multiplicities(cx: &Ctx<'_>, table: &TableColumns, lookups: &[Lookups]) -> Result<Vec<Fr>, ProverError> {
    let [t_in, t_out, t_tag] = table;
    let mut rows: HashMap<[Fr; 3], usize> = HashMap::new();
    for lk in lookups {
        for t in lk.all() {
            rows.insert(*t, usize::MAX);
        }
    }
    for (k, row) in t_in.iter().zip(t_out).zip(t_tag).enumerate() {
        if let Some(at) = rows.get_mut(&[*row.0 .0, *row.0 .1, *row.1]) {
            *at = (*at).min(k);
        }
    }
    rows.retain(|_, at| *at != usize::MAX);
    let mut mult = vec![0u64; cx.layout.table_n];
    for (i, lk) in lookups.iter().enumerate() {
        for t in lk.all() {
            match rows.get(t) {
                Some(&row) => mult[row] += 1,
                None if cx.opts.strict => {
                    return Err(ProverError::Internal(format!("layer {i} looks up a triple outside the table")))
                }
                None => {}
            }
        }
    }
    Ok(mult.iter().map(|&c| Fr::from(c)).collect())
}

/// Commits round 1 and returns, for each folded layer, its `Z, D, H, Sigma` (blinded, packed
/// into one commitment), kept for the fold.
pub(super) fn commit<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    mult: &[Fr],
) -> Result<Vec<Option<[Vec<Fr>; ROUND1]>>, ProverError> {
    let layout = cx.layout;
    let mut member_r1: Vec<Option<[Vec<Fr>; ROUND1]>> = vec![None; layout.layers.len()];
    for (i, (l, w)) in layout.layers.iter().zip(cx.wit).enumerate() {
        let round1 = [&w.z, &w.q, &w.high, &w.sign];
        if l.class.is_some() {
            let mut parts: [Vec<Fr>; ROUND1] = Default::default();
            for (part, values) in parts.iter_mut().zip(round1) {
                *part = st.blinded_values(&frs(values), l.m)?;
            }
            let refs: Vec<&[Fr]> = parts.iter().map(Vec::as_slice).collect();
            st.commit(l.z, fold::pack(&refs, &round1_widths(l.m))?)?;
            member_r1[i] = Some(parts);
        } else {
            for (idx, values) in [Some(l.z), l.d, l.h, l.sigma].into_iter().zip(round1) {
                if let Some(idx) = idx {
                    st.commit_values(idx, &frs(values), l.m, true)?;
                }
            }
        }
        if let Some(a) = l.a_out {
            st.commit_values(a, &frs(&w.out), l.m, true)?;
        }
        // What the layer's blocks add (`Block::committed`), each opened at zeta.
        for &(p, idx) in &l.extra {
            let values = w.committed(p).ok_or_else(|| ProverError::Internal(format!("layer {i} has no {p:?}")))?;
            st.commit_values(idx, &frs(values), l.m, true)?;
        }
    }
    st.commit_values(layout.mu, mult, layout.table_n, false)?;
    Ok(member_r1)
}
