//! The doctor's checks: pure functions from [`Facts`] to one [`Finding`] each, in the order
//! `exomonad doctor` prints them. Adding a check is adding a function to [`CHECKS`].

use std::path::Path;

use exomonad_protocol::agents::AgentKind;
use exomonad_protocol::github::RepoRef;
use exomonad_protocol::names::DASHBOARD_PERMISSIONS;
use serde_json::Value;

use super::{AgentProgram, Facts, Finding, Granted, JsonFile, SessionState, Status, TESTED_ZELLIJ};
use crate::base::trust::TrustState;
use crate::services::github::GitHubError;
use crate::wiring::{CLAUDE_HOOK_EVENTS, MCP_SERVER_NAME, MCP_SUBCOMMAND};

/// One check: a verdict over the gathered facts.
pub type Check = fn(&Facts) -> Finding;

/// Every check, in output order.
pub const CHECKS: &[Check] = &[
    zellij,
    dashboard_permissions,
    dashboard,
    lead_agent,
    worker_agent,
    hook_settings,
    mcp_config,
    trust,
    github_token,
    origin,
    disk,
];

/// Below this many free bytes, worktrees and logs may not fit: [`Status::Fail`].
pub const DISK_FAIL_BELOW: u64 = 1 << 30;

/// Below this many free bytes: [`Status::Warn`].
pub const DISK_WARN_BELOW: u64 = 5 << 30;

const INSTALL_ZELLIJ: &str =
    "scripts/install.sh (or: cargo install zellij --version 0.45.1 --locked)";

/// Zellij is installed, at least the tested version; newer is a warning.
pub fn zellij(f: &Facts) -> Finding {
    const ID: &str = "zellij";
    let Some(path) = &f.zellij.path else {
        return Finding::fail(
            ID,
            format!("`{}` is not on PATH", f.zellij.name),
            INSTALL_ZELLIJ,
        );
    };
    let line = match &f.zellij.version {
        Ok(line) => line,
        Err(e) => {
            return Finding::fail(
                ID,
                format!("{} --version: {e}", path.display()),
                INSTALL_ZELLIJ,
            );
        }
    };
    let found = line.strip_prefix("zellij ").unwrap_or(line).trim();
    let tested = semver::Version::parse(TESTED_ZELLIJ).expect("a semver version");
    let Ok(version) = semver::Version::parse(found) else {
        return Finding::warn(
            ID,
            format!(
                "{} prints {line:?}, not a version exomonad knows",
                path.display()
            ),
            INSTALL_ZELLIJ,
        );
    };
    let at = format!("zellij {version} at {}", path.display());
    match version.cmp(&tested) {
        std::cmp::Ordering::Less => Finding::fail(
            ID,
            format!("{at} is older than {TESTED_ZELLIJ}, which the dashboard plugin needs"),
            INSTALL_ZELLIJ,
        ),
        std::cmp::Ordering::Equal => Finding::ok(ID, at),
        std::cmp::Ordering::Greater => Finding::warn(
            ID,
            format!("{at} is newer than {TESTED_ZELLIJ}, the version exomonad is tested with"),
            format!(
                "if the dashboard misbehaves: cargo install zellij --version {TESTED_ZELLIJ} --locked --root ~/.local/zellij-{TESTED_ZELLIJ} and put its bin/ first on PATH"
            ),
        ),
    }
}

/// How the person grants the dashboard its permissions (Zellij asks once per plugin path).
fn grant_fix(f: &Facts) -> String {
    format!(
        "run `exomonad init`, then answer `y` in the dashboard pane (on the right) when Zellij asks to grant its permissions; \
         if it never asks: `exomonad init --recreate` (session {})",
        f.session
    )
}

