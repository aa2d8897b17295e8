//! The lookup argument (LogUp) every block's lookups go through: each layer's running sum of its
//! inverses (L3) and the table side (T1, T2) over the one shared table
//! (`docs/protocols/blocks/lookup.md`); the prover's side is `zkml_prover::model::prove::round2`
//! (inverses, multiplicities and the table side).

use super::super::constraints::{Algebra, Params, Poly};

/// L3 on `H_m`: `S3(wX) - S3(X) - (every block's inverses) + E/m`, the running sum of every
/// lookup the layer makes ([`super::Block::inverses`] of its blocks, in order).
pub fn l3<A: Algebra>(a: &mut A, p: &Params, inverses: &[Poly]) -> A::E {
    let (s3n, s3, e) = (a.poly(Poly::S3Next), a.poly(Poly::S3), a.poly(Poly::E));
    let mut out = s3n - s3 + e * p.inv_m;
    for &inv in inverses {
        let x = a.poly(inv);
        out = out - x;
    }
    out
}

/// T1 on `H_N`: `phi_T(X) (alpha - T_in(X) - beta T_out(X) - beta^2 T_tag(X)) - mu(X)`.
pub fn t1<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (phi_t, mu) = (a.poly(Poly::PhiT), a.poly(Poly::Mu));
    let (t_in, t_out, t_tag) = (a.poly(Poly::TIn), a.poly(Poly::TOut), a.poly(Poly::TTag));
    let alpha = a.constant(p.alpha);
    phi_t * (alpha - t_in - t_out * p.beta - t_tag * (p.beta * p.beta)) - mu
}

/// T2 on `H_N`: `S_T(wX) - S_T(X) - phi_T(X) + (sum of every lookup total) / N`.
pub fn t2<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (stn, st, phi_t, e) = (a.poly(Poly::STNext), a.poly(Poly::ST), a.poly(Poly::PhiT), a.poly(Poly::ESum));
    stn - st - phi_t + e * p.inv_table
}
