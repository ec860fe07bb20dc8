//! What the lead knows about its workers, on disk: one record per worker, a per-issue lock,
//! and each worker's runtime session record.
//!
//! - `<project>/.exomonad/agents/<agent id>.json`: a [`WorkerRecord`], written atomically
//!   (temporary file, then rename), so a reader sees the old record or the new one.
//! - `<project>/.exomonad/agents/<agent id>.lock`: an empty file locked with
//!   `std::fs::File::lock` (an advisory whole-file lock: `flock` on Unix, `LockFileEx` on
//!   Windows) while one process spawns or cleans up that issue's worker, so two concurrent
//!   spawns of one issue run one after the other. Lock files stay; deleting one could let
//!   two processes hold "the" lock on two different files.
//! - `<worktree>/.exomonad/runtime-session.json`: a [`RuntimeSession`], written by the
//!   worker's hook on the runtime's `SessionStart` and read when the worker is resumed.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use exomonad_protocol::agents::{AgentKind, WorkerRef};
use exomonad_protocol::github::RepoRef;
use exomonad_protocol::names::{AGENTS_DIR, RUNTIME_SESSION_FILE, STATE_DIR};
use exomonad_protocol::{AgentId, Runtime};
use serde::{Deserialize, Serialize};

use crate::base::config;

/// How often a waiting [`Registry::lock_issue`] tries the lock again.
pub const LOCK_POLL: Duration = Duration::from_millis(25);

/// One spawned worker, as recorded by the lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRecord {
    /// The issue number.
    pub issue: u64,
    /// `gh-<number>`; also the record's file name.
    pub agent_id: AgentId,
    /// The repository of the issue.
    pub repo: RepoRef,
    /// The issue's title when the worker was spawned, as GitHub gave it.
    pub title: String,
    /// The branch its worktree has checked out.
    pub branch: String,
    /// Absolute path of its worktree.
    pub worktree: PathBuf,
    /// Zellij's tab id (printed by `zellij action new-tab`); `None` outside Zellij.
    pub tab_id: Option<u64>,
    /// The agent runtime it runs.
    pub agent: AgentKind,
    /// When it was spawned.
    pub created_at: jiff::Timestamp,
}

impl WorkerRecord {
    /// The record as the guest ABI reports a worker (the worktree path lossily as text).
    pub fn to_ref(&self) -> WorkerRef {
        WorkerRef {
            issue: self.issue,
            agent_id: self.agent_id.clone(),
            branch: self.branch.clone(),
            worktree: self.worktree.to_string_lossy().into_owned(),
            tab_id: self.tab_id,
        }
    }
}

/// A record file that could not be read as a [`WorkerRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    /// The file.
    pub path: PathBuf,
    /// Why, for people.
    pub error: String,
}

/// Every record of a project: the good ones by issue number, and the ones that failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// Readable records, sorted by issue number.
    pub records: Vec<WorkerRecord>,
    /// Unreadable ones (bad JSON, wrong shape, a name that does not match the agent id).
    pub bad: Vec<BadRecord>,
}

