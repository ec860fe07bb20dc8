//! `exomonad hook` as the agent runtime runs it: a process with the payload on stdin.
//! stdout must hold exactly one JSON object and nothing else; the exit code is 0 in every
//! case, including bad input and a Zellij session that does not exist.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::{fixture, repo};
use serde_json::{Value, json};

/// A home directory shared by this file's tests, outside every repository (so its compiled
/// guest cache stays warm and never shows up in `git status`).
fn home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn hook(dir: &Path, event: &str, stdin: &str, env: &[(&str, &str)]) -> Output {
    exomonad(dir, &["hook", event], stdin, env)
}

/// Runs `exomonad <args>` in `dir` with `stdin`, an isolated home and no Zellij around.
fn exomonad(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let home = home();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exomonad"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("ZELLIJ")
        .env_remove("ZELLIJ_SESSION_NAME")
        .env_remove("EXOMONAD_SESSION")
        .env_remove("EXOMONAD_AGENT_ID")
        .env_remove("EXOMONAD_ROLE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    // The hook may stop reading early (an oversized payload): a broken pipe here is expected.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// Asserts exit 0 and exactly one JSON object (plus a newline) on stdout; returns it.
fn answer(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        text.ends_with('\n') && text.matches('\n').count() == 1,
        "one line: {text:?}"
    );
    let v: Value = serde_json::from_str(text.trim_end()).unwrap();
    assert!(v.is_object(), "{text}");
    v
}

#[test]
fn the_recorded_session_gets_the_answers_claude_expects() {
    let r = repo();
    let worker = [("EXOMONAD_ROLE", "worker"), ("EXOMONAD_AGENT_ID", "alpha")];
    for name in [
        "session-start",
        "user-prompt-submit",
        "pre-tool-use-bash",
        "post-tool-use-bash",
        "pre-tool-use-write",
        "post-tool-use-write",
        "pre-tool-use-read",
        "post-tool-use-read",
    ] {
        let payload = fixture(name);
        let event: Value = serde_json::from_str(&payload).unwrap();
        let out = hook(
            r.path(),
            event["hook_event_name"].as_str().unwrap(),
            &payload,
            &worker,
        );
        assert_eq!(answer(&out), json!({}), "{name}");
    }
    std::fs::write(r.path().join("notes.txt"), "hello\n").unwrap();
    let blocked = answer(&hook(r.path(), "stop", &fixture("stop"), &worker));
    assert_eq!(blocked["decision"], "block");
    assert!(
        blocked["reason"].as_str().unwrap().contains("notes.txt"),
        "{blocked}"
    );
    assert_eq!(
        answer(&hook(
            r.path(),
            "Stop",
            &fixture("stop-hook-active"),
            &worker
        )),
        json!({})
    );
    assert_eq!(
        answer(&hook(
            r.path(),
            "session-end",
            &fixture("session-end"),
            &worker
        )),
        json!({})
    );
    // exomonad's own state never makes the tree dirty.
    let status = Command::new("git")
        .arg("-C")
        .arg(r.path())
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "?? notes.txt\n");
}

#[test]
fn a_denied_tool_call_uses_the_permission_decision() {
    let r = repo();
    let payload = fixture("pre-tool-use-bash")
        .replace("echo hello-from-fake-model", "git push -f origin main");
    let v = answer(&hook(r.path(), "pre-tool-use", &payload, &[]));
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(
        v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("force")
    );
}

