//! The `ui_popup` host function, called by the real guest's `ask_human` export through the
//! real Extism runtime. Zellij is replaced by a small script at the process boundary (its
//! `pipe` answers as the dashboard would, or never), so the reply, timeout and cancel paths
//! are checked here; the real dashboard round trip is the end-to-end popup test's.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use exomonad::guest::{CacheMode, Guest, GuestOptions, HostState};
use exomonad::services::dashboard::events::Discard;
use exomonad::services::zellij::Zellij;
use exomonad_protocol::form::FormReply;
use serde_json::json;

/// A stand-in `zellij` that appends its arguments to `calls.log` and runs `popup_body` for a
/// popup pipe (cancels just exit 0).
fn fake_zellij(dir: &Path, popup_body: &str) -> PathBuf {
    let path = dir.join("zellij");
    let log = dir.join("calls.log");
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$*\" in *exomonad-popup-cancel*) exit 0;; esac\n{popup_body}\n",
        log.display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn guest(dir: &Path, session: Option<&str>, zellij: Option<PathBuf>) -> Guest {
    let mut host = HostState::new(
        dir.to_path_buf(),
        Box::new(Discard),
        session.map(str::to_owned),
    );
    if let Some(bin) = zellij {
        host.zellij = Zellij::with_bin(bin);
    }
    static CACHE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let cache = CACHE.get_or_init(|| tempfile::tempdir().unwrap());
    let options = GuestOptions {
        cache: CacheMode::Dir(cache.path().to_path_buf()),
        ..GuestOptions::default()
    };
    Guest::embedded(host, &options).unwrap()
}

fn ask(g: &mut Guest, timeout_secs: u64) -> FormReply {
    let request = json!({"form": {"id": "f1", "title": "Deploy?", "agent_id": "alpha",
        "fields": [{"name": "note", "label": "Note", "kind": "text"}]}, "timeout_secs": timeout_secs});
    g.call_json("ask_human", &request).unwrap()
}

#[test]
fn without_a_session_the_form_is_rejected_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    match ask(&mut guest(dir.path(), None, None), 5) {
        FormReply::Rejected { id, error } => {
            assert_eq!(id.as_deref(), Some("f1"));
            assert!(error.contains("no dashboard"), "{error}");
        }
        other => panic!("expected rejected, got {other:?}"),
    }
}

#[test]
fn the_dashboards_reply_comes_back_to_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_zellij(
        dir.path(),
        r#"echo '{"status":"submitted","id":"f1","values":{"note":"ship it ✓"}}'"#,
    );
    let reply = ask(&mut guest(dir.path(), Some("s1"), Some(bin)), 5);
    let FormReply::Submitted { id, values, .. } = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(id, "f1");
    assert_eq!(
        serde_json::to_value(&values).unwrap(),
        json!({"note": "ship it ✓"})
    );
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert!(
        calls.contains("--session s1 pipe --plugin file:"),
        "{calls}"
    );
    assert!(calls.contains("--name exomonad-popup -- {"), "{calls}");
}

#[test]
fn nobody_answering_times_out_and_cancels_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_zellij(dir.path(), "sleep 30");
    let mut g = guest(dir.path(), Some("s1"), Some(bin));
    let started = Instant::now();
    let reply = ask(&mut g, 1);
    assert_eq!(reply, FormReply::TimedOut { id: "f1".into() });
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the asker was released"
    );
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    let cancel = calls
        .lines()
        .find(|l| l.contains("exomonad-popup-cancel"))
        .expect("a cancel was sent");
    assert!(cancel.contains(r#""id":"f1""#), "{cancel}");
}

#[test]
fn a_reply_for_another_form_is_not_taken() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_zellij(dir.path(), r#"echo '{"status":"cancelled","id":"other"}'"#);
    match ask(&mut guest(dir.path(), Some("s1"), Some(bin)), 5) {
        FormReply::Rejected { error, .. } => assert!(error.contains("other"), "{error}"),
        other => panic!("expected rejected, got {other:?}"),
    }
}

#[test]
fn an_invalid_form_never_leaves_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_zellij(dir.path(), "exit 0");
    let mut g = guest(dir.path(), Some("s1"), Some(bin));
    let request = json!({"form": {"id": "f2", "title": "T", "agent_id": "alpha",
        "fields": [{"name": "pick", "label": "Pick", "kind": "choice", "options": []}]}});
    let err = g
        .call_json::<_, FormReply>("ask_human", &request)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"pick\""), "{err}");
    assert!(!dir.path().join("calls.log").exists(), "zellij was not run");
}

