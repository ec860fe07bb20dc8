#!/bin/sh
# A stand-in for Claude Code, for the end-to-end spawn test (tests/e2e/spawn.rs).
#
# The test makes it the lead's `worker_command`, so a worker's tab runs
#
#     env EXOMONAD_AGENT_ID=gh-N EXOMONAD_ROLE=worker \
#         sh fake-agent.sh EXOMONAD PAYLOADS --settings ... --mcp-config=... [--resume ID] PROMPT
#
# in the worker's worktree. Like the real agent it fires its hooks through `exomonad hook`
# (the recorded Claude Code payloads the test prepared in PAYLOADS/$EXOMONAD_AGENT_ID/),
# then stays up until its tab is closed, its worktree is removed, Zellij goes away, or
# ten minutes have passed (so that nothing outlives a test run for long); or, when the test
# writes an exit code to .exomonad/fake-agent.exit in its worktree, exits with that code.
#
# It leaves in the worktree's .exomonad/ (ignored by git): `fake-agent.argv`, the arguments
# it got after PAYLOADS, each ended by a NUL byte; `fake-agent.log`, what the hooks printed;
# `fake-agent.reply`, the person's answer when PAYLOADS/$EXOMONAD_AGENT_ID/ask.json held a
# question (tests/e2e/first_hour.rs). `fake-agent.sh --version` prints a version line.

if [ "${1:-}" = --version ]; then # what `exomonad doctor` asks an agent program
    echo "fake-agent 1.0 (a stand-in for Claude Code)"
    exit 0
fi

exe=$1
payloads=$2/$EXOMONAD_AGENT_ID
shift 2

state=.exomonad
mkdir -p "$state"
printf '%s\0' "$@" >"$state/fake-agent.argv"

hook() { # EVENT FILE
    if ! "$exe" hook "$1" <"$payloads/$2" >>"$state/fake-agent.log" 2>&1; then
        echo "fake agent $EXOMONAD_AGENT_ID: hook $1 failed" | tee -a "$state/fake-agent.log"
    fi
    echo >>"$state/fake-agent.log"
}
hook SessionStart session-start.json
hook PreToolUse pre-tool-use-bash.json
# A first question for the person, when the test prepared one: asked the way the agent's
# `ask_human` tool asks (a form in the dashboard); the reply goes to fake-agent.reply.
if [ -e "$payloads/ask.json" ]; then
    "$exe" popup --form "$payloads/ask.json" --timeout 120 >"$state/fake-agent.reply.tmp" 2>>"$state/fake-agent.log"
    mv "$state/fake-agent.reply.tmp" "$state/fake-agent.reply"
fi
echo "fake agent $EXOMONAD_AGENT_ID in $(pwd): hooks sent, waiting"

parent=$PPID
i=0
while [ "$i" -lt 600 ] && [ -e .git ] && kill -0 "$parent" 2>/dev/null; do
    if [ -e "$state/fake-agent.exit" ]; then # the test ends this agent: exit with that code
        code=$(cat "$state/fake-agent.exit")
        rm -f "$state/fake-agent.exit"
        exit "$code"
    fi
    sleep 1
    i=$((i + 1))
done
