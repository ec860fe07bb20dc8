#!/usr/bin/env bash
# Benchmark of popup forms end to end, in the e2e harness (a real Zellij 0.45.1 under tmux,
# started by `exomonad init`; see tests/e2e/popup.rs, `popup_latency_benchmark`):
#   - from `exomonad popup` start to its form drawn on the screen;
#   - from the last key (`zellij action send-keys --pane-id plugin_N Enter`) to the reply
#     printed by `exomonad popup`.
#
#   benches/popup.sh [RUNS]       (default 20, at least 20; release build of exomonad)
#
# Prints median, p95, min and max in milliseconds. The draw is timed by capturing the screen
# with `tmux capture-pane` every 5 ms, so it reads late by up to one capture (its time is
# printed too) plus 5 ms. The reply is timed by a thread blocked on the popup's stdout.
# Needs zellij 0.45.1 and tmux (scripts/deps.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export EXOMONAD_BENCH_RUNS="${1:-20}"
cd "$root"
exec cargo test --locked -p exomonad --release --test e2e_popup -- \
  --ignored --nocapture --exact popup_latency_benchmark
