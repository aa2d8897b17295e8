#!/usr/bin/env bash
# ResNet-18 (torchvision's, at 3x32x32, random weights: scripts/make_resnet.py) proven and verified
# natively on an imported 2^17 snarkjs ceremony (scripts/ceremony.sh, made once and cached), each
# step a whole process timed with /usr/bin/time. Prints one JSON line per step (model, step, wall
# seconds, peak RSS) and a summary line (prove seconds, verify milliseconds, proof and key bytes,
# the argmax against the ONNX reference evaluator and the largest error), also written to
# out/resnet18/bench.jsonl. Not part of the test suite: it takes minutes and about 2 GB.
#
#   bash scripts/bench-resnet18.sh
set -Eeuo pipefail
cd "$(dirname "$0")/.."
OUT=out/resnet18
mkdir -p "$OUT"
log() { printf '[bench-resnet18] %s\n' "$*" >&2; }
PY=${ZKML_PY_VENV:-$HOME/.cache/zkml/py-venv}/bin/python
[[ -x $PY ]] || bash scripts/setup.sh >&2
[[ -x /usr/bin/time ]] || { log "installing /usr/bin/time"; sudo_apt=$(command -v sudo || true); $sudo_apt apt-get install -y time >&2; }
log "building the prover (release)"
cargo build --release --locked -p zkml-prover --bin prove >&2
PROVE=$PWD/target/release/prove
[[ -f $OUT/resnet18.onnx ]] || "$PY" scripts/make_resnet.py resnet18 "$OUT" >&2
PTAU=$(bash scripts/ceremony.sh 17)
: >"$OUT/bench.jsonl"
timed() { # timed STEP CMD...
  local step=$1 tf
  shift
  tf=$(mktemp)
  log "$step"
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$OUT/$step.log" 2>&1 || { cat "$OUT/$step.log" >&2; exit 1; }
  read -r secs kb <"$tf"
  rm -f "$tf"
  printf '{"model":"resnet18","step":"%s","seconds":%s,"peak_rss_mb":%d}\n' "$step" "$secs" "$((kb / 1024))" |
    tee -a "$OUT/bench.jsonl"
}
timed srs_import "$PROVE" srs import "$PTAU" -o "$OUT/c17.srs"
timed setup "$PROVE" setup "$OUT/resnet18.onnx" --srs "$OUT/c17.srs" -o "$OUT/keys" --force \
  --calibration "$OUT/resnet18.input.json" --table-bits 18
timed prove "$PROVE" prove --pk "$OUT/keys/model.pk" --input "$OUT/resnet18.input.json" -o "$OUT/r.proof" \
  --output "$OUT/out.json"
timed verify "$PROVE" verify --vk "$OUT/keys/model.vk" --proof "$OUT/r.proof" --output "$OUT/out.json" --json
rm -f "$OUT/c17.srs"
node -e '
  const fs = require("fs");
  const [dir] = process.argv.slice(1);
  const v = JSON.parse(fs.readFileSync(dir + "/verify.log"));
  const g = JSON.parse(fs.readFileSync(dir + "/out.json")).output_data.flat();
  const w = JSON.parse(fs.readFileSync(dir + "/resnet18.expected.json")).output_data.flat();
  const am = (x) => x.reduce((b, y, i) => (y > x[b] ? i : b), 0);
  const prove = fs.readFileSync(dir + "/prove.log", "utf8").match(/in ([0-9.]+)s \(key loaded/);
  console.log(JSON.stringify({
    model: "resnet18", prove_s: prove ? Number(prove[1]) : null, verify_ms: v.verify_ms,
    proof_bytes: fs.statSync(dir + "/r.proof").size, vk_bytes: fs.statSync(dir + "/keys/model.vk").size,
    pk_bytes: fs.statSync(dir + "/keys/model.pk").size, argmax: am(g), reference_argmax: am(w),
    max_abs_error: Math.max(...g.map((x, i) => Math.abs(x - w[i]))),
  }));
' "$OUT" | tee -a "$OUT/bench.jsonl"
