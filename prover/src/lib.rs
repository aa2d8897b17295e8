//! Native prover for zkml proofs.
//!
//! The wire types, the transcript and all verification live in [`zkml_verifier`]; this crate holds
//! what only the prover has: the structured reference string ([`srs`]), committing and opening
//! polynomials ([`kzg`]), and the `prove` command built on them.

pub mod artifact;
pub mod error;
pub mod io_json;
pub mod ir;
pub mod kzg;
pub mod model;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod parallel;
pub mod progress;
pub mod quant;
pub mod srs;

pub use error::ProverError;
pub use zkml_verifier as verifier;
