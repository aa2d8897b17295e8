// Verifies a proof in the browser with the verifier's npm package (@zkml/verifier), whose browser
// files scripts/wasm-build.sh copies next to this page (vendor/zkml-verifier): a model proof (one
// inference of a published model, `verify`) or a KZG batch-opening proof (`verifyKzgBatch`),
// whichever the files hold (the kind in their envelope header). Serving this directory alone is
// enough.
//
// Inputs come from the file pickers and the digest box, or from `?vk=URL&proof=URL&digest=HEX`
// (relative URLs resolve against this page); `&autorun=1` verifies as soon as both files are
// loaded. When a verification finishes, `window.zkmlResult` holds the outcome as an object (see
// `report`), `document.body.dataset.verdict` is "valid", "invalid" or "error" (set last) and
// `#result` holds a one-line summary (scripts/browser-verify.sh reads all three from the DOM).
// When the verifier cannot be loaded, the page says so with the verdict "error".

/** Where the package's browser entry lives, relative to this page (`?pkg=` overrides it, for tests). */
const PACKAGE_URL = new URL(
  new URLSearchParams(location.search).get("pkg") ?? "./vendor/zkml-verifier/index.js",
  location.href,
).href;

const $ = (id) => document.getElementById(id);
const inputs = { vk: null, proof: null }; // Uint8Array of each file, once loaded
let busy = false;
let zkml = null; // the package, once loaded

// Artifact kinds (docs/formats.md): the u16 little-endian at bytes 6..8 of the envelope.
const KIND = { KZG_VK: 2, KZG_PROOF: 3, MODEL_VK: 4, MODEL_PROOF: 6, ACCUMULATED_MODEL_PROOF: 7 };
const MAGIC = [0x5a, 0x4b, 0x4d, 0x4c]; // "ZKML"

// After loading, the module runs its self-test a few times: its arithmetic (pairing bilinearity,
// point encodings, inversions), then a known answer (the bundled deep MLP proof verifies, and is
// rejected with one output changed). Besides catching a broken build, this runs the whole
// verification path, so the engine compiles and tiers up its hot functions while the user picks
// files and the first verification runs at full speed. The time of the first run is shown (it
// includes the baseline-tier cost).
// `?warmup=0` skips the self-test (to measure a cold first verification).
const SELF_TEST_RUNS = new URLSearchParams(location.search).get("warmup") === "0" ? 0 : 8;
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Loads the package and its WebAssembly module; rejects with a message that says which failed. */
async function load() {
  let pkg;
  try {
    pkg = await import(PACKAGE_URL);
  } catch (e) {
    throw new Error(`cannot load the verifier's script ${PACKAGE_URL} (${e?.message ?? e})`);
  }
  await pkg.init(); // rejects with code LOAD_FAILED, e.g. when the .wasm is missing (HTTP 404)
  zkml = pkg;
  let first = 0;
  let ok = true;
  for (let i = 0; i < SELF_TEST_RUNS; i++) {
    const t0 = performance.now();
    ok = pkg.selfTest() && ok;
    if (i === 0) first = performance.now() - t0;
    await pause();
  }
  $("version").textContent = SELF_TEST_RUNS === 0
    ? `Verifier format version ${pkg.formatVersion()}; self-test skipped.`
    : `Verifier format version ${pkg.formatVersion()}; self-test ${ok ? "passed" : "FAILED"} (${first.toFixed(1)} ms).`;
  if (!ok) throw new Error("the verifier's self-test failed: this build of the module is broken");
}
const ready = load();

/** The kind code in an artifact's envelope, or null when the bytes are no artifact. */
function artifactKind(bytes) {
  if (!bytes || bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) return null;
  return bytes[6] | (bytes[7] << 8);
}

/** Which verifier to run: "kzg" for KZG files, else "model" (whose errors name what a file holds). */
function proofMode() {
  for (const [bytes, kzg, model] of [
    [inputs.proof, KIND.KZG_PROOF, KIND.MODEL_PROOF],
    [inputs.vk, KIND.KZG_VK, KIND.MODEL_VK],
  ]) {
    const kind = artifactKind(bytes);
    if (kind === kzg) return "kzg";
    if (kind === model || (bytes === inputs.proof && kind === KIND.ACCUMULATED_MODEL_PROOF)) return "model";
  }
  return "model";
}

