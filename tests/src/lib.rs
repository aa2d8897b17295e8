//! Shared fixtures of the end-to-end tests.
//!
//! The pinned fixtures in `tests/fixtures/` are made by the native prover from fixed seeds, so
//! regenerating them gives the same bytes; `tests/native.rs` checks that they are current
//! (`UPDATE_FIXTURES=1 cargo test -p zkml-tests --test native` rewrites them on purpose).
#![no_std]

/// KZG verifying key of the pinned batch-opening fixture.
pub const KZG_VK: &[u8] = include_bytes!("../fixtures/kzg/kzg.vk");
/// KZG batch-opening proof made under [`KZG_VK`].
pub const KZG_PROOF: &[u8] = include_bytes!("../fixtures/kzg/kzg.proof");

/// Seeds and shape of the pinned KZG fixture.
pub mod kzg_fixture {
    pub const SRS_SEED: u64 = 20261124;
    pub const SRS_LOG_SIZE: u32 = 6;
    pub const PROOF_SEED: u64 = 7;
    pub const POLYS: usize = 3;
    pub const DEGREE: usize = 31;
    pub const POINTS: usize = 2;
}
