//! The verify entry point, `verify_model_bytes`, on the deep MLP fixture (`tests/fixtures/mlp/
//! deep_mlp.vk`, accumulated proof `deep_mlp.proof`). The first input byte picks what is fuzzed:
//! even, the rest of the input is the proof and the key is fixed; odd, the rest is the key and the
//! proof is fixed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkml_verifier::model::verify_model_bytes;

const VK: &[u8] = include_bytes!("../../tests/fixtures/mlp/deep_mlp.vk");
const PROOF: &[u8] = include_bytes!("../../tests/fixtures/mlp/deep_mlp.proof");

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let _ = if mode & 1 == 0 { verify_model_bytes(VK, rest, None) } else { verify_model_bytes(rest, PROOF, None) };
});
