//! Hiding KZG commitments on BN254: the verifying key and batch-opening verification.
//! The protocol is specified in `docs/protocols/kzg.md`.

mod batch;
mod key;

pub use batch::{verify_batch, verify_batch_combos, BatchOpeningProof, PointOpening, Query, QueryPlan};
pub use key::VerifyingKey;
