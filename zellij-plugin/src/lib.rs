//! The exomonad dashboard's pure core: what the Zellij plugin knows and draws, with no Zellij
//! API in sight, so all of it builds and tests natively.
//!
//! - [`state`]: the [`Dashboard`] model, fed with `zellij pipe` messages carrying
//!   [`exomonad_protocol::AgentEvent`]s on [`exomonad_protocol::names::EVENT_PIPE`].
//! - [`view`]: [`render`] turns the model into a [`Frame`] of styled lines for a pane size.
//! - [`inbox`]: pending popup forms ([`exomonad_protocol::names::POPUP_PIPE`]) and the
//!   [`Effect`]s the glue carries out to block, answer and release the asker's pipe.
//! - [`sync`]: a new instance (a second client, a reopened pane) asks the running ones for
//!   their agents and log ([`Snapshot`]) and merges the answers.
//! - [`frame`]: the frame types the plugin glue (`src/main.rs`, wasm32 only) prints
//!   (re-exported from [`exomonad_ui`], which also draws the forms).
//!
//! The glue only forwards pipe messages, keys, timer ticks and the panes whose command ended
//! (Zellij's `PaneUpdate`) here, carries out the returned effects and prints the frame.

#![warn(missing_docs)]

pub mod inbox;
pub mod state;
pub mod sync;
pub mod view;

pub use exomonad_ui::form::Key;
pub use exomonad_ui::{frame, text};
pub use frame::{Frame, Line, Span, Style};
pub use inbox::{CLAIM_PIPE, Effect, Inbox, PendingForm, PipeFrom};
pub use state::{
    Agent, AgentState, COLLAPSE_STOPPED_AFTER, Dashboard, ExitedPane, LOG_CAPACITY, LastHook,
    LogEntry, LogKind, LogScroll, MAX_AGENTS, MAX_TEXT_CHARS, Permission,
};
pub use sync::{SYNC_PIPE, SYNC_REQUEST_PIPE, Snapshot, SyncReply, SyncRequest};
pub use view::render;
