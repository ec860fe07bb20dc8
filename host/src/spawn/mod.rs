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
//! 6. [`safety`]: whether cleanup may remove a worktree, from git facts;
//! 7. [`orchestrator`]: the I/O edge that runs all of the above for `spawn_agents`,
//!    `cleanup_agents` and `list_agents`.

pub mod launch;
pub mod naming;
pub mod orchestrator;
pub mod registry;
pub mod safety;
pub mod tab_layout;

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces the file at `path` with `bytes` atomically: writes a temporary file in the same
/// directory (`.<name>.<pid>.<n>.tmp`), flushes it to disk, and renames it over `path`, so
/// readers see either the old contents or the new. The temporary file is removed on error.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
