//! Gemini CLI command hooks: the stdin payload ([`GeminiHookInput`]) and the stdout answer
//! ([`GeminiHookOutput`]).
//!
//! Source: Gemini CLI `docs/hooks/reference.md`. Exit codes: 0 means stdout is parsed as
//! JSON; 2 blocks with stderr as the reason; anything else is a warning and the CLI goes on.
//! exomonad answers with exit 0 and JSON always.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The hook event names Gemini CLI documents, as it spells them.
pub const EVENT_NAMES: &[&str] = &[
    "BeforeTool",
    "AfterTool",
    "BeforeAgent",
    "AfterAgent",
    "BeforeModel",
    "BeforeToolSelection",
    "AfterModel",
    "SessionStart",
    "SessionEnd",
    "Notification",
    "PreCompress",
];

/// The Gemini CLI events exomonad registers for its workers (the host's `wiring` writes them
/// into the worker's settings; the recorded fixtures cover each). `BeforeModel`, `AfterModel`
/// (fired for every streamed chunk) and `BeforeToolSelection` are left out: they would run the
/// hook command many times per turn for nothing exomonad decides.
pub const REGISTERED_EVENTS: &[&str] = &[
    "SessionStart",
    "BeforeAgent",
    "BeforeTool",
    "AfterTool",
    "Notification",
    "AfterAgent",
    "SessionEnd",
];

/// A hook payload from Gemini CLI as one flat object; unknown fields are kept in
/// [`Self::extra`] so the payload round-trips unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeminiHookInput {
    /// Gemini's session id.
    pub session_id: String,
    /// The event, as Gemini spells it (`BeforeTool`, `AfterAgent`, ...).
    pub hook_event_name: String,
    /// Path of the session transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<String>,
    /// The working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// ISO 8601 time the hook ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// BeforeTool / AfterTool: the tool (`run_shell_command`, `write_file`, `mcp__s__t`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// BeforeTool / AfterTool: the tool's arguments (`run_shell_command`: `{"command": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_input: Option<Value>,
    /// AfterTool: `{llmContent, returnDisplay, error?}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_response: Option<Value>,
    /// BeforeAgent / AfterAgent: the person's prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// AfterAgent: the final text of the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_response: Option<String>,
    /// AfterAgent: true when this turn is already a retry forced by a hook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_hook_active: Option<bool>,
    /// SessionStart: `startup`, `resume` or `clear`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// SessionEnd: `exit`, `clear`, `logout`, `prompt_input_exit` or `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every field not named above, unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GeminiHookInput {
    /// The shell command of a `run_shell_command` tool call, if this is one.
    pub fn shell_command(&self) -> Option<&str> {
        if self.tool_name.as_deref() != Some("run_shell_command") {
            return None;
        }
        self.tool_input.as_ref()?.get("command")?.as_str()
    }
}

/// The answer on stdout. `{}` lets the normal flow go on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeminiHookOutput {
    /// `deny` refuses a tool (BeforeTool), hides a result (AfterTool), drops a prompt
    /// (BeforeAgent) or rejects the turn's answer and forces a retry (AfterAgent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<GeminiDecision>,
    /// Required with `deny`: what the agent is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Shown to the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_message: Option<String>,
    /// `false` stops the agent loop.
    #[serde(rename = "continue", default, skip_serializing_if = "Option::is_none")]
    pub continue_: Option<bool>,
    /// Shown when `continue` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Hide hook metadata from logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_output: Option<bool>,
    /// Per-event output, passed through as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_specific_output: Option<Value>,
}

/// Gemini's `decision` values (`block` is accepted by Gemini as an alias of `deny`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeminiDecision {
    /// Let it happen.
    Allow,
    /// Refuse it, with `reason`.
    Deny,
}

impl GeminiHookOutput {
    /// `{"decision":"deny","reason":...}`.
    pub fn deny(reason: impl Into<String>) -> Self {
        Self {
            decision: Some(GeminiDecision::Deny),
            reason: Some(reason.into()),
            ..Self::default()
        }
    }
}
