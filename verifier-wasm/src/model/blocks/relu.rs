//! The ReLU block: the split `t = 2^s h + l`, the sign lookup of `h`, the range lookup of `l`
//! and `a = sigma t` (`docs/protocols/blocks/relu.md`); the prover's side is
//! `zkml_prover::model::blocks::relu`.

use super::super::constraints::{Algebra, Params, Poly};

/// L1 on `H_m` (hidden layers): `phi(X) (alpha u - H(X) - beta Sigma(X)) - u^2`, the sign
/// lookup (minus `Err_L1`).
pub fn l1<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, phi, h, sigma) = (a.slack(), a.poly(Poly::Phi), a.poly(Poly::H), a.poly(Poly::Sigma));
    phi * (u.clone() * p.alpha - h - sigma * p.beta) - u.clone() * u
}

/// L4 on `H_m` (ReLU layers): `chi(X) (alpha u - L(X) - beta^2 u) - u^2` with
/// `L = D + Skip - 2^s H`, the range lookup of the split's low part (minus `Err_L4`).
pub fn l4<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, chi, t, h) = (a.slack(), a.poly(Poly::Chi), super::pre(a), a.poly(Poly::H));
    let low = t - h * p.two_s;
    chi * (u.clone() * p.alpha - low - u.clone() * (p.beta * p.beta)) - u.clone() * u
}

/// RA on `H_m` (ReLU layers): `u A(X) - Sigma(X) (D(X) + Skip(X))`, the ReLU output (minus `Err_A`).
pub fn ra<A: Algebra>(a: &mut A) -> A::E {
    let (u, x, sigma, t) = (a.slack(), a.poly(Poly::A), a.poly(Poly::Sigma), super::pre(a));
    u * x - sigma * t
}
