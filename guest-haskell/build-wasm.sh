#!/usr/bin/env bash
# Builds the Haskell guest for Extism with ghc-wasm-meta's wasm32-wasi-ghc / wasm32-wasi-cabal
# (reactor mode, explicit exports; see README.md) and shrinks it with wasm-opt when present.
# Output: guest-haskell/exomonad-guest-haskell.wasm (or $1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/exomonad-guest-haskell.wasm}"
cd "$here"
for tool in wasm32-wasi-ghc wasm32-wasi-cabal; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH (install ghc-wasm-meta)" >&2; exit 1; }
done
# The flags (-no-hs-main, -optl-mexec-model=reactor, --export=hs_init,handle_hook,...) are in
# the executable stanza of exomonad-guest-haskell.cabal, under `if arch(wasm32)`.
wasm32-wasi-cabal build exe:exomonad-guest-haskell
built="$(wasm32-wasi-cabal list-bin exe:exomonad-guest-haskell)"
if command -v wasm-opt >/dev/null; then
  wasm-opt -Oz "$built" -o "$out"
else
  echo "wasm-opt not on PATH: copying the unoptimised module" >&2
  cp "$built" "$out"
fi
echo "$out"
