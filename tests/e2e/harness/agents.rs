//! Real agent runtimes in the end-to-end tests: Claude Code and Gemini CLI as installed by
//! `scripts/deps.sh` (`tests/agents/`, the exact versions of its `package-lock.json`), driven
//! offline by our scripted model server (`tests/model-server/server.mjs`).
//!
//! - [`require_agent`]: the installed runtime's binary, checked to be the pinned version.
//! - [`ModelServer`]: the scripted model on 127.0.0.1: [`ModelServer::set_agents`] gives
//!   every agent its turns (see the server's header for the script format), the recorded
//!   requests say what each agent's model received.
//! - [`use_agents`]: points a [`Sandbox`] at the server and puts the runtimes on its `PATH`.
//! - [`seed_claude_home`]: what a Claude Code user already did once on their machine
//!   (onboarding, approving the API key, trusting the project), and nothing more.
//! - [`pane_dumps`]: the text of every terminal pane of a session, for failure messages.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Sandbox, Zellij};

/// The Claude Code version `tests/agents/package-lock.json` pins.
pub const CLAUDE_CODE_VERSION: &str = "2.1.329";
/// The Gemini CLI version `tests/agents/package-lock.json` pins.
pub const GEMINI_CLI_VERSION: &str = "0.61.0";

/// The API key every agent is given (the model server accepts any).
pub const API_KEY: &str = "sk-ant-api03-scripted-model-server-key-0000000000";

/// How to get the runtimes and Node, for failure messages.
const INSTALL: &str = "run scripts/deps.sh (it runs `npm ci --prefix tests/agents`, which \
                       installs the pinned Claude Code and Gemini CLI, and installs Node.js)";

/// The repository's `tests/` directory.
fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

/// Where `npm ci --prefix tests/agents` puts the runtimes' commands.
pub fn agents_bin_dir() -> PathBuf {
    tests_dir().join("agents/node_modules/.bin")
}

/// The installed `program` (`claude` or `gemini`) of `tests/agents/`, checked to print
/// `version` for `--version`. Panics with the install command otherwise.
pub fn require_agent(program: &str, version: &str) -> PathBuf {
    let bin = agents_bin_dir().join(program);
    let out = Command::new(&bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): {INSTALL}", bin.display()));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && printed.contains(version),
        "{} --version printed {printed:?} (exit {}), expected {version}: {INSTALL}",
        bin.display(),
        out.status
    );
    bin
}

/// Puts the runtimes of `tests/agents/` first on the sandbox's `PATH` and points them at
/// `server` with [`API_KEY`], with Claude Code's non-essential traffic (updates, telemetry)
/// off. Every agent started in the sandbox's sessions inherits it.
pub fn use_agents(sandbox: &mut Sandbox, server: &ModelServer) {
    sandbox.prepend_path(&agents_bin_dir());
    sandbox.set_env("ANTHROPIC_BASE_URL", server.url());
    sandbox.set_env("ANTHROPIC_API_KEY", API_KEY);
    sandbox.set_env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    sandbox.set_env("DISABLE_AUTOUPDATER", "1");
    sandbox.set_env("GOOGLE_GEMINI_BASE_URL", server.url());
    sandbox.set_env("GEMINI_API_KEY", API_KEY);
}

/// Writes `<home>/.claude.json` as a Claude Code user's has it after their first session:
/// onboarding done, the API key approved, and `trusted` (the project they started exomonad
/// in) trusted. Nothing about the workers' worktrees.
pub fn seed_claude_home(home: &Path, trusted: &[&Path]) {
    let key_tail: String = API_KEY.chars().skip(API_KEY.chars().count() - 20).collect();
    let projects: serde_json::Map<String, Value> = trusted
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                json!({ "hasTrustDialogAccepted": true }),
            )
        })
        .collect();
    let state = json!({
        "hasCompletedOnboarding": true,
        "customApiKeyResponses": { "approved": [key_tail], "rejected": [] },
        "projects": projects,
    });
    fs::write(home.join(".claude.json"), state.to_string()).expect("write ~/.claude.json");
}

/// One model answer that calls `tool` with `input`.
pub fn tool(tool: &str, input: Value) -> Value {
    json!({ "tool": tool, "input": input })
}

/// One model answer that is `text` and ends the model's turn.
pub fn text(text: &str) -> Value {
    json!({ "text": text })
}

/// `turn`, held back until the file `gate` exists (see [`ModelServer::open_gate`]).
pub fn gated(mut turn: Value, gate: &Path) -> Value {
    turn["gate"] = json!(gate);
    turn
}

/// Claude Code's name for the tool `name` of exomonad's MCP server.
pub fn claude_mcp(name: &str) -> String {
    format!("mcp__exomonad__{name}")
}

/// Claude Code's `ToolSearch` call that loads the schemas of exomonad's MCP `tools` (Claude
/// Code lists MCP tools by name only; a model loads a schema before calling the tool).
pub fn claude_tool_search(tools: &[&str]) -> Value {
    let names: Vec<String> = tools.iter().map(|t| claude_mcp(t)).collect();
    tool(
        "ToolSearch",
        json!({ "query": format!("select:{}", names.join(",")), "max_results": tools.len() }),
    )
}

