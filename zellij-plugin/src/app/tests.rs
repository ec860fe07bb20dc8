//! The plugin through its own entry points (`load`, `update`, `pipe`, `render`) with
//! synthetic Zellij events: selection, help, going to an agent, the attend order, the mouse,
//! the pane title, and forms keeping their keys.

use std::collections::BTreeMap;

use exomonad_protocol::names::{EVENT_PIPE, POPUP_PIPE};
use exomonad_protocol::{AgentEvent, AgentId, EventKind, Runtime, Timestamp};
use jiff::SignedDuration;
use serde_json::json;

use super::*;
use crate::attend::Tier;
use crate::state::{AgentState, Screen};

/// The fixed "now": 2026-11-20 12:00:00 UTC.
fn now() -> Timestamp {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

fn at(secs: i64) -> Timestamp {
    now() + SignedDuration::from_secs(secs)
}

fn id(s: &str) -> AgentId {
    AgentId::new(s).unwrap()
}

/// A loaded plugin (plugin id 7, client 1) whose permissions were granted.
fn app() -> App {
    app_with(&BTreeMap::new())
}

fn app_with(config: &BTreeMap<String, String>) -> App {
    let mut a = App::load(config, 7, 1);
    a.update(Input::Permission(true), now());
    a
}

fn event(a: &mut App, agent: &str, secs: i64, kind: EventKind) -> Vec<Effect> {
    let payload = serde_json::to_string(&AgentEvent {
        agent_id: id(agent),
        at: at(secs),
        kind,
    })
    .unwrap();
    a.pipe(
        EVENT_PIPE,
        Some(&payload),
        &PipeFrom::Cli("e".into()),
        now(),
    )
}

fn hook(name: &str) -> EventKind {
    EventKind::HookReceived {
        runtime: Runtime::Claude,
        hook_event_name: name.into(),
        tool_name: None,
    }
}

fn started() -> EventKind {
    EventKind::AgentStarted {
        runtime: Some(Runtime::Claude),
    }
}

fn blocked() -> EventKind {
    EventKind::StopHookBlocked {
        reason: "uncommitted changes".into(),
    }
}

fn form(a: &mut App, pipe: &str, form_id: &str, agent: &str) -> Vec<Effect> {
    let request = json!({"id": form_id, "title": "Deploy?", "agent_id": agent,
        "fields": [{"name": "note", "label": "Note", "kind": "text"}]})
    .to_string();
    a.pipe(
        POPUP_PIPE,
        Some(&request),
        &PipeFrom::Cli(pipe.into()),
        now(),
    )
}

fn key(a: &mut App, k: Key) -> Vec<Effect> {
    a.update(Input::Key(k), now())
}

fn pane(pane_id: u32, title: &str, command: Option<&str>) -> PaneSeen {
    PaneSeen {
        pane_id,
        title: title.into(),
        command: command.map(Into::into),
        exited: false,
        exit_status: None,
    }
}

/// A pane for each of `agents`, pane ids from 10 up, as spawn writes their commands.
fn panes_for(a: &mut App, agents: &[&str]) {
    let panes = agents
        .iter()
        .zip(10..)
        .map(|(agent, n)| {
            let command = format!("env EXOMONAD_AGENT_ID={agent} EXOMONAD_ROLE=worker claude");
            pane(n, "claude", Some(&command))
        })
        .collect();
    a.update(Input::Panes(panes), now());
}

fn attend(a: &mut App) -> Vec<Effect> {
    a.pipe(ATTEND_PIPE, None, &PipeFrom::Keybind, now())
}

fn selected(a: &App) -> Option<String> {
    a.dashboard().selected(now()).map(|i| i.to_string())
}

fn three_agents() -> App {
    let mut a = app();
    for agent in ["alpha", "beta", "gamma"] {
        event(&mut a, agent, -100, started());
    }
    a
}

#[test]
fn granting_permissions_asks_for_a_sync_binds_the_attend_key_and_titles_the_pane() {
    let mut a = App::load(&BTreeMap::new(), 7, 1);
    assert_eq!(a.dashboard().permission(), Permission::Pending);
    let effects = a.update(Input::Permission(true), now());
    assert!(
        matches!(&effects[0], Effect::Broadcast { name, .. } if name == crate::SYNC_REQUEST_PIPE)
    );
    let binding = attend_binding(DEFAULT_ATTEND_KEY, 7);
    assert_eq!(effects[1], Effect::Reconfigure(binding.clone()));
    assert!(binding.contains("shared {"), "{binding}");
    assert!(binding.contains("bind \"Alt a\""), "{binding}");
    assert!(
        binding.contains("MessagePluginId 7 {") && binding.contains("name \"exomonad-attend\""),
        "{binding}"
    );
    assert!(effects.contains(&Effect::RenameSelf("exomonad".into())));
}

#[test]
fn the_attend_key_comes_from_the_configuration() {
    let config = |v: &str| BTreeMap::from([(ATTEND_KEY_CONFIG.to_owned(), v.to_owned())]);
    let mut a = App::load(&config("Ctrl Shift g"), 3, 1);
    let effects = a.update(Input::Permission(true), now());
    assert!(effects.contains(&Effect::Reconfigure(attend_binding("Ctrl Shift g", 3))));
    assert_eq!(a.dashboard().attend_key(), Some("Ctrl Shift g"));

    for off in ["none", "\"} bind \"x"] {
        let mut a = App::load(&config(off), 3, 1);
        let effects = a.update(Input::Permission(true), now());
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Reconfigure(_))),
            "{off}"
        );
        assert_eq!(a.dashboard().attend_key(), None);
    }
    let a = App::load(&config("\"} bind \"x"), 3, 1);
    assert!(a.dashboard().status().unwrap().contains("is not a key"));
}

