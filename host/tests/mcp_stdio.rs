//! `exomonad mcp-stdio` at the byte level: the real binary, in a temporary real git
//! repository, driven line by line over its stdin and stdout (no SDK in between), so what is
//! checked is exactly what goes over the wire: the `initialize` version negotiation, `ping`,
//! protocol errors, stdout carrying JSON-RPC lines only, the start and stop events (through a
//! stand-in `zellij`), the worker's tool list, and the git and `read_file` tools on real
//! repositories and files.
//!
//! tests/mcp-client/check.mjs (host/tests/mcp_sdk_client.rs) drives every tool through the
//! official TypeScript SDK; this file does not repeat it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{git, init_repo};
use serde_json::{Value, json};

#[path = "support/github_mock.rs"]
mod github_mock;

/// Longest wait for one answer. A debug build compiling the guest for the first time (no
/// wasmtime cache yet) takes several seconds; a warm one answers in milliseconds.
const WAIT: Duration = Duration::from_secs(60);

/// How long "no output" is watched for.
const QUIET: Duration = Duration::from_millis(300);

/// The versions the server speaks (host/src/mcp/server.rs).
const SUPPORTED: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// The lead's tools, in `tools/list` order.
const LEAD_TOOLS: [&str; 11] = [
    "git_branch",
    "git_status",
    "git_log",
    "read_file",
    "github_list_issues",
    "github_get_issue",
    "github_list_prs",
    "spawn_agents",
    "cleanup_agents",
    "list_agents",
    "ask_human",
];

/// The agent id every session runs as unless a test says otherwise.
const AGENT: &str = "mcp-test";

// ---- The scripted session ------------------------------------------------------------------

/// One `exomonad mcp-stdio` process and the lines it wrote.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    /// Every stdout line, in order.
    seen: Vec<String>,
    /// Responses read while waiting for another id.
    unclaimed: Vec<Value>,
    next_id: u64,
}

/// The environment of a session: a stand-in `zellij` (never the real one), no Zellij
/// session unless `env` sets one, no GitHub token, the user's data dir out of the way.
fn start(project: &Path, scratch: &Path, env: &[(&str, &str)]) -> Session {
    let zellij = fake_zellij(scratch);
    let data = scratch.join("xdg-data");
    std::fs::create_dir_all(&data).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exomonad"));
    cmd.arg("mcp-stdio")
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "ZELLIJ",
        "ZELLIJ_SESSION_NAME",
        "EXOMONAD_SESSION",
        "EXOMONAD_ROLE",
        "EXOMONAD_LOG",
        "GH_TOKEN",
        "GITHUB_TOKEN",
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("EXOMONAD_ZELLIJ_BIN", &zellij)
        .env("EXOMONAD_AGENT_ID", AGENT)
        // Nothing here may reach a network; a GitHub call would fail fast.
        .env("EXOMONAD_GITHUB_API_URL", "http://127.0.0.1:9")
        .env("XDG_DATA_HOME", &data);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("exomonad starts");
    let stdin = child.stdin.take();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match stdout.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    // Kept as is (lossily for invalid UTF-8, which then fails the JSON check).
                    let line = String::from_utf8_lossy(&buf).into_owned();
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err_pipe = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        sink.lock().unwrap().push_str(&s);
    });
    Session {
        child,
        stdin,
        lines,
        stderr,
        seen: Vec::new(),
        unclaimed: Vec::new(),
        next_id: 100,
    }
}

