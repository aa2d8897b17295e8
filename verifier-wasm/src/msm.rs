//! The verifier's multi-scalar multiplication in G1 in WebAssembly ([`g1_msm`] picks it there, and
//! arkworks' natively): each layer's weight rows combined by the 128-bit row weights
//! (`model/verify.rs`), and the one MSM per G2 point of the final pairing batch (`pairing.rs`).
//!
//! Pippenger's bucket method with signed windows, where each bucket's points are summed with
//! affine additions in a balanced tree, one tree level for all buckets at a time, so that a single
//! field inversion (Montgomery's batch inversion) serves every addition of the level: about 6 field
//! multiplications per addition instead of the 11 of a mixed projective addition. Small inputs go
//! to arkworks' MSM. The result is exactly `sum_i s_i P_i`; tests compare it with arkworks' on
//! inputs with repeated and opposite points, points at infinity and extreme scalars.

use alloc::vec;
use alloc::vec::Vec;
use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField, Zero};

use crate::Fr;

/// `sum_i scalars[i] * bases[i]` (slices of one length): [`msm`] in WebAssembly (one thread, slow
/// 64-bit products), where it is about 1.4x faster than arkworks' on a convolution's weight rows;
/// natively arkworks' (parallel when the host crate enables it). `None` when the lengths differ.
pub fn g1_msm(bases: &[G1Affine], scalars: &[Fr]) -> Option<G1Projective> {
    if bases.len() != scalars.len() {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    return Some(msm(bases, scalars));
    #[cfg(not(target_arch = "wasm32"))]
    return G1Projective::msm(bases, scalars).ok();
}

/// Below this many terms arkworks' MSM is used as is.
pub(crate) const SMALL: usize = 128;

/// `sum_i scalars[i] * bases[i]` over the common length of the two slices.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let terms: Vec<(G1Affine, <Fr as PrimeField>::BigInt)> = bases
        .iter()
        .zip(scalars)
        .filter(|(p, s)| !p.is_zero() && !s.is_zero())
        .map(|(p, s)| (*p, s.into_bigint()))
        .collect();
    if terms.len() < SMALL {
        let (b, s): (Vec<G1Affine>, Vec<<Fr as PrimeField>::BigInt>) = terms.into_iter().unzip();
        return G1Projective::msm_bigint(&b, &s);
    }
    // Short scalars (the row weights are 128-bit) need fewer windows.
    let bits = terms.iter().map(|(_, s)| s.num_bits()).max().unwrap_or(0) as usize;
    let c = window_bits(terms.len(), bits);
    // Signed digits in [-2^(c-1), 2^(c-1)): one window more than the bits, for the last carry.
    let windows = bits.div_ceil(c) + 1;
    let mut carry = vec![false; terms.len()];
    let mut digits = vec![0i32; terms.len()];
    let mut sums = Vec::with_capacity(windows);
    for w in 0..windows {
        for ((d, cy), (_, s)) in digits.iter_mut().zip(carry.iter_mut()).zip(&terms) {
            (*d, *cy) = digit(s, w * c, c, *cy);
        }
        sums.push(window_sum(&terms, &digits, c));
    }
    // Horner from the top window: sum_w 2^(w c) S_w.
    let mut acc = G1Projective::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += s;
    }
    acc
}

/// The window width for `n` scalars of `bits` bits minimising `windows * (6 n + 23 * 2^(c-1))` (affine additions at about 6
/// multiplications each, two projective additions per bucket at about 23).
fn window_bits(n: usize, bits: usize) -> usize {
    (4..=16)
        .min_by_key(|&c| {
            let windows = bits.div_ceil(c) + 1;
            windows.saturating_mul(n.saturating_mul(6).saturating_add(23 << (c - 1)))
        })
        .unwrap_or(8)
}

/// The signed digit of window `[start, start + c)` of `s` (`c <= 16`) with the carry from the
/// window below, and the carry to the next: digits lie in `[-2^(c-1), 2^(c-1))`.
fn digit(s: &<Fr as PrimeField>::BigInt, start: usize, c: usize, carry: bool) -> (i32, bool) {
    let limbs = s.as_ref();
    let (limb, shift) = (start / 64, start % 64);
    let lo = limbs.get(limb).map_or(0, |&l| l >> shift);
    let hi = match shift {
        0 => 0,
        _ => limbs.get(limb + 1).map_or(0, |&l| l << (64 - shift)),
    };
    // At most 2^16: fits an i32.
    let raw = i32::try_from((lo | hi) & ((1u64 << c) - 1)).unwrap_or(0) + i32::from(carry);
    match raw >= 1 << (c - 1) {
        true => (raw - (1 << c), true),
        false => (raw, false),
    }
}

