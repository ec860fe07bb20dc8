//! Popup forms end to end: a real Zellij 0.45.1 started by `exomonad init`, forms raised by
//! real `exomonad popup` processes as three agents at once, answered in the dashboard pane
//! through `zellij action send-keys` in another order than asked (one cancelled, one with text
//! holding spaces, quotes and non-ASCII), a fourth left to time out; every asker must get
//! exactly its own reply and exit code. Then bad input (over the pipe and through the CLI),
//! the no-dashboard case, and an `#[ignore]`d latency benchmark.
//!
//! Needs zellij 0.45.1 and tmux (`scripts/deps.sh` installs both); fails, never skips, without
//! them.
//!
//! About typing: Zellij 0.45.1 hands a key press to a plugin as its character code cut to one
//! byte, so characters above U+00FF cannot be typed as keys into any plugin (not by a person
//! either); they arrive intact through a paste. [`Zellij::type_text`] sends keys for what can
//! be typed and pastes the rest (see `harness::typing_chunks`).

mod harness;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::{Dashboard, GitRepo, Run, Sandbox, Spawned, Zellij};
use serde_json::{Map, Value, json};

/// Bound for the dashboard to show what it was sent or typed (milliseconds when it works).
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);
/// Bound for an `exomonad popup` process to finish, from its start (forms are answered within
/// seconds; this only catches a process that never gets its reply).
const POPUP_BOUND: Duration = Duration::from_secs(120);
/// Bound for commands that must answer at once (no dashboard, invalid form).
const QUICK: Duration = Duration::from_secs(5);

/// What the test types into gamma's note: spaces, both quotes, and non-ASCII (Latin-1 letters
/// typed as keys, `—` and `✓` pasted).
const TYPED: &str = "it's \"quoted\" — ünïcödé ✓ with spaces";

// ---------------------------------------------------------------------------------------------
// Reading the form part of the dashboard
// ---------------------------------------------------------------------------------------------

/// The dashboard line `form I/N from AGENT …`: which pending form is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FormLine {
    index: usize,
    count: usize,
    agent: String,
}

/// Finds `form I/N from AGENT` in `line`.
fn parse_form_line(line: &str) -> Option<FormLine> {
    line.match_indices("form ").find_map(|(i, _)| {
        let rest = &line[i + "form ".len()..];
        let (index, rest) = rest.split_once('/')?;
        let (count, rest) = rest.split_once(' ')?;
        let agent = rest.strip_prefix("from ")?.split_whitespace().next()?;
        Some(FormLine {
            index: index.parse().ok()?,
            count: count.parse().ok()?,
            agent: agent.to_string(),
        })
    })
}

/// The form currently shown, if any.
fn current_form(d: &Dashboard) -> Option<FormLine> {
    d.other_lines.iter().find_map(|l| parse_form_line(l))
}

/// The number of pending forms in the header (`N forms`, `1 form`); 0 when it names none.
fn header_forms(d: &Dashboard) -> usize {
    let Some(header) = d.header() else {
        return 0;
    };
    let words: Vec<&str> = header
        .split(|c: char| c.is_whitespace() || c == '·')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find_map(|w| match w[1] {
            "form" | "forms" => w[0].parse().ok(),
            _ => None,
        })
        .unwrap_or(0)
}

/// The dashboard shows the agent list again: no form line, no form count.
fn inbox_empty(d: &Dashboard) -> bool {
    d.header().is_some() && current_form(d).is_none() && header_forms(d) == 0
}

// ---------------------------------------------------------------------------------------------
// Asking
// ---------------------------------------------------------------------------------------------

/// Writes `form` as `<dir>/<id>.json` and returns the path.
fn write_form(dir: &Path, form: &Value) -> PathBuf {
    fs::create_dir_all(dir).expect("create the forms directory");
    let id = form["id"].as_str().unwrap_or("form");
    let path = dir.join(format!("{id}.json"));
    fs::write(&path, serde_json::to_vec_pretty(form).unwrap()).expect("write the form file");
    path
}

