//! Recomputes every public commitment of a model verifying key from the parameters it names, so
//! anyone holding the SRS can tell whether a key's owner chose them honestly (`prove check-key`).
//!
//! What a dishonest owner could choose badly, and the verifier takes on trust from the key: the
//! generators and `[tau]_2` of the KZG key, the blinding base, the degree check's points (a
//! `[tau^e]_2` with too large an `e`, or a G2 power count below the ceremony's, would let proofs
//! escape their degree bounds), and the lookup table (a table with two rows for one input makes
//! the model a relation). The weight commitments are the owner's secret and are not checked here.

use zkml_verifier::model::layout::required_degree_bound;
use zkml_verifier::model::ModelVerifyingKey;

use super::keys::table_commitments;
use crate::error::ProverError;
use crate::srs::Srs;

/// One public part of a key and whether it is what the parameters give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCheck {
    pub what: &'static str,
    pub ok: bool,
}

/// Every public commitment of `vk` recomputed from `srs`; all `ok` means an honest key.
pub fn check_key(vk: &ModelVerifyingKey, srs: &Srs) -> Result<Vec<KeyCheck>, ProverError> {
    let mut out = Vec::new();
    let mut check = |what, ok| out.push(KeyCheck { what, ok });
    let kzg = srs.verifying_key();
    check("generators [1]_1, [1]_2", vk.kzg.g == kzg.g && vk.kzg.h == kzg.h);
    check("[tau]_2", vk.kzg.tau_h == kzg.tau_h);
    check("blinding base [gamma]_1", vk.kzg.gamma_g == kzg.gamma_g);
    let p = &vk.params;
    check("source", p.source == srs.source());
    check("source file digest", p.file_digest == srs.source_digest());
    check("[gamma]_2", p.degree.gamma_h == srs.gamma_g2);
    let published = srs.published_g2_powers();
    check("published G2 powers", published == Some(p.degree.g2_powers as usize));
    check("degree bound", p.degree.bound as usize == required_degree_bound(vk));
    let e = (p.degree.g2_powers as usize).checked_sub(p.degree.bound as usize);
    check("[tau^e]_2 of the degree check", e.and_then(|e| srs.powers_g2.get(e)) == Some(&p.degree.shift_h));
    let table = table_commitments(srs, vk.scale_bits, vk.table_bits, &vk.table_sections())?;
    check("lookup table", vk.table == table);
    Ok(out)
}
