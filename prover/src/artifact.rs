//! Standalone artifacts, mirroring `zkml_verifier::artifact`.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_poly::univariate::DensePolynomial;
use ark_poly::DenseUVPolynomial;
use rand::RngCore;
use zkml_verifier::artifact::KzgBatchArtifact;

use crate::error::ProverError;
use crate::kzg::{self, Blinded};
use crate::srs::Srs;

/// Shape of a random KZG batch-opening demonstration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KzgDemoShape {
    pub polys: usize,
    pub degree: usize,
    pub points: usize,
}

/// Proves the openings `queries` (pairs `(poly, point)`) of already-committed polynomials.
pub fn prove_kzg_batch(
    srs: &Srs,
    commitments: Vec<ark_bn254::G1Affine>,
    polys: &[Blinded],
    points: Vec<Fr>,
    queries: &[(u32, u32)],
) -> Result<KzgBatchArtifact, ProverError> {
    let vk_digest = srs.verifying_key().digest();
    let mut t = KzgBatchArtifact::transcript(&vk_digest, &commitments, &points);
    let refs: Vec<&Blinded> = polys.iter().collect();
    let (queries, proof) = kzg::open_batch(srs, &mut t, &refs, &points, queries)?;
    Ok(KzgBatchArtifact { vk_digest, commitments, points, queries, proof })
}

/// Commits to `shape.polys` random polynomials of degree `shape.degree` and opens every one of
/// them at every one of `shape.points` random points.
pub fn random_kzg_batch<R: RngCore>(
    srs: &Srs,
    shape: KzgDemoShape,
    rng: &mut R,
) -> Result<KzgBatchArtifact, ProverError> {
    if shape.polys == 0 || shape.points == 0 {
        return Err(ProverError::InvalidArgument("a batch needs at least one polynomial and one point".into()));
    }
    let mut commitments = Vec::with_capacity(shape.polys);
    let mut polys = Vec::with_capacity(shape.polys);
    for _ in 0..shape.polys {
        let p = DensePolynomial::rand(shape.degree, rng);
        let (c, b) = kzg::commit(srs, p, shape.points, rng)?;
        commitments.push(c);
        polys.push(b);
    }
    let points: Vec<Fr> = (0..shape.points).map(|_| Fr::rand(rng)).collect();
    let queries: Vec<(u32, u32)> =
        (0..shape.polys as u32).flat_map(|p| (0..shape.points as u32).map(move |z| (p, z))).collect();
    prove_kzg_batch(srs, commitments, &polys, points, &queries)
}
