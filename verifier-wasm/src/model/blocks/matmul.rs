//! The fixed-weight matmul block: `z = W a + b` by two running sums against `V = sum_i e_i W_i`
//! (`docs/protocols/blocks/matmul.md`); the prover's side is `zkml_prover::model::blocks::matmul`.

use ark_ff::Zero;

use super::super::constraints::{Algebra, Params, Poly};
use super::super::domain::interpolate_at;
use super::super::key::PublicWeight;
use crate::error::Error;
use crate::Fr;

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

/// `V(zeta)` for a layer whose weights the key publishes: `v_j = sum_i e_i W_ij` over the
/// published runs, interpolated over `H_n` at `zeta`, so no weight commitment and no MSM
/// (`docs/protocols/blocks/matmul.md`, "Public weights"). Each run adds `e_i w` to a range of
/// `v`: a difference array, so the work is `O(runs + n)` whatever the runs' lengths. `e` holds
/// at least one row weight per row.
pub fn public_v_at(weights: &[PublicWeight], e: &[Fr], n: usize, zeta: Fr) -> Result<Fr, Error> {
    let outside = || Error::BadKey("a public weight outside its layer");
    let mut diff = alloc::vec![Fr::zero(); n + 1];
    for w in weights {
        let (start, end) = (w.col as usize, (w.col as usize).checked_add(w.len as usize));
        let end = end.filter(|&end| start < end && end <= n).ok_or_else(outside)?;
        let x = *e.get(w.row as usize).ok_or_else(outside)? * w.value.to_fr();
        *diff.get_mut(start).ok_or_else(outside)? += x;
        *diff.get_mut(end).ok_or_else(outside)? -= x;
    }
    diff.truncate(n);
    let mut acc = Fr::zero();
    for d in diff.iter_mut() {
        acc += *d;
        *d = acc;
    }
    interpolate_at(&diff, n, zeta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Int;

    #[test]
    fn public_v_is_the_row_weighted_sum_of_the_runs() {
        let run = |row, col, len, value| PublicWeight { row, col, len, value: Int(value) };
        let runs = [run(0, 0, 4, 3), run(0, 6, 2, -1), run(1, 2, 5, 7), run(2, 7, 1, 2)];
        let e = [Fr::from(5u64), Fr::from(11u64), Fr::from(13u64)];
        let (n, zeta) = (8, Fr::from(12345u64));
        let mut v = alloc::vec![Fr::zero(); n];
        for w in &runs {
            for c in w.col..w.col + w.len {
                v[c as usize] += e[w.row as usize] * w.value.to_fr();
            }
        }
        assert_eq!(public_v_at(&runs, &e, n, zeta), interpolate_at(&v, n, zeta));
        // A run past the domain or a row without a weight is an error, never a panic.
        let bad = Err(Error::BadKey("a public weight outside its layer"));
        assert_eq!(public_v_at(&[run(0, 7, 2, 1)], &e, n, zeta), bad);
        assert_eq!(public_v_at(&[run(3, 0, 1, 1)], &e, n, zeta), bad);
        assert_eq!(public_v_at(&[run(0, u32::MAX, u32::MAX, 1)], &e, n, zeta), bad);
    }
}
