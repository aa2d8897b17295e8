#!/usr/bin/env bash
# The main job, end to end on the bundled MNIST classifier (tests/fixtures/models/mnist_mlp.onnx):
# import a powers-of-tau ceremony file (a 2^15 snarkjs ceremony made once on this machine and
# cached: scripts/ceremony.sh; a deployment imports a public ceremony's full file instead), set the
# model up on it (quantise, compile, commit the weights), prove one inference with the native
# prover, then verify the same bytes natively, in Node and in headless Chromium against the
# published model digest, and print the proven outputs beside the float model's.
# Then accumulation on a deeper bundled network (tests/fixtures/models/deep_mlp.onnx): its hidden
# layers fold into one accumulator; both its accumulated and its per-layer proof are verified.
#
#   bash scripts/demo.sh                    # proves mnist_mlp.input.json
#   SAMPLE=mnist_mlp.1 bash scripts/demo.sh # another bundled sample (mnist_mlp.{1,2})
set -Eeuo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:/usr/local/bin:$PATH"
OUT=out/demo
MODELS=tests/fixtures/models
SAMPLE=${SAMPLE:-mnist_mlp}
INPUT=$MODELS/$SAMPLE.input.json
EXPECTED=$MODELS/$SAMPLE.expected.json
[[ -f $INPUT && -f $EXPECTED ]] || { echo "demo: no bundled sample $SAMPLE ($INPUT, $EXPECTED)" >&2; exit 2; }
mkdir -p "$OUT"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f s", b - a }'; }

echo "==> building the prover (release) and the verifier's wasm packages"
cargo build --release --locked -p zkml-prover --bin prove
bash scripts/wasm-build.sh
PROVE=target/release/prove

echo "==> ceremony SRS (2^15: the 2^15-row lookup table and its blinding need 32,776 G1 powers)"
t0=$(now)
PTAU=$(bash scripts/ceremony.sh 15)
$PROVE srs import "$PTAU" -o "$OUT/ceremony.srs"
t_srs=$(secs "$t0" "$(now)")

echo "==> setup: import, quantise (calibrated on $MODELS/mnist_mlp.input.json), commit the weights"
t0=$(now)
rm -rf "$OUT/model" "$OUT/deep"
DIGEST=$($PROVE setup "$MODELS/mnist_mlp.onnx" --srs "$OUT/ceremony.srs" -o "$OUT/model" \
  --calibration "$MODELS/mnist_mlp.input.json" --labels "$MODELS/mnist_mlp.labels.txt")
t_setup=$(secs "$t0" "$(now)")
echo "$DIGEST" >"$OUT/model.digest"
echo "model digest: $DIGEST"

echo "==> prove: $INPUT"
t0=$(now)
$PROVE prove --pk "$OUT/model/model.pk" --input "$INPUT" -o "$OUT/mnist.proof" --output "$OUT/output.json"
t_prove=$(secs "$t0" "$(now)")

VK=$OUT/model/model.vk
PROOF=$OUT/mnist.proof
echo
echo "==> verify, pinning the published model digest"
native=$($PROVE verify --vk "$VK" --proof "$PROOF" --digest "$DIGEST" --input "$INPUT" \
  --output "$OUT/output.json" 2>&1) && v=0 || v=$?
echo "native:"
sed 's/^/  /' <<<"$native"
node=$(node scripts/node-verify.mjs "$VK" "$PROOF" "$DIGEST" 2>&1) && n=0 || n=$?
echo "node:"
sed 's/^/  /' <<<"$node"
browser=$(bash scripts/browser-verify.sh "$VK" "$PROOF" "$DIGEST" 2>&1) && b=0 || b=$?
sed 's/^/  /' <<<"$browser"

echo
echo "==> model digest: $DIGEST"
echo "==> proven outputs (dequantised) beside the float model's ($EXPECTED)"
python3 - "$OUT/output.json" "$EXPECTED" <<'EOF'
import json, sys
proven = json.load(open(sys.argv[1]))["output_data"][0]
expected = json.load(open(sys.argv[2]))["output_data"][0]
print(f"  {'class':>5}  {'proven':>12}  {'float':>12}  {'difference':>10}")
for i, (p, e) in enumerate(zip(proven, expected)):
    print(f"  {i:>5}  {p:>12.4f}  {e:>12.4f}  {p - e:>10.4f}")
