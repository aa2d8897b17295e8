//! The element-wise product block's values (`zkml_verifier::model::blocks::product`;
//! `docs/protocols/blocks/product.md`): `z_i = a_i b_i + bias_i`. It has no round-2 polynomials
//! and no lookups.

/// `z_i = a_i b_i + bias_i` in `i128` (a row beyond an operand reads 0).
pub fn row(a: &[i64], b: &[i64], bias: &[i64], i: usize) -> i128 {
    let at = |v: &[i64]| v.get(i).copied().unwrap_or(0) as i128;
    at(a) * at(b) + at(bias)
}
