//! The hook flow: one hook event of an agent runtime (`exomonad hook <event> [--runtime
//! claude|gemini]`, payload on stdin) turned into the runtime's answer.
//!
//! [`process`] takes the payload (read with [`read_payload`], at most [`MAX_PAYLOAD_BYTES`]), tells the dashboard
//! (`AgentStarted` on SessionStart, `HookReceived` always, `StopHookBlocked` when a stop is
//! refused, `AgentStopped` on SessionEnd), asks the guest for a decision, and prints the
//! runtime's answer ([`answer`]); the command prints it as the only thing on stdout, with
//! exit code 0.
//!
//! It fails open: a bad payload, a guest that traps or times out, a missing Zellij — the
//! answer is then `{}` (the runtime's normal flow) and the log says why.

pub mod answer;
pub mod held_turn;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use exomonad_protocol::abi::{HookCall, HookDecision};
use exomonad_protocol::hook::HookPhase;
use exomonad_protocol::{AgentEvent, EventKind, Role, Runtime};
use serde_json::Value;

use self::answer::Answer;
use crate::context::Context;
use crate::guest::select::{GuestSource, load_configured};
use crate::guest::{GuestOptions, HostState};
use crate::services::dashboard::events::EventSink;

/// Largest payload read from stdin: 8 MiB (a PostToolUse of a big file read stays far
/// below). A larger one is refused and the hook fails open.
pub const MAX_PAYLOAD_BYTES: u64 = 8 * 1024 * 1024;

/// How long the hook waits for `zellij pipe` to deliver its events before giving up.
pub const EVENT_DELIVERY_LIMIT: Duration = Duration::from_secs(2);

/// Reads at most `limit` bytes of UTF-8 from `input`.
///
/// # Errors
/// A message when the input is larger, not UTF-8, or unreadable.
pub fn read_payload(mut input: impl Read, limit: u64) -> Result<String, String> {
    let mut buf = Vec::new();
    (&mut input)
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("reading stdin: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!("payload is larger than {limit} bytes"));
    }
    String::from_utf8(buf).map_err(|e| format!("payload is not UTF-8: {e}"))
}

