//! The guest ABI: what the host and an Extism guest (Rust or Haskell) exchange.
//!
//! Every call in both directions is JSON in, JSON out, through Extism memory (UTF-8 bytes).
//!
//! - **Exports** (host → guest): [`exports`] lists them. Input and output types are given
//!   per export; the output is always wrapped in an [`Envelope`].
//! - **Host functions** (guest → host), in Extism's `extism:host/user` namespace:
//!   [`host_fns`] lists them, each with its request type and the envelope of its reply.
//! - **Result envelope**: `{"ok": <value>}` on success, `{"error": {"code": ..., "message": ...}}`
//!   on failure, the same shape for exports and host functions.
//!
//! A guest must never trap or exit on bad input: it answers with an `error` envelope.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AgentId, Role, Runtime};

/// Version of this ABI. A guest reports the version it implements from [`exports::ABI_VERSION`].
pub const ABI_VERSION: u32 = 1;

/// Export names the host calls.
pub mod exports {
    /// Input: [`super::HookCall`]. Output: `Envelope<`[`super::HookDecision`]`>`.
    pub const HANDLE_HOOK: &str = "handle_hook";
    /// Input: empty. Output: `Envelope<`[`super::GuestInfo`]`>`.
    pub const ABI_VERSION: &str = "abi_version";
    /// Input: [`super::UiPopupRequest`]. Output: `Envelope<`[`crate::form::FormReply`]`>`.
    /// Asks the person through [`super::host_fns::UI_POPUP`] (the MCP `ask_human` tool).
    pub const ASK_HUMAN: &str = "ask_human";
    /// Input: [`crate::tools::ToolsContext`]. Output: `Envelope<`[`crate::tools::ToolList`]`>`.
    /// MCP `tools/list`.
    pub const MCP_LIST_TOOLS: &str = "mcp_list_tools";
    /// Input: [`crate::tools::ToolCall`]. Output: `Envelope<`[`crate::tools::ToolResult`]`>`.
    /// MCP `tools/call`; see [`crate::tools`] for which failures are results and which errors.
    pub const MCP_CALL_TOOL: &str = "mcp_call_tool";
}

/// Host function names the guest imports from `extism:host/user`.
pub mod host_fns {
    /// Request: [`super::LogRequest`]. Reply: `Envelope<()>` (`{"ok":null}`).
    pub const LOG: &str = "log";
    /// Request: [`crate::AgentEvent`]. Reply: `Envelope<()>`. Sends the event to the dashboard.
    pub const EMIT_EVENT: &str = "emit_event";
    /// Request: [`super::GitRequest`]. Reply: `Envelope<`[`super::GitBranch`]`>`.
    pub const GIT_GET_BRANCH: &str = "git_get_branch";
    /// Request: [`super::GitRequest`]. Reply: `Envelope<`[`super::DirtyFiles`]`>`.
    pub const GIT_GET_DIRTY_FILES: &str = "git_get_dirty_files";
    /// Request: [`super::RecentCommitsRequest`]. Reply: `Envelope<`[`super::RecentCommits`]`>`.
    pub const GIT_GET_RECENT_COMMITS: &str = "git_get_recent_commits";
    /// Request: [`super::UiPopupRequest`]. Reply: `Envelope<`[`crate::form::FormReply`]`>`.
    /// Blocks the calling guest (only that one agent's call) until the person answers, the
    /// timeout passes (`timed_out`), or there is no dashboard (`rejected`).
    pub const UI_POPUP: &str = "ui_popup";
    /// Request: [`super::GitRemoteRequest`]. Reply: `Envelope<`[`super::GitRemote`]`>`.
    pub const GIT_GET_REMOTE_URL: &str = "git_get_remote_url";
    /// Request: [`super::ReadFileRequest`]. Reply: `Envelope<`[`super::FileText`]`>`.
    /// Confined to the project directory (`..` and symlinks that leave it are refused).
    pub const FS_READ_FILE: &str = "fs_read_file";
    /// Request: [`crate::github::ListIssuesRequest`].
    /// Reply: `Envelope<`[`crate::github::IssueList`]`>`.
    pub const GITHUB_LIST_ISSUES: &str = "github_list_issues";
    /// Request: [`crate::github::GetIssueRequest`]. Reply: `Envelope<`[`crate::github::Issue`]`>`.
    pub const GITHUB_GET_ISSUE: &str = "github_get_issue";
    /// Request: [`crate::github::ListPullsRequest`].
    /// Reply: `Envelope<`[`crate::github::PullList`]`>`.
    pub const GITHUB_LIST_PRS: &str = "github_list_prs";
    /// Request: [`crate::agents::SpawnRequest`].
    /// Reply: `Envelope<`[`crate::agents::SpawnReport`]`>`.
    pub const AGENTS_SPAWN: &str = "agents_spawn";
    /// Request: [`crate::agents::CleanupRequest`].
    /// Reply: `Envelope<`[`crate::agents::CleanupReport`]`>`.
    pub const AGENTS_CLEANUP: &str = "agents_cleanup";
    /// Request: `{}`. Reply: `Envelope<`[`crate::agents::AgentList`]`>`.
    pub const AGENTS_LIST: &str = "agents_list";
    /// Every host function, for registration and checks.
    pub const ALL: &[&str] = &[
        LOG,
        EMIT_EVENT,
        GIT_GET_BRANCH,
        GIT_GET_DIRTY_FILES,
        GIT_GET_RECENT_COMMITS,
        UI_POPUP,
        GIT_GET_REMOTE_URL,
        FS_READ_FILE,
        GITHUB_LIST_ISSUES,
        GITHUB_GET_ISSUE,
        GITHUB_LIST_PRS,
        AGENTS_SPAWN,
        AGENTS_CLEANUP,
        AGENTS_LIST,
    ];
}

