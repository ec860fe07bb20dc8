//! The whole loop with the real agents our users run (issue 11): Claude Code 2.1.329 and
//! Gemini CLI 0.61.0 from `tests/agents/`, talking to our scripted model server
//! (`tests/model-server/server.mjs`) instead of a real model, in a real Zellij 0.45.1 session
//! opened by `exomonad init`, with a local bare `origin` and a local GitHub (wiremock). No
//! network.
//!
//! The agents run exactly as a user's would: the lead is the `claude` that `exomonad init`
//! starts in the session's first pane, and a person types its first prompt; the workers are
//! the interactive agents that `spawn_agents` (or `exomonad spawn --agent gemini`) starts in
//! their tabs, with the issue as their first prompt. The home directory holds only what a user
//! already did once ([`agents::seed_claude_home`], [`agents::seed_gemini_home`]: onboarding,
//! the API key, trusting the project exomonad runs in). Each agent has its own script (the
//! model's answers, picked by the working directory the request carries), and the tests check
//! what each agent's model received: the issue as the first prompt, tool results, the reason of
//! a refused stop, the person's answer, the earlier conversation of a resumed worker.
//!
//! The scenarios:
//! 1. Claude Code as the lead spawns two Claude Code workers; one is refused its stop (the file
//!    named to its model), commits and stops; the other asks the person, who answers in the
//!    dashboard with keys; the lead lists both and cleans up, refused for the worker with a
//!    local-only commit; the dashboard shows running, stop blocked, waiting and stopped.
//! 2. A Claude Code worker killed in its pane is resumed by a second `spawn_agents` with its
//!    session (`--resume`), and its model gets its earlier conversation.
//! 3. A Gemini CLI worker: its hooks on the dashboard, a force push denied by BeforeTool, an
//!    MCP tool, a refused AfterAgent and its retry, tool confirmations shown as waiting; its
//!    payloads become `tests/fixtures/gemini-cli-0.61.0/` with `EXOMONAD_RECORD_FIXTURES=1`.
//!
//! Needs zellij 0.45.1, tmux, Node.js and `tests/agents/node_modules` (`scripts/deps.sh`
//! installs them all); fails, never skips, without them. Set `EXOMONAD_E2E_KEEP=1` to keep the
//! session and files of a run.

mod harness;

