// Node tests of the verifier's npm package @zkml/verifier (npm/dist).
//
//   bash scripts/wasm-build.sh      # builds the bindings and the package
//   node --test tests/node/
//
// They check the JS contract of `verifyKzgBatch`: the pinned fixture verifies; well-formed but
// invalid inputs return `{ valid: false, error, code }`; malformed bytes throw an `Error` with a
// `code`; nothing ever traps (a `WebAssembly.RuntimeError` would mean a panic inside the module).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertThrows, loadPackage } from "./common.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const zkml = await loadPackage();
const { verifyKzgBatch, inspect, formatVersion, verify } = zkml;

const VK = new Uint8Array(readFileSync(here("../fixtures/kzg/kzg.vk")));
const PROOF = new Uint8Array(readFileSync(here("../fixtures/kzg/kzg.proof")));
// The proof's payload starts with the 32-byte digest of the key it was made for.
const HEADER_BYTES = 16; // magic, format version, kind, payload length (docs/formats.md)
const PROOF_VK_DIGEST = Buffer.from(PROOF.subarray(HEADER_BYTES, HEADER_BYTES + 32)).toString("hex");

/** Runs `verifyKzgBatch` and classifies the outcome; fails the test on a trap or a non-Error throw. */
function outcome(vk, proof, what) {
  let r;
  try {
    r = verifyKzgBatch(vk, proof);
  } catch (e) {
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `${what}: the module trapped: ${e}`);
    assert.ok(e instanceof Error, `${what}: threw a non-Error: ${String(e)}`);
    assert.equal(typeof e.message, "string", `${what}: error without a message`);
    assert.ok(e.message.length > 0, `${what}: empty error message`);
    return { threw: e };
  }
  assert.equal(typeof r, "object", `${what}: result is not an object`);
  assert.equal(typeof r.valid, "boolean", `${what}: result has no boolean 'valid'`);
  return { result: r };
}

function flip(bytes, i, mask = 0x01) {
  const b = bytes.slice();
  b[i] ^= mask;
  return b;
}

/** Asserts that the input is rejected: a thrown Error or `{ valid: false, error }`. */
function assertRejected(vk, proof, what) {
  const o = outcome(vk, proof, what);
  if (o.threw) return "threw";
  assert.equal(o.result.valid, false, `${what}: accepted`);
  assert.equal(typeof o.result.error, "string", `${what}: invalid without an error string`);
  assert.ok(o.result.error.length > 0, `${what}: empty error string`);
  assert.equal(o.result.vkDigest, undefined, `${what}: an invalid result reports a key digest`);
  return "invalid";
}

test("formatVersion matches the fixtures' envelopes", () => {
  assert.ok(Number.isInteger(formatVersion()) && formatVersion() >= 3);
  const view = new DataView(PROOF.buffer, PROOF.byteOffset);
  assert.equal(view.getUint16(4, true), formatVersion());
});

test("the pinned fixture verifies and reports its key digest and counts", () => {
  const r = verifyKzgBatch(VK, PROOF);
  assert.equal(r.valid, true, `fixture rejected: ${r.error}`);
  assert.equal(r.error, undefined);
  assert.match(r.vkDigest, /^[0-9a-f]{64}$/);
  assert.equal(r.vkDigest, PROOF_VK_DIGEST, "digest differs from the one bound in the proof");
  assert.deepEqual(
    { commitments: r.commitments, points: r.points, queries: r.queries, pairings: r.pairings },
    { commitments: 3, points: 2, queries: 6, pairings: 2 },
  );
  // Node Buffers and ArrayBuffers are accepted as well as Uint8Array; plain arrays are not bytes.
  assert.equal(verifyKzgBatch(Buffer.from(VK), Buffer.from(PROOF)).valid, true);
  assert.equal(verifyKzgBatch(VK.slice().buffer, PROOF.slice().buffer).valid, true);
  assertThrows(() => verifyKzgBatch(Array.from(VK), PROOF), "a plain array", /Uint8Array/, "BAD_ARGUMENT");
});

