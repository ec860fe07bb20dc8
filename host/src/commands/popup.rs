//! `exomonad popup --form FILE|- [--timeout SECS]`: asks the person a form and prints the
//! reply as one JSON line on stdout ([`FormReply`]).
//!
//! The form goes to the dashboard of the session ([`crate::popup`]). With no dashboard, it
//! is drawn in this terminal when stdin is one ([`crate::tui`]; stdout may be a pipe); otherwise the
//! reply is `rejected` with the reason. The `agent_id` of the form may be left out: it is
//! filled in from the context ([`exomonad_protocol::AgentId::resolve`]).
//!
//! Exit codes: [`EXIT_SUBMITTED`], [`EXIT_CANCELLED`], [`EXIT_TIMED_OUT`],
//! [`EXIT_NO_DASHBOARD`], [`EXIT_ERROR`] (an invalid form: nothing is shown).

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use exomonad_protocol::form::{FormReply, FormRequest};
use serde_json::Value;

use crate::context::Context;
pub use crate::popup::DEFAULT_TIMEOUT;
use crate::popup::{DashboardTarget, PopupError};
use crate::services::zellij::Zellij;

/// The person submitted the form.
pub const EXIT_SUBMITTED: u8 = 0;
/// The form was invalid, or something failed.
pub const EXIT_ERROR: u8 = 1;
/// The person cancelled the form.
pub const EXIT_CANCELLED: u8 = 2;
/// Nobody answered in time.
pub const EXIT_TIMED_OUT: u8 = 3;
/// There was no dashboard (and no terminal) to show it.
pub const EXIT_NO_DASHBOARD: u8 = 4;

/// Runs the command: `form` is a path or `-` (stdin).
pub fn run(ctx: &Context, form: &str, timeout: Duration) -> ExitCode {
    let request = match read_form(ctx, form) {
        Ok(r) => r,
        Err((id, error)) => {
            eprintln!("exomonad popup: {error}");
            return print(&FormReply::Rejected { id, error }, EXIT_ERROR);
        }
    };
    let target = DashboardTarget::new(Zellij::from_env(), ctx.session.clone());
    let result = target.and_then(|t| t.ask(&request, timeout));
    let reply = match result {
        Ok(reply) => reply,
        Err(PopupError::NoDashboard(why)) if crate::tui::available() => {
            tracing::info!("no dashboard ({why}); asking in this terminal");
            match crate::tui::ask(&request, timeout) {
                Ok(reply) => reply,
                Err(e) => {
                    return no_dashboard(
                        &request,
                        format!("{why}; the terminal form failed: {e:#}"),
                    );
                }
            }
        }
        Err(PopupError::NoDashboard(why)) => return no_dashboard(&request, why),
        Err(e @ (PopupError::BadReply(_) | PopupError::NoAnswer(_))) => {
            eprintln!("exomonad popup: {e}");
            return print(
                &FormReply::Rejected {
                    id: Some(request.id.clone()),
                    error: e.to_string(),
                },
                EXIT_ERROR,
            );
        }
    };
    let code = match &reply {
        FormReply::Submitted { .. } => EXIT_SUBMITTED,
        FormReply::Cancelled { .. } => EXIT_CANCELLED,
        FormReply::TimedOut { .. } => EXIT_TIMED_OUT,
        FormReply::Rejected { .. } => EXIT_ERROR,
    };
    print(&reply, code)
}

fn no_dashboard(request: &FormRequest, why: String) -> ExitCode {
    let error = format!("no dashboard: {why}");
    eprintln!("exomonad popup: {error}");
    print(
        &FormReply::Rejected {
            id: Some(request.id.clone()),
            error,
        },
        EXIT_NO_DASHBOARD,
    )
}

fn print(reply: &FormReply, code: u8) -> ExitCode {
    println!(
        "{}",
        serde_json::to_string(reply).expect("replies always serialize")
    );
    ExitCode::from(code)
}

/// Reads and validates the form; fills in `agent_id` when it is missing.
/// The error carries the form id when it could be read.
fn read_form(ctx: &Context, form: &str) -> Result<FormRequest, (Option<String>, String)> {
    let text = if form == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(form)
    }
    .map_err(|e| (None, format!("reading the form {form}: {e}")))?;
    let mut value: Value =
        serde_json::from_str(&text).map_err(|e| (None, format!("malformed form request: {e}")))?;
    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    if let Some(obj) = value.as_object_mut() {
        obj.entry("agent_id")
            .or_insert_with(|| Value::String(ctx.agent_id.to_string()));
    }
    FormRequest::from_json(&value.to_string()).map_err(|e| (id, e))
}
