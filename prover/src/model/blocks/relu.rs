//! The ReLU block's values and lookups (`zkml_verifier::model::blocks::relu`;
//! `docs/protocols/blocks/relu.md`): the split `t = 2^s h + l` of the activation's input.

use ark_bn254::Fr;

/// The split `t = 2^s h + l` with `0 <= l < 2^s`: `(h, l, [h >= 0])`.
pub fn split(t: i64, scale_bits: u32) -> (i64, i64, i64) {
    let h = t.div_euclid(1i64 << scale_bits);
    (h, t.rem_euclid(1i64 << scale_bits), i64::from(h >= 0))
}

/// The sign lookups `(h, sigma, 0)` and the low parts' range lookups `(t - 2^s h, 0, 1)`, from
/// the witness as it stands (the activation inputs `pre`, the high parts and signs).
pub fn lookups(
    pre: impl Iterator<Item = Fr>,
    high: &[i64],
    sign: &[i64],
    scale_bits: u32,
) -> (Vec<[Fr; 3]>, Vec<[Fr; 3]>) {
    let (zero, one, two_s) = (Fr::from(0u64), Fr::from(1u64), Fr::from(1u64 << scale_bits));
    let phi = high.iter().zip(sign).map(|(&h, &sg)| [Fr::from(h), Fr::from(sg), zero]).collect();
    let chi = pre.zip(high).map(|(t, &h)| [t - two_s * Fr::from(h), zero, one]).collect();
    (phi, chi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_of_a_relu_input() {
        let s = 3;
        assert_eq!(split(-1, s), (-1, 7, 0));
        assert_eq!(split(-8, s), (-1, 0, 0));
        assert_eq!(split(0, s), (0, 0, 1));
        assert_eq!(split(13, s), (1, 5, 1));
        // The table's extremes for B = 5: t = -2^B and t = 2^B - 1 split onto the first and last
        // sign rows.
        assert_eq!(split(-32, s).0, -4);
        assert_eq!(split(31, s).0, 3);
        assert_eq!(super::super::super::keys::relu_min(5), -32);
    }
}
