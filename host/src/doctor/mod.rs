//! The doctor flow (`exomonad doctor [--json]`): what a working set-up needs, checked one
//! item at a time, each with ok or what is wrong and the exact fix.
//!
//! Two halves, so that every verdict is testable without the outside world:
//! - [`gather`] does all the I/O once and returns [`Facts`]: the Zellij found and its
//!   version, the project's session and whether its dashboard answers, Zellij's permission
//!   cache, the agents' programs and versions, exomonad's hook settings and MCP config, the
//!   GitHub token's check, `origin`, free disk;
//! - [`checks::CHECKS`] is a list of pure functions, each turning the facts into one
//!   [`Finding`]. A new check (the project's trust, the resident host) is one more function
//!   in that list and, when it needs a new fact, one more field gathered here.
//!
//! A [`Status::Fail`] is something that blocks the main job (agents reporting to the
//! dashboard, spawning workers); `exomonad doctor` then exits 1. [`Status::Warn`] is worth
//! knowing and blocks nothing.

pub mod checks;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use exomonad_protocol::agents::AgentKind;
use serde::Serialize;
use serde_json::Value;

use crate::base::paths;
use crate::context::Context;
use crate::services::dashboard::DashboardTarget;
use crate::services::git;
use crate::services::github::{GitHubError, GitHubService, TokenCheck};
use crate::services::process;
use crate::services::zellij::Zellij;
use crate::wiring::{CLAUDE_SETTINGS_FILE, MCP_CONFIG_FILE};

/// The Zellij version exomonad's plugin (`zellij-tile`) and its end-to-end tests are built
/// against; older ones cannot load the plugin.
pub const TESTED_ZELLIJ: &str = "0.45.1";

/// How long one `<program> --version` may take.
pub const VERSION_LIMIT: Duration = Duration::from_secs(10);

/// How long the dashboard may take to answer the agents query.
pub const DASHBOARD_LIMIT: Duration = Duration::from_secs(5);

/// How long the GitHub token's check may take.
pub const GITHUB_LIMIT: Duration = Duration::from_secs(10);

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As it should be.
    Ok,
    /// Worth knowing; blocks nothing.
    Warn,
    /// Blocks the main job: `exomonad doctor` exits 1.
    Fail,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable, kebab-case name (`zellij`, `github-token`): the key in `--json`.
    pub id: &'static str,
    /// The verdict.
    pub status: Status,
    /// What was found, one line (`zellij 0.45.1 at /usr/bin/zellij`).
    pub summary: String,
    /// The exact fix: a command to run or a file to change. `None` when all is well.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// An [`Status::Ok`] finding.
    pub fn ok(id: &'static str, summary: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Ok,
            summary: summary.into(),
            fix: None,
        }
    }

    /// A [`Status::Warn`] finding with its fix.
    pub fn warn(id: &'static str, summary: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Warn,
            summary: summary.into(),
            fix: Some(fix.into()),
        }
    }

    /// A [`Status::Fail`] finding with its fix.
    pub fn fail(id: &'static str, summary: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Fail,
            summary: summary.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every finding of one run, in [`checks::CHECKS`] order (the `--json` output).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The project checked.
    pub project: PathBuf,
    /// False when any finding is [`Status::Fail`].
    pub ok: bool,
    /// The findings.
    pub checks: Vec<Finding>,
}

/// A program looked up on `PATH` and asked its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The name (or path) looked up: `zellij`, `claude`, a `lead_command`'s first word.
    pub name: String,
    /// Where it was found; `None` when it is not on `PATH`.
    pub path: Option<PathBuf>,
    /// The first non-empty line of `<program> --version`; `Err` says why there is none.
    pub version: Result<String, String>,
}

/// Whether the project's Zellij session runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Live: clients can attach, pipes reach its plugins.
    Live,
    /// Exited, kept for resurrection.
    Exited,
    /// Not listed.
    Missing,
    /// `zellij list-sessions` failed (the error).
    Unknown(String),
}

/// What Zellij's permission cache says about the dashboard plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted {
    /// The cache file does not exist (no plugin was ever granted anything on this machine).
    NoFile,
    /// The file has no entry for the dashboard's path.
    NoEntry,
    /// The permissions granted to the dashboard's path.
    Permissions(Vec<String>),
    /// The file could not be read or parsed (the error).
    Unreadable(String),
}

