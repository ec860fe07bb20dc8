#!/usr/bin/env bash
# Regenerates the README's picture of the dashboard, assets/dashboard.png (and its text twin,
# assets/dashboard-screen.txt), from a real session:
#   1. builds exomonad, opens `exomonad init` of a throw-away project in a real Zellij under
#      tmux, in an isolated home (the dashboard's permissions granted ahead),
#   2. sends the recorded Claude Code payloads (tests/fixtures/claude-code-2.1.329) through
#      `exomonad hook` as five agents, leaving them running, waiting, stop blocked (a worker
#      with an uncommitted file) and stopped,
#   3. captures the dashboard pane with its colours (`tmux capture-pane -e`), crops it, and
#      renders it with Python's `rich` (its SVG export) and `rsvg-convert` (librsvg).
# Needs zellij 0.45.1 and tmux (scripts/deps.sh), Debian's python3-rich and librsvg2-bin:
#   apt-get install -y python3-rich librsvg2-bin
# Usage: scripts/screenshot.sh [OUT_DIR]   (default: assets/)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="$(realpath "${1:-$repo_root/assets}")"
fixtures="$repo_root/tests/fixtures/claude-code-2.1.329"

die() {
  echo "screenshot: $*" >&2
  exit 1
}
command -v tmux >/dev/null || die "tmux is missing: scripts/deps.sh installs it"
command -v zellij >/dev/null || die "zellij is missing: scripts/deps.sh installs it"
command -v rsvg-convert >/dev/null || die "rsvg-convert is missing: apt-get install -y librsvg2-bin"
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import rich' 2>/dev/null; then
    python=$p
    break
  fi
done
[ -n "$python" ] || die "Python's rich is missing: apt-get install -y python3-rich (or pip install rich)"

(cd "$repo_root" && cargo build -q -p exomonad --locked)
exe="$repo_root/target/debug/exomonad"

# --- An isolated world: home, XDG dirs, a short socket dir, a clean Zellij config. -----------
t="$(mktemp -d /tmp/exoshot.XXXXXX)"
tmux_name="exoshot-$$"
session=myproject
cleanup() {
  zellij kill-session "$session" >/dev/null 2>&1 || true
  zellij delete-all-sessions -y >/dev/null 2>&1 || true
  tmux -L "$tmux_name" kill-server >/dev/null 2>&1 || true
  rm -rf "$t"
}
trap cleanup EXIT
mkdir -p "$t"/{home,cache/zellij,cfg/zellij,data,s}
unset ZELLIJ ZELLIJ_SESSION_NAME ZELLIJ_PANE_ID TMUX TMUX_PANE
for v in $(env | sed -n 's/^\(EXOMONAD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$t/home" XDG_CACHE_HOME="$t/cache" XDG_CONFIG_HOME="$t/cfg" XDG_DATA_HOME="$t/data"
export ZELLIJ_SOCKET_DIR="$t/s" ZELLIJ_CONFIG_FILE="$t/zellij.kdl"
# The e2e tests' Zellij configuration: clean, capturable screens, no first-run wizard.
cp "$repo_root/tests/e2e/zellij-config.kdl" "$ZELLIJ_CONFIG_FILE"
git_quiet() { git -c user.name=exomonad -c user.email=exomonad@example.invalid "$@" >/dev/null; }
project="$t/$session"
mkdir -p "$project"
git_quiet -C "$project" init -b main
git_quiet -C "$project" commit --allow-empty -m "first commit"

# The dashboard's permissions, as Zellij records them once the person answered `y`.
plugin="$("$exe" plugin-path)"
{
  printf '"%s" {\n' "$plugin"
  "$python" -c 'import sys; print("".join(f"    {p}\n" for p in sys.argv[1:]), end="")' \
    ReadApplicationState ChangeApplicationState ReadCliPipes MessageAndLaunchOtherPlugins Reconfigure
  printf '}\n'
} >"$XDG_CACHE_HOME/zellij/permissions.kdl"

tmux -L "$tmux_name" -f /dev/null new-session -d -s t -x 225 -y 34 -c "$project" \
  "$(printf '%q ' env HOME="$HOME" XDG_CACHE_HOME="$XDG_CACHE_HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
    XDG_DATA_HOME="$XDG_DATA_HOME" ZELLIJ_SOCKET_DIR="$ZELLIJ_SOCKET_DIR" \
    ZELLIJ_CONFIG_FILE="$ZELLIJ_CONFIG_FILE" "$exe" init)"
screen() { tmux -L "$tmux_name" capture-pane -p -t t; }
wait_for() { # wait_for TEXT: until the screen shows TEXT (30 s)
  for _ in $(seq 300); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  screen >&2
  die "the screen never showed: $1"
}
wait_for "exomonad ·"
wait_for "no agents yet"

