//! The versioned envelope around every artifact: `ZKML` magic, format version, kind, payload.
//!
//! ```text
//! offset 0  4 bytes  magic "ZKML"
//! offset 4  u16 LE   format version (FORMAT_VERSION)
//! offset 6  u16 LE   kind (see `Kind`)
//! offset 8  u64 LE   payload length in bytes
//! offset 16 ...      payload, whose decoder must consume every byte
//! ```
//!
//! The length lets a reader tell a cut file ("truncated: 500 of 5,940 bytes") from a malformed
//! one before decoding anything.

use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Reader, Writer};
use crate::error::DecodeError;

pub const MAGIC: [u8; 4] = *b"ZKML";
/// The only format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 11;
/// Bytes before the payload.
pub const HEADER_BYTES: usize = 16;
/// Offset of the payload length in the header.
const LENGTH_OFFSET: usize = 8;

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

/// Starts a writer with the header of `kind`; the payload length is filled in by [`finish`].
pub fn writer(kind: Kind) -> Writer {
    let mut w = Writer::new();
    w.bytes(&MAGIC);
    w.u16(FORMAT_VERSION);
    w.u16(kind.code());
    w.u64(0);
    w
}

/// The bytes of an artifact started with [`writer`], with its payload length written in.
pub fn finish(w: Writer) -> Vec<u8> {
    let mut bytes = w.into_bytes();
    seal(&mut bytes);
    bytes
}

/// Writes the payload length into the header of complete artifact bytes started with [`writer`]
/// (for writers that append the payload themselves).
pub fn seal(bytes: &mut [u8]) {
    let len = bytes.len().saturating_sub(HEADER_BYTES) as u64;
    if let Some(field) = bytes.get_mut(LENGTH_OFFSET..HEADER_BYTES) {
        field.copy_from_slice(&len.to_le_bytes());
    }
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
    let declared = r.u64("envelope payload length")?;
    let total = declared.saturating_add(HEADER_BYTES as u64);
    let actual = bytes.len() as u64;
    if actual < total {
        return Err(DecodeError::Truncated { kind, actual, expected: total });
    }
    if actual > total {
        return Err(DecodeError::TrailingBytes {
            what: kind.name(),
            count: usize::try_from(actual - total).unwrap_or(usize::MAX),
        });
    }
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
        finish(w)
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
    use alloc::string::ToString;

    fn header(version: u8, kind: u8, len: u64) -> Vec<u8> {
        let mut h = b"ZKML".to_vec();
        h.extend([version, 0, kind, 0]);
        h.extend(len.to_le_bytes());
        h
    }

    #[test]
    fn header_errors() {
        assert_eq!(open(b"ZK").unwrap_err(), DecodeError::BadMagic);
        assert_eq!(open(b"ZKMX\x03\x00\x01\x00").unwrap_err(), DecodeError::BadMagic);
        let current = FORMAT_VERSION as u8;
        for old_or_new in [current - 1, current + 1] {
            assert_eq!(
                open(&header(old_or_new, 1, 0)).unwrap_err(),
                DecodeError::UnsupportedVersion { found: u16::from(old_or_new), supported: FORMAT_VERSION }
            );
        }
        assert_eq!(open(&header(current, 0x63, 0)).unwrap_err(), DecodeError::UnknownKind(0x63));
        assert_eq!(
            open_kind(&header(current, 1, 0), Kind::KzgBatchProof).unwrap_err(),
            DecodeError::WrongKind { expected: Kind::KzgBatchProof, found: Kind::Srs }
        );
        let empty = header(current, 2, 0);
        let (k, r) = open(&empty).unwrap();
        assert_eq!((k, r.remaining()), (Kind::KzgVerifyingKey, 0));
        // A header cut inside the length field.
        assert!(matches!(open(&header(current, 2, 0)[..12]).unwrap_err(), DecodeError::UnexpectedEnd { .. }));
    }

    #[test]
    fn payload_length_is_checked() {
        let mut w = writer(Kind::ModelProof);
        w.bytes(&[7u8; 5924]);
        let bytes = finish(w);
        assert_eq!(bytes.len(), 5940);
        assert_eq!(open(&bytes).unwrap().1.remaining(), 5924);
        let err = open(&bytes[..500]).unwrap_err();
        assert_eq!(err, DecodeError::Truncated { kind: Kind::ModelProof, actual: 500, expected: 5940 });
        assert_eq!(err.to_string(), "truncated model proof: 500 of 5,940 bytes");
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(open(&long).unwrap_err(), DecodeError::TrailingBytes { what: "model proof", count: 1 });
    }
}
