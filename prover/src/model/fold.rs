//! Folding of hidden-layer instances (`docs/protocols/accumulation.md`): relaxed instances, cross
//! terms and the fold itself. The verifier side is `zkml_verifier::model::claims::fold_weights`,
//! which unrolls the same tree into weights on the proof's commitments.

use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use ark_poly::EvaluationDomain;

use super::poly::{domain, interpolate, poly};
use crate::error::ProverError;
use crate::kzg::{add_scaled, Blinded};

/// Index of each packed witness component (`layout::witness_widths` order).
pub const C: usize = 0;
pub const S1: usize = 1;
pub const PHI: usize = 3;
pub const PSI: usize = 4;

/// A (relaxed) hidden-layer instance with its witness, as the prover holds it. Fresh instances
/// have `u = 1` and zero errors; folding keeps every field a linear combination of the leaves'
/// (errors: of the cross terms).
#[derive(Debug, Clone)]
pub struct Instance {
    /// The matmul's `V = sum_i L_i(r) W_i` (coefficients): the verifier forms its commitment from
    /// the key's weight rows, so it is carried but never committed.
    pub v: Vec<Fr>,
    pub bias: Blinded,
    /// `Z`, `D` (no blinds of their own) and their packed round-1 commitment `Z + X^(m+2) D`.
    pub z: Blinded,
    pub d: Blinded,
    pub zd: Blinded,
    pub a: Blinded,
    pub a_in: Blinded,
    /// The packed witness `P2 = sum_k X^(o_k) comps_k` and its components (no blinds of their own),
    /// the lookup total `E` last.
    pub packed: Blinded,
    pub comps: [Vec<Fr>; 7],
    /// The packed error and its components `Err_n, Err_L1, Err_L2`.
    pub err_packed: Blinded,
    pub errs: [Vec<Fr>; 3],
    pub u: Fr,
}

/// Challenges and constants the relaxed constraints use.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub n: usize,
    pub m: usize,
    pub alpha: Fr,
    pub beta: Fr,
    pub scale_bits: u32,
}

/// Values of a polynomial on `H_n` (coefficients reduced mod `X^n - 1`, then an FFT).
pub fn values_on(coeffs: &[Fr], n: usize) -> Result<Vec<Fr>, ProverError> {
    let mut r = vec![Fr::zero(); n];
    for (i, c) in coeffs.iter().enumerate() {
        r[i % n] += c;
    }
    Ok(domain(n)?.fft(&r))
}

/// `sum_k X^(o_k) parts_k` for the given widths.
pub fn pack(parts: &[&[Fr]], widths: &[usize]) -> Result<Vec<Fr>, ProverError> {
    let total: usize = widths.iter().sum();
    let mut out = vec![Fr::zero(); total];
    let mut o = 0;
    for (p, &w) in parts.iter().zip(widths) {
        if p.len() > w {
            return Err(ProverError::Internal(format!("packed component of {} coefficients, bound {w}", p.len())));
        }
        out[o..o + p.len()].copy_from_slice(p);
        o += w;
    }
    Ok(out)
}

/// `sum_k s_k b_k` over polynomials and over their blinds.
fn lin(terms: &[(&Blinded, Fr)]) -> Blinded {
    let (mut p, mut g) = (Vec::new(), Vec::new());
    for (b, s) in terms {
        add_scaled(&mut p, &b.poly.coeffs, *s);
        add_scaled(&mut g, &b.blind.coeffs, *s);
    }
    Blinded { poly: poly(p), blind: poly(g) }
}

/// `sum_k s_k v_k` over coefficient vectors.
fn lin_vec(terms: &[(&[Fr], Fr)]) -> Vec<Fr> {
    let mut p = Vec::new();
    for (v, s) in terms {
        add_scaled(&mut p, v, *s);
    }
    p
}

