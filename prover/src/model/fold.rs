//! Folding of hidden-layer instances (`docs/protocols/accumulation.md`): relaxed instances, cross
//! terms and the fold itself. The verifier side is `zkml_verifier::model::claims::fold_weights`,
//! which unrolls the same tree into weights on the proof's commitments.

use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use ark_poly::EvaluationDomain;

use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::constraints::{self, Algebra, Poly, ERRORS};
use zkml_verifier::model::layout::{ROUND1, WITNESS};

use super::poly::{domain, interpolate, poly};
use crate::error::ProverError;
use crate::kzg::{add_scaled, Blinded};

/// Index of each packed witness component (`layout::witness_widths` order).
pub const C: usize = 0;
pub const S1: usize = 1;
pub const PHI: usize = 3;
pub const PSI: usize = 4;
pub const CHI: usize = 5;

/// A (relaxed) hidden-layer instance with its witness, as the prover holds it. Fresh instances
/// have `u = 1` and zero errors; folding keeps every field a linear combination of the leaves'
/// (errors: of the cross terms).
#[derive(Debug, Clone)]
pub struct Instance {
    /// The matmul's `V = sum_i e_i W_i` (coefficients): the verifier forms its commitment from
    /// the key's weight rows, so it is carried but never committed.
    pub v: Vec<Fr>,
    pub bias: Blinded,
    /// `Z, D, H, Sigma` (no blinds of their own) and their packed round-1 commitment
    /// (`layout::round1_widths`).
    pub round1: [Blinded; ROUND1],
    pub packed_round1: Blinded,
    pub a: Blinded,
    pub a_in: Blinded,
    /// The packed witness `P2 = sum_k X^(o_k) comps_k` and its components (no blinds of their own),
    /// the lookup total `E` last.
    pub packed: Blinded,
    pub comps: [Vec<Fr>; WITNESS],
    /// The packed error and its components `Err_n, Err_L1, Err_L2, Err_L4, Err_A`.
    pub err_packed: Blinded,
    pub errs: [Vec<Fr>; ERRORS],
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

/// The cross-term components `T_n` (over `H_n`), `T_L1`, `T_L2`, `T_L4`, `T_A` (over `H_m`) of
/// folding `left` and `right`: the `rho^1` coefficients of the relaxed quadratic constraints of
/// `zkml_verifier::model::constraints` (`on_n`, `on_m`) evaluated at `left + rho right`
/// (accumulation.md).
pub fn cross_terms(left: &Instance, right: &Instance, p: &Params) -> Result<[Vec<Fr>; ERRORS], ProverError> {
    let (n, m) = (p.n, p.m);
    let inv = |k: usize| Fr::from(k as u64).inverse().unwrap_or_default();
    let params = constraints::Params {
        alpha: p.alpha,
        beta: p.beta,
        half: Fr::from(1u64 << (p.scale_bits - 1)),
        two_s: Fr::from(1u64 << p.scale_bits),
        inv_n: inv(n),
        inv_m: inv(m),
        inv_table: Fr::zero(),
    };
    let both = |f: &dyn Fn(&Instance) -> &[Fr], k: usize| -> Result<InRho, ProverError> {
        Ok(InRho::linear(values_on(f(left), k)?, values_on(f(right), k)?))
    };
    let next = |x: &InRho| InRho(x.0.clone().map(|v| (0..v.len()).map(|j| v[(j + 1) % v.len()]).collect()));
    let mut on_n = Folding { size: n, u: (left.u, right.u), polys: Vec::new(), missing: None };
    let s1 = both(&|x| &x.comps[S1], n)?;
    on_n.polys.extend([
        (Poly::S1Next, next(&s1)),
        (Poly::S1, s1),
        (Poly::C, both(&|x| &x.comps[C], n)?),
        (Poly::V, both(&|x| &x.v, n)?),
        (Poly::AIn, both(&|x| &x.a_in.poly.coeffs, n)?),
    ]);
    let mut on_m = Folding { size: m, u: (left.u, right.u), polys: Vec::new(), missing: None };
    let round1 = [Poly::Z, Poly::D, Poly::H, Poly::Sigma];
    for (k, p) in round1.into_iter().enumerate() {
        on_m.polys.push((p, both(&|x| &x.round1[k].poly.coeffs, m)?));
    }
    on_m.polys.extend([
        // Folded layers have no skip.
        (Poly::Skip, InRho::linear(vec![Fr::zero(); m], vec![Fr::zero(); m])),
        (Poly::A, both(&|x| &x.a.poly.coeffs, m)?),
        (Poly::Phi, both(&|x| &x.comps[PHI], m)?),
        (Poly::Psi, both(&|x| &x.comps[PSI], m)?),
        (Poly::Chi, both(&|x| &x.comps[CHI], m)?),
    ]);
    let mut out: [Vec<Fr>; ERRORS] = Default::default();
    let mut filled = [false; ERRORS];
    let n_side = constraints::on_n(&mut on_n, &params, Block::FOLDS).into_iter().map(|(e, k)| (on_n.cross(e), k, n));
    let n_side: Vec<_> = n_side.collect();
    let m_side = constraints::on_m(&mut on_m, &params, (Activation::Relu, Fr::zero()), Block::FOLDS, true)
        .into_iter()
        .map(|(e, k)| (on_m.cross(e), k, m));
    for (t, k, size) in n_side.into_iter().chain(m_side.collect::<Vec<_>>()) {
        let k = k.ok_or_else(|| ProverError::Internal("a linear constraint has no cross term".into()))?;
        let slot = out.get_mut(k).ok_or_else(|| ProverError::Internal(format!("error component {k}")))?;
        *slot = interpolate(&t?, size)?;
        filled[k] = true;
    }
    match filled.iter().all(|&f| f) {
        true => Ok(out),
        false => Err(ProverError::Internal("a relaxed constraint without a cross term".into())),
    }
}

/// Values on a domain as a polynomial in the fold challenge `rho`: coefficients of `rho^0`,
/// `rho^1`, `rho^2` (the constraints have degree two, so nothing higher arises from linear inputs).
#[derive(Debug, Clone)]
struct InRho([Vec<Fr>; 3]);

impl InRho {
    fn linear(l: Vec<Fr>, r: Vec<Fr>) -> Self {
        let zero = vec![Fr::zero(); l.len()];
        InRho([l, r, zero])
    }
}

impl core::ops::Add for InRho {
    type Output = InRho;
    fn add(mut self, o: InRho) -> InRho {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self
    }
}

impl core::ops::Sub for InRho {
    type Output = InRho;
    fn sub(self, o: InRho) -> InRho {
        self + o * -Fr::from(1u64)
    }
}

impl core::ops::Mul<Fr> for InRho {
    type Output = InRho;
    fn mul(mut self, s: Fr) -> InRho {
        self.0.iter_mut().for_each(|c| c.iter_mut().for_each(|x| *x *= s));
        self
    }
}

impl core::ops::Mul for InRho {
    type Output = InRho;
    /// The product truncated after `rho^2`.
    fn mul(self, o: InRho) -> InRho {
        let [a0, a1, a2] = &self.0;
        let [b0, b1, b2] = &o.0;
        let c0 = (0..a0.len()).map(|j| a0[j] * b0[j]).collect();
        let c1 = (0..a0.len()).map(|j| a0[j] * b1[j] + a1[j] * b0[j]).collect();
        let c2 = (0..a0.len()).map(|j| a0[j] * b2[j] + a1[j] * b1[j] + a2[j] * b0[j]).collect();
        InRho([c0, c1, c2])
    }
}

/// The fold's algebra: every polynomial of the two instances on the domain, as `l + rho r`.
struct Folding {
    size: usize,
    u: (Fr, Fr),
    polys: Vec<(Poly, InRho)>,
    missing: Option<Poly>,
}

impl Folding {
    /// The `rho^1` coefficient, if every polynomial the constraint used was there.
    fn cross(&self, e: InRho) -> Result<Vec<Fr>, ProverError> {
        match self.missing {
            None => Ok(e.0[1].clone()),
            Some(p) => Err(ProverError::Internal(format!("a cross term refers to {p:?}, which the fold lacks"))),
        }
    }
}

impl Algebra for Folding {
    type E = InRho;

