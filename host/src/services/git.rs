//! git, through the `git` command line (the tool users already have, and the one that knows
//! about worktrees, hooks and their config).
//!
//! [`run`] is the one way the host runs git (the worktree service too): within a time limit,
//! never reading our stdin or asking for credentials. Read-only commands run with
//! `GIT_OPTIONAL_LOCKS=0`, so a status check never takes the index lock out from under an
//! agent's own git command.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use exomonad_protocol::abi::{Commit, DirtyFile, DirtyFiles, GitBranch};

use super::process::{self, ProcessError};

/// Errors from running git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// git could not be started (not installed, not on `PATH`).
    #[error("could not run git: {0}")]
    Spawn(#[from] std::io::Error),
    /// git ran longer than `limit` and was killed.
    #[error("`git {args}` did not finish within {limit:?}; killed it")]
    TimedOut {
        /// The arguments, for the message.
        args: String,
        /// The limit it ran into.
        limit: Duration,
    },
    /// git ran and failed; `stderr` is its message.
    #[error("`git {args}` failed: {stderr}")]
    Failed {
        /// The arguments, for the message.
        args: String,
        /// git's stderr, trimmed.
        stderr: String,
    },
}

/// Longest wait for one read-only git command. A hook waits on it, and Claude Code kills a
/// hook after 60 s; a git that hangs (a lock held by a crashed process, an fsmonitor that
/// never answers) must fail the one call, not the hook.
pub const READ_LIMIT: Duration = Duration::from_secs(15);

/// Whether a git command changes anything. A read runs with `GIT_OPTIONAL_LOCKS=0`, so it
/// never takes the index lock out from under an agent's own git command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only reads the repository.
    Read,
    /// Changes refs, the index or a working tree.
    Write,
}

/// What a git run that finished within its limit gave.
#[derive(Debug)]
pub struct Output {
    /// Whether it exited 0.
    pub success: bool,
    /// Its stdout (invalid UTF-8 replaced).
    pub stdout: String,
    /// Its stderr, trimmed.
    pub stderr: String,
}

/// Runs `git -C dir <args>` within `limit` ([`process::run`]), feeding it `stdin` (or
/// nothing), with `LC_ALL=C` (messages and formats we parse) and `GIT_TERMINAL_PROMPT=0`
/// (never ask for credentials on a terminal nobody watches).
///
/// # Errors
/// [`GitError::Spawn`] or [`GitError::TimedOut`]; a non-zero exit is [`Output::success`].
pub fn run(
    dir: &Path,
    args: &[&OsStr],
    access: Access,
    limit: Duration,
    stdin: Option<String>,
) -> Result<Output, GitError> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0");
    if access == Access::Read {
        cmd.env("GIT_OPTIONAL_LOCKS", "0");
    }
    match process::run(&mut cmd, stdin.map(String::into_bytes), limit) {
        Ok(done) => Ok(Output {
            success: done.status.success(),
            stdout: done.stdout,
            stderr: done.stderr.trim().to_owned(),
        }),
        Err(ProcessError::Spawn(e)) => Err(GitError::Spawn(e)),
        Err(ProcessError::TimedOut { limit }) => Err(GitError::TimedOut {
            args: shown(args),
            limit,
        }),
    }
}

/// [`run`] without stdin that fails unless git exits 0; returns stdout.
///
/// # Errors
/// As [`run`], and [`GitError::Failed`] with git's stderr.
pub fn run_ok<S: AsRef<OsStr>>(
    dir: &Path,
    args: &[S],
    access: Access,
    limit: Duration,
) -> Result<String, GitError> {
    let args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
    let out = run(dir, &args, access, limit, None)?;
    if out.success {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed {
            args: shown(&args),
            stderr: out.stderr,
        })
    }
}

/// The arguments as one line, for messages.
fn shown(args: &[&OsStr]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A read-only `git -C dir <args>` (at most [`READ_LIMIT`]); returns stdout.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    run_ok(dir, args, Access::Read, READ_LIMIT)
}

