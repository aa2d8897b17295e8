//! The model prover, mirroring `zkml_verifier::model` (`docs/protocols/mlp.md`).

use std::collections::HashMap;

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{batch_inversion, Field, One, Zero};
use ark_poly::univariate::DensePolynomial;
use ark_poly::Polynomial;
use ark_std::cfg_iter;
use ark_std::UniformRand;
use rand::RngCore;
#[cfg(feature = "parallel")]
use rayon::prelude::*;
use zkml_verifier::model::claims::{claims, points, start_transcript, Base, Challenges};
use zkml_verifier::model::constraints::Params;
use zkml_verifier::model::constraints::ERRORS;
use zkml_verifier::model::layout::{
    degree_bounds, error_widths, lookup_total_offset, round1_widths, witness_widths, Bounded, Layout, Mode, Node,
    SlotKind, BLINDED_EXTRA, ROUND1, WITNESS, WITNESS_E,
};
use zkml_verifier::model::verify::{
    decider_challenges, fold_level_challenges, round1_challenges, round2_absorb, round2_challenges, round3_challenge,
};
use zkml_verifier::model::{Int, ModelProof, Source};

use super::fold;
use super::keys::{bias_coeffs, row_blind, table_columns, weight_rows, ModelProvingKey};
use super::options::{ProveOptions, TotalCheat};
use super::poly::{add_vanishing_blind, interpolate, lagrange_at, poly, running_sum};
use super::quotient::{quotient, SlotView, TableView};
use super::stages::Stages;
use super::witness::{witness, LayerWitness, Lookups};
use crate::error::ProverError;
use crate::kzg::{add_scaled, commit_with_blind, open_batch, Blinded};

/// Degree of the fresh blinding polynomial (in the `gamma` part) of every proof commitment.
pub const PROOF_HIDING: usize = 2;
const HIDING: usize = PROOF_HIDING;
/// Degree of the `Z_H` multiple added to every polynomial opened at up to two points.
const VANISHING_BLIND: usize = 1;
const _: () = assert!(VANISHING_BLIND + 1 == BLINDED_EXTRA);

fn to_int(v: i64, what: &str) -> Result<Int, ProverError> {
    i32::try_from(v)
        .map(Int)
        .map_err(|_| ProverError::InvalidArgument(format!("{what} value {v} does not fit in 32 bits")))
}

fn frs(v: &[i64]) -> Vec<Fr> {
    v.iter().map(|&x| Fr::from(x)).collect()
}

struct State<'a, R: RngCore> {
    pk: &'a ModelProvingKey,
    rng: &'a mut R,
    polys: Vec<Option<Blinded>>,
}

impl<R: RngCore> State<'_, R> {
    fn commit(&mut self, idx: usize, coeffs: Vec<Fr>) -> Result<G1Affine, ProverError> {
        let blind = poly((0..=HIDING).map(|_| Fr::rand(self.rng)).collect());
        let b = Blinded { poly: poly(coeffs), blind };
        let c = commit_with_blind(&self.pk.srs, &b)?;
        self.polys[idx] = Some(b);
        Ok(c)
    }

    /// Interpolates `values` over `H_n`, adds a `Z_H` blind, commits.
    fn commit_values(&mut self, idx: usize, values: &[Fr], n: usize, blinded: bool) -> Result<G1Affine, ProverError> {
        let mut c = interpolate(values, n)?;
        if blinded {
            add_vanishing_blind(&mut c, n, VANISHING_BLIND, self.rng);
        }
        self.commit(idx, c)
    }

    /// Interpolates `values` over `H_n` and adds a `Z_H` blind (not committed).
    fn blinded_values(&mut self, values: &[Fr], n: usize) -> Result<Vec<Fr>, ProverError> {
        let mut c = interpolate(values, n)?;
        add_vanishing_blind(&mut c, n, VANISHING_BLIND, self.rng);
        Ok(c)
    }

    fn get(&self, idx: usize) -> Result<&Blinded, ProverError> {
        self.polys
            .get(idx)
            .and_then(Option::as_ref)
            .ok_or_else(|| ProverError::Internal(format!("polynomial {idx} missing")))
    }

    fn coeffs(&self, idx: usize) -> Result<&[Fr], ProverError> {
        Ok(&self.get(idx)?.poly.coeffs)
    }
}

