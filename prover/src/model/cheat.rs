//! Cheating-prover transformations for the soundness tests ([`super::ProveOptions`]'s test
//! switches): each makes a false statement look as right as a prover without the trapdoor can.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};

use super::fold;
use super::poly::interpolate;
use crate::error::ProverError;

/// The cheat of [`ProveOptions::forge_last_v`]: `V' = V - t (X^n - r) L_j`, `Q' = Q + t L_j`
/// keeps `W = V' + (X^n - r) Q'` and moves `sum_j V'(w^j) a_j` onto `c`; `deg V' = 2n - 1`.
pub fn forge_v(v: &mut Vec<Fr>, q: &mut [Fr], a: &[Fr], c: Fr, r: Fr, n: usize) -> Result<(), ProverError> {
    let v0 = fold::values_on(v, n)?;
    let c_true: Fr = v0.iter().zip(a).map(|(x, y)| *x * y).sum();
    let Some(j) = a.iter().position(|x| !x.is_zero()) else {
        return Ok(());
    };
    let t = (c_true - c) * ((Fr::one() - r) * a[j]).inverse().unwrap_or_default();
    let mut e = vec![Fr::zero(); n];
    e[j] = Fr::one();
    let lj = interpolate(&e, n)?;
    v.resize(2 * n, Fr::zero());
    for k in 0..n {
        v[k] += t * r * lj[k];
        v[n + k] -= t * lj[k];
        q[k] += t * lj[k];
    }
    Ok(())
}
