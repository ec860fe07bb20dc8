//! Round-trip tests over every hook payload recorded from Claude Code 2.1.329
//! (`tests/fixtures/claude-code-2.1.329/`, copied from the team's shared recordings).

use std::path::PathBuf;

use exomonad_protocol::Runtime;
use exomonad_protocol::hook::HookPhase;
use exomonad_protocol::hook::claude::ClaudeHookInput;

fn fixtures() -> Vec<(String, String)> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/claude-code-2.1.329");
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
