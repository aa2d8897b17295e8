//! Import of snarkjs powers-of-tau files.
