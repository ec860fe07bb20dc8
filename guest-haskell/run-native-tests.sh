#!/usr/bin/env bash
# Builds the pure core natively (Debian's GHC 9.0 and libghc-*-dev packages, no Hackage) and
# replays every conformance vector against it. Usage: run-native-tests.sh [VECTORS_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vectors="$(cd "${1:-$here/../tests/conformance}" && pwd)"
cd "$here"
if command -v cabal >/dev/null; then
  # A config without any package repository, so cabal never tries to reach Hackage.
  export CABAL_CONFIG="$here/cabal.offline.config"
  cabal --offline build -v0 test:conformance
  runner="$(cabal --offline list-bin -v0 test:conformance)"
else
  mkdir -p dist-native
  ghc -O0 -Wall -isrc -itest -outputdir dist-native -o dist-native/conformance test/Conformance.hs >/dev/null
  runner=dist-native/conformance
fi
"$runner" "$vectors"
