//! Worker agents across the guest ABI: the requests and reports of `spawn_agents`,
//! `cleanup_agents` and `list_agents` (host functions `agents_spawn`, `agents_cleanup`,
//! `agents_list`; the MCP tools of the same purpose; `exomonad spawn|cleanup|list` on the CLI).
//!
//! One worker per GitHub issue, each in its own git worktree (branch `gh-<number>/<slug>`)
//! and its own Zellij tab.

use serde::{Deserialize, Serialize};

use crate::AgentId;
use crate::github::RepoRef;

/// Which agent runtime a worker runs.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    /// Claude Code (`claude`), settings passed with `--settings`.
    #[default]
    Claude,
    /// Gemini CLI (`gemini`).
    Gemini,
}

/// Request of `agents_spawn`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpawnRequest {
    /// Issue numbers, one worker each; duplicates are spawned once.
    pub issues: Vec<u64>,
    /// The repository the issues belong to (the guest fills in the project's GitHub remote
    /// when the caller leaves it out).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Where worktrees go, relative to the project directory or absolute. Absent: the
    /// config's `worktree_dir`, else `.exomonad/worktrees`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree_dir: Option<String>,
    /// Which agent runtime. Absent: the config's, else Claude Code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentKind>,
}

/// Reply of `agents_spawn`: one outcome per requested issue, in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpawnReport {
    /// The outcomes.
    pub results: Vec<SpawnOutcome>,
}

/// What happened to one issue of a [`SpawnRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SpawnOutcome {
    /// A new worker runs in a new tab (`reused_worktree`: its worktree or branch already
    /// existed and was kept as it was).
    Spawned {
        /// The worker.
        #[serde(flatten)]
        worker: WorkerRef,
        /// Whether an existing worktree or branch was reused.
        reused_worktree: bool,
    },
    /// The worker had died; its tab was opened again, resuming the agent's conversation
    /// when its session id was known.
    Resumed {
        /// The worker.
        #[serde(flatten)]
        worker: WorkerRef,
        /// The agent runtime's session id it resumed (`claude --resume <id>`), if any.
        session_id: Option<String>,
    },
    /// The worker's tab was still open: it was focused, nothing else was done.
    Focused {
        /// The worker.
        #[serde(flatten)]
        worker: WorkerRef,
    },
    /// This issue failed; the other issues went on.
    Failed {
        /// The issue number.
        issue: u64,
        /// What went wrong and what to do about it.
        error: String,
    },
}

/// Where one worker lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRef {
    /// The issue number.
    pub issue: u64,
    /// The worker's agent id (`gh-<number>`).
    pub agent_id: AgentId,
    /// Its branch (`gh-<number>/<slug>`).
    pub branch: String,
    /// Absolute path of its worktree.
    pub worktree: String,
    /// Zellij's stable tab id (from `zellij action new-tab`); `None` outside Zellij.
    pub tab_id: Option<u64>,
}

/// Request of `agents_cleanup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupRequest {
    /// Issue numbers of the workers to end.
    pub issues: Vec<u64>,
    /// Remove even a worktree with uncommitted changes or commits that exist nowhere else.
    #[serde(default)]
    pub force: bool,
}

/// Reply of `agents_cleanup`: one outcome per requested issue, in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupReport {
    /// The outcomes.
    pub results: Vec<CleanupOutcome>,
}

/// What happened to one issue of a [`CleanupRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CleanupOutcome {
    /// Tab closed, worktree removed and pruned, `AgentStopped` sent.
    Removed {
        /// The issue number.
        issue: u64,
        /// The worker's agent id.
        agent_id: AgentId,
    },
    /// Nothing was touched: the worktree holds work that would be lost.
    Refused {
        /// The issue number.
        issue: u64,
        /// The worker's agent id.
        agent_id: AgentId,
        /// Each reason, for people (`3 uncommitted files: a.txt, b.txt, c.txt`,
        /// `2 commits on gh-7/x exist nowhere else (not pushed, not merged)`).
        reasons: Vec<String>,
    },
    /// No worker is known for this issue.
    NotFound {
        /// The issue number.
        issue: u64,
    },
    /// Cleanup started but a step failed; what was done is said.
    Failed {
        /// The issue number.
        issue: u64,
        /// What went wrong.
        error: String,
    },
}

/// Reply of `agents_list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentList {
    /// Every known worker, by issue number.
    pub agents: Vec<WorkerStatus>,
}

/// One worker as `list_agents` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerStatus {
    /// Where it lives.
    #[serde(flatten)]
    pub worker: WorkerRef,
    /// Whether its tab is still open in the session.
    pub tab_open: bool,
    /// The dashboard's state for the agent (`running`, `stopped`, ...), `None` when the
    /// dashboard does not know it or could not be asked.
    pub dashboard_state: Option<String>,
    /// Uncommitted files in the worktree; `None` when the worktree is gone.
    pub dirty_files: Option<u32>,
    /// Commits on the branch that the base branch does not have.
    pub commits_ahead: Option<u32>,
    /// The open or merged pull request from the branch, if GitHub knows one.
    pub pull_request: Option<crate::github::PullRequest>,
}

/// The dashboard's answer on [`crate::names::AGENTS_QUERY_PIPE`]: every agent it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardAgents {
    /// One entry per agent row.
    pub agents: Vec<DashboardAgent>,
}

/// One agent as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardAgent {
    /// The agent.
    pub agent_id: AgentId,
    /// Its state's label: `running`, `waiting`, `stop blocked` or `stopped`.
    pub state: String,
    /// When its newest event happened.
    pub last_event_at: crate::Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_are_tagged_and_flat() {
        let o = SpawnOutcome::Focused {
            worker: WorkerRef {
                issue: 7,
                agent_id: AgentId::new("gh-7").unwrap(),
                branch: "gh-7/fix".into(),
                worktree: "/p/.exomonad/worktrees/gh-7".into(),
                tab_id: Some(3),
            },
        };
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            json!({"status": "focused", "issue": 7, "agent_id": "gh-7", "branch": "gh-7/fix",
                   "worktree": "/p/.exomonad/worktrees/gh-7", "tab_id": 3})
        );
        let r: SpawnRequest =
            serde_json::from_value(json!({"issues": [1, 2], "owner": "o", "repo": "r"})).unwrap();
        assert_eq!(r.agent, None);
    }
}
