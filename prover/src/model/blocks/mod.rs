//! The prover's side of each block (`zkml_verifier::model::blocks`, file by file): the values a
//! block computes on a layer's rows and the triples it looks up in the table. `witness.rs` and
//! `LayerWitness::lookups` run a layer's blocks in order.

pub mod divide;
pub mod matmul;
pub mod product;
pub mod public_matmul;
pub mod relu;
pub mod rescale;
pub mod tabulated;
