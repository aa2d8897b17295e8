//! The tabulated-activation block: one lookup of `(t, f(t), tag)` in the activation's table
//! section (`docs/protocols/blocks/tabulated.md`); the prover's side is
//! `zkml_prover::model::blocks::tabulated`.

use crate::Fr;

use super::super::constraints::{Algebra, Params, Poly};

/// L1 of a tabulated activation on `H_m`: `phi(X) (alpha u - T(X) - beta A(X) - beta^2 tag u) -
/// u^2` with `T = D + Skip`, the lookup of `(q, f(q), tag)` in the activation's table section (minus `Err_L1`).
pub fn l1_table<A: Algebra>(a: &mut A, p: &Params, tag: Fr) -> A::E {
    let (u, phi, t, x) = (a.slack(), a.poly(Poly::Phi), super::pre(a), a.poly(Poly::A));
    phi * (u.clone() * p.alpha - t - x * p.beta - u.clone() * (p.beta * p.beta * tag)) - u.clone() * u
}
