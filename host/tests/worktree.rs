//! `exomonad::services::worktree` against real git repositories: a bare "remote", clones of
//! it, and worktrees under a temporary worktree root.

use std::path::{Path, PathBuf};
use std::process::Command;

use exomonad::services::git::{self, GitError};
use exomonad::services::worktree::{
    self, Base, Ensured, Removal, WorktreeError, ensure_worktree, find_base, remove_worktree,
    unique_commits,
};
use exomonad::workers::naming::WorkerNames;
use exomonad::workers::safety::{self, CleanupFacts, CleanupVerdict};

/// Runs git in `dir` with a fixed identity and no user or system config, so the tests run
/// the same on a fresh machine; returns stdout, trimmed.
fn sh(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn commit_file(dir: &Path, name: &str, text: &str, message: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    sh(dir, &["add", name]);
    sh(dir, &["commit", "-q", "-m", message]);
    sh(dir, &["rev-parse", "HEAD"])
}

/// A temporary world: `remote.git` (bare), `project` (a clone: the lead's checkout) and
/// `wt` (the worktree root).
struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    remote: PathBuf,
    project: PathBuf,
    wt: PathBuf,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let remote = root.join("remote.git");
        let seed = root.join("seed");
        std::fs::create_dir_all(&seed).unwrap();
        sh(&root, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
        sh(&seed, &["init", "-q", "-b", "main"]);
        commit_file(&seed, "README", "hello\n", "first");
        sh(
            &seed,
            &["remote", "add", "origin", remote.to_str().unwrap()],
        );
        sh(&seed, &["push", "-q", "origin", "main"]);
        sh(&root, &["clone", "-q", remote.to_str().unwrap(), "project"]);
        let wt = root.join("project/.exomonad/worktrees");
        std::fs::create_dir_all(&wt).unwrap();
        World {
            project: root.join("project"),
            _tmp: tmp,
            root,
            remote,
            wt,
        }
    }

    /// Another clone that pushes a new commit to main; returns its hash.
    fn push_from_elsewhere(&self, message: &str) -> String {
        let other = self.root.join(format!("other-{}", message.len()));
        sh(
            &self.root,
            &[
                "clone",
                "-q",
                self.remote.to_str().unwrap(),
                other.to_str().unwrap(),
            ],
        );
        let hash = commit_file(&other, "other.txt", message, message);
        sh(&other, &["push", "-q", "origin", "main"]);
        hash
    }

    fn names(&self, issue: u64, title: &str) -> WorkerNames {
        WorkerNames::derive(issue, title, &self.wt)
    }
}

fn head(dir: &Path) -> String {
    sh(dir, &["rev-parse", "HEAD"])
}

#[test]
fn a_commit_pushed_elsewhere_is_the_base_of_a_new_worktree() {
    let w = World::new();
    let pushed = w.push_from_elsewhere("newer work");
    assert_ne!(
        head(&w.project),
        pushed,
        "the project has not fetched it yet"
    );
    let base = find_base(&w.project).unwrap();
    assert_eq!(
        base,
        Base {
            name: "origin/main".into(),
            commit: pushed.clone(),
            warning: None
        }
    );
    let names = w.names(7, "Fix the parser");
    let done = ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    assert_eq!(
        done,
        Ensured::Created {
            branch: "gh-7/fix-the-parser".into(),
            base_commit: pushed.clone()
        }
    );
    assert_eq!(head(&names.worktree), pushed);
    assert_eq!(
        sh(&names.worktree, &["symbolic-ref", "--short", "HEAD"]),
        "gh-7/fix-the-parser"
    );
    // No upstream is set up: the branch does not track origin/main.
    let upstream = Command::new("git")
        .arg("-C")
        .arg(&names.worktree)
        .args(["rev-parse", "--abbrev-ref", "@{upstream}"])
        .output()
        .unwrap();
    assert!(!upstream.status.success());
    // The lead's own checkout was not moved.
    assert_ne!(head(&w.project), pushed);
}