#[path = "../../host/tests/support/github_mock.rs"]
mod github_mock;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::agents::{
    self, CLAUDE_CODE_VERSION, ModelServer, claude_mcp, claude_tool_search, gated, text, tool,
};
use harness::{Dashboard, Sandbox, Zellij};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Bound for an agent to get to its next model request (Claude Code starts in seconds; a
/// loaded 2-core machine is slower).
const AGENT_TIMEOUT: Duration = Duration::from_secs(90);
/// Bound for the dashboard or Zellij to show what happened.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(30);

const OWNER: &str = "octocat";
const REPO: &str = "Hello-World";

/// The issues the local GitHub serves: number and title.
const ISSUES: &[(u64, &str)] = &[
    (1, "Write the release notes"),
    (2, "Pick the colour of the dark mode toggle"),
];

// ---------------------------------------------------------------------------------------------
// The world: GitHub, the project, the model server, the session
// ---------------------------------------------------------------------------------------------

/// GitHub with [`ISSUES`] and no pull requests.
fn start_github(rt: &tokio::runtime::Runtime) -> MockServer {
    rt.block_on(async {
        let server = MockServer::start().await;
        for (n, title) in ISSUES {
            let mut issue = github_mock::fixture("issue_1347.json");
            issue["number"] = json!(n);
            issue["id"] = json!(2_000_000 + n);
            issue["title"] = json!(title);
            issue["body"] = json!(format!("Issue {n} of the real-agents test."));
            issue["url"] = json!(format!("{}/repos/{OWNER}/{REPO}/issues/{n}", server.uri()));
            issue["html_url"] = json!(format!("https://github.com/{OWNER}/{REPO}/issues/{n}"));
            Mock::given(method("GET"))
                .and(path(format!("/repos/{OWNER}/{REPO}/issues/{n}")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/json; charset=utf-8")
                        .set_body_json(issue),
                )
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path(format!("/repos/{OWNER}/{REPO}/pulls")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json; charset=utf-8")
                    .set_body_json(json!([])),
            )
            .mount(&server)
            .await;
        server
    })
}

/// One test's world: the model server and a project whose `origin` is a local bare
/// repository.
struct World {
    server: ModelServer,
    project: PathBuf,
}

impl World {
    /// The world, and the sandbox it lives in (the agents on its PATH, pointed at the model
    /// server and at the local GitHub), for the session to take.
    fn new(github: &MockServer) -> (Self, Sandbox) {
        agents::require_agent("claude", CLAUDE_CODE_VERSION);
        let mut sandbox = Sandbox::new();
        let server = ModelServer::start(&sandbox);
        agents::use_agents(&mut sandbox, &server);
        // The person's own environment: GitHub's address and a token (the lead's MCP server
        // and every worker inherit it). The mock is not github.com, so the token is the
        // enterprise one (`gh`'s rule: GH_TOKEN goes to github.com only).
        sandbox.set_env("EXOMONAD_GITHUB_API_URL", github.uri());
        sandbox.set_env("GH_ENTERPRISE_TOKEN", github_mock::TOKEN);
        let repo = sandbox.git_project("project");
        repo.add_bare_origin(&sandbox.root().join("origin.git"));
        let project = repo.path().canonicalize().expect("the project path");
        agents::seed_claude_home(&sandbox.home(), &[&project]);
        (World { server, project }, sandbox)
    }

    fn worktree(&self, n: u64) -> PathBuf {
        worktree_of(&self.project, n)
    }
}

fn worktree_of(project: &Path, n: u64) -> PathBuf {
    project.join(format!(".exomonad/worktrees/gh-{n}"))
}

/// Prints every agent pane, the dashboard and the model server's whole log when the test
/// fails (declared after the session, so it runs before the session's own diagnostics, which
/// add the screen and exomonad's logs, and teardown).
struct OnFailure<'a> {
    z: &'a Zellij,
    server: &'a ModelServer,
    /// The dashboard's tab.
    home: u64,
}

impl Drop for OnFailure<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.z.action(&["go-to-tab-by-id", &self.home.to_string()]);
            std::thread::sleep(Duration::from_millis(300));
            eprintln!(
                "--- agent panes\n{}\n--- dashboard\n{}\n--- model server log\n{}",
                agents::pane_dumps(self.z),
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.z.dashboard_text()))
                    .unwrap_or_default(),
                self.server.log()
            );
        }
    }
}

/// The panes and logs, for a failure message.
fn diagnostics(z: &Zellij) -> String {
    format!("{}\n{}", agents::pane_dumps(z), z.diagnostics())
}

/// The id of the first tab (the lead's and the dashboard's).
fn home_tab(z: &Zellij) -> u64 {
    let tabs = z.list_tabs();
    match tabs.as_slice() {
        [t] => t["tab_id"].as_u64().expect("a tab id"),
        other => panic!("expected one tab after `exomonad init`, got {other:?}"),
    }
}

/// The terminal panes of tab `tab_id`.
fn terminal_panes(z: &Zellij, tab_id: u64) -> Vec<Value> {
    z.list_panes()
        .into_iter()
        .filter(|p| p["is_plugin"] == json!(false) && p["tab_id"] == json!(tab_id))
        .collect()
}

/// `terminal_<id>` of a pane from `list-panes`.
fn pane_id(pane: &Value) -> String {
    format!("terminal_{}", pane["id"])
}

