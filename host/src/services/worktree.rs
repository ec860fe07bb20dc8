//! Workers' git worktrees, through the `git` command line: the base a new worker starts
//! from ([`find_base`]), creating or reusing its worktree ([`ensure_worktree`]), the work
//! that exists only on its branch ([`unique_commits`]), and removing it
//! ([`remove_worktree`], [`delete_branch`]).
//!
//! Every git run has a time limit (it is killed after it), never reads our stdin, and never
//! asks for credentials on the terminal (`GIT_TERMINAL_PROMPT=0`). Read-only commands run
//! with `GIT_OPTIONAL_LOCKS=0`, so they never take the index lock from an agent's own git.
//! Nothing here ever deletes a commit: a removed worktree leaves its branch, and a branch is
//! only deleted when every commit of it is on another branch or remote-tracking ref
//! ([`delete_branch_without_unique_commits`]) or with `git branch -d` ([`delete_branch`]).

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use exomonad_protocol::abi::Commit;

use crate::services::git::{self, Access, GitError, READ_LIMIT};

/// Time limit of `git fetch`.
pub const FETCH_LIMIT: Duration = Duration::from_secs(120);

/// Time limit of commands that write a working tree (`git worktree add`, `remove`).
pub const WRITE_LIMIT: Duration = Duration::from_secs(300);

/// The remote whose default branch new workers start from.
pub const REMOTE: &str = "origin";

/// Errors of the worktree service.
#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    /// git could not be started, did not finish in time, or failed (or a removal was
    /// refused, in the same words: [`GitError::Failed`]).
    #[error(transparent)]
    Git(#[from] GitError),
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// No base to start a worker from.
    #[error("no base branch for new workers: {0}")]
    NoBase(String),
    /// The worktree path exists but is not a worktree of this repository.
    #[error("{0} already exists and is not a git worktree of this project; move it away")]
    PathOccupied(PathBuf),
    /// More than one branch of this issue exists, so which one to reuse is unclear.
    #[error("several branches exist for this issue ({}); delete the ones not wanted", .0.join(", "))]
    AmbiguousBranches(Vec<String>),
    /// The branch does not exist.
    #[error("there is no branch {0}")]
    NoSuchBranch(String),
    /// Removal refused: the path is not strictly inside the worktree root (after following
    /// symbolic links).
    #[error("refusing to remove {path}: it is not inside the worktree directory {root}")]
    OutsideRoot {
        /// The path asked for, resolved.
        path: PathBuf,
        /// The worktree root, resolved.
        root: PathBuf,
    },
    /// Removal refused: the path is not a worktree of this repository.
    #[error("refusing to remove {0}: it is not a git worktree of this project")]
    NotAWorktree(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WorktreeError + '_ {
    move |source| WorktreeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The full commit hash `rev` names, `None` when it names no commit.
fn resolve_commit(dir: &Path, rev: &str) -> Result<Option<String>, WorktreeError> {
    let spec = format!("{rev}^{{commit}}");
    let args: [&OsStr; 4] = [
        "rev-parse".as_ref(),
        "--verify".as_ref(),
        "--quiet".as_ref(),
        spec.as_ref(),
    ];
    let out = git::run(dir, &args, Access::Read, READ_LIMIT, None)?;
    Ok(out
        .success
        .then(|| out.stdout.trim().to_owned())
        .filter(|h| !h.is_empty()))
}

/// One entry of `git worktree list --porcelain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreeInfo {
    /// Its path, as git recorded it.
    pub path: PathBuf,
    /// Its HEAD commit (`None` in a bare repository or before the first commit).
    pub head: Option<String>,
    /// Its checked-out branch, short (`main`, `gh-7/fix`); `None` when detached or bare.
    pub branch: Option<String>,
    /// The bare repository itself (no working tree).
    pub bare: bool,
    /// Locked with `git worktree lock`.
    pub locked: bool,
    /// Its directory is gone; `git worktree prune` would forget it.
    pub prunable: bool,
}

/// The worktrees of the repository at `project`, the main one first (`git worktree list
/// --porcelain -z`: records of `key value` fields, each ended by NUL, records ended by an
/// empty field; git 2.36 or later).
///
/// # Errors
/// [`WorktreeError`] when git fails (not a repository) or times out.
pub fn list_worktrees(project: &Path) -> Result<Vec<WorktreeInfo>, WorktreeError> {
    let out = git::run_ok(
        project,
        &["worktree", "list", "--porcelain", "-z"],
        Access::Read,
        READ_LIMIT,
    )?;
    let mut list = Vec::new();
    let mut current: Option<WorktreeInfo> = None;
    for field in out.split('\0') {
        if field.is_empty() {
            list.extend(current.take());
            continue;
        }
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        if key == "worktree" {
            list.extend(current.take());
            current = Some(WorktreeInfo {
                path: PathBuf::from(value),
                head: None,
                branch: None,
                bare: false,
                locked: false,
                prunable: false,
            });
            continue;
        }
        let Some(wt) = current.as_mut() else { continue };
        match key {
            "HEAD" => wt.head = Some(value.to_owned()).filter(|h| h.bytes().any(|b| b != b'0')),
            "branch" => {
                wt.branch = Some(
                    value
                        .strip_prefix("refs/heads/")
                        .unwrap_or(value)
                        .to_owned(),
                )
            }
            "bare" => wt.bare = true,
            "locked" => wt.locked = true,
            "prunable" => wt.prunable = true,
            _ => {}
        }
    }
    list.extend(current);
    Ok(list)
}

/// Where new workers start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// What it is, for people and logs: `origin/main`, or the main checkout's branch (`main`).
    pub name: String,
    /// The full hash of its latest commit: the new worktree starts there.
    pub commit: String,
    /// Set when `git fetch` failed and the last fetched state was used instead.
    pub warning: Option<String>,
}

