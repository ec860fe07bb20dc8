//! The sync protocol between dashboard instances: who asks, who answers, who merges, and the
//! merge rules (newer row wins, log merged by time without duplicates, bounds, idempotence).

use exomonad_protocol::names::EVENT_PIPE;
use exomonad_protocol::{AgentEvent, AgentId, EventKind, Runtime, Timestamp};
use jiff::SignedDuration;
use serde_json::{Value, json};

use super::*;
use crate::inbox::Effect;
use crate::state::{AgentState, Dashboard, LOG_CAPACITY, LogKind, MAX_AGENTS, MAX_TEXT_CHARS};

fn ts(secs: i64) -> Timestamp {
    "2026-11-20T12:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(secs)
}

fn id(s: &str) -> AgentId {
    AgentId::new(s).unwrap()
}

fn hook(agent: &str, secs: i64, name: &str) -> AgentEvent {
    AgentEvent {
        agent_id: id(agent),
        at: ts(secs),
        kind: EventKind::HookReceived {
            runtime: Runtime::Claude,
            hook_event_name: name.into(),
            tool_name: None,
        },
    }
}

fn stopped(agent: &str, secs: i64) -> AgentEvent {
    AgentEvent {
        agent_id: id(agent),
        at: ts(secs),
        kind: EventKind::AgentStopped { reason: None },
    }
}

fn dashboard(instance: &str) -> Dashboard {
    let mut d = Dashboard::new();
    d.set_instance(instance);
    d
}

const PLUGIN: PipeFrom = PipeFrom::Plugin(7);

/// Delivers every broadcast in `effects` to each of `to` (as Zellij would, the sender
/// included) and returns what they broadcast in turn.
fn deliver(effects: &[Effect], to: &mut [&mut Dashboard]) -> Vec<Effect> {
    let mut out = Vec::new();
    for effect in effects {
        if let Effect::Broadcast { name, payload } = effect {
            for d in to.iter_mut() {
                out.extend(d.apply_pipe_message(name, Some(payload), &PLUGIN, ts(1000)));
            }
        }
    }
    out
}

/// Same agents, and the same log once ordered by time (a merged log is in time order; a
/// live one in arrival order).
fn assert_same(a: &Dashboard, b: &Dashboard) {
    let (mut a, mut b) = (a.snapshot(), b.snapshot());
    a.log.sort_by_key(|e| e.at);
    b.log.sort_by_key(|e| e.at);
    assert_eq!(a, b);
}

fn broadcasts(effects: &[Effect], pipe: &str) -> Vec<Value> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast { name, payload } if name == pipe => {
                Some(serde_json::from_str(payload).unwrap())
            }
            _ => None,
        })
        .collect()
}

/// A running instance with alpha (waiting) and beta (running), and a new empty one.
fn running_and_new() -> (Dashboard, Dashboard) {
    let mut old = dashboard("1/1");
    old.apply_event(hook("alpha", 0, "SessionStart"));
    old.apply_event(hook("alpha", 5, "Stop"));
    old.apply_event(hook("beta", 3, "PreToolUse"));
    (old, dashboard("1/2"))
}

#[test]
fn a_new_instance_is_synced_from_a_running_one() {
    let (mut old, mut new) = running_and_new();
    let request = new.request_sync(ts(100));
    let [req] = broadcasts(&request, SYNC_REQUEST_PIPE).try_into().unwrap();
    assert_eq!(req["from"], json!(format!("1/2@{}", ts(100))));

    let replies = deliver(&request, &mut [&mut old, &mut new]);
    let [reply] = broadcasts(&replies, SYNC_PIPE).try_into().unwrap();
    assert_eq!(reply["to"], req["from"]);
    assert_eq!(reply["from"], json!("1/1"));

    let after = deliver(&replies, &mut [&mut old, &mut new]);
    assert_eq!(after, vec![Effect::Redraw]);
    assert_same(&new, &old);
    assert_eq!(new.agent(&id("alpha")).unwrap().state, AgentState::Waiting);
}

#[test]
fn the_request_is_sent_once() {
    let mut d = dashboard("1/2");
    assert_eq!(d.request_sync(ts(0)).len(), 1);
    assert!(d.request_sync(ts(1)).is_empty());
}

