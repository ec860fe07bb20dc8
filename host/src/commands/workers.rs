//! `exomonad spawn`, `exomonad list` and `exomonad cleanup`: the worker-agent life cycle on
//! the command line, over the same [`Orchestrator`] the MCP tools use.
//!
//! `spawn` shows one progress line per issue (indicatif, on stderr) and a summary; `--json`
//! prints the report JSON on stdout instead (the shapes of [`exomonad_protocol::agents`]).
//! Exit code: 0 when every issue went well, 1 when any failed or was refused.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::anyhow;
use exomonad_protocol::agents::{
    AgentKind, CleanupOutcome, CleanupRequest, SpawnOutcome, SpawnRequest,
};
use exomonad_protocol::github::{NoRepo, RepoRef};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::context::Context;
use crate::services::git;
use crate::services::github::GitHubService;
use crate::workers::Agents;
use crate::workers::orchestrator::Orchestrator;

/// `owner`/`repo` as given, the missing parts from the project's `origin` remote.
///
/// # Errors
/// When a part is missing and `origin` is not a GitHub repository URL.
pub fn repo_or_origin(
    ctx: &Context,
    owner: Option<String>,
    repo: Option<String>,
) -> anyhow::Result<RepoRef> {
    RepoRef::given_or_remote(owner, repo, || git::remote_url(&ctx.project_dir, "origin")).map_err(
        |e| match e {
            NoRepo::Lookup(e) => anyhow::Error::new(e),
            NoRepo::NotGitHub(url) => anyhow!(
                "give --owner and --repo: the project's `origin` ({}) is not a GitHub repository",
                url.as_deref().unwrap_or("none")
            ),
        },
    )
}

/// What `exomonad spawn` was given.
#[derive(Debug, Clone)]
pub struct SpawnArgs {
    /// Issue numbers.
    pub issues: Vec<u64>,
    /// Repository owner (default: from `origin`).
    pub owner: Option<String>,
    /// Repository name (default: from `origin`).
    pub repo: Option<String>,
    /// Where the worktrees go.
    pub worktree_dir: Option<PathBuf>,
    /// Which runtime.
    pub agent: Option<AgentKind>,
    /// Print the report as JSON instead of progress lines.
    pub json: bool,
}

fn line(outcome: &SpawnOutcome) -> (u64, bool, String) {
    match outcome {
        SpawnOutcome::Spawned {
            worker,
            reused_worktree,
        } => (
            worker.issue,
            true,
            format!(
                "spawned {} on {} in tab {}{}",
                worker.agent_id,
                worker.branch,
                tab(worker.tab_id),
                if *reused_worktree {
                    " (existing worktree kept)"
                } else {
                    ""
                }
            ),
        ),
        SpawnOutcome::Resumed { worker, session_id } => (
            worker.issue,
            true,
            format!(
                "resumed {} in tab {}{}",
                worker.agent_id,
                tab(worker.tab_id),
                session_id
                    .as_deref()
                    .map(|s| format!(" (session {s})"))
                    .unwrap_or_default()
            ),
        ),
        SpawnOutcome::Focused { worker } => (
            worker.issue,
            true,
            format!(
                "{} is running: focused tab {}",
                worker.agent_id,
                tab(worker.tab_id)
            ),
        ),
        SpawnOutcome::Failed { issue, error } => (*issue, false, format!("failed: {error}")),
    }
}

