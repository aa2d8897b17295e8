//! Standalone artifacts and their top-level verification.
//!
//! [`KzgBatchArtifact`] is a self-contained KZG batch-opening statement and proof: the walking
//! skeleton's artifact, checked by every verifier (native, Node, browser).

use alloc::vec::Vec;

use crate::codec::{Reader, Writer};
use crate::envelope::{Artifact, Kind};
use crate::error::{DecodeError, Error};
use crate::hex::Digest;
use crate::kzg::{self, BatchOpeningProof, Query, VerifyingKey};
use crate::pairing::PairingBatch;
use crate::transcript::{labels, Transcript};
use crate::{Fr, G1};

/// Commitments, points, claimed evaluations and the batch-opening proof, bound to one KZG key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KzgBatchArtifact {
    /// Digest of the verifying key the proof was made for.
    pub vk_digest: Digest,
    pub commitments: Vec<G1>,
    pub points: Vec<Fr>,
    pub queries: Vec<Query>,
    pub proof: BatchOpeningProof,
}

impl Artifact for KzgBatchArtifact {
    const KIND: Kind = Kind::KzgBatchProof;

    fn encode_payload(&self, w: &mut Writer) {
        w.put(&self.vk_digest);
        w.put(&self.commitments);
        w.put(&self.points);
        w.put(&self.queries);
        w.put(&self.proof);
    }

    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            vk_digest: r.get("vk digest")?,
            commitments: r.vec("commitment")?,
            points: r.vec("point")?,
            queries: r.vec("query")?,
            proof: r.get("proof")?,
        })
    }
}

/// What a successful verification of a [`KzgBatchArtifact`] establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KzgBatchSummary {
    pub vk_digest: Digest,
    pub commitments: usize,
    pub points: usize,
    pub queries: usize,
    /// Miller loops in the final multi-pairing.
    pub pairings: usize,
}

impl KzgBatchArtifact {
    /// The transcript both sides start from: domain, key digest, commitments, points.
    pub fn transcript(vk_digest: &Digest, commitments: &[G1], points: &[Fr]) -> Transcript {
        let mut t = Transcript::new(labels::KZG_BATCH_DOMAIN);
        t.absorb(labels::VK_DIGEST, vk_digest);
        t.absorb(labels::COMMITMENTS, commitments);
        t.absorb(labels::POINTS, points);
        t
    }

    /// Verifies against a decoded key.
    pub fn verify(&self, vk: &VerifyingKey) -> Result<KzgBatchSummary, Error> {
        vk.validate()?;
        let key = vk.digest();
        if key != self.vk_digest {
            return Err(Error::KeyMismatch { key, proof: self.vk_digest });
        }
        let mut t = Self::transcript(&self.vk_digest, &self.commitments, &self.points);
        let mut batch = PairingBatch::new();
        kzg::verify_batch(vk, &mut t, &self.commitments, &self.points, &self.queries, &self.proof, &mut batch)?;
        let pairings = batch.pairings();
        batch.check()?;
        Ok(KzgBatchSummary {
            vk_digest: key,
            commitments: self.commitments.len(),
            points: self.points.len(),
            queries: self.queries.len(),
            pairings,
        })
    }
}

/// Decodes a key and an artifact from untrusted bytes and verifies.
pub fn verify_kzg_batch(vk_bytes: &[u8], artifact_bytes: &[u8]) -> Result<KzgBatchSummary, Error> {
    let vk = VerifyingKey::from_bytes(vk_bytes)?;
    let artifact = KzgBatchArtifact::from_artifact_bytes(artifact_bytes)?;
    artifact.verify(&vk)
}
