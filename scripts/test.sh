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

# A full debug build with its test binaries takes several GB; when the disk fills, the linker
# dies of SIGBUS, which says nothing about the cause. Say it first.
min_free_gib=6
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
mkdir -p "$target_dir"
free_gib=$(($(df -Pk "$target_dir" | awk 'NR == 2 { print $4 }') / 1024 / 1024))
if ((free_gib < min_free_gib)); then
  printf 'warning: only %s GiB free under %s; a fresh build and test run takes about %s GiB.\n' \
    "$free_gib" "$target_dir" "$min_free_gib" >&2
  printf 'warning: free some space (cargo clean in old checkouts) if the build fails.\n' >&2
fi

run scripts/zellij-plan-test.sh
run scripts/deps.sh --for-tests
run cargo build --workspace --locked
run cargo fmt --all -- --check
run cargo clippy --workspace --all-targets --locked -- -D warnings

# Guest conformance (tests/conformance/): the embedded Rust guest through the real Extism
# runtime, the Haskell guest's core natively (Debian's GHC, no Hackage), and the Haskell wasm
# guest where ghc-wasm-meta's wasm32-wasi-ghc is on PATH.
run cargo run -q -p exomonad --locked -- guest check --embedded
haskell_pkgs=(ghc cabal-install libghc-aeson-dev libghc-hspec-dev libghc-vector-dev
  libghc-unordered-containers-dev libghc-scientific-dev)
missing_pkgs=()
for pkg in "${haskell_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing_pkgs+=("$pkg")
done
if ((${#missing_pkgs[@]})); then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  run as_root apt-get update
  run as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_pkgs[@]}"
fi
run guest-haskell/run-native-tests.sh
run guest-haskell/run-extism-tests.sh
if command -v wasm32-wasi-ghc >/dev/null 2>&1; then
  run guest-haskell/build-wasm.sh "$repo_root/target/exomonad-guest-haskell.wasm"
  run cargo run -q -p exomonad --locked -- guest check "$repo_root/target/exomonad-guest-haskell.wasm"
else
  echo "haskell wasm guest: skipped (wasm32-wasi-ghc not on PATH)"
fi
# Every test binary prints its own `test result:` line, the last one often a crate's empty
# doc-tests; the summary line at the end adds them all up.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
# One test at a time: the end-to-end tests each drive a real Zellij, and on 2 cores running
# them side by side made Zellij miss its own 1 s deadline for pipe actions (one unexplained
# popup hang in about ten parallel runs). --no-fail-fast: every failure is reported.
run cargo test --workspace --locked --no-fail-fast -- --test-threads=1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# A short bounded fuzz run of every target in fuzz/ (about 3 minutes with its build on 2
# cores); scripts/fuzz.sh prints `fuzz: PASS` or `fuzz: FAIL` with the crashing input.
run scripts/fuzz.sh 20
fuzz_status=$?
set -e
awk '/^test result: / {
       for (i = 1; i <= NF; i++) {
         if ($(i + 1) ~ /^passed;?$/) passed += $i
         if ($(i + 1) ~ /^failed;?$/) failed += $i
         if ($(i + 1) ~ /^ignored;?$/) ignored += $i
       }
     }
     END { printf "\ntests: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
((fuzz_status == 0)) || echo "fuzz: FAIL (see above)"
((status != 0)) || status=$fuzz_status
exit "$status"
