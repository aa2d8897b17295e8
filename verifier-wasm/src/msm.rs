//! The verifier's multi-scalar multiplication in G1 in WebAssembly ([`g1_msm`] picks it there, and
//! arkworks' natively): each layer's weight rows combined by the 128-bit row weights
//! (`model/verify.rs`), and the one MSM per G2 point of the final pairing batch (`pairing.rs`).
//!
//! Pippenger's bucket method with signed windows, where each bucket's points are summed with
//! affine additions in a balanced tree, one tree level for all buckets at a time, so that a single
//! field inversion (Montgomery's batch inversion) serves every addition of the level: about 6 field
//! multiplications per addition instead of the 11 of a mixed projective addition. Several MSMs run
//! together ([`msm_many`]): every window of every instance shares those inversions, and the
//! buckets of every window are combined by running sums in affine coordinates too, one step for
//! all windows at a time. Small inputs go to arkworks' MSM. The result is exactly `sum_i s_i P_i`; tests compare it with arkworks' on
//! inputs with repeated and opposite points, points at infinity and extreme scalars.

use alloc::vec;
use alloc::vec::Vec;
use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField, Zero};

use crate::Fr;

/// `sum_i scalars[i] * bases[i]` (slices of one length): [`msm`] in WebAssembly (one thread, slow
/// 64-bit products), natively arkworks' (parallel when the host crate enables it). `None` when the
/// lengths differ.
pub fn g1_msm(bases: &[G1Affine], scalars: &[Fr]) -> Option<G1Projective> {
    g1_msms(&[(bases, scalars)]).and_then(|mut v| v.pop())
}

/// Several MSMs at once: [`msm_many`] in WebAssembly, where the instances share every batch
/// inversion (a model's weight rows of every layer; the G1 sides of a pairing batch); natively
/// arkworks' for each. `None` when an instance's lengths differ.
pub fn g1_msms(instances: &[(&[G1Affine], &[Fr])]) -> Option<Vec<G1Projective>> {
    if instances.iter().any(|(b, s)| b.len() != s.len()) {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    return Some(msm_many(instances));
    #[cfg(not(target_arch = "wasm32"))]
    return instances.iter().map(|(b, s)| G1Projective::msm(b, s).ok()).collect();
}

/// Below this many terms arkworks' MSM is used as is.
pub(crate) const SMALL: usize = 32;

/// Fewest chains in a group for their buckets to be combined by affine running sums (two batch
/// inversions per step, shared by the group's chains); fewer take projective additions.
const AFFINE_RUNNING_SUMS: usize = 16;

/// Most bucket slots (points sorted into buckets) held at once: windows are processed in groups of
/// about this many slots (about 18 MB), so that a large key's rows do not all sit in memory
/// `windows` times over.
const GROUP_SLOTS: usize = 1 << 18;

/// `sum_i scalars[i] * bases[i]` over the common length of the two slices.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    msm_many(&[(bases, scalars)]).pop().unwrap_or_default()
}

/// One MSM of [`msm_many`] on the bucket path: its non-trivial terms, its window width and its
/// signed digits, window by window.
struct Plan {
    instance: usize,
    terms: Vec<G1Affine>,
    c: usize,
    digits: Vec<Vec<i32>>,
}

/// `sum_i s_i P_i` for every instance `(bases, scalars)` (over the common length of its two
/// slices), computed together: the windows of every instance (one bucket-sorting "chain" per
/// window) share each batch inversion, both while the buckets are summed and while each chain's
/// buckets are combined into its window sum (`sum_b (b + 1) bucket_b` by running sums, in affine
/// coordinates, one addition per chain per step). Instances with fewer than [`SMALL`] terms go
/// to arkworks' MSM.
pub fn msm_many(instances: &[(&[G1Affine], &[Fr])]) -> Vec<G1Projective> {
    msm_grouped(instances, GROUP_SLOTS)
}

