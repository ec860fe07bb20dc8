//! The exomonad dashboard's pure core: what the Zellij plugin knows and draws, with no Zellij
//! API in sight, so all of it builds and tests natively.
//!
//! - [`state`]: the [`Dashboard`] model, fed with `zellij pipe` messages carrying
//!   [`exomonad_protocol::AgentEvent`]s on [`exomonad_protocol::names::EVENT_PIPE`].
//! - [`view`]: [`render`] turns the model into a [`Frame`] of styled lines for a pane size.
//! - [`frame`]: the frame types the plugin glue (`src/main.rs`, wasm32 only) prints.
//!
//! The glue only forwards pipe messages, keys and timer ticks here and prints the frame.

#![warn(missing_docs)]

pub mod frame;
pub mod state;
mod text;
pub mod view;

pub use frame::{Frame, Line, Span, Style};
pub use state::{
    Agent, AgentState, COLLAPSE_STOPPED_AFTER, Dashboard, LOG_CAPACITY, LastHook, LogEntry,
    LogKind, LogScroll, MAX_AGENTS, MAX_TEXT_CHARS,
};
pub use view::render;
