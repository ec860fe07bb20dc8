//! Hook payloads and answers for each agent runtime, and the runtime-neutral view of an event.
//!
//! - [`claude`]: Claude Code's command hooks (stdin JSON in, stdout JSON and exit code out).
//! - [`gemini`]: Gemini CLI's command hooks (same mechanics, its own names and output shape).

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod claude;
pub mod gemini;

/// Which agent runtime fired a hook. Serialized in lower case (`"claude"`, `"gemini"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// Claude Code. The default.
    #[default]
    Claude,
    /// Gemini CLI.
    Gemini,
}

impl Runtime {
    /// The hook event names this runtime documents, as it spells them.
    ///
    /// Claude Code: its hooks reference; Gemini CLI: `docs/hooks/reference.md`.
    pub fn event_names(self) -> &'static [&'static str] {
        match self {
            Runtime::Claude => claude::EVENT_NAMES,
            Runtime::Gemini => gemini::EVENT_NAMES,
        }
    }

    /// Maps a command-line spelling of an event to the runtime's own name.
    ///
    /// Case, `-` and `_` are ignored, so `pre-tool-use`, `pre_tool_use` and `PreToolUse` all
    /// give `PreToolUse`. `None` when the runtime documents no such event.
    pub fn canonical_event_name(self, spelled: &str) -> Option<&'static str> {
        let key = fold(spelled);
        self.event_names().iter().copied().find(|n| fold(n) == key)
    }

    /// What a named event means, independent of the runtime (see [`HookPhase`]).
    pub fn phase(self, hook_event_name: &str) -> HookPhase {
        use HookPhase::*;
        match (self, hook_event_name) {
            (_, "SessionStart") => SessionStart,
            (_, "SessionEnd") => SessionEnd,
            (_, "Notification") => Notification,
            (Runtime::Claude, "PreToolUse") | (Runtime::Gemini, "BeforeTool") => BeforeTool,
            (Runtime::Claude, "PostToolUse" | "PostToolUseFailure")
            | (Runtime::Gemini, "AfterTool") => AfterTool,
            (Runtime::Claude, "UserPromptSubmit") | (Runtime::Gemini, "BeforeAgent") => {
                PromptSubmitted
            }
            (Runtime::Claude, "Stop") | (Runtime::Gemini, "AfterAgent") => TurnEnd,
            (Runtime::Claude, "SubagentStop") => SubagentEnd,
            _ => Other,
        }
    }
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Runtime::Claude => "claude",
            Runtime::Gemini => "gemini",
        })
    }
}

impl std::str::FromStr for Runtime {
    type Err = String;
    /// Parses `claude` or `gemini` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "claude" => Ok(Runtime::Claude),
            "gemini" => Ok(Runtime::Gemini),
            other => Err(format!(
                "unknown runtime {other:?}: expected \"claude\" or \"gemini\""
            )),
        }
    }
}

/// The runtime-neutral meaning of a hook event: what the dashboard and the policies reason about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookPhase {
    /// A session began (Claude and Gemini `SessionStart`).
    SessionStart,
    /// The person submitted a prompt (Claude `UserPromptSubmit`, Gemini `BeforeAgent`).
    PromptSubmitted,
    /// A tool is about to run (Claude `PreToolUse`, Gemini `BeforeTool`).
    BeforeTool,
    /// A tool ran (Claude `PostToolUse`/`PostToolUseFailure`, Gemini `AfterTool`).
    AfterTool,
    /// The agent wants to end its turn (Claude `Stop`, Gemini `AfterAgent`).
    TurnEnd,
    /// A subagent wants to end (Claude `SubagentStop`).
    SubagentEnd,
    /// The runtime asks for the person's attention (`Notification`).
    Notification,
    /// The session ended (`SessionEnd`).
    SessionEnd,
    /// Anything else (compaction, model hooks, events newer than this crate).
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names_ignore_case_and_separators() {
        let c = Runtime::Claude;
        assert_eq!(c.canonical_event_name("pre-tool-use"), Some("PreToolUse"));
        assert_eq!(
            c.canonical_event_name("SESSION_START"),
            Some("SessionStart")
        );
        assert_eq!(c.canonical_event_name("BeforeTool"), None);
        assert_eq!(
            Runtime::Gemini.canonical_event_name("after-agent"),
            Some("AfterAgent")
        );
    }

    #[test]
    fn phases_line_up_across_runtimes() {
        assert_eq!(
            Runtime::Claude.phase("Stop"),
            Runtime::Gemini.phase("AfterAgent")
        );
        assert_eq!(Runtime::Claude.phase("PreToolUse"), HookPhase::BeforeTool);
        assert_eq!(Runtime::Gemini.phase("BeforeTool"), HookPhase::BeforeTool);
        assert_eq!(Runtime::Claude.phase("Whatever"), HookPhase::Other);
    }
}