/** Names what a file holds ("model verifying key, 2000 bytes") or why it cannot be read. */
function describe(bytes) {
  try {
    const i = zkml.inspect(bytes);
    return `${i.kind}, ${i.bytes} bytes`;
  } catch (e) {
    return `${bytes.length} bytes: ${e.message}`;
  }
}

async function setInput(which, bytes, origin) {
  inputs[which] = bytes;
  await ready;
  $(`${which}-source`).textContent = `${origin}: ${describe(bytes)}`;
  updateButton();
}

function updateButton() {
  $("verify").disabled = busy || !zkml || !(inputs.vk && inputs.proof);
}

const DETAIL_IDS = ["verdict", "kind", "name", "digest", "counts", "outputs", "argmax", "srs", "pairings", "code", "time"];

const SRS_TEXT = {
  ceremony: "a public powers-of-tau ceremony",
  dev: "a development SRS (insecure: whoever made it can forge proofs)",
};
const DEV_WARNING =
  "Development parameters: this model was set up on a development SRS. Whoever made that SRS can " +
  "forge proofs for it, so this verdict only means something to them. Models meant for others are " +
  "set up on a public ceremony's parameters.";
const PIN_WARNING =
  "The digest was not pinned: any model verifies its own proofs. Compare the digest below with the " +
  "one the model owner published (or paste theirs in the digest box and verify again).";

function clearDetails() {
  delete document.body.dataset.verdict;
  window.zkmlResult = null;
  $("details").hidden = true;
  $("verdict-card").hidden = true;
  for (const id of DETAIL_IDS) $(id).textContent = "";
}

/** Index of the largest value (the first one on ties). */
function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A number for display: at most 6 significant digits, no exponent for logits. */
const num = (x) => String(Number(x.toPrecision(6)));

/** A digest for a headline: its first and last 6 hex digits. */
const shortDigest = (d) => (d.length > 16 ? `${d.slice(0, 6)}…${d.slice(-6)}` : d);

/** The labels of an output list when the key carries one per value, else null. */
function labelsFor(result, values) {
  return Array.isArray(result.labels) && result.labels.length === values.length ? result.labels : null;
}

/** Renders output lists: one numbered list (from 0) each, labelled when the key has labels, the
 * argmax in bold. */
function showOutputs(result) {
  const dd = $("outputs");
  dd.textContent = "";
  result.outputs.forEach((values, k) => {
    if (result.outputs.length > 1) dd.append(`output ${k}:`);
    const labels = k === 0 ? labelsFor(result, values) : null;
    const ol = document.createElement("ol");
    ol.start = 0;
    if (labels) ol.className = "labelled";
    const top = argmax(values);
    values.forEach((x, i) => {
      const li = document.createElement("li");
      li.textContent = labels ? `${labels[i]}: ${num(x)}` : num(x);
      if (i === top) li.className = "top";
      ol.append(li);
    });
    dd.append(ol);
  });
}

/**
 * How to draw an input as an image, or null: from the key's input shape, `[.., H, W]` (grey) or
 * `[.., C, H, W]` with C 1 or 3; without a usable shape, an input of n ≥ 64 values in [0, 1] with n
 * a perfect square is drawn as a grey square.
 */
function imageGeometry(shape, values) {
  const n = values.length;
  const dims = Array.isArray(shape) ? shape.map(Number) : [];
  if (dims.length >= 2) {
    const [h, w] = dims.slice(-2);
    const c = dims.length >= 3 ? dims[dims.length - 3] : 1;
    if ((c === 1 || c === 3) && h >= 2 && w >= 2 && c * h * w === n) return { c, h, w };
    if (h >= 2 && w >= 2 && h * w === n) return { c: 1, h, w };
  }
  const side = Math.round(Math.sqrt(n));
  if (n >= 64 && side * side === n && values.every((x) => x >= 0 && x <= 1)) return { c: 1, h: side, w: side };
  return null;
}

