//! Hiding KZG commitments: commit and batch-open (`docs/protocols/kzg.md`).
//! Verification lives in `zkml_verifier::kzg`, mirrored file by file.

mod batch;
mod degree;

pub use batch::open_batch;
pub use degree::DegreeProvingKey;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, UniformRand, Zero};
use ark_poly::univariate::DensePolynomial;
use ark_poly::DenseUVPolynomial;
use rand::RngCore;

use crate::error::ProverError;
use crate::srs::Srs;

/// A committed polynomial and its blinding polynomial: the prover's secret state, never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blinded {
    pub poly: DensePolynomial<Fr>,
    /// Random polynomial whose degree bounds how many points `poly` may be opened at while
    /// staying hidden.
    pub blind: DensePolynomial<Fr>,
}

/// `sum_i scalars_i * bases_i` over the first `scalars.len()` bases.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = scalars.len().min(bases.len());
    G1Projective::msm(&bases[..n], &scalars[..n]).expect("lengths are equal by construction")
}

/// `sum_i scalars_i * bases_i` for small signed integers (quantised weights): a bucket method over
/// the bits the largest `|scalar|` has, not the field's 254, with a negative scalar adding the
/// negated base. Equal to [`msm`] on the scalars as field elements.
pub fn msm_small(bases: &[G1Affine], scalars: &[i64]) -> G1Projective {
    let n = scalars.len().min(bases.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let bits = scalars.iter().map(|s| 64 - s.unsigned_abs().leading_zeros() as usize).max().unwrap_or(0);
    if bits == 0 {
        return G1Projective::zero();
    }
    // Window width: about log2(n), at most the scalars' width.
    let c = (usize::BITS - n.leading_zeros()).clamp(1, 16) as usize;
    let c = c.min(bits);
    let mut total = G1Projective::zero();
    for w in (0..bits.div_ceil(c)).rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        let mut buckets = vec![G1Projective::zero(); 1 << c];
        for (b, &s) in bases.iter().zip(scalars) {
            let digit = ((s.unsigned_abs() >> (w * c)) & ((1u64 << c) - 1)) as usize;
            if digit != 0 {
                if s < 0 {
                    buckets[digit] -= b;
                } else {
                    buckets[digit] += b;
                }
            }
        }
        let (mut running, mut sum) = (G1Projective::zero(), G1Projective::zero());
        for b in buckets.iter().skip(1).rev() {
            running += b;
            sum += running;
        }
        total += sum;
    }
    total
}

/// `[p(tau) + gamma * r(tau)]_1`.
pub fn commit_with_blind(srs: &Srs, b: &Blinded) -> Result<G1Affine, ProverError> {
    check_degrees(srs, &b.poly, &b.blind)?;
    // Shifted polynomials (degree-bound checks) start with long runs of zeros: skip them.
    let start = b.poly.coeffs.iter().position(|c| !c.is_zero()).unwrap_or(b.poly.coeffs.len());
    let body = msm(&srs.powers_g1[start..], &b.poly.coeffs[start..]);
    Ok((body + msm(&srs.gamma_g1, &b.blind.coeffs)).into_affine())
}

/// Commits to `poly` with a fresh blinding polynomial of degree `hiding_degree`; the commitment
/// stays hiding when `poly` is opened at no more than `hiding_degree` points.
pub fn commit<R: RngCore>(
    srs: &Srs,
    poly: DensePolynomial<Fr>,
    hiding_degree: usize,
    rng: &mut R,
) -> Result<(G1Affine, Blinded), ProverError> {
    let blind = DensePolynomial::from_coefficients_vec((0..=hiding_degree).map(|_| Fr::rand(rng)).collect());
    let b = Blinded { poly, blind };
    Ok((commit_with_blind(srs, &b)?, b))
}

fn check_degrees(srs: &Srs, p: &DensePolynomial<Fr>, r: &DensePolynomial<Fr>) -> Result<(), ProverError> {
    if p.coeffs.len() > srs.powers_g1.len() {
        return Err(ProverError::DegreeTooLarge { degree: p.coeffs.len() - 1, max: srs.max_degree() });
    }
    if r.coeffs.len() > srs.gamma_g1.len() {
        return Err(ProverError::HidingTooLarge { hiding: r.coeffs.len() - 1, max: srs.max_hiding_degree() });
    }
    Ok(())
}

/// `acc += s * p`, coefficient-wise, growing `acc` as needed.
pub fn add_scaled(acc: &mut Vec<Fr>, p: &[Fr], s: Fr) {
    if acc.len() < p.len() {
        acc.resize(p.len(), Fr::zero());
    }
    for (a, c) in acc.iter_mut().zip(p) {
        *a += s * c;
    }
}

/// Divides `p` by `(X - z)`: returns the quotient and `p(z)`.
pub fn divide_by_linear(p: &[Fr], z: Fr) -> (Vec<Fr>, Fr) {
    if p.is_empty() {
        return (Vec::new(), Fr::from(0u64));
    }
    let mut q = vec![Fr::from(0u64); p.len() - 1];
    let mut acc = Fr::from(0u64);
    for i in (1..p.len()).rev() {
        acc = p[i] + z * acc;
        q[i - 1] = acc;
    }
    let value = p[0] + z * acc;
    (q, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::Polynomial;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn division_matches_evaluation() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let p = DensePolynomial::<Fr>::rand(17, &mut rng);
        let z = Fr::rand(&mut rng);
        let (q, v) = divide_by_linear(&p.coeffs, z);
        assert_eq!(v, p.evaluate(&z));
        let x_minus_z = DensePolynomial::from_coefficients_vec(vec![-z, Fr::from(1u64)]);
        let back = &(&DensePolynomial::from_coefficients_vec(q) * &x_minus_z)
            + &DensePolynomial::from_coefficients_vec(vec![v]);
        assert_eq!(back, p);
    }

    #[test]
    fn small_scalar_msm_matches_the_field_msm() {
        use rand::Rng;
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let bases: Vec<G1Affine> = (0..40).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        for range in [1i64, 7, 300, 1 << 20, i64::MAX] {
            let scalars: Vec<i64> = (0..40).map(|_| rng.gen_range(-range..=range)).collect();
            let field: Vec<Fr> = scalars.iter().map(|&s| Fr::from(s)).collect();
            assert_eq!(msm_small(&bases, &scalars), msm(&bases, &field), "range {range}");
        }
        let extremes = [i64::MIN, i64::MAX, 0, -1, 1];
        let field: Vec<Fr> = extremes.iter().map(|&s| Fr::from(s)).collect();
        assert_eq!(msm_small(&bases, &extremes), msm(&bases, &field));
        assert_eq!(msm_small(&bases, &[0; 3]), G1Projective::zero());
    }

    #[test]
    fn degree_limits_are_errors() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let srs = Srs::insecure_dev(3, &mut rng);
        let p = DensePolynomial::<Fr>::rand(8, &mut rng);
        assert!(matches!(commit(&srs, p, 1, &mut rng), Err(ProverError::DegreeTooLarge { degree: 8, max: 7 })));
        let p = DensePolynomial::<Fr>::rand(3, &mut rng);
        assert!(matches!(commit(&srs, p, 8, &mut rng), Err(ProverError::HidingTooLarge { hiding: 8, max: 7 })));
    }
}