/// One of exomonad's own files read back: absent, unreadable, or its JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonFile {
    /// Not there.
    Missing,
    /// There but not readable as JSON (the error).
    Invalid(String),
    /// Its content.
    Json(Value),
}

/// What a runtime is used for in this project, and its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProgram {
    /// `lead` or `workers`.
    pub role: &'static str,
    /// The runtime (decides the install hint).
    pub kind: AgentKind,
    /// Where the program comes from: `claude`, or `lead_command in .exomonad/config.toml`.
    pub source: String,
    /// The program.
    pub program: Program,
}

/// Everything the checks look at, gathered once by [`gather`].
#[derive(Debug, Clone)]
pub struct Facts {
    /// Whether the project's config file is trusted ([`crate::base::trust::project_trust`]).
    pub trust: crate::base::trust::TrustState,
    /// The project directory.
    pub project_dir: PathBuf,
    /// This `exomonad` binary (`std::env::current_exe`), what the wiring must point at.
    pub exe: Option<PathBuf>,
    /// Zellij (`$EXOMONAD_ZELLIJ_BIN`, else `zellij`).
    pub zellij: Program,
    /// The project's session name (as `exomonad init` picks it).
    pub session: String,
    /// Whether it runs.
    pub session_state: SessionState,
    /// The dashboard plugin file (`exomonad plugin-path`); `Err` when there is no data dir.
    pub plugin: Result<PathBuf, String>,
    /// Zellij's permission cache file (`permissions.kdl`).
    pub permissions_file: Option<PathBuf>,
    /// What it grants the dashboard.
    pub granted: Granted,
    /// The dashboard's answer to the agents query (the number of agents it shows); `None`
    /// when it was not asked because the session is not live.
    pub dashboard: Option<Result<usize, String>>,
    /// `lead_command` from the config, when set (the lead is then wired by it, not by
    /// exomonad's settings files).
    pub lead_command: Option<String>,
    /// The lead's and the workers' agent programs.
    pub agents: Vec<AgentProgram>,
    /// `.exomonad/claude-settings.json`: its path and content.
    pub hook_settings: (PathBuf, JsonFile),
    /// `.exomonad/mcp.json`: its path and content.
    pub mcp_config: (PathBuf, JsonFile),
    /// The GitHub host asked (`github.com`).
    pub github_host: String,
    /// The token's check ([`GitHubService::check_token`]).
    pub github: Result<TokenCheck, GitHubError>,
    /// `origin`'s URL: `Ok(None)` when there is no such remote; `Err` when git failed (not
    /// a repository).
    pub origin: Result<Option<String>, String>,
    /// Bytes free for an unprivileged user on the project's file system.
    pub free_bytes: Result<u64, String>,
}

/// The I/O handles [`gather`] uses (tests point them at a mock GitHub or another Zellij).
#[derive(Debug, Clone)]
pub struct Probes {
    /// How to run Zellij.
    pub zellij: Zellij,
    /// The GitHub API.
    pub github: GitHubService,
}

impl Probes {
    /// The handles of this process: [`Zellij::from_env`], [`GitHubService::from_process`].
    pub fn from_process(ctx: &Context) -> Self {
        Self {
            zellij: Zellij::from_env(),
            github: GitHubService::from_process(&ctx.config).with_request_timeout(GITHUB_LIMIT),
        }
    }
}

/// Gathers the facts and runs every check of [`checks::CHECKS`].
pub fn run(ctx: &Context, probes: &Probes) -> Report {
    let facts = gather(ctx, probes);
    let checks: Vec<Finding> = checks::CHECKS.iter().map(|check| check(&facts)).collect();
    Report {
        project: facts.project_dir.clone(),
        ok: checks.iter().all(|f| f.status != Status::Fail),
        checks,
    }
}