#[test]
fn base_falls_back_to_origin_main_or_master() {
    let w = World::new();
    sh(&w.project, &["remote", "set-head", "origin", "-d"]);
    let main = sh(&w.project, &["rev-parse", "origin/main"]);
    assert_eq!(find_base(&w.project).unwrap().name, "origin/main");
    assert_eq!(find_base(&w.project).unwrap().commit, main);
    // Only a `master` on the remote.
    sh(&w.remote, &["branch", "-m", "main", "master"]);
    sh(
        &w.project,
        &["update-ref", "-d", "refs/remotes/origin/main"],
    );
    let base = find_base(&w.project).unwrap();
    assert_eq!(
        (base.name.as_str(), base.commit.as_str()),
        ("origin/master", main.as_str())
    );
    // Neither: a clear error.
    sh(&w.remote, &["branch", "-m", "master", "trunk"]);
    sh(
        &w.project,
        &["update-ref", "-d", "refs/remotes/origin/master"],
    );
    let err = find_base(&w.project).unwrap_err();
    assert!(matches!(err, WorktreeError::NoBase(_)), "{err}");
    assert!(err.to_string().contains("set-head"), "{err}");
}

#[test]
fn a_failed_fetch_falls_back_with_a_warning() {
    let w = World::new();
    let before = sh(&w.project, &["rev-parse", "origin/main"]);
    std::fs::rename(&w.remote, w.root.join("moved.git")).unwrap();
    let base = find_base(&w.project).unwrap();
    assert_eq!(base.commit, before);
    let warning = base.warning.expect("a warning");
    assert!(warning.contains("fetch"), "{warning}");
}

#[test]
fn without_origin_the_main_checkout_branch_is_the_base() {
    let w = World::new();
    sh(&w.project, &["remote", "remove", "origin"]);
    sh(&w.project, &["checkout", "-q", "-b", "trunk"]);
    let trunk = commit_file(&w.project, "t.txt", "t", "on trunk");
    let base = find_base(&w.project).unwrap();
    assert_eq!(
        (base.name.as_str(), base.commit.as_str()),
        ("trunk", trunk.as_str())
    );
    // Seen from a linked worktree, it is still the main checkout's branch.
    let names = w.names(3, "x");
    ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    assert_eq!(find_base(&names.worktree).unwrap().name, "trunk");
}

#[test]
fn a_detached_main_checkout_is_no_base_without_origin() {
    let w = World::new();
    sh(&w.project, &["checkout", "-q", "--detach"]);
    // With origin, the detached checkout does not matter.
    assert_eq!(find_base(&w.project).unwrap().name, "origin/main");
    sh(&w.project, &["remote", "remove", "origin"]);
    let err = find_base(&w.project).unwrap_err();
    assert!(
        matches!(&err, WorktreeError::NoBase(m) if m.contains("detached")),
        "{err}"
    );
}

#[test]
fn an_existing_worktree_is_reused_as_it_is() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let names = w.names(7, "Fix it");
    ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    std::fs::write(names.worktree.join("wip.txt"), "work in progress").unwrap();
    let again = ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    assert_eq!(
        again,
        Ensured::ReusedWorktree {
            branch: Some("gh-7/fix-it".into())
        }
    );
    assert!(names.worktree.join("wip.txt").is_file());
    // The title changed on GitHub meanwhile: still the same worktree.
    let renamed = w.names(7, "Fix it properly");
    assert!(matches!(
        ensure_worktree(&w.project, &renamed.worktree_spec(), &base).unwrap(),
        Ensured::ReusedWorktree { .. }
    ));
}

#[test]
fn an_existing_branch_gets_a_worktree() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    sh(&w.project, &["branch", "gh-9/earlier-title", &base.commit]);
    sh(&w.project, &["checkout", "-q", "gh-9/earlier-title"]);
    let work = commit_file(&w.project, "w.txt", "w", "earlier work");
    sh(&w.project, &["checkout", "-q", "main"]);

    // Exactly the derived branch.
    sh(&w.project, &["branch", "gh-8/same", &work]);
    let names = w.names(8, "Same");
    assert_eq!(
        ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap(),
        Ensured::ReusedBranch {
            branch: "gh-8/same".into()
        }
    );
    assert_eq!(head(&names.worktree), work);

    // The issue's only branch, under an older title.
    let names = w.names(9, "A newer title");
    assert_eq!(
        ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap(),
        Ensured::ReusedBranch {
            branch: "gh-9/earlier-title".into()
        }
    );
    assert_eq!(head(&names.worktree), work);
    assert_eq!(
        sh(&names.worktree, &["symbolic-ref", "--short", "HEAD"]),
        "gh-9/earlier-title"
    );

    // Two candidate branches: which one is unclear.
    sh(&w.project, &["branch", "gh-10/one", &base.commit]);
    sh(&w.project, &["branch", "gh-10/two", &base.commit]);
    // gh-100/… is another issue's.
    sh(&w.project, &["branch", "gh-100/other", &base.commit]);
    let err =
        ensure_worktree(&w.project, &w.names(10, "Three").worktree_spec(), &base).unwrap_err();
    assert!(
        matches!(&err, WorktreeError::AmbiguousBranches(b) if b == &["gh-10/one", "gh-10/two"]),
        "{err}"
    );
    assert!(matches!(
        ensure_worktree(&w.project, &w.names(100, "Other").worktree_spec(), &base).unwrap(),
        Ensured::ReusedBranch { branch } if branch == "gh-100/other"
    ));
}

