//! Transitions and bounds of [`Dashboard`].

use super::*;
use crate::inbox::PipeFrom;

const BASE: &str = "2026-11-20T12:00:00Z";

fn ts(secs: i64) -> Timestamp {
    BASE.parse::<Timestamp>().unwrap() + SignedDuration::from_secs(secs)
}

fn id(s: &str) -> AgentId {
    AgentId::new(s).unwrap()
}

fn ev(agent: &str, secs: i64, kind: EventKind) -> AgentEvent {
    AgentEvent {
        agent_id: id(agent),
        at: ts(secs),
        kind,
    }
}

fn started() -> EventKind {
    EventKind::AgentStarted {
        runtime: Some(Runtime::Claude),
    }
}

fn hook(runtime: Runtime, name: &str, tool: Option<&str>) -> EventKind {
    EventKind::HookReceived {
        runtime,
        hook_event_name: name.into(),
        tool_name: tool.map(Into::into),
    }
}

fn claude(name: &str) -> EventKind {
    hook(Runtime::Claude, name, None)
}

fn blocked(reason: &str) -> EventKind {
    EventKind::StopHookBlocked {
        reason: reason.into(),
    }
}

fn stopped(reason: Option<&str>) -> EventKind {
    EventKind::AgentStopped {
        reason: reason.map(Into::into),
    }
}

fn state_of(d: &Dashboard, agent: &str) -> AgentState {
    d.agent(&id(agent)).expect("row exists").state
}

fn last_text(d: &Dashboard) -> &str {
    &d.log().back().expect("log not empty").text
}

#[test]
fn started_creates_a_running_row() {
    let mut d = Dashboard::new();
    d.apply_event(ev("alpha", 0, started()));
    let row = d.agent(&id("alpha")).unwrap();
    assert_eq!(row.state, AgentState::Running);
    assert_eq!(row.runtime, Some(Runtime::Claude));
    assert_eq!(row.first_seen_at, ts(0));
    assert_eq!(row.last_event_at, ts(0));
    assert_eq!(row.last_hook, None);
    assert_eq!(last_text(&d), "started");
}

#[test]
fn hooks_move_the_state_by_phase() {
    let cases = [
        (Runtime::Claude, "PreToolUse", AgentState::Running),
        (Runtime::Claude, "PostToolUse", AgentState::Running),
        (Runtime::Claude, "UserPromptSubmit", AgentState::Running),
        (Runtime::Claude, "SubagentStop", AgentState::Running),
        (Runtime::Claude, "SessionStart", AgentState::Running),
        (Runtime::Claude, "PreCompact", AgentState::Running),
        (Runtime::Claude, "Stop", AgentState::Waiting),
        (Runtime::Claude, "Notification", AgentState::Waiting),
        (Runtime::Claude, "SessionEnd", AgentState::Stopped),
        (Runtime::Gemini, "AfterAgent", AgentState::Waiting),
        (Runtime::Gemini, "BeforeTool", AgentState::Running),
        (Runtime::Gemini, "Notification", AgentState::Waiting),
        (Runtime::Gemini, "SessionEnd", AgentState::Stopped),
        // Claude's name means nothing special to Gemini.
        (Runtime::Gemini, "Stop", AgentState::Running),
    ];
    for (runtime, name, want) in cases {
        let mut d = Dashboard::new();
        d.apply_event(ev("a", 0, started()));
        d.apply_event(ev("a", 1, hook(runtime, name, None)));
        assert_eq!(state_of(&d, "a"), want, "{runtime} {name}");
        assert_eq!(d.agent(&id("a")).unwrap().runtime, Some(runtime));
    }
}

