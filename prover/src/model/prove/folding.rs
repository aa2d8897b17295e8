//! Accumulated proofs (`docs/protocols/accumulation.md`): the fold tree of each class, level by
//! level (a level's cross terms in parallel, then its challenges, then its folds), and the
//! decider section that commits each class's accumulator.

use ark_bn254::Fr;
use ark_ff::One;
use ark_std::cfg_iter;
use rand::RngCore;
#[cfg(feature = "parallel")]
use rayon::prelude::*;
use zkml_verifier::model::constraints::ERRORS;
use zkml_verifier::model::layout::{error_widths, lookup_total_offset, Layout, Node, ROUND1};
use zkml_verifier::model::verify::fold_level_challenges;
use zkml_verifier::model::Source;
use zkml_verifier::transcript::Transcript;

use super::super::fold;
use super::super::options::TotalCheat;
use super::super::poly::poly;
use super::round2::{Round2, Round2Out};
use super::state::State;
use super::Ctx;
use crate::error::ProverError;
use crate::kzg::Blinded;

/// What folding leaves: the fold challenges in layout order and each class's accumulator.
pub(super) struct Folded {
    pub challenges: Vec<Fr>,
    pub roots: Vec<fold::Instance>,
}

/// Folds every class and commits the decider section (the transcript has absorbed round 2).
pub(super) fn fold_classes<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    t: &mut Transcript,
    mut member_r1: Vec<Option<[Vec<Fr>; ROUND1]>>,
    r2: &Round2Out,
    (alpha, beta): (Fr, Fr),
) -> Result<Folded, ProverError> {
    let (layout, opts) = (cx.layout, cx.opts);
    let mut fold_ch = Vec::with_capacity(layout.folds.len());
    let mut nodes: Vec<Option<fold::Instance>> = (0..layout.layers.len()).map(|_| None).collect();
    let mut folded: Vec<Option<fold::Instance>> = (0..layout.folds.len()).map(|_| None).collect();
    for (i, l) in layout.layers.iter().enumerate() {
        if let (Some(_), Some(r1)) = (l.class, member_r1[i].take()) {
            nodes[i] = Some(leaf(st, layout, i, &r2.biases[i], &r2.layers[i], r1)?);
        }
    }
    for level in 0..layout.levels {
        let range = layout.level_folds(level);
        let mut pairs = Vec::with_capacity(range.len());
        for f in range.clone() {
            let fl = &layout.folds[f];
            let left = take(&mut nodes, &mut folded, fl.left)?;
            let right = take(&mut nodes, &mut folded, fl.right)?;
            let cl = &layout.classes[fl.class];
            let params = fold::Params { n: cl.n, m: cl.m, alpha, beta, scale_bits: cx.pk.vk.scale_bits };
            pairs.push((left, right, params));
        }
        let terms: Vec<[Vec<Fr>; ERRORS]> =
            cfg_iter!(pairs).map(|(l, r, p)| fold::cross_terms(l, r, p)).collect::<Result<_, ProverError>>()?;
        let mut crosses = Vec::with_capacity(pairs.len());
        for (f, (tm, (_, _, p))) in range.clone().zip(terms.iter().zip(&pairs)) {
            let parts: Vec<&[Fr]> = tm.iter().map(Vec::as_slice).collect();
            let idx = layout.folds[f].cross;
            st.commit(idx, fold::pack(&parts, &error_widths(p.n, p.m))?)?;
            crosses.push(st.coms[idx]);
        }
        let mut chs = fold_level_challenges(t, &crosses);
        if let Some(k) = opts.wrong_fold_challenge.and_then(|f| f.checked_sub(range.start)) {
            if let Some(c) = chs.get_mut(k) {
                *c += Fr::one();
            }
        }
        for (k, f) in range.enumerate() {
            let (left, right, _) = &pairs[k];
            let cross = st.get(layout.folds[f].cross)?;
            folded[f] = Some(fold::fold(left, right, chs[k], &terms[k], cross));
        }
        fold_ch.extend(chs);
    }
    let mut roots: Vec<fold::Instance> = Vec::with_capacity(layout.classes.len());
    for cl in &layout.classes {
        roots.push(take(&mut nodes, &mut folded, cl.root)?);
    }
    decider(cx, st, &roots, r2)?;
    Ok(Folded { challenges: fold_ch, roots })
}

