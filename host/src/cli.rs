//! The command line (`clap`). `exomonad --help` lists the commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use exomonad_protocol::Runtime;

use crate::commands;
use crate::context::Context;

/// Run a team of AI coding agents (Claude Code, Gemini CLI) in Zellij.
#[derive(Debug, Parser)]
#[command(name = "exomonad", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Handle one hook of an agent runtime: payload on stdin, answer on stdout (always exit 0).
    Hook {
        /// The hook event, as the runtime spells it (PreToolUse) or kebab-case (pre-tool-use).
        event: String,
        /// Which runtime fired it: claude or gemini.
        #[arg(long, default_value = "claude")]
        runtime: Runtime,
    },
    /// Serve the agent's MCP tools on stdin/stdout (Model Context Protocol, JSON-RPC lines).
    ///
    /// Agent runtimes start it (Claude Code: `--mcp-config`); it stops when stdin closes.
    McpStdio,
    /// Spawn one worker agent per GitHub issue, each in its own git worktree and Zellij tab.
    ///
    /// An issue whose worker runs gets its tab focused; a dead worker is resumed.
    Spawn {
        /// Issue numbers.
        #[arg(required = true)]
        issues: Vec<u64>,
        /// Repository owner (default: from the `origin` remote).
        #[arg(long)]
        owner: Option<String>,
        /// Repository name (default: from the `origin` remote).
        #[arg(long)]
        repo: Option<String>,
        /// Where worktrees go (default: `worktree_dir` in config, else .exomonad/worktrees).
        #[arg(long)]
        worktree_dir: Option<std::path::PathBuf>,
        /// The agent runtime: claude or gemini (default: `worker_agent` in config, else claude).
        #[arg(long, value_parser = parse_agent)]
        agent: Option<exomonad_protocol::agents::AgentKind>,
        /// Print the report as JSON on stdout instead of progress lines.
        #[arg(long)]
        json: bool,
    },
    /// List the workers: issue, tab, dashboard state, uncommitted files, commits ahead, PR.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// End workers: close their tabs and remove their worktrees, never losing work unless
    /// --force (uncommitted changes are then lost; commits stay on the branch).
    Cleanup {
        /// Issue numbers.
        #[arg(required = true)]
        issues: Vec<u64>,
        /// Remove worktrees with uncommitted changes or unpushed, unmerged commits too.
        #[arg(long)]
        force: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open (or attach to) this project's Zellij session with the lead pane and the dashboard.
    Init {
        /// Session name (default: `session` in .exomonad/config.toml, else the directory name).
        #[arg(long)]
        session: Option<String>,
        /// Replace a live session of that name instead of attaching to it.
        #[arg(long)]
        recreate: bool,
    },
    /// Ask the person a form (in the dashboard, else in this terminal); print the reply JSON.
    ///
    /// Exit code: 0 submitted, 2 cancelled, 3 timed out, 4 no dashboard, 1 invalid form or error.
    Popup {
        /// The form request JSON: a file, or `-` for stdin.
        #[arg(long)]
        form: String,
        /// Seconds to wait for an answer before giving up (the form is then removed).
        #[arg(long, default_value_t = crate::popup::DEFAULT_TIMEOUT.as_secs())]
        timeout: u64,
    },
    /// Write the dashboard plugin file (if needed) and print its absolute path.
    PluginPath,
    /// Trust this project's .exomonad/config.toml as it is now, so that its keys that run
    /// code or send credentials (lead_command, worker_command, guest, github_api_url) count.
    ///
    /// The file's digest goes to $XDG_DATA_HOME/exomonad/trust; any later edit makes it
    /// untrusted again. Review the file first: it is printed keys and all.
    Trust {
        /// Withdraw the trust of the file as it is now instead.
        #[arg(long)]
        revoke: bool,
    },
    /// Check what a working set-up needs (Zellij, the dashboard's permissions, the agents,
    /// exomonad's hook settings and MCP config, the GitHub token, `origin`, free disk) and
    /// print, per item, ok or what is wrong and the exact fix.
    ///
    /// Exit code: 1 when something blocks the main job (a FAIL line), else 0.
    Doctor {
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    ///
    /// bash: `exomonad completions bash > ~/.local/share/bash-completion/completions/exomonad`;
    /// zsh: into a directory of `$fpath` as `_exomonad`; fish: `~/.config/fish/completions/exomonad.fish`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page exomonad(1) (roff); with --out-dir, write it and one page per
    /// subcommand there.
    Man {
        /// Where to write exomonad.1 and exomonad-<command>.1 (e.g. ~/.local/share/man/man1).
        #[arg(long)]
        out_dir: Option<std::path::PathBuf>,
    },
    /// Work with guests (the WASM modules that make every decision).
    Guest {
        /// What to do.
        #[command(subcommand)]
        action: GuestAction,
    },
}

/// `exomonad guest ...`.
#[derive(Debug, Subcommand)]
pub enum GuestAction {
    /// Run the conformance vectors against a guest and print a pass/fail table.
    ///
    /// Exit code: 0 when every vector passed, 1 otherwise.
    Check {
        /// The guest's .wasm file.
        #[arg(required_unless_present = "embedded", conflicts_with = "embedded")]
        file: Option<std::path::PathBuf>,
        /// Check the guest built into this binary instead of a file.
        #[arg(long)]
        embedded: bool,
        /// The vectors folder (default: tests/conformance of the repository around the
        /// working directory).
        #[arg(long)]
        vectors: Option<std::path::PathBuf>,
    },
}

impl Command {
    /// The command's name in log lines, and whether its warnings and errors also go to
    /// stderr (interactive commands; never `hook` and `mcp-stdio`, whose stdio is a protocol
    /// channel to the agent runtime).
    fn log_setup(&self) -> (&'static str, bool) {
        match self {
            Command::Hook { .. } => ("hook", false),
            Command::McpStdio => ("mcp", false),
            Command::Spawn { .. } => ("spawn", false),
            Command::List { .. } => ("list", false),
            Command::Cleanup { .. } => ("cleanup", false),
            Command::Init { .. } => ("init", true),
            Command::Popup { .. } => ("popup", false),
            Command::PluginPath => ("plugin-path", false),
            Command::Guest { .. } => ("guest", false),
            Command::Trust { .. } => ("trust", false),
            Command::Doctor { .. } => ("doctor", false),
            Command::Completions { .. } => ("completions", false),
            Command::Man { .. } => ("man", false),
        }
    }

    /// Whether stdout and stderr belong to an agent runtime's protocol (`hook`, `mcp-stdio`):
    /// then nothing but the answer is printed, and warnings only go to the log.
    fn is_protocol(&self) -> bool {
        matches!(self, Command::Hook { .. } | Command::McpStdio)
    }
}

/// Parses the arguments and runs the command: resolves the [`Context`] and sets up logging
/// once (`.exomonad/logs/`, [`crate::base::logging`]), then hands over to the command's module in
/// [`commands`].
///
/// A `hook` whose arguments do not parse still answers `{}` with exit 0 (and says why on
/// stderr): a misconfigured hook must not block the agent (exit 2 would).
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if std::env::args().nth(1).as_deref() == Some("hook") => {
            eprintln!("exomonad hook: {e}");
            println!("{}", crate::hook::answer::PROCEED);
            return ExitCode::SUCCESS;
        }
        Err(e) => e.exit(),
    };
    // Commands that act on no project.
    match &cli.command {
        Command::Guest {
            action:
                GuestAction::Check {
                    file,
                    embedded,
                    vectors,
                },
        } => return commands::guest::check(file.as_deref(), *embedded, vectors.as_deref()),
        Command::PluginPath => {
            return commands::report(
                crate::base::paths::install_dashboard().map(|p| println!("{}", p.display())),
            );
        }
        Command::Completions { shell } => return commands::shell::completions(*shell),
        Command::Man { out_dir } => return commands::shell::man(out_dir.as_deref()),
        _ => {}
    }
    let ctx = Context::from_process();
    let (name, stderr) = cli.command.log_setup();
    let project = ctx.in_project.then_some(ctx.project_dir.as_path());
    let _log = crate::base::logging::init(project, name, stderr);
    for w in &ctx.warnings {
        tracing::warn!("{w}");
    }
    // The one message for an untrusted project file; `trust` itself says what it trusts.
    if let Some(w) = ctx.trust.warning()
        && !matches!(cli.command, Command::Trust { .. })
    {
        tracing::warn!("{w}");
        if !stderr && !cli.command.is_protocol() {
            eprintln!("exomonad: {w}");
        }
    }
    match cli.command {
        Command::Hook { event, runtime } => commands::hook::exec(&ctx, &event, runtime),
        Command::McpStdio => commands::mcp::exec(&ctx),
        Command::Spawn {
            issues,
            owner,
            repo,
            worktree_dir,
            agent,
            json,
        } => {
            let args = commands::workers::SpawnArgs {
                issues,
                owner,
                repo,
                worktree_dir,
                agent,
                json,
            };
            commands::workers::spawn(&ctx, args)
        }
        Command::List { json } => commands::workers::list(&ctx, json),
        Command::Cleanup {
            issues,
            force,
            json,
        } => commands::workers::cleanup(&ctx, issues, force, json),
        Command::Init { session, recreate } => {
            let options = crate::session::InitOptions { session, recreate };
            commands::init::exec(&ctx, &options)
        }
        Command::Popup { form, timeout } => {
            commands::popup::exec(&ctx, &form, std::time::Duration::from_secs(timeout))
        }
        Command::Trust { revoke } => commands::trust::exec(&ctx, revoke),
        Command::Doctor { json } => commands::doctor::exec(&ctx, json),
        Command::Guest { .. }
        | Command::PluginPath
        | Command::Completions { .. }
        | Command::Man { .. } => unreachable!("handled above"),
    }
}

/// `claude` or `gemini`.
fn parse_agent(s: &str) -> Result<exomonad_protocol::agents::AgentKind, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("{s:?} is not an agent runtime: claude or gemini"))
}