/// [`msm_many`] with windows processed in groups of about `group_slots` bucket slots.
fn msm_grouped(instances: &[(&[G1Affine], &[Fr])], group_slots: usize) -> Vec<G1Projective> {
    let mut out = vec![G1Projective::zero(); instances.len()];
    let mut plans = Vec::new();
    for (k, (bases, scalars)) in instances.iter().enumerate() {
        let (terms, big): (Vec<G1Affine>, Vec<<Fr as PrimeField>::BigInt>) = bases
            .iter()
            .zip(scalars.iter())
            .filter(|(p, s)| !p.is_zero() && !s.is_zero())
            .map(|(p, s)| (*p, s.into_bigint()))
            .unzip();
        if terms.len() < SMALL {
            if let Some(o) = out.get_mut(k) {
                *o = G1Projective::msm_bigint(&terms, &big);
            }
            continue;
        }
        // Short scalars (the row weights are 128-bit, inputs shorter) need fewer windows.
        let bits = big.iter().map(|s| s.num_bits()).max().unwrap_or(0) as usize;
        let c = window_bits(terms.len(), bits);
        // Signed digits in [-2^(c-1), 2^(c-1)): one window more than the bits, for the last carry.
        let windows = bits.div_ceil(c) + 1;
        let mut carry = vec![false; terms.len()];
        let digits = (0..windows)
            .map(|w| {
                big.iter()
                    .zip(carry.iter_mut())
                    .map(|(s, cy)| {
                        let (d, next) = digit(s, w * c, c, *cy);
                        *cy = next;
                        d
                    })
                    .collect()
            })
            .collect();
        plans.push(Plan { instance: k, terms, c, digits });
    }
    // Every (plan, window) chain, in groups of about GROUP_SLOTS bucket slots.
    let chains: Vec<(usize, usize)> =
        plans.iter().enumerate().flat_map(|(p, plan)| (0..plan.digits.len()).map(move |w| (p, w))).collect();
    let mut sums: Vec<Vec<G1Affine>> = plans.iter().map(|p| vec![G1Affine::zero(); p.digits.len()]).collect();
    let mut group: Vec<(usize, usize)> = Vec::new();
    let mut slots = 0usize;
    for (i, &(p, w)) in chains.iter().enumerate() {
        group.push((p, w));
        slots += plans.get(p).map_or(0, |x| x.terms.len());
        if slots >= group_slots || i + 1 == chains.len() {
            for ((p, w), sum) in group.iter().zip(window_sums(&plans, &group)) {
                if let Some(s) = sums.get_mut(*p).and_then(|v| v.get_mut(*w)) {
                    *s = sum;
                }
            }
            group.clear();
            slots = 0;
        }
    }
    // Horner from each plan's top window: sum_w 2^(w c) S_w.
    for (plan, windows) in plans.iter().zip(&sums) {
        let mut acc = G1Projective::zero();
        for s in windows.iter().rev() {
            for _ in 0..plan.c {
                acc.double_in_place();
            }
            acc += s;
        }
        if let Some(o) = out.get_mut(plan.instance) {
            *o = acc;
        }
    }
    out
}

