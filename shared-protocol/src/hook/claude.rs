//! Claude Code command hooks: the stdin payload ([`ClaudeHookInput`]) and the stdout answer
//! ([`ClaudeHookOutput`]).
//!
//! Source: Claude Code's hooks reference, checked against payloads recorded from Claude Code
//! 2.1.329 (`shared/fixtures/claude-code-2.1.329/`). Exit codes: 0 means stdout is read as
//! JSON; 2 is a blocking error whose stderr goes to the model; anything else is a
//! non-blocking error shown to the person. exomonad answers with exit 0 and JSON always.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The hook event names Claude Code documents, as it spells them.
pub const EVENT_NAMES: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "Notification",
    "UserPromptSubmit",
    "Stop",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "SessionStart",
    "SessionEnd",
];

/// A hook payload from Claude Code, as one flat object: the common fields, the fields of
/// each event (absent when the event has none), and every other field kept in [`Self::extra`]
/// so that a payload round-trips unchanged (Claude Code adds fields often: 2.1.329 sent
/// `prompt_id`, `effort`, `background_tasks`, `session_crons`, `duration_ms`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaudeHookInput {
    /// Claude's session id (a UUID); stable across the hooks of one session and used to resume it.
    pub session_id: String,
    /// The event, as Claude spells it (`PreToolUse`, `Stop`, ...).
    pub hook_event_name: String,
    /// Path of the session's JSONL transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<String>,
    /// The working directory of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `default`, `plan`, `acceptEdits`, `bypassPermissions`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
    /// Tool hooks: the tool's name (`Bash`, `Write`, `Read`, `mcp__server__tool`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Tool hooks: the tool's arguments (for `Bash`: `{"command": ..., "description": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_input: Option<Value>,
    /// PostToolUse: what the tool returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_response: Option<Value>,
    /// Tool hooks: the id of this tool call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    /// UserPromptSubmit: the prompt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Stop / SubagentStop: true when Claude is already continuing because a Stop hook blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_hook_active: Option<bool>,
    /// Stop: the last message the assistant wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_assistant_message: Option<String>,
    /// SessionStart: `startup`, `resume`, `clear` or `compact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// SessionEnd: `clear`, `logout`, `prompt_input_exit`, `other`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Notification: the message shown to the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Every field not named above, unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ClaudeHookInput {
    /// The Bash command of a `Bash` tool call, if this is one.
    pub fn bash_command(&self) -> Option<&str> {
        if self.tool_name.as_deref() != Some("Bash") {
            return None;
        }
        self.tool_input.as_ref()?.get("command")?.as_str()
    }
}

/// The answer on stdout. Every field is optional; `{}` lets the normal flow go on.
///
/// Field names are Claude Code's (camelCase except `decision` and `reason`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaudeHookOutput {
    /// `false` stops Claude entirely after the hook (with [`Self::stop_reason`] shown).
    #[serde(rename = "continue", default, skip_serializing_if = "Option::is_none")]
    pub continue_: Option<bool>,
    /// Shown to the person when `continue` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Hide the hook's stdout from the transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_output: Option<bool>,
    /// A warning shown to the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_message: Option<String>,
    /// `block` on Stop/SubagentStop (keep working), UserPromptSubmit (drop the prompt) and
    /// PostToolUse (tell Claude about a problem). Absent: proceed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<BlockDecision>,
    /// With `decision: block`: what Claude is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Per-event output; for PreToolUse it carries the permission decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_specific_output: Option<HookSpecificOutput>,
}

/// The only top-level `decision` value Claude Code reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockDecision {
    /// Block the stop / prompt / tool result, with `reason`.
    Block,
}

/// `hookSpecificOutput`: names the event it answers, plus that event's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookSpecificOutput {
    /// Must equal the input's `hook_event_name`.
    pub hook_event_name: String,
    /// PreToolUse: overrides the normal permission flow. Absent: the flow goes on as usual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_decision: Option<PermissionDecision>,
    /// PreToolUse: shown to Claude on `deny`, to the person on `allow`/`ask`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_decision_reason: Option<String>,
    /// SessionStart / UserPromptSubmit / PostToolUse: text added to Claude's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_context: Option<String>,
}

/// PreToolUse `permissionDecision` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PermissionDecision {
    /// Run the tool without asking.
    Allow,
    /// Do not run the tool; the reason goes to Claude.
    Deny,
    /// Ask the person.
    Ask,
}

impl ClaudeHookOutput {
    /// PreToolUse answer that refuses the tool call; `reason` goes to Claude.
    pub fn deny_tool(reason: impl Into<String>) -> Self {
        Self {
            hook_specific_output: Some(HookSpecificOutput {
                hook_event_name: "PreToolUse".into(),
                permission_decision: Some(PermissionDecision::Deny),
                permission_decision_reason: Some(reason.into()),
                additional_context: None,
            }),
            ..Self::default()
        }
    }

    /// `{"decision":"block","reason":...}`: keeps a stopping agent working, drops a prompt,
    /// or reports a problem after a tool (by event).
    pub fn block(reason: impl Into<String>) -> Self {
        Self {
            decision: Some(BlockDecision::Block),
            reason: Some(reason.into()),
            ..Self::default()
        }
    }
}