/// Zellij's permission cache grants the dashboard every permission it asks for.
pub fn dashboard_permissions(f: &Facts) -> Finding {
    const ID: &str = "dashboard-permissions";
    let wasm = match &f.plugin {
        Ok(p) => p,
        Err(e) => return Finding::fail(ID, e.clone(), "set $HOME (or $XDG_DATA_HOME)"),
    };
    let file = f
        .permissions_file
        .as_deref()
        .map_or_else(|| "permissions.kdl".to_owned(), |p| p.display().to_string());
    match &f.granted {
        Granted::NoFile => Finding::fail(
            ID,
            format!("Zellij has granted no plugin anything yet ({file} does not exist)"),
            grant_fix(f),
        ),
        Granted::NoEntry => Finding::fail(
            ID,
            format!(
                "Zellij has not granted the dashboard ({}) its permissions (no entry in {file})",
                wasm.display()
            ),
            grant_fix(f),
        ),
        Granted::Unreadable(e) => Finding::warn(
            ID,
            format!("could not read Zellij's permission cache: {e}"),
            format!("check {file}"),
        ),
        Granted::Permissions(granted) => {
            let missing: Vec<&str> = DASHBOARD_PERMISSIONS
                .iter()
                .copied()
                .filter(|p| !granted.iter().any(|g| g == p))
                .collect();
            if missing.is_empty() {
                Finding::ok(
                    ID,
                    format!("granted: {} (in {file})", DASHBOARD_PERMISSIONS.join(", ")),
                )
            } else {
                Finding::fail(
                    ID,
                    format!(
                        "the dashboard lacks {} (granted in {file}: {})",
                        missing.join(", "),
                        if granted.is_empty() {
                            "nothing".to_owned()
                        } else {
                            granted.join(", ")
                        }
                    ),
                    format!(
                        "delete the entry for {} from {file}, then {}",
                        wasm.display(),
                        grant_fix(f)
                    ),
                )
            }
        }
    }
}

/// The project's session runs and its dashboard answers (it loaded and reads CLI pipes).
pub fn dashboard(f: &Facts) -> Finding {
    const ID: &str = "dashboard";
    let s = &f.session;
    match (&f.session_state, &f.dashboard) {
        (SessionState::Live, Some(Ok(n))) => Finding::ok(
            ID,
            format!(
                "session {s}: the dashboard answered ({n} agent{})",
                if *n == 1 { "" } else { "s" }
            ),
        ),
        (SessionState::Live, Some(Err(_)) | None) => Finding::fail(
            ID,
            format!(
                "session {s} runs but its dashboard did not answer: {}",
                f.dashboard
                    .as_ref()
                    .and_then(|d| d.as_ref().err())
                    .map_or("not asked", String::as_str)
            ),
            format!(
                "look at the dashboard pane of session {s}: answer `y` if it asks for permissions; if it shows an error or is gone, `exomonad init --recreate` (from outside Zellij)"
            ),
        ),
        (SessionState::Exited, _) => Finding::warn(
            ID,
            format!("session {s} has exited"),
            "exomonad init (from this project, outside Zellij) starts it again",
        ),
        (SessionState::Missing, _) => Finding::warn(
            ID,
            format!("session {s} is not running, so its dashboard was not checked"),
            "exomonad init (from this project, outside Zellij) starts it",
        ),
        (SessionState::Unknown(e), _) => Finding::warn(
            ID,
            format!("could not list Zellij sessions: {e}"),
            "fix Zellij first (see the `zellij` check)",
        ),
    }
}

/// How to install a runtime, or change the configured program.
fn agent_fix(a: &AgentProgram) -> String {
    let install = match a.kind {
        AgentKind::Claude => "npm install -g @anthropic-ai/claude-code",
        AgentKind::Gemini => "npm install -g @google/gemini-cli",
    };
    if a.source.contains("config.toml") {
        format!(
            "install `{}` or change {} (the default is `{}`)",
            a.program.name,
            a.source,
            match a.kind {
                AgentKind::Claude => "claude",
                AgentKind::Gemini => "gemini",
            }
        )
    } else {
        install.to_owned()
    }
}

fn agent(id: &'static str, a: Option<&AgentProgram>) -> Finding {
    let Some(a) = a else {
        return Finding::warn(id, "not determined", "check .exomonad/config.toml");
    };
    let what = format!("{} ({})", a.role, a.source);
    match (&a.program.path, &a.program.version) {
        (None, _) => Finding::fail(
            id,
            format!("{what}: `{}` is not on PATH", a.program.name),
            agent_fix(a),
        ),
        (Some(path), Ok(v)) => Finding::ok(id, format!("{what}: {v} at {}", path.display())),
        // Found, but it tells no version: a wrapper (`sh script`, `env …`) or a broken
        // install. It may well run, so this does not block.
        (Some(path), Err(e)) => Finding::warn(
            id,
            format!(
                "{what}: {} is there but `--version` failed ({e})",
                path.display()
            ),
            agent_fix(a),
        ),
    }
}

/// The lead's agent program is on PATH and tells its version.
pub fn lead_agent(f: &Facts) -> Finding {
    agent("lead-agent", f.agents.iter().find(|a| a.role == "lead"))
}

/// The workers' agent program is on PATH and tells its version.
pub fn worker_agent(f: &Facts) -> Finding {
    agent(
        "worker-agent",
        f.agents.iter().find(|a| a.role == "workers"),
    )
}

/// The program of a shell command line (its first word).
fn program_of(command: &str) -> Option<String> {
    shlex::split(command).and_then(|w| w.into_iter().next())
}

