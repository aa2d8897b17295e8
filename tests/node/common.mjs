// Shared by the Node tests: loading the npm package (@zkml/verifier, built into npm/dist by
// scripts/wasm-build.sh) and asserting a clean JS `Error` with a `code`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package directory (npm/dist) and its Node ES module entry. */
export const PACKAGE_DIR = fileURLToPath(new URL("../../npm/dist/", import.meta.url));
const ENTRY = `${PACKAGE_DIR}index.node.js`;

/** The codes of thrown errors and of invalid results (index.d.ts). */
export const ERROR_CODES = ["NOT_INITIALISED", "LOAD_FAILED", "BAD_ARGUMENT", "DECODE", "INTERNAL"];
export const INVALID_CODES = ["INVALID_PROOF", "KEY_MISMATCH", "DIGEST_MISMATCH", "BAD_KEY"];

/** Imports the package without initialising it (throws with the build command when it is missing). */
export async function importPackage() {
  if (!existsSync(ENTRY)) {
    throw new Error(`${ENTRY} is missing: build the package first with bash scripts/wasm-build.sh`);
  }
  return import(pathToFileURL(ENTRY).href);
}

/** The package, initialised. */
export async function loadPackage() {
  const zkml = await importPackage();
  await zkml.init();
  return zkml;
}

/** `fn` throws a JS `Error` with a message (matching `pattern` if given) and a `code` (equal to
 * `code` if given), never a trap. */
export function assertThrows(fn, what, pattern, code) {
  assert.throws(
    fn,
    (e) => {
      assert.ok(!(e instanceof WebAssembly.RuntimeError), `${what}: the module trapped: ${e}`);
      assert.ok(e instanceof Error, `${what}: threw a non-Error: ${String(e)}`);
      assert.ok(e.message.length > 0, `${what}: empty error message`);
      assert.ok(ERROR_CODES.includes(e.code), `${what}: error without a known code: ${e.code} (${e.message})`);
      if (code) assert.equal(e.code, code, `${what}: ${e.message}`);
      if (pattern) assert.match(e.message, pattern, what);
      return true;
    },
    what,
  );
}
