//! `exomonad mcp-stdio`: the agent's MCP server on this process's stdin and stdout
//! ([`crate::mcp`]).

use std::process::ExitCode;

use crate::context::Context;
use crate::mcp::{self, tool_services};

/// Runs the server on this process's stdin and stdout until the client closes stdin.
/// Exit 0 then; 1 when the server could not start (the reason is logged).
pub fn exec(ctx: &Context) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("mcp-stdio: no async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let services = tool_services(ctx);
    match runtime.block_on(mcp::serve(
        ctx,
        services,
        tokio::io::stdin(),
        tokio::io::stdout(),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("mcp-stdio: {e:#}");
            ExitCode::FAILURE
        }
    }
}
