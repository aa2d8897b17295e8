//! `prove dry-run MODEL.onnx --calibration IN.json [--input X.json…]`: quantise a model as `setup`
//! would and run inputs through the integer model, without an SRS or keys, reporting each node's
//! value range against its table and the error against the float model.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use serde_json::json;
use zkml_prover::io_json;
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{self, NodeRange, QuantizedModel};

use super::quant_flags::QuantFlags;
use super::{CmdResult, Failure};

#[derive(ClapArgs, Debug)]
#[command(after_help = "Examples:
  prove dry-run mnist_mlp.onnx --calibration sample.json
  prove dry-run mnist_mlp.onnx --calibration sample.json --input white.json --input bright.json --json
  prove dry-run model.onnx --calibration a.json --table-bits 14 --headroom-bits 4

Exit 0 when every input fits the tables; 2 (after the report) when one does not, naming the node
and the flags that make it fit.")]
pub struct Args {
    /// The ONNX model.
    #[arg(value_name = "MODEL.onnx")]
    model: PathBuf,
    /// Calibration samples, as for `prove setup` (EZKL input JSON); repeat for several.
    #[arg(long, value_name = "IN.json", required = true)]
    calibration: Vec<PathBuf>,
    /// Further inputs to run through the quantised model (default: the calibration samples only).
    #[arg(long, value_name = "X.json")]
    input: Vec<PathBuf>,
    #[command(flatten)]
    quant: QuantFlags,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> CmdResult {
    let config = a.quant.config()?;
    let onnx = OnnxModel::load(&a.model).map_err(|e| Failure::Usage(e.to_string()))?;
    let graph = onnx.graph().clone();
    let signature = graph.input_signature();
    let read = |p: &PathBuf| io_json::read_input(p, &signature).map_err(|e| Failure::Usage(e.to_string()));
    let samples = a.calibration.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let in_model = |e: &dyn std::fmt::Display| Failure::Usage(format!("{}: {e}", a.model.display()));
    let q = QuantizedModel::calibrate(graph, &samples, &config).map_err(|e| in_model(&e))?;

    let mut ranges: Vec<NodeRange> = Vec::new();
    let mut reports = Vec::new();
    let mut first_misfit = None;
    for path in a.calibration.iter().chain(&a.input) {
        let values = read(path)?;
        let quantised = q.quantise_inputs(&values).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
        let these = q.ranges(&quantised).map_err(|e| in_model(&e))?;
        let misfit = these.iter().find(|r| !r.fits()).cloned();
        let error = match q.run(&values) {
            Ok((_, out)) => {
                let float = onnx.run_reference(&values).map_err(|e| Failure::Usage(e.to_string()))?;
                Some(quant::max_abs_error(&out, &float))
            }
            Err(_) => None,
        };
        if first_misfit.is_none() {
            first_misfit = misfit.clone().map(|m| (path.clone(), m));
        }
        reports.push((path.clone(), misfit, error));
        if ranges.is_empty() {
            ranges = these;
        } else {
            for (acc, r) in ranges.iter_mut().zip(these) {
                acc.min = acc.min.min(r.min);
                acc.max = acc.max.max(r.max);
            }
        }
    }

    if a.json {
        let out = json!({
            "model": a.model.display().to_string(),
            "scale_bits": q.scale_bits,
            "table_bits": q.table_bits,
            "headroom_bits": config.headroom_bits,
            "coarse_structural_weights": q.coarse_structural_weights(0.05).iter().map(|(node, w, v)| json!({
                "node": node, "weight": w, "quantised": v,
            })).collect::<Vec<_>>(),
            "calibration": a.calibration.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "inputs": reports.iter().map(|(p, misfit, error)| json!({
                "file": p.display().to_string(),
                "fits": misfit.is_none(),
                "out_of_range": misfit.as_ref().map(|m| json!({"node": m.node, "tensor": m.tensor, "min": m.min, "max": m.max})),
                "max_abs_error": error,
            })).collect::<Vec<_>>(),
            "nodes": ranges.iter().map(|r| json!({
                "node": r.node, "tensor": r.tensor, "min": r.min, "max": r.max,
                "table_low": r.low, "table_high": r.high, "usage": r.usage(), "fits": r.fits(),
            })).collect::<Vec<_>>(),
        });
        out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        out!(
            "model {}: scale 2^{}, {}-bit tables, headroom {} bits (calibrated on {} sample(s))",
            a.model.display(),
            q.scale_bits,
            q.table_bits,
            config.headroom_bits,
            a.calibration.len()
        );
        for w in q.coarse_weight_warnings() {
            out!("{w}");
        }
        for (p, misfit, error) in &reports {
            let verdict = match misfit {
                None => "fits".to_string(),
                Some(m) => format!("OUT OF RANGE at node '{}' ({} reaches {})", m.node, m.tensor, extreme(m)),
            };
            let error = error.map_or_else(String::new, |e| format!(", |quantised - float| <= {e:.3e}"));
            out!("input {}: {verdict}{error}", p.display());
        }
        let width = ranges.iter().map(|r| r.node.len()).max().unwrap_or(4).max(4);
        let twidth = ranges.iter().map(|r| r.tensor.len()).max().unwrap_or(6).max(6);
        out!(
            "{:width$}  {:twidth$}  {:>22}  {:>24}  {:>6}",
            "node",
            "tensor",
            "values (all inputs)",
            "table holds",
            "use"
        );
        for r in &ranges {
            out!(
                "{:width$}  {:twidth$}  {:>22}  {:>24}  {:>5.1}%{}",
                r.node,
                r.tensor,
                format!("[{}, {}]", r.min, r.max),
                format!("[{}, {}]", r.low, r.high),
                100.0 * r.usage(),
                if r.fits() { "" } else { "  OUT OF RANGE" }
            );
        }
    }
    match first_misfit {
        None => Ok(()),
        Some((path, m)) => Err(Failure::Usage(format!(
            "{}: node '{}': {} reaches {}, outside its table [{}, {}]; {}",
            path.display(),
            m.node,
            m.tensor,
            extreme(&m),
            m.low,
            m.high,
            REFIT_HINT
        ))),
    }
}

/// How to make a model take larger inputs.
pub const REFIT_HINT: &str = "add this input to the --calibration samples, or raise --headroom-bits or \
    --table-bits, and run `prove setup` again (see `prove dry-run` for every node's range)";

fn extreme(r: &NodeRange) -> i64 {
    if r.max > r.high {
        r.max
    } else {
        r.min
    }
}
