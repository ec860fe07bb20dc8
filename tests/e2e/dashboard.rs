//! Walking skeleton, end to end: a real Zellij 0.45.1 started by `exomonad init` in a real git
//! repository, the recorded Claude Code 2.1.329 session replayed through `exomonad hook` as two
//! worker agents (each in its own git worktree), and the dashboard read off the screen.
//!
//! Needs zellij 0.45.1 and tmux (`scripts/deps.sh` installs both); fails, never skips, without
//! them.

mod harness;

use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::{Dashboard, GitRepo, Run, Sandbox, Zellij, replay_payload};
use serde_json::{Map, Value};

/// Bound for the dashboard to show what a hook reported (it takes milliseconds when it works).
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);

/// One replayed agent: its id, its worktree, and how it spells the hook events.
struct Agent<'z> {
    id: &'static str,
    worktree: GitRepo,
    zellij: &'z Zellij,
    /// alpha uses Claude Code's spelling (`PreToolUse`), beta the kebab-case one
    /// (`pre-tool-use`) and an explicit `--runtime claude`: both are part of the CLI contract.
    kebab: bool,
}

impl Agent<'_> {
    /// The recorded payload `name` as this agent sends it (see [`replay_payload`]).
    fn payload(&self, name: &str) -> Value {
        replay_payload(
            name,
            self.id,
            self.worktree.path(),
            &self.zellij.sandbox().home(),
        )
    }

    /// Runs `exomonad hook EVENT` with `payload` on stdin, as this agent, in its worktree.
    fn hook_with(&self, event: &str, payload: &Value) -> Run {
        let event_arg = if self.kebab {
            kebab_case(event)
        } else {
            event.to_string()
        };
        let mut args = vec!["hook".to_string(), event_arg];
        if self.kebab {
            args.extend(["--runtime".to_string(), "claude".to_string()]);
        }
        self.zellij
            .exomonad(&args)
            .stdin(payload.to_string())
            .env("EXOMONAD_AGENT_ID", self.id)
            .env("EXOMONAD_ROLE", "worker")
            .cwd(self.worktree.path())
            .run()
    }

    /// Replays the recorded payload `fixture_name` for `event`; asserts exit 0 and one JSON
    /// object on stdout, and returns it.
    fn hook(&self, event: &str, fixture_name: &str) -> Map<String, Value> {
        self.hook_with(event, &self.payload(fixture_name))
            .json_object()
    }

    /// Replays `fixture_name` and asserts the answer is exactly `{}`.
    fn hook_proceeds(&self, event: &str, fixture_name: &str) {
        let run = self.hook_with(event, &self.payload(fixture_name));
        run.assert_empty_object();
    }
}

