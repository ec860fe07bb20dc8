//! The workers flow: one worker agent per GitHub issue, each in its own git worktree and
//! Zellij tab — spawn, list, cleanup. The MCP tools (through the guest's host functions
//! `agents_spawn`, `agents_list`, `agents_cleanup`) and the CLI reach it through [`Agents`];
//! request and report shapes are in [`exomonad_protocol::agents`]. A pure core, then the
//! orchestration:
//!
//! 1. [`naming::WorkerNames::derive`]: agent id, branch, worktree path and tab name;
//! 2. [`crate::services::worktree`]: the base commit and the worktree (git I/O);
//! 3. [`launch`]: the worker's own files (config, hook settings, MCP config), its first
//!    prompt and the agent's command line;
//! 4. [`tab_layout`]: the Zellij layout of the worker's tab, running that command;
//! 5. [`registry`]: the lead's record of each worker, the per-issue lock, the worker's
//!    runtime session (for resuming);
//! 6. [`safety`]: whether cleanup may remove a worktree, from git facts;
//! 7. [`orchestrator`]: the I/O edge that runs all of the above for `spawn_agents`,
//!    `cleanup_agents` and `list_agents`, built for a project by [`orchestrator::Orchestrator::for_project`].

pub mod launch;
pub mod naming;
pub mod orchestrator;
pub mod registry;
pub mod safety;
pub mod tab_layout;

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
