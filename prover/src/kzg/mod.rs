//! Hiding KZG commitments: commit and batch-open (`docs/protocols/kzg.md`).
//! Verification lives in `zkml_verifier::kzg`, mirrored file by file.

mod batch;
mod degree;

pub use batch::open_batch;
pub use degree::DegreeProvingKey;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
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
    fn degree_limits_are_errors() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let srs = Srs::insecure_dev(3, &mut rng);
        let p = DensePolynomial::<Fr>::rand(8, &mut rng);
        assert!(matches!(commit(&srs, p, 1, &mut rng), Err(ProverError::DegreeTooLarge { degree: 8, max: 7 })));
        let p = DensePolynomial::<Fr>::rand(3, &mut rng);
        assert!(matches!(commit(&srs, p, 8, &mut rng), Err(ProverError::HidingTooLarge { hiding: 8, max: 7 })));
    }
}