/// The hook's work, given its inputs: sends the events to `events`, asks the guest, and
/// returns the answer. Never fails (see the module docs).
pub fn process(
    ctx: &Context,
    event_arg: &str,
    runtime: Runtime,
    payload: Result<String, String>,
    events: Arc<Mutex<dyn EventSink>>,
    guest_options: &GuestOptions,
) -> Answer {
    let parsed = payload.and_then(|text| {
        serde_json::from_str::<Value>(&text)
            .map_err(|e| format!("payload is not JSON: {e}"))
            .and_then(|v| match v {
                Value::Object(_) => Ok(v),
                _ => Err("payload is not a JSON object".to_owned()),
            })
    });
    let event_name = event_name(runtime, event_arg, parsed.as_ref().ok());
    if let Ok(payload) = &parsed {
        // The payload as the runtime sent it, one line, with `EXOMONAD_LOG=exomonad::hook=trace`
        // (the end-to-end tests record the fixtures of tests/fixtures/ from it).
        tracing::trace!("hook payload {event_name}: {payload}");
    }
    let phase = runtime.phase(&event_name);
    // Gemini CLI does not say when an AfterAgent belongs to the retry that exomonad's own
    // refusal caused; the turn it refused is remembered instead (see `held_turn`).
    let held_turn = (runtime == Runtime::Gemini && phase == HookPhase::TurnEnd)
        .then(|| parsed.as_ref().ok().and_then(held_turn::TurnKey::of))
        .flatten();
    let parsed = parsed.map(|mut payload| {
        if let Some(key) = &held_turn
            && held_turn::was_held(&ctx.project_dir, key)
        {
            payload["stop_hook_active"] = Value::Bool(true);
        }
        payload
    });
    let field = |k: &str| {
        parsed
            .as_ref()
            .ok()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (tool_name, end_reason) = (field("tool_name"), field("reason"));
    let emit = |kind: EventKind| {
        events
            .clone()
            .send(&AgentEvent::now(ctx.agent_id.clone(), kind))
    };

    if phase == HookPhase::SessionStart {
        emit(EventKind::AgentStarted {
            runtime: Some(runtime),
        });
        // A worker runs in its worktree; outside any project nothing is written.
        if ctx.role == Role::Worker
            && ctx.in_project
            && let Some(session_id) = field("session_id")
        {
            record_runtime_session(ctx, runtime, session_id);
        }
    }
    emit(EventKind::HookReceived {
        runtime,
        hook_event_name: event_name.clone(),
        tool_name,
    });

    let decision = match parsed {
        Ok(payload) => decide(
            ctx,
            runtime,
            &event_name,
            payload,
            events.clone(),
            guest_options,
        ),
        Err(e) => {
            tracing::error!("{event_name}: {e}; answering {}", answer::PROCEED);
            HookDecision::Proceed
        }
    };
    if let Some(key) = &held_turn {
        held_turn::remember(
            &ctx.project_dir,
            key,
            matches!(decision, HookDecision::Block { .. }),
        );
    }
    let answer = answer::render(runtime, &event_name, &decision);
    if let Some(note) = &answer.dropped {
        tracing::warn!("{note}");
    }
    if let (HookDecision::Block { reason }, HookPhase::TurnEnd | HookPhase::SubagentEnd, None) =
        (&decision, phase, &answer.dropped)
    {
        emit(EventKind::StopHookBlocked {
            reason: reason.clone(),
        });
    }
    if phase == HookPhase::SessionEnd {
        emit(EventKind::AgentStopped { reason: end_reason });
    }
    tracing::info!(agent = %ctx.agent_id, event = %event_name, answer = %answer.stdout, "hook answered");
    answer
}

/// Keeps a worker's runtime session id in its `.exomonad/`, so that spawning its issue again
/// after it died resumes the conversation. A failure is logged; the hook goes on.
fn record_runtime_session(ctx: &Context, runtime: Runtime, session_id: String) {
    let session = crate::workers::registry::RuntimeSession {
        runtime,
        session_id,
        updated_at: jiff::Timestamp::now(),
    };
    if let Err(e) = crate::workers::registry::write_runtime_session(&ctx.project_dir, &session) {
        tracing::warn!("recording the runtime session for resume: {e}");
    }
}

/// The event name: the payload's `hook_event_name` when it has one (the runtime's own word),
/// else the command-line argument in the runtime's spelling, else the argument as given.
fn event_name(runtime: Runtime, event_arg: &str, payload: Option<&Value>) -> String {
    let from_arg = runtime.canonical_event_name(event_arg);
    match payload
        .and_then(|v| v.get("hook_event_name"))
        .and_then(Value::as_str)
    {
        Some(name) => {
            if from_arg.is_some_and(|a| a != name) {
                tracing::warn!(
                    "hook registered as {event_arg} received a {name} payload; using {name}"
                );
            }
            name.to_owned()
        }
        None => from_arg.map_or_else(|| event_arg.to_owned(), str::to_owned),
    }
}

/// Asks the guest; any failure is logged and becomes [`HookDecision::Proceed`].
fn decide(
    ctx: &Context,
    runtime: Runtime,
    event_name: &str,
    payload: Value,
    events: Arc<Mutex<dyn EventSink>>,
    options: &GuestOptions,
) -> HookDecision {
    let mut host = HostState::new(
        ctx.project_dir.clone(),
        Box::new(events),
        ctx.session.clone(),
    );
    host.agent_id = Some(ctx.agent_id.clone());
    let call = HookCall {
        runtime,
        hook_event_name: event_name.to_owned(),
        agent_id: ctx.agent_id.clone(),
        role: ctx.role,
        payload,
    };
    let source = GuestSource::resolve(&ctx.config, &ctx.project_dir, ctx.role);
    let result = load_configured(&source, host, options)
        .map_err(|e| format!("{source} does not load: {e:#}"))
        .and_then(|mut guest| guest.handle_hook(&call).map_err(|e| e.to_string()));
    result.unwrap_or_else(|e| {
        tracing::error!("{event_name}: {e}; answering {}", answer::PROCEED);
        HookDecision::Proceed
    })
}