/// The base for new workers of the repository at `project`:
/// - with a remote [`REMOTE`]: `git fetch origin`, then origin's default branch
///   (`refs/remotes/origin/HEAD`, else `origin/main`, else `origin/master`). A failed fetch
///   is not fatal: the last fetched state is used and [`Base::warning`] says so.
/// - without it: the branch checked out in the main worktree.
///
/// # Errors
/// [`WorktreeError::NoBase`] when origin has none of those branches, or (without origin)
/// when the main checkout is on a detached HEAD or has no commits; [`WorktreeError`] when
/// git fails otherwise.
pub fn find_base(project: &Path) -> Result<Base, WorktreeError> {
    let remotes = git::run_ok(project, &["remote"], Access::Read, READ_LIMIT)?;
    if remotes.lines().any(|r| r.trim() == REMOTE) {
        let warning = match git::run_ok(
            project,
            &["fetch", "--quiet", REMOTE],
            Access::Write,
            FETCH_LIMIT,
        ) {
            Ok(_) => None,
            Err(e) => Some(format!("{e}; using the last fetched state of {REMOTE}")),
        };
        let head_ref = format!("refs/remotes/{REMOTE}/HEAD");
        let args: [&OsStr; 4] = [
            "symbolic-ref".as_ref(),
            "--quiet".as_ref(),
            "--short".as_ref(),
            head_ref.as_ref(),
        ];
        let out = git::run(project, &args, Access::Read, READ_LIMIT, None)?;
        let mut candidates = Vec::new();
        if out.success {
            candidates.push(out.stdout.trim().to_owned());
        }
        candidates.extend([format!("{REMOTE}/main"), format!("{REMOTE}/master")]);
        for name in candidates {
            if let Some(commit) = resolve_commit(project, &format!("refs/remotes/{name}"))? {
                return Ok(Base {
                    name,
                    commit,
                    warning,
                });
            }
        }
        return Err(WorktreeError::NoBase(format!(
            "{REMOTE} has no default branch (no {REMOTE}/HEAD, {REMOTE}/main or {REMOTE}/master); \
             run `git remote set-head {REMOTE} --auto`{}",
            warning.map(|w| format!(" ({w})")).unwrap_or_default()
        )));
    }
    let main = list_worktrees(project)?
        .into_iter()
        .next()
        .ok_or_else(|| WorktreeError::NoBase("git lists no worktree".into()))?;
    if main.bare {
        return Err(WorktreeError::NoBase(
            "the repository is bare and has no origin remote".into(),
        ));
    }
    let branch = main.branch.ok_or_else(|| {
        WorktreeError::NoBase(format!(
            "the main checkout {} is on a detached HEAD and there is no {REMOTE} remote; \
             check out the branch workers should start from",
            main.path.display()
        ))
    })?;
    let commit = resolve_commit(project, &format!("refs/heads/{branch}"))?
        .ok_or_else(|| WorktreeError::NoBase(format!("the branch {branch} has no commits yet")))?;
    Ok(Base {
        name: branch,
        commit,
        warning: None,
    })
}