#[test]
fn nobody_answers_its_own_request_or_with_nothing_to_tell() {
    let mut a = dashboard("1/1");
    let mut b = dashboard("1/2");
    let request = a.request_sync(ts(0));
    // `a` knows something, but the request is its own; `b` knows nothing.
    a.apply_event(hook("alpha", 0, "SessionStart"));
    assert!(deliver(&request, &mut [&mut a, &mut b]).is_empty());
}

#[test]
fn sync_messages_count_only_from_plugins() {
    let (mut old, mut new) = running_and_new();
    let request = new.request_sync(ts(100));
    let Effect::Broadcast { payload, .. } = &request[0] else {
        panic!()
    };
    let cli = PipeFrom::Cli("9".into());
    assert!(
        old.apply_pipe_message(SYNC_REQUEST_PIPE, Some(payload), &cli, ts(1))
            .is_empty()
    );
    let reply = old.answer_sync(Some(payload));
    let Effect::Broadcast { payload, .. } = &reply[0] else {
        panic!()
    };
    assert!(
        new.apply_pipe_message(SYNC_PIPE, Some(payload), &cli, ts(1))
            .is_empty()
    );
    assert_eq!(new.agents().len(), 0);
}

#[test]
fn replies_for_another_request_and_repeated_replies_are_ignored() {
    let (mut old, mut new) = running_and_new();
    let mut other = dashboard("2/2");
    let request = new.request_sync(ts(100));
    let other_request = other.request_sync(ts(100));
    let replies = deliver(&request, &mut [&mut old]);
    // Not asked: a third instance, and an instance that asked something else.
    let mut bystander = dashboard("3/1");
    assert!(deliver(&replies, &mut [&mut bystander, &mut other]).is_empty());
    assert_eq!(bystander.agents().len() + other.agents().len(), 0);
    assert_eq!(bystander.log().len() + other.log().len(), 0);
    // The addressee merges once; the same responder again is ignored, even with news.
    assert_eq!(deliver(&replies, &mut [&mut new]), vec![Effect::Redraw]);
    old.apply_event(hook("gamma", 9, "SessionStart"));
    let again = deliver(&request, &mut [&mut old]);
    assert!(deliver(&again, &mut [&mut new]).is_empty());
    assert!(new.agent(&id("gamma")).is_none());
    // A second responder is merged too.
    let from_other = deliver(&other_request, &mut [&mut old]);
    assert_eq!(
        deliver(&from_other, &mut [&mut other]),
        vec![Effect::Redraw]
    );
    assert!(other.agent(&id("gamma")).is_some());
}

#[test]
fn malformed_snapshots_are_one_error_line_each() {
    let mut new = dashboard("1/2");
    new.request_sync(ts(0));
    let me = format!("1/2@{}", ts(0));
    let bad = [
        "{not json".to_owned(),
        "[]".to_owned(),
        json!({"to": me, "from": "1/1", "snapshot": {"agents": "x", "log": []}}).to_string(),
        json!({"to": me, "from": "1/1", "snapshot": {"agents": [{"id": "bad id!"}], "log": []}})
            .to_string(),
    ];
    for (i, payload) in bad.iter().enumerate() {
        let effects = new.apply_pipe_message(SYNC_PIPE, Some(payload), &PLUGIN, ts(1));
        assert_eq!(effects, vec![Effect::Redraw], "{payload}");
        assert_eq!(new.log().len(), i + 1);
        let line = new.log().back().unwrap();
        assert_eq!(line.kind, LogKind::Error);
        assert!(
            line.text.starts_with("bad sync snapshot: "),
            "{}",
            line.text
        );
    }
    assert_eq!(new.agents().len(), 0);
    // End of input, blank payloads and unreadable requests are nothing at all.
    for name in [SYNC_PIPE, SYNC_REQUEST_PIPE] {
        assert!(
            new.apply_pipe_message(name, None, &PLUGIN, ts(1))
                .is_empty()
        );
        assert!(
            new.apply_pipe_message(name, Some(" "), &PLUGIN, ts(1))
                .is_empty()
        );
    }
    assert!(
        new.apply_pipe_message(SYNC_REQUEST_PIPE, Some("{"), &PLUGIN, ts(1))
            .is_empty()
    );
}

