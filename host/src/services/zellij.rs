//! Zellij, through its command line (`zellij pipe`, `zellij list-sessions`, ...).
//!
//! Every call is bounded in time and never reads from our stdin. Observed behaviour this
//! relies on (Zellij 0.45.1, see the team's ZELLIJ-HEADLESS notes): with stdin not a
//! terminal, `zellij pipe --name N` sends each stdin line as one message and, at end of
//! input, one more message with no payload (the dashboard ignores it); `zellij pipe` exits
//! 0 even when no plugin listened.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use exomonad_protocol::AgentEvent;
use exomonad_protocol::names::{ENV_ZELLIJ_BIN, EVENT_PIPE};
use wait_timeout::ChildExt;

use super::process;

/// Errors from running Zellij.
#[derive(Debug, thiserror::Error)]
pub enum ZellijError {
    /// The `zellij` executable could not be started.
    #[error(
        "could not run {bin:?} (is Zellij installed and on PATH? set ${ENV_ZELLIJ_BIN} to its path): {source}"
    )]
    Spawn {
        /// The executable we tried.
        bin: OsString,
        /// The OS error.
        source: std::io::Error,
    },
    /// Zellij did not finish within the bound; it was killed.
    #[error("`zellij {what}` did not finish within {0:?}; killed it", .limit)]
    TimedOut {
        /// What we ran.
        what: String,
        /// The bound.
        limit: Duration,
    },
    /// Zellij ran and failed.
    #[error("`zellij {what}` failed ({status}): {stderr}")]
    Failed {
        /// What we ran.
        what: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// Writing to the pipe's stdin failed (the CLI exited early, e.g. no such session).
    #[error("writing to `zellij pipe` failed: {0}")]
    Write(std::io::Error),
}

/// How to run Zellij: the executable (`$EXOMONAD_ZELLIJ_BIN`, default `zellij` on `PATH`),
/// and environment changes for every run (none by default; tests isolate Zellij with them).
#[derive(Debug, Clone)]
pub struct Zellij {
    bin: OsString,
    /// Variables to set (`Some`) or remove (`None`), in order.
    env: Vec<(OsString, Option<OsString>)>,
}

/// Longest wait for one `zellij action` on tabs.
pub const TAB_ACTION_LIMIT: Duration = Duration::from_secs(10);

/// How many times a query that must print something (`list-tabs`) is asked when Zellij
/// prints nothing.
pub const BLANK_ANSWER_ATTEMPTS: u32 = 3;

/// Pause before asking such a query again.
pub const BLANK_ANSWER_PAUSE: Duration = Duration::from_millis(100);

/// How long [`Zellij::new_tab_named`] looks for a tab whose id Zellij did not print.
pub const TAB_ID_LOOKUP: Duration = Duration::from_secs(3);

/// The error text of `new-tab` exiting 0 with nothing on stdout.
const NO_TAB_ID: &str = "it exited 0 but printed no tab id";

/// One tab as `zellij action list-tabs --json` shows it (0.45; other keys are ignored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TabInfo {
    /// The stable id (`new-tab` prints it; `close-tab-by-id` takes it).
    pub tab_id: u64,
    /// The tab's name.
    pub name: String,
    /// 0-based position in the tab bar.
    pub position: u64,
}

/// One pane as `zellij action list-panes --json --all` shows it (0.45.1, read off a live
/// session; other keys are ignored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PaneInfo {
    /// The pane's id (a terminal's and a plugin's ids are counted apart).
    pub id: u32,
    /// The stable id of its tab.
    pub tab_id: u64,
    /// A plugin pane rather than a terminal.
    pub is_plugin: bool,
    /// A command pane whose command ended: Zellij keeps it open ("held"), showing the exit
    /// code and offering to run it again.
    pub exited: bool,
    /// That command's exit code, when it ended with one.
    pub exit_status: Option<i32>,
    /// A command pane's command and arguments as the layout gave them, joined by spaces;
    /// `None` for a shell or a plugin.
    pub terminal_command: Option<String>,
}

/// An exit status of 0, for errors about what a successful command printed.
fn success_status() -> std::process::ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    std::process::ExitStatus::from_raw(0)
}

/// One session as `zellij list-sessions --no-formatting` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session name.
    pub name: String,
    /// True for an exited (resurrectable) session, false for a live one.
    pub exited: bool,
}