/// The window sums `sum_i digit_i P_i` of the chains `(plan, window)`: every chain's points sorted
/// into buckets by `|digit|` (negated for negative digits) in one array, every bucket summed by
/// [`sum_buckets`], then every chain's `sum_b (b + 1) bucket_b` by running sums, all chains in
/// step.
fn window_sums(plans: &[Plan], chains: &[(usize, usize)]) -> Vec<G1Affine> {
    let bucket = |d: i32| usize::try_from(d.unsigned_abs()).ok().and_then(|m| m.checked_sub(1));
    // Counting sort, chain by chain: chain k's bucket b is global bucket first[k] + b.
    let mut start: Vec<usize> = Vec::new();
    let mut first: Vec<(usize, usize)> = Vec::with_capacity(chains.len());
    let mut total = 0usize;
    for &(p, w) in chains {
        let (Some(plan), Some(digits)) = (plans.get(p), plans.get(p).and_then(|x| x.digits.get(w))) else {
            first.push((start.len(), 0));
            continue;
        };
        let buckets = 1usize << (plan.c - 1);
        let mut count = vec![0usize; buckets];
        for b in digits.iter().filter_map(|&d| bucket(d)) {
            if let Some(x) = count.get_mut(b) {
                *x += 1;
            }
        }
        first.push((start.len(), buckets));
        for n in count {
            start.push(total);
            total += n;
        }
    }
    let mut points = vec![G1Affine::zero(); total];
    let mut next = start.clone();
    for (&(p, w), &(f, _)) in chains.iter().zip(&first) {
        let Some(plan) = plans.get(p) else { continue };
        let Some(digits) = plan.digits.get(w) else { continue };
        for (pt, &d) in plan.terms.iter().zip(digits) {
            let Some(b) = bucket(d) else { continue };
            if let Some(slot) = next.get_mut(f + b) {
                if let Some(q) = points.get_mut(*slot) {
                    *q = if d < 0 { -*pt } else { *pt };
                }
                *slot += 1;
            }
        }
    }
    let mut lens: Vec<usize> = start.iter().zip(next.iter()).map(|(s, e)| e - s).collect();
    sum_buckets(&mut points, &start, &mut lens);
    // The bucket sums (zero for an empty bucket).
    let summed = |g: usize| match lens.get(g) {
        Some(1) => start.get(g).and_then(|&s| points.get(s)).copied().unwrap_or_else(G1Affine::zero),
        _ => G1Affine::zero(),
    };
    if chains.len() < AFFINE_RUNNING_SUMS {
        // Too few chains to share the two inversions of each step: projective running sums.
        return first
            .iter()
            .map(|&(f, buckets)| {
                let (mut running, mut total) = (G1Projective::zero(), G1Projective::zero());
                for b in (0..buckets).rev() {
                    running += summed(f + b);
                    total += running;
                }
                total.into_affine()
            })
            .collect();
    }
    // Running sums from the top bucket of every chain at once: running += bucket_b, then
    // total += running, two batched additions per step.
    let mut running = vec![G1Affine::zero(); chains.len()];
    let mut sums = vec![G1Affine::zero(); chains.len()];
    let steps = first.iter().map(|&(_, b)| b).max().unwrap_or(0);
    let mut pairs: Vec<(G1Affine, G1Affine)> = Vec::new();
    let mut who: Vec<usize> = Vec::new();
    let mut scratch = (Vec::new(), Vec::new());
    for t in 0..steps {
        pairs.clear();
        who.clear();
        for (k, &(f, buckets)) in first.iter().enumerate() {
            let Some(b) = buckets.checked_sub(t + 1) else { continue };
            let p = summed(f + b);
            if !p.is_zero() {
                pairs.extend(running.get(k).map(|r| (*r, p)));
                who.push(k);
            }
        }
        for (k, r) in who.iter().zip(add_pairs(&pairs, &mut scratch)) {
            if let Some(x) = running.get_mut(*k) {
                *x = *r;
            }
        }
        pairs.clear();
        who.clear();
        for (k, &(_, buckets)) in first.iter().enumerate() {
            let r = running.get(k).copied().unwrap_or_else(G1Affine::zero);
            if t < buckets && !r.is_zero() {
                pairs.extend(sums.get(k).map(|s| (*s, r)));
                who.push(k);
            }
        }
        for (k, r) in who.iter().zip(add_pairs(&pairs, &mut scratch)) {
            if let Some(x) = sums.get_mut(*k) {
                *x = *r;
            }
        }
    }
    sums
}

