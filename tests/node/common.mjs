// Shared by the Node tests: loading the nodejs package and asserting a clean JS `Error`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** The nodejs build of the verifier package (throws with the build command when it is missing). */
export function loadPackage() {
  const pkgPath = fileURLToPath(new URL("../../verifier-wasm/pkg-node/zkml_verifier.js", import.meta.url));
  if (!existsSync(pkgPath)) {
    throw new Error(
      `${pkgPath} is missing: build it first with ` +
        "`wasm-pack build verifier-wasm --release --target nodejs --out-dir pkg-node` (or scripts/wasm-build.sh)",
    );
  }
  return require(pkgPath);
}

/** `fn` throws a JS `Error` with a message (matching `pattern` if given), never a trap. */
export function assertThrows(fn, what, pattern) {
  assert.throws(
    fn,
    (e) => {
      assert.ok(!(e instanceof WebAssembly.RuntimeError), `${what}: the module trapped: ${e}`);
      assert.ok(e instanceof Error, `${what}: threw a non-Error: ${String(e)}`);
      assert.ok(e.message.length > 0, `${what}: empty error message`);
      if (pattern) assert.match(e.message, pattern, what);
      return true;
    },
    what,
  );
}
