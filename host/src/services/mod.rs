//! The host's I/O edges: each service wraps one outside tool (git, Zellij) behind typed
//! functions with bounded waits and clear errors.

pub mod git;
pub mod worktree;
pub mod zellij;
