#!/usr/bin/env bash
# Assembles the npm package @zkml/verifier from the two wasm-pack outputs (verifier-wasm/pkg for
# browsers, verifier-wasm/pkg-node for Node; scripts/wasm-build.sh builds both, then calls this)
# and the wrapper in npm/src, into npm/dist, then packs it:
#
#   bash scripts/npm-pack.sh          # -> npm/dist/ and npm/zkml-verifier-<version>.tgz
#
# The version, licence and repository come from [workspace.package] in the root Cargo.toml (the
# repository only when it is a real URL). Both outputs are gitignored build products.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WEB=verifier-wasm/pkg
NODE=verifier-wasm/pkg-node
OUT=npm/dist

for f in "$WEB/zkml_verifier.js" "$WEB/zkml_verifier_bg.wasm" "$NODE/zkml_verifier.js" "$NODE/zkml_verifier_bg.wasm"; do
  [[ -f $f ]] || { echo "npm-pack: $f is missing; build it with: bash scripts/wasm-build.sh" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT/web" "$OUT/node"
cp npm/src/index.js npm/src/index.node.js npm/src/index.cjs npm/src/core.js npm/src/index.d.ts "$OUT/"
cp npm/README.md npm/LICENSE npm/LICENSE-MIT npm/LICENSE-APACHE "$OUT/"
# The same declarations for `require` (a .d.ts in a "type": "module" package describes ES modules).
cp npm/src/index.d.ts "$OUT/index.d.cts"
# core.js for `require`: its one `export { createApi };` line becomes a CommonJS export.
grep -qx 'export { createApi };' npm/src/core.js || { echo "npm-pack: npm/src/core.js must end with 'export { createApi };'" >&2; exit 1; }
sed 's/^export { createApi };$/module.exports = { createApi };/' npm/src/core.js >"$OUT/core.cjs"
sed -i '1i "use strict";' "$OUT/core.cjs"
# The bindings: web (ES module; .js is ESM in this package) and nodejs (CommonJS, renamed .cjs; it
# reads zkml_verifier_bg.wasm next to itself).
cp "$WEB/zkml_verifier.js" "$WEB/zkml_verifier_bg.wasm" "$OUT/web/"
cp "$NODE/zkml_verifier_bg.wasm" "$OUT/node/"
cp "$NODE/zkml_verifier.js" "$OUT/node/zkml_verifier.cjs"
sed -i 's|^/\* @ts-self-types=.*\*/$||' "$OUT/web/zkml_verifier.js" "$OUT/node/zkml_verifier.cjs"

# package.json, with the workspace's version, licence and repository.
python3 - "$ROOT/Cargo.toml" "$OUT/package.json" <<'EOF'
import json, sys, tomllib, urllib.parse

with open(sys.argv[1], "rb") as f:
    ws = tomllib.load(f)["workspace"]["package"]
version, license = ws["version"], ws["license"]
pkg = {
    "name": "@zkml/verifier",
    "version": version,
    "description": "Verifies zero-knowledge proofs of ML inference (BN254, KZG) in the browser and in Node, with WebAssembly",
    "license": license,
    "keywords": ["zero-knowledge", "zkml", "snark", "kzg", "bn254", "webassembly", "verifier"],
    "type": "module",
    "main": "./index.cjs",
    "module": "./index.js",
    "browser": "./index.js",
    "types": "./index.d.ts",
    "exports": {
        ".": {
            "browser": {"types": "./index.d.ts", "default": "./index.js"},
            "node": {
                "import": {"types": "./index.d.ts", "default": "./index.node.js"},
                "require": {"types": "./index.d.cts", "default": "./index.cjs"},
            },
            "types": "./index.d.ts",
            "default": "./index.js",
        },
        "./zkml_verifier_bg.wasm": "./web/zkml_verifier_bg.wasm",
        "./package.json": "./package.json",
    },
    "files": [
        "index.js", "index.node.js", "index.cjs", "core.js", "core.cjs", "index.d.ts", "index.d.cts",
        "web/", "node/", "README.md", "LICENSE", "LICENSE-MIT", "LICENSE-APACHE",
    ],
    "sideEffects": False,
    "engines": {"node": ">=18"},
}
repo = ws.get("repository", "")
host = urllib.parse.urlparse(repo).hostname or ""
reserved = (".invalid", ".example", ".test", ".localhost", "example.com", "example.org", "example.net")
if repo.startswith("https://") and host and not host.endswith(reserved) and host not in ("localhost", "invalid"):
    pkg["repository"] = {"type": "git", "url": f"git+{repo}"}
with open(sys.argv[2], "w") as f:
    json.dump(pkg, f, indent=2)
    f.write("\n")
EOF

# The tarball, next to the package directory.
rm -f npm/zkml-verifier-*.tgz
tarball=$(cd npm && npm pack ./dist --silent --pack-destination . | tail -n1)
echo "npm-pack: npm/dist -> npm/$tarball"