/// Whether `program` names the same file as `exe`.
fn same_program(program: &str, exe: &Path) -> bool {
    let p = Path::new(program);
    p == exe || p.canonicalize().is_ok_and(|p| p == exe)
}

fn rewrite_fix(f: &Facts) -> String {
    let init = format!(
        "exomonad init (from this project, outside Zellij: it rewrites the file, then opens or attaches to session {})",
        f.session
    );
    // `init` writes the lead's wiring only when it has a Claude Code to start.
    let lead_missing = f
        .agents
        .iter()
        .any(|a| a.role == "lead" && a.program.path.is_none());
    if lead_missing {
        format!("install the lead's agent first (see lead-agent), then {init}")
    } else {
        init
    }
}

/// The JSON of one of the lead's wiring files (`path`, `file`), or the finding that ends its
/// check: ok when a `lead_command` wires the lead itself, a failure when the file is missing
/// (`missing_means` says what that costs) or not JSON, with `init` as the fix.
fn wiring_file<'a>(
    f: &Facts,
    id: &'static str,
    (path, file): &'a (std::path::PathBuf, JsonFile),
    missing_means: &str,
) -> Result<&'a Value, Finding> {
    if let Some(cmd) = &f.lead_command {
        return Err(Finding::ok(
            id,
            format!(
                "lead_command is set ({cmd:?}): the lead is wired by it, not by {}",
                path.display()
            ),
        ));
    }
    match file {
        JsonFile::Missing => Err(Finding::fail(
            id,
            format!("{} does not exist: {missing_means}", path.display()),
            rewrite_fix(f),
        )),
        JsonFile::Invalid(e) => Err(Finding::fail(
            id,
            format!("{} is not valid JSON: {e}", path.display()),
            rewrite_fix(f),
        )),
        JsonFile::Json(v) => Ok(v),
    }
}

/// `.exomonad/claude-settings.json` routes every Claude Code event to this binary's `hook`.
pub fn hook_settings(f: &Facts) -> Finding {
    const ID: &str = "hook-settings";
    let path = &f.hook_settings.0;
    let settings = match wiring_file(
        f,
        ID,
        &f.hook_settings,
        "the lead's hooks are not wired, so no agent reports to the dashboard",
    ) {
        Ok(v) => v,
        Err(finding) => return finding,
    };
    let Some(exe) = &f.exe else {
        return Finding::warn(
            ID,
            "could not tell which binary this is",
            "run exomonad by its path",
        );
    };
    let mut unwired = Vec::new();
    let mut elsewhere = Vec::new();
    for event in CLAUDE_HOOK_EVENTS {
        let commands: Vec<String> = settings["hooks"][event]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["hooks"].as_array().into_iter().flatten())
            .filter_map(|h| h["command"].as_str())
            .filter_map(program_of)
            .collect();
        if commands.iter().any(|p| same_program(p, exe)) {
            continue;
        }
        match commands.first() {
            Some(other) if other.contains("exomonad") => elsewhere.push(other.clone()),
            _ => unwired.push(*event),
        }
    }
    if !unwired.is_empty() {
        Finding::fail(
            ID,
            format!(
                "{} does not send {} to exomonad",
                path.display(),
                unwired.join(", ")
            ),
            rewrite_fix(f),
        )
    } else if let Some(other) = elsewhere.first() {
        Finding::fail(
            ID,
            format!(
                "{} runs {other}, not this exomonad ({})",
                path.display(),
                exe.display()
            ),
            rewrite_fix(f),
        )
    } else {
        Finding::ok(
            ID,
            format!(
                "{}: all {} events run {} hook",
                path.display(),
                CLAUDE_HOOK_EVENTS.len(),
                exe.display()
            ),
        )
    }
}

/// `.exomonad/mcp.json` starts this binary's `mcp-stdio` as the `exomonad` server.
pub fn mcp_config(f: &Facts) -> Finding {
    const ID: &str = "mcp-config";
    let path = &f.mcp_config.0;
    let config = match wiring_file(f, ID, &f.mcp_config, "the lead has no exomonad tools") {
        Ok(v) => v,
        Err(finding) => return finding,
    };
    let server = &config["mcpServers"][MCP_SERVER_NAME];
    let command = server["command"].as_str();
    let args_ok = server["args"] == Value::from(vec![MCP_SUBCOMMAND]);
    match (command, &f.exe) {
        (None, _) => Finding::fail(
            ID,
            format!("{} has no `{MCP_SERVER_NAME}` server", path.display()),
            rewrite_fix(f),
        ),
        (Some(cmd), Some(exe)) if same_program(cmd, exe) && args_ok => Finding::ok(
            ID,
            format!("{}: {} {MCP_SUBCOMMAND}", path.display(), exe.display()),
        ),
        (Some(cmd), Some(exe)) => Finding::fail(
            ID,
            format!(
                "{} runs {cmd} {}, not {} {MCP_SUBCOMMAND}",
                path.display(),
                server["args"],
                exe.display()
            ),
            rewrite_fix(f),
        ),
        (Some(_), None) => Finding::warn(
            ID,
            "could not tell which binary this is",
            "run exomonad by its path",
        ),
    }
}

