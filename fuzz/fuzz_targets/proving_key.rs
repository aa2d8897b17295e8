//! A model proving key from untrusted bytes (prover side): the embedded verifying key (validated),
//! the SRS, the degree-check powers and the layers with their blinds.
//!
//! With `ZKML_FUZZ_WRITE_SEEDS=DIR` set, the binary instead writes freshly made artifacts of a tiny
//! model to DIR and exits (`zkml_fuzz::write_seeds_from_env`): scripts/fuzz.sh seeds with them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkml_prover::model::ModelProvingKey;

fuzz_target!(
    init: {
        zkml_fuzz::write_seeds_from_env();
    },
    |data: &[u8]| {
        let _ = ModelProvingKey::from_bytes(data);
    }
);
