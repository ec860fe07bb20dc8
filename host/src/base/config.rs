//! `.exomonad/config.toml`: the per-project (or per-worktree) configuration, and finding the
//! project directory it belongs to.
//!
//! ```toml
//! role = "worker"            # "lead" (default) or "worker"
//! agent_id = "gh-12-fix"     # written at spawn time into a worker's worktree
//! session = "myproject"      # the Zellij session events and forms go to
//! lead_command = "claude"    # what the main pane of `exomonad init` runs (default: $SHELL)
//! guest = "/path/to/guest.wasm"  # the guest the hook runs (default: see below)
//! github_api_url = "https://ghe.example.com/api/v3"  # default https://api.github.com
//! worktree_dir = "../worktrees"   # where workers' worktrees go (default .exomonad/worktrees)
//! worker_agent = "claude"    # the runtime spawned workers run: "claude" (default) or "gemini"
//! worker_command = "claude"  # the program (and leading arguments) a worker pane runs
//! project_dir = "/abs/lead"  # in a worker's worktree: the lead's project, where its record is
//! ```
//!
//! `guest`: `"embedded"` for the Rust guest built into the binary, or a `.wasm` file (`~/`
//! is the home directory, a relative path is relative to the project). Without it, the
//! hook runs `~/.exomonad/wasm/wasm-guest-<role>.wasm` when that file exists, else the
//! embedded guest (`crate::guest::select::GuestSource::resolve`).
//!
//! Unknown keys are ignored so that an older binary can read a newer file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use exomonad_protocol::Role;
use exomonad_protocol::names::{CONFIG_FILE, STATE_DIR};
use serde::{Deserialize, Serialize};

/// The `guest` setting's value that selects the guest built into the binary explicitly.
pub const EMBEDDED_GUEST: &str = "embedded";

/// The parsed config file. Every field is optional; absent means "use the default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The agent's role; default [`Role::Lead`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The agent id, set at spawn time (see [`exomonad_protocol::AgentId::resolve`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The Zellij session name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The command the lead pane runs in the session layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_command: Option<String>,
    /// The guest to run: `"embedded"` or a `.wasm` path (see the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<String>,
    /// GitHub REST API base URL; [`exomonad_protocol::names::ENV_GITHUB_API_URL`] wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_api_url: Option<String>,
    /// Where spawned workers' worktrees go, relative to the project or absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree_dir: Option<String>,
    /// The agent runtime spawned workers run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_agent: Option<exomonad_protocol::agents::AgentKind>,
    /// The program and leading arguments a worker pane runs (shell words), instead of the
    /// runtime's own name (`claude`, `gemini`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_command: Option<String>,
    /// In a worker's worktree: the lead's project directory, which holds the worker's record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_dir: Option<String>,
}

impl Config {
    /// Path of the config file of `project_dir`.
    pub fn path(project_dir: &Path) -> PathBuf {
        project_dir.join(STATE_DIR).join(CONFIG_FILE)
    }

    /// Reads the config of `project_dir`; a missing file is the default config.
    ///
    /// # Errors
    /// When the file exists but cannot be read or is not valid TOML of this shape; the
    /// message names the file.
    pub fn load(project_dir: &Path) -> Result<Self> {
        let path = Self::path(project_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the config of `project_dir`, creating `.exomonad/` (see [`ensure_state_dir`]).
    ///
    /// # Errors
    /// When the directory or the file cannot be written.
    pub fn save(&self, project_dir: &Path) -> Result<()> {
        ensure_state_dir(project_dir)?;
        let path = Self::path(project_dir);
        let text = toml::to_string_pretty(self).context("serializing config")?;
        crate::base::fs::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// Creates `<project>/.exomonad/` if needed, with a `.gitignore` of `*` inside, so that
/// exomonad's own state and logs never show up as uncommitted changes of the project (the
/// Stop policy reads `git status`). Returns the directory.
///
/// # Errors
/// When the directory or the `.gitignore` cannot be written.
pub fn ensure_state_dir(project_dir: &Path) -> Result<PathBuf> {
    let dir = project_dir.join(STATE_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        crate::base::fs::write_atomic(&ignore, b"# exomonad's local state; never committed\n*\n")
            .with_context(|| format!("writing {}", ignore.display()))?;
    }
    Ok(dir)
}

/// Finds the project directory for a process started in `start`: the nearest ancestor
/// (including `start`) that holds `.exomonad/config.toml` or a `.git` entry (a directory in
/// a repository, a file in a linked worktree). Falls back to `start` itself.
pub fn find_project_dir(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|dir| Config::path(dir).is_file() || dir.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_default_and_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Config::load(dir.path()).unwrap(), Config::default());
        ensure_state_dir(dir.path()).unwrap();
        std::fs::write(Config::path(dir.path()), "role = 3").unwrap();
        let err = format!("{:#}", Config::load(dir.path()).unwrap_err());
        assert!(err.contains("config.toml"), "{err}");
    }

    #[test]
    fn round_trips_and_ignores_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config {
            role: Some(Role::Worker),
            agent_id: Some("gh-1-x".into()),
            session: Some("s".into()),
            guest: Some("~/guests/g.wasm".into()),
            worker_agent: Some(exomonad_protocol::agents::AgentKind::Gemini),
            ..Config::default()
        };
        cfg.save(dir.path()).unwrap();
        assert_eq!(Config::load(dir.path()).unwrap(), cfg);
        let text = std::fs::read_to_string(Config::path(dir.path())).unwrap();
        std::fs::write(Config::path(dir.path()), format!("{text}\nfuture = true\n")).unwrap();
        assert_eq!(Config::load(dir.path()).unwrap(), cfg);
        let ignore = std::fs::read_to_string(dir.path().join(".exomonad/.gitignore")).unwrap();
        assert!(ignore.lines().any(|l| l == "*"));
    }

    #[test]
    fn project_dir_is_the_nearest_marker() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let deep = root.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_project_dir(&deep), root);
        let wt = root.join("a");
        std::fs::write(wt.join(".git"), "gitdir: elsewhere").unwrap();
        assert_eq!(find_project_dir(&deep), wt);
    }
}
