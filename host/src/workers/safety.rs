//! Whether a worker's worktree may be removed, from git facts. Pure.
//!
//! Two kinds of work can be lost: uncommitted changes in the worktree (gone with the
//! worktree) and commits on the branch that no other branch or remote-tracking ref has
//! (gone if the branch were deleted). Without `force`, either one refuses the cleanup and
//! says why, for people. With `force`, the worktree goes (its uncommitted changes with it)
//! but the branch is only deleted when it has no such commits: a forced cleanup never loses
//! a commit.

use exomonad_protocol::abi::{Commit, DirtyFile};

/// At most this many files or commits are named in one reason; the rest are counted.
pub const LISTED_MAX: usize = 5;

/// Length of the abbreviated commit hashes in reasons.
pub const SHORT_HASH: usize = 7;

/// The git facts about one worker.
#[derive(Debug, Clone, Copy)]
pub struct CleanupFacts<'a> {
    /// The worker's branch.
    pub branch: &'a str,
    /// Uncommitted changes of its worktree ([`crate::services::git::dirty_files`]); empty
    /// when the worktree is already gone.
    pub dirty: &'a [DirtyFile],
    /// Commits of the branch that exist nowhere else
    /// ([`crate::services::worktree::unique_commits`]), newest first.
    pub unique_commits: &'a [Commit],
}

/// What cleanup may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanupVerdict {
    /// Remove the worktree (and its tab and record).
    Remove {
        /// Whether the branch may be deleted too: only when none of its commits exists only
        /// there (`crate::services::worktree::delete_branch_without_unique_commits`).
        delete_branch: bool,
        /// What a forced cleanup loses or keeps, for people (empty when nothing is at
        /// stake).
        notes: Vec<String>,
    },
    /// Touch nothing.
    Refuse {
        /// Each reason, for people.
        reasons: Vec<String>,
    },
}

/// The verdict for `facts`; see the module docs.
///
/// Reasons read like `2 uncommitted files: a.txt, b.txt` and `1 commit on gh-7/x exists
/// nowhere else (not pushed, not merged): abc1234 summary`.
pub fn verdict(facts: &CleanupFacts<'_>, force: bool) -> CleanupVerdict {
    let dirty = dirty_reason(facts.dirty);
    let commits = commits_reason(facts.branch, facts.unique_commits);
    if !force {
        let reasons: Vec<String> = dirty.iter().chain(&commits).cloned().collect();
        if !reasons.is_empty() {
            return CleanupVerdict::Refuse { reasons };
        }
    }
    let mut notes = Vec::new();
    if let Some(d) = dirty {
        notes.push(format!("forced: lost {d}"));
    }
    if let Some(c) = &commits {
        notes.push(format!("the branch {} is kept: {c}", facts.branch));
    }
    CleanupVerdict::Remove {
        delete_branch: commits.is_none(),
        notes,
    }
}

/// `N uncommitted file(s): a, b, … and K more`; `None` when there are none.
pub fn dirty_reason(files: &[DirtyFile]) -> Option<String> {
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    (!names.is_empty()).then(|| {
        format!(
            "{} uncommitted {}: {}",
            names.len(),
            plural(names.len(), "file", "files"),
            listed(&names, ", ")
        )
    })
}

/// `N commit(s) on <branch> exist(s) nowhere else (not pushed, not merged): <hash> <summary>;
/// …`; `None` when there are none.
pub fn commits_reason(branch: &str, commits: &[Commit]) -> Option<String> {
    let items: Vec<String> = commits
        .iter()
        .map(|c| {
            let hash = c.hash.get(..SHORT_HASH).unwrap_or(&c.hash);
            format!("{hash} {}", c.summary)
        })
        .collect();
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    (!items.is_empty()).then(|| {
        format!(
            "{} {} on {branch} {} nowhere else (not pushed, not merged): {}",
            items.len(),
            plural(items.len(), "commit", "commits"),
            plural(items.len(), "exists", "exist"),
            listed(&refs, "; ")
        )
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn listed(items: &[&str], sep: &str) -> String {
    let mut out = items[..items.len().min(LISTED_MAX)].join(sep);
    if items.len() > LISTED_MAX {
        out.push_str(&format!(" and {} more", items.len() - LISTED_MAX));
    }
    out
}
