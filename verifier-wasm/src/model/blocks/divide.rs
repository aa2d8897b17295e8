//! The division block: `q = round(2^s a / b)` element-wise for two tensors of one shape, the
//! layer's input `a` and its divisor `b >= 1`, with the remainder range-checked on both sides
//! (`docs/protocols/blocks/divide.md`); the prover's side is `zkml_prover::model::blocks::divide`.
//!
//! With `Pad` the public selector of the padded rows (1 there, 0 on the layer's real rows), the
//! numerator `Z = (1 - Pad) (2^(s+1) A_in + Operand)`, the quotient `D`, the remainder
//! `Rem = Z - 2 Operand D` and the slack `G = 2 Operand - 1 - Rem + Pad`: `Rem` and `G` are each
//! split as `2^s high + low` and looked up in the table's sign rows (`(high, 1, 0)`: `high >= 0`)
//! and range rows (`(low, 0, 1)`), so `0 <= Rem < 2 Operand` on the real rows.

use super::super::constraints::{Algebra, Params, Poly};

/// D0 on `H_m`: `Z - (1 - Pad) (2^(s+1) A_in + Operand)`, the numerator (zero on padded rows).
pub fn d0<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (z, pad, x, y) = (a.poly(Poly::Z), a.poly(Poly::Pad), a.poly(Poly::AIn), a.poly(Poly::Operand));
    let one = a.constant(crate::Fr::from(1u64));
    z - (one - pad) * (x * (p.two_s + p.two_s) + y)
}

/// D1 on `H_m`: `Z - 2 Operand D - Rem`, the division with its remainder.
pub fn d1<A: Algebra>(a: &mut A) -> A::E {
    let (z, y, d, rem) = (a.poly(Poly::Z), a.poly(Poly::Operand), a.poly(Poly::D), a.poly(Poly::Rem));
    z - y * d * crate::Fr::from(2u64) - rem
}

/// D6 on `H_m`: `Pad D`, the quotient zero on padded rows (where D1 leaves it free: the divisor
/// is zero there), so that the layer's output is zero there as its activation's padding says.
pub fn d6<A: Algebra>(a: &mut A) -> A::E {
    let (pad, d) = (a.poly(Poly::Pad), a.poly(Poly::D));
    pad * d
}

/// The slack `G = 2 Operand - 1 - Rem + Pad`: `2 Operand - 1 - Rem` on the real rows, 0 on the
/// padded rows (where the divisor and the remainder are 0).
fn slack_value<A: Algebra>(a: &mut A) -> A::E {
    let (y, rem, pad) = (a.poly(Poly::Operand), a.poly(Poly::Rem), a.poly(Poly::Pad));
    let one = a.constant(crate::Fr::from(1u64));
    y * crate::Fr::from(2u64) - one - rem + pad
}

/// The sign lookup `(high, 1, 0)` of `inv`: `inv (alpha u - High - beta u) - u^2`.
fn sign<A: Algebra>(a: &mut A, p: &Params, inv: Poly, high: Poly) -> A::E {
    let (u, inv, high) = (a.slack(), a.poly(inv), a.poly(high));
    inv * (u.clone() * p.alpha - high - u.clone() * p.beta) - u.clone() * u
}

/// The range lookup `(low, 0, 1)` of `inv`: `inv (alpha u - low - beta^2 u) - u^2`.
fn range<A: Algebra>(a: &mut A, p: &Params, inv: Poly, low: A::E) -> A::E {
    let (u, inv) = (a.slack(), a.poly(inv));
    inv * (u.clone() * p.alpha - low - u.clone() * (p.beta * p.beta)) - u.clone() * u
}

/// D2, D3 on `H_m`: `Rem = 2^s RemHigh + low` with `RemHigh` in the sign rows (non-negative) and
/// `low` in the range rows.
pub fn d2<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    sign(a, p, Poly::RemSign, Poly::RemHigh)
}

pub fn d3<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (rem, high) = (a.poly(Poly::Rem), a.poly(Poly::RemHigh));
    range(a, p, Poly::RemLow, rem - high * p.two_s)
}

/// D4, D5 on `H_m`: the same split of the slack `G` (`SlackHigh`, `SlackSign`, `SlackLow`).
pub fn d4<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    sign(a, p, Poly::SlackSign, Poly::SlackHigh)
}

pub fn d5<A: Algebra>(a: &mut A, p: &Params) -> A::E {
    let (g, high) = (slack_value(a), a.poly(Poly::SlackHigh));
    range(a, p, Poly::SlackLow, g - high * p.two_s)
}