#[test]
fn arrows_jk_home_and_end_move_the_selection() {
    let mut a = three_agents();
    assert_eq!(selected(&a).as_deref(), Some("alpha"));
    assert_eq!(key(&mut a, Key::Down), [Effect::Redraw]);
    assert_eq!(selected(&a).as_deref(), Some("beta"));
    key(&mut a, Key::Char('j'));
    assert_eq!(selected(&a).as_deref(), Some("gamma"));
    assert!(key(&mut a, Key::Down).is_empty(), "stays on the last row");
    key(&mut a, Key::Char('k'));
    assert_eq!(selected(&a).as_deref(), Some("beta"));
    key(&mut a, Key::Up);
    assert_eq!(selected(&a).as_deref(), Some("alpha"));
    key(&mut a, Key::End);
    assert_eq!(selected(&a).as_deref(), Some("gamma"));
    key(&mut a, Key::Home);
    assert_eq!(selected(&a).as_deref(), Some("alpha"));
}

#[test]
fn the_selected_row_is_marked_and_kept_on_screen() {
    let mut a = app();
    for n in 0..20 {
        event(&mut a, &format!("w{n:02}"), -100, started());
    }
    key(&mut a, Key::End);
    let drawn = a.render(8, 60, now());
    let text = drawn.frame.to_plain_text();
    assert!(text.contains("› w19"), "{text}");
    let line = drawn.selected_line.unwrap();
    assert!(drawn.frame.lines[line].plain_text().starts_with("› w19"));
    assert!(text.contains("more"), "{text}");
}

#[test]
fn a_click_selects_the_row_under_the_pointer() {
    let mut a = three_agents();
    let drawn = a.render(20, 80, now());
    let (line, _) = drawn
        .agent_lines
        .iter()
        .find(|(_, i)| i.as_str() == "gamma")
        .cloned()
        .unwrap();
    let line = isize::try_from(line).unwrap();
    let effects = a.update(Input::Mouse(Mouse::Click { line }), now());
    assert_eq!(effects, [Effect::Redraw]);
    assert_eq!(selected(&a).as_deref(), Some("gamma"));
    // The header, the log, above the pane: nothing.
    for line in [0, 15, -1] {
        assert!(
            a.update(Input::Mouse(Mouse::Click { line }), now())
                .is_empty()
        );
    }
}

