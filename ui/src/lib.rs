//! exomonad's terminal UI model, with no terminal API in sight: it builds and tests natively
//! and for `wasm32-wasip1`.
//!
//! - [`frame`]: a [`Frame`] of styled [`Line`]s, what every view produces; the Zellij
//!   dashboard and the host's terminal fallback each map [`Style`]s to their own colours.
//! - [`text`]: making outside text safe to draw, and measuring it in terminal columns.
//! - [`form`]: the popup form engine: a [`form::FormState`] per
//!   [`exomonad_protocol::form::FormRequest`], driven by [`form::Key`]s, drawn by
//!   [`form::render`].

#![warn(missing_docs)]

pub mod form;
pub mod frame;
pub mod text;

pub use frame::{Frame, Line, LineBuilder, Span, Style, fit};
