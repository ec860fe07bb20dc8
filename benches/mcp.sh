#!/usr/bin/env bash
# Benchmark of `exomonad mcp-stdio` through the whole stack, driven by the official MCP
# TypeScript SDK client (tests/mcp-client/check.mjs, mode `bench`), the way an agent runtime
# talks to it: JSON-RPC over the server's stdin/stdout, the tool in the guest, the host
# function, git or the file system.
#
#   benches/mcp.sh [N]            (default 200 calls of each tool; release build of exomonad)
#
# Measures, in a scratch git repository with one small committed file, outside Zellij (no
# events are sent), with the compiled-guest cache warm:
#   start_to_first_tools_list  process start -> initialize -> first tools/list answered (5 starts);
#   git_status                 tools/call git_status (runs `git status`), N calls;
#   read_file                  tools/call read_file of a 3-line file, N calls.
# Prints check.mjs's JSON (median, p95 and max in milliseconds), then one line per measure.
# Needs Node.js 20+ and the SDK (installed here with `npm ci` when missing).
set -euo pipefail
n="${1:-200}"
root="$(cd "$(dirname "$0")/.." && pwd)"
client="$root/tests/mcp-client"
command -v node >/dev/null || { echo "node is missing: apt-get install -y nodejs npm" >&2; exit 1; }
if [ ! -f "$client/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
  npm ci --prefix "$client" >&2
fi
cargo build --release --locked -p exomonad --manifest-path "$root/Cargo.toml" >&2
exe="$root/target/release/exomonad"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
proj="$work/proj"
mkdir -p "$proj/src"
git -C "$proj" init -q -b main
printf '// one\n// two\n// three\n' >"$proj/src/lib.rs"
git -C "$proj" add .
git -C "$proj" -c user.name=bench -c user.email=bench@example.com commit -qm init
export HOME="$work/home" XDG_DATA_HOME="$work/data"
unset ZELLIJ ZELLIJ_SESSION_NAME EXOMONAD_SESSION EXOMONAD_ROLE EXOMONAD_LOG GH_TOKEN GITHUB_TOKEN GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN
# The compiled guest is cached under XDG_CACHE_HOME; one start fills it, so every measured
# start is a warm one (a first start after install compiles the guest: see benches/hook.sh's
# `cold`).
export XDG_CACHE_HOME="$work/cache"
printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
  (cd "$proj" && "$exe" mcp-stdio >/dev/null)
export EXOMONAD_BIN="$exe" MCP_PROJECT="$proj" EXOMONAD_AGENT_ID=bench
out="$(node "$client/check.mjs" bench "$n")"
echo "$out"
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"{'measure':<27} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
for name in ("start_to_first_tools_list", "git_status", "read_file"):
    s = r[name]
    print(f"{name:<27} {s['n']:>5} {s['median_ms']:>10.2f} {s['p95_ms']:>8.2f} {s['max_ms']:>8.2f}")
PY
