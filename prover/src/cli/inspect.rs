//! `prove inspect FILE [--json]`: what a key, proof or SRS file holds.

use std::path::PathBuf;

use ark_ec::CurveGroup;
use clap::Args as ClapArgs;
use serde_json::{json, Value};
use zkml_prover::srs::{Srs, SrsOrigin};
use zkml_verifier::artifact::KzgBatchArtifact;
use zkml_verifier::envelope::{self, Artifact, Kind, FORMAT_VERSION};
use zkml_verifier::kzg::{add_degree_check, BatchOpeningProof, DegreeProof, PointOpening, VerifyingKey};
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::claims::{claims, Challenges};
use zkml_verifier::model::layout::{Layout, Mode, DECIDER_PER_CLASS};
use zkml_verifier::model::verify::MODEL_PAIRINGS;
use zkml_verifier::model::{Int, ModelProof, ModelVerifyingKey};
use zkml_verifier::pairing::PairingBatch;
use zkml_verifier::{Fr, G1, G2};

use zkml_prover::model::blocks::{describe, Described};
use zkml_prover::model::ModelProvingKey;

use super::{read_file, CmdResult, Failure};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  prove inspect keys/model.vk                 # shape, parameters, digest, what a proof will hold
  prove inspect sample.proof --vk keys/model.vk --json
  prove inspect pot17.srs")]
pub struct Args {
    /// The file to describe.
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// For a model proof: its verifying key, to list the fold classes.
    #[arg(long)]
    vk: Option<PathBuf>,
}

pub fn run(a: Args) -> CmdResult {
    let bytes = read_file(&a.file)?;
    let bad = |e: zkml_verifier::DecodeError| Failure::Usage(format!("{}: {e}", a.file.display()));
    let (kind, _) = envelope::open(&bytes).map_err(bad)?;
    // Keys in this order (serde_json preserves insertion order): what the file is comes first.
    let mut info = json!({
        "kind": kind.name(),
        "file": a.file.display().to_string(),
        "format_version": FORMAT_VERSION,
        "bytes": bytes.len(),
    });
    let extra = match kind {
        Kind::Srs => {
            let srs = Srs::from_bytes(&bytes).map_err(bad)?;
            json!({
                "origin": origin(srs.origin),
                "g1_powers": srs.powers_g1.len(),
                "gamma_g1_powers": srs.gamma_g1.len(),
                "g2_powers": srs.powers_g2.len(),
                "max_degree": srs.max_degree(),
                "kzg_vk_digest": srs.verifying_key().digest().to_hex(),
            })
        }
        Kind::KzgVerifyingKey => {
            let vk = VerifyingKey::from_artifact_bytes(&bytes).map_err(bad)?;
            json!({ "digest": vk.digest().to_hex() })
        }
        Kind::KzgBatchProof => {
            let p = KzgBatchArtifact::from_artifact_bytes(&bytes).map_err(bad)?;
            json!({
                "vk_digest": p.vk_digest.to_hex(),
                "commitments": p.commitments.len(),
                "points": p.points.len(),
                "queries": p.queries.len(),
                "openings": p.proof.openings.len(),
                // Openings at all points share [1]_2 and [tau]_2: two Miller loops.
                "pairings": 2,
            })
        }
        Kind::ModelVerifyingKey => {
            let vk = ModelVerifyingKey::from_bytes(&bytes)
                .map_err(|e| Failure::Usage(format!("{}: {e}", a.file.display())))?;
            describe_model(&vk)
        }
        Kind::ModelProvingKey => {
            let pk = ModelProvingKey::from_bytes(&bytes).map_err(bad)?;
            let mut info = describe_model(&pk.vk);
            if let Some(Value::Array(layers)) = info.get_mut("layers") {
                for (l, key) in layers.iter_mut().zip(&pk.layers) {
                    if let Value::Object(m) = l {
                        m.insert("name".into(), json!(key.name));
                    }
                }
            }
            if let Value::Object(m) = &mut info {
                m.insert("vk_bytes".into(), json!(pk.vk.to_artifact_bytes().len()));
                m.insert(
                    "proving_powers".into(),
                    json!({
                        "origin": origin(pk.srs.origin),
                        "g1_powers": pk.srs.powers_g1.len(),
                        "gamma_g1_powers": pk.srs.gamma_g1.len(),
                        "g2_powers": pk.srs.powers_g2.len(),
                        "degree_check_g2_powers": pk.degree.shifted_g2.len(),
                    }),
                );
            }
            info
        }
        Kind::ModelProof | Kind::AccumulatedModelProof => {
            let p = ModelProof::from_artifact_bytes(&bytes).map_err(bad)?;
            let vk = match &a.vk {
                Some(path) => Some(
                    ModelVerifyingKey::from_bytes(&read_file(path)?)
                        .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?,
                ),
                None => None,
            };
            if let (Some(vk), Some(path)) = (&vk, &a.vk) {
                let key_digest = vk.digest();
                if key_digest != p.vk_digest {
                    let name =
                        if vk.meta.name.is_empty() { String::new() } else { format!(" (model '{}')", vk.meta.name) };
                    return Err(Failure::Usage(format!(
                        "{}: this proof was made for the model with digest {}, but {} is the key of another model{name}, \
                         digest {key_digest}",
                        a.file.display(),
                        p.vk_digest,
                        path.display()
                    )));
                }
            }
            describe_proof(&p, vk.as_ref())
        }
    };
    if let (Value::Object(m), Value::Object(e)) = (&mut info, extra) {
        m.extend(e);
    }
    if a.json {
        out!("{}", serde_json::to_string_pretty(&info).unwrap_or_default());
    } else {
        print_text(&info, 0);
    }
    Ok(())
}