#[test]
fn an_mcp_server_starting_again_does_not_change_a_known_agents_state() {
    let mcp_started = || EventKind::AgentStarted { runtime: None };
    let mut d = Dashboard::new();
    d.apply_event(ev("a", 0, mcp_started()));
    assert_eq!(
        state_of(&d, "a"),
        AgentState::Running,
        "a new agent shows up running"
    );
    d.apply_event(ev("a", 1, claude("Stop")));
    d.apply_event(ev("a", 2, mcp_started()));
    assert_eq!(
        state_of(&d, "a"),
        AgentState::Waiting,
        "a reconnect is not a new turn"
    );
    d.apply_event(ev("a", 3, claude("SessionEnd")));
    d.apply_event(ev("a", 4, mcp_started()));
    assert_eq!(
        state_of(&d, "a"),
        AgentState::Running,
        "a stopped agent that starts again runs"
    );
    d.apply_event(ev("a", 5, started()));
    assert_eq!(state_of(&d, "a"), AgentState::Running);
}

#[test]
fn waiting_goes_back_to_running_on_the_next_prompt() {
    let mut d = Dashboard::new();
    d.apply_event(ev("a", 0, claude("Stop")));
    assert_eq!(state_of(&d, "a"), AgentState::Waiting);
    d.apply_event(ev("a", 1, claude("UserPromptSubmit")));
    assert_eq!(state_of(&d, "a"), AgentState::Running);
}

#[test]
fn stop_blocked_lasts_until_the_next_event() {
    let mut d = Dashboard::new();
    d.apply_event(ev("a", 0, claude("Stop")));
    d.apply_event(ev("a", 1, blocked("uncommitted: a.txt")));
    assert_eq!(state_of(&d, "a"), AgentState::StopBlocked);
    assert_eq!(last_text(&d), "stop blocked: uncommitted: a.txt");
    // The last hook is still the Stop that was refused.
    assert_eq!(
        d.agent(&id("a"))
            .unwrap()
            .last_hook
            .as_ref()
            .unwrap()
            .describe(),
        "Stop"
    );
    d.apply_event(ev(
        "a",
        2,
        hook(Runtime::Claude, "PreToolUse", Some("Bash")),
    ));
    assert_eq!(state_of(&d, "a"), AgentState::Running);
}

#[test]
fn agent_stopped_stops_and_logs_the_reason() {
    let mut d = Dashboard::new();
    d.apply_event(ev("a", 0, started()));
    d.apply_event(ev("a", 5, stopped(Some("logout"))));
    assert_eq!(state_of(&d, "a"), AgentState::Stopped);
    assert_eq!(last_text(&d), "stopped (logout)");
    d.apply_event(ev("b", 6, stopped(None)));
    assert_eq!(last_text(&d), "stopped");
    assert_eq!(state_of(&d, "b"), AgentState::Stopped);
}

#[test]
fn any_event_for_an_unknown_agent_creates_its_row() {
    let mut d = Dashboard::new();
    d.apply_event(ev(
        "h",
        0,
        hook(Runtime::Claude, "PreToolUse", Some("Bash")),
    ));
    d.apply_event(ev("b", 0, blocked("r")));
    d.apply_event(ev("s", 0, stopped(None)));
    assert_eq!(state_of(&d, "h"), AgentState::Running);
    assert_eq!(state_of(&d, "b"), AgentState::StopBlocked);
    assert_eq!(state_of(&d, "s"), AgentState::Stopped);
    let ids: Vec<&str> = d.agents().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["b", "h", "s"], "sorted by id");
    let hook = d.agent(&id("h")).unwrap().last_hook.clone().unwrap();
    assert_eq!(hook.describe(), "PreToolUse Bash");
    assert_eq!(last_text(&d), "stopped");
}

#[test]
fn a_late_event_is_logged_but_does_not_move_the_state_back() {
    let mut d = Dashboard::new();
    d.apply_event(ev("a", 10, stopped(None)));
    d.apply_event(ev(
        "a",
        5,
        hook(Runtime::Claude, "PreToolUse", Some("Bash")),
    ));
    let row = d.agent(&id("a")).unwrap();
    assert_eq!(row.state, AgentState::Stopped);
    assert_eq!(row.last_event_at, ts(10));
    assert_eq!(row.last_hook, None);
    assert_eq!(row.first_seen_at, ts(5));
    assert_eq!(d.log().len(), 2);
    assert_eq!(last_text(&d), "PreToolUse Bash");
    assert_eq!(d.log().back().unwrap().at, ts(5));
}