/// The one result shape for exports and host functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Envelope<T> {
    /// Success, with the value.
    Ok(T),
    /// Failure, with a code and a message for people.
    Error(AbiError),
}

impl<T> Envelope<T> {
    /// Converts to a `Result`.
    pub fn into_result(self) -> Result<T, AbiError> {
        match self {
            Envelope::Ok(v) => Ok(v),
            Envelope::Error(e) => Err(e),
        }
    }
}

impl<T> From<Result<T, AbiError>> for Envelope<T> {
    fn from(r: Result<T, AbiError>) -> Self {
        match r {
            Ok(v) => Envelope::Ok(v),
            Err(e) => Envelope::Error(e),
        }
    }
}

/// An error crossing the ABI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AbiError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// Human-readable detail.
    pub message: String,
}

impl AbiError {
    /// Builds an error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Error kinds, snake_case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was not valid JSON or not of the expected shape.
    BadInput,
    /// A host function failed (git not found, not a repository, ...).
    HostFunction,
    /// The thing asked for does not exist.
    NotFound,
    /// The export or operation is not supported by this guest.
    Unsupported,
    /// Anything else.
    Internal,
}

/// Input of [`exports::HANDLE_HOOK`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookCall {
    /// The runtime that fired the hook.
    pub runtime: Runtime,
    /// The event name as the runtime spells it.
    pub hook_event_name: String,
    /// The agent the hook belongs to.
    pub agent_id: AgentId,
    /// The agent's role (from config / environment).
    pub role: Role,
    /// The hook payload exactly as the runtime sent it (parse with
    /// [`crate::hook::claude::ClaudeHookInput`] or [`crate::hook::gemini::GeminiHookInput`]).
    pub payload: Value,
}

/// Output of [`exports::HANDLE_HOOK`]: the runtime-neutral decision the host translates into
/// the runtime's own answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum HookDecision {
    /// Do not interfere: the runtime's normal flow goes on (Claude `{}`, Gemini `{}`).
    Proceed,
    /// Refuse a tool call (Claude PreToolUse `permissionDecision: deny`, Gemini
    /// BeforeTool `decision: deny`). `reason` goes to the agent.
    Deny {
        /// Why; the agent reads it.
        reason: String,
    },
    /// Refuse to let the agent end its turn (Claude Stop/SubagentStop `decision: block`,
    /// Gemini AfterAgent `decision: deny`). `reason` becomes the agent's next instruction.
    Block {
        /// What the agent must still do.
        reason: String,
    },
}

/// Request of [`host_fns::UI_POPUP`] and input of [`exports::ASK_HUMAN`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiPopupRequest {
    /// The form; the host validates it again and answers `rejected` naming the field.
    pub form: crate::form::FormRequest,
    /// Longest wait in seconds. The host also caps it to what is left of the guest call's
    /// own time limit, so a form never outlives the call that asked. Absent: that limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

/// Output of [`exports::ABI_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestInfo {
    /// The [`ABI_VERSION`] the guest implements.
    pub abi_version: u32,
    /// Free-form guest name and version, e.g. `exomonad-guest-rust 0.1.0`.
    pub name: String,
}

