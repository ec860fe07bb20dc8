//! The session flow (`exomonad init [--session NAME] [--recreate]`): opens the project's
//! Zellij session with the lead pane and the dashboard ([`layout`] renders its layout).
//!
//! Steps: install the dashboard plugin file ([`crate::base::paths::install_dashboard`]); compile
//! the guest into the cache (so the first hook is fast); write exomonad's Claude hook settings
//! to `.exomonad/claude-settings.json` and its MCP config to `.exomonad/mcp.json` (always, also
//! when `lead_command` is set: such a command points at them); render the session
//! layout to `.exomonad/layouts/exomonad-session.kdl`; then, by the session's state: none → create
//! it; exited → delete it and create it; live → attach (or, with `--recreate`, kill,
//! delete and create). Creating and attaching replace this process with `zellij`.

pub mod layout;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use exomonad_protocol::names::{ENV_ZELLIJ, ENV_ZELLIJ_SESSION_NAME};

use self::layout::{SESSION_LAYOUT, SessionLayout};
use crate::base::config::ensure_state_dir;
use crate::base::fs::write_atomic;
use crate::base::paths;
use crate::context::Context;
use crate::guest::{Guest, GuestOptions, HostState};
use crate::services::dashboard::events::Discard;
use crate::services::zellij::{SessionInfo, Zellij, ZellijError};
use crate::wiring::{CLAUDE_SETTINGS_FILE, MCP_CONFIG_FILE, claude_settings, mcp_servers};

/// Name of the rendered session layout in `.exomonad/layouts/` (Zellij takes it by name).
pub const SESSION_LAYOUT_NAME: &str = "exomonad-session";

/// Options of `exomonad init`.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Session name; default: `session` from the config, else the project directory's name.
    pub session: Option<String>,
    /// Replace a live session of that name instead of attaching to it.
    pub recreate: bool,
}

/// Opens the session. Returns only on error: on success the process becomes `zellij`.
///
/// # Errors
/// Inside Zellij already; a session name that is empty or holds `/` or control characters;
/// files that cannot be written; Zellij missing or failing.
pub fn open(ctx: &Context, options: &InitOptions) -> Result<()> {
    if std::env::var_os(ENV_ZELLIJ).is_some() {
        let current = std::env::var(ENV_ZELLIJ_SESSION_NAME).unwrap_or_default();
        bail!(
            "already inside Zellij (session {current:?}): run `exomonad init` from a terminal outside Zellij"
        );
    }
    let session = options
        .session
        .clone()
        .or_else(|| ctx.session.clone())
        .unwrap_or_else(|| default_session_name(&ctx.project_dir));
    validate_session_name(&session)?;

    let plugin = paths::install_dashboard()?;
    warm_guest_cache(&ctx.project_dir);
    let state_dir = ensure_state_dir(&ctx.project_dir)?;
    let lead_command = lead_command(ctx, &state_dir)?;
    let layout = SessionLayout {
        plugin_url: paths::plugin_url(&plugin),
        cwd: ctx.project_dir.display().to_string(),
        lead_command,
    }
    .render(SESSION_LAYOUT)?;
    let layout_dir = state_dir.join("layouts");
    std::fs::create_dir_all(&layout_dir)
        .with_context(|| format!("creating {}", layout_dir.display()))?;
    let layout_path = layout_dir.join(format!("{SESSION_LAYOUT_NAME}.kdl"));
    write_atomic(&layout_path, layout.as_bytes())
        .with_context(|| format!("writing {}", layout_path.display()))?;

    let zellij = Zellij::from_env();
    let existing = zellij
        .list_sessions()?
        .into_iter()
        .find(|s| s.name == session);
    let limit = std::time::Duration::from_secs(10);
    match plan(existing.as_ref(), options.recreate) {
        SessionPlan::Attach => {
            tracing::info!("attaching to the live session {session}");
            return Err(zellij
                .command()
                .args(["attach", &session])
                .stdin(std::process::Stdio::inherit())
                .exec()
                .into());
        }
        SessionPlan::ReplaceLive => {
            tracing::info!("--recreate: killing the live session {session}");
            zellij.run(&["kill-session", &session], limit)?;
            // A killed session is kept for resurrection only when Zellij serializes sessions;
            // otherwise there is nothing left to delete and Zellij says "not found".
            match zellij.run(&["delete-session", "--force", &session], limit) {
                Err(ZellijError::Failed { stderr, .. }) if stderr.contains("not found") => {}
                other => drop(other?),
            }
        }
        SessionPlan::ReplaceExited => {
            tracing::info!("deleting the exited session {session}");
            zellij.run(&["delete-session", "--force", &session], limit)?;
        }
        SessionPlan::Create => {}
    }
    tracing::info!("creating session {session} with {}", layout_path.display());
    // The layout goes by name from our own layout directory: Zellij 0.45.1 was seen to
    // start with its default layout when `--new-session-with-layout` got a file path.
    let err = zellij
        .command()
        .args([
            "--session",
            &session,
            "--new-session-with-layout",
            SESSION_LAYOUT_NAME,
        ])
        .args(["options", "--layout-dir"])
        .arg(&layout_dir)
        .current_dir(&ctx.project_dir)
        .stdin(std::process::Stdio::inherit())
        .exec();
    Err(err).context("starting zellij")
}