/// Polls `ready` every 200 ms for up to `timeout`; panics with the diagnostics.
fn wait_for(z: &Zellij, what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > timeout {
            panic!(
                "gave up after {:?} waiting for {what}\n{}",
                start.elapsed(),
                diagnostics(z)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The dashboard once `ready` holds (switches to the first tab: a spawn focuses new tabs).
fn wait_dashboard(
    z: &Zellij,
    home: u64,
    what: &str,
    ready: impl FnMut(&Dashboard) -> bool,
) -> Dashboard {
    z.action(&["go-to-tab-by-id", &home.to_string()]);
    z.wait_for_dashboard(what, SCREEN_TIMEOUT, ready)
}

/// Waits until Claude Code in `pane` shows its prompt, then types `prompt` and Enter, as a
/// person does.
fn type_prompt(z: &Zellij, pane: &str, prompt: &str) {
    wait_for(
        z,
        "Claude Code's prompt in the lead pane",
        AGENT_TIMEOUT,
        || {
            let t = agents::pane_text(z, pane);
            t.contains("Claude Code") && t.contains('❯')
        },
    );
    let out = z.action(&["write-chars", "--pane-id", pane, prompt]);
    assert!(out.status.success(), "write-chars: {out:?}");
    // Claude Code takes a burst of characters for a paste; a carriage return after it
    // submits (the byte a terminal's Enter key sends).
    std::thread::sleep(Duration::from_millis(500));
    let out = z.action(&["write", "--pane-id", pane, "13"]);
    assert!(out.status.success(), "write 13: {out:?}");
}

/// The messages a request carries after the model's last answer (tool results, hook
/// feedback, the person's words), as JSON text.
fn since_last_answer(request: &Value) -> String {
    let messages = request["body"]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = messages.iter().rposition(|m| m["role"] == "assistant");
    let after = last.map_or(&messages[..], |i| &messages[i + 1..]);
    Value::Array(after.to_vec()).to_string()
}

/// The text of the tool result in `request` for the tool call of answer `turn` (the server
/// names tool calls `toolu_<agent>_<turn>_<i>`).
fn tool_result(request: &Value, agent: &str, turn: u64) -> String {
    let id = format!("toolu_{}_{turn}_0", agent.replace('-', "_"));
    let messages = request["body"]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let content = messages
        .iter()
        .filter_map(|m| m["content"].as_array())
        .flatten()
        .find(|c| c["type"] == "tool_result" && c["tool_use_id"] == id)
        .map(|c| c["content"].clone())
        .unwrap_or_else(|| panic!("no tool result for {id} in {}", since_last_answer(request)));
    match content {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// [`tool_result`] parsed as the JSON object exomonad's MCP tools answer with.
fn tool_result_json(request: &Value, agent: &str, turn: u64) -> Value {
    let text = tool_result(request, agent, turn);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("{agent}'s tool result of answer {turn} is not JSON ({e}): {text}")
    })
}

/// The entry of `list` (an array of objects) whose `key` is `value`.
fn entry<'a>(list: &'a Value, key: &str, value: Value) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|e| e[key] == value))
        .unwrap_or_else(|| panic!("no entry with {key} = {value} in {list}"))
}

// ---------------------------------------------------------------------------------------------
// Claude Code as the lead, two Claude Code workers
// ---------------------------------------------------------------------------------------------