# --- Five agents, each in its own worktree, sending recorded payloads through the hook. ------
hook() { # hook AGENT ROLE EVENT FIXTURE
  local agent=$1 role=$2 event=$3 fixture=$4 wt="$t/worktrees/$1"
  "$python" - "$fixtures/$fixture.json" "$wt" "$HOME" "$agent" <<'EOF' |
import json, sys, zlib
path, wt, home, agent = sys.argv[1:]
p = json.load(open(path))
def move(v):
    if isinstance(v, str):
        return v.replace("/home/dev/project", wt).replace("/home/dev", home)
    if isinstance(v, dict):
        return {k: move(x) for k, x in v.items()}
    if isinstance(v, list):
        return [move(x) for x in v]
    return v
p = move(p)
sid = "5c2e0000-0000-4000-8000-%012x" % zlib.crc32(agent.encode())
for k in ("session_id",):
    if k in p:
        old = p[k]
        p = json.loads(json.dumps(p).replace(old, sid))
print(json.dumps(p))
EOF
    (cd "$wt" && EXOMONAD_AGENT_ID="$agent" EXOMONAD_ROLE="$role" ZELLIJ_SESSION_NAME="$session" \
      "$exe" hook "$event" >/dev/null)
}
for a in lead gh-9-typo gh-12-cache gh-15-login gh-18-docs; do
  mkdir -p "$t/worktrees/$a"
  git_quiet -C "$t/worktrees/$a" init -b "$a"
  git_quiet -C "$t/worktrees/$a" commit --allow-empty -m start
done
echo "- draft" >"$t/worktrees/gh-15-login/notes.txt" # uncommitted: its Stop gets blocked

hook gh-9-typo worker SessionStart session-start
hook gh-9-typo worker Stop stop
hook gh-9-typo worker SessionEnd session-end
hook lead lead SessionStart session-start
hook lead lead UserPromptSubmit user-prompt-submit
hook gh-18-docs worker SessionStart session-start
hook gh-18-docs worker PreToolUse pre-tool-use-write
hook gh-18-docs worker PostToolUse post-tool-use-write
hook gh-18-docs worker Stop stop
sleep 2
hook gh-15-login worker SessionStart session-start
hook gh-15-login worker PreToolUse pre-tool-use-write
hook gh-15-login worker PostToolUse post-tool-use-write
hook gh-15-login worker Stop stop
sleep 1
hook gh-12-cache worker SessionStart session-start
hook gh-12-cache worker UserPromptSubmit user-prompt-submit
hook gh-12-cache worker PreToolUse pre-tool-use-bash
hook gh-12-cache worker PostToolUse post-tool-use-bash
hook lead lead PreToolUse pre-tool-use-read
hook gh-12-cache worker PreToolUse pre-tool-use-read
wait_for "gh-12-cache"
sleep 1

# --- Capture the dashboard pane, with colours, and render it. -----------------------------------
rect="$(zellij -s "$session" action list-panes --json | "$python" -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("is_plugin") and "exomonad-dashboard" in (p.get("plugin_url") or ""):
        print(p["pane_content_x"], p["pane_content_y"], p["pane_content_columns"], p["pane_content_rows"])
        break
')"
[ -n "$rect" ] || die "no dashboard pane in list-panes"
tmux -L "$tmux_name" capture-pane -e -p -t t >"$t/screen.ansi"
mkdir -p "$out_dir"
"$python" - "$t/screen.ansi" $rect "$out_dir/dashboard-screen.txt" "$t/dashboard.svg" <<'EOF'
import sys
from rich.console import Console
from rich.text import Text
ansi_file, x, y, cols, rows, txt_out, svg_out = sys.argv[1:]
x, y, cols, rows = int(x), int(y), int(cols), int(rows)
lines = Text.from_ansi(open(ansi_file, encoding="utf-8").read()).split("\n")
# Every character the dashboard draws is one cell wide, so columns are character indexes.
pane = [line[x:x + cols] for line in lines[y:y + rows]]
while pane and not pane[-1].plain.strip():
    pane.pop()
with open(txt_out, "w", encoding="utf-8") as f:
    f.write("".join(line.plain.rstrip() + "\n" for line in pane))
console = Console(record=True, width=cols, file=open("/dev/null", "w"), force_terminal=True,
                  color_system="truecolor")
for line in pane:
    console.print(line, no_wrap=True, overflow="crop")
svg = console.export_svg(title="exomonad · dashboard")
# rich writes spaces as &#160;, which librsvg strips at the start of a <text> unless told not to.
svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
with open(svg_out, "w", encoding="utf-8") as f:
    f.write(svg)
EOF
rsvg-convert --zoom 1.5 -o "$out_dir/dashboard.png" "$t/dashboard.svg"
echo "screenshot: wrote $out_dir/dashboard.png and $out_dir/dashboard-screen.txt"
