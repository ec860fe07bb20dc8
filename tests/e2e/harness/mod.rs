//! End-to-end harness: a real Zellij 0.45.1 driven headless under tmux, the real `exomonad`
//! binary, real git repositories, all in an isolated environment that never touches the real
//! user's Zellij, home directory or git configuration.
//!
//! The recipe follows `shared/ZELLIJ-HEADLESS.md`:
//! - [`Sandbox`]: one temporary directory per test with its own `HOME`, `XDG_*` directories, a
//!   short `ZELLIJ_SOCKET_DIR`, the Zellij config file (passed through `ZELLIJ_CONFIG_FILE`), and
//!   the outer `ZELLIJ*` variables removed. Runs `exomonad`, `zellij` and `git` inside it.
//! - [`Zellij`]: a Zellij session started by `exomonad init` inside a private tmux server; reads
//!   the screen, waits for text, lists panes, sends keys, runs hooks against that session.
//!   Dropping it kills and deletes the session and the tmux server.
//! - [`GitRepo`]: a real git repository with a first commit, and its worktrees.
//!
//! Every wait is bounded, and every failure message carries what is needed to understand it
//! (the captured screen, the command's output, the tails of the log files).
//!
//! Set `EXOMONAD_E2E_KEEP=1` to keep the temporary directory and the session of a test after it
//! ends (the paths and the attach command are printed).

// Each e2e test binary uses a different subset of the harness.
#![allow(dead_code)]

pub mod agents;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// The Zellij version the dashboard plugin and these tests are built for.
pub const ZELLIJ_VERSION: &str = "0.45.1";

/// The real host binary under test.
pub const EXOMONAD: &str = env!("CARGO_BIN_EXE_exomonad");

/// How long to wait for Zellij to come up (first start compiles the plugin).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Default bound for one `exomonad` (or zellij, tmux, git) run. Hooks answer in well under a
/// second once the guest is compiled, but the first hook in a fresh home compiles it (seconds
/// in a debug build, more on a loaded machine): this only catches a hang.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The permissions the dashboard plugin asks for (granted ahead through `permissions.kdl`, so
/// Zellij shows no prompt).
pub use exomonad_protocol::names::DASHBOARD_PERMISSIONS;

/// The Zellij configuration every test uses (and `scripts/screenshot.sh`): clean, capturable
/// screens, no first-run wizard.
pub const ZELLIJ_CONFIG: &str = include_str!("../zellij-config.kdl");

/// Variables of an outer Zellij (or tmux, or agent) that must not leak into a test.
const REMOVED_VARS: &[&str] = &[
    "ZELLIJ",
    "ZELLIJ_SESSION_NAME",
    "ZELLIJ_PANE_ID",
    "ZELLIJ_CONFIG_FILE",
    "ZELLIJ_CONFIG_DIR",
    "TMUX",
    "TMUX_PANE",
];

/// Prefix of the host's own variables; all of them are removed from the outer environment, a test
/// sets the ones it means.
const EXOMONAD_VAR_PREFIX: &str = "EXOMONAD_";

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A name unique to this test process and call: `<prefix>-<pid>-<n>`.
fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT_ID.fetch_add(1, Ordering::SeqCst)
    )
}

/// The directory holding the recorded Claude Code 2.1.329 hook payloads.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/claude-code-2.1.329")
}

/// One recorded hook payload, e.g. `fixture("pre-tool-use-bash.json")`.
pub fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("fixture {} is not JSON: {e}", path.display()))
}

/// Replaces `from` by `to` at the start of every string in `value` (the recorded payloads use
/// `/home/dev/project` for the project and `/home/dev` for the home directory).
pub fn rewrite_paths(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(from) {
                *s = format!("{to}{rest}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_paths(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite_paths(v, from, to)),
        _ => {}
    }
}

/// Replaces every occurrence of `from` by `to` inside every string in `value`.
pub fn replace_in_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| replace_in_strings(v, from, to)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| replace_in_strings(v, from, to)),
        _ => {}
    }
}

/// The Claude Code session ids in the recorded payloads (the recording spans two sessions).
pub const RECORDED_SESSION_IDS: &[&str] = &[
    "a0e33e10-3683-4681-a1be-62a01d6db19d",
    "6d86cc79-95d5-45db-b492-1db5d81bdae2",
];

/// A recorded payload as agent `agent` would send it from `worktree`: the project path moved to
/// the worktree, the home to `home`, and the session id made the agent's own (two real agents
/// never share one).
pub fn replay_payload(name: &str, agent: &str, worktree: &Path, home: &Path) -> Value {
    let mut payload = fixture(name);
    rewrite_paths(
        &mut payload,
        "/home/dev/project",
        &worktree.to_string_lossy(),
    );
    rewrite_paths(&mut payload, "/home/dev", &home.to_string_lossy());
    let session_id = format!("e2e00000-0000-4000-8000-{:0>12}", agent_hex(agent));
    for recorded in RECORDED_SESSION_IDS {
        replace_in_strings(&mut payload, recorded, &session_id);
    }
    payload
}

/// Up to 12 hex digits derived from `agent` (for a stable, per-agent session id).
fn agent_hex(agent: &str) -> String {
    let hash = agent.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

/// Single-quotes `s` for `sh`.
pub fn sh_quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Finds `program` on `path` (a `PATH` value).
fn which(program: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Running commands with a bound
// ---------------------------------------------------------------------------------------------

/// The result of one bounded run.
#[derive(Debug)]
pub struct Run {
    /// What ran, for messages.
    pub what: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// From spawn until exit and end of both output streams.
    pub elapsed: Duration,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "{}\n  status: {}\n  elapsed: {:?}\n  stdout: {:?}\n  stderr:\n{}",
            self.what,
            self.status,
            self.elapsed,
            self.stdout,
            tail(&self.stderr, 40)
        )
    }

    /// Panics unless the run exited 0.
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.status.success(),
            "command failed:\n{}",
            self.describe()
        );
        self
    }

    /// Asserts exit 0 and that stdout is exactly one JSON object (a trailing newline allowed,
    /// nothing else), and returns it.
    pub fn json_object(&self) -> Map<String, Value> {
        self.assert_success();
        let mut values = serde_json::Deserializer::from_str(&self.stdout).into_iter::<Value>();
        let first = match values.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => panic!("stdout is not JSON ({e}):\n{}", self.describe()),
            None => panic!(
                "stdout is empty, expected one JSON object:\n{}",
                self.describe()
            ),
        };
        if let Some(extra) = values.next() {
            panic!(
                "stdout holds more than one JSON value (next: {extra:?}):\n{}",
                self.describe()
            );
        }
        match first {
            Value::Object(map) => map,
            other => panic!(
                "stdout is JSON but not an object ({other}):\n{}",
                self.describe()
            ),
        }
    }

    /// Asserts the answer is exactly `{}`.
    pub fn assert_empty_object(&self) {
        let answer = self.json_object();
        assert!(
            answer.is_empty(),
            "expected the answer {{}}, got {answer:?}:\n{}",
            self.describe()
        );
    }
}