/// The project's config file is trusted when it sets keys that run code or send credentials
/// ([`crate::base::trust`]). Untrusted is a warning, not a failure: those keys fall back to
/// the defaults and everything else works.
pub fn trust(f: &Facts) -> Finding {
    const ID: &str = "trust";
    match &f.trust {
        TrustState::NothingToTrust => Finding::ok(
            ID,
            "the project's config sets no key that runs code or sends credentials",
        ),
        TrustState::Trusted { keys, .. } => {
            Finding::ok(ID, format!("trusted: {}", keys.join(", ")))
        }
        TrustState::Untrusted { keys, .. } => Finding::warn(
            ID,
            format!(
                "not trusted, so ignored: {} (the file is new or changed since `exomonad trust`)",
                keys.join(", ")
            ),
            "review .exomonad/config.toml, then run `exomonad trust` in the project",
        ),
    }
}

/// A GitHub token is there and GitHub accepts it (never printed).
pub fn github_token(f: &Facts) -> Finding {
    const ID: &str = "github-token";
    let host = &f.github_host;
    let [var, other] = crate::services::github::token_vars(host);
    let set_token = format!(
        "export {var}=<a token that can read this repository's issues> (or {other}), or run `gh auth login --hostname {}`",
        host.split(':').next().unwrap_or(host)
    );
    match &f.github {
        Ok(t) => Finding::ok(
            ID,
            format!(
                "{host} accepts the token from {} ({} of {} requests left this hour)",
                t.origin, t.remaining, t.limit
            ),
        ),
        Err(e @ (GitHubError::NoToken { .. } | GitHubError::BadToken { .. })) => {
            Finding::fail(ID, e.to_string(), set_token)
        }
        Err(GitHubError::Unauthorized { message, .. }) => Finding::fail(
            ID,
            format!("{host} rejected the token (401 {message})"),
            set_token,
        ),
        Err(e) => Finding::fail(
            ID,
            format!("could not check the token with {host}: {e}"),
            "check the network and `github_api_url` in .exomonad/config.toml (or $EXOMONAD_GITHUB_API_URL)",
        ),
    }
}

/// `origin` names a GitHub repository (workers' issues and branches come from it).
pub fn origin(f: &Facts) -> Finding {
    const ID: &str = "origin";
    let fix = "git remote add origin https://github.com/OWNER/REPO.git (or `git remote set-url origin …`)";
    match &f.origin {
        Err(e) => Finding::fail(
            ID,
            format!("{} is not a git repository: {e}", f.project_dir.display()),
            "run exomonad in a git repository (git init, or cd into one)",
        ),
        Ok(None) => Finding::fail(ID, "this repository has no `origin` remote", fix),
        Ok(Some(url)) => match RepoRef::from_remote_url(url) {
            Some(repo) => Finding::ok(ID, format!("{repo} ({url})")),
            None => Finding::fail(
                ID,
                format!("`origin` ({url}) is not a GitHub repository URL"),
                fix,
            ),
        },
    }
}

/// Enough free disk for worktrees and logs.
pub fn disk(f: &Facts) -> Finding {
    const ID: &str = "disk";
    let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
    match f.free_bytes {
        Err(ref e) => Finding::warn(ID, format!("could not read the free space: {e}"), "df -h ."),
        Ok(b) => {
            let summary = format!("{:.1} GiB free under {}", gib(b), f.project_dir.display());
            if b < DISK_FAIL_BELOW {
                Finding::fail(
                    ID,
                    summary,
                    "free some space (old worktrees: `exomonad cleanup <issue>`; build output: `cargo clean`)",
                )
            } else if b < DISK_WARN_BELOW {
                Finding::warn(
                    ID,
                    summary,
                    "every worker's worktree is a full checkout: keep a few GiB free",
                )
            } else {
                Finding::ok(ID, summary)
            }
        }
    }
}

/// Whether a report of these findings blocks the main job.
pub fn blocks(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.status == Status::Fail)
}

#[cfg(test)]
mod tests;
