#!/usr/bin/env bash
# Benchmark of `exomonad spawn` end to end, in the e2e harness (a real Zellij 0.45.1 under
# tmux started by `exomonad init`, a real git repository with a local bare `origin`, a local
# GitHub mock; see tests/e2e/spawn.rs, `spawn_wall_time_benchmark`): wall time to spawn 10
# and 20 issues with a no-op agent command (`true`), median of RUNS runs each, plus the
# orchestrator's own split of each run (GitHub, git fetch + base, worktrees + tabs) and,
# per issue, git and Zellij time (in the project's .exomonad/logs/exomonad.log).
#
#   benches/spawn.sh [RUNS]       (default 5; release build of exomonad)
#
# Needs zellij 0.45.1 and tmux (scripts/deps.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export EXOMONAD_BENCH_RUNS="${1:-5}"
cd "$root"
exec cargo test --locked -p exomonad --release --test e2e_spawn -- \
  --ignored --nocapture --exact spawn_wall_time_benchmark
