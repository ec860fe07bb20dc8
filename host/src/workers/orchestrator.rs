//! The orchestration of workers: the I/O edge that puts the pure core together with GitHub,
//! git and Zellij. [`Orchestrator`] implements [`Agents`] for the MCP tools and the CLI.
//!
//! Spawning one issue, under its per-issue lock (so two spawns of one issue at once give one
//! worktree and one tab):
//! 1. a record with an open tab whose agent runs → focus the tab (`focused`);
//! 2. a record whose tab is gone, or whose agent pane exited (Zellij holds such a pane open;
//!    its tab is closed) → the worker died: write its files again and open a tab resuming the
//!    runtime's session when the hook recorded one (`resumed`);
//! 3. no record → fetch the issue (done for all issues in parallel beforehand), derive the
//!    names, create or reuse the worktree from the base's latest commit, write the worker's
//!    files, open its tab, save the record (`spawned`).
//!
//! Issues run in parallel threads; git's worktree changes in this process go one at a time
//! (git takes repository-wide locks for them). One issue failing never stops the others.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use exomonad_protocol::abi::{AbiError, ErrorCode};
use exomonad_protocol::agents::{
    AgentKind, AgentList, CleanupOutcome, CleanupReport, CleanupRequest, SpawnOutcome, SpawnReport,
    SpawnRequest, WorkerStatus,
};
use exomonad_protocol::github::{GetIssueRequest, Issue};
use exomonad_protocol::names::{STATE_DIR, WORKTREES_DIR};
use exomonad_protocol::{AgentEvent, AgentId, EventKind};

use super::launch::{self, Launch, WorkerSetup};
use super::naming::{self, WorkerNames};
use super::registry::{self, Registry, WorkerRecord};
use super::safety::{self, CleanupFacts, CleanupVerdict};
use super::tab_layout::WorkerTab;
use crate::base::config::Config;
use crate::base::trust::TrustStore;
use crate::context::Context;
use crate::services::dashboard::events::{EventSink, SessionSink};
use crate::services::dashboard::{DashboardError, DashboardTarget};
use crate::services::git;
use crate::services::github::GitHubService;
use crate::services::worktree::{self, Base, Ensured};
use crate::services::zellij::{PaneInfo, Zellij};
use crate::wiring::GEMINI_SETTINGS_FILE;
use crate::workers::Agents;

/// Longest wait for another process holding an issue's lock (it may be creating a worktree).
pub const ISSUE_LOCK_WAIT: Duration = Duration::from_secs(120);

/// Longest wait for the dashboard's answer to the agents query of `list_agents`.
pub const DASHBOARD_QUERY_LIMIT: Duration = Duration::from_secs(3);

/// How many times `list_agents` asks the dashboard when no answer comes.
pub const DASHBOARD_QUERY_ATTEMPTS: u32 = 3;

/// File inside a worker's `.exomonad/` holding its tab's generated layout.
pub const TAB_LAYOUT_FILE: &str = "tab.kdl";

/// Workers of one lead project.
pub struct Orchestrator {
    project_dir: PathBuf,
    config: Config,
    session: Option<String>,
    github: GitHubService,
    zellij: Zellij,
    exe: PathBuf,
    registry: Registry,
    trust: Option<TrustStore>,
    git_lock: Mutex<()>,
}

fn err(code: ErrorCode, message: impl Into<String>) -> AbiError {
    AbiError::new(code, message)
}