#[test]
fn the_wheel_and_page_keys_scroll_the_log() {
    let mut a = app();
    for n in 0..40 {
        event(&mut a, "alpha", n, hook("PreToolUse"));
    }
    a.render(12, 60, now());
    assert_eq!(
        a.update(Input::Mouse(Mouse::ScrollDown(3)), now()),
        [Effect::Redraw]
    );
    assert_eq!(a.dashboard().log_offset(), 3);
    a.update(Input::Mouse(Mouse::ScrollUp(1)), now());
    assert_eq!(a.dashboard().log_offset(), 2);
    key(&mut a, Key::PageDown);
    assert_eq!(
        a.dashboard().log_offset(),
        2 + a.render(12, 60, now()).frame.log_rows
    );
    key(&mut a, Key::PageUp);
    key(&mut a, Key::PageUp);
    assert_eq!(a.dashboard().log_offset(), 0);
}

#[test]
fn enter_goes_to_the_selected_agents_pane() {
    let mut a = three_agents();
    panes_for(&mut a, &["alpha", "beta", "gamma"]);
    key(&mut a, Key::Down);
    assert_eq!(key(&mut a, Key::Enter), [Effect::FocusPane(11)]);
}

#[test]
fn an_agent_whose_tab_is_gone_says_so() {
    let mut a = three_agents();
    panes_for(&mut a, &["alpha", "gamma"]);
    key(&mut a, Key::Down);
    assert_eq!(key(&mut a, Key::Enter), [Effect::Redraw]);
    let status = a.dashboard().status().unwrap().to_owned();
    assert!(status.starts_with("beta: ") && status.contains("tab is gone"));
    let text = a.render(12, 80, now()).frame.to_plain_text();
    assert!(
        text.lines().nth(1).unwrap().contains("tab is gone"),
        "{text}"
    );
    // The next key clears it.
    key(&mut a, Key::Up);
    assert_eq!(a.dashboard().status(), None);
}

#[test]
fn the_leads_pane_is_found_by_its_layout_name() {
    let mut a = app();
    event(&mut a, "lead", 0, started());
    a.update(
        Input::Panes(vec![pane(3, "lead", Some("claude --settings x.json"))]),
        now(),
    );
    assert_eq!(key(&mut a, Key::Enter), [Effect::FocusPane(3)]);
    // A pane that names the lead in its command wins over the name.
    a.update(
        Input::Panes(vec![
            pane(3, "lead", None),
            pane(4, "x", Some("env EXOMONAD_AGENT_ID=lead claude")),
        ]),
        now(),
    );
    assert_eq!(key(&mut a, Key::Enter), [Effect::FocusPane(4)]);
}

#[test]
fn question_mark_opens_the_help_and_esc_closes_it() {
    let mut a = three_agents();
    assert_eq!(key(&mut a, Key::Char('?')), [Effect::Redraw]);
    assert_eq!(a.dashboard().screen(), Screen::Help);
    let text = a.render(30, 140, now()).frame.to_plain_text();
    assert!(
        text.lines().next().unwrap().ends_with("· Esc back"),
        "{text}"
    );
    assert!(text.contains("Alt a") && text.contains("attend"), "{text}");
    assert!(!text.contains("alpha"), "{text}");
    // Keys other than the closing ones do nothing there.
    assert!(key(&mut a, Key::Down).is_empty());
    assert!(key(&mut a, Key::Enter).is_empty());
    assert_eq!(key(&mut a, Key::Esc), [Effect::Redraw]);
    assert_eq!(a.dashboard().screen(), Screen::Team);
    key(&mut a, Key::Char('?'));
    key(&mut a, Key::Char('q'));
    assert_eq!(a.dashboard().screen(), Screen::Team);
    let header = a.render(30, 140, now()).frame.lines[0].plain_text();
    assert!(header.ends_with("· ? help"), "{header}");
}

