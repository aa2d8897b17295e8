//! Errors of the prover and of the `prove` command: one line each, naming the file or step at fault.

use std::path::PathBuf;

use zkml_verifier::DecodeError;

#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Decode { path: PathBuf, source: DecodeError },
    #[error("{0}")]
    Srs(#[from] SrsError),
    #[error("polynomial of degree {degree} exceeds the SRS maximum degree {max}")]
    DegreeTooLarge { degree: usize, max: usize },
    #[error("hiding degree {hiding} exceeds the SRS blinding powers ({max})")]
    HidingTooLarge { hiding: usize, max: usize },
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Quant(#[from] crate::quant::QuantError),
    #[error("unsupported model: {0}")]
    Unsupported(String),
    #[error("internal error (please report): {0}")]
    Internal(String),
}

/// Problems with a structured reference string or a powers-of-tau file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SrsError {
    #[error("not a powers-of-tau file (magic bytes {0:?}, expected \"ptau\")")]
    PtauMagic([u8; 4]),
    #[error("unsupported powers-of-tau version {0}")]
    PtauVersion(u32),
    #[error("powers-of-tau file is truncated: {0}")]
    Truncated(String),
    #[error("powers-of-tau file: missing section {0}")]
    MissingSection(u32),
    #[error("powers-of-tau file: {0}")]
    Malformed(String),
    #[error("powers-of-tau file is not over BN254: field modulus differs")]
    WrongCurve,
    #[error("{section} point {index}: not on the curve")]
    NotOnCurve { section: &'static str, index: usize },
    #[error("{section} point {index}: not in the prime-order subgroup")]
    NotInSubgroup { section: &'static str, index: usize },
    #[error("{section} point {index}: coordinate is not a canonical field element")]
    NonCanonicalCoordinate { section: &'static str, index: usize },
    #[error("{section} point {index}: the point at infinity is not allowed here")]
    Identity { section: &'static str, index: usize },
    #[error("{0}: the first point is not the standard generator")]
    WrongGenerator(&'static str),
    #[error("{0}: the powers are not consistent (pairing check failed)")]
    Inconsistent(&'static str),
    #[error("requested 2^{requested} powers but the file holds only 2^{available}")]
    TooSmall { requested: u32, available: u32 },
    #[error("SRS is too small: {0}")]
    Shape(String),
}
