//! Verifier for zkml proofs.
//!
//! This crate owns every wire type (keys, proofs, envelopes), the Fiat–Shamir transcript and all
//! verification. It is `#![no_std]` with `alloc`, so the same code runs natively, in Node and in a
//! browser (see [`wasm`] for the JavaScript bindings, compiled only for `wasm32-unknown-unknown`).
//!
//! Untrusted bytes enter only through [`codec::Reader`], which performs checked (curve and subgroup)
//! decoding and rejects non-canonical encodings; [`envelope`] wraps every artifact in a versioned
//! header. Verification never panics: every failure is an [`Error`].
#![no_std]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

extern crate alloc;
// Hosted targets link std only so that the cdylib (the WebAssembly module) gets an allocator and a
// panic handler; no code in this crate uses it. Targets without an OS (wasm32v1-none, thumbv7em)
// build the rlib, and the no-std check in scripts/test.sh proves the crate needs nothing more.
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod artifact;
pub mod codec;
pub mod envelope;
pub mod error;
pub mod hex;
pub mod kzg;
pub mod model;
pub mod msm;
pub mod pairing;
pub mod selftest;
pub mod transcript;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod wasm;

pub use error::{DecodeError, Error};

/// The scalar field of BN254, in which all polynomials live.
pub type Fr = ark_bn254::Fr;
/// Affine points of the first source group.
pub type G1 = ark_bn254::G1Affine;
/// Affine points of the second source group.
pub type G2 = ark_bn254::G2Affine;
