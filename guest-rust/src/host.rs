//! The effect interface: everything the policy may ask of the host.
//!
//! One method per host function of the guest ABI ([`exomonad_protocol::abi::host_fns`]), with
//! the same name, the same request type and the reply already taken out of its
//! [`Envelope`](exomonad_protocol::abi::Envelope). In the wasm build the implementation calls
//! the real host functions (`exports::ExtismHost`, wasm32 only); in tests a scripted fake
//! stands in.

use exomonad_protocol::AgentEvent;
use exomonad_protocol::abi::{
    AbiError, DirtyFiles, GitBranch, GitRequest, LogRequest, RecentCommits, RecentCommitsRequest,
    UiPopupRequest,
};
use exomonad_protocol::form::FormReply;

/// The host functions the guest can call. Every method returns the host's `error` envelope (or
/// a failure to reach the host at all, as [`ErrorCode::HostFunction`]) as `Err`.
///
/// [`ErrorCode::HostFunction`]: exomonad_protocol::abi::ErrorCode::HostFunction
pub trait Host {
    /// `log`: writes a line to the host's log file.
    fn log(&mut self, request: LogRequest) -> Result<(), AbiError>;

    /// `emit_event`: sends an event to the dashboard.
    fn emit_event(&mut self, event: AgentEvent) -> Result<(), AbiError>;

    /// `git_get_branch`: the checked-out branch and HEAD of a working tree.
    fn git_get_branch(&mut self, request: GitRequest) -> Result<GitBranch, AbiError>;

    /// `git_get_dirty_files`: uncommitted changes of a working tree (`git status --porcelain`).
    fn git_get_dirty_files(&mut self, request: GitRequest) -> Result<DirtyFiles, AbiError>;

    /// `git_get_recent_commits`: the newest commits of a working tree.
    fn git_get_recent_commits(
        &mut self,
        request: RecentCommitsRequest,
    ) -> Result<RecentCommits, AbiError>;

    /// `ui_popup`: asks the person a form and waits for the reply (submitted, cancelled,
    /// timed out, or rejected when there is no dashboard).
    fn ui_popup(&mut self, request: UiPopupRequest) -> Result<FormReply, AbiError>;
}
