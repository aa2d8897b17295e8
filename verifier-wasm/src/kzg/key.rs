//! The KZG verifying key (`docs/protocols/kzg.md`, "Setup").

use ark_ec::AffineRepr;

use crate::codec::{Reader, Writer};
use crate::envelope::{Artifact, Kind};
use crate::error::{DecodeError, Error};
use crate::hex::Digest;
use crate::transcript::digest;
use crate::{G1, G2};

/// `[1]_1`, `[gamma]_1`, `[1]_2`, `[tau]_2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey {
    /// Generator of G1: the base of the committed coefficients.
    pub g: G1,
    /// `[gamma]_1`: the base of the blinding polynomial.
    pub gamma_g: G1,
    /// Generator of G2.
    pub h: G2,
    /// `[tau]_2`.
    pub tau_h: G2,
}

impl VerifyingKey {
    /// Rejects keys under which openings would be meaningless (identity points, `tau = 1`,
    /// `gamma = 1`).
    pub fn validate(&self) -> Result<(), Error> {
        if self.g.is_zero() || self.h.is_zero() {
            return Err(Error::DegenerateKey("a generator is the identity"));
        }
        if self.gamma_g.is_zero() || self.gamma_g == self.g {
            return Err(Error::DegenerateKey("the blinding base is degenerate"));
        }
        if self.tau_h.is_zero() || self.tau_h == self.h {
            return Err(Error::DegenerateKey("the trapdoor's image in G2 is degenerate"));
        }
        Ok(())
    }

    /// The digest that binds proofs to this key (hash of its enveloped encoding).
    pub fn digest(&self) -> Digest {
        digest(&self.to_artifact_bytes())
    }

    /// Decodes an enveloped key and validates it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let vk = Self::from_artifact_bytes(bytes)?;
        vk.validate()?;
        Ok(vk)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.put(&self.g);
        w.put(&self.gamma_g);
        w.put(&self.h);
        w.put(&self.tau_h);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { g: r.get("vk.g")?, gamma_g: r.get("vk.gamma_g")?, h: r.get("vk.h")?, tau_h: r.get("vk.tau_h")? })
    }
}

impl Artifact for VerifyingKey {
    const KIND: Kind = Kind::KzgVerifyingKey;

    fn encode_payload(&self, w: &mut Writer) {
        self.encode(w);
    }

    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::decode(r)
    }
}
