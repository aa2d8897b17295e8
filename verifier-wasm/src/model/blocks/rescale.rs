//! The requantisation block: `z + 2^(s-1) = 2^s q + rem` with `rem` range-checked
//! (`docs/protocols/blocks/rescale.md`); the prover's side is `zkml_prover::model::blocks::rescale`.

use super::super::constraints::{Algebra, Params, Poly};

/// L2 on `H_m`: `psi(X) (alpha u - R(X) - beta^2 u) - u^2` with `R = Z + 2^(s-1) u - 2^s D`, the
/// rescaling's remainder (minus `Err_L2`).
pub fn l2<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, psi, z, d) = (a.slack(), a.poly(Poly::Psi), a.poly(Poly::Z), a.poly(Poly::D));
    let rem = z + u.clone() * p.half - d * p.two_s;
    psi * (u.clone() * p.alpha - rem - u.clone() * (p.beta * p.beta)) - u.clone() * u
}