/// Sizes of every section of a model proof's encoding.
fn sections(p: &ModelProof) -> Value {
    Value::Object(p.section_sizes().into_iter().map(|(name, bytes)| (name.to_string(), json!(bytes))).collect())
}

/// What a model proof holds; with its verifying key, also its fold classes.
fn describe_proof(p: &ModelProof, vk: Option<&ModelVerifyingKey>) -> Value {
    let mut v = json!({
        "mode": match p.mode { Mode::PerLayer => "per-layer", Mode::Accumulated => "accumulated" },
        "model_digest": p.vk_digest.to_hex(),
        "input_values": p.input.len(),
        "output_values": p.output.len(),
        "commitments": {
            "round1": p.round1.len(),
            "round2": p.round2.len(),
            "cross_terms": p.folds.len(),
            "accumulators": p.decider.len(),
            "quotients": p.quotients.len(),
            "total": p.round1.len() + p.round2.len() + p.folds.len() + p.decider.len() + p.quotients.len(),
        },
        "folds": p.folds.len(),
        // One accumulator per fold class; `--vk` lists the classes and their layers.
        "accumulated_classes": p.decider.len() / DECIDER_PER_CLASS,
        "evaluations": p.evals.len(),
        "opening_points": p.opening.openings.len(),
        // The openings pair with the key's [1]_2 and [tau]_2, the degree check with [tau^e]_2, the
        // proof's S and [gamma]_2; `PairingBatch` groups all equations by G2 point: five Miller
        // loops, whatever the model.
        "pairings": MODEL_PAIRINGS,
        "sections": sections(p),
    });
    if let (Some(vk), Value::Object(m)) = (vk, &mut v) {
        let layout = Layout::new(vk, p.mode);
        m.insert("classes".into(), classes(vk, &layout));
    }
    v
}

/// Block classes of a layout: hidden layers folded per shape, the rest checked on their own.
fn classes(vk: &ModelVerifyingKey, layout: &Layout) -> Value {
    let mut list: Vec<Value> = layout
        .classes
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            json!({
                "class": format!("hidden layer {}x{} (matmul + rescale + relu lookup)", vk.layers[c.members[0]].rows, vk.layers[c.members[0]].cols),
                "instances": c.members.len(),
                "layers": c.members,
                "folds": layout.folds.iter().filter(|f| f.class == ci).count(),
                "accumulators": 1,
            })
        })
        .collect();
    let own: Vec<usize> = (0..layout.layers.len()).filter(|&i| layout.layers[i].class.is_none()).collect();
    list.push(json!({"class": "layers checked on their own", "instances": own.len(), "layers": own, "folds": 0}));
    Value::Array(list)
}

fn origin(o: SrsOrigin) -> Value {
    match o {
        SrsOrigin::InsecureDev => json!("insecure local (tests and demos only)"),
        SrsOrigin::Ceremony { power, ceremony_power, source } => json!({
            "file_power": power,
            "ceremony_power": ceremony_power,
            "source_digest": source.to_hex(),
            "usable_for_models": power == ceremony_power,
        }),
    }
}

