//! The model prover, mirroring `zkml_verifier::model` (`docs/protocols/mlp.md`).

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{batch_inversion, Field, One, Zero};
use ark_poly::univariate::DensePolynomial;
use ark_poly::{EvaluationDomain, Polynomial};
use ark_std::UniformRand;
use rand::RngCore;
use zkml_verifier::model::claims::Challenges;
use zkml_verifier::model::claims::{claims, points, start_transcript, Base};
use zkml_verifier::model::layout::Layout;
use zkml_verifier::model::verify::{round1_challenges, round2_challenges, round3_challenge};
use zkml_verifier::model::{Int, ModelProof};

use super::keys::{bias_coeffs, range_row, relu_row, table_columns, weight_coeffs, ModelProvingKey};
use super::poly::{add_vanishing_blind, domain, interpolate, lagrange_at, poly, running_sum, Coset};
use crate::error::ProverError;
use crate::kzg::{add_scaled, commit_with_blind, open_batch, Blinded};
use crate::quant::rescale;

/// Degree of the fresh blinding polynomial (in the `gamma` part) of every proof commitment.
const HIDING: usize = 2;
/// Degree of the `Z_H` multiple added to every polynomial opened at up to two points.
const VANISHING_BLIND: usize = 1;

/// The integer witness of one layer (padded to the domain sizes).
#[derive(Debug, Clone)]
pub struct LayerWitness {
    pub input: Vec<i64>,
    pub z: Vec<i64>,
    pub q: Vec<i64>,
    pub rem: Vec<i64>,
    pub out: Vec<i64>,
}

/// Evaluates the layers on a quantised input, checking every value the tables must hold.
pub fn witness(pk: &ModelProvingKey, input: &[i64]) -> Result<Vec<LayerWitness>, ProverError> {
    witness_with(pk, input, &|_, _| {})
}

/// [`witness`] with `hook(layer, values)` applied to each layer's values before they feed the next
/// layer: soundness tests use it to build wrong witnesses (see [`prove_witness`]).
pub fn witness_with(
    pk: &ModelProvingKey,
    input: &[i64],
    hook: &dyn Fn(usize, &mut LayerWitness),
) -> Result<Vec<LayerWitness>, ProverError> {
    let vk = &pk.vk;
    let (s, b) = (vk.scale_bits, vk.table_bits);
    if input.len() != vk.input_len() {
        return Err(ProverError::InvalidArgument(format!(
            "the model takes {} input values, got {}",
            vk.input_len(),
            input.len()
        )));
    }
    let mut a = input.to_vec();
    let mut out = Vec::with_capacity(pk.layers.len());
    for (li, l) in pk.layers.iter().enumerate() {
        let m = zkml_verifier::model::key::pow2(l.rows as u32);
        let (mut z, mut q, mut rem, mut o) = (vec![0; m], vec![0; m], vec![0; m], vec![0; m]);
        for i in 0..m {
            let acc: i128 = if i < l.rows {
                let row = &l.weight[i * l.cols..(i + 1) * l.cols];
                row.iter().zip(&a).map(|(&w, &x)| w as i128 * x as i128).sum::<i128>() + l.bias[i] as i128
            } else {
                0
            };
            let bound = 1i128 << 62;
            if acc.abs() >= bound {
                return Err(range_error(&l.name, "accumulator", i, acc, bound));
            }
            z[i] = acc as i64;
            q[i] = rescale(z[i], s);
            rem[i] = z[i] + (1 << (s - 1)) - (q[i] << s);
            let (lo, hi) = (super::keys::relu_min(s, b), 1i64 << b);
            if l.relu && !(lo..hi).contains(&q[i]) {
                let bound = if q[i] < 0 { -lo } else { hi };
                return Err(range_error(&l.name, "rescaled output (ReLU input)", i, q[i] as i128, bound as i128));
            }
            o[i] = if l.relu { q[i].max(0) } else { q[i] };
        }
        let mut lw = LayerWitness { input: a, z, q, rem, out: o };
        hook(li, &mut lw);
        a = lw.out[..l.rows].to_vec();
        out.push(lw);
    }
    Ok(out)
}