/// Runs `cmd` with `stdin` (or /dev/null), in its own process group, killing the group after
/// `timeout`. Panics on spawn failure or timeout, with the output so far.
pub fn run_bounded(cmd: Command, stdin: Option<Vec<u8>>, timeout: Duration, what: String) -> Run {
    Spawned::start(cmd, stdin, what).wait(timeout)
}

/// A process started in the background (in its own process group) whose stdout and stderr are
/// being collected; [`Spawned::wait`] waits for it with a bound. Dropping it before it was
/// waited for kills its process group.
pub struct Spawned {
    what: String,
    child: std::process::Child,
    pid: u32,
    start: Instant,
    /// `(is_stdout, bytes)` once each stream ends.
    streams: mpsc::Receiver<(bool, Vec<u8>)>,
    /// When stdout received its first newline (the end of a one-line answer).
    first_line_at: std::sync::Arc<std::sync::OnceLock<Instant>>,
    waited: bool,
}

impl Spawned {
    /// Starts `cmd` with `stdin` written to it (or /dev/null). Panics if it cannot start.
    pub fn start(mut cmd: Command, stdin: Option<Vec<u8>>, what: String) -> Self {
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let pid = child.id();

        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            // A process that does not read its stdin may close it early: ignore broken pipes.
            thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let first_line_at = std::sync::Arc::new(std::sync::OnceLock::new());
        let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let stdout_tx = tx.clone();
        let first_line = first_line_at.clone();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                match stdout.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if chunk[..n].contains(&b'\n') {
                            let _ = first_line.set(Instant::now());
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                }
            }
            let _ = stdout_tx.send((true, buf));
        });
        let mut stderr = child.stderr.take().expect("stderr is piped");
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            let _ = tx.send((false, buf));
        });
        Spawned {
            what,
            child,
            pid,
            start,
            streams: rx,
            first_line_at,
            waited: false,
        }
    }

    /// What runs, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// When the process was started.
    pub fn started_at(&self) -> Instant {
        self.start
    }

    /// When its stdout received its first newline, if it did yet.
    pub fn first_line_at(&self) -> Option<Instant> {
        self.first_line_at.get().copied()
    }

    /// True once the process has exited (its output may still be draining).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// [`Spawned::wait`], and when stdout received its first newline (the moment a one-line
    /// answer was printed, taken by a blocking reader: no polling in it).
    pub fn wait_with_first_line(self, timeout: Duration) -> (Run, Option<Instant>) {
        let first_line = self.first_line_at.clone();
        let run = self.wait(timeout);
        (run, first_line.get().copied())
    }

    /// Waits until the process exits and both of its output streams end, at most `timeout`
    /// after it was started. Panics on timeout (after killing its process group), with what it
    /// printed so far when that is known.
    pub fn wait(mut self, timeout: Duration) -> Run {
        self.waited = true;
        let what = self.what.clone();
        let deadline = self.start + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => break None,
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                Err(e) => panic!("waiting for {what}: {e}"),
            }
        };
        // Both streams end when the process and anything it left behind have closed them.
        let (mut stdout, mut stderr, mut ended) = (Vec::new(), Vec::new(), 0);
        while ended < 2 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.streams.recv_timeout(left) {
                Ok((true, buf)) => (stdout, ended) = (buf, ended + 1),
                Ok((false, buf)) => (stderr, ended) = (buf, ended + 1),
                Err(_) => break,
            }
        }
        let elapsed = self.start.elapsed();
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match status {
            Some(status) if ended == 2 => Run {
                what,
                status,
                stdout: lossy(&stdout),
                stderr: lossy(&stderr),
                elapsed,
            },
            Some(status) => {
                kill_group(self.pid);
                panic!(
                    "{what} exited ({status}) but its stdout/stderr stayed open for {timeout:?}: \
                     a process it started kept them (killed its process group)"
                )
            }
            None => {
                kill_group(self.pid);
                let _ = self.child.wait();
                panic!("{what} did not finish within {timeout:?} (killed its process group)")
            }
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.waited {
            kill_group(self.pid);
            let _ = self.child.wait();
        }
    }
}

/// Kills the process group `pgid` (a process this harness started with `process_group(0)`).
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

// ---------------------------------------------------------------------------------------------
// The isolated environment
// ---------------------------------------------------------------------------------------------

/// Environment variables to set and to remove, applied to every command the harness runs.
#[derive(Clone, Debug)]
pub struct IsolatedEnv {
    set: Vec<(OsString, OsString)>,
    remove: Vec<OsString>,
}

impl IsolatedEnv {
    /// Applies the isolation to `cmd`.
    pub fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        for name in &self.remove {
            cmd.env_remove(name);
        }
        cmd.envs(self.set.iter().map(|(k, v)| (k, v)))
    }

    /// A command for `program` with the isolation applied.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        self.apply(&mut cmd);
        cmd
    }

    /// `env -u VAR ... NAME=VALUE ...` as a shell word list, for a command line tmux runs.
    pub fn shell_prefix(&self) -> String {
        let mut words = vec!["env".to_string()];
        for name in &self.remove {
            words.push("-u".into());
            words.push(sh_quote(name));
        }
        for (k, v) in &self.set {
            let mut kv = k.clone();
            kv.push("=");
            kv.push(v);
            words.push(sh_quote(&kv));
        }
        words.join(" ")
    }
}

/// One test's private world: temporary directories, the Zellij config, the isolated environment.
/// Creating one also checks that `zellij` 0.45.1 and `tmux` are installed, and panics with the
/// install command when they are not.
pub struct Sandbox {
    root: Option<tempfile::TempDir>,
    socket_dir: Option<tempfile::TempDir>,
    env: IsolatedEnv,
    zellij_bin: PathBuf,
    keep: bool,
}

impl Sandbox {
    pub fn new() -> Self {
        let keep = std::env::var_os("EXOMONAD_E2E_KEEP").is_some_and(|v| !v.is_empty());
        // `cargo install` puts zellij in $CARGO_HOME/bin (or ~/.cargo/bin): make sure the
        // isolated PATH has it even when the outer PATH does not.
        let mut path_dirs: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|p| p.join("bin"));
        if let Some(dir) = cargo_bin.filter(|d| !path_dirs.contains(d)) {
            path_dirs.push(dir);
        }
        // `scripts/deps.sh --for-tests` puts the tested Zellij here when the user's own is
        // newer (it never shadows theirs on their PATH): first, for the sandboxes only.
        if let Some(dir) = private_zellij_dir().filter(|d| d.join("zellij").is_file()) {
            path_dirs.insert(0, dir);
        }
        let path = std::env::join_paths(&path_dirs).expect("PATH entries are valid");
        let zellij_bin = preflight(&path);

        let root = tempfile::Builder::new()
            .prefix("exz-e2e-")
            .tempdir()
            .expect("create the test's temporary directory");
        // The socket path is $ZELLIJ_SOCKET_DIR/<contract>/<session> and must stay under 108
        // bytes: keep the directory short, directly in /tmp.
        let socket_dir = tempfile::Builder::new()
            .prefix("exz-")
            .tempdir_in("/tmp")
            .expect("create the Zellij socket directory");
        let t = root.path();
        let dirs = ["home", "cache", "cfg", "data"];
        for d in dirs {
            fs::create_dir_all(t.join(d)).expect("create the sandbox directories");
        }
        let config_file = t.join("zellij-config.kdl");
        fs::write(&config_file, ZELLIJ_CONFIG).expect("write the Zellij config");

