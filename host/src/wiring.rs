//! How an agent runtime is wired to exomonad, for the lead (`crate::session`) and for
//! workers (`crate::workers::launch`) alike: the hook settings that make every hook of the
//! agent run `exomonad hook <event>`, and the MCP config that starts `exomonad mcp-stdio`.
//! Pure: it builds JSON; the callers write it into exomonad's own files and point the
//! runtime at them, so the user's global and project settings are never edited.
//!
//! Formats:
//! - Claude Code settings (passed with `--settings <file>`): `hooks` → event name → list of
//!   matcher groups, each with `hooks: [{type: "command", command, timeout}]`; `timeout` in
//!   seconds.
//! - Gemini CLI settings (merged into the worker's workspace settings,
//!   `crate::workers::launch::install_gemini_settings`): `hooksConfig.enabled`, `hooks` as
//!   Gemini's `docs/hooks/reference.md` gives them (`timeout` in milliseconds), and
//!   `mcpServers`.
//! - MCP config (Claude Code's `--mcp-config` file): `{"mcpServers":{"<name>":{"command",
//!   "args","env"}}}`.

use serde_json::{Value, json};

/// Claude Code settings file of an agent (the lead or a worker), in its `.exomonad/` (passed
/// with `--settings`).
pub const CLAUDE_SETTINGS_FILE: &str = "claude-settings.json";

/// MCP config file of a Claude Code agent, in its `.exomonad/` (passed with `--mcp-config`).
pub const MCP_CONFIG_FILE: &str = "mcp.json";

/// exomonad's Gemini CLI settings for a worker, in its `.exomonad/` (what
/// `crate::workers::launch::install_gemini_settings` merges into the worktree's
/// `.gemini/settings.json`).
pub const GEMINI_SETTINGS_FILE: &str = "gemini-settings.json";

/// The name of exomonad's MCP server in the agents' MCP configuration (Claude names its
/// tools `mcp__exomonad__<tool>`).
pub const MCP_SERVER_NAME: &str = "exomonad";

/// The subcommand of the `exomonad` executable that serves MCP on stdio.
pub const MCP_SUBCOMMAND: &str = "mcp-stdio";

/// The Gemini CLI events a worker's hooks listen to, the counterparts of
/// [`CLAUDE_HOOK_EVENTS`]: [`exomonad_protocol::hook::gemini::REGISTERED_EVENTS`] (which
/// says what is left out and why).
pub const GEMINI_HOOK_EVENTS: &[&str] = exomonad_protocol::hook::gemini::REGISTERED_EVENTS;

/// The Claude Code events exomonad listens to.
pub const CLAUDE_HOOK_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "Notification",
    "Stop",
    "SubagentStop",
    "SessionEnd",
];

/// Seconds Claude Code lets one hook run before it gives up on it.
pub const HOOK_TIMEOUT_SECS: u64 = 30;

/// Claude Code settings JSON that routes every event of [`CLAUDE_HOOK_EVENTS`] to
/// `<exe> hook <Event>`; `exe` is shell-quoted because Claude runs the command with a shell.
pub fn claude_settings(exe: &str) -> Value {
    let quoted = shlex::try_quote(exe).map_or_else(|_| format!("'{exe}'"), |q| q.into_owned());
    let mut hooks = serde_json::Map::new();
    for event in CLAUDE_HOOK_EVENTS {
        let mut group = json!({
            "hooks": [{
                "type": "command",
                "command": format!("{quoted} hook {event}"),
                "timeout": HOOK_TIMEOUT_SECS,
            }]
        });
        if matches!(*event, "PreToolUse" | "PostToolUse") {
            group["matcher"] = json!("*");
        }
        hooks.insert((*event).to_owned(), json!([group]));
    }
    json!({ "hooks": hooks })
}

/// The `mcpServers` object of an MCP config (Claude Code's `--mcp-config` file, Gemini's
/// settings): one server, [`MCP_SERVER_NAME`], running `<exe> mcp-stdio` with `env`.
pub fn mcp_servers(exe: &str, env: serde_json::Map<String, Value>) -> Value {
    json!({
        MCP_SERVER_NAME: { "command": exe, "args": [MCP_SUBCOMMAND], "env": env }
    })
}

/// Gemini CLI settings that route every event of [`GEMINI_HOOK_EVENTS`] to
/// `<exe> hook <Event> --runtime gemini` (the executable shell-quoted: Gemini runs hook
/// commands with a shell), with hooks enabled (`hooksConfig.enabled`). No `matcher`: a
/// definition without one applies to every tool and every lifecycle source.
pub fn gemini_settings(exe: &str) -> Value {
    let quoted = shlex::try_quote(exe).map_or_else(|_| format!("'{exe}'"), |q| q.into_owned());
    let hooks: serde_json::Map<String, Value> = GEMINI_HOOK_EVENTS
        .iter()
        .map(|event| {
            let def = json!([{
                "hooks": [{
                    "type": "command",
                    "name": format!("exomonad-{event}"),
                    "command": format!("{quoted} hook {event} --runtime gemini"),
                    "timeout": HOOK_TIMEOUT_SECS * 1000,
                }]
            }]);
            ((*event).to_owned(), def)
        })
        .collect();
    json!({ "hooksConfig": { "enabled": true }, "hooks": hooks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_runs_the_hook_command_with_a_quoted_path() {
        let s = claude_settings("/opt/my tools/exomonad");
        for event in CLAUDE_HOOK_EVENTS {
            let cmd = s["hooks"][event][0]["hooks"][0]["command"]
                .as_str()
                .unwrap();
            assert_eq!(cmd, format!("'/opt/my tools/exomonad' hook {event}"));
        }
        assert_eq!(s["hooks"]["PreToolUse"][0]["matcher"], "*");
        assert!(s["hooks"]["Stop"][0].get("matcher").is_none());
    }
}