fn range_error(node: &str, what: &str, index: usize, value: i128, bound: i128) -> ProverError {
    ProverError::Quant(crate::quant::QuantError::OutOfRange {
        node: node.to_string(),
        tensor: what.to_string(),
        index,
        value,
        bound,
    })
}

fn to_int(v: i64, what: &str) -> Result<Int, ProverError> {
    i32::try_from(v)
        .map(Int)
        .map_err(|_| ProverError::InvalidArgument(format!("{what} value {v} does not fit in 32 bits")))
}

fn frs(v: &[i64]) -> Vec<Fr> {
    v.iter().map(|&x| Fr::from(x)).collect()
}

struct State<'a, R: RngCore> {
    pk: &'a ModelProvingKey,
    rng: &'a mut R,
    polys: Vec<Option<Blinded>>,
}

impl<R: RngCore> State<'_, R> {
    fn commit(&mut self, idx: usize, coeffs: Vec<Fr>) -> Result<G1Affine, ProverError> {
        let blind = poly((0..=HIDING).map(|_| Fr::rand(self.rng)).collect());
        let b = Blinded { poly: poly(coeffs), blind };
        let c = commit_with_blind(&self.pk.srs, &b)?;
        self.polys[idx] = Some(b);
        Ok(c)
    }

    /// Interpolates `values` over `H_n`, adds a `Z_H` blind, commits.
    fn commit_values(&mut self, idx: usize, values: &[Fr], n: usize, blinded: bool) -> Result<G1Affine, ProverError> {
        let mut c = interpolate(values, n)?;
        if blinded {
            add_vanishing_blind(&mut c, n, VANISHING_BLIND, self.rng);
        }
        self.commit(idx, c)
    }

    fn get(&self, idx: usize) -> Result<&Blinded, ProverError> {
        self.polys
            .get(idx)
            .and_then(Option::as_ref)
            .ok_or_else(|| ProverError::Internal(format!("polynomial {idx} missing")))
    }

    fn coeffs(&self, idx: usize) -> Result<&[Fr], ProverError> {
        Ok(&self.get(idx)?.poly.coeffs)
    }
}

/// Prints stage times on stderr when `ZKML_PROFILE` is set.
struct Stages(Option<std::time::Instant>);

impl Stages {
    fn new() -> Self {
        Self(std::env::var_os("ZKML_PROFILE").map(|_| std::time::Instant::now()))
    }