/// What [`ensure_worktree`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured {
    /// A new branch at the base's commit, checked out in a new worktree.
    Created {
        /// The new branch.
        branch: String,
        /// The commit it starts at.
        base_commit: String,
    },
    /// The worktree was already there, registered at that path; it was left as it
    /// was (whatever it has checked out, changes included).
    ReusedWorktree {
        /// The branch checked out there (`None` on a detached HEAD).
        branch: Option<String>,
    },
    /// The branch already existed; it is now checked out in a new worktree.
    ReusedBranch {
        /// That branch: [`WorktreeSpec::branch`], or the only other branch
        /// `gh-<number>/…` (the title changed since it was made).
        branch: String,
    },
}

/// The worktree one worker needs: where it goes, the branch it checks out, and the family
/// of branch names of the same issue (`gh-<number>`: an existing `gh-<number>/<old slug>`
/// branch is taken up after the title changed). The workers flow derives it from
/// its names (`crate::workers::naming::WorkerNames::worktree_spec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorktreeSpec<'a> {
    /// The worktree's path.
    pub path: &'a Path,
    /// The branch: `gh-<number>/<slug>`.
    pub branch: &'a str,
    /// The branch family: `gh-<number>`; its branches are `<family>/…`.
    pub family: &'a str,
}

fn same_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    a == b || canon(a) == canon(b)
}

