//! Normalisation gains: a power-of-two rescaling of each normalisation's centred input, chosen on
//! the calibration samples (`docs/quantisation.md`, "Layer normalisation").
//!
//! A layer norm (`onnx/norm.rs`) computes `y = t · rsqrt(mean(t²) + ε)` from its centred input
//! `t`, written by a Linear. Scaling that Linear by `g` and `ε` by `g²` leaves `y` unchanged:
//! `(g t) · rsqrt(g² mean(t²) + g² ε) = y`. With one fixed-point scale for the whole model, a
//! small `t` (embeddings of width 0.02) would have few bits and a variance that rounds to 0; the
//! gain `g = 2^k` (`k >= 0`) brings `t` up to `y`'s magnitude, so `t`, `t²`, the variance and the
//! reciprocal square root each keep the scale's bits. Powers of two keep the float weights exact.

use zkml_verifier::model::activation::Activation;

use super::{Graph, IrError, Op, TensorId};

/// Largest gain exponent `k` applied.
const MAX_GAIN_BITS: i32 = 16;

/// A normalisation found in the graph: the nodes writing `t` (a Linear) and the mean of squares
/// plus `ε` (a Linear with a bias), and the tensors `t` and `y`.
struct Site {
    centre: usize,
    mean: usize,
    t: TensorId,
    outputs: Vec<TensorId>,
}

/// Finds every normalisation `r = rsqrt(Linear(t * t))`, `y = t * r` whose `t` is written by a
/// Linear and read only by those products, and sets its gain from the largest `|t|` and `|y|`
/// seen on `samples` (float evaluation). Returns the gain exponents applied, per site.
pub fn balance_norms(g: &mut Graph, samples: &[Vec<Vec<f32>>]) -> Result<Vec<i32>, IrError> {
    let sites = find_sites(g);
    if sites.is_empty() {
        return Ok(Vec::new());
    }
    let mut max_abs = vec![0f32; g.tensors.len()];
    for sample in samples {
        for (m, v) in max_abs.iter_mut().zip(g.eval_f32_all(sample)?) {
            *m = v.iter().fold(*m, |m, x| m.max(x.abs()));
        }
    }
    let mut gains = Vec::with_capacity(sites.len());
    for site in &sites {
        let t = max_abs[site.t];
        let y = site.outputs.iter().map(|&o| max_abs[o]).fold(0f32, f32::max);
        let k = match (t > 0.0 && t.is_finite(), y > 0.0 && y.is_finite()) {
            // Up only: a gain below 1 would shrink the weights of the Linear writing `t`, which
            // may be fractions already (a mean's `1/n`), below the scale's step.
            (true, true) => ((y / t).log2().round() as i32).clamp(0, MAX_GAIN_BITS),
            _ => 0,
        };
        let gain = (k as f32).exp2();
        if let Op::Linear { weight, bias } = &mut g.nodes[site.centre].op {
            weight.values_mut().iter_mut().for_each(|w| *w *= gain);
            bias.iter_mut().flatten().for_each(|b| *b *= gain);
        }
        if let Op::Linear { bias: Some(bias), .. } = &mut g.nodes[site.mean].op {
            bias.iter_mut().for_each(|b| *b *= gain * gain);
        }
        gains.push(k);
    }
    Ok(gains)
}

fn find_sites(g: &Graph) -> Vec<Site> {
    let writer = |t: TensorId| g.nodes.iter().position(|n| n.output == t);
    let readers = |t: TensorId| g.nodes.iter().enumerate().filter(move |(_, n)| n.inputs.contains(&t)).map(|(i, _)| i);
    let private = |t: TensorId| !g.outputs.contains(&t) && !g.inputs.contains(&t);
    let mut sites = Vec::new();
    for (ri, rsqrt) in g.nodes.iter().enumerate() {
        if rsqrt.op != Op::Act(Activation::Rsqrt) {
            continue;
        }
        let ms = rsqrt.inputs[0];
        let Some(mean) = writer(ms).filter(|&m| matches!(g.nodes[m].op, Op::Linear { bias: Some(_), .. })) else {
            continue;
        };
        let square = g.nodes[mean].inputs[0];
        let Some(sq) = writer(square).filter(|&s| g.nodes[s].op == Op::Mul) else { continue };
        let [t, t2] = g.nodes[sq].inputs[..] else { continue };
        let Some(centre) = writer(t).filter(|&c| matches!(g.nodes[c].op, Op::Linear { .. })) else { continue };
        // `t` feeds only its square and products with `r`; the square and the mean only the next step.
        let r = rsqrt.output;
        let products: Vec<usize> = readers(t).filter(|&i| i != sq).collect();
        let only_products = products.iter().all(|&i| {
            let n = &g.nodes[i];
            n.op == Op::Mul && (n.inputs[..] == [t, r] || n.inputs[..] == [r, t])
        });
        let single = |x: TensorId, reader: usize| private(x) && readers(x).eq([reader]);
        if t != t2 || !private(t) || products.is_empty() || !only_products || !single(square, mean) || !single(ms, ri) {
            continue;
        }
        sites.push(Site { centre, mean, t, outputs: products.iter().map(|&i| g.nodes[i].output).collect() });
    }
    sites
}