impl Orchestrator {
    /// The orchestrator of the project of `ctx` (the lead's), reading issues through
    /// `github`, with Zellij from the environment and this very executable as the workers'
    /// hook command and MCP server.
    ///
    /// # Errors
    /// When this executable's path cannot be found.
    pub fn for_project(ctx: &Context, github: GitHubService) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let exe = std::env::current_exe().context("finding the exomonad executable")?;
        let project = ctx
            .project_dir
            .canonicalize()
            .unwrap_or_else(|_| ctx.project_dir.clone());
        Ok(Self::new(
            project,
            ctx.config.clone(),
            ctx.session.clone(),
            github,
            Zellij::from_env(),
            exe,
        )
        .with_trust_store(TrustStore::open_default().ok()))
    }

    /// Records each worker config it writes in `store` (trusted by construction,
    /// [`launch::write_worker_files`]); without one (the default of [`Orchestrator::new`]) a
    /// worker's `guest` and `github_api_url` are not honoured by its own processes.
    pub fn with_trust_store(mut self, store: Option<TrustStore>) -> Self {
        self.trust = store;
        self
    }

    /// Workers of the lead project `project_dir` (absolute) with its `config`, opening tabs in
    /// `session`, reading issues through `github`, and running `exe` (the `exomonad` binary)
    /// as the workers' hook command and MCP server.
    pub fn new(
        project_dir: PathBuf,
        config: Config,
        session: Option<String>,
        github: GitHubService,
        zellij: Zellij,
        exe: PathBuf,
    ) -> Self {
        let registry = Registry::new(&project_dir);
        Self {
            project_dir,
            config,
            session,
            github,
            zellij,
            exe,
            registry,
            trust: None,
            git_lock: Mutex::new(()),
        }
    }

    /// The worktree root: `worktree_dir` (a request's, else the config's), relative to the
    /// project, else `<project>/.exomonad/worktrees`.
    pub fn worktree_root(&self, worktree_dir: Option<&str>) -> PathBuf {
        match worktree_dir.or(self.config.worktree_dir.as_deref()) {
            Some(dir) => self.project_dir.join(dir),
            None => self.project_dir.join(STATE_DIR).join(WORKTREES_DIR),
        }
    }

    fn session(&self) -> Result<&str, AbiError> {
        self.session.as_deref().ok_or_else(|| {
            err(
                ErrorCode::Unsupported,
                "no Zellij session to open worker tabs in: run inside the session of `exomonad init`, or set `session` in .exomonad/config.toml",
            )
        })
    }

    /// Fails when the program a worker pane would run is not on `PATH` (the tab would only
    /// show "command not found"), before any worktree is made.
    fn check_agent_program(&self, kind: AgentKind) -> Result<(), AbiError> {
        let probe = launch::agent_command(&Launch {
            kind,
            worker_command: self.config.worker_command.as_deref(),
            worktree: &self.project_dir,
            agent_id: &naming::agent_id(1),
            prompt: "probe",
            resume: None,
        })
        .map_err(|e| err(ErrorCode::BadInput, e.to_string()))?;
        which::which(&probe.program).map(drop).map_err(|_| {
            err(
                ErrorCode::Unsupported,
                format!(
                    "the worker command `{}` is not on PATH: install it, or set `worker_command` (or `worker_agent`) in .exomonad/config.toml",
                    probe.program
                ),
            )
        })
    }

    /// Whether the agent pane of `agent_id` in `tab` exited ([`agent_pane_exited`]). Not
    /// knowing (Zellij cannot be asked) counts as running: a second agent in the worktree
    /// would be worse than a focused dead pane.
    fn agent_exited(&self, session: &str, tab: u64, agent_id: &str) -> bool {
        match self.zellij.list_panes(session) {
            Ok(panes) => agent_pane_exited(&panes, tab, agent_id),
            Err(e) => {
                tracing::warn!("list-panes: {e}; taking {agent_id}'s agent as running");
                false
            }
        }
    }

    /// Open tabs of the session, id → name (`None` when Zellij cannot be asked).
    fn open_tabs(&self) -> Option<HashMap<u64, String>> {
        let session = self.session.as_deref()?;
        match self.zellij.list_tabs(session) {
            Ok(tabs) => Some(tabs.into_iter().map(|t| (t.tab_id, t.name)).collect()),
            Err(e) => {
                tracing::warn!("list-tabs: {e}");
                None
            }
        }
    }

    fn spawn_one(
        &self,
        number: u64,
        request: &SpawnRequest,
        fetched: Option<&Result<Issue, String>>,
        base: &Result<Base, String>,
    ) -> Result<SpawnOutcome, String> {
        let session = self.session().map_err(|e| e.message)?;
        let _lock = self
            .registry
            .lock_issue(number, ISSUE_LOCK_WAIT)
            .map_err(|e| e.to_string())?;
        let agent_id = naming::agent_id(number);
        if let Some(mut record) = self.registry.load(&agent_id).map_err(|e| e.to_string())? {
            // Not knowing the tabs is not "the tab is gone": resuming would start a second
            // agent in the same worktree.
            let open = self.open_tabs().ok_or_else(|| {
                format!("cannot list the tabs of session {session} to see whether {agent_id} still runs (see the log)")
            })?;
            if let Some(tab) = worker_tab(&record, &open) {
                if !self.agent_exited(session, tab, agent_id.as_str()) {
                    self.zellij
                        .focus_tab(session, tab)
                        .map_err(|e| format!("focusing tab {tab}: {e}"))?;
                    return Ok(SpawnOutcome::Focused {
                        worker: record.to_ref(),
                    });
                }
                // The agent ended and Zellij holds its pane open (Enter there would start the
                // first prompt again, not the conversation): the tab goes, the worker resumes.
                self.zellij
                    .close_tab(session, tab)
                    .map_err(|e| format!("closing tab {tab}, whose agent exited: {e}"))?;
            }
            // The worker died: same worktree, same branch, its conversation resumed.
            let names = WorkerNames::derive(
                number,
                &record.title,
                record.worktree.parent().unwrap_or(&record.worktree),
            );
            {
                let _git = self.git_lock.lock().unwrap_or_else(|p| p.into_inner());
                let base = base.as_ref().map_err(Clone::clone)?;
                worktree::ensure_worktree(&self.project_dir, &names.worktree_spec(), base)
                    .map_err(|e| e.to_string())?;
            }
            let resumed = registry::read_runtime_session(&record.worktree)
                .ok()
                .flatten()
                .filter(|s| s.runtime == runtime_of(record.agent))
                .map(|s| s.session_id);
            let prompt = launch::resume_prompt(number, &record.repo, &record.branch);
            let tab = self.open_worker_tab(
                &names,
                &record.worktree,
                record.agent,
                &prompt,
                resumed.as_deref(),
                session,
            )?;
            record.tab_id = Some(tab);
            self.registry.save(&record).map_err(|e| e.to_string())?;
            return Ok(SpawnOutcome::Resumed {
                worker: record.to_ref(),
                session_id: resumed,
            });
        }
        let issue = match fetched {
            Some(Ok(issue)) => issue.clone(),
            Some(Err(e)) => return Err(e.clone()),
            None => self
                .github
                .get_issue(&GetIssueRequest {
                    repo: request.repo.clone(),
                    number,
                })
                .map_err(|e| e.to_string())?,
        };
        let root = self.worktree_root(request.worktree_dir.as_deref());
        std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
        let root = root
            .canonicalize()
            .map_err(|e| format!("{}: {e}", root.display()))?;
        let names = WorkerNames::derive(number, &issue.title, &root);
        let t0 = std::time::Instant::now();
        let ensured = {
            let _git = self.git_lock.lock().unwrap_or_else(|p| p.into_inner());
            let base = base.as_ref().map_err(Clone::clone)?;
            worktree::ensure_worktree(&self.project_dir, &names.worktree_spec(), base)
                .map_err(|e| e.to_string())?
        };
        let (branch, reused) = match ensured {
            Ensured::Created { branch, .. } => (branch, false),
            Ensured::ReusedBranch { branch } => (branch, true),
            // A reused worktree on a detached HEAD keeps the branch name it was made for.
            Ensured::ReusedWorktree { branch } => (branch.unwrap_or(names.branch.clone()), true),
        };
        let names = WorkerNames { branch, ..names };
        let kind = request
            .agent
            .or(self.config.worker_agent)
            .unwrap_or_default();
        let prompt = launch::first_prompt(&issue, &request.repo, &names);
        let t1 = std::time::Instant::now();
        let tab = self.open_worker_tab(&names, &names.worktree, kind, &prompt, None, session)?;
        tracing::info!(
            "spawn #{number}: worktree {} ms (git), files+tab {} ms (zellij)",
            (t1 - t0).as_millis(),
            t1.elapsed().as_millis()
        );
        let record = WorkerRecord {
            issue: number,
            agent_id: names.agent_id.clone(),
            repo: request.repo.clone(),
            title: issue.title.clone(),
            branch: names.branch.clone(),
            worktree: names.worktree.clone(),
            tab_id: Some(tab),
            agent: kind,
            created_at: jiff::Timestamp::now(),
        };
        self.registry.save(&record).map_err(|e| e.to_string())?;
        Ok(SpawnOutcome::Spawned {
            worker: record.to_ref(),
            reused_worktree: reused,
        })
    }

    /// Writes the worker's files and tab layout, and opens the tab; returns its id.
    fn open_worker_tab(
        &self,
        names: &WorkerNames,
        worktree: &Path,
        kind: AgentKind,
        prompt: &str,
        resume: Option<&str>,
        session: &str,
    ) -> Result<u64, String> {
        let files = launch::worker_files(&WorkerSetup {
            kind,
            exe: &self.exe,
            agent_id: &names.agent_id,
            project_dir: &self.project_dir,
            session: Some(session),
            lead_config: &self.config,
        })
        .map_err(|e| e.to_string())?;
        let state_dir = launch::write_worker_files(worktree, &files, self.trust.as_ref())
            .map_err(|e| e.to_string())?;
        if let Some(gemini) = files.iter().find(|f| f.name == GEMINI_SETTINGS_FILE) {
            launch::install_gemini_settings(worktree, &gemini.contents)
                .map_err(|e| e.to_string())?;
        }
        let command = launch::agent_command(&Launch {
            kind,
            worker_command: self.config.worker_command.as_deref(),
            worktree,
            agent_id: &names.agent_id,
            prompt,
            resume,
        })
        .map_err(|e| e.to_string())?;
        let layout = WorkerTab {
            tab_name: names.tab_name.clone(),
            cwd: worktree.to_path_buf(),
            pane_name: names.agent_id.to_string(),
            command,
        }
        .render()
        .map_err(|e| e.to_string())?;
        let layout_file = state_dir.join(TAB_LAYOUT_FILE);
        crate::base::fs::write_atomic(&layout_file, layout.as_bytes())
            .map_err(|e| format!("writing {}: {e}", layout_file.display()))?;
        self.zellij
            .new_tab_named(session, &layout_file, &tab_name(&names.tab_name))
            .map_err(|e| format!("opening the tab: {e}"))
    }

    fn cleanup_one(&self, number: u64, force: bool) -> CleanupOutcome {
        let agent_id = naming::agent_id(number);
        let failed = |error: String| CleanupOutcome::Failed {
            issue: number,
            error,
        };
        let _lock = match self.registry.lock_issue(number, ISSUE_LOCK_WAIT) {
            Ok(l) => l,
            Err(e) => return failed(e.to_string()),
        };
        let record = match self.registry.load(&agent_id) {
            Ok(Some(r)) => r,
            Ok(None) => return CleanupOutcome::NotFound { issue: number },
            Err(e) => return failed(e.to_string()),
        };
        let exists = record.worktree.exists();
        let dirty = if exists {
            match git::dirty_files(&record.worktree) {
                Ok(d) => d.files,
                Err(e) => return failed(format!("reading the worktree's changes: {e}")),
            }
        } else {
            Vec::new()
        };
        let unique = match worktree::unique_commits(&self.project_dir, &record.branch) {
            Ok(c) => c,
            Err(worktree::WorktreeError::NoSuchBranch(_)) => Vec::new(),
            Err(e) => return failed(format!("reading the branch's commits: {e}")),
        };
        let facts = CleanupFacts {
            branch: &record.branch,
            dirty: &dirty,
            unique_commits: &unique,
        };
        let delete_branch = match safety::verdict(&facts, force) {
            CleanupVerdict::Refuse { reasons } => {
                return CleanupOutcome::Refused {
                    issue: number,
                    agent_id,
                    reasons,
                };
            }
            CleanupVerdict::Remove {
                delete_branch,
                notes,
            } => {
                for n in notes {
                    tracing::warn!("cleanup {agent_id} (forced): {n}");
                }
                delete_branch
            }
        };
        if let (Some(tab), Some(session)) = (record.tab_id, self.session.as_deref())
            && self
                .open_tabs()
                .is_some_and(|open| worker_tab(&record, &open) == Some(tab))
            && let Err(e) = self.zellij.close_tab(session, tab)
        {
            return failed(format!("closing tab {tab}: {e}"));
        }
        let root = self.root_of(&record.worktree);
        {
            let _git = self.git_lock.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) =
                worktree::remove_worktree(&self.project_dir, &root, &record.worktree, force)
            {
                return failed(format!("tab closed; removing the worktree: {e}"));
            }
            if delete_branch
                && let Err(e) = worktree::delete_branch_without_unique_commits(
                    &self.project_dir,
                    &record.branch,
                )
            {
                tracing::warn!("cleanup {agent_id}: branch {} kept: {e}", record.branch);
            }
        }
        if let Err(e) = self.registry.remove(&agent_id) {
            return failed(format!("worktree removed; forgetting the worker: {e}"));
        }
        let mut events = SessionSink::new(self.zellij.clone(), self.session.clone());
        events.send(&AgentEvent::now(
            agent_id.clone(),
            EventKind::AgentStopped {
                reason: Some("cleaned up".to_owned()),
            },
        ));
        CleanupOutcome::Removed {
            issue: number,
            agent_id,
        }
    }

    /// The worktree root a recorded worktree lives under: the configured root when it is
    /// inside it, else its own parent (a per-call `worktree_dir`); `remove_worktree` still
    /// refuses anything that is not a git worktree of this project strictly inside it.
    fn root_of(&self, worktree: &Path) -> PathBuf {
        let root = self.worktree_root(None);
        let canonical = root.canonicalize().unwrap_or(root);
        if worktree.starts_with(&canonical) {
            canonical
        } else {
            worktree.parent().map_or(canonical, Path::to_path_buf)
        }
    }
}