#[test]
fn an_occupied_path_is_not_clobbered() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let names = w.names(4, "x");
    std::fs::create_dir_all(&names.worktree).unwrap();
    std::fs::write(names.worktree.join("precious"), "keep").unwrap();
    let err = ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap_err();
    assert!(matches!(err, WorktreeError::PathOccupied(_)), "{err}");
    assert!(names.worktree.join("precious").is_file());
    // An empty directory is fine.
    std::fs::remove_file(names.worktree.join("precious")).unwrap();
    assert!(matches!(
        ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap(),
        Ensured::Created { .. }
    ));
}

#[test]
fn unique_commits_are_the_ones_nowhere_else() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let names = w.names(5, "Work");
    ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    assert!(
        unique_commits(&w.project, &names.branch)
            .unwrap()
            .is_empty()
    );

    let local = commit_file(&names.worktree, "a.txt", "a", "local only");
    let found = unique_commits(&w.project, &names.branch).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].hash.as_str(), found[0].summary.as_str()),
        (local.as_str(), "local only")
    );
    assert_eq!(found[0].author, "Test");

    // Its safety verdict names it, and cleanup is refused.
    let verdict = safety::verdict(
        &CleanupFacts {
            branch: &names.branch,
            dirty: &[],
            unique_commits: &found,
        },
        false,
    );
    assert!(
        matches!(&verdict, CleanupVerdict::Refuse { reasons } if reasons[0].contains(&local[..7])),
        "{verdict:?}"
    );

    // Pushed: it exists on origin now.
    sh(&names.worktree, &["push", "-q", "origin", &names.branch]);
    assert!(
        unique_commits(&w.project, &names.branch)
            .unwrap()
            .is_empty()
    );

    // A second commit, merged into local main (not pushed): it exists on main.
    let second = commit_file(&names.worktree, "b.txt", "b", "second");
    assert_eq!(unique_commits(&w.project, &names.branch).unwrap().len(), 1);
    sh(&w.project, &["merge", "-q", "--ff-only", &second]);
    assert!(
        unique_commits(&w.project, &names.branch)
            .unwrap()
            .is_empty()
    );

    // A tag alone does not count as somewhere else.
    let third = commit_file(&names.worktree, "c.txt", "c", "third");
    sh(&w.project, &["tag", "t1", &third]);
    assert_eq!(unique_commits(&w.project, &names.branch).unwrap().len(), 1);

    let err = unique_commits(&w.project, "gh-404/none").unwrap_err();
    assert!(matches!(err, WorktreeError::NoSuchBranch(_)), "{err}");
}

#[test]
fn removal_refuses_paths_outside_the_root() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let names = w.names(6, "x");
    ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();

    // A worktree outside the root, and a symlink to it inside the root.
    let outside = w.root.join("outside-wt");
    sh(
        &w.project,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "elsewhere",
            outside.to_str().unwrap(),
        ],
    );
    let link = w.wt.join("gh-66");
    std::os::unix::fs::symlink(&outside, &link).unwrap();

    for path in [
        outside.clone(),
        link.clone(),
        w.wt.clone(),
        w.wt.join("gh-6/.."),
        w.wt.join("../worktrees/../.."),
        w.project.clone(),
        PathBuf::from("/"),
    ] {
        let err = remove_worktree(&w.project, &w.wt, &path, true).unwrap_err();
        assert!(
            matches!(err, WorktreeError::OutsideRoot { .. }),
            "{}: {err}",
            path.display()
        );
    }
    assert!(
        outside.join("README").is_file(),
        "the outside worktree is intact"
    );
    assert!(names.worktree.join("README").is_file());

    // Inside the root but not a worktree: refused too.
    let stray = w.wt.join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    let err = remove_worktree(&w.project, &w.wt, &stray, true).unwrap_err();
    assert!(matches!(err, WorktreeError::NotAWorktree(_)), "{err}");
    assert!(stray.is_dir());

    // Through `..` to a real worktree inside the root: allowed.
    let dotted = w.wt.join("stray/../gh-6");
    assert_eq!(
        remove_worktree(&w.project, &w.wt, &dotted, false).unwrap(),
        Removal::Removed
    );
    assert!(!names.worktree.exists());
}

