#!/usr/bin/env bash
# End to end on an imported ceremony: makes (or reuses) a snarkjs powers-of-tau file, imports it,
# sets a bundled model up on it, proves its samples, and verifies every proof natively, in Node and in
# headless Chromium against the model digest; checks that the key names the ceremony, that
# `check-key` finds it honest, and prints the argmax and the largest error against onnxruntime.
#
#   bash scripts/ceremony-e2e.sh MODEL POWER SAMPLE...   # e.g. deep_mlp 15 deep_mlp
#
# MODEL is tests/fixtures/models/MODEL.onnx, calibrated on MODEL.input.json (with the labels of
# MODEL.labels.txt when there is one); each SAMPLE names
# SAMPLE.input.json and SAMPLE.expected.json (the reference output: onnxruntime's, or the ONNX
# reference evaluator's for the models scripts/make_activation_mlp.py builds) there. PROVE overrides the
# prover binary (default target/debug/prove); SETUP_FLAGS adds flags to `prove setup` (e.g.
# `--table-bits 10` for a model with tabulated activations); ARGMAX_ROWS=R compares the argmax of
# each of R equal rows of the output (a language model's top token at each position) instead of
# the whole output's, and ARGMAX_ROWS=0 compares none (an encoder's hidden states). Needs the wasm packages (scripts/wasm-build.sh).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: ceremony-e2e.sh MODEL POWER SAMPLE...}
POWER=${2:?usage: ceremony-e2e.sh MODEL POWER SAMPLE...}
shift 2
PROVE=${PROVE:-target/debug/prove}
MODELS=tests/fixtures/models
OUT=out/ceremony/$MODEL
mkdir -p "$OUT"
fail() { echo "ceremony-e2e: $*" >&2; exit 1; }

ptau=$(bash scripts/ceremony.sh "$POWER")
$PROVE srs import "$ptau" -o "$OUT/ceremony.srs"
rm -rf "$OUT/keys"
labels=()
[[ -f $MODELS/$MODEL.labels.txt ]] && labels=(--labels "$MODELS/$MODEL.labels.txt")
DIGEST=$($PROVE setup "$MODELS/$MODEL.onnx" --srs "$OUT/ceremony.srs" -o "$OUT/keys" \
  --calibration "$MODELS/$MODEL.input.json" "${labels[@]}" ${SETUP_FLAGS:-})
VK=$OUT/keys/model.vk
source=$($PROVE inspect "$VK" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).srs.source))')
[[ $source == ceremony ]] || fail "the key names a '$source' SRS, not the ceremony"
$PROVE check-key --vk "$VK" --srs "$OUT/ceremony.srs" >/dev/null || fail "check-key does not find the key honest"
echo "$MODEL on a 2^$POWER ceremony: digest $DIGEST, srs $source, key honest"
rm -f "$OUT/ceremony.srs" # large; setup and check-key needed it

for SAMPLE in "$@"; do
  PROOF=$OUT/$SAMPLE.proof
  $PROVE prove --pk "$OUT/keys/model.pk" --input "$MODELS/$SAMPLE.input.json" -o "$PROOF" --output "$OUT/$SAMPLE.out.json" >/dev/null
  native=$($PROVE verify --vk "$VK" --proof "$PROOF" --digest "$DIGEST" --output "$OUT/$SAMPLE.out.json" 2>&1) ||
    fail "native verification of $SAMPLE: $native"
  grep -q "^srs:     ceremony" <<<"$native" || fail "native verification does not report the ceremony: $native"
  ! grep -q "warning" <<<"$native" || fail "a ceremony key drew a warning: $native"
  node=$(node scripts/node-verify.mjs "$VK" "$PROOF" "$DIGEST") || fail "Node verification of $SAMPLE: $node"
  grep -q '"srs":"ceremony"' <<<"$node" || fail "Node does not report the ceremony: $node"
  # One output list per model output, as in the reference file.
  node -e '
    const [got, want] = [JSON.parse(process.argv[1]).outputs, JSON.parse(require("fs").readFileSync(process.argv[2])).output_data];
    if (got.length !== want.length || got.some((o, k) => o.length !== want[k].length)) process.exit(1);
  ' "$node" "$MODELS/$SAMPLE.expected.json" || fail "Node's outputs do not have the model's output lists: $node"
  browser=$(bash scripts/browser-verify.sh "$VK" "$PROOF" "$DIGEST") || fail "Chromium verification of $SAMPLE: $browser"
  grep -q "srs:.*ceremony" <<<"$browser" || fail "the page does not report the ceremony: $browser"
  node -e '
    const fs = require("fs");
    const [got, want, name] = process.argv.slice(1);
    const g = JSON.parse(fs.readFileSync(got)).output_data.flat();
    const w = JSON.parse(fs.readFileSync(want)).output_data.flat();
    const am = (v) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
    const err = g.reduce((m, x, i) => Math.max(m, Math.abs(x - w[i])), 0);
    const rows = Number(process.env.ARGMAX_ROWS ?? 1);
    const n = g.length / Math.max(rows, 1);
    let same = 0;
    for (let r = 0; r < rows; r++) same += am(g.slice(r * n, (r + 1) * n)) === am(w.slice(r * n, (r + 1) * n));
    const top =
      rows === 0 ? "no argmax (hidden states)" :
      rows === 1 ? `argmax ${am(g)} (reference ${am(w)})` : `top-1 equal to the reference at ${same} of ${rows} positions`;
    console.log(`${name}: verified natively, in Node and in Chromium; ${top}, max abs error ${err.toFixed(4)}`);
    if (same !== rows) process.exit(1);
  ' "$OUT/$SAMPLE.out.json" "$MODELS/$SAMPLE.expected.json" "$SAMPLE" || fail "$SAMPLE: argmax differs from the reference"
done