/// The scripted model server, a child process on 127.0.0.1 (killed when dropped).
pub struct ModelServer {
    child: Child,
    port: u16,
    dir: PathBuf,
    script: PathBuf,
}

impl ModelServer {
    /// Starts `node tests/model-server/server.mjs` with its script and logs in
    /// `<sandbox>/model-server/`, and waits (at most 20 s) until it listens.
    pub fn start(sandbox: &Sandbox) -> Self {
        let dir = sandbox.root().join("model-server");
        fs::create_dir_all(&dir).expect("create the model server's directory");
        let script = dir.join("script.json");
        fs::write(&script, json!({ "agents": {} }).to_string()).expect("write the script");
        let server = tests_dir().join("model-server/server.mjs");
        let mut child = sandbox
            .command("node")
            .arg(&server)
            .arg("--script")
            .arg(&script)
            .arg("--log")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(dir.join("stderr.log")).expect("create stderr.log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node {} ({e}): {INSTALL}", server.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!(
                    "the model server did not start (printed {line:?}); stderr:\n{}",
                    fs::read_to_string(dir.join("stderr.log")).unwrap_or_default()
                )
            });
        ModelServer {
            child,
            port,
            dir,
            script,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Replaces the script: `agents` maps a name to `{"cwd": <dir>, "turns": [...]}`.
    pub fn set_agents(&self, agents: Value) {
        let tmp = self.dir.join("script.json.tmp");
        fs::write(&tmp, json!({ "agents": agents }).to_string()).expect("write the script");
        fs::rename(&tmp, &self.script).expect("replace the script");
    }

    /// A gate file of this server's directory (see [`gated`]); not yet open.
    pub fn gate(&self, name: &str) -> PathBuf {
        self.dir.join(format!("gate-{name}"))
    }

    /// Opens the gate `gate`: the answer waiting for it goes out.
    pub fn open_gate(&self, gate: &Path) {
        fs::write(gate, "open\n").expect("open a gate");
    }

    /// Every request recorded so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        let text = fs::read_to_string(self.dir.join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The conversation requests of `agent`, in order.
    pub fn conversation(&self, agent: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["kind"] == "conversation" && r["agent"] == agent)
            .collect()
    }

    /// The request that asked for `agent`'s answer number `turn` (0 = the first), the last one
    /// when it was sent more than once.
    pub fn turn_request(&self, agent: &str, turn: u64) -> Option<Value> {
        self.conversation(agent)
            .into_iter()
            .rev()
            .find(|r| r["turn"] == turn)
    }