#[test]
fn claude_code_lead_spawns_two_workers_that_stop_ask_and_are_cleaned_up() {
    let started = Instant::now();
    let rt = github_mock::runtime();
    let github = start_github(&rt);
    let (world, sandbox) = World::new(&github);
    let (wt1, wt2) = (world.worktree(1), world.worktree(2));
    let server = &world.server;
    let (gate_blocked, gate_ask, gate_list) = (
        server.gate("gh-1-blocked-seen"),
        server.gate("gh-2-may-ask"),
        server.gate("lead-may-list"),
    );

    // --- The scripts. ---------------------------------------------------------------------
    server.set_agents(json!({
        "lead": { "cwd": world.project, "turns": [
            claude_tool_search(&["spawn_agents", "list_agents", "cleanup_agents"]),
            tool(&claude_mcp("spawn_agents"), json!({"issues": [1, 2], "owner": OWNER, "repo": REPO})),
            gated(tool(&claude_mcp("list_agents"), json!({})), &gate_list),
            tool(&claude_mcp("cleanup_agents"), json!({"issues": [1, 2]})),
            text("gh-2 is cleaned up; gh-1 keeps its unpushed commit."),
        ]},
        // gh-1 writes a file and tries to stop; blocked, it commits and stops.
        "gh-1": { "cwd": wt1, "turns": [
            tool("Write", json!({"file_path": wt1.join("notes.txt"), "content": "Release notes\n"})),
            text("I wrote notes.txt."),
            gated(tool("Bash", json!({
                "command": "git add notes.txt && git commit -q -m 'Add the release notes'",
                "description": "Commit the release notes",
            })), &gate_blocked),
            text("Committed notes.txt."),
        ]},
        // gh-2 asks the person and stops with nothing to commit.
        "gh-2": { "cwd": wt2, "turns": [
            claude_tool_search(&["ask_human"]),
            gated(tool(&claude_mcp("ask_human"), json!({
                "title": "Which colour for the toggle?",
                "fields": [{"name": "colour", "label": "Colour", "kind": "choice",
                            "options": ["red", "blue"]}],
            })), &gate_ask),
            text("Going with the person's colour."),
        ]},
    }));

    // --- The session, and the person's first words to the lead. -----------------------------
    let _remove = agents::RemoveAfterSession::new(&sandbox);
    let z = Zellij::start_exomonad_init(sandbox, &world.project);
    let home = home_tab(&z);
    let _guard = OnFailure {
        z: &z,
        server,
        home,
    };
    let lead_pane = match terminal_panes(&z, home).as_slice() {
        [p] => pane_id(p),
        other => panic!("expected the lead's pane in the first tab, got {other:#?}"),
    };
    eprintln!("session up after {:?}", started.elapsed());
    type_prompt(&z, &lead_pane, "Start workers for issues 1 and 2.");

    // --- spawn_agents: two workers in their tabs, each with its issue as its first prompt. ---
    let req = server.wait_turn("lead", 2, AGENT_TIMEOUT, || diagnostics(&z));
    let spawned = tool_result_json(&req, "lead", 1);
    for n in [1, 2] {
        let o = entry(&spawned["results"], "issue", json!(n));
        assert_eq!(o["status"], "spawned", "{spawned}");
        assert_eq!(o["agent_id"], json!(format!("gh-{n}")), "{spawned}");
        assert_eq!(o["worktree"], json!(world.worktree(n)), "{spawned}");
    }
    eprintln!("workers spawned after {:?}", started.elapsed());
    for (n, title) in ISSUES {
        let agent = format!("gh-{n}");
        let first = server.wait_turn(&agent, 0, AGENT_TIMEOUT, || diagnostics(&z));
        let prompt = agents::messages_text(&first);
        assert!(
            prompt.contains(&format!("GitHub issue #{n} of {OWNER}/{REPO}"))
                && prompt.contains(title),
            "{agent}'s model did not get its issue as the first prompt: {prompt}"
        );
        // It runs in its own tab, in its worktree.
        let tab = z
            .list_tabs()
            .into_iter()
            .find(|t| {
                t["name"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&format!("#{n} ")))
            })
            .unwrap_or_else(|| panic!("no tab for #{n}:\n{}", diagnostics(&z)));
        let panes = terminal_panes(&z, tab["tab_id"].as_u64().unwrap());
        assert!(
            panes
                .iter()
                .any(|p| p["pane_cwd"] == json!(world.worktree(*n))
                    && p["terminal_command"]
                        .as_str()
                        .is_some_and(|c| c.contains("claude"))),
            "{agent}'s pane is not claude in its worktree: {panes:#?}"
        );
    }

    // --- gh-1's stop is blocked, naming the file, in what its model receives. ----------------
    let req = server.wait_turn("gh-1", 2, AGENT_TIMEOUT, || diagnostics(&z));
    let feedback = since_last_answer(&req);
    assert!(
        feedback.contains("Stop hook") && feedback.contains("notes.txt"),
        "gh-1's model did not get the blocked stop's reason naming notes.txt: {feedback}"
    );
    wait_dashboard(&z, home, "gh-1 `stop blocked`, gh-2 `running`", |d| {
        d.agent_is("gh-1", "stop blocked", Some("Stop")) && d.agent_is("gh-2", "running", None)
    });
    server.open_gate(&gate_blocked);
    // It commits, and this time its stop is allowed: its turn ends.
    server.wait_turn("gh-1", 3, AGENT_TIMEOUT, || diagnostics(&z));
    wait_dashboard(&z, home, "gh-1 `waiting` after its allowed Stop", |d| {
        d.agent_is("gh-1", "waiting", Some("Stop"))
    });
    let tree1 = z.sandbox().git_at(&wt1);
    assert!(
        tree1.is_clean(),
        "gh-1's worktree is not clean after its commit"
    );
    let log = tree1.git(&["log", "-1", "--format=%s", "--name-only"]);
    assert!(
        log.contains("Add the release notes") && log.contains("notes.txt"),
        "gh-1's last commit: {log}"
    );

    // --- gh-2 asks; the person answers in the dashboard with keys. --------------------------
    server.open_gate(&gate_ask);
    let (dash, _) = z.dashboard_pane();
    wait_dashboard(&z, home, "gh-2's form in the dashboard", |d| {
        d.text.contains("Which colour for the toggle?")
    });
    // Down to `blue`, Tab to Submit, Enter.
    z.send_keys(&dash, &["Down", "Tab", "Enter"]);
    let req = server.wait_turn("gh-2", 2, AGENT_TIMEOUT, || diagnostics(&z));
    let answer = tool_result_json(&req, "gh-2", 1);
    assert_eq!(answer["status"], "submitted", "{answer}");
    assert_eq!(answer["values"], json!({"colour": "blue"}), "{answer}");
    wait_dashboard(&z, home, "gh-2 `waiting` after its Stop", |d| {
        d.agent_is("gh-2", "waiting", Some("Stop"))
    });

    // --- The lead lists both, and cleans up the one without unpushed work. -------------------
    server.open_gate(&gate_list);
    let req = server.wait_turn("lead", 3, AGENT_TIMEOUT, || diagnostics(&z));
    let listed = tool_result_json(&req, "lead", 2);
    let gh1 = entry(&listed["agents"], "agent_id", json!("gh-1"));
    let gh2 = entry(&listed["agents"], "agent_id", json!("gh-2"));
    for (a, ahead) in [(gh1, 1), (gh2, 0)] {
        assert_eq!(a["tab_open"], json!(true), "{listed}");
        assert_eq!(a["dashboard_state"], json!("waiting"), "{listed}");
        assert_eq!(a["dirty_files"], json!(0), "{listed}");
        assert_eq!(a["commits_ahead"], json!(ahead), "{listed}");
    }
    let req = server.wait_turn("lead", 4, AGENT_TIMEOUT, || diagnostics(&z));
    let cleaned = tool_result_json(&req, "lead", 3);
    let commit = tree1.rev_parse("HEAD");
    let refused = entry(&cleaned["results"], "agent_id", json!("gh-1"));
    assert_eq!(refused["status"], "refused", "{cleaned}");
    assert!(
        refused["reasons"].to_string().contains(&commit[..7]),
        "gh-1's refusal does not name its local-only commit {commit}: {cleaned}"
    );
    let removed = entry(&cleaned["results"], "agent_id", json!("gh-2"));
    assert_eq!(removed["status"], "removed", "{cleaned}");
    assert!(wt1.is_dir(), "gh-1's worktree was removed");
    wait_for(&z, "gh-2's worktree to be removed", SCREEN_TIMEOUT, || {
        !wt2.exists()
    });
    wait_dashboard(&z, home, "gh-2 `stopped` after cleanup", |d| {
        d.agent_is("gh-2", "stopped", None) && d.agent_is("gh-1", "waiting", None)
    });
    eprintln!("done after {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// A killed worker resumed with its conversation
// ---------------------------------------------------------------------------------------------

/// The pid of the `claude` process running in `dir` (found through `/proc`: its working
/// directory and its command name).
fn claude_pid_in(dir: &Path) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cwd = std::fs::read_link(e.path().join("cwd")).ok()?;
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        (cwd == dir && comm.trim() == "claude").then_some(pid)
    })
}

