#!/usr/bin/env bash
# The main job, end to end: make a dev SRS, commit to and batch-open random polynomials with the
# native prover, then verify the same bytes natively, in Node and in headless Chromium.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:/usr/local/bin:$PATH"
OUT=out/demo
mkdir -p "$OUT"

echo "==> building the prover (release) and the verifier's wasm packages"
cargo build --release --locked -p zkml-prover --bin prove
bash scripts/wasm-build.sh
PROVE=target/release/prove

echo "==> dev SRS (2^12 powers)"
$PROVE srs new --log-size 12 -o "$OUT/dev.srs"
echo "==> commit to 4 random polynomials of degree 1023 and open each at 3 points"
$PROVE kzg-demo --srs "$OUT/dev.srs" -o "$OUT" --polys 4 --degree 1023 --points 3

echo "==> verify"
native=$($PROVE verify --vk "$OUT/kzg.vk" --proof "$OUT/kzg.proof" 2>&1) && v=0 || v=$?
echo "native:             $native"
node=$(node scripts/node-verify.mjs "$OUT/kzg.vk" "$OUT/kzg.proof" 2>&1) && n=0 || n=$?
echo "node:               $node"
browser=$(bash scripts/browser-verify.sh "$OUT/kzg.vk" "$OUT/kzg.proof" 2>&1) && b=0 || b=$?
echo "$browser"

wasm=verifier-wasm/pkg/zkml_verifier_bg.wasm
echo
echo "==> sizes"
echo "verifying key:      $(stat -c %s "$OUT/kzg.vk") bytes"
echo "proof:              $(stat -c %s "$OUT/kzg.proof") bytes"
echo "verifier .wasm:     $(stat -c %s "$wasm") bytes ($(gzip -9c "$wasm" | wc -c) gzipped)"
if ((v || n || b)); then echo "demo: a verifier rejected the proof"; exit 1; fi
echo "demo: all three verifiers accept the proof"
