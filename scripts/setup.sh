#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine, idempotently:
# Rust components and targets, the WebAssembly toolchain (wasm-bindgen-cli matching Cargo.lock,
# wasm-pack, wasm-opt), Node.js, and Chromium with ChromeDriver for the headless browser tests.
# Run as root (it uses apt-get). Safe to run again: what is present is skipped.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:/usr/local/bin:$PATH"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "run as root (or install sudo): apt-get is needed"
  SUDO=sudo
fi

APT_UPDATED=0
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  if ((APT_UPDATED == 0)); then $SUDO apt-get update -qq || log "apt-get update failed; using cached lists"; APT_UPDATED=1; fi
  log "apt: installing ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Base packages: C toolchain for build scripts, Python (static file server), Node.js.
apt_install ca-certificates curl build-essential pkg-config python3 gzip
{ command -v node && command -v npm; } >/dev/null 2>&1 || apt_install nodejs npm

# 2. Rust: the machine's rustup toolchain, or rustup from Debian if there is none.
if ! command -v cargo >/dev/null 2>&1; then
  if ! command -v rustup >/dev/null 2>&1; then
    apt_install rustup || die "no cargo and no rustup; install Rust first"
  fi
  rustup default stable
fi
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || { log "rustup component add $c"; rustup component add "$c"; }
  done
  # wasm32v1-none has no std: building the verifier for it proves the crate is no_std.
  rustup target list --installed | grep -q '^wasm32v1-none$' || { log "rustup target add wasm32v1-none"; rustup target add wasm32v1-none; }
fi

# cargo-fuzz for scripts/fuzz.sh (runs on stable with RUSTC_BOOTSTRAP=1).
command -v cargo-fuzz >/dev/null 2>&1 || { log "cargo install cargo-fuzz --locked"; cargo install cargo-fuzz --locked; }

# 3. The lockfile pins the wasm-bindgen version the CLI must match.
[[ -f Cargo.lock ]] || cargo generate-lockfile

# 4. WebAssembly toolchain and Chromium (the recipe is idempotent and skips what is installed).
want=$(awk '$0=="name = \"wasm-bindgen\"" {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $want" ]] && command -v wasm-pack >/dev/null \
   && command -v wasm-opt >/dev/null && command -v chromedriver >/dev/null && command -v chromium >/dev/null \
   && rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  log "wasm toolchain present (wasm-bindgen $want, $(wasm-pack --version), chromium)"
else
  log "installing the wasm toolchain (several minutes on a fresh machine)"
  $SUDO bash "$ROOT/scripts/setup-wasm-toolchain.sh" --lockfile "$ROOT/Cargo.lock"
fi
# 5. TypeScript for the type check of the npm package (tests/node/package.test.mjs), as locked.
TS_DIR=tests/node/typescript
if ! cmp -s "$TS_DIR/package-lock.json" "$TS_DIR/node_modules/.zkml-installed-lock"; then
  log "npm ci in $TS_DIR (TypeScript)"
  npm ci --prefix "$TS_DIR" --no-audit --no-fund --loglevel=error
  cp "$TS_DIR/package-lock.json" "$TS_DIR/node_modules/.zkml-installed-lock"
fi
# 6. Python packages of the ONNX node-test harness (scripts/onnx_node_tests.py), pinned, in a venv.
PY_VENV=${ZKML_PY_VENV:-$HOME/.cache/zkml/py-venv}
if ! "$PY_VENV/bin/python" -c 'import onnx, sys; sys.exit(onnx.__version__ != "1.23.2")' 2>/dev/null; then
  apt_install python3-venv
  log "pip install onnx==1.23.2 into $PY_VENV"
  python3 -m venv "$PY_VENV"
  "$PY_VENV/bin/pip" install -q onnx==1.23.2
fi
log "ready: $(cargo --version), $(node --version), $(wasm-pack --version)"
