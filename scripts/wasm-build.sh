#!/usr/bin/env bash
# Builds the verifier's WebAssembly bindings (web: verifier-wasm/pkg, Node: verifier-wasm/pkg-node),
# the npm package @zkml/verifier made from both (npm/dist and its tarball npm/zkml-verifier-*.tgz,
# scripts/npm-pack.sh), and the verification page's copy of the package's browser files
# (web/vendor/zkml-verifier), so that web/ alone can be served. All of these are gitignored.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:/usr/local/bin:$PATH"
command -v wasm-env >/dev/null && W=wasm-env || W=
$W wasm-pack --quiet build verifier-wasm --release --target web --out-dir pkg
$W wasm-pack --quiet build verifier-wasm --release --target nodejs --out-dir pkg-node
bash scripts/npm-pack.sh
# The page imports ./vendor/zkml-verifier/index.js: the package's browser entry, its shared core
# and the web bindings with their .wasm.
rm -rf web/vendor
mkdir -p web/vendor/zkml-verifier
cp -r npm/dist/index.js npm/dist/core.js npm/dist/web npm/dist/package.json npm/dist/LICENSE* web/vendor/zkml-verifier/
