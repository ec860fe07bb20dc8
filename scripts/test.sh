#!/usr/bin/env bash
# The project's one test command (the one README.md gives; CI runs it through .ci/run):
# installs what is missing, builds everything (the host's build.rs also builds the wasm guest and
# the Zellij dashboard plugin), checks formatting and lints, then runs every test, the end-to-end
# tests against a real Zellij under tmux included.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in
  *":$cargo_bin:"*) ;;
  *) export PATH="$cargo_bin:$PATH" ;;
esac

run() {
  printf '\n==> %s\n' "$*"
  "$@"
}

run scripts/deps.sh
run cargo build --workspace --locked
run cargo fmt --all -- --check
run cargo clippy --workspace --all-targets --locked -- -D warnings
# Every test binary prints its own `test result:` line, the last one often a crate's empty
# doc-tests; the summary line at the end adds them all up.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
run cargo test --workspace --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
awk '/^test result: / {
       for (i = 1; i <= NF; i++) {
         if ($(i + 1) ~ /^passed;?$/) passed += $i
         if ($(i + 1) ~ /^failed;?$/) failed += $i
         if ($(i + 1) ~ /^ignored;?$/) ignored += $i
       }
     }
     END { printf "\ntests: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
exit "$status"
