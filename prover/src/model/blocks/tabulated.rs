//! The tabulated-activation block's values and lookups
//! (`zkml_verifier::model::blocks::tabulated`; `docs/protocols/blocks/tabulated.md`); the values
//! are `super::super::activation::apply`, those of the table sections.

use ark_bn254::Fr;

/// The lookups `(t, f(t), tag)` in the activation's table section, from the witness as it stands.
pub fn lookups(pre: impl Iterator<Item = Fr>, out: &[i64], tag: Fr) -> Vec<[Fr; 3]> {
    pre.zip(out).map(|(t, &o)| [t, Fr::from(o), tag]).collect()
}