#[test]
fn bad_input_fails_open() {
    let r = repo();
    assert_eq!(
        answer(&hook(r.path(), "pre-tool-use", "not json", &[])),
        json!({})
    );
    assert_eq!(answer(&hook(r.path(), "pre-tool-use", "", &[])), json!({}));
    assert_eq!(
        answer(&hook(r.path(), "pre-tool-use", "[1,2]", &[])),
        json!({})
    );
    assert_eq!(
        answer(&hook(r.path(), "NoSuchEvent", &fixture("stop"), &[])),
        json!({})
    );
    let invalid_id = hook(
        r.path(),
        "Stop",
        &fixture("stop"),
        &[("EXOMONAD_AGENT_ID", "../../etc")],
    );
    assert_eq!(answer(&invalid_id), json!({}));
    // Missing arguments: still a valid answer and exit 0, with the reason on stderr.
    let out = exomonad(r.path(), &["hook"], "", &[]);
    assert_eq!(answer(&out), json!({}));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EVENT"));
    let log = std::fs::read_to_string(r.path().join(".exomonad/logs/exomonad.log")).unwrap();
    assert!(log.contains("payload is not JSON"), "{log}");
    assert!(log.contains("agent id"), "the bad id is logged: {log}");
}

#[test]
fn oversized_payloads_are_refused_and_answered() {
    let r = repo();
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(9 * 1024 * 1024));
    assert_eq!(
        answer(&hook(r.path(), "pre-tool-use", &big, &[])),
        json!({})
    );
}

#[test]
fn gemini_runtime_gets_its_own_shape() {
    let r = repo();
    let mut payload = common::gemini_fixture("before-tool-run-shell-command");
    payload["cwd"] = json!(r.path());
    payload["tool_input"]["command"] = json!("rm -rf /");
    let out = exomonad(
        r.path(),
        &["hook", "before-tool", "--runtime", "gemini"],
        &payload.to_string(),
        &[],
    );
    let v = answer(&out);
    assert_eq!(v["decision"], "deny");
}

/// Gemini CLI 0.61.0 sends `stop_hook_active: false` on the AfterAgent of the retry a refusal
/// caused (same session and prompt): the hook remembers its refusal, so a worker is held once
/// per turn, not forever.
#[test]
fn a_gemini_worker_is_held_once_per_turn() {
    let r = repo();
    std::fs::write(r.path().join("wip.rs"), "fn main() {}\n").unwrap();
    let worker = [("EXOMONAD_ROLE", "worker"), ("EXOMONAD_AGENT_ID", "gh-3")];
    let mut first = common::gemini_fixture("after-agent");
    first["cwd"] = json!(r.path());
    assert_eq!(first["stop_hook_active"], json!(false));
    let run = |payload: &Value| {
        answer(&exomonad(
            r.path(),
            &["hook", "AfterAgent", "--runtime", "gemini"],
            &payload.to_string(),
            &worker,
        ))
    };
    let held = run(&first);
    assert_eq!(held["decision"], "deny", "{held}");
    assert!(
        held["reason"].as_str().unwrap().contains("wip.rs"),
        "{held}"
    );
    // The retry, as Gemini CLI 0.61.0 sends it: the answers so far, still not hook-active.
    let mut retry = first.clone();
    retry["prompt_response"] = json!("I wrote wip.rs.\nI will not commit it.");
    assert_eq!(
        run(&retry),
        json!({}),
        "the retry of a refused turn is held again"
    );
    // A new request is a new turn: held again while the change is there.
    let mut next = first.clone();
    next["prompt"] = json!("Now the next part.");
    assert_eq!(run(&next)["decision"], "deny");
}

#[test]
fn a_workers_session_start_records_the_runtime_session_for_resume() {
    let repo = common::repo();
    let payload = common::fixture("session-start");
    let session_id = common::fixture_json("session-start")["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = hook(
        repo.path(),
        "SessionStart",
        &payload,
        &[("EXOMONAD_ROLE", "worker"), ("EXOMONAD_AGENT_ID", "gh-7")],
    );
    assert_eq!(answer(&out), serde_json::json!({}));
    let record = repo.path().join(".exomonad/runtime-session.json");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(saved["session_id"], session_id.as_str());
    assert_eq!(saved["runtime"], "claude");
    // The lead is never resumed by exomonad: nothing is recorded for it.
    let lead = common::repo();
    hook(
        lead.path(),
        "SessionStart",
        &payload,
        &[("EXOMONAD_ROLE", "lead")],
    );
    assert!(!lead.path().join(".exomonad/runtime-session.json").exists());
    // Recording never dirties the worktree (the Stop policy reads git status).
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}