/// The decider section: the accumulators' witness and error components, freshly blinded, and
/// the split of each class's summed packed witnesses.
fn decider<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    roots: &[fold::Instance],
    r2: &Round2Out,
) -> Result<(), ProverError> {
    let layout = cx.layout;
    for (ci, (cl, acc)) in layout.classes.iter().zip(roots).enumerate() {
        let slot = &layout.slots[cl.slot];
        let missing = |what: &str| ProverError::Internal(format!("class slot without {what}"));
        let (phi, chi) = (slot.phi.ok_or_else(|| missing("phi"))?, slot.chi.ok_or_else(|| missing("chi"))?);
        let psi = slot.psi.ok_or_else(|| missing("psi"))?;
        let (c, s1, s2) = (
            slot.c.ok_or_else(|| missing("C"))?,
            slot.s1.ok_or_else(|| missing("S1"))?,
            slot.s2.ok_or_else(|| missing("S2"))?,
        );
        let idx = [c, s1, s2, phi, psi, chi, slot.s3, slot.e];
        for (&k, p) in idx.iter().zip(&acc.comps) {
            st.commit(k, p.clone())?;
        }
        let err = slot.err.ok_or_else(|| missing("errors"))?;
        for (&k, p) in err.iter().zip(&acc.errs) {
            st.commit(k, p.clone())?;
        }
        let round1 = slot.round1.ok_or_else(|| missing("its round-1 components"))?;
        for (&k, p) in round1.iter().zip(&acc.round1) {
            st.commit(k, p.poly.coeffs.clone())?;
        }
        // The members' packed witnesses, summed and split at E: Low below, E_sum at o_E.
        let split = slot.split.ok_or_else(|| missing("its split"))?;
        let members = cl.members.iter().map(|&i| {
            let k = layout.layers[i].packed.ok_or_else(|| ProverError::Internal(format!("layer {i} is not packed")))?;
            st.coeffs(k)
        });
        let members = members.collect::<Result<Vec<_>, _>>()?;
        let (mut low, mut e_sum) = fold::split_sum(&members, lookup_total_offset(cl.n, cl.m))?;
        if let (Some(cheat), 0) = (cx.opts.table_total_cheat, ci) {
            let diff = r2.table_total - r2.e_total;
            e_sum[0] += diff;
            if cheat == TotalCheat::LowTooLong {
                low.push(-diff);
            }
        }
        st.commit(split[0], low)?;
        st.commit(split[1], e_sum)?;
    }
    Ok(())
}

fn take(
    nodes: &mut [Option<fold::Instance>],
    folded: &mut [Option<fold::Instance>],
    node: Node,
) -> Result<fold::Instance, ProverError> {
    let slot = match node {
        Node::Leaf(i) => nodes.get_mut(i),
        Node::Fold(f) => folded.get_mut(f),
    };
    slot.and_then(Option::take).ok_or_else(|| ProverError::Internal(format!("fold tree node {node:?} missing")))
}

/// A fresh instance for folded layer `i`: `u = 1`, no errors.
fn leaf<R: RngCore>(
    st: &State<'_, R>,
    layout: &Layout,
    i: usize,
    bias: &Blinded,
    r2: &Round2,
    round1: [Vec<Fr>; ROUND1],
) -> Result<fold::Instance, ProverError> {
    let l = &layout.layers[i];
    let missing = || ProverError::Internal(format!("layer {i} cannot be folded"));
    // A layer reading the public input never folds.
    let prev = match l.input {
        Source::Layer(p) => layout.layers.get(p as usize).and_then(|p| p.a_out),
        Source::Input => None,
    }
    .ok_or_else(missing)?;
    let zero = || Blinded { poly: poly(Vec::new()), blind: poly(Vec::new()) };
    Ok(fold::Instance {
        v: r2.v.clone(),
        bias: bias.clone(),
        round1: round1.map(|p| Blinded { poly: poly(p), blind: poly(Vec::new()) }),
        packed_round1: st.get(l.z)?.clone(),
        a: st.get(l.a_out.ok_or_else(missing)?)?.clone(),
        a_in: st.get(prev)?.clone(),
        packed: st.get(l.packed.ok_or_else(missing)?)?.clone(),
        comps: r2.comps.clone(),
        err_packed: zero(),
        errs: Default::default(),
        u: Fr::one(),
    })
}
