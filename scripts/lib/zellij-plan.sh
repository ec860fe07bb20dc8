# shellcheck shell=bash
# What scripts/deps.sh does about Zellij, as a pure function (no I/O but its output), sourced by
# deps.sh and unit-tested by scripts/zellij-plan-test.sh (run by scripts/test.sh).
#
#   zellij_plan TESTED FOUND MODE
#
# TESTED: the version the plugin and the tests are built against (0.45.1).
# FOUND:  the version of the `zellij` on PATH (`0.45.1`, from `zellij --version`), empty when
#         there is none or it prints no version.
# MODE:   `user` (install.sh: any Zellij at least TESTED is the user's to keep) or `tests`
#         (scripts/test.sh and CI: the end-to-end tests need exactly TESTED).
#
# Prints one word:
#   use            FOUND == TESTED: nothing to do.
#   use-newer      user mode, FOUND newer than TESTED: keep it (warn: not the tested version).
#   install        FOUND is empty: cargo install TESTED into ~/.cargo/bin.
#   upgrade        FOUND older than TESTED: cargo install TESTED into ~/.cargo/bin.
#   install-private tests mode, FOUND newer: install TESTED into the repository's
#                  target/tools (never on the user's PATH, never over theirs); the test harness
#                  puts that directory first on its sandboxes' PATH.
# Exit status 2 (and nothing printed) on a bad MODE.
zellij_plan() {
  local tested=$1 found=$2 mode=$3
  case $mode in user | tests) ;; *) return 2 ;; esac
  if [ -z "$found" ]; then
    echo install
  elif [ "$found" = "$tested" ]; then
    echo use
  elif [ "$(zellij_version_max "$found" "$tested")" = "$tested" ]; then
    echo upgrade
  elif [ "$mode" = user ]; then
    echo use-newer
  else
    echo install-private
  fi
}

# The greater of two dotted versions (`0.45.1`, `0.46.0-rc1`), by `sort -V` (GNU coreutils).
zellij_version_max() {
  printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1
}

# The version in `zellij --version` output (`zellij 0.45.1` → `0.45.1`); empty for anything else.
zellij_version_of() {
  case $1 in
    "zellij "[0-9]*) printf '%s\n' "${1#zellij }" ;;
    *) ;;
  esac
}
