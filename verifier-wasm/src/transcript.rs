//! The Fiat–Shamir transcript shared by prover and verifier.
//!
//! A hash chain over BLAKE2b-512. The state starts from a domain label; every absorbed message is
//! hashed into the state together with its label and length, and every challenge is squeezed from
//! the state (which then moves on), so each challenge depends on everything absorbed before it.
//! Messages are absorbed through their canonical wire encoding ([`Encode`]), the same bytes that
//! travel in a proof. Challenges are reduced from 512 bits, so their bias is negligible.

use blake2::digest::consts::U32;
use blake2::{Blake2b, Blake2b512, Digest as _};

use ark_ff::PrimeField;

use crate::codec::Encode;
use crate::hex::Digest;
use crate::Fr;

/// Labels of every message and challenge, named once.
pub mod labels {
    pub const KZG_BATCH_DOMAIN: &[u8] = b"zkml/kzg-batch/v1";
    pub const VK_DIGEST: &[u8] = b"vk-digest";
    pub const COMMITMENTS: &[u8] = b"commitments";
    pub const POINTS: &[u8] = b"points";
    pub const QUERIES: &[u8] = b"queries";
    pub const KZG_NU: &[u8] = b"kzg/nu";
    pub const KZG_OPENINGS: &[u8] = b"kzg/openings";
    pub const KZG_RHO: &[u8] = b"kzg/rho";
    pub const MODEL_DOMAIN: &[u8] = b"zkml/model/v1";
    pub const MODEL_KIND: &[u8] = b"model/kind";
    pub const MODEL_INPUT: &[u8] = b"model/input";
    pub const MODEL_OUTPUT: &[u8] = b"model/output";
    pub const MODEL_ROUND1: &[u8] = b"model/round1";
    pub const MODEL_R: &[u8] = b"model/r";
    pub const MODEL_ALPHA: &[u8] = b"model/alpha";
    pub const MODEL_BETA: &[u8] = b"model/beta";
    pub const MODEL_ROUND2: &[u8] = b"model/round2";
    pub const MODEL_FOLD_CROSS: &[u8] = b"model/fold/cross";
    pub const MODEL_FOLD_R: &[u8] = b"model/fold/r";
    pub const MODEL_DECIDER: &[u8] = b"model/decider";
    pub const MODEL_LAMBDA: &[u8] = b"model/lambda";
    pub const MODEL_KAPPA: &[u8] = b"model/kappa";
    pub const MODEL_QUOTIENTS: &[u8] = b"model/quotients";
    pub const MODEL_ZETA: &[u8] = b"model/zeta";
    pub const MODEL_DEGREE: &[u8] = b"model/degree";
    pub const MODEL_DEGREE_WEIGHT: &[u8] = b"model/degree-weight";
}

const TAG_INIT: u8 = 0;
const TAG_ABSORB: u8 = 1;
const TAG_SQUEEZE: u8 = 2;

/// A Fiat–Shamir transcript.
#[derive(Clone, Debug)]
pub struct Transcript {
    state: [u8; 64],
}

impl Transcript {
    /// A transcript for the protocol named by `domain`.
    pub fn new(domain: &[u8]) -> Self {
        let mut h = Blake2b512::new();
        h.update([TAG_INIT]);
        h.update((domain.len() as u64).to_le_bytes());
        h.update(domain);
        Self { state: h.finalize().into() }
    }

    /// Absorbs raw bytes under `label`.
    pub fn absorb_bytes(&mut self, label: &[u8], bytes: &[u8]) {
        let mut h = Blake2b512::new();
        h.update(self.state);
        h.update([TAG_ABSORB]);
        h.update((label.len() as u64).to_le_bytes());
        h.update(label);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
        self.state = h.finalize().into();
    }

    /// Absorbs a wire value through its canonical encoding.
    pub fn absorb<T: Encode + ?Sized>(&mut self, label: &[u8], value: &T) {
        self.absorb_bytes(label, &value.to_bytes());
    }

    /// Squeezes a scalar challenge under `label`.
    pub fn challenge(&mut self, label: &[u8]) -> Fr {
        let mut h = Blake2b512::new();
        h.update(self.state);
        h.update([TAG_SQUEEZE]);
        h.update((label.len() as u64).to_le_bytes());
        h.update(label);
        self.state = h.finalize().into();
        Fr::from_le_bytes_mod_order(&self.state)
    }
}

/// BLAKE2b with a 256-bit output: digests of keys and models.
pub fn digest(bytes: &[u8]) -> Digest {
    let mut h = Blake2b::<U32>::new();
    h.update(b"zkml/digest/v1");
    h.update(bytes);
    Digest(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_depend_on_everything_before_them() {
        let mut a = Transcript::new(b"d");
        let mut b = Transcript::new(b"d");
        assert_eq!(a.challenge(b"c"), b.challenge(b"c"));
        a.absorb_bytes(b"m", b"x");
        b.absorb_bytes(b"m", b"y");
        assert_ne!(a.challenge(b"c"), b.challenge(b"c"));

        let mut c = Transcript::new(b"d");
        let mut d = Transcript::new(b"e");
        assert_ne!(c.challenge(b"c"), d.challenge(b"c"));

        // Label and message boundaries are unambiguous.
        let mut e = Transcript::new(b"d");
        let mut f = Transcript::new(b"d");
        e.absorb_bytes(b"ab", b"c");
        f.absorb_bytes(b"a", b"bc");
        assert_ne!(e.challenge(b"c"), f.challenge(b"c"));

        // Successive challenges differ.
        let mut g = Transcript::new(b"d");
        assert_ne!(g.challenge(b"c"), g.challenge(b"c"));
    }

    #[test]
    fn digest_is_stable() {
        assert_eq!(digest(b"abc"), digest(b"abc"));
        assert_ne!(digest(b"abc"), digest(b"abd"));
    }
}
