//! `exomonad-protocol`: every type that crosses a boundary in exomonad.
//!
//! The boundaries are:
//! - agent runtime → host: hook payloads on stdin and the answer on stdout
//!   ([`hook::claude`], [`hook::gemini`]);
//! - host → guest and guest → host: the Extism guest ABI ([`abi`]);
//! - host → dashboard: agent events sent with `zellij pipe` ([`event`]), popup forms and
//!   their replies ([`form`]);
//! - MCP tools through the guest ([`tools`]), with GitHub data ([`github`]) and worker
//!   agents ([`agents`]);
//! - shared names: pipe names, environment variables, file names ([`names`]).
//!
//! This crate is pure data: serde types and validation, no I/O. It builds for the
//! host's native target and for `wasm32-wasip1` (the dashboard and the guest).

pub mod abi;
pub mod agent;
pub mod agents;
pub mod event;
pub mod form;
pub mod github;
pub mod hook;
pub mod names;
pub mod slug;
pub mod tools;

pub use agent::{AgentId, AgentIdError, Role};
pub use event::{AgentEvent, EventKind, Timestamp};
pub use hook::Runtime;