/// `sum_i digits[i] * P_i` for one window: points sorted into buckets by `|digit|` (negated
/// for negative digits), each bucket summed by [`sum_buckets`], then
/// `sum_b (b + 1) * bucket_b` by running sums.
fn window_sum(terms: &[(G1Affine, <Fr as PrimeField>::BigInt)], digits: &[i32], c: usize) -> G1Projective {
    let buckets = 1usize << (c - 1);
    let bucket = |d: i32| usize::try_from(d.unsigned_abs()).ok().and_then(|m| m.checked_sub(1));
    // Counting sort by bucket; bucket b holds the points whose digit is ±(b + 1).
    let mut start = vec![0usize; buckets + 1];
    for b in digits.iter().filter_map(|&d| bucket(d)) {
        if let Some(x) = start.get_mut(b + 1) {
            *x += 1;
        }
    }
    for b in 1..=buckets {
        let below = start.get(b - 1).copied().unwrap_or(0);
        if let Some(x) = start.get_mut(b) {
            *x += below;
        }
    }
    let mut points = vec![G1Affine::zero(); start.last().copied().unwrap_or(0)];
    let mut next = start.clone();
    for ((p, _), &d) in terms.iter().zip(digits) {
        let Some(b) = bucket(d) else { continue };
        if let Some(slot) = next.get_mut(b) {
            if let Some(q) = points.get_mut(*slot) {
                *q = if d < 0 { -*p } else { *p };
            }
            *slot += 1;
        }
    }
    start.truncate(buckets);
    let mut lens: Vec<usize> = start.iter().zip(next.iter()).map(|(s, e)| e - s).collect();
    sum_buckets(&mut points, &start, &mut lens);
    let (mut running, mut total) = (G1Projective::zero(), G1Projective::zero());
    for (s, len) in start.iter().zip(&lens).rev() {
        if *len == 1 {
            if let Some(p) = points.get(*s) {
                running += p;
            }
        }
        total += running;
    }
    total
}

/// Sums each bucket's points (bucket `b`: `points[start[b]..start[b] + lens[b]]`) into its first
/// slot, leaving `lens[b]` at 0 or 1: pairs are added level by level with one batch inversion per
/// level.
fn sum_buckets(points: &mut [G1Affine], start: &[usize], lens: &mut [usize]) {
    let mut pairs: Vec<(G1Affine, G1Affine, usize)> = Vec::new();
    let mut denominators: Vec<Fq> = Vec::new();
    loop {
        // Pair j of a bucket adds its slots 2j and 2j + 1 into slot j.
        pairs.clear();
        for (&s, &len) in start.iter().zip(lens.iter()) {
            let slots = points.get(s..s + len).unwrap_or(&[]);
            pairs.extend(slots.chunks_exact(2).zip(s..).filter_map(|(ab, to)| match ab {
                [a, b] => Some((*a, *b, to)),
                _ => None,
            }));
        }
        if pairs.is_empty() {
            return;
        }
        // The slope's denominator of each pair: x2 - x1, 2 y for a doubling, 1 when no slope is
        // needed (a point at infinity, or P + (-P)).
        denominators.clear();
        denominators.extend(pairs.iter().map(|(a, b, _)| match (a.is_zero(), b.is_zero()) {
            (false, false) if a.x != b.x => b.x - a.x,
            (false, false) if a.y == b.y && !a.y.is_zero() => a.y.double(),
            _ => Fq::ONE,
        }));
        batch_inverse(&mut denominators);
        for ((a, b, to), inv) in pairs.iter().zip(&denominators) {
            if let Some(slot) = points.get_mut(*to) {
                *slot = add(*a, *b, *inv);
            }
        }
        // An odd bucket's last point follows its sums.
        for (&s, len) in start.iter().zip(lens.iter_mut()) {
            let half = *len / 2;
            if *len % 2 == 1 {
                if let Some(last) = points.get(s + *len - 1).copied() {
                    if let Some(slot) = points.get_mut(s + half) {
                        *slot = last;
                    }
                }
            }
            *len = half + *len % 2;
        }
    }
}

