//! Rendered frames: snapshots of the screen contract, and size/safety properties for any pane.

use exomonad_dashboard::{Dashboard, Frame, LogScroll, PipeFrom, Style, render};
use exomonad_protocol::names::EVENT_PIPE;
use exomonad_protocol::{AgentEvent, AgentId, EventKind, Runtime, Timestamp};
use jiff::SignedDuration;
use unicode_width::UnicodeWidthChar;

/// The fixed "now" of every test: 2026-11-20 12:00:00 UTC.
fn now() -> Timestamp {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

/// `secs` seconds before [`now`].
fn ago(secs: i64) -> Timestamp {
    now() - SignedDuration::from_secs(secs)
}

fn send(d: &mut Dashboard, agent: &str, secs_ago: i64, kind: EventKind) {
    d.apply_event(AgentEvent {
        agent_id: AgentId::new(agent).unwrap(),
        at: ago(secs_ago),
        kind,
    });
}

fn started() -> EventKind {
    EventKind::AgentStarted {
        runtime: Some(Runtime::Claude),
    }
}

fn hook(name: &str, tool: Option<&str>) -> EventKind {
    EventKind::HookReceived {
        runtime: Runtime::Claude,
        hook_event_name: name.into(),
        tool_name: tool.map(Into::into),
    }
}

/// Two live agents, as in the screen contract's example.
fn two_agents() -> Dashboard {
    let mut d = Dashboard::new();
    send(&mut d, "alpha", 300, started());
    send(&mut d, "beta", 290, started());
    send(&mut d, "beta", 180, hook("Stop", None));
    send(&mut d, "alpha", 4, hook("PreToolUse", Some("Bash")));
    d
}

/// Every state, a collapsed group, a stop-hook block and an error line, sent in time order.
fn busy() -> Dashboard {
    let stopped = |reason: Option<&str>| EventKind::AgentStopped {
        reason: reason.map(Into::into),
    };
    let mut events = vec![
        ("lead", 7200, started()),
        ("lead", 3, hook("PostToolUse", Some("Edit"))),
        ("gh-12-fix-login", 900, started()),
        ("gh-12-fix-login", 120, hook("Stop", None)),
        (
            "gh-12-fix-login",
            119,
            EventKind::StopHookBlocked {
                reason: "uncommitted changes: src/login.rs".into(),
            },
        ),
        ("gh-7-docs", 600, started()),
        ("gh-7-docs", 45, hook("Notification", None)),
        ("gh-3-old", 400, started()),
        ("gh-3-old", 65, stopped(Some("logout"))),
    ];
    for (i, old) in ["old-1", "old-2", "old-3"].into_iter().enumerate() {
        events.push((old, 3600 + i as i64, started()));
        events.push((old, 1800 - i as i64, stopped(None)));
    }
    events.sort_by_key(|(_, secs_ago, _)| -secs_ago);
    let mut d = Dashboard::new();
    for (agent, secs_ago, kind) in events {
        send(&mut d, agent, secs_ago, kind);
    }
    d.apply_pipe_message(
        EVENT_PIPE,
        Some("{\"agent_id\":\"x\",\"type\":\"exploded\"}"),
        &PipeFrom::Keybind,
        ago(2),
    );
    d
}

/// Strings meant to break a terminal: escapes, line breaks, wide characters.
fn hostile() -> Dashboard {
    let mut d = Dashboard::new();
    send(
        &mut d,
        "esc",
        10,
        hook(
            "\u{1b}[31mRed\u{1b}[0m\nPreToolUse",
            Some("Bash\r\n\u{1b}]0;title\u{7}"),
        ),
    );
    send(&mut d, "cjk", 9, hook("工具使用前", Some("実行コマンド")));
    send(&mut d, "emoji", 8, hook("🙂🙂🙂", Some("🔧\u{202E}rtl")));
    send(
        &mut d,
        "emoji",
        7,
        EventKind::StopHookBlocked {
            reason: "line one\nline two\t\u{1b}[2Jcleared?\u{9b}".into(),
        },
    );
    d.apply_pipe_message(
        EVENT_PIPE,
        Some("\u{1b}[31m{oops\n"),
        &PipeFrom::Keybind,
        ago(1),
    );
    d
}

/// The frame obeys its size and carries nothing a terminal would interpret.
fn assert_fits(frame: &Frame, rows: usize, cols: usize) {
    assert!(
        frame.lines.len() <= rows,
        "{} lines for {rows} rows",
        frame.lines.len()
    );
    for line in &frame.lines {
        let text = line.plain_text();
        let w: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
        assert!(w <= cols, "{w} columns for {cols}: {text:?}");
        assert_eq!(w, line.width());
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c)),
            "{text:?}"
        );
    }
}

/// The frame with each span marked by its style, for the styled snapshot.
fn styled(frame: &Frame) -> String {
    let mut out = String::new();
    for line in &frame.lines {
        for span in &line.spans {
            if span.style == Style::Plain {
                out.push_str(&span.text);
            } else {
                out.push_str(&format!("[{:?}:{}]", span.style, span.text));
            }
        }
        out.push('\n');
    }
    out
}

#[test]
fn empty_dashboard() {
    let frame = render(&Dashboard::new(), now(), 10, 80);
    assert_fits(&frame, 10, 80);
    insta::assert_snapshot!(frame.to_plain_text());
}

#[test]
fn two_agents_80x12() {
    let frame = render(&two_agents(), now(), 12, 80);
    assert_fits(&frame, 12, 80);
    let text = frame.to_plain_text();
    assert!(text.starts_with("exomonad · 2 agents · 1 running · 1 waiting · ? help\n"));
    insta::assert_snapshot!(text);
}

