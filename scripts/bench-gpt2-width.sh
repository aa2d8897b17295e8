#!/usr/bin/env bash
# A 2-layer transformer of GPT-2's width (d 768, 12 heads, FFN 3072, sequence 16, random weights:
# tests/fixtures/models/make_transformer_block.py) set up, proven and verified natively, each step
# a whole process timed with /usr/bin/time. Prints one JSON line per step (model, step, wall
# seconds, peak RSS) and a summary line (prove seconds, verify milliseconds, proof and key bytes,
# the largest error against the ONNX reference evaluator), also written to out/gpt2w/bench.jsonl.
# Not part of the test suite: about 10 minutes and 10 GB on 2 cores.
#
#   bash scripts/bench-gpt2-width.sh            # on a local (INSECURE, dev) 2^19 SRS
#   CEREMONY=1 bash scripts/bench-gpt2-width.sh # on a 2^19 snarkjs ceremony (scripts/ceremony.sh)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
OUT=out/gpt2w
NAME=gpt2_width
mkdir -p "$OUT"
log() { printf '[bench-gpt2-width] %s\n' "$*" >&2; }
PY=${ZKML_PY_VENV:-$HOME/.cache/zkml/py-venv}/bin/python
[[ -x $PY ]] || bash scripts/setup.sh >&2
[[ -x /usr/bin/time ]] || { log "installing /usr/bin/time"; sudo_apt=$(command -v sudo || true); $sudo_apt apt-get install -y time >&2; }
log "building the prover (release)"
cargo build --release --locked -p zkml-prover --bin prove >&2
PROVE=$PWD/target/release/prove
[[ -f $OUT/$NAME.onnx ]] || "$PY" tests/fixtures/models/make_transformer_block.py \
  --width 768 --heads 12 --ff 3072 --layers 2 --out "$OUT/$NAME" >&2
: >"$OUT/bench.jsonl"
timed() { # timed STEP CMD...
  local step=$1 tf
  shift
  tf=$(mktemp)
  log "$step"
  # stdout (verify's JSON) and stderr (progress, the dev SRS warning) apart.
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$OUT/$step.log" 2>"$OUT/$step.err" || { cat "$OUT/$step.err" >&2; exit 1; }
  read -r secs kb <"$tf"
  rm -f "$tf"
  printf '{"model":"%s","step":"%s","seconds":%s,"peak_rss_mb":%d}\n' "$NAME" "$step" "$secs" "$((kb / 1024))" |
    tee -a "$OUT/bench.jsonl"
}
if [[ ${CEREMONY:-0} == 1 ]]; then
  PTAU=$(bash scripts/ceremony.sh 19)
  timed srs "$PROVE" srs import "$PTAU" -o "$OUT/p19.srs"
else
  timed srs "$PROVE" srs new --log-size 19 -o "$OUT/p19.srs"
fi
timed setup "$PROVE" setup "$OUT/$NAME.onnx" --srs "$OUT/p19.srs" -o "$OUT/keys" --force \
  --calibration "$OUT/$NAME.input.json" --table-bits 14 --headroom-bits 0
timed prove "$PROVE" prove --pk "$OUT/keys/model.pk" --input "$OUT/$NAME.input.json" -o "$OUT/$NAME.proof" \
  --output "$OUT/out.json"
timed verify "$PROVE" verify --vk "$OUT/keys/model.vk" --proof "$OUT/$NAME.proof" --output "$OUT/out.json" --json
rm -f "$OUT/p19.srs"
node -e '
  const fs = require("fs");
  const [dir, name] = process.argv.slice(1);
  const v = JSON.parse(fs.readFileSync(dir + "/verify.log"));
  const g = JSON.parse(fs.readFileSync(dir + "/out.json")).output_data.flat();
  const w = JSON.parse(fs.readFileSync(dir + "/" + name + ".expected.json")).output_data.flat();
  const said = fs.readFileSync(dir + "/prove.log", "utf8") + fs.readFileSync(dir + "/prove.err", "utf8");
  const prove = said.match(/in ([0-9.]+)s \(key loaded/);
  console.log(JSON.stringify({
    model: name, valid: v.valid, srs: v.srs, prove_s: prove ? Number(prove[1]) : null, verify_ms: v.verify_ms,
    proof_bytes: fs.statSync(dir + "/" + name + ".proof").size, vk_bytes: fs.statSync(dir + "/keys/model.vk").size,
    pk_bytes: fs.statSync(dir + "/keys/model.pk").size, outputs: g.length,
    max_abs_error: Math.max(...g.map((x, i) => Math.abs(x - w[i]))),
    max_abs_reference: Math.max(...w.map(Math.abs)),
  }));
' "$OUT" "$NAME" | tee -a "$OUT/bench.jsonl"
