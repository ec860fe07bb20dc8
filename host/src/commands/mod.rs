//! The commands, one module each: it takes the parsed arguments and the [`Context`], calls a
//! flow (`crate::hook`, `crate::mcp`, `crate::popup`, `crate::session`, `crate::workers`,
//! `crate::guest`, `crate::doctor`) and prints the outcome. No command holds logic a flow needs.
//!
//! [`Context`]: crate::context::Context

pub mod doctor;
pub mod guest;
pub mod hook;
pub mod init;
pub mod mcp;
pub mod popup;
pub mod shell;
pub mod trust;
pub mod workers;

use std::process::ExitCode;

/// Exit 0 for `Ok`; for `Err`, prints `exomonad: <error with its causes>` on stderr and exits 1.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exomonad: {e:#}");
            ExitCode::FAILURE
        }
    }
}
