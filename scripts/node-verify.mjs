// Verifies a proof with the npm package @zkml/verifier (npm/dist, built by scripts/wasm-build.sh):
//
//   node scripts/node-verify.mjs VK PROOF [DIGEST]
//
// The kind in the files' envelope picks the verifier:
// - a model proof (`verify`): prints one line of JSON,
//     {"verdict":"valid","kind":"model","modelDigest":"<hex>","modelName":"...","inputLengths":[784],
//      "outputs":[[...floats]],"argmax":[2],"label":"2"|null,"pairings":N,"srs":"ceremony"|"dev","ms":12.3}
//   or {"verdict":"invalid"|"error","kind":"model","error":"...","code":"...","ms":12.3};
// - a KZG batch-opening proof (`verifyKzgBatch`): prints one line of text, "valid: ..." or
//   "invalid: ..." or "error: ...".
// DIGEST, optional, is the expected digest of the verifying key (the model digest): 64 hex digits,
// or a file whose first line holds them (e.g. tests/fixtures/mlp/mnist_mlp.digest). `ms` is the time
// of the verification call (the first call in a process includes compiling the module's hot code).
// Exit status: 0 valid, 1 invalid, 2 malformed input, a malformed digest or a usage error.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
if (args.length < 2 || args.length > 3) {
  console.error("usage: node scripts/node-verify.mjs VK PROOF [DIGEST]");
  process.exit(2);
}
const [vkPath, proofPath, digestArg] = args;
const { init, verify, verifyKzgBatch } = require("../npm/dist/index.cjs");
await init();

let vk, proof, digest;
try {
  vk = readFileSync(vkPath);
  proof = readFileSync(proofPath);
  if (digestArg !== undefined) {
    digest = existsSync(digestArg) ? readFileSync(digestArg, "utf8").split("\n")[0] : digestArg;
    digest = digest.trim();
  }
} catch (e) {
  console.error(`node-verify: ${e.message}`);
  process.exit(2);
}

// Artifact kinds (docs/formats.md): the u16 little-endian at bytes 6..8 of the envelope.
const KIND = { KZG_VK: 2, KZG_PROOF: 3, MODEL_VK: 4, MODEL_PROOF: 6, ACCUMULATED_MODEL_PROOF: 7 };
const kindOf = (b) => (b.length >= 8 && b.subarray(0, 4).toString("latin1") === "ZKML" ? b.readUInt16LE(6) : null);
const kzg =
  kindOf(proof) === KIND.KZG_PROOF ||
  (![KIND.MODEL_PROOF, KIND.ACCUMULATED_MODEL_PROOF].includes(kindOf(proof)) && kindOf(vk) === KIND.KZG_VK);

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

const round = (ms) => Math.round(ms * 10) / 10;

function verifyModel() {
  const t = performance.now();
  let r;
  try {
    r = verify(vk, proof, digest);
  } catch (e) {
    const ms = round(performance.now() - t);
    console.log(JSON.stringify({ verdict: "error", kind: "model", error: e.message, code: e.code, ms }));
    return 2;
  }
  const ms = round(performance.now() - t);
  if (!r.valid) {
    console.log(JSON.stringify({ verdict: "invalid", kind: "model", error: r.error, code: r.code, ms }));
    return 1;
  }
  console.log(
    JSON.stringify({
      verdict: "valid",
      kind: "model",
      modelDigest: r.modelDigest,
      modelName: r.modelName,
      inputLengths: r.inputs.map((l) => l.length),
      outputs: r.outputs,
      argmax: r.outputs.map(argmax),
      label: r.labels[argmax(r.outputs[0])] ?? null,
      pairings: r.pairings,
      srs: r.srs,
      ms,
    }),
  );
  return 0;
}

function verifyKzg() {
  let expected;
  if (digest !== undefined) {
    expected = digest.replace(/^0x/, "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(expected)) {
      console.log(`error: the expected digest must be 64 hex digits, got "${digest}"`);
      return 2;
    }
  }
  try {
    const t = performance.now();
    const r = verifyKzgBatch(vk, proof);
    const ms = (performance.now() - t).toFixed(1);
    if (r.valid && expected !== undefined && r.vkDigest !== expected) {
      console.log(`invalid: the verifying key has digest ${r.vkDigest} but ${expected} was expected (${ms} ms)`);
      return 1;
    }
    if (r.valid) {
      console.log(`valid: ${r.queries} openings of ${r.commitments} commitments at ${r.points} points (${r.pairings} pairings, ${ms} ms); key digest ${r.vkDigest}`);
      return 0;
    }
    console.log(`invalid: ${r.error} (${ms} ms)`);
    return 1;
  } catch (e) {
    console.log(`error: ${e.message}`);
    return 2;
  }
}

// Not process.exit: it would cut a long line (a language model's logits) still queued on a pipe.
process.exitCode = kzg ? verifyKzg() : verifyModel();
