//! Errors returned by decoding and verification. Every variant carries what went wrong and where;
//! none of them is ever a panic.

use crate::envelope::Kind;
use crate::hex::Digest;

/// Why a byte string could not be decoded into a wire type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a zkml artifact (bad magic bytes)")]
    BadMagic,
    #[error("unsupported format version {found} (this verifier reads version {supported})")]
    UnsupportedVersion { found: u16, supported: u16 },
    #[error("unknown artifact kind {0}")]
    UnknownKind(u16),
    #[error("expected a {expected} but the file holds a {found}")]
    WrongKind { expected: Kind, found: Kind },
    #[error("truncated {kind}: {} of {} bytes", Thousands(*actual), Thousands(*expected))]
    Truncated { kind: Kind, actual: u64, expected: u64 },
    #[error("truncated input: {what} needs {needed} bytes but only {remaining} remain")]
    UnexpectedEnd { what: &'static str, needed: usize, remaining: usize },
    #[error("{count} trailing bytes after the end of the {what}")]
    TrailingBytes { what: &'static str, count: usize },
    #[error("{what}: not a valid point of the prime-order subgroup")]
    InvalidPoint { what: &'static str },
    #[error("{what}: not a canonical field element")]
    InvalidScalar { what: &'static str },
    #[error("{what}: non-canonical encoding")]
    NonCanonical { what: &'static str },
    #[error("{what}: length {len} exceeds the limit {max}")]
    LengthTooLarge { what: &'static str, len: u64, max: u64 },
    #[error("{what}: invalid value {value}")]
    InvalidValue { what: &'static str, value: u64 },
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: &'static str },
}

/// Why verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("malformed input: {0}")]
    Decode(#[from] DecodeError),
    #[error("the proof was made for verifying key {proof} but the key given has digest {key}")]
    KeyMismatch { key: Digest, proof: Digest },
    #[error("the verifying key has digest {actual} but {expected} was expected")]
    DigestMismatch { expected: Digest, actual: Digest },
    #[error("ill-formed proof: {0}")]
    Shape(ShapeError),
    #[error("the pairing check failed: the proof does not verify")]
    PairingCheckFailed,
    #[error("degenerate key: {0}")]
    DegenerateKey(&'static str),
    #[error("the proof holds {found} {what} but the verifying key expects {expected}")]
    ProofShape { what: &'static str, expected: usize, found: usize },
    #[error("a challenge fell on an evaluation domain; the proof cannot be checked")]
    DegenerateChallenge,
    #[error("the verifying key is malformed: {0}")]
    BadKey(&'static str),
    #[error("input value {index} is {value}, not a token id below {vocab}")]
    TokenOutOfRange { index: usize, value: i32, vocab: u32 },
}

/// Structural problems of a proof found before any arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("query {query} refers to commitment {index} but there are only {count}")]
    CommitmentIndex { query: usize, index: u32, count: usize },
    #[error("query {query} refers to point {index} but there are only {count}")]
    PointIndex { query: usize, index: u32, count: usize },
    #[error("point {point} is opened by no query")]
    UnusedPoint { point: usize },
    #[error("points {first} and {second} are equal")]
    DuplicatePoint { first: usize, second: usize },
    #[error("commitment {poly} is queried twice at point {point}")]
    DuplicateQuery { poly: u32, point: u32 },
    #[error("{found} opening proofs for {expected} points")]
    OpeningCount { expected: usize, found: usize },
    #[error("the statement is empty")]
    Empty,
}

impl From<ShapeError> for Error {
    fn from(e: ShapeError) -> Self {
        Error::Shape(e)
    }
}

/// A count written with thousands separators (`5,940`), for messages about sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thousands(pub u64);

impl core::fmt::Display for Thousands {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut groups = [0u16; 7];
        let (mut v, mut n) = (self.0, 0usize);
        while let Some(slot) = groups.get_mut(n) {
            *slot = (v % 1000) as u16;
            v /= 1000;
            n += 1;
            if v == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().take(n).rev().enumerate() {
            if i == 0 {
                write!(f, "{g}")?;
            } else {
                write!(f, ",{g:03}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Thousands;
    use alloc::string::ToString;

    #[test]
    fn thousands() {
        for (v, s) in [(0, "0"), (999, "999"), (1000, "1,000"), (5940, "5,940"), (1_234_567, "1,234,567")] {
            assert_eq!(Thousands(v).to_string(), s);
        }
        assert_eq!(Thousands(u64::MAX).to_string(), "18,446,744,073,709,551,615");
    }
}