/// Does all of the doctor's I/O: runs `zellij --version` and `zellij list-sessions`, asks the
/// session's dashboard (only when the session is live), reads Zellij's permission cache and
/// exomonad's settings files, runs each agent's `--version`, asks GitHub `GET /rate_limit`,
/// reads `origin` and the free space. Never fails: a fact that could not be had holds why.
pub fn gather(ctx: &Context, probes: &Probes) -> Facts {
    let project_dir = ctx.project_dir.clone();
    let zellij = program(&zellij_bin(&probes.zellij));
    let session = ctx
        .session
        .clone()
        .unwrap_or_else(|| crate::session::default_session_name(&project_dir));
    let session_state = if zellij.path.is_none() {
        SessionState::Unknown("zellij is not on PATH".into())
    } else {
        match probes.zellij.list_sessions() {
            Ok(list) => match list.iter().find(|s| s.name == session) {
                Some(s) if s.exited => SessionState::Exited,
                Some(_) => SessionState::Live,
                None => SessionState::Missing,
            },
            Err(e) => SessionState::Unknown(e.to_string()),
        }
    };
    let plugin = paths::dashboard_wasm().map_err(|e| format!("{e:#}"));
    let permissions_file = zellij_permissions_file();
    let granted = match (&plugin, &permissions_file) {
        (Ok(wasm), Some(file)) => read_granted(file, wasm),
        (Err(e), _) => Granted::Unreadable(e.clone()),
        (_, None) => Granted::Unreadable("no cache directory: set $HOME".into()),
    };
    let dashboard = (session_state == SessionState::Live).then(|| {
        DashboardTarget::new(probes.zellij.clone(), Some(session.clone()))
            .and_then(|target| target.agents(DASHBOARD_LIMIT))
            .map(|agents| agents.agents.len())
            .map_err(|e| e.to_string())
    });
    let state_dir = project_dir.join(exomonad_protocol::names::STATE_DIR);
    let hook_settings = state_dir.join(CLAUDE_SETTINGS_FILE);
    let mcp_config = state_dir.join(MCP_CONFIG_FILE);
    Facts {
        exe: std::env::current_exe().ok(),
        zellij,
        session,
        session_state,
        plugin,
        permissions_file,
        granted,
        dashboard,
        lead_command: ctx.config.lead_command.clone(),
        agents: agent_programs(ctx),
        hook_settings: (hook_settings.clone(), read_json(&hook_settings)),
        mcp_config: (mcp_config.clone(), read_json(&mcp_config)),
        trust: ctx.trust.clone(),
        github_host: probes.github.host(),
        github: probes.github.check_token(),
        origin: git::remote_url(&project_dir, "origin").map_err(|e| e.to_string()),
        free_bytes: free_bytes(&project_dir),
        project_dir,
    }
}

/// The Zellij executable a [`Zellij`] runs (its `Command`'s program).
fn zellij_bin(zellij: &Zellij) -> String {
    zellij
        .command()
        .get_program()
        .to_string_lossy()
        .into_owned()
}

/// Looks `name` up on `PATH` (a path is taken as it is) and runs `<name> --version`.
pub fn program(name: &str) -> Program {
    let Ok(path) = which::which(name) else {
        return Program {
            name: name.to_owned(),
            path: None,
            version: Err("not on PATH".into()),
        };
    };
    let mut cmd = Command::new(&path);
    cmd.arg("--version").stdin(Stdio::null());
    let version = match process::run(&mut cmd, None, VERSION_LIMIT) {
        Ok(done) if done.status.success() => done
            .stdout
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| exomonad_ui::text::plain_text(l, false))
            .ok_or_else(|| "`--version` printed nothing".to_owned()),
        Ok(done) => Err(format!("`--version` failed ({})", done.status)),
        Err(e) => Err(e.to_string()),
    };
    Program {
        name: name.to_owned(),
        path: Some(path),
        version,
    }
}

