//! What a key says about its parameters: where the SRS came from and the points its degree checks
//! use (`docs/protocols/kzg.md`, "Parameters").

use super::degree::DegreeKey;
use super::VerifyingKey;
use crate::codec::{Decode, Encode, Reader, Writer};
use crate::error::DecodeError;
use crate::hex::Digest;
use crate::transcript::digest;

/// Who made the SRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrsSource {
    /// Made locally by `prove srs new`: whoever ran it could know `tau` and forge proofs.
    Dev,
    /// Imported from a public powers-of-tau ceremony: sound as long as one contributor was honest.
    Ceremony,
}

impl SrsSource {
    pub fn name(self) -> &'static str {
        match self {
            SrsSource::Dev => "dev",
            SrsSource::Ceremony => "ceremony",
        }
    }
}

/// The parameters a key was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrsParams {
    pub source: SrsSource,
    /// Digest of the SRS file the key was made from (for a ceremony: of the `.ptau` file).
    pub file_digest: Digest,
    /// The degree check: the ceremony's number of G2 powers and the points it uses.
    pub degree: DegreeKey,
}

impl SrsParams {
    /// Digest of every SRS point verification uses (`[1]_1, [gamma]_1, [1]_2, [tau]_2, [gamma]_2,
    /// [tau^e]_2`) with the G2 power count and the bound: what `prove check-key` recomputes.
    pub fn points_digest(&self, kzg: &VerifyingKey) -> Digest {
        let mut w = Writer::new();
        kzg.encode(&mut w);
        self.degree.encode(&mut w);
        digest(&w.into_bytes())
    }
}

impl Encode for SrsParams {
    fn encode(&self, w: &mut Writer) {
        w.u8(match self.source {
            SrsSource::Dev => 0,
            SrsSource::Ceremony => 1,
        });
        w.put(&self.file_digest);
        w.put(&self.degree);
    }
}

impl Decode for SrsParams {
    const MIN_SIZE: usize = 1 + 32 + DegreeKey::MIN_SIZE;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let source = match r.u8(what)? {
            0 => SrsSource::Dev,
            1 => SrsSource::Ceremony,
            v => return Err(DecodeError::InvalidValue { what: "srs source", value: u64::from(v) }),
        };
        Ok(Self { source, file_digest: r.get(what)?, degree: r.get(what)? })
    }
}