    fn mark(&mut self, what: &str) {
        if let Some(t) = self.0.as_mut() {
            eprintln!("[prove] {what}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
            *t = std::time::Instant::now();
        }
    }
}

/// Proves one inference on the quantised `input`.
pub fn prove<R: RngCore>(pk: &ModelProvingKey, input: &[i64], rng: &mut R) -> Result<ModelProof, ProverError> {
    let wit = witness(pk, input)?;
    prove_witness(pk, input, &wit, rng, true)
}

/// Proves with a given witness. With `strict` the prover checks every constraint and claim and
/// fails on the first that does not hold (the normal mode). Without it, it writes a proof whatever
/// the witness: a cheating prover, for soundness tests; such proofs must be rejected.
pub fn prove_witness<R: RngCore>(
    pk: &ModelProvingKey,
    input: &[i64],
    wit: &[LayerWitness],
    rng: &mut R,
    strict: bool,
) -> Result<ModelProof, ProverError> {
    let vk = &pk.vk;
    let mut stages = Stages::new();
    let layout = Layout::new(vk);
    if wit.len() != layout.layers.len() {
        return Err(ProverError::InvalidArgument(format!(
            "{} layer witnesses for {} layers",
            wit.len(),
            layout.layers.len()
        )));
    }
    let running_sum = |f: &[Fr], total: Fr, n: usize| -> Result<Vec<Fr>, ProverError> {
        match running_sum(f, total, n) {
            Err(_) if !strict => Ok(super::poly::running_sum_unchecked(f, total, n)),
            r => r,
        }
    };
    stages.mark("witness");
    let (s, b) = (vk.scale_bits, vk.table_bits);
    let big_d = vk.srs_powers as usize;
    let last = wit.last().ok_or_else(|| ProverError::Internal("no layers".into()))?;
    let out_rows = vk.output_len();
    let input_ints = input.iter().map(|&v| to_int(v, "input")).collect::<Result<Vec<_>, _>>()?;
    let output_ints = last.out[..out_rows].iter().map(|&v| to_int(v, "output")).collect::<Result<Vec<_>, _>>()?;
    let digest = vk.digest();
    let mut t = start_transcript(&digest, &input_ints, &output_ints);
    let total = layout.commitments();
    let mut st = State { pk, rng, polys: (0..total).map(|_| None).collect() };
    let mut coms = vec![G1Affine::zero(); total];

    // Round 1: accumulators, rescaled values, ReLU outputs, multiplicities.
    let n_table = layout.table_n;
    let mut mult = vec![0u64; n_table];
    for (l, w) in layout.layers.iter().zip(wit) {
        coms[l.z] = st.commit_values(l.z, &frs(&w.z), l.m, true)?;
        if let (Some(d), Some(a)) = (l.d, l.a_out) {
            coms[d] = st.commit_values(d, &frs(&w.q), l.m, true)?;
            coms[a] = st.commit_values(a, &frs(&w.out), l.m, true)?;
            for &q in &w.q {
                match relu_row(q, s, b) {
                    Some(row) => mult[row] += 1,
                    None if strict => return Err(ProverError::Internal(format!("ReLU input {q} outside the table"))),
                    None => {}
                }
            }
        }
        for &r in &w.rem {
            match range_row(r, s, b) {
                Some(row) => mult[row] += 1,
                None if strict => return Err(ProverError::Internal(format!("remainder {r} outside the table"))),
                None => {}
            }
        }
    }
    let mult_fr: Vec<Fr> = mult.iter().map(|&c| Fr::from(c)).collect();
    coms[layout.mu] = st.commit_values(layout.mu, &mult_fr, n_table, false)?;
    let round1 = coms[..layout.round1].to_vec();
    stages.mark("round 1");

    let (r, alpha, beta) = round1_challenges(&mut t, &round1);
    let beta2 = beta * beta;

    // Round 2.
    let [t_in, t_out, t_tag] = table_columns(s, b);
    let mut weights = Vec::with_capacity(wit.len());
    let mut biases = Vec::with_capacity(wit.len());
    let mut consts = Vec::with_capacity(wit.len());
    let mut e_total = Fr::zero();
    for (i, (l, w)) in layout.layers.iter().zip(wit).enumerate() {
        let (n, m) = (l.n, l.m);
        let layer = &pk.layers[i];
        let wc = weight_coeffs(layer)?;
        let bc = bias_coeffs(layer)?;
        // V = W mod (X^n - r), Q = (W - V) / (X^n - r), by synthetic division on blocks of n.
        let block = |k: usize| &wc[k * n..(k + 1) * n];
        let mut qb: Vec<Vec<Fr>> = vec![Vec::new(); m - 1];
        qb[m - 2] = block(m - 1).to_vec();
        for k in (1..m - 1).rev() {
            qb[k - 1] = block(k).iter().zip(&qb[k]).map(|(u, q)| *u + r * q).collect();
        }
        let v: Vec<Fr> = block(0).iter().zip(&qb[0]).map(|(u, q)| *u + r * q).collect();
        let q_coeffs: Vec<Fr> = qb.concat();
        coms[l.v] = st.commit(l.v, v.clone())?;
        coms[l.q] = st.commit(l.q, q_coeffs)?;

        let lag = lagrange_at(m, r)?;
        let zb: Vec<Fr> =
            w.z.iter().zip(layer.bias.iter().chain(std::iter::repeat(&0))).map(|(&z, &bb)| Fr::from(z - bb)).collect();
        let f2: Vec<Fr> = lag.iter().zip(&zb).map(|(a, b)| *a * b).collect();
        let c: Fr = f2.iter().sum();
        coms[l.c] = st.commit(l.c, vec![c])?;

        let v_vals = domain(n)?.fft(&v);
        let a_vals = frs(&w.input);
        let f1: Vec<Fr> =
            v_vals.iter().zip(a_vals.iter().chain(std::iter::repeat(&Fr::zero()))).map(|(x, y)| *x * y).collect();
        coms[l.s1] = st.commit_values(l.s1, &running_sum(&f1, c, n)?, n, true)?;
        coms[l.s2] = st.commit_values(l.s2, &running_sum(&f2, c, m)?, m, true)?;

        let mut phi: Vec<Fr> =
            w.q.iter().zip(&w.out).map(|(&q, &o)| alpha - Fr::from(q) - beta * Fr::from(o)).collect();
        let mut psi: Vec<Fr> = w.rem.iter().map(|&r| alpha - Fr::from(r) - beta2).collect();
        batch_inversion(&mut phi);
        batch_inversion(&mut psi);
        let mut f3 = psi.clone();
        if let Some(p) = l.phi {
            coms[p] = st.commit_values(p, &phi, m, false)?;
            for (x, y) in f3.iter_mut().zip(&phi) {
                *x += y;
            }
        }
        coms[l.psi] = st.commit_values(l.psi, &psi, m, false)?;
        let e: Fr = f3.iter().sum();
        e_total += e;
        coms[l.e] = st.commit(l.e, vec![e])?;
        coms[l.s3] = st.commit_values(l.s3, &running_sum(&f3, e, m)?, m, true)?;
        weights.push(Blinded { poly: poly(wc), blind: poly(pk.weight_blinds[i].clone()) });
        biases.push(Blinded { poly: poly(bc), blind: poly(pk.bias_blinds[i].clone()) });
        consts.push((c, e, lag));
    }
    let mut phi_t: Vec<Fr> = (0..n_table).map(|j| alpha - t_in[j] - beta * t_out[j] - beta2 * t_tag[j]).collect();
    batch_inversion(&mut phi_t);
    for (p, m) in phi_t.iter_mut().zip(&mult_fr) {
        *p *= m;
    }
    coms[layout.phi_t] = st.commit_values(layout.phi_t, &phi_t, n_table, false)?;
    coms[layout.s_t] = st.commit_values(layout.s_t, &running_sum(&phi_t, e_total, n_table)?, n_table, true)?;
    let round2 = coms[layout.round1..layout.round1 + layout.round2].to_vec();
    stages.mark("round 2");
    let (lambda, kappa) = round2_challenges(&mut t, &round2);

    // Round 3: one quotient per domain.
    let table_polys: Vec<Vec<Fr>> =
        [&t_in, &t_out, &t_tag].iter().map(|c| interpolate(c, n_table)).collect::<Result<_, _>>()?;
    let input_poly = interpolate(&frs(input), layout.layers[0].n)?;
    let output_poly = interpolate(&frs(&last.q), layout.layers.last().map_or(2, |l| l.m))?;
    let half = Fr::from(1u64 << (s - 1));
    let two_s = Fr::from(1u64 << s);
    for &d in &layout.domains {
        let cs = Coset::new(d)?;
        let size = cs.size();
        let ev = |c: &[Fr]| cs.eval(c);
        let mut acc = vec![Fr::zero(); size];
        let mut lam = Fr::one();
        let add = |acc: &mut Vec<Fr>, lam: &mut Fr, term: Vec<Fr>| {
            for (a, t) in acc.iter_mut().zip(term) {
                *a += *lam * t;
            }
            *lam *= lambda;
        };
        for (i, l) in layout.layers.iter().enumerate() {
            let (c, e, lag) = &consts[i];
            if l.n == d {
                let s1 = ev(st.coeffs(l.s1)?)?;
                let s1n = cs.rotate(&s1);
                let v = ev(st.coeffs(l.v)?)?;
                let a = match i.checked_sub(1).and_then(|p| layout.layers[p].a_out) {
                    Some(idx) => ev(st.coeffs(idx)?)?,
                    None => ev(&input_poly)?,
                };
                let cn = *c * Fr::from(d as u64).inverse().unwrap_or_default();
                let term = (0..size).map(|k| s1n[k] - s1[k] - v[k] * a[k] + cn).collect();
                add(&mut acc, &mut lam, term);
            }
            if l.m == d {
                let inv_m = Fr::from(d as u64).inverse().unwrap_or_default();
                let s2 = ev(st.coeffs(l.s2)?)?;
                let s2n = cs.rotate(&s2);
                let k_r = ev(&interpolate(lag, d)?)?;
                let z = ev(st.coeffs(l.z)?)?;
                let bias = ev(&layer_poly(&biases, i)?.poly.coeffs)?;
                let term = (0..size).map(|k| s2n[k] - s2[k] - k_r[k] * (z[k] - bias[k]) + *c * inv_m).collect();
                add(&mut acc, &mut lam, term);
                let dq = match l.d {
                    Some(idx) => ev(st.coeffs(idx)?)?,
                    None => ev(&output_poly)?,
                };
                let psi = ev(st.coeffs(l.psi)?)?;
                let mut phi_ev = None;
                if let (Some(p), Some(a_idx)) = (l.phi, l.a_out) {
                    let phi = ev(st.coeffs(p)?)?;
                    let a = ev(st.coeffs(a_idx)?)?;
                    let term = (0..size).map(|k| phi[k] * (alpha - dq[k] - beta * a[k]) - Fr::one()).collect();
                    add(&mut acc, &mut lam, term);
                    phi_ev = Some(phi);
                }
                let term =
                    (0..size).map(|k| psi[k] * (alpha - (z[k] + half - two_s * dq[k]) - beta2) - Fr::one()).collect();
                add(&mut acc, &mut lam, term);
                let s3 = ev(st.coeffs(l.s3)?)?;
                let s3n = cs.rotate(&s3);
                let term = (0..size)
                    .map(|k| s3n[k] - s3[k] - psi[k] - phi_ev.as_ref().map_or(Fr::zero(), |p| p[k]) + *e * inv_m)
                    .collect();
                add(&mut acc, &mut lam, term);
            }
        }
        if layout.table_n == d {
            let inv_n = Fr::from(d as u64).inverse().unwrap_or_default();
            let phi_t = ev(st.coeffs(layout.phi_t)?)?;
            let mu = ev(st.coeffs(layout.mu)?)?;
            let (ti, to, tt) = (ev(&table_polys[0])?, ev(&table_polys[1])?, ev(&table_polys[2])?);
            let term = (0..size).map(|k| phi_t[k] * (alpha - ti[k] - beta * to[k] - beta2 * tt[k]) - mu[k]).collect();
            add(&mut acc, &mut lam, term);
            let s_t = ev(st.coeffs(layout.s_t)?)?;
            let s_tn = cs.rotate(&s_t);
            let term = (0..size).map(|k| s_tn[k] - s_t[k] - phi_t[k] + e_total * inv_n).collect();
            add(&mut acc, &mut lam, term);
        }
        let zinv = cs.vanishing_inv()?;
        for (a, z) in acc.iter_mut().zip(&zinv) {
            *a *= z;
        }
        let mut quotient = cs.interpolate(acc);
        if quotient.len() > d + 4 {
            if strict {
                return Err(ProverError::Internal(format!("constraints on the domain of size {d} do not hold")));
            }
            quotient.truncate(d + 4);
        }
        let idx = layout.quotient(d).ok_or_else(|| ProverError::Internal("quotient index".into()))?;
        coms[idx] = st.commit(idx, quotient)?;
    }
    // The combined degree shift: sum_k kappa^k X^(D - d_k) P_k (V: d = n; C, E: constants, d = 1).
    let mut shift = vec![Fr::zero(); big_d];
    let mut kappa_k = Fr::one();
    for (l, (c, e, _)) in layout.layers.iter().zip(&consts) {
        for (j, coeff) in st.coeffs(l.v)?.iter().enumerate() {
            shift[big_d - l.n + j] += kappa_k * coeff;
        }
        kappa_k *= kappa;
        shift[big_d - 1] += kappa_k * c;
        kappa_k *= kappa;
        shift[big_d - 1] += kappa_k * e;
        kappa_k *= kappa;
    }
    coms[layout.shift()] = st.commit(layout.shift(), shift)?;
    let quotients = coms[layout.round1 + layout.round2..].to_vec();
    stages.mark("quotients");
    let zeta = round3_challenge(&mut t, &quotients);
    let ch = Challenges { r, alpha, beta, lambda, kappa, zeta };

    // Evaluations.
    let pts = points(&layout, zeta).map_err(|e| ProverError::Internal(e.to_string()))?;
    let at = |idx: usize, p: Fr| -> Result<Fr, ProverError> { Ok(st.get(idx)?.poly.evaluate(&p)) };
    let shifted = |d: usize| pts[layout.shifted_point(d).unwrap_or(0)];
    let mut evals = vec![Fr::zero(); layout.evals];
    for l in &layout.layers {
        evals[l.ev_s1] = at(l.s1, zeta)?;
        evals[l.ev_s1_next] = at(l.s1, shifted(l.n))?;
        evals[l.ev_s2] = at(l.s2, zeta)?;
        evals[l.ev_s2_next] = at(l.s2, shifted(l.m))?;
        evals[l.ev_s3] = at(l.s3, zeta)?;
        evals[l.ev_s3_next] = at(l.s3, shifted(l.m))?;
        evals[l.ev_z] = at(l.z, zeta)?;
        if let (Some(d), Some(e)) = (l.d, l.ev_d) {
            evals[e] = at(d, zeta)?;
        }
        if let (Some(a), Some(e)) = (l.a_out, l.ev_a_out) {
            evals[e] = at(a, zeta)?;
        }
    }
    for (k, &e) in layout.ev_table.iter().enumerate() {
        evals[e] = poly(table_polys[k].clone()).evaluate(&zeta);
    }
    evals[layout.ev_st] = at(layout.s_t, zeta)?;
    evals[layout.ev_st_next] = at(layout.s_t, shifted(n_table))?;

    // Claims, shared with the verifier, opened in one batch.
    let input_fr = frs(input);
    let output_fr: Vec<Fr> = output_ints.iter().map(|v| v.to_fr()).collect();
    let list =
        claims(vk, &layout, &ch, &evals, &input_fr, &output_fr).map_err(|e| ProverError::Internal(e.to_string()))?;
    let tables: Vec<Blinded> = table_polys
        .iter()
        .map(|c| Blinded { poly: poly(c.clone()), blind: DensePolynomial { coeffs: vec![] } })
        .collect();
    let mut combos = Vec::with_capacity(list.len());
    for (ci, c) in list.iter().enumerate() {
        let (mut f, mut g) = (Vec::new(), Vec::new());
        for (base, sc) in &c.terms {
            let p = match *base {
                Base::Proof(i) => st.get(i)?,
                Base::Weight(i) => layer_poly(&weights, i)?,
                Base::Bias(i) => layer_poly(&biases, i)?,
                Base::Table(i) => tables.get(i).ok_or_else(|| ProverError::Internal("table index".into()))?,
            };
            add_scaled(&mut f, &p.poly.coeffs, *sc);
            add_scaled(&mut g, &p.blind.coeffs, *sc);
        }
        let combo = Blinded { poly: poly(f), blind: poly(g) };
        let point = pts[c.point as usize];
        if strict && combo.poly.evaluate(&point) != c.value {
            return Err(ProverError::Internal(format!("claim {ci} does not hold")));
        }
        combos.push(combo);
    }
    stages.mark("evaluations and claims");
    let refs: Vec<&Blinded> = combos.iter().collect();
    let queries: Vec<(u32, u32)> = list.iter().enumerate().map(|(i, c)| (i as u32, c.point)).collect();
    let (_, opening) = open_batch(&pk.srs, &mut t, &refs, &pts, &queries)?;
    stages.mark("batch opening");
    Ok(ModelProof {
        vk_digest: digest,
        input: input_ints,
        output: output_ints,
        round1,
        round2,
        quotients,
        evals,
        opening,
    })
}

fn layer_poly(v: &[Blinded], i: usize) -> Result<&Blinded, ProverError> {
    v.get(i).ok_or_else(|| ProverError::Internal(format!("layer {i} missing")))
}
