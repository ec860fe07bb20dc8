//! The effect interface: everything the guest may ask of the host.
//!
//! One required method, [`Host::call`]: call the host function `name` (one of
//! [`exomonad_protocol::abi::host_fns`]) with its request as JSON, and get the `ok` value of
//! its reply envelope as JSON. The typed methods (one per host function, with the same name,
//! request type and reply type as the ABI gives) are provided on top of it. In the wasm build
//! `call` reaches the real host functions (`exports::ExtismHost`, wasm32 only); in tests a
//! scripted fake stands in.

use exomonad_protocol::AgentEvent;
use exomonad_protocol::abi::{
    AbiError, DirtyFiles, ErrorCode, FileText, GitBranch, GitRemote, GitRemoteRequest, GitRequest,
    LogRequest, ReadFileRequest, RecentCommits, RecentCommitsRequest, UiPopupRequest, host_fns,
};
use exomonad_protocol::agents::{
    AgentList, CleanupReport, CleanupRequest, SpawnReport, SpawnRequest,
};
use exomonad_protocol::form::FormReply;
use exomonad_protocol::github::{
    GetIssueRequest, Issue, IssueList, ListIssuesRequest, ListPullsRequest, PullList,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The host functions the guest can call. Every method returns the host's `error` envelope
/// (or a failure to reach the host at all, as [`ErrorCode::HostFunction`]) as `Err`.
pub trait Host {
    /// Calls host function `name` with `request` and returns the `ok` value of its reply.
    ///
    /// # Errors
    /// The reply's `error` envelope, or [`ErrorCode::HostFunction`] when the host could not
    /// be reached or answered something that is not an envelope.
    fn call(&mut self, name: &str, request: Value) -> Result<Value, AbiError>;

    /// `log`: writes a line to the host's log file.
    fn log(&mut self, request: LogRequest) -> Result<(), AbiError> {
        typed(self, host_fns::LOG, &request)
    }

    /// `emit_event`: sends an event to the dashboard.
    fn emit_event(&mut self, event: AgentEvent) -> Result<(), AbiError> {
        typed(self, host_fns::EMIT_EVENT, &event)
    }

    /// `git_get_branch`: the checked-out branch and HEAD of a working tree.
    fn git_get_branch(&mut self, request: GitRequest) -> Result<GitBranch, AbiError> {
        typed(self, host_fns::GIT_GET_BRANCH, &request)
    }

    /// `git_get_dirty_files`: uncommitted changes of a working tree (`git status --porcelain`).
    fn git_get_dirty_files(&mut self, request: GitRequest) -> Result<DirtyFiles, AbiError> {
        typed(self, host_fns::GIT_GET_DIRTY_FILES, &request)
    }

    /// `git_get_recent_commits`: the newest commits of a working tree.
    fn git_get_recent_commits(
        &mut self,
        request: RecentCommitsRequest,
    ) -> Result<RecentCommits, AbiError> {
        typed(self, host_fns::GIT_GET_RECENT_COMMITS, &request)
    }

    /// `git_get_remote_url`: the URL of a remote (default `origin`).
    fn git_get_remote_url(&mut self, request: GitRemoteRequest) -> Result<GitRemote, AbiError> {
        typed(self, host_fns::GIT_GET_REMOTE_URL, &request)
    }

    /// `ui_popup`: asks the person a form and waits for the reply (submitted, cancelled,
    /// timed out, or rejected when there is no dashboard).
    fn ui_popup(&mut self, request: UiPopupRequest) -> Result<FormReply, AbiError> {
        typed(self, host_fns::UI_POPUP, &request)
    }

    /// `fs_read_file`: the start of a text file inside the project.
    fn fs_read_file(&mut self, request: ReadFileRequest) -> Result<FileText, AbiError> {
        typed(self, host_fns::FS_READ_FILE, &request)
    }

    /// `github_list_issues`: a repository's issues, pull requests left out.
    fn github_list_issues(&mut self, request: ListIssuesRequest) -> Result<IssueList, AbiError> {
        typed(self, host_fns::GITHUB_LIST_ISSUES, &request)
    }

    /// `github_get_issue`: one issue.
    fn github_get_issue(&mut self, request: GetIssueRequest) -> Result<Issue, AbiError> {
        typed(self, host_fns::GITHUB_GET_ISSUE, &request)
    }

    /// `github_list_prs`: a repository's pull requests.
    fn github_list_prs(&mut self, request: ListPullsRequest) -> Result<PullList, AbiError> {
        typed(self, host_fns::GITHUB_LIST_PRS, &request)
    }

    /// `agents_spawn`: one worker per issue.
    fn agents_spawn(&mut self, request: SpawnRequest) -> Result<SpawnReport, AbiError> {
        typed(self, host_fns::AGENTS_SPAWN, &request)
    }

    /// `agents_cleanup`: ends workers without losing work.
    fn agents_cleanup(&mut self, request: CleanupRequest) -> Result<CleanupReport, AbiError> {
        typed(self, host_fns::AGENTS_CLEANUP, &request)
    }

    /// `agents_list`: every worker and its state.
    fn agents_list(&mut self) -> Result<AgentList, AbiError> {
        typed(self, host_fns::AGENTS_LIST, &serde_json::json!({}))
    }
}

/// Serializes `request`, calls `name` through [`Host::call`], and reads the reply as `Resp`.
fn typed<H, Req, Resp>(host: &mut H, name: &str, request: &Req) -> Result<Resp, AbiError>
where
    H: Host + ?Sized,
    Req: Serialize,
    Resp: DeserializeOwned,
{
    let request = serde_json::to_value(request).map_err(|e| {
        AbiError::new(
            ErrorCode::Internal,
            format!("could not serialize the {name} request: {e}"),
        )
    })?;
    let reply = host.call(name, request)?;
    serde_json::from_value(reply).map_err(|e| {
        AbiError::new(
            ErrorCode::HostFunction,
            format!("host function {name} answered an unexpected shape: {e}"),
        )
    })
}
