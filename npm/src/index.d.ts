// Types of @zkml/verifier: verifies zero-knowledge proofs of ML inference in the browser and in Node.

/**
 * Codes of thrown errors:
 * - `NOT_INITIALISED`: a function was called before `await init()` finished;
 * - `LOAD_FAILED`: `init()` could not load the WebAssembly module (e.g. HTTP 404 for the `.wasm`);
 * - `BAD_ARGUMENT`: an argument of the wrong type (a `TypeError`: e.g. a file name where bytes
 *   belong, or `null`), or an expected digest that is not 64 hex digits;
 * - `DECODE`: bytes that cannot be decoded (truncated, corrupted, or the wrong kind of file);
 * - `INTERNAL`: a bug in the verifier (it never happens on any input, however malformed).
 */
export type ErrorCode = "NOT_INITIALISED" | "LOAD_FAILED" | "BAD_ARGUMENT" | "DECODE" | "INTERNAL";

/**
 * Codes of invalid results (`valid: false`), for well-formed files that do not verify:
 * - `INVALID_PROOF`: the proof does not verify (a failed pairing check, an ill-formed proof);
 * - `KEY_MISMATCH`: the proof was made for another verifying key;
 * - `DIGEST_MISMATCH`: the key is not the expected model (its digest is not `expectedDigest`);
 * - `BAD_KEY`: the verifying key decodes but cannot be used.
 */
export type InvalidCode = "INVALID_PROOF" | "KEY_MISMATCH" | "DIGEST_MISMATCH" | "BAD_KEY";

/** Every thrown error: a `VerifierError`, or a `TypeError` with code `BAD_ARGUMENT` for an argument of
 * the wrong type. */
export interface CodedError extends Error {
  readonly code: ErrorCode;
}

/** An error thrown by the verifier. */
export declare class VerifierError extends Error implements CodedError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  readonly name: "VerifierError";
  readonly code: ErrorCode;
}

/** Whether `e` was thrown by this package (and so carries a `code`). */
export declare function isVerifierError(e: unknown): e is CodedError;

/** The thrown codes, and the codes of invalid results. */
export declare const ERROR_CODES: readonly ErrorCode[];
export declare const INVALID_CODES: readonly InvalidCode[];

/** Bytes of a file: a `Uint8Array` (or Node `Buffer`), an `ArrayBuffer` or any other `ArrayBufferView`. */
export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * Where `init` gets the WebAssembly module in a browser: its URL (default: the package's
 * `zkml_verifier_bg.wasm`, next to the module), a fetch `Response`, its bytes, or a compiled
 * `WebAssembly.Module`. Ignored in Node, which reads the package's file.
 */
export type InitInput = string | URL | Response | ArrayBuffer | ArrayBufferView | WasmModule;

/** `WebAssembly.Module` where the environment's types declare it (DOM, recent @types/node). */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } }
  ? M
  : never;

/**
 * Loads the WebAssembly module; every other function throws `NOT_INITIALISED` until it has
 * resolved. Calling it again is harmless. Rejects with a `VerifierError` of code `LOAD_FAILED`.
 */
export declare function init(source?: InitInput | Promise<InitInput>): Promise<void>;
export default init;

/** Whether `init()` has finished. */
export declare function isInitialised(): boolean;

/** A proof that verifies: the model with `modelDigest` maps `inputs` to `outputs`. */
export interface VerifiedModel {
  valid: true;
  /** The model digest: 64 lowercase hex digits (what the model owner publishes). */
  modelDigest: string;
  /** The model's name, from the verifying key ("" when it has none). */
  modelName: string;
  /** The class labels of the outputs, from the verifying key (empty when it carries none). */
  labels: string[];
  /** The ONNX shape of the model input, from the verifying key (empty when unknown). */
  inputShape: number[];
  /** The proven model inputs, dequantised: one flat list per model input. */
  inputs: number[][];
  /** The proven model outputs, dequantised: one flat list per model output. */
  outputs: number[][];
  /** Miller loops in the final multi-pairing. */
  pairings: number;
  /**
   * Where the key's parameters came from: `"ceremony"` (a public powers-of-tau ceremony) or `"dev"`
   * (a development SRS: whoever made it can forge proofs, so a valid proof convinces nobody else).
   */
  srs: "ceremony" | "dev";
}

/** A well-formed proof that does not verify. */
export interface Rejected {
  valid: false;
  /** Why, in words. */
  error: string;
  /** Why, for programs. */
  code: InvalidCode;
}

/** What `verify` returns: narrow on `valid`. */
export type VerifyResult = VerifiedModel | Rejected;

/**
 * Verifies a proof of one inference of a model against the model's verifying key and, when
 * `expectedDigest` is given (64 hex digits, either case, optional `0x`), insists that the key is
 * that model. Throws (`BAD_ARGUMENT`, `DECODE`, `NOT_INITIALISED`) only when the inputs cannot be
 * checked at all.
 */
export declare function verify(vk: Bytes, proof: Bytes, expectedDigest?: string | null): VerifyResult;

/** The kinds of files `inspect` recognises. */
export type ArtifactKind =
  | "structured reference string"
  | "KZG verifying key"
  | "KZG batch-opening proof"
  | "model verifying key"
  | "model proving key"
  | "model proof"
  | "accumulated model proof";

/** What a file is, from its header. */
export interface Inspection {
  kind: ArtifactKind;
  /** The file format version (this verifier reads one version: `formatVersion()`). */
  formatVersion: number;
  /** The file's size in bytes. */
  bytes: number;
}

/** Reads the header of any zkml file; throws `DECODE` when the bytes are not one. */
export declare function inspect(bytes: Bytes): Inspection;

/** A KZG batch-opening proof that verifies. */
export interface VerifiedKzgBatch {
  valid: true;
  /** The KZG verifying key's digest: 64 lowercase hex digits. */
  vkDigest: string;
  commitments: number;
  points: number;
  queries: number;
  pairings: number;
}

/** What `verifyKzgBatch` returns: narrow on `valid`. */
export type KzgBatchResult = VerifiedKzgBatch | Rejected;

/** Verifies a standalone KZG batch-opening proof (`prove kzg-demo`) against its key. */
export declare function verifyKzgBatch(vk: Bytes, proof: Bytes): KzgBatchResult;

/** Checks the module's arithmetic and a bundled known-answer proof; `true` when all hold. Running it
 * once or a few times after `init()` also warms up the engine's compiled code. */
export declare function selfTest(): boolean;

/** The file format version this verifier reads. */
export declare function formatVersion(): number;
