//! A model verifying key from untrusted bytes: decoding (every point checked) and validation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkml_verifier::model::ModelVerifyingKey;

fuzz_target!(|data: &[u8]| {
    let _ = ModelVerifyingKey::from_bytes(data);
});
