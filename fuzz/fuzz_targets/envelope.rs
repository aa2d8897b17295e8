//! The versioned header every artifact starts with: magic, format version, kind and payload length,
//! read by `envelope::open` and, for every kind, by `envelope::open_kind`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkml_verifier::envelope::{self, Kind};

fuzz_target!(|data: &[u8]| {
    let _ = envelope::open(data);
    for kind in Kind::ALL {
        let _ = envelope::open_kind(data, kind);
    }
});
