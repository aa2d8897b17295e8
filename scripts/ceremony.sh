#!/usr/bin/env bash
# Makes (once) a snarkjs powers-of-tau file of power P over BN254 with one contribution, and prints
# its path. The file is cached in ${ZKML_CACHE:-~/.cache/zkml}, since snarkjs takes minutes on 2 cores
# for the larger powers (about 30 s for 2^14, a few minutes for 2^17).
#
#   bash scripts/ceremony.sh P        # prints .../pot<P>.ptau
#
# This is a real ceremony file, made by snarkjs exactly as a public ceremony's participants make
# theirs, but with a single contributor: this machine (snarkjs mixes OS randomness into the entropy
# and keeps nothing). It exercises the import and the ceremony path of setup; a deployment imports
# the full file of a public ceremony (Perpetual Powers of Tau, Hermez) instead.
set -Eeuo pipefail
P=${1:?usage: bash scripts/ceremony.sh POWER}
[[ $P =~ ^[0-9]+$ && $P -ge 1 && $P -le 20 ]] || { echo "ceremony.sh: power must be 1..20, got $P" >&2; exit 2; }
CACHE=${ZKML_CACHE:-$HOME/.cache/zkml}
SNARKJS_VERSION=0.7.6
mkdir -p "$CACHE"
out=$CACHE/pot$P.ptau
if [[ -s $out ]]; then
  echo "$out"
  exit 0
fi
snarkjs=$CACHE/snarkjs-$SNARKJS_VERSION/node_modules/.bin/snarkjs
if [[ ! -x $snarkjs ]]; then
  echo "ceremony.sh: installing snarkjs $SNARKJS_VERSION from npm into $CACHE" >&2
  npm install --silent --no-audit --no-fund --prefix "$CACHE/snarkjs-$SNARKJS_VERSION" "snarkjs@$SNARKJS_VERSION" >&2
fi
tmp=$(mktemp -d "$CACHE/pot$P.XXXX")
trap 'rm -rf "$tmp"' EXIT
echo "ceremony.sh: snarkjs powersoftau new bn128 $P, then one contribution" >&2
start=$SECONDS
"$snarkjs" powersoftau new bn128 "$P" "$tmp/0.ptau" >&2
"$snarkjs" powersoftau contribute "$tmp/0.ptau" "$tmp/1.ptau" --name="zkml tests" \
  -e="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >&2
mv "$tmp/1.ptau" "$out"
echo "ceremony.sh: $out in $((SECONDS - start)) s" >&2
echo "$out"