/// Starts `exomonad popup --form FILE [EXTRA...]` in the background as agent `agent`, in
/// this session.
fn popup(z: &Zellij, project: &GitRepo, agent: &str, form: &Path, extra: &[&str]) -> Spawned {
    let mut args = vec!["popup".to_string(), "--form".to_string()];
    args.push(form.to_string_lossy().into_owned());
    args.extend(extra.iter().map(|s| s.to_string()));
    z.exomonad(&args)
        .env("EXOMONAD_AGENT_ID", agent)
        .cwd(project.path())
        .spawn()
}

/// The exit code (panics on death by signal, with the run).
fn exit_code(run: &Run) -> i32 {
    run.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal:\n{run:#?}"))
}

/// Stdout must be exactly one line holding one JSON object; returns it.
fn reply(run: &Run) -> Map<String, Value> {
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one reply line on stdout:\n{run:#?}"
    );
    match serde_json::from_str::<Value>(lines[0]) {
        Ok(Value::Object(map)) => map,
        other => panic!("the reply line is not a JSON object ({other:?}):\n{run:#?}"),
    }
}

/// Asserts exit code `code` and a reply with `status` and `id`; returns the reply.
fn expect_reply(run: &Run, code: i32, status: &str, id: Option<&str>) -> Map<String, Value> {
    let r = reply(run);
    assert_eq!(
        r.get("status").and_then(Value::as_str),
        Some(status),
        "wrong status:\n{run:#?}"
    );
    assert_eq!(
        r.get("id").and_then(Value::as_str),
        id,
        "wrong id:\n{run:#?}"
    );
    assert_eq!(exit_code(run), code, "wrong exit code:\n{run:#?}");
    r
}

/// The `values` of a submitted reply.
fn values(r: &Map<String, Value>) -> BTreeMap<String, Value> {
    r.get("values")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("a submitted reply without `values`: {r:?}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Answering
// ---------------------------------------------------------------------------------------------

/// Waits for the dashboard to show some form; returns its form line and the dashboard.
fn wait_some_form(z: &Zellij, what: &str) -> (FormLine, Dashboard) {
    let d = z.wait_for_dashboard(what, SCREEN_TIMEOUT, |d| current_form(d).is_some());
    (current_form(&d).expect("checked"), d)
}

/// Presses `key` (PageUp / PageDown) and waits until the form at `index` of `count` is shown.
fn switch_to(z: &Zellij, pane: &str, key: &str, index: usize, count: usize) -> FormLine {
    z.send_keys(pane, &[key]);
    let what = format!("{key}: `form {index}/{count}` shown");
    let d = z.wait_for_dashboard(&what, SCREEN_TIMEOUT, |d| {
        current_form(d).is_some_and(|f| f.index == index && f.count == count)
    });
    current_form(&d).expect("checked")
}

/// Walks the inbox from the first form to the last (PageUp to the first, then PageDown) and
/// returns the agents in inbox order; `check` sees each shown form. Leaves the last one shown.
fn walk_inbox(z: &Zellij, pane: &str, mut check: impl FnMut(&FormLine, &Dashboard)) -> Vec<String> {
    let (mut f, _) = wait_some_form(z, "a form shown");
    while f.index > 1 {
        f = switch_to(z, pane, "PageUp", f.index - 1, f.count);
    }
    let mut agents = Vec::new();
    loop {
        let d = Dashboard::parse(&z.dashboard_text());
        check(&f, &d);
        agents.push(f.agent.clone());
        if f.index == f.count {
            return agents;
        }
        f = switch_to(z, pane, "PageDown", f.index + 1, f.count);
    }
}

/// Shows the pending form of `agent` (PageUp / PageDown from the current one), waits until its
/// `title` is drawn, and returns its form line.
fn go_to(z: &Zellij, pane: &str, agent: &str, title: &str) -> FormLine {
    let (mut f, _) = wait_some_form(z, "a form shown");
    // Up to the first form unless it is on the way, then down until found.
    let mut going_up = true;
    for _ in 0..2 * f.count + 2 {
        if f.agent == agent {
            z.wait_for_dashboard(
                &format!("{agent}'s form titled {title:?}"),
                SCREEN_TIMEOUT,
                |d| d.text.contains(title) && current_form(d).is_some_and(|c| c.agent == agent),
            );
            return f;
        }
        if going_up && f.index == 1 {
            going_up = false;
        }
        f = if going_up {
            switch_to(z, pane, "PageUp", f.index - 1, f.count)
        } else {
            assert!(
                f.index < f.count,
                "no pending form from {agent} in the inbox\n{}",
                z.diagnostics()
            );
            switch_to(z, pane, "PageDown", f.index + 1, f.count)
        };
    }
    panic!("could not reach {agent}'s form\n{}", z.diagnostics());
}

/// Waits until the header counts `n` pending forms.
fn wait_forms(z: &Zellij, n: usize) -> Dashboard {
    let noun = if n == 1 { "form" } else { "forms" };
    z.wait_for_dashboard(
        &format!("`{n} {noun}` in the header"),
        SCREEN_TIMEOUT,
        |d| header_forms(d) == n && (n == 0 || current_form(d).is_some_and(|f| f.count == n)),
    )
}

// ---------------------------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------------------------

const ALPHA_TITLE: &str = "Deploy alpha where?";
const BETA_TITLE: &str = "Name the branch for beta";
const GAMMA_TITLE: &str = "A note from gamma";
const DELTA_TITLE: &str = "Nobody answers delta";

fn alpha_form() -> Value {
    json!({
        "id": "alpha-deploy", "title": ALPHA_TITLE, "agent_id": "alpha",
        "body": "Pick an environment.",
        "fields": [
            {"name": "env", "label": "Environment", "kind": "choice",
             "options": ["staging", "prod"], "default": "staging"},
            {"name": "notify", "label": "Notify the team", "kind": "checkbox"}
        ]
    })
}

fn beta_form() -> Value {
    json!({
        "id": "beta-branch", "title": BETA_TITLE, "agent_id": "beta",
        "fields": [{"name": "branch", "label": "Branch", "kind": "text", "required": true}]
    })
}

fn gamma_form() -> Value {
    json!({
        "id": "gamma-note", "title": GAMMA_TITLE, "agent_id": "gamma",
        "fields": [
            {"name": "note", "label": "Note", "kind": "text", "required": true},
            {"name": "tag", "label": "Tag", "kind": "text", "default": "v1"}
        ]
    })
}

fn delta_form() -> Value {
    json!({
        "id": "delta-wait", "title": DELTA_TITLE, "agent_id": "delta",
        "fields": [{"name": "ok", "label": "OK", "kind": "checkbox"}]
    })
}

/// A session started by `exomonad init` in a fresh project, its dashboard empty.
fn start() -> (Zellij, GitRepo, PathBuf) {
    let sandbox = Sandbox::new();
    let project = sandbox.git_project("project");
    let forms = sandbox.root().join("forms");
    let z = Zellij::start_exomonad_init(sandbox, project.path());
    z.wait_for_dashboard("the dashboard with no forms", SCREEN_TIMEOUT, inbox_empty);
    (z, project, forms)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn three_agents_answered_out_of_order_with_a_cancel_and_a_timeout() {
    let (z, project, forms) = start();
    let (pane, _) = z.dashboard_pane();

    // --- alpha, beta and gamma ask at once. -------------------------------------------------
    let mut alpha = popup(
        &z,
        &project,
        "alpha",
        &write_form(&forms, &alpha_form()),
        &[],
    );
    let mut beta = popup(&z, &project, "beta", &write_form(&forms, &beta_form()), &[]);
    let mut gamma = popup(
        &z,
        &project,
        "gamma",
        &write_form(&forms, &gamma_form()),
        &[],
    );
    wait_forms(&z, 3);

    // --- delta asks with a 3 s timeout and is never answered. -------------------------------
    let mut delta = popup(
        &z,
        &project,
        "delta",
        &write_form(&forms, &delta_form()),
        &["--timeout", "3"],
    );
    let mut saw_four = false;
    z.wait_until(
        "`4 forms` in the header (or delta's popup ending)",
        SCREEN_TIMEOUT,
        |z| {
            let d = Dashboard::parse(&z.dashboard_text());
            saw_four |= header_forms(&d) == 4;
            saw_four || delta.has_exited()
        },
    );
    assert!(
        saw_four,
        "delta's form never showed in the header's count before its 3 s timeout ended\n{}",
        z.diagnostics()
    );
    let run = delta.wait(POPUP_BOUND);
    expect_reply(&run, 3, "timed_out", Some("delta-wait"));
    assert!(
        run.elapsed >= Duration::from_millis(2900) && run.elapsed < Duration::from_secs(15),
        "`--timeout 3` ended after {:?}:\n{run:#?}",
        run.elapsed
    );
    // The dashboard dropped it: three left, none of them delta's.
    wait_forms(&z, 3);
    let mut order = walk_inbox(&z, &pane, |f, d| {
        assert!(
            f.agent != "delta" && !d.text.contains(DELTA_TITLE),
            "delta's timed-out form is still shown:\n{}",
            d.text
        );
    });
    eprintln!("inbox order (oldest first): {order:?}");
    order.sort();
    assert_eq!(order, ["alpha", "beta", "gamma"], "{}", z.diagnostics());
    for p in [&mut alpha, &mut beta, &mut gamma] {
        assert!(!p.has_exited(), "{} ended unanswered", p.what());
    }

    // --- gamma (asked third) first: text with spaces, quotes, non-ASCII. --------------------
    let (head, tail) = TYPED.split_at(TYPED.find('ü').expect("TYPED holds ü"));
    go_to(&z, &pane, "gamma", GAMMA_TITLE);
    z.type_text(&pane, head);
    z.wait_for_dashboard("the first half of the note typed", SCREEN_TIMEOUT, |d| {
        d.text.contains(head.trim_end())
    });
    // Away to another form and back: the typed text is kept.
    let f = current_form(&Dashboard::parse(&z.dashboard_text())).expect("gamma's form shown");
    let away = if f.index > 1 {
        switch_to(&z, &pane, "PageUp", f.index - 1, f.count)
    } else {
        switch_to(&z, &pane, "PageDown", f.index + 1, f.count)
    };
    assert_ne!(away.agent, "gamma", "{}", z.diagnostics());
    go_to(&z, &pane, "gamma", GAMMA_TITLE);
    z.wait_for_dashboard(
        "the half-typed note still there after switching forms",
        SCREEN_TIMEOUT,
        |d| d.text.contains(head.trim_end()),
    );
    z.type_text(&pane, tail);
    z.wait_for_dashboard(&format!("the note {TYPED:?} typed"), SCREEN_TIMEOUT, |d| {
        d.text.contains(TYPED)
    });
    // Enter on the note moves to the tag (keeping its default); Enter on the last field submits.
    z.send_keys(&pane, &["Enter", "Enter"]);
    let run = gamma.wait(POPUP_BOUND);
    let r = expect_reply(&run, 0, "submitted", Some("gamma-note"));
    assert_eq!(
        values(&r),
        BTreeMap::from([
            ("note".to_string(), json!(TYPED)),
            ("tag".to_string(), json!("v1")),
        ]),
        "{run:#?}"
    );
    wait_forms(&z, 2);
    assert!(!alpha.has_exited() && !beta.has_exited());

    // --- alpha (asked first): choice and checkbox, with Tab and Shift-Tab. ------------------
    go_to(&z, &pane, "alpha", ALPHA_TITLE);
    // Focus starts on Environment. Tab to the checkbox, check it, Shift-Tab back, choose prod,
    // Tab twice to Submit, Enter. (Were Shift-Tab taken as Tab, prod would not be chosen.)
    z.send_keys(
        &pane,
        &["Tab", "Space", "Shift Tab", "Down", "Tab", "Tab", "Enter"],
    );
    let run = alpha.wait(POPUP_BOUND);
    let r = expect_reply(&run, 0, "submitted", Some("alpha-deploy"));
    assert_eq!(
        values(&r),
        BTreeMap::from([
            ("env".to_string(), json!("prod")),
            ("notify".to_string(), json!(true)),
        ]),
        "{run:#?}"
    );
    wait_forms(&z, 1);
    assert!(!beta.has_exited());

    // --- beta: type something, then cancel (Esc asks, Enter confirms). ----------------------
    let f = go_to(&z, &pane, "beta", BETA_TITLE);
    assert_eq!((f.index, f.count), (1, 1));
    z.type_text(&pane, "scratch");
    z.wait_for_dashboard("`scratch` typed in beta's form", SCREEN_TIMEOUT, |d| {
        d.text.contains("scratch")
    });
    z.send_keys(&pane, &["Esc"]);
    z.wait_for_dashboard(
        "the cancel confirmation (a line asking about cancelling)",
        SCREEN_TIMEOUT,
        |d| {
            d.text.lines().any(|l| {
                let l = l.to_lowercase();
                l.contains("cancel") && l.contains('?')
            })
        },
    );
    assert!(
        !beta.has_exited(),
        "Esc alone ended beta's popup (it must ask first)"
    );
    z.send_keys(&pane, &["Enter"]);
    let run = beta.wait(POPUP_BOUND);
    let r = expect_reply(&run, 2, "cancelled", Some("beta-branch"));
    assert!(
        !r.contains_key("values"),
        "a cancelled reply carries values: {r:?}"
    );

    // --- The inbox is empty: the agent list and the log are back. ---------------------------
    let d = z.wait_for_dashboard(
        "the agent list back, with the forms' outcomes in the log",
        SCREEN_TIMEOUT,
        |d| {
            inbox_empty(d)
                && d.has_events_separator()
                && [
                    "form gamma-note submitted",
                    "form alpha-deploy submitted",
                    "form beta-branch cancelled",
                    "form delta-wait timed out",
                ]
                .iter()
                .all(|l| d.text.contains(l))
        },
    );
    for (id, agent, title) in [
        ("alpha-deploy", "alpha", ALPHA_TITLE),
        ("beta-branch", "beta", BETA_TITLE),
        ("gamma-note", "gamma", GAMMA_TITLE),
        ("delta-wait", "delta", DELTA_TITLE),
    ] {
        let line = format!("form {id} from {agent}: {title}");
        assert!(d.text.contains(&line), "no log line {line:?}:\n{}", d.text);
    }
    eprintln!("the final dashboard:\n{}", d.text);
}

#[test]
fn malformed_and_invalid_requests_are_rejected_and_the_dashboard_keeps_running() {
    let (z, project, forms) = start();
    let (pane, _) = z.dashboard_pane();

    // --- Not JSON, straight over the pipe. --------------------------------------------------
    let run = z.pipe_to_dashboard_until_answered("exomonad-popup", "not json", SCREEN_TIMEOUT);
    let r = reply(&run);
    assert_eq!(
        r.get("status").and_then(Value::as_str),
        Some("rejected"),
        "{run:#?}"
    );
    assert!(
        r.get("error")
            .and_then(Value::as_str)
            .is_some_and(|e| !e.trim().is_empty()),
        "a rejected reply without an error: {run:#?}"
    );
    let d = z.wait_for_dashboard(
        "the dashboard still drawing, with an error line (`HH:MM:SS ! …`) in its log",
        SCREEN_TIMEOUT,
        |d| inbox_empty(d) && d.log.iter().any(|e| e.agent == "!" && !e.text.is_empty()),
    );
    eprintln!("after `not json`:\n{}", d.text);

    // --- Valid JSON, invalid form (a choice without options), straight over the pipe. -------
    let raw = json!({
        "id": "raw-bad", "title": "Pick", "agent_id": "alpha",
        "fields": [{"name": "pick", "label": "Pick one", "kind": "choice", "options": []}]
    });
    let run =
        z.pipe_to_dashboard_until_answered("exomonad-popup", &raw.to_string(), SCREEN_TIMEOUT);
    let r = reply(&run);
    assert_eq!(
        r.get("status").and_then(Value::as_str),
        Some("rejected"),
        "{run:#?}"
    );
    assert_eq!(
        r.get("id").and_then(Value::as_str),
        Some("raw-bad"),
        "{run:#?}"
    );
    assert!(
        r.get("error")
            .and_then(Value::as_str)
            .is_some_and(|e| e.contains("pick")),
        "the error does not name the field `pick`: {run:#?}"
    );
    z.wait_for_dashboard("no form shown after it", SCREEN_TIMEOUT, inbox_empty);

    // --- The CLI rejects an invalid form before it reaches the dashboard. -------------------
    let bad = write_form(
        &forms,
        &json!({
            "id": "bad-form", "title": "Where to?", "agent_id": "alpha",
            "fields": [{"name": "target", "label": "Target", "kind": "choice", "options": []}]
        }),
    );
    let run = popup(&z, &project, "alpha", &bad, &[]).wait(POPUP_BOUND);
    let r = expect_reply(&run, 1, "rejected", Some("bad-form"));
    assert!(
        r.get("error")
            .and_then(Value::as_str)
            .is_some_and(|e| e.contains("target")),
        "the error does not name the field `target`: {run:#?}"
    );
    assert!(
        run.stderr.contains("target"),
        "stderr does not name the field `target`:\n{run:#?}"
    );
    assert!(
        run.elapsed < QUICK,
        "rejecting an invalid form took {:?}",
        run.elapsed
    );
    let d = Dashboard::parse(&z.dashboard_text());
    assert!(
        inbox_empty(&d) && !d.text.contains("bad-form"),
        "the invalid form reached the dashboard:\n{}",
        d.text
    );

    // --- The dashboard still answers: a valid form, cancelled. ------------------------------
    let ok = write_form(
        &forms,
        &json!({
            "id": "after-bad", "title": "Still alive?", "agent_id": "alpha",
            "fields": [{"name": "yes", "label": "Yes", "kind": "checkbox"}]
        }),
    );
    let asker = popup(&z, &project, "alpha", &ok, &[]);
    go_to(&z, &pane, "alpha", "Still alive?");
    z.send_keys(&pane, &["Esc"]);
    z.wait_for_dashboard("the cancel confirmation", SCREEN_TIMEOUT, |d| {
        d.text.lines().any(|l| {
            let l = l.to_lowercase();
            l.contains("cancel") && l.contains('?')
        })
    });
    z.send_keys(&pane, &["Enter"]);
    let run = asker.wait(POPUP_BOUND);
    expect_reply(&run, 2, "cancelled", Some("after-bad"));
    z.wait_for_dashboard("the agent list back", SCREEN_TIMEOUT, inbox_empty);
}

/// Outside Zellij, with no terminal, `exomonad popup` answers "no dashboard" (exit 4) at once;
/// so it does when the named session does not exist. An invalid form read from stdin is still
/// rejected with exit 1.
#[test]
fn without_a_dashboard_popup_exits_4_at_once() {
    let sandbox = Sandbox::new();
    let project = sandbox.git_project("project");
    let form = write_form(&sandbox.root().join("forms"), &gamma_form());
    let form_arg = form.to_string_lossy().into_owned();

    let no_session = sandbox
        .exomonad(&["popup", "--form", &form_arg])
        .env("EXOMONAD_AGENT_ID", "gamma")
        .cwd(project.path())
        .timeout(Duration::from_secs(30))
        .run();
    let stale_session = sandbox
        .exomonad(&["popup", "--form", "-", "--timeout", "20"])
        .stdin(gamma_form().to_string())
        .env("EXOMONAD_AGENT_ID", "gamma")
        .env("ZELLIJ_SESSION_NAME", "no-such-session")
        .cwd(project.path())
        .timeout(Duration::from_secs(30))
        .run();
    for run in [&no_session, &stale_session] {
        eprintln!("{run:#?}");
        assert_eq!(
            exit_code(run),
            4,
            "expected exit 4 (no dashboard):\n{run:#?}"
        );
        assert!(
            run.elapsed < QUICK,
            "no dashboard took {:?} to report:\n{run:#?}",
            run.elapsed
        );
        let status = reply(run).get("status").cloned();
        assert!(
            !matches!(
                status.as_ref().and_then(Value::as_str),
                Some("submitted" | "cancelled")
            ),
            "no dashboard, yet the reply says {status:?}:\n{run:#?}"
        );
    }

    let run = sandbox
        .exomonad(&["popup", "--form", "-"])
        .stdin(r#"{"id":"x","title":"T","agent_id":"gamma","fields":[{"name":"c","label":"C","kind":"choice","options":[]}]}"#)
        .cwd(project.path())
        .timeout(Duration::from_secs(30))
        .run();
    let r = expect_reply(&run, 1, "rejected", Some("x"));
    assert!(
        r.get("error")
            .and_then(Value::as_str)
            .is_some_and(|e| e.contains("\"c\"")),
        "the error does not name the field `c`: {run:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Benchmark
// ---------------------------------------------------------------------------------------------

/// Interval between two screen captures while timing the draw.
const POLL: Duration = Duration::from_millis(5);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `(median, p95, min, max)` in milliseconds.
fn stats(samples: &[Duration]) -> (f64, f64, f64, f64) {
    let mut v: Vec<f64> = samples.iter().copied().map(ms).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    let p95 = v[(n * 95).div_ceil(100).max(1) - 1];
    (median, p95, v[0], v[n - 1])
}

/// Time from `exomonad popup` start to its form drawn on the screen, and from the last key to
/// the reply printed, over `EXOMONAD_BENCH_RUNS` runs (default 20, at least 20).
///
/// Draw: the screen is captured with `tmux capture-pane` in a loop with [`POLL`] between
/// captures, so the time is late by up to one capture plus [`POLL`] (both printed).
/// Reply: from the return of the `send-keys Enter` call that submits (and, separately, from
/// just before it) to the moment the popup's stdout received its line (a blocking reader
/// thread, no polling). The first can be 0: the reply may be printed before the send-keys CLI
/// has returned; the second includes that CLI's own start-up.
#[test]
#[ignore = "benchmark: cargo test -p exomonad --release --test e2e_popup -- --ignored --nocapture"]
fn popup_latency_benchmark() {
    let runs: usize = std::env::var("EXOMONAD_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
        .max(20);
    let (z, project, forms) = start();
    let (pane, _) = z.dashboard_pane();

    let (mut draw, mut reply_after_key, mut reply_incl_key) = (vec![], vec![], vec![]);
    let (mut capture, mut send_keys) = (vec![], vec![]);
    let mut wrong: Vec<String> = Vec::new();
    // One warm-up run, not measured.
    for i in 0..=runs {
        let title = format!("Bench form {i} ready");
        let form = write_form(
            &forms,
            &json!({
                "id": format!("bench-{i}"), "title": title, "agent_id": "alpha",
                "fields": [{"name": "ok", "label": "OK", "kind": "text"}]
            }),
        );
        let asker = popup(&z, &project, "alpha", &form, &[]);
        let started = asker.started_at();
        let drawn = loop {
            let before = Instant::now();
            let screen = z.screen_quick();
            let now = Instant::now();
            capture.push(now - before);
            if screen.contains(&title) {
                break now;
            }
            assert!(
                started.elapsed() < SCREEN_TIMEOUT,
                "run {i}: the form was not drawn within {SCREEN_TIMEOUT:?}\n{}",
                z.diagnostics()
            );
            std::thread::sleep(POLL);
        };
        z.send_keys(&pane, &["x"]);
        z.wait_for_dashboard("`x` typed", SCREEN_TIMEOUT, |d| {
            d.text.lines().any(|l| l.trim_start().starts_with('x'))
        });
        let key_start = Instant::now();
        z.send_keys(&pane, &["Enter"]);
        let key_done = Instant::now();
        let (run, printed) = asker.wait_with_first_line(POPUP_BOUND);
        let expected =
            json!({"status": "submitted", "id": format!("bench-{i}"), "values": {"ok": "x"}});
        let got = serde_json::from_str::<Value>(run.stdout.trim()).ok();
        if got.as_ref() != Some(&expected) || exit_code(&run) != 0 {
            // Not the reply: counted and reported at the end, after the numbers.
            eprintln!("run {i}: wrong reply:\n{run:#?}");
            wrong.push(format!(
                "run {i}: exit {:?}, stdout {:?}",
                run.status.code(),
                run.stdout.trim()
            ));
            z.wait_for_dashboard("the inbox empty again", SCREEN_TIMEOUT, inbox_empty);
            continue;
        }
        let printed = printed.expect("a reply line was read");
        if i > 0 {
            draw.push(drawn - started);
            reply_after_key.push(printed.saturating_duration_since(key_done));
            reply_incl_key.push(printed.saturating_duration_since(key_start));
            send_keys.push(key_done - key_start);
        }
        z.wait_for_dashboard("the inbox empty again", SCREEN_TIMEOUT, inbox_empty);
    }

    println!(
        "\npopup latency, {} of {runs} runs measured (zellij 0.45.1 under tmux, {} build of \
         exomonad)",
        draw.len(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9}",
        "measure (ms)", "median", "p95", "min", "max"
    );
    for (name, samples) in [
        ("popup start -> form on screen", &draw),
        ("last key (send-keys returned) -> reply", &reply_after_key),
        ("last key (send-keys started) -> reply", &reply_incl_key),
        ("  the send-keys CLI call itself", &send_keys),
        ("  one tmux capture-pane (draw granularity)", &capture),
    ] {
        let (median, p95, min, max) = stats(samples);
        println!("{name:<44} {median:>9.1} {p95:>9.1} {min:>9.1} {max:>9.1}");
    }
    println!(
        "draw times are late by up to one capture plus the {} ms sleep between captures",
        POLL.as_millis()
    );
    assert!(
        wrong.is_empty(),
        "{} of {} runs did not get their reply (the numbers above leave them out):\n{}",
        wrong.len(),
        runs + 1,
        wrong.join("\n")
    );
}

#[test]
fn reads_the_form_line_and_the_form_count() {
    assert_eq!(
        parse_form_line("│form 2/3 from beta — PageUp/PageDown: other forms"),
        Some(FormLine {
            index: 2,
            count: 3,
            agent: "beta".into()
        })
    );
    assert_eq!(
        parse_form_line("12:00:01 form alpha-deploy from alpha: Deploy"),
        None
    );
    let d = Dashboard::parse("exomonad · 3 forms · 2 agents · 1 running\nform 1/3 from alpha\n");
    assert_eq!(header_forms(&d), 3);
    assert_eq!(current_form(&d).map(|f| f.agent), Some("alpha".into()));
    let d = Dashboard::parse("exomonad · 1 form · 0 agents\nform 1/1 from gamma\n");
    assert_eq!(header_forms(&d), 1);
    let d = Dashboard::parse("exomonad · 2 agents · 1 running\nno agents yet\n");
    assert_eq!(header_forms(&d), 0);
    assert!(inbox_empty(&d));
}
