//! The pure core of spawning workers, one per GitHub issue, and the records that follow
//! them. The orchestration (fetching the issue, running git and Zellij, the MCP tool and the
//! CLI) is built on this API:
//!
//! 1. [`naming::WorkerNames::derive`]: agent id, branch, worktree path and tab name;
//! 2. [`crate::services::worktree`]: the base commit and the worktree (git I/O);
//! 3. [`launch`]: the worker's own files (config, hook settings, MCP config), its first
//!    prompt and the agent's command line;
//! 4. [`tab_layout`]: the Zellij layout of the worker's tab, running that command;
//! 5. [`registry`]: the lead's record of each worker, the per-issue lock, the worker's
//!    runtime session (for resuming);
//! 6. [`safety`]: whether cleanup may remove a worktree, from git facts.

pub mod naming;
pub mod safety;