#[test]
fn removal_keeps_commits_and_needs_force_for_changes() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let names = w.names(11, "Dirty");
    ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    let kept = commit_file(&names.worktree, "done.txt", "done", "committed work");
    // exomonad's own files are ignored: they never count as changes.
    exomonad::workers::launch::write_worker_files(
        &names.worktree,
        &[exomonad::workers::launch::WorkerFile {
            name: "config.toml",
            contents: "role = \"worker\"\n".into(),
        }],
        None,
    )
    .unwrap();
    assert!(git::dirty_files(&names.worktree).unwrap().files.is_empty());

    std::fs::write(names.worktree.join("README"), "changed\n").unwrap();
    std::fs::write(names.worktree.join("new.txt"), "new\n").unwrap();
    let dirty = git::dirty_files(&names.worktree).unwrap().files;
    let paths: Vec<&str> = dirty.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["README", "new.txt"]);
    assert_eq!(
        safety::dirty_reason(&dirty).unwrap(),
        "2 uncommitted files: README, new.txt"
    );

    let err = remove_worktree(&w.project, &w.wt, &names.worktree, false).unwrap_err();
    assert!(
        matches!(err, WorktreeError::Git(GitError::Failed { .. })),
        "{err}"
    );
    assert!(
        names.worktree.join("new.txt").is_file(),
        "nothing was removed"
    );

    assert_eq!(
        remove_worktree(&w.project, &w.wt, &names.worktree, true).unwrap(),
        Removal::Removed
    );
    assert!(!names.worktree.exists());
    assert!(!sh(&w.project, &["worktree", "list"]).contains("gh-11"));
    // The branch and its commit are still there; `branch -d` refuses to drop unmerged work.
    assert_eq!(sh(&w.project, &["rev-parse", &names.branch]), kept);
    let err = worktree::delete_branch(&w.project, &names.branch).unwrap_err();
    assert!(err.to_string().contains("not fully merged"), "{err}");
    assert_eq!(sh(&w.project, &["rev-parse", &names.branch]), kept);
    // Once merged it can go.
    sh(&w.project, &["merge", "-q", "--ff-only", &kept]);
    worktree::delete_branch(&w.project, &names.branch).unwrap();
    assert!(sh(&w.project, &["branch", "--list", &names.branch]).is_empty());
}

#[test]
fn a_clean_worktree_is_removed_without_force_and_a_vanished_one_is_pruned() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let clean = w.names(12, "Clean");
    ensure_worktree(&w.project, &clean.worktree_spec(), &base).unwrap();
    assert_eq!(
        remove_worktree(&w.project, &w.wt, &clean.worktree, false).unwrap(),
        Removal::Removed
    );

    let gone = w.names(13, "Gone");
    ensure_worktree(&w.project, &gone.worktree_spec(), &base).unwrap();
    std::fs::remove_dir_all(&gone.worktree).unwrap();
    assert_eq!(
        remove_worktree(&w.project, &w.wt, &gone.worktree, false).unwrap(),
        Removal::AlreadyGone
    );
    assert!(!sh(&w.project, &["worktree", "list", "--porcelain"]).contains("gh-13"));
    // Asked again (a retried cleanup): still nothing to do.
    assert_eq!(
        remove_worktree(&w.project, &w.wt, &gone.worktree, false).unwrap(),
        Removal::AlreadyGone
    );
    // A worktree whose directory vanished is made again from its branch.
    assert_eq!(
        ensure_worktree(&w.project, &gone.worktree_spec(), &base).unwrap(),
        Ensured::ReusedBranch {
            branch: gone.branch.clone()
        }
    );
}

#[test]
fn worktrees_are_listed_main_first() {
    let w = World::new();
    let base = find_base(&w.project).unwrap();
    let names = w.names(14, "Listed");
    ensure_worktree(&w.project, &names.worktree_spec(), &base).unwrap();
    sh(&names.worktree, &["checkout", "-q", "--detach"]);
    let list = worktree::list_worktrees(&w.project).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].path, w.project);
    assert_eq!(list[0].branch.as_deref(), Some("main"));
    assert_eq!(list[1].path, names.worktree);
    assert_eq!(list[1].branch, None);
    assert_eq!(list[1].head.as_deref(), Some(base.commit.as_str()));
    assert!(!list[1].prunable && !list[1].locked && !list[1].bare);
}