#[test]
fn the_row_with_the_newer_last_event_wins() {
    let mut ours = dashboard("a");
    ours.apply_event(hook("alpha", 10, "Stop"));
    ours.apply_event(hook("beta", 2, "SessionStart"));
    let mut theirs = dashboard("b");
    theirs.apply_event(hook("alpha", 1, "SessionStart"));
    theirs.apply_event(hook("alpha", 4, "UserPromptSubmit"));
    theirs.apply_event(stopped("beta", 8));

    assert!(ours.merge(theirs.snapshot(), ts(100)));
    let alpha = ours.agent(&id("alpha")).unwrap();
    assert_eq!(alpha.state, AgentState::Waiting);
    assert_eq!(alpha.last_event_at, ts(10));
    assert_eq!(alpha.first_seen_at, ts(1));
    let beta = ours.agent(&id("beta")).unwrap();
    assert_eq!(beta.state, AgentState::Stopped);
    assert_eq!(beta.first_seen_at, ts(2));
}

#[test]
fn on_a_tie_this_row_stays() {
    let mut ours = dashboard("a");
    ours.apply_event(hook("alpha", 5, "Stop"));
    let mut theirs = dashboard("b");
    theirs.apply_event(hook("alpha", 5, "UserPromptSubmit"));
    ours.merge(theirs.snapshot(), ts(100));
    assert_eq!(ours.agent(&id("alpha")).unwrap().state, AgentState::Waiting);
}

#[test]
fn logs_merge_by_time_without_duplicates() {
    let mut ours = dashboard("a");
    let mut theirs = dashboard("b");
    for s in [1, 3, 5] {
        ours.apply_event(hook("alpha", s, "PreToolUse"));
        theirs.apply_event(hook("alpha", s, "PreToolUse"));
    }
    ours.apply_event(hook("alpha", 4, "Ours"));
    theirs.apply_event(hook("beta", 2, "Theirs"));
    // The same line twice on one side is two events, not a duplicate.
    theirs.apply_event(hook("beta", 6, "Twice"));
    theirs.apply_event(hook("beta", 6, "Twice"));

    assert!(ours.merge(theirs.snapshot(), ts(100)));
    let got: Vec<(Timestamp, &str)> = ours.log().iter().map(|e| (e.at, &*e.text)).collect();
    assert_eq!(
        got,
        vec![
            (ts(1), "PreToolUse"),
            (ts(2), "Theirs"),
            (ts(3), "PreToolUse"),
            (ts(4), "Ours"),
            (ts(5), "PreToolUse"),
            (ts(6), "Twice"),
            (ts(6), "Twice"),
        ]
    );
}

#[test]
fn merging_again_changes_nothing() {
    let mut ours = dashboard("a");
    ours.apply_event(hook("alpha", 3, "Stop"));
    let mut theirs = dashboard("b");
    for s in 0..LOG_CAPACITY as i64 + 40 {
        theirs.apply_event(hook(&format!("agent-{}", s % 300), s, "PreToolUse"));
    }
    let snapshot = theirs.snapshot();
    assert!(ours.merge(snapshot.clone(), ts(10_000)));
    let once = ours.snapshot();
    assert!(!ours.merge(snapshot.clone(), ts(10_001)));
    assert!(!ours.merge(once.clone(), ts(10_002)));
    assert_eq!(ours.snapshot(), once);
    // And the other way round: theirs learns ours, then nothing more.
    theirs.merge(once.clone(), ts(10_003));
    assert!(!theirs.merge(once, ts(10_004)));
}