/// `PreToolUse` -> `pre-tool-use`.
fn kebab_case(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Waits until the dashboard satisfies `ready`; returns it.
fn wait_dashboard(z: &Zellij, what: &str, ready: impl Fn(&Dashboard) -> bool) -> Dashboard {
    z.wait_for_dashboard(what, SCREEN_TIMEOUT, ready)
}

fn make_worktree(project: &GitRepo, sandbox_root: &Path, name: &str) -> GitRepo {
    let path: PathBuf = sandbox_root.join("worktrees").join(name);
    project.worktree_add(&format!("e2e-{name}"), &path)
}

#[test]
fn dashboard_shows_two_agents_replaying_a_recorded_claude_session() {
    let sandbox = Sandbox::new();
    let project = sandbox.git_project("project");
    // Worktree directories are named apart from the agent ids, so that a path on the screen is
    // never taken for an agent.
    let alpha_tree = make_worktree(&project, sandbox.root(), "one");
    let beta_tree = make_worktree(&project, sandbox.root(), "two");

    let z = Zellij::start_exomonad_init(sandbox, project.path());
    let d = wait_dashboard(&z, "the empty dashboard (`no agents yet`)", |d| {
        d.text.contains("no agents yet")
    });
    assert!(
        d.header().is_some(),
        "no dashboard header line with `exomonad`:\n{}",
        d.text
    );

    let alpha = Agent {
        id: "alpha",
        worktree: alpha_tree,
        zellij: &z,
        kebab: false,
    };
    let beta = Agent {
        id: "beta",
        worktree: beta_tree,
        zellij: &z,
        kebab: true,
    };

    // --- Both agents start and receive their prompt. -----------------------------------------
    for agent in [&alpha, &beta] {
        agent.hook_proceeds("SessionStart", "session-start.json");
        agent.hook_proceeds("UserPromptSubmit", "user-prompt-submit.json");
    }
    wait_dashboard(
        &z,
        "both agents listed, each with a `started` log line",
        |d| {
            d.row("alpha").is_some()
                && d.row("beta").is_some()
                && d.log_has("alpha", "started")
                && d.log_has("beta", "started")
        },
    );

    // --- Tool calls: Bash, Write, Read. ------------------------------------------------------
    alpha.hook_proceeds("PreToolUse", "pre-tool-use-bash.json");
    wait_dashboard(
        &z,
        "alpha `running` on `PreToolUse Bash`, and its log line",
        |d| {
            d.agent_is("alpha", "running", Some("PreToolUse Bash"))
                && d.log_has("alpha", "PreToolUse Bash")
        },
    );
    alpha.hook_proceeds("PostToolUse", "post-tool-use-bash.json");

    beta.hook_proceeds("PreToolUse", "pre-tool-use-bash.json");
    beta.hook_proceeds("PostToolUse", "post-tool-use-bash.json");

    // A force push is denied, in Claude Code's PreToolUse output shape.
    let mut force_push = beta.payload("pre-tool-use-bash.json");
    force_push["tool_input"]["command"] = Value::from("git push --force origin main");
    let deny = beta.hook_with("PreToolUse", &force_push).json_object();
    let specific = deny
        .get("hookSpecificOutput")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("a force push was not denied: answer {deny:?}"));
    assert_eq!(
        specific.get("hookEventName"),
        Some(&Value::from("PreToolUse")),
        "{deny:?}"
    );
    assert_eq!(
        specific.get("permissionDecision"),
        Some(&Value::from("deny")),
        "{deny:?}"
    );
    let reason = specific
        .get("permissionDecisionReason")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(!reason.trim().is_empty(), "deny without a reason: {deny:?}");

    for agent in [&alpha, &beta] {
        agent.hook_proceeds("PreToolUse", "pre-tool-use-write.json");
        if agent.id == "alpha" {
            // What the Write tool did, in alpha's worktree only: alpha's tree now holds an
            // uncommitted notes.txt, beta's stays clean.
            std::fs::write(agent.worktree.path().join("notes.txt"), "hello\n")
                .expect("write notes.txt");
        }
        agent.hook_proceeds("PostToolUse", "post-tool-use-write.json");
        agent.hook_proceeds("PreToolUse", "pre-tool-use-read.json");
        agent.hook_proceeds("PostToolUse", "post-tool-use-read.json");
    }
    assert!(!alpha.worktree.is_clean());
    assert!(beta.worktree.is_clean());

    // --- Stop: alpha's uncommitted notes.txt blocks it. --------------------------------------
    let block = alpha.hook("Stop", "stop.json");
    assert_eq!(
        block.get("decision"),
        Some(&Value::from("block")),
        "alpha stopped with an uncommitted notes.txt and was not blocked: {block:?}"
    );
    let reason = block
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        reason.contains("notes.txt"),
        "the block reason does not name notes.txt: {block:?}"
    );
    wait_dashboard(
        &z,
        "alpha `stop blocked`, with a `stop blocked:` log line",
        |d| d.agent_is("alpha", "stop blocked", None) && d.log_has("alpha", "stop blocked:"),
    );

    // Claude Code continues the turn and stops again with stop_hook_active: never block twice.
    alpha.hook_proceeds("Stop", "stop-hook-active.json");
    // beta's tree is clean: its Stop proceeds.
    beta.hook_proceeds("Stop", "stop.json");
    wait_dashboard(&z, "alpha and beta both `waiting` after their Stop", |d| {
        d.agent_is("alpha", "waiting", Some("Stop")) && d.agent_is("beta", "waiting", Some("Stop"))
    });

    // --- SessionEnd: beta first, then alpha. -------------------------------------------------
    beta.hook_proceeds("SessionEnd", "session-end.json");
    wait_dashboard(&z, "beta `stopped` while alpha is still `waiting`", |d| {
        d.agent_is("beta", "stopped", None)
            && d.agent_is("alpha", "waiting", None)
            && d.log_has("beta", "stopped")
    });
    alpha.hook_proceeds("SessionEnd", "session-end.json");
    let d = wait_dashboard(
        &z,
        "both agents `stopped`, alpha's end newest in the log",
        |d| {
            d.agent_is("alpha", "stopped", None)
                && d.agent_is("beta", "stopped", None)
                && d.log_index("alpha", "stopped") == Some(0)
        },
    );
    eprintln!("the final dashboard:\n{}", d.text);
    assert!(
        d.has_events_separator(),
        "no `events` separator below the header:\n{}",
        d.text
    );
    let beta_end = d.log_index("beta", "stopped");
    assert!(
        beta_end.is_some_and(|i| i > 0),
        "the log is not newest-first (beta's end should sit below alpha's):\n{}",
        d.text
    );
    assert!(
        d.log.iter().any(|e| e.text.starts_with("PreToolUse Bash")),
        "no `PreToolUse Bash` line left in the log:\n{}",
        d.text
    );

    // --- Failing open. -----------------------------------------------------------------------
    // A payload that is not JSON still answers `{}` with exit 0.
    z.exomonad(&["hook", "pre-tool-use"])
        .stdin("not json")
        .env("EXOMONAD_AGENT_ID", "alpha")
        .env("EXOMONAD_ROLE", "worker")
        .cwd(alpha.worktree.path())
        .run()
        .assert_empty_object();
    // The session survived all of it.
    assert!(
        z.sessions().iter().any(|s| s == z.session()),
        "the session is gone:\n{}",
        z.diagnostics()
    );
}

