//! Native end-to-end checks of the pinned fixtures (the same bytes Node and Chromium verify).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::artifact::{random_kzg_batch, KzgDemoShape};
use zkml_prover::srs::Srs;
use zkml_tests::{kzg_fixture as f, KZG_PROOF, KZG_VK};
use zkml_verifier::artifact::verify_kzg_batch;
use zkml_verifier::envelope::Artifact;

fn regenerate() -> (Vec<u8>, Vec<u8>) {
    let srs = Srs::insecure_dev(f::SRS_LOG_SIZE, &mut ChaCha20Rng::seed_from_u64(f::SRS_SEED));
    let shape = KzgDemoShape { polys: f::POLYS, degree: f::DEGREE, points: f::POINTS };
    let artifact = random_kzg_batch(&srs, shape, &mut ChaCha20Rng::seed_from_u64(f::PROOF_SEED)).unwrap();
    (srs.verifying_key().to_artifact_bytes(), artifact.to_artifact_bytes())
}

#[test]
fn pinned_kzg_fixture_is_current_and_verifies() {
    let (vk, proof) = regenerate();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/kzg");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kzg.vk"), &vk).unwrap();
        std::fs::write(dir.join("kzg.proof"), &proof).unwrap();
        return;
    }
    assert_eq!(vk, KZG_VK, "kzg.vk is stale: rerun with UPDATE_FIXTURES=1 if the format changed on purpose");
    assert_eq!(proof, KZG_PROOF, "kzg.proof is stale: rerun with UPDATE_FIXTURES=1");
    let s = verify_kzg_batch(KZG_VK, KZG_PROOF).unwrap();
    assert_eq!((s.commitments, s.points, s.queries), (f::POLYS, f::POINTS, f::POLYS * f::POINTS));
}

#[test]
fn pinned_kzg_fixture_rejects_every_byte_flip() {
    verify_kzg_batch(KZG_VK, KZG_PROOF).unwrap();
    for i in 0..KZG_PROOF.len() {
        let mut b = KZG_PROOF.to_vec();
        b[i] ^= 0x01;
        assert!(verify_kzg_batch(KZG_VK, &b).is_err(), "flip at byte {i} accepted");
    }
}
