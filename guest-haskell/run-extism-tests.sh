#!/usr/bin/env bash
# Builds the Extism entry layer (wasm/Main.hs and cbits/extism.c, unchanged) natively against
# the stand-in for Extism's kernel and runtime (native/), with Debian's GHC and no Hackage, and
# replays every conformance vector through it (test/ConformanceExtism.hs).
# Usage: run-extism-tests.sh [VECTORS_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vectors="$(cd "${1:-$here/../tests/conformance}" && pwd)"
cd "$here"

# The stand-in's host functions must be the ones extism.c imports: the same C names bound to
# the same extism:host/user import names, in the same order.
imports="$(sed -n 's/^USER("\([a-z_]*\)") extern uint64_t \([a-z_]*\)(uint64_t);$/\2 \1/p' cbits/extism.c)"
standin="$(sed -n 's/^HOST_FN(\([a-z_]*\), "\([a-z_]*\)")$/\1 \2/p' native/harness.c)"
if [ -z "$imports" ] || [ "$imports" != "$standin" ]; then
  echo "native/harness.c's HOST_FN list differs from cbits/extism.c's USER imports:" >&2
  diff <(echo "$imports") <(echo "$standin") >&2 || true
  exit 1
fi

if command -v cabal >/dev/null; then
  # A config without any package repository, so cabal never tries to reach Hackage.
  export CABAL_CONFIG="$here/cabal.offline.config"
  cabal --offline build -v0 exe:exomonad-guest-native test:conformance-extism
  guest="$(cabal --offline list-bin -v0 exe:exomonad-guest-native)"
  runner="$(cabal --offline list-bin -v0 test:conformance-extism)"
else
  # The same flags as the cabal stanzas (exe:exomonad-guest-native, test:conformance-extism).
  mkdir -p dist-native/guest dist-native/runner
  ghc -O0 -Wall -isrc -no-hs-main -optl-rdynamic -optc-Wall -optc-Wextra -optc-Wno-attributes \
    -Inative -outputdir dist-native/guest -o dist-native/exomonad-guest-native \
    wasm/Main.hs cbits/extism.c native/kernel.c native/harness.c >/dev/null
  ghc -O0 -Wall -isrc -itest -outputdir dist-native/runner -o dist-native/conformance-extism \
    test/ConformanceExtism.hs >/dev/null
  guest=dist-native/exomonad-guest-native
  runner=dist-native/conformance-extism
fi
"$runner" "$guest" "$here/exomonad-guest-haskell.cabal" "$vectors"

# The runner must fail on broken vectors: a copy of the vectors with a host reply, an
# expected host call and an expected output each changed in one vector must fail exactly
# those three.
broken="$(mktemp -d)"
trap 'rm -rf "$broken"' EXIT
cp "$vectors"/*.json "$broken"/
sed -i '0,/"notes.txt"/s//"renamed.txt"/' "$broken/stop-worker-dirty.json"
sed -i 's/"fn": "git_get_dirty_files"/"fn": "git_get_branch"/' "$broken/stop-worker-clean.json"
sed -i 's/"abi_version": 1/"abi_version": 2/' "$broken/abi-version.json"
if "$runner" "$guest" "$here/exomonad-guest-haskell.cabal" "$broken" >"$broken/out" 2>&1; then
  echo "FAIL  the runner passed broken vectors" >&2
  exit 1
fi
failed="$(sed -n 's/^FAIL  \([a-z0-9-]*\) .*/\1/p' "$broken/out" | sort | tr '\n' ' ')"
if [ "$failed" != "abi-version stop-worker-clean stop-worker-dirty " ]; then
  echo "FAIL  broken vectors: expected exactly abi-version, stop-worker-clean and stop-worker-dirty to fail" >&2
  cat "$broken/out" >&2
  exit 1
fi
# Shown indented and labelled, so that no reader (or CI's log scan) takes it for this run's result.
grep '^FAIL\|passed' "$broken/out" | sed 's/^/  (broken on purpose) /'
echo "PASS  broken vectors: the runner fails exactly the three vectors changed on purpose"