/// The window width for `n` scalars of `bits` bits minimising `windows * (6 n + 12 * 2^(c-1))`
/// (affine additions at about 6 multiplications each, two per bucket to combine the buckets).
fn window_bits(n: usize, bits: usize) -> usize {
    (4..=16)
        .min_by_key(|&c| {
            let windows = bits.div_ceil(c) + 1;
            windows.saturating_mul(n.saturating_mul(6).saturating_add(12 << (c - 1)))
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

/// Sums each bucket's points (bucket `b`: `points[start[b]..start[b] + lens[b]]`) into its first
/// slot, leaving `lens[b]` at 0 or 1: pairs are added level by level, every bucket's at once, with
/// one batch inversion per level.
fn sum_buckets(points: &mut [G1Affine], start: &[usize], lens: &mut [usize]) {
    let mut pairs: Vec<(G1Affine, G1Affine)> = Vec::new();
    let mut to: Vec<usize> = Vec::new();
    let mut scratch = (Vec::new(), Vec::new());
    loop {
        // Pair j of a bucket adds its slots 2j and 2j + 1 into slot j.
        pairs.clear();
        to.clear();
        for (&s, &len) in start.iter().zip(lens.iter()) {
            let slots = points.get(s..s + len).unwrap_or(&[]);
            for (ab, t) in slots.chunks_exact(2).zip(s..) {
                if let [a, b] = ab {
                    pairs.push((*a, *b));
                    to.push(t);
                }
            }
        }
        if pairs.is_empty() {
            return;
        }
        for (t, r) in to.iter().zip(add_pairs(&pairs, &mut scratch)) {
            if let Some(slot) = points.get_mut(*t) {
                *slot = *r;
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

/// `a + b` for every pair, with one batch inversion for all of them (`scratch`: reused buffers
/// for the denominators and the results, which the returned slice borrows).
fn add_pairs<'a>(pairs: &[(G1Affine, G1Affine)], scratch: &'a mut (Vec<Fq>, Vec<G1Affine>)) -> &'a [G1Affine] {
    let (denominators, sums) = scratch;
    // The slope's denominator of each pair: x2 - x1, 2 y for a doubling, 1 when no slope is
    // needed (a point at infinity, or P + (-P)).
    denominators.clear();
    denominators.extend(pairs.iter().map(|(a, b)| match (a.is_zero(), b.is_zero()) {
        (false, false) if a.x != b.x => b.x - a.x,
        (false, false) if a.y == b.y && !a.y.is_zero() => a.y.double(),
        _ => Fq::ONE,
    }));
    batch_inverse(denominators);
    sums.clear();
    sums.extend(pairs.iter().zip(denominators.iter()).map(|((a, b), inv)| add(*a, *b, *inv)));
    sums
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
    fn several_instances_together_agree_with_arkworks() {
        let mut rng = test_rng();
        // Sizes below and above SMALL, an empty one, and 128-bit, full and 13-bit scalars, so that
        // the chains differ in window width and number of buckets.
        let sizes = [0usize, 3, SMALL - 1, SMALL, 200, 1500, 700];
        let bases: Vec<Vec<G1Affine>> =
            sizes.iter().map(|&n| (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect()).collect();
        let scalars: Vec<Vec<Fr>> = sizes
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                (0..n)
                    .map(|_| match k % 3 {
                        0 => Fr::rand(&mut rng),
                        1 => Fr::from(u128::rand(&mut rng)),
                        _ => Fr::from(u64::rand(&mut rng) % 8192),
                    })
                    .collect()
            })
            .collect();
        let instances: Vec<(&[G1Affine], &[Fr])> =
            bases.iter().zip(&scalars).map(|(b, s)| (b.as_slice(), s.as_slice())).collect();
        let together = msm_many(&instances);
        for ((b, s), got) in instances.iter().zip(together) {
            assert_eq!(got, reference(b, s), "{} terms", b.len());
        }
        // In groups small enough that chains are split across groups, and groups of fewer chains
        // than AFFINE_RUNNING_SUMS take the projective running sums.
        for group_slots in [1, 2000, 20_000] {
            for ((b, s), got) in instances.iter().zip(msm_grouped(&instances, group_slots)) {
                assert_eq!(got, reference(b, s), "{} terms, groups of {group_slots} slots", b.len());
            }
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
