// Verifies a KZG batch-opening proof with the Node package: node scripts/node-verify.mjs VK PROOF
// Prints one line; exit 0 valid, 1 invalid, 2 malformed input or usage error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const [vkPath, proofPath] = process.argv.slice(2);
if (!vkPath || !proofPath) {
  console.error("usage: node scripts/node-verify.mjs VK PROOF");
  process.exit(2);
}
const { verifyKzgBatch } = require("../verifier-wasm/pkg-node/zkml_verifier.js");
const vk = readFileSync(vkPath);
const proof = readFileSync(proofPath);
try {
  const t = performance.now();
  const r = verifyKzgBatch(vk, proof);
  const ms = (performance.now() - t).toFixed(1);
  if (r.valid) {
    console.log(`valid: ${r.queries} openings of ${r.commitments} commitments at ${r.points} points (${r.pairings} pairings, ${ms} ms); key digest ${r.vkDigest}`);
    process.exit(0);
  }
  console.log(`invalid: ${r.error} (${ms} ms)`);
  process.exit(1);
} catch (e) {
  console.log(`error: ${e.message}`);
  process.exit(2);
}