        let mut remove: Vec<OsString> = REMOVED_VARS.iter().map(OsString::from).collect();
        remove.extend(
            std::env::vars_os()
                .map(|(k, _)| k)
                .filter(|k| k.to_string_lossy().starts_with(EXOMONAD_VAR_PREFIX)),
        );
        let set = vec![
            ("HOME".into(), t.join("home").into()),
            ("XDG_CACHE_HOME".into(), t.join("cache").into()),
            ("XDG_CONFIG_HOME".into(), t.join("cfg").into()),
            ("XDG_DATA_HOME".into(), t.join("data").into()),
            ("ZELLIJ_SOCKET_DIR".into(), socket_dir.path().into()),
            // Zellij reads `--config` from this variable when the flag is not given.
            ("ZELLIJ_CONFIG_FILE".into(), config_file.into()),
            ("PATH".into(), path),
        ];
        // ZELLIJ_CONFIG_FILE is both removed (the outer value) and set (ours): `env -u` and
        // `env_remove` run before the assignments.
        Sandbox {
            root: Some(root),
            socket_dir: Some(socket_dir),
            env: IsolatedEnv { set, remove },
            zellij_bin,
            keep,
        }
    }

    /// Sets `key` to `value` for every command this sandbox runs (Zellij, and so every pane
    /// and agent started in its sessions, included), replacing an earlier value of `key`.
    pub fn set_env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) {
        let key = key.as_ref().to_owned();
        self.env.set.retain(|(k, _)| *k != key);
        self.env.set.push((key, value.as_ref().to_owned()));
    }

    /// Puts `dir` first on the sandbox's `PATH`.
    pub fn prepend_path(&mut self, dir: &Path) {
        let old = self
            .env
            .set
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let dirs = std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&old));
        let path = std::env::join_paths(dirs).expect("PATH entries are valid");
        self.set_env("PATH", path);
    }

    /// The temporary directory T.
    pub fn root(&self) -> &Path {
        self.root.as_ref().expect("sandbox is alive").path()
    }
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }
    pub fn cache_dir(&self) -> PathBuf {
        self.root().join("cache")
    }
    pub fn config_dir(&self) -> PathBuf {
        self.root().join("cfg")
    }
    pub fn data_dir(&self) -> PathBuf {
        self.root().join("data")
    }
    pub fn socket_dir(&self) -> &Path {
        self.socket_dir.as_ref().expect("sandbox is alive").path()
    }
    pub fn zellij_config_file(&self) -> PathBuf {
        self.root().join("zellij-config.kdl")
    }
    pub fn env(&self) -> &IsolatedEnv {
        &self.env
    }
    /// The `zellij` binary the tests use (checked to be 0.45.1).
    pub fn zellij_bin(&self) -> &Path {
        &self.zellij_bin
    }

    /// A command with the isolated environment.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        self.env.command(program)
    }

    /// The host's own Zellij service ([`exomonad::services::zellij::Zellij`]) for the tests'
    /// `zellij`, with the isolated environment: the harness drives Zellij through it, with its
    /// bounds and its answers to Zellij's flaky CLI, not with a second copy of them.
    pub fn zellij_cli(&self) -> exomonad::services::zellij::Zellij {
        let mut cli = exomonad::services::zellij::Zellij::with_bin(&self.zellij_bin);
        for name in &self.env.remove {
            cli = cli.without_env(name);
        }
        for (key, value) in &self.env.set {
            cli = cli.with_env(key, value);
        }
        cli
    }

    /// Runs the zellij CLI with the isolated environment (bounded).
    pub fn zellij<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        let mut cmd = self.command(&self.zellij_bin);
        cmd.args(args);
        let what = format!(
            "zellij {}",
            args.iter()
                .map(|a| a.as_ref().to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let run = run_bounded(cmd, None, RUN_TIMEOUT, what);
        Output {
            status: run.status,
            stdout: run.stdout.into_bytes(),
            stderr: run.stderr.into_bytes(),
        }
    }

    /// `exomonad ARGS` in the isolated environment, with no Zellij session named.
    pub fn exomonad<S: AsRef<OsStr>>(&self, args: &[S]) -> Exomonad<'_> {
        Exomonad {
            sandbox: self,
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            envs: Vec::new(),
            cwd: None,
            timeout: RUN_TIMEOUT,
        }
    }

    /// Makes the workers spawned in `project` run `tests/e2e/fake-agent.sh`, a stand-in for
    /// Claude Code that replays the payloads in `payloads/<agent id>/` through `exomonad hook`:
    /// its `worker_command` in `project/.exomonad/config.toml`, trusted with `exomonad trust`
    /// as a person who set it would (the key runs code).
    pub fn use_fake_agent_workers(&self, project: &Path, payloads: &Path) {
        let fake_agent = fake_agent();
        let worker_command = [
            fake_agent.as_os_str(),
            EXOMONAD.as_ref(),
            payloads.as_os_str(),
        ]
        .iter()
        .map(|w| sh_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
        fs::create_dir_all(project.join(".exomonad")).unwrap();
        fs::write(project.join(".exomonad/.gitignore"), "*\n").unwrap();
        fs::write(
            project.join(".exomonad/config.toml"),
            format!(
                "worker_command = {}\n",
                serde_json::to_string(&worker_command).unwrap()
            ),
        )
        .unwrap();
        self.exomonad(&["trust"])
            .cwd(project)
            .run()
            .assert_success();
    }

    /// `exomonad plugin-path`: writes the dashboard wasm if missing, returns its absolute path.
    pub fn plugin_path(&self) -> PathBuf {
        let run = self.exomonad(&["plugin-path"]).run();
        run.assert_success();
        let path = PathBuf::from(run.stdout.trim());
        assert!(
            path.is_absolute() && path.is_file(),
            "`exomonad plugin-path` printed {:?}, not the absolute path of an existing file",
            run.stdout
        );
        path
    }

    /// Grants `permissions` to the plugin at `wasm` ahead, so Zellij shows no prompt.
    pub fn write_permissions(&self, wasm: &Path, permissions: &[&str]) {
        let dir = self.cache_dir().join("zellij");
        fs::create_dir_all(&dir).expect("create the Zellij cache directory");
        let mut kdl = format!("{:?} {{\n", wasm.to_string_lossy());
        for p in permissions {
            kdl.push_str(&format!("    {p}\n"));
        }
        kdl.push_str("}\n");
        fs::write(dir.join("permissions.kdl"), kdl).expect("write permissions.kdl");
    }

    /// A git repository at T/`name` with a first commit.
    pub fn git_project(&self, name: &str) -> GitRepo {
        GitRepo::init(self.root().join(name), self.env.clone())
    }

    /// An existing git repository or worktree at `path` (one made by the code under test),
    /// to run git in with the isolated environment.
    pub fn git_at(&self, path: impl Into<PathBuf>) -> GitRepo {
        GitRepo::open(path.into(), self.env.clone())
    }

    /// Every `*.log` file under T (outside `.git` directories), sorted.
    fn log_files(&self) -> Vec<PathBuf> {
        let mut stack = vec![self.root().to_path_buf()];
        let mut logs = Vec::new();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                match entry.file_type() {
                    Ok(t) if t.is_dir() && entry.file_name() != ".git" => stack.push(path),
                    Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "log") => {
                        logs.push(path)
                    }
                    _ => {}
                }
            }
        }
        logs.sort();
        logs
    }

    /// Every line of every `*.log` file under T that contains `text`, prefixed with the
    /// file's name.
    pub fn log_lines_containing(&self, text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for path in self.log_files() {
            let text_of = fs::read_to_string(&path).unwrap_or_default();
            found.extend(
                text_of
                    .lines()
                    .filter(|l| l.contains(text))
                    .map(|l| format!("{}: {l}", path.display())),
            );
        }
        found.sort();
        found
    }

    /// The tails of every `*.log` file under T, for failure messages.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for path in self.log_files() {
            let text = fs::read_to_string(&path).unwrap_or_default();
            out.push_str(&format!(
                "--- {} (last lines)\n{}\n",
                path.display(),
                tail(&text, 30)
            ));
        }
        if out.is_empty() {
            out.push_str("(no *.log files under the sandbox)\n");
        }
        out
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.keep {
            if let Some(root) = self.root.take() {
                eprintln!("EXOMONAD_E2E_KEEP: kept {}", root.keep().display());
            }
            if let Some(sock) = self.socket_dir.take() {
                eprintln!("EXOMONAD_E2E_KEEP: kept {}", sock.keep().display());
            }
        }
    }
}

