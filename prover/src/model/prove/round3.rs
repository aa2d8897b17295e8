//! Round 3 (`docs/protocols/mlp.md`, "Prover messages"): each slot's polynomials as the
//! constraints see them, one quotient per domain, and the combined degree shift with its proof.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use rand::RngCore;
use zkml_verifier::kzg::DegreeProof;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::constraints::{Params, Poly};
use zkml_verifier::model::layout::{degree_bounds, Bounded, LayerLayout, SlotKind, WITNESS_E};
use zkml_verifier::model::Source;

use super::super::fold;
use super::super::poly::interpolate;
use super::super::quotient::{quotient, SlotView, TableView};
use super::round2::Round2Out;
use super::state::State;
use super::{frs, Ctx};
use crate::error::ProverError;
use crate::kzg::add_scaled;

/// A layer slot's round-1 polynomials `input, Z, D, A, H, Sigma, skip, operand`, copied so that
/// the views do not borrow the prover state (empty for class slots and absent polynomials), and
/// what its blocks add: their round-1 commitments (`Block::committed`) and, for a division, the
/// padded rows' selector `Pad`.
pub(super) type SlotPolys = ([Vec<Fr>; 8], Vec<(Poly, Vec<Fr>)>);

/// Every slot's round-1 polynomials, in slot order.
pub(super) fn slot_polys<R: RngCore>(cx: &Ctx<'_>, st: &State<'_, R>) -> Result<Vec<SlotPolys>, ProverError> {
    let layout = cx.layout;
    // A source's polynomial: the input's interpolation over `H_k`, or a layer's committed `A`.
    let source_poly = |src: Source, k: usize| -> Result<Vec<Fr>, ProverError> {
        match src {
            Source::Input => interpolate(&frs(cx.input), k),
            Source::Layer(j) => {
                let a = layout.layers.get(j as usize).and_then(|l| l.a_out);
                Ok(st.coeffs(a.ok_or_else(|| ProverError::Internal(format!("layer {j} has no output")))?)?.to_vec())
            }
        }
    };
    let mut owned: Vec<SlotPolys> = Vec::with_capacity(layout.slots.len());
    for slot in &layout.slots {
        let mut seven: [Vec<Fr>; 8] = Default::default();
        let mut extra = Vec::new();
        if let SlotKind::Layer(i) = slot.kind {
            let l = &layout.layers[i];
            // The input: read on H_n by the running sums, or on H_m (= H_n) by a block that reads
            // it there (`Block::reads`); a layer reading the public input has neither.
            let blocks = Block::lower(l.act, l.first);
            if l.first.has_running_sums() || Block::any_reads(&blocks, Poly::AIn) {
                seven[0] = source_poly(l.input, l.n)?;
            }
            if let Some(operand) = l.operand {
                seven[7] = source_poly(operand, l.m)?;
            }
            seven[1] = st.coeffs(l.z)?.to_vec();
            if let Some(skip) = l.skip {
                seven[6] = source_poly(skip, l.m)?;
            }
            seven[2] = match l.d {
                Some(idx) => st.coeffs(idx)?.to_vec(),
                // An output layer's D is its public values less its skip, as the verifier forms it.
                None => {
                    let mut d = interpolate(&frs(&cx.wit[i].out), l.m)?;
                    add_scaled(&mut d, &seven[6], -Fr::one());
                    d
                }
            };
            for (k, idx) in [(3, l.a_out), (4, l.h), (5, l.sigma)] {
                if let Some(idx) = idx {
                    seven[k] = st.coeffs(idx)?.to_vec();
                }
            }
            for &(p, idx) in &l.extra {
                extra.push((p, st.coeffs(idx)?.to_vec()));
            }
            if Block::any_reads(&blocks, Poly::Pad) {
                let pad: Vec<Fr> = (0..l.m).map(|k| Fr::from(u64::from(k >= l.rows))).collect();
                extra.push((Poly::Pad, interpolate(&pad, l.m)?));
            }
        }
        owned.push((seven, extra));
    }
    Ok(owned)
}