impl Session {
    /// Writes one line (a newline is added).
    fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, msg: &Value) {
        self.send_raw(&msg.to_string());
    }

    /// The next stdout line, or `None` after `limit` (or at end of output).
    fn next_line(&mut self, limit: Duration) -> Option<String> {
        match self.lines.recv_timeout(limit) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Asserts that nothing is written for [`QUIET`].
    fn assert_quiet(&mut self, after: &str) {
        if let Some(line) = self.next_line(QUIET) {
            panic!("output after {after}: {line}");
        }
    }

    /// The response with `id`, whatever else comes first (kept for later).
    fn response(&mut self, id: &Value) -> Value {
        if let Some(i) = self.unclaimed.iter().position(|m| &m["id"] == id) {
            return self.unclaimed.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(line) = self.next_line(left) else {
                panic!(
                    "no response to id {id} within {WAIT:?}; stdout so far: {:?}; stderr: {}",
                    self.seen,
                    self.stderr.lock().unwrap()
                );
            };
            let msg = assert_jsonrpc(&line);
            if &msg["id"] == id {
                return msg;
            }
            self.unclaimed.push(msg);
        }
    }

    /// Sends a request with a fresh id and waits for its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = json!(self.next_id);
        let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            msg["params"] = params;
        }
        self.send(&msg);
        self.response(&id)
    }

    /// `initialize` asking for `version`, then `notifications/initialized`; the result.
    fn initialize(&mut self, version: &str) -> Value {
        let r = self.request(
            "initialize",
            json!({"protocolVersion": version, "capabilities": {},
                   "clientInfo": {"name": "mcp_stdio.rs", "version": "1.0.0"}}),
        );
        let result = r["result"].clone();
        assert!(result.is_object(), "initialize failed: {r}");
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        result
    }

    /// `tools/call`: the whole response message.
    fn call(&mut self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
    }

    /// `tools/call` that must answer a result; the result.
    fn call_ok(&mut self, name: &str, arguments: Value) -> Value {
        let r = self.call(name, arguments.clone());
        let result = r["result"].clone();
        assert!(result.is_object(), "{name} {arguments}: {r}");
        result
    }

    /// `tools/call` that must succeed; its `structuredContent`.
    fn tool(&mut self, name: &str, arguments: Value) -> Value {
        let result = self.call_ok(name, arguments.clone());
        assert_eq!(result["isError"], false, "{name} {arguments}: {result}");
        result["structuredContent"].clone()
    }

    /// `tools/call` that must be a tool error (`isError: true`); its text.
    fn tool_error(&mut self, name: &str, arguments: Value) -> String {
        let result = self.call_ok(name, arguments.clone());
        assert_eq!(
            result["isError"], true,
            "{name} {arguments} should fail: {result}"
        );
        assert!(result.get("structuredContent").is_none(), "{result}");
        text(&result)
    }

    /// `tools/list`: the tools.
    fn tools(&mut self) -> Vec<Value> {
        let r = self.request("tools/list", json!({}));
        r["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("tools/list: {r}"))
            .clone()
    }

    /// Closes stdin and waits for the exit; then every stdout line must have been a
    /// JSON-RPC 2.0 message. The exit status and every stdout line.
    fn finish(mut self) -> (ExitStatus, Vec<String>) {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {WAIT:?} of stdin closing"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        while self.next_line(Duration::from_secs(5)).is_some() {}
        let seen = std::mem::take(&mut self.seen);
        for line in &seen {
            assert_jsonrpc(line);
        }
        (status, seen)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A failed test must not leave its server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Parses `line` as one JSON-RPC 2.0 message (exactly one line, newline-terminated), or
/// panics saying why.
fn assert_jsonrpc(line: &str) -> Value {
    let body = line
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("a stdout line without its newline: {line:?}"));
    assert!(!body.contains('\n'), "{line:?}");
    let msg: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("stdout carries a line that is not JSON ({e}): {line:?}"));
    let obj = msg
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON-RPC message: {line}"));
    assert_eq!(msg["jsonrpc"], "2.0", "{line}");
    if obj.contains_key("method") {
        assert!(msg["method"].is_string(), "{line}");
        for k in obj.keys() {
            assert!(
                ["jsonrpc", "id", "method", "params"].contains(&k.as_str()),
                "{line}"
            );
        }
        return msg;
    }
    let result = obj.contains_key("result");
    let error = obj.contains_key("error");
    assert!(result != error, "exactly one of result and error: {line}");
    for k in obj.keys() {
        assert!(
            ["jsonrpc", "id", "result", "error"].contains(&k.as_str()),
            "{line}"
        );
    }
    if error {
        assert!(msg["error"]["code"].is_i64(), "{line}");
        assert!(msg["error"]["message"].is_string(), "{line}");
    }
    match obj.get("id") {
        Some(Value::Number(_) | Value::String(_)) => {}
        Some(Value::Null) => assert!(error, "{line}"),
        // rmcp answers well-formed JSON that is no message with an Invalid Request error
        // that leaves `id` out (JSON-RPC 2.0 asks for `"id": null`); nothing else may.
        None => assert_eq!(
            msg["error"]["code"], -32600,
            "a response without id: {line}"
        ),
        Some(other) => panic!("bad id {other}: {line}"),
    }
    msg
}