fn tab(id: Option<u64>) -> String {
    id.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

/// Runs `exomonad spawn`.
pub fn spawn(ctx: &Context, args: SpawnArgs) -> ExitCode {
    let run = || -> anyhow::Result<bool> {
        let request = SpawnRequest {
            issues: args.issues.clone(),
            repo: repo_or_origin(ctx, args.owner.clone(), args.repo.clone())?,
            worktree_dir: args
                .worktree_dir
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
            agent: args.agent,
        };
        let orchestrator =
            Orchestrator::for_project(ctx, GitHubService::from_process(&ctx.config))?;
        let bars = MultiProgress::new();
        if args.json {
            bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let style = ProgressStyle::with_template("{spinner} #{prefix:<6} {wide_msg}")
            .expect("a valid template");
        let by_issue: Vec<(u64, ProgressBar)> = request
            .issues
            .iter()
            .map(|&n| {
                let bar = bars.add(ProgressBar::new_spinner().with_style(style.clone()));
                bar.set_prefix(n.to_string());
                bar.set_message("fetching, creating the worktree, opening the tab…");
                bar.enable_steady_tick(Duration::from_millis(120));
                (n, bar)
            })
            .collect();
        let report = orchestrator
            .spawn_with_progress(&request, &|outcome| {
                let (issue, _, text) = line(outcome);
                if let Some((_, bar)) = by_issue.iter().find(|(n, _)| *n == issue) {
                    bar.finish_with_message(text);
                }
            })
            .map_err(|e| anyhow!(e.message))?;
        for (_, bar) in &by_issue {
            if !bar.is_finished() {
                bar.finish();
            }
        }
        let failed = report
            .results
            .iter()
            .filter(|o| matches!(o, SpawnOutcome::Failed { .. }))
            .count();
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            eprintln!(
                "{} of {} issues running, {failed} failed",
                report.results.len() - failed,
                report.results.len()
            );
        }
        Ok(failed == 0)
    };
    exit(run())
}

/// Runs `exomonad list`.
pub fn list(ctx: &Context, json: bool) -> ExitCode {
    let run = || -> anyhow::Result<bool> {
        let list = Orchestrator::for_project(ctx, GitHubService::from_process(&ctx.config))?
            .list()
            .map_err(|e| anyhow!(e.message))?;
        if json {
            println!("{}", serde_json::to_string_pretty(&list)?);
            return Ok(true);
        }
        if list.agents.is_empty() {
            println!("no workers");
        }
        for a in &list.agents {
            let w = &a.worker;
            println!(
                "#{:<6} {:<10} {:<9} {:<12} dirty {:<4} ahead {:<4} {}  {}",
                w.issue,
                w.agent_id,
                if a.tab_open { "tab open" } else { "tab gone" },
                a.dashboard_state.as_deref().unwrap_or("-"),
                a.dirty_files.map_or("-".into(), |n| n.to_string()),
                a.commits_ahead.map_or("-".into(), |n| n.to_string()),
                a.pull_request
                    .as_ref()
                    .map_or("no PR".into(), |p| format!("PR #{} {}", p.number, p.state)),
                w.branch,
            );
        }
        Ok(true)
    };
    exit(run())
}

/// Runs `exomonad cleanup`.
pub fn cleanup(ctx: &Context, issues: Vec<u64>, force: bool, json: bool) -> ExitCode {
    let run = || -> anyhow::Result<bool> {
        let report = Orchestrator::for_project(ctx, GitHubService::from_process(&ctx.config))?
            .cleanup(&CleanupRequest { issues, force })
            .map_err(|e| anyhow!(e.message))?;
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        let mut all_ok = true;
        for o in &report.results {
            let text = match o {
                CleanupOutcome::Removed { issue, agent_id } => {
                    format!("#{issue} {agent_id}: removed")
                }
                CleanupOutcome::Refused {
                    issue,
                    agent_id,
                    reasons,
                } => {
                    all_ok = false;
                    format!(
                        "#{issue} {agent_id}: refused ({}); --force removes it anyway",
                        reasons.join("; ")
                    )
                }
                CleanupOutcome::NotFound { issue } => format!("#{issue}: no worker"),
                CleanupOutcome::Failed { issue, error } => {
                    all_ok = false;
                    format!("#{issue}: failed: {error}")
                }
            };
            if !json {
                println!("{text}");
            }
        }
        Ok(all_ok)
    };
    exit(run())
}

fn exit(result: anyhow::Result<bool>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("exomonad: {e:#}");
            ExitCode::FAILURE
        }
    }
}