/// Errors of the registry's file operations.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A file or directory operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not the expected JSON, or a record cannot be written as JSON (a worktree
    /// path that is not UTF-8).
    #[error("{path}: not a valid record: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The state directory could not be set up.
    #[error("{0}")]
    StateDir(String),
    /// Another process held the issue's lock for longer than the wait allowed.
    #[error(
        "{path} is still locked after {waited:?}: another exomonad process is working on this issue"
    )]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The worker records of one project (`<project>/.exomonad/agents/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    project_dir: PathBuf,
}

/// Holds an issue's lock; dropping it releases the lock.
#[derive(Debug)]
pub struct IssueLock {
    _file: File,
    path: PathBuf,
}

impl IssueLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Registry {
    /// The registry of the project at `project_dir` (nothing is created until written).
    pub fn new(project_dir: &Path) -> Self {
        Self {
            project_dir: project_dir.to_path_buf(),
        }
    }

    /// `<project>/.exomonad/agents`.
    pub fn dir(&self) -> PathBuf {
        self.project_dir.join(STATE_DIR).join(AGENTS_DIR)
    }

    /// `<project>/.exomonad/agents/<agent id>.json`.
    pub fn record_path(&self, agent_id: &AgentId) -> PathBuf {
        self.dir().join(format!("{agent_id}.json"))
    }

    /// `<project>/.exomonad/agents/<agent id>.lock`.
    pub fn lock_path(&self, agent_id: &AgentId) -> PathBuf {
        self.dir().join(format!("{agent_id}.lock"))
    }

    fn ensure_dir(&self) -> Result<PathBuf, RegistryError> {
        config::ensure_state_dir(&self.project_dir)
            .map_err(|e| RegistryError::StateDir(format!("{e:#}")))?;
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(dir)
    }

    /// Writes `record` (replacing any record of that agent id) atomically, creating
    /// `.exomonad/` (with its `.gitignore`) and `agents/` as needed.
    ///
    /// # Errors
    /// [`RegistryError::Json`] when the worktree path is not UTF-8; [`RegistryError`] when a
    /// directory or the file cannot be written.
    pub fn save(&self, record: &WorkerRecord) -> Result<(), RegistryError> {
        self.ensure_dir()?;
        let path = self.record_path(&record.agent_id);
        let mut text =
            serde_json::to_string_pretty(record).map_err(|source| RegistryError::Json {
                path: path.clone(),
                source,
            })?;
        text.push('\n');
        crate::base::fs::write_atomic(&path, text.as_bytes()).map_err(io(&path))
    }

    /// Reads the record of `agent_id`; `None` when there is none.
    ///
    /// # Errors
    /// [`RegistryError::Io`] when it exists but cannot be read; [`RegistryError::Json`]
    /// when it is not a record.
    pub fn load(&self, agent_id: &AgentId) -> Result<Option<WorkerRecord>, RegistryError> {
        let path = self.record_path(agent_id);
        read_json(&path)
    }

    /// Reads every record (`*.json` in the directory); a record that cannot be read, or whose
    /// agent id is not its file name, goes into [`Records::bad`] and the others are still
    /// returned. No directory means no records.
    ///
    /// # Errors
    /// [`RegistryError::Io`] when the directory exists but cannot be listed.
    pub fn load_all(&self) -> Result<Records, RegistryError> {
        let dir = self.dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Records::default()),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut out = Records::default();
        for entry in entries {
            let path = entry.map_err(io(&dir))?.path();
            let Some(stem) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            if stem.starts_with('.') {
                continue; // hidden files are not records
            }
            let bad = |error: String| BadRecord {
                path: path.clone(),
                error,
            };
            match read_json::<WorkerRecord>(&path) {
                Ok(Some(rec)) if rec.agent_id.as_str() == stem => out.records.push(rec),
                Ok(Some(rec)) => out.bad.push(bad(format!(
                    "the record is for {} but the file is named {stem}.json",
                    rec.agent_id
                ))),
                Ok(None) => {} // removed meanwhile
                Err(e) => out.bad.push(bad(e.to_string())),
            }
        }
        out.records.sort_by_key(|r| r.issue);
        out.bad.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Deletes the record of `agent_id`; `false` when there was none.
    ///
    /// # Errors
    /// [`RegistryError::Io`] when it exists but cannot be deleted.
    pub fn remove(&self, agent_id: &AgentId) -> Result<bool, RegistryError> {
        let path = self.record_path(agent_id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Takes the exclusive lock of issue `issue` (`gh-<number>.lock`), waiting at most `wait` for another
    /// process (or thread) to release it. The lock is released when the returned guard is
    /// dropped, or when the process ends. Wait a little rather than not at all: between
    /// `fork` and `exec`, a child process another thread starts briefly shares the lock.
    ///
    /// # Errors
    /// [`RegistryError::LockTimeout`] after `wait`; [`RegistryError::Io`] when the lock file
    /// cannot be created or locked.
    pub fn lock_issue(&self, issue: u64, wait: Duration) -> Result<IssueLock, RegistryError> {
        self.ensure_dir()?;
        let path = self.lock_path(&super::naming::agent_id(issue));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(IssueLock { _file: file, path }),
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(LOCK_POLL.min(wait.saturating_sub(start.elapsed())));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(RegistryError::LockTimeout {
                        path,
                        waited: start.elapsed(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(&path)(e)),
            }
        }
    }
}

/// The agent runtime's own session of a worker, so that a dead worker can resume its
/// conversation (`claude --resume <session_id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeSession {
    /// Which runtime the id belongs to (an id is only resumed by the same runtime).
    pub runtime: Runtime,
    /// The runtime's session id (Claude's and Gemini's `session_id` hook field).
    pub session_id: String,
    /// When the hook last wrote it.
    pub updated_at: jiff::Timestamp,
}

/// `<worktree>/.exomonad/runtime-session.json`.
pub fn runtime_session_path(worktree: &Path) -> PathBuf {
    worktree.join(STATE_DIR).join(RUNTIME_SESSION_FILE)
}

/// Writes the runtime session record of the worker in `worktree` atomically, creating its
/// `.exomonad/` (with the `.gitignore` of `*`) if needed.
///
/// # Errors
/// [`RegistryError`] when the directory or the file cannot be written.
pub fn write_runtime_session(
    worktree: &Path,
    session: &RuntimeSession,
) -> Result<(), RegistryError> {
    config::ensure_state_dir(worktree).map_err(|e| RegistryError::StateDir(format!("{e:#}")))?;
    let path = runtime_session_path(worktree);
    let text = serde_json::to_string_pretty(session).expect("sessions serialize");
    crate::base::fs::write_atomic(&path, text.as_bytes()).map_err(io(&path))
}

/// Reads the runtime session record of the worker in `worktree`; `None` when there is none.
///
/// # Errors
/// [`RegistryError::Io`] when it exists but cannot be read; [`RegistryError::Json`] when it
/// is not a session record.
pub fn read_runtime_session(worktree: &Path) -> Result<Option<RuntimeSession>, RegistryError> {
    read_json(&runtime_session_path(worktree))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, RegistryError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| RegistryError::Json {
            path: path.to_path_buf(),
            source,
        })
}
