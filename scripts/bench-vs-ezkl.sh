#!/usr/bin/env bash
# Side by side with EZKL 23.0.5 on one model and one input, each step a whole process timed with
# /usr/bin/time (wall seconds, peak RSS): EZKL's gen_settings, calibrate_settings (target
# "resources"), compile_circuit, gen_srs (its own local SRS of the settings' logrows), gen_witness,
# setup, prove, verify; then this prover's srs import (a snarkjs ceremony, scripts/ceremony.sh),
# setup, prove and verify on the same model and input (release build). Prints a Markdown table and
# one JSON line per step, and writes them to out/bench-ezkl/MODEL.{md,jsonl}.
#
#   bash scripts/bench-vs-ezkl.sh [MODEL [INPUT [POWER]]]
#     MODEL  an ONNX file (default tests/fixtures/models/mnist_mlp.onnx)
#     INPUT  EZKL-style {"input_data": [[...]]} JSON (default: MODEL's .input.json beside it)
#     POWER  the ceremony's power of two for this prover (default 15)
# SETUP_FLAGS adds flags to this prover's setup (e.g. `--table-bits 18` for mnist_lenet).
#
# EZKL is installed with pip into a virtual environment (EZKL_VENV, default
# ~/.cache/zkml/ezkl-venv) when missing. Nothing here is part of the test suite: it takes minutes.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-tests/fixtures/models/mnist_mlp.onnx}
INPUT=${2:-${MODEL%.onnx}.input.json}
POWER=${3:-15}
NAME=$(basename "${MODEL%.onnx}")
VENV=${EZKL_VENV:-$HOME/.cache/zkml/ezkl-venv}
OUT=out/bench-ezkl/$NAME
rm -rf "$OUT" && mkdir -p "$OUT/ezkl" "$OUT/zkml"
log() { printf '[bench-vs-ezkl] %s\n' "$*" >&2; }
[[ -x /usr/bin/time ]] || { log "installing /usr/bin/time"; sudo_apt=$(command -v sudo || true); $sudo_apt apt-get install -y time >&2; }
if ! "$VENV/bin/python" -c 'import ezkl, sys; sys.exit(ezkl.__version__ != "23.0.5")' 2>/dev/null; then
  log "pip install ezkl==23.0.5 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q ezkl==23.0.5
fi
log "building the prover (release)"
cargo build --release --locked -p zkml-prover --bin prove >&2
PROVE=$PWD/target/release/prove

ROWS=()
# timed SYSTEM STEP CMD...: runs CMD as its own process, records wall seconds and peak RSS.
timed() {
  local system=$1 step=$2
  shift 2
  local tf
  tf=$(mktemp)
  log "$system: $step"
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$OUT/$system/$step.log" 2>&1 || {
    cat "$OUT/$system/$step.log" >&2
    log "$system $step failed"
    exit 1
  }
  read -r secs kb <"$tf"
  rm -f "$tf"
  ROWS+=("$system|$step|$secs|$((kb / 1024))")
  printf '{"model":"%s","system":"%s","step":"%s","seconds":%s,"peak_rss_mb":%d}\n' \
    "$NAME" "$system" "$step" "$secs" "$((kb / 1024))" | tee -a "$OUT/../$NAME.jsonl"
}
: >"$OUT/../$NAME.jsonl"

# EZKL, each step in its own Python process (async entry points are awaited).
E=$OUT/ezkl
ezkl_step() { # ezkl_step STEP PYTHON-EXPRESSION
  timed ezkl "$1" "$VENV/bin/python" -c "
import asyncio, json, ezkl
def run(r):
    return asyncio.run(r) if asyncio.iscoroutine(r) else r
ok = run($2)
assert ok is None or ok is True or isinstance(ok, (dict, list, str)), ok
"
}
cp "$MODEL" "$E/model.onnx"
cp "$INPUT" "$E/input.json"
ezkl_step gen_settings "ezkl.gen_settings('$E/model.onnx', '$E/settings.json')"
ezkl_step calibrate_settings "ezkl.calibrate_settings('$E/input.json', '$E/model.onnx', '$E/settings.json', 'resources')"
ezkl_step compile_circuit "ezkl.compile_circuit('$E/model.onnx', '$E/model.compiled', '$E/settings.json')"
LOGROWS=$("$VENV/bin/python" -c "import json; print(json.load(open('$E/settings.json'))['run_args']['logrows'])")
ezkl_step gen_srs "ezkl.gen_srs('$E/kzg.srs', $LOGROWS)"
ezkl_step gen_witness "ezkl.gen_witness('$E/input.json', '$E/model.compiled', '$E/witness.json', srs_path='$E/kzg.srs')"
ezkl_step setup "ezkl.setup('$E/model.compiled', '$E/vk.key', '$E/pk.key', srs_path='$E/kzg.srs')"
ezkl_step prove "ezkl.prove('$E/witness.json', '$E/model.compiled', '$E/pk.key', '$E/proof.json', srs_path='$E/kzg.srs')"
ezkl_step verify "ezkl.verify('$E/proof.json', '$E/settings.json', '$E/vk.key', srs_path='$E/kzg.srs')"
EZKL_PROOF_BYTES=$(wc -c <"$E/proof.json")

# This prover, on a ceremony.
Z=$OUT/zkml
PTAU=$(bash scripts/ceremony.sh "$POWER")
timed zkml srs_import "$PROVE" srs import "$PTAU" -o "$Z/ceremony.srs"
timed zkml setup "$PROVE" setup "$MODEL" --srs "$Z/ceremony.srs" -o "$Z/keys" --calibration "$INPUT" ${SETUP_FLAGS:-}
timed zkml prove "$PROVE" prove --pk "$Z/keys/model.pk" --input "$INPUT" -o "$Z/model.proof"
timed zkml verify "$PROVE" verify --vk "$Z/keys/model.vk" --proof "$Z/model.proof"
ZKML_PROOF_BYTES=$(wc -c <"$Z/model.proof")

{
  echo "| system | step | wall s | peak RSS MB |"
  echo "|---|---|---:|---:|"
  for r in "${ROWS[@]}"; do
    IFS='|' read -r sys step secs mb <<<"$r"
    echo "| $sys | $step | $secs | $mb |"
  done
  echo
  echo "EZKL logrows $LOGROWS; proof files: EZKL $EZKL_PROOF_BYTES bytes (JSON), this prover $ZKML_PROOF_BYTES bytes."
} | tee "$OUT/../$NAME.md"
