//! `exomonad mcp-stdio`: the agent's MCP server on stdin/stdout ([`crate::mcp`]).
//!
//! Emits `AgentStarted` to the dashboard when the server starts and `AgentStopped` when its
//! client goes away (stdin closed), both with the agent id of [`Context`].

use std::process::ExitCode;
use std::sync::Arc;

use exomonad_protocol::{AgentEvent, EventKind};
use rmcp::ServiceExt as _;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::commands::guest::{GuestSource, load_configured};
use crate::context::Context;
use crate::events::{EventSink, SessionSink};
use crate::guest::{GuestOptions, HostState, ToolServices};
use crate::mcp::{GuestPool, McpServer, TOOL_CALL_LIMIT};
use crate::services::github::GitHubService;
use crate::services::zellij::Zellij;

/// Runs the server on this process's stdin and stdout until the client closes stdin.
/// Exit 0 then; 1 when the server could not start (the reason is logged).
pub fn run() -> ExitCode {
    let ctx = Context::from_process();
    let _log = crate::logging::init(&ctx.project_dir, "mcp", false);
    for w in &ctx.warnings {
        tracing::warn!("{w}");
    }
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
    // One GitHub client (and one token lookup) for the GitHub tools and the worker tools.
    let github = GitHubService::from_process(&ctx.config);
    let agents: Option<Arc<dyn crate::agents::Agents>> =
        match super::agents::orchestrator(&ctx, github.clone()) {
            Ok(o) => Some(Arc::new(o)),
            Err(e) => {
                tracing::warn!("mcp-stdio: worker tools unavailable: {e:#}");
                None
            }
        };
    let services = ToolServices {
        github: Some(github),
        agents,
    };
    match runtime.block_on(serve(
        &ctx,
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

/// The guest pool of an agent's server: instances of the configured guest with host state on
/// `ctx`'s project and session and the given tool services.
pub fn pool(ctx: &Context, services: ToolServices) -> GuestPool {
    let source = GuestSource::resolve(&ctx.config, &ctx.project_dir, ctx.role);
    let options = GuestOptions {
        timeout: TOOL_CALL_LIMIT,
        ..GuestOptions::default()
    };
    let project_dir = ctx.project_dir.clone();
    let session = ctx.session.clone();
    GuestPool::new(Box::new(move || {
        let mut host = HostState::new(
            project_dir.clone(),
            Box::new(SessionSink::new(Zellij::from_env(), session.clone())),
            session.clone(),
        );
        host.tools = services.clone();
        load_configured(&source, host, &options)
    }))
}

/// Serves MCP on `read`/`write` for the agent of `ctx` until the client goes away, with the
/// start and stop events around it.
///
/// # Errors
/// When the `initialize` handshake fails or the transport breaks.
pub async fn serve<R, W>(
    ctx: &Context,
    services: ToolServices,
    read: R,
    write: W,
) -> anyhow::Result<()>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let pool = Arc::new(pool(ctx, services));
    let warm = {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || pool.warm())
    };
    let events = SessionSink::new(Zellij::from_env(), ctx.session.clone());
    let started = emit(&events, ctx, EventKind::AgentStarted { runtime: None });
    let server = McpServer::new(ctx.agent_id.clone(), ctx.role, pool);
    let result = async {
        let running = server.serve((read, write)).await?;
        tracing::info!("mcp-stdio: serving {}", ctx.agent_id);
        let reason = running.waiting().await?;
        tracing::info!("mcp-stdio: the client went away ({reason:?})");
        anyhow::Ok(())
    }
    .await;
    if let Ok(Err(e)) = warm.await {
        tracing::error!("mcp-stdio: {e}");
    }
    let _ = started.await;
    let _ = emit(
        &events,
        ctx,
        EventKind::AgentStopped {
            reason: Some("the MCP client went away".to_owned()),
        },
    )
    .await;
    result
}

/// Sends one event for the agent of `ctx` off the async threads.
fn emit(events: &SessionSink, ctx: &Context, kind: EventKind) -> tokio::task::JoinHandle<()> {
    let mut events = events.clone();
    let event = AgentEvent::now(ctx.agent_id.clone(), kind);
    tokio::task::spawn_blocking(move || events.send(&event))
}
