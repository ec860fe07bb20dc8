#!/usr/bin/env bash
# Benchmark of `exomonad hook pre-tool-use` as a process, the way Claude Code runs it,
# side by side with a trivial hook (`cat >/dev/null; echo {}`) measured in the same run.
#
#   benches/hook.sh [RUNS]        (default 100 runs each; needs hyperfine: apt-get install hyperfine)
#
# Three commands, each fed the recorded PreToolUse(Bash) payload on stdin, in a scratch git
# repository, outside Zellij (events are not sent; see the note on issue 2 for the pipe cost):
#   trivial  the trivial hook;
#   warm     exomonad with its compiled-guest cache warm;
#   cold     exomonad with the cache emptied before every run (a first hook after install).
# Prints median and p95 in milliseconds for each.
set -euo pipefail
runs="${1:-100}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }
cargo build --release --locked -p exomonad --manifest-path "$root/Cargo.toml" >&2
exe="$root/target/release/exomonad"
fixture="$root/tests/fixtures/claude-code-2.1.329/pre-tool-use-bash.json"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q && git -C "$work" commit -q --allow-empty -m init
export HOME="$work/home" XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data"
unset ZELLIJ ZELLIJ_SESSION_NAME EXOMONAD_SESSION
cd "$work"
"$exe" hook pre-tool-use <"$fixture" >/dev/null   # fills the cache for the warm runs
# Each command runs under hyperfine's shell with the payload redirected from the file, the
# trivial hook too, so the shell's cost is the same on every side (Debian's hyperfine has
# no --input).
hyperfine --runs "$runs" --warmup 3 --export-json "$work/warm.json" \
  -n trivial "cat >/dev/null <'$fixture'; echo {}" \
  -n warm "'$exe' hook pre-tool-use <'$fixture'" >&2
hyperfine --runs "$runs" --export-json "$work/cold.json" \
  --prepare "rm -rf '$XDG_CACHE_HOME/exomonad/wasmtime'" \
  -n cold "'$exe' hook pre-tool-use <'$fixture'" >&2
python3 - "$work/warm.json" "$work/cold.json" <<'PY'
import json, statistics, sys
print(f"{'command':<8} {'runs':>5} {'median ms':>10} {'p95 ms':>8}")
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        t = sorted(x * 1000 for x in r["times"])
        p95 = t[min(len(t) - 1, round(0.95 * len(t)) - 1)]
        print(f"{r['command']:<8} {len(t):>5} {statistics.median(t):>10.1f} {p95:>8.1f}")
PY
