//! A model proof from untrusted bytes, of either kind (6 per-layer, uncompressed commitments; 7
//! accumulated, compressed commitments).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::ModelProof;

fuzz_target!(|data: &[u8]| {
    let _ = ModelProof::from_artifact_bytes(data);
});
