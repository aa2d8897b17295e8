// The package's API around the wasm-bindgen bindings, shared by the browser and Node entry points
// (scripts/npm-pack.sh also writes it as core.cjs for `require`). `createApi(load)` takes the
// function that loads the bindings and returns `init`, `verify`, `inspect`, `verifyKzgBatch`,
// `selfTest`, `formatVersion`, `isInitialised`, `VerifierError` and `isVerifierError`.
//
// Contract (index.d.ts): every thrown error carries a `code` and a message; a proof that does not
// verify is a result, `{ valid: false, error, code }`, never a throw.

/** Codes of thrown errors. */
const THROWN_CODES = ["NOT_INITIALISED", "LOAD_FAILED", "BAD_ARGUMENT", "DECODE", "INTERNAL"];
/** Codes of invalid results. */
const INVALID_CODES = ["INVALID_PROOF", "KEY_MISMATCH", "DIGEST_MISMATCH", "BAD_KEY"];

/** An error thrown by the verifier: `code` says what went wrong, `message` says it in words. */
class VerifierError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = "VerifierError";
    this.code = code;
  }
}

/** Whether `e` is an error thrown by this package (a `VerifierError`, or a `TypeError` with code
 * `BAD_ARGUMENT` for an argument of the wrong type). */
function isVerifierError(e) {
  return e instanceof Error && typeof e.code === "string" && THROWN_CODES.includes(e.code);
}

/** Names a value for an error message. */
function describe(x) {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "string") return `a string (${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)})`;
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return `an object (${Object.prototype.toString.call(x).slice(8, -1)})`;
  return `a ${typeof x}`;
}

function badArgument(message) {
  const e = new TypeError(message);
  e.code = "BAD_ARGUMENT";
  return e;
}

/** `x` as a Uint8Array over the same memory: a Uint8Array (or Node Buffer) as it is, an
 * ArrayBuffer or SharedArrayBuffer wrapped, any other ArrayBufferView viewed as bytes. Also works
 * for values from another realm (an iframe, a vm context). */
function toBytes(x, what) {
  if (ArrayBuffer.isView(x)) {
    const tag = Object.prototype.toString.call(x);
    return tag === "[object Uint8Array]" ? x : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  }
  const tag = Object.prototype.toString.call(x);
  if (tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]") return new Uint8Array(x);
  throw badArgument(
    `${what} must be a Uint8Array, an ArrayBuffer or another ArrayBufferView (e.g. a Buffer), got ${describe(x)}` +
      (typeof x === "string" ? ": pass the file's bytes (fs.readFileSync, fetch(...).arrayBuffer()), not its name" : ""),
  );
}

function toDigest(d) {
  if (d === undefined || d === null) return undefined;
  if (typeof d !== "string") throw badArgument(`expectedDigest must be a string of 64 hex digits, got ${describe(d)}`);
  return d;
}

/** An error from the bindings as a VerifierError: the bindings' `code` kept (else `fallback`). */
function wrapError(e, fallback) {
  if (e instanceof VerifierError) return e;
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) {
    return new VerifierError("INTERNAL", `the verifier module trapped: ${e.message}`, { cause: e });
  }
  const message = typeof e?.message === "string" && e.message ? e.message : String(e);
  const code = typeof e?.code === "string" && THROWN_CODES.includes(e.code) ? e.code : fallback;
  return new VerifierError(code, message, { cause: e });
}

function createApi(load) {
  let bindings = null; // the wasm-bindgen exports, once loaded
  let loading = null; // the pending load

  /** Loads the WebAssembly module (once; later calls wait for the same load). */
  function init(source) {
    if (bindings) return Promise.resolve();
    if (!loading) {
      loading = Promise.resolve()
        .then(() => load(source))
        .then(
          (b) => {
            bindings = b;
          },
          (e) => {
            loading = null; // a later call may try again
            throw e instanceof VerifierError
              ? e
              : new VerifierError("LOAD_FAILED", `cannot load the verifier's WebAssembly module: ${e?.message ?? e}`, {
                  cause: e,
                });
          },
        );
    }
    return loading;
  }

  function ready() {
    if (!bindings) {
      throw new VerifierError("NOT_INITIALISED", "the verifier is not initialised: call `await init()` first");
    }
    return bindings;
  }

  /** Runs a call into the bindings, turning what it throws into a VerifierError. */
  function call(f, fallback) {
    try {
      return f();
    } catch (e) {
      throw wrapError(e, fallback);
    }
  }

  function verify(vk, proof, expectedDigest) {
    const b = ready();
    const args = [toBytes(vk, "vk"), toBytes(proof, "proof"), toDigest(expectedDigest)];
    const r = call(() => b.verify(...args), "DECODE");
    if (!r.valid) return { valid: false, error: r.error, code: r.code ?? "INVALID_PROOF" };
    return {
      valid: true,
      modelDigest: r.modelDigest,
      modelName: r.modelName ?? "",
      labels: r.labels ?? [],
      inputShape: r.inputShape ?? [],
      inputs: r.inputs,
      outputs: r.outputs,
      pairings: r.pairings,
      srs: r.srs,
    };
  }

  function verifyKzgBatch(vk, proof) {
    const b = ready();
    const args = [toBytes(vk, "vk"), toBytes(proof, "proof")];
    const r = call(() => b.verifyKzgBatch(...args), "DECODE");
    if (!r.valid) return { valid: false, error: r.error, code: r.code ?? "INVALID_PROOF" };
    return {
      valid: true,
      vkDigest: r.vkDigest,
      commitments: r.commitments,
      points: r.points,
      queries: r.queries,
      pairings: r.pairings,
    };
  }

  function inspect(bytes) {
    const b = ready();
    const arg = toBytes(bytes, "bytes");
    const r = call(() => b.inspect(arg), "DECODE");
    return { kind: r.kind, formatVersion: r.formatVersion, bytes: r.bytes };
  }

  function selfTest() {
    const b = ready();
    return call(() => b.selfTest(), "INTERNAL");
  }

  function formatVersion() {
    const b = ready();
    return call(() => b.formatVersion(), "INTERNAL");
  }

  const isInitialised = () => bindings !== null;

  return {
    init,
    verify,
    inspect,
    verifyKzgBatch,
    selfTest,
    formatVersion,
    isInitialised,
    VerifierError,
    isVerifierError,
    ERROR_CODES: Object.freeze([...THROWN_CODES]),
    INVALID_CODES: Object.freeze([...INVALID_CODES]),
  };
}

export { createApi };
