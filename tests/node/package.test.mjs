// Node tests of the npm package @zkml/verifier as its users get it.
//
//   bash scripts/wasm-build.sh                    # builds npm/dist and npm/zkml-verifier-<version>.tgz
//   npm ci --prefix tests/node/typescript         # TypeScript, for the type check (scripts/setup.sh does it)
//   node --test tests/node/package.test.mjs
//
// In this process (the package directory, imported by path): every function throws NOT_INITIALISED
// before init(); a fixture proof passed as an ArrayBuffer verifies; thrown errors carry a code
// (BAD_ARGUMENT for a file name, null or a plain array; DECODE for bytes that cannot be decoded)
// and invalid results carry one too (INVALID_PROOF, KEY_MISMATCH, DIGEST_MISMATCH).
// Then the tarball: its files and package.json (scoped name, the workspace version from Cargo.toml,
// licence, exports map); installed into a fresh app in a temporary directory, where `require`
// and `import` (and the browser entry, under --conditions=browser) verify the fixture; and a
// TypeScript example app (tests/node/typescript/app.ts, app.cts) compiled against it with
// `tsc --strict`, then run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertThrows, importPackage, INVALID_CODES, PACKAGE_DIR } from "./common.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ROOT = here("../../");
const fixture = (name) => here(`../fixtures/mlp/${name}`);

