//! The versioned envelope around every artifact: `ZKML` magic, format version, kind, payload.
//!
//! ```text
//! offset 0  4 bytes  magic "ZKML"
//! offset 4  u16 LE   format version (FORMAT_VERSION)
//! offset 6  u16 LE   kind (see `Kind`)
//! offset 8  ...      payload, whose decoder must consume every byte
//! ```

use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Reader, Writer};
use crate::error::DecodeError;

pub const MAGIC: [u8; 4] = *b"ZKML";
/// The only format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 2;
/// Bytes before the payload.
pub const HEADER_BYTES: usize = 8;

/// What an artifact holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Structured reference string (prover side; not read by the verifier).
    Srs,
    /// The KZG verifying key: generators and the trapdoor's image in G2.
    KzgVerifyingKey,
    /// A standalone KZG batch-opening artifact: commitments, claimed evaluations and their proof.
    KzgBatchProof,
    /// A model's verifying key: layer shapes, weight and table commitments (the published model).
    ModelVerifyingKey,
    /// A model's proving key (prover side only: the quantised weights and their blinds).
    ModelProvingKey,
    /// A proof of one inference of a model.
    ModelProof,
    /// A proof of one inference whose hidden layers are folded into accumulators.
    AccumulatedModelProof,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Srs,
        Kind::KzgVerifyingKey,
        Kind::KzgBatchProof,
        Kind::ModelVerifyingKey,
        Kind::ModelProvingKey,
        Kind::ModelProof,
        Kind::AccumulatedModelProof,
    ];

    pub fn code(self) -> u16 {
        match self {
            Kind::Srs => 1,
            Kind::KzgVerifyingKey => 2,
            Kind::KzgBatchProof => 3,
            Kind::ModelVerifyingKey => 4,
            Kind::ModelProvingKey => 5,
            Kind::ModelProof => 6,
            Kind::AccumulatedModelProof => 7,
        }
    }

    pub fn from_code(code: u16) -> Result<Self, DecodeError> {
        Kind::ALL.into_iter().find(|k| k.code() == code).ok_or(DecodeError::UnknownKind(code))
    }

    /// A short human name, also used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Srs => "structured reference string",
            Kind::KzgVerifyingKey => "KZG verifying key",
            Kind::KzgBatchProof => "KZG batch-opening proof",
            Kind::ModelVerifyingKey => "model verifying key",
            Kind::ModelProvingKey => "model proving key",
            Kind::ModelProof => "model proof",
            Kind::AccumulatedModelProof => "accumulated model proof",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Starts a writer with the header of `kind`.
pub fn writer(kind: Kind) -> Writer {
    let mut w = Writer::new();
    w.bytes(&MAGIC);
    w.u16(FORMAT_VERSION);
    w.u16(kind.code());
    w
}

/// Reads the header and returns the kind and a reader over the payload.
pub fn open(bytes: &[u8]) -> Result<(Kind, Reader<'_>), DecodeError> {
    let mut r = Reader::new(bytes);
    let magic: [u8; 4] = r.array("envelope magic").map_err(|_| DecodeError::BadMagic)?;
    if magic != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    let version = r.u16("envelope version")?;
    if version != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
    }
    let kind = Kind::from_code(r.u16("envelope kind")?)?;
    Ok((kind, r))
}

/// Reads the header and insists on `expected`.
pub fn open_kind(bytes: &[u8], expected: Kind) -> Result<Reader<'_>, DecodeError> {
    let (found, r) = open(bytes)?;
    if found != expected {
        return Err(DecodeError::WrongKind { expected, found });
    }
    Ok(r)
}

/// A type stored at the top level of an artifact file.
pub trait Artifact: Sized {
    const KIND: Kind;

    fn encode_payload(&self, w: &mut Writer);
    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// The full enveloped encoding.
    fn to_artifact_bytes(&self) -> Vec<u8> {
        let mut w = writer(Self::KIND);
        self.encode_payload(&mut w);
        w.into_bytes()
    }

    /// Checked decoding of the full enveloped encoding; trailing bytes are rejected.
    fn from_artifact_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = open_kind(bytes, Self::KIND)?;
        let v = Self::decode_payload(&mut r)?;
        r.finish(Self::KIND.name())?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_errors() {
        assert_eq!(open(b"ZK").unwrap_err(), DecodeError::BadMagic);
        assert_eq!(open(b"ZKMX\x02\x00\x01\x00").unwrap_err(), DecodeError::BadMagic);
        for old_or_new in [b"ZKML\x01\x00\x01\x00", b"ZKML\x03\x00\x01\x00"] {
            let found = u16::from(old_or_new[4]);
            assert_eq!(
                open(old_or_new).unwrap_err(),
                DecodeError::UnsupportedVersion { found, supported: FORMAT_VERSION }
            );
        }
        assert_eq!(open(b"ZKML\x02\x00\x63\x00").unwrap_err(), DecodeError::UnknownKind(0x63));
        assert_eq!(
            open_kind(b"ZKML\x02\x00\x01\x00", Kind::KzgBatchProof).unwrap_err(),
            DecodeError::WrongKind { expected: Kind::KzgBatchProof, found: Kind::Srs }
        );
        let (k, r) = open(b"ZKML\x02\x00\x02\x00").unwrap();
        assert_eq!((k, r.remaining()), (Kind::KzgVerifyingKey, 0));
    }
}