/// Makes sure the worker of `spec` has its worktree at [`WorktreeSpec::path`]:
/// 1. a worktree registered at that path is reused as it is (a registered one whose
///    directory is gone is pruned first);
/// 2. else an existing branch of the issue is checked out there: [`WorktreeSpec::branch`], or
///    else the only branch named `gh-<number>/…`;
/// 3. else `git worktree add --no-track -b <branch> <path> <base commit>`.
///
/// # Errors
/// [`WorktreeError::PathOccupied`] when the path exists and is neither a registered worktree
/// nor an empty directory; [`WorktreeError::AmbiguousBranches`] when several
/// `gh-<number>/…` branches exist but not [`WorktreeSpec::branch`]; [`GitError::Failed`]
/// when git refuses (for example, the branch is checked out in another worktree).
pub fn ensure_worktree(
    project: &Path,
    spec: &WorktreeSpec<'_>,
    base: &Base,
) -> Result<Ensured, WorktreeError> {
    let path = spec.path;
    let worktrees = list_worktrees(project)?;
    if let Some(wt) = worktrees.iter().find(|w| same_path(&w.path, path)) {
        if !wt.prunable && path.is_dir() {
            return Ok(Ensured::ReusedWorktree {
                branch: wt.branch.clone(),
            });
        }
        git::run_ok(project, &["worktree", "prune"], Access::Write, READ_LIMIT)?;
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let empty_dir = meta.is_dir()
            && std::fs::read_dir(path)
                .map_err(io_err(path))?
                .next()
                .is_none();
        if !empty_dir {
            return Err(WorktreeError::PathOccupied(path.to_path_buf()));
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let existing = if resolve_commit(project, &format!("refs/heads/{}", spec.branch))?.is_some() {
        Some(spec.branch.to_owned())
    } else {
        let prefix = format!("refs/heads/{}", spec.family);
        let listed = git::run_ok(
            project,
            &["for-each-ref", "--format=%(refname)", &prefix],
            Access::Read,
            READ_LIMIT,
        )?;
        let mut found: Vec<String> = listed
            .lines()
            .filter_map(|r| r.strip_prefix(&format!("{prefix}/")))
            .map(|rest| format!("{}/{rest}", spec.family))
            .collect();
        match found.len() {
            0 => None,
            1 => found.pop(),
            _ => return Err(WorktreeError::AmbiguousBranches(found)),
        }
    };
    let path_arg = path.as_os_str();
    match existing {
        Some(branch) => {
            let args: [&OsStr; 5] = [
                "worktree".as_ref(),
                "add".as_ref(),
                "--quiet".as_ref(),
                path_arg,
                branch.as_ref(),
            ];
            git::run_ok(project, &args, Access::Write, WRITE_LIMIT)?;
            Ok(Ensured::ReusedBranch { branch })
        }
        None => {
            let args: [&OsStr; 8] = [
                "worktree".as_ref(),
                "add".as_ref(),
                "--quiet".as_ref(),
                "--no-track".as_ref(),
                "-b".as_ref(),
                spec.branch.as_ref(),
                path_arg,
                base.commit.as_ref(),
            ];
            git::run_ok(project, &args, Access::Write, WRITE_LIMIT)?;
            Ok(Ensured::Created {
                branch: spec.branch.to_owned(),
                base_commit: base.commit.clone(),
            })
        }
    }
}

/// The commits of local branch `branch` that no other local branch and no remote-tracking
/// ref has: the work that deleting the branch would lose (not pushed, not merged). Newest
/// first. Tags do not count as "somewhere else".
///
/// How: `git log refs/heads/<branch> --stdin` with `^<ref>` on stdin for every other ref
/// under `refs/heads/` and `refs/remotes/` (exact names, no glob patterns).
///
/// # Errors
/// [`WorktreeError::NoSuchBranch`]; [`WorktreeError`] when git fails or times out.
pub fn unique_commits(project: &Path, branch: &str) -> Result<Vec<Commit>, WorktreeError> {
    let own = format!("refs/heads/{branch}");
    if resolve_commit(project, &own)?.is_none() {
        return Err(WorktreeError::NoSuchBranch(branch.to_owned()));
    }
    let refs = git::run_ok(
        project,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/heads",
            "refs/remotes",
        ],
        Access::Read,
        READ_LIMIT,
    )?;
    let exclude: String = refs
        .lines()
        .filter(|r| !r.is_empty() && *r != own)
        .map(|r| format!("^{r}\n"))
        .collect();
    let format = format!("--format={}", git::COMMIT_FORMAT);
    let args: [&OsStr; 4] = [
        "log".as_ref(),
        format.as_ref(),
        own.as_ref(),
        "--stdin".as_ref(),
    ];
    let out = git::run(project, &args, Access::Read, READ_LIMIT, Some(exclude))?;
    if !out.success {
        return Err(GitError::Failed {
            args: format!("log {own} --stdin"),
            stderr: out.stderr,
        }
        .into());
    }
    Ok(git::parse_commits(&out.stdout))
}

/// What [`remove_worktree`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// `git worktree remove` removed it.
    Removed,
    /// Nothing was at the path; git's records of vanished worktrees were pruned.
    AlreadyGone,
}

