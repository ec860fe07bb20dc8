//! Who and where this process is: the project directory, its effective config (the user's and
//! the project's layers, [`config::load_layers`]), the agent's id and role, and the Zellij
//! session to talk to. Resolved once per process from the working directory, the environment
//! and the user's config and trust records.

use std::path::{Path, PathBuf};

use exomonad_protocol::names::{ENV_AGENT_ID, ENV_ROLE, ENV_SESSION, ENV_ZELLIJ_SESSION_NAME};
use exomonad_protocol::{AgentId, Role};

use crate::base::config::{self, Config, ConfigSources};
use crate::base::trust::TrustState;
use crate::services::git;

/// Everything a command needs to know about its place.
#[derive(Debug, Clone)]
pub struct Context {
    /// The project (or worker worktree) root; see [`config::find_project_dir`].
    pub project_dir: PathBuf,
    /// Whether [`Context::project_dir`] is a project ([`config::find_project`] found one);
    /// when not, it is only the working directory, and exomonad writes nothing into it (no
    /// `.exomonad/`, no logs).
    pub in_project: bool,
    /// The effective config: the user's, then the project's `.exomonad/config.toml` (its
    /// guarded keys only when trusted); default where neither says or a file is unreadable.
    pub config: Config,
    /// The project file's trust state; when [`TrustState::Untrusted`], its guarded keys are
    /// not in [`Context::config`] and [`TrustState::warning`] says so.
    pub trust: TrustState,
    /// The agent this process belongs to ([`AgentId::resolve`]).
    pub agent_id: AgentId,
    /// Its role: `$EXOMONAD_ROLE`, else the config's, else lead.
    pub role: Role,
    /// The Zellij session: `$EXOMONAD_SESSION`, else the config's, else `$ZELLIJ_SESSION_NAME`.
    /// `None` outside Zellij with nothing configured.
    pub session: Option<String>,
    /// Problems met while resolving (a bad config file, an invalid agent id), to be logged
    /// once logging is set up. Resolution itself never fails.
    pub warnings: Vec<String>,
}

impl Context {
    /// Resolves the context of a process started in `cwd` with the environment `env`
    /// (a lookup function, so tests pass a map) and the config `sources` outside the project.
    /// Never fails: problems fall back to defaults and are listed in [`Context::warnings`].
    pub fn discover(
        cwd: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        sources: &ConfigSources,
    ) -> Self {
        let found = config::find_project(cwd);
        let in_project = found.is_some();
        let project_dir = found.unwrap_or_else(|| cwd.to_path_buf());
        let layers = config::load_layers(&project_dir, sources);
        let config = layers.config;
        let mut warnings = layers.warnings;
        let role = match env(ENV_ROLE).filter(|s| !s.is_empty()) {
            Some(s) => s.parse().unwrap_or_else(|e: String| {
                warnings.push(format!("${ENV_ROLE}: {e}"));
                config.role.unwrap_or_default()
            }),
            None => config.role.unwrap_or_default(),
        };
        let explicit = env(ENV_AGENT_ID);
        // Only a worker is named by its branch (spawn puts each on its own `gh-<n>/…`): the
        // lead's id must not change when the person checks out another branch.
        let needs_branch = role == Role::Worker
            && explicit.as_deref().is_none_or(str::is_empty)
            && config.agent_id.is_none();
        let branch = if needs_branch {
            git::branch(&project_dir).ok().and_then(|b| b.branch)
        } else {
            None
        };
        let agent_id = AgentId::resolve(
            explicit.as_deref(),
            config.agent_id.as_deref(),
            branch.as_deref(),
        )
        .unwrap_or_else(|e| {
            warnings.push(format!("{e}; falling back to the branch or `lead`"));
            let branch = if role == Role::Worker {
                git::branch(&project_dir).ok().and_then(|b| b.branch)
            } else {
                None
            };
            AgentId::resolve(None, None, branch.as_deref())
                .expect("resolve without explicit ids cannot fail")
        });
        let session = env(ENV_SESSION)
            .filter(|s| !s.is_empty())
            .or_else(|| config.session.clone())
            .or_else(|| env(ENV_ZELLIJ_SESSION_NAME).filter(|s| !s.is_empty()));
        Self {
            project_dir,
            in_project,
            config,
            trust: layers.trust,
            agent_id,
            role,
            session,
            warnings,
        }
    }

    /// [`Context::discover`] for this process: its working directory, real environment and
    /// this user's config and trust records ([`ConfigSources::user`]).
    pub fn from_process() -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Self::discover(&cwd, &|k| std::env::var(k).ok(), &ConfigSources::user())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn none() -> ConfigSources {
        ConfigSources::default()
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_beats_config_and_config_beats_zellij() {
        let dir = tempfile::tempdir().unwrap();
        Config {
            role: Some(Role::Worker),
            agent_id: Some("from-config".into()),
            session: Some("cfg-session".into()),
            ..Config::default()
        }
        .save(dir.path())
        .unwrap();
        let ctx = Context::discover(dir.path(), &env(&[("ZELLIJ_SESSION_NAME", "zs")]), &none());
        assert_eq!(ctx.agent_id.as_str(), "from-config");
        assert_eq!(ctx.role, Role::Worker);
        assert_eq!(ctx.session.as_deref(), Some("cfg-session"));
        let ctx = Context::discover(
            dir.path(),
            &env(&[
                (ENV_AGENT_ID, "alpha"),
                (ENV_ROLE, "lead"),
                (ENV_SESSION, "mine"),
            ]),
            &none(),
        );
        assert_eq!(ctx.agent_id.as_str(), "alpha");
        assert_eq!(ctx.role, Role::Lead);
        assert_eq!(ctx.session.as_deref(), Some("mine"));
        assert!(ctx.warnings.is_empty(), "{:?}", ctx.warnings);
    }

    #[test]
    fn only_a_worker_is_named_by_its_branch() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q", "-b", "gh-12/fix-login"]);
        git(&["commit", "-q", "--allow-empty", "-m", "one"]);
        let worker = Context::discover(dir.path(), &env(&[(ENV_ROLE, "worker")]), &none());
        assert_eq!(worker.agent_id.as_str(), "gh-12-fix-login");
        let lead = Context::discover(dir.path(), &env(&[]), &none());
        assert_eq!(lead.agent_id.as_str(), "lead");
        git(&["checkout", "-q", "-b", "another"]);
        let lead = Context::discover(dir.path(), &env(&[]), &none());
        assert_eq!(
            lead.agent_id.as_str(),
            "lead",
            "a checkout does not rename the lead"
        );
    }

    #[test]
    fn bad_values_fall_back_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context::discover(
            dir.path(),
            &env(&[(ENV_AGENT_ID, "../evil"), (ENV_ROLE, "boss")]),
            &none(),
        );
        assert_eq!(ctx.agent_id.as_str(), "lead");
        assert_eq!(ctx.role, Role::Lead);
        assert_eq!(ctx.session, None);
        assert_eq!(ctx.warnings.len(), 2, "{:?}", ctx.warnings);
    }
}
