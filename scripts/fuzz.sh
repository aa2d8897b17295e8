#!/usr/bin/env bash
# Fuzzes every decoder of untrusted bytes and the verify entry point (fuzz/, docs/fuzzing.md) with
# cargo-fuzz and libFuzzer on the stable toolchain: RUSTC_BOOTSTRAP=1 admits the -Z flags that
# cargo-fuzz passes (AddressSanitizer, coverage instrumentation). Installs cargo-fuzz when missing.
#
#   bash scripts/fuzz.sh smoke               # build every target, run each for a short fixed budget
#   bash scripts/fuzz.sh long N [TARGET...]  # run each target (or those named) for N executions
#
# Every input is bounded: -rss_limit_mb=2048, -malloc_limit_mb=512 (one allocation of 512 MiB or
# more is a failure) and -timeout=10 (seconds per input). Before each run the seed corpus is made
# afresh from tests/fixtures (its .vk, .proof and .pk files, read now, so regenerated fixtures are
# picked up) and from the artifacts of a tiny model set up with the current code (the only
# proving-key seeds). A long run keeps its corpus in fuzz/corpus/TARGET; failing inputs land in
# fuzz/artifacts/TARGET. Exits non-zero when any target crashes, hangs or runs out of memory.
#
# Environment: FUZZ_SANITIZER (address | none; default address), FUZZ_MAX_TIME (seconds: caps each
# target of a long run), FUZZ_SMOKE_RUNS (default 20000) and FUZZ_SMOKE_SECONDS (default 15): the
# smoke budget per target, whichever ends first.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
log() { printf '[fuzz] %s\n' "$*"; }
die() { printf '[fuzz] ERROR: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

TARGETS=(envelope model_key model_proof kzg proving_key verify)
MODE=${1:-}
case "$MODE" in
  smoke) shift ;;
  long)
    [[ ${2:-} =~ ^[0-9]+$ ]] || usage
    RUNS=$2
    shift 2
    if (($#)); then TARGETS=("$@"); fi
    ;;
  *) usage ;;
esac

SANITIZER=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || { log "cargo install cargo-fuzz --locked"; cargo install cargo-fuzz --locked; }

TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN=fuzz/target/$TRIPLE/release
LIMITS=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10)

log "building ${TARGETS[*]} (sanitizer: $SANITIZER)"
t=$SECONDS
cargo fuzz build --sanitizer "$SANITIZER"
log "built in $((SECONDS - t)) s"

# Seeds: made afresh each run, so a changed format or regenerated fixtures never leave stale ones.
SEEDS=fuzz/target/seeds
rm -rf "$SEEDS"
mkdir -p "$SEEDS/tiny"
ZKML_FUZZ_WRITE_SEEDS="$SEEDS/tiny" "$BIN/proving_key" 2>&1 | sed 's/^/[fuzz] /' ||
  die "could not make the tiny model's seed artifacts"
