//! How a worker's agent is started: its command line ([`agent_command`]), its first prompt
//! ([`first_prompt`], [`resume_prompt`]) and its own files ([`worker_files`], written by
//! [`write_worker_files`] into `<worktree>/.exomonad/`). Pure except for that last function.
//!
//! The user's global settings and the project's settings are never edited: each runtime is
//! pointed at exomonad's files for this worker alone.
//!
//! - Claude Code: `<worker_command or claude> --settings <wt>/.exomonad/claude-settings.json
//!   --mcp-config=<wt>/.exomonad/mcp.json [--resume <session id>] <prompt>`. `--settings`
//!   adds a settings file (the hooks, [`crate::wiring::claude_settings`]);
//!   `--mcp-config` adds MCP servers from a file of the form
//!   `{"mcpServers":{"<name>":{"command","args","env"}}}`. `--mcp-config` is variadic in
//!   Claude Code's parser and would swallow the prompt as a second file name
//!   (anthropics/claude-code#16122), hence the `=` form.
//! - Gemini CLI: `<worker_command or gemini> [--resume <session id>] --prompt-interactive
//!   <prompt>`, with exomonad's hooks and MCP server in the worktree's workspace settings,
//!   `<wt>/.gemini/settings.json` ([`install_gemini_settings`]). Gemini CLI 0.61 skips a
//!   "system settings" file (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`) unless it and every directory
//!   above it are owned by root and writable by nobody else, so that layer cannot carry a
//!   worker's settings; the workspace layer is read when the folder is trusted (a worktree under
//!   the project is trusted when the project is) and prints a warning naming the project hooks.
//!   A settings file the project already tracks is merged into, not replaced, and hidden from
//!   git in that worktree only (`git update-index --skip-worktree`); otherwise
//!   `.gemini/.gitignore` keeps it out of the worker's changes. Hook entries follow Gemini's
//!   `docs/hooks/reference.md` (`timeout` in milliseconds). Gemini expands `$NAME` in settings
//!   strings, so an exomonad path holding `$` would be altered. `--prompt-interactive` (`-i`)
//!   runs the prompt and stays interactive; `--resume` takes a session id.

use std::path::{Path, PathBuf};

use exomonad_protocol::AgentId;
use exomonad_protocol::Role;
use exomonad_protocol::agents::AgentKind;
use exomonad_protocol::github::{Issue, RepoRef};
use exomonad_protocol::names::{CONFIG_FILE, ENV_AGENT_ID, ENV_ROLE, STATE_DIR};
use serde_json::{Value, json};

use super::naming::WorkerNames;
use crate::base::config::EMBEDDED_GUEST;
use crate::base::config::{self, Config};
use crate::base::trust::TrustStore;
use crate::services::git::{self, Access};
use crate::wiring::{
    CLAUDE_SETTINGS_FILE, GEMINI_SETTINGS_FILE, MCP_CONFIG_FILE, MCP_SERVER_NAME, claude_settings,
    gemini_settings, mcp_servers,
};
use exomonad_ui::text::plain_text;

/// Most characters of the issue body put into the first prompt; a longer body is cut and
/// the prompt says where the rest is.
pub const BODY_MAX_CHARS: usize = 8000;

/// A command to run with extra environment variables: what the agent pane runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCommand {
    /// Variables to set, in order (`NAME`, value).
    pub env: Vec<(String, String)>,
    /// The program (a name looked up on `PATH`, or a path).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
}

/// What to launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch<'a> {
    /// The agent runtime.
    pub kind: AgentKind,
    /// The config's `worker_command`: the program and leading arguments, as shell words
    /// (`"claude --model opus"`); `None` or blank runs `claude` or `gemini`.
    pub worker_command: Option<&'a str>,
    /// The worker's worktree (absolute): its own files are in `<worktree>/.exomonad/`.
    pub worktree: &'a Path,
    /// The worker's agent id.
    pub agent_id: &'a AgentId,
    /// The prompt the agent starts with ([`first_prompt`] or [`resume_prompt`]).
    pub prompt: &'a str,
    /// The runtime's session id to resume (from the worker's runtime session record).
    pub resume: Option<&'a str>,
}

