//! The KZG batch-opening artifact and the KZG verifying key (decoded and validated). Both decoders
//! see every input; the envelope's kind decides which one gets past the header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkml_verifier::artifact::KzgBatchArtifact;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::kzg::VerifyingKey;

fuzz_target!(|data: &[u8]| {
    let _ = KzgBatchArtifact::from_artifact_bytes(data);
    let _ = VerifyingKey::from_bytes(data);
});
