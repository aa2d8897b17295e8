//! The constraints of the layer relation and of the lookup table, written once
//! (`docs/protocols/mlp.md`, "Constraints"; the relaxed forms of `docs/protocols/accumulation.md`).
//!
//! Each constraint is a function generic over an [`Algebra`], which says what a polynomial, a
//! constant and the slack `u` are. Three algebras evaluate the same definitions:
//! - the verifier's linearisation at `zeta` (`claims.rs`): opened polynomials become their values,
//!   the others stay commitments with scalar coefficients;
//! - the prover's quotient (`zkml_prover::model::quotient`): values on a coset of the domain;
//! - the fold's cross terms (`zkml_prover::model::fold`): values on the domain of `left + rho
//!   right`, as polynomials in `rho`, whose `rho^1` coefficient is the cross term.
//!
//! The functions return the constraint without its error term; a relaxed instance's `Err` is
//! subtracted by the caller (`M1`, `L1`, `L2`, `L4`, `RA` are the quadratic ones that carry errors; [`on_n`] and
//! [`on_m`] list each domain's constraints in their one order).

use alloc::vec::Vec;
use core::ops::{Add, Mul, Sub};

use super::activation::Activation;
use crate::Fr;

/// The polynomials a constraint refers to. `*Next` is the polynomial at `omega X` (the next point
/// of its domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poly {
    /// The layer's input over `H_n` (its source layer's `A`, or the public input).
    AIn,
    /// `V = sum_i L_i(r) W_i` over `H_n`.
    V,
    /// The matmul total `c` (a constant).
    C,
    S1,
    S1Next,
    /// `Z` (the accumulator `z = W a + b`), `B` (the bias), `K` (`K_r`), all over `H_m`.
    Z,
    B,
    K,
    /// `D` (the rescaled `q`) and `A` (`ReLU(q)`) over `H_m`; for hidden layers the split
    /// `q = 2^s H + L` (`L` is `D - 2^s H`, never committed) and the sign `Sigma = [H >= 0]`.
    D,
    A,
    H,
    Sigma,
    /// A hidden layer's skip (residual) input over `H_m`, added to `D` before the activation
    /// (zero without one); the activation's input is `D + Skip`.
    Skip,
    /// The lookup inverses: `Phi` of the sign lookup `(H, Sigma)`, `Psi` of the remainder's range
    /// lookup, `Chi` of `L`'s range lookup.
    Phi,
    Psi,
    Chi,
    S2,
    S2Next,
    S3,
    S3Next,
    /// The lookup total `e` (a constant).
    E,
    /// The table side over `H_N`: `phi_T`, the multiplicities, the three table columns, the
    /// running sum and the sum of every lookup total.
    PhiT,
    Mu,
    TIn,
    TOut,
    TTag,
    ST,
    STNext,
    ESum,
}

/// What the constraints are evaluated in.
pub trait Algebra {
    type E: Clone + Add<Output = Self::E> + Sub<Output = Self::E> + Mul<Output = Self::E> + Mul<Fr, Output = Self::E>;
    fn poly(&mut self, p: Poly) -> Self::E;
    fn constant(&mut self, c: Fr) -> Self::E;
    /// The slack `u` (1 for a layer checked on its own).
    fn slack(&mut self) -> Self::E;
}

/// The challenges and constants the constraints use.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub alpha: Fr,
    pub beta: Fr,
    /// `2^(s-1)` and `2^s`.
    pub half: Fr,
    pub two_s: Fr,
    /// `1 / n`, `1 / m` of the slot, `1 / N` of the table.
    pub inv_n: Fr,
    pub inv_m: Fr,
    pub inv_table: Fr,
}

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

/// L1 on `H_m` (hidden layers): `phi(X) (alpha u - H(X) - beta Sigma(X)) - u^2`, the sign
/// lookup (minus `Err_L1`).
pub fn l1<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, phi, h, sigma) = (a.slack(), a.poly(Poly::Phi), a.poly(Poly::H), a.poly(Poly::Sigma));
    phi * (u.clone() * p.alpha - h - sigma * p.beta) - u.clone() * u
}

/// L1 of a tabulated activation on `H_m`: `phi(X) (alpha u - T(X) - beta A(X) - beta^2 tag u) -
/// u^2` with `T = D + Skip`, the lookup of `(q, f(q), tag)` in the activation's table section (minus `Err_L1`).
pub fn l1_table<A: Algebra>(a: &mut A, p: &Params, tag: Fr) -> A::E {
    let (u, phi, t, x) = (a.slack(), a.poly(Poly::Phi), pre(a), a.poly(Poly::A));
    phi * (u.clone() * p.alpha - t - x * p.beta - u.clone() * (p.beta * p.beta * tag)) - u.clone() * u
}