/// Log levels for [`host_fns::LOG`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something looks wrong.
    Warn,
    /// Normal operation.
    Info,
    /// Detail for debugging.
    Debug,
}

/// Request of [`host_fns::LOG`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRequest {
    /// Severity.
    pub level: LogLevel,
    /// The line to log.
    pub message: String,
}

/// Request of the git host functions that look at one working tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitRequest {
    /// Directory inside the working tree; relative paths are resolved against the project
    /// directory. Absent: the project directory itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Reply of [`host_fns::GIT_GET_BRANCH`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitBranch {
    /// The checked-out branch (`main`, `gh-12/fix-login`); `None` on a detached HEAD.
    pub branch: Option<String>,
    /// Full commit hash of HEAD; `None` in a repository with no commits yet.
    pub head: Option<String>,
}

/// Reply of [`host_fns::GIT_GET_DIRTY_FILES`]: uncommitted changes, as `git status --porcelain`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirtyFiles {
    /// Changed, staged, deleted and untracked (not ignored) files, in git's order.
    pub files: Vec<DirtyFile>,
}

/// One entry of [`DirtyFiles`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirtyFile {
    /// Path relative to the working tree's root (the new path for a rename).
    pub path: String,
    /// git's two-letter porcelain v1 status (`" M"`, `"A "`, `"??"`, ...).
    pub status: String,
}

/// Request of [`host_fns::GIT_GET_RECENT_COMMITS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentCommitsRequest {
    /// As in [`GitRequest::path`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// How many commits at most, newest first. The host caps it at 100.
    pub limit: u32,
}

/// Reply of [`host_fns::GIT_GET_RECENT_COMMITS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentCommits {
    /// Newest first; empty in a repository with no commits.
    pub commits: Vec<Commit>,
}

/// One commit of [`RecentCommits`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// Full hash.
    pub hash: String,
    /// First line of the message.
    pub summary: String,
    /// Author name.
    pub author: String,
    /// Author date, RFC 3339.
    pub time: String,
}

/// Request of [`host_fns::GIT_GET_REMOTE_URL`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitRemoteRequest {
    /// As in [`GitRequest::path`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The remote's name. Absent: `origin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
}

/// Reply of [`host_fns::GIT_GET_REMOTE_URL`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitRemote {
    /// The remote's fetch URL (`git remote get-url`); `None` when there is no such remote.
    pub url: Option<String>,
}

/// Request of [`host_fns::FS_READ_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadFileRequest {
    /// The file, relative to the project directory or absolute inside it.
    pub path: String,
    /// At most this many lines from the start. Absent: as many as fit in
    /// [`FileText::MAX_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lines: Option<u32>,
}

/// Reply of [`host_fns::FS_READ_FILE`]: the start of a UTF-8 text file.
///
/// Errors (as envelopes): `bad_input` for a path outside the project (through `..`, an
/// absolute path elsewhere, or a symlink), a directory, a binary (NUL bytes) or non-UTF-8 file;
/// `not_found` for a missing file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileText {
    /// The path relative to the project directory, `/`-separated.
    pub path: String,
    /// The text returned (whole lines, each with its line ending).
    pub text: String,
    /// How many lines `text` holds.
    pub lines: u32,
    /// `true` when the file goes on past `text` (cut by `max_lines` or by [`Self::MAX_BYTES`]).
    pub truncated: bool,
    /// The file's whole size in bytes.
    pub size: u64,
}

impl FileText {
    /// Most bytes of text one read returns (1 MiB); a longer file is cut at a line boundary.
    pub const MAX_BYTES: usize = 1 << 20;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_shapes() {
        let ok: Envelope<GitBranch> = Envelope::Ok(GitBranch {
            branch: Some("main".into()),
            head: None,
        });
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"ok": {"branch": "main", "head": null}})
        );
        let unit: Envelope<()> = Envelope::Ok(());
        assert_eq!(serde_json::to_value(&unit).unwrap(), json!({"ok": null}));
        let err: Envelope<()> = Envelope::Error(AbiError::new(ErrorCode::BadInput, "no"));
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"error": {"code": "bad_input", "message": "no"}})
        );
    }

    #[test]
    fn decisions_are_tagged() {
        assert_eq!(
            serde_json::to_value(HookDecision::Proceed).unwrap(),
            json!({"verdict": "proceed"})
        );
        assert_eq!(
            serde_json::to_value(HookDecision::Block { reason: "r".into() }).unwrap(),
            json!({"verdict": "block", "reason": "r"})
        );
    }
}
