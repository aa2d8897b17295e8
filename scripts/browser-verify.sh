#!/usr/bin/env bash
# Verifies a model proof or a KZG batch proof in headless Chromium through the web page
# (web/index.html), which picks the verifier from the kind of the files:
#
#   bash scripts/browser-verify.sh VK PROOF [DIGEST]
#
# VK and PROOF are files inside the repository (paths relative to the current directory or
# absolute) or URL paths relative to the repository root. DIGEST, optional, is the expected model
# digest: 64 hex digits, or a file whose first line holds them (e.g. tests/fixtures/mlp/*.digest).
# The script serves the repository root on a free localhost port, loads
# web/index.html?vk=...&proof=...[&digest=...]&autorun=1 in headless Chromium driven by
# ChromeDriver (scripts/browser_verify.py), reads the verdict, the #result line and the page's
# structured result, and prints
#   browser (Chromium): <result line>
# and, for a model proof, the verdict, the model digest, the outputs with their argmax (or the
# error) and the verification time measured in the page, one per line:
#   verdict:       valid
#   model digest:  <64 hex digits>
#   model name:    mnist_mlp             (when the key names the model)
#   outputs:       [-11.13, -0.61, 17.04, ...]
#   argmax:        2
#   class label:   2                     (when the key carries labels)
#   srs:           ceremony | dev
#   pairings:      <n>
#   time:          <ms> ms (measured in the page)
# Exit status: 0 valid, 1 invalid or error, 2 the page never reported (or a usage problem, or the
# browser could not be driven).
# Needs the page's copy of the npm package: bash scripts/wasm-build.sh (web/vendor/zkml-verifier),
# and chromium with its chromedriver (CHROMIUM and CHROMEDRIVER override where they are found).
# scripts/browser_page_test.py tests the page served alone (web/ without the repository).
set -Eeuo pipefail
# Interrupted: exit 2 (and, once it is set below, the EXIT trap cleans up).
trap 'exit 2' INT TERM

