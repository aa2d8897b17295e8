//! A self-test of the verifier: the arithmetic it uses (bilinearity of the pairing through the same
//! deferred batch and MSM as a proof, the WebAssembly MSM of weight rows on full and 128-bit
//! scalars, point encoding round trips, a field batch inversion), then a
//! known-answer test: the bundled accumulated proof of the deep MLP (`tests/fixtures/mlp/deep_mlp.*`,
//! eight folded layers) must verify against its pinned model digest, and the same proof with one
//! output value changed must be rejected by the pairing check.
//!
//! Pages run it once the WebAssembly module is loaded: besides checking the module, it runs the
//! whole verification path (decoding, transcript, fold weights, claims, MSM, pairing), so the
//! engine has compiled and tiered up every hot function before the first proof arrives (see
//! `docs/BENCHMARKS.md`, cold and warm verification).

use alloc::vec::Vec;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{batch_inversion, Field, One};

use crate::codec::{Decode, Encode, G1Uncompressed, Reader};
use crate::envelope::Artifact;
use crate::hex::Digest;
use crate::model::{verify_model, Int, ModelProof, ModelVerifyingKey};
use crate::pairing::PairingBatch;
use crate::transcript::Transcript;
use crate::{Error, Fr, G1, G2};

/// The known answer: a model key, an accumulated proof made with it and the key's digest, pinned
/// by `deep_mlp_fixtures_are_current` (`prover/tests/accumulation.rs`).
const KNOWN_VK: &[u8] = include_bytes!("../../tests/fixtures/mlp/deep_mlp.vk");
const KNOWN_PROOF: &[u8] = include_bytes!("../../tests/fixtures/mlp/deep_mlp.proof");
const KNOWN_DIGEST: &str = include_str!("../../tests/fixtures/mlp/deep_mlp.digest");

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

    // The MSM that combines weight rows in WebAssembly (`crate::msm`), on `SMALL` points k G (the
    // fewest it takes to leave arkworks' small-input path) with full scalars and with 128-bit row
    // weights, against (sum_k s_k k) G.
    let mut acc = g.into_group();
    let many: Vec<ark_bn254::G1Projective> = (0..crate::msm::SMALL)
        .map(|_| {
            let p = acc;
            acc += g;
            p
        })
        .collect();
    let many = ark_bn254::G1Projective::normalize_batch(&many);
    let full: Vec<Fr> = (0..crate::msm::SMALL).map(|_| t.challenge(b"m")).collect();
    let short = crate::model::domain::row_weights(t.challenge(b"r"), crate::msm::SMALL);
    let want = |s: &[Fr]| g * s.iter().zip(1u64..).map(|(s, k)| *s * Fr::from(k)).sum::<Fr>();
    for s in [&full, &short] {
        ok &= crate::msm::msm(&many, s) == want(s);
    }
    // Both at once, as the verifier runs a model's layers (the windows share their inversions).
    let both = crate::msm::msm_many(&[(&many, &full), (&many, &short)]);
    ok &= both == [want(&full), want(&short)];

    // Field inversions.
    let mut inv = scalars.clone();
    batch_inversion(&mut inv);
    ok &= inv.iter().zip(&scalars).all(|(i, s)| *i * s == Fr::one() && s.inverse() == Some(*i));
    ok && known_answer()
}

fn known_answer() -> bool {
    known_answer_of(KNOWN_VK, KNOWN_PROOF, KNOWN_DIGEST)
}

/// The proof verifies (with the model proof's Miller loops) against the digest and, with its first output moved by
/// one, fails the pairing check.
fn known_answer_of(vk: &[u8], proof: &[u8], digest: &str) -> bool {
    let (Ok(vk), Ok(proof), Some(digest)) =
        (ModelVerifyingKey::from_bytes(vk), ModelProof::from_artifact_bytes(proof), Digest::from_hex(digest.trim()))
    else {
        return false;
    };
    let valid =
        matches!(verify_model(&vk, &proof, Some(&digest)), Ok(v) if v.pairings == crate::model::verify::MODEL_PAIRINGS);
    let mut wrong = proof;
    let Some(first) = wrong.output.first_mut() else {
        return false;
    };
    *first = Int(first.0.wrapping_add(1));
    valid && verify_model(&vk, &wrong, Some(&digest)) == Err(Error::PairingCheckFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_test_passes() {
        assert!(run());
    }

    #[test]
    fn known_answer_fails_on_a_wrong_proof_key_or_digest() {
        assert!(known_answer_of(KNOWN_VK, KNOWN_PROOF, KNOWN_DIGEST));
        let mut flipped = KNOWN_PROOF.to_vec();
        let last = flipped.len() - 40;
        flipped[last] ^= 1;
        assert!(!known_answer_of(KNOWN_VK, &flipped, KNOWN_DIGEST));
        assert!(!known_answer_of(KNOWN_VK, KNOWN_PROOF, &"0".repeat(64)));
        assert!(!known_answer_of(KNOWN_PROOF, KNOWN_PROOF, KNOWN_DIGEST));
        assert!(!known_answer_of(KNOWN_VK, &KNOWN_PROOF[..100], KNOWN_DIGEST));
    }
}
