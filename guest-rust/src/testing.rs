//! A scripted fake [`Host`] for the native tests: records every call, answers from a script.

use exomonad_protocol::AgentEvent;
use exomonad_protocol::abi::{
    AbiError, DirtyFiles, ErrorCode, GitBranch, GitRequest, LogRequest, RecentCommits,
    RecentCommitsRequest, UiPopupRequest,
};
use exomonad_protocol::form::FormReply;

use crate::host::Host;

/// One recorded host call, with its request.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Log(LogRequest),
    EmitEvent(AgentEvent),
    GitGetBranch(GitRequest),
    GitGetDirtyFiles(GitRequest),
    GitGetRecentCommits(RecentCommitsRequest),
    UiPopup(UiPopupRequest),
}

/// Records calls in order; `git_get_dirty_files` answers `dirty`, `log` answers `log_result`,
/// everything else is `unsupported` (the policy does not use it).
#[derive(Debug)]
pub struct FakeHost {
    pub calls: Vec<Call>,
    pub dirty: Result<DirtyFiles, AbiError>,
    pub log_result: Result<(), AbiError>,
}

impl Default for FakeHost {
    fn default() -> Self {
        Self::with_dirty(Err(AbiError::new(
            ErrorCode::Internal,
            "the test did not script git_get_dirty_files",
        )))
    }
}

impl FakeHost {
    pub fn with_dirty(dirty: Result<DirtyFiles, AbiError>) -> Self {
        Self {
            calls: Vec::new(),
            dirty,
            log_result: Ok(()),
        }
    }
}

fn unsupported<T>(name: &str) -> Result<T, AbiError> {
    Err(AbiError::new(
        ErrorCode::Unsupported,
        format!("{name} is not scripted"),
    ))
}

impl Host for FakeHost {
    fn log(&mut self, request: LogRequest) -> Result<(), AbiError> {
        self.calls.push(Call::Log(request));
        self.log_result.clone()
    }

    fn emit_event(&mut self, event: AgentEvent) -> Result<(), AbiError> {
        self.calls.push(Call::EmitEvent(event));
        unsupported("emit_event")
    }

    fn git_get_branch(&mut self, request: GitRequest) -> Result<GitBranch, AbiError> {
        self.calls.push(Call::GitGetBranch(request));
        unsupported("git_get_branch")
    }

    fn git_get_dirty_files(&mut self, request: GitRequest) -> Result<DirtyFiles, AbiError> {
        self.calls.push(Call::GitGetDirtyFiles(request));
        self.dirty.clone()
    }

    fn git_get_recent_commits(
        &mut self,
        request: RecentCommitsRequest,
    ) -> Result<RecentCommits, AbiError> {
        self.calls.push(Call::GitGetRecentCommits(request));
        unsupported("git_get_recent_commits")
    }

    fn ui_popup(&mut self, request: UiPopupRequest) -> Result<FormReply, AbiError> {
        let id = request.form.id.clone();
        self.calls.push(Call::UiPopup(request));
        Ok(FormReply::Cancelled { id })
    }
}