#[test]
fn forms_keep_their_keys_and_page_keys_switch_forms() {
    let mut a = three_agents();
    form(&mut a, "p1", "f1", "alpha");
    form(&mut a, "p2", "f2", "beta");
    assert_eq!(a.dashboard().inbox().current_index(), 0);
    assert_eq!(key(&mut a, Key::PageDown), [Effect::Redraw]);
    assert_eq!(a.dashboard().inbox().current_index(), 1);
    // `?`, `j` and the wheel are not the dashboard's while a form is shown.
    key(&mut a, Key::Char('?'));
    key(&mut a, Key::Char('j'));
    assert_eq!(a.dashboard().screen(), Screen::Team);
    assert!(
        a.update(Input::Mouse(Mouse::ScrollDown(2)), now())
            .is_empty()
    );
    let f = &a.dashboard().inbox().current().unwrap().form;
    assert_eq!(f.id(), "f2");
}

#[test]
fn attend_goes_to_forms_then_blocked_stops_then_finished_turns_oldest_first() {
    let mut a = app();
    for agent in ["a1", "b1", "b2", "w1", "w2", "run"] {
        event(&mut a, agent, -100, started());
    }
    panes_for(&mut a, &["a1", "b1", "b2", "w1", "w2", "run"]);
    // Finished turns: w2 before w1. Blocked stops: b2 before b1.
    event(&mut a, "w2", -50, hook("Stop"));
    event(&mut a, "w1", -40, hook("Stop"));
    event(&mut a, "b2", -30, hook("Stop"));
    event(&mut a, "b2", -30, blocked());
    event(&mut a, "b1", -20, hook("Stop"));
    event(&mut a, "b1", -20, blocked());
    form(&mut a, "p1", "f1", "a1");
    form(&mut a, "p2", "f2", "w1");

    let tiers: Vec<Tier> = a.dashboard().needs().iter().map(|n| n.tier).collect();
    assert_eq!(
        tiers,
        [
            Tier::Form,
            Tier::Form,
            Tier::BlockedStop,
            Tier::BlockedStop,
            Tier::TurnEnded,
            Tier::TurnEnded
        ]
    );

    // Forms first: the dashboard comes forward with the form shown; again: the next form.
    assert_eq!(attend(&mut a)[..1], [Effect::FocusSelf]);
    assert_eq!(a.dashboard().inbox().current().unwrap().form.id(), "f1");
    attend(&mut a);
    assert_eq!(a.dashboard().inbox().current().unwrap().form.id(), "f2");
    attend(&mut a);
    assert_eq!(
        a.dashboard().inbox().current().unwrap().form.id(),
        "f1",
        "cycles within the tier"
    );
    // Answer both forms (Enter submits a one-field form).
    key(&mut a, Key::Enter);
    key(&mut a, Key::Enter);
    assert!(a.dashboard().inbox().is_empty());

    // Blocked stops, oldest first, cycling.
    let pane_of = |a: &App, agent: &str| a.dashboard().pane_of(&id(agent)).unwrap();
    assert_eq!(attend(&mut a)[0], Effect::FocusPane(pane_of(&a, "b2")));
    assert_eq!(selected(&a).as_deref(), Some("b2"));
    assert_eq!(attend(&mut a)[0], Effect::FocusPane(pane_of(&a, "b1")));
    assert_eq!(attend(&mut a)[0], Effect::FocusPane(pane_of(&a, "b2")));

    // They move on: the next tier, oldest first.
    event(&mut a, "b1", 1, hook("PreToolUse"));
    event(&mut a, "b2", 1, hook("PreToolUse"));
    assert_eq!(attend(&mut a)[0], Effect::FocusPane(pane_of(&a, "w2")));
    assert_eq!(attend(&mut a)[0], Effect::FocusPane(pane_of(&a, "w1")));

    // Nobody left.
    event(&mut a, "w1", 2, hook("UserPromptSubmit"));
    event(&mut a, "w2", 2, hook("UserPromptSubmit"));
    assert_eq!(attend(&mut a), [Effect::Redraw]);
    assert!(a.dashboard().status().unwrap().contains("nobody"));
}

