//! The fixed-weight matmul block: `z = W a + b` by two running sums against `V = sum_i e_i W_i`
//! (`docs/protocols/blocks/matmul.md`); the prover's side is `zkml_prover::model::blocks::matmul`.

use super::super::constraints::{Algebra, Params, Poly};

/// M1 on `H_n`: `u (S1(wX) - S1(X) + C/n) - V(X) A_in(X)` (minus `Err_n` when relaxed).
pub fn m1<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, s1n, s1, c) = (a.slack(), a.poly(Poly::S1Next), a.poly(Poly::S1), a.poly(Poly::C));
    let (v, x) = (a.poly(Poly::V), a.poly(Poly::AIn));
    u * (s1n - s1 + c * p.inv_n) - v * x
}

/// M2 on `H_m`: `S2(wX) - S2(X) - K_r(X) (Z(X) - B(X)) + C/m` (linear: no slack, no error).
pub fn m2<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (s2n, s2, k) = (a.poly(Poly::S2Next), a.poly(Poly::S2), a.poly(Poly::K));
    let (z, b, c) = (a.poly(Poly::Z), a.poly(Poly::B), a.poly(Poly::C));
    s2n - s2 - k * (z - b) + c * p.inv_m
}
