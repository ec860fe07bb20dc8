//! The benchmark workload, shared by `benches/frame.rs` and `examples/peak_heap.rs` (it sits in a
//! subdirectory so cargo does not take it for a bench of its own):
//! [`EVENTS`] events across [`AGENTS`] agents, as the pipe payloads the plugin receives.

use exomonad_dashboard::{Dashboard, PipeFrom};
use exomonad_protocol::names::EVENT_PIPE;
use exomonad_protocol::{AgentEvent, AgentId, EventKind, Runtime, Timestamp};
use jiff::SignedDuration;

/// Events in the workload.
pub const EVENTS: usize = 10_000;
/// Distinct agents the events are spread over.
pub const AGENTS: usize = 100;
/// Pane size rendered: rows × cols.
pub const ROWS: usize = 50;
/// Pane size rendered: rows × cols.
pub const COLS: usize = 200;

/// Time of the first event.
fn start() -> Timestamp {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

/// The "now" used when rendering: one second after the last event.
pub fn now() -> Timestamp {
    start() + SignedDuration::from_millis(50 * EVENTS as i64 + 1000)
}

/// Event `i`: agent `i % AGENTS`, 50 ms after event `i - 1`. Each agent starts, then cycles
/// through tool hooks, turn ends, stop blocks, prompts and notifications; every other agent
/// stops at the end.
fn event(i: usize) -> AgentEvent {
    let agent = i % AGENTS;
    let round = i / AGENTS;
    let last_round = round == EVENTS / AGENTS - 1;
    let hook = |name: &str, tool: Option<&str>| EventKind::HookReceived {
        runtime: Runtime::Claude,
        hook_event_name: name.into(),
        tool_name: tool.map(Into::into),
    };
    let kind = if round == 0 {
        EventKind::AgentStarted {
            runtime: Some(Runtime::Claude),
        }
    } else if last_round && agent.is_multiple_of(2) {
        EventKind::AgentStopped {
            reason: Some("other".into()),
        }
    } else {
        match round % 6 {
            0 => hook("PreToolUse", Some("Bash")),
            1 => hook("PostToolUse", Some("Bash")),
            2 => hook("Stop", None),
            3 => EventKind::StopHookBlocked {
                reason: format!("uncommitted changes in {} files", round % 7 + 1),
            },
            4 => hook("UserPromptSubmit", None),
            _ => hook("Notification", None),
        }
    };
    AgentEvent {
        agent_id: AgentId::new(format!("agent-{agent:03}")).unwrap(),
        at: start() + SignedDuration::from_millis(50 * i as i64),
        kind,
    }
}

/// The workload as JSON pipe payloads, in order.
pub fn payloads() -> Vec<String> {
    (0..EVENTS).map(|i| event(i).to_json()).collect()
}

/// Feeds every payload to `dashboard` as the plugin would.
pub fn apply_all(dashboard: &mut Dashboard, payloads: &[String]) {
    for p in payloads {
        dashboard.apply_pipe_message(EVENT_PIPE, Some(p), &PipeFrom::Keybind, now());
    }
}