/// [`DashboardTarget::agents`], asked again (up to [`DASHBOARD_QUERY_ATTEMPTS`] times, all
/// within [`DASHBOARD_QUERY_LIMIT`]) when no answer came: Zellij 0.45.1 releases about one
/// such pipe in 20 before the dashboard's answer reaches it (the CLI exits 0, printing
/// nothing).
fn dashboard_agents(
    target: &DashboardTarget,
) -> Result<exomonad_protocol::agents::DashboardAgents, DashboardError> {
    let deadline = std::time::Instant::now() + DASHBOARD_QUERY_LIMIT;
    let mut attempt = 1;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match target.agents(left) {
            Err(DashboardError::NoDashboard(e))
                if attempt < DASHBOARD_QUERY_ATTEMPTS && deadline > std::time::Instant::now() =>
            {
                tracing::info!("list_agents: no answer from the dashboard ({e}); asking again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The tab name as Zellij shows it (what the layout gives it: [`WorkerTab::render`]).
fn tab_name(name: &str) -> String {
    exomonad_ui::text::remove_controls(name, false)
}

/// The worker's tab among the session's `open` tabs: its recorded id, when the tab of that
/// id still has the worker's name. An id alone is not enough: Zellij 0.45 gives a new tab
/// the highest id + 1, so when the newest tab is closed, the next tab opened (another
/// worker's, or the user's) gets its id. (A worker's tab renamed by hand counts as gone.)
fn worker_tab(record: &WorkerRecord, open: &HashMap<u64, String>) -> Option<u64> {
    let expected =
        tab_name(&WorkerNames::derive(record.issue, &record.title, Path::new("")).tab_name);
    record
        .tab_id
        .filter(|t| open.get(t).is_some_and(|name| *name == expected))
}

/// Whether `tab` holds the agent pane of `agent_id` and its command has ended. The agent pane
/// is the command pane whose command names the agent ([`AgentId::from_pane_command`]); its
/// title cannot tell, since agents set their terminal's title.
fn agent_pane_exited(panes: &[PaneInfo], tab: u64, agent_id: &str) -> bool {
    panes.iter().any(|p| {
        p.tab_id == tab
            && !p.is_plugin
            && p.exited
            && p.terminal_command
                .as_deref()
                .and_then(AgentId::from_pane_command)
                .is_some_and(|id| id.as_str() == agent_id)
    })
}

fn runtime_of(kind: AgentKind) -> exomonad_protocol::Runtime {
    match kind {
        AgentKind::Claude => exomonad_protocol::Runtime::Claude,
        AgentKind::Gemini => exomonad_protocol::Runtime::Gemini,
    }
}

/// The request's issues, each once, in order.
fn distinct(issues: &[u64]) -> Vec<u64> {
    let mut seen = BTreeSet::new();
    issues.iter().copied().filter(|n| seen.insert(*n)).collect()
}

impl Orchestrator {
    /// [`Agents::spawn`], calling `progress` with each issue's outcome as soon as it is
    /// known (from the issue's own thread), for the CLI's progress display.
    ///
    /// # Errors
    /// As [`Agents::spawn`].
    pub fn spawn_with_progress(
        &self,
        request: &SpawnRequest,
        progress: &(dyn Fn(&SpawnOutcome) + Sync),
    ) -> Result<SpawnReport, AbiError> {
        self.session()?;
        self.check_agent_program(
            request
                .agent
                .or(self.config.worker_agent)
                .unwrap_or_default(),
        )?;
        let started = std::time::Instant::now();
        let issues = distinct(&request.issues);
        // Issues without a record yet need GitHub: fetch them all at once.
        let fetched: HashMap<u64, Result<Issue, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = issues
                .iter()
                .filter(|n| !matches!(self.registry.load(&naming::agent_id(**n)), Ok(Some(_))))
                .map(|&n| {
                    let gh = &self.github;
                    let repo = request.repo.clone();
                    (
                        n,
                        s.spawn(move || {
                            gh.get_issue(&GetIssueRequest { repo, number: n })
                                .map_err(|e| e.to_string())
                        }),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(n, h)| {
                    (
                        n,
                        h.join()
                            .unwrap_or_else(|_| Err("fetching the issue panicked".into())),
                    )
                })
                .collect()
        });
        let fetched_at = started.elapsed();
        let base = worktree::find_base(&self.project_dir).map_err(|e| e.to_string());
        let base_at = started.elapsed();
        if let Ok(Base {
            warning: Some(w), ..
        }) = &base
        {
            tracing::warn!("spawn: {w}");
        }
        let results = std::thread::scope(|s| {
            let handles: Vec<_> = issues
                .iter()
                .map(|&n| {
                    let (fetched, base) = (fetched.get(&n), &base);
                    (
                        n,
                        s.spawn(move || {
                            let outcome = self.spawn_one(n, request, fetched, base);
                            if let Ok(o) = &outcome {
                                progress(o);
                            }
                            outcome
                        }),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(n, h)| {
                    let outcome = h
                        .join()
                        .unwrap_or_else(|_| Err("spawning panicked".to_owned()));
                    outcome.unwrap_or_else(|error| {
                        tracing::warn!("spawn #{n}: {error}");
                        let failed = SpawnOutcome::Failed { issue: n, error };
                        progress(&failed);
                        failed
                    })
                })
                .collect()
        });
        // One line per spawn, for people and for benches/spawn.sh: where the time went.
        tracing::info!(
            "spawn timing: {} issues, github {} ms, git fetch+base {} ms, worktrees+tabs {} ms, total {} ms",
            issues.len(),
            fetched_at.as_millis(),
            (base_at - fetched_at).as_millis(),
            (started.elapsed() - base_at).as_millis(),
            started.elapsed().as_millis()
        );
        Ok(SpawnReport { results })
    }
}

impl Agents for Orchestrator {
    fn spawn(&self, request: &SpawnRequest) -> Result<SpawnReport, AbiError> {
        self.spawn_with_progress(request, &|_| {})
    }

    fn cleanup(&self, request: &CleanupRequest) -> Result<CleanupReport, AbiError> {
        let results = distinct(&request.issues)
            .into_iter()
            .map(|n| self.cleanup_one(n, request.force))
            .collect();
        Ok(CleanupReport { results })
    }

    fn list(&self) -> Result<AgentList, AbiError> {
        let records = self
            .registry
            .load_all()
            .map_err(|e| err(ErrorCode::HostFunction, e.to_string()))?;
        for bad in &records.bad {
            tracing::warn!("list_agents: skipping a bad record: {bad:?}");
        }
        let open = self.open_tabs();
        let dashboard: HashMap<String, String> =
            DashboardTarget::new(self.zellij.clone(), self.session.clone())
                .and_then(|d| dashboard_agents(&d))
                .map(|a| {
                    a.agents
                        .into_iter()
                        .map(|a| (a.agent_id.to_string(), a.state))
                        .collect()
                })
                .unwrap_or_else(|e| {
                    tracing::info!("list_agents: no dashboard state: {e}");
                    HashMap::new()
                });
        let base = git::default_base_ref(&self.project_dir);
        let agents = std::thread::scope(|s| {
            let handles: Vec<_> = records
                .records
                .iter()
                .map(|r| {
                    let (open, dashboard, base) = (&open, &dashboard, &base);
                    s.spawn(move || {
                        let exists = r.worktree.is_dir();
                        WorkerStatus {
                            worker: r.to_ref(),
                            tab_open: open.as_ref().is_some_and(|o| worker_tab(r, o).is_some()),
                            dashboard_state: dashboard.get(r.agent_id.as_str()).cloned(),
                            dirty_files: exists
                                .then(|| git::dirty_files(&r.worktree).ok())
                                .flatten()
                                .map(|d| d.files.len() as u32),
                            commits_ahead: base.as_deref().and_then(|b| {
                                git::commits_ahead(&self.project_dir, b, &r.branch).ok()
                            }),
                            pull_request: self
                                .github
                                .pull_for_branch(&r.repo, &r.branch)
                                .inspect_err(|e| tracing::info!("list_agents {}: {e}", r.agent_id))
                                .ok()
                                .flatten(),
                        }
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        Ok(AgentList { agents })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Panes as `list-panes --json --all` gave them for a worker tab (Zellij 0.45.1).
    fn panes(agent_exited: bool) -> Vec<PaneInfo> {
        let terminal = |id, tab_id, command: Option<&str>, exited| PaneInfo {
            id,
            tab_id,
            is_plugin: false,
            exited,
            exit_status: exited.then_some(0),
            terminal_command: command.map(str::to_owned),
        };
        vec![
            terminal(0, 0, None, false),
            terminal(
                1,
                3,
                Some(
                    "env EXOMONAD_AGENT_ID=gh-7 EXOMONAD_ROLE=worker claude --settings /w/.exomonad/claude-settings.json Fix it",
                ),
                agent_exited,
            ),
            // The tab bar: a plugin, never "exited".
            PaneInfo {
                id: 2,
                tab_id: 3,
                is_plugin: true,
                exited: false,
                exit_status: None,
                terminal_command: None,
            },
            // Another worker's exited agent, in another tab.
            terminal(
                3,
                4,
                Some("env EXOMONAD_AGENT_ID=gh-70 EXOMONAD_ROLE=worker claude"),
                true,
            ),
        ]
    }

    #[test]
    fn an_exited_agent_pane_is_told_by_its_agent_id_and_tab() {
        assert!(agent_pane_exited(&panes(true), 3, "gh-7"));
        assert!(!agent_pane_exited(&panes(false), 3, "gh-7"));
        // gh-70 exited, but gh-7 is not gh-70, and tab 3 is not gh-70's tab.
        assert!(!agent_pane_exited(&panes(false), 4, "gh-7"));
        assert!(!agent_pane_exited(&panes(false), 3, "gh-70"));
        assert!(agent_pane_exited(&panes(false), 4, "gh-70"));
        // No pane at all for the tab: nothing says the agent ended.
        assert!(!agent_pane_exited(&[], 3, "gh-7"));
    }
}