/// Proves one inference on the quantised `input`, folding hidden layers (the default mode).
pub fn prove<R: RngCore>(pk: &ModelProvingKey, input: &[i64], rng: &mut R) -> Result<ModelProof, ProverError> {
    prove_mode(pk, input, Mode::Accumulated, rng)
}

/// Proves one inference in the given mode.
pub fn prove_mode<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    mode: Mode,
    rng: &mut R,
) -> Result<ModelProof, ProverError> {
    let wit = witness(pk, input)?;
    prove_witness_with(pk, input, &wit, rng, &ProveOptions::new(mode))
}

/// Proves an accumulated proof with a given witness; see [`ProveOptions::strict`].
pub fn prove_witness<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    wit: &[LayerWitness],
    rng: &mut R,
    strict: bool,
) -> Result<ModelProof, ProverError> {
    let opts = ProveOptions { strict, ..ProveOptions::new(Mode::Accumulated) };
    prove_witness_with(pk, input, wit, rng, &opts)
}

/// A layer's round-2 witness polynomials (`docs/protocols/mlp.md`, "Round 2"), before commitment.
struct Round2 {
    /// `V = sum_i L_i(r) W_i`, which the verifier forms from the key (never committed here).
    v: Vec<Fr>,
    /// `C, S1, S2, phi, psi, chi, S3, E` (phi empty on output layers, chi on all but ReLU layers; C the constant
    /// `c`, E the constant `e`).
    comps: [Vec<Fr>; WITNESS],
    e: Fr,
}