seed() { # seed TARGET [PREFIX_BYTE] FILE...
  local target=$1 prefix='' f
  shift
  if [[ ${1:-} == --prefix=* ]]; then prefix=${1#--prefix=}; shift; fi
  mkdir -p "$SEEDS/$target"
  for f in "$@"; do
    [[ -f $f ]] || continue
    { [[ -z $prefix ]] || printf "\\x$prefix"; cat "$f"; } >"$SEEDS/$target/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
}
shopt -s nullglob
VKS=(tests/fixtures/*/*.vk "$SEEDS"/tiny/*.vk)
PROOFS=(tests/fixtures/*/*.proof "$SEEDS"/tiny/*.proof)
seed envelope "${VKS[@]}" "${PROOFS[@]}" "$SEEDS"/tiny/*.pk
seed model_key tests/fixtures/mlp/*.vk "$SEEDS"/tiny/*.vk
seed model_proof tests/fixtures/mlp/*.proof "$SEEDS"/tiny/*.proof
seed kzg tests/fixtures/kzg/*.vk tests/fixtures/kzg/*.proof
seed proving_key tests/fixtures/*/*.pk "$SEEDS"/tiny/*.pk
# verify: byte 0 even fuzzes the proof against deep_mlp.vk, odd fuzzes the key against deep_mlp.proof.
seed verify --prefix=00 tests/fixtures/mlp/deep_mlp*.proof
seed verify --prefix=01 tests/fixtures/mlp/deep_mlp.vk
shopt -u nullglob
for target in "${TARGETS[@]}"; do
  [[ -x $BIN/$target ]] || die "no fuzz target $target (targets: envelope model_key model_proof kzg proving_key verify)"
  log "$target: $(find "$SEEDS/$target" -type f 2>/dev/null | wc -l) seed files"
done

# run TARGET CORPUS FLAG...: one libFuzzer run; prints one summary row and returns 1 on a failure.
# libFuzzer runs in this process with one thread: no -jobs/-workers, which would fork a worker whose
# output goes to fuzz-N.log in the working directory.
ROWS=()
run() {
  local target=$1 corpus=$2 out status=0
  shift 2
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  out=fuzz/target/fuzz-$target.log
  local t=$SECONDS
  "$BIN/$target" "$corpus" "$SEEDS/$target" "${LIMITS[@]}" -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" "$@" >"$out" 2>&1 || status=$?
  local secs=$((SECONDS - t))
  local execs rate cov ft result
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -1)
  cov=$(grep -o ' cov: [0-9]*' "$out" | tail -1 | tr -dc 0-9)
  ft=$(grep -o ' ft: [0-9]*' "$out" | tail -1 | tr -dc 0-9)
  if ((status == 0)); then
    result="no crash, hang or oversized allocation"
  elif grep -q 'ERROR: libFuzzer: timeout' "$out"; then
    result="TIMEOUT"
  elif grep -q -e 'ERROR: libFuzzer: out-of-memory' -e 'ERROR: libFuzzer: malloc' "$out"; then
    result="OUT OF MEMORY"
  else
    result="CRASH (exit $status)"
  fi
  ROWS+=("$(printf '%-12s %12s %9s %7s %6s %7s  %s' "$target" "${execs:-?}" "${rate:-?}" "${secs}s" \
    "${cov:-?}" "${ft:-?}" "$result")")
  if ((status != 0)); then
    printf '[fuzz] %s failed; the last lines of %s:\n' "$target" "$out" >&2
    grep -v '^#' "$out" | tail -40 >&2
    ls -1 "fuzz/artifacts/$target" | sed "s|^|[fuzz] input: fuzz/artifacts/$target/|" >&2
    return 1
  fi
}

failed=0
if [[ $MODE == smoke ]]; then
  budget=(-runs="${FUZZ_SMOKE_RUNS:-20000}" -max_total_time="${FUZZ_SMOKE_SECONDS:-15}")
  for target in "${TARGETS[@]}"; do
    # A fresh corpus: the smoke run costs the same however long earlier runs grew fuzz/corpus.
    rm -rf "fuzz/target/smoke-corpus/$target"
    log "smoke: $target"
    run "$target" "fuzz/target/smoke-corpus/$target" "${budget[@]}" || failed=1
  done
else
  budget=(-runs="$RUNS")
  [[ -z ${FUZZ_MAX_TIME:-} ]] || budget+=(-max_total_time="$FUZZ_MAX_TIME")
  for target in "${TARGETS[@]}"; do
    log "long: $target (${budget[*]}), started $(date -u '+%F %T') UTC"
    run "$target" "fuzz/corpus/$target" "${budget[@]}" || failed=1
  done
fi

printf '\n%-12s %12s %9s %7s %6s %7s  %s\n' target executions exec/s time cov ft result
printf '%s\n' "${ROWS[@]}"
((failed == 0)) || die "a fuzz target failed (inputs under fuzz/artifacts/)"
