#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ (libFuzzer, through the libfuzzer-sys crate) for a bounded
# time each: scripts/fuzz.sh [seconds per target, default 30] [target...] (default: all).
#
# It builds with the coverage instrumentation `cargo fuzz build --sanitizer none` passes to
# rustc; those flags (-C passes, -C llvm-args) are stable, so the pinned stable toolchain is
# enough and cargo-fuzz itself need not be installed. AddressSanitizer is left out: every
# target runs safe Rust, and `-Z sanitizer` needs a nightly compiler. The crate has cargo-fuzz's
# layout, so `RUSTC_BOOTSTRAP=1 cargo fuzz run <target>` should run the same targets with ASan
# (not tried here: cargo-fuzz is not installed on the project's machines).
#
# A crash stops the run with the target's name, the panic and the input file under
# fuzz/artifacts/<target>/; reproduce it with fuzz/target/<triple>/release/<target> <file>.
# Prints `fuzz: PASS` or `fuzz: FAIL` last, and exits non-zero when a target failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root/fuzz"

seconds="${1:-30}"
shift || true
all_targets=(hook_payload dashboard_pipe form_request shell_deny mcp_tool_args)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

# Its own target directory always (an instrumented build shares nothing with the product's).
export CARGO_TARGET_DIR="$repo_root/fuzz/target"
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts and proc macros (as cargo fuzz does).
printf '\n==> cargo build --release --locked --target %s (fuzz/, instrumented)\n' "$triple"
cargo build --release --locked --target "$triple" $(printf -- '--bin %s ' "${targets[@]}")

passed=0
failed=0
for target in "${targets[@]}"; do
  corpus="target/corpus/$target"
  artifacts="artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  printf '\n==> fuzz %s for %ss\n' "$target" "$seconds"
  log="target/fuzz-$target.log"
  # -rss_limit_mb: a leak or a blow-up is a failure too; -timeout: one input over 10 s hangs.
  # New inputs go to the scratch corpus under target/; the seeds in fuzz/corpus/ are read only.
  seeds=()
  [ -d "corpus/$target" ] && seeds=("corpus/$target")
  if "target/$triple/release/$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    printf 'fuzz %s: ok, %s executions, no crash\n' "$target" "${execs:-?}"
    passed=$((passed + 1))
  else
    printf 'fuzz %s: FAILED\n' "$target"
    # The panic and its message, what libFuzzer saw, and where the input went.
    { grep -A2 "panicked at" "$log" || tail -20 "$log"; } | head -20
    grep -E "^SUMMARY|Test unit written" "$log" || true
    failed=$((failed + 1))
  fi
done
if ((failed == 0)); then
  printf '\nfuzz: PASS (%d targets, %ss each, no crash)\n' "$passed" "$seconds"
else
  printf '\nfuzz: FAIL (%d of %d targets crashed; inputs under fuzz/artifacts/)\n' \
    "$failed" "$((passed + failed))"
  exit 1
fi
