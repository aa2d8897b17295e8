//! The four tests of the KZG batch-opening protocol: completeness, rejection with the exact error,
//! a tamper sweep over every byte, and Fiat–Shamir binding.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::artifact::{random_kzg_batch, KzgDemoShape};
use zkml_prover::srs::Srs;
use zkml_verifier::artifact::{verify_kzg_batch, KzgBatchArtifact};
use zkml_verifier::envelope::{Artifact, HEADER_BYTES};
use zkml_verifier::error::ShapeError;
use zkml_verifier::kzg::PointOpening;
use zkml_verifier::{DecodeError, Error};

fn setup(seed: u64, shape: KzgDemoShape) -> (Srs, KzgBatchArtifact) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let srs = Srs::insecure_dev(6, &mut rng);
    let artifact = random_kzg_batch(&srs, shape, &mut rng).unwrap();
    (srs, artifact)
}

const SHAPE: KzgDemoShape = KzgDemoShape { polys: 3, degree: 40, points: 2 };

#[test]
fn completeness() {
    let (srs, a) = setup(1, SHAPE);
    let vk = srs.verifying_key();
    let summary = a.verify(&vk).unwrap();
    assert_eq!((summary.commitments, summary.points, summary.queries, summary.pairings), (3, 2, 6, 2));
    let s2 = verify_kzg_batch(&vk.to_artifact_bytes(), &a.to_artifact_bytes()).unwrap();
    assert_eq!(s2, summary);
    // One polynomial at one point, and many at many.
    for shape in [KzgDemoShape { polys: 1, degree: 0, points: 1 }, KzgDemoShape { polys: 5, degree: 63, points: 4 }] {
        let (srs, a) = setup(2, shape);
        a.verify(&srs.verifying_key()).unwrap();
    }
}

#[test]
fn rejections_name_the_exact_error() {
    let (srs, a) = setup(3, SHAPE);
    let vk = srs.verifying_key();

    let mut bad = a.clone();
    bad.queries[1].eval += Fr::one();
    assert_eq!(bad.verify(&vk), Err(Error::PairingCheckFailed));

    let (other, _) = setup(4, SHAPE);
    let other_vk = other.verifying_key();
    assert_eq!(a.verify(&other_vk), Err(Error::KeyMismatch { key: other_vk.digest(), proof: a.vk_digest }));

    let mut bad = a.clone();
    bad.queries[0].poly = 9;
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::CommitmentIndex { query: 0, index: 9, count: 3 })));

    let mut bad = a.clone();
    bad.queries[0].point = 2;
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::PointIndex { query: 0, index: 2, count: 2 })));

    let mut bad = a.clone();
    bad.queries.retain(|q| q.point == 0);
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::UnusedPoint { point: 1 })));

    let mut bad = a.clone();
    bad.queries.push(bad.queries[0]);
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::DuplicateQuery { poly: 0, point: 0 })));

    let mut bad = a.clone();
    bad.points[1] = bad.points[0];
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::DuplicatePoint { first: 0, second: 1 })));

    let mut bad = a.clone();
    bad.proof.openings.pop();
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::OpeningCount { expected: 2, found: 1 })));

    let mut bad = a.clone();
    bad.queries.clear();
    assert_eq!(bad.verify(&vk), Err(Error::Shape(ShapeError::Empty)));

    let mut bytes = a.to_artifact_bytes();
    bytes.push(0);
    assert_eq!(
        verify_kzg_batch(&vk.to_artifact_bytes(), &bytes),
        Err(Error::Decode(DecodeError::TrailingBytes { what: "KZG batch-opening proof", count: 1 }))
    );
    // A key passed where the proof belongs.
    assert!(matches!(
        verify_kzg_batch(&vk.to_artifact_bytes(), &vk.to_artifact_bytes()),
        Err(Error::Decode(DecodeError::WrongKind { .. }))
    ));
}

#[test]
fn tamper_sweep_every_byte_of_the_artifact_and_key() {
    let (srs, a) = setup(5, KzgDemoShape { polys: 2, degree: 8, points: 2 });
    let vk_bytes = srs.verifying_key().to_artifact_bytes();
    let bytes = a.to_artifact_bytes();
    verify_kzg_batch(&vk_bytes, &bytes).unwrap();
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[i] ^= mask;
            assert!(verify_kzg_batch(&vk_bytes, &b).is_err(), "flip {mask:#x} at byte {i} accepted");
        }
    }
    for i in 0..vk_bytes.len() {
        let mut k = vk_bytes.clone();
        k[i] ^= 0x01;
        assert!(verify_kzg_batch(&k, &bytes).is_err(), "key flip at byte {i} accepted");
    }
    // Every truncation fails too.
    for n in 0..bytes.len() {
        assert!(verify_kzg_batch(&vk_bytes, &bytes[..n]).is_err());
    }
    assert!(bytes.len() > HEADER_BYTES);
}

#[test]
fn fiat_shamir_binding() {
    let (srs, a) = setup(6, SHAPE);
    let vk = srs.verifying_key();
    a.verify(&vk).unwrap();

    // Changing a claimed evaluation while replaying the rest of the proof is rejected.
    for q in 0..a.queries.len() {
        let mut bad = a.clone();
        bad.queries[q].eval += Fr::from(5u64);
        assert_eq!(bad.verify(&vk), Err(Error::PairingCheckFailed), "query {q}");
    }
    // Moving a point (which changes every later challenge) is rejected.
    let mut bad = a.clone();
    bad.points[0] += Fr::one();
    assert_eq!(bad.verify(&vk), Err(Error::PairingCheckFailed));
    // Swapping in a different valid opening witness is rejected.
    let mut bad = a.clone();
    let g = vk.g.into_group();
    bad.proof.openings[0] = PointOpening {
        witness: (bad.proof.openings[0].witness.into_group() + g).into_affine(),
        ..bad.proof.openings[0]
    };
    assert_eq!(bad.verify(&vk), Err(Error::PairingCheckFailed));
    // Swapping two commitments changes the transcript, so the replayed proof fails.
    let mut bad = a.clone();
    bad.commitments.swap(0, 1);
    assert_eq!(bad.verify(&vk), Err(Error::PairingCheckFailed));
}

#[test]
fn proofs_are_reproducible_from_a_seed() {
    let (_, a) = setup(9, SHAPE);
    let (_, b) = setup(9, SHAPE);
    assert_eq!(a.to_artifact_bytes(), b.to_artifact_bytes());
}