/** Draws an input on the canvas, each value an integer-scaled square (crisp at any size). */
function drawInput(values, shape) {
  const g = imageGeometry(shape, values);
  $("input-figure").hidden = !g;
  if (!g) return null;
  const { c, h, w } = g;
  // Values in [0, 1] are drawn as they are (0 black, 1 white); anything else is stretched from its
  // minimum to its maximum.
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo >= 0 && hi <= 1) [lo, hi] = [0, 1];
  const level = (x) => (hi > lo ? Math.round((255 * (x - lo)) / (hi - lo)) : 0);
  const scale = Math.max(1, Math.floor(224 / Math.max(h, w)));
  const canvas = $("input-canvas");
  canvas.width = w * scale;
  canvas.height = h * scale;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = y * w + x;
      const [r, gr, b] = c === 3 ? [0, 1, 2].map((k) => level(values[k * h * w + at])) : Array(3).fill(level(values[at]));
      ctx.fillStyle = `rgb(${r},${gr},${b})`;
      ctx.fillRect(x * scale, y * scale, scale, scale);
    }
  }
  $("input-caption").textContent =
    `The proven input, drawn as a ${w} × ${h} ${c === 3 ? "colour" : "grey-scale"} image (${values.length} values).`;
  return { width: w, height: h, channels: c };
}

/** The headline sentence and badge of an outcome. */
function headline(verdict, result) {
  const pin = result.pinned ? "pinned" : "not pinned";
  if (verdict === "valid" && result.kind === "model") {
    const model = result.modelName ? `the model “${result.modelName}”` : "a model";
    return `This output was computed by ${model} whose digest is ${shortDigest(result.modelDigest)} (${pin}).`;
  }
  if (verdict === "valid") {
    return `This KZG batch-opening proof verifies against the key whose digest is ${shortDigest(result.vkDigest)} (${pin}).`;
  }
  const reason = String(result.error ?? "unknown error").replace(/\.$/, "");
  if (verdict === "invalid") return `This proof does not verify: ${reason}.`;
  return `The verification could not run: ${reason}.`;
}

/**
 * Shows a final outcome. `result` is what `window.zkmlResult` exposes to scripts:
 * `{ verdict, kind, summary, ms, error?, code?, modelDigest?, modelName?, labels?, inputShape?,
 * vkDigest?, pinned?, inputLengths?, outputs?, argmax?, predicted?, image?, pairings?, srs?,
 * statement? }` (`ms` is null when the page's clock did not advance; `predicted` is the argmax
 * label, or null without labels). The verdict goes on <body> last, so that whoever waits for it
 * finds everything else in place.
 */
function report(verdict, summary, result = {}) {
  $("result").textContent = summary;

  // The verdict card: badge, sentence, warnings, prediction, input image, full digest.
  $("badge").textContent = verdict;
  $("badge").className = `badge ${verdict}`;
  $("sentence").textContent = headline(verdict, result);
  const valid = verdict === "valid";
  $("pin-warning").textContent = PIN_WARNING;
  $("pin-warning").hidden = !(valid && result.kind === "model" && !result.pinned);
  $("warning").textContent = DEV_WARNING;
  $("warning").hidden = !(valid && result.srs === "dev");
  let predicted = null;
  let image = null;
  if (valid && result.outputs?.length) {
    const values = result.outputs[0];
    const top = argmax(values);
    const labels = labelsFor(result, values);
    predicted = labels ? labels[top] : null;
    const p = $("prediction");
    p.textContent = "";
    const strong = document.createElement("strong");
    if (labels) {
      strong.textContent = labels[top];
      p.append("Predicted class: ", strong);
    } else {
      strong.textContent = `output index ${top}`;
      p.append("Largest output: ", strong, " (the key carries no class labels)");
    }
    p.hidden = false;
    image = result.inputs?.length ? drawInput(result.inputs[0], result.inputShape) : null;
  } else {
    $("prediction").hidden = true;
    $("input-figure").hidden = true;
  }
  const fullDigest = result.modelDigest ?? result.vkDigest;
  $("full-digest").hidden = !valid || !fullDigest;
  $("full-digest-label").textContent = result.kind === "kzg" ? "Key digest (full)" : "Model digest (full)";
  $("full-digest-value").textContent = fullDigest ?? "";
  $("verdict-card").hidden = false;

  // The technical details.
  $("verdict").textContent = verdict;
  $("kind").textContent = { model: "model proof", kzg: "KZG batch-opening proof" }[result.kind] ?? "—";
  $("name").textContent = result.modelName || "—";
  $("digest-label").textContent = result.kind === "kzg" ? "Key digest" : "Model digest";
  $("digest").textContent = fullDigest ?? "—";
  $("counts").textContent = result.statement ?? "—";
  if (result.outputs) showOutputs(result);
  else $("outputs").textContent = "—";
  $("argmax").textContent = result.argmax
    ? result.argmax.map((a, k) => (k === 0 && predicted !== null ? `${a} (label “${predicted}”)` : String(a))).join(", ")
    : "—";
  $("srs").textContent = SRS_TEXT[result.srs] ?? "—";
  $("pairings").textContent = result.pairings !== undefined ? String(result.pairings) : "—";
  $("code").textContent = result.code ?? "—";
  $("time").textContent = result.ms !== undefined ? formatMs(result.ms) : "—";
  $("details").hidden = false;
  window.zkmlResult = {
    verdict,
    summary,
    ...result,
    ...(valid && result.kind === "model" ? { predicted, image } : {}),
    ms: result.ms > 0 ? result.ms : null,
  };
  document.body.dataset.verdict = verdict;
}

