//! The channel to the dashboard plugin of a Zellij session, through `zellij pipe`:
//!
//! - [`events`]: agent events, one way ([`EVENT_PIPE`](exomonad_protocol::names::EVENT_PIPE));
//! - [`DashboardTarget`]: requests that the dashboard answers on the pipe's stdout — a
//!   [`FormRequest`] on [`POPUP_PIPE`] (the dashboard holds the pipe open and writes the
//!   [`FormReply`] as one JSON line when the person is done), the agents query, and the
//!   [`FormCancel`] on [`POPUP_CANCEL_PIPE`] that drops a form.
//!
//! Every wait is bounded: when the time is up the asker gets [`FormReply::TimedOut`], the
//! pipe process is killed, and a [`FormCancel`] tells the dashboard to drop the form. Only
//! the asking process waits: other agents' hooks and calls go on. Which forms to ask, with
//! what limits and what to do without a dashboard is the popup flow's (`crate::popup`).

pub mod events;

use std::io::Read;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use exomonad_protocol::agents::DashboardAgents;
use exomonad_protocol::form::{AskId, FormCancel, FormReply, FormRequest};
use exomonad_protocol::names::{POPUP_CANCEL_PIPE, POPUP_PIPE};

use crate::base::paths;
use crate::services::zellij::Zellij;

/// How many times a form is sent when its pipe comes back empty. Every send of one
/// [`DashboardTarget::ask`] carries the same [`AskId`], and the dashboard keeps recent answers
/// by agent, form id and ask, so a repeat never shows the form twice (see `ANSWERED_KEPT` in
/// the dashboard's inbox), while a new ask of the same form is shown again.
pub const ASK_ATTEMPTS: u32 = 3;

/// A new ask identity, unique on this machine: the process id, the time in nanoseconds since
/// the Unix epoch and a per-process counter, in hex (`<pid>-<nanos>-<n>`).
pub fn fresh_ask_id() -> AskId {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    AskId::new(format!("{:x}-{nanos:x}-{n:x}", std::process::id()))
        .expect("hex digits and dashes are an ask id")
}

/// Where forms are shown: the dashboard of one live Zellij session.
#[derive(Debug, Clone)]
pub struct DashboardTarget {
    /// How to run Zellij.
    pub zellij: Zellij,
    /// The session.
    pub session: String,
    /// The dashboard's plugin URL ([`paths::plugin_url`]); Zellij starts the plugin if no
    /// instance with this URL runs.
    pub plugin_url: String,
}

/// Why the dashboard could not be asked (a form, or the agents query).
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// No dashboard to show it: no session, a dead session, Zellij missing, or no answer.
    #[error("no dashboard: {0}")]
    NoDashboard(String),
    /// The dashboard answered with something that is not a reply to this form.
    #[error("the dashboard answered with {0}")]
    BadReply(String),
    /// The pipe was released with nothing on it, every time it was asked.
    #[error("the dashboard released the form {0} times without an answer reaching us")]
    NoAnswer(u32),
}

impl DashboardTarget {
    /// The target for `session`, when there is one, using the installed dashboard plugin
    /// (installing it if needed).
    ///
    /// # Errors
    /// [`DashboardError::NoDashboard`] when `session` is `None` or the plugin cannot be installed.
    pub fn new(zellij: Zellij, session: Option<String>) -> Result<Self, DashboardError> {
        let session = session.ok_or_else(|| {
            DashboardError::NoDashboard("not inside Zellij and no session configured (set ZELLIJ_SESSION_NAME, EXOMONAD_SESSION or `session` in .exomonad/config.toml)".into())
        })?;
        let plugin = paths::install_dashboard()
            .map_err(|e| DashboardError::NoDashboard(format!("{e:#}")))?;
        Ok(Self {
            zellij,
            session,
            plugin_url: paths::plugin_url(&plugin),
        })
    }

