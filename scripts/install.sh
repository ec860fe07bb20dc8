#!/usr/bin/env bash
# Installs exomonad for the current user: what the machine lacks (scripts/deps.sh: the
# wasm32-wasip1 target, tmux, Zellij 0.45.1), then the `exomonad` binary into ~/.cargo/bin
# with `cargo install --path host` (its build also compiles the dashboard plugin and the
# default guest and embeds both, so the one binary is all there is to install).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo_root/scripts/deps.sh"
cargo install --locked --path "$repo_root/host"
echo "install: exomonad is at $(command -v exomonad || echo "${CARGO_HOME:-$HOME/.cargo}/bin/exomonad")"
