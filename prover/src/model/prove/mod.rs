//! The model prover, mirroring `zkml_verifier::model` (`docs/protocols/mlp.md`): one file per
//! phase of the transcript (round 1, round 2, folding and the decider, round 3, the opening),
//! driven in order by [`prove_witness_with`].

mod folding;
mod opening;
mod round1;
mod round2;
mod round3;
mod state;

use ark_bn254::Fr;
use rand::RngCore;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::claims::{points, section_tag, start_transcript, Challenges};
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::verify::{
    decider_challenges, round1_challenges, round2_absorb, round2_challenges, round3_challenge,
};
use zkml_verifier::model::{Int, ModelProof};

use super::keys::{table_columns, ModelProvingKey};
use super::options::ProveOptions;
use super::poly::interpolate;
use super::stages::Stages;
use super::witness::{witness, LayerWitness, Lookups};
use crate::error::ProverError;
pub use state::PROOF_HIDING;

/// What every phase reads: the key, the layout, the witness and the options.
pub(super) struct Ctx<'a> {
    pub pk: &'a ModelProvingKey,
    pub layout: &'a Layout,
    pub wit: &'a [LayerWitness],
    pub input: &'a [i64],
    pub opts: &'a ProveOptions,
    /// The key's tabulated activations, in table order (`Activation::tag`).
    pub sections: Vec<Activation>,
}

impl Ctx<'_> {
    /// The tag of `act`'s table section, as the constraints take it.
    fn tag(&self, act: Activation) -> Result<Fr, ProverError> {
        section_tag(&self.sections, act).map_err(|e| ProverError::Internal(e.to_string()))
    }
}

/// The lookup table's three columns `T_in, T_out, T_tag` (values over `H_N`).
pub(super) type TableColumns = [Vec<Fr>; 3];

fn to_int(v: i64, what: &str) -> Result<Int, ProverError> {
    i32::try_from(v)
        .map(Int)
        .map_err(|_| ProverError::InvalidArgument(format!("{what} value {v} does not fit in 32 bits")))
}

fn frs(v: &[i64]) -> Vec<Fr> {
    v.iter().map(|&x| Fr::from(x)).collect()
}

/// Proves one inference on the quantised `input`, folding hidden layers (the default mode).
pub fn prove<R: RngCore>(pk: &ModelProvingKey, input: &[i64], rng: &mut R) -> Result<ModelProof, ProverError> {
    prove_mode(pk, input, Mode::Accumulated, rng)
}

/// Proves one inference in the given mode.
pub fn prove_mode<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    mode: Mode,
    rng: &mut R,
) -> Result<ModelProof, ProverError> {
    let wit = witness(pk, input)?;
    prove_witness_with(pk, input, &wit, rng, &ProveOptions::new(mode))
}

/// Proves an accumulated proof with a given witness; see [`ProveOptions::strict`].
pub fn prove_witness<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    wit: &[LayerWitness],
    rng: &mut R,
    strict: bool,
) -> Result<ModelProof, ProverError> {
    let opts = ProveOptions { strict, ..ProveOptions::new(Mode::Accumulated) };
    prove_witness_with(pk, input, wit, rng, &opts)
}

