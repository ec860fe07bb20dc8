//! Round-trip tests over every hook payload recorded from Claude Code 2.1.329
//! (`tests/fixtures/claude-code-2.1.329/`, copied from the team's shared recordings) and from
//! Gemini CLI 0.61.0 (`tests/fixtures/gemini-cli-0.61.0/`, recorded by the end-to-end test
//! `tests/e2e/real_agents.rs` with `EXOMONAD_RECORD_FIXTURES=1`).

use std::path::PathBuf;

use exomonad_protocol::Runtime;
use exomonad_protocol::hook::HookPhase;
use exomonad_protocol::hook::claude::ClaudeHookInput;
use exomonad_protocol::hook::gemini::GeminiHookInput;

fn fixtures() -> Vec<(String, String)> {
    fixtures_in("claude-code-2.1.329")
}

fn fixtures_in(name: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_recorded_payload_round_trips_unchanged() {
    let all = fixtures();
    assert_eq!(all.len(), 11, "expected the 11 recorded payloads");
    for (name, text) in all {
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let parsed: ClaudeHookInput =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = serde_json::to_value(&parsed).unwrap();
        assert_eq!(back, original, "{name} changed in a round trip");
        assert!(
            Runtime::Claude
                .canonical_event_name(&parsed.hook_event_name)
                .is_some(),
            "{name}: unknown event {}",
            parsed.hook_event_name
        );
    }
}

#[test]
fn recorded_payloads_have_the_fields_policies_read() {
    let get = |n: &str| -> ClaudeHookInput {
        let text = fixtures().into_iter().find(|(k, _)| k == n).unwrap().1;
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(
        get("pre-tool-use-bash").bash_command(),
        Some("echo hello-from-fake-model")
    );
    assert_eq!(get("pre-tool-use-write").bash_command(), None);
    assert_eq!(get("stop").stop_hook_active, Some(false));
    assert_eq!(get("stop-hook-active").stop_hook_active, Some(true));
    assert_eq!(get("session-end").reason.as_deref(), Some("other"));
    assert!(get("stop").extra.contains_key("background_tasks"));
    assert_eq!(
        Runtime::Claude.phase(&get("stop").hook_event_name),
        HookPhase::TurnEnd
    );
}

#[test]
fn every_recorded_gemini_payload_round_trips_unchanged() {
    let all = fixtures_in("gemini-cli-0.61.0");
    let mut events = std::collections::BTreeSet::new();
    for (name, text) in &all {
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        let parsed: GeminiHookInput =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            original,
            "{name} changed in a round trip"
        );
        assert!(
            Runtime::Gemini
                .canonical_event_name(&parsed.hook_event_name)
                .is_some(),
            "{name}: unknown event {}",
            parsed.hook_event_name
        );
        events.insert(parsed.hook_event_name.clone());
    }
    for event in exomonad_protocol::hook::gemini::REGISTERED_EVENTS {
        assert!(events.contains(*event), "no recorded {event} payload");
    }
}

#[test]
fn recorded_gemini_payloads_have_the_fields_policies_read() {
    let get = |n: &str| -> GeminiHookInput {
        let text = fixtures_in("gemini-cli-0.61.0")
            .into_iter()
            .find(|(k, _)| k == n)
            .unwrap_or_else(|| panic!("no fixture {n}"))
            .1;
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(
        get("before-tool-run-shell-command").shell_command(),
        Some("git push --force origin HEAD")
    );
    assert_eq!(get("before-tool-read-file").shell_command(), None);
    let after = get("after-agent");
    assert_eq!(after.stop_hook_active, Some(false));
    assert!(
        after
            .prompt
            .as_deref()
            .is_some_and(|p| p.contains("GitHub issue #1"))
    );
    assert_eq!(get("session-start").source.as_deref(), Some("startup"));
    assert_eq!(get("session-end").reason.as_deref(), Some("exit"));
    assert_eq!(
        get("before-tool-mcp-exomonad-git-branch")
            .tool_name
            .as_deref(),
        Some("mcp_exomonad_git_branch")
    );
    assert_eq!(
        Runtime::Gemini.phase(&after.hook_event_name),
        HookPhase::TurnEnd
    );
}