/// Every slot's view: a layer's own polynomials, or a class's accumulator.
pub(super) fn views<'a>(
    cx: &Ctx<'_>,
    owned: &'a [SlotPolys],
    r2: &'a Round2Out,
    roots: &'a [fold::Instance],
) -> Result<Vec<SlotView<'a>>, ProverError> {
    let layout = cx.layout;
    let mut views = Vec::with_capacity(layout.slots.len());
    for (slot, (six, added)) in layout.slots.iter().zip(owned) {
        let skip = |l: &LayerLayout| l.skip.map(|_| six[6].as_slice());
        let view = match slot.kind {
            SlotKind::Layer(i) => {
                let l = &layout.layers[i];
                let comps = &r2.layers[i].comps;
                SlotView {
                    n: l.n,
                    m: l.m,
                    first: slot.first,
                    operand: &six[7],
                    extra: added.iter().chain(&r2.layers[i].extra).map(|(p, c)| (*p, c.as_slice())).collect(),
                    u: Fr::one(),
                    a_in: &six[0],
                    z: &six[1],
                    d: &six[2],
                    act: l.act,
                    tag: cx.tag(l.act)?,
                    a: l.act.hidden().then_some(six[3].as_slice()),
                    h: l.h.map(|_| six[4].as_slice()),
                    sigma: l.sigma.map(|_| six[5].as_slice()),
                    skip: skip(l),
                    v: &r2.layers[i].v,
                    shared: pk_shared(cx, i),
                    comps: core::array::from_fn(|k| comps[k].as_slice()),
                    e: r2.layers[i].e,
                    bias: &r2.biases[i].poly.coeffs,
                    errs: None,
                }
            }
            SlotKind::Class(c) => {
                let acc = &roots[c];
                let [z, d, h, sigma] = &acc.round1;
                SlotView {
                    n: slot.n,
                    m: slot.m,
                    first: Block::FOLDS,
                    operand: &[],
                    extra: Vec::new(),
                    u: acc.u,
                    act: slot.act,
                    tag: cx.tag(slot.act)?,
                    a_in: &acc.a_in.poly.coeffs,
                    z: &z.poly.coeffs,
                    d: &d.poly.coeffs,
                    a: Some(&acc.a.poly.coeffs),
                    h: Some(&h.poly.coeffs),
                    sigma: Some(&sigma.poly.coeffs),
                    skip: None,
                    v: &acc.v,
                    shared: None,
                    comps: core::array::from_fn(|k| acc.comps[k].as_slice()),
                    e: acc.comps[WITNESS_E].first().copied().unwrap_or_default(),
                    bias: &acc.bias.poly.coeffs,
                    errs: Some(core::array::from_fn(|k| acc.errs[k].as_slice())),
                }
            }
        };
        views.push(view);
    }
    Ok(views)
}

/// Commits one quotient per domain of the constraints combined with powers of `lambda`.
pub(super) fn commit_quotients<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    views: &[SlotView<'_>],
    table_polys: &[Vec<Fr>],
    table_total: Fr,
    (r, alpha, beta, lambda): (Fr, Fr, Fr, Fr),
) -> Result<(), ProverError> {
    let (layout, opts) = (cx.layout, cx.opts);
    let s = cx.pk.vk.scale_bits;
    let params = Params {
        alpha,
        beta,
        half: Fr::from(1u64 << (s - 1)),
        two_s: Fr::from(1u64 << s),
        inv_n: Fr::one(),
        inv_m: Fr::one(),
        inv_table: Fr::from(layout.table_n as u64).inverse().unwrap_or_default(),
    };
    for &d in &layout.domains {
        let mut quotient = {
            let table = match layout.table_n == d {
                true => Some(TableView {
                    phi_t: st.coeffs(layout.phi_t)?,
                    mu: st.coeffs(layout.mu)?,
                    columns: [&table_polys[0], &table_polys[1], &table_polys[2]],
                    s_t: st.coeffs(layout.s_t)?,
                    total: table_total,
                }),
                false => None,
            };
            quotient(d, views, table.as_ref(), r, lambda, &params)?
        };
        // Constraints of degree 2 in polynomials of degree about `d` leave a quotient of about
        // `d`; M1 of shared weights has the token weights as a third factor (about `2d`).
        let shared = views.iter().any(|v| v.shared.is_some() && v.n == d);
        let most = if shared { 2 * d + 4 } else { d + 4 };
        if quotient.len() > most {
            if opts.strict {
                return Err(ProverError::Internal(format!("constraints on the domain of size {d} do not hold")));
            }
            // A cheating prover without spare powers cuts the quotient; one with them keeps it whole.
            if !opts.unbounded_shift {
                quotient.truncate(most);
            }
        }
        let idx = layout.quotient(d).ok_or_else(|| ProverError::Internal("quotient index".into()))?;
        st.commit(idx, quotient)?;
    }
    Ok(())
}

