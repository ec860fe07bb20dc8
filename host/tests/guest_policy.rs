//! The embedded Rust guest's policy, run through the host's real Extism runtime and real
//! host functions (git on real repositories), fed with the recorded Claude Code payloads.

mod common;

use std::sync::OnceLock;

use common::{fixture_json, repo};
use exomonad::guest::{CacheMode, Guest, GuestError, GuestOptions, HostState};
use exomonad::services::dashboard::events::RecordingSink;
use exomonad_protocol::abi::{ErrorCode, HookCall, HookDecision};
use exomonad_protocol::{AgentId, Role, Runtime};
use serde_json::{Value, json};

fn options() -> GuestOptions {
    static CACHE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = CACHE.get_or_init(|| tempfile::tempdir().unwrap());
    GuestOptions {
        cache: CacheMode::Dir(dir.path().to_path_buf()),
        ..GuestOptions::default()
    }
}

fn guest(project: &std::path::Path) -> Guest {
    let host = HostState::new(
        project.to_path_buf(),
        Box::new(RecordingSink::default()),
        None,
    );
    Guest::embedded(host, &options()).expect("the embedded guest loads")
}

fn call(runtime: Runtime, role: Role, payload: Value) -> HookCall {
    HookCall {
        runtime,
        hook_event_name: payload["hook_event_name"].as_str().unwrap().to_owned(),
        agent_id: AgentId::new("alpha").unwrap(),
        role,
        payload,
    }
}

#[test]
fn reports_its_abi_version() {
    let r = repo();
    let info = guest(r.path()).info().unwrap();
    assert_eq!(info.abi_version, exomonad_protocol::abi::ABI_VERSION);
    assert!(
        info.name.starts_with("exomonad-guest-rust"),
        "{}",
        info.name
    );
}

#[test]
fn recorded_tool_calls_proceed_and_a_force_push_is_denied() {
    let r = repo();
    let mut g = guest(r.path());
    for name in [
        "pre-tool-use-bash",
        "pre-tool-use-write",
        "pre-tool-use-read",
        "post-tool-use-bash",
    ] {
        let d = g
            .handle_hook(&call(Runtime::Claude, Role::Worker, fixture_json(name)))
            .unwrap();
        assert_eq!(d, HookDecision::Proceed, "{name}");
    }
    let mut push = fixture_json("pre-tool-use-bash");
    push["tool_input"]["command"] = json!("git add -A && git push --force origin main");
    match g
        .handle_hook(&call(Runtime::Claude, Role::Lead, push))
        .unwrap()
    {
        HookDecision::Deny { reason } => assert!(reason.contains("force"), "{reason}"),
        other => panic!("expected a deny, got {other:?}"),
    }
}

#[test]
fn a_worker_is_held_once_at_stop_while_its_tree_is_dirty() {
    let r = repo();
    let mut g = guest(r.path());
    let stop = || call(Runtime::Claude, Role::Worker, fixture_json("stop"));
    assert_eq!(
        g.handle_hook(&stop()).unwrap(),
        HookDecision::Proceed,
        "clean tree"
    );

    std::fs::write(r.path().join("notes.txt"), "hello\n").unwrap();
    match g.handle_hook(&stop()).unwrap() {
        HookDecision::Block { reason } => assert!(reason.contains("notes.txt"), "{reason}"),
        other => panic!("expected a block, got {other:?}"),
    }
    let again = call(
        Runtime::Claude,
        Role::Worker,
        fixture_json("stop-hook-active"),
    );
    assert_eq!(
        g.handle_hook(&again).unwrap(),
        HookDecision::Proceed,
        "no stop-block loop"
    );
    let lead = call(Runtime::Claude, Role::Lead, fixture_json("stop"));
    assert_eq!(
        g.handle_hook(&lead).unwrap(),
        HookDecision::Proceed,
        "the lead is never held"
    );
}

#[test]
fn gemini_after_agent_is_held_like_a_claude_stop() {
    let r = repo();
    std::fs::write(r.path().join("wip.rs"), "fn main() {}\n").unwrap();
    let mut payload = common::gemini_fixture("after-agent");
    payload["cwd"] = json!(r.path());
    match guest(r.path())
        .handle_hook(&call(Runtime::Gemini, Role::Worker, payload))
        .unwrap()
    {
        HookDecision::Block { reason } => assert!(reason.contains("wip.rs"), "{reason}"),
        other => panic!("expected a block, got {other:?}"),
    }
}

#[test]
fn a_host_function_failure_fails_open() {
    let not_a_repo = tempfile::tempdir().unwrap();
    let d = guest(not_a_repo.path())
        .handle_hook(&call(Runtime::Claude, Role::Worker, fixture_json("stop")))
        .unwrap();
    assert_eq!(d, HookDecision::Proceed);
}

#[test]
fn malformed_input_is_an_error_envelope_not_a_trap() {
    let r = repo();
    let mut g = guest(r.path());
    let raw = g.call_raw("handle_hook", "not json").unwrap();
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["error"]["code"], "bad_input", "{raw}");
    let mut bad = call(
        Runtime::Claude,
        Role::Worker,
        fixture_json("pre-tool-use-bash"),
    );
    bad.payload = json!("a string");
    match g.handle_hook(&bad) {
        Err(GuestError::Reported { error, .. }) => assert_eq!(error.code, ErrorCode::BadInput),
        other => panic!("expected a bad_input error, got {other:?}"),
    }
    // The instance is still usable after errors.
    assert!(g.info().is_ok());
}
