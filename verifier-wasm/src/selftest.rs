//! A self-test of the arithmetic the verifier uses: bilinearity of the pairing through the same
//! deferred batch and MSM as a proof, point encoding round trips and a field batch inversion.
//!
//! Pages run it once the WebAssembly module is loaded: besides checking the module, it exercises
//! every hot function, so the engine's optimising compiler has tiered them up before the first
//! proof arrives (see `docs/BENCHMARKS.md`, cold and warm verification).

use alloc::vec::Vec;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{batch_inversion, Field, One};

use crate::codec::{Decode, Encode, G1Uncompressed, Reader};
use crate::pairing::PairingBatch;
use crate::transcript::Transcript;
use crate::{Fr, G1, G2};

/// Runs the self-test; `true` when every check holds.
pub fn run() -> bool {
    let mut t = Transcript::new(b"zkml/self-test/v1");
    let scalars: Vec<Fr> = (0..16).map(|_| t.challenge(b"s")).collect();
    let (g, h) = (G1::generator(), G2::generator());

    // Points k*G and their encodings, decoded back.
    let mut points = Vec::with_capacity(scalars.len());
    let mut acc = g.into_group();
    for _ in &scalars {
        points.push(acc.into_affine());
        acc += g;
    }
    let mut ok = points.iter().all(|p| {
        let (c, u) = (p.to_bytes(), G1Uncompressed(*p).to_bytes());
        let back_c = G1::decode(&mut Reader::new(&c), "self-test");
        let back_u = G1Uncompressed::decode(&mut Reader::new(&u), "self-test");
        back_c == Ok(*p) && back_u == Ok(G1Uncompressed(*p))
    });

    // sum_k s_k * (k+1) G = (sum_k s_k (k+1)) G, checked through a pairing batch:
    // e(sum_k s_k P_k - c G, H) = 1, and e(a G, H) e(-a G, H) = 1 with a G in a second group.
    let c: Fr = scalars.iter().zip(1u64..).map(|(s, k)| *s * Fr::from(k)).sum();
    let mut terms: Vec<(G1, Fr)> = points.iter().copied().zip(scalars.iter().copied()).collect();
    terms.push((g, -c));
    let a = scalars.first().copied().unwrap_or_else(Fr::one);
    let ah: G2 = (h * a).into_affine();
    ok &= G2::decode(&mut Reader::new(&ah.to_bytes()), "self-test") == Ok(ah);
    ok &= Fr::decode(&mut Reader::new(&a.to_bytes()), "self-test") == Ok(a);
    let mut batch = PairingBatch::new();
    batch.add(t.challenge(b"w"), &[(h, &terms)]);
    batch.add(t.challenge(b"w"), &[(ah, &[(g, Fr::one())]), (h, &[(g, -a)])]);
    ok &= batch.check().is_ok();

    // Field inversions.
    let mut inv = scalars.clone();
    batch_inversion(&mut inv);
    ok &= inv.iter().zip(&scalars).all(|(i, s)| *i * s == Fr::one() && s.inverse() == Some(*i));
    ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn self_test_passes() {
        assert!(super::run());
    }
}