/// Resolves `path` following symbolic links; a path that does not exist is resolved through
/// its parent (which must exist).
fn resolve(path: &Path) -> Result<PathBuf, WorktreeError> {
    match path.canonicalize() {
        Ok(p) => Ok(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = match path.components().next_back() {
                Some(Component::Normal(name)) => name.to_os_string(),
                _ => return Err(io_err(path)(e)),
            };
            let parent = path.parent().ok_or_else(|| io_err(path)(e))?;
            Ok(parent.canonicalize().map_err(io_err(parent))?.join(name))
        }
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Removes the worktree at `path`: `git worktree remove [--force] <path>`, then `git
/// worktree prune`. Without `force` git itself refuses a worktree with modified or untracked
/// (not ignored) files. The branch and its commits are never touched.
///
/// `path` must be strictly inside `worktree_root`, both resolved through symbolic links and
/// `..` first, and a worktree of the repository at `project`; anything else is refused
/// before git runs. When nothing is at `path` any more, git's records of vanished
/// worktrees are pruned and nothing else is done.
///
/// # Errors
/// [`WorktreeError::OutsideRoot`], [`WorktreeError::NotAWorktree`]; [`WorktreeError::Io`]
/// when the root does not exist; [`GitError::Failed`] when git refuses (uncommitted
/// changes without `force`, a locked worktree).
pub fn remove_worktree(
    project: &Path,
    worktree_root: &Path,
    path: &Path,
    force: bool,
) -> Result<Removal, WorktreeError> {
    let root = worktree_root
        .canonicalize()
        .map_err(io_err(worktree_root))?;
    let target = resolve(path)?;
    if !target.starts_with(&root) || target == root {
        return Err(WorktreeError::OutsideRoot { path: target, root });
    }
    if std::fs::symlink_metadata(&target).is_err() {
        git::run_ok(project, &["worktree", "prune"], Access::Write, READ_LIMIT)?;
        return Ok(Removal::AlreadyGone);
    }
    let registered = list_worktrees(project)?
        .into_iter()
        .any(|w| !w.bare && same_path(&w.path, &target));
    if !registered {
        return Err(WorktreeError::NotAWorktree(target));
    }
    let mut args: Vec<OsString> = vec!["worktree".into(), "remove".into()];
    if force {
        args.push("--force".into());
    }
    args.push(target.into_os_string());
    git::run_ok(project, &args, Access::Write, WRITE_LIMIT)?;
    git::run_ok(project, &["worktree", "prune"], Access::Write, READ_LIMIT)?;
    Ok(Removal::Removed)
}

/// Deletes local branch `branch` when none of its commits exists only there
/// ([`unique_commits`] is empty), whether or not HEAD has them: a worker's branch starts at
/// origin's latest default branch, usually ahead of the main checkout, so `git branch -d`
/// (see [`delete_branch`]) refuses it even when the worker added nothing. Returns whether it
/// was deleted.
///
/// Safe against a moving branch: git deletes the ref only if it still points at the commit
/// that was checked (`git update-ref -d <ref> <commit>`). A branch checked out in a worktree
/// is never deleted.
///
/// # Errors
/// [`WorktreeError::NoSuchBranch`]; [`GitError::Failed`] when the branch has commits
/// that exist nowhere else, is checked out, or git fails.
pub fn delete_branch_without_unique_commits(
    project: &Path,
    branch: &str,
) -> Result<(), WorktreeError> {
    let own = format!("refs/heads/{branch}");
    let refuse = |why: String| -> WorktreeError {
        GitError::Failed {
            args: format!("update-ref -d {own}"),
            stderr: why,
        }
        .into()
    };
    let tip = resolve_commit(project, &own)?
        .ok_or_else(|| WorktreeError::NoSuchBranch(branch.to_owned()))?;
    let unique = unique_commits(project, branch)?;
    if !unique.is_empty() {
        return Err(refuse(format!(
            "{} commit(s) of {branch} exist nowhere else",
            unique.len()
        )));
    }
    if let Some(wt) = list_worktrees(project)?
        .into_iter()
        .find(|w| w.branch.as_deref() == Some(branch))
    {
        return Err(refuse(format!(
            "{branch} is checked out in {}",
            wt.path.display()
        )));
    }
    git::run_ok(
        project,
        &["update-ref", "-d", own.as_str(), tip.as_str()],
        Access::Write,
        READ_LIMIT,
    )?;
    Ok(())
}

/// Deletes local branch `branch` with `git branch -d`, which git refuses when the branch is
/// not merged into its upstream (or HEAD when it has none).
///
/// # Errors
/// [`GitError::Failed`] with git's reason when it refuses (or `branch` starts with `-`).
pub fn delete_branch(project: &Path, branch: &str) -> Result<(), WorktreeError> {
    if branch.starts_with('-') {
        return Err(GitError::Failed {
            args: format!("branch -d {branch}"),
            stderr: "a branch name cannot start with '-'".into(),
        }
        .into());
    }
    git::run_ok(
        project,
        &["branch", "-d", branch],
        Access::Write,
        READ_LIMIT,
    )?;
    Ok(())
}
