//! The public-input matmul block: `z = W x + b` for a layer reading the model's public input `x`,
//! checked homomorphically against `Y = W x`, which the verifier forms from the key's column
//! commitments (`docs/protocols/blocks/public_matmul.md`); the prover's side is
//! `zkml_prover::model::blocks::public_matmul`.

use super::super::constraints::{Algebra, Poly};

/// M0 on `H_m`: `Z(X) - B(X) - Y(X)` (linear: no slack, no error).
pub fn m0<A: Algebra>(a: &mut A) -> A::E {
    let (z, b, y) = (a.poly(Poly::Z), a.poly(Poly::B), a.poly(Poly::Y));
    z - b - y
}