/// Why a launch cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// `worker_command` is not a valid list of shell words (an unclosed quote).
    #[error("worker_command {0:?} is not valid shell words (an unclosed quote?)")]
    WorkerCommand(String),
    /// The session id to resume has an unexpected shape.
    #[error(
        "session id {0:?} is not 1 to 128 ASCII letters, digits, '-', '_', '.' or ':' (not starting with '-')"
    )]
    SessionId(String),
    /// The prompt starts with `-`, so the runtime would read it as an option.
    #[error("the prompt must not start with '-'")]
    Prompt,
    /// A path that goes into a JSON or TOML file is not UTF-8.
    #[error("{0:?} is not UTF-8; it cannot be written into the agent's settings")]
    NotUtf8(PathBuf),
    /// A file could not be written.
    #[error("writing {path}: {message}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// `<worktree>/.exomonad/<name>`.
pub fn state_file(worktree: &Path, name: &str) -> PathBuf {
    worktree.join(STATE_DIR).join(name)
}

/// The environment every worker's processes share: [`ENV_AGENT_ID`] and [`ENV_ROLE`]
/// (`worker`). Hooks and MCP servers the agent starts inherit it.
pub fn worker_env(agent_id: &AgentId) -> Vec<(String, String)> {
    vec![
        (ENV_AGENT_ID.to_owned(), agent_id.to_string()),
        (ENV_ROLE.to_owned(), Role::Worker.to_string()),
    ]
}

/// The command line of the worker's agent (see the module docs for each runtime's form),
/// with [`worker_env`] as its environment.
///
/// # Errors
/// [`LaunchError::WorkerCommand`] when `worker_command` does not split into shell words;
/// [`LaunchError::SessionId`] for a resume id of an unexpected shape;
/// [`LaunchError::Prompt`] when the prompt starts with `-`;
/// [`LaunchError::NotUtf8`] when the worktree path is not UTF-8.
pub fn agent_command(launch: &Launch<'_>) -> Result<AgentCommand, LaunchError> {
    let default = match launch.kind {
        AgentKind::Claude => "claude",
        AgentKind::Gemini => "gemini",
    };
    let words = match launch.worker_command.map(str::trim) {
        Some(cmd) if !cmd.is_empty() => {
            shlex::split(cmd).ok_or_else(|| LaunchError::WorkerCommand(cmd.to_owned()))?
        }
        _ => vec![default.to_owned()],
    };
    let (program, leading) = words
        .split_first()
        .ok_or_else(|| LaunchError::WorkerCommand(String::new()))?;
    if let Some(id) = launch.resume {
        let ok = (1..=128).contains(&id.len())
            && !id.starts_with('-')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if !ok {
            return Err(LaunchError::SessionId(id.to_owned()));
        }
    }
    if launch.prompt.starts_with('-') {
        return Err(LaunchError::Prompt);
    }
    let file = |name| {
        let path = state_file(launch.worktree, name);
        path.to_str()
            .map(str::to_owned)
            .ok_or_else(|| LaunchError::NotUtf8(path.clone()))
    };
    let env = worker_env(launch.agent_id);
    let mut args = leading.to_vec();
    match launch.kind {
        AgentKind::Claude => {
            args.push("--settings".to_owned());
            args.push(file(CLAUDE_SETTINGS_FILE)?);
            args.push(format!("--mcp-config={}", file(MCP_CONFIG_FILE)?));
            if let Some(id) = launch.resume {
                args.extend(["--resume".to_owned(), id.to_owned()]);
            }
            if !launch.prompt.is_empty() {
                args.push(launch.prompt.to_owned());
            }
        }
        AgentKind::Gemini => {
            if let Some(id) = launch.resume {
                args.extend(["--resume".to_owned(), id.to_owned()]);
            }
            if !launch.prompt.is_empty() {
                args.extend(["--prompt-interactive".to_owned(), launch.prompt.to_owned()]);
            }
        }
    }
    Ok(AgentCommand {
        env,
        program: program.clone(),
        args,
    })
}

