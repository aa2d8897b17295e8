// Verifies a KZG batch-opening proof in the browser with the verifier's web package
// (wasm-pack build verifier-wasm --release --target web --out-dir pkg).
//
// Inputs come from the two file pickers or from `?vk=URL&proof=URL` (relative URLs resolve
// against this page); `&autorun=1` verifies as soon as both are loaded. When a verification
// finishes, `document.body.dataset.verdict` is "valid", "invalid" or "error" and `#result` holds a
// one-line summary (scripts/browser-verify.sh reads both from the DOM).
import init, { verifyKzgBatch, inspect, formatVersion } from "../verifier-wasm/pkg/zkml_verifier.js";

const $ = (id) => document.getElementById(id);
const inputs = { vk: null, proof: null }; // Uint8Array of each file, once loaded
let busy = false;

const ready = init().then(() => {
  $("version").textContent = `Verifier format version ${formatVersion()}.`;
});

/** Names what a file holds ("KZG verifying key, 200 bytes") or why it cannot be read. */
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

function clearDetails() {
  delete document.body.dataset.verdict;
  $("details").hidden = true;
  for (const id of ["verdict", "digest", "counts", "pairings", "time"]) $(id).textContent = "";
}

/** Shows a final outcome: sets the verdict on <body> and the one-line summary in #result. */
function report(verdict, summary, details = {}) {
  $("result").textContent = summary;
  $("verdict").textContent = verdict;
  $("digest").textContent = details.digest ?? "—";
  $("counts").textContent = details.counts ?? "—";
  $("pairings").textContent = details.pairings ?? "—";
  $("time").textContent = details.time ?? "—";
  $("details").hidden = false;
  document.body.dataset.verdict = verdict;
}

/** Milliseconds for display. A verification takes milliseconds, so an elapsed time of exactly zero
 * means the clock is virtual (headless Chromium with --virtual-time-budget stops the clock while
 * the page runs a task) and nothing was measured. */
function formatMs(ms) {
  return ms > 0 ? `${ms.toFixed(1)} ms` : "under 0.1 ms or not measured (virtual clock)";
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
    const t0 = performance.now();
    let r;
    try {
      r = verifyKzgBatch(inputs.vk, inputs.proof);
    } catch (e) {
      const time = formatMs(performance.now() - t0);
      report("error", `error: ${e.message}`, { time });
      return;
    }
    const time = formatMs(performance.now() - t0);
    if (r.valid) {
      const counts = `${r.queries} openings of ${r.commitments} commitments at ${r.points} points`;
      report(
        "valid",
        `valid: ${counts} (${r.pairings} pairings, ${time}); key digest ${r.vkDigest}`,
        { digest: r.vkDigest, counts, pairings: String(r.pairings), time },
      );
    } else {
      report("invalid", `invalid: ${r.error} (${time})`, { time });
    }
  } catch (e) {
    // The module failed to load, or something else outside the verifier went wrong.
    report("error", `error: ${e?.message ?? e}`);
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

/** Loads `?vk=` and `?proof=` and, with `autorun=1`, verifies them. */
async function loadFromQuery() {
  const params = new URLSearchParams(location.search);
  const vkUrl = params.get("vk");
  const proofUrl = params.get("proof");
  if (!vkUrl && !proofUrl) return;
  $("result").textContent = "Fetching inputs…";
  try {
    const urls = [vkUrl, proofUrl].map((u) => (u ? new URL(u, location.href).href : null));
    const [vk, proof] = await Promise.all(urls.map((u) => (u ? fetchBytes(u) : null)));
    if (vk) await setInput("vk", vk, vkUrl);
    if (proof) await setInput("proof", proof, proofUrl);
  } catch (e) {
    report("error", `error: ${e.message}`);
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
  (e) => report("error", `error: cannot load the verifier: ${e?.message ?? e}`),
);
loadFromQuery();