#[test]
fn an_event_at_the_same_instant_still_applies() {
    let mut d = Dashboard::new();
    d.apply_event(ev("a", 3, claude("Stop")));
    d.apply_event(ev("a", 3, blocked("not yet")));
    assert_eq!(state_of(&d, "a"), AgentState::StopBlocked);
}

#[test]
fn pipe_messages_on_other_pipes_are_ignored() {
    let mut d = Dashboard::new();
    let json = ev("a", 0, started()).to_json();
    assert!(
        d.apply_pipe_message("someone-else", Some(&json), &PipeFrom::Keybind, ts(0))
            .is_empty()
    );
    assert!(
        d.apply_pipe_message("", Some(&json), &PipeFrom::Keybind, ts(0))
            .is_empty()
    );
    assert_eq!(d.agents().len(), 0);
    assert!(d.log().is_empty());
    assert!(
        !d.apply_pipe_message(EVENT_PIPE, Some(&json), &PipeFrom::Keybind, ts(0))
            .is_empty()
    );
    assert_eq!(state_of(&d, "a"), AgentState::Running);
}

#[test]
fn end_of_input_and_blank_payloads_are_ignored() {
    let mut d = Dashboard::new();
    assert!(
        d.apply_pipe_message(EVENT_PIPE, None, &PipeFrom::Keybind, ts(0))
            .is_empty()
    );
    assert!(
        d.apply_pipe_message(EVENT_PIPE, Some(""), &PipeFrom::Keybind, ts(0))
            .is_empty()
    );
    assert!(
        d.apply_pipe_message(EVENT_PIPE, Some(" \n\t"), &PipeFrom::Keybind, ts(0))
            .is_empty()
    );
    assert!(d.log().is_empty());
}

#[test]
fn malformed_json_becomes_one_error_line() {
    let mut d = Dashboard::new();
    assert!(
        !d.apply_pipe_message(EVENT_PIPE, Some("{not json"), &PipeFrom::Keybind, ts(7))
            .is_empty()
    );
    assert_eq!(d.log().len(), 1);
    let e = d.log().back().unwrap();
    assert_eq!(e.kind, LogKind::Error);
    assert_eq!(e.at, ts(7), "stamped with the arrival time");
    assert_eq!(e.agent, None);
    assert!(e.text.starts_with("bad event: "), "{}", e.text);
    assert_eq!(d.agents().len(), 0);
}

#[test]
fn unknown_type_and_bad_ids_are_errors_that_say_why() {
    let mut d = Dashboard::new();
    let unknown = r#"{"agent_id":"a","at":"2026-11-20T12:00:00Z","type":"exploded"}"#;
    d.apply_pipe_message(EVENT_PIPE, Some(unknown), &PipeFrom::Keybind, ts(0));
    assert!(last_text(&d).contains("exploded"), "{}", last_text(&d));
    let bad_id = r#"{"agent_id":"../etc","at":"2026-11-20T12:00:00Z","type":"agent_started"}"#;
    d.apply_pipe_message(EVENT_PIPE, Some(bad_id), &PipeFrom::Keybind, ts(0));
    assert!(last_text(&d).contains("agent id"), "{}", last_text(&d));
    assert_eq!(d.agents().len(), 0);
    assert!(d.log().iter().all(|e| e.kind == LogKind::Error));
}

#[test]
fn hostile_error_text_is_cleaned_and_cut() {
    let mut d = Dashboard::new();
    let variant = format!("\u{1b}[31m{}\n\u{7}", "x".repeat(10_000));
    let payload =
        serde_json::json!({"agent_id": "a", "at": "2026-11-20T12:00:00Z", "type": variant})
            .to_string();
    d.apply_pipe_message(EVENT_PIPE, Some(&payload), &PipeFrom::Keybind, ts(0));
    let text = last_text(&d);
    assert!(text.chars().count() <= MAX_TEXT_CHARS, "{}", text.len());
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.starts_with("bad event: unknown variant `[31mxxx"),
        "{text}"
    );
    assert!(text.ends_with('…'));
}

