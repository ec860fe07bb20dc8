//! `exomonad hook <event> [--runtime claude|gemini]`: the hook command agent runtimes run.
//! Reads the payload from stdin, runs the hook flow ([`crate::hook::process`]) and prints the
//! runtime's answer as the only thing on stdout, always with exit code 0: it fails open
//! (`{}`), even when the flow panics.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use exomonad_protocol::Runtime;

use crate::context::Context;
use crate::guest::GuestOptions;
use crate::hook;
use crate::hook::answer::{self, Answer};
use crate::services::dashboard::events::DashboardSink;
use crate::services::zellij::Zellij;

/// Runs the hook command in this process (stdin, stdout, environment, working directory).
pub fn exec(ctx: &Context, event_arg: &str, runtime: Runtime) -> ExitCode {
    let payload = hook::read_payload(std::io::stdin().lock(), hook::MAX_PAYLOAD_BYTES);
    let sink = Arc::new(Mutex::new(DashboardSink::new(
        Zellij::from_env(),
        ctx.session.clone(),
    )));
    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        hook::process(
            ctx,
            event_arg,
            runtime,
            payload,
            sink.clone(),
            &GuestOptions::default(),
        )
    }))
    .unwrap_or_else(|_| {
        tracing::error!(
            "the hook panicked; answering {} so the agent goes on",
            answer::PROCEED
        );
        Answer {
            stdout: answer::PROCEED.to_owned(),
            dropped: None,
        }
    });
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{}", answer.stdout).and_then(|()| out.flush()) {
        tracing::error!("writing the answer failed: {e}");
    }
    if let Ok(mut sink) = sink.lock() {
        sink.finish(hook::EVENT_DELIVERY_LIMIT);
    }
    ExitCode::SUCCESS
}
