//! `.exomonad/config.toml`: the per-project (or per-worktree) configuration, the user's own
//! defaults for all projects, and finding the project directory a file belongs to.
//!
//! ```toml
//! role = "worker"            # "lead" (default) or "worker"
//! agent_id = "gh-12-fix"     # written at spawn time into a worker's worktree
//! session = "myproject"      # the Zellij session events and forms go to
//! lead_command = "claude"    # what the main pane of `exomonad init` runs (default: see session)
//! guest = "/path/to/guest.wasm"  # the guest the hook runs (default: see below)
//! github_api_url = "https://ghe.example.com/api/v3"  # default https://api.github.com
//! worktree_dir = "../worktrees"   # where workers' worktrees go (default .exomonad/worktrees)
//! worker_agent = "claude"    # the runtime spawned workers run: "claude" (default) or "gemini"
//! worker_command = "claude"  # the program (and leading arguments) a worker pane runs
//! project_dir = "/abs/lead"  # in a worker's worktree: the lead's project, where its record is
//! ```
//!
//! # Where a setting comes from
//!
//! Lowest first, each later source overriding the earlier key by key ([`load_layers`]):
//!
//! 1. the defaults;
//! 2. the user's own config, `$XDG_CONFIG_HOME/exomonad/config.toml` (default
//!    `~/.config/exomonad/config.toml`; [`user_config_path`]): always trusted, the place for a
//!    person's defaults in every project. The keys that describe one checkout (`role`,
//!    `agent_id`, `project_dir`) are ignored there, with a warning;
//! 3. the project's `.exomonad/config.toml`: every key, except that the keys of
//!    [`GUARDED_KEYS`] (they run code or send credentials) count only when the person trusted
//!    this exact file (`exomonad trust`, [`crate::base::trust`]); a worker's config, written by
//!    exomonad at spawn time, is trusted as it is written;
//! 4. environment variables, where a setting has one (`EXOMONAD_ROLE`, `EXOMONAD_SESSION`,
//!    `EXOMONAD_AGENT_ID`, `EXOMONAD_GITHUB_API_URL`): the person's own, read by the code that
//!    uses the setting.
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

use crate::base::trust::{TrustState, TrustStore};

/// The `guest` setting's value that selects the guest built into the binary explicitly.
pub const EMBEDDED_GUEST: &str = "embedded";

/// The keys that run code or send credentials: honoured from a project's file only when the
/// person trusted it ([`crate::base::trust`]). A new key of that kind (a notify command, a
/// hook command, another server that receives a token) belongs here; the test
/// `guarded_keys_are_fields` checks that each one names a field.
pub const GUARDED_KEYS: [&str; 4] = ["lead_command", "worker_command", "guest", "github_api_url"];

/// The keys that describe one checkout, ignored in the user's own config.
pub const PROJECT_ONLY_KEYS: [&str; 3] = ["role", "agent_id", "project_dir"];

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

/// The configuration a process runs with ([`load_layers`]): the layers merged, and what was
/// found on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layers {
    /// The effective config: defaults, then the user's, then the project's (its guarded keys
    /// only when trusted).
    pub config: Config,
    /// The project file's trust state.
    pub trust: TrustState,
    /// Problems to log once logging is up: a file that does not parse (it is then ignored),
    /// checkout keys in the user's config. The untrusted-file warning is
    /// [`TrustState::warning`], not repeated here.
    pub warnings: Vec<String>,
}

/// `$XDG_CONFIG_HOME/exomonad/config.toml` (default `~/.config/exomonad/config.toml`), the
/// user's own config; `None` without a config directory (no `$HOME`).
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("exomonad").join(CONFIG_FILE))
}

/// Where the configuration outside the project comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSources {
    /// The user's own config file ([`user_config_path`]); `None`: none.
    pub user_config: Option<PathBuf>,
    /// The user's trust records ([`TrustStore::open_default`]); `None`: nothing is trusted.
    pub trust: Option<TrustStore>,
}

impl ConfigSources {
    /// This user's: [`user_config_path`] and [`TrustStore::open_default`].
    pub fn user() -> Self {
        Self {
            user_config: user_config_path(),
            trust: TrustStore::open_default().ok(),
        }
    }
}