/// The fetch URL of `remote` in the repository at `dir` (`git remote get-url`); `None` when
/// the repository has no remote of that name.
///
/// # Errors
/// [`GitError`] when git is missing or `dir` is not in a repository.
pub fn remote_url(dir: &Path, remote: &str) -> Result<Option<String>, GitError> {
    // `git remote` lists the names; asking for a missing one is an error we tell apart here.
    let names = git(dir, &["remote"])?;
    if !names.lines().any(|n| n == remote) {
        return Ok(None);
    }
    let url = git(dir, &["remote", "get-url", remote])?;
    Ok(Some(url.trim().to_owned()))
}

/// The ref workers are compared against in the repository at `dir`: `origin/HEAD`, else
/// `origin/main`, else `origin/master`, else the main checkout's `HEAD`; `None` when none
/// resolves (no commits). Read-only: nothing is fetched.
pub fn default_base_ref(dir: &Path) -> Option<String> {
    [
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
        "refs/remotes/origin/master",
        "HEAD",
    ]
    .into_iter()
    .find(|r| {
        git(
            dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{r}^{{commit}}"),
            ],
        )
        .is_ok()
    })
    .map(str::to_owned)
}

/// How many commits the local branch `branch` has that `base` has not
/// (`git rev-list --count <base>..refs/heads/<branch>`).
///
/// # Errors
/// [`GitError`] when git fails (no such branch or base).
pub fn commits_ahead(dir: &Path, base: &str, branch: &str) -> Result<u32, GitError> {
    let range = format!("{base}..refs/heads/{branch}");
    let out = git(dir, &["rev-list", "--count", &range])?;
    out.trim().parse().map_err(|_| GitError::Failed {
        args: format!("rev-list --count {range}"),
        stderr: format!("unexpected output {:?}", out.trim()),
    })
}

/// The checked-out branch and HEAD commit of the working tree at `dir`.
///
/// From `git status --porcelain=v2 --branch` headers: `branch.head` is `(detached)` on a
/// detached HEAD (→ `branch: None`), `branch.oid` is `(initial)` before the first commit
/// (→ `head: None`).
///
/// # Errors
/// [`GitError`] when git is missing or `dir` is not in a working tree.
pub fn branch(dir: &Path) -> Result<GitBranch, GitError> {
    let out = git(
        dir,
        &[
            "status",
            "--porcelain=v2",
            "--branch",
            "--untracked-files=no",
        ],
    )?;
    let mut result = GitBranch {
        branch: None,
        head: None,
    };
    for line in out.lines() {
        if let Some(head) = line.strip_prefix("# branch.head ") {
            result.branch = (head != "(detached)").then(|| head.to_owned());
        } else if let Some(oid) = line.strip_prefix("# branch.oid ") {
            result.head = (oid != "(initial)").then(|| oid.to_owned());
        }
    }
    Ok(result)
}

/// Uncommitted changes of the working tree at `dir`: modified, staged, deleted, and
/// untracked files that are not ignored (untracked directories are listed as `dir/`).
///
/// Parsed from `git status --porcelain=v1 -z`, whose entries are `XY path\0`, and
/// `XY new\0old\0` for renames and copies.
///
/// # Errors
/// [`GitError`] when git is missing or `dir` is not in a working tree.
pub fn dirty_files(dir: &Path) -> Result<DirtyFiles, GitError> {
    let out = git(
        dir,
        &["status", "--porcelain=v1", "-z", "--untracked-files=normal"],
    )?;
    Ok(parse_porcelain_z(&out))
}

fn parse_porcelain_z(out: &str) -> DirtyFiles {
    let mut files = Vec::new();
    let mut fields = out.split('\0').filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let (status, path) = entry.split_at(2);
        if status.starts_with('R') || status.starts_with('C') {
            fields.next(); // the original path of a rename or copy
        }
        files.push(DirtyFile {
            path: path[1..].to_owned(),
            status: status.to_owned(),
        });
    }
    DirtyFiles { files }
}

