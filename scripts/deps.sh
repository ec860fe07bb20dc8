#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test exomonad, skipping what is already there:
#   - the Rust toolchain pinned in rust-toolchain.toml and its wasm32-wasip1 target
#     (the dashboard plugin and the Rust guest are built for it),
#   - with --for-tests only: tmux (the end-to-end tests drive a real Zellij inside it),
#   - Zellij: the one on PATH when it is at least 0.45.1 (the version the plugin's zellij-tile
#     and the e2e tests target; a newer one is kept, with a warning), else 0.45.1; with
#     --for-tests, exactly 0.45.1 for the tests (in a private directory when yours is newer),
#   - with --for-tests only: Node.js and the official MCP TypeScript SDK client
#     (tests/mcp-client, from the npm registry, exactly the versions of its package-lock.json):
#     a real MCP client we did not write drives `exomonad mcp-stdio` in the tests.
#   - with --for-tests only: Claude Code and Gemini CLI (tests/agents, from the npm registry,
#     exactly the versions of its package-lock.json): the real agents the end-to-end tests
#     drive offline.
# Prints one line per item: "already present" or "installed". Fails loudly if an install fails.
# Reruns are fast: nothing is installed twice.
set -euo pipefail

ZELLIJ_VERSION=0.45.1

mode=user
case "${1:-}" in
  --for-tests) mode=tests ;;
  "") ;;
  *)
    echo "usage: scripts/deps.sh [--for-tests]" >&2
    exit 2
    ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# `cargo install` puts binaries here; make sure this script (and whoever sources its PATH) sees them.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in
  *":$cargo_bin:"*) ;;
  *) export PATH="$cargo_bin:$PATH" ;;
esac

say() { printf 'deps: %-28s %s\n' "$1" "$2"; }
die() {
  printf 'deps: ERROR: %s\n' "$*" >&2
  exit 1
}

# sudo only when not root (CI and the dev machines run as root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (and sudo is not installed)"
  fi
}

# --- Rust toolchain (rust-toolchain.toml) --------------------------------------------------------
command -v rustup >/dev/null 2>&1 || die "rustup is not installed; install Rust through rustup first"
channel="$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' rust-toolchain.toml | head -n 1)"
[ -n "$channel" ] || die "could not read the toolchain channel from rust-toolchain.toml"
if rustup toolchain list | grep -q "^${channel}[-[:space:]]"; then
  say "rust $channel" "already present"
else
  # With no argument, rustup installs the toolchain rust-toolchain.toml names, with its components
  # and targets.
  rustup toolchain install || die "rustup toolchain install (rust $channel) failed"
  say "rust $channel" "installed"
fi

# --- wasm32-wasip1 target ---------------------------------------------------------------------
# Run inside the repository, so that it applies to the pinned toolchain.
if rustup target list --installed | grep -qx wasm32-wasip1; then
  say "rust target wasm32-wasip1" "already present"
else
  rustup target add wasm32-wasip1 || die "rustup target add wasm32-wasip1 failed"
  say "rust target wasm32-wasip1" "installed"
fi

# --- tmux --------------------------------------------------------------------------------------
# Only the tests need tmux (they drive Zellij inside it): a user install skips it.
if [ "$mode" = user ]; then
  say "tmux" "skipped (only the tests use it)"
else
  if command -v tmux >/dev/null 2>&1 && tmux -V >/dev/null 2>&1; then
    say "tmux" "already present ($(tmux -V))"
  else
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update || die "apt-get update failed (needed to install tmux)"
    as_root apt-get install -y tmux || die "apt-get install -y tmux failed"
    command -v tmux >/dev/null 2>&1 || die "tmux still not found after apt-get install"
    say "tmux" "installed ($(tmux -V))"
  fi
fi

# --- Zellij ------------------------------------------------------------------------------------
# scripts/lib/zellij-plan.sh decides (and scripts/zellij-plan-test.sh tests the decision): a
# user's Zellij at least as new as the tested one is kept and used, never replaced or shadowed;
# only a missing or older one gets the tested version. The tests need exactly the tested
# version: with --for-tests and a newer Zellij on PATH, the tested one goes to a private
# directory ($private_zellij_root, never on PATH) that the e2e harness puts first for its
# sandboxes only.
# shellcheck source=lib/zellij-plan.sh
. "$repo_root/scripts/lib/zellij-plan.sh"
private_zellij_root="${XDG_CACHE_HOME:-$HOME/.cache}/exomonad/tools/zellij-$ZELLIJ_VERSION"
zellij_found="$(zellij_version_of "$(zellij --version 2>/dev/null || true)")"
zellij_private="$(zellij_version_of "$("$private_zellij_root/bin/zellij" --version 2>/dev/null || true)")"
plan="$(zellij_plan "$ZELLIJ_VERSION" "$zellij_found" "$mode")"
if [ "$plan" = install-private ] && [ "$zellij_private" = "$ZELLIJ_VERSION" ]; then
  plan=use-private
