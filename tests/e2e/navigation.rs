//! Moving through the team from the dashboard, end to end in a real Zellij 0.45.1 started by
//! `exomonad init`: two agents run in their own tabs (panes whose command carries
//! `EXOMONAD_AGENT_ID=<id>`, as spawn starts them), their recorded Claude Code hooks reach the
//! dashboard through `exomonad hook`, and then, with real keys:
//!
//! 1. the selection moves to `beta` and Enter makes `beta`'s tab the active one;
//! 2. from `beta`'s tab, without focusing the dashboard, the attend key (Alt+a, pressed in
//!    the Zellij client) goes to `alpha`, the one agent waiting (its turn ended);
//! 3. the dashboard pane's title counts the agents waiting (`exomonad · 1 waiting`), and
//!    drops the count once `alpha` shows it moved on (its next hook);
//! 4. Enter on an agent whose tab was closed says so in the dashboard and moves nothing.
//!
//! Needs zellij 0.45.1 and tmux (`scripts/deps.sh` installs both); fails, never skips, without
//! them.

mod harness;

use std::path::Path;
use std::time::{Duration, Instant};

use harness::{Dashboard, Sandbox, Zellij, replay_payload};
use serde_json::Value;

/// Bound for the dashboard or Zellij to show what a key or a hook did.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A tab whose one pane runs `sleep` as agent `id`, the way spawn's layouts start an agent:
/// under `env` with the agent's id on the command line (Zellij layouts have no per-pane env).
fn agent_tab_layout(id: &str, cwd: &Path) -> String {
    format!(
        "layout {{\n    tab name=\"{id}-tab\" cwd=\"{cwd}\" {{\n        pane command=\"env\" name=\"{id}\" {{\n            args \"EXOMONAD_AGENT_ID={id}\" \"EXOMONAD_ROLE=worker\" \"sleep\" \"600\"\n        }}\n    }}\n}}\n",
        cwd = cwd.display()
    )
}