/// Proves with a given witness and options.
pub fn prove_witness_with<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    wit: &[LayerWitness],
    rng: &mut R,
    opts: &ProveOptions,
) -> Result<ModelProof, ProverError> {
    let strict = opts.strict;
    let vk = &pk.vk;
    let mut stages = Stages::new();
    let layout = Layout::new(vk, opts.mode);
    if wit.len() != layout.layers.len() {
        return Err(ProverError::InvalidArgument(format!(
            "{} layer witnesses for {} layers",
            wit.len(),
            layout.layers.len()
        )));
    }
    let running_sum = |f: &[Fr], total: Fr, n: usize| -> Result<Vec<Fr>, ProverError> {
        match running_sum(f, total, n) {
            Err(_) if !strict => Ok(super::poly::running_sum_unchecked(f, total, n)),
            r => r,
        }
    };
    stages.mark("witness");
    let (s, b) = (vk.scale_bits, vk.table_bits);
    let big_d = vk.params.degree.bound as usize;
    // The public output: every output layer's values, in layer order.
    let outputs: Vec<i64> =
        vk.output_layers().iter().flat_map(|&i| wit[i].out[..layout.layers[i].rows].to_vec()).collect();
    let out_rows = vk.output_len();
    let input_ints = input.iter().map(|&v| to_int(v, "input")).collect::<Result<Vec<_>, _>>()?;
    let output_ints = outputs[..out_rows].iter().map(|&v| to_int(v, "output")).collect::<Result<Vec<_>, _>>()?;
    let digest = vk.digest();
    let mut t = start_transcript(&digest, ModelProof::kind_of(opts.mode), &input_ints, &output_ints);
    let total = layout.commitments();
    let mut st = State { pk, rng, polys: (0..total).map(|_| None).collect() };
    let mut coms = vec![G1Affine::zero(); total];

    // Round 1: accumulators, rescaled values, activation outputs, splits and signs, multiplicities.
    let n_table = layout.table_n;
    let [t_in, t_out, t_tag] = table_columns(s, b, &vk.table_sections());
    // Each looked-up triple is counted on the first table row holding it (one pass over the table
    // for the distinct triples looked up); a triple the table does not hold is an error, or, for a
    // cheating prover, left out of the multiplicities.
    let lookups: Vec<Lookups> = layout.layers.iter().zip(wit).map(|(l, w)| w.lookups(l.act, s)).collect();
    let mut rows: HashMap<[Fr; 3], usize> = HashMap::new();
    for lk in &lookups {
        for t in lk.phi.iter().chain(&lk.psi).chain(&lk.chi) {
            rows.insert(*t, usize::MAX);
        }
    }
    for (k, row) in t_in.iter().zip(&t_out).zip(&t_tag).enumerate() {
        if let Some(at) = rows.get_mut(&[*row.0 .0, *row.0 .1, *row.1]) {
            *at = (*at).min(k);
        }
    }
    rows.retain(|_, at| *at != usize::MAX);
    let mut mult = vec![0u64; n_table];
    for (i, lk) in lookups.iter().enumerate() {
        for t in lk.phi.iter().chain(&lk.psi).chain(&lk.chi) {
            match rows.get(t) {
                Some(&row) => mult[row] += 1,
                None if strict => {
                    return Err(ProverError::Internal(format!("layer {i} looks up a triple outside the table")))
                }
                None => {}
            }
        }
    }
    // Folded layers: Z, D, H, Sigma packed into one commitment; their polynomials are kept for the fold.
    let mut member_r1: Vec<Option<[Vec<Fr>; ROUND1]>> = vec![None; layout.layers.len()];
    for (i, (l, w)) in layout.layers.iter().zip(wit).enumerate() {
        let round1 = [&w.z, &w.q, &w.high, &w.sign];
        if l.class.is_some() {
            let mut parts: [Vec<Fr>; ROUND1] = Default::default();
            for (part, values) in parts.iter_mut().zip(round1) {
                *part = st.blinded_values(&frs(values), l.m)?;
            }
            let refs: Vec<&[Fr]> = parts.iter().map(Vec::as_slice).collect();
            coms[l.z] = st.commit(l.z, fold::pack(&refs, &round1_widths(l.m))?)?;
            member_r1[i] = Some(parts);
        } else {
            for (idx, values) in [Some(l.z), l.d, l.h, l.sigma].into_iter().zip(round1) {
                if let Some(idx) = idx {
                    coms[idx] = st.commit_values(idx, &frs(values), l.m, true)?;
                }
            }
        }
        if let Some(a) = l.a_out {
            coms[a] = st.commit_values(a, &frs(&w.out), l.m, true)?;
        }
    }
    let mult_fr: Vec<Fr> = mult.iter().map(|&c| Fr::from(c)).collect();
    coms[layout.mu] = st.commit_values(layout.mu, &mult_fr, n_table, false)?;
    if let Some(x) = layout.input {
        // A folded first layer reads the public input through a commitment (accumulation.md).
        coms[x] = st.commit_values(x, &frs(input), layout.layers[0].n, false)?;
    }
    let round1 = coms[..layout.round1].to_vec();
    stages.mark("round 1");

    let (r, alpha, beta) = round1_challenges(&mut t, &round1);
    let beta2 = beta * beta;

    // Round 2: every layer's witness; layers checked on their own commit each polynomial, folded
    // layers commit E and the packed witness.
    let mut weights = Vec::with_capacity(wit.len());
    let mut biases = Vec::with_capacity(wit.len());
    let mut r2s: Vec<Round2> = Vec::with_capacity(wit.len());
    let mut e_total = Fr::zero();
    for (i, (l, w)) in layout.layers.iter().zip(wit).enumerate() {
        let (n, m) = (l.n, l.m);
        let layer = &pk.layers[i];
        let rows = weight_rows(layer)?;
        let bc = bias_coeffs(layer)?;
        let lag = lagrange_at(m, r)?;
        // V's values on H_n: v_j = sum_i L_i(r) W_ij.
        let mut v_vals = vec![Fr::zero(); n];
        for (row, l_i) in layer.weight.chunks(layer.cols.max(1)).zip(&lag) {
            for (x, &wij) in v_vals.iter_mut().zip(row) {
                *x += *l_i * Fr::from(wij);
            }
        }
        let v = interpolate(&v_vals, n)?;
        // In the field: a crafted proving key's bias must not overflow an i64 subtraction.
        let zb: Vec<Fr> =
            w.z.iter()
                .zip(layer.bias.iter().chain(std::iter::repeat(&0)))
                .map(|(&z, &bb)| Fr::from(z) - Fr::from(bb))
                .collect();
        let f2: Vec<Fr> = lag.iter().zip(&zb).map(|(a, b)| *a * b).collect();
        let c: Fr = f2.iter().sum();

        let a_vals = frs(&w.input);
        let f1: Vec<Fr> =
            v_vals.iter().zip(a_vals.iter().chain(std::iter::repeat(&Fr::zero()))).map(|(x, y)| *x * y).collect();
        // C is the constant c; the cheat of `forge_last_c` makes it average differently on H_n and H_m.
        let (c_n, c_poly) = match (opts.forge_last_c && i + 1 == layout.layers.len(), n.cmp(&m)) {
            (true, std::cmp::Ordering::Greater) => {
                let c_true: Fr = f1.iter().sum();
                (c_true, forged_constant(c_true, c - c_true, m))
            }
            (true, std::cmp::Ordering::Less) => {
                let c_true: Fr = f1.iter().sum();
                (c_true, forged_constant(c, c_true - c, n))
            }
            _ => (c, vec![c]),
        };
        let (s1, s2) = if c_poly.len() == 1 {
            (running_sum(&f1, c_n, n)?, running_sum(&f2, c, m)?)
        } else {
            // The running sums step by C's value at each point, not by a constant.
            let pointwise = |f: &[Fr], k: usize| -> Result<Vec<Fr>, ProverError> {
                let cv = fold::values_on(&c_poly, k)?;
                let k_inv = Fr::from(k as u64).inverse().unwrap_or_default();
                let avg = cv.iter().sum::<Fr>() * k_inv;
                let g: Vec<Fr> =
                    (0..k).map(|j| f.get(j).copied().unwrap_or_default() - (cv[j] - avg) * k_inv).collect();
                running_sum(&g, avg, k)
            };
            (pointwise(&f1, n)?, pointwise(&f2, m)?)
        };
        let s1 = st.blinded_values(&s1, n)?;
        let s2 = st.blinded_values(&s2, m)?;

        // The lookup inverses 1 / (alpha - in - beta out - beta^2 tag) and their sum.
        let inverses = |ts: &[[Fr; 3]]| {
            let mut v: Vec<Fr> = ts.iter().map(|t| alpha - t[0] - beta * t[1] - beta2 * t[2]).collect();
            batch_inversion(&mut v);
            v
        };
        let lk = &lookups[i];
        let (phi, psi, chi) = (inverses(&lk.phi), inverses(&lk.psi), inverses(&lk.chi));
        let mut f3 = psi.clone();
        for extra in [&phi, &chi] {
            for (x, y) in f3.iter_mut().zip(extra.iter()) {
                *x += y;
            }
        }
        let mut e: Fr = f3.iter().sum();
        if let Some((from, to)) = opts.shift_lookup_total {
            if i == from {
                e += Fr::one();
            }
            if i == to {
                e -= Fr::one();
            }
        }
        e_total += e;
        let s3 = st.blinded_values(&running_sum(&f3, e, m)?, m)?;
        let lookup_poly = |v: &[Fr]| if v.is_empty() { Ok(Vec::new()) } else { interpolate(v, m) };
        let (phi_c, chi_c) = (lookup_poly(&phi)?, lookup_poly(&chi)?);
        let comps = [c_poly, s1, s2, phi_c, interpolate(&psi, m)?, chi_c, s3, vec![e]];

        if let Some(slot) = l.slot.and_then(|si| layout.slots.get(si)) {
            let idx = [Some(slot.c), Some(slot.s1), Some(slot.s2), slot.phi, Some(slot.psi), slot.chi, Some(slot.s3)];
            for (k, p) in idx.into_iter().chain([Some(slot.e)]).zip(&comps) {
                if let Some(k) = k {
                    coms[k] = st.commit(k, p.clone())?;
                }
            }
        } else if let Some(k) = l.packed {
            let parts: Vec<&[Fr]> = comps.iter().map(Vec::as_slice).collect();
            coms[k] = st.commit(k, fold::pack(&parts, &witness_widths(n, m))?)?;
        }
        let blinds = &pk.weight_blinds[i];
        let rows = rows.into_iter().enumerate();
        weights
            .push(rows.map(|(k, p)| Blinded { poly: poly(p), blind: poly(row_blind(blinds, k).to_vec()) }).collect());
        biases.push(Blinded { poly: poly(bc), blind: poly(pk.bias_blinds[i].clone()) });
        r2s.push(Round2 { v, comps, e });
    }
    let mut phi_t: Vec<Fr> = (0..n_table).map(|j| alpha - t_in[j] - beta * t_out[j] - beta2 * t_tag[j]).collect();
    batch_inversion(&mut phi_t);
    for (p, m) in phi_t.iter_mut().zip(&mult_fr) {
        *p *= m;
    }
    coms[layout.phi_t] = st.commit_values(layout.phi_t, &phi_t, n_table, false)?;
    // What the table side closes on: the layers' totals (honest), or the table's own (a test).
    let table_total = match opts.table_total_cheat {
        Some(_) => phi_t.iter().sum(),
        None => e_total,
    };
    coms[layout.s_t] = st.commit_values(layout.s_t, &running_sum(&phi_t, table_total, n_table)?, n_table, true)?;
    let round2 = coms[layout.round1..layout.round1 + layout.round2].to_vec();
    stages.mark("round 2");

    // Folding (accumulated proofs): level by level, cross terms of a level in parallel, then the
    // level's challenges, then the folds.
    let mut fold_ch = Vec::with_capacity(layout.folds.len());
    let mut roots: Vec<fold::Instance> = Vec::with_capacity(layout.classes.len());
    let (lambda, kappa) = match opts.mode {
        Mode::PerLayer => round2_challenges(&mut t, &round2),
        Mode::Accumulated => {
            round2_absorb(&mut t, &round2);
            let mut nodes: Vec<Option<fold::Instance>> = (0..layout.layers.len()).map(|_| None).collect();
            let mut folded: Vec<Option<fold::Instance>> = (0..layout.folds.len()).map(|_| None).collect();
            for (i, l) in layout.layers.iter().enumerate() {
                if let (Some(_), Some(r1)) = (l.class, member_r1[i].take()) {
                    nodes[i] = Some(leaf(&st, &layout, i, &biases[i], &r2s[i], r1)?);
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
                    let params = fold::Params { n: cl.n, m: cl.m, alpha, beta, scale_bits: s };
                    pairs.push((left, right, params));
                }
                let terms: Vec<[Vec<Fr>; ERRORS]> =
                    cfg_iter!(pairs).map(|(l, r, p)| fold::cross_terms(l, r, p)).collect::<Result<_, ProverError>>()?;
                let mut crosses = Vec::with_capacity(pairs.len());
                for (f, (tm, (_, _, p))) in range.clone().zip(terms.iter().zip(&pairs)) {
                    let parts: Vec<&[Fr]> = tm.iter().map(Vec::as_slice).collect();
                    let idx = layout.folds[f].cross;
                    coms[idx] = st.commit(idx, fold::pack(&parts, &error_widths(p.n, p.m))?)?;
                    crosses.push(coms[idx]);
                }
                let mut chs = fold_level_challenges(&mut t, &crosses);
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
            for cl in &layout.classes {
                roots.push(take(&mut nodes, &mut folded, cl.root)?);
            }
            // Decider section: the accumulators' witness and error components, freshly blinded.
            for (ci, (cl, acc)) in layout.classes.iter().zip(&roots).enumerate() {
                let slot = &layout.slots[cl.slot];
                let missing = |what: &str| ProverError::Internal(format!("class slot without {what}"));
                let (phi, chi) = (slot.phi.ok_or_else(|| missing("phi"))?, slot.chi.ok_or_else(|| missing("chi"))?);
                let idx = [slot.c, slot.s1, slot.s2, phi, slot.psi, chi, slot.s3, slot.e];
                for (&k, p) in idx.iter().zip(&acc.comps) {
                    coms[k] = st.commit(k, p.clone())?;
                }
                let err = slot.err.ok_or_else(|| missing("errors"))?;
                for (&k, p) in err.iter().zip(&acc.errs) {
                    coms[k] = st.commit(k, p.clone())?;
                }
                let round1 = slot.round1.ok_or_else(|| missing("its round-1 components"))?;
                for (&k, p) in round1.iter().zip(&acc.round1) {
                    coms[k] = st.commit(k, p.poly.coeffs.clone())?;
                }
                // The members' packed witnesses, summed and split at E: Low below, E_sum at o_E.
                let split = slot.split.ok_or_else(|| ProverError::Internal("class slot without its split".into()))?;
                let members = cl.members.iter().map(|&i| {
                    let k = layout.layers[i]
                        .packed
                        .ok_or_else(|| ProverError::Internal(format!("layer {i} is not packed")))?;
                    st.coeffs(k)
                });
                let members = members.collect::<Result<Vec<_>, _>>()?;
                let (mut low, mut e_sum) = fold::split_sum(&members, lookup_total_offset(cl.n, cl.m))?;
                if let (Some(cheat), 0) = (opts.table_total_cheat, ci) {
                    let diff = table_total - e_total;
                    e_sum[0] += diff;
                    if cheat == TotalCheat::LowTooLong {
                        low.push(-diff);
                    }
                }
                coms[split[0]] = st.commit(split[0], low)?;
                coms[split[1]] = st.commit(split[1], e_sum)?;
            }
            decider_challenges(&mut t, &coms[layout.decider_start()..layout.round3_start()])
        }
    };
    stages.mark("folding");
    let folds = coms[layout.fold_start()..layout.decider_start()].to_vec();
    let decider = coms[layout.decider_start()..layout.round3_start()].to_vec();

    // Round 3: one quotient per domain.
    let table_polys: Vec<Vec<Fr>> =
        [&t_in, &t_out, &t_tag].iter().map(|c| interpolate(c, n_table)).collect::<Result<_, _>>()?;
    let half = Fr::from(1u64 << (s - 1));
    let two_s = Fr::from(1u64 << s);
    // A source's polynomial: the input's interpolation over `H_k`, or a layer's committed `A`.
    let source_poly = |src: Source, k: usize| -> Result<Vec<Fr>, ProverError> {
        match src {
            Source::Input => interpolate(&frs(input), k),
            Source::Layer(j) => {
                let a = layout.layers.get(j as usize).and_then(|l| l.a_out);
                Ok(st.coeffs(a.ok_or_else(|| ProverError::Internal(format!("layer {j} has no output")))?)?.to_vec())
            }
        }
    };
    // Layers' round-1 polynomials (input, Z, D, A, H, Sigma, skip), copied so that the views do
    // not borrow the prover state.
    let mut owned: Vec<[Vec<Fr>; 7]> = Vec::with_capacity(layout.slots.len());
    for slot in &layout.slots {
        let mut seven: [Vec<Fr>; 7] = Default::default();
        if let SlotKind::Layer(i) = slot.kind {
            let l = &layout.layers[i];
            seven[0] = source_poly(l.input, l.n)?;
            seven[1] = st.coeffs(l.z)?.to_vec();
            if let Some(skip) = l.skip {
                seven[6] = source_poly(skip, l.m)?;
            }
            seven[2] = match l.d {
                Some(idx) => st.coeffs(idx)?.to_vec(),
                // An output layer's D is its public values less its skip, as the verifier forms it.
                None => {
                    let mut d = interpolate(&frs(&wit[i].out), l.m)?;
                    add_scaled(&mut d, &seven[6], -Fr::one());
                    d
                }
            };
            for (k, idx) in [(3, l.a_out), (4, l.h), (5, l.sigma)] {
                if let Some(idx) = idx {
                    seven[k] = st.coeffs(idx)?.to_vec();
                }
            }
        }
        owned.push(seven);
    }
    let mut views = Vec::with_capacity(layout.slots.len());
    for (slot, six) in layout.slots.iter().zip(&owned) {
        let skip = |l: &zkml_verifier::model::layout::LayerLayout| l.skip.map(|_| six[6].as_slice());
        let view = match slot.kind {
            SlotKind::Layer(i) => {
                let l = &layout.layers[i];
                let comps = &r2s[i].comps;
                SlotView {
                    n: l.n,
                    m: l.m,
                    u: Fr::one(),
                    a_in: &six[0],
                    z: &six[1],
                    d: &six[2],
                    act: l.act,
                    a: l.act.hidden().then_some(six[3].as_slice()),
                    h: l.h.map(|_| six[4].as_slice()),
                    sigma: l.sigma.map(|_| six[5].as_slice()),
                    skip: skip(l),
                    v: &r2s[i].v,
                    comps: core::array::from_fn(|k| comps[k].as_slice()),
                    e: r2s[i].e,
                    bias: &biases[i].poly.coeffs,
                    errs: None,
                }
            }
            SlotKind::Class(c) => {
                let acc = &roots[c];
                let [z, d, h, sigma] = &acc.round1;
                SlotView {
                    n: slot.n,
                    m: slot.m,
                    u: acc.u,
                    act: slot.act,
                    a_in: &acc.a_in.poly.coeffs,
                    z: &z.poly.coeffs,
                    d: &d.poly.coeffs,
                    a: Some(&acc.a.poly.coeffs),
                    h: Some(&h.poly.coeffs),
                    sigma: Some(&sigma.poly.coeffs),
                    skip: None,
                    v: &acc.v,
                    comps: core::array::from_fn(|k| acc.comps[k].as_slice()),
                    e: acc.comps[WITNESS_E].first().copied().unwrap_or_default(),
                    bias: &acc.bias.poly.coeffs,
                    errs: Some(core::array::from_fn(|k| acc.errs[k].as_slice())),
                }
            }
        };
        views.push(view);
    }
    let params = Params {
        alpha,
        beta,
        half,
        two_s,
        inv_n: Fr::one(),
        inv_m: Fr::one(),
        inv_table: Fr::from(n_table as u64).inverse().unwrap_or_default(),
    };
    for &d in &layout.domains {
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
        let mut quotient = quotient(d, &views, table.as_ref(), r, lambda, &params)?;
        if quotient.len() > d + 4 {
            if strict {
                return Err(ProverError::Internal(format!("constraints on the domain of size {d} do not hold")));
            }
            // A cheating prover without spare powers cuts the quotient; one with them keeps it whole.
            if !opts.unbounded_shift {
                quotient.truncate(d + 4);
            }
        }
        let idx = layout.quotient(d).ok_or_else(|| ProverError::Internal("quotient index".into()))?;
        coms[idx] = st.commit(idx, quotient)?;
    }
    // The combined degree shift, in the order of `claims`: per slot C, E (constants) for layers on
    // their own; for accumulators the packed components (E last), the error components,
    // Z, D, H, Sigma, then the split of the members' summed witnesses: Low and E_sum.
    let mut shift = vec![Fr::zero(); if opts.unbounded_shift { pk.srs.powers_g1.len().max(big_d) } else { big_d }];
    let mut kappa_k = Fr::one();
    let mut bound = |p: &[Fr], d: usize| {
        for (j, coeff) in p.iter().enumerate() {
            if let Some(x) = (big_d + j).checked_sub(d).and_then(|i| shift.get_mut(i)) {
                *x += kappa_k * coeff;
            }
        }
        kappa_k *= kappa;
    };
    for (slot, sv) in layout.slots.iter().zip(&views) {
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
    coms[layout.shift()] = st.commit(layout.shift(), shift)?;
    let shifted = st.get(layout.shift())?.clone();
    let degree = match strict {
        true => pk.degree.prove(pk.srs.powers_g1[0], &shifted, st.rng)?,
        false => pk.degree.prove_truncated(pk.srs.powers_g1[0], &shifted.poly.coeffs, &shifted.blind.coeffs, st.rng),
    };
    let quotients = coms[layout.round3_start()..].to_vec();
    stages.mark("quotients");
    let zeta = round3_challenge(&mut t, &quotients, &degree);
    let ch = Challenges { r, alpha, beta, folds: fold_ch, lambda, kappa, zeta };

    // Evaluations, in layout order.
    let pts = points(&layout, zeta).map_err(|e| ProverError::Internal(e.to_string()))?;
    let shifted = |d: usize| pts[layout.shifted_point(d).unwrap_or(0)];
    let at = |p: &[Fr], x: Fr| poly(p.to_vec()).evaluate(&x);
    let mut evals = vec![Fr::zero(); layout.evals];
    for (slot, sv) in layout.slots.iter().zip(&views) {
        let [s1, s2, s3] = [sv.comps[1], sv.comps[2], sv.comps[6]];
        evals[slot.ev_s1] = at(s1, zeta);
        evals[slot.ev_s1_next] = at(s1, shifted(sv.n));
        evals[slot.ev_s2] = at(s2, zeta);
        evals[slot.ev_s2_next] = at(s2, shifted(sv.m));
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
    evals[layout.ev_st_next] = at(st.coeffs(layout.s_t)?, shifted(n_table));

    // Claims, shared with the verifier, opened in one batch.
    let input_fr = frs(input);
    let output_fr: Vec<Fr> = output_ints.iter().map(|v| v.to_fr()).collect();
    let list =
        claims(vk, &layout, &ch, &evals, &input_fr, &output_fr).map_err(|e| ProverError::Internal(e.to_string()))?;
    let tables: Vec<Blinded> = table_polys
        .iter()
        .map(|c| Blinded { poly: poly(c.clone()), blind: DensePolynomial { coeffs: vec![] } })
        .collect();
    let mut combos = Vec::with_capacity(list.len());
    for (ci, c) in list.iter().enumerate() {
        let (mut f, mut g) = (Vec::new(), Vec::new());
        for (base, sc) in &c.terms {
            let p = match *base {
                Base::Proof(i) => st.get(i)?,
                Base::Weight(i, k) => weights
                    .get(i)
                    .and_then(|rows: &Vec<Blinded>| rows.get(k))
                    .ok_or_else(|| ProverError::Internal(format!("weight row {k} of layer {i} missing")))?,
                Base::Bias(i) => layer_poly(&biases, i)?,
                Base::Table(i) => tables.get(i).ok_or_else(|| ProverError::Internal("table index".into()))?,
            };
            add_scaled(&mut f, &p.poly.coeffs, *sc);
            add_scaled(&mut g, &p.blind.coeffs, *sc);
        }
        let combo = Blinded { poly: poly(f), blind: poly(g) };
        let point = pts[c.point as usize];
        if strict && combo.poly.evaluate(&point) != c.value {
            return Err(ProverError::Internal(format!("claim {ci} does not hold")));
        }
        combos.push(combo);
    }
    stages.mark("evaluations and claims");
    let refs: Vec<&Blinded> = combos.iter().collect();
    let queries: Vec<(u32, u32)> = list.iter().enumerate().map(|(i, c)| (i as u32, c.point)).collect();
    let (_, opening) = open_batch(&pk.srs, &mut t, &refs, &pts, &queries)?;
    stages.mark("batch opening");
    Ok(ModelProof {
        vk_digest: digest,
        input: input_ints,
        output: output_ints,
        round1,
        round2,
        mode: opts.mode,
        folds,
        decider,
        quotients,
        degree,
        evals,
        opening,
    })
}

/// `a + b X^k`: a "constant" that averages `a + b` over `H_k` and `a` over any larger domain.
fn forged_constant(a: Fr, b: Fr, k: usize) -> Vec<Fr> {
    let mut p = vec![Fr::zero(); k + 1];
    p[0] = a;
    p[k] = b;
    p
}

fn layer_poly(v: &[Blinded], i: usize) -> Result<&Blinded, ProverError> {
    v.get(i).ok_or_else(|| ProverError::Internal(format!("layer {i} missing")))
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
    let prev = match l.input {
        Source::Layer(p) => layout.layers.get(p as usize).and_then(|p| p.a_out),
        Source::Input => layout.input,
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
