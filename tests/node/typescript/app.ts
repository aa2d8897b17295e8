// An example app using @zkml/verifier as its users do. tests/node/package.test.mjs installs the
// packed package next to a copy of this file, type-checks it with `tsc --strict` (the lines marked
// as expected errors must stay errors), compiles it and runs it on the MNIST fixture:
//
//   node app.js VK PROOF DIGEST     prints one line of JSON
import { readFileSync } from "node:fs";
import {
  init,
  inspect,
  isVerifierError,
  verify,
  verifyKzgBatch,
  VerifierError,
  type ErrorCode,
  type Inspection,
  type InvalidCode,
  type KzgBatchResult,
  type VerifyResult,
} from "@zkml/verifier";

const [vkPath, proofPath, digestPath] = process.argv.slice(2);

/** The code of an error thrown by the verifier, or undefined for anything else. */
function codeOf(e: unknown): ErrorCode | undefined {
  return isVerifierError(e) ? e.code : undefined;
}

// Before init(): every call throws NOT_INITIALISED.
let before: ErrorCode | undefined;
try {
  verify(new Uint8Array(0), new Uint8Array(0));
} catch (e) {
  before = codeOf(e);
}

await init();

const file = readFileSync(proofPath);
const proof: ArrayBuffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
const vk: Uint8Array = readFileSync(vkPath);
const digest: string = readFileSync(digestPath, "utf8").trim();

const r: VerifyResult = verify(vk, proof, digest);
let summary: Record<string, unknown>;
if (r.valid) {
  const output: number[] = r.outputs[0];
  let top = 0;
  output.forEach((x, i) => {
    if (x > output[top]) top = i;
  });
  const label: string = r.labels.length === output.length ? r.labels[top] : `output index ${top}`;
  const dev: boolean = r.srs === "dev";
  const shape: number[] = r.inputShape;
  summary = { valid: true, modelDigest: r.modelDigest, modelName: r.modelName, label, dev, shape, pairings: r.pairings };
} else {
  const error: string = r.error;
  const code: InvalidCode = r.code;
  summary = { valid: false, error, code };
}

// Narrowing is required: outputs exist only on a valid result, error only on an invalid one.
const unnarrowed: VerifyResult = verify(vk, proof);
// @ts-expect-error outputs is not on an invalid result
void unnarrowed.outputs;
// @ts-expect-error error is not on a valid result
void unnarrowed.error;

const info: Inspection = inspect(vk);
const kind: string = info.kind;
const size: number = info.bytes;

// Errors carry a code.
let decode: ErrorCode | undefined;
try {
  verify(vk, new Uint8Array([1, 2, 3]));
} catch (e) {
  decode = codeOf(e);
  if (e instanceof VerifierError) {
    const message: string = e.message;
    void message;
  }
}
let badArgument: ErrorCode | undefined;
try {
  // @ts-expect-error a file name is not bytes
  verify(vkPath, proofPath);
} catch (e) {
  badArgument = codeOf(e);
}

const kzg: KzgBatchResult = (() => {
  try {
    return verifyKzgBatch(vk, proof);
  } catch (e) {
    return { valid: false, error: String(e), code: "INVALID_PROOF" } as const;
  }
})();
const kzgText: string = kzg.valid ? kzg.vkDigest : kzg.code;

console.log(JSON.stringify({ before, summary, kind, size, decode, badArgument, kzg: kzgText.length > 0 }));