    /// The server's own log (one line per request).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("model-server.log")).unwrap_or_default()
    }

    /// Polls (every 200 ms, at most `timeout`) until `agent`'s model has been asked for its
    /// answer number `turn`; returns that request. Panics with `diagnostics()` and the
    /// server's log.
    pub fn wait_turn(
        &self,
        agent: &str,
        turn: u64,
        timeout: Duration,
        diagnostics: impl Fn() -> String,
    ) -> Value {
        let start = Instant::now();
        loop {
            if let Some(r) = self.turn_request(agent, turn) {
                return r;
            }
            if start.elapsed() > timeout {
                panic!(
                    "gave up after {:?} waiting for {agent}'s model to be asked for answer {turn}\n\
                     --- model server log:\n{}\n{}",
                    start.elapsed(),
                    self.log(),
                    diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages of a recorded request's conversation, as one JSON text (what the model
/// received, to search in).
pub fn messages_text(request: &Value) -> String {
    request["body"]["messages"].to_string()
}

/// The last message of a recorded request (what came in since the model's previous answer:
/// tool results, hook feedback, the person's prompt), as JSON text.
pub fn last_message_text(request: &Value) -> String {
    let messages = request["body"]["messages"]
        .as_array()
        .or_else(|| request["body"]["contents"].as_array());
    messages
        .and_then(|m| m.last())
        .map(Value::to_string)
        .unwrap_or_default()
}

/// The text of every terminal pane of the session (`dump-screen`), each under its title.
pub fn pane_dumps(z: &Zellij) -> String {
    let mut out = String::new();
    let panes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| z.list_panes()))
        .unwrap_or_default();
    for p in panes.iter().filter(|p| p["is_plugin"] == json!(false)) {
        let id = format!("terminal_{}", p["id"]);
        let dump = z.action(&["dump-screen", "--pane-id", &id]);
        out.push_str(&format!(
            "--- pane {id} ({}, tab {}):\n{}\n",
            p["title"],
            p["tab_id"],
            String::from_utf8_lossy(&dump.stdout).trim_end()
        ));
    }
    out
}

/// The text of one terminal pane (`dump-screen --pane-id`).
pub fn pane_text(z: &Zellij, pane_id: &str) -> String {
    let dump = z.action(&["dump-screen", "--pane-id", pane_id]);
    String::from_utf8_lossy(&dump.stdout).into_owned()
}

/// Writes `<home>/.gemini/` as a Gemini CLI user's is after their first session: the Gemini
/// API key chosen as the way to sign in, and `trusted` (the project they started exomonad
/// in) trusted. Nothing about the workers' worktrees.
pub fn seed_gemini_home(home: &Path, trusted: &[&Path]) {
    let dir = home.join(".gemini");
    fs::create_dir_all(&dir).expect("create ~/.gemini");
    let settings = json!({ "security": { "auth": { "selectedType": "gemini-api-key" } } });
    fs::write(dir.join("settings.json"), settings.to_string()).expect("write settings.json");
    let folders: serde_json::Map<String, Value> = trusted
        .iter()
        .map(|p| (p.display().to_string(), json!("TRUST_FOLDER")))
        .collect();
    fs::write(
        dir.join("trustedFolders.json"),
        Value::Object(folders).to_string(),
    )
    .expect("write trustedFolders.json");
}

/// The `EXOMONAD_LOG` filter that makes `exomonad hook` log each payload it gets (one line,
/// `hook payload <Event>: <JSON>`), for [`logged_payloads`].
pub const LOG_PAYLOADS: &str = "info,exomonad::hook=trace";

/// Every hook payload logged under the sandbox (see [`LOG_PAYLOADS`]), in the order each
/// log file has them: `(event, payload)`.
pub fn logged_payloads(sandbox: &Sandbox) -> Vec<(String, Value)> {
    const MARK: &str = "hook payload ";
    sandbox
        .log_lines_containing(MARK)
        .iter()
        .filter_map(|line| {
            let rest = &line[line.find(MARK)? + MARK.len()..];
            let (event, payload) = rest.split_once(": ")?;
            Some((event.to_string(), serde_json::from_str(payload).ok()?))
        })
        .collect()
}

/// The fixture file name of a payload: the event in kebab case, then the tool for tool
/// events, then `-hook-active` for a turn end the runtime says a hook already held.
pub fn fixture_name(event: &str, payload: &Value) -> String {
    let mut name = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    if let Some(tool) = payload["tool_name"].as_str() {
        name.push('-');
        name.push_str(&tool.to_ascii_lowercase().replace('_', "-"));
    }
    if payload["stop_hook_active"] == json!(true) {
        name.push_str("-hook-active");
    }
    name
}

/// With `EXOMONAD_RECORD_FIXTURES=1`: replaces the `*.json` of `tests/fixtures/<dir>/` with
/// the first payload of each [`fixture_name`] (`<name>.json`), every string's `from` prefixes rewritten to `to`
/// (`replace`, in order: the project to `/home/dev/project`, the home to `/home/dev`).
/// Returns the names it would write, whether or not it wrote them.
pub fn record_fixtures(
    dir: &str,
    payloads: &[(String, Value)],
    replace: &[(&Path, &str)],
) -> Vec<String> {
    let out = tests_dir().join("fixtures").join(dir);
    let record = std::env::var_os("EXOMONAD_RECORD_FIXTURES").is_some_and(|v| v == "1");
    if record && out.is_dir() {
        // A new recording replaces the old one whole.
        for entry in fs::read_dir(&out)
            .expect("read the fixtures directory")
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "json") {
                fs::remove_file(entry.path()).expect("remove an old fixture");
            }
        }
    }
    let mut names = Vec::new();
    for (event, payload) in payloads {
        let name = fixture_name(event, payload);
        if names.contains(&name) {
            continue;
        }
        let mut payload = payload.clone();
        for (from, to) in replace {
            super::replace_in_strings(&mut payload, &from.display().to_string(), to);
        }
        if record {
            fs::create_dir_all(&out).expect("create the fixtures directory");
            let text = serde_json::to_string_pretty(&payload).expect("JSON values serialize");
            fs::write(out.join(format!("{name}.json")), text + "\n").expect("write a fixture");
        }
        names.push(name);
    }
    names.sort();
    names
}

/// The pids of the processes whose working directory is under `root`.
fn processes_in(root: &Path) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cwd = fs::read_link(e.path().join("cwd")).ok()?;
            (pid != std::process::id() && cwd.starts_with(root)).then_some(pid)
        })
        .collect()
}

/// Removes a sandbox's directory for good once its session is gone (create it before the
/// session, so that it is dropped after it). Real agents outlive the Zellij session that ran
/// them by a moment (Gemini CLI's node processes were seen to survive it), writing their
/// transcripts and history into the sandbox after it was removed: this waits up to 10 s for
/// every process working under the sandbox to end, kills the ones left (all started by the
/// test, in its sandbox), and removes the directory. Nothing is removed with
/// `EXOMONAD_E2E_KEEP=1`.
pub struct RemoveAfterSession {
    root: PathBuf,
    keep: bool,
}

impl RemoveAfterSession {
    /// For the sandbox `sandbox`.
    pub fn new(sandbox: &Sandbox) -> Self {
        RemoveAfterSession {
            root: sandbox.root().to_path_buf(),
            keep: std::env::var_os("EXOMONAD_E2E_KEEP").is_some_and(|v| !v.is_empty()),
        }
    }
}

impl Drop for RemoveAfterSession {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let start = Instant::now();
        while !processes_in(&self.root).is_empty() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(200));
        }
        for pid in processes_in(&self.root) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}