/// The `limit` most recent commits reachable from HEAD, newest first; empty before the
/// first commit.
///
/// # Errors
/// [`GitError`] when git is missing or `dir` is not in a working tree.
pub fn recent_commits(dir: &Path, limit: u32) -> Result<Vec<Commit>, GitError> {
    if branch(dir)?.head.is_none() {
        return Ok(Vec::new());
    }
    let n = format!("-n{limit}");
    let format = format!("--format={COMMIT_FORMAT}");
    let out = git(dir, &["log", &n, &format])?;
    Ok(parse_commits(&out))
}

/// The `git log --format` that [`parse_commits`] reads: hash, summary, author name and
/// author date (ISO 8601), separated by US (0x1f), each commit ended by RS (0x1e), so no
/// summary can break the parse.
pub const COMMIT_FORMAT: &str = "%H%x1f%s%x1f%an%x1f%aI%x1e";

/// The commits of `git log --format=`[`COMMIT_FORMAT`] output, in git's order.
pub fn parse_commits(out: &str) -> Vec<Commit> {
    out.split('\x1e')
        .filter_map(|rec| {
            let mut f = rec.trim_start_matches('\n').split('\x1f');
            Some(Commit {
                hash: f.next().filter(|h| !h.is_empty())?.to_owned(),
                summary: f.next()?.to_owned(),
                author: f.next()?.to_owned(),
                time: f.next()?.trim().to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let st = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path(), &["init", "-q", "-b", "main"]);
        run(dir.path(), &["config", "user.name", "T"]);
        run(dir.path(), &["config", "user.email", "t@example.com"]);
        dir
    }

    #[test]
    fn empty_repo_has_a_branch_but_no_head_or_commits() {
        let r = repo();
        let b = branch(r.path()).unwrap();
        assert_eq!(b.branch.as_deref(), Some("main"));
        assert_eq!(b.head, None);
        assert!(recent_commits(r.path(), 5).unwrap().is_empty());
    }

    #[test]
    fn dirty_files_lists_every_kind_of_change() {
        let r = repo();
        std::fs::write(r.path().join("a.txt"), "a").unwrap();
        std::fs::write(r.path().join("b.txt"), "b").unwrap();
        run(r.path(), &["add", "."]);
        run(r.path(), &["commit", "-qm", "first: \"quoted\" summary"]);
        assert!(dirty_files(r.path()).unwrap().files.is_empty());
        std::fs::write(r.path().join("a.txt"), "changed").unwrap();
        run(r.path(), &["mv", "b.txt", "renamed b.txt"]);
        std::fs::create_dir(r.path().join("new dir")).unwrap();
        std::fs::write(r.path().join("new dir/x"), "x").unwrap();
        std::fs::write(r.path().join("üñí.txt"), "u").unwrap();
        let files = dirty_files(r.path()).unwrap().files;
        let got: Vec<(&str, &str)> = files
            .iter()
            .map(|f| (f.status.as_str(), f.path.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (" M", "a.txt"),
                ("R ", "renamed b.txt"),
                ("??", "new dir/"),
                ("??", "üñí.txt")
            ]
        );
        let commits = recent_commits(r.path(), 5).unwrap();
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].summary, "first: \"quoted\" summary");
        assert_eq!(commits[0].hash.len(), 40);
        assert_eq!(
            branch(r.path()).unwrap().head.as_deref(),
            Some(commits[0].hash.as_str())
        );
    }

    #[test]
    fn detached_head_and_non_repo() {
        let r = repo();
        run(r.path(), &["commit", "-q", "--allow-empty", "-m", "x"]);
        run(r.path(), &["checkout", "-q", "--detach"]);
        assert_eq!(branch(r.path()).unwrap().branch, None);
        let plain = tempfile::tempdir().unwrap();
        assert!(matches!(branch(plain.path()), Err(GitError::Failed { .. })));
    }
}