#[test]
fn the_merged_log_keeps_its_capacity_and_the_newest_entries() {
    let mut ours = dashboard("a");
    let mut theirs = dashboard("b");
    for s in 0..LOG_CAPACITY as i64 {
        ours.apply_event(hook("alpha", 2 * s, "Even"));
        theirs.apply_event(hook("alpha", 2 * s + 1, "Odd"));
    }
    ours.merge(theirs.snapshot(), ts(100_000));
    assert_eq!(ours.log().len(), LOG_CAPACITY);
    assert_eq!(ours.log().front().unwrap().at, ts(LOG_CAPACITY as i64));
    assert_eq!(
        ours.log().back().unwrap().at,
        ts(2 * LOG_CAPACITY as i64 - 1)
    );
    // A snapshot with far more entries than the ring is cut too.
    let mut huge = theirs.snapshot();
    huge.log = (0..5 * LOG_CAPACITY as i64)
        .map(|s| crate::state::LogEntry {
            at: ts(1_000_000 + s),
            agent: None,
            text: "x".into(),
            kind: LogKind::Ok,
        })
        .collect();
    ours.merge(huge, ts(100_001));
    assert_eq!(ours.log().len(), LOG_CAPACITY);
}

#[test]
fn the_merged_table_keeps_its_cap_dropping_stopped_agents_first() {
    let mut ours = dashboard("a");
    for i in 0..MAX_AGENTS as i64 {
        ours.apply_event(hook(&format!("ours-{i:03}"), i, "PreToolUse"));
    }
    let mut theirs = dashboard("b");
    for i in 0..10 {
        theirs.apply_event(stopped(&format!("old-{i}"), -100 + i));
    }
    theirs.apply_event(hook("fresh", 10_000, "PreToolUse"));
    let log_before = ours.log().len();

    assert!(ours.merge(theirs.snapshot(), ts(20_000)));
    assert_eq!(ours.agents().len(), MAX_AGENTS);
    assert!(ours.agent(&id("fresh")).is_some());
    assert!(ours.agents().all(|a| a.state != AgentState::Stopped));
    // `ours-000` (oldest running, shown here) made room for `fresh`, and the log says so.
    assert!(ours.agent(&id("ours-000")).is_none());
    let errors: Vec<_> = ours
        .log()
        .iter()
        .filter(|e| e.kind == LogKind::Error)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].agent, Some(id("ours-000")));
    assert!(ours.log().len() > log_before);
    // Idempotent at the cap too.
    let once = ours.snapshot();
    assert!(!ours.merge(theirs.snapshot(), ts(20_001)));
    assert_eq!(ours.snapshot(), once);
}

#[test]
fn snapshot_strings_are_cleaned_and_cut() {
    let long = "x".repeat(10 * MAX_TEXT_CHARS);
    let payload = json!({
        "agents": [{"id": "alpha", "state": "running",
                    "last_hook": {"event": format!("Pre\u{1b}[31m{long}"), "tool": "a\nb"},
                    "runtime": "claude", "last_event_at": ts(1), "first_seen_at": ts(1)}],
        "log": [{"at": ts(1), "agent": "alpha", "text": format!("\u{7}{long}"), "kind": "ok"}],
    });
    let snapshot: Snapshot = serde_json::from_value(payload).unwrap();
    let mut d = dashboard("a");
    d.merge(snapshot, ts(2));
    let hook = d.agent(&id("alpha")).unwrap().last_hook.clone().unwrap();
    assert!(hook.event.chars().count() <= MAX_TEXT_CHARS);
    assert!(!hook.event.contains('\u{1b}'));
    assert_eq!(hook.tool.as_deref(), Some("a b"));
    let text = &d.log().back().unwrap().text;
    assert!(text.chars().count() <= MAX_TEXT_CHARS && !text.contains('\u{7}'));
}

#[test]
fn events_during_the_sync_and_the_snapshot_agree() {
    let (mut old, mut new) = running_and_new();
    let request = new.request_sync(ts(100));
    let replies = deliver(&request, &mut [&mut old]);
    // An event reaches both before the reply does.
    let late = hook("alpha", 50, "UserPromptSubmit").to_json();
    for d in [&mut old, &mut new] {
        d.apply_pipe_message(EVENT_PIPE, Some(&late), &PLUGIN, ts(50));
    }
    deliver(&replies, &mut [&mut new]);
    assert_same(&new, &old);
    assert_eq!(new.agent(&id("alpha")).unwrap().state, AgentState::Running);
}

#[test]
fn forms_are_not_in_the_snapshot() {
    let (old, _) = running_and_new();
    let json = serde_json::to_value(old.snapshot()).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["agents", "log"]);
}