/// What `init` does with a session of the wanted name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPlan {
    /// None exists: create it.
    Create,
    /// A live one exists and `--recreate` was not given: attach to it.
    Attach,
    /// A live one exists and `--recreate` was given: kill and delete it, then create it.
    ReplaceLive,
    /// An exited (resurrectable) one exists: delete it, then create it with our layout.
    ReplaceExited,
}

/// Decides what to do with `existing` (the session of the wanted name, if any). Pure.
pub fn plan(existing: Option<&SessionInfo>, recreate: bool) -> SessionPlan {
    match existing {
        None => SessionPlan::Create,
        Some(s) if s.exited => SessionPlan::ReplaceExited,
        Some(_) if recreate => SessionPlan::ReplaceLive,
        Some(_) => SessionPlan::Attach,
    }
}

/// Loads the embedded guest once so that wasmtime compiles it into the on-disk cache now,
/// not in the first hook of the session (seconds in a debug build, the hook's whole budget).
fn warm_guest_cache(project_dir: &Path) {
    let host = HostState::new(project_dir.to_path_buf(), Box::new(Discard), None);
    if let Err(e) = Guest::embedded(host, &GuestOptions::default()) {
        tracing::warn!("could not compile the guest ahead of time ({e:#}); the first hook will");
    }
}

/// The default session name: the slug of the project directory's name
/// ([`exomonad_protocol::slug::slug`], at most 32 bytes), `exomonad` when it has no ASCII
/// letter or digit.
pub fn default_session_name(project_dir: &Path) -> String {
    let name = project_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = exomonad_protocol::slug::slug(&name, SESSION_NAME_MAX_BYTES);
    if slug.is_empty() {
        "exomonad".to_owned()
    } else {
        slug
    }
}

/// Longest default session name, in bytes.
const SESSION_NAME_MAX_BYTES: usize = 32;

fn validate_session_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.contains('/')
        || exomonad_ui::text::remove_controls(name, false) != name
    {
        bail!(
            "session name {name:?} is not usable: it must be non-empty, without '/' or control characters"
        );
    }
    Ok(())
}

/// The lead pane's command. Writes exomonad's files for the lead first, whatever the command:
/// `.exomonad/claude-settings.json` (the hooks) and `.exomonad/mcp.json` (the MCP server), so
/// that a `lead_command` pointing at them (as the README's example does) finds them. Then:
/// `lead_command` from the config (split like a shell would); else `claude --settings <those
/// hook settings> --mcp-config=<that MCP config>` when `claude` is on PATH; else `None` (the
/// user's shell).
fn lead_command(ctx: &Context, state_dir: &Path) -> Result<Option<Vec<String>>> {
    let exe = std::env::current_exe().context("finding the exomonad executable")?;
    let (settings, mcp) = write_lead_files(state_dir, &exe.display().to_string())?;
    if let Some(cmd) = &ctx.config.lead_command {
        let words = shlex::split(cmd)
            .with_context(|| format!("lead_command {cmd:?} is not valid shell words"))?;
        return Ok((!words.is_empty()).then_some(words));
    }
    if which::which("claude").is_err() {
        return Ok(None);
    }
    Ok(Some(vec![
        "claude".into(),
        "--settings".into(),
        settings.display().to_string(),
        // `=`: the option takes several values and would swallow a following argument.
        format!("--mcp-config={}", mcp.display()),
    ]))
}

/// Writes the lead's Claude hook settings and MCP config into `state_dir`, both running
/// `exe`; returns their paths.
fn write_lead_files(state_dir: &Path, exe: &str) -> Result<(PathBuf, PathBuf)> {
    let settings = state_dir.join(CLAUDE_SETTINGS_FILE);
    let body = serde_json::to_string_pretty(&claude_settings(exe))?;
    write_atomic(&settings, body.as_bytes())
        .with_context(|| format!("writing {}", settings.display()))?;
    let mcp = state_dir.join(MCP_CONFIG_FILE);
    let servers = mcp_servers(exe, Default::default());
    let body = serde_json::to_string_pretty(&serde_json::json!({ "mcpServers": servers }))?;
    write_atomic(&mcp, body.as_bytes()).with_context(|| format!("writing {}", mcp.display()))?;
    Ok((settings, mcp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_plans() {
        let live = SessionInfo {
            name: "s".into(),
            exited: false,
        };
        let exited = SessionInfo {
            name: "s".into(),
            exited: true,
        };
        assert_eq!(plan(None, false), SessionPlan::Create);
        assert_eq!(plan(None, true), SessionPlan::Create);
        assert_eq!(plan(Some(&live), false), SessionPlan::Attach);
        assert_eq!(plan(Some(&live), true), SessionPlan::ReplaceLive);
        assert_eq!(plan(Some(&exited), false), SessionPlan::ReplaceExited);
        assert_eq!(plan(Some(&exited), true), SessionPlan::ReplaceExited);
    }

    #[test]
    fn session_names() {
        assert_eq!(
            default_session_name(Path::new("/home/u/My Project!")),
            "my-project"
        );
        assert_eq!(default_session_name(Path::new("/")), "exomonad");
        assert!(validate_session_name("ok-name").is_ok());
        assert!(validate_session_name("a/b").is_err());
        assert!(validate_session_name("a\u{1b}b").is_err());
        assert!(validate_session_name("").is_err());
    }
}