/// `$XDG_CACHE_HOME/exomonad/tools/zellij-0.45.1/bin`: where `scripts/deps.sh --for-tests`
/// installs the tested Zellij when the one on PATH is newer.
fn private_zellij_dir() -> Option<PathBuf> {
    exomonad::base::paths::cache_dir().ok().map(|d| {
        d.join("tools")
            .join(format!("zellij-{ZELLIJ_VERSION}"))
            .join("bin")
    })
}

/// Checks that zellij 0.45.1 and tmux are installed; panics with the install command if not.
/// Returns the zellij binary.
fn preflight(path: &OsStr) -> PathBuf {
    let install = "run scripts/deps.sh --for-tests (it installs both), or by hand: \
                   `cargo install zellij --version 0.45.1 --locked` (puts it in ~/.cargo/bin) \
                   and `apt-get install -y tmux`";
    let Some(zellij) = which("zellij", path) else {
        panic!(
            "zellij {ZELLIJ_VERSION} is not installed (not on PATH nor in ~/.cargo/bin): {install}"
        );
    };
    let version = Command::new(&zellij)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} --version ({e}): {install}", zellij.display()));
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    assert_eq!(
        version,
        format!("zellij {ZELLIJ_VERSION}"),
        "{} is the wrong version: {install}",
        zellij.display()
    );
    let tmux = Command::new("tmux")
        .arg("-V")
        .env("PATH", path)
        .stdin(Stdio::null())
        .output();
    match tmux {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`tmux -V` failed ({}): {install}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("tmux is not installed ({e}): {install}"),
    }
    zellij
}

/// A bounded `exomonad` run being set up; [`Exomonad::run`] runs it.
pub struct Exomonad<'a> {
    sandbox: &'a Sandbox,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    envs: Vec<(OsString, OsString)>,
    cwd: Option<PathBuf>,
    timeout: Duration,
}

impl Exomonad<'_> {
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Runs it to the end (bounded by its timeout).
    pub fn run(self) -> Run {
        let timeout = self.timeout;
        self.spawn().wait(timeout)
    }

    /// Starts it in the background; [`Spawned::wait`] collects the result (pass
    /// [`Exomonad::timeout`]'s bound there yourself).
    pub fn spawn(self) -> Spawned {
        let mut cmd = self.sandbox.command(EXOMONAD);
        cmd.args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)));
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        let env_note: Vec<String> = self
            .envs
            .iter()
            .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy()))
            .collect();
        let what = format!(
            "`{} exomonad {}`{}",
            env_note.join(" "),
            self.args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            self.cwd
                .as_ref()
                .map(|d| format!(" in {}", d.display()))
                .unwrap_or_default()
        );
        Spawned::start(cmd, self.stdin, what)
    }
}

// ---------------------------------------------------------------------------------------------
// Zellij under tmux
// ---------------------------------------------------------------------------------------------

/// A real Zellij session in a private tmux server (200x50). Dropping it kills and deletes the
/// session and kills the tmux server.
pub struct Zellij {
    sandbox: Sandbox,
    session: String,
    tmux: String,
    /// The tmux server's socket (tmux leaves the file behind after `kill-server`).
    tmux_socket: Option<PathBuf>,
    /// The dashboard plugin file, when the session was started by `exomonad init`.
    dashboard_wasm: Option<PathBuf>,
    /// The dashboard pane, once found (panes do not move in these tests).
    dashboard_pane: std::sync::OnceLock<(String, PaneRect)>,
}

/// Where a pane's content sits on the screen (Zellij's `pane_content_*` geometry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaneRect {
    pub x: usize,
    pub y: usize,
    pub columns: usize,
    pub rows: usize,
}

impl PaneRect {
    /// The part of a captured screen inside this rectangle, one line per row, trailing blanks
    /// removed.
    pub fn crop(&self, screen: &str) -> String {
        let mut out = Vec::new();
        for line in screen.lines().skip(self.y).take(self.rows) {
            let cut: String = line.chars().skip(self.x).take(self.columns).collect();
            out.push(cut.trim_end().to_string());
        }
        out.join("\n")
    }
}

impl Zellij {
    /// Starts `exomonad init --session S` in `project` (after granting the dashboard its
    /// permissions), and waits until the session is listed, the dashboard pane exists and its
    /// header (a line starting with `exomonad`) is drawn with the permissions granted.
    pub fn start_exomonad_init(sandbox: Sandbox, project: &Path) -> Self {
        let wasm = sandbox.plugin_path();
        sandbox.write_permissions(&wasm, DASHBOARD_PERMISSIONS);
        let session = unique_name("e2e");
        let argv: Vec<OsString> = vec![
            EXOMONAD.into(),
            "init".into(),
            "--session".into(),
            session.clone().into(),
        ];
        let mut z = Self::start(sandbox, session, project, &argv);
        z.dashboard_wasm = Some(wasm);
        // The header says `waiting for permission` until Zellij has granted the plugin its
        // permissions; pipes sent before that were seen to get lost or released early.
        z.wait_for_dashboard(
            "the dashboard header (`exomonad`), with its permissions granted",
            START_TIMEOUT,
            |d| d.header().is_some_and(|h| !h.contains("permission")),
        );
        z
    }

    /// Starts `argv`, an `exomonad init` command line that brings up session `session`, in
    /// `project`, granting the dashboard nothing ahead: Zellij asks for its permissions in
    /// its pane, as on a new user's machine. Waits only until the session is listed.
    pub fn start_exomonad_init_ungranted(
        sandbox: Sandbox,
        project: &Path,
        session: String,
        argv: &[OsString],
    ) -> Self {
        let wasm = sandbox.plugin_path();
        let mut z = Self::start(sandbox, session, project, argv);
        z.dashboard_wasm = Some(wasm);
        z
    }

