#!/usr/bin/env bash
# Builds the verifier's npm packages: web (verifier-wasm/pkg) and Node (verifier-wasm/pkg-node).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:/usr/local/bin:$PATH"
command -v wasm-env >/dev/null && W=wasm-env || W=
$W wasm-pack --quiet build verifier-wasm --release --target web --out-dir pkg
$W wasm-pack --quiet build verifier-wasm --release --target nodejs --out-dir pkg-node
