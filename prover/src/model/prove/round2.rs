//! Round 2 (`docs/protocols/mlp.md`, "Prover messages"): every layer's matmul running sums and
//! lookup inverses, and the table side. Layers checked on their own commit each polynomial;
//! folded layers commit their packed witness.

use ark_bn254::Fr;
use ark_ff::{batch_inversion, Field, One, Zero};
use rand::RngCore;
use zkml_verifier::model::blocks::Weights;
use zkml_verifier::model::constraints::Poly;
use zkml_verifier::model::domain::{matmul_row_weights, row_weights, token_values};
use zkml_verifier::model::layout::{witness_widths, WITNESS};

use super::super::keys::{bias_coeffs, combine_rows};
use super::super::poly::{interpolate, poly};
use super::super::witness::Lookups;
use super::super::{blocks, fold};
use super::state::State;
use super::{frs, Ctx, TableColumns};
use crate::error::ProverError;
use crate::kzg::Blinded;

/// A layer's round-2 witness polynomials, before commitment.
pub(super) struct Round2 {
    /// `V = sum_i e_i W_i` over `H_n`, or `Y = W x` over `H_m` for a layer reading the public
    /// input, which the verifier forms from the key (never committed here); empty for a product.
    pub v: Vec<Fr>,
    /// `C, S1, S2, phi, psi, chi, S3, E` (phi empty on output layers, chi on all but ReLU layers,
    /// C, S1, S2 on a layer reading the public input; C the constant `c`, E the constant `e`).
    pub comps: [Vec<Fr>; WITNESS],
    pub e: Fr,
    /// The inverses the layer's blocks add (`Block::extra_inverses`), as polynomials (read by the
    /// quotient, `round3::views`).
    pub extra: Vec<(Poly, Vec<Fr>)>,
}

/// Round 2 of every layer, and what the opening needs of the key.
pub(super) struct Round2Out {
    pub layers: Vec<Round2>,
    /// Every layer's bias with its blind (the key's commitment; the weight rows are combined on
    /// demand, `keys::weight_combination`).
    pub biases: Vec<Blinded>,
    /// The sum of the layers' lookup totals, and what the table side closes on (the same, but
    /// for a cheating prover).
    pub e_total: Fr,
    pub table_total: Fr,
}

/// The running sum of `f` against `total`; a cheating prover writes one that does not close.
fn running_sum(strict: bool, f: &[Fr], total: Fr, n: usize) -> Result<Vec<Fr>, ProverError> {
    match super::super::poly::running_sum(f, total, n) {
        Err(_) if !strict => Ok(super::super::poly::running_sum_unchecked(f, total, n)),
        r => r,
    }
}

/// `a + b X^k`: a "constant" that averages `a + b` over `H_k` and `a` over any larger domain.
fn forged_constant(a: Fr, b: Fr, k: usize) -> Vec<Fr> {
    let mut p = vec![Fr::zero(); k + 1];
    p[0] = a;
    p[k] = b;
    p
}

/// The matmul block of layer `i` reading an earlier layer (`docs/protocols/blocks/matmul.md`): `V`
/// over `H_n` and the round-2 polynomials `C, S1, S2` (the running sums blinded).
fn matmul_sums<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    i: usize,
    r: Fr,
) -> Result<(Vec<Fr>, [Vec<Fr>; 3]), ProverError> {
    let (layout, opts, pk) = (cx.layout, cx.opts, cx.pk);
    let strict = opts.strict;
    let (l, w, layer) = (&layout.layers[i], &cx.wit[i], &pk.layers[i]);
    let (n, m) = (l.n, l.m);
    let lag = matmul_row_weights(r, layer.rows, layer.batch, m);
    // V's values on H_n: v_j = sum_i e_i W_ij (the row weights of `r`); with shared weights, the
    // shared matrix's combination at every input row, and the running sum steps by the token
    // weights times it (`docs/protocols/blocks/matmul.md`, "Shared weights").
    let tok = (layer.batch > 1).then(|| token_values(r, layer.cols, layer.batch, n));
    let e: Vec<(usize, Fr)> = row_weights(r, layer.weight.rows()).into_iter().enumerate().collect();
    let v_vals = combine_rows(layer, &e, n);
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
    let mut f1: Vec<Fr> =
        v_vals.iter().zip(a_vals.iter().chain(std::iter::repeat(&Fr::zero()))).map(|(x, y)| *x * y).collect();
    if let Some(tok) = &tok {
        f1.iter_mut().zip(tok).for_each(|(f, s)| *f *= s);
    }
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
        (running_sum(strict, &f1, c_n, n)?, running_sum(strict, &f2, c, m)?)
    } else {
        // The running sums step by C's value at each point, not by a constant.
        let pointwise = |f: &[Fr], k: usize| -> Result<Vec<Fr>, ProverError> {
            let cv = fold::values_on(&c_poly, k)?;
            let k_inv = Fr::from(k as u64).inverse().unwrap_or_default();
            let avg = cv.iter().sum::<Fr>() * k_inv;
            let g: Vec<Fr> = (0..k).map(|j| f.get(j).copied().unwrap_or_default() - (cv[j] - avg) * k_inv).collect();
            running_sum(strict, &g, avg, k)
        };
        (pointwise(&f1, n)?, pointwise(&f2, m)?)
    };
    let s1 = st.blinded_values(&s1, n)?;
    let s2 = st.blinded_values(&s2, m)?;

    Ok((v, [c_poly, s1, s2]))
}