/// Commits the combined degree shift, in the order of `claims` (`layout::degree_bounds`: per
/// slot C, E (constants) for layers on their own; for accumulators the packed components (E
/// last), the error components, Z, D, H, Sigma, then the split of the members' summed
/// witnesses, Low and E_sum), and proves its degree.
pub(super) fn commit_shift<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    views: &[SlotView<'_>],
    kappa: Fr,
) -> Result<DegreeProof, ProverError> {
    let (layout, pk) = (cx.layout, cx.pk);
    let big_d = pk.vk.params.degree.bound as usize;
    let mut shift = vec![Fr::zero(); if cx.opts.unbounded_shift { pk.srs.powers_g1.len().max(big_d) } else { big_d }];
    let mut kappa_k = Fr::one();
    let mut bound = |p: &[Fr], d: usize| {
        for (j, coeff) in p.iter().enumerate() {
            if let Some(x) = (big_d + j).checked_sub(d).and_then(|i| shift.get_mut(i)) {
                *x += kappa_k * coeff;
            }
        }
        kappa_k *= kappa;
    };
    for (slot, sv) in layout.slots.iter().zip(views) {
        let e = [sv.e];
        let mut comps = sv.comps;
        comps[WITNESS_E] = &e;
        let round1 = [Some(sv.z), Some(sv.d), sv.h, sv.sigma];
        let missing = |what: &str| ProverError::Internal(format!("slot without {what}"));
        for (b, w) in degree_bounds(slot) {
            let p: &[Fr] = match b {
                Bounded::Witness(k) => comps.get(k).copied().ok_or_else(|| missing("a witness component"))?,
                Bounded::Error(k) => sv.errs.and_then(|e| e.get(k).copied()).ok_or_else(|| missing("errors"))?,
                Bounded::Round1(k) => round1.get(k).copied().flatten().ok_or_else(|| missing("a round-1 component"))?,
                Bounded::Low => st.coeffs(slot.split.ok_or_else(|| missing("its split"))?[0])?,
                Bounded::ESum => st.coeffs(slot.split.ok_or_else(|| missing("its split"))?[1])?,
            };
            bound(p, w);
        }
    }
    st.commit(layout.shift(), shift)?;
    let shifted = st.get(layout.shift())?.clone();
    match cx.opts.strict {
        true => pk.degree.prove(pk.srs.powers_g1[0], &shifted, st.rng),
        false => {
            Ok(pk.degree.prove_truncated(pk.srs.powers_g1[0], &shifted.poly.coeffs, &shifted.blind.coeffs, st.rng))
        }
    }
}

/// Layer `i`'s shared weights as the quotient takes them: `(rows, cols, batch)` when its input
/// rows share one weight matrix (`LayerKey::batch`).
fn pk_shared(cx: &Ctx<'_>, i: usize) -> Option<(usize, usize, usize)> {
    cx.pk.layers.get(i).filter(|l| l.batch > 1).map(|l| (l.rows, l.cols, l.batch))
}
