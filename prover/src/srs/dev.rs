//! Insecure SRS generation for tests and demos: the secrets are sampled locally and then dropped,
//! but whoever ran the generation could have kept them.

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{One, UniformRand};
use rand::RngCore;

use super::{Srs, SrsOrigin, GAMMA_POWERS};

/// Most G2 powers in a development SRS: degree bounds up to this many coefficients can be checked
/// (half the G1 powers for smaller SRSs).
pub const DEV_G2_POWERS: usize = 4096;

impl Srs {
    /// An SRS with `2^log_size` powers in G1 (and half as many, at most [`DEV_G2_POWERS`], in G2)
    /// from freshly sampled secrets. Insecure.
    pub fn insecure_dev<R: RngCore>(log_size: u32, rng: &mut R) -> Self {
        assert!((1..=28).contains(&log_size), "log_size must be in 1..=28");
        let n = 1usize << log_size;
        let tau = Fr::rand(rng);
        let gamma = Fr::rand(rng);
        let mut powers = Vec::with_capacity(n);
        let mut cur = Fr::one();
        for _ in 0..n {
            powers.push(cur);
            cur *= tau;
        }
        let g1 = BatchMulPreprocessing::new(G1Projective::generator(), n);
        // G2 powers bound the degree checks; more would cost minutes at 2^20.
        let n_g2 = (n / 2).clamp(2, DEV_G2_POWERS);
        let g2 = BatchMulPreprocessing::new(G2Projective::generator(), n_g2);
        let gamma_scalars: Vec<Fr> = powers.iter().take(GAMMA_POWERS).map(|p| *p * gamma).collect();
        Srs {
            origin: SrsOrigin::InsecureDev,
            powers_g1: g1.batch_mul(&powers),
            gamma_g1: g1.batch_mul(&gamma_scalars),
            powers_g2: g2.batch_mul(&powers[..n_g2]),
            gamma_g2: (G2Projective::generator() * gamma).into_affine(),
        }
    }
}