/// The prompt a new worker starts with: who it is, the issue (number, repository, title,
/// link, body) and what is expected of it (work in its worktree on its branch, commit).
///
/// Title and body go through [`plain_text`] (escape sequences, control and bidi characters
/// removed; the body keeps its line breaks); the body is cut after [`BODY_MAX_CHARS`]
/// characters with a note pointing to the issue's page. The prompt starts with a letter.
pub fn first_prompt(issue: &Issue, repo: &RepoRef, names: &WorkerNames) -> String {
    let title = plain_text(&issue.title, false)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let body = plain_text(&issue.body, true);
    let body = body.trim();
    let mut out = format!(
        "You are {id}, an exomonad worker agent. Your task is GitHub issue #{n} of {repo}.\n\n\
         # Issue #{n}: {title}\n",
        id = names.agent_id,
        n = issue.number,
    );
    if !issue.url.is_empty() {
        out.push_str(&format!("{}\n", plain_text(&issue.url, false)));
    }
    out.push('\n');
    if body.is_empty() {
        out.push_str("(The issue has no description.)\n");
    } else {
        let count = body.chars().count();
        if count > BODY_MAX_CHARS {
            let cut: String = body.chars().take(BODY_MAX_CHARS).collect();
            out.push_str(cut.trim_end());
            out.push_str(&format!(
                "\n\n[The description goes on for {} more characters; read it in full on the issue's page.]\n",
                count - BODY_MAX_CHARS
            ));
        } else {
            out.push_str(body);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "\n# What is expected\n\
         - You work in your own git worktree, {wt}, on the branch {branch}, which is \
         checked out there. Stay in this worktree and on this branch: do not switch \
         branches and do not touch other worktrees or the main checkout.\n\
         - Resolve the issue. Commit your work on {branch} as you go, in small commits \
         with clear messages; leave nothing uncommitted when you stop.\n\
         - When you are done, say so and summarise what you changed.\n",
        wt = names.worktree.display(),
        branch = names.branch,
    ));
    out
}

/// The prompt of a worker started again after its agent died: go on with the issue on the
/// branch, looking at `git status` and `git log` to see where it stopped. Use it with a
/// resumed session; without one, the agent has no memory and needs [`first_prompt`].
pub fn resume_prompt(issue_number: u64, repo: &RepoRef, branch: &str) -> String {
    format!(
        "Your session was restarted. Go on with GitHub issue #{issue_number} of {repo} on the \
         branch {branch} in this worktree; check `git status` and `git log` to see where you \
         stopped. Commit your work on {branch} as you go."
    )
}

/// One file of a worker's own state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerFile {
    /// File name inside `<worktree>/.exomonad/`.
    pub name: &'static str,
    /// Its contents.
    pub contents: String,
}

/// What a worker's files are made from.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSetup<'a> {
    /// The agent runtime: which settings files are needed.
    pub kind: AgentKind,
    /// The `exomonad` executable the hooks and the MCP server run (absolute).
    pub exe: &'a Path,
    /// The worker's agent id.
    pub agent_id: &'a AgentId,
    /// The lead's project directory (absolute), where the worker's record is.
    pub project_dir: &'a Path,
    /// The Zellij session the worker's events and forms go to.
    pub session: Option<&'a str>,
    /// The lead's config: its `guest` and `github_api_url` carry over to the worker.
    pub lead_config: &'a Config,
}