#[test]
fn a_killed_claude_code_worker_is_resumed_with_its_conversation() {
    let started = Instant::now();
    let rt = github_mock::runtime();
    let github = start_github(&rt);
    let (world, sandbox) = World::new(&github);
    let wt1 = world.worktree(1);
    let server = &world.server;
    let gate_respawn = server.gate("lead-may-respawn");
    server.set_agents(json!({
        "lead": { "cwd": world.project, "turns": [
            claude_tool_search(&["spawn_agents"]),
            tool(&claude_mcp("spawn_agents"), json!({"issues": [1], "owner": OWNER, "repo": REPO})),
            gated(tool(&claude_mcp("spawn_agents"), json!({"issues": [1], "owner": OWNER, "repo": REPO})), &gate_respawn),
            text("gh-1 is back."),
        ]},
        "gh-1": { "cwd": wt1, "turns": [
            tool("Bash", json!({"command": "echo first-session-marker", "description": "Look around"})),
            text("First part done."),
            text("Resumed where I stopped."),
        ]},
    }));

    let _remove = agents::RemoveAfterSession::new(&sandbox);
    let z = Zellij::start_exomonad_init(sandbox, &world.project);
    let home = home_tab(&z);
    let _guard = OnFailure {
        z: &z,
        server,
        home,
    };
    let lead_pane = match terminal_panes(&z, home).as_slice() {
        [p] => pane_id(p),
        other => panic!("expected the lead's pane in the first tab, got {other:#?}"),
    };
    type_prompt(&z, &lead_pane, "Start a worker for issue 1.");

    // gh-1 runs a command, ends its turn, and is killed in its pane.
    let req = server.wait_turn("lead", 2, AGENT_TIMEOUT, || diagnostics(&z));
    let spawned = tool_result_json(&req, "lead", 1);
    assert_eq!(
        entry(&spawned["results"], "issue", json!(1))["status"],
        "spawned"
    );
    server.wait_turn("gh-1", 1, AGENT_TIMEOUT, || diagnostics(&z));
    wait_dashboard(&z, home, "gh-1 `waiting` after its first turn", |d| {
        d.agent_is("gh-1", "waiting", Some("Stop"))
    });
    let pid = claude_pid_in(&wt1).unwrap_or_else(|| {
        panic!(
            "no claude process in {}:\n{}",
            wt1.display(),
            diagnostics(&z)
        )
    });
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -KILL {pid}");
    wait_dashboard(&z, home, "gh-1 `stopped` after its agent was killed", |d| {
        d.agent_is("gh-1", "stopped", None)
    });
    eprintln!("gh-1 killed after {:?}", started.elapsed());

    // The lead spawns it again: resumed in a new tab with its Claude Code session.
    server.open_gate(&gate_respawn);
    let req = server.wait_turn("lead", 3, AGENT_TIMEOUT, || diagnostics(&z));
    let again = tool_result_json(&req, "lead", 2);
    let o = entry(&again["results"], "issue", json!(1));
    assert_eq!(o["status"], "resumed", "{again}");
    let session_id = o["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id in {again}"))
        .to_string();
    let first = server
        .turn_request("gh-1", 0)
        .expect("gh-1's first request");
    assert_eq!(
        first["body"]["metadata"]["user_id"]
            .as_str()
            .map(|u| u.contains(&session_id)),
        Some(true),
        "the resumed session {session_id} is not the one gh-1's first request carried: {}",
        first["body"]["metadata"]
    );

    // Its model gets the earlier conversation, then the resume prompt.
    let req = server.wait_turn("gh-1", 2, AGENT_TIMEOUT, || diagnostics(&z));
    let history = agents::messages_text(&req);
    // (Not its last text answer: Claude Code 2.1.329 had not yet written it to its transcript
    // when it was killed a moment later, and puts "No response requested." in its place.)
    for earlier in [
        format!("GitHub issue #1 of {OWNER}/{REPO}"),
        "first-session-marker".to_string(),
    ] {
        assert!(
            history.contains(&earlier),
            "the resumed gh-1's model did not get {earlier:?} from its earlier session: {history}"
        );
    }
    let latest = since_last_answer(&req);
    assert!(
        latest.contains("Your session was restarted"),
        "the resumed gh-1's model did not get the resume prompt last: {latest}"
    );
    wait_dashboard(&z, home, "the resumed gh-1 `waiting` after its turn", |d| {
        d.agent_is("gh-1", "waiting", Some("Stop"))
    });
    eprintln!("done after {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Gemini CLI as a worker
// ---------------------------------------------------------------------------------------------

/// The contents a Gemini request carries after the model's last answer, as JSON text.
fn gemini_since_last_answer(request: &Value) -> String {
    let contents = request["body"]["contents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = contents.iter().rposition(|c| c["role"] == "model");
    let after = last.map_or(&contents[..], |i| &contents[i + 1..]);
    Value::Array(after.to_vec()).to_string()
}

/// Waits until the agent in `pane` asks the person to confirm a tool call (Gemini CLI's own
/// dialog, `Allow once` preselected) and the dashboard shows `agent` waiting for it (its
/// Notification hook), then confirms it with Enter, as a person does.
fn confirm_in_pane(z: &Zellij, home: u64, agent: &str, pane: &str, what: &str) {
    wait_for(
        z,
        &format!("Gemini CLI asking to confirm {what}"),
        AGENT_TIMEOUT,
        || agents::pane_text(z, pane).contains("Allow once"),
    );
    wait_dashboard(
        z,
        home,
        &format!("{agent} `waiting` on its Notification while it asks about {what}"),
        |d| d.agent_is(agent, "waiting", Some("Notification")),
    );
    let out = z.action(&["write", "--pane-id", pane, "13"]);
    assert!(out.status.success(), "write 13: {out:?}");
    wait_for(
        z,
        &format!("the confirmation of {what} to close"),
        SCREEN_TIMEOUT,
        || !agents::pane_text(z, pane).contains("Allow once"),
    );
}

#[test]
fn a_gemini_cli_worker_fires_its_hooks_is_denied_is_held_and_uses_mcp_tools() {
    let started = Instant::now();
    let rt = github_mock::runtime();
    let github = start_github(&rt);
    agents::require_agent("gemini", agents::GEMINI_CLI_VERSION);
    let (world, mut sandbox) = World::new(&github);
    agents::seed_gemini_home(&sandbox.home(), &[&world.project]);
    sandbox.set_env("EXOMONAD_LOG", agents::LOG_PAYLOADS);
    let wt = world.worktree(1);
    let server = &world.server;
    let branch = "gh-1/write-the-release-notes";
    server.set_agents(json!({
        "gh-1": { "cwd": wt, "turns": [
            tool("read_file", json!({"file_path": wt.join("README.md")})),
            tool("run_shell_command", json!({
                "command": "git push --force origin HEAD",
                "description": "Publish the branch",
            })),
            tool("mcp_exomonad_git_branch", json!({})),
            tool("write_file", json!({"file_path": wt.join("notes.txt"), "content": "Release notes\n"})),
            text("I wrote notes.txt."),
            tool("run_shell_command", json!({
                "command": "git add notes.txt && git commit -q -m 'Add the release notes'",
                "description": "Commit the release notes",
            })),
            text("Committed notes.txt."),
        ]},
    }));

    let _remove = agents::RemoveAfterSession::new(&sandbox);
    let z = Zellij::start_exomonad_init(sandbox, &world.project);
    let home = home_tab(&z);
    let _guard = OnFailure {
        z: &z,
        server,
        home,
    };
    // The lead (here, the person at the lead's pane) spawns a Gemini CLI worker.
    let run = z
        .exomonad(&[
            "spawn", "1", "--agent", "gemini", "--owner", OWNER, "--repo", REPO, "--json",
        ])
        .cwd(&world.project)
        .timeout(Duration::from_secs(60))
        .run();
    run.assert_success();
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let o = entry(&report["results"], "issue", json!(1));
    assert_eq!(o["status"], "spawned", "{report}");
    let tab = o["tab_id"].as_u64().expect("a tab id");
    let pane = match terminal_panes(&z, tab).as_slice() {
        [p] => pane_id(p),
        other => panic!("expected the worker's pane in its tab, got {other:#?}"),
    };
    eprintln!("gemini worker spawned after {:?}", started.elapsed());

    // Its first prompt is the issue; its MCP server is exomonad's.
    let first = server.wait_turn("gh-1", 0, AGENT_TIMEOUT, || diagnostics(&z));
    let contents = first["body"]["contents"].to_string();
    assert!(
        contents.contains(&format!("GitHub issue #1 of {OWNER}/{REPO}")),
        "gh-1's model did not get its issue as the first prompt: {contents}"
    );

    // A force push: exomonad's BeforeTool hook denies it, and the model is told why.
    let req = server.wait_turn("gh-1", 2, AGENT_TIMEOUT, || diagnostics(&z));
    let denied = gemini_since_last_answer(&req);
    assert!(
        denied.contains("run_shell_command") && denied.contains("A force push overwrites history"),
        "gh-1's model was not told that the force push was denied: {denied}"
    );
    let origin = z.sandbox().git_at(z.sandbox().root().join("origin.git"));
    assert!(
        origin.git(&["branch", "--list", branch]).trim().is_empty(),
        "the denied force push reached origin"
    );

    // exomonad's MCP tool works.
    let req = server.wait_turn("gh-1", 3, AGENT_TIMEOUT, || diagnostics(&z));
    let status = gemini_since_last_answer(&req);
    assert!(
        status.contains("git_branch") && status.contains(branch),
        "gh-1's model did not get git_branch's answer naming its branch: {status}"
    );

    // It writes a file (the person confirms it in its pane) and ends its turn: AfterAgent
    // refuses, and Gemini CLI sends the reason to the model as a new prompt.
    confirm_in_pane(&z, home, "gh-1", &pane, "write_file");
    let req = server.wait_turn("gh-1", 5, AGENT_TIMEOUT, || diagnostics(&z));
    let retry = gemini_since_last_answer(&req);
    assert!(
        retry.contains("notes.txt") && retry.contains("Uncommitted"),
        "gh-1's model did not get the blocked AfterAgent's reason naming notes.txt: {retry}"
    );
    wait_dashboard(&z, home, "gh-1's blocked AfterAgent in the log", |d| {
        d.log_has("gh-1", "stop blocked")
    });
    confirm_in_pane(&z, home, "gh-1", &pane, "the commit");
    server.wait_turn("gh-1", 6, AGENT_TIMEOUT, || diagnostics(&z));
    let tree = z.sandbox().git_at(&wt);
    wait_for(&z, "gh-1's commit", SCREEN_TIMEOUT, || tree.is_clean());
    assert!(
        tree.git(&["log", "-1", "--format=%s"])
            .contains("Add the release notes"),
        "gh-1's last commit is not its own"
    );
    wait_dashboard(
        &z,
        home,
        "gh-1 `waiting` after an allowed AfterAgent",
        |d| d.agent_is("gh-1", "waiting", Some("AfterAgent")),
    );

    // The person ends the session: SessionEnd.
    // Ctrl-C twice, as a person leaves Gemini CLI (the first one would clear a typed line).
    for _ in 0..2 {
        let out = z.action(&["write", "--pane-id", &pane, "3"]);
        assert!(out.status.success(), "write 3: {out:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let d = wait_dashboard(&z, home, "gh-1 `stopped` after SessionEnd", |d| {
        d.agent_is("gh-1", "stopped", None) && d.log_has("gh-1", "SessionEnd")
    });
    // Every hook exomonad registers reached the dashboard, as Gemini CLI names it.
    for event in [
        "SessionStart",
        "BeforeAgent",
        "BeforeTool read_file",
        "AfterTool read_file",
        "BeforeTool run_shell_command",
        "BeforeTool mcp_exomonad_git_branch",
        "Notification",
        "AfterAgent",
        "SessionEnd",
    ] {
        assert!(
            d.log_has("gh-1", event),
            "the dashboard's log does not show gh-1's {event}:\n{}",
            d.text
        );
    }

    // The payloads of every event exomonad registers, as this Gemini CLI sent them: with
    // EXOMONAD_RECORD_FIXTURES=1 they become tests/fixtures/gemini-cli-<version>/.
    let payloads: Vec<_> = agents::logged_payloads(z.sandbox())
        .into_iter()
        .filter(|(_, p)| p["cwd"] == json!(wt))
        .collect();
    // The refused AfterAgent and the one of the retry it caused: one turn (same session and
    // prompt), which exomonad's hook recognises itself (`host/src/hook/held_turn.rs`): Gemini
    // CLI 0.61.0 does not set `stop_hook_active` on the retry, as its docs say it would.
    let after_agent: Vec<&Value> = payloads
        .iter()
        .filter(|(e, _)| e == "AfterAgent")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(after_agent.len(), 2, "{after_agent:#?}");
    assert_eq!(after_agent[0]["prompt_response"], "I wrote notes.txt.");
    assert!(
        after_agent[1]["prompt_response"]
            .as_str()
            .is_some_and(|r| r.ends_with("Committed notes.txt.")),
        "{after_agent:#?}"
    );
    for key in ["session_id", "prompt"] {
        assert_eq!(after_agent[0][key], after_agent[1][key], "{after_agent:#?}");
    }
    let names = agents::record_fixtures(
        &format!("gemini-cli-{}", agents::GEMINI_CLI_VERSION),
        &payloads,
        &[
            (&world.project, "/home/dev/project"),
            (&z.sandbox().home(), "/home/dev"),
            (Path::new(harness::EXOMONAD), "/usr/local/bin/exomonad"),
        ],
    );
    for event in exomonad::wiring::GEMINI_HOOK_EVENTS {
        let kebab = agents::fixture_name(event, &json!({}));
        assert!(
            names.iter().any(|n| n.starts_with(&kebab)),
            "no {event} payload was logged: {names:?}"
        );
    }
    eprintln!("done after {:?}", started.elapsed());
}
