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
//! - [`app`]: the plugin's decisions as a function of Zellij's inputs ([`App`]: `load`,
//!   `update`, `pipe`, `render` return [`Effect`]s), tested natively with synthetic events.
//! - [`attend`]: who needs the person, in what order ([`Tier`]); [`keys`]: the key table.
//!
//! The glue only translates Zellij's events into [`Input`]s, carries out the returned
//! effects and prints the frame.
//!
//! # Keys
//!
//! While a form is shown, keys go to the form (the help and the log are not reachable until
//! the forms are answered; the wheel does nothing). The help screen lists the same table.
//!
//! | keys | where | what |
//! |---|---|---|
//! | Alt a | any tab | attend: the next agent that needs you (see [`Tier`]); the layout's `attend_key` plugin setting changes it, `"none"` unbinds it |
//! | ↑ / k, ↓ / j | agents | select the previous / next agent |
//! | Home, End | agents | select the first / last agent |
//! | click | agents | select the agent under the pointer |
//! | Enter | agents | go to the selected agent: its tab made active, its agent pane focused; a status line says when its tab is gone |
//! | PgUp, PgDn | agents | scroll the event log a page newer / older |
//! | wheel | agents | scroll the event log by lines |
//! | ? | agents | show the keys |
//! | PgUp, PgDn | form | previous / next pending form |
//! | Tab, Shift Tab | form | next / previous field (arrows, Space in choices) |
//! | Enter | form | submit |
//! | Esc, Enter | form | cancel the form |
//! | Esc, ?, q | help | close the help |
//!
//! # States
//!
//! | state | shown | from | until |
//! |---|---|---|---|
//! | running | `running` | `AgentStarted`, any hook not below | a hook below |
//! | waiting | `waiting`, row in the waiting colour | a turn end (`Stop`, `AfterAgent`) or `Notification` | any later hook of the agent |
//! | stop blocked | `stop blocked`, row in the blocked colour | `StopHookBlocked` | any later hook of the agent |
//! | stopped | `stopped`, folded after 10 minutes | `SessionEnd`, `AgentStopped`, its pane exited | a later event |
//! | form pending | `N forms` in the header, the form replaces the table | a popup request | answered, cancelled, timed out |
//!
//! The FOR column is how long the agent has been in its state. The pane title is `exomonad`,
//! or `exomonad · N waiting` while N agents need the person (a pending form, a blocked stop,
//! a finished turn), visible in the pane frame from every tab. The selected row is marked
//! `›` and drawn in the theme's selection colours.

#![warn(missing_docs)]

pub mod app;
pub mod attend;
pub mod inbox;
pub mod keys;
pub mod state;
pub mod sync;
pub mod view;

pub use app::{
    ATTEND_KEY_CONFIG, ATTEND_PIPE, App, DEFAULT_ATTEND_KEY, Input, Mouse, attend_binding,
};
pub use attend::{Need, Tier};
pub use exomonad_ui::form::Key;
pub use exomonad_ui::{frame, text};
pub use frame::{Frame, Line, Span, Style};
pub use inbox::{CLAIM_PIPE, Effect, Inbox, PendingForm, PipeFrom};
pub use state::{
    Agent, AgentState, COLLAPSE_STOPPED_AFTER, Dashboard, ExitedPane, LEAD_PANE_NAME, LOG_CAPACITY,
    LastHook, LogEntry, LogKind, LogScroll, MAX_AGENTS, MAX_TEXT_CHARS, PaneSeen, Permission,
    Screen,
};
pub use sync::{SYNC_PIPE, SYNC_REQUEST_PIPE, Snapshot, SyncReply, SyncRequest};
pub use view::{Drawn, draw, render};