impl Default for Zellij {
    fn default() -> Self {
        Self::from_env()
    }
}

impl Zellij {
    /// Uses `$EXOMONAD_ZELLIJ_BIN` when set, else `zellij`.
    pub fn from_env() -> Self {
        Self::with_bin(std::env::var_os(ENV_ZELLIJ_BIN).unwrap_or_else(|| "zellij".into()))
    }

    /// Uses the executable at `bin` (a path or a name looked up on `PATH`).
    pub fn with_bin(bin: impl Into<OsString>) -> Self {
        Self {
            bin: bin.into(),
            env: Vec::new(),
        }
    }

    /// Sets `key` to `value` in the environment of every Zellij this runs.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Removes `key` from the environment of every Zellij this runs.
    pub fn without_env(mut self, key: impl Into<OsString>) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// A `Command` for the Zellij executable with stdin closed and the environment changes
    /// applied.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    fn spawn(&self, cmd: &mut Command) -> Result<Child, ZellijError> {
        cmd.spawn().map_err(|source| ZellijError::Spawn {
            bin: self.bin.clone(),
            source,
        })
    }

    /// Runs `zellij <args>` to completion within `limit`, returning stdout.
    ///
    /// # Errors
    /// [`ZellijError`] when it cannot start, times out, or exits non-zero.
    ///
    /// Run again (up to [`SESSION_LOOKUP_ATTEMPTS`] times in all, within `limit`) when the
    /// CLI gave up before reaching the session ([`never_reached_session`]).
    pub fn run(&self, args: &[&str], limit: Duration) -> Result<String, ZellijError> {
        let deadline = Instant::now() + limit;
        let mut attempt = 1;
        loop {
            let mut cmd = self.command();
            cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
            let child = self.spawn(&mut cmd)?;
            let left = deadline.saturating_duration_since(Instant::now());
            match wait_bounded(child, &args.join(" "), left) {
                Err(ZellijError::Failed { ref stderr, .. })
                    if never_reached_session(stderr)
                        && attempt < SESSION_LOOKUP_ATTEMPTS
                        && Instant::now() + LOOKUP_RETRY_PAUSE < deadline =>
                {
                    tracing::info!("`zellij {}`: {stderr}; asking again", args.join(" "));
                    std::thread::sleep(LOOKUP_RETRY_PAUSE);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Lists sessions, live and exited. No sessions at all is an empty list.
    ///
    /// # Errors
    /// [`ZellijError`] when Zellij cannot run or times out.
    pub fn list_sessions(&self) -> Result<Vec<SessionInfo>, ZellijError> {
        match self.run(
            &["list-sessions", "--no-formatting"],
            Duration::from_secs(10),
        ) {
            Ok(out) => Ok(parse_sessions(&out)),
            // Zellij exits 1 with "No active zellij sessions found." when there are none.
            Err(ZellijError::Failed { stderr, .. }) if stderr.contains("No active") => {
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }

    /// Opens a new tab in `session` from the layout file `layout` (one tab: see
    /// `crate::workers::tab_layout`) and returns the new tab's stable id, which
    /// `zellij action new-tab` prints as its only output (0.45).
    ///
    /// # Errors
    /// [`ZellijError`] when Zellij fails, times out, or prints no id.
    pub fn new_tab(&self, session: &str, layout: &std::path::Path) -> Result<u64, ZellijError> {
        let layout = layout.to_string_lossy();
        let args = [
            "--session",
            session,
            "action",
            "new-tab",
            "--layout",
            &layout,
        ];
        let out = self.run(&args, TAB_ACTION_LIMIT)?;
        out.trim().parse().map_err(|_| ZellijError::Failed {
            what: args.join(" "),
            status: success_status(),
            stderr: if out.trim().is_empty() {
                NO_TAB_ID.to_owned()
            } else {
                format!("expected the new tab's id on stdout, got {:?}", out.trim())
            },
        })
    }

    /// Opens a new tab named `tab_name` in `session` from the layout file `layout`, like
    /// [`Zellij::new_tab`], and still finds its id when Zellij printed none.
    ///
    /// Zellij 0.45.1 sometimes exits 0 from `action new-tab` with nothing on stdout although
    /// it opened the tab (seen about once in 20 runs; the same happens to `list-tabs` and
    /// `list-panes`). Asking again would open a second tab, so the tab is looked up instead:
    /// the tab named `tab_name` with the highest id (a new tab's id is the highest id + 1),
    /// for up to [`TAB_ID_LOOKUP`]. Use a name no other tab opened at the same time has.
    ///
    /// # Errors
    /// As [`Zellij::new_tab`]; when no id was printed and no tab of that name appeared.
    pub fn new_tab_named(
        &self,
        session: &str,
        layout: &std::path::Path,
        tab_name: &str,
    ) -> Result<u64, ZellijError> {
        let first = match self.new_tab(session, layout) {
            Err(ZellijError::Failed { stderr, .. }) if stderr == NO_TAB_ID => stderr,
            other => return other,
        };
        tracing::warn!(
            "`zellij action new-tab` printed no tab id; looking for the tab {tab_name:?}"
        );
        let deadline = Instant::now() + TAB_ID_LOOKUP;
        loop {
            let found = self.list_tabs(session).ok().and_then(|tabs| {
                tabs.into_iter()
                    .filter(|t| t.name == tab_name)
                    .map(|t| t.tab_id)
                    .max()
            });
            if let Some(id) = found {
                return Ok(id);
            }
            if Instant::now() >= deadline {
                return Err(ZellijError::Failed {
                    what: format!(
                        "--session {session} action new-tab --layout {}",
                        layout.display()
                    ),
                    status: success_status(),
                    stderr: format!("{first}, and no tab named {tab_name:?} appeared"),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The tabs of `session` (`zellij action list-tabs --json`). Asked again (up to
    /// [`BLANK_ANSWER_ATTEMPTS`] times in all) when Zellij prints nothing: a session always
    /// has a tab, and Zellij 0.45.1 sometimes exits 0 with nothing on stdout.
    ///
    /// # Errors
    /// [`ZellijError`] when Zellij fails (no such session), times out, or prints something
    /// that is not the JSON list.
    pub fn list_tabs(&self, session: &str) -> Result<Vec<TabInfo>, ZellijError> {
        self.json_list(&["--session", session, "action", "list-tabs", "--json"])
    }

    /// Every pane of `session`, in every tab (`zellij action list-panes --json --all`), asked
    /// again when Zellij prints nothing as [`Zellij::list_tabs`] is.
    ///
    /// # Errors
    /// As [`Zellij::list_tabs`].
    pub fn list_panes(&self, session: &str) -> Result<Vec<PaneInfo>, ZellijError> {
        self.json_list(&[
            "--session",
            session,
            "action",
            "list-panes",
            "--json",
            "--all",
        ])
    }

    /// Runs `zellij <args>`, a query that prints a JSON list (`action list-tabs --json`,
    /// `action list-panes --json --all`), up to [`BLANK_ANSWER_ATTEMPTS`] times while it
    /// prints nothing (a pause of [`BLANK_ANSWER_PAUSE`] between), and parses the list.
    ///
    /// # Errors
    /// As [`Zellij::run`]; [`ZellijError::Failed`] when the output is not such a list.
    pub fn json_list<T: serde::de::DeserializeOwned>(
        &self,
        args: &[&str],
    ) -> Result<Vec<T>, ZellijError> {
        let mut out = self.run(args, TAB_ACTION_LIMIT)?;
        for _ in 1..BLANK_ANSWER_ATTEMPTS {
            if !out.trim().is_empty() {
                break;
            }
            std::thread::sleep(BLANK_ANSWER_PAUSE);
            out = self.run(args, TAB_ACTION_LIMIT)?;
        }
        serde_json::from_str(&out).map_err(|e| ZellijError::Failed {
            what: args.join(" "),
            status: success_status(),
            stderr: format!("unexpected output ({e}): {}", out.trim()),
        })
    }

    /// Focuses the tab `tab_id` of `session` (`zellij action go-to-tab-by-id`).
    ///
    /// # Errors
    /// [`ZellijError`] when Zellij fails or times out.
    pub fn focus_tab(&self, session: &str, tab_id: u64) -> Result<(), ZellijError> {
        let id = tab_id.to_string();
        let args = ["--session", session, "action", "go-to-tab-by-id", &id];
        self.run(&args, TAB_ACTION_LIMIT).map(drop)
    }

    /// Closes the tab `tab_id` of `session` and every pane in it
    /// (`zellij action close-tab-by-id`).
    ///
    /// # Errors
    /// [`ZellijError`] when Zellij fails or times out.
    pub fn close_tab(&self, session: &str, tab_id: u64) -> Result<(), ZellijError> {
        let id = tab_id.to_string();
        let args = ["--session", session, "action", "close-tab-by-id", &id];
        self.run(&args, TAB_ACTION_LIMIT).map(drop)
    }

    /// Opens a `zellij pipe` to the dashboard of `session` that stays open for the life of
    /// the returned [`EventPipe`], so several events of one process arrive in order.
    ///
    /// `plugin_url` targets the dashboard instance loaded with that exact URL (Zellij
    /// starts it if it is not running); `None` broadcasts to every plugin of the session.
    ///
    /// # Errors
    /// [`ZellijError::Spawn`] when Zellij cannot be started.
    pub fn event_pipe(
        &self,
        session: &str,
        plugin_url: Option<&str>,
    ) -> Result<EventPipe, ZellijError> {
        let mut args: Vec<String> = ["--session", session, "pipe", "--name", EVENT_PIPE]
            .map(str::to_owned)
            .to_vec();
        if let Some(url) = plugin_url {
            args.extend(["--plugin".to_owned(), url.to_owned()]);
        }
        EventPipe::start(self.clone(), args, String::new(), 0, Instant::now())
    }
}

/// How many times a Zellij CLI run that never reached the session
/// ([`never_reached_session`]) is started in all.
pub const SESSION_LOOKUP_ATTEMPTS: u32 = 3;

/// Pause before starting such a run again.
const LOOKUP_RETRY_PAUSE: Duration = Duration::from_millis(30);

/// Whether a Zellij CLI that failed with `stderr` gave up before reaching the session, so
/// that it sent nothing and running it again is safe. Zellij 0.45.1 first checks every
/// session's socket (connect, ask for its status); under load that check fails now and then
/// for a live session, and the CLI says `There is no active session!` (or, with other
/// sessions around, `Session 'S' not found. …`). Seen in the e2e spawn test: hooks' events
/// lost, `list-tabs` failing.
pub fn never_reached_session(stderr: &str) -> bool {
    let stderr = stderr.trim_start();
    stderr.starts_with("There is no active session!")
        || (stderr.starts_with("Session '") && stderr.contains("' not found."))
}

/// An open `zellij pipe` carrying [`AgentEvent`]s, one JSON line each.
///
/// When the CLI gives up before reaching the session ([`never_reached_session`]), another is
/// started (up to [`SESSION_LOOKUP_ATTEMPTS`] in all) and sent every line so far: none of
/// them had arrived, so they still arrive once each, in order.
#[derive(Debug)]
pub struct EventPipe {
    child: Child,
    stdin: Option<ChildStdin>,
    started: Instant,
    zellij: Zellij,
    args: Vec<String>,
    /// Every line sent so far.
    sent: String,
    /// How many CLIs were started.
    starts: u32,
}

impl EventPipe {
    /// Starts the CLI (one more of `starts`) and writes `sent` to it.
    fn start(
        zellij: Zellij,
        args: Vec<String>,
        sent: String,
        starts: u32,
        started: Instant,
    ) -> Result<Self, ZellijError> {
        let mut cmd = zellij.command();
        cmd.args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = zellij.spawn(&mut cmd)?;
        let mut stdin = child.stdin.take();
        if let Some(pipe) = stdin.as_mut().filter(|_| !sent.is_empty()) {
            // A failure shows in the next send or in finish.
            let _ = pipe.write_all(sent.as_bytes()).and_then(|()| pipe.flush());
        }
        Ok(Self {
            child,
            stdin,
            started,
            zellij,
            args,
            sent,
            starts: starts + 1,
        })
    }

    /// After a failed write (the CLI is gone): when it never reached the session, starts
    /// another with everything sent so far; returns whether it did.
    fn start_again_if_lost(&mut self) -> bool {
        drop(self.stdin.take());
        let status = self.child.wait_timeout(Duration::from_secs(1));
        let mut stderr = String::new();
        if let (Ok(Some(status)), Some(pipe)) = (status, self.child.stderr.as_mut()) {
            if status.success() {
                return false;
            }
            let _ = pipe.read_to_string(&mut stderr);
        }
        if !never_reached_session(&stderr) || self.starts >= SESSION_LOOKUP_ATTEMPTS {
            return false;
        }
        tracing::info!("`zellij pipe`: {}; sending again", stderr.trim());
        std::thread::sleep(LOOKUP_RETRY_PAUSE);
        let sent = std::mem::take(&mut self.sent);
        match Self::start(
            self.zellij.clone(),
            self.args.clone(),
            sent,
            self.starts,
            self.started,
        ) {
            Ok(again) => {
                *self = again;
                true
            }
            Err(_) => false,
        }
    }

    /// Sends one event (one line).
    ///
    /// # Errors
    /// [`ZellijError::Write`] when the CLI is gone (for example: no such session).
    pub fn send(&mut self, event: &AgentEvent) -> Result<(), ZellijError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            ZellijError::Write(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "pipe already closed",
            ))
        })?;
        let mut line = event.to_json();
        line.push('\n');
        let written = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush());
        self.sent.push_str(&line);
        match written {
            Ok(()) => Ok(()),
            Err(_) if self.start_again_if_lost() => Ok(()),
            Err(e) => Err(ZellijError::Write(e)),
        }
    }

    /// Closes the pipe and waits for the CLI to deliver and exit, at most until `limit` has
    /// passed since the pipe was opened; then kills it.
    ///
    /// # Errors
    /// [`ZellijError::TimedOut`] or [`ZellijError::Failed`] (its stderr says why, e.g. the
    /// session does not exist).
    pub fn finish(mut self, limit: Duration) -> Result<(), ZellijError> {
        loop {
            drop(self.stdin.take());
            let left = limit.saturating_sub(self.started.elapsed());
            let EventPipe {
                child,
                zellij,
                args,
                sent,
                starts,
                started,
                ..
            } = self;
            match wait_bounded(child, "pipe", left) {
                Err(ZellijError::Failed { ref stderr, .. })
                    if never_reached_session(stderr)
                        && starts < SESSION_LOOKUP_ATTEMPTS
                        && started.elapsed() + LOOKUP_RETRY_PAUSE < limit =>
                {
                    tracing::info!("`zellij pipe`: {}; sending again", stderr.trim());
                    std::thread::sleep(LOOKUP_RETRY_PAUSE);
                    self = Self::start(zellij, args, sent, starts, started)?;
                }
                other => return other.map(drop),
            }
        }
    }
}

/// Waits for `child` at most `limit` ([`process::wait`]: its pipes drained meanwhile, killed
/// on timeout); returns stdout on success.
fn wait_bounded(child: Child, what: &str, limit: Duration) -> Result<String, ZellijError> {
    let done = process::wait(child, limit).map_err(|_| ZellijError::TimedOut {
        what: what.to_owned(),
        limit,
    })?;
    if !done.status.success() {
        return Err(ZellijError::Failed {
            what: what.to_owned(),
            status: done.status,
            stderr: done.stderr.trim().to_owned(),
        });
    }
    Ok(done.stdout)
}

/// Parses `zellij list-sessions --no-formatting`: one session a line, its name first, then
/// `[Created ...]`, then `(current)` or `(EXITED - attach to resurrect)`.
fn parse_sessions(out: &str) -> Vec<SessionInfo> {
    out.lines()
        .filter_map(|line| {
            let name = line.split_whitespace().next()?;
            Some(SessionInfo {
                name: name.to_owned(),
                exited: line.contains("(EXITED"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_live_and_exited_sessions() {
        let out = "alpha [Created 2m ago] (current)\nold-one [Created 1h ago] (EXITED - attach to resurrect)\n\n";
        assert_eq!(
            parse_sessions(out),
            vec![
                SessionInfo {
                    name: "alpha".into(),
                    exited: false
                },
                SessionInfo {
                    name: "old-one".into(),
                    exited: true
                },
            ]
        );
    }

    #[test]
    fn knows_when_the_cli_never_reached_the_session() {
        assert!(never_reached_session("There is no active session!\n"));
        assert!(never_reached_session(
            "Session 'e2e-1' not found. The following sessions are active:\nother\n"
        ));
        assert!(!never_reached_session("Session: \"x\" not found."));
        assert!(!never_reached_session("No active zellij sessions found."));
        assert!(!never_reached_session(""));
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let z = Zellij::with_bin("/nonexistent/zellij");
        let err = z.list_sessions().unwrap_err().to_string();
        assert!(err.contains("is Zellij installed"), "{err}");
    }
}
