//! Syncing a new dashboard instance from the ones already running.
//!
//! # Why
//!
//! Zellij runs one plugin instance per dashboard pane *and per connected client*; each
//! instance has its own memory. An instance that starts while agents are already running (a
//! second client attaches with `zellij attach` or `exomonad init`, or a dashboard pane is
//! reopened) has seen none of their events. Without help it would say "no agents yet" while
//! agents run.
//!
//! # Protocol
//!
//! Both messages are plugin-to-plugin broadcasts (`pipe_message_to_plugin` with neither a
//! URL nor a destination id, so every running plugin instance of every client gets them);
//! they are private to the dashboard and only accepted from a plugin ([`PipeFrom::Plugin`]).
//!
//! 1. Once its permissions are granted, a new instance broadcasts [`SYNC_REQUEST_PIPE`] with
//!    payload [`SyncRequest`] `{"from": "<request id>"}`. The request id is the instance id
//!    (`<plugin id>/<client id>`) plus the time of the request, so a later instance that
//!    reuses the same ids never takes an answer meant for an earlier one. It is sent once
//!    per instance ([`crate::Dashboard::request_sync`]).
//! 2. Every other instance that knows something (at least one agent or log line) answers
//!    with one broadcast on [`SYNC_PIPE`], payload [`SyncReply`]
//!    `{"to": "<request id>", "from": "<its instance id>", "snapshot": {...}}`, where the
//!    snapshot is its agents table and event log ([`Snapshot`]). An instance ignores its own
//!    request and does not answer when it knows nothing.
//! 3. The requester merges every reply addressed to its request id, once per responder
//!    ([`crate::Dashboard::merge`]): for an agent both sides know, the row with the newer
//!    last event wins (the local one on a tie) and the first-seen time is the earlier of the
//!    two; logs are merged by time without duplicates and cut to
//!    [`crate::LOG_CAPACITY`]; the table stays within [`crate::MAX_AGENTS`]. Merging the
//!    same snapshot again changes nothing. Replies addressed to another request, and a
//!    second reply from the same responder, are ignored. A reply it cannot read becomes one
//!    error line in its log.
//!
//! Events that arrive while the request is in flight are simply applied; the merge rules
//! make the order irrelevant.
//!
//! Pending popup forms are *not* synced: each form belongs to the instances that received
//! it on its CLI pipe (they hold the pipe id that is blocked and must be answered, see
//! [`crate::inbox`]); a copy in a new instance could not be answered.

use serde::{Deserialize, Serialize};

use crate::inbox::PipeFrom;
use crate::state::{Agent, LogEntry};

/// Name of the plugin-to-plugin broadcast in which a new instance asks for a snapshot.
pub const SYNC_REQUEST_PIPE: &str = "exomonad-sync-request";

/// Name of the plugin-to-plugin broadcast that carries a snapshot to the requester.
pub const SYNC_PIPE: &str = "exomonad-sync";

/// Payload of [`SYNC_REQUEST_PIPE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The request id; answers are addressed to it.
    pub from: String,
}

/// Payload of [`SYNC_PIPE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReply {
    /// The request id this answers.
    pub to: String,
    /// The answering instance's id.
    pub from: String,
    /// What the answering instance knows.
    pub snapshot: Snapshot,
}

/// Just the address of a [`SyncReply`], read first so replies for others are not fully
/// parsed.
#[derive(Deserialize)]
pub(crate) struct Address {
    pub(crate) to: String,
}

/// The synced part of a dashboard: the agents table (sorted by id) and the event log (oldest
/// first). Pending forms are deliberately absent (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Agent rows.
    pub agents: Vec<Agent>,
    /// Log entries, oldest first.
    pub log: Vec<LogEntry>,
}

/// This instance's side of the protocol.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncState {
    /// The id of the request this instance sent, once sent.
    pub(crate) request: Option<String>,
    /// Instances whose reply was merged (a second reply from one is ignored).
    pub(crate) answered_by: std::collections::BTreeSet<String>,
}

/// Whether a sync message comes from where sync messages may come from: another plugin.
pub(crate) fn from_plugin(source: &PipeFrom) -> bool {
    matches!(source, PipeFrom::Plugin(_))
}

#[cfg(test)]
mod tests;
