// Node tests of the model verifier in the npm package @zkml/verifier (npm/dist).
//
//   bash scripts/wasm-build.sh      # builds the bindings and the package
//   node --test tests/node/model.test.mjs       (or all Node tests: node --test tests/node/)
//
// They check the JS contract of `verify(vk, proof, expectedDigest?)` on the pinned MNIST MLP
// fixtures (tests/fixtures/mlp): the proof verifies and reports the model digest, name, labels and
// input shape, the proven input and output (dequantised); a wrong expected digest, another model's
// key, a proof made with a changed weight and a proof with a changed input or output value return
// `{ valid: false, error, code }`; malformed bytes and a malformed expected digest throw an `Error`
// with a `code`; nothing ever traps (a `WebAssembly.RuntimeError` would mean a panic inside the
// module).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertThrows, INVALID_CODES, loadPackage } from "./common.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const { verify, verifyKzgBatch, inspect, selfTest, formatVersion } = await loadPackage();

const fixture = (name) => here(`../fixtures/mlp/${name}`);
const bytes = (name) => new Uint8Array(readFileSync(fixture(name)));

const VK = bytes("mnist_mlp.vk");
const PROOF = bytes("mnist_mlp.proof");
const OTHER_VK = bytes("other.vk");
const WRONG_WEIGHT_PROOF = bytes("wrong_weight.proof");
const DIGEST = readFileSync(fixture("mnist_mlp.digest"), "utf8").trim().toLowerCase();
const EXPECTED = JSON.parse(readFileSync(fixture("mnist_mlp.expected.json"), "utf8")).output_data;

const INPUTS = 784; // MNIST: 28 x 28 pixels
const OUTPUTS = 10; // one logit per digit
const KIND_MODEL_VK = 4;
const KIND_MODEL_PROOF = 7; // accumulated model proof (6: per-layer)

// Model proof payload (verifier-wasm/src/model/proof.rs): after the 16-byte envelope header, the
// 32-byte digest of the key, then the input (u32 length, i32 LE values), then the output (u32
// length, i32 LE values), then commitments, evaluations and the opening.
const HEADER_BYTES = 16; // magic, format version, kind, payload length (docs/formats.md)
const DIGEST_BYTES = 32;
const INPUT_LEN_AT = HEADER_BYTES + DIGEST_BYTES;
const INPUT_AT = INPUT_LEN_AT + 4;

const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const hex = (b) => Buffer.from(b).toString("hex");

/** The quantised input and output as they travel in the proof, and the offset of each list. */
function rawValues(proof) {
  const v = view(proof);
  const inputLen = v.getUint32(INPUT_LEN_AT, true);
  const input = Array.from({ length: inputLen }, (_, i) => v.getInt32(INPUT_AT + 4 * i, true));
  const outputLenAt = INPUT_AT + 4 * inputLen;
  const outputAt = outputLenAt + 4;
  const outputLen = v.getUint32(outputLenAt, true);
  const output = Array.from({ length: outputLen }, (_, i) => v.getInt32(outputAt + 4 * i, true));
  return { input, output, inputAt: INPUT_AT, outputAt };
}

/** A copy of `proof` with the i32 at byte offset `at` replaced by `f(old)`. */
function withInt(proof, at, f) {
  const b = proof.slice();
  const v = view(b);
  v.setInt32(at, f(v.getInt32(at, true)), true);
  return b;
}

