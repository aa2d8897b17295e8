//! Radix-2 evaluation domains `H_n = {ω^i}` and the few closed forms the verifier needs.
//! `L_i` is the Lagrange basis of `H_n` (`L_i(ω^j) = δ_ij`), the same convention as `ark-poly`.

use alloc::vec::Vec;
use ark_ff::{batch_inversion, FftField, Field, One, Zero};

use crate::error::Error;
use crate::Fr;

/// The generator `ω_n` of `H_n`; `n` must be a power of two the field supports.
pub fn root_of_unity(n: usize) -> Result<Fr, Error> {
    if !n.is_power_of_two() {
        return Err(Error::BadKey("domain size is not a power of two"));
    }
    Fr::get_root_of_unity(n as u64).ok_or(Error::BadKey("domain too large for the field"))
}

/// `Z_n(x) = x^n - 1`.
pub fn vanishing(n: usize, x: Fr) -> Fr {
    x.pow([n as u64]) - Fr::one()
}

/// `sum_i values[i] * L_i(x)` over `H_n` (missing values are 0), for `x` outside `H_n`.
pub fn interpolate_at(values: &[Fr], n: usize, x: Fr) -> Result<Fr, Error> {
    let basis = lagrange_basis(n, values.len(), x)?;
    Ok(values.iter().zip(&basis).filter(|(v, _)| !v.is_zero()).map(|(v, l)| *v * l).sum())
}

/// The first `count` Lagrange basis polynomials of `H_n` at `x` outside `H_n`:
/// `L_i(x) = ω^i (x^n - 1) / (n (x - ω^i))`.
pub fn lagrange_basis(n: usize, count: usize, x: Fr) -> Result<Vec<Fr>, Error> {
    if count > n {
        return Err(Error::BadKey("more values than domain points"));
    }
    let omega = root_of_unity(n)?;
    let z = vanishing(n, x);
    if z.is_zero() {
        return Err(Error::DegenerateChallenge);
    }
    let n_inv = Fr::from(n as u64).inverse().ok_or(Error::BadKey("empty domain"))?;
    let scale = z * n_inv;
    let mut w = Fr::one();
    let mut denoms = Vec::with_capacity(count);
    let mut omegas = Vec::with_capacity(count);
    for _ in 0..count {
        denoms.push(x - w);
        omegas.push(w);
        w *= omega;
    }
    batch_inversion(&mut denoms);
    Ok(denoms.iter().zip(&omegas).map(|(d, w)| scale * w * d).collect())
}

/// The selector of the padded rows of a layer of `rows` real rows, over `H_m`, at `zeta`:
/// `sum_{i >= rows} L_i(zeta) = 1 - sum_{i < rows} L_i(zeta)`, whichever sum is shorter (the
/// padded rows are fewer than `m / 2`: `m` is the power of two above `rows`).
pub fn padded_rows_at(rows: usize, m: usize, zeta: Fr) -> Result<Fr, Error> {
    if rows >= m {
        return Ok(Fr::zero());
    }
    // L_i(zeta) = omega^i (zeta^m - 1) / (m (zeta - omega^i)) for the padded i only.
    let omega = root_of_unity(m)?;
    let z = vanishing(m, zeta);
    let scale = z * Fr::from(m as u64).inverse().ok_or(Error::BadKey("empty domain"))?;
    let first = omega.pow([rows as u64]);
    let mut w = first;
    let mut denoms = Vec::with_capacity(m - rows);
    for _ in rows..m {
        denoms.push(zeta - w);
        w *= omega;
    }
    batch_inversion(&mut denoms);
    let mut w = first;
    let mut sum = Fr::zero();
    for d in denoms {
        sum += w * d;
        w *= omega;
    }
    Ok(scale * sum)
}

/// The row weights `e_0, ..., e_(count-1)` of a matmul's row combination for the challenge `r`
/// (`docs/protocols/blocks/matmul.md`): 128-bit integers read off Blake2b-512 of a label, `r`
/// and a block counter, four per block. Short weights make the verifier's combination of a
/// layer's weight rows an MSM with 128-bit scalars.
pub fn row_weights(r: Fr, count: usize) -> Vec<Fr> {
    short_weights(b"zkml/matmul/row-weights", r, count)
}

/// The token weights `s_0, ..., s_(count-1)` of a matmul applying one weight matrix to `count`
/// input rows (`docs/protocols/blocks/matmul.md`, "Shared weights"): the same expansion as
/// [`row_weights`] under another label, so the two sequences are independent.
pub fn token_weights(r: Fr, count: usize) -> Vec<Fr> {
    short_weights(b"zkml/matmul/token-weights", r, count)
}

