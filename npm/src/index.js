// Browser entry (ES module) of @zkml/verifier: the wasm-bindgen web bindings (./web), loaded by
// `init()` from the package's own zkml_verifier_bg.wasm unless told otherwise.
import initBindings, * as bindings from "./web/zkml_verifier.js";
import { createApi } from "./core.js";

/** Fetches a URL, failing with the HTTP status (a 404 would otherwise surface as a compile error
 * about bad magic bytes). */
async function fetchModule(input) {
  let res;
  try {
    res = await fetch(input);
  } catch (e) {
    throw new Error(`cannot fetch ${input}: ${e?.message ?? e}`, { cause: e });
  }
  if (!res.ok) throw new Error(`cannot fetch ${res.url || input}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

async function load(source) {
  let input = await source;
  if (input === undefined || input === null) input = new URL("./web/zkml_verifier_bg.wasm", import.meta.url);
  if (typeof input === "string" || input instanceof URL || (typeof Request === "function" && input instanceof Request)) {
    input = await fetchModule(input);
  }
  await initBindings({ module_or_path: input });
  return bindings;
}

const api = createApi(load);

export const {
  init,
  verify,
  inspect,
  verifyKzgBatch,
  selfTest,
  formatVersion,
  isInitialised,
  VerifierError,
  isVerifierError,
  ERROR_CODES,
  INVALID_CODES,
} = api;
export default init;
