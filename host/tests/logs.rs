//! Where `exomonad` writes its log lines, through the real binary: the project's
//! `.exomonad/logs/` in a project, the user's cache outside one (never a new `.exomonad/` in a
//! home directory), one file per day with the oldest pruned.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn hook(home: &Path, dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exomonad"))
        .args(["hook", "SessionStart"])
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        // A worker's SessionStart records its session: it must not do so outside a project.
        .env("EXOMONAD_ROLE", "worker")
        .env_remove("EXOMONAD_AGENT_ID")
        .env_remove("ZELLIJ")
        .env_remove("ZELLIJ_SESSION_NAME")
        .env_remove("EXOMONAD_SESSION")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let payload = common::fixture("session-start");
    let _ = child.stdin.take().unwrap().write_all(payload.as_bytes());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "{}");
    out
}

#[test]
fn a_hook_outside_a_project_creates_no_state_dir_there() {
    // The home directory is in no repository (a temporary directory outside any).
    let home = tempfile::tempdir().unwrap();
    let sub = home.path().join("notes");
    std::fs::create_dir_all(&sub).unwrap();
    for dir in [home.path(), sub.as_path()] {
        hook(home.path(), dir);
        assert!(
            !dir.join(".exomonad").exists(),
            "{} got a .exomonad/",
            dir.display()
        );
    }
    let log = std::fs::read_to_string(home.path().join(".cache/exomonad/logs/exomonad.log"))
        .expect("the lines went to the user's cache");
    assert!(log.contains("hook answered"), "{log}");
}

#[test]
fn in_a_project_the_log_is_daily_and_old_days_go() {
    let home = tempfile::tempdir().unwrap();
    let r = common::repo();
    let logs = r.path().join(".exomonad/logs");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=20 {
        std::fs::write(logs.join(format!("exomonad.2020-01-{day:02}.log")), "old\n").unwrap();
    }
    hook(home.path(), r.path());
    let daily: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("exomonad.2"))
        .collect();
    assert_eq!(
        daily.len(),
        exomonad::base::logging::MAX_LOG_FILES,
        "{daily:?}"
    );
    let log = std::fs::read_to_string(logs.join("exomonad.log")).unwrap();
    assert!(log.contains("hook answered"), "{log}");
    assert!(!home.path().join(".cache/exomonad/logs").exists());
}