#[test]
fn two_agents_styled() {
    let frame = render(&two_agents(), now(), 12, 80);
    insta::assert_snapshot!(styled(&frame));
}

#[test]
fn busy_100x24() {
    let frame = render(&busy(), now(), 24, 100);
    assert_fits(&frame, 24, 100);
    let text = frame.to_plain_text();
    for word in [
        "running",
        "waiting",
        "stop blocked",
        "stopped",
        "+3 stopped earlier",
        "events",
    ] {
        assert!(text.contains(word), "{word}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn busy_narrow_40x16() {
    let frame = render(&busy(), now(), 16, 40);
    assert_fits(&frame, 16, 40);
    insta::assert_snapshot!(frame.to_plain_text());
}

#[test]
fn agents_take_priority_over_the_log() {
    let frame = render(&busy(), now(), 5, 80);
    assert_fits(&frame, 5, 80);
    let text = frame.to_plain_text();
    assert!(!text.contains("events"), "no room left for the log");
    assert_eq!(frame.log_rows, 0);
    insta::assert_snapshot!(text);
}

#[test]
fn many_agents_in_a_short_pane_say_how_many_are_hidden() {
    let mut d = Dashboard::new();
    for i in 0..20 {
        send(&mut d, &format!("w{i:02}"), 100 - i, started());
    }
    let frame = render(&d, now(), 6, 60);
    assert_fits(&frame, 6, 60);
    insta::assert_snapshot!(frame.to_plain_text());
}

#[test]
fn tiny_pane_10x3() {
    let frame = render(&busy(), now(), 3, 10);
    assert_fits(&frame, 3, 10);
    insta::assert_snapshot!(frame.to_plain_text());
}

#[test]
fn one_by_one_shows_a_cut_mark() {
    let frame = render(&busy(), now(), 1, 1);
    assert_fits(&frame, 1, 1);
    assert_eq!(frame.to_plain_text(), "…\n");
}

#[test]
fn zero_sizes_give_empty_or_blank_frames() {
    assert!(render(&busy(), now(), 0, 80).lines.is_empty());
    let frame = render(&busy(), now(), 5, 0);
    assert!(frame.lines.iter().all(|l| l.spans.is_empty()));
}

#[test]
fn hostile_strings_60x14() {
    let frame = render(&hostile(), now(), 14, 60);
    assert_fits(&frame, 14, 60);
    insta::assert_snapshot!(frame.to_plain_text());
}

#[test]
fn every_size_fits() {
    for d in [Dashboard::new(), two_agents(), busy(), hostile()] {
        for rows in 0..=14 {
            for cols in 0..=90 {
                let frame = render(&d, now(), rows, cols);
                assert_fits(&frame, rows, cols);
            }
        }
    }
}

#[test]
fn the_log_is_newest_first_and_scrolls() {
    let mut d = Dashboard::new();
    for i in 0..12 {
        send(&mut d, "a", 100 - i, hook(&format!("Hook{i:02}"), None));
    }
    let frame = render(&d, now(), 8, 50);
    assert_eq!(frame.log_rows, 4);
    insta::assert_snapshot!("log_top", frame.to_plain_text());

    assert!(d.scroll(LogScroll::PageOlder, frame.log_rows));
    let scrolled = render(&d, now(), 8, 50);
    insta::assert_snapshot!("log_scrolled", scrolled.to_plain_text());

    assert!(d.scroll(LogScroll::Oldest, frame.log_rows));
    let bottom = render(&d, now(), 8, 50);
    assert!(bottom.to_plain_text().ends_with("a Hook00\n"));

    // A taller pane than the scroll assumed still shows a full page.
    let tall = render(&d, now(), 20, 50);
    assert_eq!(tall.lines.len(), 4 + 12);
    assert!(tall.to_plain_text().contains("a Hook11"));

    assert!(d.scroll(LogScroll::Newest, frame.log_rows));
    assert_eq!(render(&d, now(), 8, 50), frame);
}

#[test]
fn ages_tick_with_now() {
    let d = two_agents();
    let later = now() + SignedDuration::from_secs(3600 * 3);
    let text = render(&d, later, 6, 80).to_plain_text();
    let alpha = text.lines().find(|l| l.starts_with("› alpha")).unwrap();
    assert!(alpha.ends_with("PreToolUse Bash    3h"), "{text}");
}

#[test]
fn stopped_agents_fold_after_ten_minutes() {
    let mut d = Dashboard::new();
    send(&mut d, "s", 599, EventKind::AgentStopped { reason: None });
    assert!(render(&d, now(), 10, 60).to_plain_text().contains("\n› s "));
    let later = now() + SignedDuration::from_secs(2);
    let text = render(&d, later, 10, 80).to_plain_text();
    assert!(text.contains("+1 stopped earlier"), "{text}");
    assert!(
        text.contains("0 running · 0 waiting · 0 stop blocked · 1 stopped"),
        "{text}"
    );
}

#[test]
fn the_header_says_when_permissions_are_not_granted() {
    let mut d = Dashboard::new();
    d.set_permission(exomonad_dashboard::Permission::Pending);
    let text = render(&d, now(), 5, 100).to_plain_text();
    assert!(
        text.starts_with("exomonad · waiting for permission"),
        "{text}"
    );
    d.set_permission(exomonad_dashboard::Permission::Denied);
    let text = render(&d, now(), 5, 100).to_plain_text();
    assert!(text.starts_with("exomonad · permission denied"), "{text}");
    d.set_permission(exomonad_dashboard::Permission::Granted);
    assert!(
        render(&d, now(), 5, 100)
            .to_plain_text()
            .starts_with("exomonad · 0 agents")
    );
}
