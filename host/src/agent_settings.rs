//! Hook settings handed to an agent runtime, so that every hook of the agent runs
//! `exomonad hook <event>`. Written to exomonad's own files and passed with
//! `claude --settings <file>`: the user's global and project settings are never edited.
//!
//! Format: Claude Code settings (`hooks` → event name → list of matcher groups, each with
//! `hooks: [{type: "command", command, timeout}]`; `timeout` in seconds).

use serde_json::{Value, json};

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
