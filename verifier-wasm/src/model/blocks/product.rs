//! The element-wise product block: `z = a * b + bias` for two tensors of one size, the layer's
//! input `a` and its operand `b`, both opened at `zeta` (`docs/protocols/blocks/product.md`); the
//! prover's side is `zkml_prover::model::blocks::product`.

use super::super::constraints::{Algebra, Poly};

/// P0 on `H_m`: `Z(X) - B(X) - A_in(X) Operand(X)` (quadratic, but a product layer never folds:
/// no slack, no error).
pub fn p0<A: Algebra>(a: &mut A) -> A::E {
    let (z, b, x, y) = (a.poly(Poly::Z), a.poly(Poly::B), a.poly(Poly::AIn), a.poly(Poly::Operand));
    z - b - x * y
}