#[test]
fn hostile_hook_strings_are_cleaned_and_cut_when_stored() {
    let mut d = Dashboard::new();
    let name = format!("Pre\u{1b}[2J\nTool{}", "🙂".repeat(500));
    d.apply_event(ev(
        "a",
        0,
        hook(Runtime::Claude, &name, Some("Ba\rsh\u{9b}")),
    ));
    let h = d.agent(&id("a")).unwrap().last_hook.clone().unwrap();
    assert!(h.event.starts_with("Pre[2J Tool🙂"), "{:?}", h.event);
    assert_eq!(h.event.chars().count(), MAX_TEXT_CHARS);
    assert_eq!(h.tool.as_deref(), Some("Ba sh"));
    assert!(!last_text(&d).chars().any(char::is_control));
}

#[test]
fn the_log_is_a_ring_of_fixed_capacity() {
    let mut d = Dashboard::new();
    let total = LOG_CAPACITY + 100;
    for i in 0..total {
        d.apply_event(ev("a", i as i64, claude(&format!("H{i}"))));
    }
    assert_eq!(d.log().len(), LOG_CAPACITY);
    assert_eq!(d.log().front().unwrap().text, "H100");
    assert_eq!(d.log().back().unwrap().text, format!("H{}", total - 1));
}

fn fill_agents(d: &mut Dashboard, n: usize) {
    for i in 0..n {
        d.apply_event(ev(&format!("agent-{i:03}"), i as i64, started()));
    }
}

#[test]
fn a_full_table_drops_the_oldest_stopped_agent_quietly() {
    let mut d = Dashboard::new();
    fill_agents(&mut d, MAX_AGENTS);
    d.apply_event(ev("agent-010", 1000, stopped(None)));
    d.apply_event(ev("agent-005", 1001, stopped(None)));
    let log_len = d.log().len();
    d.apply_event(ev("newcomer", 2000, started()));
    assert_eq!(d.agents().len(), MAX_AGENTS);
    assert!(
        d.agent(&id("agent-010")).is_none(),
        "oldest last event among stopped"
    );
    assert!(d.agent(&id("agent-005")).is_some());
    assert!(
        d.agent(&id("agent-000")).is_some(),
        "running agents are kept"
    );
    assert_eq!(d.log().len(), log_len + 1, "only the newcomer's line");
    assert!(d.log().iter().all(|e| e.kind == LogKind::Ok));
}

#[test]
fn a_full_table_without_stopped_agents_drops_the_oldest_and_says_so() {
    let mut d = Dashboard::new();
    fill_agents(&mut d, MAX_AGENTS);
    d.apply_event(ev("agent-000", 5000, claude("PreToolUse")));
    d.apply_event(ev("newcomer", 6000, started()));
    assert_eq!(d.agents().len(), MAX_AGENTS);
    assert!(d.agent(&id("agent-001")).is_none());
    assert!(
        d.agent(&id("agent-000")).is_some(),
        "its last event is recent"
    );
    let errors: Vec<&LogEntry> = d
        .log()
        .iter()
        .filter(|e| e.kind == LogKind::Error)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].agent, Some(id("agent-001")));
    assert_eq!(
        errors[0].text,
        format!("dropped: more than {MAX_AGENTS} agents")
    );
    assert_eq!(last_text(&d), "started");
}

#[test]
fn the_table_never_grows_past_its_cap() {
    let mut d = Dashboard::new();
    fill_agents(&mut d, MAX_AGENTS * 3);
    assert_eq!(d.agents().len(), MAX_AGENTS);
    assert!(d.log().len() <= LOG_CAPACITY);
}

fn log_of(n: usize) -> Dashboard {
    let mut d = Dashboard::new();
    for i in 0..n {
        d.apply_event(ev("a", i as i64, claude(&format!("H{i}"))));
    }
    d
}

