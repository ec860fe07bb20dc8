//! Where agent events go: [`EventSink`], with the dashboard (through `zellij pipe`) as the
//! real sink. Sending never fails for the caller: a sink that cannot deliver logs why once
//! and drops the event, because an agent must never wait on, or break because of, the
//! dashboard.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use exomonad_protocol::AgentEvent;

use crate::base::paths;
use crate::services::zellij::{EventPipe, Zellij};

/// Something that takes agent events.
pub trait EventSink: Send {
    /// Hands over one event; never blocks for long and never fails.
    fn send(&mut self, event: &AgentEvent);
}

/// The dashboard of one Zellij session, reached through one long-lived `zellij pipe`
/// opened on the first event.
#[derive(Debug)]
pub struct DashboardSink {
    state: SinkState,
}

#[derive(Debug)]
enum SinkState {
    /// Not opened yet: the session, and the plugin URL when the plugin file exists.
    Ready {
        zellij: Zellij,
        session: String,
        plugin_url: Option<String>,
    },
    /// Open.
    Open(EventPipe),
    /// Delivery is off, for this reason (already logged).
    Off,
}

impl DashboardSink {
    /// A sink for `session`; `None` (no Zellij session configured or inherited) makes a sink
    /// that drops events, after one log line saying so.
    ///
    /// Events target the dashboard by its plugin URL ([`paths::plugin_url`]) when the
    /// plugin file is installed, and are broadcast to the session's plugins otherwise.
    pub fn new(zellij: Zellij, session: Option<String>) -> Self {
        let Some(session) = session else {
            tracing::info!(
                "no Zellij session (not inside Zellij, and no `session` in .exomonad/config.toml): dashboard events are not sent"
            );
            return Self {
                state: SinkState::Off,
            };
        };
        let plugin_url = paths::dashboard_wasm()
            .ok()
            .filter(|p| p.is_file())
            .map(|p| paths::plugin_url(&p));
        Self {
            state: SinkState::Ready {
                zellij,
                session,
                plugin_url,
            },
        }
    }

    /// Closes the pipe and waits for delivery, at most `limit` after it was opened.
    /// Failures (a dead session, a timeout) are logged, not returned.
    pub fn finish(&mut self, limit: Duration) {
        if let SinkState::Open(pipe) = std::mem::replace(&mut self.state, SinkState::Off)
            && let Err(e) = pipe.finish(limit)
        {
            tracing::warn!("dashboard events may not have arrived: {e}");
        }
    }
}

impl EventSink for DashboardSink {
    fn send(&mut self, event: &AgentEvent) {
        if let SinkState::Ready {
            zellij,
            session,
            plugin_url,
        } = &self.state
        {
            self.state = match zellij.event_pipe(session, plugin_url.as_deref()) {
                Ok(pipe) => SinkState::Open(pipe),
                Err(e) => {
                    tracing::warn!("dashboard events are not sent: {e}");
                    SinkState::Off
                }
            };
        }
        if let SinkState::Open(pipe) = &mut self.state
            && let Err(e) = pipe.send(event)
        {
            tracing::warn!("dashboard event not sent ({e}); sending no more from this process");
            self.state = SinkState::Off;
        }
    }
}

/// For long-lived processes (the MCP server): each event goes through its own short
/// `zellij pipe`, delivered (or given up on after [`SessionSink::DELIVERY_LIMIT`]) before
/// `send` returns, so no pipe stays open for hours.
#[derive(Debug, Clone)]
pub struct SessionSink {
    zellij: Zellij,
    session: Option<String>,
}

impl SessionSink {
    /// Longest wait for one event's delivery.
    pub const DELIVERY_LIMIT: Duration = Duration::from_secs(2);

    /// A sink for `session` (`None`: events are dropped, as in [`DashboardSink::new`]).
    pub fn new(zellij: Zellij, session: Option<String>) -> Self {
        Self { zellij, session }
    }
}

impl EventSink for SessionSink {
    fn send(&mut self, event: &AgentEvent) {
        let mut sink = DashboardSink::new(self.zellij.clone(), self.session.clone());
        sink.send(event);
        sink.finish(Self::DELIVERY_LIMIT);
    }
}

/// A shared sink: the hook command and the guest's `emit_event` write to one pipe, in order.
impl<S: EventSink + ?Sized> EventSink for Arc<Mutex<S>> {
    fn send(&mut self, event: &AgentEvent) {
        match self.lock() {
            Ok(mut sink) => sink.send(event),
            Err(_) => tracing::warn!("event sink lock poisoned; event dropped"),
        }
    }
}

/// A sink that drops every event (loading a guest only to compile it, for example).
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl EventSink for Discard {
    fn send(&mut self, _event: &AgentEvent) {}
}

/// A sink that keeps every event in memory, for tests and for `exomonad guest` checks.
#[derive(Debug, Clone, Default)]
pub struct RecordingSink(pub Arc<Mutex<Vec<AgentEvent>>>);

impl RecordingSink {
    /// A copy of the events so far.
    pub fn events(&self) -> Vec<AgentEvent> {
        self.0.lock().expect("recording sink poisoned").clone()
    }
}

impl EventSink for RecordingSink {
    fn send(&mut self, event: &AgentEvent) {
        self.0
            .lock()
            .expect("recording sink poisoned")
            .push(event.clone());
    }
}