/// With `ZELLIJ_SESSION_NAME` naming a session that does not exist, hooks answer at once and
/// normally: reporting to the dashboard is best effort, never an error for the agent.
#[test]
fn hooks_answer_at_once_when_the_session_does_not_exist() {
    // Generous: this only catches a hang (a pipe waiting for a session), it is not a benchmark.
    const BOUND: Duration = Duration::from_secs(5);

    let sandbox = Sandbox::new();
    let project = sandbox.git_project("project");
    let hook = |event: &str, payload: String| {
        sandbox
            .exomonad(&["hook", event])
            .stdin(payload)
            .env("ZELLIJ_SESSION_NAME", "no-such-session")
            .env("EXOMONAD_AGENT_ID", "alpha")
            .env("EXOMONAD_ROLE", "worker")
            .cwd(project.path())
            .run()
    };
    let recorded =
        |name: &str| replay_payload(name, "alpha", project.path(), &sandbox.home()).to_string();

    // The first hook in a fresh home compiles the guest into exomonad's cache (seconds in a
    // debug build): warm the cache first, with no session named, so that the bound below
    // measures the session lookup, not the compiler.
    sandbox
        .exomonad(&["hook", "SessionStart"])
        .stdin(recorded("session-start.json"))
        .env("EXOMONAD_AGENT_ID", "alpha")
        .env("EXOMONAD_ROLE", "worker")
        .cwd(project.path())
        .run()
        .assert_empty_object();

    for (event, payload) in [
        ("SessionStart", recorded("session-start.json")),
        ("PreToolUse", recorded("pre-tool-use-bash.json")),
        ("pre-tool-use", "not json".to_string()),
        ("Stop", recorded("stop.json")),
        ("SessionEnd", recorded("session-end.json")),
    ] {
        let run = hook(event, payload);
        run.assert_empty_object();
        assert!(
            run.elapsed < BOUND,
            "`exomonad hook {event}` took {:?} with no Zellij session (bound {BOUND:?}): a hang?\n\
             stderr:\n{}",
            run.elapsed,
            run.stderr
        );
    }
}