/// The lead's program (the first word of `lead_command`, else `claude`) and the workers'
/// (the first word of `worker_command`, else the runtime of `worker_agent`, else `claude`).
fn agent_programs(ctx: &Context) -> Vec<AgentProgram> {
    let first_word = |cmd: &str| {
        shlex::split(cmd)
            .and_then(|w| w.into_iter().next())
            .unwrap_or_else(|| cmd.trim().to_owned())
    };
    let runtime_name = |kind: AgentKind| match kind {
        AgentKind::Claude => "claude",
        AgentKind::Gemini => "gemini",
    };
    let (lead, lead_source) = match &ctx.config.lead_command {
        Some(cmd) => (
            first_word(cmd),
            "lead_command in .exomonad/config.toml".to_owned(),
        ),
        None => ("claude".to_owned(), "the default lead".to_owned()),
    };
    let kind = ctx.config.worker_agent.unwrap_or_default();
    let (worker, worker_source) = match &ctx.config.worker_command {
        Some(cmd) => (
            first_word(cmd),
            "worker_command in .exomonad/config.toml".to_owned(),
        ),
        None if ctx.config.worker_agent.is_some() => (
            runtime_name(kind).to_owned(),
            "worker_agent in .exomonad/config.toml".to_owned(),
        ),
        None => (
            runtime_name(kind).to_owned(),
            "the default worker".to_owned(),
        ),
    };
    let lead_program = program(&lead);
    let worker_program = if worker == lead {
        lead_program.clone()
    } else {
        program(&worker)
    };
    vec![
        AgentProgram {
            role: "lead",
            kind: AgentKind::Claude,
            source: lead_source,
            program: lead_program,
        },
        AgentProgram {
            role: "workers",
            kind,
            source: worker_source,
            program: worker_program,
        },
    ]
}

/// Zellij's plugin permission cache, `permissions.kdl` in Zellij's cache directory
/// (`ProjectDirs("org", "Zellij Contributors", "Zellij")`: `$XDG_CACHE_HOME/zellij` on
/// Linux).
pub fn zellij_permissions_file() -> Option<PathBuf> {
    let base = dirs::cache_dir()?;
    let dir = if cfg!(target_os = "macos") {
        "org.Zellij-Contributors.Zellij"
    } else {
        "zellij"
    };
    Some(base.join(dir).join("permissions.kdl"))
}

/// Reads the permissions `file` grants the plugin at `wasm`.
fn read_granted(file: &Path, wasm: &Path) -> Granted {
    match std::fs::read_to_string(file) {
        Ok(text) => granted_in(&text, wasm),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Granted::NoFile,
        Err(e) => Granted::Unreadable(format!("{}: {e}", file.display())),
    }
}

/// The permissions a `permissions.kdl` text grants the plugin at `wasm`: the children of the
/// top-level node named by its absolute path (KDL v1, the format Zellij 0.45 writes).
pub fn granted_in(text: &str, wasm: &Path) -> Granted {
    let doc: kdl::KdlDocument = match text.parse() {
        Ok(doc) => doc,
        Err(e) => return Granted::Unreadable(format!("permissions.kdl: {e}")),
    };
    let key = wasm.to_string_lossy();
    match doc.nodes().iter().find(|n| n.name().value() == key) {
        None => Granted::NoEntry,
        Some(node) => Granted::Permissions(
            node.children()
                .map(|c| {
                    c.nodes()
                        .iter()
                        .map(|n| n.name().value().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        ),
    }
}

fn read_json(path: &Path) -> JsonFile {
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => JsonFile::Missing,
        Err(e) => JsonFile::Invalid(e.to_string()),
        Ok(text) => match serde_json::from_str(&text) {
            Ok(v) => JsonFile::Json(v),
            Err(e) => JsonFile::Invalid(e.to_string()),
        },
    }
}

/// Bytes available to an unprivileged user on the file system holding `dir` (`statvfs`:
/// `f_bavail × f_frsize`).
fn free_bytes(dir: &Path) -> Result<u64, String> {
    let st = rustix::fs::statvfs(dir).map_err(|e| format!("statvfs {}: {e}", dir.display()))?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_read_per_plugin_path() {
        let text = "\"/other.wasm\" {\n    ReadApplicationState\n}\n\"/d/exomonad-dashboard.wasm\" {\n    ReadApplicationState\n    ReadCliPipes\n}\n";
        assert_eq!(
            granted_in(text, Path::new("/d/exomonad-dashboard.wasm")),
            Granted::Permissions(vec!["ReadApplicationState".into(), "ReadCliPipes".into()])
        );
        assert_eq!(granted_in(text, Path::new("/nope.wasm")), Granted::NoEntry);
        assert!(matches!(
            granted_in("\"unclosed {", Path::new("/x")),
            Granted::Unreadable(_)
        ));
    }

    #[test]
    fn a_missing_program_has_no_path_and_says_so() {
        let p = program("exomonad-no-such-program-here");
        assert_eq!(p.path, None);
        assert_eq!(p.version, Err("not on PATH".into()));
    }
}