/// Montgomery multiplication in `Fq` with 32-bit limbs (CIOS), on the same representation as
/// arkworks' (`R = 2^256`), so the result is bit-identical to `a * b`. In WebAssembly a 32-bit
/// product is one instruction where arkworks' 64-bit limbs need a 128-bit product (a library
/// call); natively arkworks' own is faster and is used.
///
/// The indices are loop counters below the fixed lengths of the arrays they index, and each
/// `as u32` keeps the low half of a 64-bit sum on purpose: nothing here can panic.
#[cfg(any(target_arch = "wasm32", test))]
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
fn mul32(a: &Fq, b: &Fq) -> Fq {
    /// The modulus, 32-bit limbs little-endian, and `-p^-1 mod 2^32`.
    const P: [u32; 8] =
        [0xd87cfd47, 0x3c208c16, 0x6871ca8d, 0x97816a91, 0x8181585d, 0xb85045b6, 0xe131a029, 0x30644e72];
    const INV: u32 = 0xe4866389;
    let limbs = |x: &Fq| -> [u32; 8] {
        let l = (x.0).0;
        core::array::from_fn(|i| {
            let w = l.get(i / 2).copied().unwrap_or(0);
            // Low then high half of each 64-bit limb.
            u32::try_from((w >> (32 * (i % 2))) & 0xffff_ffff).unwrap_or(0)
        })
    };
    let (a, b) = (limbs(a), limbs(b));
    let mut t = [0u32; 10];
    for &bi in &b {
        let mut c = 0u64;
        for (tj, &aj) in t.iter_mut().zip(&a) {
            let s = u64::from(*tj) + u64::from(aj) * u64::from(bi) + c;
            *tj = s as u32;
            c = s >> 32;
        }
        let s = u64::from(t[8]) + c;
        t[8] = s as u32;
        t[9] = (s >> 32) as u32;
        let m = t[0].wrapping_mul(INV);
        let mut c = (u64::from(t[0]) + u64::from(m) * u64::from(P[0])) >> 32;
        for j in 1..8 {
            let s = u64::from(t[j]) + u64::from(m) * u64::from(P[j]) + c;
            t[j - 1] = s as u32;
            c = s >> 32;
        }
        let s = u64::from(t[8]) + c;
        t[7] = s as u32;
        t[8] = t[9] + (s >> 32) as u32;
        t[9] = 0;
    }
    // t < 2p: subtract p once when t >= p.
    let mut r = [0u32; 8];
    let mut borrow = 0i64;
    for j in 0..8 {
        let d = i64::from(t[j]) - i64::from(P[j]) - borrow;
        r[j] = d as u32;
        borrow = i64::from(d < 0);
    }
    let out = if t[8] != 0 || borrow == 0 { r } else { core::array::from_fn(|j| t[j]) };
    let mut l = [0u64; 4];
    for (i, w) in l.iter_mut().enumerate() {
        *w = u64::from(out[2 * i]) | (u64::from(out[2 * i + 1]) << 32);
    }
    Fq::new_unchecked(ark_ff::BigInt(l))
}

/// `a * b` in `Fq`: [`mul32`] in WebAssembly (and in this module's tests, so that they check the
/// MSM WebAssembly runs), arkworks' natively.
#[inline]
fn mul(a: &Fq, b: &Fq) -> Fq {
    #[cfg(any(target_arch = "wasm32", test))]
    return mul32(a, b);
    #[cfg(not(any(target_arch = "wasm32", test)))]
    return *a * b;
}

/// `a + b`, given the inverse of the slope's denominator that [`sum_buckets`] chose for them.
fn add(a: G1Affine, b: G1Affine, inv: Fq) -> G1Affine {
    if a.is_zero() {
        return b;
    }
    if b.is_zero() {
        return a;
    }
    let lambda = if a.x != b.x {
        mul(&(b.y - a.y), &inv)
    } else if a.y == b.y && !a.y.is_zero() {
        // Doubling (the curve's a = 0): 3 x^2 / 2 y.
        let xx = mul(&a.x, &a.x);
        mul(&(xx.double() + xx), &inv)
    } else {
        return G1Affine::zero();
    };
    let x = mul(&lambda, &lambda) - a.x - b.x;
    let y = mul(&lambda, &(a.x - x)) - a.y;
    G1Affine::new_unchecked(x, y)
}