/// The three cross-term components `T_n` (over `H_n`), `T_L1`, `T_L2` (over `H_m`) of folding
/// `left` and `right`: the bilinear parts of the relaxed M1, L1 and L2 (accumulation.md).
pub fn cross_terms(left: &Instance, right: &Instance, p: &Params) -> Result<[Vec<Fr>; 3], ProverError> {
    let (n, m) = (p.n, p.m);
    let inv_n = Fr::from(n as u64).inverse().unwrap_or_default();
    let half = Fr::from(1u64 << (p.scale_bits - 1));
    let two_s = Fr::from(1u64 << p.scale_bits);
    let beta2 = p.beta * p.beta;
    struct Side {
        u: Fr,
        c: Fr,
        s1: Vec<Fr>,
        v: Vec<Fr>,
        a_in: Vec<Fr>,
        z: Vec<Fr>,
        d: Vec<Fr>,
        a: Vec<Fr>,
        phi: Vec<Fr>,
        psi: Vec<Fr>,
    }
    let side = |x: &Instance| -> Result<Side, ProverError> {
        Ok(Side {
            u: x.u,
            c: x.comps[C].first().copied().unwrap_or_default(),
            s1: values_on(&x.comps[S1], n)?,
            v: values_on(&x.v, n)?,
            a_in: values_on(&x.a_in.poly.coeffs, n)?,
            z: values_on(&x.z.poly.coeffs, m)?,
            d: values_on(&x.d.poly.coeffs, m)?,
            a: values_on(&x.a.poly.coeffs, m)?,
            phi: values_on(&x.comps[PHI], m)?,
            psi: values_on(&x.comps[PSI], m)?,
        })
    };
    let (l, r) = (side(left)?, side(right)?);
    let m1 = |x: &Side, j: usize| x.s1[(j + 1) % n] - x.s1[j] + x.c * inv_n;
    let t_n: Vec<Fr> =
        (0..n).map(|j| l.u * m1(&r, j) + r.u * m1(&l, j) - l.v[j] * r.a_in[j] - r.v[j] * l.a_in[j]).collect();
    let uu2 = l.u * r.u + l.u * r.u;
    let l1 = |x: &Side, y: &Side, j: usize| x.phi[j] * (p.alpha * y.u - y.d[j] - p.beta * y.a[j]);
    let t_l1: Vec<Fr> = (0..m).map(|j| l1(&l, &r, j) + l1(&r, &l, j) - uu2).collect();
    let l2 =
        |x: &Side, y: &Side, j: usize| x.psi[j] * (p.alpha * y.u - y.z[j] - half * y.u + two_s * y.d[j] - beta2 * y.u);
    let t_l2: Vec<Fr> = (0..m).map(|j| l2(&l, &r, j) + l2(&r, &l, j) - uu2).collect();
    Ok([interpolate(&t_n, n)?, interpolate(&t_l1, m)?, interpolate(&t_l2, m)?])
}

/// `left + r right`, errors `Err_left + r T + r^2 Err_right`; `cross` is the committed packed `T`.
pub fn fold(left: &Instance, right: &Instance, r: Fr, t: &[Vec<Fr>; 3], cross: &Blinded) -> Instance {
    let (one, r2) = (Fr::from(1u64), r * r);
    let errs: [Vec<Fr>; 3] =
        core::array::from_fn(|k| lin_vec(&[(&left.errs[k], one), (&t[k], r), (&right.errs[k], r2)]));
    let err_packed = lin(&[(&left.err_packed, one), (cross, r), (&right.err_packed, r2)]);
    let fold2 = |a: &Blinded, b: &Blinded| lin(&[(a, one), (b, r)]);
    Instance {
        v: lin_vec(&[(&left.v, one), (&right.v, r)]),
        bias: fold2(&left.bias, &right.bias),
        z: fold2(&left.z, &right.z),
        d: fold2(&left.d, &right.d),
        zd: fold2(&left.zd, &right.zd),
        a: fold2(&left.a, &right.a),
        a_in: fold2(&left.a_in, &right.a_in),
        packed: fold2(&left.packed, &right.packed),
        comps: core::array::from_fn(|k| lin_vec(&[(&left.comps[k], one), (&right.comps[k], r)])),
        err_packed,
        errs,
        u: left.u + r * right.u,
    }
}

/// `Low` and `E_sum` with `sum_l P2_l = Low + X^(o_E) E_sum`, from the members' packed witnesses:
/// their lookup totals, summed, sit at `o_E`, the top of every packed witness
/// (`docs/protocols/accumulation.md`, "The decider").
pub fn split_sum(members: &[&[Fr]], o_e: usize) -> Result<(Vec<Fr>, Vec<Fr>), ProverError> {
    let mut low = lin_vec(&members.iter().map(|p| (*p, Fr::from(1u64))).collect::<Vec<_>>());
    if low.len() > o_e + 1 {
        return Err(ProverError::Internal("packed witness longer than its bound".into()));
    }
    let e_sum = low.get(o_e).copied().unwrap_or_default();
    low.resize(o_e, Fr::zero());
    Ok((low, vec![e_sum]))
}