/// The text blocks of a tool result, joined.
fn text(result: &Value) -> String {
    result["content"]
        .as_array()
        .unwrap_or_else(|| panic!("no content: {result}"))
        .iter()
        .map(|c| {
            assert_eq!(c["type"], "text", "{c}");
            c["text"].as_str().unwrap().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A stand-in `zellij` in `dir` that appends its arguments to `calls.log` and, for `pipe`,
/// its stdin to `pipe-stdin.log`; everything else succeeds with no output. With
/// `STANDIN_HOLD_POPUP` set, a form's pipe (`--name exomonad-popup`) is held open, as the
/// dashboard holds it while a person reads the form, until `release` appears in `dir` (20 s
/// at most), and then answers nothing.
fn fake_zellij(dir: &Path) -> PathBuf {
    let path = dir.join("zellij");
    if !path.exists() {
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{calls}'\n\
             case \" $* \" in *\" --name exomonad-popup \"*) if [ -n \"$STANDIN_HOLD_POPUP\" ]; then \
             i=0; while [ ! -e '{release}' ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; fi;; esac\n\
             case \" $* \" in *\" pipe \"*) cat >> '{stdin}';; esac\nexit 0\n",
            calls = dir.join("calls.log").display(),
            stdin = dir.join("pipe-stdin.log").display(),
            release = dir.join("release").display(),
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// A temporary directory holding the project `proj` (a git repository with one commit on
/// `main`, `README` committed) and room for the stand-in `zellij` beside it.
fn project() -> (tempfile::TempDir, PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let p = outer.path().join("proj");
    std::fs::create_dir(&p).unwrap();
    init_repo(&p);
    std::fs::write(p.join("README"), "hi\n").unwrap();
    std::fs::write(p.join(".gitignore"), ".exomonad/\n").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-qm", "first"]);
    (outer, p)
}

fn rev(dir: &Path, what: &str) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", what])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn names(tools: &[Value]) -> Vec<String> {
    tools
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

// ---- Handshake -----------------------------------------------------------------------------

#[test]
fn initialize_echoes_every_supported_version() {
    let (outer, p) = project();
    for version in SUPPORTED {
        let mut s = start(&p, outer.path(), &[]);
        let r = s.initialize(version);
        assert_eq!(r["protocolVersion"], version, "{r}");
        assert!(r["capabilities"]["tools"].is_object(), "{r}");
        assert_eq!(r["serverInfo"]["name"], "exomonad", "{r}");
        assert!(r["serverInfo"]["version"].is_string(), "{r}");
        let (status, lines) = s.finish();
        assert!(status.success(), "{version}: {status}");
        assert_eq!(lines.len(), 1, "{lines:?}");
    }
}

#[test]
fn an_unsupported_version_is_answered_with_the_newest_supported_one() {
    // rmcp's rule (negotiate_protocol_version): a version the server does not list is
    // answered with the server's own, 2025-11-25 — for a future version, for an older
    // unknown one, and for 2026-07-28 (known to rmcp, which dropped `initialize` there).
    let (outer, p) = project();
    for asked in ["2099-01-01", "2024-01-01", "2026-07-28", "not-a-date"] {
        let mut s = start(&p, outer.path(), &[]);
        let r = s.initialize(asked);
        assert_eq!(r["protocolVersion"], "2025-11-25", "asked {asked}: {r}");
        assert!(SUPPORTED.contains(&r["protocolVersion"].as_str().unwrap()));
        // The session works at the version answered.
        assert_eq!(s.tools().len(), LEAD_TOOLS.len());
        let (status, _) = s.finish();
        assert!(status.success());
    }
}

// ---- Protocol ------------------------------------------------------------------------------

#[test]
fn ping_notifications_and_protocol_errors() {
    let (outer, p) = project();
    let mut s = start(&p, outer.path(), &[]);
    // A ping before initialize is allowed by the specification and answered.
    let r = s.request("ping", Value::Null);
    assert_eq!(r["result"], json!({}), "{r}");
    s.initialize("2025-11-25");
    // notifications/initialized (sent by `initialize`) and another notification: no output.
    s.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": 9999}}),
    );
    s.assert_quiet("notifications");
    assert_eq!(s.seen.len(), 2, "{:?}", s.seen);
    let r = s.request("ping", Value::Null);
    assert_eq!(r["result"], json!({}), "{r}");

    // An unknown method: -32601, naming it.
    let r = s.request("exomonad/no_such_method", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("exomonad/no_such_method"),
        "{r}"
    );

    // An unknown tool: -32602, naming it; not a result.
    let r = s.call("rm_rf", json!({"path": "/"}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(r.get("result").is_none());
    assert!(
        r["error"]["message"].as_str().unwrap().contains("rm_rf"),
        "{r}"
    );

    // Bad arguments: a result with isError, naming the field.
    let t = s.tool_error("git_log", json!({"limt": 3}));
    assert!(t.contains("unknown field `limt`"), "{t}");
    let t = s.tool_error("read_file", json!({}));
    assert!(t.contains("missing field `path`"), "{t}");
    let t = s.tool_error("git_log", json!({"limit": "ten"}));
    assert!(t.contains("invalid type"), "{t}");
    // No arguments at all count as `{}`.
    let r = s.request("tools/call", json!({"name": "git_branch"}));
    assert_eq!(r["result"]["isError"], false, "{r}");
    // Params rmcp cannot read as a tools/call (arguments not an object, no name): an error
    // with the request's id. rmcp answers -32601 naming the method (its parse falls through
    // to a custom request); -32602 would be the right code, so either is accepted here.
    for params in [
        json!({"name": "git_log", "arguments": [1]}),
        json!({"arguments": {}}),
    ] {
        let r = s.request("tools/call", params.clone());
        let code = r["error"]["code"].as_i64();
        assert!(matches!(code, Some(-32601 | -32602)), "{params}: {r}");
    }

    // Input that is not JSON (or is cut off) is ignored, as rmcp does (like the other
    // official SDKs: there is no id to answer), and the server goes on answering.
    let before = s.seen.len();
    s.send_raw("not json");
    s.send_raw(r#"{"jsonrpc":"2.0","id":77,"method":"ping""#);
    s.send_raw("");
    s.assert_quiet("malformed lines");
    let r = s.request("ping", Value::Null);
    assert_eq!(r["result"], json!({}), "{r}");
    assert_eq!(s.seen.len(), before + 1, "{:?}", &s.seen[before..]);

    // Well-formed JSON that is no JSON-RPC message: Invalid Request (-32600), then on.
    s.send_raw(r#"{"foo":1}"#);
    let line = s.next_line(WAIT).expect("an answer to a non-message");
    let msg = assert_jsonrpc(&line);
    assert_eq!(msg["error"]["code"], -32600, "{msg}");
    s.send_raw(r#"[1,2]"#);
    let line = s.next_line(WAIT).expect("an answer to an array");
    assert_eq!(assert_jsonrpc(&line)["error"]["code"], -32600, "{line}");
    // So is a request whose params do not fit its method at all: the answer has no id.
    s.send_raw(r#"{"jsonrpc":"2.0","id":"lost","method":"tools/list","params":[]}"#);
    let line = s.next_line(WAIT).expect("an answer to bad params");
    assert_eq!(assert_jsonrpc(&line)["error"]["code"], -32600, "{line}");
    let tools = s.tools();
    assert_eq!(names(&tools), LEAD_TOOLS);
    for t in &tools {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert!(t["description"].as_str().unwrap().len() > 10, "{t}");
    }

    let (status, lines) = s.finish();
    assert!(status.success(), "{status}");
    // One line per request answered plus the three -32600 answers: nothing else.
    let responses = lines
        .iter()
        .filter(|l| assert_jsonrpc(l).get("id").is_some())
        .count();
    assert_eq!(lines.len(), responses + 3, "{lines:#?}");
}

#[test]
fn stdout_carries_only_jsonrpc_while_tools_log_and_fail() {
    let (outer, p) = project();
    std::fs::write(p.join("notes.txt"), "draft\n").unwrap();
    let mut s = start(&p, outer.path(), &[("EXOMONAD_LOG", "trace")]);
    s.initialize("2025-06-18");
    // Answers of each kind: results, tool errors (host errors and argument errors), a
    // form with no dashboard, GitHub without a remote, the worker tools with no workers.
    s.tool("git_status", json!({}));
    s.tool("git_log", json!({"limit": 5}));
    s.tool("read_file", json!({"path": "README"}));
    s.tool_error("read_file", json!({"path": "missing.txt"}));
    s.tool_error("git_status", json!({"path": "../"}));
    let t = s.tool_error("github_list_issues", json!({}));
    assert!(t.contains("give `owner` and `repo`"), "{t}");
    let t = s.tool_error(
        "ask_human",
        json!({"title": "Ship it?", "fields": [{"name": "ok", "label": "OK", "kind": "checkbox"}],
               "timeout_secs": 5}),
    );
    assert!(t.contains("did not reach the person"), "{t}");
    assert_eq!(s.tool("list_agents", json!({})), json!({"agents": []}));
    let r = s.call("nope", json!({}));
    assert_eq!(r["error"]["code"], -32602);
    // Several calls in flight at once: each answered once, on its own line.
    let ids: Vec<Value> = (0..8)
        .map(|i| {
            let id = json!(format!("par-{i}"));
            let (name, args) = if i % 2 == 0 {
                ("git_status", json!({}))
            } else {
                ("read_file", json!({"path": "notes.txt"}))
            };
            s.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                           "params": {"name": name, "arguments": args}}));
            id
        })
        .collect();
    for id in &ids {
        let r = s.response(id);
        assert_eq!(r["result"]["isError"], false, "{r}");
    }
    let (status, lines) = s.finish();
    assert!(status.success(), "{status}");
    assert_eq!(lines.len(), 1 + 9 + ids.len(), "{lines:#?}");
    // The logging went to the file, at trace level, not to stdout.
    let log = std::fs::read_to_string(p.join(".exomonad/logs/exomonad.log")).unwrap();
    assert!(log.contains("tools/call read_file"), "{log}");
    assert!(log.contains("tools/call nope"), "{log}");
    assert!(log.contains("mcp-stdio: the client went away"), "{log}");
}

#[test]
fn a_client_that_never_initializes_gets_no_output_and_exit_1() {
    let (outer, p) = project();
    let s = start(&p, outer.path(), &[]);
    let (status, lines) = s.finish();
    // No handshake at all: rmcp's `serve` fails ("connection closed: initialize request"),
    // which the command logs as an error and exits 1 for; nothing is written.
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(status.code(), Some(1), "{status}");
}

// ---- Events --------------------------------------------------------------------------------

/// The JSON lines the stand-in `zellij` got on the stdin of its `pipe` runs.
fn piped_events(scratch: &Path) -> Vec<Value> {
    std::fs::read_to_string(scratch.join("pipe-stdin.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn one_start_event_with_the_agents_id_and_no_stop_when_the_client_goes_away() {
    let (outer, p) = project();
    let scratch = outer.path();
    let mut s = start(
        &p,
        scratch,
        &[
            ("EXOMONAD_SESSION", "sess-7"),
            ("EXOMONAD_AGENT_ID", "alpha-7"),
        ],
    );
    s.initialize("2025-11-25");
    s.tool("git_status", json!({}));
    // The start event goes out on its own thread: wait for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while piped_events(scratch).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let events = piped_events(scratch);
    assert_eq!(events.len(), 1, "only the start while serving: {events:?}");
    assert_eq!(events[0]["type"], "agent_started", "{events:?}");
    let (status, _) = s.finish();
    assert!(status.success(), "{status}");
    let events = piped_events(scratch);
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    // The client going away is not the agent stopping (a reconnect must not mark a live
    // agent stopped): no `agent_stopped`.
    assert_eq!(kinds, ["agent_started"], "{events:?}");
    for e in &events {
        assert_eq!(e["agent_id"], "alpha-7", "{e}");
        assert!(e["at"].is_string(), "{e}");
    }
    // Each event through its own `zellij --session sess-7 pipe --name exomonad-event`.
    let calls = std::fs::read_to_string(scratch.join("calls.log")).unwrap();
    let pipes: Vec<&str> = calls.lines().filter(|l| l.contains(" pipe ")).collect();
    assert_eq!(pipes.len(), 1, "{calls}");
    for c in pipes {
        assert!(
            c.starts_with("--session sess-7 pipe --name exomonad-event"),
            "{c}"
        );
    }
}

#[test]
fn outside_zellij_no_event_is_sent() {
    let (outer, p) = project();
    let mut s = start(&p, outer.path(), &[]);
    s.initialize("2025-11-25");
    let (status, _) = s.finish();
    assert!(status.success());
    assert!(
        !outer.path().join("calls.log").exists(),
        "zellij was run outside Zellij"
    );
}

// ---- Tokens --------------------------------------------------------------------------------

#[test]
fn a_token_reaches_no_tool_result_log_event_or_output() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let (outer, p) = project();
    let scratch = outer.path();
    git(
        &p,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/octocat/Hello-World.git",
        ],
    );
    // A server that echoes the token back in its error messages (GitHub does not; a proxy or
    // a broken Enterprise server might): exomonad must still not pass it on.
    let rt = github_mock::runtime();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "message": format!("Bad credentials: Bearer {}", github_mock::TOKEN),
            })))
            .mount(&server)
            .await;
        server
    });
    let mut s = start(
        &p,
        scratch,
        &[
            ("EXOMONAD_GITHUB_API_URL", &server.uri()),
            ("GH_ENTERPRISE_TOKEN", github_mock::TOKEN),
            ("EXOMONAD_SESSION", "sess-t"),
            ("EXOMONAD_LOG", "debug"),
        ],
    );
    s.initialize("2025-11-25");
    for (tool, args) in [
        ("github_list_issues", json!({})),
        ("github_get_issue", json!({"number": 1})),
        ("github_list_prs", json!({})),
    ] {
        // What the guest got from the host function, and passed on.
        let t = s.tool_error(tool, args);
        assert!(t.contains("rejected the GitHub token"), "{tool}: {t}");
        assert!(!t.contains(github_mock::TOKEN), "{tool}: {t}");
    }
    let (status, lines) = s.finish();
    assert!(status.success());
    // The token was sent, to this server, in the header.
    let requests = rt.block_on(server.received_requests()).unwrap();
    assert!(requests.len() >= 3, "{}", requests.len());
    let bearer = format!("Bearer {}", github_mock::TOKEN);
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(bearer.as_str())
        );
    }
    let log = std::fs::read_to_string(p.join(".exomonad/logs/exomonad.log")).unwrap();
    assert!(log.contains("github_list_issues"), "{log}");
    let events = std::fs::read_to_string(scratch.join("pipe-stdin.log")).unwrap();
    assert!(events.contains("agent_started"), "{events}");
    let calls = std::fs::read_to_string(scratch.join("calls.log")).unwrap();
    for (what, text) in [
        ("stdout", lines.concat()),
        ("the log", log),
        ("the events", events),
        ("zellij's arguments", calls),
    ] {
        assert!(
            !text.contains(github_mock::TOKEN),
            "token in {what}: {text}"
        );
    }
}

