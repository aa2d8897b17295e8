//! The byte codec of every wire type.
//!
//! Integers are little-endian; curve points and scalars use arkworks' compressed encoding, decoded
//! with full validation (on the curve, in the prime-order subgroup, scalar below the modulus) and
//! then re-encoded and compared, so every value has exactly one accepted encoding. Sequences carry a
//! `u32` length that is checked against the bytes that remain before anything is allocated.

use alloc::vec::Vec;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

use crate::error::DecodeError;
use crate::hex::Digest;
use crate::Fr;
#[cfg(test)]
use crate::{G1, G2};

/// Encoded size of a compressed G1 point.
pub const G1_BYTES: usize = 32;
/// Encoded size of a compressed G2 point.
pub const G2_BYTES: usize = 64;
/// Encoded size of a scalar.
pub const FR_BYTES: usize = 32;

/// Appends the canonical encoding of wire values to a byte vector.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes written so far.
    pub fn written(&self) -> usize {
        self.buf.len()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Writes a sequence length. Lengths above `u32::MAX` cannot be represented and are a bug in
    /// the caller, so they saturate (and then fail to decode) rather than wrap.
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// A length-prefixed UTF-8 string.
    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.bytes(s.as_bytes());
    }

    pub fn put<T: Encode + ?Sized>(&mut self, v: &T) {
        v.encode(self);
    }
}

/// Reads wire values from untrusted bytes. Never panics.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Fails unless every byte was consumed.
    pub fn finish(self, what: &'static str) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes { what, count: self.buf.len() })
        }
    }

    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::UnexpectedEnd { what, needed: n, remaining: self.buf.len() });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N, what)?);
        Ok(out)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(u8::from_le_bytes(self.array(what)?))
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Reads a sequence length and checks that `len` elements of at least `min_size` bytes each can
    /// still fit in the input, so a forged length cannot trigger a huge allocation.
    pub fn len(&mut self, min_size: usize, what: &'static str) -> Result<usize, DecodeError> {
        let len = self.u32(what)?;
        let max = self.buf.len() / min_size.max(1);
        let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
        if len_usize > max {
            return Err(DecodeError::LengthTooLarge { what, len: u64::from(len), max: max as u64 });
        }
        Ok(len_usize)
    }

    /// Reads a length-prefixed UTF-8 string of at most `max` bytes.
    pub fn str(&mut self, max: usize, what: &'static str) -> Result<&'a str, DecodeError> {
        let n = self.len(1, what)?;
        if n > max {
            return Err(DecodeError::LengthTooLarge { what, len: n as u64, max: max as u64 });
        }
        core::str::from_utf8(self.bytes(n, what)?).map_err(|_| DecodeError::Invalid { what, reason: "not UTF-8" })
    }

    /// Reads a length-prefixed sequence.
    pub fn vec<T: Decode>(&mut self, what: &'static str) -> Result<Vec<T>, DecodeError> {
        let n = self.len(T::MIN_SIZE, what)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(T::decode(self, what)?);
        }
        Ok(out)
    }

    pub fn get<T: Decode>(&mut self, what: &'static str) -> Result<T, DecodeError> {
        T::decode(self, what)
    }

    /// Decodes an arkworks value from exactly `size` bytes, validated, and insists that it
    /// re-encodes to the same bytes.
    fn ark<T: CanonicalDeserialize + CanonicalSerialize>(
        &mut self,
        size: usize,
        what: &'static str,
        invalid: DecodeError,
    ) -> Result<T, DecodeError> {
        self.ark_with(size, what, invalid, Compress::Yes)
    }

    fn ark_with<T: CanonicalDeserialize + CanonicalSerialize>(
        &mut self,
        size: usize,
        what: &'static str,
        invalid: DecodeError,
        compress: Compress,
    ) -> Result<T, DecodeError> {
        let raw = self.bytes(size, what)?;
        let v = T::deserialize_with_mode(raw, compress, Validate::Yes).map_err(|_| invalid)?;
        let mut again = Vec::with_capacity(size);
        v.serialize_with_mode(&mut again, compress).map_err(|_| DecodeError::NonCanonical { what })?;
        if again != raw {
            return Err(DecodeError::NonCanonical { what });
        }
        Ok(v)
    }
}

/// A wire type's canonical encoding.
pub trait Encode {
    fn encode(&self, w: &mut Writer);

    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }
}

/// Checked decoding of a wire type. `what` names the field for error messages.
pub trait Decode: Sized {
    /// The fewest bytes one value can occupy (bounds sequence lengths).
    const MIN_SIZE: usize;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError>;
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer) {
        w.len(self.len());
        for v in self {
            v.encode(w);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<T: Decode> Decode for Vec<T> {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        r.vec(what)
    }
}

impl Encode for u32 {
    fn encode(&self, w: &mut Writer) {
        w.u32(*self);
    }
}

impl Decode for u32 {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        r.u32(what)
    }
}

impl Encode for Digest {
    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.0);
    }
}

impl Decode for Digest {
    const MIN_SIZE: usize = 32;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Digest(r.array(what)?))
    }
}

impl<P: SWCurveConfig> Encode for Affine<P> {
    fn encode(&self, w: &mut Writer) {
        let mut buf = Vec::with_capacity(self.compressed_size());
        // Writing into a Vec cannot fail.
        if self.serialize_with_mode(&mut buf, Compress::Yes).is_ok() {
            w.bytes(&buf);
        }
    }
}