/// Reads the user's config (`sources.user_config`, if present) and the config of
/// `project_dir`, and merges them key by key in the order of the module docs. The project
/// file's keys of [`GUARDED_KEYS`] count only when `sources.trust` trusts the file's exact
/// contents. Never fails: a file that cannot be read or parsed is skipped with a warning
/// naming it.
pub fn load_layers(project_dir: &Path, sources: &ConfigSources) -> Layers {
    let mut warnings = Vec::new();
    let mut merged = toml::Table::new();
    if let Some(path) = sources.user_config.as_deref()
        && let Some((_, mut table)) = read_table(path, &mut warnings)
    {
        let checkout: Vec<&str> = PROJECT_ONLY_KEYS
            .into_iter()
            .filter(|k| table.remove(*k).is_some())
            .collect();
        if !checkout.is_empty() {
            warnings.push(format!(
                "ignoring {} in {}: they describe one project; set them in its .exomonad/config.toml",
                checkout.join(", "),
                path.display()
            ));
        }
        merged.extend(table);
    }
    let path = Config::path(project_dir);
    let mut trust = TrustState::NothingToTrust;
    if let Some((text, mut table)) = read_table(&path, &mut warnings) {
        let keys: Vec<&'static str> = GUARDED_KEYS
            .into_iter()
            .filter(|k| table.contains_key(*k))
            .collect();
        if !keys.is_empty() {
            let file = path.clone();
            if sources
                .trust
                .as_ref()
                .is_some_and(|s| s.is_trusted(&path, text.as_bytes()))
            {
                trust = TrustState::Trusted { file, keys };
            } else {
                for k in &keys {
                    table.remove(*k);
                }
                trust = TrustState::Untrusted { file, keys };
            }
        }
        merged.extend(table);
    }
    let config = Config::deserialize(merged).unwrap_or_else(|e| {
        // Each file parsed on its own; only a user value of the wrong type can fail here.
        warnings.push(format!("ignoring the user's config: {e}"));
        Config::load(project_dir).unwrap_or_default()
    });
    Layers {
        config,
        trust,
        warnings,
    }
}

/// The file at `path` as text and as a TOML table checked against [`Config`]'s shape; `None`
/// when it is missing, or (with a warning) unreadable or invalid.
fn read_table(path: &Path, warnings: &mut Vec<String>) -> Option<(String, toml::Table)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            warnings.push(format!("ignoring {}: {e}", path.display()));
            return None;
        }
    };
    let checked =
        toml::from_str::<Config>(&text).and_then(|_| toml::from_str::<toml::Table>(&text));
    match checked {
        Ok(table) => Some((text, table)),
        Err(e) => {
            warnings.push(format!("ignoring {}: {e}", path.display()));
            None
        }
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
/// a repository, a file in a linked worktree). `None` when there is none: `start` is in no
/// project (a home directory, `/tmp`), and nothing may be written there.
pub fn find_project(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| Config::path(dir).is_file() || dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// [`find_project`], falling back to `start` itself.
pub fn find_project_dir(start: &Path) -> PathBuf {
    find_project(start).unwrap_or_else(|| start.to_path_buf())
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
    fn guarded_keys_are_fields() {
        for key in GUARDED_KEYS {
            let c: Config = toml::from_str(&format!("{key} = \"x\"")).unwrap();
            assert_ne!(c, Config::default(), "{key} is not a field of Config");
        }
        let checkout = Config {
            role: Some(Role::Worker),
            agent_id: Some("a".into()),
            project_dir: Some("/p".into()),
            ..Config::default()
        };
        let table: toml::Table = toml::from_str(&toml::to_string(&checkout).unwrap()).unwrap();
        for key in PROJECT_ONLY_KEYS {
            assert!(table.contains_key(key), "{key} is not a field of Config");
        }
    }

    #[test]
    fn user_then_project_key_by_key_and_guarded_keys_need_trust() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.toml");
        std::fs::write(
            &user,
            "session = \"u\"\nworker_command = \"mine\"\nworktree_dir = \"../wt\"\nagent_id = \"x\"\n",
        )
        .unwrap();
        let project = dir.path().join("p");
        ensure_state_dir(&project).unwrap();
        let text = "session = \"p\"\nguest = \"evil.wasm\"\nworker_command = \"evil\"\n";
        std::fs::write(Config::path(&project), text).unwrap();
        let store = TrustStore::new(dir.path().join("trust"));
        let sources = ConfigSources {
            user_config: Some(user),
            trust: Some(store.clone()),
        };

        let l = load_layers(&project, &sources);
        assert_eq!(l.config.session.as_deref(), Some("p"));
        assert_eq!(l.config.worktree_dir.as_deref(), Some("../wt"));
        // The untrusted project's value is dropped; the user's own stays.
        assert_eq!(l.config.worker_command.as_deref(), Some("mine"));
        assert_eq!(l.config.guest, None);
        assert_eq!(l.config.agent_id, None);
        assert_eq!(
            l.trust,
            TrustState::Untrusted {
                file: Config::path(&project),
                keys: vec!["worker_command", "guest"]
            }
        );
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(l.warnings[0].contains("agent_id"), "{:?}", l.warnings);

        store
            .record(&Config::path(&project), text.as_bytes())
            .unwrap();
        let l = load_layers(&project, &sources);
        assert_eq!(l.config.worker_command.as_deref(), Some("evil"));
        assert_eq!(l.config.guest.as_deref(), Some("evil.wasm"));
        assert!(matches!(l.trust, TrustState::Trusted { .. }));

        // An edit makes it untrusted again.
        std::fs::write(Config::path(&project), format!("{text}# edited\n")).unwrap();
        let l = load_layers(&project, &sources);
        assert_eq!(l.config.guest, None);
        assert!(matches!(l.trust, TrustState::Untrusted { .. }));
        // No store: nothing is trusted.
        assert!(matches!(
            load_layers(&project, &ConfigSources::default()).trust,
            TrustState::Untrusted { .. }
        ));

        std::fs::write(Config::path(&project), "session = \"p\"\n").unwrap();
        assert_eq!(
            load_layers(&project, &ConfigSources::default()).trust,
            TrustState::NothingToTrust
        );
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