argmax = lambda v: max(range(len(v)), key=v.__getitem__)
print(f"  argmax: proven {argmax(proven)}, float {argmax(expected)}")
EOF

wasm=verifier-wasm/pkg/zkml_verifier_bg.wasm
echo
echo "==> sizes and times"
echo "proof:              $(stat -c %s "$PROOF") bytes"
echo "verifying key:      $(stat -c %s "$VK") bytes"
echo "proving key:        $(stat -c %s "$OUT/model/model.pk") bytes"
echo "verifier .wasm:     $(stat -c %s "$wasm") bytes ($(gzip -9c "$wasm" | wc -c) gzipped)"
# Verification times as each verifier measured them (native: one more run, read from its --json).
t_native=$($PROVE verify --vk "$VK" --proof "$PROOF" --digest "$DIGEST" --json 2>/dev/null |
  python3 -c 'import json, sys; print("%.1f ms" % json.load(sys.stdin)["verify_ms"])' || true)
t_node=$(sed -n 's/.*"ms":\([0-9.]*\).*/\1 ms/p' <<<"$node" | head -n1)
t_browser=$(sed -n 's/^ *time: *\([0-9.]* ms\).*/\1/p' <<<"$browser" | head -n1)
echo "srs (2^15 import):  $t_srs (the ceremony made and cached on the first run)"
echo "setup:              $t_setup"
echo "prove:              $t_prove (wall clock, loading the key included)"
echo "verify:             native ${t_native:-?}, node ${t_node:-?} (first call), browser ${t_browser:-?}"

echo
echo "==> accumulation: $MODELS/deep_mlp.onnx (32 -> [32, relu] x 8 -> 10): the seven hidden layers after"
echo "    the first (which reads the input) share one shape and fold into one accumulator; the same"
echo "    inference proven per layer for comparison"
DEEP=$OUT/deep
DEEP_DIGEST=$($PROVE setup "$MODELS/deep_mlp.onnx" --srs "$OUT/ceremony.srs" -o "$DEEP" \
  --calibration "$MODELS/deep_mlp.input.json" 2>/dev/null)
$PROVE prove --pk "$DEEP/model.pk" --input "$MODELS/deep_mlp.input.json" -o "$OUT/deep.proof" >/dev/null
$PROVE prove --pk "$DEEP/model.pk" --input "$MODELS/deep_mlp.input.json" -o "$OUT/deep.per_layer.proof" \
  --no-accumulate >/dev/null
d=0
for p in deep.proof deep.per_layer.proof; do
  echo "native, $p: $($PROVE verify --vk "$DEEP/model.vk" --proof "$OUT/$p" --digest "$DEEP_DIGEST" 2>&1 | head -1)" || d=1
  $PROVE verify --vk "$DEEP/model.vk" --proof "$OUT/$p" --digest "$DEEP_DIGEST" >/dev/null 2>&1 || d=1
done
deep_browser=$(bash scripts/browser-verify.sh "$DEEP/model.vk" "$OUT/deep.proof" "$DEEP_DIGEST" 2>&1) || d=1
echo "$deep_browser" | head -1
$PROVE inspect "$OUT/deep.proof" --json --vk "$DEEP/model.vk" | python3 -c 'import json, sys
j = json.load(sys.stdin)
b, f, n, p = j["bytes"], j["folds"], j["classes"][0]["instances"], j["pairings"]
print(f"accumulated proof:  {b} bytes, {f} folds of {n} layers, {p} pairings")
print("  by section:       " + ", ".join(f"{k} {v}" for k, v in j["sections"].items()))'
echo "per-layer proof:    $(stat -c %s "$OUT/deep.per_layer.proof") bytes"
if ((d)); then echo "demo: a verifier rejected a deep_mlp proof"; exit 1; fi
echo
rm -f "$OUT/ceremony.srs" # 8 MB for 2^15; the proving keys hold what proving needs
if ((v || n || b)); then echo "demo: a verifier rejected the proof"; exit 1; fi
echo "demo: all three verifiers accept the proof of model $DIGEST"