/** Milliseconds for display. A verification takes milliseconds, so an elapsed time of exactly zero
 * means the clock is virtual (headless Chromium with --virtual-time-budget stops the clock while
 * the page runs a task) and nothing was measured. */
function formatMs(ms) {
  return ms > 0 ? `${ms.toFixed(1)} ms` : "under 0.1 ms or not measured (virtual clock)";
}

/** The expected digest from the text box: trimmed, or undefined when empty. */
function expectedDigest() {
  const d = $("digest-input").value.trim();
  return d === "" ? undefined : d;
}

/** A digest as 64 lowercase hex digits (an optional 0x prefix dropped); throws when it is not one. */
function normaliseDigest(d) {
  const h = d.replace(/^0x/i, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) {
    const e = new Error(`the expected digest must be 64 hex digits, got "${d}"`);
    e.code = "BAD_ARGUMENT";
    throw e;
  }
  return h;
}

/** Runs `f` (a synchronous verifier call) and returns its outcome and the elapsed milliseconds. */
function timed(f) {
  const t0 = performance.now();
  try {
    const r = f();
    return { r, ms: performance.now() - t0 };
  } catch (e) {
    return { e, ms: performance.now() - t0 };
  }
}

function verifyModelProof(digest) {
  const kind = "model";
  const pinned = digest !== undefined;
  const { r, e, ms } = timed(() => zkml.verify(inputs.vk, inputs.proof, digest));
  const time = formatMs(ms);
  if (e) return report("error", `error: ${e.message}`, { kind, ms, error: e.message, code: e.code });
  if (!r.valid) {
    return report("invalid", `invalid: ${r.error} (${time})`, { kind, ms, error: r.error, code: r.code });
  }
  const top = r.outputs.map(argmax);
  const sizes = (lists) => lists.map((l) => l.length).join(" + ");
  const statement = `${sizes(r.inputs)} input values → ${sizes(r.outputs)} output values`;
  report(
    "valid",
    `valid: model ${r.modelDigest}, ${statement}, argmax ${top.join(", ")} (${r.srs} SRS, ${r.pairings} pairings, ${time})`,
    {
      kind,
      ms,
      pinned,
      modelDigest: r.modelDigest,
      modelName: r.modelName,
      labels: r.labels,
      inputShape: r.inputShape,
      inputLengths: r.inputs.map((l) => l.length),
      inputs: r.inputs,
      outputs: r.outputs,
      argmax: top,
      pairings: r.pairings,
      srs: r.srs,
      statement,
    },
  );
}