    /// Starts `argv` (which must bring up Zellij session `session`) in `cwd` inside a new tmux
    /// server, and waits until `zellij list-sessions` lists the session.
    pub fn start(sandbox: Sandbox, session: String, cwd: &Path, argv: &[OsString]) -> Self {
        // No session may be left in this environment: with one around, a new session came up
        // with the default layout instead of the one asked for.
        let _ = sandbox.zellij(&["kill-all-sessions", "-y"]);
        let _ = sandbox.zellij(&["delete-all-sessions", "-y"]);

        let tmux = unique_name("exomonad-e2e");
        let command = format!(
            "{} {}",
            sandbox.env().shell_prefix(),
            argv.iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let mut z = Zellij {
            sandbox,
            session,
            tmux,
            tmux_socket: None,
            dashboard_wasm: None,
            dashboard_pane: std::sync::OnceLock::new(),
        };
        let cwd_s = cwd.to_string_lossy().into_owned();
        // remain-on-exit keeps the pane (and what it printed) if the command exits, so a failed
        // start shows its error instead of a vanished tmux session. The server runs the queued
        // set-option before it handles the child's exit.
        let out = z.tmux_cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "200",
            "-y",
            "50",
            "-c",
            &cwd_s,
            &command,
            ";",
            "set-option",
            "-t",
            "t",
            "remain-on-exit",
            "on",
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let socket = z.tmux_cmd(&["display-message", "-p", "#{socket_path}"]);
        let socket = String::from_utf8_lossy(&socket.stdout).trim().to_string();
        z.tmux_socket = (!socket.is_empty()).then(|| PathBuf::from(socket));
        // First wait for Zellij to draw (reading the screen through tmux does not touch
        // Zellij). `zellij list-sessions` connects to every session's socket as a short-lived
        // client: one that connects before the first real client has set the session up made
        // the 0.45.1 server panic (`session_data` unwrap on client removal) or start with the
        // default layout instead of the one asked for.
        z.wait_for_screen("Zellij to draw its first screen", START_TIMEOUT, |s| {
            !s.trim().is_empty()
        });
        z.wait_until("the Zellij session to be listed", START_TIMEOUT, |z| {
            z.sessions().iter().any(|s| s == &z.session)
        });
        z
    }

    pub fn session(&self) -> &str {
        &self.session
    }
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    fn tmux_cmd(&self, args: &[&str]) -> Output {
        let mut cmd = self.sandbox.command("tmux");
        cmd.arg("-L")
            .arg(&self.tmux)
            .args(args)
            .stdin(Stdio::null());
        let what = format!("tmux -L {} {}", self.tmux, args.join(" "));
        let run = run_bounded(cmd, None, RUN_TIMEOUT, what);
        Output {
            status: run.status,
            stdout: run.stdout.into_bytes(),
            stderr: run.stderr.into_bytes(),
        }
    }

    /// The sessions `zellij list-sessions -n -s` lists in this environment.
    pub fn sessions(&self) -> Vec<String> {
        let out = self.sandbox.zellij(&["list-sessions", "-n", "-s"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The visible screen (`tmux capture-pane -p`).
    pub fn screen(&self) -> String {
        let out = self.tmux_cmd(&["capture-pane", "-p", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `Some(status)` once the command tmux started has exited.
    fn pane_exit(&self) -> Option<String> {
        let out = self.tmux_cmd(&[
            "display-message",
            "-p",
            "-t",
            "t",
            "#{pane_dead} #{pane_dead_status}",
        ]);
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        text.strip_prefix("1 ").map(str::to_string)
    }

    /// Everything useful for a failure message: the screen and the log tails.
    pub fn diagnostics(&self) -> String {
        let exit = self
            .pane_exit()
            .map(|s| format!("the command tmux started EXITED with status {s}\n"))
            .unwrap_or_default();
        format!(
            "{exit}--- screen (session {}):\n{}\n{}",
            self.session,
            self.screen(),
            self.sandbox.log_tails()
        )
    }

    /// Polls `ready` (every 100 ms) until it holds; panics after `timeout` (or as soon as the
    /// command tmux started exits) with the diagnostics.
    pub fn wait_until(&self, what: &str, timeout: Duration, mut ready: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        loop {
            if ready(self) {
                return;
            }
            if self.pane_exit().is_some() || start.elapsed() >= timeout {
                panic!(
                    "gave up after {:?} waiting for {what}\n{}",
                    start.elapsed(),
                    self.diagnostics()
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls the screen until `ready(screen)` holds and returns that screen; panics after
    /// `timeout` with the diagnostics.
    pub fn wait_for_screen(
        &self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(&str) -> bool,
    ) -> String {
        let mut last = String::new();
        self.wait_until(what, timeout, |z| {
            last = z.screen();
            ready(&last)
        });
        last
    }

    /// Polls the screen until it contains `text`.
    pub fn wait_for_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for_screen(&format!("{text:?} on the screen"), timeout, |s| {
            s.contains(text)
        })
    }

    /// Runs the zellij CLI with the isolated environment (no session implied: pass `-s S`
    /// yourself, or use [`Zellij::action`]).
    pub fn zellij<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        self.sandbox.zellij(args)
    }

    /// `zellij -s S action ARGS`, bounded, and run again (3 runs in all) when the CLI gave up
    /// before reaching the session, by the host's own rule
    /// ([`exomonad::services::zellij::never_reached_session`]: nothing was sent, so it is safe).
    ///
    /// Run as the harness runs every program (its own process group), not through
    /// [`exomonad::services::zellij::Zellij::run`]: with `CI=true` in the environment, a
    /// `send-keys` started that way hung after its second key in about half the runs of
    /// `e2e_popup` (never otherwise); the cause is not known yet.
    pub fn action(&self, args: &[&str]) -> Output {
        let mut all = vec!["-s", self.session.as_str(), "action"];
        all.extend_from_slice(args);
        let mut out = self.zellij(&all);
        for _ in 1..exomonad::services::zellij::SESSION_LOOKUP_ATTEMPTS {
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if out.status.success() || !exomonad::services::zellij::never_reached_session(&stderr) {
                break;
            }
            eprintln!(
                "zellij action {}: {}; asking again",
                args.join(" "),
                stderr.trim()
            );
            thread::sleep(Duration::from_millis(50));
            out = self.zellij(&all);
        }
        out
    }

    /// `zellij -s S action list-panes --json --all`, parsed (one object per pane, with fields
    /// like `id`, `is_plugin`, `title`, `plugin_url`), through the host's Zellij service (which
    /// asks again when Zellij 0.45.1 prints nothing, as it does now and then).
    pub fn list_panes(&self) -> Vec<Value> {
        self.json_list(&["list-panes", "--json", "--all"])
    }

    /// `zellij -s S action list-tabs --json`, parsed (one object per tab; 0.45.1 gives
    /// `tab_id`, `position`, `name`, `active`, ...), as [`Zellij::list_panes`] is.
    pub fn list_tabs(&self) -> Vec<Value> {
        self.json_list(&["list-tabs", "--json"])
    }

    /// `zellij -s S action ARGS` parsed as a JSON array by the host's Zellij service
    /// ([`exomonad::services::zellij::Zellij::json_list`]); panics with its error.
    fn json_list(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["--session", self.session.as_str(), "action"];
        all.extend_from_slice(args);
        self.sandbox
            .zellij_cli()
            .json_list(&all)
            .unwrap_or_else(|e| panic!("zellij action {}: {e}", args.join(" ")))
    }

    /// The id (`plugin_N`) and content rectangle of the first plugin pane whose URL contains
    /// `url_part`.
    pub fn plugin_pane(&self, url_part: &str) -> Option<(String, PaneRect)> {
        self.list_panes().iter().find_map(|p| {
            let is_plugin = p.get("is_plugin").and_then(Value::as_bool) == Some(true);
            let url = p.get("plugin_url").and_then(Value::as_str).unwrap_or("");
            if !is_plugin || !url.contains(url_part) {
                return None;
            }
            let field = |name: &str| {
                p.get(name)
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
            };
            let rect = PaneRect {
                x: field("pane_content_x")?,
                y: field("pane_content_y")?,
                columns: field("pane_content_columns")?,
                rows: field("pane_content_rows")?,
            };
            Some((format!("plugin_{}", field("id")?), rect))
        })
    }

    /// The dashboard pane's id and rectangle (waits for it to appear, up to [`START_TIMEOUT`]).
    /// Only for sessions started with [`Zellij::start_exomonad_init`].
    pub fn dashboard_pane(&self) -> (String, PaneRect) {
        if let Some(found) = self.dashboard_pane.get() {
            return found.clone();
        }
        let wasm = self
            .dashboard_wasm
            .as_ref()
            .expect("the session was not started by `exomonad init`")
            .to_string_lossy()
            .into_owned();
        // Seen while writing this harness: Zellij 0.45.1's server loads a layout given by path
        // only when one of its default config dirs exists, and otherwise silently starts the
        // session with its default layout (one shell pane, no dashboard).
        let what = "the dashboard plugin pane in list-panes (if the screen shows Zellij's \
                    default layout instead: Zellij 0.45.1 ignores a layout file given by path \
                    when none of ~/.config/zellij, $XDG_CONFIG_HOME/zellij, /etc/zellij exists)";
        let mut found = None;
        self.wait_until(what, START_TIMEOUT, |z| {
            found = z.plugin_pane(&wasm);
            found.is_some()
        });
        let found = found.expect("found");
        self.dashboard_pane.get_or_init(|| found).clone()
    }

    /// The dashboard pane's text, cut out of the screen.
    pub fn dashboard_text(&self) -> String {
        let (_, rect) = self.dashboard_pane();
        rect.crop(&self.screen())
    }

    /// Polls the dashboard pane until `ready` holds for what it shows; returns that. Panics
    /// after `timeout` with the diagnostics.
    pub fn wait_for_dashboard(
        &self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(&Dashboard) -> bool,
    ) -> Dashboard {
        let (_, rect) = self.dashboard_pane();
        let screen =
            self.wait_for_screen(what, timeout, |s| ready(&Dashboard::parse(&rect.crop(s))));
        Dashboard::parse(&rect.crop(&screen))
    }

    /// `zellij -s S action send-keys --pane-id PANE KEYS...` (key names like "Enter", "Tab",
    /// "Esc", "a").
    pub fn send_keys(&self, pane_id: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "--pane-id", pane_id];
        args.extend_from_slice(keys);
        let out = self.action(&args);
        assert!(
            out.status.success(),
            "send-keys {keys:?} to {pane_id} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Presses `keys` (tmux key names: `M-a`, `Enter`, ...) in the Zellij client, as a person
    /// at the terminal would: they go to Zellij's keybindings first, then to the focused pane.
    pub fn press(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        let out = self.tmux_cmd(&args);
        assert!(
            out.status.success(),
            "tmux send-keys {keys:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `zellij -s S action paste --pane-id PANE TEXT`: a bracketed paste, which a plugin
    /// receives as one `PastedText` event holding exactly `text`.
    pub fn paste(&self, pane_id: &str, text: &str) {
        let out = self.action(&["paste", "--pane-id", pane_id, text]);
        assert!(
            out.status.success(),
            "paste {text:?} to {pane_id} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Types `text` into the plugin pane `pane_id` the way a person would: characters up to
    /// U+00FF as key presses (`send-keys`, one key per character, a space as `Space`), and
    /// runs of other characters as a paste (see [`typing_chunks`] for why).
    pub fn type_text(&self, pane_id: &str, text: &str) {
        for chunk in typing_chunks(text) {
            match chunk {
                Typing::Keys(keys) => {
                    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                    self.send_keys(pane_id, &keys);
                }
                Typing::Paste(text) => self.paste(pane_id, &text),
            }
        }
    }

    /// The dashboard plugin file, when the session was started by `exomonad init`.
    pub fn dashboard_wasm(&self) -> Option<&Path> {
        self.dashboard_wasm.as_deref()
    }

    /// The dashboard's plugin URL (`file:<absolute path>`), the one `exomonad` pipes to.
    pub fn dashboard_url(&self) -> String {
        let wasm = self
            .dashboard_wasm()
            .expect("the session was not started by `exomonad init`");
        format!("file:{}", wasm.display())
    }

    /// Like [`Zellij::pipe_to_dashboard`], but sends again (up to 3 times in all) when the pipe
    /// comes back empty, as `exomonad popup` does: Zellij 0.45.1 sometimes releases a CLI pipe
    /// before the plugin's reply reaches it (the plugin's block request travels through the
    /// render path while its output and unblock take a faster one). Returns the last run.
    pub fn pipe_to_dashboard_until_answered(
        &self,
        name: &str,
        payload: &str,
        timeout: Duration,
    ) -> Run {
        let mut run = self.pipe_to_dashboard(name, payload, timeout);
        for _ in 1..3 {
            if !run.stdout.trim().is_empty() || !run.status.success() {
                break;
            }
            eprintln!("{}: released without an answer; sending again", run.what);
            run = self.pipe_to_dashboard(name, payload, timeout);
        }
        run
    }

    /// `zellij -s S pipe --plugin <dashboard URL> --name NAME -- PAYLOAD` with stdin from
    /// /dev/null (so the CLI sends nothing after the payload), bounded by `timeout`.
    pub fn pipe_to_dashboard(&self, name: &str, payload: &str, timeout: Duration) -> Run {
        let url = self.dashboard_url();
        let args = [
            "-s",
            self.session.as_str(),
            "pipe",
            "--plugin",
            url.as_str(),
            "--name",
            name,
            "--",
            payload,
        ];
        let mut cmd = self.sandbox.command(self.sandbox.zellij_bin());
        cmd.args(args);
        let what = format!("zellij {}", args.join(" "));
        run_bounded(cmd, None, timeout, what)
    }

    /// The visible screen, captured with one plain `tmux capture-pane` (no polling, no bound:
    /// for tight measuring loops, where [`Zellij::screen`]'s 5 ms polling would blur the
    /// result).
    pub fn screen_quick(&self) -> String {
        let out = self
            .sandbox
            .command("tmux")
            .args(["-L", &self.tmux, "capture-pane", "-p", "-t", "t"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .expect("run tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `exomonad ARGS` in the isolated environment with `ZELLIJ_SESSION_NAME=S`, so that hooks
    /// reach this session.
    pub fn exomonad<S: AsRef<OsStr>>(&self, args: &[S]) -> Exomonad<'_> {
        self.sandbox
            .exomonad(args)
            .env("ZELLIJ_SESSION_NAME", &self.session)
    }
}

impl Drop for Zellij {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("--- e2e failure diagnostics\n{}", self.diagnostics());
        }
        if self.sandbox.keep {
            eprintln!(
                "EXOMONAD_E2E_KEEP: session {} left running; look with `tmux -L {} attach -t t`",
                self.session, self.tmux
            );
            return;
        }
        let _ = self.sandbox.zellij(&["kill-session", &self.session]);
        let _ = self
            .sandbox
            .zellij(&["delete-session", "--force", &self.session]);
        let _ = self.tmux_cmd(&["kill-server"]);
        if let Some(socket) = &self.tmux_socket {
            let _ = fs::remove_file(socket);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Git
// ---------------------------------------------------------------------------------------------

/// A real git repository (and the worktrees made from it), used with the isolated environment
/// (no global git configuration; identity set locally).
pub struct GitRepo {
    path: PathBuf,
    env: IsolatedEnv,
}

impl GitRepo {
    /// `git init` at `path` (created if missing) on branch `main`, with a local identity and a
    /// first commit holding a README.
    pub fn init(path: PathBuf, env: IsolatedEnv) -> Self {
        fs::create_dir_all(&path).expect("create the project directory");
        let repo = GitRepo { path, env };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "e2e test"]);
        repo.git(&["config", "user.email", "e2e@example.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        fs::write(repo.path.join("README.md"), "# e2e project\n").expect("write README.md");
        repo.commit_all("first commit");
        repo
    }

    /// An existing repository (or worktree) at `path`; nothing is run.
    pub fn open(path: PathBuf, env: IsolatedEnv) -> Self {
        GitRepo { path, env }
    }

    /// Makes a new bare repository at `bare` this repository's `origin`: pushes `main` to it
    /// (tracking it), and sets `origin/HEAD` to `origin/main`. Returns the bare repository.
    pub fn add_bare_origin(&self, bare: &Path) -> GitRepo {
        fs::create_dir_all(bare).expect("create the bare repository's directory");
        let origin = GitRepo::open(bare.to_path_buf(), self.env.clone());
        origin.git(&["init", "-q", "--bare", "-b", "main"]);
        self.git(&["remote", "add", "origin", &bare.to_string_lossy()]);
        self.git(&["push", "-q", "-u", "origin", "main"]);
        self.git(&["remote", "set-head", "origin", "main"]);
        origin
    }

    /// `git clone -q SOURCE PATH`, with the same local identity as [`GitRepo::init`].
    pub fn clone_of(source: &Path, path: PathBuf, env: IsolatedEnv) -> GitRepo {
        let parent = path
            .parent()
            .expect("a clone path has a parent")
            .to_path_buf();
        fs::create_dir_all(&parent).expect("create the clone's parent directory");
        git_in(
            &env,
            &parent,
            &[
                "clone",
                "-q",
                &source.to_string_lossy(),
                &path.to_string_lossy(),
            ],
        );
        let repo = GitRepo { path, env };
        repo.git(&["config", "user.name", "e2e test"]);
        repo.git(&["config", "user.email", "e2e@example.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The full hash `rev` names (`git rev-parse --verify REV^{commit}`).
    pub fn rev_parse(&self, rev: &str) -> String {
        self.git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")])
            .trim()
            .to_string()
    }

    /// The checked-out branch (`git symbolic-ref --short HEAD`).
    pub fn current_branch(&self) -> String {
        self.git(&["symbolic-ref", "--short", "HEAD"])
            .trim()
            .to_string()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `git ARGS` in this repository; panics on failure; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.env, &self.path, args)
    }

    /// `git add -A && git commit -m MESSAGE`.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// `git worktree add -b BRANCH PATH` from the current HEAD; returns the worktree as a repo.
    pub fn worktree_add(&self, branch: &str, path: &Path) -> GitRepo {
        let p = path.to_string_lossy().into_owned();
        self.git(&["worktree", "add", "-q", "-b", branch, &p]);
        GitRepo {
            path: path.to_path_buf(),
            env: self.env.clone(),
        }
    }

    /// `git status --porcelain` is empty.
    pub fn is_clean(&self) -> bool {
        self.git(&["status", "--porcelain"]).trim().is_empty()
    }
}

fn git_in(env: &IsolatedEnv, dir: &Path, args: &[&str]) -> String {
    let mut cmd = env.command("git");
    cmd.args(args).current_dir(dir);
    let run = run_bounded(
        cmd,
        None,
        RUN_TIMEOUT,
        format!("git {} in {}", args.join(" "), dir.display()),
    );
    run.assert_success();
    run.stdout
}

// ---------------------------------------------------------------------------------------------
// Reading the dashboard
// ---------------------------------------------------------------------------------------------

/// The dashboard's state labels.
pub const STATES: &[&str] = &["running", "waiting", "stop blocked", "stopped"];

/// True if `phrase` occurs in `line` with no letter, digit or `_` right before or after it.
pub fn has_phrase(line: &str, phrase: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(phrase).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + phrase.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// One dashboard log line: `HH:MM:SS <agent> <text>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub time: String,
    pub agent: String,
    pub text: String,
}

/// Finds `HH:MM:SS <word> <rest>` in `line` (anywhere: the dashboard pane may sit beside
/// another pane on the same screen line).
fn parse_log_entry(line: &str) -> Option<LogEntry> {
    let chars: Vec<char> = line.chars().collect();
    let is_time = |w: &[char]| {
        w.len() == 8
            && w.iter().enumerate().all(|(i, c)| {
                if i == 2 || i == 5 {
                    *c == ':'
                } else {
                    c.is_ascii_digit()
                }
            })
    };
    (0..chars.len().saturating_sub(9)).find_map(|i| {
        let before_ok = i == 0 || !chars[i - 1].is_alphanumeric();
        if !before_ok || !is_time(&chars[i..i + 8]) || chars[i + 8] != ' ' {
            return None;
        }
        let rest: String = chars[i + 9..].iter().collect();
        let rest = rest.trim_end();
        let (agent, text) = rest.split_once(' ').unwrap_or((rest, ""));
        if agent.is_empty() {
            return None;
        }
        Some(LogEntry {
            time: chars[i..i + 8].iter().collect(),
            agent: agent.to_string(),
            text: text.trim().to_string(),
        })
    })
}

fn is_header(line: &str) -> bool {
    line.trim_start().starts_with("exomonad")
}

/// What the dashboard shows, read from its pane's text (see [`Zellij::dashboard_text`]).
#[derive(Clone, Debug)]
pub struct Dashboard {
    /// The pane's text.
    pub text: String,
    /// Log entries in screen order (newest first, per the dashboard's contract).
    pub log: Vec<LogEntry>,
    /// The screen lines that are not log entries.
    pub other_lines: Vec<String>,
}

impl Dashboard {
    pub fn parse(text: &str) -> Self {
        let mut log = Vec::new();
        let mut other_lines = Vec::new();
        for line in text.lines() {
            match parse_log_entry(line) {
                Some(entry) => log.push(entry),
                None => other_lines.push(line.to_string()),
            }
        }
        Dashboard {
            text: text.to_string(),
            log,
            other_lines,
        }
    }

    /// The header line: the first line that starts with `exomonad`.
    pub fn header(&self) -> Option<&str> {
        self.other_lines
            .iter()
            .find(|l| is_header(l))
            .map(String::as_str)
    }

    /// The separator between the agent rows and the log: a line containing `events` below the
    /// header.
    pub fn has_events_separator(&self) -> bool {
        let mut lines = self.other_lines.iter();
        lines.any(|l| is_header(l)) && lines.any(|l| l.contains("events"))
    }

    /// The agent's row: the one non-log, non-header line that names the agent as a word.
    pub fn row(&self, agent: &str) -> Option<&str> {
        let mut rows = self
            .other_lines
            .iter()
            .filter(|l| has_phrase(l, agent) && !is_header(l));
        let row = rows.next()?;
        // Two rows for one agent would make every check on it ambiguous.
        rows.next().is_none().then_some(row.as_str())
    }

    /// The agent's row shows exactly `state` among the state labels, and `last_hook`.
    pub fn agent_is(&self, agent: &str, state: &str, last_hook: Option<&str>) -> bool {
        let Some(row) = self.row(agent) else {
            return false;
        };
        let states_ok = STATES.iter().all(|s| has_phrase(row, s) == (*s == state));
        states_ok && last_hook.is_none_or(|h| has_phrase(row, h))
    }

    /// Index (0 = newest) of the first log entry of `agent` whose text starts with `text`.
    pub fn log_index(&self, agent: &str, text: &str) -> Option<usize> {
        self.log
            .iter()
            .position(|e| e.agent == agent && e.text.starts_with(text))
    }

    pub fn log_has(&self, agent: &str, text: &str) -> bool {
        self.log_index(agent, text).is_some()
    }

    /// A map agent -> its row, for messages.
    pub fn rows(&self, agents: &[&str]) -> BTreeMap<String, Option<String>> {
        agents
            .iter()
            .map(|a| (a.to_string(), self.row(a).map(str::to_string)))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Typing into a plugin pane
// ---------------------------------------------------------------------------------------------

/// One step of typing text into a plugin pane (see [`typing_chunks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Typing {
    /// Key names for one `zellij action send-keys` call.
    Keys(Vec<String>),
    /// Text for one `zellij action paste` call.
    Paste(String),
}

/// How to type `text` into a plugin pane with Zellij 0.45.1.
///
/// `send-keys` takes one key per argument (a lone character is that character's key, a space
/// must be spelled `Space`, an argument of whitespace is an error). Zellij 0.45.1 hands a key
/// to a plugin as its character code cut to one byte (`char_index as u8 as char` in
/// zellij-utils' `plugin_api/key.rs`, verified with a key-echo plugin: `—` arrives as
/// `'\u{14}'`, `✓` as `'\u{13}'`, `ü` intact), for real keyboards too. A bracketed paste
/// (`action paste --pane-id`) reaches the plugin as one `PastedText` event with the exact
/// UTF-8 text. So: characters up to U+00FF (printable) are sent as keys, runs of anything
/// else as pastes.
pub fn typing_chunks(text: &str) -> Vec<Typing> {
    let mut out: Vec<Typing> = Vec::new();
    for c in text.chars() {
        let as_key = u32::from(c) <= 0xff && !c.is_control();
        match (as_key, out.last_mut()) {
            (true, Some(Typing::Keys(keys))) => keys.push(key_name(c)),
            (true, _) => out.push(Typing::Keys(vec![key_name(c)])),
            (false, Some(Typing::Paste(p))) => p.push(c),
            (false, _) => out.push(Typing::Paste(c.to_string())),
        }
    }
    out
}

fn key_name(c: char) -> String {
    if c == ' ' {
        "Space".to_string()
    } else {
        c.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Misc
// ---------------------------------------------------------------------------------------------

/// `tests/e2e/fake-agent.sh`, absolute: the stand-in for Claude Code that
/// [`Sandbox::use_fake_agent_workers`] makes workers run.
pub fn fake_agent() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/e2e/fake-agent.sh")
        .canonicalize()
        .expect("tests/e2e/fake-agent.sh exists")
}

/// The uid of this process (for Zellij's shared log directory, /tmp/zellij-<uid>).
pub fn uid() -> u32 {
    fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_log_entries_beside_another_pane() {
        let e = parse_log_entry("bash-5.2#            │12:03:04 alpha stop blocked: notes.txt  ")
            .expect("an entry");
        assert_eq!(e.time, "12:03:04");
        assert_eq!(e.agent, "alpha");
        assert_eq!(e.text, "stop blocked: notes.txt");
        assert!(parse_log_entry("exomonad  2 agents  1 running").is_none());
    }

    #[test]
    fn crops_a_pane_out_of_the_screen() {
        let screen = "tab bar\nleft │right one\nleft │right two  \nstatus";
        let rect = PaneRect {
            x: 6,
            y: 1,
            columns: 9,
            rows: 2,
        };
        assert_eq!(rect.crop(screen), "right one\nright two");
    }

    #[test]
    fn typing_splits_keys_and_pastes() {
        let keys = |k: &[&str]| Typing::Keys(k.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            typing_chunks("it's \"q\" — ü ✓x"),
            vec![
                keys(&["i", "t", "'", "s", "Space", "\"", "q", "\"", "Space"]),
                Typing::Paste("—".into()),
                keys(&["Space", "ü", "Space"]),
                Typing::Paste("✓".into()),
                keys(&["x"]),
            ]
        );
        assert!(typing_chunks("").is_empty());
    }

    #[test]
    fn phrase_matching_respects_word_edges() {
        assert!(has_phrase("alpha  stop blocked  Stop", "stop blocked"));
        assert!(!has_phrase("alphabet", "alpha"));
        assert!(!has_phrase("stopped", "stop"));
        assert!(has_phrase("│alpha│", "alpha"));
    }

    #[test]
    fn reads_rows_and_log() {
        let screen = " exomonad  2 agents\n\
                      alpha  stop blocked  Stop\n\
                      beta   waiting       Stop\n\
                      ── events ──\n\
                      12:00:02 beta stopped\n\
                      12:00:01 alpha stop blocked: notes.txt\n";
        let d = Dashboard::parse(screen);
        assert_eq!(d.header(), Some(" exomonad  2 agents"));
        assert!(d.has_events_separator());
        assert!(d.agent_is("alpha", "stop blocked", Some("Stop")));
        assert!(!d.agent_is("alpha", "stopped", None));
        assert!(d.agent_is("beta", "waiting", Some("Stop")));
        assert_eq!(d.log_index("beta", "stopped"), Some(0));
        assert_eq!(d.log_index("alpha", "stop blocked:"), Some(1));
    }
}