impl<P: SWCurveConfig> Decode for Affine<P> {
    /// A lower bound (G1); G2 points take twice as much.
    const MIN_SIZE: usize = G1_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let size = Affine::<P>::identity().compressed_size();
        r.ark(size, what, DecodeError::InvalidPoint { what })
    }
}

/// A G1 point on the wire uncompressed (64 bytes): decoding checks the curve equation and the
/// canonical encoding but needs no square root, which makes large proofs much cheaper to read in
/// WebAssembly. (G1 of BN254 has cofactor 1, so every curve point is in the subgroup.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct G1Uncompressed(pub crate::G1);

/// Bytes of an uncompressed G1 point.
pub const G1_UNCOMPRESSED_BYTES: usize = 64;

impl Encode for G1Uncompressed {
    fn encode(&self, w: &mut Writer) {
        let mut buf = Vec::with_capacity(G1_UNCOMPRESSED_BYTES);
        if self.0.serialize_with_mode(&mut buf, Compress::No).is_ok() {
            w.bytes(&buf);
        }
    }
}

impl Decode for G1Uncompressed {
    const MIN_SIZE: usize = G1_UNCOMPRESSED_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        r.ark_with(G1_UNCOMPRESSED_BYTES, what, DecodeError::InvalidPoint { what }, Compress::No).map(G1Uncompressed)
    }
}

impl Encode for Fr {
    fn encode(&self, w: &mut Writer) {
        let mut buf = Vec::with_capacity(FR_BYTES);
        if self.serialize_with_mode(&mut buf, Compress::Yes).is_ok() {
            w.bytes(&buf);
        }
    }
}

impl Decode for Fr {
    const MIN_SIZE: usize = FR_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        r.ark(FR_BYTES, what, DecodeError::InvalidScalar { what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;
    use ark_ff::{One, UniformRand};
    use ark_std::test_rng;

    #[test]
    fn sizes_match_arkworks() {
        assert_eq!(G1::generator().to_bytes().len(), G1_BYTES);
        assert_eq!(G2::generator().to_bytes().len(), G2_BYTES);
        assert_eq!(Fr::one().to_bytes().len(), FR_BYTES);
    }

    #[test]
    fn round_trip_and_trailing_bytes() {
        let mut rng = test_rng();
        let p = (G1::generator() * Fr::rand(&mut rng)).into();
        let v: Vec<G1> = alloc::vec![p, G1::generator()];
        let mut bytes = v.to_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.get::<Vec<G1>>("points").unwrap(), v);
        r.finish("points").unwrap();
        bytes.push(0);
        let mut r = Reader::new(&bytes);
        r.get::<Vec<G1>>("points").unwrap();
        assert_eq!(r.finish("points"), Err(DecodeError::TrailingBytes { what: "points", count: 1 }));
    }

    #[test]
    fn forged_length_is_rejected_before_allocation() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        bytes.extend_from_slice(&[0u8; 64]);
        let err = Reader::new(&bytes).get::<Vec<G1>>("points").unwrap_err();
        assert_eq!(err, DecodeError::LengthTooLarge { what: "points", len: u32::MAX as u64, max: 2 });
    }

    #[test]
    fn scalar_at_or_above_modulus_is_rejected() {
        let bytes = [0xffu8; 32];
        let err = Reader::new(&bytes).get::<Fr>("s").unwrap_err();
        assert_eq!(err, DecodeError::InvalidScalar { what: "s" });
    }

    #[test]
    fn point_off_curve_is_rejected() {
        // x = 0 has no point on y^2 = x^3 + 3 with a square... try small x until one is invalid.
        let mut found = false;
        for x in 0u8..16 {
            let mut bytes = [0u8; 32];
            bytes[0] = x;
            if let Err(e) = Reader::new(&bytes).get::<G1>("p") {
                assert!(matches!(e, DecodeError::InvalidPoint { .. } | DecodeError::NonCanonical { .. }));
                found = true;
            }
        }
        assert!(found);
    }

    #[test]
    fn every_single_bit_flip_of_a_point_changes_or_fails() {
        let mut rng = test_rng();
        let p: G1 = (G1::generator() * Fr::rand(&mut rng)).into();
        let q: G2 = (G2::generator() * Fr::rand(&mut rng)).into();
        for (bytes, is_g1) in [(p.to_bytes(), true), (q.to_bytes(), false)] {
            for i in 0..bytes.len() * 8 {
                let mut b = bytes.clone();
                b[i / 8] ^= 1 << (i % 8);
                let mut r = Reader::new(&b);
                if is_g1 {
                    if let Ok(v) = r.get::<G1>("p") {
                        assert_ne!(v, p);
                    }
                } else if let Ok(v) = r.get::<G2>("q") {
                    assert_ne!(v, q);
                }
            }
        }
    }

    #[test]
    fn identity_has_one_encoding() {
        let zero = G1::zero().to_bytes();
        let mut r = Reader::new(&zero);
        assert!(r.get::<G1>("p").unwrap().is_zero());
        // The infinity flag with a non-zero x is not canonical.
        let mut b = zero.clone();
        b[0] ^= 1;
        assert!(Reader::new(&b).get::<G1>("p").is_err());
    }
}