function flip(b, i, mask = 0x01) {
  const c = b.slice();
  c[i] ^= mask;
  return c;
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Runs `verify` and classifies the outcome; fails the test on a trap or a non-Error throw. */
function outcome(vk, proof, digest, what) {
  let r;
  try {
    r = verify(vk, proof, digest);
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

/** Asserts `{ valid: false, error, code }` with nothing else; returns the error string. */
function assertInvalid(vk, proof, digest, what) {
  const o = outcome(vk, proof, digest, what);
  assert.ok(!o.threw, `${what}: threw instead of returning valid:false: ${o.threw?.message}`);
  const r = o.result;
  assert.equal(r.valid, false, `${what}: accepted`);
  assert.equal(typeof r.error, "string", `${what}: invalid without an error string`);
  assert.ok(r.error.length > 0, `${what}: empty error string`);
  assert.ok(!r.error.startsWith("malformed input"), `${what}: a decoding error returned, not thrown: ${r.error}`);
  assert.deepEqual(Object.keys(r).sort(), ["code", "error", "valid"], `${what}: an invalid result carries more`);
  assert.ok(INVALID_CODES.includes(r.code), `${what}: unknown code ${r.code}`);
  return r.error;
}

/** Asserts that the input is rejected: a thrown Error or `{ valid: false, error }`. */
function assertRejected(vk, proof, digest, what) {
  const o = outcome(vk, proof, digest, what);
  if (o.threw) return "threw";
  assert.equal(o.result.valid, false, `${what}: accepted`);
  assert.equal(typeof o.result.error, "string", `${what}: invalid without an error string`);
  assert.ok(o.result.error.length > 0, `${what}: empty error string`);
  assert.equal(o.result.modelDigest, undefined, `${what}: an invalid result reports a digest`);
  assert.equal(o.result.outputs, undefined, `${what}: an invalid result reports outputs`);
  return "invalid";
}

/** Checks a valid result against the fixture and the proof's own bytes. */
function assertValidResult(r, what) {
  assert.equal(r.valid, true, `${what}: rejected: ${r.error}`);
  assert.equal(r.error, undefined, what);
  assert.deepEqual(
    Object.keys(r).sort(),
    ["inputShape", "inputs", "labels", "modelDigest", "modelName", "outputs", "pairings", "srs", "valid"],
    what,
  );
  assert.equal(r.modelName, "mnist_mlp", what);
  // The key's labels: none, or one per output.
  assert.ok(Array.isArray(r.labels) && (r.labels.length === 0 || r.labels.length === OUTPUTS), `${what}: labels ${r.labels}`);
  for (const l of r.labels) assert.equal(typeof l, "string", what);
  // The ONNX input shape, when the key has it, holds the 784 values.
  assert.ok(Array.isArray(r.inputShape), what);
  if (r.inputShape.length) assert.equal(r.inputShape.reduce((a, b) => a * b, 1), INPUTS, `${what}: ${r.inputShape}`);
  assert.match(r.modelDigest, /^[0-9a-f]{64}$/, what);
  assert.equal(r.modelDigest, DIGEST, `${what}: not the published model digest`);
  assert.ok(Number.isInteger(r.pairings) && r.pairings > 0, `${what}: pairings ${r.pairings}`);
  assert.equal(r.srs, "dev", `${what}: the fixtures are made on a dev SRS`);

  assert.ok(Array.isArray(r.inputs) && r.inputs.length === 1, `${what}: not one input list`);
  assert.ok(Array.isArray(r.outputs) && r.outputs.length === 1, `${what}: not one output list`);
  const [input] = r.inputs;
  const [output] = r.outputs;
  assert.equal(input.length, INPUTS, `${what}: input length`);
  assert.equal(output.length, OUTPUTS, `${what}: output length`);
  for (const x of [...input, ...output]) assert.ok(Number.isFinite(x), `${what}: non-finite value ${x}`);

  // The values are the proof's own quantised values divided by one power of two (2^s).
  const raw = rawValues(PROOF);
  const pairs = [...raw.input.map((q, i) => [q, input[i]]), ...raw.output.map((q, i) => [q, output[i]])];
  const [q0, x0] = pairs.find(([q]) => q !== 0) ?? [1, 1];
  const scale = q0 / x0;
  const s = Math.log2(scale);
  assert.ok(Number.isInteger(s) && s >= 0 && s <= 30, `${what}: scale ${scale} is not a power of two`);
  for (const [q, x] of pairs) assert.equal(x, q / scale, `${what}: ${x} is not ${q} / 2^${s}`);

  // The proven prediction is the reference model's, and the logits are close to its float outputs.
  assert.equal(EXPECTED.length, 1, "the expected JSON holds one output list");
  const expected = EXPECTED[0];
  assert.equal(expected.length, OUTPUTS);
  assert.equal(argmax(output), argmax(expected), `${what}: argmax of ${output} differs from ${expected}`);
  const range = Math.max(...expected) - Math.min(...expected);
  const worst = Math.max(...output.map((x, i) => Math.abs(x - expected[i])));
  assert.ok(worst <= 0.1 * range, `${what}: outputs ${output} far from ${expected} (max error ${worst})`);
}

test("the self-test passes (arithmetic, and the bundled deep MLP proof as a known answer)", () => {
  assert.equal(selfTest(), true);
});

test("the fixtures are what the tests expect", () => {
  assert.match(DIGEST, /^[0-9a-f]{64}$/, "mnist_mlp.digest is not 64 hex digits");
  assert.equal(view(VK).getUint16(6, true), KIND_MODEL_VK);
  assert.equal(view(OTHER_VK).getUint16(6, true), KIND_MODEL_VK);
  assert.equal(view(PROOF).getUint16(6, true), KIND_MODEL_PROOF);
  assert.equal(view(WRONG_WEIGHT_PROOF).getUint16(6, true), KIND_MODEL_PROOF);
  const version = formatVersion();
  assert.equal(view(VK).getUint16(4, true), version);
  assert.deepEqual({ ...inspect(VK) }, { kind: "model verifying key", formatVersion: version, bytes: VK.length });
  assert.deepEqual({ ...inspect(PROOF) }, { kind: "accumulated model proof", formatVersion: version, bytes: PROOF.length });
  const raw = rawValues(PROOF);
  assert.equal(raw.input.length, INPUTS);
  assert.equal(raw.output.length, OUTPUTS);
  // The proof is bound to the key with the published digest.
  assert.equal(hex(PROOF.subarray(HEADER_BYTES, HEADER_BYTES + DIGEST_BYTES)), DIGEST);
});

test("the proof verifies without an expected digest", () => {
  assertValidResult(verify(VK, PROOF), "no digest");
  assertValidResult(verify(VK, PROOF, undefined), "undefined digest");
  assertValidResult(verify(VK, PROOF, null), "null digest");
  // Node Buffers, ArrayBuffers and other views are accepted as well as Uint8Array.
  assertValidResult(verify(Buffer.from(VK), Buffer.from(PROOF)), "Buffers");
  assertValidResult(verify(VK.slice().buffer, PROOF.slice().buffer), "ArrayBuffers");
  assertValidResult(verify(new DataView(VK.slice().buffer), PROOF), "a DataView");
});

test("the proof verifies with the expected digest", () => {
  assertValidResult(verify(VK, PROOF, DIGEST), "digest");
  assertValidResult(verify(VK, PROOF, DIGEST.toUpperCase()), "upper-case digest");
  assertValidResult(verify(VK, PROOF, `0x${DIGEST}`), "0x-prefixed digest");
  assertValidResult(verify(VK, PROOF, ` ${DIGEST}\n`), "digest with surrounding white space");
  assert.deepEqual(verify(VK, PROOF, DIGEST), verify(VK, PROOF));
});

test("a wrong expected digest is invalid, naming both digests", () => {
  const wrong = (DIGEST[0] === "0" ? "1" : "0") + DIGEST.slice(1);
  const error = assertInvalid(VK, PROOF, wrong, "wrong digest");
  assert.ok(error.includes(DIGEST) && error.includes(wrong), error);
  assertInvalid(VK, PROOF, "0".repeat(64), "all-zero digest");
});

test("a malformed expected digest throws", () => {
  for (const [d, what] of [
    ["", "empty"],
    ["abc", "3 digits"],
    [DIGEST.slice(1), "63 digits"],
    [`${DIGEST}0`, "65 digits"],
    [`zz${DIGEST.slice(2)}`, "non-hex digits"],
    [`${DIGEST.slice(0, 32)} ${DIGEST.slice(33)}`, "a space inside"],
  ]) {
    assertThrows(() => verify(VK, PROOF, d), `expected digest: ${what}`, /64 hex digits/);
  }
});

test("another model's key is invalid", () => {
  const error = assertInvalid(OTHER_VK, PROOF, undefined, "other.vk");
  // The proof names the key it was made for.
  assert.match(error, /verifying key/);
  assert.ok(error.includes(DIGEST), error);
  // Pinning this model's digest with the other key: the key is not the published one.
  assertInvalid(OTHER_VK, PROOF, DIGEST, "other.vk with this model's digest");
});

test("a proof made with a changed weight is invalid", () => {
  assertInvalid(VK, WRONG_WEIGHT_PROOF, undefined, "wrong_weight.proof");
  assertInvalid(VK, WRONG_WEIGHT_PROOF, DIGEST, "wrong_weight.proof with the digest");
});

test("a proof with one input value changed is invalid", () => {
  const { inputAt } = rawValues(PROOF);
  for (const i of [0, 1, INPUTS / 2, INPUTS - 1]) {
    assertInvalid(VK, withInt(PROOF, inputAt + 4 * i, (q) => q + 1), DIGEST, `input ${i} + 1`);
  }
  assertInvalid(VK, withInt(PROOF, inputAt, (q) => -q - 1), undefined, "input 0 negated");
});

test("a proof with one output value changed is invalid", () => {
  const { outputAt, output } = rawValues(PROOF);
  for (let i = 0; i < OUTPUTS; i++) {
    assertInvalid(VK, withInt(PROOF, outputAt + 4 * i, (q) => q + 1), DIGEST, `output ${i} + 1`);
  }
  // Claiming another class: the runner-up's logit raised above the winner's.
  const top = argmax(output);
  const other = top === 0 ? 1 : 0;
  const claim = withInt(PROOF, outputAt + 4 * other, () => output[top] + 1);
  assertInvalid(VK, claim, undefined, `output ${other} raised to win`);
});

test("truncated bytes throw", () => {
  const lengths = new Set([PROOF.length - 1, PROOF.length - 32, INPUT_AT, INPUT_AT + 4 * INPUTS]);
  for (let n = 0; n <= 64; n++) lengths.add(n);
  for (let n = 0; n < PROOF.length; n += 97) lengths.add(n);
  for (const n of lengths) {
    assertThrows(() => verify(VK, PROOF.subarray(0, n)), `proof truncated to ${n} bytes`);
  }
  for (const n of [0, 4, 8, 9, 40, VK.length >> 1, VK.length - 1]) {
    assertThrows(() => verify(VK.subarray(0, n), PROOF), `key truncated to ${n} bytes`);
  }
  // The envelope's payload length: a cut file says how much of it is there, with code DECODE.
  assertThrows(
    () => verify(VK, PROOF.subarray(0, INPUT_LEN_AT + 2)),
    "cut inside the input length",
    new RegExp(`truncated accumulated model proof: ${INPUT_LEN_AT + 2} of ${PROOF.length.toLocaleString("en-US")} bytes`),
    "DECODE",
  );
  const extended = new Uint8Array(PROOF.length + 1);
  extended.set(PROOF);
  assertThrows(() => verify(VK, extended), "proof plus one byte", /trailing/);
});

test("garbage throws", () => {
  assertThrows(() => verify(VK, new Uint8Array(0)), "empty proof", /magic/);
  assertThrows(() => verify(new Uint8Array(0), PROOF), "empty key", /magic/);
  assertThrows(() => verify(VK, new TextEncoder().encode("hello, world")), "text as proof", /magic/);
  // The files swapped, or a key where a proof belongs: the message names the kinds.
  assertThrows(() => verify(VK, VK), "key as the proof", /model verifying key/);
  assertThrows(() => verify(PROOF, PROOF), "proof as the key", /model proof/);
  assertThrows(() => verify(PROOF, VK), "files swapped", /expected a model verifying key/);
  // Model files given to the KZG verifier are malformed for it.
  assertThrows(() => verifyKzgBatch(VK, PROOF), "model files to verifyKzgBatch", /expected a KZG/);
  // Deterministic pseudo-random garbage: bare, and behind a valid envelope header.
  let s = 0x2545f491;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  const counts = { threw: 0, invalid: 0 };
  for (let k = 0; k < 32; k++) {
    const g = Uint8Array.from({ length: PROOF.length }, rnd);
    assertThrows(() => verify(VK, g), `garbage proof #${k}`, /magic/);
    g.set(PROOF.subarray(0, HEADER_BYTES));
    counts[assertRejected(VK, g, undefined, `garbage proof payload #${k}`)]++;
    const h = Uint8Array.from({ length: VK.length }, rnd);
    h.set(VK.subarray(0, HEADER_BYTES));
    counts[assertRejected(h, PROOF, undefined, `garbage key payload #${k}`)]++;
  }
  assert.ok(counts.threw > 0, JSON.stringify(counts));
  assert.equal(verify(VK, PROOF).valid, true, "the verifier is unhealthy after the garbage");
});

test("a byte flip anywhere in the proof is rejected without a trap", () => {
  // Every byte of the header, the key digest and the input length; then one byte (and bit) in
  // every 32-byte-aligned chunk, at a position that moves through the chunk.
  const offsets = new Set();
  for (let i = 0; i < 48 && i < PROOF.length; i++) offsets.add(i);
  for (let k = 0; 32 * k < PROOF.length; k++) offsets.add(Math.min(32 * k + ((7 * k) % 32), PROOF.length - 1));
  const counts = { threw: 0, invalid: 0 };
  for (const i of offsets) {
    const mask = i < 48 ? 0x01 : 1 << (i % 8);
    counts[assertRejected(VK, flip(PROOF, i, mask), DIGEST, `proof byte ${i} ^ 0x${mask.toString(16)}`)]++;
  }
  assert.equal(counts.threw + counts.invalid, offsets.size);
  // Both paths are exercised: bad encodings throw, well-formed wrong values return valid:false.
  assert.ok(counts.threw > 0 && counts.invalid > 0, JSON.stringify(counts));
  // The key digest bound in the proof: the message says which key the proof was made for.
  assert.match(assertInvalid(VK, flip(PROOF, HEADER_BYTES), undefined, "flipped key digest"), /verifying key/);
  // The module is still healthy afterwards.
  assertValidResult(verify(VK, PROOF, DIGEST), "after the flips");
});

test("a byte flip in the key is rejected without a trap", () => {
  const counts = { threw: 0, invalid: 0 };
  let n = 0;
  for (let i = 0; i < VK.length; i += i < 48 ? 1 : 29) {
    counts[assertRejected(flip(VK, i), PROOF, undefined, `key byte ${i} ^ 0x01`)]++;
    n++;
  }
  assert.equal(counts.threw + counts.invalid, n);
  assertValidResult(verify(VK, PROOF), "after the flips");
});

// The deep MLP of prover/tests/accumulation.rs (input 16, eight hidden layers of width 16, output
// 4): the eight hidden layers folded into one accumulator (kind 7), and the same inference proven
// per layer (kind 6). Both verify with the same five Miller loops.
const DEEP_VK = bytes("deep_mlp.vk");
const DEEP_PROOF = bytes("deep_mlp.proof");
const DEEP_PER_LAYER = bytes("deep_mlp.per_layer.proof");
const DEEP_DIGEST = readFileSync(fixture("deep_mlp.digest"), "utf8").trim().toLowerCase();

test("an accumulated proof of the deep MLP verifies, like its per-layer proof", () => {
  assert.equal(view(DEEP_PROOF).getUint16(6, true), 7);
  assert.equal(view(DEEP_PER_LAYER).getUint16(6, true), 6);
  assert.ok(DEEP_PROOF.length < DEEP_PER_LAYER.length);
  const a = verify(DEEP_VK, DEEP_PROOF, DEEP_DIGEST);
  const p = verify(DEEP_VK, DEEP_PER_LAYER, DEEP_DIGEST);
  assert.equal(a.valid, true, a.error);
  assert.equal(p.valid, true, p.error);
  assert.deepEqual(a.outputs, p.outputs);
  assert.equal(a.pairings, 5);
  assert.equal(p.pairings, 5);
  const m = verify(VK, PROOF, DIGEST);
  assert.equal(m.pairings, a.pairings, "mnist_mlp and the deep MLP need the same pairings");
});

test("every 11th byte of the accumulated proof, flipped, is rejected without a trap", () => {
  let invalid = 0;
  for (let i = 0; i < DEEP_PROOF.length; i += 11) {
    const b = DEEP_PROOF.slice();
    b[i] ^= 0x10;
    let r;
    try {
      r = verify(DEEP_VK, b);
    } catch (e) {
      assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError), `byte ${i}: ${e}`);
      continue;
    }
    assert.equal(r.valid, false, `byte ${i} flipped: accepted`);
    invalid++;
  }
  assert.ok(invalid > 0);
  assert.equal(verify(DEEP_VK, DEEP_PROOF).valid, true);
});