/// The activation's input `D + Skip`.
fn pre<A: Algebra>(a: &mut A) -> A::E {
    let (d, skip) = (a.poly(Poly::D), a.poly(Poly::Skip));
    d + skip
}

/// L4 on `H_m` (ReLU layers): `chi(X) (alpha u - L(X) - beta^2 u) - u^2` with
/// `L = D + Skip - 2^s H`, the range lookup of the split's low part (minus `Err_L4`).
pub fn l4<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, chi, t, h) = (a.slack(), a.poly(Poly::Chi), pre(a), a.poly(Poly::H));
    let low = t - h * p.two_s;
    chi * (u.clone() * p.alpha - low - u.clone() * (p.beta * p.beta)) - u.clone() * u
}

/// RA on `H_m` (ReLU layers): `u A(X) - Sigma(X) (D(X) + Skip(X))`, the ReLU output (minus `Err_A`).
pub fn ra<A: Algebra>(a: &mut A) -> A::E {
    let (u, x, sigma, t) = (a.slack(), a.poly(Poly::A), a.poly(Poly::Sigma), pre(a));
    u * x - sigma * t
}

/// L2 on `H_m`: `psi(X) (alpha u - R(X) - beta^2 u) - u^2` with `R = Z + 2^(s-1) u - 2^s D`, the
/// rescaling's remainder (minus `Err_L2`).
pub fn l2<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (u, psi, z, d) = (a.slack(), a.poly(Poly::Psi), a.poly(Poly::Z), a.poly(Poly::D));
    let rem = z + u.clone() * p.half - d * p.two_s;
    psi * (u.clone() * p.alpha - rem - u.clone() * (p.beta * p.beta)) - u.clone() * u
}

/// L3 on `H_m`: `S3(wX) - S3(X) - phi(X) - psi(X) - chi(X) + E/m` for ReLU layers, without
/// `chi` for tabulated activations, with `psi` alone on the last layer.
pub fn l3<A: Algebra>(a: &mut A, p: &Params, act: Activation) -> A::E {
    let (s3n, s3, psi, e) = (a.poly(Poly::S3Next), a.poly(Poly::S3), a.poly(Poly::Psi), a.poly(Poly::E));
    let out = s3n - s3 - psi + e * p.inv_m;
    match act {
        Activation::None => out,
        Activation::Relu => {
            let (phi, chi) = (a.poly(Poly::Phi), a.poly(Poly::Chi));
            out - phi - chi
        }
        _ => {
            let phi = a.poly(Poly::Phi);
            out - phi
        }
    }
}

/// Index of each relaxed constraint's error component (`layout::error_widths` order).
pub const ERR_N: usize = 0;
pub const ERR_L1: usize = 1;
pub const ERR_L2: usize = 2;
pub const ERR_L4: usize = 3;
pub const ERR_A: usize = 4;
/// Number of error components of a relaxed instance.
pub const ERRORS: usize = 5;

/// The constraints on `H_n`, in their `lambda` order, each with the index of its error component.
pub fn on_n<A: Algebra>(a: &mut A, p: &Params) -> Vec<(A::E, Option<usize>)> {
    alloc::vec![(m1(a, p), Some(ERR_N))]
}

/// The constraints on `H_m`, in their `lambda` order, each with the index of its error component
/// (`None`: linear, no error), for a layer ending in `act`: ReLU adds the sign and split lookups
/// and the ReLU output, a tabulated activation its lookup in the table section tagged `tag`
/// (`Activation::tag`; unused otherwise). `quadratic_only` keeps only the constraints with an
/// error (the fold's cross terms).
pub fn on_m<A: Algebra>(
    a: &mut A,
    p: &Params,
    act: Activation,
    tag: Fr,
    quadratic_only: bool,
) -> Vec<(A::E, Option<usize>)> {
    let mut out = Vec::new();
    if !quadratic_only {
        out.push((m2(a, p), None));
    }
    match act {
        Activation::None => {}
        Activation::Relu => {
            out.push((l1(a, p), Some(ERR_L1)));
            out.push((l4(a, p), Some(ERR_L4)));
            out.push((ra(a), Some(ERR_A)));
        }
        _ => out.push((l1_table(a, p, tag), Some(ERR_L1))),
    }
    out.push((l2(a, p), Some(ERR_L2)));
    if !quadratic_only {
        out.push((l3(a, p, act), None));
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