/// The files of a worker, as values:
/// - `config.toml` ([`CONFIG_FILE`]): `role = "worker"`, `agent_id`, `session`,
///   `project_dir`, and the lead's `guest` (a relative path made absolute against the
///   lead's project, as the lead reads it) and `github_api_url`;
/// - Claude: [`CLAUDE_SETTINGS_FILE`] (hooks to `<exe> hook <Event>`) and
///   [`MCP_CONFIG_FILE`] (`{"mcpServers":{"exomonad":{"command":<exe>,"args":["mcp-stdio"],
///   "env":{EXOMONAD_AGENT_ID, EXOMONAD_ROLE}}}}`);
/// - Gemini: [`GEMINI_SETTINGS_FILE`] (`hooksConfig.enabled`, hooks to
///   `<exe> hook <Event> --runtime gemini` for [`crate::wiring::GEMINI_HOOK_EVENTS`], and the same
///   `mcpServers`, marked `trust`), which [`install_gemini_settings`] puts where Gemini CLI
///   reads it.
///
/// # Errors
/// [`LaunchError::NotUtf8`] when the executable or the project path is not UTF-8.
pub fn worker_files(setup: &WorkerSetup<'_>) -> Result<Vec<WorkerFile>, LaunchError> {
    let utf8 = |p: &Path| {
        p.to_str()
            .map(str::to_owned)
            .ok_or_else(|| LaunchError::NotUtf8(p.to_path_buf()))
    };
    let exe = utf8(setup.exe)?;
    let guest = setup.lead_config.guest.as_deref().map(|g| {
        let g = g.trim();
        if g == EMBEDDED_GUEST || g.starts_with("~/") || Path::new(g).is_absolute() {
            g.to_owned()
        } else {
            setup.project_dir.join(g).to_string_lossy().into_owned()
        }
    });
    let worker_config = Config {
        role: Some(Role::Worker),
        agent_id: Some(setup.agent_id.to_string()),
        session: setup.session.map(str::to_owned),
        project_dir: Some(utf8(setup.project_dir)?),
        guest,
        github_api_url: setup.lead_config.github_api_url.clone(),
        ..Config::default()
    };
    let config_toml = toml::to_string_pretty(&worker_config)
        .expect("a config of strings always serializes to TOML");
    let env: serde_json::Map<String, Value> = worker_env(setup.agent_id)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let mcp_servers = mcp_servers(&exe, env);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("JSON values serialize");
    let mut files = vec![WorkerFile {
        name: CONFIG_FILE,
        contents: config_toml,
    }];
    match setup.kind {
        AgentKind::Claude => {
            files.push(WorkerFile {
                name: CLAUDE_SETTINGS_FILE,
                contents: pretty(&claude_settings(&exe)),
            });
            files.push(WorkerFile {
                name: MCP_CONFIG_FILE,
                contents: pretty(&json!({ "mcpServers": mcp_servers })),
            });
        }
        AgentKind::Gemini => {
            let mut settings = gemini_settings(&exe);
            settings["mcpServers"] = mcp_servers;
            // exomonad's own server, written by exomonad: trusted by construction, so that
            // Gemini CLI does not ask the person in the worker's pane before each of its
            // tools (an `ask_human` would otherwise wait on two prompts).
            settings["mcpServers"][MCP_SERVER_NAME]["trust"] = json!(true);
            files.push(WorkerFile {
                name: GEMINI_SETTINGS_FILE,
                contents: pretty(&settings),
            });
        }
    }
    Ok(files)
}

/// Writes `files` into `<worktree>/.exomonad/` (created with its `.gitignore` of `*` by
/// [`config::ensure_state_dir`], so they never show as changes of the worktree), each one
/// atomically (a temporary file renamed into place). Returns the directory.
///
/// The worker's `config.toml` is exomonad's own writing, so it is trusted by construction:
/// with a `trust` store, its exact contents are recorded there as they are written
/// ([`TrustStore::record`]), and the worker's hooks and MCP server honour its `guest` and
/// `github_api_url` (which come from the lead's effective, trusted config).
///
/// # Errors
/// [`LaunchError::Write`] naming the file or directory that could not be written (or the
/// trust record that could not be).
pub fn write_worker_files(
    worktree: &Path,
    files: &[WorkerFile],
    trust: Option<&TrustStore>,
) -> Result<PathBuf, LaunchError> {
    let dir = config::ensure_state_dir(worktree).map_err(|e| LaunchError::Write {
        path: worktree.join(STATE_DIR),
        message: format!("{e:#}"),
    })?;
    for file in files {
        let path = dir.join(file.name);
        crate::base::fs::write_atomic(&path, file.contents.as_bytes()).map_err(|e| {
            LaunchError::Write {
                path: path.clone(),
                message: e.to_string(),
            }
        })?;
        if file.name == CONFIG_FILE
            && let Some(store) = trust
        {
            store
                .record(&path, file.contents.as_bytes())
                .map_err(|e| LaunchError::Write {
                    path: store.dir().to_path_buf(),
                    message: format!("{e:#}"),
                })?;
        }
    }
    Ok(dir)
}

/// Gemini CLI's workspace settings file, relative to the worktree.
pub const GEMINI_WORKSPACE_SETTINGS: &str = ".gemini/settings.json";

/// Prefix of the names of exomonad's Gemini hook definitions (`exomonad-<Event>`, see
/// [`crate::wiring::gemini_settings`]).
const GEMINI_HOOK_NAME_PREFIX: &str = "exomonad-";

