//! The host's I/O edges: each service wraps one outside tool (git, GitHub, Zellij and the
//! dashboard in it, the file system, child processes) behind typed functions with bounded
//! waits and clear errors. A service knows no flow: flows call services, never the reverse.

pub mod dashboard;
pub mod files;
pub mod git;
pub mod github;
pub mod process;
pub mod worktree;
pub mod zellij;
