//! The requantisation block's values and lookups (`zkml_verifier::model::blocks::rescale`;
//! `docs/protocols/blocks/rescale.md`).

use ark_bn254::Fr;

use crate::quant::rescale;

/// `(q, rem)` with `z + 2^(s-1) = 2^s q + rem`, `0 <= rem < 2^s`.
pub fn apply(z: i64, scale_bits: u32) -> (i64, i64) {
    let q = rescale(z, scale_bits);
    (q, z + (1 << (scale_bits - 1)) - (q << scale_bits))
}

/// The remainders' range lookups `(rem, 0, 1)`.
pub fn lookups(rem: &[i64]) -> Vec<[Fr; 3]> {
    rem.iter().map(|&r| [Fr::from(r), Fr::from(0u64), Fr::from(1u64)]).collect()
}
