//! `exomonad init [--session NAME] [--recreate]`: opens (or re-attaches to) the project's
//! Zellij session ([`crate::session::open`]); on success this process becomes `zellij`.

use std::process::ExitCode;

use crate::context::Context;
use crate::session::{self, InitOptions};

/// Runs `exomonad init`; prints the error and exits 1 when the session could not be opened.
pub fn exec(ctx: &Context, options: &InitOptions) -> ExitCode {
    super::report(session::open(ctx, options))
}