fi
install_zellij() { # arguments: extra `cargo install` arguments (--root DIR), maybe none
  echo "deps: cargo install zellij --version $ZELLIJ_VERSION --locked $* (about 10-15 minutes on 2 cores)"
  # Zellij 0.45.1 needs rustc 1.95: build it with the pinned toolchain.
  cargo "+$channel" install zellij --version "$ZELLIJ_VERSION" --locked "$@" ||
    die "cargo install zellij --version $ZELLIJ_VERSION --locked failed"
  hash -r
}
case $plan in
  use) say "zellij $ZELLIJ_VERSION" "already present ($(command -v zellij))" ;;
  use-newer)
    say "zellij $zellij_found" "already present ($(command -v zellij)), kept"
    echo "deps: warning: zellij $zellij_found is newer than $ZELLIJ_VERSION, the version exomonad is tested with;" \
      "if the dashboard misbehaves, \`cargo install zellij --version $ZELLIJ_VERSION --locked --root DIR\` and put DIR/bin first on PATH"
    ;;
  use-private)
    say "zellij $ZELLIJ_VERSION (tests)" "already present ($private_zellij_root/bin/zellij; yours: zellij $zellij_found)"
    ;;
  install-private)
    echo "deps: zellij $zellij_found on PATH is newer than $ZELLIJ_VERSION; the tests get $ZELLIJ_VERSION in $private_zellij_root (not on your PATH)"
    install_zellij --root "$private_zellij_root"
    [ "$(zellij_version_of "$("$private_zellij_root/bin/zellij" --version 2>/dev/null || true)")" = "$ZELLIJ_VERSION" ] ||
      die "after the install, $private_zellij_root/bin/zellij is not zellij $ZELLIJ_VERSION"
    say "zellij $ZELLIJ_VERSION (tests)" "installed ($private_zellij_root/bin/zellij)"
    ;;
  install | upgrade)
    if [ "$plan" = upgrade ]; then
      echo "deps: found zellij $zellij_found at $(command -v zellij), older than $ZELLIJ_VERSION: installing $ZELLIJ_VERSION"
    fi
    install_zellij
    [ "$(zellij_version_of "$(zellij --version 2>/dev/null || true)")" = "$ZELLIJ_VERSION" ] ||
      die "after the install, 'zellij --version' prints '$(zellij --version 2>/dev/null || true)' at $(command -v zellij || echo nowhere): put $cargo_bin before it on PATH (PATH: $PATH)"
    say "zellij $ZELLIJ_VERSION" "installed ($(command -v zellij))"
    ;;
  *) die "zellij_plan gave '$plan'" ;;
esac

# --- Node.js + the MCP TypeScript SDK (tests/mcp-client) ---------------------------------------
# Only the tests need them (a real MCP client drives `exomonad mcp-stdio`): a user install
# skips them.
if [ "$mode" = user ]; then
  say "node, MCP TypeScript SDK" "skipped (only the tests use them)"
  exit 0
fi
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  say "node" "already present ($(node --version))"
else
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update || die "apt-get update failed (needed to install nodejs)"
  as_root apt-get install -y nodejs npm || die "apt-get install -y nodejs npm failed"
  say "node" "installed ($(node --version))"
fi
client=tests/mcp-client
sdk_version="$(sed -n 's/.*"@modelcontextprotocol\/sdk": "\([^"]*\)".*/\1/p' "$client/package.json" | head -n 1)"
installed="$(node -p "try { require('./$client/node_modules/@modelcontextprotocol/sdk/package.json').version } catch { '' }" 2>/dev/null || true)"
if [ -n "$sdk_version" ] && [ "$installed" = "$sdk_version" ]; then
  say "MCP TypeScript SDK" "already present ($installed)"
else
  npm ci --prefix "$client" --no-audit --no-fund >/dev/null ||
    die "npm ci in $client failed (the MCP TypeScript SDK client the tests use)"
  say "MCP TypeScript SDK" "installed ($sdk_version)"
fi

# --- Claude Code and Gemini CLI (tests/agents) -------------------------------------------------
# The real agents the end-to-end tests run, driven offline by tests/model-server.
agents=tests/agents
agent_versions() {
  node -e '
    const dir = process.argv[1];
    for (const name of ["@anthropic-ai/claude-code", "@google/gemini-cli"]) {
      let v = "";
      try { v = require(`${dir}/node_modules/${name}/package.json`).version; } catch {}
      console.log(`${name}@${v}`);
    }' "$repo_root/$agents"
}
wanted_versions() {
  node -e '
    const deps = require(process.argv[1]).dependencies;
    for (const name of ["@anthropic-ai/claude-code", "@google/gemini-cli"]) console.log(`${name}@${deps[name]}`);
  ' "$repo_root/$agents/package.json"
}
if [ "$(agent_versions)" = "$(wanted_versions)" ] && "$agents/node_modules/.bin/claude" --version >/dev/null 2>&1; then
  say "Claude Code, Gemini CLI" "already present ($(agent_versions | paste -sd ' '))"
else
  npm ci --prefix "$agents" --no-audit --no-fund >/dev/null ||
    die "npm ci in $agents failed (Claude Code and Gemini CLI, the agents the end-to-end tests run)"
  "$agents/node_modules/.bin/claude" --version >/dev/null 2>&1 ||
    die "$agents/node_modules/.bin/claude does not run after npm ci (its postinstall copies the native binary)"
  say "Claude Code, Gemini CLI" "installed ($(agent_versions | paste -sd ' '))"
fi