/// `existing` workspace settings (the project's, or none) with exomonad's `ours` (a
/// [`GEMINI_SETTINGS_FILE`]) merged in: `hooksConfig.enabled` set, each of our hook events
/// holding the project's own definitions followed by ours (an earlier copy of ours replaced),
/// and our MCP server added; every other setting of the project kept. Pure.
pub fn merge_gemini_settings(existing: Option<Value>, ours: &Value) -> Value {
    let mut merged = match existing {
        Some(Value::Object(map)) => Value::Object(map),
        _ => json!({}),
    };
    if !merged["hooksConfig"].is_object() {
        merged["hooksConfig"] = json!({});
    }
    merged["hooksConfig"]["enabled"] = json!(true);
    if !merged["hooks"].is_object() {
        merged["hooks"] = json!({});
    }
    let is_ours = |def: &Value| {
        def["hooks"].as_array().is_some_and(|hooks| {
            hooks.iter().any(|h| {
                h["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(GEMINI_HOOK_NAME_PREFIX))
            })
        })
    };
    if let Some(events) = ours["hooks"].as_object() {
        for (event, defs) in events {
            let mut list: Vec<Value> = merged["hooks"][event]
                .as_array()
                .map(|l| l.iter().filter(|d| !is_ours(d)).cloned().collect())
                .unwrap_or_default();
            list.extend(defs.as_array().cloned().unwrap_or_default());
            merged["hooks"][event] = Value::Array(list);
        }
    }
    if !merged["mcpServers"].is_object() {
        merged["mcpServers"] = json!({});
    }
    if let Some(servers) = ours["mcpServers"].as_object() {
        for (name, server) in servers {
            merged["mcpServers"][name] = server.clone();
        }
    }
    merged
}

/// Puts exomonad's Gemini settings `ours` (the contents of the worker's
/// [`GEMINI_SETTINGS_FILE`]) into the worktree's [`GEMINI_WORKSPACE_SETTINGS`], merged with what
/// is there ([`merge_gemini_settings`]), and keeps the file out of the worker's changes: a file
/// the project tracks is marked `--skip-worktree` in this worktree's index; an untracked one is
/// ignored by a `.gemini/.gitignore` naming it (written unless one exists; a warning is logged
/// when the file still shows as a change).
///
/// # Errors
/// [`LaunchError::Write`] when a file cannot be read, parsed or written, or git fails.
pub fn install_gemini_settings(worktree: &Path, ours: &str) -> Result<PathBuf, LaunchError> {
    let path = worktree.join(GEMINI_WORKSPACE_SETTINGS);
    let fail = |path: &Path, message: String| LaunchError::Write {
        path: path.to_path_buf(),
        message,
    };
    let ours: Value = serde_json::from_str(ours).map_err(|e| fail(&path, e.to_string()))?;
    let git_run = |args: &[&str], access| {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        git::run(worktree, &args, access, git::READ_LIMIT, None)
            .map_err(|e| fail(&path, e.to_string()))
    };
    let tracked = git_run(
        &[
            "ls-files",
            "--error-unmatch",
            "--",
            GEMINI_WORKSPACE_SETTINGS,
        ],
        Access::Read,
    )?
    .success;
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).map_err(|e| {
            fail(
                &path,
                format!("the project's Gemini settings are not JSON: {e}"),
            )
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail(&path, e.to_string())),
    };
    let merged = merge_gemini_settings(existing, &ours);
    let dir = path.parent().expect("the settings file has a directory");
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e.to_string()))?;
    let text = serde_json::to_string_pretty(&merged).expect("JSON values serialize");
    crate::base::fs::write_atomic(&path, text.as_bytes())
        .map_err(|e| fail(&path, e.to_string()))?;
    if tracked {
        let out = git_run(
            &[
                "update-index",
                "--skip-worktree",
                "--",
                GEMINI_WORKSPACE_SETTINGS,
            ],
            Access::Write,
        )?;
        if !out.success {
            return Err(fail(&path, format!("git update-index: {}", out.stderr)));
        }
        return Ok(path);
    }
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        crate::base::fs::write_atomic(&ignore, b"settings.json\n.gitignore\n")
            .map_err(|e| fail(&ignore, e.to_string()))?;
    }
    let ignored = git_run(
        &["check-ignore", "-q", "--", GEMINI_WORKSPACE_SETTINGS],
        Access::Read,
    )?
    .success;
    if !ignored {
        tracing::warn!(
            "{} is not ignored by git in this worktree: it will show as an untracked file",
            path.display()
        );
    }
    Ok(path)
}