#[test]
fn scrolling_stays_in_bounds() {
    let mut d = log_of(30);
    assert_eq!(d.log_offset(), 0);
    assert!(!d.scroll_log(-1, 10), "already at the newest");
    assert!(d.scroll_log(1, 10));
    assert_eq!(d.log_offset(), 1);
    assert!(d.scroll_log(100, 10));
    assert_eq!(
        d.log_offset(),
        20,
        "a full page of the oldest entries stays visible"
    );
    assert!(!d.scroll(LogScroll::Older, 10));
    assert!(d.scroll(LogScroll::PageNewer, 10));
    assert_eq!(d.log_offset(), 10);
    assert!(d.scroll(LogScroll::Newest, 10));
    assert_eq!(d.log_offset(), 0);
    assert!(d.scroll(LogScroll::Oldest, 10));
    assert_eq!(d.log_offset(), 20);
    assert!(d.scroll(LogScroll::Newer, 10));
    assert_eq!(d.log_offset(), 19);
    assert!(d.scroll(LogScroll::PageOlder, 10));
    assert_eq!(d.log_offset(), 20);
}

#[test]
fn scrolling_a_short_or_empty_log_does_nothing() {
    let mut d = Dashboard::new();
    assert!(!d.scroll(LogScroll::Older, 0));
    assert!(!d.scroll(LogScroll::Oldest, 5));
    let mut d = log_of(3);
    assert!(!d.scroll(LogScroll::PageOlder, 10));
    assert_eq!(d.log_offset(), 0);
    assert!(d.scroll(LogScroll::Oldest, 0), "page 0 counts as one line");
    assert_eq!(d.log_offset(), 2);
}

#[test]
fn new_events_follow_the_top_but_leave_a_scrolled_view_in_place() {
    let mut d = log_of(30);
    d.apply_event(ev("a", 100, claude("New")));
    assert_eq!(d.log_offset(), 0, "following the newest");
    d.scroll_log(5, 10);
    let top = d
        .log()
        .iter()
        .rev()
        .nth(d.log_offset())
        .unwrap()
        .text
        .clone();
    d.apply_event(ev("a", 101, claude("Newer")));
    assert_eq!(d.log_offset(), 6);
    assert_eq!(d.log().iter().rev().nth(d.log_offset()).unwrap().text, top);
}

#[test]
fn a_scrolled_view_at_the_ring_edge_stays_in_bounds() {
    let mut d = log_of(LOG_CAPACITY);
    d.scroll(LogScroll::Oldest, 1);
    assert_eq!(d.log_offset(), LOG_CAPACITY - 1);
    d.apply_event(ev("a", 10_000, claude("Newest")));
    assert_eq!(d.log().len(), LOG_CAPACITY);
    assert_eq!(d.log_offset(), LOG_CAPACITY - 1);
}

#[test]
fn labels_are_the_screen_words() {
    assert_eq!(AgentState::Running.label(), "running");
    assert_eq!(AgentState::Waiting.label(), "waiting");
    assert_eq!(AgentState::StopBlocked.label(), "stop blocked");
    assert_eq!(AgentState::Stopped.label(), "stopped");
}