    /// Asks the dashboard which agents it shows and in what state
    /// ([`AGENTS_QUERY_PIPE`](exomonad_protocol::names::AGENTS_QUERY_PIPE)), waiting at most
    /// `limit`.
    ///
    /// # Errors
    /// [`DashboardError::NoDashboard`] when Zellij fails or nothing answers in time,
    /// [`DashboardError::BadReply`] when the answer is not the expected JSON.
    pub fn agents(&self, limit: Duration) -> Result<DashboardAgents, DashboardError> {
        let mut args = self.pipe_args(exomonad_protocol::names::AGENTS_QUERY_PIPE);
        args.push("{}");
        let out = self
            .zellij
            .run(&args, limit)
            .map_err(|e| DashboardError::NoDashboard(e.to_string()))?;
        let line = out.lines().find(|l| !l.trim().is_empty()).ok_or_else(|| {
            DashboardError::NoDashboard("the dashboard did not answer the agents query".into())
        })?;
        serde_json::from_str(line).map_err(|e| DashboardError::BadReply(format!("{e}: {line}")))
    }

    /// Shows `request` in the dashboard and waits at most `timeout` for the reply. The
    /// request goes with a fresh [`AskId`] (replacing any it had), the same one each time it
    /// is sent again after an empty pipe.
    ///
    /// # Errors
    /// [`DashboardError`] when nothing answered (see its variants). A timeout is not an error:
    /// it is the reply [`FormReply::TimedOut`].
    pub fn ask(
        &self,
        request: &FormRequest,
        timeout: Duration,
    ) -> Result<FormReply, DashboardError> {
        let deadline = std::time::Instant::now() + timeout;
        let request = FormRequest {
            ask: Some(fresh_ask_id()),
            ..request.clone()
        };
        for attempt in 1..=ASK_ATTEMPTS {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.ask_once(&request, left)? {
                Some(reply) => return Ok(reply),
                None => tracing::warn!(
                    "form {}: the pipe was released without an answer (attempt {attempt}); asking again",
                    request.id
                ),
            }
        }
        Err(DashboardError::NoAnswer(ASK_ATTEMPTS))
    }

    /// One round trip; `Ok(None)` when Zellij released the pipe with nothing written on it.
    fn ask_once(
        &self,
        request: &FormRequest,
        timeout: Duration,
    ) -> Result<Option<FormReply>, DashboardError> {
        let payload = serde_json::to_string(request).expect("form requests always serialize");
        let mut cmd = self.zellij.command();
        cmd.args(self.pipe_args(POPUP_PIPE))
            .arg(&payload)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| DashboardError::NoDashboard(format!("could not run zellij: {e}")))?;
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = String::new();
            let _ = stdout.read_to_string(&mut out);
            let _ = tx.send(out);
        });
        let out = match rx.recv_timeout(timeout) {
            Ok(out) => out,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                self.cancel(
                    &request.id,
                    &format!("timed out after {}s", timeout.as_secs()),
                );
                return Ok(Some(FormReply::TimedOut {
                    id: request.id.clone(),
                }));
            }
        };
        let status = child.wait().ok();
        let line = out.lines().map(str::trim).find(|l| !l.is_empty());
        let Some(line) = line else {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return Err(match status {
                Some(s) if !s.success() => {
                    DashboardError::NoDashboard(format!("zellij pipe failed ({s}): {}", err.trim()))
                }
                _ => return Ok(None),
            });
        };
        let reply: FormReply = serde_json::from_str(line)
            .map_err(|e| DashboardError::BadReply(format!("{line:?} ({e})")))?;
        match reply.id() {
            Some(id) if id != request.id => {
                Err(DashboardError::BadReply(format!("a reply for form {id:?}")))
            }
            _ => Ok(Some(reply)),
        }
    }

    /// `zellij` arguments for a pipe message named `name` to the dashboard, up to the `--`
    /// that precedes the payload.
    fn pipe_args<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        vec![
            "--session",
            &self.session,
            "pipe",
            "--plugin",
            &self.plugin_url,
            "--name",
            name,
            "--",
        ]
    }

    /// Tells the dashboard to drop form `id` (bounded; failures are logged).
    pub fn cancel(&self, id: &str, reason: &str) {
        let payload = serde_json::to_string(&FormCancel {
            id: id.to_owned(),
            reason: Some(reason.to_owned()),
        })
        .expect("cancels always serialize");
        let mut args = self.pipe_args(POPUP_CANCEL_PIPE);
        args.push(&payload);
        if let Err(e) = self.zellij.run(&args, Duration::from_secs(5)) {
            tracing::warn!("could not tell the dashboard to drop form {id}: {e}");
        }
    }
}