/** A file's bytes as a standalone ArrayBuffer (not a Buffer, not a view). */
function arrayBuffer(path) {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

const VK = arrayBuffer(fixture("mnist_mlp.vk"));
const PROOF = arrayBuffer(fixture("mnist_mlp.proof"));
const OTHER_VK = arrayBuffer(fixture("other.vk"));
const WRONG_WEIGHT_PROOF = arrayBuffer(fixture("wrong_weight.proof"));
const DIGEST = readFileSync(fixture("mnist_mlp.digest"), "utf8").trim().toLowerCase();

/** The workspace version: [workspace.package] version in the root Cargo.toml. */
function workspaceVersion() {
  const toml = readFileSync(join(ROOT, "Cargo.toml"), "utf8");
  const section = toml.split(/^\[workspace\.package\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  const m = section.match(/^version\s*=\s*"([^"]+)"/m);
  assert.ok(m, "no version in [workspace.package] of Cargo.toml");
  return m[1];
}

const zkml = await importPackage(); // not initialised yet

test("before init(), every function throws NOT_INITIALISED", () => {
  assert.equal(zkml.isInitialised(), false);
  const calls = {
    verify: () => zkml.verify(VK, PROOF),
    verifyKzgBatch: () => zkml.verifyKzgBatch(VK, PROOF),
    inspect: () => zkml.inspect(VK),
    selfTest: () => zkml.selfTest(),
    formatVersion: () => zkml.formatVersion(),
  };
  for (const [name, call] of Object.entries(calls)) {
    assertThrows(call, `${name} before init`, /call `await init\(\)` first/, "NOT_INITIALISED");
    try {
      call();
    } catch (e) {
      assert.ok(e instanceof zkml.VerifierError && zkml.isVerifierError(e), name);
      assert.equal(e.name, "VerifierError");
    }
  }
});

test("init() resolves, and again", async () => {
  await zkml.init();
  await Promise.all([zkml.init(), zkml.init()]);
  assert.equal(zkml.isInitialised(), true);
  assert.equal(zkml.selfTest(), true);
  assert.equal(zkml.default, zkml.init);
});

test("a fixture proof passed as an ArrayBuffer verifies", () => {
  assert.ok(VK instanceof ArrayBuffer && PROOF instanceof ArrayBuffer);
  const r = zkml.verify(VK, PROOF, DIGEST);
  assert.equal(r.valid, true, r.error);
  assert.equal(r.modelDigest, DIGEST);
  assert.equal(r.modelName, "mnist_mlp");
  assert.equal(r.outputs[0].length, 10);
  assert.equal(r.inputs[0].length, 784);
  assert.equal(r.srs, "dev");
  // The same bytes as a Uint8Array, a Buffer, a view into a larger buffer, an Int8Array.
  const inside = new Uint8Array(PROOF.byteLength + 10);
  inside.set(new Uint8Array(PROOF), 5);
  for (const [proof, what] of [
    [new Uint8Array(PROOF), "Uint8Array"],
    [Buffer.from(PROOF), "Buffer"],
    [inside.subarray(5, 5 + PROOF.byteLength), "a view at an offset"],
    [new Int8Array(PROOF), "Int8Array"],
  ]) {
    assert.deepEqual(zkml.verify(VK, proof, DIGEST), r, what);
  }
});

test("arguments that are not bytes throw a TypeError with code BAD_ARGUMENT", () => {
  for (const [value, what] of [
    ["tests/fixtures/mlp/mnist_mlp.vk", "a file name"],
    [null, "null"],
    [undefined, "undefined"],
    [42, "a number"],
    [Array.from(new Uint8Array(VK)), "a plain array"],
    [{ length: 3 }, "an object"],
  ]) {
    for (const call of [() => zkml.verify(value, PROOF), () => zkml.verify(VK, value), () => zkml.inspect(value),
      () => zkml.verifyKzgBatch(value, PROOF)]) {
      assertThrows(call, what, /must be a Uint8Array, an ArrayBuffer or another ArrayBufferView/, "BAD_ARGUMENT");
      try {
        call();
      } catch (e) {
        assert.ok(e instanceof TypeError, `${what}: not a TypeError`);
        assert.ok(zkml.isVerifierError(e), `${what}: isVerifierError`);
      }
    }
  }
  assertThrows(() => zkml.verify("a.vk", PROOF), "a file name", /not its name/, "BAD_ARGUMENT");
  assertThrows(() => zkml.verify(VK, PROOF, 7), "a number as the digest", /expectedDigest must be a string/, "BAD_ARGUMENT");
  assertThrows(() => zkml.verify(VK, PROOF, "abc"), "a short digest", /64 hex digits/, "BAD_ARGUMENT");
});

test("bytes that cannot be decoded throw code DECODE", () => {
  const proof = new Uint8Array(PROOF);
  for (const [vk, p, what, pattern] of [
    [VK, proof.subarray(0, 100), "a truncated proof", /truncated accumulated model proof/],
    [VK, new TextEncoder().encode("hello, world"), "text", /magic/],
    [VK, VK, "the key as the proof", /model verifying key/],
    [new ArrayBuffer(0), PROOF, "an empty key", /magic/],
  ]) {
    assertThrows(() => zkml.verify(vk, p), what, pattern, "DECODE");
  }
  assertThrows(() => zkml.inspect(new Uint8Array(3)), "inspect of 3 bytes", /magic/, "DECODE");
  assertThrows(() => zkml.verifyKzgBatch(VK, PROOF), "model files to verifyKzgBatch", /expected a KZG/, "DECODE");
  try {
    zkml.verify(VK, proof.subarray(0, 100));
  } catch (e) {
    assert.ok(e instanceof zkml.VerifierError);
  }
});

test("invalid proofs are results with a code", () => {
  const cases = [
    [VK, WRONG_WEIGHT_PROOF, undefined, "INVALID_PROOF", "a proof made with a changed weight"],
    [OTHER_VK, PROOF, undefined, "KEY_MISMATCH", "another model's key"],
    [VK, PROOF, "0".repeat(64), "DIGEST_MISMATCH", "another expected digest"],
  ];
  for (const [vk, proof, digest, code, what] of cases) {
    const r = zkml.verify(vk, proof, digest);
    assert.deepEqual(Object.keys(r).sort(), ["code", "error", "valid"], what);
    assert.equal(r.valid, false, what);
    assert.equal(r.code, code, `${what}: ${r.error}`);
    assert.ok(r.error.length > 0, what);
  }
  // One output changed: the pairing check fails.
  const changed = new Uint8Array(PROOF.slice(0));
  const view = new DataView(changed.buffer);
  const inputLenAt = 16 + 32; // envelope header, key digest
  const outputAt = inputLenAt + 4 + 4 * view.getUint32(inputLenAt, true) + 4;
  view.setInt32(outputAt, view.getInt32(outputAt, true) + 1, true);
  assert.equal(zkml.verify(VK, changed).code, "INVALID_PROOF");
  assert.deepEqual([...INVALID_CODES].sort(), [...zkml.INVALID_CODES].sort());
});

// ---- The packed package, installed into a fresh app.

const VERSION = workspaceVersion();
const TARBALL = join(ROOT, "npm", `zkml-verifier-${VERSION}.tgz`);

test("the package: scoped name, the workspace version, licence files, exports map", () => {
  assert.ok(existsSync(TARBALL), `${TARBALL} is missing: build it with bash scripts/wasm-build.sh`);
  const files = execFileSync("tar", ["-tzf", TARBALL], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
  for (const f of ["README.md", "LICENSE", "LICENSE-MIT", "LICENSE-APACHE", "package.json", "index.js", "index.cjs",
    "index.node.js", "index.d.ts", "index.d.cts", "web/zkml_verifier_bg.wasm", "node/zkml_verifier_bg.wasm"]) {
    assert.ok(files.includes(`package/${f}`), `the tarball lacks ${f}: ${files.join(", ")}`);
  }
  const pkg = JSON.parse(execFileSync("tar", ["-xzOf", TARBALL, "package/package.json"], { encoding: "utf8" }));
  assert.equal(pkg.name, "@zkml/verifier");
  assert.equal(pkg.version, VERSION, "the package version is not the workspace version");
  assert.equal(pkg.license, "MIT OR Apache-2.0");
  assert.ok(!JSON.stringify(pkg).includes("example.invalid"), "package.json names example.invalid");
  const dot = pkg.exports["."];
  assert.equal(dot.node.import.default, "./index.node.js");
  assert.equal(dot.node.require.default, "./index.cjs");
  assert.equal(dot.browser.default, "./index.js");
  assert.ok(dot.types && dot.node.import.types && dot.node.require.types);
  const license = execFileSync("tar", ["-xzOf", TARBALL, "package/LICENSE"], { encoding: "utf8" });
  assert.match(license, /MIT OR Apache-2.0/);
  assert.match(execFileSync("tar", ["-xzOf", TARBALL, "package/LICENSE-APACHE"], { encoding: "utf8" }), /Apache License\s+Version 2\.0/);
  assert.match(execFileSync("tar", ["-xzOf", TARBALL, "package/LICENSE-MIT"], { encoding: "utf8" }), /Permission is hereby granted/);
  // The package directory is what was packed.
  assert.deepEqual(JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")), pkg);
});

/** A fresh app with the tarball installed: its directory (removed at exit). */
let appDir = null;
function app() {
  if (appDir) return appDir;
  assert.ok(existsSync(TARBALL), `${TARBALL} is missing: build it with bash scripts/wasm-build.sh`);
  const dir = mkdtempSync(join(tmpdir(), "zkml-app-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", TARBALL], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  appDir = dir;
  return dir;
}

/** Runs `code` as the app's file `name` with node (and `args`); returns its one line of JSON. */
function run(name, code, nodeArgs = []) {
  const dir = app();
  writeFileSync(join(dir, name), code);
  const out = execFileSync("node", [...nodeArgs, name, fixture("mnist_mlp.vk"), fixture("mnist_mlp.proof"), DIGEST], {
    cwd: dir,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop());
}

// The shared body of the app's checks: `z` is the package.
const CHECKS = `
  const [vkPath, proofPath, digest] = process.argv.slice(2);
  const ab = (p) => { const b = fs.readFileSync(p); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };
  const out = {};
  try { z.verify(ab(vkPath), ab(proofPath)); } catch (e) { out.before = e.code; }
  await z.init();
  const r = z.verify(ab(vkPath), ab(proofPath), digest);
  Object.assign(out, { valid: r.valid, digest: r.modelDigest, name: r.modelName, outputs: r.outputs?.[0].length });
  try { z.verify(ab(vkPath), new Uint8Array(5)); } catch (e) { out.decode = e.code; }
  out.invalid = z.verify(ab(vkPath), ab(proofPath), "00".repeat(32)).code;
`;

test("require() of the installed package (CommonJS) verifies", () => {
  const out = run(
    "check.cjs",
    `const z = require("@zkml/verifier"); const fs = require("node:fs");
     (async () => { ${CHECKS}
       out.entry = require.resolve("@zkml/verifier").split("node_modules/")[1];
       console.log(JSON.stringify(out)); })();`,
  );
  assert.deepEqual(out, {
    before: "NOT_INITIALISED", valid: true, digest: DIGEST, name: "mnist_mlp", outputs: 10, decode: "DECODE",
    invalid: "DIGEST_MISMATCH", entry: "@zkml/verifier/index.cjs",
  });
});

test("import of the installed package (ES module) verifies, sharing one instance with require()", () => {
  const out = run(
    "check.mjs",
    `import * as z from "@zkml/verifier"; import init from "@zkml/verifier"; import fs from "node:fs";
     import { createRequire } from "node:module";
     ${CHECKS}
     out.entry = import.meta.resolve("@zkml/verifier").split("node_modules/")[1];
     out.defaultIsInit = init === z.init;
     out.requireSeesInit = createRequire(import.meta.url)("@zkml/verifier").isInitialised();
     console.log(JSON.stringify(out));`,
  );
  assert.deepEqual(out, {
    before: "NOT_INITIALISED", valid: true, digest: DIGEST, name: "mnist_mlp", outputs: 10, decode: "DECODE",
    invalid: "DIGEST_MISMATCH", entry: "@zkml/verifier/index.node.js", defaultIsInit: true, requireSeesInit: true,
  });
});

test("the browser entry (--conditions=browser) loads the module from bytes, and reports LOAD_FAILED", () => {
  const out = run(
    "check-browser.mjs",
    `import * as z from "@zkml/verifier"; import fs from "node:fs";
     const out = { entry: import.meta.resolve("@zkml/verifier").split("node_modules/")[1] };
     // No fetch of file: URLs in Node: the default init() fails to load, with a code.
     try { await z.init(); } catch (e) { out.load = e.code; out.loadMessage = e.message; }
     try { await z.init(new URL("./missing.wasm", import.meta.url)); } catch (e) { out.missing = e.code; }
     try { z.inspect(new Uint8Array(0)); } catch (e) { out.stillNot = e.code; }
     const wasm = fs.readFileSync(new URL("./node_modules/@zkml/verifier/web/zkml_verifier_bg.wasm", import.meta.url));
     await z.init(wasm);
     const [vk, proof, digest] = process.argv.slice(2).map((p, i) => (i < 2 ? fs.readFileSync(p) : p));
     const r = z.verify(vk, proof, digest);
     Object.assign(out, { valid: r.valid, digest: r.modelDigest, selfTest: z.selfTest() });
     console.log(JSON.stringify(out));`,
    ["--conditions=browser"],
  );
  assert.equal(out.entry, "@zkml/verifier/index.js");
  assert.equal(out.load, "LOAD_FAILED", out.loadMessage);
  assert.match(out.loadMessage, /cannot load the verifier's WebAssembly module/);
  assert.equal(out.missing, "LOAD_FAILED");
  assert.equal(out.stillNot, "NOT_INITIALISED");
  assert.deepEqual({ valid: out.valid, digest: out.digest, selfTest: out.selfTest }, { valid: true, digest: DIGEST, selfTest: true });
});

const TS_DIR = here("typescript/");
const TSC = join(TS_DIR, "node_modules", "typescript", "bin", "tsc");

test("a TypeScript app type-checks with tsc --strict against the installed package, and runs", () => {
  assert.ok(existsSync(TSC), `${TSC} is missing: install it with npm ci --prefix tests/node/typescript (scripts/setup.sh does)`);
  const dir = app();
  for (const f of ["app.ts", "app.cts"]) copyFileSync(join(TS_DIR, f), join(dir, f));
  const tsconfig = {
    compilerOptions: {
      strict: true,
      module: "node16",
      moduleResolution: "node16",
      target: "es2022",
      lib: ["es2022"],
      types: ["node"],
      typeRoots: [join(TS_DIR, "node_modules", "@types")],
      outDir: "out",
      skipLibCheck: false,
    },
    files: ["app.ts", "app.cts"],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const tsc = (...args) => {
    try {
      return execFileSync("node", [TSC, ...args], { cwd: dir, encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc ${args.join(" ")} failed:\n${e.stdout}${e.stderr}`);
    }
  };
  tsc("-p", "tsconfig.json", "--strict", "--noEmit");
  // The same declarations in a browser project (DOM types, a bundler's resolution).
  writeFileSync(
    join(dir, "browser.ts"),
    `import { init, verify, type VerifyResult } from "@zkml/verifier";
     export async function check(vk: ArrayBuffer, proof: ArrayBuffer): Promise<string> {
       await init(new URL("zkml_verifier_bg.wasm", location.href));
       const r: VerifyResult = verify(vk, proof);
       return r.valid ? r.modelDigest + r.outputs[0].length : r.code + r.error;
     }\n`,
  );
  const browser = {
    compilerOptions: {
      strict: true,
      module: "esnext",
      moduleResolution: "bundler",
      customConditions: ["browser"],
      target: "es2022",
      lib: ["es2022", "dom"],
      types: [],
      noEmit: true,
      skipLibCheck: false,
    },
    files: ["browser.ts"],
  };
  writeFileSync(join(dir, "tsconfig.browser.json"), JSON.stringify(browser, null, 2));
  tsc("-p", "tsconfig.browser.json", "--strict", "--noEmit");
  // Compiled and run, the app sees what its types say.
  tsc("-p", "tsconfig.json");
  const out = execFileSync("node", ["out/app.js", fixture("mnist_mlp.vk"), fixture("mnist_mlp.proof"), fixture("mnist_mlp.digest")], {
    cwd: dir,
    encoding: "utf8",
  });
  const r = JSON.parse(out.trim());
  assert.equal(r.before, "NOT_INITIALISED");
  assert.equal(r.summary.valid, true, JSON.stringify(r));
  assert.equal(r.summary.modelDigest, DIGEST);
  assert.equal(r.summary.modelName, "mnist_mlp");
  assert.equal(r.summary.dev, true);
  assert.equal(r.kind, "model verifying key");
  assert.equal(r.decode, "DECODE");
  assert.equal(r.badArgument, "BAD_ARGUMENT");
});
