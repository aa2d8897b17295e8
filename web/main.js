// Verifies a proof in the browser with the verifier's web package
// (wasm-pack build verifier-wasm --release --target web --out-dir pkg): a model proof (one
// inference of a published model, `verify`) or a KZG batch-opening proof (`verifyKzgBatch`),
// whichever the files hold (the kind in their envelope header).
//
// Inputs come from the file pickers and the digest box, or from `?vk=URL&proof=URL&digest=HEX`
// (relative URLs resolve against this page); `&autorun=1` verifies as soon as both files are
// loaded. When a verification finishes, `window.zkmlResult` holds the outcome as an object (see
// `report`), `document.body.dataset.verdict` is "valid", "invalid" or "error" (set last) and
// `#result` holds a one-line summary (scripts/browser-verify.sh reads all three from the DOM).
import init, { verify as verifyModel, verifyKzgBatch, inspect, formatVersion, selfTest } from "../verifier-wasm/pkg/zkml_verifier.js";

const $ = (id) => document.getElementById(id);
const inputs = { vk: null, proof: null }; // Uint8Array of each file, once loaded
let busy = false;

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
const ready = init().then(async () => {
  let first = 0;
  let ok = true;
  for (let i = 0; i < SELF_TEST_RUNS; i++) {
    const t0 = performance.now();
    ok = selfTest() && ok;
    if (i === 0) first = performance.now() - t0;
    await pause();
  }
  $("version").textContent = SELF_TEST_RUNS === 0
    ? `Verifier format version ${formatVersion()}; self-test skipped.`
    : `Verifier format version ${formatVersion()}; self-test ${ok ? "passed" : "FAILED"} (${first.toFixed(1)} ms).`;
  if (!ok) throw new Error("the verifier's self-test failed: this build of the module is broken");
});

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
    const i = inspect(bytes);
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
  $("verify").disabled = busy || !(inputs.vk && inputs.proof);
}

const DETAIL_IDS = ["verdict", "kind", "digest", "counts", "outputs", "argmax", "srs", "pairings", "time"];

const SRS_TEXT = {
  ceremony: "a public powers-of-tau ceremony",
  dev: "a development SRS (insecure: whoever made it can forge proofs)",
};
const DEV_WARNING =
  "This model was set up on a development SRS. Whoever made that SRS can forge proofs for it, so " +
  "this verdict only means something to them. Models meant for others are set up on a public " +
  "ceremony's parameters.";