/// The weights of a matmul's `m` output rows (`m` the padded side): [`row_weights`] for a layer
/// with its own weight per row (`batch = 1`); for `batch` input rows sharing one weight matrix
/// of `r = rows / batch` rows, `s_t e_i` for output row `t r + i`, so that only the shared
/// matrix's rows need a commitment each, and `e_k` on each padded row `k >= rows` (indices
/// above every `i < r`: independent weights, so that `z` is still 0 on padded rows).
pub fn matmul_row_weights(r: Fr, rows: usize, batch: usize, m: usize) -> Vec<Fr> {
    if batch <= 1 {
        return row_weights(r, m);
    }
    let (e, s) = (row_weights(r, m.max(rows)), token_weights(r, batch));
    let shared = e.get(..rows / batch).unwrap_or(&[]);
    let mut out: Vec<Fr> = s.iter().flat_map(|s| shared.iter().map(move |e| *s * e)).collect();
    out.extend(e.iter().skip(out.len()).take(m.saturating_sub(out.len())));
    out
}

/// The token weights at the input positions of a matmul whose `batch` input rows share one
/// weight matrix: `s_t` on positions `t c .. (t + 1) c` (`c = cols / batch`), 0 beyond, over a
/// domain of `n`.
pub fn token_values(r: Fr, cols: usize, batch: usize, n: usize) -> Vec<Fr> {
    let c = cols / batch.max(1);
    let mut out: Vec<Fr> = token_weights(r, batch).into_iter().flat_map(|s| core::iter::repeat_n(s, c)).collect();
    out.resize(n.max(out.len()), Fr::zero());
    out
}

fn short_weights(label: &[u8], r: Fr, count: usize) -> Vec<Fr> {
    use ark_ff::{BigInteger, PrimeField};
    use blake2::{Blake2b512, Digest as _};
    let seed = r.into_bigint().to_bytes_le();
    let mut out = Vec::with_capacity(count);
    let mut block = 0u64;
    while out.len() < count {
        let mut h = Blake2b512::new();
        h.update(label);
        h.update(&seed);
        h.update(block.to_le_bytes());
        let bytes = h.finalize();
        for chunk in bytes.chunks_exact(16).take(count - out.len()) {
            let le: [u8; 16] = chunk.try_into().unwrap_or([0; 16]);
            out.push(Fr::from(u128::from_le_bytes(le)));
        }
        block += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    fn lagrange_all(n: usize, x: Fr) -> Vec<Fr> {
        (0..n)
            .map(|i| {
                let mut one = vec![Fr::zero(); n];
                one[i] = Fr::one();
                interpolate_at(&one, n, x).unwrap()
            })
            .collect()
    }

    #[test]
    fn interpolation_agrees_with_the_basis_definition() {
        let mut rng = test_rng();
        let n = 8;
        let omega = root_of_unity(n).unwrap();
        let x = Fr::rand(&mut rng);
        // L_i(x) = prod_{j != i} (x - w^j) / (w^i - w^j)
        for i in 0..n {
            let wi = omega.pow([i as u64]);
            let mut l = Fr::one();
            for j in (0..n).filter(|&j| j != i) {
                let wj = omega.pow([j as u64]);
                l *= (x - wj) / (wi - wj);
            }
            assert_eq!(lagrange_all(n, x)[i], l);
        }
        assert_eq!(lagrange_basis(n, 5, x).unwrap(), lagrange_all(n, x)[..5]);
        assert_eq!(lagrange_basis(n, 9, x), Err(Error::BadKey("more values than domain points")));
        assert_eq!(lagrange_basis(n, 3, omega), Err(Error::DegenerateChallenge));
    }

    #[test]
    fn row_weights_are_short_prefix_stable_and_bound_to_r() {
        use ark_ff::{BigInteger, PrimeField};
        let mut rng = test_rng();
        let r = Fr::rand(&mut rng);
        let e = row_weights(r, 11);
        assert_eq!(e.len(), 11);
        assert!(e.iter().all(|w| w.into_bigint().num_bits() <= 128));
        // Distinct, prefix-stable (a smaller domain reads the first weights), and another r gives
        // others.
        assert!(e.iter().enumerate().all(|(i, a)| e.iter().skip(i + 1).all(|b| a != b)));
        assert_eq!(row_weights(r, 5), e[..5]);
        assert!(row_weights(r + Fr::one(), 11).iter().zip(&e).all(|(a, b)| a != b));
        assert!(row_weights(r, 0).is_empty());
    }

    #[test]
    fn the_padded_rows_selector_sums_only_the_padded_rows() {
        let zeta = Fr::from(12345u64);
        for (rows, m) in [(5, 8), (8, 8), (3, 4), (17, 32), (1, 2)] {
            let ones: Vec<Fr> = (0..m).map(|i| if i < rows { Fr::zero() } else { Fr::one() }).collect();
            assert_eq!(padded_rows_at(rows, m, zeta), interpolate_at(&ones, m, zeta), "{rows} of {m}");
        }
    }
}
