//! Randomised consistency check of an SRS: each sequence holds successive powers of one `tau`.
//!
//! For points `P_0..P_n` claimed to be `[s * tau^i]`, with random `r_i`:
//! `e(sum r_i P_i, [tau]_2) = e(sum r_i P_{i+1}, [1]_2)` holds for all `r` only if `P_{i+1} = tau P_i`
//! for every `i` (except with probability 1/|Fr|). G2 powers are checked against `[tau]_1`.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand};
use rand::RngCore;

use super::Srs;
use crate::error::SrsError;

/// Checks generators, non-degeneracy and that every sequence is a run of powers of one `tau`.
pub fn check_consistency<R: RngCore>(srs: &Srs, rng: &mut R) -> Result<(), SrsError> {
    srs.check_shape()?;
    if srs.powers_g1[0] != G1Affine::generator() {
        return Err(SrsError::WrongGenerator("tau G1 powers"));
    }
    if srs.powers_g2[0] != G2Affine::generator() {
        return Err(SrsError::WrongGenerator("tau G2 powers"));
    }
    let (g1, tau_g1) = (srs.powers_g1[0], srs.powers_g1[1]);
    let (g2, tau_g2) = (srs.powers_g2[0], srs.powers_g2[1]);
    if tau_g1.is_zero() || tau_g1 == g1 {
        return Err(SrsError::Malformed("tau is 0 or 1".into()));
    }
    let gamma = srs.gamma_g1[0];
    if gamma.is_zero() || gamma == g1 || gamma == tau_g1 {
        return Err(SrsError::Malformed("the blinding base is degenerate".into()));
    }
    // [gamma]_1 and [gamma]_2 carry the same gamma.
    if srs.gamma_g2.is_zero() || Bn254::pairing(gamma, g2) != Bn254::pairing(g1, srs.gamma_g2) {
        return Err(SrsError::Inconsistent("gamma G1 vs gamma G2"));
    }
    // [tau]_1 and [tau]_2 carry the same tau.
    if Bn254::pairing(tau_g1, g2) != Bn254::pairing(g1, tau_g2) {
        return Err(SrsError::Inconsistent("tau G1 vs tau G2"));
    }
    check_g1_run(&srs.powers_g1, g2, tau_g2, rng).map_err(|_| SrsError::Inconsistent("tau G1 powers"))?;
    check_g1_run(&srs.gamma_g1, g2, tau_g2, rng).map_err(|_| SrsError::Inconsistent("gamma tau G1 powers"))?;
    check_g2_run(&srs.powers_g2, g1, tau_g1, rng).map_err(|_| SrsError::Inconsistent("tau G2 powers"))?;
    Ok(())
}

fn random_scalars<R: RngCore>(n: usize, rng: &mut R) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn check_g1_run<R: RngCore>(p: &[G1Affine], g2: G2Affine, tau_g2: G2Affine, rng: &mut R) -> Result<(), ()> {
    let n = p.len() - 1;
    let r = random_scalars(n, rng);
    let lo = G1Projective::msm(&p[..n], &r).map_err(|_| ())?;
    let hi = G1Projective::msm(&p[1..], &r).map_err(|_| ())?;
    let out = Bn254::multi_pairing([lo.into_affine(), (-hi).into_affine()], [tau_g2, g2]);
    if out.0.is_one() {
        Ok(())
    } else {
        Err(())
    }
}

fn check_g2_run<R: RngCore>(q: &[G2Affine], g1: G1Affine, tau_g1: G1Affine, rng: &mut R) -> Result<(), ()> {
    let n = q.len() - 1;
    let r = random_scalars(n, rng);
    let lo = G2Projective::msm(&q[..n], &r).map_err(|_| ())?;
    let hi = G2Projective::msm(&q[1..], &r).map_err(|_| ())?;
    let out = Bn254::multi_pairing([tau_g1, -g1], [lo.into_affine(), hi.into_affine()]);
    if out.0.is_one() {
        Ok(())
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn dev_srs_is_consistent_and_tampering_is_caught() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let srs = Srs::insecure_dev(5, &mut rng);
        check_consistency(&srs, &mut rng).unwrap();

        let mut bad = srs.clone();
        bad.powers_g1[9] = (bad.powers_g1[9] + bad.powers_g1[0]).into_affine();
        assert_eq!(check_consistency(&bad, &mut rng), Err(SrsError::Inconsistent("tau G1 powers")));

        let mut bad = srs.clone();
        bad.gamma_g1[3] = bad.gamma_g1[2];
        assert_eq!(check_consistency(&bad, &mut rng), Err(SrsError::Inconsistent("gamma tau G1 powers")));

        let mut bad = srs.clone();
        bad.gamma_g2 = bad.powers_g2[1];
        assert_eq!(check_consistency(&bad, &mut rng), Err(SrsError::Inconsistent("gamma G1 vs gamma G2")));

        let mut bad = srs.clone();
        bad.powers_g2[4] = bad.powers_g2[5];
        assert_eq!(check_consistency(&bad, &mut rng), Err(SrsError::Inconsistent("tau G2 powers")));

        let mut bad = srs;
        bad.powers_g1[0] = bad.powers_g1[1];
        assert_eq!(check_consistency(&bad, &mut rng), Err(SrsError::WrongGenerator("tau G1 powers")));
    }
}