function verifyKzgProof(digest) {
  const kind = "kzg";
  let expected;
  try {
    expected = digest === undefined ? undefined : normaliseDigest(digest);
  } catch (e) {
    return report("error", `error: ${e.message}`, { kind, error: e.message, code: e.code });
  }
  const { r, e, ms } = timed(() => zkml.verifyKzgBatch(inputs.vk, inputs.proof));
  const time = formatMs(ms);
  if (e) return report("error", `error: ${e.message}`, { kind, ms, error: e.message, code: e.code });
  if (!r.valid) {
    return report("invalid", `invalid: ${r.error} (${time})`, { kind, ms, error: r.error, code: r.code });
  }
  if (expected !== undefined && expected !== r.vkDigest) {
    const error = `the verifying key has digest ${r.vkDigest} but ${expected} was expected`;
    return report("invalid", `invalid: ${error} (${time})`, { kind, ms, error, code: "DIGEST_MISMATCH" });
  }
  const statement = `${r.queries} openings of ${r.commitments} commitments at ${r.points} points`;
  report("valid", `valid: ${statement} (${r.pairings} pairings, ${time}); key digest ${r.vkDigest}`, {
    kind,
    ms,
    pinned: expected !== undefined,
    vkDigest: r.vkDigest,
    pairings: r.pairings,
    statement,
  });
}

/** Reports that the verifier could not be loaded. */
function reportLoadFailure(e) {
  const error = `cannot load the verifier: ${e?.message ?? e}`;
  report("error", `error: ${error}`, { error, code: e?.code ?? "LOAD_FAILED" });
}

async function verify() {
  if (busy) return;
  busy = true;
  updateButton();
  clearDetails();
  $("result").textContent = "Verifying…";
  try {
    try {
      await ready;
    } catch (e) {
      return reportLoadFailure(e);
    }
    // Let the page paint "Verifying…" before the synchronous verification runs.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const digest = expectedDigest();
    if (proofMode() === "kzg") verifyKzgProof(digest);
    else verifyModelProof(digest);
  } catch (e) {
    // Something outside the verifier went wrong.
    report("error", `error: ${e?.message ?? e}`, { error: String(e?.message ?? e), code: e?.code });
  } finally {
    busy = false;
    updateButton();
  }
}

async function readFile(which) {
  const file = $(`${which}-file`).files[0];
  if (!file) return;
  try {
    await setInput(which, new Uint8Array(await file.arrayBuffer()), file.name);
  } catch {
    // The verifier failed to load: already reported.
  }
}

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return new Uint8Array(await res.arrayBuffer());
}

/** Loads `?vk=`, `?proof=` and `?digest=` and, with `autorun=1`, verifies them. */
async function loadFromQuery() {
  const params = new URLSearchParams(location.search);
  const vkUrl = params.get("vk");
  const proofUrl = params.get("proof");
  const digest = params.get("digest");
  if (digest !== null) $("digest-input").value = digest;
  if (!vkUrl && !proofUrl) return;
  $("result").textContent = "Fetching inputs…";
  try {
    const urls = [vkUrl, proofUrl].map((u) => (u ? new URL(u, location.href).href : null));
    const [vk, proof] = await Promise.all(urls.map((u) => (u ? fetchBytes(u) : null)));
    try {
      if (vk) await setInput("vk", vk, vkUrl);
      if (proof) await setInput("proof", proof, proofUrl);
    } catch {
      return; // the verifier failed to load: reported by the handler of `ready` below
    }
  } catch (e) {
    report("error", `error: ${e.message}`, { error: e.message });
    return;
  }
  if (params.get("autorun") === "1" && inputs.vk && inputs.proof) {
    await verify();
  } else {
    $("result").textContent = inputs.vk && inputs.proof ? "Ready to verify." : "Choose the missing file.";
  }
}

$("vk-file").addEventListener("change", () => readFile("vk"));
$("proof-file").addEventListener("change", () => readFile("proof"));
$("form").addEventListener("submit", (event) => {
  event.preventDefault();
  verify();
});

ready.then(
  () => {
    updateButton();
    if (!document.body.dataset.verdict && $("result").textContent === "Loading the verifier…") {
      $("result").textContent = "Choose a verifying key and a proof.";
    }
  },
  (e) => {
    if (!document.body.dataset.verdict) reportLoadFailure(e);
  },
);
loadFromQuery();
