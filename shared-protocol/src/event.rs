//! Agent events: what the host tells the dashboard, one JSON object per `zellij pipe` message
//! on [`crate::names::EVENT_PIPE`].
//!
//! Wire shape (the `type` tag is snake_case, extra fields depend on it):
//!
//! ```json
//! {"agent_id":"alpha","at":"2026-11-20T23:18:02.5Z","type":"hook_received",
//!  "runtime":"claude","hook_event_name":"PreToolUse","tool_name":"Bash"}
//! ```

use serde::{Deserialize, Serialize};

use crate::{AgentId, Runtime};

/// An instant, serialized as an RFC 3339 string in UTC (`2026-11-20T23:18:02.5Z`).
pub type Timestamp = jiff::Timestamp;

/// One thing that happened to one agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentEvent {
    /// The agent it happened to; start and stop events of one agent carry the same id.
    pub agent_id: AgentId,
    /// When the host saw it (RFC 3339, UTC).
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened, tagged by `type` in snake_case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The agent's session began (its SessionStart hook, or its MCP server started).
    AgentStarted {
        /// Which agent runtime it is, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runtime: Option<Runtime>,
    },
    /// A hook fired and reached the host.
    HookReceived {
        /// Which agent runtime fired it.
        runtime: Runtime,
        /// The hook event name as the runtime spells it (`PreToolUse`, `BeforeTool`, ...).
        hook_event_name: String,
        /// The tool, for tool hooks (`Bash`, `run_shell_command`, ...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_name: Option<String>,
    },
    /// The guest refused to let the agent stop; the agent goes on working.
    StopHookBlocked {
        /// The reason the agent was given.
        reason: String,
    },
    /// The agent's session ended (its SessionEnd hook, or its MCP client went away).
    AgentStopped {
        /// Why, when the runtime said (`other`, `logout`, `exit`, ...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

impl AgentEvent {
    /// An event for `agent_id` stamped with the current time.
    pub fn now(agent_id: AgentId, kind: EventKind) -> Self {
        Self {
            agent_id,
            at: Timestamp::now(),
            kind,
        }
    }

    /// Parses one pipe payload.
    ///
    /// # Errors
    /// The serde error, whose text names what is wrong (unknown `type`, bad agent id, a
    /// missing field, a timestamp that is not RFC 3339).
    pub fn from_json(payload: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(payload)
    }

    /// Serializes for a pipe payload: one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("AgentEvent always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AgentId {
        AgentId::new(s).unwrap()
    }

    #[test]
    fn wire_shape_is_flat_and_tagged() {
        let ev = AgentEvent {
            agent_id: id("alpha"),
            at: "2026-11-20T23:18:02.5Z".parse().unwrap(),
            kind: EventKind::HookReceived {
                runtime: Runtime::Claude,
                hook_event_name: "PreToolUse".into(),
                tool_name: Some("Bash".into()),
            },
        };
        let json: serde_json::Value = serde_json::from_str(&ev.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"agent_id":"alpha","at":"2026-11-20T23:18:02.5Z","type":"hook_received",
                "runtime":"claude","hook_event_name":"PreToolUse","tool_name":"Bash"})
        );
        assert_eq!(AgentEvent::from_json(&ev.to_json()).unwrap(), ev);
    }

    #[test]
    fn every_kind_round_trips() {
        let kinds = [
            EventKind::AgentStarted { runtime: None },
            EventKind::AgentStarted {
                runtime: Some(Runtime::Gemini),
            },
            EventKind::StopHookBlocked {
                reason: "uncommitted: a.txt".into(),
            },
            EventKind::AgentStopped {
                reason: Some("other".into()),
            },
        ];
        for kind in kinds {
            let ev = AgentEvent::now(id("b"), kind);
            assert_eq!(AgentEvent::from_json(&ev.to_json()).unwrap(), ev);
        }
    }

    #[test]
    fn bad_payloads_say_what_is_wrong() {
        let unknown = r#"{"agent_id":"a","at":"2026-11-20T23:18:02Z","type":"exploded"}"#;
        assert!(
            AgentEvent::from_json(unknown)
                .unwrap_err()
                .to_string()
                .contains("exploded")
        );
        let bad_id = r#"{"agent_id":"../a","at":"2026-11-20T23:18:02Z","type":"agent_started"}"#;
        assert!(
            AgentEvent::from_json(bad_id)
                .unwrap_err()
                .to_string()
                .contains("agent id")
        );
        assert!(AgentEvent::from_json("not json").is_err());
    }
}
