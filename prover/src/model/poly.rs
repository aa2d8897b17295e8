//! Polynomial helpers for the model prover: interpolation over radix-2 domains, Z_H blinding,
//! running sums and coset evaluation.

use ark_bn254::Fr;
use ark_ff::{batch_inversion, FftField, Field, One, Zero};
use ark_poly::univariate::DensePolynomial;
use ark_poly::{DenseUVPolynomial, EvaluationDomain, Radix2EvaluationDomain};
use ark_std::UniformRand;
use rand::RngCore;

use crate::error::ProverError;

pub type Domain = Radix2EvaluationDomain<Fr>;

pub fn domain(n: usize) -> Result<Domain, ProverError> {
    Domain::new(n).filter(|d| d.size() == n).ok_or_else(|| ProverError::Internal(format!("no domain of size {n}")))
}

/// Coefficients of the polynomial of degree `< n` with `values` (zero-padded) on `H_n`.
pub fn interpolate(values: &[Fr], n: usize) -> Result<Vec<Fr>, ProverError> {
    if values.len() > n {
        return Err(ProverError::Internal(format!("{} values for a domain of size {n}", values.len())));
    }
    let mut v = values.to_vec();
    v.resize(n, Fr::zero());
    domain(n)?.ifft_in_place(&mut v);
    Ok(v)
}

/// Adds `Z_H(X) * b(X)` with a fresh random `b` of degree `blind_degree` (values on `H_n`
/// unchanged; evaluations elsewhere become uniform).
pub fn add_vanishing_blind<R: RngCore>(coeffs: &mut Vec<Fr>, n: usize, blind_degree: usize, rng: &mut R) {
    coeffs.resize(coeffs.len().max(n + blind_degree + 1), Fr::zero());
    for k in 0..=blind_degree {
        let b = Fr::rand(rng);
        coeffs[n + k] += b;
        coeffs[k] -= b;
    }
}

/// `S` with `S(w^0) = 0`, `S(w^{j+1}) = S(w^j) + f_j - total / n`: cyclic when `sum f = total`.
pub fn running_sum(f: &[Fr], total: Fr, n: usize) -> Result<Vec<Fr>, ProverError> {
    if f.iter().sum::<Fr>() != total {
        return Err(ProverError::Internal("running sum does not close".into()));
    }
    Ok(running_sum_unchecked(f, total, n))
}

/// [`running_sum`] without the closing check (for tests of cheating provers).
pub fn running_sum_unchecked(f: &[Fr], total: Fr, n: usize) -> Vec<Fr> {
    let shift = total * Fr::from(n as u64).inverse().unwrap_or_default();
    let mut acc = Fr::zero();
    (0..n)
        .map(|j| {
            let s = acc;
            acc += f.get(j).copied().unwrap_or_default() - shift;
            s
        })
        .collect()
}

/// Evaluations on the coset `g * H_{4d}` used to compute quotients over `H_d`.
#[derive(Debug)]
pub struct Coset {
    pub d: usize,
    pub big: Domain,
}

impl Coset {
    pub fn new(d: usize) -> Result<Self, ProverError> {
        let big = domain(4 * d)?.get_coset(Fr::GENERATOR).ok_or_else(|| ProverError::Internal("coset".into()))?;
        Ok(Self { d, big })
    }

    pub fn size(&self) -> usize {
        self.big.size()
    }

    /// Evaluations of `coeffs` (degree `< 4d`) on the coset.
    pub fn eval(&self, coeffs: &[Fr]) -> Result<Vec<Fr>, ProverError> {
        if coeffs.len() > self.size() {
            return Err(ProverError::Internal(format!("degree {} too large for coset {}", coeffs.len(), self.size())));
        }
        Ok(self.big.fft(coeffs))
    }

    /// `p(w_d X)` on the coset, from `p(X)` on the coset (a rotation by 4 positions).
    pub fn rotate(&self, evals: &[Fr]) -> Vec<Fr> {
        let k = self.size() / self.d;
        (0..evals.len()).map(|i| evals[(i + k) % evals.len()]).collect()
    }

    /// `1 / Z_d(x)` on the coset.
    pub fn vanishing_inv(&self) -> Result<Vec<Fr>, ProverError> {
        let mut z: Vec<Fr> = self.big.elements().map(|x| x.pow([self.d as u64]) - Fr::one()).collect();
        if z.iter().any(Zero::is_zero) {
            return Err(ProverError::Internal("coset meets the domain".into()));
        }
        batch_inversion(&mut z);
        Ok(z)
    }

    /// Coefficients of the polynomial with these coset evaluations.
    pub fn interpolate(&self, evals: Vec<Fr>) -> Vec<Fr> {
        let mut c = self.big.ifft(&evals);
        while c.last().is_some_and(Zero::is_zero) {
            c.pop();
        }
        c
    }
}

pub fn poly(coeffs: Vec<Fr>) -> DensePolynomial<Fr> {
    DensePolynomial::from_coefficients_vec(coeffs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::Polynomial;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn blinding_keeps_domain_values_and_sums_close() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let vals: Vec<Fr> = (0..8).map(|i| Fr::from(i as u64 * 3 + 1)).collect();
        let mut c = interpolate(&vals, 8).unwrap();
        add_vanishing_blind(&mut c, 8, 1, &mut rng);
        let p = poly(c);
        for (w, v) in domain(8).unwrap().elements().zip(&vals) {
            assert_eq!(p.evaluate(&w), *v);
        }
        let total: Fr = vals.iter().sum();
        let s = running_sum(&vals, total, 8).unwrap();
        assert_eq!(s[0], Fr::zero());
        assert!(running_sum(&vals, total + Fr::one(), 8).is_err());
        let x = Fr::rand(&mut rng);
        let direct = zkml_verifier::model::domain::interpolate_at(&vals, 8, x).unwrap();
        assert_eq!(direct, poly(interpolate(&vals, 8).unwrap()).evaluate(&x));
    }
}