/// What a model verifying key commits to and what verifying a proof against it costs, computed
/// with the verifier's own layout, claim list and pairing batch.
fn describe_model(vk: &ModelVerifyingKey) -> Value {
    let layout = Layout::new(vk, Mode::Accumulated);
    let per_layer = Layout::new(vk, Mode::PerLayer);
    let (s, b) = (vk.scale_bits, vk.table_bits);
    let layers: Vec<Value> = vk
        .layers
        .iter()
        .zip(&layout.layers)
        .map(|(k, l)| {
            let (input, operand) = (source_name(Some(k.input)), source_name(k.operand));
            let described = Described {
                rows: k.rows,
                cols: k.cols,
                n: l.n,
                m: l.m,
                input: input.as_str().unwrap_or("?"),
                operand: operand.as_str().unwrap_or("?"),
                public_runs: k.public.as_ref().map(Vec::len),
                batch: k.batch,
                scale_bits: s,
                activation: k.act.name(),
            };
            // In constraint order (`Block::lower`).
            let blocks: Vec<String> =
                Block::lower(k.act, k.first_block()).into_iter().map(|b| describe(b, &described)).collect();
            let params: serde_json::Map<String, Value> =
                k.act.params().into_iter().map(|(n, v)| (n.to_string(), json!(shortest(v)))).collect();
            json!({
                "rows": k.rows,
                "cols": k.cols,
                "relu": k.act == Activation::Relu,
                "activation": k.act.name(),
                "activation_params": params,
                "input": source_name(Some(k.input)),
                "skip": source_name(k.skip),
                "operand": source_name(k.operand),
                "batch": k.batch,
                "weight_commitments": k.weights.len(),
                "public_weight_runs": k.public.as_ref().map(Vec::len),
                "blocks": blocks,
            })
        })
        .collect();
    // Each section by name and parameters (two Clips with other bounds are two sections).
    let sections: Vec<String> = vk.table_sections().iter().map(|a| label(*a)).collect();
    let points = layout.domains.len() + 1;
    // How many layers are lowered to each block (at most once per layer), by the block's name.
    let lowered = |b: Block| vk.layers.iter().filter(|l| Block::lower(l.act, l.first_block()).contains(&b)).count();
    let mut block_classes: serde_json::Map<String, Value> =
        Block::ALL.iter().map(|&b| (b.name().to_string(), json!(lowered(b)))).collect();
    block_classes.insert("table".into(), json!(1));
    json!({
        "digest": vk.digest().to_hex(),
        "name": vk.meta.name,
        "labels": vk.meta.labels,
        "input_shape": vk.meta.input_shape,
        "scale_bits": s,
        "table_bits": b,
        "srs": srs_params(vk),
        "srs_powers": vk.srs_powers,
        "input_values": vk.input_len(),
        // Token ids below this (their one-hot rows are the layers' input), or null.
        "token_vocabulary": (vk.tokens > 0).then_some(vk.tokens),
        "output_values": vk.output_len(),
        "layers": layers,
        "block_classes": block_classes,
        // Lookup table shared by every layer: the sign rows of the ReLU inputs' high parts, then
        // the 2^s range rows (remainders of the rescaling, low parts of the ReLU inputs), then
        // copies of range row 0 up to a power of two.
        "table": {
            "rows": layout.table_n,
            "sign_rows": 1usize << (b.saturating_sub(s) + 1),
            "range_rows": 1usize << s,
            "activation_sections": sections,
            "rows_per_section": 2usize << b,
        },
        // One per weight row (per column on a layer reading the input), one bias per layer, the
        // table's columns.
        "key_commitments": vk.layers.iter().map(|l| l.weights.len() + 1).sum::<usize>() + vk.table.len(),
        "classes": classes(vk, &layout),
        "folds": layout.folds.len(),
        "per_layer_proof_bytes": proof_size(vk, &per_layer),
        "proof": {
            "mode": "accumulated",
            "commitments": layout.commitments(),
            "round1": layout.round1,
            "round2": layout.round2,
            "quotients": layout.round3(),
            "domains": layout.domains,
            "evaluations": layout.evals,
            "opening_points": points,
            "claims": claim_count(vk, &layout),
            "bytes": proof_size(vk, &layout),
        },
        "pairings": pairings(vk, points),
    })
}

/// The key's parameters: where its SRS came from and what its degree check uses.
fn srs_params(vk: &ModelVerifyingKey) -> Value {
    let p = &vk.params;
    json!({
        "source": p.source.name(),
        "file_digest": p.file_digest.to_hex(),
        "points_digest": p.points_digest(&vk.kzg).to_hex(),
        "published_g2_powers": p.degree.g2_powers,
        "degree_bound": p.degree.bound,
    })
}