test("every single-bit flip of the proof is rejected without a trap", () => {
  const counts = { threw: 0, invalid: 0 };
  for (let i = 0; i < PROOF.length; i++) {
    counts[assertRejected(VK, flip(PROOF, i), `proof byte ${i} ^ 0x01`)]++;
  }
  assert.equal(counts.threw + counts.invalid, PROOF.length);
  // Both paths are exercised: bad encodings throw, well-formed wrong values return valid:false.
  assert.ok(counts.threw > 0 && counts.invalid > 0, JSON.stringify(counts));
  // The module is still healthy afterwards.
  assert.equal(verifyKzgBatch(VK, PROOF).valid, true);
});

test("every single-bit flip of the key is rejected without a trap", () => {
  const counts = { threw: 0, invalid: 0 };
  for (let i = 0; i < VK.length; i++) {
    counts[assertRejected(flip(VK, i), PROOF, `key byte ${i} ^ 0x01`)]++;
  }
  assert.equal(counts.threw + counts.invalid, VK.length);
  assert.equal(verifyKzgBatch(VK, PROOF).valid, true);
});

/** Offset of `queries[0].eval` in a KZG batch proof (docs/formats.md): header, key digest, then
 * length-prefixed commitments (G1, 32 bytes), points (Fr, 32 bytes) and queries (u32 poly,
 * u32 point, Fr eval). */
function firstEvalOffset(proof) {
  const view = new DataView(proof.buffer, proof.byteOffset, proof.byteLength);
  let at = HEADER_BYTES + 32;
  at += 4 + 32 * view.getUint32(at, true); // commitments
  at += 4 + 32 * view.getUint32(at, true); // points
  assert.ok(view.getUint32(at, true) > 0, "no queries");
  return at + 4 + 8;
}

test("a changed claimed evaluation is invalid (pairing check), not malformed", () => {
  const b = PROOF.slice();
  const at = firstEvalOffset(b);
  // Add one to the little-endian field element (the canonical value stays below the modulus).
  for (let i = at, carry = 1; carry && i < at + 32; i++) {
    const v = b[i] + carry;
    b[i] = v & 0xff;
    carry = v >> 8;
  }
  const r = verifyKzgBatch(VK, b);
  assert.equal(r.valid, false);
  assert.match(r.error, /pairing check failed/);
});

test("a proof bound to another key is invalid, naming both digests", () => {
  const r = verifyKzgBatch(VK, flip(PROOF, HEADER_BYTES));
  assert.equal(r.valid, false);
  assert.match(r.error, /verifying key/);
  assert.ok(r.error.includes(PROOF_VK_DIGEST), r.error);
});

test("every truncation of the proof or the key throws", () => {
  for (let n = 0; n < PROOF.length; n++) {
    assertThrows(() => verifyKzgBatch(VK, PROOF.subarray(0, n)), `proof truncated to ${n} bytes`);
  }
  for (let n = 0; n < VK.length; n++) {
    assertThrows(() => verifyKzgBatch(VK.subarray(0, n), PROOF), `key truncated to ${n} bytes`);
  }
  // Cut inside the commitments' length prefix: the message says how much of the file is there.
  assertThrows(
    () => verifyKzgBatch(VK, PROOF.subarray(0, HEADER_BYTES + 33)),
    "cut length prefix",
    new RegExp(`truncated KZG batch-opening proof: ${HEADER_BYTES + 33} of ${PROOF.length.toLocaleString("en-US")} bytes`),
    "DECODE",
  );
});

