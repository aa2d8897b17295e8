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

/// The Lagrange kernel `K_r(x) = sum_i L_i(r) L_i(x)` over `H_m`, in closed form:
/// `(r Z(x) - x Z(r)) / (m (x - r))`. Both `r` and `x` must lie outside `H_m` and differ.
pub fn lagrange_kernel(m: usize, r: Fr, x: Fr) -> Result<Fr, Error> {
    let (zr, zx) = (vanishing(m, r), vanishing(m, x));
    if zr.is_zero() || zx.is_zero() {
        return Err(Error::DegenerateChallenge);
    }
    let denom = (Fr::from(m as u64) * (x - r)).inverse().ok_or(Error::DegenerateChallenge)?;
    Ok((r * zx - x * zr) * denom)
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
    fn kernel_matches_the_sum() {
        let mut rng = test_rng();
        for m in [1usize, 2, 16] {
            let (r, x) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let sum: Fr = lagrange_all(m, r).iter().zip(lagrange_all(m, x)).map(|(a, b)| *a * b).sum();
            assert_eq!(lagrange_kernel(m, r, x).unwrap(), sum);
        }
    }
}