#[test]
fn an_agents_query_from_the_cli_is_answered_with_the_table_and_released() {
    let mut d = Dashboard::new();
    d.apply_event(ev("gh-7", 1, started()));
    d.apply_event(ev("gh-8", 2, claude("Stop")));
    let cli = PipeFrom::Cli("p9".into());
    let effects = d.apply_pipe_message(AGENTS_QUERY_PIPE, Some("{}"), &cli, ts(3));
    let [
        Effect::Reply { pipe_id, json },
        Effect::UnblockCliPipe(released),
    ] = &effects[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!((pipe_id.as_str(), released.as_str()), ("p9", "p9"));
    assert!(json.ends_with('\n'));
    let answer: DashboardAgents = serde_json::from_str(json.trim()).unwrap();
    let rows: Vec<_> = answer
        .agents
        .iter()
        .map(|a| (a.agent_id.as_str(), a.state.as_str()))
        .collect();
    assert_eq!(rows, [("gh-7", "running"), ("gh-8", "waiting")]);
    assert_eq!(answer.agents[1].last_event_at, ts(2));
    // The query is not an event: nothing was logged, no row changed.
    assert_eq!(d.agents().len(), 2);
    // From a plugin there is no stdout to answer on.
    let from_plugin = PipeFrom::Plugin(3);
    assert!(
        d.apply_pipe_message(AGENTS_QUERY_PIPE, None, &from_plugin, ts(4))
            .is_empty()
    );
}

fn exited(pane_id: u32, command: &str, exit_status: Option<i32>) -> ExitedPane {
    ExitedPane {
        pane_id,
        command: command.into(),
        exit_status,
    }
}

const GH7: &str = "env EXOMONAD_AGENT_ID=gh-7 EXOMONAD_ROLE=worker claude --settings s Fix it";

#[test]
fn an_agent_whose_pane_exited_without_session_end_is_shown_stopped() {
    let mut d = Dashboard::new();
    d.apply_event(ev("gh-7", 0, started()));
    d.apply_event(ev("gh-7", 5, claude("PreToolUse")));
    // A shell's pane and a pane of something else that ended do not touch the row.
    assert!(
        d.on_exited_panes(&[exited(3, "cargo build", Some(101))], ts(8))
            .is_empty()
    );
    assert_eq!(d.agent(&id("gh-7")).unwrap().state, AgentState::Running);

    let effects = d.on_exited_panes(&[exited(4, GH7, Some(137))], ts(10));
    assert_eq!(effects, vec![Effect::Redraw]);
    let row = d.agent(&id("gh-7")).unwrap();
    assert_eq!(row.state, AgentState::Stopped);
    assert_eq!(row.last_event_at, ts(10));
    let last = d.log().back().unwrap();
    assert_eq!(last.agent, Some(id("gh-7")));
    assert!(last.text.contains("exited with code 137"), "{last:?}");

    // The same held pane in the next updates: nothing new.
    let logged = d.log().len();
    assert!(
        d.on_exited_panes(&[exited(4, GH7, Some(137))], ts(11))
            .is_empty()
    );
    assert_eq!(d.log().len(), logged);
}

#[test]
fn a_pane_run_again_counts_again_and_a_stopped_agent_is_left_alone() {
    let mut d = Dashboard::new();
    d.apply_event(ev("gh-7", 0, started()));
    d.on_exited_panes(&[exited(4, GH7, Some(1))], ts(5));
    // Enter in the held pane runs the agent again: it starts, then ends again.
    d.on_exited_panes(&[], ts(6));
    d.apply_event(ev("gh-7", 7, started()));
    assert_eq!(d.agent(&id("gh-7")).unwrap().state, AgentState::Running);
    assert_eq!(
        d.on_exited_panes(&[exited(4, GH7, None)], ts(9)),
        vec![Effect::Redraw]
    );
    assert_eq!(d.agent(&id("gh-7")).unwrap().state, AgentState::Stopped);
    assert!(d.log().back().unwrap().text.contains("exited"));

    // An agent whose SessionEnd arrived first: its pane ending adds nothing.
    d.apply_event(ev("gh-8", 0, started()));
    d.apply_event(ev("gh-8", 3, claude("SessionEnd")));
    let logged = d.log().len();
    let gh8 = "env EXOMONAD_AGENT_ID=gh-8 EXOMONAD_ROLE=worker claude";
    assert!(
        d.on_exited_panes(&[exited(9, gh8, Some(0))], ts(4))
            .is_empty()
    );
    assert_eq!(d.log().len(), logged);
}

#[test]
fn an_agent_that_never_sent_an_event_gets_a_stopped_row_when_its_pane_exits() {
    // `command not found`: the agent never ran a hook, but its worker is dead all the same.
    let mut d = Dashboard::new();
    d.on_exited_panes(
        &[exited(
            2,
            "env EXOMONAD_AGENT_ID=gh-9 EXOMONAD_ROLE=worker claud",
            Some(127),
        )],
        ts(1),
    );
    assert_eq!(d.agent(&id("gh-9")).unwrap().state, AgentState::Stopped);
}
