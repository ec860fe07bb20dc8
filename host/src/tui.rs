//! The terminal fallback for forms: when there is no dashboard but a terminal, the same form
//! model ([`exomonad_ui::form`]) is drawn with ratatui on crossterm in this terminal.

use std::time::Duration;

use anyhow::Result;
use exomonad_protocol::form::{FormReply, FormRequest};

/// Asks `request` in this terminal, waiting at most `timeout`.
///
/// # Errors
/// When the terminal cannot be set up.
pub fn ask(request: &FormRequest, timeout: Duration) -> Result<FormReply> {
    let _ = timeout;
    anyhow::bail!("the terminal form for {:?} is not built yet", request.id)
}