#[test]
fn attend_from_the_cli_needs_a_payload_and_other_sources_are_ignored() {
    let mut a = three_agents();
    panes_for(&mut a, &["alpha", "beta", "gamma"]);
    event(&mut a, "beta", 0, hook("Stop"));
    let cli = PipeFrom::Cli("c".into());
    assert!(a.pipe(ATTEND_PIPE, None, &cli, now()).is_empty());
    assert!(
        a.pipe(ATTEND_PIPE, Some("go"), &PipeFrom::Plugin(2), now())
            .is_empty()
    );
    assert_eq!(
        a.pipe(ATTEND_PIPE, Some("go"), &cli, now())[0],
        Effect::FocusPane(11)
    );
}

#[test]
fn a_waiting_state_clears_on_any_later_hook_and_the_time_in_state_restarts() {
    let mut a = app();
    event(&mut a, "alpha", -300, started());
    event(&mut a, "alpha", -200, hook("PreToolUse"));
    let row = a.dashboard().agent(&id("alpha")).unwrap();
    assert_eq!(
        row.in_state_since(),
        at(-300),
        "same state: the time keeps counting"
    );
    event(&mut a, "alpha", -100, hook("Stop"));
    event(&mut a, "alpha", -50, hook("Notification"));
    let row = a.dashboard().agent(&id("alpha")).unwrap();
    assert_eq!(
        (row.state, row.in_state_since()),
        (AgentState::Waiting, at(-100))
    );
    let text = a.render(10, 80, now()).frame.to_plain_text();
    assert!(text.contains("waiting       Notification    1m"), "{text}");
    event(&mut a, "alpha", -10, hook("PostToolUse"));
    let row = a.dashboard().agent(&id("alpha")).unwrap();
    assert_eq!(
        (row.state, row.in_state_since()),
        (AgentState::Running, at(-10))
    );
}

#[test]
fn the_pane_title_counts_the_agents_waiting_and_changes_only_when_it_changes() {
    let mut a = three_agents();
    let renames = |e: &[Effect]| -> Vec<String> {
        e.iter()
            .filter_map(|e| match e {
                Effect::RenameSelf(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        renames(&event(&mut a, "alpha", 0, hook("Stop"))),
        ["exomonad · 1 waiting"]
    );
    assert!(renames(&event(&mut a, "alpha", 1, blocked())).is_empty());
    // A form from an agent that already waits does not count it twice.
    assert!(renames(&form(&mut a, "p", "f", "alpha")).is_empty());
    assert_eq!(
        renames(&form(&mut a, "q", "g", "beta")),
        ["exomonad · 2 waiting"]
    );
    assert!(renames(&a.update(Input::Timer, now())).is_empty());
}

#[test]
fn no_rename_before_permissions_are_granted() {
    let mut a = App::load(&BTreeMap::new(), 7, 1);
    let effects = a.update(Input::Timer, now());
    assert_eq!(effects, [Effect::Redraw]);
}

#[test]
fn the_crate_docs_list_every_key() {
    let docs = include_str!("../lib.rs");
    for k in crate::keys::KEYS {
        assert!(
            docs.contains(&format!("| {} | {} |", k.keys, k.place.label())),
            "lib.rs docs lack the row for {:?} ({})",
            k.keys,
            k.place.label()
        );
    }
}