test("trailing bytes and garbage throw", () => {
  const extended = new Uint8Array(PROOF.length + 1);
  extended.set(PROOF);
  assertThrows(() => verifyKzgBatch(VK, extended), "proof plus one byte", /trailing/);
  assertThrows(() => verifyKzgBatch(VK, new Uint8Array(0)), "empty proof", /magic/);
  assertThrows(() => verifyKzgBatch(new Uint8Array(0), PROOF), "empty key", /magic/);
  assertThrows(() => verifyKzgBatch(VK, new TextEncoder().encode("hello, world")), "text as proof", /magic/);
  // Deterministic pseudo-random garbage, with and without a valid envelope header.
  let s = 0x9e3779b9;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  for (let k = 0; k < 64; k++) {
    const g = Uint8Array.from({ length: PROOF.length }, rnd);
    assertThrows(() => verifyKzgBatch(VK, g), `garbage proof #${k}`);
    g.set(PROOF.subarray(0, HEADER_BYTES));
    assertThrows(() => verifyKzgBatch(VK, g), `garbage payload #${k}`);
    const h = Uint8Array.from({ length: VK.length }, rnd);
    h.set(VK.subarray(0, HEADER_BYTES));
    assertThrows(() => verifyKzgBatch(h, PROOF), `garbage key payload #${k}`);
  }
  // A newer format version and an unknown kind are named in the message.
  const newer = PROOF.slice();
  new DataView(newer.buffer).setUint16(4, formatVersion() + 1, true);
  assertThrows(() => verifyKzgBatch(VK, newer), "a newer format version", new RegExp(`version ${formatVersion() + 1}`), "DECODE");
  assertThrows(() => verifyKzgBatch(VK, flip(PROOF, 6, 0x40)), "unknown kind", /unknown artifact kind/);
  assert.equal(verifyKzgBatch(VK, PROOF).valid, true);
});

test("inspect reports the kinds, the format version and the size", () => {
  const version = formatVersion();
  assert.deepEqual({ ...inspect(VK) }, { kind: "KZG verifying key", formatVersion: version, bytes: VK.length });
  assert.deepEqual({ ...inspect(PROOF) }, { kind: "KZG batch-opening proof", formatVersion: version, bytes: PROOF.length });
  assertThrows(() => inspect(new Uint8Array(0)), "inspect of nothing", /magic/);
  assertThrows(() => inspect(new TextEncoder().encode("ZKML")), "inspect of a bare magic", /truncated/);
});

test("swapped files throw an Error naming the kinds", () => {
  assertThrows(() => verifyKzgBatch(VK, VK), "key passed as the proof", /KZG verifying key/);
  assertThrows(() => verifyKzgBatch(PROOF, PROOF), "proof passed as the key", /KZG batch-opening proof/);
  assertThrows(() => verifyKzgBatch(PROOF, VK), "files swapped", /expected a KZG verifying key/);
});

// The model verifier (`verify`) lives in the same package; its own tests, on the model fixtures,
// are in model.test.mjs. Here: it keeps apart from the KZG artifacts.
test("the package exports the model verifier next to the KZG one", () => {
  for (const name of ["verify", "verifyKzgBatch", "inspect", "formatVersion"]) {
    assert.equal(typeof zkml[name], "function", `${name} is not exported`);
  }
});

test("the model verifier throws on KZG artifacts, naming the kinds", () => {
  assertThrows(() => verify(VK, PROOF), "KZG files to verify", /expected a model verifying key but the file holds a KZG verifying key/);
  assertThrows(() => verify(VK, PROOF, "ab".repeat(32)), "KZG files to verify, with a digest", /KZG verifying key/);
  assertThrows(() => verify(new Uint8Array(0), PROOF), "empty key", /magic/);
  // The KZG verifier still verifies after the model verifier has thrown.
  assert.equal(verifyKzgBatch(VK, PROOF).valid, true);
});

test("the model verifier throws on a malformed expected digest before reading any bytes", () => {
  for (const d of ["", "abc", "ab".repeat(31), "ab".repeat(33), "g".repeat(64)]) {
    assertThrows(() => verify(VK, PROOF, d), `expected digest ${JSON.stringify(d)}`, /64 hex digits/);
  }
});
