//! The worker-agent service seen by the host functions `agents_spawn`, `agents_cleanup` and
//! `agents_list` (and the CLI): one worker per GitHub issue, each in its own git worktree
//! and Zellij tab. The request and report shapes are in [`exomonad_protocol::agents`].

use exomonad_protocol::abi::AbiError;
use exomonad_protocol::agents::{
    AgentList, CleanupReport, CleanupRequest, SpawnReport, SpawnRequest,
};

/// Spawns, ends and lists workers. Per-issue failures are outcomes inside the report; an
/// `Err` means the whole request could not be handled (no git repository, say).
pub trait Agents: Send + Sync {
    /// `spawn_agents`: one worker per issue, concurrently where safe.
    ///
    /// # Errors
    /// When nothing could be done for any issue.
    fn spawn(&self, request: &SpawnRequest) -> Result<SpawnReport, AbiError>;

    /// `cleanup_agents`: close tabs and remove worktrees, refusing to lose work unless forced.
    ///
    /// # Errors
    /// When nothing could be done for any issue.
    fn cleanup(&self, request: &CleanupRequest) -> Result<CleanupReport, AbiError>;

    /// `list_agents`: every known worker and its state.
    ///
    /// # Errors
    /// When the records cannot be read at all.
    fn list(&self) -> Result<AgentList, AbiError>;
}