/// Proves with a given witness and options.
pub fn prove_witness_with<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    wit: &[LayerWitness],
    rng: &mut R,
    opts: &ProveOptions,
) -> Result<ModelProof, ProverError> {
    let vk = &pk.vk;
    let mut stages = Stages::new();
    let layout = Layout::new(vk, opts.mode);
    if wit.len() != layout.layers.len() {
        return Err(ProverError::InvalidArgument(format!(
            "{} layer witnesses for {} layers",
            wit.len(),
            layout.layers.len()
        )));
    }
    stages.mark("witness");
    // The proof holds the input as given (token ids); the layers read their one-hot rows.
    let input_ints = input.iter().map(|&v| to_int(v, "input")).collect::<Result<Vec<_>, _>>()?;
    let model_input = super::witness::model_input(vk, input)?;
    let input = &model_input[..];
    let cx = Ctx { pk, layout: &layout, wit, input, opts, sections: vk.table_sections() };
    // The public output: every output layer's values, in layer order.
    let outputs: Vec<i64> =
        vk.output_layers().iter().flat_map(|&i| wit[i].out[..layout.layers[i].rows].to_vec()).collect();
    let output_ints = outputs[..vk.output_len()].iter().map(|&v| to_int(v, "output")).collect::<Result<Vec<_>, _>>()?;
    let digest = vk.digest();
    let mut t = start_transcript(&digest, ModelProof::kind_of(opts.mode), &input_ints, &output_ints);
    let mut st = state::State::new(pk, rng, layout.commitments());

    let table: TableColumns = table_columns(vk.scale_bits, vk.table_bits, &vk.table_sections());
    let lookups =
        layout.layers.iter().zip(wit).map(|(l, w)| Ok(w.lookups(l.act, l.first, cx.tag(l.act)?, vk.scale_bits)));
    let lookups: Vec<Lookups> = lookups.collect::<Result<_, ProverError>>()?;
    let mult = round1::multiplicities(&cx, &table, &lookups)?;
    let member_r1 = round1::commit(&cx, &mut st, &mult)?;
    let round1 = st.coms[..layout.round1].to_vec();
    stages.mark("round 1");
    let (r, alpha, beta) = round1_challenges(&mut t, &round1);

    let r2 = round2::commit(&cx, &mut st, &lookups, &mult, &table, (r, alpha, beta))?;
    let round2 = st.coms[layout.round1..layout.round1 + layout.round2].to_vec();
    stages.mark("round 2");

    let (lambda, kappa, fold_ch, roots) = match opts.mode {
        Mode::PerLayer => {
            let (lambda, kappa) = round2_challenges(&mut t, &round2);
            (lambda, kappa, Vec::new(), Vec::new())
        }
        Mode::Accumulated => {
            round2_absorb(&mut t, &round2);
            let folded = folding::fold_classes(&cx, &mut st, &mut t, member_r1, &r2, (alpha, beta))?;
            let (lambda, kappa) = decider_challenges(&mut t, &st.coms[layout.decider_start()..layout.round3_start()]);
            (lambda, kappa, folded.challenges, folded.roots)
        }
    };
    stages.mark("folding");
    let folds = st.coms[layout.fold_start()..layout.decider_start()].to_vec();
    let decider = st.coms[layout.decider_start()..layout.round3_start()].to_vec();

    let table_polys: Vec<Vec<Fr>> = table.iter().map(|c| interpolate(c, layout.table_n)).collect::<Result<_, _>>()?;
    let owned = round3::slot_polys(&cx, &st)?;
    let views = round3::views(&cx, &owned, &r2, &roots)?;
    round3::commit_quotients(&cx, &mut st, &views, &table_polys, r2.table_total, (r, alpha, beta, lambda))?;
    let degree = round3::commit_shift(&cx, &mut st, &views, kappa)?;
    let quotients = st.coms[layout.round3_start()..].to_vec();
    stages.mark("quotients");
    let zeta = round3_challenge(&mut t, &quotients, &degree);
    let ch = Challenges { r, alpha, beta, folds: fold_ch, lambda, kappa, zeta };

    let pts = points(&layout, zeta).map_err(|e| ProverError::Internal(e.to_string()))?;
    let evals = opening::evaluations(&cx, &st, &views, &table_polys, &pts, zeta)?;
    let public: (Vec<Fr>, Vec<Fr>) = (frs(input), output_ints.iter().map(|v| v.to_fr()).collect());
    stages.mark("evaluations and claims");
    let opening = opening::open(&cx, &st, &mut t, &ch, &evals, &pts, (&public.0, &public.1), &r2, &table_polys)?;
    stages.mark("batch opening");
    Ok(ModelProof {
        vk_digest: digest,
        input: input_ints,
        output: output_ints,
        round1,
        round2,
        mode: opts.mode,
        folds,
        decider,
        quotients,
        degree,
        evals,
        opening,
    })
}