// ---- Roles ---------------------------------------------------------------------------------

#[test]
fn a_worker_sees_eight_tools_and_cannot_spawn() {
    let (outer, p) = project();
    let mut s = start(
        &p,
        outer.path(),
        &[("EXOMONAD_ROLE", "worker"), ("EXOMONAD_AGENT_ID", "gh-12")],
    );
    s.initialize("2025-11-25");
    let tools = s.tools();
    let expected: Vec<&str> = LEAD_TOOLS
        .iter()
        .copied()
        .filter(|n| !["spawn_agents", "cleanup_agents", "list_agents"].contains(n))
        .collect();
    assert_eq!(names(&tools), expected);
    assert_eq!(tools.len(), 8);
    for name in ["spawn_agents", "cleanup_agents", "list_agents"] {
        let r = s.call(name, json!({"issues": [1]}));
        assert_eq!(r["error"]["code"], -32602, "{name}: {r}");
    }
    // What a worker does see works.
    assert_eq!(s.tool("git_branch", json!({}))["branch"], "main");
    let (status, _) = s.finish();
    assert!(status.success());
}

// ---- git tools -----------------------------------------------------------------------------

#[test]
fn git_tools_on_a_detached_head_a_linked_worktree_and_dirty_files() {
    let (outer, p) = project();
    std::fs::write(p.join("gone.txt"), "x\n").unwrap();
    std::fs::write(p.join("two.txt"), "2\n").unwrap();
    std::fs::write(p.join(".gitignore"), ".exomonad/\nwt/\n").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-qm", "second"]);
    // A linked worktree inside the project on `feature`, one commit ahead, with a new file.
    git(&p, &["worktree", "add", "-q", "-b", "feature", "wt"]);
    let wt = p.join("wt");
    std::fs::write(wt.join("f.txt"), "f\n").unwrap();
    git(&wt, &["add", "."]);
    git(&wt, &["commit", "-qm", "feature work"]);
    std::fs::write(wt.join("wip.txt"), "wip\n").unwrap();
    // A linked worktree beside the project (outside it).
    git(&p, &["worktree", "add", "-q", "-b", "beside", "../beside"]);
    // The project itself at a detached HEAD, with changes of every kind.
    git(&p, &["checkout", "-q", "--detach", "HEAD"]);
    std::fs::write(p.join("two.txt"), "changed\n").unwrap();
    std::fs::write(p.join("README"), "edited\n").unwrap();
    std::fs::write(p.join("staged.txt"), "s\n").unwrap();
    git(&p, &["add", "staged.txt", "README"]);
    std::fs::remove_file(p.join("gone.txt")).unwrap();
    std::fs::write(p.join("with space.txt"), "x\n").unwrap();
    std::fs::write(p.join("ünï ✓.txt"), "x\n").unwrap();
    std::fs::write(p.join("quote\"d.txt"), "x\n").unwrap();
    let detached_head = rev(&p, "HEAD");

    let mut s = start(&p, outer.path(), &[]);
    s.initialize("2025-11-25");
    let b = s.tool("git_branch", json!({}));
    assert_eq!(b, json!({"branch": null, "head": detached_head}));
    let b = s.tool("git_branch", json!({"path": "wt"}));
    assert_eq!(b, json!({"branch": "feature", "head": rev(&wt, "HEAD")}));
    // The worktree's subdirectory finds the worktree, absolute paths inside work too.
    let b = s.tool("git_branch", json!({"path": wt.to_str().unwrap()}));
    assert_eq!(b["branch"], "feature");

    let st = s.tool("git_status", json!({}));
    assert_eq!(st["clean"], false);
    let mut files: Vec<(String, String)> = st["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    files.sort();
    let mut expected: Vec<(String, String)> = [
        ("README", "M "),
        ("gone.txt", " D"),
        ("quote\"d.txt", "??"),
        ("staged.txt", "A "),
        ("two.txt", " M"),
        ("with space.txt", "??"),
        ("ünï ✓.txt", "??"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(files, expected, "{st}");

    let st = s.tool("git_status", json!({"path": "wt"}));
    assert_eq!(
        st,
        json!({"clean": false, "files": [{"path": "wip.txt", "status": "??"}]})
    );
    let log = s.tool("git_log", json!({"path": "wt", "limit": 2}));
    let summaries: Vec<&str> = log["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["feature work", "second"]);
    let c = &log["commits"][0];
    assert_eq!(c["hash"], rev(&wt, "HEAD"));
    assert_eq!(c["author"], "Test");
    assert!(c["time"].as_str().unwrap().contains('T'), "{c}");
    let log = s.tool("git_log", json!({}));
    assert_eq!(
        log["commits"][0]["hash"], detached_head,
        "the detached HEAD's history: {log}"
    );
    assert_eq!(log["commits"].as_array().unwrap().len(), 2, "{log}");

    // Outside the project: refused, whatever the path looks like.
    let beside = outer.path().join("beside");
    for path in ["../", "../beside", beside.to_str().unwrap(), "/"] {
        let t = s.tool_error("git_branch", json!({"path": path}));
        assert!(t.contains("outside the project"), "{path}: {t}");
    }
    let t = s.tool_error("git_status", json!({"path": "no/such/dir"}));
    assert!(t.contains("does not exist"), "{t}");
    let (status, _) = s.finish();
    assert!(status.success());
}

// ---- read_file -----------------------------------------------------------------------------

#[test]
fn read_file_confines_refuses_and_truncates() {
    let (outer, p) = project();
    std::fs::write(outer.path().join("secret.txt"), "s3cret\n").unwrap();
    std::fs::create_dir(p.join("sub")).unwrap();
    std::os::unix::fs::symlink(outer.path().join("secret.txt"), p.join("link")).unwrap();
    std::os::unix::fs::symlink(outer.path(), p.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(p.join("README"), p.join("inside-link")).unwrap();
    std::fs::write(p.join("blob.bin"), b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
    std::fs::write(p.join("latin1.txt"), b"caf\xe9\n").unwrap();
    std::fs::write(p.join("lines.txt"), "a\nb\nc\n").unwrap();
    std::fs::write(p.join("uni.txt"), "ünïcödé ✓\r\nzwei\n").unwrap();
    // 2 MiB of 64-byte lines: the first 1 MiB (16384 lines) comes back.
    let line = format!("{}\n", "x".repeat(63));
    std::fs::write(p.join("big.txt"), line.repeat(32 * 1024)).unwrap();

    let mut s = start(&p, outer.path(), &[]);
    s.initialize("2025-11-25");
    for path in [
        "../secret.txt",
        "sub/../../secret.txt",
        "link",
        "sub/up/secret.txt",
    ] {
        let t = s.tool_error("read_file", json!({"path": path}));
        assert!(t.contains("outside the project"), "{path}: {t}");
        assert!(!t.contains("s3cret"), "{path}: {t}");
    }
    let abs = outer.path().join("secret.txt");
    let t = s.tool_error("read_file", json!({"path": abs.to_str().unwrap()}));
    assert!(t.contains("outside the project"), "{t}");
    let t = s.tool_error("read_file", json!({"path": "blob.bin"}));
    assert!(t.contains("binary"), "{t}");
    let t = s.tool_error("read_file", json!({"path": "latin1.txt"}));
    assert!(t.contains("not UTF-8"), "{t}");
    let t = s.tool_error("read_file", json!({"path": "sub"}));
    assert!(t.contains("directory"), "{t}");
    let t = s.tool_error("read_file", json!({"path": "missing.txt"}));
    assert!(t.contains("does not exist"), "{t}");

    // Inside links and absolute paths inside the project are fine.
    let f = s.tool("read_file", json!({"path": "inside-link"}));
    assert_eq!(f["text"], "hi\n");
    let f = s.tool(
        "read_file",
        json!({"path": p.join("uni.txt").to_str().unwrap()}),
    );
    assert_eq!(
        f,
        json!({"path": "uni.txt", "text": "ünïcödé ✓\r\nzwei\n", "lines": 2,
               "truncated": false, "size": "ünïcödé ✓\r\nzwei\n".len()})
    );

    // max_lines: cut (with a note for the model) or not.
    let r = s.call_ok("read_file", json!({"path": "lines.txt", "max_lines": 2}));
    assert_eq!(
        r["structuredContent"],
        json!({"path": "lines.txt", "text": "a\nb\n", "lines": 2, "truncated": true, "size": 6})
    );
    let t = text(&r);
    assert!(t.starts_with("a\nb\n\n[truncated: 2 lines"), "{t}");
    let r = s.call_ok("read_file", json!({"path": "lines.txt", "max_lines": 3}));
    assert_eq!(r["structuredContent"]["truncated"], false);
    assert_eq!(text(&r), "a\nb\nc\n");
    // max_lines 0 is below the schema's minimum (1): refused, naming the argument.
    let r = s.call("read_file", json!({"path": "lines.txt", "max_lines": 0}));
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert_eq!(
        text(&r["result"]),
        "invalid arguments for read_file: max_lines: 0 is below the minimum, 1"
    );

    // 2 MiB: the first 1 MiB, whole lines, marked truncated.
    let r = s.call_ok("read_file", json!({"path": "big.txt"}));
    assert_eq!(r["isError"], false);
    let f = &r["structuredContent"];
    assert_eq!(f["truncated"], true);
    assert_eq!(f["size"], 2 * 1024 * 1024);
    assert_eq!(f["lines"], 16 * 1024);
    assert_eq!(f["text"].as_str().unwrap().len(), 1024 * 1024);
    assert!(f["text"].as_str().unwrap().ends_with(&line));
    let t = text(&r);
    assert!(
        t.ends_with(
            "[truncated: 16384 lines shown of big.txt (2097152 bytes); ask for more with max_lines]"
        ),
        "{}",
        &t[t.len() - 200..]
    );
    let (status, _) = s.finish();
    assert!(status.success());
}

#[test]
fn a_cancelled_call_withdraws_its_form_from_the_dashboard() {
    let (outer, p) = project();
    let scratch = outer.path();
    let mut s = start(
        &p,
        scratch,
        &[("EXOMONAD_SESSION", "sess-9"), ("STANDIN_HOLD_POPUP", "1")],
    );
    s.initialize("2025-11-25");
    let id = json!("ask-1");
    s.send(
        &json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "ask_human",
        "arguments": {"title": "Ship it?", "timeout_secs": 600,
                      "fields": [{"name": "ok", "label": "OK", "kind": "checkbox"}]}}}),
    );
    let calls = || std::fs::read_to_string(scratch.join("calls.log")).unwrap_or_default();
    let deadline = Instant::now() + WAIT;
    while !calls().contains("--name exomonad-popup ") {
        assert!(
            Instant::now() < deadline,
            "the form never reached the dashboard: {}",
            calls()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let asked = calls();
    let form_id = asked
        .lines()
        .find(|l| l.contains("--name exomonad-popup "))
        .and_then(|l| l.split(" -- ").nth(1))
        .and_then(|payload| serde_json::from_str::<Value>(payload).ok())
        .and_then(|form| form["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no form payload in {asked}"));
    s.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                   "params": {"requestId": id, "reason": "the person pressed Esc"}}),
    );
    let deadline = Instant::now() + WAIT;
    let withdrawn = loop {
        let line = calls()
            .lines()
            .find(|l| l.contains("--name exomonad-popup-cancel "))
            .map(str::to_owned);
        if let Some(line) = line {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "the form was not withdrawn: {}",
            calls()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(withdrawn.contains("--session sess-9"), "{withdrawn}");
    assert!(
        withdrawn.contains(&format!("\"id\":\"{form_id}\"")),
        "{withdrawn}"
    );
    std::fs::write(scratch.join("release"), "").unwrap();
    // A cancelled request is not answered (the MCP spec); the server goes on serving.
    s.tool("git_status", json!({}));
    assert!(
        s.unclaimed.iter().all(|m| m["id"] != id),
        "{:?}",
        s.unclaimed
    );
    let (status, _) = s.finish();
    assert!(status.success(), "{status}");
}
