//! The division block's values and lookups (`zkml_verifier::model::blocks::divide`;
//! `docs/protocols/blocks/divide.md`): `q = floor((2^(s+1) a + b) / (2 b))` with the remainder
//! `rem = 2^(s+1) a + b - 2 b q` and the slack `2 b - 1 - rem`, each split as `2^s high + low`.

use ark_bn254::Fr;

use crate::quant::divide;

/// One row of a division: the numerator `z`, the quotient `q`, the remainder, the slack and the
/// two high parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub z: i64,
    pub q: i64,
    pub rem: i64,
    pub rem_high: i64,
    pub slack: i64,
    pub slack_high: i64,
}

/// A real row `a / b` (`b >= 1`; `None` otherwise, or when the numerator overflows).
pub fn row(a: i64, b: i64, scale_bits: u32) -> Option<Row> {
    if b < 1 {
        return None;
    }
    let z = i64::try_from(((a as i128) << (scale_bits + 1)) + b as i128).ok()?;
    let q = i64::try_from(divide(a, b, scale_bits)).ok()?;
    let rem = z.checked_sub(q.checked_mul(2 * b)?)?;
    let slack = 2 * b - 1 - rem;
    let high = |v: i64| v.div_euclid(1 << scale_bits);
    Some(Row { z, q, rem, rem_high: high(rem), slack, slack_high: high(slack) })
}

/// A padded row: everything zero (the slack `2 b - 1 - rem + 1` with `b = rem = 0`).
pub const PADDED: Row = Row { z: 0, q: 0, rem: 0, rem_high: 0, slack: 0, slack_high: 0 };

/// The four lookups of the rows, in `Block::extra_inverses` order: the remainder's sign
/// `(high, 1, 0)` and low part `(rem - 2^s high, 0, 1)`, then the slack's.
pub fn lookups(rem: &[i64], rem_high: &[i64], slack: &[i64], slack_high: &[i64], scale_bits: u32) -> [Vec<[Fr; 3]>; 4] {
    let (zero, one, two_s) = (Fr::from(0u64), Fr::from(1u64), Fr::from(1u64 << scale_bits));
    let sign = |high: &[i64]| high.iter().map(|&h| [Fr::from(h), one, zero]).collect();
    let low = |v: &[i64], high: &[i64]| {
        v.iter().zip(high).map(|(&v, &h)| [Fr::from(v) - two_s * Fr::from(h), zero, one]).collect()
    };
    [sign(rem_high), low(rem, rem_high), sign(slack_high), low(slack, slack_high)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_half_up_with_the_remainder_in_range() {
        let s = 4;
        // 2^4 * 3 / 4 = 12 exactly; 2^4 * 1 / 3 = 5.33 -> 5; 2^4 * 1 / 32 = 0.5 -> 1; negative.
        for (a, b, q) in [(3, 4, 12), (1, 3, 5), (1, 32, 1), (-1, 3, -5), (-1, 32, 0), (0, 7, 0)] {
            let r = row(a, b, s).unwrap();
            assert_eq!(r.q, q, "{a}/{b}");
            assert_eq!(r.z, (a << (s + 1)) + b);
            assert_eq!(r.z, 2 * b * r.q + r.rem);
            assert!((0..2 * b).contains(&r.rem) && r.slack == 2 * b - 1 - r.rem && r.slack >= 0);
            assert_eq!(r.rem, (r.rem_high << s) + r.rem.rem_euclid(1 << s));
        }
        assert_eq!(row(1, 0, s), None);
        assert_eq!(row(1, -2, s), None);
    }
}