function clearDetails() {
  delete document.body.dataset.verdict;
  window.zkmlResult = null;
  $("details").hidden = true;
  $("warning").hidden = true;
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

/** Renders output lists: one numbered list (from 0) each, the argmax in bold. */
function showOutputs(outputs) {
  const dd = $("outputs");
  dd.textContent = "";
  outputs.forEach((values, k) => {
    if (outputs.length > 1) dd.append(`output ${k}:`);
    const ol = document.createElement("ol");
    ol.start = 0;
    const top = argmax(values);
    values.forEach((x, i) => {
      const li = document.createElement("li");
      li.textContent = num(x);
      if (i === top) li.className = "top";
      ol.append(li);
    });
    dd.append(ol);
  });
}

/**
 * Shows a final outcome. `result` is what `window.zkmlResult` exposes to scripts:
 * `{ verdict, kind, summary, ms, error?, modelDigest?, vkDigest?, inputLengths?, outputs?, argmax?,
 * pairings?, srs?, statement? }` (`ms` is null when the page's clock did not advance). The verdict goes
 * on <body> last, so that whoever waits for it finds everything else in place.
 */
function report(verdict, summary, result = {}) {
  $("result").textContent = summary;
  $("verdict").textContent = verdict;
  $("kind").textContent = { model: "model proof", kzg: "KZG batch-opening proof" }[result.kind] ?? "—";
  $("digest-label").textContent = result.kind === "kzg" ? "Key digest" : "Model digest";
  $("digest").textContent = result.modelDigest ?? result.vkDigest ?? "—";
  $("counts").textContent = result.statement ?? "—";
  if (result.outputs) showOutputs(result.outputs);
  else $("outputs").textContent = "—";
  $("argmax").textContent = result.argmax ? result.argmax.join(", ") : "—";
  $("srs").textContent = SRS_TEXT[result.srs] ?? "—";
  $("warning").textContent = result.srs === "dev" ? DEV_WARNING : "";
  $("warning").hidden = result.srs !== "dev";
  $("pairings").textContent = result.pairings !== undefined ? String(result.pairings) : "—";
  $("time").textContent = result.ms !== undefined ? formatMs(result.ms) : "—";
  $("details").hidden = false;
  window.zkmlResult = { verdict, summary, ...result, ms: result.ms > 0 ? result.ms : null };
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
  const h = d.replace(/^0x/, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`the expected digest must be 64 hex digits, got "${d}"`);
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
  const { r, e, ms } = timed(() => verifyModel(inputs.vk, inputs.proof, digest));
  const time = formatMs(ms);
  if (e) return report("error", `error: ${e.message}`, { kind, ms, error: e.message });
  if (!r.valid) return report("invalid", `invalid: ${r.error} (${time})`, { kind, ms, error: r.error });
  const top = r.outputs.map(argmax);
  const sizes = (lists) => lists.map((l) => l.length).join(" + ");
  const statement = `${sizes(r.inputs)} input values → ${sizes(r.outputs)} output values`;
  report(
    "valid",
    `valid: model ${r.modelDigest}, ${statement}, argmax ${top.join(", ")} (${r.srs} SRS, ${r.pairings} pairings, ${time})`,
    {
      kind,
      ms,
      modelDigest: r.modelDigest,
      inputLengths: r.inputs.map((l) => l.length),
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
    return report("error", `error: ${e.message}`, { kind, error: e.message });
  }
  const { r, e, ms } = timed(() => verifyKzgBatch(inputs.vk, inputs.proof));
  const time = formatMs(ms);
  if (e) return report("error", `error: ${e.message}`, { kind, ms, error: e.message });
  if (!r.valid) return report("invalid", `invalid: ${r.error} (${time})`, { kind, ms, error: r.error });
  if (expected !== undefined && expected !== r.vkDigest) {
    const error = `the verifying key has digest ${r.vkDigest} but ${expected} was expected`;
    return report("invalid", `invalid: ${error} (${time})`, { kind, ms, error });
  }
  const statement = `${r.queries} openings of ${r.commitments} commitments at ${r.points} points`;
  report("valid", `valid: ${statement} (${r.pairings} pairings, ${time}); key digest ${r.vkDigest}`, {
    kind,
    ms,
    vkDigest: r.vkDigest,
    pairings: r.pairings,
    statement,
  });
}

async function verify() {
  if (busy) return;
  busy = true;
  updateButton();
  clearDetails();
  $("result").textContent = "Verifying…";
  try {
    await ready;
    // Let the page paint "Verifying…" before the synchronous verification runs.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const digest = expectedDigest();
    if (proofMode() === "kzg") verifyKzgProof(digest);
    else verifyModelProof(digest);
  } catch (e) {
    // The module failed to load, or something else outside the verifier went wrong.
    report("error", `error: ${e?.message ?? e}`, { error: String(e?.message ?? e) });
  } finally {
    busy = false;
    updateButton();
  }
}

async function readFile(which) {
  const file = $(`${which}-file`).files[0];
  if (!file) return;
  await setInput(which, new Uint8Array(await file.arrayBuffer()), file.name);
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
    if (vk) await setInput("vk", vk, vkUrl);
    if (proof) await setInput("proof", proof, proofUrl);
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
    if (!document.body.dataset.verdict && $("result").textContent === "Loading the verifier…") {
      $("result").textContent = "Choose a verifying key and a proof.";
    }
  },
  (e) => report("error", `error: cannot load the verifier: ${e?.message ?? e}`, { error: String(e?.message ?? e) }),
);
loadFromQuery();