/// Miller loops of the final multi-pairing: the batch opening adds one equation per point, in
/// [1]_2 and [tau]_2, and the degree check one in `[tau^e]_2`, the proof's `S` and `[gamma]_2`,
/// to a [`PairingBatch`], which groups them by G2 point.
fn pairings(vk: &ModelVerifyingKey, points: usize) -> usize {
    let mut batch = PairingBatch::new();
    for _ in 0..points {
        batch.add(Fr::from(1u64), &[(vk.kzg.h, &[]), (vk.kzg.tau_h, &[])]);
    }
    // The proof's S: any point other than the key's.
    let shifted = (vk.kzg.h + vk.kzg.tau_h).into_affine();
    let proof = DegreeProof { shifted, blind: G1::default() };
    add_degree_check(&vk.kzg, &vk.params.degree, G1::default(), &proof, Fr::from(1u64), &mut batch);
    batch.pairings()
}

/// The number of claims (queries of the batch opening); they do not depend on the challenges'
/// values, so fixed ones stand in for them.
fn claim_count(vk: &ModelVerifyingKey, layout: &Layout) -> Option<usize> {
    let f = |x: u64| Fr::from(x);
    let ch = Challenges {
        r: f(0x5eed_0001),
        alpha: f(0x5eed_0002),
        beta: f(0x5eed_0003),
        folds: vec![f(0x5eed_0007); layout.folds.len()],
        lambda: f(0x5eed_0004),
        kappa: f(0x5eed_0006),
        zeta: f(0x5eed_0005),
    };
    let zeros = |n: usize| vec![Fr::from(0u64); n];
    claims(vk, layout, &ch, &zeros(layout.evals), &zeros(vk.model_input_len()), &zeros(vk.output_len()))
        .ok()
        .map(|c| c.len())
}

/// Size in bytes of every proof for this key (the encoding has no variable-size values).
fn proof_size(vk: &ModelVerifyingKey, layout: &Layout) -> usize {
    let g = G1::default();
    let proof = ModelProof {
        vk_digest: vk.digest(),
        input: vec![Int(0); vk.input_len()],
        output: vec![Int(0); vk.output_len()],
        round1: vec![g; layout.round1],
        round2: vec![g; layout.round2],
        mode: layout.mode,
        folds: vec![g; layout.fold_section],
        decider: vec![g; layout.decider_section],
        quotients: vec![g; layout.round3()],
        degree: DegreeProof { shifted: G2::default(), blind: g },
        evals: vec![Fr::from(0u64); layout.evals],
        opening: BatchOpeningProof {
            openings: vec![PointOpening { witness: g, blind_eval: Fr::from(0u64) }; layout.domains.len() + 1],
        },
    };
    proof.to_artifact_bytes().len()
}

/// `key: value` lines, nested objects indented, lists of objects one per line.
fn print_text(v: &Value, indent: usize) {
    let Value::Object(m) = v else { return };
    let width = m.keys().map(|k| k.len()).max().unwrap_or(0);
    let pad = " ".repeat(indent);
    for (k, v) in m {
        match v {
            Value::Object(_) => {
                out!("{pad}{k}:");
                print_text(v, indent + 2);
            }
            Value::Array(items) if items.iter().any(Value::is_object) => {
                out!("{pad}{k}:");
                for (i, item) in items.iter().enumerate() {
                    let Value::Object(fields) = item else {
                        out!("{pad}  [{i}] {}", inline(item));
                        continue;
                    };
                    // Scalars on the item's line, lists below it.
                    let (lists, scalars): (Vec<_>, Vec<_>) = fields.iter().partition(|(_, v)| v.is_array());
                    let line: Vec<String> = scalars.iter().map(|(k, v)| format!("{k}={}", inline(v))).collect();
                    out!("{pad}  [{i}] {}", line.join("  "));
                    for (k, v) in lists {
                        out!("{pad}      {k}: {}", inline(v));
                    }
                }
            }
            _ => out!("{pad}{k:<width$}  {}", inline(v)),
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(inline).collect::<Vec<_>>().join(", "),
        Value::Object(m) => m.iter().map(|(k, v)| format!("{k}={}", inline(v))).collect::<Vec<_>>().join("  "),
        v => v.to_string(),
    }
}

/// `"input"`, `"layer K"`, or null.
fn source_name(s: Option<zkml_verifier::model::Source>) -> Value {
    match s {
        None => Value::Null,
        Some(zkml_verifier::model::Source::Input) => json!("input"),
        Some(zkml_verifier::model::Source::Layer(k)) => json!(format!("layer {k}")),
    }
}

/// An activation with its parameters, e.g. `clip(lo=0, hi=6)`.
fn label(a: Activation) -> String {
    let params: Vec<String> = a.params().iter().map(|(n, v)| format!("{n}={v}")).collect();
    match params.is_empty() {
        true => a.name().to_string(),
        false => format!("{}({})", a.name(), params.join(", ")),
    }
}

/// An `f32` as the double with its shortest decimal form (`0.1`, not `0.10000000149011612`).
fn shortest(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}
