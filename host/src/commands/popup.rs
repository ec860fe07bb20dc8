//! `exomonad popup --form FILE|- [--timeout SECS]`: asks the person a form ([`crate::popup`])
//! and prints the reply as one JSON line on stdout ([`FormReply`]). The `agent_id` of the
//! form may be left out: it is filled in from the context ([`exomonad_protocol::AgentId::resolve`]).
//!
//! Exit codes: [`EXIT_SUBMITTED`], [`EXIT_CANCELLED`], [`EXIT_TIMED_OUT`],
//! [`EXIT_NO_DASHBOARD`], [`EXIT_ERROR`] (an invalid form: nothing is shown).

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use exomonad_protocol::form::{FormReply, FormRequest};

use crate::context::Context;
use crate::popup::{self, Asked};
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
pub fn exec(ctx: &Context, form: &str, timeout: Duration) -> ExitCode {
    let text = if form == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(form)
    };
    let request = match text
        .map_err(|e| (None, format!("reading the form {form}: {e}")))
        .and_then(|text| popup::read_form(&ctx.agent_id, &text))
    {
        Ok(r) => r,
        Err((id, error)) => {
            eprintln!("exomonad popup: {error}");
            return print(&FormReply::Rejected { id, error }, EXIT_ERROR);
        }
    };
    let reply = match popup::ask(
        Zellij::from_env(),
        ctx.session.clone(),
        &request,
        timeout,
        true,
    ) {
        Asked::Reply(reply) => reply,
        Asked::NoDashboard(why) => return no_dashboard(&request, why),
        Asked::Failed(error) => {
            eprintln!("exomonad popup: {error}");
            return print(
                &FormReply::Rejected {
                    id: Some(request.id.clone()),
                    error,
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
