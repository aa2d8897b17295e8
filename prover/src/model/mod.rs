//! Proving inference of fully connected ReLU networks (`docs/protocols/mlp.md`); the verifier is
//! `zkml_verifier::model`, mirrored file by file where it makes sense.

pub mod activation;
pub mod audit;
pub mod blocks;
pub mod compile;
pub mod fold;
pub mod keys;
pub mod options;
pub mod poly;
pub mod prove;
mod quotient;
mod stages;
pub mod witness;

pub use audit::{check_key, KeyCheck};
pub use compile::{compile, Layer};
pub use keys::{setup, ModelProvingKey};
pub use options::{ProveOptions, TotalCheat};
pub use prove::{prove, prove_mode, prove_witness, prove_witness_with};
pub use stages::{last_stage_times, with_stage_hook, STAGES};
pub use witness::{witness, witness_with, LayerWitness};