/// Replaces every element by its inverse (none is zero: [`sum_buckets`] writes 1 where no slope
/// is needed, and `x2 - x1`, `2 y` are non-zero where it writes them).
fn batch_inverse(v: &mut [Fq]) {
    let mut prefix = Vec::with_capacity(v.len());
    let mut acc = Fq::ONE;
    for x in v.iter() {
        prefix.push(acc);
        acc = mul(&acc, x);
    }
    let mut inv = acc.inverse().unwrap_or(Fq::ZERO);
    for (x, p) in v.iter_mut().zip(prefix).rev() {
        let next = mul(&inv, x);
        *x = mul(&inv, &p);
        inv = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    fn reference(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
        G1Projective::msm(bases, scalars).unwrap()
    }

    #[test]
    fn agrees_with_arkworks_on_awkward_inputs() {
        let mut rng = test_rng();
        for n in [0usize, 1, 5, 127, 128, 129, 300, 2000, 9000] {
            let mut bases: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            // Repeated points (doublings in a bucket), opposite points (P + (-P)), points at
            // infinity, zero, one, minus one and small scalars.
            for i in (0..n).step_by(7) {
                let j = (i * 13 + 5) % n;
                bases[j] = bases[i];
                scalars[j] = scalars[i];
            }
            for i in (3..n).step_by(11) {
                bases[i] = -bases[i - 3];
                scalars[i] = scalars[i - 3];
            }
            for i in (1..n).step_by(17) {
                bases[i] = G1Affine::zero();
            }
            for (k, i) in (2..n).step_by(19).enumerate() {
                scalars[i] = [Fr::zero(), Fr::from(1u64), -Fr::from(1u64), Fr::from(3u64)][k % 4];
            }
            assert_eq!(msm(&bases, &scalars), reference(&bases, &scalars), "n = {n}");
            // 128-bit scalars (the row weights'): fewer windows.
            let short: Vec<Fr> = scalars
                .iter()
                .map(|s| Fr::from(s.into_bigint().0[0] as u128 | (s.into_bigint().0[1] as u128) << 64))
                .collect();
            assert_eq!(msm(&bases, &short), reference(&bases, &short), "n = {n}, 128-bit");
        }
    }

    #[test]
    fn one_point_many_times_and_sums_to_zero() {
        let mut rng = test_rng();
        let p = G1Projective::rand(&mut rng).into_affine();
        // 500 copies with the same scalar: every bucket adds equal points (doublings).
        let s = Fr::rand(&mut rng);
        let (bases, scalars) = (vec![p; 500], vec![s; 500]);
        assert_eq!(msm(&bases, &scalars), reference(&bases, &scalars));
        // s P + (-s) P, 300 times: zero.
        let bases: Vec<G1Affine> = (0..600).map(|i| if i % 2 == 0 { p } else { -p }).collect();
        let scalars = vec![s; 600];
        assert!(msm(&bases, &scalars).is_zero());
        // Extreme scalars: r - 1 and 2^k.
        let mut scalars: Vec<Fr> = (0..300).map(|k| Fr::from(2u64).pow([k as u64])).collect();
        scalars[0] = -Fr::from(1u64);
        let bases: Vec<G1Affine> = (0..300).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        assert_eq!(msm(&bases, &scalars), reference(&bases, &scalars));
    }

    #[test]
    fn mul32_is_arkworks_multiplication() {
        let mut rng = test_rng();
        let edge = [Fq::ZERO, Fq::ONE, -Fq::ONE, Fq::from(2u64), -Fq::from(2u64)];
        let values: Vec<Fq> = edge.iter().copied().chain((0..2000).map(|_| Fq::rand(&mut rng))).collect();
        for a in values {
            let b = Fq::rand(&mut rng);
            assert_eq!(mul32(&a, &b), a * b);
            assert_eq!(mul32(&a, &a), a.square());
            for e in edge {
                assert_eq!(mul32(&a, &e), a * e);
            }
        }
    }

    #[test]
    fn digits_recompose_the_scalar() {
        let mut rng = test_rng();
        for c in [4usize, 7, 11, 16] {
            let s = Fr::rand(&mut rng).into_bigint();
            let windows = (Fr::MODULUS_BIT_SIZE as usize).div_ceil(c) + 1;
            let (mut carry, mut value) = (false, Fr::zero());
            for w in 0..windows {
                let (d, next) = digit(&s, w * c, c, carry);
                carry = next;
                assert!(-(1 << (c - 1)) <= d && d < 1 << (c - 1));
                let d = if d < 0 { -Fr::from(u64::from(d.unsigned_abs())) } else { Fr::from(d as u64) };
                value += d * Fr::from(2u64).pow([(w * c) as u64]);
            }
            assert!(!carry);
            assert_eq!(value.into_bigint(), s, "c = {c}");
        }
    }
}