/// `(tab_id, name, active)` of every tab.
fn tabs(z: &Zellij) -> Vec<(u64, String, bool)> {
    z.list_tabs()
        .iter()
        .map(|t| {
            (
                t["tab_id"].as_u64().expect("tab_id"),
                t["name"].as_str().unwrap_or_default().to_owned(),
                t["active"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

fn active_tab(z: &Zellij) -> Option<String> {
    tabs(z)
        .into_iter()
        .find(|(_, _, active)| *active)
        .map(|(_, name, _)| name)
}

/// Polls `ready` until it holds or [`TIMEOUT`] passes; panics with `what` and the screen.
fn wait_for(z: &Zellij, what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < TIMEOUT,
            "timed out waiting for {what}\n{}",
            z.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The dashboard pane's title, as `list-panes` shows it.
fn dashboard_title(z: &Zellij) -> String {
    let (id, _) = z.dashboard_pane();
    let number: Option<u64> = id.trim_start_matches("plugin_").parse().ok();
    z.list_panes()
        .iter()
        .find(|p| p["is_plugin"].as_bool() == Some(true) && p["id"].as_u64() == number)
        .and_then(|p| p["title"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Goes to the first tab (the lead and the dashboard), where the dashboard can be read.
fn show_dashboard(z: &Zellij) {
    let out = z.action(&["go-to-tab", "1"]);
    assert!(out.status.success(), "go-to-tab 1: {:?}", out);
}

/// Moves the selection to `agent` with ↓ from the first row (Home); returns the dashboard.
fn select(z: &Zellij, pane: &str, agent: &str) -> Dashboard {
    z.send_keys(pane, &["Home"]);
    for _ in 0..8 {
        let d = z.wait_for_dashboard("a selected row", TIMEOUT, |d| {
            d.text.lines().any(|l| l.trim_start().starts_with('›'))
        });
        let selected = d
            .text
            .lines()
            .find(|l| l.trim_start().starts_with('›'))
            .unwrap_or_default()
            .to_owned();
        if harness::has_phrase(&selected, agent) {
            return d;
        }
        z.send_keys(pane, &["Down"]);
        std::thread::sleep(Duration::from_millis(150));
    }
    panic!("could not select {agent}\n{}", z.diagnostics());
}

#[test]
fn enter_goes_to_an_agent_and_the_attend_key_to_the_one_that_waits() {
    let sandbox = Sandbox::new();
    let project = sandbox.git_project("project");
    let home = sandbox.home();
    let z = Zellij::start_exomonad_init(sandbox, project.path());
    z.wait_for_dashboard("the empty dashboard", TIMEOUT, |d| {
        d.text.contains("no agents yet")
    });
    let (pane, _) = z.dashboard_pane();

    // Two agents in their own tabs.
    for id in ["alpha", "beta"] {
        let layout = z.sandbox().root().join(format!("{id}.kdl"));
        std::fs::write(&layout, agent_tab_layout(id, project.path())).unwrap();
        let out = z.action(&["new-tab", "--layout", &layout.display().to_string()]);
        assert!(out.status.success(), "new-tab {id}: {out:?}");
    }
    let hook = |id: &str, event: &str, fixture: &str| {
        let payload: Value = replay_payload(fixture, id, project.path(), &home);
        z.exomonad(&["hook", event])
            .stdin(payload.to_string())
            .env("EXOMONAD_AGENT_ID", id)
            .env("EXOMONAD_ROLE", "worker")
            .cwd(project.path())
            .run()
            .assert_success();
    };
    hook("alpha", "SessionStart", "session-start.json");
    hook("alpha", "Stop", "stop.json");
    hook("beta", "SessionStart", "session-start.json");
    hook("beta", "PreToolUse", "pre-tool-use-bash.json");
    show_dashboard(&z);
    z.wait_for_dashboard("alpha waiting and beta running", TIMEOUT, |d| {
        d.agent_is("alpha", "waiting", None) && d.agent_is("beta", "running", None)
    });
    assert!(
        z.dashboard_text().contains("? help"),
        "the header shows how to reach help:\n{}",
        z.dashboard_text()
    );
    wait_for(&z, "the pane title `exomonad · 1 waiting`", || {
        dashboard_title(&z) == "exomonad · 1 waiting"
    });

    // 1. Enter on beta makes beta's tab the active one.
    select(&z, &pane, "beta");
    z.send_keys(&pane, &["Enter"]);
    wait_for(&z, "beta's tab active after Enter on beta", || {
        active_tab(&z).as_deref() == Some("beta-tab")
    });

    // 2. The attend key, pressed in the client while beta's pane has the focus, goes to alpha.
    z.press(&["M-a"]);
    wait_for(&z, "alpha's tab active after the attend key", || {
        active_tab(&z).as_deref() == Some("alpha-tab")
    });

    // 3. Alpha moves on: it no longer waits, and the title drops the count.
    hook("alpha", "UserPromptSubmit", "user-prompt-submit.json");
    wait_for(&z, "the pane title back to `exomonad`", || {
        dashboard_title(&z) == "exomonad"
    });

    // 4. Alpha's tab closed: Enter on alpha says so, and the active tab stays where it is.
    let alpha_tab = tabs(&z)
        .into_iter()
        .find(|(_, name, _)| name == "alpha-tab")
        .map(|(id, _, _)| id)
        .expect("alpha's tab");
    let out = z.action(&["close-tab-by-id", &alpha_tab.to_string()]);
    assert!(out.status.success(), "close-tab-by-id: {out:?}");
    show_dashboard(&z);
    select(&z, &pane, "alpha");
    z.send_keys(&pane, &["Enter"]);
    z.wait_for_dashboard("`no pane to go to` for alpha", TIMEOUT, |d| {
        d.text.contains("no pane to go to")
    });
    assert_eq!(
        active_tab(&z).as_deref(),
        tabs(&z).first().map(|(_, name, _)| name.as_str()),
        "the first tab stays active"
    );
}
