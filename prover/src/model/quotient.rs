//! The quotient of one domain: the constraints of `zkml_verifier::model::constraints`, evaluated on
//! a coset of the domain and combined with powers of `lambda` in the order the verifier's claims
//! use (`docs/protocols/mlp.md`, "Prover messages", quotients).

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::{lookup, Block};
use zkml_verifier::model::constraints::{self, Algebra, Params, Poly, ERRORS};
use zkml_verifier::model::domain::{matmul_row_weights, row_weights, token_values};
use zkml_verifier::model::layout::WITNESS;

use super::poly::{interpolate, Coset};
use crate::error::ProverError;

/// The polynomials (coefficients) of one slot's relation.
pub(super) struct SlotView<'a> {
    pub n: usize,
    pub m: usize,
    /// The layer's first block: with the public-input matmul `v` is `Y = W x` over `H_m`; only
    /// the matmul has `C`, `S1`, `S2`; a product reads `a_in` and `operand` on `H_m`.
    pub first: Block,
    /// A product's second operand (empty otherwise).
    pub operand: &'a [Fr],
    /// What the layer's blocks add: their round-1 and round-2 commitments, and a division's
    /// padded-row selector (`Poly::Pad`).
    pub extra: Vec<(Poly, &'a [Fr])>,
    pub u: Fr,
    /// The layer's activation (ReLU for a fold class) and its table section's tag
    /// (`claims::section_tag`).
    pub act: Activation,
    pub tag: Fr,
    pub a_in: &'a [Fr],
    pub z: &'a [Fr],
    pub d: &'a [Fr],
    /// Hidden layers: `A`; ReLU layers: `H`, `Sigma`.
    pub a: Option<&'a [Fr]>,
    pub h: Option<&'a [Fr]>,
    pub sigma: Option<&'a [Fr]>,
    /// The skip's polynomial (a residual added before the activation; none: zero).
    pub skip: Option<&'a [Fr]>,
    pub v: &'a [Fr],
    /// Shared weights (`LayerKey::batch`): `(rows, cols, batch)`; `V` is then multiplied by the
    /// token weights' polynomial and `K` has the row weights `s_t e_i`.
    pub shared: Option<(usize, usize, usize)>,
    /// The round-2 witness `C, S1, S2, phi, psi, chi, S3, E` (`layout::witness_widths` order):
    /// `C` the constant `c` (a polynomial only for a cheating prover), `phi` and `chi` empty on
    /// the last layer; `E` is read from [`SlotView::e`].
    pub comps: [&'a [Fr]; WITNESS],
    pub e: Fr,
    pub bias: &'a [Fr],
    pub errs: Option<[&'a [Fr]; ERRORS]>,
}

/// The table side's polynomials (coefficients) and the total it closes on.
pub(super) struct TableView<'a> {
    pub phi_t: &'a [Fr],
    pub mu: &'a [Fr],
    pub columns: [&'a [Fr]; 3],
    pub s_t: &'a [Fr],
    pub total: Fr,
}

/// Values on a coset; the arithmetic of [`Algebra`] pointwise.
#[derive(Debug, Clone)]
pub(super) struct Evals(Vec<Fr>);

impl core::ops::Add for Evals {
    type Output = Evals;
    fn add(mut self, o: Evals) -> Evals {
        self.0.iter_mut().zip(o.0).for_each(|(a, b)| *a += b);
        self
    }
}

impl core::ops::Sub for Evals {
    type Output = Evals;
    fn sub(mut self, o: Evals) -> Evals {
        self.0.iter_mut().zip(o.0).for_each(|(a, b)| *a -= b);
        self
    }
}

impl core::ops::Mul for Evals {
    type Output = Evals;
    fn mul(mut self, o: Evals) -> Evals {
        self.0.iter_mut().zip(o.0).for_each(|(a, b)| *a *= b);
        self
    }
}

impl core::ops::Mul<Fr> for Evals {
    type Output = Evals;
    fn mul(mut self, s: Fr) -> Evals {
        self.0.iter_mut().for_each(|a| *a *= s);
        self
    }
}

/// The prover's algebra: every polynomial of a slot as its values on the coset.
struct OnCoset {
    size: usize,
    u: Fr,
    polys: Vec<(Poly, Evals)>,
    missing: Option<Poly>,
}

impl Algebra for OnCoset {
    type E = Evals;

    fn poly(&mut self, p: Poly) -> Evals {
        match self.polys.iter().find(|(q, _)| *q == p) {
            Some((_, e)) => e.clone(),
            None => {
                self.missing = Some(p);
                Evals(vec![Fr::zero(); self.size])
            }
        }
    }

    fn constant(&mut self, c: Fr) -> Evals {
        Evals(vec![c; self.size])
    }

    fn slack(&mut self) -> Evals {
        Evals(vec![self.u; self.size])
    }
}

impl OnCoset {
    fn done(&self, e: Evals) -> Result<Evals, ProverError> {
        match self.missing {
            None => Ok(e),
            Some(p) => Err(ProverError::Internal(format!("constraint refers to {p:?}, which the slot lacks"))),
        }
    }
}

/// `sum_k lambda^k C_k / Z_d` as coefficients (not truncated) for domain `d`: the slots'
/// constraints (`constraints::on_n` where `n = d`, `constraints::on_m` where `m = d`), then the
/// table's (T1, T2) where `N = d`.
pub(super) fn quotient(
    d: usize,
    views: &[SlotView<'_>],
    table: Option<&TableView<'_>>,
    r: Fr,
    lambda: Fr,
    params: &Params,
) -> Result<Vec<Fr>, ProverError> {
    let cs = Coset::new(d)?;
    let size = cs.size();
    let ev = |c: &[Fr]| cs.eval(c).map(Evals);
    let mut acc = Evals(vec![Fr::zero(); size]);
    let mut lam = Fr::one();
    let mut push = |e: Evals| {
        acc = std::mem::replace(&mut acc, Evals(Vec::new())) + e * lam;
        lam *= lambda;
    };
    // K (the row weights' interpolation) depends on the domain and r only: once per domain,
    // shared by its slots.
    let k_r = match views.iter().any(|sv| sv.m == d && sv.first.has_running_sums()) {
        true => Some(ev(&interpolate(&row_weights(r, d), d)?)?),
        false => None,
    };
    let inv = |k: usize| Fr::from(k as u64).inverse().ok_or_else(|| ProverError::Internal("empty domain".into()));
    for sv in views {
        let on_n = sv.first.has_running_sums() && sv.n == d;
        if !on_n && sv.m != d {
            continue;
        }
        let err = |k: usize| -> Result<Evals, ProverError> {
            match sv.errs {
                Some(e) => ev(e[k]),
                None => Ok(Evals(vec![Fr::zero(); size])),
            }
        };
        let p = Params { inv_n: inv(sv.n)?, inv_m: inv(sv.m)?, ..*params };
        let [c, s1, s2, phi, psi, chi, s3, _] = sv.comps;
        let mut list = Vec::new();
        if on_n {
            let s1 = ev(s1)?;
            let mut alg = OnCoset { size, u: sv.u, polys: Vec::new(), missing: None };
            alg.polys.extend([
                (Poly::S1Next, Evals(cs.rotate(&s1.0))),
                (Poly::S1, s1),
                (
                    Poly::V,
                    match sv.shared {
                        Some((_, cols, batch)) => {
                            ev(sv.v)? * ev(&interpolate(&token_values(r, cols, batch, sv.n), sv.n)?)?
                        }
                        None => ev(sv.v)?,
                    },
                ),
                (Poly::AIn, ev(sv.a_in)?),
                (Poly::C, ev(c)?),
            ]);
            let on_n = constraints::on_n(&mut alg, &p, sv.first);
            list.extend(on_n.into_iter().map(|(e, k)| alg.done(e).map(|e| (e, k))));
        }
        if sv.m == d {
            let s3 = ev(s3)?;
            let mut alg = OnCoset { size, u: sv.u, polys: Vec::new(), missing: None };
            // What the layer's blocks read on H_m (`Block::reads`), as the verifier forms it.
            let blocks = Block::lower(sv.act, sv.first);
            let reads = |p: Poly| Block::any_reads(&blocks, p);
            if reads(Poly::Y) {
                alg.polys.push((Poly::Y, ev(sv.v)?));
            }
            if reads(Poly::AIn) {
                alg.polys.push((Poly::AIn, ev(sv.a_in)?));
            }
            if reads(Poly::Operand) {
                alg.polys.push((Poly::Operand, ev(sv.operand)?));
            }
            if sv.first.has_running_sums() {
                let s2 = ev(s2)?;
                alg.polys.extend([(Poly::C, ev(c)?), (Poly::S2Next, Evals(cs.rotate(&s2.0))), (Poly::S2, s2)]);
            }
            if reads(Poly::K) {
                let k = match sv.shared {
                    Some((rows, _, batch)) => ev(&interpolate(&matmul_row_weights(r, rows, batch, d), d)?)?,
                    None => k_r.clone().ok_or_else(|| ProverError::Internal("K_r missing".into()))?,
                };
                alg.polys.push((Poly::K, k));
            }
            for (p, c) in &sv.extra {
                alg.polys.push((*p, ev(c)?));
            }
            alg.polys.extend([
                (Poly::S3Next, Evals(cs.rotate(&s3.0))),
                (Poly::S3, s3),
                (Poly::Z, ev(sv.z)?),
                (Poly::B, ev(sv.bias)?),
                (Poly::D, ev(sv.d)?),
                (Poly::Psi, ev(psi)?),
                (Poly::E, Evals(vec![sv.e; size])),
                (Poly::Skip, sv.skip.map_or_else(|| Ok(Evals(vec![Fr::zero(); size])), ev)?),
            ]);
            if let Some(a) = sv.a {
                alg.polys.extend([(Poly::A, ev(a)?), (Poly::Phi, ev(phi)?)]);
            }
            if let (Some(h), Some(sigma)) = (sv.h, sv.sigma) {
                alg.polys.extend([(Poly::H, ev(h)?), (Poly::Sigma, ev(sigma)?), (Poly::Chi, ev(chi)?)]);
            }
            let on_m = constraints::on_m(&mut alg, &p, (sv.act, sv.tag), sv.first, false);
            list.extend(on_m.into_iter().map(|(e, k)| alg.done(e).map(|e| (e, k))));
        }
        for item in list {
            let (e, k) = item?;
            match k {
                Some(k) => push(e - err(k)?),
                None => push(e),
            }
        }
    }
    if let Some(t) = table {
        let s_t = ev(t.s_t)?;
        let mut alg = OnCoset { size, u: Fr::one(), polys: Vec::new(), missing: None };
        alg.polys.extend([
            (Poly::STNext, Evals(cs.rotate(&s_t.0))),
            (Poly::ST, s_t),
            (Poly::PhiT, ev(t.phi_t)?),
            (Poly::Mu, ev(t.mu)?),
            (Poly::TIn, ev(t.columns[0])?),
            (Poly::TOut, ev(t.columns[1])?),
            (Poly::TTag, ev(t.columns[2])?),
            (Poly::ESum, Evals(vec![t.total; size])),
        ]);
        let t1 = lookup::t1(&mut alg, params);
        push(alg.done(t1)?);
        let t2 = lookup::t2(&mut alg, params);
        push(alg.done(t2)?);
    }
    let zinv = cs.vanishing_inv()?;
    let mut acc = acc.0;
    for (a, z) in acc.iter_mut().zip(&zinv) {
        *a *= z;
    }
    Ok(cs.interpolate(acc))
}