/// Commits round 2 at the challenges `r, alpha, beta`.
pub(super) fn commit<R: RngCore>(
    cx: &Ctx<'_>,
    st: &mut State<'_, R>,
    lookups: &[Lookups],
    mult: &[Fr],
    table: &TableColumns,
    (r, alpha, beta): (Fr, Fr, Fr),
) -> Result<Round2Out, ProverError> {
    let (layout, opts, pk) = (cx.layout, cx.opts, cx.pk);
    let strict = opts.strict;
    let beta2 = beta * beta;
    let mut biases = Vec::with_capacity(cx.wit.len());
    let mut r2s: Vec<Round2> = Vec::with_capacity(cx.wit.len());
    let mut e_total = Fr::zero();
    for (i, (l, w)) in layout.layers.iter().zip(cx.wit).enumerate() {
        let (n, m) = (l.n, l.m);
        let layer = &pk.layers[i];
        let bc = bias_coeffs(layer)?;
        let (v, [c_poly, s1, s2]) = match l.first.weights() {
            // Weight columns: Y = W x = z - b on H_m, and no running sums.
            Weights::Columns => {
                let y = blocks::public_matmul::product(&layer.weight, &frs(&w.input));
                (interpolate(&y, m)?, Default::default())
            }
            // No weights (a product, a division): the block reads its operands' own commitments.
            Weights::None => Default::default(),
            // Weight rows: the running sums.
            Weights::Rows => matmul_sums(cx, st, i, r)?,
        };
        // The lookup inverses 1 / (alpha - in - beta out - beta^2 tag) and their sum.
        let inverses = |ts: &[[Fr; 3]]| {
            let mut v: Vec<Fr> = ts.iter().map(|t| alpha - t[0] - beta * t[1] - beta2 * t[2]).collect();
            batch_inversion(&mut v);
            v
        };
        let lk = &lookups[i];
        let (phi, psi, chi) = (inverses(&lk.phi), inverses(&lk.psi), inverses(&lk.chi));
        let extra: Vec<(Poly, Vec<Fr>)> = lk.extra.iter().map(|(p, ts)| (*p, inverses(ts))).collect();
        let mut f3 = vec![Fr::zero(); m];
        for list in [&psi, &phi, &chi].into_iter().chain(extra.iter().map(|(_, v)| v)) {
            for (x, y) in f3.iter_mut().zip(list.iter()) {
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
        let s3 = st.blinded_values(&running_sum(strict, &f3, e, m)?, m)?;
        let lookup_poly = |v: &[Fr]| if v.is_empty() { Ok(Vec::new()) } else { interpolate(v, m) };
        let (phi_c, psi_c, chi_c) = (lookup_poly(&phi)?, lookup_poly(&psi)?, lookup_poly(&chi)?);
        let comps = [c_poly, s1, s2, phi_c, psi_c, chi_c, s3, vec![e]];
        let extra = extra.iter().map(|(p, v)| Ok((*p, interpolate(v, m)?))).collect::<Result<Vec<_>, ProverError>>()?;

        if let Some(slot) = l.slot.and_then(|si| layout.slots.get(si)) {
            let idx = [slot.c, slot.s1, slot.s2, slot.phi, slot.psi, slot.chi, Some(slot.s3)];
            for (k, p) in idx.into_iter().chain([Some(slot.e)]).zip(&comps) {
                if let Some(k) = k {
                    st.commit(k, p.clone())?;
                }
            }
            for (&(p, k), (q, poly)) in slot.extra.iter().zip(&extra) {
                if p != *q {
                    return Err(ProverError::Internal(format!("layer {i}: {p:?} where the layout has {q:?}")));
                }
                st.commit(k, poly.clone())?;
            }
        } else if let Some(k) = l.packed {
            let parts: Vec<&[Fr]> = comps.iter().map(Vec::as_slice).collect();
            st.commit(k, fold::pack(&parts, &witness_widths(n, m))?)?;
        }
        biases.push(Blinded { poly: poly(bc), blind: poly(pk.bias_blinds[i].clone()) });
        r2s.push(Round2 { v, comps, e, extra });
    }

    // The table side: phi_T = mu / (alpha - T_in - beta T_out - beta^2 T_tag) and its running sum.
    let [t_in, t_out, t_tag] = table;
    let n_table = layout.table_n;
    let mut phi_t: Vec<Fr> = (0..n_table).map(|j| alpha - t_in[j] - beta * t_out[j] - beta2 * t_tag[j]).collect();
    batch_inversion(&mut phi_t);
    for (p, m) in phi_t.iter_mut().zip(mult) {
        *p *= m;
    }
    st.commit_values(layout.phi_t, &phi_t, n_table, false)?;
    // What the table side closes on: the layers' totals (honest), or the table's own (a test).
    let table_total = match opts.table_total_cheat {
        Some(_) => phi_t.iter().sum(),
        None => e_total,
    };
    st.commit_values(layout.s_t, &running_sum(strict, &phi_t, table_total, n_table)?, n_table, true)?;
    Ok(Round2Out { layers: r2s, biases, e_total, table_total })
}