usage() { echo "usage: bash scripts/browser-verify.sh VK PROOF [DIGEST]" >&2; exit 2; }
(($# == 2 || $# == 3)) || usage

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)

# A file argument becomes its URL path below the served root; anything else is taken as a URL
# path relative to the root as it is.
url_path() {
  local p=$1 rel
  if [[ -f $p ]]; then
    rel=$(realpath --relative-to="$ROOT" -- "$p")
    if [[ $rel == ../* || $rel == .. ]]; then
      echo "browser-verify: $p is outside the repository root $ROOT, which is what the page can fetch" >&2
      exit 2
    fi
    p=$rel
  fi
  p=${p#./}
  p=${p#/}
  # Absolute from the served root (the page resolves relative URLs against /web/), and
  # percent-encoded for the query string.
  python3 -c 'import sys, urllib.parse; print("/" + urllib.parse.quote(sys.argv[1], safe="/"))' "$p"
}
VK=$(url_path "$1")
PROOF=$(url_path "$2")
DIGEST_QUERY=
if (($# == 3)); then
  digest=$3
  if [[ -f $digest ]]; then
    IFS= read -r digest <"$digest" || true
  fi
  # Surrounding white space and an optional 0x prefix are accepted; anything else is left for the
  # page to reject (it reports an error for a digest that is not 64 hex digits).
  digest=$(printf '%s' "$digest" | tr -d '[:space:]')
  if [[ -z $digest ]]; then
    echo "browser-verify: the expected digest is empty" >&2
    exit 2
  fi
  DIGEST_QUERY="&digest=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$digest")"
fi

if [[ ! -f $ROOT/web/vendor/zkml-verifier/index.js ]]; then
  echo "browser-verify: web/vendor/zkml-verifier (the page's copy of the npm package) is missing; build it with: bash scripts/wasm-build.sh" >&2
  exit 2
fi
export CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [[ -z $CHROMIUM || ! -x $CHROMIUM ]]; then
  echo "browser-verify: chromium not found${CHROMIUM:+ at $CHROMIUM} (set CHROMIUM=/path/to/chromium)" >&2
  exit 2
fi
export CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver || true)}
if [[ -z $CHROMEDRIVER || ! -x $CHROMEDRIVER ]]; then
  echo "browser-verify: chromedriver not found${CHROMEDRIVER:+ at $CHROMEDRIVER} (install chromium-driver," \
    "the ChromeDriver matching $CHROMIUM, or set CHROMEDRIVER=/path/to/chromedriver)" >&2
  exit 2
fi

TMP=$(mktemp -d)
SERVER_PID=
DRIVER_PID=
cleanup() {
  # The driver (scripts/browser_verify.py) stops ChromeDriver and the browser when it gets SIGTERM.
  if [[ -n $DRIVER_PID ]]; then
    kill "$DRIVER_PID" 2>/dev/null || true
    wait "$DRIVER_PID" 2>/dev/null || true
  fi
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# Port 0: the OS picks a free port and the server prints the one it bound. The log is created
# here, not by the background job's redirection, which can come after the first read below.
: >"$TMP/server.log"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$ROOT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 100); do
  PORT=$(sed -n 's/^Serving HTTP on .* port \([0-9][0-9]*\) .*/\1/p' "$TMP/server.log" | head -n1 || true)
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $PORT ]]; then
  echo "browser-verify: the static server did not start:" >&2
  cat "$TMP/server.log" >&2
  exit 2
fi

# WARMUP=0 skips the page's load-time self-test, to measure a cold first verification.
WARMUP_QUERY=""
[ "${WARMUP:-1}" = "0" ] && WARMUP_QUERY="&warmup=0"
URL="http://127.0.0.1:$PORT/web/index.html?vk=$VK&proof=$PROOF$DIGEST_QUERY$WARMUP_QUERY&autorun=1"
# The page is driven through ChromeDriver so that its clock runs in real time (the verification
# time it reports is real); all traffic stays on 127.0.0.1. The driver runs in the background and
# is waited for, so that INT and TERM reach the traps at once (and the cleanup stops the driver).
python3 "$ROOT/scripts/browser_verify.py" "$URL" >"$TMP/verdict" &
DRIVER_PID=$!
rc=0
wait "$DRIVER_PID" || rc=$?
DRIVER_PID=
# The driver has already said why it failed.
((rc == 0)) || exit 2

# The driver printed {"verdict", "summary", "result"} (result: the page's window.zkmlResult).
# Prints the summary line and, for a model proof, one line per detail; exits 0 valid, 1 invalid
# or error, 2 for an unknown verdict.
rc=0
python3 - "$TMP/verdict" <<'EOF' || rc=$?
import json, sys

with open(sys.argv[1]) as f:
    text = f.read()
try:
    out = json.loads(text)
    verdict, summary, result = out["verdict"], out["summary"], out.get("result") or {}
except (ValueError, KeyError, TypeError):
    print(f"browser (Chromium): the driver printed something unexpected: {text.strip()}", file=sys.stderr)
    sys.exit(2)
if verdict not in ("valid", "invalid", "error"):
    print(f"browser (Chromium): the page reported an unknown verdict: {verdict} {summary}", file=sys.stderr)
    sys.exit(2)
print(f"browser (Chromium): {summary}")
if result.get("kind") == "model":
    def line(name, value):
        print(f"  {name + ':':<14} {value}")
    line("verdict", verdict)
    if verdict == "valid":
        line("model digest", result.get("modelDigest"))
        if result.get("modelName"):
            line("model name", result.get("modelName"))
        outputs = result.get("outputs") or []
        for k, values in enumerate(outputs):
            line("outputs" if len(outputs) == 1 else f"outputs[{k}]", json.dumps(values))
        line("argmax", ", ".join(str(a) for a in result.get("argmax") or []))
        if result.get("predicted") is not None:
            line("class label", result.get("predicted"))
        line("srs", result.get("srs"))
        line("pairings", result.get("pairings"))
    else:
        line("error", result.get("error"))
    ms = result.get("ms")
    line("time", f"{ms:.1f} ms (measured in the page)" if isinstance(ms, (int, float)) else "not measured")
sys.exit(0 if verdict == "valid" else 1)
EOF
exit "$rc"
