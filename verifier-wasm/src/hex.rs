//! 32-byte digests and their lowercase hexadecimal form.

use alloc::string::String;
use core::fmt;

/// A 32-byte digest (of a verifying key, or of a model), shown as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(nibble(b >> 4));
            s.push(nibble(b & 0x0f));
        }
        s
    }

    /// Parses 64 hex digits (either case, optional `0x` prefix).
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s.strip_prefix("0x").unwrap_or(s);
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let (hi, lo) = match pair {
                [hi, lo] => (unhex(*hi)?, unhex(*lo)?),
                _ => return None,
            };
            *o = (hi << 4) | lo;
        }
        Some(Digest(out))
    }
}

fn nibble(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + (n - 10) })
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let d = Digest(core::array::from_fn(|i| (i * 7 + 3) as u8));
        let h = d.to_hex();
        assert_eq!(h.len(), 64);
        assert_eq!(Digest::from_hex(&h), Some(d));
        assert_eq!(Digest::from_hex(&alloc::format!("0x{}", h.to_uppercase())), Some(d));
        assert_eq!(Digest::from_hex(&h[1..]), None);
        assert_eq!(Digest::from_hex(&h.replace('a', "g")), if h.contains('a') { None } else { Some(d) });
    }
}
