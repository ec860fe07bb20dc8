//! The host's I/O edges: each service wraps one outside tool (git, Zellij, the file system)
//! behind typed functions with bounded waits and clear errors.

pub mod files;
pub mod git;
pub mod github;
pub mod process;
pub mod worktree;
pub mod zellij;
