//! Proofs of inference for fully connected ReLU networks (`docs/protocols/mlp.md`).
//!
//! [`key`] is what a model owner publishes, [`proof`] what a prover sends, [`verify`] checks one
//! against the other. [`layout`] and [`claims`] are shared with the prover so both sides run the
//! same protocol.

pub mod activation;
pub mod blocks;
pub mod claims;
pub mod constraints;
pub mod domain;
pub mod key;
pub mod layout;
pub mod proof;
pub mod verify;

pub use key::{LayerKey, ModelMeta, ModelVerifyingKey, Source};
pub use proof::{Int, ModelProof};
pub use verify::{verify_model, verify_model_bytes, ModelVerdict};
