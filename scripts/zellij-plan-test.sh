#!/usr/bin/env bash
# Unit tests of scripts/lib/zellij-plan.sh: what scripts/deps.sh decides about a Zellij that is
# missing, older, the same or newer than the tested version, for a user install and for the
# tests. Run by scripts/test.sh; prints one line per case and fails on the first wrong answer.
set -euo pipefail
# shellcheck source=lib/zellij-plan.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/zellij-plan.sh"

failures=0
check() {
  local want=$1 got
  shift
  got="$("$@")" || true
  if [ "$got" = "$want" ]; then
    printf 'ok    %-48s -> %s\n' "$*" "$got"
  else
    printf 'FAIL  %-48s -> %s (want %s)\n' "$*" "$got" "$want"
    failures=$((failures + 1))
  fi
}

#     want              function     tested  found        mode
check install          zellij_plan  0.45.1  ""           user
check install          zellij_plan  0.45.1  ""           tests
check upgrade          zellij_plan  0.45.1  0.44.2       user
check upgrade          zellij_plan  0.45.1  0.44.2       tests
check upgrade          zellij_plan  0.45.1  0.45.0       user
check upgrade          zellij_plan  0.45.1  0.9.9        user
check use              zellij_plan  0.45.1  0.45.1       user
check use              zellij_plan  0.45.1  0.45.1       tests
check use-newer        zellij_plan  0.45.1  0.45.2       user
check use-newer        zellij_plan  0.45.1  0.46.0       user
check use-newer        zellij_plan  0.45.1  0.100.0      user
check use-newer        zellij_plan  0.45.1  1.0.0        user
check install-private  zellij_plan  0.45.1  0.46.0       tests
check install-private  zellij_plan  0.45.1  0.45.10      tests
check ""               zellij_plan  0.45.1  0.45.1       nonsense
check 0.45.1           zellij_version_of "zellij 0.45.1"
check 0.46.0-rc1       zellij_version_of "zellij 0.46.0-rc1"
check ""               zellij_version_of "bash: zellij: command not found"
check ""               zellij_version_of ""

if ((failures)); then
  echo "zellij-plan: $failures case(s) failed" >&2
  exit 1
fi
echo "zellij-plan: all cases passed"