#[test]
fn a_pipe_released_without_an_answer_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    // The first popup pipe comes back empty (as Zellij 0.45.1 was seen to do now and then);
    // the second carries the answer the dashboard kept.
    let body = format!(
        "n=$(cat '{c}' 2>/dev/null || echo 0); echo $((n+1)) > '{c}'\n[ \"$n\" = 0 ] && exit 0\necho '{{\"status\":\"submitted\",\"id\":\"f1\",\"values\":{{}}}}'",
        c = count.display()
    );
    let bin = fake_zellij(dir.path(), &body);
    let reply = ask(&mut guest(dir.path(), Some("s1"), Some(bin)), 5);
    assert!(
        matches!(reply, FormReply::Submitted { ref id, .. } if id == "f1"),
        "{reply:?}"
    );
    assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "2");
}

#[test]
fn the_ask_human_mcp_tool_gets_the_answer_as_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_zellij(
        dir.path(),
        r#"echo '{"status":"submitted","id":"lead-42-3","values":{"env":"prod"}}'"#,
    );
    let call = json!({"agent_id": "lead", "role": "lead", "name": "ask_human",
        "call_id": "lead-42-3",
        "arguments": {"title": "Deploy where?", "timeout_secs": 5, "fields": [
            {"name": "env", "label": "Environment", "kind": "choice", "options": ["staging", "prod"]}]}});
    let mut g = guest(dir.path(), Some("s1"), Some(bin));
    let result: exomonad_protocol::tools::ToolResult = g.call_json("mcp_call_tool", &call).unwrap();
    assert!(!result.is_error, "{}", result.text());
    assert_eq!(
        result.structured_content.unwrap()["values"],
        json!({"env": "prod"})
    );
    // The form the dashboard got: the call id as its id, the agent as the asker.
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert!(calls.contains(r#""id":"lead-42-3""#), "{calls}");
    assert!(calls.contains(r#""agent_id":"lead""#), "{calls}");
}

#[test]
fn each_ask_has_its_own_identity_kept_across_its_re_asks() {
    use exomonad::services::dashboard::DashboardTarget;
    use exomonad_protocol::form::FormRequest;
    let dir = tempfile::tempdir().unwrap();
    let payloads = dir.path().join("payloads.log");
    // The first send of each ask comes back empty (Zellij released the pipe early); the
    // second is answered.
    let zellij = fake_zellij(
        dir.path(),
        &format!(
            "for a; do last=$a; done\nprintf '%s\\n' \"$last\" >> '{p}'\n\
             [ $(( $(wc -l < '{p}') % 2 )) -eq 1 ] && exit 0\n\
             echo '{{\"status\":\"submitted\",\"id\":\"deploy-1\",\"values\":{{}}}}'",
            p = payloads.display()
        ),
    );
    let target = DashboardTarget {
        zellij: Zellij::with_bin(zellij),
        session: "s".into(),
        plugin_url: "file:/x.wasm".into(),
    };
    let form = FormRequest::from_json(
        r#"{"id":"deploy-1","title":"Deploy?","agent_id":"alpha","ask":"given-by-the-asker",
            "fields":[{"name":"note","label":"Note","kind":"text"}]}"#,
    )
    .unwrap();
    for _ in 0..2 {
        let reply = target.ask(&form, Duration::from_secs(20)).unwrap();
        assert!(matches!(reply, FormReply::Submitted { .. }), "{reply:?}");
    }
    let sent: Vec<FormRequest> = std::fs::read_to_string(&payloads)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(sent.len(), 4, "two asks, each sent twice");
    let asks: Vec<String> = sent
        .iter()
        .map(|r| r.ask.as_ref().expect("every send has an ask").to_string())
        .collect();
    assert_eq!(asks[0], asks[1], "a re-ask keeps its identity");
    assert_eq!(asks[2], asks[3], "a re-ask keeps its identity");
    assert_ne!(asks[0], asks[2], "a new ask gets a new identity");
    assert!(asks.iter().all(|a| a != "given-by-the-asker"), "{asks:?}");
}
