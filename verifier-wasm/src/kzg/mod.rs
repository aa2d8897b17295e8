//! Hiding KZG commitments on BN254: the verifying key, batch-opening verification, degree bounds
//! and the parameters a key names. The protocol is specified in `docs/protocols/kzg.md`.

mod batch;
mod degree;
mod key;
mod params;

pub use batch::{verify_batch, verify_batch_combos, BatchOpeningProof, PointOpening, Query, QueryPlan};
pub use degree::{add_degree_check, DegreeKey, DegreeProof};
pub use key::VerifyingKey;
pub use params::{SrsParams, SrsSource};