    fn poly(&mut self, p: Poly) -> InRho {
        match self.polys.iter().find(|(q, _)| *q == p) {
            Some((_, x)) => x.clone(),
            None => {
                // Reported by `cross`; zeros of the right size keep the arithmetic well-formed.
                self.missing = Some(p);
                InRho::linear(vec![Fr::zero(); self.size], vec![Fr::zero(); self.size])
            }
        }
    }

    fn constant(&mut self, c: Fr) -> InRho {
        InRho::linear(vec![c; self.size], vec![Fr::zero(); self.size])
    }

    fn slack(&mut self) -> InRho {
        InRho::linear(vec![self.u.0; self.size], vec![self.u.1; self.size])
    }
}

/// `left + r right`, errors `Err_left + r T + r^2 Err_right`; `cross` is the committed packed `T`.
pub fn fold(left: &Instance, right: &Instance, r: Fr, t: &[Vec<Fr>; ERRORS], cross: &Blinded) -> Instance {
    let (one, r2) = (Fr::from(1u64), r * r);
    let errs: [Vec<Fr>; ERRORS] =
        core::array::from_fn(|k| lin_vec(&[(&left.errs[k], one), (&t[k], r), (&right.errs[k], r2)]));
    let err_packed = lin(&[(&left.err_packed, one), (cross, r), (&right.err_packed, r2)]);
    let fold2 = |a: &Blinded, b: &Blinded| lin(&[(a, one), (b, r)]);
    Instance {
        v: lin_vec(&[(&left.v, one), (&right.v, r)]),
        bias: fold2(&left.bias, &right.bias),
        round1: core::array::from_fn(|k| fold2(&left.round1[k], &right.round1[k])),
        packed_round1: fold2(&left.packed_round1, &right.packed_round1),
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
