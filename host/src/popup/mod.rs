//! The popup flow: asking a person a form and getting the answer back to exactly the
//! process that asked.
//!
//! The form goes to the dashboard of the session ([`DashboardTarget`], the pipe protocol in
//! [`crate::services::dashboard`]). With no dashboard, it is drawn in this terminal when
//! stdin is one ([`terminal`]; stdout may be a pipe); otherwise the reply is `rejected` with
//! the reason. The guest's `ui_popup` host function asks through [`ask_dashboard`] with a
//! wait from [`bounded_wait`]; `exomonad popup` through [`ask`].

pub mod terminal;

use std::time::Duration;

use exomonad_protocol::AgentId;
use exomonad_protocol::form::{FormReply, FormRequest};
use serde_json::Value;

use crate::services::dashboard::{DashboardError, DashboardTarget};
use crate::services::zellij::Zellij;

/// Default wait for an answer: 10 minutes (`exomonad popup`, and `ui_popup` when neither the
/// request nor the guest call sets a limit).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// How a form ended, when it was asked at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    /// The dashboard (or the terminal) gave this reply: submitted, cancelled, timed out, or
    /// rejected by the dashboard.
    Reply(FormReply),
    /// There was no dashboard (and no terminal) to show it; the reason.
    NoDashboard(String),
    /// The dashboard answered with something unusable, or released the pipe empty every
    /// time; the reason.
    Failed(String),
}

/// Asks `request` in the dashboard of `session`, else (with `terminal_fallback` and a
/// terminal on stdin) in this terminal, waiting at most `timeout`.
pub fn ask(
    zellij: Zellij,
    session: Option<String>,
    request: &FormRequest,
    timeout: Duration,
    terminal_fallback: bool,
) -> Asked {
    let result = DashboardTarget::new(zellij, session).and_then(|t| t.ask(request, timeout));
    match result {
        Ok(reply) => Asked::Reply(reply),
        Err(DashboardError::NoDashboard(why)) if terminal_fallback && terminal::available() => {
            tracing::info!("no dashboard ({why}); asking in this terminal");
            match terminal::ask(request, timeout) {
                Ok(reply) => Asked::Reply(reply),
                Err(e) => Asked::NoDashboard(format!("{why}; the terminal form failed: {e:#}")),
            }
        }
        Err(DashboardError::NoDashboard(why)) => Asked::NoDashboard(why),
        Err(e @ (DashboardError::BadReply(_) | DashboardError::NoAnswer(_))) => {
            Asked::Failed(e.to_string())
        }
    }
}

/// Asks `request` in the dashboard of `session` only. Every failure is a reply, not an
/// error: no dashboard or a bad answer is `rejected` with the reason (what the guest's
/// `ui_popup` host function returns).
pub fn ask_dashboard(
    zellij: Zellij,
    session: Option<String>,
    request: &FormRequest,
    wait: Duration,
) -> FormReply {
    DashboardTarget::new(zellij, session)
        .and_then(|target| target.ask(request, wait))
        .unwrap_or_else(|e| {
            tracing::warn!("form {}: {e}", request.id);
            FormReply::Rejected {
                id: Some(request.id.clone()),
                error: e.to_string(),
            }
        })
}

/// How long a form may wait: what the request `asked` for, never past what is `left` of the
/// caller's own time limit; [`DEFAULT_TIMEOUT`] when neither is set.
pub fn bounded_wait(asked: Option<Duration>, left: Option<Duration>) -> Duration {
    match (asked, left) {
        (Some(a), Some(l)) => a.min(l),
        (a, l) => a.or(l).unwrap_or(DEFAULT_TIMEOUT),
    }
}

/// Parses and validates a form request from `text`, filling in `agent_id` with `agent` when
/// the form leaves it out. The error carries the form id when it could be read.
///
/// # Errors
/// `(id, message)` when `text` is not JSON or not a valid form.
pub fn read_form(agent: &AgentId, text: &str) -> Result<FormRequest, (Option<String>, String)> {
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| (None, format!("malformed form request: {e}")))?;
    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    if let Some(obj) = value.as_object_mut() {
        obj.entry("agent_id")
            .or_insert_with(|| Value::String(agent.to_string()));
    }
    FormRequest::from_json(&value.to_string()).map_err(|e| (id, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_never_passes_the_callers_limit() {
        let s = Duration::from_secs;
        assert_eq!(bounded_wait(Some(s(30)), Some(s(5))), s(5));
        assert_eq!(bounded_wait(Some(s(3)), Some(s(5))), s(3));
        assert_eq!(bounded_wait(None, Some(s(5))), s(5));
        assert_eq!(bounded_wait(Some(s(7)), None), s(7));
        assert_eq!(bounded_wait(None, None), DEFAULT_TIMEOUT);
    }
}
